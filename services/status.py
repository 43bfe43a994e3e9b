"""Live status of each integration: reachable or not, and how fast it answered."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Literal

from core.errors import ServiceError
from core.settings import Settings
from services import lakebase, serving, warehouse, workspace

log = logging.getLogger(__name__)
State = Literal["up", "down", "not_configured"]
# How long /readyz answers from its last probe run: a load balancer's checks and a burst of callers cost
# one run every few seconds, not four live probes each.
READY_CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class Integration:
    """One integration the app depends on, and how to probe it cheaply."""

    key: str
    name: str
    required: bool
    is_configured: Callable[[Settings], bool]
    probe: Callable[[Settings], str]  # returns a short detail; raises when unreachable


@dataclass(frozen=True)
class IntegrationStatus:
    """The outcome of one probe."""

    key: str
    name: str
    state: State
    required: bool
    latency_ms: float | None
    detail: str


def _probe_workspace(settings: Settings) -> str:
    principal = workspace.get_service_principal(settings=settings)
    return f"signed in as {principal.display_name or principal.user_name}"


def _always(_: Settings) -> bool:
    # The workspace is always probed: without DATABRICKS_HOST the probe reports the missing setting as down.
    return True


INTEGRATIONS: list[Integration] = [
    # key, name, required, is_configured, probe. Model Serving is optional: the data pages work without it,
    # and its own page shows EC-001 when it is down.
    Integration("workspace", "Databricks workspace", True, _always, _probe_workspace),
    Integration("warehouse", "SQL warehouse", True, warehouse.is_configured, warehouse.ping),
    Integration("lakebase", "Lakebase (Postgres)", True, lakebase.is_configured, lakebase.ping),
    Integration("model_serving", "Model Serving", False, serving.is_configured, serving.ping),
]


def _run(integration: Integration, settings: Settings) -> IntegrationStatus:
    if not integration.is_configured(settings):
        return IntegrationStatus(
            integration.key, integration.name, "not_configured", integration.required, None, "not configured"
        )
    started = time.perf_counter()
    try:
        detail = integration.probe(settings)
        state: State = "up"
    except ServiceError as error:
        detail, state = error.message, "down"
    except Exception as error:
        log.warning("probe %s failed: %s", integration.key, type(error).__name__)
        detail, state = f"unreachable ({type(error).__name__})", "down"
    return IntegrationStatus(
        integration.key, integration.name, state, integration.required, workspace.timed_ms(started), detail
    )


def check_integrations(*, settings: Settings, timeout_seconds: float = 5.0) -> list[IntegrationStatus]:
    """Probe every integration at once; one that does not answer in time counts as down."""
    pool = ThreadPoolExecutor(max_workers=max(1, len(INTEGRATIONS)), thread_name_prefix="probe")
    try:
        # Each probe runs in a copy of this context, so its log lines keep the request id.
        futures = [(i, pool.submit(contextvars.copy_context().run, _run, i, settings)) for i in INTEGRATIONS]
        results = []
        deadline = time.monotonic() + timeout_seconds
        for integration, future in futures:
            try:
                results.append(future.result(timeout=max(0.0, deadline - time.monotonic())))
            except FutureTimeout:
                results.append(
                    IntegrationStatus(
                        integration.key,
                        integration.name,
                        "down",
                        integration.required,
                        timeout_seconds * 1000,
                        f"no answer within {timeout_seconds:g}s",
                    )
                )
        return results
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def is_ready(statuses: list[IntegrationStatus]) -> bool:
    """Ready when no required integration that is configured is down."""
    return all(s.state != "down" for s in statuses if s.required)


class ProbeCache:
    """The last probe results, reused for a few seconds, with one probe run at a time: callers that arrive
    while a run is under way wait for it (at most its timeout) and share its results."""

    def __init__(self, *, max_age_seconds: float = READY_CACHE_SECONDS) -> None:
        self.max_age_seconds = max_age_seconds
        self.runs = 0  # probe runs so far, for tests and logs
        self._run_lock = threading.Lock()
        self._statuses: list[IntegrationStatus] | None = None
        self._checked_at = 0.0

    def _fresh(self) -> list[IntegrationStatus] | None:
        if self._statuses is not None and time.monotonic() - self._checked_at < self.max_age_seconds:
            return self._statuses
        return None

    def statuses(self, *, settings: Settings) -> list[IntegrationStatus]:
        """The cached results while fresh, else those of a new run (or of the run already under way)."""
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        with self._run_lock:
            fresh = self._fresh()  # a run finished while this caller waited: share it
            if fresh is not None:
                return fresh
            statuses = check_integrations(settings=settings)
            self._statuses, self._checked_at = statuses, time.monotonic()
            self.runs += 1
            return statuses
