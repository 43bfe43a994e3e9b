"""Health endpoints: /healthz (the process is alive) and /readyz (every required integration answers)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Flask, Response, jsonify

from core.request_context import app_settings, user_var
from services.status import IntegrationStatus, ProbeCache, is_ready

PROBE_CACHE_KEY = "readyz_probes"


def _shown(status: IntegrationStatus, *, signed_in: bool) -> dict[str, Any]:
    # The detail names the service principal, the warehouse and the Postgres version, or an error message:
    # for the app's signed-in users, not for whoever can reach the port.
    shown = asdict(status)
    if not signed_in:
        shown.pop("detail")
    return shown


def install_health(server: Flask) -> None:
    """Register the two endpoints; the middleware lets them through without an identity."""
    probes = server.extensions[PROBE_CACHE_KEY] = ProbeCache()

    @server.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @server.get("/readyz")
    def readyz() -> tuple[Response, int]:
        statuses = probes.statuses(settings=app_settings())
        ready = is_ready(statuses)
        signed_in = user_var.get() is not None
        body = {
            "status": "ready" if ready else "not_ready",
            "integrations": [_shown(s, signed_in=signed_in) for s in statuses],
        }
        return jsonify(body), 200 if ready else 503
