"""The app as app.yaml starts it (gunicorn, several workers and threads) behind the local Apps proxy, under
50 concurrent users, and while the warehouse, Postgres and a serving endpoint are stopped and started."""

from __future__ import annotations

import json
import random
import subprocess
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
    worker_rss_mib,
)
from local_workspace.warehouse import LocalWarehouse
from tests.conftest import RunningServer, app_under_gunicorn, serve_in_thread

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

    def non_json_lines(self) -> list[str]:
        """Output lines that are not JSON log lines (a traceback, a library's own print)."""
        return [text for text in self.log_file.read_text(encoding="utf-8").splitlines() if not text.startswith("{")]


@pytest.fixture(scope="module")
def gunicorn(
    settings: Settings,
    directory: Directory,
    local_workspace: RunningServer,
    local_lakebase: LocalLakebase,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Gunicorn]:
    """gunicorn with app.yaml's command and the environment the Apps runtime would give it."""
    log_file = tmp_path_factory.mktemp("gunicorn") / "stdout.jsonl"
    with app_under_gunicorn(
        directory,
        workspace_port=local_workspace.server.server_port,
        lakebase_port=local_lakebase.port,
        log_file=log_file,
        ready_path="/readyz",
    ) as (process, port):
        proxy = serve_in_thread(AppsProxy(f"http://127.0.0.1:{port}", directory))
        yield Gunicorn(process, proxy, log_file)
        proxy.stop()


def session_for(user: str) -> requests.Session:
    session = requests.Session()
    session.cookies.set("local_apps_user", user)
    return session


def grid_outcome(response: requests.Response) -> str:
    """A Data page callback answers 200 even when its grid shows an error: read what it drew.

    "ok" when the grid shows rows, "seed error" when it shows an error in the seed's shape (a code and,
    for an outage, when to retry), else "broken"."""
    if response.status_code != 200:
        return "broken"
    drawn = response.json()["response"]
    rows = drawn.get("data-grid", {}).get("getRowsResponse", {})
    shown = drawn.get("data-grid-message", {}).get("children")
    if isinstance(rows.get("rowData"), list) and not shown:  # a block (empty past Carol's last row, say)
        return "ok"
    message = json.dumps(shown)
    return "seed error" if "DATABASE_UNAVAILABLE" in message and "Try again in" in message else "broken"


def rest_outcome(response: requests.Response) -> str:
    """ "ok" for a 2xx, "seed error" for a 503 in the seed's shape with retry_after, else "broken"."""
    if response.ok:
        return "ok"
    if response.status_code == 503 and response.headers.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        if {"error_code", "message", "technical_details"} <= set(body) and body.get("retry_after", 0) > 0:
            return "seed error"
    return "broken"


@dataclass
class Write:
    """One preference write: when it was sent and answered, whether it was acknowledged, and the unique value
    it wrote."""

    sent: float
    answered: float
    value: str
    acknowledged: bool


@dataclass
class Traffic:
    """What simulated users asked and got: every answer, kept whole so it can be searched for secrets."""

    outcomes: list[tuple[str, str]] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    request_ids: set[str] = field(default_factory=set)
    layout_writes: dict[str, list[Write]] = field(default_factory=dict)
    acknowledged_inferences: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopped: threading.Event = field(default_factory=threading.Event)

    def record(self, step: str, response: requests.Response, outcome: str) -> None:
        with self.lock:
            self.outcomes.append((step, outcome))
            self.bodies.append(response.text + json.dumps(dict(response.headers)))
            self.request_ids.add(response.headers.get("X-Request-Id", ""))

    def count(self, outcome: str) -> dict[str, int]:
        """How many answers of each step had this outcome."""
        counted: dict[str, int] = {}
        for step, found in self.outcomes:
            counted[step] = counted.get(step, 0) + (found == outcome)
        return counted


def write_layout(session: requests.Session, base: str, user: str, probe: str, traffic: Traffic) -> None:
    """Write a unique default page for the user, and note it when acknowledged (a lost write would show)."""
    sent = time.monotonic()
    written = session.post(
        f"{base}/api/preferences",
        json={"preference_key": "dashboard_layout", "preference_value": {"default_page": probe}},
    )
    traffic.record("preference write", written, rest_outcome(written))
    with traffic.lock:
        traffic.layout_writes.setdefault(user, []).append(
            Write(sent, time.monotonic(), probe, acknowledged=written.status_code == 200)
        )


