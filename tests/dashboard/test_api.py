from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from core.settings import Settings
from dashboard import create_app


@pytest.fixture(scope="module")
def fallback_client(settings: Settings) -> FlaskClient:
    """A client of the app configured with ALLOW_APP_IDENTITY_FALLBACK on."""
    return create_app(settings.model_copy(update={"allow_app_identity_fallback": True})).server.test_client()


def test_openapi_document_is_generated_from_the_code(
    client: FlaskClient, headers_for: Callable[..., dict[str, str]]
) -> None:
    response = client.get("/openapi.json", headers=headers_for())
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    operation = document["paths"]["/api/user/me"]["get"]
    assert set(operation["responses"]) >= {"200", "401", "503"}
    schemas = document["components"]["schemas"]
    assert {"user_id", "email", "groups"} <= set(schemas["CurrentUser"]["properties"])
    assert {"error_code", "message", "technical_details", "retry_after"} <= set(schemas["ErrorBody"]["properties"])


def test_interactive_docs_are_served_without_a_cdn(
    client: FlaskClient, headers_for: Callable[..., dict[str, str]]
) -> None:
    redirect = client.get("/docs", headers=headers_for())
    assert redirect.status_code == 302
    page = client.get(redirect.headers["Location"], headers=headers_for())
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    script = client.get("/docs/swagger/js/swagger-ui-bundle.js", headers=headers_for())
    assert script.status_code == 200
    assert len(script.get_data()) > 100_000


def test_user_me_for_two_users(client: FlaskClient, headers_for: Callable[..., dict[str, str]]) -> None:
    alice = client.get("/api/user/me", headers=headers_for("alice@example.com")).get_json()
    bob = client.get("/api/user/me", headers=headers_for("bob@example.com")).get_json()
    assert alice["user_id"] == "alice@example.com"
    assert alice["display_name"] == "Alice Analyst"
    assert set(alice["groups"]) == {"analysts", "data-scientists"}
    assert alice["on_behalf_of_user"] is True
    assert bob["display_name"] == "Bob Builder"
    assert bob["groups"] == ["analysts"]


def test_user_me_without_a_user_token_uses_the_service_principal(
    fallback_client: FlaskClient, headers_for: Callable[..., dict[str, str]]
) -> None:
    """Only where ALLOW_APP_IDENTITY_FALLBACK lets the app's service principal act for everyone (see below)."""
    body = fallback_client.get("/api/user/me", headers=headers_for("carol@example.com", with_token=False)).get_json()
    assert body["user_id"] == "carol@example.com"
    assert body["on_behalf_of_user"] is False
    # SCIM Me as the app would describe the app: only the forwarded identity is answered.
    assert body["display_name"] == "carol@example.com"
    assert body["groups"] == []
    assert body["workspace_user_id"] is None


def test_user_me_without_a_user_token_is_refused_by_default(
    client: FlaskClient, headers_for: Callable[..., dict[str, str]]
) -> None:
    response = client.get("/api/user/me", headers=headers_for("carol@example.com", with_token=False))
    assert response.status_code == 403
    body = response.get_json()
    assert body["error_code"] == "USER_AUTHORIZATION_REQUIRED"
    assert "user_api_scopes" in body["message"]
    assert body["technical_details"]["header"] == "X-Forwarded-Access-Token"


def test_a_token_the_workspace_refuses_gives_ec003(
    client: FlaskClient, headers_for: Callable[..., dict[str, str]]
) -> None:
    headers = headers_for() | {"X-Forwarded-Access-Token": "dapi-forged-token-123"}
    response = client.get("/api/user/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error_code"] == "AUTH_REQUIRED"
    assert "dapi-forged-token-123" not in response.get_data(as_text=True)


def test_bootstrap_css_is_served_by_the_app(client: FlaskClient, headers_for: Callable[..., dict[str, str]]) -> None:
    response = client.get("/vendor/bootstrap/css/bootstrap.min.css", headers=headers_for())
    assert response.status_code == 200
    assert b"Bootstrap" in response.get_data()[:200]
