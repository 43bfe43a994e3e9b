"""The query result cache: an in-process LRU bounded in bytes in front of the shared Lakebase level
(services.analytics.shared), with single-flight, so that concurrent identical requests run one statement: within
a process through a future per key, across processes through the shared level's advisory lock.

Errors are never cached: a failed computation reaches the callers that waited for it, and the next request
tries again. Hits and misses, and the time spent on the shared level, go to the request's metrics."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from core.request_context import record
from core.settings import Settings
from services.analytics.result import QueryResult, encode
from services.analytics.shared import SharedLevel, SharedUnavailable


@dataclass
class _Entry:
    result: QueryResult
    size: int
    expires_at: float  # epoch seconds (time.time()), as the shared level's rows expire


class LocalLevel:
    """Results of this process, least recently used dropped first so their payload sizes stay under a cap."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, *, since: float = 0.0) -> QueryResult | None:
        """The live result for `key` (computed at or after `since`, epoch seconds), marked as used."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires_at <= time.time():
                self._drop(key)
                return None
            if entry.result.computed_at.timestamp() < since:
                return None
            self._entries.move_to_end(key)
            return entry.result

    def put(self, key: str, result: QueryResult, expires_at: float, size: int) -> None:
        """Keep a result until `expires_at`; one larger than the whole level is not kept."""
        with self._lock:
            if key in self._entries:
                self._drop(key)
            if size > self.max_bytes:
                return
            self._entries[key] = _Entry(result, size, expires_at)
            self.bytes += size
            while self.bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        self.bytes -= self._entries.pop(key).size

    def clear(self) -> None:
        """Forget every result."""
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


class Flights:
    """The computations running in this process, one per key; callers of a running key wait for its outcome."""

    def __init__(self) -> None:
        self._running: dict[str, Future[QueryResult]] = {}
        self._lock = threading.Lock()

    def run(self, key: str, compute: Callable[[], QueryResult]) -> tuple[QueryResult, bool]:
        """The result of `compute` for `key`, and whether this caller ran it (False: it joined a running one,
        and gets its result, or its error)."""
        with self._lock:
            running = self._running.get(key)
            if running is None:
                running = self._running[key] = Future()
                leader = True
            else:
                leader = False
        if not leader:
            return running.result(), False
        try:
            result = compute()
            running.set_result(result)
            return result, True
        except BaseException as error:
            running.set_exception(error)
            raise
        finally:
            with self._lock:
                del self._running[key]


class QueryCache:
    """Both levels and single-flight, for one settings object (one app) in this process."""

    def __init__(self, settings: Settings) -> None:
        self.local = LocalLevel(settings.query_cache_local_bytes)
        self.shared = SharedLevel(settings)
        self.flights = Flights()
        # Waiting for another process holds a pooled Lakebase connection: at most this many at a time.
        self._lock_slots = threading.BoundedSemaphore(max(1, settings.lakebase_pool_max_size // 2))

    def get_or_compute(
        self,
        key: str,
        *,
        principal: str,
        query: str,
        ttl_seconds: int,
        refresh: bool,
        compute: Callable[[], QueryResult],
    ) -> QueryResult:
        """The cached result for `key`, else `compute`'s (run once for concurrent callers, and stored for
        `ttl_seconds` as (principal, query)'s); `refresh` skips the cache read."""
        if not refresh and ttl_seconds > 0:
            found = self._lookup(key)
            if found is not None:
                record(cache_hits=1)
                return found.cached()
        record(cache_misses=1)
        since = dt.datetime.now(dt.UTC) if refresh else None
        owner = (principal, query, ttl_seconds)
        result, led = self.flights.run(key, lambda: self._lead(key, compute, owner, since))
        return result if led else result.cached()

    def _lookup(self, key: str) -> QueryResult | None:
        found = self.local.get(key)
        if found is not None or not self.shared.enabled:
            return found
        try:
            shared = self.shared.read(key)
        except SharedUnavailable:
            return None
        if shared is None:
            return None
        self.local.put(key, *shared)
        return shared.result

    def _lead(
        self, key: str, compute: Callable[[], QueryResult], owner: tuple[str, str, int], since: dt.datetime | None
    ) -> QueryResult:
        """Compute (or find, when another process just did) the result for `key`, and keep it in both levels."""
        ttl = owner[2]

        def computed() -> tuple[QueryResult, bytes]:
            result = compute()
            return result, encode(result)

        if ttl <= 0:
            return compute()  # never cached; single-flight within the process still holds
        if self.shared.enabled and self._lock_slots.acquire(blocking=False):
            try:
                found = self.shared.compute_once(key, computed, owner, since)
                self.local.put(key, *found)
                return found.result
            except SharedUnavailable:
                pass  # Lakebase failed before anything ran: compute here, and keep the result in this process
            finally:
                self._lock_slots.release()
        result, payload = computed()
        self.local.put(key, result, time.time() + ttl, len(payload))
        if self.shared.enabled:
            with contextlib.suppress(SharedUnavailable):
                self.shared.write(key, (result, payload), owner)
        return result


_caches: dict[Settings, QueryCache] = {}
_caches_lock = threading.Lock()


def query_cache(settings: Settings) -> QueryCache:
    """The process's cache for these settings."""
    with _caches_lock:
        return _caches.get(settings) or _caches.setdefault(settings, QueryCache(settings))


def clear_caches() -> None:
    """Forget the in-process level of every cache (tests; the shared level is left alone)."""
    with _caches_lock:
        for cache in _caches.values():
            cache.local.clear()
