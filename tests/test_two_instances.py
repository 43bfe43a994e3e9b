"""Two app instances (separate gunicorn processes, two workers each) behind the local Apps proxy taking turns:
what one instance computed is a cache hit through the other, concurrent identical requests run one statement on
the warehouse in all, and Cancel reaches a Data page query another instance runs. Everything they share lives in
Lakebase."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from bench.journeys import grid_request
from core.settings import Settings
from local_workspace.identities import Directory
from local_workspace.lakebase import LocalLakebase
from local_workspace.proxy import AppsProxy
from local_workspace.warehouse import LocalWarehouse
from services.warehouse import TableView
from tests.conftest import RunningServer, app_under_gunicorn, serve_in_thread
from tests.services.test_analytics_run import statements_run

QUERY = """-- Trips of one zip (or all), for the two-instance test.
-- @param zip INT = NULL
-- @run_as app
-- @cache_ttl 600
SELECT count(*) AS trips, sum(fare_amount) AS fares, '{tag}' AS tag
FROM samples.nyctaxi.trips WHERE (:zip IS NULL OR pickup_zip = :zip)
"""


@dataclass
class Instances:
    proxy: RunningServer
    logs: list[Path]
    tag: str

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return requests.post(self.proxy.url + path, json=body, timeout=60)

    def requests_served(self, path: str) -> list[int]:
        """How many requests to `path` each instance logged."""
        return [log.read_text(encoding="utf-8").count(f'"path": "{path}"') for log in self.logs]


@pytest.fixture(scope="module")
def instances(
    settings: Settings,
    directory: Directory,
    local_workspace: RunningServer,
    local_lakebase: LocalLakebase,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Instances]:
    tag = f"two{uuid.uuid4().hex[:10]}"
    queries = tmp_path_factory.mktemp("queries")
    (queries / "zip_trips.sql").write_text(QUERY.format(tag=tag), encoding="utf-8")
    folder = tmp_path_factory.mktemp("instances")
    logs = [folder / "one.jsonl", folder / "two.jsonl"]
    env = {"QUERIES_DIR": str(queries), "GUNICORN_WORKERS": "2"}
    with contextlib.ExitStack() as stack:
        ports = [
            stack.enter_context(
                app_under_gunicorn(
                    directory,
                    workspace_port=local_workspace.server.server_port,
                    lakebase_port=local_lakebase.port,
                    log_file=log,
                    ready_path="/readyz",
                    **env,
                )
            )[1]
            for log in logs
        ]
        proxy = serve_in_thread(AppsProxy([f"http://127.0.0.1:{port}" for port in ports], directory))
        stack.callback(proxy.stop)
        yield Instances(proxy, logs, tag)


@pytest.fixture(autouse=True)
def _empty_shared_cache(local_lakebase: LocalLakebase) -> None:
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        admin.execute("TRUNCATE query_cache")


def test_a_result_computed_through_one_instance_is_a_hit_through_the_other(
    instances: Instances, settings: Settings
) -> None:
    before = instances.requests_served("/api/queries/zip_trips")
    first = instances.post("/api/queries/zip_trips", {"parameters": {"zip": 10001}})
    second = instances.post("/api/queries/zip_trips", {"parameters": {"zip": 10001}})
    assert first.status_code == second.status_code == 200
    assert first.json()["from_cache"] is False
    assert second.json()["from_cache"] is True
    assert second.json()["computed_at"] == first.json()["computed_at"]
    after = instances.requests_served("/api/queries/zip_trips")
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1]  # one through each instance
    assert "warehouse;dur=0.0" in second.headers["Server-Timing"]


def test_concurrent_identical_requests_run_one_statement_across_instances(
    instances: Instances, settings: Settings, local_warehouse: LocalWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = statements_run(settings, instances.tag)
    monkeypatch.setattr(local_warehouse, "min_statement_seconds", 1.0)  # all 20 arrive while it runs
    body = {"parameters": {"zip": 10002}}
    answers: list[requests.Response] = []
    threads = [
        threading.Thread(target=lambda: answers.append(instances.post("/api/queries/zip_trips", body)))
        for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [200] * 20
    assert len({a.json()["computed_at"] for a in answers}) == 1
    assert sum(not a.json()["from_cache"] for a in answers) == 1
    assert statements_run(settings, instances.tag) - before == 1  # from the warehouse's Query History


def test_cancel_through_one_instance_stops_the_query_another_runs(
    instances: Instances,
    local_warehouse: LocalWarehouse,
    local_lakebase: LocalLakebase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(local_warehouse, "min_statement_seconds", 8.0)
    state = TableView.open("samples.nyctaxi.trips").to_store()
    dependencies = requests.get(instances.proxy.url + "/_dash-dependencies", timeout=30).json()
    cancel = next(d for d in dependencies if any(i["id"] == "data-cancel" for i in d["inputs"]))
    grid_body = grid_request(0)  # the grid's first block, asked under the view's query token
    grid_body["state"][0]["value"] = state
    grid: list[requests.Response] = []
    before = instances.requests_served("/_dash-update-component")
    started = time.monotonic()
    runner = threading.Thread(target=lambda: grid.append(instances.post("/_dash-update-component", grid_body)))
    runner.start()
    _wait_for_registered(local_lakebase, state["token"])
    output_id, output_property = cancel["output"].split(".", 1)
    cancelled = instances.post(
        "/_dash-update-component",
        {
            "output": cancel["output"],
            "outputs": {"id": output_id, "property": output_property},
            "inputs": [{"id": "data-cancel", "property": "n_clicks", "value": 1}],
            "state": [{"id": "data-state", "property": "data", "value": state}],
            "changedPropIds": ["data-cancel.n_clicks"],
        },
    )
    assert cancelled.status_code == 200, cancelled.text
    assert "Cancelling the query on the warehouse" in cancelled.text
    runner.join(timeout=30)
    assert time.monotonic() - started < 6  # stopped on the warehouse, not waited out
    assert "QUERY_CANCELLED" in grid[0].text
    after = instances.requests_served("/_dash-update-component")
    assert sorted(b - a for a, b in zip(before, after, strict=True)) == [1, 1]  # one through each instance


def _wait_for_registered(local_lakebase: LocalLakebase, token: str) -> None:
    """Until the Data page's query is in the cancel registry (it is running on the warehouse)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with local_lakebase.admin_connection(local_lakebase.database) as admin:
            if admin.execute("SELECT 1 FROM running_queries WHERE query_token = %s", (token,)).fetchone():
                return
        time.sleep(0.05)
    raise AssertionError("the Data page's query never reached the cancel registry")
