"""Unity Catalog's objects as its REST API describes them: CatalogInfo, SchemaInfo, TableInfo with ColumnInfo
(type_name, type_text, type_json as Spark's StructField JSON), TableSummary.

Ids are uuid5 of the full name and times are fixed, so both stay the same across restarts of the local stack.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

CATALOG = "samples"
OWNER = "samples-admin@example.com"
# Every id is derived from a name under this namespace: the same securable has the same id on every start.
ID_NAMESPACE = uuid.UUID("5a3c1e0f-7d2b-4c6a-9e8f-1b2d3c4e5f60")
METASTORE_ID = str(uuid.uuid5(ID_NAMESPACE, "metastore"))
# When the sample catalog was "created" (2024-01-01T00:00:00Z, epoch milliseconds), the same on every start.
CREATED_AT = 1_704_067_200_000
STORAGE_ROOT = f"s3://local-workspace-metastore/{METASTORE_ID}"
# What Databricks sets on a new managed Delta table; the local tables live in DuckDB, not in Delta files.
TABLE_PROPERTIES = {"delta.minReaderVersion": "1", "delta.minWriterVersion": "2"}
# Unity Catalog's column type names, by DuckDB type (the first word of it).
UC_TYPES = {
    "BIGINT": "LONG",
    "INTEGER": "INT",
    "SMALLINT": "SHORT",
    "TINYINT": "BYTE",
    "DOUBLE": "DOUBLE",
    "FLOAT": "FLOAT",
    "DECIMAL": "DECIMAL",
    "VARCHAR": "STRING",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
    "BLOB": "BINARY",
}
# type_text (Databricks SQL) where it is not the type name in lower case.
SQL_TYPES = {"LONG": "bigint", "INT": "int", "SHORT": "smallint", "BYTE": "tinyint", "STRING": "string"}
# Spark's JSON type names (StructField.json) where they differ from type_text.
SPARK_JSON_TYPES = {"int": "integer", "smallint": "short", "tinyint": "byte", "bigint": "long"}


@dataclass(frozen=True)
class Column:
    name: str
    type_name: str
    type_text: str
    position: int
    nullable: bool
    precision: int | None = None
    scale: int | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Table:
    catalog: str
    schema: str
    name: str
    comment: str | None
    columns: tuple[Column, ...]

    @property
    def full_name(self) -> str:
        return f"{self.catalog}.{self.schema}.{self.name}"


def uc_type(duckdb_type: str) -> tuple[str, str, int | None, int | None]:
    """(type_name, type_text, precision, scale) of a DuckDB column type, as Unity Catalog names it."""
    upper = duckdb_type.upper()
    if upper.startswith("DECIMAL"):
        precision, scale = (int(x) for x in upper[upper.index("(") + 1 : upper.index(")")].split(","))
        return "DECIMAL", f"decimal({precision},{scale})", precision, scale
    name = UC_TYPES.get(upper, "STRING")
    return name, SQL_TYPES.get(name, name.lower()), None, None


def stable_id(kind: str, full_name: str) -> str:
    """The id of a securable: the same for the same kind and name on every start."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}:{full_name.lower()}"))


def type_json(column: Column) -> str:
    """The column as Spark's StructField JSON, which Databricks returns as ColumnInfo.type_json."""
    metadata = {"comment": column.comment} if column.comment else {}
    spark_type = SPARK_JSON_TYPES.get(column.type_text, column.type_text)
    return json.dumps(
        {"name": column.name, "type": spark_type, "nullable": column.nullable, "metadata": metadata},
        separators=(",", ":"),
    )


def _audit(*, omit_username: bool = False) -> dict[str, Any]:
    """Who created and last changed a securable, and when (the sample catalog never changes)."""
    users = {} if omit_username else {"owner": OWNER, "created_by": OWNER, "updated_by": OWNER}
    return users | {"created_at": CREATED_AT, "updated_at": CREATED_AT, "metastore_id": METASTORE_ID}


def catalog_json(name: str, *, browse_only: bool) -> dict[str, Any]:
    """A CatalogInfo."""
    return {
        "name": name,
        "full_name": name,
        "catalog_type": "MANAGED_CATALOG",
        "securable_type": "CATALOG",
        "comment": "Generated sample data",
        "id": stable_id("catalog", name),
        "storage_root": f"{STORAGE_ROOT}/catalogs/{stable_id('catalog', name)}",
        "isolation_mode": "OPEN",
        "properties": {},
        **_audit(),
    } | ({"browse_only": True} if browse_only else {})


def schema_json(catalog: str, schema: str, *, browse_only: bool) -> dict[str, Any]:
    """A SchemaInfo."""
    full_name = f"{catalog}.{schema}"
    return {
        "name": schema,
        "catalog_name": catalog,
        "full_name": full_name,
        "catalog_type": "MANAGED_CATALOG",
        "schema_id": stable_id("schema", full_name),
        "properties": {},
        **_audit(),
    } | ({"browse_only": True} if browse_only else {})


def column_json(column: Column, mask: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ColumnInfo."""
    body: dict[str, Any] = {
        "name": column.name,
        "type_name": column.type_name,
        "type_text": column.type_text,
        "type_json": type_json(column),
        "position": column.position,
        "nullable": column.nullable,
    }
    if column.precision is not None:
        body |= {"type_precision": column.precision, "type_scale": column.scale}
    if column.comment:
        body["comment"] = column.comment
    if mask is not None:
        body["mask"] = mask
    return body


@dataclass(frozen=True)
class TableView:
    """What a TableInfo answer leaves out or adds (the request's omit_* flags, the caller's browse-only access,
    the table's declared row filter and column masks in the REST shape)."""

    omit_columns: bool = False
    omit_properties: bool = False
    omit_username: bool = False
    browse_only: bool = False
    row_filter: dict[str, Any] | None = None
    masks: dict[str, dict[str, Any]] | None = None


def table_json(table: Table, view: TableView | None = None) -> dict[str, Any]:
    """A TableInfo."""
    view = view or TableView()
    table_id = stable_id("table", table.full_name)
    body: dict[str, Any] = {
        "name": table.name,
        "catalog_name": table.catalog,
        "schema_name": table.schema,
        "full_name": table.full_name,
        "table_type": "MANAGED",
        "data_source_format": "DELTA",
        "table_id": table_id,
        "storage_location": f"{STORAGE_ROOT}/tables/{table_id}",
        **_audit(omit_username=view.omit_username),
    }
    if table.comment:
        body["comment"] = table.comment
    if not view.omit_columns:
        masks = view.masks or {}
        body["columns"] = [column_json(c, masks.get(c.name)) for c in table.columns]
    if not view.omit_properties:
        body["properties"] = dict(TABLE_PROPERTIES)
    if view.row_filter is not None:
        body["row_filter"] = view.row_filter
    if view.browse_only:
        body["browse_only"] = True
    return body


def summary_json(table: Table) -> dict[str, Any]:
    """A TableSummary."""
    return {"full_name": table.full_name, "table_type": "MANAGED"}
