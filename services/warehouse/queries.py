"""What the app asks the SQL warehouse, as the signed-in user: pages, aggregates and exports of one table."""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from databricks.sdk.service.sql import ExecuteStatementRequestOnWaitTimeout, StatementState

from core.errors import WarehouseUnavailable
from core.identity import APP_IDENTITY, UserIdentity
from core.settings import Settings
from services import catalog, workspace
from services.errors import translated
from services.warehouse import cancel, connections, export, sql
from services.warehouse.sql import EXPORT_MAX_ROWS, Filter, Page, Sort, TableRef
from services.warehouse.views import TableView

log = logging.getLogger(__name__)
COLUMNS_TTL_SECONDS = 60
MAX_CACHED_TABLES = 512
# Rows read from the warehouse, and written as CSV, at a time: an export never holds all its rows.
EXPORT_BATCH_ROWS = 1000
# A row count is kept this long per user, table and filters, for at most this many of them (in this process).
COUNT_TTL_SECONDS = 60
MAX_CACHED_COUNTS = 2048
PING_TIMEOUT_SECONDS = 5.0  # the status probes' own bound (services/status.py)


@dataclass(frozen=True)
class QueryResult:
    """The seed's QueryResult, plus the page it is and whether a next one exists."""

    query_id: str
    rows: list[dict[str, Any]]
    row_count: int
    execution_time_ms: int
    status: Literal["PENDING", "RUNNING", "SUCCEEDED", "FAILED"]
    sql_statement: str
    executed_at: dt.datetime
    user_id: str
    columns: list[str]
    limit: int
    offset: int
    has_next: bool
    error_message: str | None = None
    # How many rows the filters keep in all (a separate count(*) on the warehouse); None when not counted.
    total_count: int | None = None


_columns_cache: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}


def table_columns(*, settings: Settings, user: UserIdentity, table: TableRef) -> dict[str, str]:
    """The table's real columns and their types, as Unity Catalog tells this user (cached a minute)."""
    cache_key = (user.user_id, table.full_name)  # what Unity Catalog shows depends on who asks
    cached = _columns_cache.get(cache_key)
    if cached and time.monotonic() - cached[0] < COLUMNS_TTL_SECONDS:
        return cached[1]
    source = catalog.get_table(
        settings=settings, user=user, catalog=table.catalog, schema=table.schema, table=table.table
    )
    columns = {c.name: c.data_type.lower() for c in source.columns}
    if len(_columns_cache) > MAX_CACHED_TABLES:
        _columns_cache.clear()
    _columns_cache[cache_key] = (time.monotonic(), columns)
    return columns


