"""python -m bench: start the local stack, measure, print a table and write bench/results/*.json."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config

from bench.dashboard import bench_dashboard, server_timing, statements_since
from bench.journeys import DASHBOARD_PANELS, INVOKE_BODY, TRIP, count_request, grid_request
from local_workspace.identities import Directory
from local_workspace.lakebase import DATABASE, INSTANCE_NAME
from local_workspace.stack import (
    REPO_ROOT,
    StackPorts,
    app_command,
    app_environment,
    wait_until_ready,
    worker_rss_mib,
)

RESULTS = REPO_ROOT / "bench" / "results"
# Ports of their own, so a running `make run` is left alone.
PORTS = StackPorts(proxy=18100, app=18101, workspace=18120, lakebase=18432)
RESTART_PORT = 18102  # the app started again beside the stack's own, for its start-up figures
SETTLE_SECONDS = 3.0  # a worker imports the SQL connector in the background for about a second once it serves


def percentile(samples: list[float], share: float) -> float:
    """The sample below which `share` of the samples lie (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def summary(samples_ms: list[float]) -> dict[str, float]:
    return {
        "n": len(samples_ms),
        "p50_ms": round(percentile(samples_ms, 0.50), 2),
        "p95_ms": round(percentile(samples_ms, 0.95), 2),
        "mean_ms": round(statistics.fmean(samples_ms), 2),
    }


def timed(operation: Callable[[], object]) -> float:
    started = time.perf_counter()
    operation()
    return (time.perf_counter() - started) * 1000


def start_app(port: int, env: dict[str, str], processes: list[subprocess.Popen[bytes]]) -> tuple[Any, float]:
    """app.yaml's command on `port` (appended to `processes`), and the ms from its start to a ready /readyz,
    polled every 20 ms (the stack's usual 0.2 s would add up to that much to the figure)."""
    app_env = app_environment(dataclasses.replace(PORTS, app=port), Directory.load(), env)
    app_env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    started = time.perf_counter()
    app = subprocess.Popen(
        app_command(port), cwd=REPO_ROOT, env=app_env, stdout=subprocess.DEVNULL, start_new_session=True
    )
    processes.append(app)
    wait_until_ready(f"http://127.0.0.1:{port}/readyz", timeout_seconds=120, processes=processes, poll_seconds=0.02)
    return app, (time.perf_counter() - started) * 1000


def bench_app_restarts(state_dir: Path, starts: int) -> dict[str, Any]:
    """The app started again `starts` times beside the running stack (its Lakebase schema now up to date, as
    on every start but the first), each stopped once ready: start to a ready /readyz."""
    env = stack_environment(state_dir)
    figures: list[float] = []
    for _ in range(starts):
        # The stack's app, and the last instance stopped, have left the cores: a start is timed on its own.
        time.sleep(SETTLE_SECONDS)
        processes: list[subprocess.Popen[bytes]] = []
        try:
            _, elapsed = start_app(RESTART_PORT, env, processes)
            figures.append(elapsed)
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
    return {"ready": summary(figures), "max_ms": round(max(figures), 1)}


def stack_environment(state_dir: Path) -> dict[str, str]:
    return os.environ | {
        "LOCAL_PROXY_PORT": str(PORTS.proxy),
        "DATABRICKS_APP_PORT": str(PORTS.app),
        "LOCAL_WORKSPACE_PORT": str(PORTS.workspace),
        "LOCAL_LAKEBASE_PORT": str(PORTS.lakebase),
        "LOCAL_STATE_DIR": str(state_dir),
        "LOG_LEVEL": "WARNING",
        "LOCAL_SAMPLE_TRIPS": os.environ.get("BENCH_TRIPS", "1000000"),
    }


@contextmanager
def local_stack(state_dir: Path) -> Iterator[tuple[float, int]]:
    """The whole local stack on PORTS; yields the app's cold start (process start to a ready /readyz) in ms,
    and the pid of its gunicorn master."""
    env = stack_environment(state_dir)
    workspace = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local_workspace",
            "workspace",
            "--port",
            str(PORTS.workspace),
            "--lakebase-port",
            str(PORTS.lakebase),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    processes = [workspace]
    try:
        wait_until_ready(f"http://127.0.0.1:{PORTS.workspace}/healthz", processes=processes)
        app, cold_start_ms = start_app(PORTS.app, env, processes)
        proxy = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local_workspace",
                "proxy",
                "--port",
                str(PORTS.proxy),
                "--upstream",
                f"http://127.0.0.1:{PORTS.app}",
            ],
            cwd=REPO_ROOT,
            env=env,
            start_new_session=True,
        )
        processes.append(proxy)
        wait_until_ready(f"http://127.0.0.1:{PORTS.proxy}/healthz", processes=processes)
        yield cold_start_ms, app.pid
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def bare_connection(directory: Directory) -> psycopg.Connection[Any]:
    """The baseline: one psycopg connection with a token fetched once, no pool, no app."""
    client = service_principal_client(directory)
    token = client.database.generate_database_credential(instance_names=[INSTANCE_NAME]).token
    return psycopg.connect(
        host="127.0.0.1",
        port=PORTS.lakebase,
        dbname=DATABASE,
        user=directory.service_principal.user_name,
        password=token,
        sslmode="disable",
        autocommit=True,
    )


