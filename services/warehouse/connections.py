"""Connections to the SQL warehouse through databricks-sql-connector, kept per user.

Connections are reused per user (by their user id and a hash of their token), never across users. Who a
connection acts as follows services.workspace's rule: the user's token; the app's service principal for
APP_IDENTITY, or for a user without a token only when ALLOW_APP_IDENTITY_FALLBACK is on. A statement runs on a
connection taken from the cache and goes back when its rows are read; a session the warehouse dropped
while the connection idled is reopened, and the statement run again, once.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import importlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from databricks import sql as dbsql
from databricks.sql.backend.sea.utils.conversion import SqlType, SqlTypeConverter

from core.errors import NotConfigured, QueryCancelled
from core.identity import UserIdentity
from core.request_context import record
from core.settings import Settings
from services import workspace
from services.errors import to_service_error, translated
from services.warehouse.cancel import registry

log = logging.getLogger(__name__)
# A cancellable statement's state is polled at once, then after 1 ms, 2 ms, ... up to POLL_MAX_SECONDS: a
# statement of a few milliseconds is answered in a few, and a long one costs a poll per 0.1 s (Cancel is seen
# within that).
POLL_FIRST_SECONDS = 0.001
POLL_MAX_SECONDS = 0.1
PENDING_STATES = ("PENDING", "RUNNING")
# Writes to the cancel registry, made beside the statement's first polls.
_registry_writes = ThreadPoolExecutor(max_workers=8, thread_name_prefix="cancel-registry")
# A statement's parameters: a dict of values (the connector infers each type), or the connector's named
# parameter objects (each bound as the type it names: services.analytics binds declared types so).
Parameters = Mapping[str, Any] | Sequence[Any]
Statement = tuple[str, Parameters]


class ConnectionCache:
    """Open connections kept per user (see `connection_key`), so a click does not open a session."""

    def __init__(self, max_total: int = 32) -> None:
        self.max_total = max_total
        self._idle: OrderedDict[str, list[Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.opened = 0

    @staticmethod
    def connection_key(settings: Settings, user: UserIdentity, *, as_app: bool) -> str:
        """Where the user's connections are kept: a hash of the warehouse, the user id and their token (or
        of who acts instead), never the token itself; so no two users, nor two warehouses, share one."""
        credential = "app-service-principal" if as_app else user.access_token or ""
        parts = (settings.databricks_host or "", settings.warehouse_id or "", user.user_id, credential)
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def take(self, key: str) -> Any | None:
        """An idle connection of the user, most recently used first, or None."""
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                self._idle.move_to_end(key)
                return idle.pop()
        return None

    def give_back(self, key: str, connection: Any, per_user: int) -> None:
        """Keep the connection for the user's next statement, within the per-user and total limits."""
        to_close = []
        with self._lock:
            idle = self._idle.setdefault(key, [])
            self._idle.move_to_end(key)
            if len(idle) < per_user:
                idle.append(connection)
            else:
                to_close.append(connection)
            while sum(map(len, self._idle.values())) > self.max_total:
                oldest_key, oldest = next(iter(self._idle.items()))
                if oldest:
                    to_close.append(oldest.pop(0))
                if not oldest:
                    del self._idle[oldest_key]
        for connection in to_close:
            _close_quietly(connection)

    def drop(self, key: str) -> None:
        """Close the idle connections kept under `key` (their sessions ended together, e.g. a warehouse restart)."""
        with self._lock:
            connections = self._idle.pop(key, [])
        for connection in connections:
            _close_quietly(connection)

    def clear(self) -> None:
        """Close every idle connection."""
        with self._lock:
            connections = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for connection in connections:
            _close_quietly(connection)


_cache = ConnectionCache()


def _close_quietly(connection: Any) -> None:
    try:
        connection.close()
    except Exception as error:  # closing a dead session must not hide the error that made us close it
        log.debug("closing a warehouse connection failed: %s", type(error).__name__)


# The SEA backend's own TIMESTAMP reader (dateutil's general parser), kept for text that is not ISO 8601.
_CONNECTOR_TIMESTAMP = SqlTypeConverter.TYPE_MAPPING[SqlType.TIMESTAMP]


