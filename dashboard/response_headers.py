"""The headers every response leaves with: no MIME sniffing, no framing by other sites, a Content-Security-
Policy that lets only the app's own scripts run, no caching of per-user answers, and no content type on an
empty 204."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from typing import cast

import dash
from flask import Flask, Response, request

DOCS_PREFIX = "/docs"
DOCS_PAGE_ENDPOINT = "swagger.swagger"
# Where the app may be framed. Databricks Apps can be embedded in another site by iframe (an opt-in of the
# app's owner): list that site's origin here; by default only the app itself may frame its pages.
FRAME_ANCESTORS: tuple[str, ...] = ("'self'",)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S | re.I)


def _policy(script_sources: Sequence[str], frame_ancestors: Sequence[str]) -> str:
    """A Content-Security-Policy: everything from the app's own origin, no inline script but the listed
    ones, no eval, no plugin, no CDN.

    Styles allow 'unsafe-inline': Dash's renderer writes <style> elements at run time (without it the Home
    page alone reports 22 violations), as Plotly.js does for its charts, and no hash can cover styles made at
    run time; an inline style cannot run code, which is what the script policy guards. img-src allows data:
    for the data: SVG icons of Bootstrap's CSS."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_sources],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": list(frame_ancestors),
    }
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def script_hashes(html: str) -> list[str]:
    """The CSP sha256 source of each inline script of a page (a JSON data block is not run, so not hashed)."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii") + "'"
        for attributes, code in INLINE_SCRIPT.findall(html)
        if "application/json" not in attributes.lower()
    ]


def _docs_policy(server: Flask, frame_ancestors: Sequence[str]) -> str:
    """The policy of the API docs: Swagger UI's page has one inline script of its own, the same on every
    request (it holds the app's settings, nothing from a request), so it is hashed once here."""
    with server.test_request_context(f"{DOCS_PREFIX}/swagger"):
        page = server.view_functions[DOCS_PAGE_ENDPOINT]()
    return _policy(script_hashes(str(page)), frame_ancestors)


def _is_per_user(response: Response) -> bool:
    # Every API answer (CSV exports included), Dash's callback answers and layouts, and the HTML pages carry
    # the signed-in user's data; static files (scripts, styles, images) do not and keep their caching.
    return request.path.startswith("/api/") or response.mimetype in ("application/json", "text/html")


def install_response_headers(app: dash.Dash, *, frame_ancestors: Sequence[str] = FRAME_ANCESTORS) -> None:
    """Set the headers on every response of the app's server; call once every callback is registered."""
    server = cast(Flask, app.server)
    docs_policy = _docs_policy(server, frame_ancestors)
    same_origin_only = list(frame_ancestors) == ["'self'"]

    @server.after_request
    def add_headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        if same_origin_only:
            # For browsers that predate CSP's frame-ancestors; it cannot express a list of other origins.
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        if request.path == DOCS_PREFIX or request.path.startswith(f"{DOCS_PREFIX}/"):
            response.headers["Content-Security-Policy"] = docs_policy
        else:
            # Dash's own hashes of the inline scripts it writes into its pages (its renderer and every
            # clientside callback), taken per response: Dash adds the pages' routing callback at the first
            # request, and hashing three short strings costs microseconds.
            response.headers["Content-Security-Policy"] = _policy(app.csp_hashes(), frame_ancestors)
        if _is_per_user(response):
            response.headers["Cache-Control"] = "no-store"
        if response.status_code == 204:
            # Flask gives every response a text/html type, an empty one too.
            response.headers.pop("Content-Type", None)
        return response
