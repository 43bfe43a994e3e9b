"""A local stand-in for the Databricks Apps proxy.

Like the real one, it sits in front of the app, drops any identity headers the browser sends and
injects the signed-in user's (X-Forwarded-Email, -User, -Preferred-Username, -Access-Token,
X-Request-Id). Which local user is signed in is a cookie, switched at /.local/users by a form whose POST must
carry the session's CSRF token (a random value in a SameSite=Strict cookie, echoed in a hidden field) and
come from the proxy's own origin: another site cannot switch the user behind the browser's back.

Given several upstream app URLs, it takes turns (round-robin, request by request), as a load balancer in front
of several app instances would: the two-instance tests run behind it.
"""

from __future__ import annotations

import html
import itertools
import secrets
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import requests
from werkzeug.wrappers import Request, Response

from local_workspace.identities import Directory, LocalUser

USER_COOKIE = "local_apps_user"
CSRF_COOKIE = "local_apps_csrf"
CSRF_FIELD = "csrf_token"
# What a browser says of a request's initiator (Sec-Fetch-Site) for a form on the proxy's own page.
SAME_SITE_FETCHES = {"same-origin", "none"}
CONTROL_PREFIX = "/.local/"
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
}
INJECTED = {
    "x-forwarded-email",
    "x-forwarded-user",
    "x-forwarded-preferred-username",
    "x-forwarded-access-token",
    "x-forwarded-host",
    "x-real-ip",
    "x-request-id",
}