def _value(value: Any) -> Any:
    """A warehouse value as JSON and CSV show it."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if hasattr(value, "is_finite"):  # Decimal
        return float(value)
    return value


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def query_page(
    *,
    settings: Settings,
    user: UserIdentity,
    table: TableRef,
    limit: int = 100,
    offset: int = 0,
    filters: Sequence[Filter] = (),
    sort: Sort | None = None,
    query_token: str | None = None,
) -> QueryResult:
    """One page of the table (limit 1..1000 from offset 0..MAX_OFFSET), filtered and sorted on the warehouse;
    a `query_token` lets `cancel_query` stop it while it runs."""
    page = Page(limit, offset)  # checked before anything is asked of Unity Catalog
    columns = table_columns(settings=settings, user=user, table=table)
    statement, parameters = sql.select_page(table, columns, page=page, filters=filters, sort=sort)
    started = time.perf_counter()
    names, rows = connections.run_query(
        settings=settings,
        user=user,
        statement=statement,
        parameters=parameters,
        details=table.details,
        query_token=query_token,
    )
    elapsed = _elapsed_ms(started)
    shown = [{name: _value(v) for name, v in zip(names, row, strict=True)} for row in rows[:limit]]
    log.info("query page", extra={"table": table.full_name, "offset": offset, "limit": limit, "duration_ms": elapsed})
    return QueryResult(
        query_id=str(uuid.uuid4()),
        rows=shown,
        row_count=len(shown),
        execution_time_ms=elapsed,
        status="SUCCEEDED",
        sql_statement=statement,
        executed_at=dt.datetime.now(dt.UTC),
        user_id=user.user_id,
        columns=list(columns),
        limit=limit,
        offset=offset,
        has_next=len(rows) > limit,
    )


def query_view(*, settings: Settings, user: UserIdentity, view: TableView) -> QueryResult:
    """The page a TableView shows (cancellable under the view's token)."""
    return query_page(
        settings=settings,
        user=user,
        table=view.table_ref,
        limit=view.limit,
        offset=view.offset,
        filters=view.filters,
        sort=view.sort,
        query_token=view.token,
    )


@dataclass(frozen=True)
class RowCount:
    """How many rows a table's filters keep, counted on the warehouse; `cached` when this process counted them
    within COUNT_TTL_SECONDS (then `execution_time_ms` is the time the count took then)."""

    total: int
    execution_time_ms: int
    cached: bool = False


class _CountCache:
    """Row counts by (user, statement, parameters), each for COUNT_TTL_SECONDS, the least recently used dropped
    past MAX_CACHED_COUNTS. The analytics cache does not fit: it holds query files' results, keyed by query file
    and parameters, with a Lakebase level shared between processes, which a count (one integer, cheap to
    compute again) does not need; a per-user key keeps row filters apart, as what a user may see is theirs."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, str, str], tuple[float, RowCount]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> RowCount | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or time.monotonic() - entry[0] >= COUNT_TTL_SECONDS:
                self._entries.pop(key, None)
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple[str, str, str], count: RowCount) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), count)
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_CACHED_COUNTS:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


counts = _CountCache()


def _count_statement(
    settings: Settings, user: UserIdentity, table: TableRef, filters: Sequence[Filter]
) -> tuple[str, dict[str, Any], tuple[str, str, str]]:
    """The count's statement, its parameters, and its cache key (the user's: row filters are per user)."""
    columns = table_columns(settings=settings, user=user, table=table)
    statement, parameters = sql.select_count(table, columns, filters=filters)
    return statement, parameters, (user.user_id, statement, repr(sorted(parameters.items())))


def count_rows(*, settings: Settings, user: UserIdentity, table: TableRef, filters: Sequence[Filter] = ()) -> RowCount:
    """How many rows of the table the filters keep: `SELECT count(*)` on the warehouse as the user (their row
    filters apply), cached a minute per user, table and filters."""
    statement, parameters, key = _count_statement(settings, user, table, filters)
    cached = counts.get(key)
    if cached is not None:
        return RowCount(cached.total, cached.execution_time_ms, cached=True)
    started = time.perf_counter()
    _, rows = connections.run_query(
        settings=settings, user=user, statement=statement, parameters=parameters, details=table.details
    )
    counted = RowCount(int(rows[0][0]), _elapsed_ms(started))
    counts.put(key, counted)
    log.info("count rows", extra={"table": table.full_name, "duration_ms": counted.execution_time_ms})
    return counted


def counted_view(*, settings: Settings, user: UserIdentity, view: TableView) -> RowCount | None:
    """The view's row count if this process counted it within COUNT_TTL_SECONDS, without asking the warehouse."""
    return counts.get(_count_statement(settings, user, view.table_ref, view.filters)[2])


def count_view(*, settings: Settings, user: UserIdentity, view: TableView) -> RowCount:
    """How many rows a TableView's filters keep (all its pages)."""
    return count_rows(settings=settings, user=user, table=view.table_ref, filters=view.filters)


