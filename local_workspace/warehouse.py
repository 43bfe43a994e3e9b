"""The local SQL warehouse: the Statement Execution API (as databricks-sql-connector's SEA backend calls
it), answering for the caller's Unity Catalog grants, with DuckDB as the engine.

Each statement is parsed with sqlglot in the Databricks dialect, checked against the caller's grants for
every table it reads, translated to DuckDB and run on a worker thread, so it can be polled and cancelled.
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
import sqlglot
from flask import Blueprint, Response, jsonify, request
from sqlglot import exp

from local_workspace.catalog import CATALOG, LocalCatalog, uc_type
from local_workspace.errors import abort_databricks, current_principal
from local_workspace.identities import Principal

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
MAX_KEPT_STATEMENTS = 2000


class StatementFailed(Exception):
    """A statement refused or failed, with Databricks' error class."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = f"[{error_code}] {message}"


@dataclass
class Session:
    principal: Principal
    catalog: str
    schema: str
    last_used: float = field(default_factory=time.monotonic)


@dataclass
class Statement:
    id: str
    principal: Principal
    state: str = "PENDING"
    columns: list[dict[str, Any]] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)
    error: StatementFailed | None = None
    cursor: duckdb.DuckDBPyConnection | None = None
    done: threading.Event = field(default_factory=threading.Event)
    cancelled: threading.Event = field(default_factory=threading.Event)


def _text(value: Any) -> str | None:
    """A value as the JSON_ARRAY format carries it: a string, or null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, decimal.Decimal, int, float)):
        return str(value)
    return str(value)


def _bind(parameter: dict[str, Any]) -> Any:
    """A parameter's string value in the Python type its SQL type names."""
    value, kind = parameter.get("value"), str(parameter.get("type") or "STRING").upper()
    if value is None or kind == "VOID":
        return None
    if kind in ("INT", "INTEGER", "BIGINT", "LONG", "SMALLINT", "TINYINT", "SHORT", "BYTE"):
        return int(value)
    if kind in ("DOUBLE", "FLOAT", "REAL"):
        return float(value)
    if kind.startswith("DECIMAL"):
        return decimal.Decimal(value)
    if kind == "BOOLEAN":
        return str(value).lower() == "true"
    if kind == "DATE":
        return dt.date.fromisoformat(value)
    if kind.startswith("TIMESTAMP"):
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return str(value)


# Databricks' CREATE CATALOG, which sqlglot does not parse.
CREATE_CATALOG = re.compile(
    r"^\s*CREATE\s+CATALOG\s+(IF\s+NOT\s+EXISTS\s+)?`?([A-Za-z_][A-Za-z0-9_]{0,254})`?\s*;?\s*$", re.I
)


def _refuse_engine_functions(tree: exp.Expr) -> None:
    """StatementFailed for a table-valued function, or a function only the engine has (see ENGINE_ONLY_FUNCTION)."""
    for function in tree.find_all(exp.Func):
        name = function.name if isinstance(function, exp.Anonymous) else function.sql_name()
        if ENGINE_ONLY_FUNCTION.match(name or ""):
            raise StatementFailed(
                "UNRESOLVED_ROUTINE",
                f"[UNRESOLVED_ROUTINE] Cannot resolve routine `{name.lower()}` on search path "
                "[`system`.`builtin`, `system`.`session`].",
            )
    for reference in tree.find_all(exp.Table):
        if not isinstance(reference.this, exp.Identifier):
            raise StatementFailed(
                "UNRESOLVED_ROUTINE", "[UNRESOLVED_ROUTINE] Table-valued functions are not available here."
            )


