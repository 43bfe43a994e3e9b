"""Unity Catalog: the catalogs, schemas and tables the signed-in user may see, through the SDK as them."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

from databricks.sdk import WorkspaceClient
from databricks.sdk import errors as sdk_errors
from databricks.sdk.service.catalog import TableInfo

from dashboard.settings import Settings
from services import workspace
from services.errors import CatalogPermissionDenied, NotFound, ServiceError
from services.identity import UserIdentity

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


def _translate(error: Exception, *, catalog: str, schema: str | None = None, table: str | None = None) -> ServiceError:
    details = {"catalog": catalog, "schema": schema, "table": table}
    if isinstance(error, sdk_errors.NotFound):
        what = ".".join(p for p in (catalog, schema, table) if p)
        return NotFound(f"{what} was not found, or you may not see it.", technical_details=details)
    if isinstance(error, sdk_errors.PermissionDenied):
        return CatalogPermissionDenied(technical_details=details)
    return workspace.translate_error(error, action="unity-catalog")


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
    try:
        return sorted(c.name for c in workspace.user_client(settings, user).catalogs.list() if c.name)
    except ServiceError:
        raise
    except Exception as error:
        raise _translate(error, catalog="*") from error


def list_schemas(*, settings: Settings, user: UserIdentity, catalog: str) -> list[str]:
    """Names of the schemas of `catalog` the user may see."""
    try:
        client = workspace.user_client(settings, user)
        return sorted(s.name for s in client.schemas.list(catalog_name=catalog) if s.name)
    except Exception as error:
        raise _translate(error, catalog=catalog) from error


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
            try:
                infos += list(client.tables.list(catalog_name=catalog_name, schema_name=schema_name))
            except Exception as error:
                raise _translate(error, catalog=catalog_name, schema=schema_name) from error
    infos = infos[:MAX_TABLES_LISTED]
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="uc-grants") as pool:
        levels = list(pool.map(lambda i: _access_level(client, i.full_name or ""), infos))
    return [_data_source(info, level) for info, level in zip(infos, levels, strict=True)]


def get_table(*, settings: Settings, user: UserIdentity, catalog: str, schema: str, table: str) -> DataSource:
    """One table's details (columns with types and nullability, owner, comment) and the user's access."""
    client = workspace.user_client(settings, user)
    full_name = f"{catalog}.{schema}.{table}"
    try:
        info = client.tables.get(full_name=full_name)
        level = _access_level(client, full_name)
    except Exception as error:
        raise _translate(error, catalog=catalog, schema=schema, table=table) from error
    return _data_source(info, level)
