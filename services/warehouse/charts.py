"""The Data page's chart: AGG(y) per x value over the rows a view filters, computed on the warehouse in one
statement, and the settings that describe it (as the URL and the page's store carry them, checked here).

How x is drawn follows from its column (`x_axis`):
- "category": identifiers and labels. A string, boolean or integer column, or any column whose name says it
  is an identifier (a name part `id`, `key`, `zip`, `code`, ... or ending in `key`: `pickup_zip`,
  `o_orderkey`). Its groups are ranked by value, largest first; the top N are drawn, and the rest folded into
  one "Other" group computed by the same statement: the aggregate over the rows of the remaining groups (count
  and sum add up, min and max take the smallest and largest, avg is their sum divided by their count, so
  it is the average over those rows, not an average of averages).
- "time": dates, and timestamps grouped by day; ordered by x.
- "number": other numbers (double, float, decimal); ordered by x.
Time and number axes keep their first MAX_CHART_GROUPS groups (by x), and say how many there were.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from databricks.sql.parameters.native import dbsql_parameter_from_primitive

from core.errors import InvalidInput
from core.identity import UserIdentity
from core.settings import Settings
from services.warehouse import connections, sql
from services.warehouse.queries import table_columns
from services.warehouse.sql import AGGREGATIONS, INTEGERS, MAX_CHART_GROUPS, Columns, Filter, TableRef
from services.warehouse.views import TableView

ChartType = Literal["bar", "line", "scatter"]
CHART_TYPES: tuple[str, ...] = get_args(ChartType)  # what preferences.ChartDefaults.chart_type allows
XAxis = Literal["category", "time", "number"]
ValueKind = Literal["integer", "decimal", "time", "text"]
TOP_N_CHOICES = (10, 20, 50)
DEFAULT_TOP_N = 20
SETTINGS_KEYS = frozenset({"x", "y", "aggregation", "chart_type", "top_n"})
MAX_COLUMN_CHARS = 255
# Name parts that make a column an identifier, whatever its type (`pickup_zip`, `customer_id`, `ZipCode`).
IDENTIFIER_PARTS = frozenset({"id", "ids", "uuid", "key", "zip", "zipcode", "postcode", "postal", "code", "no", "nr"})
TEMPORAL = ("timestamp", "date")
FRACTIONAL = ("double", "float", "real", "decimal", "dec", "numeric")


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, technical_details={"field": f"chart.{field}"})


def _column_name(value: object, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_COLUMN_CHARS:
        raise _invalid(field, f"The chart's {field} is a column name.")
    return value


def _top_n(value: object) -> int:
    if value is None or value == "":
        return DEFAULT_TOP_N
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text.isdigit() or int(text) not in TOP_N_CHOICES:
        raise _invalid("top_n", f"The chart shows the top {', '.join(map(str, TOP_N_CHOICES))} groups, no other.")
    return int(text)


@dataclass(frozen=True)
class ChartSettings:
    """What the chart shows: AGG(y) by x, drawn as `chart_type`, the top `top_n` groups of a category axis.
    `x` None is a chart not drawn yet (its other settings still start the controls)."""

    x: str | None = None
    y: str | None = None
    aggregation: str = "count"
    chart_type: str = "bar"
    top_n: int = DEFAULT_TOP_N

    def __post_init__(self) -> None:
        _column_name(self.x, "x")
        _column_name(self.y, "y")
        if self.aggregation not in AGGREGATIONS:
            raise _invalid("aggregation", f"The chart's aggregation is one of {', '.join(AGGREGATIONS)}.")
        if self.chart_type not in CHART_TYPES:
            raise _invalid("chart_type", f"The chart type is one of {', '.join(CHART_TYPES)}.")
        _top_n(self.top_n)

    @classmethod
    def from_store(cls, data: object, *, aggregation: str = "count", chart_type: str = "bar") -> ChartSettings:
        """The settings a store (from the URL) holds; what it leaves out from the defaults given (the user's
        saved chart defaults). InvalidInput naming the field that is not valid: the URL may hold anything."""
        if data is None or data == {}:
            return cls(aggregation=aggregation, chart_type=chart_type)
        if not isinstance(data, Mapping) or not set(data) <= SETTINGS_KEYS:
            raise _invalid("settings", "The chart's settings are {x, y, aggregation, chart_type, top_n}.")
        return cls(
            x=_column_name(data.get("x"), "x"),
            y=_column_name(data.get("y"), "y"),
            aggregation=data.get("aggregation") or aggregation,
            chart_type=data.get("chart_type") or chart_type,
            top_n=_top_n(data.get("top_n")),
        )

    def to_store(self) -> dict[str, Any]:
        return {
            "x": self.x,
            "y": self.y,
            "aggregation": self.aggregation,
            "chart_type": self.chart_type,
            "top_n": self.top_n,
        }


def _base_type(kind: str) -> str:
    found = re.match(r"[a-z_]+", kind.strip().lower())
    return found.group(0) if found else ""


def _name_parts(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)  # ZipCode -> Zip_Code
    return [part for part in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if part]


def is_identifier(name: str) -> bool:
    """Whether a column's name says it identifies or codes something (drawn as labels, never as numbers)."""
    parts = _name_parts(name)
    return any(part in IDENTIFIER_PARTS for part in parts) or bool(parts and parts[-1].endswith("key"))