UPSERT = """INSERT INTO user_preferences (user_id, preference_key, preference_value)
VALUES (%s, 'theme', %s::jsonb)
ON CONFLICT ON CONSTRAINT uq_user_preferences_user_key
DO UPDATE SET preference_value = EXCLUDED.preference_value, updated_at = now()
RETURNING id, user_id, preference_key, preference_value, created_at, updated_at"""
READ = """SELECT id, user_id, preference_key, preference_value, created_at, updated_at
FROM user_preferences WHERE user_id = %s ORDER BY id"""


def run_statement(connection: psycopg.Connection[Any], statement: str, params: tuple[str, ...]) -> None:
    connection.execute(statement, params).fetchall()


def bench_preferences(directory: Directory, rounds: int) -> dict[str, Any]:
    """Upsert and read: REST through the proxy and the app, against the same statements on bare psycopg."""
    base = f"http://127.0.0.1:{PORTS.proxy}"
    session = requests.Session()
    for _ in range(10):  # warm-up: pools, credentials, code paths
        session.post(f"{base}/api/preferences", json={"preference_key": "theme", "preference_value": {"mode": "dark"}})
        session.get(f"{base}/api/preferences")
    rest_upsert, rest_read, bare_upsert, bare_read = [], [], [], []
    with bare_connection(directory) as bare:
        for i in range(rounds):
            mode = "dark" if i % 2 else "light"

            def post(mode: str = mode) -> None:
                response = session.post(
                    f"{base}/api/preferences", json={"preference_key": "theme", "preference_value": {"mode": mode}}
                )
                response.raise_for_status()

            rest_upsert.append(timed(post))
            rest_read.append(timed(lambda: session.get(f"{base}/api/preferences").raise_for_status()))
            value = json.dumps({"mode": mode})
            bare_upsert.append(timed(partial(run_statement, bare, UPSERT, ("bench@example.com", value))))
            bare_read.append(timed(partial(run_statement, bare, READ, ("bench@example.com",))))
    figures: dict[str, Any] = {
        "rest_upsert": summary(rest_upsert),
        "rest_read": summary(rest_read),
        "bare_upsert": summary(bare_upsert),
        "bare_read": summary(bare_read),
    }
    figures["upsert_p50_overhead_ms"] = round(figures["rest_upsert"]["p50_ms"] - figures["bare_upsert"]["p50_ms"], 2)
    figures["read_p50_overhead_ms"] = round(figures["rest_read"]["p50_ms"] - figures["bare_read"]["p50_ms"], 2)
    return figures


def bench_preference_users(users: int, seconds: float, think_seconds: float) -> dict[str, Any]:
    """`users` simulated users, each upserting then reading their preferences, then thinking a while."""
    base = f"http://127.0.0.1:{PORTS.proxy}"
    samples: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user(n: int) -> None:
        nonlocal errors
        session = requests.Session()
        headers = {"Cookie": "local_apps_user=alice@example.com"}
        think = random.Random(n)  # noqa: S311 (think times, not secrets)
        time.sleep(n / users)  # users arrive spread over the first second, not in lockstep
        while time.monotonic() < deadline:
            operations: list[Callable[[], requests.Response]] = [
                lambda: session.post(
                    f"{base}/api/preferences",
                    headers=headers,
                    json={"preference_key": "dashboard_layout", "preference_value": {"page_size": 100}},
                ),
                lambda: session.get(f"{base}/api/preferences", headers=headers),
            ]
            for operation in operations:
                started = time.perf_counter()
                response = operation()
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    samples.append(elapsed)
                    errors += response.status_code >= 400
            time.sleep(think.uniform(0.5, 1.5) * think_seconds)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summary(samples) | {"users": users, "errors": errors, "requests_per_s": round(len(samples) / seconds, 1)}