def _parse_timestamp(text: str) -> Any:
    """A TIMESTAMP of a JSON result: the warehouse's ISO 8601 text by datetime's own parser, anything else as
    the connector reads it."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return _CONNECTOR_TIMESTAMP(text)


def _use_fast_timestamps() -> None:
    """Make the SEA backend read TIMESTAMP values with `_parse_timestamp`: its dateutil parse takes ~30 µs a
    value, 6 ms of a 100-row page with two timestamp columns; fromisoformat takes ~0.1 µs, same values."""
    SqlTypeConverter.TYPE_MAPPING[SqlType.TIMESTAMP] = _parse_timestamp


def connect(settings: Settings, user: UserIdentity) -> Any:
    """A new connector connection to the settings' warehouse as `user` (the app's service principal for
    APP_IDENTITY; UserAuthorizationRequired for a user without a token, unless ALLOW_APP_IDENTITY_FALLBACK);
    the app's queries reuse them through run_query, which also handles stale sessions."""
    return _open(settings, user, as_app=workspace.acts_as_app(settings, user))


def import_client() -> None:
    """Import the connector's client (0.7 s, pandas with it), which `dbsql.connect` would import at the first
    query: gunicorn's workers call it in the background once they serve (dashboard/gunicorn_conf.py)."""
    importlib.import_module("databricks.sql.client")


def require_warehouse(settings: Settings) -> None:
    """NotConfigured unless the settings name a workspace and a SQL warehouse."""
    if not settings.databricks_host or not settings.warehouse_id:
        raise NotConfigured(
            "No SQL warehouse is configured for this app: bind a sql-warehouse resource (DATABRICKS_WAREHOUSE_ID).",
            technical_details={"service": "sql_warehouse", "settings": ["DATABRICKS_HOST", "DATABRICKS_WAREHOUSE_ID"]},
        )


def _open(settings: Settings, user: UserIdentity, *, as_app: bool) -> Any:
    require_warehouse(settings)
    url = urlparse(settings.databricks_host)
    options: dict[str, Any] = {
        # The connector takes a bare host name for HTTPS, and a scheme only for plain HTTP.
        "server_hostname": f"http://{url.hostname}" if url.scheme == "http" else url.hostname,
        "http_path": f"/sql/1.0/warehouses/{settings.warehouse_id}",
        "use_sea": settings.sql_use_sea,
        "use_cloud_fetch": settings.sql_cloud_fetch,
        "enable_telemetry": settings.sql_telemetry,
        "_retry_stop_after_attempts_count": 2,
        "_retry_stop_after_attempts_duration": 10,
        "_socket_timeout": 60,
    }
    if url.port:
        options["_port"] = url.port
    if settings.sql_use_sea:
        _use_fast_timestamps()
    with translated("warehouse", action="connect", details={"warehouse_id": settings.warehouse_id}):
        if as_app:
            sp_config = workspace.service_principal_client(settings).config
            options["credentials_provider"] = lambda: sp_config.authenticate
        else:
            options["access_token"] = user.access_token
        connection = dbsql.connect(**options)
    _cache.opened += 1
    return connection


def _is_stale(error: Exception, *, reused: bool) -> bool:
    """Whether a failure may be a session the warehouse dropped while the connection idled here.

    Thrift says "Invalid SessionHandle"; the SEA backend reports only the HTTP status, so any request
    error on a reused connection counts, and is retried once on a fresh one."""
    text = str(error)
    if "Invalid SessionHandle" in text or ("session" in text.lower() and "expired" in text.lower()):
        return True
    return reused and isinstance(error, dbsql.exc.RequestError)


def _execute(
    cursor: Any, settings: Settings, statement: str, parameters: Parameters, query_token: str | None, owner: str
) -> None:
    if query_token is None:
        cursor.execute(statement, parameters)
        return
    # Started without waiting, so its id can be registered for Cancel (by its owner's user id), then polled
    # until it ends. A registry that cannot be reached leaves the query running, uncancellable.
    # The registry's write goes on beside the first polls (a statement of a few milliseconds does not wait for
    # Lakebase first), and has finished before the registry forgets the token.
    cursor.execute_async(statement, parameters)
    running = registry(settings)
    registered = _registry_writes.submit(
        contextvars.copy_context().run, running.register, query_token, str(cursor.query_id), owner
    )
    try:
        state = _wait_while_pending(cursor)
        if state.endswith("CANCELLED"):
            raise QueryCancelled(technical_details={"query_token": query_token})
        if state.endswith("FAILED"):
            # The async result says only "failed"; asked again synchronously, the warehouse names its error
            # class (INSUFFICIENT_PERMISSIONS, ...). Statements that fail do so before they run, so this is cheap.
            cursor.execute(statement, parameters)
            return
        # What get_async_execution_result() does once the state is known, without asking for the state twice more.
        cursor.active_result_set = cursor.backend.get_execution_result(cursor.active_command_id, cursor)
    finally:
        registered.result()
        running.forget(query_token, owner)


