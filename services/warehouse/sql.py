"""The SELECT statements the app sends to the warehouse, built without any I/O.

Only SELECT is ever built here. A table name is checked against a strict pattern (`catalog.checked_name`);
a column name is checked against the table's real columns; every identifier, wherever it comes from (the
caller, or Unity Catalog's metadata), is quoted by `quote_identifier` alone, and every value is a bound
parameter, never part of the text.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from core.errors import InvalidInput
from core.limits import MAX_OFFSET
from services.catalog import checked_name

Operator = Literal["=", "!=", "<", "<=", ">", ">=", "contains", "starts_with", "is_null", "not_null"]
OPERATORS: tuple[str, ...] = get_args(Operator)
Aggregation = Literal["count", "sum", "avg", "min", "max"]
AGGREGATIONS: tuple[str, ...] = get_args(Aggregation)
Direction = Literal["asc", "desc"]
MAX_LIMIT = 1000
MAX_FILTERS = 20
MAX_CHART_GROUPS = 1000
EXPORT_MAX_ROWS = 50_000
INTEGERS = ("int", "bigint", "smallint", "tinyint", "long", "short", "byte")
NUMERIC = (*INTEGERS, "double", "float", "decimal")
# The numeric types by their exact base name ("decimal(18,2)" is a decimal, "interval day" is not an int).
NUMERIC_TYPES = frozenset({*NUMERIC, "integer", "real", "dec", "numeric"})
# A table's columns as Unity Catalog names them: name -> lower-case type ("bigint", "timestamp", ...).
Columns = Mapping[str, str]
Statement = tuple[str, dict[str, Any]]


def is_numeric(kind: str) -> bool:
    """Whether a column of this Unity Catalog type (as `table_columns` gives it) holds numbers."""
    base = re.match(r"[a-z_]+", kind.strip().lower())
    return base is not None and base.group(0) in NUMERIC_TYPES


def quote_identifier(name: str) -> str:
    """`name` as a Databricks SQL identifier: in backticks, a backtick inside doubled."""
    return "`" + name.replace("`", "``") + "`"


@dataclass(frozen=True)
class TableRef:
    """catalog.schema.table, each part a plain identifier."""

    catalog: str
    schema: str
    table: str

    def __post_init__(self) -> None:
        checked_name(self.catalog, "catalog")
        checked_name(self.schema, "schema")
        checked_name(self.table, "table")

    @classmethod
    def parse(cls, full_name: str) -> TableRef:
        """The reference named by `catalog.schema.table`."""
        parts = (full_name if isinstance(full_name, str) else "").split(".")
        if len(parts) != 3:
            raise InvalidInput("A table is named catalog.schema.table.", technical_details={"field": "table"})
        return cls(*parts)

    @property
    def full_name(self) -> str:
        return f"{self.catalog}.{self.schema}.{self.table}"

    @property
    def quoted(self) -> str:
        return ".".join(quote_identifier(part) for part in (self.catalog, self.schema, self.table))

    @property
    def details(self) -> dict[str, str]:
        """The parts, as error details name them."""
        return {"catalog": self.catalog, "schema": self.schema, "table": self.table}


@dataclass(frozen=True)
class Filter:
    """One condition on a column; `value` is unused by is_null and not_null."""

    column: str
    operator: str
    value: Any = None


@dataclass(frozen=True)
class Sort:
    """The column a page is ordered by first."""

    column: str
    direction: Direction = "asc"


@dataclass(frozen=True)
class Page:
    """Which rows of the result: `limit` (1..MAX_LIMIT) from `offset` (0..MAX_OFFSET)."""

    limit: int = 100
    offset: int = 0

    def __post_init__(self) -> None:
        # Both are written into the statement as numbers, so they must be ints of the allowed range.
        if not isinstance(self.limit, int) or not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.", technical_details={"field": "limit"})
        if not isinstance(self.offset, int) or not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidInput(f"offset must be from 0 to {MAX_OFFSET}.", technical_details={"field": "offset"})


def column(name: str, columns: Columns) -> str:
    """The quoted column, if the table has it; else InvalidInput naming the table's columns."""
    if not isinstance(name, str) or name not in columns:
        raise InvalidInput(
            f"The table has no column {str(name)[:80]!r}.",
            technical_details={"field": "column", "columns": list(columns)},
        )
    return quote_identifier(name)


def _finite_decimal(value: Any) -> decimal.Decimal:
    number = decimal.Decimal(str(value))
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def typed_value(value: Any, column: str, kind: str) -> Any:
    """A filter value in the column's type, so comparisons are typed and the value is bound, not spliced."""
    try:
        if kind.startswith(INTEGERS):
            return int(str(value))
        if kind.startswith("decimal"):  # bound as DECIMAL: exact, as the column is
            return _finite_decimal(value)
        if kind.startswith(("double", "float")):
            return float(str(value))
        if kind.startswith("timestamp"):
            return dt.datetime.fromisoformat(str(value))
        if kind.startswith("date"):
            return dt.date.fromisoformat(str(value))
        if kind.startswith("boolean"):
            if str(value).lower() not in ("true", "false"):
                raise ValueError("not true or false")
            return str(value).lower() == "true"
    except (ValueError, decimal.InvalidOperation):
        raise InvalidInput(
            f"{str(value)[:80]!r} is not a valid {kind} for column {column!r}.",
            technical_details={"field": "value", "column": column, "type": kind},
        ) from None
    return str(value)


