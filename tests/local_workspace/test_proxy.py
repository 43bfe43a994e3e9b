"""The local Apps proxy injects the selected user's identity, like the Databricks Apps proxy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask, Response, jsonify, request

from local_workspace.identities import Directory
from local_workspace.proxy import USER_COOKIE, AppsProxy
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


def test_switching_user_changes_the_identity(proxy: RunningServer) -> None:
    session = requests.Session()
    page = session.get(f"{proxy.url}/.local/users", timeout=5)
    assert "bob@example.com" in page.text
    switched = session.post(
        f"{proxy.url}/.local/switch-user", data={"user": "bob@example.com"}, allow_redirects=False, timeout=5
    )
    assert switched.status_code == 303
    assert session.cookies[USER_COOKIE] == "bob@example.com"
    headers = _echo(proxy, session)["headers"]
    assert headers["X-Forwarded-Email"] == "bob@example.com"
    assert headers["X-Forwarded-Access-Token"] == "dapi-local-bob-0002"


def test_unknown_user_cannot_be_selected(proxy: RunningServer) -> None:
    response = requests.post(f"{proxy.url}/.local/switch-user", data={"user": "mallory@example.com"}, timeout=5)
    assert response.status_code == 400


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
