"""Unity Catalog: the catalogs, schemas and tables the signed-in user may see, through the SDK as them."""

from __future__ import annotations

import base64
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from databricks.sdk import WorkspaceClient
from databricks.sdk import errors as sdk_errors
from databricks.sdk.service.catalog import TableInfo

from core.errors import InvalidInput
from core.identity import UserIdentity
from core.settings import Settings
from services import workspace
from services.errors import translated

log = logging.getLogger(__name__)
AccessLevel = Literal["READ", "WRITE", "NONE"]
MAX_TABLES_LISTED = 500  # the largest page of tables
DEFAULT_TABLES_PAGE = 100
MAX_PAGE_TOKEN_CHARS = 2048
MAX_UC_TOKEN_CHARS = 1024
JSON = {"Accept": "application/json"}
# The names the app accepts for a catalog, schema or table, from any caller: ASCII letters, digits, '_' and '-'.
# The SDK puts names into URL paths unescaped, and the warehouse into SQL (quoted): '/', '.', '%', '?', '#',
# quotes, backticks, '--', white space, control characters and unicode look-alikes never get that far.
NAME = re.compile(r"(?!.*--)[A-Za-z0-9_][A-Za-z0-9_-]{0,254}")
NamePart = Literal["catalog", "schema", "table"]


def checked_name(value: object, part: NamePart) -> str:
    """`value` when it is a name the app may send to Unity Catalog and the warehouse; else InvalidInput naming
    `part` (the field a caller filled in)."""
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise InvalidInput(
            f"Invalid {part} name {str(value)[:80]!r}: use letters, digits, '_' or '-'.",
            technical_details={"field": part},
        )
    return value


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


@dataclass(frozen=True)
class TablePage:
    """One page of tables, and the token of the next page (None on the last)."""

    tables: list[DataSource]
    next_page_token: str | None


@dataclass(frozen=True)
class Position:
    """Where a page of tables starts: in `schema` of `catalog`, at Unity Catalog's own page `token`; with no
    token, after that schema. A client holds it as an opaque page token, and may alter it: it is checked."""

    catalog: str
    schema: str
    token: str | None

    def encode(self) -> str:
        """The opaque page token a client sends back."""
        return base64.urlsafe_b64encode(json.dumps([self.catalog, self.schema, self.token]).encode()).decode()

    @classmethod
    def decode(cls, page_token: str) -> Position:
        """The position a page token holds; InvalidInput naming page_token when it is not one of ours."""
        try:
            if len(page_token) > MAX_PAGE_TOKEN_CHARS:
                raise ValueError("too long")
            catalog, schema, token = json.loads(base64.urlsafe_b64decode(page_token.encode()))
            if token is not None and not (isinstance(token, str) and 0 < len(token) <= MAX_UC_TOKEN_CHARS):
                raise ValueError("not a Unity Catalog page token")
            return cls(checked_name(catalog, "catalog"), checked_name(schema, "schema"), token)
        except (ValueError, TypeError, InvalidInput):  # binascii.Error and JSONDecodeError are ValueErrors
            raise InvalidInput("page_token is not valid.", technical_details={"field": "page_token"}) from None


def _in_catalog(action: str, *names: str | None) -> AbstractContextManager[None]:
    """The error translation for a Unity Catalog call about the securable `names` (catalog, schema, table)."""
    parts = dict(zip(("catalog", "schema", "table"), names, strict=False))
    return translated("unity_catalog", action=action, subject=".".join(n for n in names if n) or None, details=parts)


def _access_level(client: WorkspaceClient, full_name: str) -> AccessLevel:
    # A listed table's name comes from Unity Catalog, which allows '#', '?' and '%' in names: escaped for the path.
    securable = quote(full_name, safe="")
    assignments = client.grants.get_effective(securable_type="table", full_name=securable).privilege_assignments
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


def _catalogs(client: WorkspaceClient) -> list[str]:
    with _in_catalog("catalogs.list"):
        return sorted(c.name for c in client.catalogs.list() if c.name)


def list_catalogs(*, settings: Settings, user: UserIdentity) -> list[str]:
    """Names of the catalogs the user may see."""
    with _in_catalog("catalogs.list"):
        return _catalogs(workspace.user_client(settings, user))


def list_schemas(*, settings: Settings, user: UserIdentity, catalog: str) -> list[str]:
    """Names of the schemas of `catalog` the user may see."""
    checked_name(catalog, "catalog")
    with _in_catalog("schemas.list", catalog):
        return _schemas(workspace.user_client(settings, user), catalog)


def _schemas(client: WorkspaceClient, catalog: str) -> list[str]:
    with _in_catalog("schemas.list", catalog):
        return sorted(s.name for s in client.schemas.list(catalog_name=catalog) if s.name)


