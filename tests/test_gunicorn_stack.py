"""The app as app.yaml starts it (gunicorn, several workers and threads) behind the local Apps proxy, under
50 concurrent users, and while the warehouse, Postgres and a serving endpoint are stopped and started."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from bench.journeys import INVOKE_BODY, USERS, grid_request
from core.settings import Settings
from local_workspace.identities import Directory
from local_workspace.lakebase import LocalLakebase
from local_workspace.proxy import AppsProxy
from local_workspace.serving import LocalServing
from local_workspace.stack import (
    REPO_ROOT,
    StackPorts,
    app_command,
    app_environment,
    wait_until_ready,
    worker_rss_mib,
)
from local_workspace.warehouse import LocalWarehouse
from tests.conftest import RunningServer, free_port, serve_in_thread

pytestmark = pytest.mark.usefixtures("clean_lakebase")
LOAD_USERS = 50
LOAD_SECONDS = 20


@dataclass
class Gunicorn:
    """The app under gunicorn, the proxy in front of it, and where its stdout (JSON logs) goes."""

    process: subprocess.Popen[bytes]
    proxy: RunningServer
    log_file: Path

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for text in self.log_file.read_text(encoding="utf-8").splitlines():
            if text.startswith("{"):
                lines.append(json.loads(text))
        return lines


@pytest.fixture(scope="module")
def gunicorn(
    settings: Settings,
    directory: Directory,
    local_workspace: RunningServer,
    local_lakebase: LocalLakebase,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Gunicorn]:
    """gunicorn with app.yaml's command and the environment the Apps runtime would give it."""
    ports = StackPorts(app=free_port(), workspace=local_workspace.server.server_port, lakebase=local_lakebase.port)
    environment = app_environment(ports, directory, os.environ)
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment.get("PATH", "")])
    environment["QUERY_REGISTRY_DIR"] = settings.query_registry_dir
    log_file = tmp_path_factory.mktemp("gunicorn") / "stdout.jsonl"
    with log_file.open("wb") as out:
        process = subprocess.Popen(
            app_command(ports.app), cwd=REPO_ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_until_ready(f"http://127.0.0.1:{ports.app}/readyz", timeout_seconds=60, processes=[process])
        proxy = serve_in_thread(AppsProxy(f"http://127.0.0.1:{ports.app}", directory))
        yield Gunicorn(process, proxy, log_file)
        proxy.stop()
    finally:
        process.terminate()
        process.wait(timeout=30)


def session_for(user: str) -> requests.Session:
    session = requests.Session()
    session.cookies.set("local_apps_user", user)
    return session


@dataclass
class Traffic:
    """What simulated users asked and got."""

    statuses: list[tuple[str, int]] = field(default_factory=list)
    acknowledged_layouts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    acknowledged_inferences: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, step: str, response: requests.Response) -> None:
        with self.lock:
            self.statuses.append((step, response.status_code))


def user_journey(base: str, user: str, number: int, traffic: Traffic, until: float, think: tuple[float, float]) -> None:
    """Data page, preference write and read, inference, with a think time between steps, until `until`."""
    session = session_for(user)
    rand = random.Random(number)  # noqa: S311 (think times)
    step = 0
    while time.monotonic() < until:
        page = session.post(f"{base}/_dash-update-component", json=grid_request(rand.randrange(0, 19_000, 100)))
        traffic.record("data page", page)
        probe = 1000 * (number + 1) + step  # unique per simulated user and step: a lost write would show
        written = session.post(
            f"{base}/api/preferences",
            json={"preference_key": "dashboard_layout", "preference_value": {"default_page": f"/probe-{probe}"}},
        )
        traffic.record("preference write", written)
        if written.status_code == 200:
            with traffic.lock:
                traffic.acknowledged_layouts.setdefault(user, []).append(
                    (written.json()["updated_at"], f"/probe-{probe}")
                )
        traffic.record("preference read", session.get(f"{base}/api/preferences"))
        inference = session.post(f"{base}/api/model-serving/invoke", json=INVOKE_BODY)
        traffic.record("inference", inference)
        if inference.status_code == 200:
            with traffic.lock:
                traffic.acknowledged_inferences.append(inference.json()["request_id"])
        step += 1
        time.sleep(rand.uniform(*think))


def run_users(base: str, users: int, seconds: float, think: tuple[float, float] = (0.3, 0.9)) -> Traffic:
    traffic = Traffic()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=user_journey, args=(base, USERS[n % len(USERS)], n, traffic, until, think))
        for n in range(users)
    ]
    for thread in threads:
        thread.start()
        time.sleep(1 / users)  # arrivals spread over a second
    for thread in threads:
        thread.join()
    return traffic