def _condition(item: Filter, name: str, columns: Columns) -> tuple[str, dict[str, Any]]:
    """One filter as SQL, with its value bound to the parameter `name`."""
    quoted = column(item.column, columns)
    if item.operator not in OPERATORS:
        raise InvalidInput(
            f"Unknown operator {str(item.operator)[:20]!r}.",
            technical_details={"field": "operator", "allowed": list(OPERATORS)},
        )
    if item.operator == "is_null":
        return f"{quoted} IS NULL", {}
    if item.operator == "not_null":
        return f"{quoted} IS NOT NULL", {}
    if item.value is None or str(item.value) == "":
        raise InvalidInput(f"The filter on {item.column!r} needs a value.", technical_details={"field": "value"})
    if item.operator == "contains":
        return f"instr(CAST({quoted} AS STRING), :{name}) > 0", {name: str(item.value)}
    if item.operator == "starts_with":
        return f"left(CAST({quoted} AS STRING), length(:{name})) = :{name}", {name: str(item.value)}
    return f"{quoted} {item.operator} :{name}", {name: typed_value(item.value, item.column, columns[item.column])}


def where(filters: Sequence[Filter], columns: Columns) -> Statement:
    """` WHERE a AND b ...` (or nothing) and its parameters p0, p1, ..."""
    if len(filters) > MAX_FILTERS:
        raise InvalidInput(f"At most {MAX_FILTERS} filters.", technical_details={"field": "filters"})
    clauses: list[str] = []
    parameters: dict[str, Any] = {}
    for i, item in enumerate(filters):
        clause, bound = _condition(item, f"p{i}", columns)
        clauses.append(clause)
        parameters |= bound
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), parameters


def order_by(sort: Sort | None, columns: Columns) -> str:
    """` ORDER BY the sort, then every other column` (or nothing without a sort)."""
    if sort is None:
        return ""
    if sort.direction not in ("asc", "desc"):
        raise InvalidInput("Sort direction is asc or desc.", technical_details={"field": "direction"})
    first = f"{column(sort.column, columns)} {sort.direction.upper()}"
    # Every other column breaks ties, so pages under a sort are disjoint and complete.
    rest = [f"{quote_identifier(name)} ASC" for name in columns if name != sort.column]
    return " ORDER BY " + ", ".join([first, *rest])


def _select(
    table: TableRef, columns: Columns, filters: Sequence[Filter], sort: Sort | None, *, as_text: bool = False
) -> Statement:
    conditions, parameters = where(filters, columns)
    # As text, each column but the numeric ones is CAST to STRING, without an alias: ORDER BY and WHERE then
    # still name the table's own columns, not the strings.
    select = ", ".join(
        quote_identifier(name) if not as_text or is_numeric(kind) else f"CAST({quote_identifier(name)} AS STRING)"
        for name, kind in columns.items()
    )
    return f"SELECT {select} FROM {table.quoted}{conditions}{order_by(sort, columns)}", parameters  # noqa: S608


def select_page(
    table: TableRef, columns: Columns, *, page: Page, filters: Sequence[Filter] = (), sort: Sort | None = None
) -> Statement:
    """One page of the table; one row more than asked says whether a next page exists."""
    statement, parameters = _select(table, columns, filters, sort)
    return f"{statement} LIMIT {page.limit + 1} OFFSET {page.offset}", parameters


def select_export(
    table: TableRef,
    columns: Columns,
    *,
    filters: Sequence[Filter] = (),
    sort: Sort | None = None,
    max_rows: int = EXPORT_MAX_ROWS,
    as_text: bool = False,
) -> Statement:
    """The filtered, sorted table, at most `max_rows` rows; `as_text` asks for every column but the numeric ones
    as the warehouse writes it as a STRING (what a CSV holds), so the client parses no timestamp or date."""
    if not isinstance(max_rows, int) or max_rows < 1:
        raise InvalidInput("max_rows must be 1 or more.", technical_details={"field": "max_rows"})
    statement, parameters = _select(table, columns, filters, sort, as_text=as_text)
    return f"{statement} LIMIT {max_rows}", parameters


def select_count(table: TableRef, columns: Columns, *, filters: Sequence[Filter] = ()) -> Statement:
    """How many rows the filters keep (the same WHERE as a page's, its values bound), as `total`."""
    conditions, parameters = where(filters, columns)
    return f"SELECT count(*) AS total FROM {table.quoted}{conditions}", parameters  # noqa: S608
