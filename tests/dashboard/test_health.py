from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from core.settings import Settings
from dashboard import create_app


def test_healthz_makes_no_dependency_call(settings_with: Callable[..., Settings]) -> None:
    # Nothing listens on port 9: a dependency call would fail.
    client = create_app(settings_with(databricks_host="http://127.0.0.1:9")).server.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_each_integration_with_latency(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    workspace = next(i for i in body["integrations"] if i["key"] == "workspace")
    assert workspace["state"] == "up"
    assert workspace["required"] is True
    assert workspace["latency_ms"] >= 0


def test_readyz_is_503_when_the_workspace_is_down(settings_with: Callable[..., Settings]) -> None:
    client = create_app(settings_with(databricks_host="http://127.0.0.1:9")).server.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not_ready"
    workspace = next(i for i in body["integrations"] if i["key"] == "workspace")
    assert workspace["state"] == "down"
    assert "Traceback" not in response.get_data(as_text=True)