def post_dash(session: requests.Session, body: dict[str, Any]) -> dict[str, Any]:
    """One Dash callback through the proxy, as the browser posts it; its answer's `response`."""
    response = session.post(f"http://127.0.0.1:{PORTS.proxy}/_dash-update-component", json=body)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()["response"]
    return answer


def page_through_dash(session: requests.Session, offset: int, filters: list[dict[str, Any]] | None = None) -> None:
    """The Data page's rows callback for one 100-row block (AG Grid's getRowsRequest), as the browser asks it:
    one page through query_view, no count."""
    rows = post_dash(session, grid_request(offset, filters=filters))["data-grid"]["getRowsResponse"]["rowData"]
    if not rows:
        raise RuntimeError("the rows callback answered no rows")


def count_through_dash(session: requests.Session, filters: list[dict[str, Any]] | None = None) -> None:
    """The count above the grid, as the browser asks it when a view opens."""
    if " rows · " not in str(post_dash(session, count_request(filters=filters))["data-count"]["children"]):
        raise RuntimeError("the count callback answered no count")


def bench_data_grid(rounds: int) -> dict[str, Any]:
    """The Data page's first screen with AG Grid: the first block of 100 rows and the row count, asked at once
    as the browser asks them (two callbacks in parallel), vs today's path (one page through query_view, no
    count), in the same run. Each round filters on a distance of its own, so no count comes from the cache."""
    sessions = (requests.Session(), requests.Session())

    def filters(i: int) -> list[dict[str, Any]]:
        return [{"column": "trip_distance", "operator": ">", "value": f"{(i % 5000) / 1000:.3f}"}]

    def both(i: int) -> None:
        with ThreadPoolExecutor(2) as pool:
            rows = pool.submit(page_through_dash, sessions[0], 0, filters(i))
            counted = pool.submit(count_through_dash, sessions[1], filters(i))
            rows.result(), counted.result()

    for i in range(5):
        both(10_000 + i)
    today = [timed(partial(page_through_dash, sessions[0], 0, filters(i))) for i in range(rounds)]
    grid = [timed(partial(both, rounds + i)) for i in range(rounds)]
    count_alone = [timed(partial(count_through_dash, sessions[1], filters(2 * rounds + i))) for i in range(rounds)]
    cached = [timed(partial(count_through_dash, sessions[1], filters(2 * rounds))) for _ in range(rounds)]
    figures: dict[str, Any] = {
        "today_one_page_no_count": summary(today),
        "grid_first_block_and_count": summary(grid),
        "count_alone": summary(count_alone),
        "count_cached": summary(cached),
    }
    figures["p95_added_ms"] = round(figures["grid_first_block_and_count"]["p95_ms"] - summary(today)["p95_ms"], 2)
    return figures


def bench_data_in_chromium(rounds: int) -> dict[str, Any]:
    """/data with AG Grid in headless Chromium: navigation to the first row drawn and the count shown, and the
    bytes of JavaScript and CSS the page loads (from the browser's resource timing)."""
    from selenium.webdriver.support.wait import WebDriverWait

    driver = chromium()
    url = f"http://127.0.0.1:{PORTS.proxy}/data?table=samples.nyctaxi.trips"
    shown: list[float] = []
    assets: dict[str, float] = {}
    ready = (
        "const cell = document.querySelector(\"#data-grid .ag-row[row-index='0'] .ag-cell[col-id='fare_amount']\");"
        " const count = document.getElementById('data-count');"
        " return cell && cell.textContent && count && count.textContent.includes(' rows');"
    )
    try:
        for round_ in range(rounds + 1):
            driver.delete_all_cookies()
            driver.execute_cdp_cmd("Network.clearBrowserCache", {})
            started = time.perf_counter()
            driver.get(url)
            WebDriverWait(driver, 60, poll_frequency=0.01).until(lambda d: d.execute_script(ready))
            elapsed = (time.perf_counter() - started) * 1000
            if round_ == 0:
                continue  # the first load warms the app's caches
            shown.append(elapsed)
            assets = resource_bytes(driver)
    finally:
        driver.quit()
    return {"first_rows_and_count": summary(shown), **assets}


