"""Flask middleware: a correlation id and the forwarded identity for every request, the limits of
dashboard/request_limits.py, and one access line with the request's query cache hits and misses and its time on
the warehouse, which a Server-Timing header also gives (app = total minus warehouse; cache is part of app)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import Token

from flask import Flask, Response, g, jsonify, request

from core.errors import AuthRequired
from core.identity import UserIdentity
from core.request_context import RequestMetrics, metrics_var, request_id_var, user_var
from dashboard.request_limits import check_json_depth, check_url_length

access_log = logging.getLogger("dashboard.access")

# Paths a load balancer or the Apps runtime probes without an identity.
PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
MAX_IDENTITY_HEADER_LENGTH = 320
IDENTITY_HEADERS = ("X-Forwarded-Email", "X-Forwarded-User", "X-Forwarded-Preferred-Username")


def _request_id() -> str:
    # Keep the proxy's id so one id follows the request across systems; replace anything malformed.
    given = request.headers.get("X-Request-Id", "")
    return given if REQUEST_ID_PATTERN.match(given) else str(uuid.uuid4())


def _malformed(header: str, reason: str) -> AuthRequired:
    return AuthRequired(
        "The identity headers of this request are malformed.", technical_details={"header": header, "reason": reason}
    )


def _header(name: str) -> str | None:
    value = request.headers.get(name, "").strip()
    if not value:
        return None
    if len(value) > MAX_IDENTITY_HEADER_LENGTH or not value.isprintable():
        raise _malformed(name, "too long or contains control characters")
    return value


def user_id_from_headers(*, email: str | None, workspace_user: str | None) -> str | None:
    """The id that scopes everything the app stores for the user, by one rule whichever header carries it.

    The rule: X-Forwarded-Email when the proxy sent one, else X-Forwarded-User. Each of the two, when
    present, is trimmed and must then be 1..320 printable characters without whitespace (AuthRequired names
    the header that is not); the id is the chosen one lower-cased, so the same person gets the same id
    whatever case the IdP or the proxy used this time. None when neither header has a value."""
    candidates = []
    for header, value in (("X-Forwarded-Email", email), ("X-Forwarded-User", workspace_user)):
        trimmed = (value or "").strip()
        if not trimmed:
            continue
        if len(trimmed) > MAX_IDENTITY_HEADER_LENGTH or not trimmed.isprintable():
            raise _malformed(header, "too long or contains control characters")
        if any(character.isspace() for character in trimmed):
            raise _malformed(header, "contains whitespace")
        candidates.append(trimmed.lower())
    return candidates[0] if candidates else None


def identity_from_headers() -> UserIdentity:
    """The user the Apps proxy forwarded; AuthRequired when there is none or it is malformed."""
    email, workspace_user, user_name = (_header(name) for name in IDENTITY_HEADERS)
    user_id = user_id_from_headers(email=email, workspace_user=workspace_user)
    if email is not None and not EMAIL_PATTERN.match(email):
        raise _malformed("X-Forwarded-Email", "not an email address")
    if user_id is None:
        raise AuthRequired(
            technical_details={
                "reason": "no X-Forwarded-Email or X-Forwarded-User header",
                "headers": list(IDENTITY_HEADERS),
            }
        )
    token = request.headers.get("X-Forwarded-Access-Token", "").strip() or None
    return UserIdentity(
        user_id=user_id, email=email, user_name=user_name, workspace_user=workspace_user, access_token=token
    )


def install_middleware(server: Flask) -> None:
    """Register the before/after hooks on the Flask server."""

    @server.before_request
    def start_request() -> tuple[Response, int] | None:
        g.started = time.perf_counter()
        g.context_tokens = [request_id_var.set(_request_id()), metrics_var.set(RequestMetrics())]
        check_url_length()
        if request.path in PUBLIC_PATHS:
            _sign_in_if_possible()
            return None
        try:
            user = identity_from_headers()
        except AuthRequired as error:
            access_log.warning("request refused: %s", error.message, extra={"reason": error.technical_details})
            return jsonify(error.to_body()), error.status
        g.context_tokens.append(user_var.set(user))
        check_json_depth()
        return None

    @server.after_request
    def finish_request(response: Response) -> Response:
        request_id = request_id_var.get()
        if request_id:
            response.headers["X-Request-Id"] = request_id
        started = g.get("started")
        duration_ms = round((time.perf_counter() - started) * 1000, 2) if started is not None else None
        metrics = metrics_var.get() or RequestMetrics()
        if duration_ms is not None:
            response.headers["Server-Timing"] = server_timing(duration_ms, metrics)
        access_log.info(
            "request completed",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "cache_hits": metrics.cache_hits,
                "cache_misses": metrics.cache_misses,
                "warehouse_ms": round(metrics.warehouse_ms, 2),
                "cache_ms": round(metrics.cache_ms, 2),
            },
        )
        return response

    @server.teardown_request
    def clear_context(_: BaseException | None) -> None:
        # Threads are reused across requests: leave no identity behind for the next one.
        tokens: list[Token[object]] = g.pop("context_tokens", [])
        for token in reversed(tokens):
            token.var.reset(token)


def server_timing(duration_ms: float, metrics: RequestMetrics) -> str:
    """The Server-Timing value: the app's own time (the total minus the warehouse's), the warehouse's, and the
    shared cache's (part of the app's), in milliseconds, for the bench and a browser's devtools."""
    app_ms = max(0.0, duration_ms - metrics.warehouse_ms)
    return f"app;dur={app_ms:.1f}, warehouse;dur={metrics.warehouse_ms:.1f}, cache;dur={metrics.cache_ms:.1f}"


def _sign_in_if_possible() -> None:
    """On a public path: the identity when the headers carry a valid one (it unlocks details), else none."""
    try:
        user = identity_from_headers()
    except AuthRequired:
        return
    g.context_tokens.append(user_var.set(user))