def writer(base: str, user: str, number: int, traffic: Traffic) -> None:
    """Preference writes back to back until the traffic stops: some are always mid-transaction."""
    session = session_for(user)
    step = 0
    while not traffic.stopped.is_set():
        write_layout(session, base, user, f"/writer-{number}-{step}", traffic)
        step += 1
        time.sleep(0.02)


def user_journey(base: str, user: str, number: int, traffic: Traffic, until: float, think: tuple[float, float]) -> None:
    """Data page, preference write and read, inference, with a think time between steps, until `until`."""
    session = session_for(user)
    rand = random.Random(number)  # noqa: S311 (think times)
    step = 0
    while time.monotonic() < until and not traffic.stopped.is_set():
        page = session.post(f"{base}/_dash-update-component", json=grid_request(rand.randrange(0, 19_000, 100)))
        traffic.record("data page", page, grid_outcome(page))
        write_layout(session, base, user, f"/probe-{1000 * (number + 1) + step}", traffic)
        read = session.get(f"{base}/api/preferences")
        traffic.record("preference read", read, rest_outcome(read))
        inference = session.post(f"{base}/api/model-serving/invoke", json=INVOKE_BODY)
        traffic.record("inference", inference, rest_outcome(inference))
        # A prediction answered while Lakebase is down says `logged: false`; only what it says is kept counts.
        if inference.status_code == 200 and inference.json()["logged"]:
            with traffic.lock:
                traffic.acknowledged_inferences.append(inference.json()["request_id"])
        step += 1
        time.sleep(rand.uniform(*think))


def run_users(
    base: str, users: int, seconds: float, think: tuple[float, float] = (0.3, 0.9), traffic: Traffic | None = None
) -> Traffic:
    traffic = traffic or Traffic()
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


def stored_state(local_lakebase: LocalLakebase) -> tuple[set[str], dict[str, str]]:
    """The inference request ids and each user's stored default page, as Postgres has them."""
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        logged = {str(row[0]) for row in admin.execute("SELECT request_id FROM model_inference_logs")}
        rows = admin.execute(
            "SELECT user_id, preference_value->>'default_page' FROM user_preferences "
            "WHERE preference_key = 'dashboard_layout'"
        )
        return logged, {str(row[0]): str(row[1]) for row in rows}


def assert_nothing_lost(traffic: Traffic, local_lakebase: LocalLakebase) -> None:
    """Every inference acknowledged as logged is in a history. Each user's stored layout is one of their writes
    that may have committed last: no acknowledged write was sent after it had been answered (that later write
    would have replaced it). A write answered with an error may still have committed (the answer, not the
    commit, was lost), so it may be the one stored, under the same rule."""
    logged, stored = stored_state(local_lakebase)
    assert set(traffic.acknowledged_inferences) <= logged
    for user, writes in traffic.layout_writes.items():
        if not any(write.acknowledged for write in writes):
            continue
        kept = [write for write in writes if write.value == stored.get(user)]
        assert kept, f"{user}: stored {stored.get(user)!r} was never written"
        later = [w.value for w in writes if w.acknowledged and w.sent > kept[0].answered]
        assert later == [], f"{user}: acknowledged writes lost behind {kept[0].value}: {later}"


def assert_no_secret_anywhere(texts: list[str], directory: Directory, local_lakebase: LocalLakebase) -> None:
    """No token the local workspace issued (the users', the service principal's OAuth tokens, the Lakebase
    passwords) appears in any answer or log line."""
    secrets = [*directory.issued_tokens(), *local_lakebase.issued_tokens(), directory.client_secret]
    assert len(secrets) > len(directory.users) + 1  # the app did fetch tokens of its own
    everything = "\n".join(texts)
    leaked = [secret[:8] + "…" for secret in secrets if secret in everything]
    assert leaked == []


