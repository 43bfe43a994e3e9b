"""The shared level of the query cache: the Lakebase table `query_cache`, seen by every worker of every app
instance, and the cross-process half of single-flight (a Postgres advisory lock on the key).

Rows hold the result as JSON text (services.analytics.result), never a serialized Python object. A result over
the per-entry cap is not stored; after each write, expired rows are purged and the least recently used rows
past the total cap evicted. The level is best effort: when Lakebase fails, a circuit breaker skips it for
OUTAGE_SKIP_SECONDS (so requests do not each wait for a connection), logs one WARNING per outage, and the app
goes on with the in-process level alone."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import PoolTimeout

from core.errors import ServiceError
from core.request_context import record
from core.settings import Settings
from services import lakebase
from services.analytics.result import QueryResult, decode

log = logging.getLogger(__name__)
OUTAGE_SKIP_SECONDS = 30
# A shorter wait for a pooled connection than the pool's own: a cache that cannot answer now is skipped.
CONNECTION_TIMEOUT_SECONDS = 1.0
# How long a request waits for another process computing the same key before computing it itself.
LOCK_WAIT_MILLISECONDS = 15_000

READ = """UPDATE query_cache SET last_used_at = now()
WHERE key = %(key)s AND expires_at > now() AND computed_at >= %(since)s
RETURNING payload, extract(epoch FROM expires_at), size_bytes"""
WRITE = """INSERT INTO query_cache
  (key, principal, query_name, payload, size_bytes, computed_at, expires_at, last_used_at)
VALUES (%(key)s, %(principal)s, %(query)s, %(payload)s, %(size)s, %(computed_at)s,
        now() + make_interval(secs => %(ttl)s), now())
ON CONFLICT (key) DO UPDATE SET payload = excluded.payload, size_bytes = excluded.size_bytes,
  computed_at = excluded.computed_at, expires_at = excluded.expires_at, last_used_at = excluded.last_used_at"""
PURGE = "DELETE FROM query_cache WHERE expires_at <= now()"
# Keep the most recently used rows whose sizes add up to the cap; the rest go.
EVICT = """DELETE FROM query_cache WHERE key IN (
  SELECT key FROM (
    SELECT key, sum(size_bytes) OVER (ORDER BY last_used_at DESC, key) AS kept FROM query_cache
  ) ranked WHERE kept > %(cap)s)"""
LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 0))"
LOCK_TIMEOUT = "SELECT set_config('lock_timeout', %(ms)s, true)"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# What a Lakebase call raises when the database cannot be used (ServiceError: the credential fetch, translated).
LAKEBASE_ERRORS = (psycopg.Error, PoolTimeout, ServiceError, OSError)


class Found(NamedTuple):
    """An entry of either level: the result, when it expires (epoch seconds) and its payload's size."""

    result: QueryResult
    expires_at: float
    size: int


class SharedUnavailable(Exception):
    """The shared level cannot be used now (Lakebase is down, or not configured)."""


