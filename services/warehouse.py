"""SQL warehouse queries through databricks-sql-connector: pages, aggregates and exports of one table.

Only SELECT is ever built here. Identifiers are checked against the table's real columns (from Unity
Catalog, as the user) and quoted; every value is a bound parameter. Connections are reused per user,
never across users, and a stale session is reopened once.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args
from urllib.parse import urlparse

from databricks import sql as dbsql

from core.errors import CatalogPermissionDenied, DatabaseUnavailable, InvalidInput, NotFound, ServiceError
from core.identity import UserIdentity
from core.settings import Settings
from services import catalog, workspace

log = logging.getLogger(__name__)

# ASCII letters, digits, underscore and hyphen: quotes, backticks, semicolons, comments, spaces and unicode
# look-alikes never reach SQL, even quoted.
IDENTIFIER = re.compile(r"^(?!.*--)[A-Za-z0-9_][A-Za-z0-9_-]{0,254}$")
Operator = Literal["=", "!=", "<", "<=", ">", ">=", "contains", "starts_with", "is_null", "not_null"]
OPERATORS: tuple[str, ...] = get_args(Operator)
Aggregation = Literal["count", "sum", "avg", "min", "max"]
AGGREGATIONS: tuple[str, ...] = get_args(Aggregation)
MAX_LIMIT = 1000
MAX_FILTERS = 20
MAX_CHART_GROUPS = 1000
EXPORT_MAX_ROWS = 50_000
NUMERIC = ("int", "bigint", "smallint", "tinyint", "long", "short", "byte", "double", "float", "decimal")
RETRY_AFTER_SECONDS = 10


class WarehouseUnavailable(DatabaseUnavailable):
    """The SQL warehouse cannot run queries now (the seed's 503 for Unity Catalog queries)."""

    default_message = "The SQL warehouse is temporarily unavailable."


class QueryCancelled(ServiceError):
    """The user cancelled the query; the warehouse stopped it."""

    error_code = "QUERY_CANCELLED"
    status = 409
    default_message = "The query was cancelled on the warehouse."


class QueryRegistry:
    """Which statement runs for which query token, shared by every worker of the app on this machine
    (a disk cache), so a Cancel click reaches the statement whichever worker serves it."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._cache: Any = None
        self._lock = threading.Lock()

    def _store(self) -> Any:
        with self._lock:
            if self._cache is None:
                import diskcache

                self._cache = diskcache.Cache(self.directory)
            return self._cache

    def register(self, token: str, statement_id: str, user_key: str) -> None:
        self._store().set(f"query:{token}", (statement_id, user_key), expire=3600)

    def forget(self, token: str) -> None:
        self._store().delete(f"query:{token}")

    def find(self, token: str) -> tuple[str, str] | None:
        found = self._store().get(f"query:{token}")
        return (str(found[0]), str(found[1])) if found else None


_registries: dict[str, QueryRegistry] = {}


def _registry(settings: Settings) -> QueryRegistry:
    return _registries.setdefault(settings.query_registry_dir, QueryRegistry(settings.query_registry_dir))


@dataclass(frozen=True)
class TableRef:
    """catalog.schema.table, each part a plain identifier."""

    catalog: str
    schema: str
    table: str

    def __post_init__(self) -> None:
        for part, value in (("catalog", self.catalog), ("schema", self.schema), ("table", self.table)):
            if not IDENTIFIER.match(value or ""):
                raise InvalidInput(
                    f"Invalid {part} name {value[:80]!r}: use letters, digits, '_' or '-'.",
                    technical_details={"field": part},
                )

    @classmethod
    def parse(cls, full_name: str) -> TableRef:
        parts = (full_name or "").split(".")
        if len(parts) != 3:
            raise InvalidInput("A table is named catalog.schema.table.", technical_details={"field": "table"})
        return cls(*parts)

    @property
    def full_name(self) -> str:
        return f"{self.catalog}.{self.schema}.{self.table}"

    @property
    def quoted(self) -> str:
        return ".".join(f"`{part}`" for part in (self.catalog, self.schema, self.table))


@dataclass(frozen=True)
class Filter:
    column: str
    operator: str
    value: Any = None


@dataclass(frozen=True)
class Sort:
    column: str
    direction: Literal["asc", "desc"] = "asc"


@dataclass(frozen=True)
class QueryResult:
    """The seed's QueryResult, plus the page it is and whether a next one exists."""

    query_id: str
    rows: list[dict[str, Any]]
    row_count: int
    execution_time_ms: int
    status: str
    sql_statement: str
    executed_at: dt.datetime
    user_id: str
    columns: list[str]
    limit: int
    offset: int
    has_next: bool


@dataclass(frozen=True)
class ChartData:
    """An aggregate per x value, computed on the warehouse."""

    x: list[Any]
    y: list[Any]
    x_column: str
    y_column: str | None
    aggregation: str
    sql_statement: str
    execution_time_ms: int


# Connections ---------------------------------------------------------------------------------------


class ConnectionCache:
    """Open connections kept per user (by a hash of their token), so a click does not open a session."""

    def __init__(self, max_total: int = 32) -> None:
        self.max_total = max_total
        self._idle: OrderedDict[str, list[Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.opened = 0

    @staticmethod
    def key(user: UserIdentity) -> str:
        secret = user.access_token or "service-principal"
        return hashlib.sha256(secret.encode()).hexdigest()

    def take(self, key: str) -> Any | None:
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                self._idle.move_to_end(key)
                return idle.pop()
        return None

    def give_back(self, key: str, connection: Any, per_user: int) -> None:
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

    def clear(self) -> None:
        with self._lock:
            connections = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for connection in connections:
            _close_quietly(connection)


_cache = ConnectionCache()


def _close_quietly(connection: Any) -> None:
    try:
        connection.close()
    except Exception as error:  # closing a dead session must not hide the real error
        log.debug("closing a warehouse connection failed: %s", type(error).__name__)


def connect(settings: Settings, user: UserIdentity) -> Any:
    """A new connector connection to the settings' warehouse as `user` (the app's service principal for
    APP_IDENTITY); the app's queries reuse them through run_query, which also handles stale sessions."""
    if not settings.databricks_host or not settings.warehouse_id:
        raise WarehouseUnavailable(
            "No SQL warehouse is configured.",
            technical_details={"settings": ["DATABRICKS_HOST", "DATABRICKS_WAREHOUSE_ID"]},
            retry_after=RETRY_AFTER_SECONDS,
        )
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
    if user.access_token:
        options["access_token"] = user.access_token
    else:
        sp_config = workspace.service_principal_client(settings).config
        options["credentials_provider"] = lambda: sp_config.authenticate
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


def _translate(error: Exception, table: TableRef | None) -> ServiceError:
    text = str(error)
    details: dict[str, Any] = {"catalog": table.catalog, "schema": table.schema, "table": table.table} if table else {}
    if "INSUFFICIENT_PERMISSIONS" in text:
        return CatalogPermissionDenied(technical_details=details | {"reason": "SELECT not granted"})
    if "TABLE_OR_VIEW_NOT_FOUND" in text:
        return NotFound("The table was not found, or you may not see it.", technical_details=details)
    if any(code in text for code in ("PARSE_SYNTAX_ERROR", "UNRESOLVED_COLUMN", "INVALID_PARAMETER_VALUE")):
        return InvalidInput("The warehouse refused the query.", technical_details=details | {"error": text[-300:]})
    return WarehouseUnavailable(
        technical_details=details | {"service": "sql_warehouse", "error_type": type(error).__name__},
        retry_after=RETRY_AFTER_SECONDS,
    )


def _execute(
    cursor: Any, settings: Settings, statement: str, parameters: dict[str, Any], query_token: str | None, key: str
) -> None:
    if query_token is None:
        cursor.execute(statement, parameters)
        return
    # Started without waiting, so its id can be registered for Cancel, then polled until it ends.
    cursor.execute_async(statement, parameters)
    registry = _registry(settings)
    registry.register(query_token, str(cursor.query_id), key)
    try:
        while cursor.is_query_pending():
            time.sleep(0.02)
        state = str(cursor.get_query_state())
        if state.endswith("CANCELLED"):
            raise QueryCancelled(technical_details={"query_token": query_token})
        if state.endswith("FAILED"):
            # The async result says only "failed"; asked again synchronously, the warehouse names its error
            # class (INSUFFICIENT_PERMISSIONS, ...). Statements that fail do so before they run, so this is cheap.
            cursor.execute(statement, parameters)
            return
        cursor.get_async_execution_result()
    finally:
        registry.forget(query_token)


def run_query(
    *,
    settings: Settings,
    user: UserIdentity,
    statement: str,
    parameters: dict[str, Any],
    table: TableRef | None = None,
    query_token: str | None = None,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one SELECT as the user; a stale session is reopened and the query retried once.

    With a `query_token`, the statement can be cancelled meanwhile by `cancel_query` from any worker."""
    key = ConnectionCache.key(user)
    for attempt in (1, 2):
        connection = _cache.take(key)
        reused = connection is not None
        try:
            if connection is None:
                connection = connect(settings, user)
            with connection.cursor() as cursor:
                _execute(cursor, settings, statement, parameters, query_token, key)
                rows = [tuple(row) for row in cursor.fetchall()]
                columns = [d[0] for d in cursor.description or []]
        except QueryCancelled:
            _cache.give_back(key, connection, settings.sql_pool_per_user)
            raise
        except ServiceError:
            raise
        except Exception as error:
            if connection is not None:
                _close_quietly(connection)
            if "CANCELED" in str(error) or "CANCELLED" in str(error):
                raise QueryCancelled(technical_details={"query_token": query_token}) from error
            if attempt == 1 and _is_stale(error, reused=reused):
                log.info("warehouse session went stale; reopening")
                continue
            log.warning("warehouse query failed: %s", type(error).__name__)
            raise _translate(error, table) from error
        _cache.give_back(key, connection, settings.sql_pool_per_user)
        return columns, rows
    raise AssertionError("unreachable")  # pragma: no cover


# Building queries ----------------------------------------------------------------------------------

_columns_cache: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}
COLUMNS_TTL_SECONDS = 60


def table_columns(*, settings: Settings, user: UserIdentity, table: TableRef) -> dict[str, str]:
    """The table's real columns and their types, as Unity Catalog tells this user (cached a minute)."""
    cache_key = (ConnectionCache.key(user), table.full_name)
    cached = _columns_cache.get(cache_key)
    if cached and time.monotonic() - cached[0] < COLUMNS_TTL_SECONDS:
        return cached[1]
    source = catalog.get_table(
        settings=settings, user=user, catalog=table.catalog, schema=table.schema, table=table.table
    )
    columns = {c.name: c.data_type.lower() for c in source.columns}
    if len(_columns_cache) > 512:
        _columns_cache.clear()
    _columns_cache[cache_key] = (time.monotonic(), columns)
    return columns


def _column(name: str, columns: dict[str, str]) -> str:
    if name not in columns:
        raise InvalidInput(
            f"The table has no column {name[:80]!r}.", technical_details={"field": "column", "columns": list(columns)}
        )
    return f"`{name}`"


def _typed(value: Any, column: str, kind: str) -> Any:
    """A filter value in the column's type, so comparisons are typed and the value is bound, not spliced."""
    try:
        if kind.startswith(("int", "bigint", "smallint", "tinyint", "long", "short", "byte")):
            return int(str(value))
        if kind.startswith(("double", "float", "decimal")):
            return float(str(value))
        if kind.startswith("timestamp"):
            return dt.datetime.fromisoformat(str(value))
        if kind.startswith("date"):
            return dt.date.fromisoformat(str(value))
        if kind.startswith("boolean"):
            if str(value).lower() not in ("true", "false"):
                raise ValueError("not true or false")
            return str(value).lower() == "true"
    except ValueError:
        raise InvalidInput(
            f"{str(value)[:80]!r} is not a valid {kind} for column {column!r}.",
            technical_details={"field": "value", "column": column, "type": kind},
        ) from None
    return str(value)


def _where(filters: Sequence[Filter], columns: dict[str, str]) -> tuple[str, dict[str, Any]]:
    if len(filters) > MAX_FILTERS:
        raise InvalidInput(f"At most {MAX_FILTERS} filters.", technical_details={"field": "filters"})
    clauses, parameters = [], {}
    for i, item in enumerate(filters):
        column = _column(item.column, columns)
        name = f"p{i}"
        if item.operator not in OPERATORS:
            raise InvalidInput(
                f"Unknown operator {str(item.operator)[:20]!r}.",
                technical_details={"field": "operator", "allowed": list(OPERATORS)},
            )
        if item.operator == "is_null":
            clauses.append(f"{column} IS NULL")
        elif item.operator == "not_null":
            clauses.append(f"{column} IS NOT NULL")
        elif item.value is None or str(item.value) == "":
            raise InvalidInput(f"The filter on {item.column!r} needs a value.", technical_details={"field": "value"})
        elif item.operator == "contains":
            clauses.append(f"instr(CAST({column} AS STRING), :{name}) > 0")
            parameters[name] = str(item.value)
        elif item.operator == "starts_with":
            clauses.append(f"left(CAST({column} AS STRING), length(:{name})) = :{name}")
            parameters[name] = str(item.value)
        else:
            clauses.append(f"{column} {item.operator} :{name}")
            parameters[name] = _typed(item.value, item.column, columns[item.column])
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), parameters


def _order(sort: Sort | None, columns: dict[str, str]) -> str:
    if sort is None:
        return ""
    if sort.direction not in ("asc", "desc"):
        raise InvalidInput("Sort direction is asc or desc.", technical_details={"field": "direction"})
    first = f"{_column(sort.column, columns)} {sort.direction.upper()}"
    # Every other column breaks ties, so pages under a sort are disjoint and complete.
    rest = [f"`{name}` ASC" for name in columns if name != sort.column]
    return " ORDER BY " + ", ".join([first, *rest])


def _value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if hasattr(value, "is_finite"):  # Decimal
        return float(value)
    return value


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
    """One page of the table (limit 1..1000 from offset >= 0), filtered and sorted on the warehouse;
    a `query_token` lets `cancel_query` stop it while it runs."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.", technical_details={"field": "limit"})
    if offset < 0:
        raise InvalidInput("offset must be 0 or more.", technical_details={"field": "offset"})
    columns = table_columns(settings=settings, user=user, table=table)
    where, parameters = _where(filters, columns)
    select = ", ".join(f"`{name}`" for name in columns)
    # One row more than asked says whether a next page exists.
    statement = f"SELECT {select} FROM {table.quoted}{where}{_order(sort, columns)} LIMIT {limit + 1} OFFSET {offset}"  # noqa: S608
    started = time.perf_counter()
    names, rows = run_query(
        settings=settings, user=user, statement=statement, parameters=parameters, table=table, query_token=query_token
    )
    elapsed = round((time.perf_counter() - started) * 1000)
    page = [{name: _value(v) for name, v in zip(names, row, strict=True)} for row in rows[:limit]]
    log.info("query page", extra={"table": table.full_name, "offset": offset, "limit": limit, "duration_ms": elapsed})
    return QueryResult(
        query_id=str(uuid.uuid4()),
        rows=page,
        row_count=len(page),
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


def aggregate(
    *,
    settings: Settings,
    user: UserIdentity,
    table: TableRef,
    x: str,
    y: str | None,
    aggregation: str,
    filters: Sequence[Filter] = (),
) -> ChartData:
    """AGG(y) per x value, computed on the warehouse (timestamps grouped by day), at most 1000 groups."""
    columns = table_columns(settings=settings, user=user, table=table)
    x_sql = _column(x, columns)
    if columns[x].startswith("timestamp"):
        x_sql = f"date_trunc('DAY', {x_sql})"
    if aggregation not in AGGREGATIONS:
        raise InvalidInput(
            f"Unknown aggregation {aggregation[:20]!r}.", technical_details={"allowed": list(AGGREGATIONS)}
        )
    if aggregation == "count":
        value_sql = "count(*)"
    else:
        if y is None:
            raise InvalidInput(f"{aggregation} needs a y column.", technical_details={"field": "y"})
        y_sql = _column(y, columns)
        if aggregation in ("sum", "avg") and not columns[y].startswith(NUMERIC):
            raise InvalidInput(f"{aggregation} needs a numeric y column.", technical_details={"field": "y"})
        value_sql = f"{aggregation}({y_sql})"
    where, parameters = _where(filters, columns)
    statement = (
        f"SELECT {x_sql} AS x, {value_sql} AS value FROM {table.quoted}{where} "  # noqa: S608
        f"GROUP BY 1 ORDER BY 1 LIMIT {MAX_CHART_GROUPS}"
    )
    started = time.perf_counter()
    _, rows = run_query(settings=settings, user=user, statement=statement, parameters=parameters, table=table)
    return ChartData(
        x=[_value(r[0]) for r in rows],
        y=[_value(r[1]) for r in rows],
        x_column=x,
        y_column=None if aggregation == "count" else y,
        aggregation=aggregation,
        sql_statement=statement,
        execution_time_ms=round((time.perf_counter() - started) * 1000),
    )


def export_csv(
    *,
    settings: Settings,
    user: UserIdentity,
    table: TableRef,
    filters: Sequence[Filter] = (),
    sort: Sort | None = None,
    max_rows: int = EXPORT_MAX_ROWS,
) -> Iterator[str]:
    """The filtered query as CSV, header first, at most `max_rows` rows, produced in pieces."""
    columns = table_columns(settings=settings, user=user, table=table)
    where, parameters = _where(filters, columns)
    select = ", ".join(f"`{name}`" for name in columns)
    statement = f"SELECT {select} FROM {table.quoted}{where}{_order(sort, columns)} LIMIT {max_rows}"  # noqa: S608
    names, rows = run_query(settings=settings, user=user, statement=statement, parameters=parameters, table=table)

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(names)
        for start in range(0, len(rows), 1000):
            writer.writerows([_value(v) for v in row] for row in rows[start : start + 1000])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return lines()


def cancel_query(*, settings: Settings, user: UserIdentity, query_token: str) -> bool:
    """Cancel the user's statement running under `query_token` on the warehouse; False when none runs.

    Only the user who started it may cancel it; the cancel goes through the Statement Execution API
    as that user, so it works whichever worker runs the query."""
    found = _registry(settings).find(query_token)
    if found is None:
        return False
    statement_id, owner = found
    if owner != ConnectionCache.key(user):
        return False
    try:
        workspace.user_client(settings, user).statement_execution.cancel_execution(statement_id)
    except Exception as error:
        raise _translate(error, None) from error
    log.info("cancelled a warehouse statement", extra={"statement_id": statement_id})
    return True


APP_IDENTITY = UserIdentity(user_id="app-service-principal", email=None, user_name=None, workspace_user=None)


def is_configured(settings: Settings) -> bool:
    """Whether the app was given a SQL warehouse."""
    return bool(settings.databricks_host and settings.warehouse_id)


def ping(settings: Settings) -> str:
    """SELECT 1 as the app's service principal, for the status card and /readyz."""
    run_query(settings=settings, user=APP_IDENTITY, statement="SELECT 1", parameters={})
    return f"warehouse {settings.warehouse_id} answers"


def close_connections() -> None:
    """Close every cached warehouse connection (at worker exit, and in tests)."""
    _cache.clear()