class AppsProxy:
    """WSGI app forwarding every request to `upstream` (or, given several, to each in turn) as the selected
    local user.

    `user_authorization=False` stands for an app deployed without user authorization (no user_api_scopes):
    the user's identity is forwarded, their access token is not."""

    def __init__(
        self,
        upstream: str | Sequence[str],
        directory: Directory | None = None,
        timeout_seconds: float = 330.0,
        *,
        user_authorization: bool = True,
    ) -> None:
        self.upstreams = [u.rstrip("/") for u in ([upstream] if isinstance(upstream, str) else upstream)]
        if not self.upstreams:
            raise ValueError("the proxy needs at least one upstream app URL")
        self.upstream = self.upstreams[0]
        self._turns = itertools.cycle(self.upstreams)
        self._turns_lock = threading.Lock()
        self.directory = directory or Directory.load()
        self.timeout_seconds = timeout_seconds
        self.user_authorization = user_authorization
        self._sessions = threading.local()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self._control(request) if request.path.startswith(CONTROL_PREFIX) else self._forward(request)
        return response(environ, start_response)

    def signed_in(self, request: Request) -> LocalUser:
        """The user the cookie names, else the first user of the directory."""
        chosen = self.directory.user(request.cookies.get(USER_COOKIE, ""))
        return chosen or self.directory.users[0]

    def identity_headers(self, user: LocalUser, request: Request) -> dict[str, str]:
        """The headers the Databricks Apps proxy adds for a signed-in user."""
        principal = user.principal
        headers = {
            "X-Forwarded-Email": principal.user_name,
            "X-Forwarded-User": f"{principal.id}@{self.directory.workspace_id}",
            "X-Forwarded-Preferred-Username": principal.user_name,
            "X-Forwarded-Access-Token": user.token,
            "X-Forwarded-Host": request.host,
            "X-Real-Ip": request.remote_addr or "127.0.0.1",
            "X-Request-Id": str(uuid.uuid4()),
        }
        if not self.user_authorization:
            del headers["X-Forwarded-Access-Token"]
        return headers

    def next_upstream(self) -> str:
        """The app URL whose turn it is."""
        with self._turns_lock:
            return next(self._turns)

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._sessions, "session", None)
        if session is None:
            session = requests.Session()
            # The upstream is the app on loopback: no proxy from the environment, no .netrc credentials, and
            # none of the per-request look-ups of either (a third of the proxy's own time per request).
            session.trust_env = False
            self._sessions.session = session
        return session

    def _forward(self, request: Request) -> Response:
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in HOP_BY_HOP and name.lower() not in INJECTED
        }
        headers.update(self.identity_headers(self.signed_in(request), request))
        try:
            upstream = self._session().request(
                request.method,
                self.next_upstream() + request.full_path.rstrip("?"),
                headers=headers,
                data=request.get_data(),
                stream=True,
                allow_redirects=False,
                timeout=(5, self.timeout_seconds),
            )
        except requests.RequestException as error:
            return Response(
                f"The app is not reachable behind the local Apps proxy: {type(error).__name__}",
                status=502,
                content_type="text/plain; charset=utf-8",
            )
        response_headers = [(n, v) for n, v in upstream.raw.headers.items() if n.lower() not in HOP_BY_HOP]
        return Response(
            _stream(upstream), status=upstream.status_code, headers=response_headers, direct_passthrough=True
        )

    def _control(self, request: Request) -> Response:
        if request.path == "/.local/switch-user" and request.method == "POST":
            refusal = _cross_site_refusal(request)
            if refusal:
                return Response(refusal, status=403, content_type="text/plain; charset=utf-8")
            user = self.directory.user(request.form.get("user", ""))
            if user is None:
                return Response("Unknown local user.", status=400, content_type="text/plain; charset=utf-8")
            response = Response(status=303, headers={"Location": "/"})
            response.set_cookie(USER_COOKIE, user.principal.user_name, httponly=True, samesite="Lax")
            return response
        if request.path == "/.local/users" and request.method == "GET":
            csrf = _csrf_token(request)
            page = self._users_page(self.signed_in(request), csrf)
            response = Response(page, content_type="text/html; charset=utf-8")
            response.headers["Cache-Control"] = "no-store"
            response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="Strict", path=CONTROL_PREFIX)
            return response
        return Response("Not found.", status=404, content_type="text/plain; charset=utf-8")

    def _users_page(self, current: LocalUser, csrf: str) -> str:
        options = "\n".join(
            f'<li><label><input type="radio" name="user" value="{html.escape(u.principal.user_name)}"'
            f"{' checked' if u is current else ''}> {html.escape(u.principal.display_name)}"
            f" ({html.escape(u.principal.user_name)})</label></li>"
            for u in self.directory.users
        )
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Local Apps proxy: switch user</title></head>
<body><main>
<h1>Switch the local user</h1>
<p>Signed in as <strong id="current-user">{html.escape(current.principal.user_name)}</strong>.</p>
<form method="post" action="/.local/switch-user">
<input type="hidden" name="{CSRF_FIELD}" value="{html.escape(csrf)}">
<fieldset><legend>Sign in as</legend><ul>{options}</ul></fieldset>
<button type="submit">Switch user</button>
</form>
<p><a href="/">Back to the app</a></p>
</main></body></html>"""


def _csrf_token(request: Request) -> str:
    """The session's CSRF token: the one its cookie holds, else a new random one."""
    held = request.cookies.get(CSRF_COOKIE, "")
    return held if len(held) >= 32 and held.isascii() and held.isprintable() else secrets.token_urlsafe(32)


def _cross_site_refusal(request: Request) -> str | None:
    """Why a switch-user POST is refused (another site sent it, or it lacks the session's CSRF token), or None."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in SAME_SITE_FETCHES:
        return "Refused: a switch of user must come from the proxy's own page (Sec-Fetch-Site)."
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        return "Refused: a switch of user must come from the proxy's own origin (Origin)."
    held, sent = request.cookies.get(CSRF_COOKIE, ""), request.form.get(CSRF_FIELD, "")
    if not held or not sent or not secrets.compare_digest(held.encode(), sent.encode()):
        return "Refused: the form's CSRF token is missing or wrong; open /.local/users and submit it again."
    return None


def _stream(upstream: requests.Response) -> Iterator[bytes]:
    # Pass bytes through undecoded, so Content-Encoding and Content-Length stay true.
    try:
        yield from upstream.raw.stream(64 * 1024, decode_content=False)
    finally:
        upstream.close()
