"""The local SQL warehouse: the Statement Execution API 2.0 (sessionless, and the sessions
databricks-sql-connector's SEA backend opens), answering for the caller's Unity Catalog grants, with DuckDB
as the engine.

Each statement is parsed with sqlglot in the Databricks dialect, checked against the caller's grants for
every table it reads, translated to DuckDB (local_workspace.dialect) and run on a worker thread, so it can
be polled and cancelled; its result is kept as statements.py cuts it, and Query History (history.py)
records it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import logging
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from local_workspace import dialect, information_schema, metadata
from local_workspace.catalog import CATALOG, LocalCatalog, Table
from local_workspace.dialect import SqlError
from local_workspace.errors import abort_databricks
from local_workspace.history import QueryEntry, QueryHistory
from local_workspace.identities import Principal
from local_workspace.policies_apply import PolicyApplier
from local_workspace.sql_errors import cast_invalid_input, sql_error
from local_workspace.statements import (
    CHUNK_BYTES,
    CHUNK_ROWS,
    RESULT_LIFETIME_SECONDS,
    Limits,
    LinkSigner,
    Request,
    Statement,
    collect,
    collect_rows,
)

log = logging.getLogger(__name__)
SESSION_IDLE_SECONDS = 900
# DuckDB's own functions that read files, settings, the environment or the engine's catalog: Databricks has
# none of them, and here they would read around Unity Catalog's grants. Refused as Databricks refuses an
# unknown routine.
ENGINE_ONLY_FUNCTION = re.compile(
    r"^(getenv|current_setting|glob|query|query_table|sniff_csv|checkpoint|force_checkpoint|install|load"
    r"|read_\w+|duckdb_\w+|pragma_\w+|parquet_\w+|iceberg_\w+|delta_\w+|sqlite_\w+|postgres_\w+|mysql_\w+"
    r"|json_execute_serialized_sql|enable_\w+|disable_\w+|set_\w+|getvariable|which_secret)$",
    re.IGNORECASE,
)
# Table-valued functions Databricks has and the dialect translates.
TABLE_FUNCTIONS = frozenset({"range"})
MAX_KEPT_STATEMENTS = 2000
# Query History's statement types, by the statement's first keyword.
STATEMENT_TYPES = frozenset(
    {
        "ALTER",
        "ANALYZE",
        "COPY",
        "CREATE",
        "DELETE",
        "DESCRIBE",
        "DROP",
        "EXPLAIN",
        "GRANT",
        "INSERT",
        "MERGE",
        "OPTIMIZE",
        "REFRESH",
        "REPLACE",
        "REVOKE",
        "SELECT",
        "SET",
        "SHOW",
        "TRUNCATE",
        "UPDATE",
        "USE",
    }
)
NOT_READ_ONLY = (exp.Insert, exp.Update, exp.Delete, exp.Drop, exp.Create, exp.Alter, exp.Merge, exp.Command)
# Databricks' CREATE CATALOG, which sqlglot does not parse.
CREATE_CATALOG = re.compile(
    r"^\s*CREATE\s+CATALOG\s+(IF\s+NOT\s+EXISTS\s+)?`?([A-Za-z_][A-Za-z0-9_]{0,254})`?\s*;?\s*$", re.I
)


def statement_type(text: str) -> str:
    """The statement's type as Query History names it (SELECT, SHOW, ..., OTHER)."""
    stripped = re.sub(r"^(\s|--[^\n]*\n|/\*.*?\*/|\()*", "", text, flags=re.S)
    word = (stripped.split(None, 1) or [""])[0].upper()
    if word in ("WITH", "VALUES", "FROM", "TABLE"):
        return "SELECT"
    if word in ("DESC",):
        return "DESCRIBE"
    return word if word in STATEMENT_TYPES else "OTHER"


