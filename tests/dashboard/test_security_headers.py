"""Security headers on every response: nosniff, no framing by other sites, a Content-Security-Policy that
allows only the app's own scripts (and Dash's inline ones by hash), and no caching of per-user answers."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.dashboard.dash_requests import shell_callback_body

Headers = Callable[..., dict[str, str]]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S)


def _policy(response: Any) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = [part.split() for part in response.headers["Content-Security-Policy"].split(";") if part.strip()]
    return {first: rest for first, *rest in directives}


def _inline_script_hashes(html: str) -> set[str]:
    """The CSP hash of every inline script a browser would run (a JSON data block is not run)."""
    return {
        "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"
        for attributes, code in INLINE_SCRIPT.findall(html)
        if "application/json" not in attributes
    }


@pytest.mark.parametrize(
    ("method", "path", "signed_in"),
    [
        ("GET", "/", True),
        ("GET", "/data", True),
        ("GET", "/_dash-layout", True),
        ("GET", "/api/user/me", True),
        ("GET", "/api/nope", True),
        ("GET", "/healthz", False),
        ("GET", "/", False),
        ("GET", "/vendor/bootstrap/css/bootstrap.min.css", True),
        ("GET", "/openapi.json", True),
        ("GET", "/docs/swagger", True),
    ],
)
def test_every_response_carries_the_security_headers(
    client: FlaskClient, headers_for: Headers, method: str, path: str, signed_in: bool
) -> None:
    response = client.open(path, method=method, headers=headers_for() if signed_in else {})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    policy = _policy(response)
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


def test_the_page_policy_allows_exactly_dashs_inline_scripts(client: FlaskClient, headers_for: Headers) -> None:
    response = client.get("/", headers=headers_for())
    html = response.get_data(as_text=True)
    policy = _policy(response)
    scripts = policy["script-src"]
    assert scripts[0] == "'self'"
    hashes = _inline_script_hashes(html)
    assert len(hashes) >= 2  # the renderer and the shell's clientside callback
    assert hashes <= set(scripts)
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "https:"} & set(scripts)
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]


def test_the_api_docs_have_a_policy_of_their_own(client: FlaskClient, headers_for: Headers) -> None:
    page = client.get("/docs/swagger", headers=headers_for())
    assert page.status_code == 200
    scripts = _policy(page)["script-src"]
    assert _inline_script_hashes(page.get_data(as_text=True)) <= set(scripts)
    assert "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    # The app's own pages do not allow the docs' inline script.
    app_scripts = _policy(client.get("/", headers=headers_for()))["script-src"]
    assert not _inline_script_hashes(page.get_data(as_text=True)) & set(app_scripts)


@pytest.mark.usefixtures("clean_lakebase")
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/", None),
        ("GET", "/preferences", None),
        ("GET", "/_dash-layout", None),
        ("GET", "/api/user/me", None),
        ("GET", "/api/preferences", None),
        ("POST", "/api/preferences", {"preference_key": "theme", "preference_value": {"mode": "dark"}}),
        ("GET", "/api/nope", None),
        ("GET", "/api/unity-catalog/export?catalog=samples&schema=nyctaxi&table=trips", None),
        ("GET", "/readyz", None),
    ],
)
def test_per_user_answers_are_never_stored_by_a_cache(
    client: FlaskClient, headers_for: Headers, method: str, path: str, body: Any
) -> None:
    response = client.open(path, method=method, json=body, headers=headers_for())
    assert response.headers["Cache-Control"] == "no-store"


def test_callback_answers_are_never_stored_by_a_cache(client: FlaskClient, headers_for: Headers) -> None:
    response = client.post(
        "/_dash-update-component", json=shell_callback_body(client, headers_for()), headers=headers_for()
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_keep_their_caching(client: FlaskClient, headers_for: Headers) -> None:
    response = client.get("/vendor/bootstrap/css/bootstrap.min.css", headers=headers_for())
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.usefixtures("clean_lakebase")
def test_an_empty_204_has_no_html_content_type(client: FlaskClient, headers_for: Headers) -> None:
    client.post(
        "/api/preferences",
        json={"preference_key": "theme", "preference_value": {"mode": "dark"}},
        headers=headers_for(),
    )
    response = client.delete("/api/preferences/theme", headers=headers_for())
    assert response.status_code == 204
    assert response.get_data() == b""
    assert "Content-Type" not in response.headers
