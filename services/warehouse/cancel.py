"""Which statement runs for which query token, so a Cancel click reaches it from any worker of any app instance.

The registry is the Lakebase table `running_queries`: plain text columns, no serialized Python objects, nothing
on a path other processes share. A row is written when a page query starts and deleted when it ends; rows older
than TOKEN_TTL_SECONDS are ignored, and purged now and then. It is best effort: when Lakebase is not configured or
cannot be reached, the query still runs, it just cannot be cancelled (a WARNING says so), and the registry is
left alone for OUTAGE_SKIP_SECONDS so that each query does not wait for the pool's timeout meanwhile.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy
from sqlalchemy.dialects.postgresql import insert

from core.errors import ServiceError
from core.settings import Settings
from services import lakebase
from services.errors import translated
from services.lakebase.schema import running_queries

log = logging.getLogger(__name__)
T = TypeVar("T")
TOKEN_TTL_SECONDS = 3600
PURGE_EVERY_SECONDS = 60
OUTAGE_SKIP_SECONDS = 30


def _expired_before() -> Any:
    """The SQL time before which a row no longer counts (the database's clock, as created_at is)."""
    return sqlalchemy.func.now() - sqlalchemy.literal(dt.timedelta(seconds=TOKEN_TTL_SECONDS), sqlalchemy.Interval())


class QueryRegistry:
    """The running statements of one Lakebase database, by query token, with the user id of their owner."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._skip_until = 0.0
        self._next_purge = 0.0
        self._warned_not_configured = False

    def _run(self, action: str, operation: Callable[[sqlalchemy.Connection], T]) -> T | None:
        """`operation` in a Lakebase transaction; None, with a WARNING, when the registry cannot be reached."""
        if not lakebase.is_configured(self.settings):
            if not self._warned_not_configured:
                self._warned_not_configured = True
                log.warning("Lakebase is not configured: running queries cannot be cancelled")
            return None
        if time.monotonic() < self._skip_until:
            return None
        try:
            with translated("lakebase", action=f"running_queries.{action}"), lakebase.transaction(self.settings) as tx:
                return operation(tx)
        except ServiceError as error:
            with self._lock:
                self._skip_until = time.monotonic() + OUTAGE_SKIP_SECONDS
            log.warning(
                "the cancel registry is unavailable: running queries cannot be cancelled for now",
                extra={"action": action, "error_code": error.error_code, "skip_seconds": OUTAGE_SKIP_SECONDS},
            )
            return None

    def _purge_due(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if now < self._next_purge:
                return False
            self._next_purge = now + PURGE_EVERY_SECONDS
            return True

    def register(self, token: str, statement_id: str, owner_user_id: str) -> bool:
        """Remember that `token` runs `statement_id` for the user `owner_user_id`; False when it could not be
        (the query then runs on, uncancellable). A token another user's live query holds is not taken over."""
        purge = self._purge_due()
        statement = insert(running_queries).values(
            query_token=token, statement_id=statement_id, owner_user_id=owner_user_id
        )
        statement = statement.on_conflict_do_update(
            index_elements=[running_queries.c.query_token],
            set_={
                "statement_id": statement.excluded.statement_id,
                "owner_user_id": statement.excluded.owner_user_id,
                "created_at": sqlalchemy.func.now(),
            },
            where=(running_queries.c.owner_user_id == statement.excluded.owner_user_id)
            | (running_queries.c.created_at < _expired_before()),
        )

        def write(connection: sqlalchemy.Connection) -> bool:
            if purge:
                connection.execute(
                    sqlalchemy.delete(running_queries).where(running_queries.c.created_at < _expired_before())
                )
            return connection.execute(statement.returning(running_queries.c.query_token)).first() is not None

        written = self._run("register", write)
        if written is False:
            log.warning("a query token is held by another user's running query: this query cannot be cancelled")
        return bool(written)

    def forget(self, token: str, owner_user_id: str) -> None:
        """The statement `owner_user_id` ran under `token` has ended."""
        table = running_queries.c
        self._run(
            "forget",
            lambda c: c.execute(
                sqlalchemy.delete(running_queries).where(
                    table.query_token == token, table.owner_user_id == owner_user_id
                )
            ),
        )

    def find(self, token: str) -> tuple[str, str] | None:
        """(statement id, owner's user id) of the statement running under `token`, if one runs (and the
        registry can be reached)."""
        table = running_queries.c
        query = sqlalchemy.select(table.statement_id, table.owner_user_id).where(
            table.query_token == token, table.created_at >= _expired_before()
        )
        found = self._run("find", lambda c: c.execute(query).first())
        return (str(found[0]), str(found[1])) if found else None


_registries: dict[Settings, QueryRegistry] = {}
_registries_lock = threading.Lock()


def registry(settings: Settings) -> QueryRegistry:
    """The registry in the settings' Lakebase database (one object per settings and process)."""
    with _registries_lock:
        return _registries.setdefault(settings, QueryRegistry(settings))
