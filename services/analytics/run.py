"""Run a named query file: check and convert its parameters, decide who it runs as, and get its result
through the two-level cache (services.analytics.cache) or, on a miss, from the warehouse."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any

from core.errors import NotFound
from core.identity import APP_IDENTITY, UserIdentity
from core.settings import Settings
from services import workspace
from services.analytics.cache import QueryCache, query_cache
from services.analytics.files import QueryFile, query_files
from services.analytics.parameters import bind_values, json_safe, native_parameters
from services.analytics.result import QueryResult, column_type, normalize
from services.warehouse.connections import executed


def find_query(settings: Settings, name: str) -> QueryFile:
    """The query file called `name`; NotFound when the app has none."""
    query = query_files(settings).get(name) if isinstance(name, str) else None
    if query is None:
        raise NotFound(f"There is no query named {str(name)[:100]!r}.", technical_details={"query": str(name)[:100]})
    return query


def principal_of(settings: Settings, query: QueryFile, user: UserIdentity) -> tuple[str, UserIdentity]:
    """Whose result this is (the cache's principal) and who runs it: the app for `@run_as app`; else the user,
    by services.workspace's rule (UserAuthorizationRequired without a token unless the app may act for them)."""
    if query.run_as == "app":
        return "app", APP_IDENTITY
    if workspace.acts_as_app(settings, user):
        # The service principal computes it, so it holds what the app may read: the app's entry, not the user's.
        return "app", user
    return f"user:{user.user_id}", user


def cache_key(settings: Settings, query: QueryFile, principal: str, parameters: Mapping[str, Any]) -> str:
    """sha256 over the workspace, warehouse, principal, query name, SQL text and canonical parameter values."""
    canonical = json.dumps({k: json_safe(v) for k, v in parameters.items()}, sort_keys=True, separators=(",", ":"))
    parts = (settings.databricks_host or "", settings.warehouse_id or "", principal, query.name, query.sql_hash)
    return hashlib.sha256("\0".join((*parts, canonical)).encode()).hexdigest()


def compute(settings: Settings, query: QueryFile, runner: UserIdentity, values: dict[str, Any]) -> QueryResult:
    """Run the query on the warehouse now, as `runner`, with its parameters bound by declared type."""
    started = time.perf_counter()
    statement = (query.sql, native_parameters(query.parameters, values))
    with executed(settings, runner, statement, details={"query": query.name}) as rows:
        description = rows.description
        found = rows.fetch()
    types = [column_type(d) for d in description]
    found = normalize(found, types)
    return QueryResult(
        name=query.name,
        columns=[str(d[0]) for d in description],
        column_types=types,
        rows=found,
        row_count=len(found),
        warehouse_ms=round((time.perf_counter() - started) * 1000),
        from_cache=False,
        computed_at=dt.datetime.now(dt.UTC),
        parameters={k: json_safe(v) for k, v in values.items()},
    )


def run(
    name: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    settings: Settings,
    user: UserIdentity,
    refresh: bool = False,
) -> QueryResult:
    """The result of the query file `name` with these parameter values (converted to their declared types),
    from the cache when it holds one for the same principal, query, SQL, values and warehouse; `refresh` skips
    the cache read (and stores the new result). INVALID_INPUT names a parameter that is wrong; NotFound for an
    unknown query."""
    query = find_query(settings, name)
    values = bind_values(query.parameters, dict(parameters or {}), query=query.name)
    principal, runner = principal_of(settings, query, user)
    key = cache_key(settings, query, principal, values)
    cache: QueryCache = query_cache(settings)
    return cache.get_or_compute(
        key,
        principal=principal,
        query=query.name,
        ttl_seconds=query.cache_ttl_seconds,
        refresh=refresh,
        compute=lambda: compute(settings, query, runner, values),
    )