def test_50_users_no_5xx_no_lost_write_every_log_line_correlated_memory_flat(
    gunicorn: Gunicorn, local_lakebase: LocalLakebase
) -> None:
    base = gunicorn.proxy.url
    run_users(base, 6, 5)  # warm-up: imports, pools, connections in both workers
    warm = worker_rss_mib(gunicorn.process.pid)
    assert len(warm) >= 2
    lines_before = len(gunicorn.log_lines())

    traffic = run_users(base, LOAD_USERS, LOAD_SECONDS)

    assert len(traffic.statuses) > LOAD_USERS * 4 * 5
    server_errors = [(step, status) for step, status in traffic.statuses if status >= 500]
    assert server_errors == []
    assert {status for _, status in traffic.statuses} == {200}
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        logged = {row[0] for row in admin.execute("SELECT request_id FROM model_inference_logs")}
        rows = admin.execute(
            "SELECT user_id, preference_value->>'default_page' FROM user_preferences "
            "WHERE preference_key = 'dashboard_layout'"
        )
        stored = {row[0]: row[1] for row in rows}
    assert set(traffic.acknowledged_inferences) <= logged  # every acknowledged inference is in a history
    for user, writes in traffic.acknowledged_layouts.items():
        assert stored[user] == max(writes)[1]  # the last acknowledged write is what is stored

    during = gunicorn.log_lines()[lines_before:]
    assert len(during) >= len(traffic.statuses)  # an access line per request at least
    uncorrelated = [line for line in during if not line.get("request_id")]
    assert uncorrelated == []
    after = worker_rss_mib(gunicorn.process.pid)
    print(
        f"\n{len(traffic.statuses)} requests by {LOAD_USERS} users in {LOAD_SECONDS} s; "
        f"worker RSS {warm} -> {after} MiB"
    )
    assert sum(after) <= 1.25 * sum(warm), (warm, after)


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"not within {seconds} s: {what}")


def test_outages_give_their_seed_errors_and_the_app_recovers_by_itself(
    gunicorn: Gunicorn,
    local_warehouse: LocalWarehouse,
    local_lakebase: LocalLakebase,
    serving_endpoints: LocalServing,
) -> None:
    base = gunicorn.proxy.url
    alice = session_for("alice@example.com")
    query = {"catalog": "samples", "schema": "nyctaxi", "table": "trips", "limit": 10, "offset": 0}
    background = threading.Thread(target=run_users, args=(base, 5, 25, (0.1, 0.3)))
    background.start()  # requests keep flowing through every outage
    try:
        assert alice.post(f"{base}/api/unity-catalog/query", json=query).status_code == 200

        local_warehouse.stop()
        try:
            down = alice.post(f"{base}/api/unity-catalog/query", json=query)
            assert down.status_code == 503
            body = down.json()
            assert body["error_code"] == "DATABASE_UNAVAILABLE"
            assert body["technical_details"]["service"] == "sql_warehouse"
            assert body["retry_after"] > 0
        finally:
            local_warehouse.start()
        wait_for(
            lambda: alice.post(f"{base}/api/unity-catalog/query", json=query).status_code == 200, 20, "warehouse back"
        )

        local_lakebase.stop()
        try:
            down = alice.get(f"{base}/api/preferences")
            assert down.status_code == 503
            assert down.json()["error_code"] == "DATABASE_UNAVAILABLE"
            assert down.json()["retry_after"] > 0
        finally:
            local_lakebase.start()
        wait_for(lambda: alice.get(f"{base}/api/preferences").status_code == 200, 30, "Postgres back")

        serving_endpoints.configure("taxi-fare", state="NOT_READY", config_update="IN_PROGRESS")
        down = alice.post(f"{base}/api/model-serving/invoke", json=INVOKE_BODY)
        assert down.status_code == 503
        assert down.json()["error_code"] == "MODEL_UNAVAILABLE"
        assert down.json()["retry_after"] == 30
        serving_endpoints.configure("taxi-fare", state="READY", config_update="NOT_UPDATING")
        wait_for(
            lambda: alice.post(f"{base}/api/model-serving/invoke", json=INVOKE_BODY).status_code == 200,
            10,
            "endpoint back",
        )
    finally:
        background.join()
    assert gunicorn.process.poll() is None  # no worker crash took the app down
    assert alice.get(f"{base}/readyz").status_code == 200
