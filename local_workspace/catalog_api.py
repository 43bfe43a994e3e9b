"""The Unity Catalog REST API of the local workspace, as Databricks documents it: catalogs, schemas and tables
(get, list, list_summaries, exists), grants (get, get_effective), with Unity Catalog's paging.

Paging: max_results below 0 is INVALID_PARAMETER_VALUE; 0 is the server's page length; above it, the server's
page length caps it; absent, the whole list in one answer. The page token is opaque and bound to its listing,
and the last page has none, so the SDK's iterators always end.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, request

from local_workspace.catalog import KINDS, LocalCatalog, SecurableKind
from local_workspace.errors import abort_databricks, current_principal
from local_workspace.uc_models import CATALOG, TableView, catalog_json, schema_json, summary_json, table_json

PREFIX = "/api/2.1/unity-catalog"
# The server's page lengths: what max_results=0 gives, and the most a larger max_results gets.
PAGE_LENGTHS = {"catalogs": 1000, "schemas": 1000, "tables": 50, "summaries": 10000, "grants": 1000}
# Grants pages are at least this long (max_results 1..149 is an invalid parameter, as documented).
MIN_GRANTS_PAGE = 150
# Securable types Unity Catalog has beyond the local catalog's three: asked about, none of them exists here.
OTHER_SECURABLES = {"metastore", "function", "volume", "external_location", "storage_credential", "connection"}


def _flag(name: str) -> bool:
    """A boolean query parameter ("true"/"false", as the SDK sends them)."""
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false"):
        abort_databricks(400, "INVALID_PARAMETER_VALUE", f"Invalid value for {name}: '{value}' is not a boolean.")
    return value == "true"


def _max_results(kind: str) -> int | None:
    """The page length the request asks for, as Unity Catalog reads max_results; None for the whole list."""
    raw = request.args.get("max_results")
    if raw is None:
        return None
    try:
        asked = int(raw)
    except ValueError:
        abort_databricks(400, "INVALID_PARAMETER_VALUE", f"max_results must be an integer, got '{raw[:40]}'.")
    if asked < 0:
        abort_databricks(
            400, "INVALID_PARAMETER_VALUE", f"max_results must be greater than or equal to 0, got {asked}."
        )
    if kind == "grants" and 0 < asked < MIN_GRANTS_PAGE:
        abort_databricks(
            400, "INVALID_PARAMETER_VALUE", f"max_results must be 0 or at least {MIN_GRANTS_PAGE}, got {asked}."
        )
    return min(asked or PAGE_LENGTHS[kind], PAGE_LENGTHS[kind])


def _page(items: list[dict[str, Any]], key: str, kind: str, listing: str) -> Response:
    """One page of `items` under `key`, from the request's page_token; the token names its listing, so one
    from another listing (or altered) is refused rather than followed."""
    size = _max_results(kind)
    start = _offset(request.args.get("page_token"), listing)
    if size is None:
        size = max(len(items) - start, 1)
    body: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        token = json.dumps([listing, start + size], separators=(",", ":")).encode()
        body["next_page_token"] = base64.urlsafe_b64encode(token).decode()
    return jsonify(body)


def _offset(token: str | None, listing: str) -> int:
    if not token:
        return 0
    try:
        named, offset = json.loads(base64.urlsafe_b64decode(token.encode()))
        if named != listing or not isinstance(offset, int) or offset < 0:
            raise ValueError("another listing")
        return offset
    except (ValueError, TypeError, binascii.Error):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        abort_databricks(400, "INVALID_PARAMETER_VALUE", "Invalid page_token.")


def _like(pattern: str | None) -> re.Pattern[str]:
    """A SQL LIKE pattern (% any run, _ one character, backslash escapes) as a case-insensitive regex."""
    if not pattern:
        return re.compile(".*", re.DOTALL)
    parts, escaped = [], False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            parts.append({"%": ".*", "_": "."}.get(char) or re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _not_found(kind: str, full_name: str) -> None:
    label = kind.capitalize()
    abort_databricks(404, f"{kind.upper()}_DOES_NOT_EXIST", f"{label} '{full_name}' does not exist.")


def _seen(catalog: LocalCatalog, kind: SecurableKind, full_name: str, *, include_browse: bool) -> bool:
    """Whether the caller gets the securable only as browse results; 404 when it is absent or hidden from them,
    403 when they may only browse it and the request does not ask for browse results."""
    principal = current_principal()
    exists = {
        "catalog": lambda: full_name == CATALOG,
        "schema": lambda: full_name.count(".") == 1 and catalog.schema_exists(*full_name.split(".")),
        "table": lambda: full_name in catalog.tables,
    }[kind]()
    access = catalog.access(principal, kind, full_name) if exists else None
    if access is None:
        _not_found(kind, full_name)
    if access == "browse" and not include_browse:
        abort_databricks(403, "PERMISSION_DENIED", catalog.missing_privilege(principal, full_name))
    return access == "browse"


def _view(catalog: LocalCatalog, table_name: str, *, browse_only: bool) -> TableView:
    """How the request wants the table shown, with its declared row filter and column masks."""
    declared = catalog.declared_policies
    row_filter = declared.row_filters.get(table_name)
    return TableView(
        omit_columns=_flag("omit_columns"),
        omit_properties=_flag("omit_properties"),
        omit_username=_flag("omit_username"),
        browse_only=browse_only,
        row_filter=row_filter.row_filter() if row_filter else None,
        masks={column: m.mask() for column, m in declared.masks.get(table_name, {}).items()},
    )


def catalog_blueprint(catalog: LocalCatalog) -> Blueprint:
    """The Unity Catalog REST API over the local catalog; it answers whether or not a warehouse runs."""
    api = Blueprint("unity_catalog", __name__)
    _catalogs_and_schemas(api, catalog)
    _tables(api, catalog)
    _grants(api, catalog)
    return api


def _catalogs_and_schemas(api: Blueprint, catalog: LocalCatalog) -> None:
    @api.get(f"{PREFIX}/catalogs")
    def list_catalogs() -> Response:
        principal = current_principal()
        names = catalog.catalogs(principal, include_browse=_flag("include_browse"))
        items = [catalog_json(n, browse_only=catalog.access(principal, "catalog", n) == "browse") for n in names]
        return _page(items, "catalogs", "catalogs", "catalogs")

    @api.get(f"{PREFIX}/catalogs/<name>")
    def get_catalog(name: str) -> Response:
        browse_only = _seen(catalog, "catalog", name.lower(), include_browse=_flag("include_browse"))
        return jsonify(catalog_json(name.lower(), browse_only=browse_only))

    @api.get(f"{PREFIX}/schemas")
    def list_schemas() -> Response:
        name, principal = request.args.get("catalog_name", "").lower(), current_principal()
        if name not in catalog.catalogs(principal, include_browse=True):
            _not_found("catalog", name)
        items = [
            schema_json(name, s, browse_only=catalog.access(principal, "schema", f"{name}.{s}") == "browse")
            for s in catalog.schemas(principal, name, include_browse=_flag("include_browse"))
        ]
        return _page(items, "schemas", "schemas", f"schemas:{name}")

    @api.get(f"{PREFIX}/schemas/<full_name>")
    def get_schema(full_name: str) -> Response:
        name = full_name.lower()
        browse_only = _seen(catalog, "schema", name, include_browse=_flag("include_browse"))
        return jsonify(schema_json(*name.split("."), browse_only=browse_only))


def _tables(api: Blueprint, catalog: LocalCatalog) -> None:
    @api.get(f"{PREFIX}/tables")
    def list_tables() -> Response:
        catalog_arg, schema_arg = request.args.get("catalog_name", ""), request.args.get("schema_name", "")
        schema, principal = f"{catalog_arg}.{schema_arg}".lower(), current_principal()
        if not catalog.schema_exists(catalog_arg, schema_arg) or catalog.access(principal, "schema", schema) is None:
            _not_found("schema", schema)
        tables = catalog.visible_tables(principal, catalog_arg, schema_arg, include_browse=_flag("include_browse"))
        items = [
            table_json(t, _view(catalog, t.full_name, browse_only=not catalog.can_select(principal, t))) for t in tables
        ]
        return _page(items, "tables", "tables", f"tables:{schema}")

    @api.get(f"{PREFIX}/table-summaries")
    def list_summaries() -> Response:
        name, principal = request.args.get("catalog_name", "").lower(), current_principal()
        if name not in catalog.catalogs(principal, include_browse=True):
            _not_found("catalog", name)
        patterns = [request.args.get(p, "") for p in ("schema_name_pattern", "table_name_pattern")]
        schema_like, table_like = (_like(p) for p in patterns)
        items = [
            summary_json(t)
            for s in catalog.schemas(principal, name, include_browse=False)
            if schema_like.fullmatch(s)
            for t in catalog.visible_tables(principal, name, s, include_browse=False)
            if table_like.fullmatch(t.name)
        ]
        return _page(items, "tables", "summaries", ":".join(["summaries", name, *patterns]))

    @api.get(f"{PREFIX}/tables/<full_name>")
    def get_table(full_name: str) -> Response:
        name = full_name.lower()
        browse_only = _seen(catalog, "table", name, include_browse=_flag("include_browse"))
        return jsonify(table_json(catalog.tables[name], _view(catalog, name, browse_only=browse_only)))

    @api.get(f"{PREFIX}/tables/<full_name>/exists")
    def table_exists(full_name: str) -> Response:
        return jsonify(table_exists=catalog.table(current_principal(), full_name) is not None)


def _grants(api: Blueprint, catalog: LocalCatalog) -> None:
    def effective(holder: str, name: str) -> list[dict[str, Any]]:
        held = catalog.held_by({holder}, name)
        inherited = {
            privilege: {"inherited_from_type": KINDS[source.count(".")].upper(), "inherited_from_name": source}
            for privilege, source in held.items()
            if source != name
        }
        return [{"privilege": privilege} | inherited.get(privilege, {}) for privilege in sorted(held)]

    def assignments(securable_type: str, full_name: str, privileges: Callable[[str, str], list[Any]]) -> Response:
        kind, name, listing = securable_type.lower(), full_name.lower(), privileges.__name__
        if kind in OTHER_SECURABLES:
            _not_found(kind, full_name)
        if kind not in KINDS:
            abort_databricks(400, "INVALID_PARAMETER_VALUE", f"Invalid securable type '{securable_type}'.")
        _seen(catalog, kind, name, include_browse=True)
        principal, wanted = current_principal(), request.args.get("principal")
        holders = catalog.grant_holders(name, inherited=privileges is effective)
        if not catalog.is_admin(principal):
            # Unity Catalog shows a user only their own grants (and their groups') unless they administer it.
            mine = catalog.holders(principal)
            if wanted is not None and wanted not in mine:
                denied = f"User does not have MANAGE on {kind.capitalize()} '{name}'."
                abort_databricks(403, "PERMISSION_DENIED", denied)
            holders = [h for h in holders if h in mine]
        items = [{"principal": h, "privileges": privileges(h, name)} for h in holders if wanted in (None, h)]
        items = [item for item in items if item["privileges"]]
        return _page(items, "privilege_assignments", "grants", f"grants:{listing}:{kind}:{name}:{wanted}")

    @api.get(f"{PREFIX}/permissions/<securable_type>/<full_name>")
    def get_permissions(securable_type: str, full_name: str) -> Response:
        return assignments(securable_type, full_name, catalog.direct_privileges)

    @api.get(f"{PREFIX}/effective-permissions/<securable_type>/<full_name>")
    def effective_permissions(securable_type: str, full_name: str) -> Response:
        return assignments(securable_type, full_name, effective)