def test_50_users_no_5xx_no_lost_write_every_log_line_correlated_memory_flat(
    gunicorn: Gunicorn, local_lakebase: LocalLakebase, directory: Directory
) -> None:
    base = gunicorn.proxy.url
    run_users(base, 6, 5)  # warm-up: imports, pools, connections in both workers
    warm = worker_rss_mib(gunicorn.process.pid)
    assert len(warm) >= 2
    lines_before = len(gunicorn.log_lines())

    traffic = run_users(base, LOAD_USERS, LOAD_SECONDS)

    steps = traffic.count("ok")
    assert set(steps) == {"data page", "preference write", "preference read", "inference"}
    assert all(done >= LOAD_USERS * 5 for done in steps.values()), steps  # real successes, step by step
    assert [outcome for outcome in traffic.outcomes if outcome[1] != "ok"] == []
    assert_nothing_lost(traffic, local_lakebase)

    during = gunicorn.log_lines()[lines_before:]
    access = [line for line in during if line.get("message") == "request completed"]
    assert len(access) >= len(traffic.outcomes)  # an access line per request at least
    # The id the middleware gave each request (and sent back as X-Request-Id) is on its access line.
    assert traffic.request_ids - {str(line.get("request_id")) for line in access} == set()
    assert [line for line in during if not line.get("request_id")] == []
    assert gunicorn.non_json_lines() == []
    assert_no_secret_anywhere([*traffic.bodies, gunicorn.log_file.read_text("utf-8")], directory, local_lakebase)
    after = worker_rss_mib(gunicorn.process.pid)
    print(
        f"\n{len(traffic.outcomes)} requests by {LOAD_USERS} users in {LOAD_SECONDS} s; "
        f"successes per step {steps}; worker RSS {warm} -> {after} MiB"
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
    directory: Directory,
) -> None:
    base = gunicorn.proxy.url
    alice = session_for("alice@example.com")
    query = {"catalog": "samples", "schema": "nyctaxi", "table": "trips", "limit": 10, "offset": 0}
    traffic = Traffic()
    # Requests keep flowing through every outage: five users' journeys, and eight writers back to back.
    flowing = [threading.Thread(target=run_users, args=(base, 5, 120, (0.1, 0.3)), kwargs={"traffic": traffic})]
    flowing += [threading.Thread(target=writer, args=(base, USERS[n % len(USERS)], n, traffic)) for n in range(8)]
    for thread in flowing:
        thread.start()
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
            time.sleep(1)  # traffic meets the outage
        finally:
            local_warehouse.start()
        wait_for(
            lambda: alice.post(f"{base}/api/unity-catalog/query", json=query).status_code == 200, 20, "warehouse back"
        )

        local_lakebase.stop()  # immediate: the writers' open transactions are cut
        try:
            down = alice.get(f"{base}/api/preferences")
            assert down.status_code == 503
            assert down.json()["error_code"] == "DATABASE_UNAVAILABLE"
            assert down.json()["retry_after"] > 0
            time.sleep(1)
        finally:
            local_lakebase.start()
        wait_for(lambda: alice.get(f"{base}/api/preferences").status_code == 200, 30, "Postgres back")

        serving_endpoints.configure("taxi-fare", state="NOT_READY", config_update="IN_PROGRESS")
        down = alice.post(f"{base}/api/model-serving/invoke", json=INVOKE_BODY)
        assert down.status_code == 503
        assert down.json()["error_code"] == "MODEL_UNAVAILABLE"
        assert down.json()["retry_after"] == 30
        time.sleep(1)
        serving_endpoints.configure("taxi-fare", state="READY", config_update="NOT_UPDATING")
        wait_for(
            lambda: alice.post(f"{base}/api/model-serving/invoke", json=INVOKE_BODY).status_code == 200,
            10,
            "endpoint back",
        )
        time.sleep(1)  # and after recovery, traffic succeeds again
    finally:
        traffic.stopped.set()
        for thread in flowing:
            thread.join()
    assert gunicorn.process.poll() is None  # no worker crash took the app down
    assert alice.get(f"{base}/readyz").status_code == 200
    # Every answer while it all happened was a success or the seed's error with when to retry.
    assert [outcome for outcome in traffic.outcomes if outcome[1] == "broken"] == []
    assert sum(traffic.count("seed error").values()) > 0  # the outages were met by the flowing traffic
    assert traffic.count("ok")["preference write"] > 0
    assert_nothing_lost(traffic, local_lakebase)
    assert_no_secret_anywhere([*traffic.bodies, gunicorn.log_file.read_text("utf-8")], directory, local_lakebase)