def x_axis_of(name: str, kind: str) -> XAxis:
    """How a column is drawn as x (see the module's docstring)."""
    base = _base_type(kind)
    if base.startswith(TEMPORAL):
        return "time"
    if base in FRACTIONAL and not is_identifier(name):
        return "number"
    return "category"


def value_kind_of(aggregation: str, y_kind: str | None) -> tuple[ValueKind, int]:
    """What AGG(y) is, for formatting: integer, decimal (with its decimals), time or text."""
    base = _base_type(y_kind or "")
    if aggregation == "count" or (aggregation in ("sum", "min", "max") and y_kind and y_kind.startswith(INTEGERS)):
        return "integer", 0
    if aggregation in ("min", "max") and base.startswith(TEMPORAL):
        return "time", 0
    if aggregation in ("min", "max") and base not in sql.NUMERIC_TYPES:
        return "text", 0
    scale = re.match(r"decimal\(\s*\d+\s*,\s*(\d+)\s*\)", (y_kind or "").strip().lower())
    return "decimal", min(int(scale.group(1)), 4) if scale and aggregation != "avg" else 2


def _value_sql(chart: ChartSettings, columns: Columns) -> str:
    if chart.aggregation == "count":
        return "count(*)"
    if chart.y is None:
        raise _invalid("y", f"{chart.aggregation} needs a column to aggregate (Y).")
    y_sql = sql.column(chart.y, columns)
    if chart.aggregation in ("sum", "avg") and not sql.is_numeric(columns[chart.y]):
        raise _invalid("y", f"{chart.aggregation} needs a numeric column as Y; {chart.y} is {columns[chart.y]}.")
    return f"{chart.aggregation}({y_sql})"


def _other_sql(aggregation: str) -> str:
    """The "Other" group's value from the ranked groups: the aggregate over the rows they hold."""
    if aggregation in ("count", "sum"):
        return "sum(value)"
    if aggregation == "avg":
        return "sum(y_sum) / nullif(sum(y_count), 0)"
    return f"{aggregation}(value)"  # min, max


def chart_statement(
    table: TableRef, columns: Columns, chart: ChartSettings, filters: Sequence[Filter] = ()
) -> tuple[str, dict[str, Any], XAxis]:
    """The one SELECT that computes the chart (as it is sent, laid out to be read), its bound parameters and
    the x axis it fills. Rows: x, value, slot (1.. in drawing order; top_n + 1 is "Other"), group_count (all
    groups; for "Other", the groups it holds)."""
    if chart.x is None:
        raise _invalid("x", "Choose the column to group by (X).")
    x_sql = sql.column(chart.x, columns)
    axis = x_axis_of(chart.x, columns[chart.x])
    if _base_type(columns[chart.x]).startswith("timestamp"):
        x_sql = f"date_trunc('DAY', {x_sql})"
    value_sql = _value_sql(chart, columns)
    conditions, parameters = sql.where(filters, columns)
    average_parts = ""
    if chart.aggregation == "avg":
        y_sql = sql.column(chart.y or "", columns)
        average_parts = f",\n    sum({y_sql}) AS y_sum, count({y_sql}) AS y_count"
    grouped = (
        f"WITH grouped AS (\n  SELECT {x_sql} AS x, {value_sql} AS value{average_parts}\n"  # noqa: S608
        f"  FROM {table.quoted}{conditions}\n  GROUP BY 1\n)"
    )
    if axis != "category":
        statement = (
            f"{grouped}\nSELECT x, value, row_number() OVER (ORDER BY x) AS slot, count(*) OVER () AS group_count\n"
            f"FROM grouped\nORDER BY x\nLIMIT {MAX_CHART_GROUPS}"
        )
        return statement, parameters, axis
    statement = (
        f"{grouped},\nranked AS (\n  SELECT *,\n"  # noqa: S608 (identifiers quoted by sql.column, values bound)
        "    row_number() OVER (ORDER BY value DESC NULLS LAST, x ASC NULLS LAST) AS slot,\n"
        "    count(*) OVER () AS group_count\n  FROM grouped\n)\n"
        "SELECT x, value, slot, group_count FROM ranked WHERE slot <= :top_n\n"
        "UNION ALL\n"
        f"SELECT max(x), {_other_sql(chart.aggregation)}, :top_n + 1, count(*)\nFROM ranked WHERE slot > :top_n\n"
        "HAVING count(*) > 0\n"
        "ORDER BY slot"
    )
    return statement, parameters | {"top_n": chart.top_n}, axis


