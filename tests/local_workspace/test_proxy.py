"""The local Apps proxy injects the selected user's identity, like the Databricks Apps proxy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask, Response, jsonify, request

from local_workspace.identities import Directory
from local_workspace.proxy import CSRF_COOKIE, USER_COOKIE, AppsProxy
from tests.conftest import RunningServer, serve_in_thread


@pytest.fixture(scope="module")
def echo_app() -> Iterator[RunningServer]:
    """An upstream that answers with the headers it received, and can stream a large body."""
    app = Flask("echo")

    @app.route("/echo", methods=["GET", "POST"])
    def echo() -> Response:
        return jsonify(headers=dict(request.headers), body_length=len(request.get_data()), args=request.args)

    @app.get("/stream")
    def stream() -> Response:
        return Response((b"x" * 65536 for _ in range(64)), mimetype="application/octet-stream")

    running = serve_in_thread(app)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def proxy(echo_app: RunningServer) -> Iterator[RunningServer]:
    running = serve_in_thread(AppsProxy(echo_app.url, Directory.load()))
    yield running
    running.stop()


def _echo(proxy: RunningServer, session: requests.Session | None = None, **kwargs: Any) -> dict[str, Any]:
    response = (session or requests).get(f"{proxy.url}/echo", timeout=5, **kwargs)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_injects_the_default_user(proxy: RunningServer) -> None:
    headers = _echo(proxy)["headers"]
    assert headers["X-Forwarded-Email"] == "alice@example.com"
    assert headers["X-Forwarded-Preferred-Username"] == "alice@example.com"
    assert headers["X-Forwarded-User"] == "6100000000000001@1000000000000001"
    assert headers["X-Forwarded-Access-Token"] == "dapi-local-alice-0001"
    assert headers["X-Request-Id"]


def _form_token(page: requests.Response) -> str:
    """The CSRF token the switch-user form carries in its hidden field."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def test_switching_user_changes_the_identity(proxy: RunningServer) -> None:
    session = requests.Session()
    page = session.get(f"{proxy.url}/.local/users", timeout=5)
    assert "bob@example.com" in page.text
    switched = session.post(
        f"{proxy.url}/.local/switch-user",
        data={"user": "bob@example.com", "csrf_token": _form_token(page)},
        allow_redirects=False,
        timeout=5,
    )
    assert switched.status_code == 303
    assert session.cookies[USER_COOKIE] == "bob@example.com"
    headers = _echo(proxy, session)["headers"]
    assert headers["X-Forwarded-Email"] == "bob@example.com"
    assert headers["X-Forwarded-Access-Token"] == "dapi-local-bob-0002"


def test_unknown_user_cannot_be_selected(proxy: RunningServer) -> None:
    session = requests.Session()
    token = _form_token(session.get(f"{proxy.url}/.local/users", timeout=5))
    response = session.post(
        f"{proxy.url}/.local/switch-user", data={"user": "mallory@example.com", "csrf_token": token}, timeout=5
    )
    assert response.status_code == 400


def test_the_csrf_cookie_is_strict_and_scoped_to_the_proxys_pages(proxy: RunningServer) -> None:
    session = requests.Session()
    page = session.get(f"{proxy.url}/.local/users", timeout=5)
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}={_form_token(page)};")
    assert "SameSite=Strict" in cookie
    assert "HttpOnly" in cookie
    assert "Path=/.local/" in cookie
    assert len(_form_token(page)) >= 32
    # The same session keeps its token (two tabs both work); another session gets its own.
    assert _form_token(session.get(f"{proxy.url}/.local/users", timeout=5)) == _form_token(page)
    assert _form_token(requests.get(f"{proxy.url}/.local/users", timeout=5)) != _form_token(page)


def _refused_switch(proxy: RunningServer, *, token: str | None, headers: dict[str, str] | None = None) -> None:
    """A switch to Bob, in a session signed in as Alice that holds a CSRF cookie: refused, and still Alice."""
    session = requests.Session()
    good = _form_token(session.get(f"{proxy.url}/.local/users", timeout=5))
    data = {"user": "bob@example.com"} | ({"csrf_token": good if token == "good" else token} if token else {})
    response = session.post(
        f"{proxy.url}/.local/switch-user", data=data, headers=headers or {}, allow_redirects=False, timeout=5
    )
    assert response.status_code == 403, response.text
    assert USER_COOKIE not in response.headers.get("Set-Cookie", "")
    assert USER_COOKIE not in session.cookies
    assert _echo(proxy, session)["headers"]["X-Forwarded-Email"] == "alice@example.com"


