"""Unity Catalog of the local workspace: the sample catalog in DuckDB, with grants from grants.toml, and its
REST API (catalogs, schemas, tables with pagination tokens, table details, effective permissions).

Answers for the caller's identity as Unity Catalog does: what you may not see is absent.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from flask import Blueprint, Response, jsonify, request

from local_workspace.errors import abort_databricks, current_principal
from local_workspace.identities import Principal

DEFAULT_GRANTS_FILE = Path(__file__).with_name("grants.toml")
CATALOG = "samples"
OWNER = "samples-admin@example.com"
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
}
SQL_TYPES = {"LONG": "bigint", "INT": "int", "SHORT": "smallint", "BYTE": "tinyint", "STRING": "string"}


@dataclass(frozen=True)
class Grant:
    principal: str
    securable: str  # catalog | schema | table
    name: str
    privileges: frozenset[str]


@dataclass(frozen=True)
class Column:
    name: str
    type_name: str
    type_text: str
    position: int
    nullable: bool
    precision: int | None = None
    scale: int | None = None


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


class LocalCatalog:
    """Catalog metadata and grants; DuckDB holds the data."""

    def __init__(self, database: Path, grants_file: Path = DEFAULT_GRANTS_FILE) -> None:
        self.database = database
        data = tomllib.loads(grants_file.read_text(encoding="utf-8"))
        self.grants = tuple(
            Grant(g["principal"], g["securable"], g["name"], frozenset(g["privileges"])) for g in data["grants"]
        )
        self.tables = self._read_tables()

    def _read_tables(self) -> dict[str, Table]:
        with duckdb.connect(str(self.database), read_only=True) as db:
            rows = db.execute(
                "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE schema_name <> 'main'"
            ).fetchall()
            tables = {}
            for schema, name, comment in rows:
                columns = db.execute(
                    "SELECT column_name, data_type, ordinal_position, is_nullable FROM information_schema.columns "
                    "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                    [schema, name],
                ).fetchall()
                table = Table(
                    CATALOG,
                    schema,
                    name,
                    comment,
                    tuple(
                        Column(
                            c[0],
                            *uc_type(c[1])[:2],
                            position=c[2] - 1,
                            nullable=c[3] == "YES",
                            precision=uc_type(c[1])[2],
                            scale=uc_type(c[1])[3],
                        )
                        for c in columns
                    ),
                )
                tables[table.full_name] = table
        return tables

    def privileges(self, principal: Principal, full_name: str) -> dict[str, str]:
        """Privileges of `principal` on a securable, each with where it is inherited from."""
        parts = full_name.split(".")
        holders = {principal.user_name, *principal.groups, "account users"}
        found: dict[str, str] = {}
        for grant in self.grants:
            if grant.principal not in holders:
                continue
            grant_parts = grant.name.split(".")
            if grant_parts == parts[: len(grant_parts)]:
                for privilege in grant.privileges:
                    found.setdefault(privilege, grant.name)
        if "ALL_PRIVILEGES" in found:
            source = found["ALL_PRIVILEGES"]
            for privilege in ("USE_CATALOG", "USE_SCHEMA", "SELECT", "BROWSE"):
                found.setdefault(privilege, source)
        return found

    def can_see_catalog(self, principal: Principal, catalog: str) -> bool:
        held = self.privileges(principal, catalog)
        return "USE_CATALOG" in held or "BROWSE" in held

    def can_see_schema(self, principal: Principal, catalog: str, schema: str) -> bool:
        held = self.privileges(principal, f"{catalog}.{schema}")
        return self.can_see_catalog(principal, catalog) and bool({"USE_SCHEMA", "BROWSE"} & set(held))

    def can_see_table(self, principal: Principal, table: Table) -> bool:
        held = self.privileges(principal, table.full_name)
        return self.can_see_schema(principal, table.catalog, table.schema) and bool({"SELECT", "BROWSE"} & set(held))

    def can_select(self, principal: Principal, table: Table) -> bool:
        held = self.privileges(principal, table.full_name)
        return {"USE_CATALOG", "USE_SCHEMA", "SELECT"} <= set(held)

    def catalogs(self, principal: Principal) -> list[str]:
        return [CATALOG] if self.can_see_catalog(principal, CATALOG) else []

    def schemas(self, principal: Principal, catalog: str) -> list[str]:
        names = sorted({t.schema for t in self.tables.values() if t.catalog == catalog})
        return [s for s in names if self.can_see_schema(principal, catalog, s)]

    def visible_tables(self, principal: Principal, catalog: str, schema: str) -> list[Table]:
        return [
            t
            for t in sorted(self.tables.values(), key=lambda t: t.full_name)
            if t.catalog == catalog and t.schema == schema and self.can_see_table(principal, t)
        ]

    def table(self, principal: Principal, full_name: str) -> Table | None:
        """The table if it exists and the principal may see it; None otherwise (as UC hides it)."""
        table = self.tables.get(full_name.lower())
        return table if table is not None and self.can_see_table(principal, table) else None


def table_json(table: Table) -> dict[str, Any]:
    """A table as Unity Catalog's REST API describes it."""
    return {
        "name": table.name,
        "catalog_name": table.catalog,
        "schema_name": table.schema,
        "full_name": table.full_name,
        "table_type": "MANAGED",
        "data_source_format": "DELTA",
        "owner": OWNER,
        "comment": table.comment,
        "columns": [
            {
                "name": c.name,
                "type_name": c.type_name,
                "type_text": c.type_text,
                "position": c.position,
                "nullable": c.nullable,
            }
            | ({"type_precision": c.precision, "type_scale": c.scale} if c.precision is not None else {})
            for c in table.columns
        ],
    }


