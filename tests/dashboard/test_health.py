from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests
from flask.testing import FlaskClient

from core.settings import Settings
from dashboard import create_app
from tests.conftest import serve_in_thread


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


def test_concurrent_readyz_calls_share_one_probe_run(settings: Settings) -> None:
    app = create_app(settings)
    running = serve_in_thread(app.server)
    try:
        with ThreadPoolExecutor(max_workers=10) as pool:
            responses = list(pool.map(lambda _: requests.get(f"{running.url}/readyz", timeout=30), range(10)))
    finally:
        running.stop()
    assert [r.status_code for r in responses] == [200] * 10
    assert app.server.extensions["readyz_probes"].runs == 1


def test_readyz_results_are_reused_for_a_few_seconds(settings: Settings) -> None:
    app = create_app(settings)
    client = app.server.test_client()
    first = client.get("/readyz").get_json()
    second = client.get("/readyz").get_json()
    assert first == second
    assert app.server.extensions["readyz_probes"].runs == 1


def test_anonymous_readyz_shows_states_but_no_details(client: FlaskClient, settings: Settings) -> None:
    text = client.get("/readyz").get_data(as_text=True)
    for integration in client.get("/readyz").get_json()["integrations"]:
        assert set(integration) == {"key", "name", "state", "required", "latency_ms"}
    # Neither the service principal, nor the warehouse, nor the Postgres version.
    assert "signed in as" not in text
    assert str(settings.client_id) not in text
    assert str(settings.warehouse_id) not in text
    assert "PostgreSQL" not in text


def test_signed_in_readyz_shows_the_details(client: FlaskClient, headers_for: Callable[..., dict[str, str]]) -> None:
    body = client.get("/readyz", headers=headers_for()).get_json()
    details = {i["key"]: i["detail"] for i in body["integrations"]}
    assert "signed in as" in details["workspace"]
    assert details["lakebase"]


def test_readyz_with_malformed_identity_headers_is_anonymous(client: FlaskClient) -> None:
    response = client.get("/readyz", headers={"X-Forwarded-Email": "not-an-email"})
    assert response.status_code == 200
    assert all("detail" not in i for i in response.get_json()["integrations"])
