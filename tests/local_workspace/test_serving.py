"""The local workspace's serving endpoints: models trained once, the Databricks REST shapes and errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from local_workspace.models import FINGERPRINT_FILE, train_models
from local_workspace.serving import LocalServing, load_endpoint_configs
from local_workspace.warehouse import LocalWarehouse
from tests.conftest import RunningServer

TOKEN = {"Authorization": "Bearer dapi-local-alice-0001"}
ROW = {"trip_distance": 1.5, "pickup_hour": 3, "pickup_zip": 10010, "dropoff_zip": 10020}


def test_models_are_trained_once_and_found_on_a_second_setup(local_warehouse: LocalWarehouse, tmp_path: Path) -> None:
    started = time.perf_counter()
    first = train_models(tmp_path, local_warehouse.catalog.database)
    first_seconds = time.perf_counter() - started
    stamps = {key: (m.path / FINGERPRINT_FILE).stat().st_mtime_ns for key, m in first.items()}
    started = time.perf_counter()
    second = train_models(tmp_path, local_warehouse.catalog.database)
    assert time.perf_counter() - started < first_seconds
    assert {key: (m.path / FINGERPRINT_FILE).stat().st_mtime_ns for key, m in second.items()} == stamps
    assert (second["taxi_fare"].path / "MLmodel").exists()
    assert (second["taxi_fare"].path / "input_example.json").exists()
    (second["iris_species"].path / FINGERPRINT_FILE).write_text("{}", encoding="utf-8")  # a stale model
    third = train_models(tmp_path, local_warehouse.catalog.database)
    assert (third["iris_species"].path / FINGERPRINT_FILE).stat().st_mtime_ns != stamps["iris_species"]


def test_serving_toml_names_only_known_models(local_serving: LocalServing) -> None:
    configs = load_endpoint_configs()
    assert {c.name for c in configs} == {"taxi-fare", "iris-species"}
    with pytest.raises(ValueError, match="unknown models"):
        LocalServing([*configs[:1], configs[0].__class__(name="x", model="nope")], local_serving._models)


def test_endpoint_shapes_as_databricks_answers_them(local_workspace: RunningServer) -> None:
    listed = requests.get(f"{local_workspace.url}/api/2.0/serving-endpoints", headers=TOKEN, timeout=10).json()
    names = [e["name"] for e in listed["endpoints"]]
    assert sorted(names) == ["iris-species", "taxi-fare"]
    one = requests.get(f"{local_workspace.url}/api/2.0/serving-endpoints/taxi-fare", headers=TOKEN, timeout=10).json()
    assert one["state"] == {"ready": "READY", "config_update": "NOT_UPDATING"}
    entity = one["config"]["served_entities"][0]
    assert (entity["entity_name"], entity["entity_version"]) == ("samples.models.taxi_fare", "1")
    assert requests.get(f"{local_workspace.url}/api/2.0/serving-endpoints", timeout=10).status_code == 401


def test_invocation_errors_as_databricks_returns_them(
    local_workspace: RunningServer, serving_endpoints: LocalServing
) -> None:
    url = f"{local_workspace.url}/serving-endpoints/taxi-fare/invocations"
    ok = requests.post(url, json={"dataframe_records": [ROW]}, headers=TOKEN, timeout=10)
    assert ok.status_code == 200
    assert list(ok.json()) == ["predictions"]
    assert ok.headers["served-model-name"] == "taxi_fare-1"
    bad = requests.post(url, json={"dataframe_records": [{"trip_distance": 1.0}]}, headers=TOKEN, timeout=10)
    assert bad.status_code == 400
    assert "pickup_hour" in bad.json()["message"]
    missing = requests.post(
        f"{local_workspace.url}/serving-endpoints/nope/invocations", json={}, headers=TOKEN, timeout=10
    )
    assert (missing.status_code, missing.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    serving_endpoints.configure("taxi-fare", throttled_requests=1)
    throttled = requests.post(url, json={"dataframe_records": [ROW]}, headers=TOKEN, timeout=10)
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "1")
    assert requests.post(url, json={"dataframe_records": [ROW]}, headers=TOKEN, timeout=10).status_code == 200
    serving_endpoints.configure("taxi-fare", state="NOT_READY")
    unready = requests.post(url, json={"dataframe_records": [ROW]}, headers=TOKEN, timeout=10)
    assert (unready.status_code, unready.headers["Retry-After"]) == (503, "30")


def test_local_controls_validate_what_they_change(
    local_workspace: RunningServer, serving_endpoints: LocalServing
) -> None:
    control = f"{local_workspace.url}/.local/serving-endpoints"
    assert requests.patch(f"{control}/taxi-fare", json={"state": "BROKEN"}, timeout=10).status_code == 400
    assert requests.patch(f"{control}/taxi-fare", json={"colour": "red"}, timeout=10).status_code == 400
    assert requests.patch(f"{control}/nope", json={"latency_ms": 1}, timeout=10).status_code == 404
    changed = requests.patch(f"{control}/taxi-fare", json={"latency_ms": 250}, timeout=10)
    assert changed.json()["latency_ms"] == 250
    assert serving_endpoints.config("taxi-fare").latency_ms == 250  # type: ignore[union-attr]