def _csv_pieces(
    settings: Settings,
    user: UserIdentity,
    query: sql.Statement,
    table: TableRef,
    columns: dict[str, str],
    max_bytes: int,
) -> Generator[str, None, None]:
    """An empty string once the statement has run, then the CSV in pieces of EXPORT_BATCH_ROWS rows, ending
    after the last whole row within `max_bytes`.

    The user holds an export slot meanwhile. The connection goes back to the cache when the last piece is read,
    or is closed if the reader stops."""
    with export.slots.taken(user.user_id), connections.executed(settings, user, query, details=table.details) as rows:
        yield ""
        text_indexes = export.text_columns(columns)
        pending = export.render_header(list(columns))  # sent with the first rows
        room = max_bytes - len(pending.encode())
        while batch := rows.fetch(EXPORT_BATCH_ROWS):
            text, size, fitted = export.render_within(batch, text_indexes, room)
            pending, room = pending + text, room - size
            if fitted < len(batch):
                log.warning("export stopped at its byte cap", extra={"table": table.full_name, "max_bytes": max_bytes})
                break
            yield pending
            pending = ""
        yield pending


def export_csv(
    *,
    settings: Settings,
    user: UserIdentity,
    table: TableRef,
    filters: Sequence[Filter] = (),
    sort: Sort | None = None,
    max_rows: int = EXPORT_MAX_ROWS,
    max_bytes: int = export.EXPORT_MAX_BYTES,
) -> Generator[str, None, None]:
    """The filtered query as formula-safe CSV (see `export`), header first, at most `max_rows` rows and
    `max_bytes` bytes (whole rows), read and produced in pieces; at most MAX_EXPORTS_PER_USER at once per user."""
    columns = table_columns(settings=settings, user=user, table=table)
    query = sql.select_export(table, columns, filters=filters, sort=sort, max_rows=max_rows, as_text=True)
    pieces = _csv_pieces(settings, user, query, table, columns, max_bytes)
    # Run the statement now: a refused query (or one too many) is then an error response, not a download that
    # breaks off.
    next(pieces)
    return pieces


def cancel_query(*, settings: Settings, user: UserIdentity, query_token: str) -> bool:
    """Cancel the user's statement running under `query_token` on the warehouse; False when none runs.

    Only the user who started it may cancel it; the cancel goes through the Statement Execution API
    as that user, so it works whichever worker runs the query."""
    found = cancel.registry(settings).find(query_token)
    if found is None:
        return False
    statement_id, owner = found
    if owner != user.user_id:  # ownership is the user id, whatever token (or none) they hold
        return False
    with translated("warehouse", action="statement.cancel", details={"statement_id": statement_id}):
        workspace.user_client(settings, user).statement_execution.cancel_execution(statement_id)
    log.info("cancelled a warehouse statement", extra={"statement_id": statement_id})
    return True


def is_configured(settings: Settings) -> bool:
    """Whether the app was given a SQL warehouse."""
    return bool(settings.databricks_host and settings.warehouse_id)


def ping(settings: Settings, timeout_seconds: float = PING_TIMEOUT_SECONDS) -> str:
    """SELECT 1 on the warehouse as the app's service principal, for the status card and /readyz.

    Through the Statement Execution API (the SDK), not a connector session: the probe opens no session, and
    the connector's import (0.7 s, with pandas) is not on the way to the app's first ready answer. The SDK's
    retries are off (the caller probes again): a refusal is reported as it comes; a warehouse still starting
    when the wait ends has its statement cancelled, and is reported down until a later probe."""
    connections.require_warehouse(settings)
    details = {"warehouse_id": settings.warehouse_id}
    with translated("warehouse", action="execute_statement (SELECT 1)", details=details):
        response = workspace.DeadlineClients(settings, APP_IDENTITY).call(
            timeout_seconds,
            lambda client: client.statement_execution.execute_statement(
                statement="SELECT 1",
                warehouse_id=str(settings.warehouse_id),
                wait_timeout=f"{min(50, max(5, math.ceil(timeout_seconds)))}s",  # the API takes 5 to 50 s
                on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CANCEL,
            ),
        )
    state = response.status.state if response.status else None
    if state != StatementState.SUCCEEDED:
        error = response.status.error if response.status else None
        raise WarehouseUnavailable(
            technical_details={
                "warehouse_id": settings.warehouse_id,
                "state": state.value if state else None,
                "error": error.message if error else None,
            }
        )
    return f"warehouse {settings.warehouse_id} answers"