def test_a_switch_without_the_csrf_token_is_refused(proxy: RunningServer) -> None:
    _refused_switch(proxy, token=None)


def test_a_switch_with_a_wrong_csrf_token_is_refused(proxy: RunningServer) -> None:
    _refused_switch(proxy, token="x" * 43)


def test_a_switch_without_the_csrf_cookie_is_refused(proxy: RunningServer) -> None:
    """A forged form can copy a token from nowhere: with no cookie, no value matches."""
    token = _form_token(requests.get(f"{proxy.url}/.local/users", timeout=5))
    response = requests.post(
        f"{proxy.url}/.local/switch-user", data={"user": "bob@example.com", "csrf_token": token}, timeout=5
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_cross_site_switch_is_refused_even_with_the_token(proxy: RunningServer, headers: dict[str, str]) -> None:
    _refused_switch(proxy, token="good", headers=headers)


def test_a_switch_from_the_proxys_own_page_is_accepted(proxy: RunningServer) -> None:
    """What a browser sends when the form on /.local/users is submitted."""
    session = requests.Session()
    token = _form_token(session.get(f"{proxy.url}/.local/users", timeout=5))
    response = session.post(
        f"{proxy.url}/.local/switch-user",
        data={"user": "carol@example.com", "csrf_token": token},
        headers={"Origin": proxy.url, "Sec-Fetch-Site": "same-origin"},
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 303
    assert _echo(proxy, session)["headers"]["X-Forwarded-Email"] == "carol@example.com"


def test_switching_user_by_get_does_nothing(proxy: RunningServer) -> None:
    response = requests.get(f"{proxy.url}/.local/switch-user?user=bob%40example.com", timeout=5)
    assert response.status_code == 404
    assert USER_COOKIE not in response.headers.get("Set-Cookie", "")


def test_identity_headers_from_the_browser_are_replaced(proxy: RunningServer) -> None:
    forged = {
        "X-Forwarded-Email": "mallory@example.com",
        "X-Forwarded-Access-Token": "forged",
        "X-Request-Id": "forged-id",
    }
    headers = _echo(proxy, headers=forged)["headers"]
    assert headers["X-Forwarded-Email"] == "alice@example.com"
    assert headers["X-Forwarded-Access-Token"] == "dapi-local-alice-0001"
    assert headers["X-Request-Id"] != "forged-id"


def test_passes_bodies_query_strings_and_streams_through(proxy: RunningServer) -> None:
    posted = requests.post(f"{proxy.url}/echo?a=1&b=two", data=b"y" * 300_000, timeout=5).json()
    assert posted["body_length"] == 300_000
    assert posted["args"] == {"a": "1", "b": "two"}
    with requests.get(f"{proxy.url}/stream", stream=True, timeout=5) as streamed:
        total = sum(len(chunk) for chunk in streamed.iter_content(65536))
    assert total == 64 * 65536


def test_upstream_down_is_a_502(directory: Directory) -> None:
    running = serve_in_thread(AppsProxy("http://127.0.0.1:9", directory))
    try:
        response = requests.get(f"{running.url}/anything", timeout=10)
    finally:
        running.stop()
    assert response.status_code == 502


def test_without_user_authorization_no_token_is_forwarded(echo_app: RunningServer, directory: Directory) -> None:
    """As an app deployed without user_api_scopes: the identity, and no token (not even one the browser sends)."""
    running = serve_in_thread(AppsProxy(echo_app.url, directory, user_authorization=False))
    try:
        headers = _echo(running, headers={"X-Forwarded-Access-Token": "forged"})["headers"]
    finally:
        running.stop()
    assert headers["X-Forwarded-Email"] == "alice@example.com"
    assert "X-Forwarded-Access-Token" not in headers