def bind(parameter: dict[str, Any]) -> Any:
    """A parameter's string value in the Python type its SQL type names (CAST_INVALID_INPUT otherwise)."""
    value, kind = parameter.get("value"), str(parameter.get("type") or "STRING").upper()
    if value is None or kind == "VOID":
        return None
    try:
        if kind in ("INT", "INTEGER", "BIGINT", "LONG", "SMALLINT", "TINYINT", "SHORT", "BYTE"):
            return int(str(value).strip())
        if kind in ("DOUBLE", "FLOAT", "REAL"):
            return float(value)
        if kind.startswith(("DECIMAL", "DEC", "NUMERIC")):
            return decimal.Decimal(str(value).strip())
        if kind == "BOOLEAN":
            if str(value).strip().lower() not in ("true", "false"):
                raise ValueError(value)
            return str(value).strip().lower() == "true"
        if kind == "DATE":
            return dt.date.fromisoformat(str(value).strip())
        if kind.startswith("TIMESTAMP"):
            return dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except (ValueError, decimal.InvalidOperation):
        raise cast_invalid_input(value, kind) from None
    return str(value)


def _refuse_engine_functions(tree: exp.Expr) -> None:
    """SqlError for a function only the engine has (see ENGINE_ONLY_FUNCTION), or a table-valued function
    Databricks does not have."""
    for function in tree.find_all(exp.Func):
        name = function.name if isinstance(function, exp.Anonymous) else function.sql_name()
        if ENGINE_ONLY_FUNCTION.match(name or ""):
            raise sql_error(
                "UNRESOLVED_ROUTINE",
                f"Cannot resolve routine `{name.lower()}` on search path [`system`.`builtin`, `system`.`session`].",
            )
    for reference in tree.find_all(exp.Table):
        if isinstance(reference.this, exp.Identifier):
            continue
        name = reference.this.name if isinstance(reference.this, exp.Anonymous) else ""
        if not isinstance(reference.this, exp.Func) or (
            name.lower() not in TABLE_FUNCTIONS and reference.this.sql_name().lower() not in TABLE_FUNCTIONS
        ):
            raise sql_error("UNRESOLVED_ROUTINE", "Cannot resolve this table-valued function.")


def _bound_parameters(tree: exp.Expr, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """The named parameters the statement uses, bound; an unused one is ignored as Databricks ignores it."""
    given = {str(p.get("name")): p for p in parameters}
    markers = list(tree.find_all(exp.Placeholder))
    if any(not marker.name for marker in markers):
        raise sql_error(
            "UNBOUND_SQL_PARAMETER",
            "Found the unbound parameter: ?. Positional parameters (?) are not supported by the Statement "
            "Execution API: use named parameter markers (:name).",
        )
    bound: dict[str, Any] = {}
    for name in dict.fromkeys(marker.name for marker in markers):
        if name not in given:
            raise sql_error(
                "UNBOUND_SQL_PARAMETER",
                f"Found the unbound parameter: {name}. Please, fix `args` and provide a mapping of the parameter "
                "to either a SQL literal or collection constructor functions such as `map()`, `array()`, "
                "`struct()`.",
            )
        bound[name] = bind(given[name])
    return bound


@dataclass
class Session:
    principal: Principal
    catalog: str
    schema: str
    last_used: float = field(default_factory=time.monotonic)
    settings: dict[str, str] = field(default_factory=lambda: dict(metadata.DEFAULT_SETTINGS))


@dataclass
class Timings:
    """Where a statement's time went, in seconds (the warehouse keeps running totals to measure with)."""

    statements: int = 0
    prepare: float = 0.0  # parse, grant check, translation
    execute: float = 0.0  # DuckDB: run and read the result
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, prepare: float = 0.0, execute: float = 0.0) -> None:
        with self.lock:
            self.statements += 1 if prepare else 0
            self.prepare += prepare
            self.execute += execute