def _wait_while_pending(cursor: Any) -> str:
    """Poll an asynchronous statement's state, sooner at first and less often as it runs; its final state."""
    pause = POLL_FIRST_SECONDS
    while True:
        state = str(cursor.get_query_state()).rsplit(".", 1)[-1]  # CommandState.RUNNING -> RUNNING
        if state not in PENDING_STATES:
            return state
        time.sleep(pause)
        pause = min(pause * 2, POLL_MAX_SECONDS)


@dataclass(frozen=True)
class Rows:
    """The result of a statement that ran: its column names, and its rows fetched in pieces."""

    cursor: Any
    details: Mapping[str, Any]

    @property
    def columns(self) -> list[str]:
        return [d[0] for d in self.cursor.description or []]

    @property
    def description(self) -> list[tuple[Any, ...]]:
        """The DB-API description of each column (name, type name, ..., precision, scale, nullable)."""
        return [tuple(d) for d in self.cursor.description or []]

    def fetch(self, size: int | None = None) -> list[tuple[Any, ...]]:
        """The next `size` rows (all that remain without a size); an empty list at the end."""
        started = time.perf_counter()
        try:
            with translated("warehouse", action="fetch", details=self.details):
                found = self.cursor.fetchall() if size is None else self.cursor.fetchmany(size)
        finally:
            record(warehouse_ms=(time.perf_counter() - started) * 1000)
        return [tuple(row) for row in found]


def _start(
    settings: Settings,
    user: UserIdentity,
    statement: str,
    parameters: Parameters,
    details: Mapping[str, Any],
    query_token: str | None,
) -> tuple[Any, Any, str]:
    """A connection (cached, or new), a cursor on which the statement has run, and the connection's cache key."""
    # Decided before the cache is asked: a refused user never reaches a connection opened for anyone.
    as_app = workspace.acts_as_app(settings, user)
    key = ConnectionCache.connection_key(settings, user, as_app=as_app)
    for attempt in (1, 2):
        # The retry opens a new session: the other idle connections of the key went stale with this one.
        connection = _cache.take(key) if attempt == 1 else None
        reused = connection is not None
        try:
            if connection is None:
                connection = _open(settings, user, as_app=as_app)
            cursor = connection.cursor()
            _execute(cursor, settings, statement, parameters, query_token, user.user_id)
        except QueryCancelled:
            cursor.close()
            _cache.give_back(key, connection, settings.sql_pool_per_user)  # the session itself is fine
            raise
        except Exception as error:  # the retry must see the connector's own error to tell a stale session
            if connection is not None:
                _close_quietly(connection)
            failure = to_service_error(error, integration="warehouse", action="statement.execute", details=details)
            if attempt == 1 and not isinstance(failure, QueryCancelled) and _is_stale(error, reused=reused):
                log.info("warehouse session went stale; reopening")
                _cache.drop(key)
                continue
            log.warning("warehouse query failed: %s", type(error).__name__)
            raise failure from error
        return connection, cursor, key
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def executed(
    settings: Settings, user: UserIdentity, query: Statement, *, details: Mapping[str, Any], token: str | None = None
) -> Iterator[Rows]:
    """Run one statement (with its parameters) as the user and give its rows to the block; the connection
    goes back to the cache when the block ends, or is closed when it fails or is left early (its session
    may be busy).

    With a `token`, the statement can be cancelled meanwhile by `cancel_query` from any worker."""
    context = {"query_token": token} if token else {}
    context |= details
    started = time.perf_counter()
    try:
        connection, cursor, key = _start(settings, user, *query, context, token)
    finally:
        record(warehouse_ms=(time.perf_counter() - started) * 1000)
    finished = False
    try:
        yield Rows(cursor, context)
        finished = True
    finally:
        if finished:
            cursor.close()
            _cache.give_back(key, connection, settings.sql_pool_per_user)
        else:
            _close_quietly(connection)


def run_query(
    *,
    settings: Settings,
    user: UserIdentity,
    statement: str,
    parameters: Parameters,
    details: Mapping[str, Any] | None = None,
    query_token: str | None = None,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one SELECT as the user and return its column names and every row; a stale session is
    reopened and the query retried once."""
    with executed(settings, user, (statement, parameters), details=details or {}, token=query_token) as rows:
        return rows.columns, rows.fetch()


def close_connections() -> None:
    """Close every cached warehouse connection (at worker exit, and in tests)."""
    _cache.clear()
