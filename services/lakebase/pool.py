"""Lakebase (managed Postgres): one pooled connection source per process, with OAuth tokens as passwords.

Each new connection asks the credential cache for a password. SQLAlchemy runs over the same psycopg
pool, so there is one pool, not two. Failures leave through services.errors as EC-002.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeVar

import psycopg
import sqlalchemy
from psycopg.conninfo import make_conninfo
from psycopg_pool import ConnectionPool
from sqlalchemy.pool import NullPool
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from core.errors import NotConfigured, ServiceError
from core.settings import Settings
from services.errors import DATABASE_TRANSIENT, to_service_error
from services.lakebase.credentials import CredentialCache

log = logging.getLogger(__name__)
T = TypeVar("T")


class LakebaseConnection(psycopg.Connection[Any]):
    """A psycopg connection whose password is the current Lakebase token (bound per pool, see `_bind`)."""

    credentials: ClassVar[CredentialCache]

    @classmethod
    def connect(cls, conninfo: str = "", **kwargs: Any) -> Self:
        token = cls.credentials.token()
        try:
            return super().connect(conninfo, password=token, **kwargs)
        except psycopg.OperationalError as error:
            if "password authentication failed" not in str(error):
                raise
            # The role's password changed under us (a newer token, or this one expired early): fetch anew, once.
            # Only this token is forgotten, so connections refused together fetch one new token, not one each.
            cls.credentials.invalidate(token)
            return super().connect(conninfo, password=cls.credentials.token(), **kwargs)


def _bind(credentials: CredentialCache) -> type[LakebaseConnection]:
    return type("BoundLakebaseConnection", (LakebaseConnection,), {"credentials": credentials})


@dataclass
class LakebaseDatabase:
    """The pool, the SQLAlchemy engine over it, and the credentials behind both."""

    settings: Settings
    credentials: CredentialCache
    pool: ConnectionPool[LakebaseConnection]
    engine: sqlalchemy.Engine

    def close(self) -> None:
        """Close every connection; the next use opens a new pool."""
        self.engine.dispose()
        self.pool.close()


def is_configured(settings: Settings) -> bool:
    """Whether the app was given a Lakebase database (PGHOST and PGUSER)."""
    return bool(settings.pg_host and settings.pg_user)


def conninfo(settings: Settings) -> str:
    """The connection string from the PG* settings, without a password."""
    if not is_configured(settings):
        raise NotConfigured(
            "Lakebase is not configured for this app: bind a database resource (PGHOST, PGUSER).",
            technical_details={"service": "lakebase", "settings": ["PGHOST", "PGUSER"]},
        )
    return make_conninfo(
        host=settings.pg_host,
        port=settings.pg_port,
        dbname=settings.pg_database,
        user=settings.pg_user,
        sslmode=settings.pg_sslmode,
        application_name=settings.pg_appname or settings.app_name,
        connect_timeout=5,
    )


def open_database(settings: Settings, *, min_size: int | None = None, max_size: int | None = None) -> LakebaseDatabase:
    """A new pool and engine for these settings (connections open in the background)."""
    credentials = CredentialCache(settings)
    pool: ConnectionPool[LakebaseConnection] = ConnectionPool(
        conninfo(settings),
        connection_class=_bind(credentials),
        min_size=settings.lakebase_pool_min_size if min_size is None else min_size,
        max_size=settings.lakebase_pool_max_size if max_size is None else max_size,
        max_lifetime=settings.lakebase_pool_max_lifetime_seconds,
        timeout=settings.lakebase_pool_timeout_seconds,
        check=ConnectionPool.check_connection,
        close_returns=True,  # SQLAlchemy's close() hands the connection back to this pool
        name="lakebase",
        open=False,
    )
    pool.open(wait=False)
    engine = sqlalchemy.create_engine("postgresql+psycopg://", creator=pool.getconn, poolclass=NullPool)
    return LakebaseDatabase(settings, credentials, pool, engine)


_databases: dict[Settings, LakebaseDatabase] = {}
_databases_lock = threading.Lock()


def get_database(settings: Settings) -> LakebaseDatabase:
    """The process's database for these settings, opened on first use."""
    with _databases_lock:
        database = _databases.get(settings)
        if database is None:
            database = _databases[settings] = open_database(settings)
        return database


@atexit.register
def close_databases(*, keep: Settings | None = None) -> None:
    """Close every pool of the process (gunicorn calls this when a worker exits), or all but `keep`'s."""
    with _databases_lock:
        for settings in [s for s in _databases if s != keep]:
            _databases.pop(settings).close()


def _is_transient(error: BaseException) -> bool:
    if isinstance(error, sqlalchemy.exc.DBAPIError):
        return isinstance(error, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)) or bool(
            error.connection_invalidated
        )
    return isinstance(error, DATABASE_TRANSIENT) or (
        isinstance(error, ServiceError) and error.status == 503 and not isinstance(error, NotConfigured)
    )


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning(
        "Lakebase call failed, retrying", extra={"attempt": state.attempt_number, "error_type": type(error).__name__}
    )


def call_with_retries(operation: Callable[[], T], *, action: str, retry: bool = True) -> T:
    """Run a database operation; a transient failure is retried with backoff when `retry` (safe to repeat),
    and once retries are spent it becomes EC-002 DATABASE_UNAVAILABLE."""
    attempts = Retrying(
        retry=retry_if_exception(_is_transient),
        stop=stop_after_attempt(3 if retry else 1) | stop_after_delay(4),
        wait=wait_random_exponential(multiplier=0.2, max=1.5),
        before_sleep=_log_retry,
        reraise=True,
    )
    try:
        return attempts(operation)
    except ServiceError:
        raise
    except Exception as error:
        failure = to_service_error(error, integration="lakebase", action=action)
        if failure.status >= 500:
            log.error("Lakebase unavailable", extra={"action": action, "error_type": type(error).__name__})
        raise failure from error


def lock_in_transaction(connection: sqlalchemy.Connection, *names: str) -> None:
    """Hold a Postgres advisory lock named by `names` until the transaction ends: one writer at a time for
    a read-modify-write, even when there is no row to lock yet."""
    key = sqlalchemy.func.hashtextextended("\x1f".join(names), 0)
    connection.execute(sqlalchemy.select(sqlalchemy.func.pg_advisory_xact_lock(key)))


@contextmanager
def transaction(settings: Settings) -> Iterator[sqlalchemy.Connection]:
    """A SQLAlchemy connection in a transaction, committed when the block ends without error."""
    with get_database(settings).engine.begin() as connection:
        yield connection


def ping(settings: Settings) -> str:
    """A round trip to Lakebase, for the status card and /readyz."""
    with transaction(settings) as connection:
        version = connection.execute(sqlalchemy.text("SHOW server_version")).scalar_one()
    return f"PostgreSQL {str(version).split()[0]}"
