"""`<catalog>.information_schema.catalogs / schemata / tables / columns`, as Databricks defines them, showing only
what the caller may see (the securables they hold a privilege on, BROWSE included, as Unity Catalog limits them).

Each reference to one of these views becomes, for this statement only, a derived table of the caller's visible
rows (`SELECT CAST(c1 AS STRING) AS table_catalog, ... FROM VALUES (...) AS v(c1, ...)`), so WHERE, ORDER BY,
joins and aggregates work as over any view, and nothing reaches the engine's own catalog.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlglot import exp

from local_workspace.catalog import LocalCatalog
from local_workspace.identities import Principal
from local_workspace.sql_errors import SqlError, sql_error
from local_workspace.uc_models import CREATED_AT, OWNER, STORAGE_ROOT, Column, stable_id

SCHEMA = "information_schema"
SYSTEM_OWNER = "System user"
CREATED = dt.datetime.fromtimestamp(CREATED_AT / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
AUDIT = (
    ("created", "TIMESTAMP"),
    ("created_by", "STRING"),
    ("last_altered", "TIMESTAMP"),
    ("last_altered_by", "STRING"),
)
# Each view's columns (name, Databricks type) in the documented order.
VIEWS: dict[str, tuple[tuple[str, str], ...]] = {
    "catalogs": (("catalog_name", "STRING"), ("catalog_owner", "STRING"), ("comment", "STRING"), *AUDIT),
    "schemata": (
        ("catalog_name", "STRING"),
        ("schema_name", "STRING"),
        ("schema_owner", "STRING"),
        ("comment", "STRING"),
        *AUDIT,
    ),
    "tables": (
        ("table_catalog", "STRING"),
        ("table_schema", "STRING"),
        ("table_name", "STRING"),
        ("table_type", "STRING"),
        ("is_insertable_into", "STRING"),
        ("commit_action", "STRING"),
        ("table_owner", "STRING"),
        ("comment", "STRING"),
        *AUDIT,
        ("data_source_format", "STRING"),
        ("storage_path", "STRING"),
        ("storage_sub_directory", "STRING"),
    ),
    "columns": (
        ("table_catalog", "STRING"),
        ("table_schema", "STRING"),
        ("table_name", "STRING"),
        ("column_name", "STRING"),
        ("ordinal_position", "INT"),
        ("column_default", "STRING"),
        ("is_nullable", "STRING"),
        ("full_data_type", "STRING"),
        ("data_type", "STRING"),
        ("character_maximum_length", "INT"),
        ("character_octet_length", "STRING"),
        ("numeric_precision", "INT"),
        ("numeric_precision_radix", "INT"),
        ("numeric_scale", "INT"),
        ("datetime_precision", "INT"),
        ("interval_type", "STRING"),
        ("interval_precision", "INT"),
        ("maximum_cardinality", "INT"),
        ("is_identity", "STRING"),
        ("identity_generation", "STRING"),
        ("identity_start", "STRING"),
        ("identity_increment", "STRING"),
        ("identity_maximum", "STRING"),
        ("identity_minimum", "STRING"),
        ("identity_cycle", "STRING"),
        ("is_generated", "STRING"),
        ("generation_expression", "STRING"),
        ("is_system_time_period_start", "STRING"),
        ("is_system_time_period_end", "STRING"),
        ("system_time_period_timestamp_generation", "STRING"),
        ("is_updatable", "STRING"),
        ("partition_ordinal_position", "INT"),
        ("comment", "STRING"),
    ),
}
# NUMERIC_PRECISION of the base-2 numeric types, in bits, as the view documents it.
BITS = {"tinyint": 8, "smallint": 16, "int": 32, "bigint": 64, "float": 24, "double": 53}
Row = tuple[Any, ...]
# IDENTITY_GENERATION, _START, _INCREMENT, _MAXIMUM, _MINIMUM, _CYCLE: no identity columns here.
IDENTITY = (None,) * 6


def _audit() -> tuple[str, str, str, str]:
    return (CREATED, OWNER, CREATED, OWNER)


def _catalogs(lc: LocalCatalog, principal: Principal, _catalog: str) -> list[Row]:
    return [(name, OWNER, None, *_audit()) for name in lc.catalogs(principal)]


def _schemata(lc: LocalCatalog, principal: Principal, catalog: str) -> list[Row]:
    rows: list[Row] = [(catalog, s, OWNER, None, *_audit()) for s in lc.schemas(principal, catalog)]
    system = (CREATED, SYSTEM_OWNER, CREATED, SYSTEM_OWNER)
    return [*rows, (catalog, SCHEMA, SYSTEM_OWNER, "Information schema (auto-created)", *system)]


def _tables(lc: LocalCatalog, principal: Principal, catalog: str) -> list[Row]:
    return [
        (
            *(t.catalog, t.schema, t.name, "MANAGED", "YES", "PRESERVE", OWNER, t.comment, *_audit(), "DELTA"),
            *(f"{STORAGE_ROOT}/tables/{stable_id('table', t.full_name)}", None),
        )
        for s in lc.schemas(principal, catalog)
        for t in lc.visible_tables(principal, catalog, s)
    ]


def _numbers(column: Column) -> tuple[int | None, int | None, int | None, int | None]:
    """NUMERIC_PRECISION, NUMERIC_PRECISION_RADIX, NUMERIC_SCALE, DATETIME_PRECISION as documented."""
    base = column.type_text.split("(")[0]
    if base == "decimal":
        return column.precision, 10, column.scale, None
    if base in BITS:
        return BITS[base], 2, 0 if base not in ("float", "double") else None, None
    return None, None, None, {"date": 0, "timestamp": 3, "timestamp_ntz": 3}.get(base)


def _columns(lc: LocalCatalog, principal: Principal, catalog: str) -> list[Row]:
    rows: list[Row] = []
    for table in _tables(lc, principal, catalog):
        for column in lc.tables[f"{table[0]}.{table[1]}.{table[2]}"].columns:
            precision, radix, scale, datetime_precision = _numbers(column)
            nullable = "YES" if column.nullable else "NO"
            data_type = column.type_text.split("(")[0].upper()
            rows.append(
                (
                    *(*table[:3], column.name, column.position + 1, None, nullable, column.type_text, data_type),
                    *(None, None, precision, radix, scale, datetime_precision, None, None, None),
                    *("NO", *IDENTITY, "NO", None, "NO", "NO", None, "YES", None, column.comment),
                )
            )
    return rows


ROWS: dict[str, Callable[[LocalCatalog, Principal, str], list[Row]]] = {
    "catalogs": _catalogs,
    "schemata": _schemata,
    "tables": _tables,
    "columns": _columns,
}


def _literal(value: Any) -> exp.Expr:
    if value is None:
        return exp.null()
    if isinstance(value, int):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def derived_view(view: str, rows: Sequence[Row]) -> exp.Select:
    """The view's rows as a SELECT over VALUES, each column cast to its documented type."""
    columns = VIEWS[view]
    names = [f"c{i}" for i in range(len(columns))]
    values = [exp.Tuple(expressions=[_literal(v) for v in row]) for row in rows] or [
        exp.Tuple(expressions=[exp.null() for _ in columns])
    ]
    source = exp.Values(
        expressions=values,
        alias=exp.TableAlias(this=exp.to_identifier("v"), columns=[exp.to_identifier(n) for n in names]),
    )
    projections = [
        exp.alias_(exp.cast(exp.column(n), kind), name, quoted=True)
        for n, (name, kind) in zip(names, columns, strict=True)
    ]
    select = exp.select(*projections).from_(source)
    return select if rows else select.where(exp.false())