def data_page_app_ms(rounds: int) -> dict[str, float]:
    """The app's own time for a Data page callback (its Server-Timing `app`: total minus the warehouse's)."""
    session = requests.Session()
    samples = []
    for i in range(rounds):
        response = session.post(
            f"http://127.0.0.1:{PORTS.proxy}/_dash-update-component", json=grid_request(100 * (i % 50))
        )
        response.raise_for_status()
        samples.append(server_timing(response).get("app", 0.0))
    return summary(samples)


def service_principal_client(directory: Directory) -> WorkspaceClient:
    """The app's service principal on the local workspace (an admin: it sees every user's query history)."""
    return WorkspaceClient(
        config=Config(
            host=f"http://127.0.0.1:{PORTS.workspace}",
            client_id=directory.service_principal.user_name,
            client_secret=directory.client_secret,
            auth_type="oauth-m2m",
        )
    )


def bench_dashboard_load(directory: Directory, seconds: int, out_dir: Path) -> dict[str, Any]:
    """Locust 1 / 10 / 50 users on the Trips dashboard: p95 per panel and its ratio to 1 user, and the
    warehouse statements per 1,000 views (app-scoped panels, and the user-scoped one), from the query history."""
    client = service_principal_client(directory)
    started_ms = int(time.time() * 1000)
    runs = {n: bench_load(n, seconds, out_dir, "locust_dashboard.py", PORTS.app) for n in (1, 10, 50)}
    ended_ms = int(time.time() * 1000) + 1000
    time.sleep(1)  # the last statements reach the history
    for n in (10, 50):
        for step, figures in runs[n]["steps"].items():
            one = runs[1]["steps"].get(step)
            if one and one["p95_ms"]:
                figures["p95_ratio_to_1_user"] = round(figures["p95_ms"] / one["p95_ms"], 2)
    views = sum(run["steps"].get(DASHBOARD_PANELS[0], {}).get("n", 0) for run in runs.values())
    statements = statements_since(client, started_ms, ended_ms)
    app_statements = statements.pop(directory.service_principal.user_name, 0)
    user_statements = sum(statements.values())
    return {
        "runs": {str(n): run for n, run in runs.items()},
        "views": views,
        "app_statements": app_statements,
        "user_statements": user_statements,
        "app_statements_per_1000_views": round(1000 * app_statements / views, 1) if views else None,
        "user_statements_per_1000_views": round(1000 * user_statements / views, 1) if views else None,
    }


def run_duckdb(connection: Any, sql: str) -> None:
    connection.execute(sql).fetchall()


def bench_data_pages(state_dir: Path, rounds: int) -> dict[str, Any]:
    """A 100-row page near the start and deep in the table: Dash callback end to end vs DuckDB alone."""
    import duckdb

    total = int(os.environ.get("BENCH_TRIPS", "1000000"))
    session = requests.Session()
    figures: dict[str, Any] = {"trips": total}
    with duckdb.connect(str(state_dir / "samples.duckdb"), read_only=True) as duck:
        for name, offset in (("near_start", 100), ("deep", total - 1000)):
            for _ in range(5):
                page_through_dash(session, offset)
            stack = [timed(partial(page_through_dash, session, offset)) for _ in range(rounds)]
            sql = f"SELECT * FROM nyctaxi.trips LIMIT 101 OFFSET {offset}"  # noqa: S608 (a number)
            alone = [timed(partial(run_duckdb, duck, sql)) for _ in range(rounds)]
            figures[name] = {"offset": offset, "end_to_end": summary(stack), "duckdb_alone": summary(alone)}
            figures[name]["p95_overhead_ms"] = round(summary(stack)["p95_ms"] - summary(alone)["p95_ms"], 2)
    return figures


