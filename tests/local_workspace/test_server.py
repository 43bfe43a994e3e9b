"""The local workspace answers like Databricks, including its errors."""

from __future__ import annotations

import requests

from local_workspace.identities import Directory
from tests.conftest import RunningServer


def test_discovery_documents(local_workspace: RunningServer) -> None:
    config = requests.get(f"{local_workspace.url}/.well-known/databricks-config", timeout=5).json()
    assert config["oidc_endpoint"] == f"{local_workspace.url}/oidc"
    oidc = requests.get(f"{local_workspace.url}/oidc/.well-known/oauth-authorization-server", timeout=5).json()
    assert oidc["token_endpoint"] == f"{local_workspace.url}/oidc/v1/token"


def test_client_credentials_with_a_wrong_secret_are_refused(
    local_workspace: RunningServer, directory: Directory
) -> None:
    response = requests.post(
        f"{local_workspace.url}/oidc/v1/token",
        auth=(directory.service_principal.user_name, "wrong"),
        data={"grant_type": "client_credentials", "scope": "all-apis"},
        timeout=5,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_issued_token_works_and_expires(directory: Directory) -> None:
    token = directory.issue_token(directory.service_principal, lifetime_seconds=0)
    assert directory.principal_for_token(token) is None
    token = directory.issue_token(directory.service_principal)
    assert directory.principal_for_token(token) == directory.service_principal


def test_api_without_a_token_is_unauthenticated(local_workspace: RunningServer) -> None:
    response = requests.get(f"{local_workspace.url}/api/2.0/preview/scim/v2/Me", timeout=5)
    assert response.status_code == 401
    assert response.json()["error_code"] == "UNAUTHENTICATED"


def test_unknown_endpoint_is_databricks_shaped(local_workspace: RunningServer) -> None:
    response = requests.get(
        f"{local_workspace.url}/api/2.0/nothing", headers={"Authorization": "Bearer dapi-local-alice-0001"}, timeout=5
    )
    assert response.status_code == 404
    assert response.json() == {"error_code": "ENDPOINT_NOT_FOUND", "message": "No API found for 'GET /api/2.0/nothing'"}