class LocalWarehouse:
    """Sessions and statements of one SQL warehouse over the sample DuckDB database.

    Everyone's statements are read-only SELECTs, checked against Unity Catalog grants; the service principal
    (the metastore admin here) may also create catalogs, schemas and tables in catalogs of its own, each a
    DuckDB file beside the sample database, as scripts/setup_sample_data.py does on a real workspace."""

    def __init__(self, database: Path, catalog: LocalCatalog, warehouse_id: str) -> None:
        self.catalog = catalog
        self.policies = PolicyApplier(catalog)
        self.created_catalogs_dir = database.parent / "catalogs"
        self._created_catalogs: set[str] = set()
        self.warehouse_id = warehouse_id
        self.min_statement_seconds = 0.0  # a floor on run time, to try progress and Cancel by hand or in tests
        self.session_idle_seconds = SESSION_IDLE_SECONDS
        self.result_lifetime_seconds = RESULT_LIFETIME_SECONDS
        self.chunk_rows, self.chunk_bytes = CHUNK_ROWS, CHUNK_BYTES
        self.signer = LinkSigner()
        self.history = QueryHistory()
        self.timings = Timings()
        self.running = True
        self._db = duckdb.connect(":memory:")
        self._db.execute(f"ATTACH '{database}' AS {CATALOG} (READ_ONLY)")
        self._sessions: dict[str, Session] = {}
        self._statements: dict[str, Statement] = {}
        self._lock = threading.Lock()
        self._cursor_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="warehouse")

    # Sessions -------------------------------------------------------------------------------------
    def open_session(self, principal: Principal, catalog: str | None, schema: str | None) -> str:
        session_id = str(uuid.uuid4())
        with self._lock:
            self._sessions[session_id] = Session(principal, catalog or CATALOG, schema or "default")
        return session_id

    def close_session(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def session(self, session_id: str, principal: Principal) -> Session:
        with self._lock:
            found = self._sessions.get(session_id)
            if found is not None and time.monotonic() - found.last_used > self.session_idle_seconds:
                del self._sessions[session_id]
                found = None
            if found is None or found.principal != principal:
                abort_databricks(400, "INVALID_PARAMETER_VALUE", f"Invalid SessionHandle: {session_id}")
            found.last_used = time.monotonic()
            return found

    @property
    def active_sessions(self) -> int:
        """How many sessions are open."""
        with self._lock:
            return len(self._sessions)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run SQL on the warehouse's DuckDB directly, bypassing grants (tests and inspection by hand)."""
        with self._cursor_lock:
            cursor = self._db.cursor()
        return cursor.execute(sql).fetchall()

    def stop(self) -> None:
        """Stop, as a warehouse that is shut down: its sessions end, and SQL calls answer 503 until start()."""
        self.running = False
        self.expire_sessions()

    def start(self) -> None:
        """Start again after stop()."""
        self.running = True

    def expire_sessions(self) -> None:
        """Forget every session, as a warehouse does after idling (tests use it)."""
        with self._lock:
            self._sessions.clear()

    # Checking a statement -------------------------------------------------------------------------
    def _require_admin(self, principal: Principal) -> None:
        if not principal.is_service_principal:
            raise sql_error("INSUFFICIENT_PERMISSIONS", "User does not have CREATE on the metastore.")

    def _create_catalog(self, principal: Principal, created: re.Match[str]) -> str:
        self._require_admin(principal)
        name = created.group(2).lower()
        if name == CATALOG:
            if created.group(1):
                return "SELECT true AS created"
            raise sql_error("CATALOG_ALREADY_EXISTS", f"Catalog '{name}' already exists.")
        self.created_catalogs_dir.mkdir(parents=True, exist_ok=True)
        self._created_catalogs.add(name)
        return f"ATTACH IF NOT EXISTS '{self.created_catalogs_dir / name}.duckdb' AS {name}"

    def _create_in_own_catalog(self, principal: Principal, tree: exp.Create) -> str:
        self._require_admin(principal)
        target = tree.find(exp.Table)
        if target is None or target.catalog.lower() not in self._created_catalogs:
            raise sql_error(
                "INSUFFICIENT_PERMISSIONS", "Schemas and tables can be created only in a catalog created here."
            )
        return tree.sql(dialect="duckdb")

    def _check_tables(
        self, principal: Principal, tree: exp.Expr, catalog: str, schema: str
    ) -> list[tuple[exp.Table, Table]]:
        """Qualify every table the statement reads (each returned with its table), or SqlError when the caller
        may not read it."""
        ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
        references: list[tuple[exp.Table, Table]] = []
        for reference in tree.find_all(exp.Table):
            if not isinstance(reference.this, exp.Identifier):
                continue  # a table-valued function _refuse_engine_functions let through
            if not reference.catalog and not reference.db and reference.name in ctes:
                continue
            full_name = ".".join([reference.catalog or catalog, reference.db or schema, reference.name]).lower()
            table = self.catalog.table(principal, full_name)
            if table is None:
                raise information_schema.table_not_found(full_name.split("."))
            if not self.catalog.can_select(principal, table):
                raise sql_error(
                    "INSUFFICIENT_PERMISSIONS",
                    f"Insufficient privileges: User does not have SELECT on Table '{table.full_name}'.",
                )
            reference.set("catalog", exp.to_identifier(table.catalog))
            reference.set("db", exp.to_identifier(table.schema))
            references.append((reference, table))
        return references

    def check(self, principal: Principal, request: Request) -> tuple[str, dict[str, Any]]:
        """The DuckDB SQL and bound parameters for a Databricks statement the caller may run, or SqlError."""
        created = CREATE_CATALOG.match(request.text)
        if created:
            return self._create_catalog(principal, created), {}
        tree = dialect.parse(request.text)  # PARSE_SYNTAX_ERROR as Databricks words it
        if isinstance(tree, exp.Create) and tree.args.get("kind") in ("SCHEMA", "TABLE"):
            return self._create_in_own_catalog(principal, tree), {}
        if not isinstance(tree, (exp.Select, exp.SetOperation, exp.Subquery)) or tree.find(*NOT_READ_ONLY):
            raise sql_error("INSUFFICIENT_PERMISSIONS", "This warehouse runs read-only SELECT statements.")
        _refuse_engine_functions(tree)
        information_schema.expand(tree, principal, self.catalog, request.catalog, request.schema)
        references = self._check_tables(principal, tree, request.catalog, request.schema)
        self.policies.apply(principal, tree, references)  # row filters and column masks, before translation
        parameters = _bound_parameters(tree, request.parameters)
        sql = dialect.to_duckdb(
            tree,
            user_name=principal.user_name,
            catalog=request.catalog,
            schema=request.schema,
            groups=principal.groups,
        )
        return sql, parameters

    # Statements -----------------------------------------------------------------------------------
    def execute(self, principal: Principal, request: Request) -> Statement:
        """Start a statement (checked now, run on a worker thread), recorded in Query History."""
        statement = Statement(str(uuid.uuid4()), principal, request)
        self._keep(statement)
        self.history.record(
            QueryEntry(
                query_id=statement.id,
                principal=principal,
                warehouse_id=self.warehouse_id,
                query_text=request.text,
                statement_type=statement_type(request.text),
                session_id=request.session_id,
                query_start_time_ms=int(statement.started * 1000),
            )
        )
        began = time.perf_counter()
        try:
            if self._answer_metadata(statement):
                return statement
            sql, parameters = self.check(principal, request)
        except SqlError as error:
            self._finish(statement, "FAILED", error)
            return statement
        prepare = time.perf_counter() - began
        self.timings.add(prepare=prepare)
        self.history.update(statement.id, compilation_time_ms=round(prepare * 1000))
        self._pool.submit(self._run, statement, sql, parameters)
        return statement

    def _answer_metadata(self, statement: Statement) -> bool:
        """Answer SHOW / DESCRIBE / USE / SET / RESET from Unity Catalog's metadata (and change the session
        for USE, SET and RESET); False when the statement is a query."""
        request = statement.request
        with self._lock:
            session = self._sessions.get(request.session_id or "")
        context = metadata.Context(
            statement.principal,
            self.catalog,
            request.catalog,
            request.schema,
            dict(session.settings) if session is not None else dict(metadata.DEFAULT_SETTINGS),
        )
        answered = metadata.answer(request.text, context)
        if answered is None:
            return False
        limits = Limits(
            request.disposition == "INLINE",
            request.row_limit,
            request.byte_limit,
            self.chunk_rows,
            self.chunk_bytes,
            keep_values=request.keeps_values,
        )
        statement.result = collect_rows(answered.columns, answered.rows, limits)
        if session is not None:  # a sessionless statement's USE or SET lasts for that statement only
            session.catalog = answered.catalog or session.catalog
            session.schema = answered.schema or session.schema
            session.settings = answered.settings if answered.settings is not None else session.settings
        self._finish(statement, "SUCCEEDED")
        return True

    def _keep(self, statement: Statement) -> None:
        """Keep the statement; forget the oldest finished ones past MAX_KEPT_STATEMENTS, and free the results
        older than their documented hour (they answer CLOSED), so memory stays bounded."""
        expired = time.time() - self.result_lifetime_seconds
        with self._lock:
            if len(self._statements) >= MAX_KEPT_STATEMENTS:
                for old in [s for s in self._statements.values() if s.done.is_set()][: MAX_KEPT_STATEMENTS // 2]:
                    del self._statements[old.id]
            for old in self._statements.values() if len(self._statements) % 64 == 0 else ():  # a sweep now and then
                if old.result is not None and old.ended is not None and old.ended < expired:
                    old.state, old.result = "CLOSED", None
            self._statements[statement.id] = statement

    def _finish(self, statement: Statement, state: str, error: SqlError | None = None) -> None:
        statement.finish(state, error)
        ended_ms = int((statement.ended or time.time()) * 1000)
        result = statement.result if statement.state == "SUCCEEDED" else None
        self.history.update(
            statement.id,
            state=statement.state,
            query_end_time_ms=ended_ms,
            execution_end_time_ms=ended_ms,
            rows_produced=result.total_rows if result is not None else 0,
            result_bytes=result.total_bytes if result is not None else None,
            error_message=statement.error.message if statement.error is not None else None,
        )

    def _run(self, statement: Statement, sql: str, parameters: dict[str, Any]) -> None:
        if statement.done.is_set():
            return
        statement.state = "RUNNING"
        self.history.update(statement.id, state="RUNNING")
        request = statement.request
        limits = Limits(
            inline=request.disposition == "INLINE",
            row_limit=request.row_limit,
            byte_limit=request.byte_limit,
            chunk_rows=self.chunk_rows,
            chunk_bytes=self.chunk_bytes,
            keep_values=request.keeps_values,
        )
        began = time.perf_counter()
        try:
            deadline = time.monotonic() + self.min_statement_seconds
            while time.monotonic() < deadline and not statement.cancelled.is_set():
                time.sleep(0.05)
            if statement.cancelled.is_set():
                return
            with self._cursor_lock:  # DuckDB hands out cursors of one connection to one thread at a time
                cursor = statement.cursor = self._db.cursor()
            statement.result = collect(cursor.execute(sql, parameters or None), limits)
            execute = time.perf_counter() - began
            self.timings.add(execute=execute)
            self.history.update(statement.id, execution_time_ms=round(execute * 1000))
            self._finish(statement, "SUCCEEDED")
        except SqlError as error:
            self._finish(statement, "FAILED", error)
        except duckdb.InterruptException:
            self._finish(statement, "CANCELED")
        except duckdb.Error as error:
            self._finish(statement, "FAILED", dialect.engine_error(error))
        except Exception as error:  # a statement must always end, or its caller polls forever
            log.exception("statement %s failed", statement.id)
            self._finish(
                statement,
                "FAILED",
                sql_error("INTERNAL_ERROR", f"The statement failed ({type(error).__name__})."),
            )
        finally:
            if statement.cursor is not None:
                statement.cursor.close()
                statement.cursor = None

    def statement(self, statement_id: str, principal: Principal) -> Statement:
        """The caller's statement (404 for anyone else's); a result older than an hour is CLOSED."""
        with self._lock:
            found = self._statements.get(statement_id)
        if found is None or found.principal != principal:
            abort_databricks(404, "RESOURCE_DOES_NOT_EXIST", f"Statement {statement_id} does not exist.")
        if found.ended is not None and time.time() - found.ended > self.result_lifetime_seconds:
            found.state, found.result = "CLOSED", None
        return found

    def find(self, statement_id: str) -> Statement | None:
        """Any statement by id (external links carry their own credential, not a principal)."""
        with self._lock:
            return self._statements.get(statement_id)

    def cancel(self, statement: Statement) -> None:
        """Ask the statement to stop; it ends CANCELED unless it already ended."""
        statement.cancelled.set()
        cursor = statement.cursor
        if cursor is not None:
            with contextlib.suppress(duckdb.Error):
                cursor.interrupt()
        self._finish(statement, "CANCELED")

    def close(self, statement: Statement) -> None:
        """Cancel the statement if it still runs, and drop its result: it answers CLOSED from now on."""
        if not statement.done.is_set():
            self.cancel(statement)
        statement.state, statement.result = "CLOSED", None