class LocalWarehouse:
    """Sessions and statements of one SQL warehouse over the sample DuckDB database.

    Everyone's statements are read-only SELECTs, checked against Unity Catalog grants; the service principal
    (the metastore admin here) may also create catalogs, schemas and tables in catalogs of its own, each a
    DuckDB file beside the sample database, as scripts/setup_sample_data.py does on a real workspace."""

    def __init__(self, database: Path, catalog: LocalCatalog, warehouse_id: str) -> None:
        self.catalog = catalog
        self.created_catalogs_dir = database.parent / "catalogs"
        self._created_catalogs: set[str] = set()
        self.warehouse_id = warehouse_id
        self.min_statement_seconds = 0.0  # a floor on run time, to try progress and Cancel by hand or in tests
        self.session_idle_seconds = SESSION_IDLE_SECONDS
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

    # Statements -----------------------------------------------------------------------------------
    def _require_admin(self, principal: Principal) -> None:
        if not principal.is_service_principal:
            raise StatementFailed("INSUFFICIENT_PERMISSIONS", "User does not have CREATE on the metastore.")

    def _create_catalog(self, principal: Principal, created: re.Match[str]) -> str:
        self._require_admin(principal)
        name = created.group(2).lower()
        if name == CATALOG:
            if created.group(1):
                return "SELECT true AS created"
            raise StatementFailed("CATALOG_ALREADY_EXISTS", f"Catalog '{name}' already exists.")
        self.created_catalogs_dir.mkdir(parents=True, exist_ok=True)
        self._created_catalogs.add(name)
        return f"ATTACH IF NOT EXISTS '{self.created_catalogs_dir / name}.duckdb' AS {name}"

    def _create_in_own_catalog(self, principal: Principal, tree: exp.Create) -> str:
        self._require_admin(principal)
        target = tree.find(exp.Table)
        if target is None or target.catalog.lower() not in self._created_catalogs:
            raise StatementFailed(
                "INSUFFICIENT_PERMISSIONS", "Schemas and tables can be created only in a catalog created here."
            )
        return tree.sql(dialect="duckdb")

    def check(self, principal: Principal, session: Session, sql: str) -> str:
        """The DuckDB SQL for a Databricks statement the caller may run, or StatementFailed."""
        created = CREATE_CATALOG.match(sql)
        if created:
            return self._create_catalog(principal, created)
        try:
            statements = [s for s in sqlglot.parse(sql, read="databricks") if s is not None]
        except sqlglot.errors.ParseError as error:
            raise StatementFailed("PARSE_SYNTAX_ERROR", f"Syntax error: {str(error).splitlines()[0]}") from None
        if len(statements) != 1:
            raise StatementFailed("PARSE_SYNTAX_ERROR", "Exactly one statement is expected.")
        tree = statements[0]
        if isinstance(tree, exp.Create) and tree.args.get("kind") in ("SCHEMA", "TABLE"):
            return self._create_in_own_catalog(principal, tree)
        if not isinstance(tree, (exp.Select, exp.SetOperation, exp.Subquery)) or tree.find(
            exp.Insert, exp.Update, exp.Delete, exp.Drop, exp.Create, exp.Alter, exp.Merge, exp.Command
        ):
            raise StatementFailed("INSUFFICIENT_PERMISSIONS", "This warehouse runs read-only SELECT statements.")
        _refuse_engine_functions(tree)
        ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
        for reference in tree.find_all(exp.Table):
            if not reference.catalog and not reference.db and reference.name in ctes:
                continue
            full_name = ".".join(
                [reference.catalog or session.catalog, reference.db or session.schema, reference.name]
            ).lower()
            table = self.catalog.table(principal, full_name)
            if table is None:
                raise StatementFailed("TABLE_OR_VIEW_NOT_FOUND", f"The table or view `{full_name}` cannot be found.")
            if not self.catalog.can_select(principal, table):
                raise StatementFailed(
                    "INSUFFICIENT_PERMISSIONS",
                    f"Insufficient privileges: User does not have SELECT on Table '{table.full_name}'.",
                )
            reference.set("catalog", exp.to_identifier(table.catalog))
            reference.set("db", exp.to_identifier(table.schema))
        return tree.sql(dialect="duckdb")

    def submit(self, principal: Principal, session_id: str, sql: str, parameters: list[dict[str, Any]]) -> Statement:
        session = self.session(session_id, principal)
        statement = Statement(str(uuid.uuid4()), principal)
        with self._lock:
            if len(self._statements) >= MAX_KEPT_STATEMENTS:
                for old in [s for s in self._statements.values() if s.done.is_set()][: MAX_KEPT_STATEMENTS // 2]:
                    del self._statements[old.id]
            self._statements[statement.id] = statement
        try:
            duck_sql = self.check(principal, session, sql)
            bound = {str(p["name"]): _bind(p) for p in parameters}
        except StatementFailed as error:
            statement.state, statement.error = "FAILED", error
            statement.done.set()
            return statement
        except (ValueError, KeyError) as error:
            statement.state = "FAILED"
            statement.error = StatementFailed("INVALID_PARAMETER_VALUE", f"Bad parameter: {error}")
            statement.done.set()
            return statement
        self._pool.submit(self._run, statement, duck_sql, bound)
        return statement

    def _run(self, statement: Statement, sql: str, parameters: dict[str, Any]) -> None:
        statement.state = "RUNNING"
        try:
            deadline = time.monotonic() + self.min_statement_seconds
            while time.monotonic() < deadline and not statement.cancelled.is_set():
                time.sleep(0.05)
            if statement.cancelled.is_set():
                return
            with self._cursor_lock:  # DuckDB hands out cursors of one connection to one thread at a time
                cursor = statement.cursor = self._db.cursor()
            result = cursor.execute(sql, parameters or None)
            names = [d[0] for d in result.description or []]
            types = [str(d[1]) for d in result.description or []]
            rows = result.fetchall() if result.description else []
            statement.columns = [
                {"name": name, "type_name": uc_type(kind)[0], "type_text": uc_type(kind)[1], "position": i}
                | ({"type_precision": uc_type(kind)[2], "type_scale": uc_type(kind)[3]} if uc_type(kind)[2] else {})
                for i, (name, kind) in enumerate(zip(names, types, strict=True))
            ]
            statement.rows = [[_text(v) for v in row] for row in rows]
            if not statement.cancelled.is_set():
                statement.state = "SUCCEEDED"
        except duckdb.InterruptException:
            statement.state = "CANCELED"
        except duckdb.Error as error:
            message = str(error).splitlines()[0]
            code = "UNRESOLVED_COLUMN" if "Referenced column" in message else "INTERNAL_ERROR"
            statement.error, statement.state = StatementFailed(code, message), "FAILED"
        except Exception as error:  # a statement must always end, or its caller polls forever
            log.exception("statement %s failed", statement.id)
            statement.error, statement.state = StatementFailed("INTERNAL_ERROR", type(error).__name__), "FAILED"
        finally:
            if statement.cursor is not None:
                statement.cursor.close()
            statement.done.set()

    def statement(self, statement_id: str, principal: Principal) -> Statement:
        with self._lock:
            found = self._statements.get(statement_id)
        if found is None or found.principal != principal:
            abort_databricks(404, "RESOURCE_DOES_NOT_EXIST", f"Statement {statement_id} does not exist.")
        return found

    def cancel(self, statement: Statement) -> None:
        statement.cancelled.set()
        if statement.cursor is not None:
            with contextlib.suppress(duckdb.Error):
                statement.cursor.interrupt()
        if not statement.done.is_set() or statement.state in ("PENDING", "RUNNING"):
            statement.state = "CANCELED"

    def close(self, statement_id: str) -> None:
        with self._lock:
            found = self._statements.pop(statement_id, None)
        if found is not None and not found.done.is_set():
            self.cancel(found)


def _wait_seconds(value: str | None) -> float:
    match = re.fullmatch(r"(\d+)s", value or "10s")
    return min(float(match.group(1)) if match else 10.0, 50.0)


def statement_json(statement: Statement) -> dict[str, Any]:
    """A statement as the Statement Execution API answers, with the whole result inline."""
    body: dict[str, Any] = {"statement_id": statement.id, "status": {"state": statement.state}}
    if statement.error is not None:
        body["status"]["error"] = {"error_code": statement.error.error_code, "message": statement.error.message}
    if statement.state == "SUCCEEDED":
        count = len(statement.rows)
        body["manifest"] = {
            "format": "JSON_ARRAY",
            "schema": {"column_count": len(statement.columns), "columns": statement.columns},
            "total_row_count": count,
            "total_chunk_count": 1,
            "chunks": [{"chunk_index": 0, "row_offset": 0, "row_count": count}],
            "truncated": False,
        }
        body["result"] = {"chunk_index": 0, "row_offset": 0, "row_count": count, "data_array": statement.rows}
    return body


def warehouse_blueprint(warehouse: LocalWarehouse) -> Blueprint:
    """The Statement Execution API (sessions, statements, the warehouse's state) over one local warehouse."""
    api = Blueprint("warehouse", __name__)

    @api.before_request
    def require_running() -> None:
        # The warehouse's description answers whatever its state (as does Unity Catalog, in its own blueprint);
        # SQL does not while stopped.
        if request.path.startswith(("/api/2.0/sql/sessions", "/api/2.0/sql/statements")) and not warehouse.running:
            abort_databricks(
                503, "TEMPORARILY_UNAVAILABLE", f"SQL warehouse '{warehouse.warehouse_id}' is stopped.", retry_after=10
            )

    def require_warehouse(warehouse_id: str | None) -> None:
        if warehouse_id != warehouse.warehouse_id:
            abort_databricks(404, "RESOURCE_DOES_NOT_EXIST", f"SQL warehouse '{warehouse_id}' does not exist.")

    @api.post("/api/2.0/sql/sessions")
    def create_session() -> Response:
        body = request.get_json(silent=True) or {}
        require_warehouse(body.get("warehouse_id"))
        return jsonify(session_id=warehouse.open_session(current_principal(), body.get("catalog"), body.get("schema")))

    @api.delete("/api/2.0/sql/sessions/<session_id>")
    def delete_session(session_id: str) -> Response:
        warehouse.close_session(session_id)
        return jsonify({})

    @api.post("/api/2.0/sql/statements")
    def execute_statement() -> Response:
        body = request.get_json(silent=True) or {}
        require_warehouse(body.get("warehouse_id"))
        if body.get("disposition", "INLINE") != "INLINE" or body.get("format", "JSON_ARRAY") != "JSON_ARRAY":
            abort_databricks(400, "INVALID_PARAMETER_VALUE", "This warehouse answers INLINE JSON_ARRAY results only.")
        statement = warehouse.submit(
            current_principal(),
            str(body.get("session_id")),
            str(body.get("statement", "")),
            body.get("parameters") or [],
        )
        statement.done.wait(_wait_seconds(body.get("wait_timeout")))
        return jsonify(statement_json(statement))

    @api.get("/api/2.0/sql/statements/<statement_id>")
    def get_statement(statement_id: str) -> Response:
        return jsonify(statement_json(warehouse.statement(statement_id, current_principal())))

    @api.get("/api/2.0/sql/statements/<statement_id>/result/chunks/<int:chunk_index>")
    def get_chunk(statement_id: str, chunk_index: int) -> Response:
        statement = warehouse.statement(statement_id, current_principal())
        if chunk_index != 0 or statement.state != "SUCCEEDED":
            abort_databricks(404, "RESOURCE_DOES_NOT_EXIST", f"Chunk {chunk_index} does not exist.")
        return jsonify(statement_json(statement)["result"])

    @api.post("/api/2.0/sql/statements/<statement_id>/cancel")
    def cancel_statement(statement_id: str) -> Response:
        warehouse.cancel(warehouse.statement(statement_id, current_principal()))
        return jsonify({})

    @api.delete("/api/2.0/sql/statements/<statement_id>")
    def close_statement(statement_id: str) -> Response:
        warehouse.statement(statement_id, current_principal())
        warehouse.close(statement_id)
        return jsonify({})

    @api.get("/api/2.0/sql/warehouses/<warehouse_id>")
    def get_warehouse(warehouse_id: str) -> Response:
        require_warehouse(warehouse_id)
        state = "RUNNING" if warehouse.running else "STOPPED"
        return jsonify(id=warehouse_id, name="Local DuckDB warehouse", state=state, warehouse_type="PRO")

    return api