def bench_data_users(users: int, seconds: float) -> dict[str, Any]:
    """`users` analysts each asking a page a second, at random depths."""
    samples: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user(n: int) -> None:
        session = requests.Session()
        think = random.Random(n)  # noqa: S311 (think times, not secrets)
        time.sleep(n / users)  # users arrive spread over the first second, not in lockstep
        i = 0
        while time.monotonic() < deadline:
            elapsed = timed(partial(page_through_dash, session, (n * 7919 + i * 104729) % 900_000))
            with lock:
                samples.append(elapsed)
            i += 1
            time.sleep(max(0.0, think.uniform(0.5, 1.5) - elapsed / 1000))

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summary(samples) | {"users": users}


def invoke_through_stack(session: requests.Session) -> None:
    """One taxi-fare prediction through the proxy, the app's REST route, the SDK, the workspace and MLflow."""
    response = session.post(
        f"http://127.0.0.1:{PORTS.proxy}/api/model-serving/invoke",
        json=INVOKE_BODY,
    )
    response.raise_for_status()
    if response.json()["status"] != "SUCCESS":
        raise RuntimeError(f"the invocation did not succeed: {response.text[:300]}")


def bench_model_serving(state_dir: Path, rounds: int) -> dict[str, Any]:
    """The same row: end to end (logged in the history) vs the model's own predict in this process."""
    import mlflow.pyfunc
    import pandas as pd

    model = mlflow.pyfunc.load_model(str(state_dir / "models" / "taxi_fare"))
    frame = pd.DataFrame([TRIP])
    session = requests.Session()
    for _ in range(10):
        invoke_through_stack(session)
        model.predict(frame)
    stack = [timed(partial(invoke_through_stack, session)) for _ in range(rounds)]
    alone = [timed(partial(model.predict, frame)) for _ in range(rounds)]
    figures: dict[str, Any] = {"end_to_end": summary(stack), "in_process_predict": summary(alone)}
    figures["p95_overhead_ms"] = round(figures["end_to_end"]["p95_ms"] - figures["in_process_predict"]["p95_ms"], 2)
    return figures


def chromium() -> Any:
    """Headless Chromium kept off the network."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(options=options)


def resource_bytes(driver: Any) -> dict[str, float]:
    """Bytes of JavaScript and CSS the page loaded, as sent (compressed) and as read."""
    sizes = driver.execute_script(
        "return performance.getEntriesByType('resource').map(r => [r.name, r.encodedBodySize, r.decodedBodySize])"
    )
    return {
        "js_bytes_compressed": sum(e[1] for e in sizes if ".js" in e[0]),
        "js_bytes": sum(e[2] for e in sizes if ".js" in e[0]),
        "css_bytes_compressed": sum(e[1] for e in sizes if ".css" in e[0]),
        "css_bytes": sum(e[2] for e in sizes if ".css" in e[0]),
    }


# Run in each new document before its own scripts: the time (from the navigation's start, the document's
# time origin) at which the user card's e-mail first has text.
RECORD_USER_CARD = """
new MutationObserver(function (changes, observer) {
    const email = document.getElementById('home-user-email');
    if (email && email.textContent) { window.userCardAt = performance.now(); observer.disconnect(); }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""

# When the page's first callback response had come in (ms from the navigation's start).
FIRST_ANSWER = """
return Math.min(...performance.getEntriesByType('resource')
    .filter(entry => entry.name.includes('/_dash-update-component')).map(entry => entry.responseEnd));
"""


def bench_home_in_chromium(rounds: int) -> dict[str, Any]:
    """Home in headless Chromium, on the page's own clock (from the navigation's start): to the first callback
    answered (the first callback response in, from the resource timing), and to the user card's e-mail drawn
    (a MutationObserver); `wall` is the card drawn as WebDriver sees it (driver.get, then polling every 10 ms,
    which adds the driver's own round trips). And the bytes of JavaScript and CSS the page loads."""
    from selenium.webdriver.support.wait import WebDriverWait

    driver = chromium()
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_USER_CARD})
    url = f"http://127.0.0.1:{PORTS.proxy}/"
    first_callback: list[float] = []
    drawn: list[float] = []
    wall: list[float] = []
    assets: dict[str, float] = {}
    try:
        for round_ in range(rounds + 1):
            driver.delete_all_cookies()
            driver.execute_cdp_cmd("Network.clearBrowserCache", {})
            started = time.perf_counter()
            driver.get(url)
            drawn_at = WebDriverWait(driver, 30, poll_frequency=0.01).until(
                lambda d: d.execute_script("return window.userCardAt")
            )
            elapsed = (time.perf_counter() - started) * 1000
            if round_ == 0:
                continue  # the first load warms the app's caches
            first_callback.append(float(driver.execute_script(FIRST_ANSWER)))
            drawn.append(float(drawn_at))
            wall.append(elapsed)
            assets = resource_bytes(driver)
    finally:
        driver.quit()
    return {"first_callback": summary(first_callback), "drawn": summary(drawn), "wall": summary(wall), **assets}


