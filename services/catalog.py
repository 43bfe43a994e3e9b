"""Unity Catalog: the catalogs, schemas and tables the signed-in user may see, through the SDK as them."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Literal

from databricks.sdk import WorkspaceClient
from databricks.sdk.service.catalog import TableInfo

from core.identity import UserIdentity
from core.settings import Settings
from services import workspace
from services.errors import translated

log = logging.getLogger(__name__)
AccessLevel = Literal["READ", "WRITE", "NONE"]
MAX_TABLES_LISTED = 500


@dataclass(frozen=True)
class ColumnInfo:
    """One column of a table, as the seed's DataSource lists it."""

    name: str
    data_type: str
    nullable: bool


@dataclass(frozen=True)
class DataSource:
    """A table and what the user may do with it (the seed's DataSource)."""

    catalog_name: str
    schema_name: str
    table_name: str
    full_name: str
    columns: tuple[ColumnInfo, ...]
    owner: str
    access_level: AccessLevel
    comment: str | None = None
    table_type: str | None = None
    row_count: int | None = None
    size_bytes: int | None = None


def _in_catalog(action: str, *names: str | None) -> AbstractContextManager[None]:
    """The error translation for a Unity Catalog call about the securable `names` (catalog, schema, table)."""
    parts = dict(zip(("catalog", "schema", "table"), names, strict=False))
    return translated("unity_catalog", action=action, subject=".".join(n for n in names if n) or None, details=parts)


def _access_level(client: WorkspaceClient, full_name: str) -> AccessLevel:
    assignments = client.grants.get_effective(securable_type="table", full_name=full_name).privilege_assignments
    held = {str(p.privilege.value if p.privilege else "") for a in assignments or () for p in a.privileges or ()}
    if {"MODIFY", "ALL_PRIVILEGES"} & held:
        return "WRITE"
    return "READ" if {"SELECT"} & held else "NONE"


def _data_source(info: TableInfo, access_level: AccessLevel) -> DataSource:
    return DataSource(
        catalog_name=info.catalog_name or "",
        schema_name=info.schema_name or "",
        table_name=info.name or "",
        full_name=info.full_name or "",
        columns=tuple(
            ColumnInfo(c.name or "", c.type_text or str(c.type_name.value if c.type_name else ""), bool(c.nullable))
            for c in sorted(info.columns or (), key=lambda c: c.position or 0)
        ),
        owner=info.owner or "",
        access_level=access_level,
        comment=info.comment,
        table_type=info.table_type.value if info.table_type else None,
    )


def list_catalogs(*, settings: Settings, user: UserIdentity) -> list[str]:
    """Names of the catalogs the user may see."""
    with _in_catalog("catalogs.list"):
        return sorted(c.name for c in workspace.user_client(settings, user).catalogs.list() if c.name)


def list_schemas(*, settings: Settings, user: UserIdentity, catalog: str) -> list[str]:
    """Names of the schemas of `catalog` the user may see."""
    with _in_catalog("schemas.list", catalog):
        client = workspace.user_client(settings, user)
        return sorted(s.name for s in client.schemas.list(catalog_name=catalog) if s.name)


def list_tables(
    *, settings: Settings, user: UserIdentity, catalog: str | None = None, schema: str | None = None
) -> list[DataSource]:
    """The tables the user may see, in one schema, one catalog, or everywhere, with their access level."""
    client = workspace.user_client(settings, user)
    catalogs = [catalog] if catalog else list_catalogs(settings=settings, user=user)
    infos: list[TableInfo] = []
    for catalog_name in catalogs:
        schemas = [schema] if schema else list_schemas(settings=settings, user=user, catalog=catalog_name)
        for schema_name in schemas:
            with _in_catalog("tables.list", catalog_name, schema_name):
                infos += list(client.tables.list(catalog_name=catalog_name, schema_name=schema_name))
    infos = infos[:MAX_TABLES_LISTED]
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="uc-grants") as pool:
        levels = list(pool.map(lambda i: _access_level(client, i.full_name or ""), infos))
    return [_data_source(info, level) for info, level in zip(infos, levels, strict=True)]


def get_table(*, settings: Settings, user: UserIdentity, catalog: str, schema: str, table: str) -> DataSource:
    """One table's details (columns with types and nullability, owner, comment) and the user's access."""
    client = workspace.user_client(settings, user)
    full_name = f"{catalog}.{schema}.{table}"
    with _in_catalog("tables.get", catalog, schema, table):
        info = client.tables.get(full_name=full_name)
        level = _access_level(client, full_name)
    return _data_source(info, level)
