"""Health endpoints: /healthz (the process is alive) and /readyz (every required integration answers)."""

from __future__ import annotations

from dataclasses import asdict

from flask import Flask, Response, jsonify

from core.request_context import app_settings
from services.status import check_integrations, is_ready


def install_health(server: Flask) -> None:
    """Register the two endpoints; the middleware lets them through without an identity."""

    @server.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @server.get("/readyz")
    def readyz() -> tuple[Response, int]:
        statuses = check_integrations(settings=app_settings())
        ready = is_ready(statuses)
        body = {"status": "ready" if ready else "not_ready", "integrations": [asdict(s) for s in statuses]}
        return jsonify(body), 200 if ready else 503