class Breaker:
    """Skips the shared level for OUTAGE_SKIP_SECONDS after a failure; one WARNING per outage."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._skip_until = 0.0
        self._down = False

    def allows(self) -> bool:
        """Whether to try the shared level now."""
        return time.monotonic() >= self._skip_until

    def failed(self, error: BaseException) -> None:
        """Open (or keep open) the breaker after `error`."""
        with self._lock:
            self._skip_until = time.monotonic() + OUTAGE_SKIP_SECONDS
            first, self._down = not self._down, True
        if first:
            log.warning(
                "shared query cache unavailable: serving from the in-process level only",
                extra={"error_type": type(error).__name__, "skip_seconds": OUTAGE_SKIP_SECONDS},
            )

    def succeeded(self) -> None:
        """Close the breaker after a call that worked."""
        if self._down:
            with self._lock:
                was_down, self._down = self._down, False
            if was_down:
                log.info("shared query cache available again")


class SharedLevel:
    """The `query_cache` table of the settings' Lakebase database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.breaker = Breaker()
        self.entry_cap = settings.query_cache_entry_bytes
        self.total_cap = settings.query_cache_shared_bytes

    @property
    def enabled(self) -> bool:
        """Whether the level may be used now: configured, not disabled by a zero cap, breaker closed."""
        return lakebase.is_configured(self.settings) and self.total_cap > 0 and self.breaker.allows()

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection in a transaction (committed at the end), its time counted as cache time; a
        Lakebase failure opens the breaker and leaves as SharedUnavailable."""
        started = time.perf_counter()
        try:
            pool = lakebase.get_database(self.settings).pool
            with pool.connection(timeout=CONNECTION_TIMEOUT_SECONDS) as connection:
                yield connection
            self.breaker.succeeded()
        except LAKEBASE_ERRORS as error:
            if isinstance(error, pg_errors.LockNotAvailable):
                raise SharedUnavailable("lock wait timed out") from error
            self.breaker.failed(error)
            raise SharedUnavailable(type(error).__name__) from error
        finally:
            record(cache_ms=(time.perf_counter() - started) * 1000)

    def read(self, key: str, *, since: dt.datetime | None = None) -> Found | None:
        """The live entry for `key` (computed at or after `since`)."""
        with self._connection() as connection:
            return self._read(connection, key, since)

    @staticmethod
    def _read(connection: psycopg.Connection[Any], key: str, since: dt.datetime | None) -> Found | None:
        row = connection.execute(READ, {"key": key, "since": since or EPOCH}).fetchone()
        return Found(decode(row[0]), float(row[1]), int(row[2])) if row else None

    def _write(
        self,
        connection: psycopg.Connection[Any],
        key: str,
        entry: tuple[QueryResult, bytes],
        owner: tuple[str, str, int],
    ) -> bool:
        result, payload = entry
        principal, query, ttl = owner
        if len(payload) > self.entry_cap:
            return False  # served, not shared: one result must not crowd out many
        parameters = {"key": key, "principal": principal, "query": query, "payload": payload.decode(),
                      "size": len(payload), "computed_at": result.computed_at, "ttl": ttl}  # fmt: skip
        connection.execute(WRITE, parameters)
        connection.execute(PURGE)  # an index range scan on expires_at: cheap when nothing has expired
        connection.execute(EVICT, {"cap": self.total_cap})
        return True

    def write(self, key: str, entry: tuple[QueryResult, bytes], owner: tuple[str, str, int]) -> bool:
        """Store an encoded result for (principal, query name, ttl seconds); False when it is over the entry cap."""
        with self._connection() as connection:
            return self._write(connection, key, entry, owner)

    def compute_once(
        self,
        key: str,
        compute: Callable[[], tuple[QueryResult, bytes]],
        owner: tuple[str, str, int],
        since: dt.datetime | None,
    ) -> Found:
        """The entry for `key`, computed by at most one process at a time: under an advisory lock on the key,
        the table is read again (another process may have just stored it) and, if still missing, `compute`
        runs and its result is stored before the lock is released. An error of `compute` propagates as it
        is; a Lakebase failure before `compute` ran raises SharedUnavailable, after it the computed result
        is returned unshared."""
        computed: list[tuple[QueryResult, bytes]] = []
        try:
            with self._connection() as connection:
                connection.execute(LOCK_TIMEOUT, {"ms": str(LOCK_WAIT_MILLISECONDS)})
                connection.execute(LOCK, {"key": key})
                found = self._read(connection, key, since)
                if found is not None:
                    return found
                started = time.perf_counter()
                try:
                    computed.append(compute())
                except Exception as error:
                    raise _ComputeFailed(error) from error
                finally:
                    # The computation ran while the connection was held: its time is the warehouse's, not the cache's.
                    record(cache_ms=-(time.perf_counter() - started) * 1000)
                self._write(connection, key, computed[0], owner)
        except _ComputeFailed as failed:
            raise failed.error from None
        except SharedUnavailable:
            if not computed:
                raise
        result, payload = computed[0]
        return Found(result, time.time() + owner[2], len(payload))


class _ComputeFailed(Exception):
    """Carries the warehouse's error out of the lock's transaction, so it is not taken for a Lakebase one."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error
