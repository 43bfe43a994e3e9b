"""Per-request state (correlation id, signed-in user, time spent on the warehouse and the query cache) kept in
contextvars, so logs and services see it."""

from __future__ import annotations

import threading
from contextvars import ContextVar
from dataclasses import dataclass, field

from flask import current_app

from core.errors import AuthRequired
from core.identity import UserIdentity
from core.settings import Settings

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
user_var: ContextVar[UserIdentity | None] = ContextVar("user", default=None)


@dataclass
class RequestMetrics:
    """What one request spent outside the app's own code: query cache hits and misses, milliseconds waiting on
    the warehouse and on the shared cache. Services add to it; the middleware logs it and sends Server-Timing."""

    cache_hits: int = 0
    cache_misses: int = 0
    warehouse_ms: float = 0.0
    cache_ms: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(
        self, *, cache_hits: int = 0, cache_misses: int = 0, warehouse_ms: float = 0.0, cache_ms: float = 0.0
    ) -> None:
        """Count some more (thread-safe: one request may run queries on several threads)."""
        with self._lock:
            self.cache_hits += cache_hits
            self.cache_misses += cache_misses
            self.warehouse_ms += warehouse_ms
            self.cache_ms += cache_ms


metrics_var: ContextVar[RequestMetrics | None] = ContextVar("request_metrics", default=None)


def record(*, cache_hits: int = 0, cache_misses: int = 0, warehouse_ms: float = 0.0, cache_ms: float = 0.0) -> None:
    """Add to the current request's metrics; nothing outside a request."""
    metrics = metrics_var.get()
    if metrics is not None:
        metrics.add(cache_hits=cache_hits, cache_misses=cache_misses, warehouse_ms=warehouse_ms, cache_ms=cache_ms)


def current_request_id() -> str | None:
    """The correlation id of the request being served, if any."""
    return request_id_var.get()


def current_user() -> UserIdentity:
    """The signed-in user of the request being served; AuthRequired outside a signed-in request."""
    user = user_var.get()
    if user is None:
        raise AuthRequired()
    return user


def app_settings() -> Settings:
    """The settings of the app serving the current request (create_app may have been given its own)."""
    settings: Settings = current_app.config["APP_SETTINGS"]
    return settings