def _page(items: list[dict[str, Any]], key: str) -> Response:
    """Unity Catalog's pagination: max_results and an opaque page_token (here, an offset)."""
    try:
        start = int(request.args.get("page_token") or 0)
        size = int(request.args.get("max_results") or 0) or len(items) or 1
    except ValueError:
        abort_databricks(400, "INVALID_PARAMETER_VALUE", "Invalid page_token or max_results.")
    body: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        body["next_page_token"] = str(start + size)
    return jsonify(body)


def catalog_blueprint(catalog: LocalCatalog) -> Blueprint:
    """The Unity Catalog REST API over the local catalog; it answers whether or not a warehouse runs."""
    api = Blueprint("unity_catalog", __name__)

    @api.get("/api/2.1/unity-catalog/catalogs")
    def list_catalogs() -> Response:
        names = catalog.catalogs(current_principal())
        return _page(
            [
                {
                    "name": n,
                    "full_name": n,
                    "owner": OWNER,
                    "catalog_type": "MANAGED_CATALOG",
                    "comment": "Generated sample data",
                }
                for n in names
            ],
            "catalogs",
        )

    @api.get("/api/2.1/unity-catalog/schemas")
    def list_schemas() -> Response:
        name = request.args.get("catalog_name", "")
        principal = current_principal()
        if name not in catalog.catalogs(principal):
            abort_databricks(404, "CATALOG_DOES_NOT_EXIST", f"Catalog '{name}' does not exist.")
        return _page(
            [
                {"name": s, "catalog_name": name, "full_name": f"{name}.{s}", "owner": OWNER}
                for s in catalog.schemas(principal, name)
            ],
            "schemas",
        )

    @api.get("/api/2.1/unity-catalog/tables")
    def list_tables() -> Response:
        catalog_name, schema_name = request.args.get("catalog_name", ""), request.args.get("schema_name", "")
        principal = current_principal()
        if not catalog.can_see_schema(principal, catalog_name, schema_name) or schema_name not in catalog.schemas(
            principal, catalog_name
        ):
            abort_databricks(404, "SCHEMA_DOES_NOT_EXIST", f"Schema '{catalog_name}.{schema_name}' does not exist.")
        return _page([table_json(t) for t in catalog.visible_tables(principal, catalog_name, schema_name)], "tables")

    @api.get("/api/2.1/unity-catalog/tables/<full_name>")
    def get_table(full_name: str) -> Response:
        table = catalog.table(current_principal(), full_name)
        if table is None:
            abort_databricks(404, "TABLE_DOES_NOT_EXIST", f"Table '{full_name}' does not exist.")
        return jsonify(table_json(table))

    @api.get("/api/2.1/unity-catalog/effective-permissions/<securable_type>/<full_name>")
    def effective_permissions(securable_type: str, full_name: str) -> Response:
        principal = current_principal()
        kind = securable_type.lower()
        visible = {
            "catalog": lambda: full_name in catalog.catalogs(principal),
            "schema": lambda: full_name.count(".") == 1 and catalog.can_see_schema(principal, *full_name.split(".")),
            "table": lambda: catalog.table(principal, full_name) is not None,
        }
        if kind not in visible or not visible[kind]():
            abort_databricks(404, f"{kind.upper()}_DOES_NOT_EXIST", f"{securable_type} '{full_name}' does not exist.")
        held = catalog.privileges(principal, full_name)
        privileges = [
            {"privilege": privilege}
            | (
                {
                    "inherited_from_name": source,
                    "inherited_from_type": ["CATALOG", "SCHEMA", "TABLE"][source.count(".")],
                }
                if source != full_name
                else {}
            )
            for privilege, source in sorted(held.items())
        ]
        return jsonify(privilege_assignments=[{"principal": principal.user_name, "privileges": privileges}])

    return api