def _tables_of(client: WorkspaceClient, at: Position, max_results: int) -> tuple[list[TableInfo], str | None]:
    """Up to `max_results` tables of one schema from Unity Catalog's page token, and its next token."""
    # include_browse: tables the user may only BROWSE are listed too (with access NONE), as Unity Catalog
    # lists them only when asked.
    query: dict[str, Any] = {
        "catalog_name": at.catalog,
        "schema_name": at.schema,
        "max_results": max_results,
        "include_browse": "true",
    }
    if at.token:
        query["page_token"] = at.token
    with _in_catalog("tables.list", at.catalog, at.schema):
        try:
            # The SDK's tables.list follows the tokens itself and never shows them; a page that stops inside a
            # schema needs the one it stops at, so this asks for one page of the same REST call.
            body = client.api_client.do("GET", "/api/2.1/unity-catalog/tables", query=query, headers=JSON)
        except sdk_errors.BadRequest as error:
            if not at.token:
                raise
            # Unity Catalog refused the token this app's page token carried: the client altered it.
            raise InvalidInput("page_token is not valid.", technical_details={"field": "page_token"}) from error
    found = body if isinstance(body, dict) else {}
    return [TableInfo.from_dict(t) for t in found.get("tables") or ()], found.get("next_page_token") or None


def _walk(
    client: WorkspaceClient, catalogs: list[str], schema: str | None, wanted: int, start: Position | None
) -> tuple[list[TableInfo], Position | None]:
    """The next `wanted` tables from `start`, catalog by catalog and schema by schema in name order, listing a
    catalog's schemas and a schema's tables only when the page reaches them; and where the next page starts."""
    infos: list[TableInfo] = []
    catalogs = [c for c in catalogs if start is None or c >= start.catalog]
    for c_index, catalog_name in enumerate(catalogs):
        schemas = [schema] if schema else _schemas(client, catalog_name)
        if start is not None and catalog_name == start.catalog:
            schemas = [s for s in schemas if s > start.schema or (s == start.schema and start.token)]
        for s_index, schema_name in enumerate(schemas):
            at = Position(catalog_name, schema_name, None)
            if start is not None and (catalog_name, schema_name) == (start.catalog, start.schema):
                at = start
            while True:
                found, token = _tables_of(client, at, wanted - len(infos))
                infos += found
                if token is None:
                    break
                at = Position(catalog_name, schema_name, token)
                if len(infos) >= wanted:
                    return infos, at
            last = c_index == len(catalogs) - 1 and s_index == len(schemas) - 1
            if len(infos) >= wanted:
                return infos, None if last else Position(catalog_name, schema_name, None)
    return infos, None


def list_tables_page(
    *,
    settings: Settings,
    user: UserIdentity,
    catalog: str | None = None,
    schema: str | None = None,
    max_results: int = DEFAULT_TABLES_PAGE,
    page_token: str | None = None,
) -> TablePage:
    """One page of the tables the user may see (in one schema, one catalog, or everywhere) with their access
    level: `max_results` (1..500) from `page_token` (the previous page's `next_page_token`).

    Catalogs and schemas are walked in name order, each listed only when the page reaches it; the last page has
    no next token (a page may be shorter than `max_results`, or even empty, before the last)."""
    if catalog is not None:
        checked_name(catalog, "catalog")
    if schema is not None:
        checked_name(schema, "schema")
    if isinstance(max_results, bool) or not isinstance(max_results, int) or not 1 <= max_results <= MAX_TABLES_LISTED:
        raise InvalidInput(
            f"max_results must be from 1 to {MAX_TABLES_LISTED}.", technical_details={"field": "max_results"}
        )
    start = Position.decode(page_token) if page_token is not None else None
    if start is not None and (start.catalog != (catalog or start.catalog) or start.schema != (schema or start.schema)):
        raise InvalidInput(
            "page_token belongs to another catalog or schema.", technical_details={"field": "page_token"}
        )
    client = workspace.user_client(settings, user)
    catalogs = [catalog] if catalog else _catalogs(client)
    infos, next_start = _walk(client, catalogs, schema, max_results, start)
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="uc-grants") as pool:
        levels = list(pool.map(lambda i: _access_level(client, i.full_name or ""), infos))
    tables = [_data_source(info, level) for info, level in zip(infos, levels, strict=True)]
    return TablePage(tables, next_start.encode() if next_start else None)


def list_tables(
    *, settings: Settings, user: UserIdentity, catalog: str | None = None, schema: str | None = None
) -> list[DataSource]:
    """The first MAX_TABLES_LISTED tables the user may see, in one schema, one catalog, or everywhere, with
    their access level (list_tables_page for the next ones)."""
    return list_tables_page(
        settings=settings, user=user, catalog=catalog, schema=schema, max_results=MAX_TABLES_LISTED
    ).tables


