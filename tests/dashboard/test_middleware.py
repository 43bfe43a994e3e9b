from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from core.settings import Settings
from dashboard import create_app
from dashboard.middleware import user_id_from_headers


def test_request_id_from_the_proxy_is_echoed(client: FlaskClient, headers_for: Callable[..., dict[str, str]]) -> None:
    headers = headers_for() | {"X-Request-Id": "proxy-req-42"}
    response = client.get("/healthz", headers=headers)
    assert response.headers["X-Request-Id"] == "proxy-req-42"


def test_request_id_is_generated_when_missing(client: FlaskClient) -> None:
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/healthz").headers["X-Request-Id"]
    assert uuid.UUID(first)
    assert uuid.UUID(second)
    assert first != second


@pytest.mark.parametrize("bad_id", ["x" * 500, "has space", "tab\tchar", "<script>"])
def test_malformed_request_id_is_replaced(client: FlaskClient, bad_id: str) -> None:
    response = client.get("/healthz", headers={"X-Request-Id": bad_id})
    assert response.headers["X-Request-Id"] != bad_id
    assert uuid.UUID(response.headers["X-Request-Id"])


@pytest.mark.parametrize("path", ["/", "/api/user/me", "/_dash-layout", "/openapi.json", "/no/such/page"])
def test_no_forwarded_identity_gets_ec003(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    body = response.get_json()
    assert body["error_code"] == "AUTH_REQUIRED"
    assert body["message"]
    assert isinstance(body["technical_details"], dict)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-Email": "not-an-email"},
        {"X-Forwarded-Email": "a" * 400 + "@example.com"},
        {"X-Forwarded-Email": "alice@example.com\x07"},
        {"X-Forwarded-Email": "   ", "X-Forwarded-Preferred-Username": "alice"},
    ],
)
def test_malformed_identity_headers_get_ec003(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.get("/api/user/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error_code"] == "AUTH_REQUIRED"
    assert "Traceback" not in response.get_data(as_text=True)


def test_health_endpoints_need_no_identity(client: FlaskClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code in (200, 503)


def test_user_id_header_alone_identifies(settings_with: Callable[..., Settings]) -> None:
    # Without a forwarded token /api/user/me answers only when the app may act for the user.
    client = create_app(settings_with(allow_app_identity_fallback=True)).server.test_client()
    response = client.get("/api/user/me", headers={"X-Forwarded-User": "6100000000000003@1000000000000001"})
    assert response.status_code == 200
    assert response.get_json()["user_id"] == "6100000000000003@1000000000000001"


def test_access_token_never_leaves_the_server(
    client: FlaskClient, headers_for: Callable[..., dict[str, str]], raw_log_text: Callable[[], str]
) -> None:
    headers = headers_for("bob@example.com")
    token = headers["X-Forwarded-Access-Token"]
    bodies = []
    for method, path in [
        ("GET", "/api/user/me"),
        ("GET", "/"),
        ("GET", "/_dash-layout"),
        ("GET", "/_dash-dependencies"),
        ("GET", "/openapi.json"),
        ("GET", "/api/nope"),
        ("POST", "/api/user/me"),
    ]:
        response = client.open(path, method=method, headers=headers)
        bodies.append(response.get_data(as_text=True))
        assert token not in str(response.headers)
    assert all(token not in body for body in bodies)
    logged = raw_log_text()
    assert "request completed" in logged
    assert token not in logged


def test_unknown_api_path_is_a_json_404(client: FlaskClient, headers_for: Callable[..., dict[str, str]]) -> None:
    response = client.get("/api/does-not-exist", headers=headers_for())
    assert response.status_code == 404
    assert response.get_json()["error_code"] == "NOT_FOUND"


def test_wrong_method_is_a_clear_error(client: FlaskClient, headers_for: Callable[..., dict[str, str]]) -> None:
    response = client.delete("/api/user/me", headers=headers_for())
    assert response.status_code == 400
    body: dict[str, Any] = response.get_json()
    assert body["error_code"] == "INVALID_INPUT"
    assert "DELETE" in body["message"]


def test_oversize_request_is_refused_in_the_error_shape(
    client: FlaskClient, headers_for: Callable[..., dict[str, str]]
) -> None:
    # The session's app allows 256 KiB bodies.
    response = client.post(
        "/_dash-update-component",
        data=b"x" * (257 * 1024),
        headers=headers_for() | {"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    body = response.get_json()
    assert body["error_code"] == "PAYLOAD_TOO_LARGE"
    assert body["technical_details"]["max_bytes"] == 256 * 1024


def test_broken_callback_request_gets_no_stack_trace(
    client: FlaskClient, headers_for: Callable[..., dict[str, str]]
) -> None:
    response = client.post(
        "/_dash-update-component", data=b"{not json", headers=headers_for() | {"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 600
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    assert response.get_json()["error_code"]


# One rule makes the user id from either header: trimmed, lower-cased, and validated the same way.
@pytest.mark.parametrize(
    ("headers", "user_id"),
    [
        ({"X-Forwarded-Email": "Alice@Example.COM"}, "alice@example.com"),
        ({"X-Forwarded-Email": "  alice@example.com\t"}, "alice@example.com"),
        ({"X-Forwarded-User": "6100000000000003@1000000000000001"}, "6100000000000003@1000000000000001"),
        ({"X-Forwarded-User": "  AbC-User@Workspace "}, "abc-user@workspace"),
        ({"X-Forwarded-User": "ALICE@EXAMPLE.COM"}, "alice@example.com"),
        # Email wins when both are there, whatever their case.
        ({"X-Forwarded-Email": "ALICE@example.com", "X-Forwarded-User": "Someone-Else"}, "alice@example.com"),
        ({"X-Forwarded-Email": "  ", "X-Forwarded-User": " Bob-42 "}, "bob-42"),
    ],
)
def test_the_user_id_is_the_same_whichever_header_carries_it(
    client: FlaskClient, json_logs: Callable[[], list[dict[str, Any]]], headers: dict[str, str], user_id: str
) -> None:
    # Any route behind the identity check: its access line names the user id the request runs as.
    response = client.get("/api/does-not-exist", headers=headers)
    assert response.status_code == 404, response.get_json()
    (access,) = [line for line in json_logs() if line["message"] == "request completed"]
    assert access["user_id"] == user_id


@pytest.mark.parametrize("header", ["X-Forwarded-Email", "X-Forwarded-User"])
@pytest.mark.parametrize(
    "value",
    ["alice @example.com", "alice@example.com\x07", "a" * 400 + "@example.com", "alice\u00a0@example.com"],
)
def test_both_identity_headers_are_validated_the_same_way(client: FlaskClient, header: str, value: str) -> None:
    response = client.get("/api/user/me", headers={header: value})
    assert response.status_code == 401
    body = response.get_json()
    assert body["error_code"] == "AUTH_REQUIRED"
    assert body["technical_details"]["header"] == header


def test_the_rule_is_one_function() -> None:
    assert user_id_from_headers(email=" Carol@Example.com ", workspace_user=None) == "carol@example.com"
    assert user_id_from_headers(email=None, workspace_user=" Carol@Example.com ") == "carol@example.com"
    assert user_id_from_headers(email=None, workspace_user=None) is None