def bench_load(
    users: int, seconds: int, out_dir: Path, locustfile: str = "locustfile.py", port: int = PORTS.proxy
) -> dict[str, Any]:
    """Locust (bench/<locustfile>) with `users` users for `seconds` on `port`: p50/p95 and failures per step."""
    prefix = out_dir / f"{Path(locustfile).stem}-{users}"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(REPO_ROOT / "bench" / locustfile),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 2)),
            "--run-time",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=REPO_ROOT,
        check=False,  # locust exits 1 when a request failed; the failures are in the figures
        stdout=subprocess.DEVNULL,
    )
    import csv

    steps: dict[str, Any] = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        for row in csv.DictReader(stats):
            if row["Name"] == "Aggregated":
                continue
            steps[row["Name"]] = {
                "n": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
            }
    return {"users": users, "steps": steps}


def main() -> int:
    rounds = int(os.environ.get("BENCH_ROUNDS", "200"))
    load_seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "15"))
    think_seconds = float(os.environ.get("BENCH_THINK_SECONDS", "1.0"))
    directory = Directory.load()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
    }
    with (
        tempfile.TemporaryDirectory(prefix="bench-state-") as state,
        local_stack(Path(state)) as (cold_start_ms, app_pid),
    ):
        results["app_cold_start_ms"] = round(cold_start_ms, 1)
        results["app_restarts"] = bench_app_restarts(Path(state), int(os.environ.get("BENCH_RESTARTS", "5")))
        results["data_pages"] = bench_data_pages(Path(state), rounds)
        results["data_page_app_ms"] = data_page_app_ms(rounds)
        results["trips_dashboard"] = bench_dashboard(
            f"http://127.0.0.1:{PORTS.proxy}", Path(state), max(10, rounds // 10), summary
        )
        results["trips_dashboard_load"] = bench_dashboard_load(directory, int(load_seconds * 2), Path(state))
        single, ten = bench_data_users(1, load_seconds), bench_data_users(10, load_seconds)
        results["data_pages_users"] = {
            "1": single,
            "10": ten | {"p95_ratio_to_1_user": round(ten["p95_ms"] / single["p95_ms"], 2)},
        }
        results["preferences"] = bench_preferences(directory, rounds)
        results["model_serving"] = bench_model_serving(Path(state), rounds)
        results["home_in_chromium"] = bench_home_in_chromium(int(os.environ.get("BENCH_BROWSER_ROUNDS", "10")))
        results["data_grid"] = bench_data_grid(max(20, rounds // 4))
        results["data_in_chromium"] = bench_data_in_chromium(int(os.environ.get("BENCH_BROWSER_ROUNDS", "10")))
        rss_warm = worker_rss_mib(app_pid)
        load_runs = {n: bench_load(n, int(load_seconds * 2), Path(state)) for n in (1, 10, 50)}
        for n in (10, 50):
            for step, figures in load_runs[n]["steps"].items():
                one = load_runs[1]["steps"].get(step)
                if one and one["p95_ms"]:
                    figures["p95_ratio_to_1_user"] = round(figures["p95_ms"] / one["p95_ms"], 2)
        results["load"] = {str(n): figures for n, figures in load_runs.items()}
        rss_after = worker_rss_mib(app_pid)
        results["worker_rss_mib"] = {
            "after_warm_up": rss_warm,
            "after_load": rss_after,
            "growth_ratio": round(sum(rss_after) / sum(rss_warm), 2) if rss_warm else None,
        }
        load = {n: bench_preference_users(n, load_seconds, think_seconds) for n in (1, 10, 50)}
        for n in (10, 50):
            load[n]["p95_ratio_to_1_user"] = round(load[n]["p95_ms"] / load[1]["p95_ms"], 2)
        results["preferences_concurrent"] = {str(n): figures for n, figures in load.items()}

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bench-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print_table(results)
    print(f"\nFigures written to {out.relative_to(REPO_ROOT)}")
    return 0


def data_grid_rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The Data page with AG Grid: its first screen vs today's one page, and /data in Chromium."""
    grid, browser = results["data_grid"], results["data_in_chromium"]
    first, today = grid["grid_first_block_and_count"], grid["today_one_page_no_count"]
    return [
        (
            "Data page, AG Grid's first 100 rows + the count, at once (p50 / p95)",
            f"{first['p50_ms']} / {first['p95_ms']} ms",
            f"today's one page, no count {today['p50_ms']} / {today['p95_ms']} ms; count alone "
            f"{grid['count_alone']['p50_ms']} / {grid['count_alone']['p95_ms']} ms, cached "
            f"{grid['count_cached']['p50_ms']} / {grid['count_cached']['p95_ms']} ms",
        ),
        (
            "/data in headless Chromium, to the first rows and the count (p50 / p95)",
            f"{browser['first_rows_and_count']['p50_ms']} / {browser['first_rows_and_count']['p95_ms']} ms",
            f"JS {browser['js_bytes'] / 1024:.0f} KiB ({browser['js_bytes_compressed'] / 1024:.0f} KiB sent), "
            f"CSS {browser['css_bytes'] / 1024:.0f} KiB",
        ),
    ]


def print_table(results: dict[str, Any]) -> None:
    prefs = results["preferences"]
    pages = results["data_pages"]
    restarts = results["app_restarts"]
    rows = [
        (
            "App start to a ready /readyz: restarts (p50 / max of 5)",
            f"{restarts['ready']['p50_ms']:.0f} / {restarts['max_ms']:.0f} ms",
            f"first start, migrations applied to a new Lakebase: {results['app_cold_start_ms']:.0f} ms",
        ),
    ]
    for name in ("near_start", "deep"):
        figures = pages[name]
        rows.append(
            (
                f"Data page, 100 rows at offset {figures['offset']:,} (p50 / p95)",
                f"{figures['end_to_end']['p50_ms']} / {figures['end_to_end']['p95_ms']} ms",
                f"DuckDB alone {figures['duckdb_alone']['p50_ms']} / {figures['duckdb_alone']['p95_ms']} ms",
            )
        )
    rows.append(
        (
            "Data page callback, the app's own time (Server-Timing app, p50 / p95)",
            f"{results['data_page_app_ms']['p50_ms']} / {results['data_page_app_ms']['p95_ms']} ms",
            "total minus warehouse time",
        )
    )
    rows += dashboard_rows(results)
    users = results["data_pages_users"]
    rows.append(
        (
            "Data page, 10 users a page a second (p95)",
            f"{users['10']['p95_ms']} ms",
            f"x{users['10']['p95_ratio_to_1_user']} of 1 user ({users['1']['p95_ms']} ms)",
        )
    )
    rows += [
        (
            "Preference upsert, REST (p50 / p95)",
            f"{prefs['rest_upsert']['p50_ms']} / {prefs['rest_upsert']['p95_ms']} ms",
            f"bare psycopg {prefs['bare_upsert']['p50_ms']} / {prefs['bare_upsert']['p95_ms']} ms",
        ),
        (
            "Preference read, REST (p50 / p95)",
            f"{prefs['rest_read']['p50_ms']} / {prefs['rest_read']['p95_ms']} ms",
            f"bare psycopg {prefs['bare_read']['p50_ms']} / {prefs['bare_read']['p95_ms']} ms",
        ),
    ]
    model = results["model_serving"]
    rows.append(
        (
            "Model invocation, taxi-fare, REST end to end (p50 / p95)",
            f"{model['end_to_end']['p50_ms']} / {model['end_to_end']['p95_ms']} ms",
            f"in-process predict {model['in_process_predict']['p50_ms']} / {model['in_process_predict']['p95_ms']} ms",
        )
    )
    home = results["home_in_chromium"]
    rows.append(
        (
            "Home in headless Chromium, navigation to the first callback answered (p50 / p95)",
            f"{home['first_callback']['p50_ms']} / {home['first_callback']['p95_ms']} ms",
            f"the user card drawn {home['drawn']['p50_ms']} / {home['drawn']['p95_ms']} ms (WebDriver's clock "
            f"{home['wall']['p50_ms']} / {home['wall']['p95_ms']} ms); "
            f"JS {home['js_bytes'] / 1024:.0f} KiB ({home['js_bytes_compressed'] / 1024:.0f} KiB sent), "
            f"CSS {home['css_bytes'] / 1024:.0f} KiB",
        )
    )
    rows += data_grid_rows(results)
    rss = results["worker_rss_mib"]
    rows.append(
        (
            "Resident memory per gunicorn worker, after warm-up",
            " / ".join(f"{m:.0f}" for m in rss["after_warm_up"]) + " MiB",
            "after the load runs "
            + " / ".join(f"{m:.0f}" for m in rss["after_load"])
            + f" MiB (x{rss['growth_ratio']})",
        )
    )
    for n, run in results["load"].items():
        for step, figures in run["steps"].items():
            ratio = figures.get("p95_ratio_to_1_user")
            rows.append(
                (
                    f"Load (locust), {n} users: {step} (p50 / p95)",
                    f"{figures['p50_ms']:.0f} / {figures['p95_ms']:.0f} ms",
                    f"{figures['n']} requests, {figures['failures']} failures"
                    + (f", p95 x{ratio} of 1 user" if ratio else ""),
                )
            )
    for n, figures in results["preferences_concurrent"].items():  # each user thinks ~1 s between steps
        ratio = figures.get("p95_ratio_to_1_user")
        rows.append(
            (
                f"Preferences, {n} concurrent users (p50 / p95)",
                f"{figures['p50_ms']} / {figures['p95_ms']} ms",
                f"{figures['requests_per_s']} req/s, {figures['errors']} errors"
                + (f", p95 x{ratio} of 1 user" if ratio else ""),
            )
        )
    width = max(len(r[0]) for r in rows)
    print(f"\nMachine: {results['machine']['cpus']} CPUs, {results['machine']['platform']}")
    for name, value, baseline in rows:
        print(f"{name:<{width}}  {value:<22} {baseline}")


def dashboard_rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The Trips dashboard's lines of the table."""
    board = results["trips_dashboard"]
    rows = [
        (
            f"Trips dashboard, {board['panels']} panels, cold (p50 / p95)",
            f"{board['cold_view']['p50_ms']} / {board['cold_view']['p95_ms']} ms",
            f"DuckDB alone, same SQL in turn {board['duckdb_alone_view']['p50_ms']} / "
            f"{board['duckdb_alone_view']['p95_ms']} ms",
        ),
        (
            "Trips dashboard, warm: every panel a cache hit (p50 / p95)",
            f"{board['warm_view']['p50_ms']} / {board['warm_view']['p95_ms']} ms",
            f"{board['warm_hit_share']:.0%} of panels from the cache",
        ),
        (
            "Dashboard query, the app's own time, cold / warm (p50)",
            f"{board['app_ms_per_request_cold']['p50_ms']} / {board['app_ms_per_request_warm']['p50_ms']} ms",
            f"p95 {board['app_ms_per_request_cold']['p95_ms']} / {board['app_ms_per_request_warm']['p95_ms']} ms",
        ),
    ]
    load = results["trips_dashboard_load"]
    for n, run in load["runs"].items():
        worst = max(run["steps"].values(), key=lambda figures: figures["p95_ms"], default=None)
        if worst is None:
            continue
        ratios = [f.get("p95_ratio_to_1_user") for f in run["steps"].values() if f.get("p95_ratio_to_1_user")]
        rows.append(
            (
                f"Trips dashboard (locust), {n} users: slowest panel p95",
                f"{worst['p95_ms']:.0f} ms",
                f"{sum(f['n'] for f in run['steps'].values())} requests, "
                f"{sum(f['failures'] for f in run['steps'].values())} failures"
                + (f", worst p95 x{max(ratios)} of 1 user" if ratios else ""),
            )
        )
    rows.append(
        (
            "Warehouse statements per 1,000 dashboard views (app / user panels)",
            f"{load['app_statements_per_1000_views']} / {load['user_statements_per_1000_views']}",
            f"{load['app_statements']} / {load['user_statements']} statements for {load['views']} views",
        )
    )
    return rows


if __name__ == "__main__":
    sys.exit(main())