def table_not_found(parts: Sequence[str]) -> SqlError:
    """TABLE_OR_VIEW_NOT_FOUND for catalog.schema.table, in Databricks' words."""
    return sql_error(
        "TABLE_OR_VIEW_NOT_FOUND",
        f"The table or view `{'`.`'.join(parts)}` cannot be found. Verify the spelling and correctness of the "
        "schema and catalog. If you did not qualify the name with a schema, verify the current_schema() output, "
        "or qualify the name with the correct schema and catalog.",
    )


def expand(tree: exp.Expr, principal: Principal, lc: LocalCatalog, catalog: str, schema: str) -> None:
    """Replace each reference to an information_schema view in `tree` (in place) by the caller's rows of it;
    TABLE_OR_VIEW_NOT_FOUND for a view that does not exist or a catalog the caller may not see."""
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    for reference in list(tree.find_all(exp.Table)):
        if not isinstance(reference.this, exp.Identifier):
            continue
        in_schema = (reference.db or ("" if reference.name in ctes else schema)).lower() == SCHEMA
        if not in_schema:
            continue
        parts = [(reference.catalog or catalog).lower(), SCHEMA, reference.name.lower()]
        if parts[2] not in VIEWS or not lc.can_see_catalog(principal, parts[0]):
            raise table_not_found(parts)
        rows = ROWS[parts[2]](lc, principal, parts[0])
        alias = reference.args.get("alias") or exp.TableAlias(this=reference.this.copy())
        reference.replace(exp.Subquery(this=derived_view(parts[2], rows), alias=alias.copy()))