def get_table(*, settings: Settings, user: UserIdentity, catalog: str, schema: str, table: str) -> DataSource:
    """One table's details (columns with types and nullability, owner, comment) and the user's access."""
    full_name = f"{checked_name(catalog, 'catalog')}.{checked_name(schema, 'schema')}.{checked_name(table, 'table')}"
    client = workspace.user_client(settings, user)
    with _in_catalog("tables.get", catalog, schema, table):
        info = client.tables.get(full_name=full_name, include_browse=True)  # BROWSE shows the details too
        level = _access_level(client, full_name)
    return _data_source(info, level)


# The sidebar's tree and search. The tree lists one level at a time, when it is expanded; a search asks Unity
# Catalog's table summaries (name patterns matched by Unity Catalog, one call per catalog and pattern) and is
# bounded: at most SEARCH_CATALOGS catalogs, SEARCH_PAGES pages each, SEARCH_RESULTS names kept.
MAX_TREE_TABLES = 200
SEARCH_RESULTS = 50
SEARCH_CATALOGS = 20
SEARCH_PAGES = 3
SEARCH_PAGE_SIZE = 1000
MAX_SEARCH_CHARS = 200
SEARCH_TEXT = re.compile(r"[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*){0,2}")


@dataclass(frozen=True)
class NameList:
    """Names found, and whether the list stops before the end (a bound was reached)."""

    names: list[str]
    more: bool = False


def list_table_names(*, settings: Settings, user: UserIdentity, catalog: str, schema: str) -> NameList:
    """The first MAX_TREE_TABLES tables of a schema the user may see (BROWSE included), by name."""
    start = Position(checked_name(catalog, "catalog"), checked_name(schema, "schema"), None)
    infos, token = _tables_of(workspace.user_client(settings, user), start, MAX_TREE_TABLES)
    return NameList(sorted(i.name for i in infos if i.name), more=token is not None)


def _patterns(catalog: str, parts: list[str]) -> list[dict[str, str]]:
    """The (schema, table) LIKE patterns under which a full name of `catalog` may hold the searched text, the
    text's parts aligned at the catalog, schema or table level ('_' matches any character: a superset)."""
    if len(parts) == 1:
        if parts[0] in catalog:
            return [{}]  # every table of the catalog matches
        return [{"schema_name_pattern": f"%{parts[0]}%"}, {"table_name_pattern": f"%{parts[0]}%"}]
    first, last = parts[0], parts[-1]
    found: list[dict[str, str]] = []
    if catalog.endswith(first):
        schema = f"{parts[1]}%" if len(parts) == 2 else parts[1]
        found.append({"schema_name_pattern": schema} | ({"table_name_pattern": f"{last}%"} if len(parts) == 3 else {}))
    if len(parts) == 2:
        found.append({"schema_name_pattern": f"%{first}", "table_name_pattern": f"{last}%"})
    return found


def _summaries(client: WorkspaceClient, catalog: str, parts: list[str]) -> tuple[set[str], bool]:
    """Full names in `catalog` that may match, from a bounded number of summary pages; and whether it stopped."""
    names: set[str] = set()
    more = False
    for pattern in _patterns(catalog, parts):
        query: dict[str, Any] = {"catalog_name": catalog, "max_results": SEARCH_PAGE_SIZE} | pattern
        for _ in range(SEARCH_PAGES):
            with _in_catalog("tables.listSummaries", catalog):
                body = client.api_client.do("GET", "/api/2.1/unity-catalog/table-summaries", query=query, headers=JSON)
            found = body if isinstance(body, dict) else {}
            names.update(str(t.get("full_name")) for t in found.get("tables") or () if t.get("full_name"))
            query["page_token"] = found.get("next_page_token")
            if not query["page_token"]:
                break
        else:
            more = True
    return names, more


def search_tables(*, settings: Settings, user: UserIdentity, text: str) -> NameList:
    """Tables the user may read whose full name (catalog.schema.table) contains `text`, whatever its case, in
    name order: at most SEARCH_RESULTS, from at most SEARCH_CATALOGS catalogs (`more` says a bound was met)."""
    wanted = text.strip().lower() if isinstance(text, str) else ""
    if len(wanted) > MAX_SEARCH_CHARS or not SEARCH_TEXT.fullmatch(wanted):
        raise InvalidInput(
            "Search with letters, digits, '_', '-' and dots (catalog.schema.table).",
            technical_details={"field": "search", "max_chars": MAX_SEARCH_CHARS},
        )
    if not wanted.replace(".", ""):
        return NameList([])
    client = workspace.user_client(settings, user)
    catalogs = _catalogs(client)
    parts = wanted.split(".")
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="uc-search") as pool:
        found = list(pool.map(lambda c: _summaries(client, c, parts), catalogs[:SEARCH_CATALOGS]))
    names = sorted(n for names, _ in found for n in names if wanted in n.lower())
    more = len(catalogs) > SEARCH_CATALOGS or any(m for _, m in found) or len(names) > SEARCH_RESULTS
    return NameList(names[:SEARCH_RESULTS], more=more)