@dataclass(frozen=True)
class BoundParameter:
    """A parameter as the statement received it: its marker's name, its value and the SQL type it is bound as."""

    name: str
    value: str
    sql_type: str


@dataclass(frozen=True)
class ChartResult:
    """A chart computed on the warehouse, and how it was asked."""

    table: str
    settings: ChartSettings
    filters: tuple[Filter, ...]
    x_type: str
    y_type: str | None
    x_axis: XAxis
    value_kind: ValueKind
    decimals: int
    x: list[Any]
    values: list[Any]
    other_groups: int  # groups folded into "Other" (the last x), 0 without one
    group_count: int  # groups in all
    statement: str
    parameters: tuple[BoundParameter, ...]
    execution_time_ms: int

    @property
    def truncated(self) -> bool:
        """Whether a time or number axis holds fewer groups than there are."""
        return self.x_axis != "category" and self.group_count > len(self.x)


def bound_parameters(parameters: Mapping[str, Any]) -> tuple[BoundParameter, ...]:
    """Each parameter with the SQL type the connector binds it as (it infers the type from the value)."""
    shown = []
    for name, value in parameters.items():
        bound = dbsql_parameter_from_primitive(value, name=name)
        sql_type = str(bound.CAST_EXPR).split("(")[0]  # DECIMAL's is a template: DECIMAL({},{})
        shown.append(BoundParameter(name, _text(value), sql_type))
    return tuple(shown)


def _text(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _label(value: Any, axis: XAxis) -> Any:
    """An x value as the chart draws it: labels as text (an integral double id without ".0"), days as ISO dates
    (timestamps are grouped by day in the warehouse's session time zone)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if axis != "category":
        return float(value) if hasattr(value, "is_finite") else value
    if value is None:
        return "NULL"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def other_label(groups: int) -> str:
    """The label of the group that holds the rest (a label no value of the column can take by chance)."""
    return f"Other ({groups:,} groups)"


def _number(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return float(value) if hasattr(value, "is_finite") else value  # Decimal


def run_chart(*, settings: Settings, user: UserIdentity, view: TableView, chart: ChartSettings) -> ChartResult:
    """The chart over the rows `view` filters (all its pages), as the user."""
    table = view.table_ref
    columns = table_columns(settings=settings, user=user, table=table)
    statement, parameters, axis = chart_statement(table, columns, chart, view.filters)
    started = time.perf_counter()
    _, rows = connections.run_query(
        settings=settings, user=user, statement=statement, parameters=parameters, details=table.details
    )
    elapsed = round((time.perf_counter() - started) * 1000)
    other = [r for r in rows if axis == "category" and r[2] > chart.top_n]
    other_groups = int(other[0][3]) if other else 0
    kind, decimals = value_kind_of(chart.aggregation, columns.get(chart.y or ""))
    labels = [other_label(other_groups) if r in other else _label(r[0], axis) for r in rows]
    return ChartResult(
        table=view.table,
        settings=chart,
        filters=tuple(view.filters),
        x_type=columns[chart.x or ""],
        y_type=None if chart.aggregation == "count" else columns.get(chart.y or ""),
        x_axis=axis,
        value_kind=kind,
        decimals=decimals,
        x=labels,
        values=[_number(r[1]) for r in rows],
        other_groups=other_groups,
        group_count=int(rows[0][3]) if rows else 0,  # the first row is never "Other": top_n >= 10
        statement=statement,
        parameters=bound_parameters(parameters),
        execution_time_ms=elapsed,
    )
