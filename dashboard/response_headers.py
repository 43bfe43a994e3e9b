"""The headers every response leaves with: no MIME sniffing, no framing by other sites, a Content-Security-
Policy that lets only the app's own scripts run, no caching of per-user answers, long-lived caching of
fingerprinted static files, no content type on an empty 204; and compression (brotli or gzip) of whatever
compresses."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from typing import cast

import dash
from dash.fingerprint import check_fingerprint
from flask import Flask, Request, Response, request
from flask_compress import Compress, DictCache

from dashboard.page_container import REFERRER_POLICY

DOCS_PREFIX = "/docs"
# Where the app may be framed. Databricks Apps can be embedded in another site by iframe (an opt-in of the
# app's owner): list that site's origin here; by default only the app itself may frame its pages.
FRAME_ANCESTORS: tuple[str, ...] = ("'self'",)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S | re.I)
# A URL that names its content's version never changes content: a browser may keep it a year without asking.
LONG_LIVED = "public, max-age=31536000, immutable"
# The query parameter with which Dash (`?m=` on /assets/ files, `?v=` on its favicon) and the app (`?v=` on
# Bootstrap's CSS) version a static file's URL.
VERSION_PARAMETERS = ("m", "v")
# Files of installed packages: the same bytes for the life of the process, so each is compressed once per
# worker and then served from memory. The app's own /assets/ are not among them (`make dev` edits them).
PACKAGE_FILE_ENDPOINTS = frozenset({"vendor_bootstrap.static", "swagger.static", "openapi.static"})
COMPRESSION = {
    # brotli where the browser takes it (every current one does), else gzip. Brotli's level 4 is as fast as
    # gzip's 6 and 10 % smaller: Dash's and Bootstrap's 1.6 MB of scripts and styles become 360 KiB.
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],
    "COMPRESS_BR_LEVEL": 4,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
        "image/x-icon",
    ],
    # A streamed answer (a CSV export) goes out as it is produced, uncompressed.
    "COMPRESS_STREAMS": False,
    "COMPRESS_REGISTER": False,  # install_compression registers the one hook that chooses between the two
}


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


def _docs_policy(response: Response, frame_ancestors: Sequence[str], hashed: dict[str, list[str]]) -> str:
    """The policy of the API docs: Swagger UI's page has one inline script of its own (the app's settings,
    nothing from a request), hashed from the first page sent at its path and kept (`hashed`), so that no later
    answer vouches for itself; its scripts and styles need no hash."""
    if response.mimetype == "text/html" and not response.direct_passthrough:
        if request.path not in hashed:
            hashed[request.path] = script_hashes(response.get_data(as_text=True))
        sources = hashed[request.path]
    else:
        sources = []
    return _policy(sources, frame_ancestors)


def _is_per_user(response: Response) -> bool:
    # Every API answer (CSV exports included), Dash's callback answers and layouts, and the HTML pages carry
    # the signed-in user's data; static files (scripts, styles, images) do not and keep their caching.
    return request.path.startswith("/api/") or response.mimetype in ("application/json", "text/html")


def _unversioned_path(request: Request) -> str:
    # The cache key of a package file's compressed bytes: its path without Dash's fingerprint, so that any
    # number of made-up fingerprints of one file still share one entry.
    return str(check_fingerprint(request.path)[0])


def _component_suites_endpoint(app: dash.Dash) -> str:
    # Dash names the route of its components' scripts by the route itself.
    return f"{app.config.routes_pathname_prefix}_dash-component-suites/<string:package_name>/<path:fingerprinted_path>"


def _is_fingerprinted(app: dash.Dash) -> bool:
    if request.endpoint == _component_suites_endpoint(app):
        return bool(check_fingerprint(request.path)[1])
    return any(name in request.args for name in VERSION_PARAMETERS)


def install_compression(app: dash.Dash) -> None:
    """Compress the server's answers (brotli, else gzip, as the request's Accept-Encoding allows).

    Dash's own `compress=True` would do the same through flask-compress, gzip only and each static file
    again on every request; here the installed packages' files (Dash's components, Bootstrap, Swagger UI)
    are compressed once per worker, and the pages and callback answers as they go; the REST API's answers
    are left as they were."""
    server = cast(Flask, app.server)
    server.config.update(COMPRESSION)
    as_it_goes = Compress(server)
    once = Compress(server)
    once.cache, once.cache_key = DictCache(), _unversioned_path
    suites = _component_suites_endpoint(app)
    compressed_types = frozenset(server.config["COMPRESS_MIMETYPES"])

    @server.after_request
    def compress(response: Response) -> Response:
        if request.path.startswith("/api/"):
            # The REST API's answers stay as they were for its clients (small JSON, and streamed exports).
            return response
        if response.direct_passthrough and response.status_code == 200 and response.mimetype in compressed_types:
            # Flask sends a static file as a stream of its file, which flask-compress leaves alone (it does
            # not compress streams here): read it (a script or a style sheet) to compress it as a whole.
            response.direct_passthrough = False
            response.make_sequence()
        package_file = request.endpoint == suites or request.endpoint in PACKAGE_FILE_ENDPOINTS
        return (once if package_file else as_it_goes).after_request(response)


def install_response_headers(app: dash.Dash, *, frame_ancestors: Sequence[str] = FRAME_ANCESTORS) -> None:
    """Set the headers on every response of the app's server, and compress it; call once every callback is
    registered."""
    server = cast(Flask, app.server)
    # Flask runs the last registered hook first: the headers are set before the body is compressed.
    install_compression(app)
    same_origin_only = list(frame_ancestors) == ["'self'"]
    docs_hashes: dict[str, list[str]] = {}

    @server.after_request
    def add_headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = REFERRER_POLICY
        if same_origin_only:
            # For browsers that predate CSP's frame-ancestors; it cannot express a list of other origins.
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        if request.path == DOCS_PREFIX or request.path.startswith(f"{DOCS_PREFIX}/"):
            response.headers["Content-Security-Policy"] = _docs_policy(response, frame_ancestors, docs_hashes)
        else:
            # Dash's own hashes of the inline scripts it writes into its pages (its renderer and every
            # clientside callback), taken per response: Dash adds the pages' routing callback at the first
            # request, and hashing three short strings costs microseconds.
            response.headers["Content-Security-Policy"] = _policy(app.csp_hashes(), frame_ancestors)
        if _is_per_user(response):
            response.headers["Cache-Control"] = "no-store"
        elif response.status_code == 200 and _is_fingerprinted(app):
            response.headers["Cache-Control"] = LONG_LIVED
        if response.status_code == 204:
            # Flask gives every response a text/html type, an empty one too.
            response.headers.pop("Content-Type", None)
        return response
