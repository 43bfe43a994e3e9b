"""The Trips dashboard in `make bench`: every panel's query through `POST /api/queries/{name}`, cold (computed
on the warehouse) and warm (a cache hit), beside the same SQL on DuckDB alone; the app's own time from the
`Server-Timing` header; and the warehouse statements the load runs cost, from the Query History API."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import requests
import sqlglot
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.sql import QueryFilter, TimeRange

from bench.journeys import DASHBOARD_FILTERS, DASHBOARD_PANELS
from services.analytics.files import load_query_file

SERVER_TIMING = re.compile(r"(\w+);dur=([\d.]+)")
# A browser asks up to six requests of one host at a time: a view's panels load side by side.
BROWSER_CONNECTIONS = 6


def server_timing(response: requests.Response) -> dict[str, float]:
    """The Server-Timing durations of a response by name (app, warehouse, cache), in ms."""
    return {name: float(ms) for name, ms in SERVER_TIMING.findall(response.headers.get("Server-Timing", ""))}


def ask_panel(base: str, name: str, parameters: Mapping[str, Any], *, refresh: bool) -> tuple[float, dict[str, Any]]:
    """One panel's query through the app's REST route: elapsed ms, and what the answer says of itself."""
    started = time.perf_counter()
    response = requests.post(
        f"{base}/api/queries/{name}", json={"parameters": dict(parameters), "refresh": refresh}, timeout=120
    )
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed, {"from_cache": response.json()["from_cache"], **server_timing(response)}


def view_dashboard(base: str, parameters: Mapping[str, Any], *, refresh: bool) -> tuple[float, list[dict[str, Any]]]:
    """Every panel at once, as the page asks them: the view's time (its slowest panel) and each panel's answer."""
    started = time.perf_counter()
    with ThreadPoolExecutor(BROWSER_CONNECTIONS) as pool:
        answers = list(pool.map(lambda name: ask_panel(base, name, parameters, refresh=refresh), DASHBOARD_PANELS))
    elapsed = (time.perf_counter() - started) * 1000
    panels = zip(DASHBOARD_PANELS, answers, strict=True)
    return elapsed, [{"panel": name, "ms": ms, **info} for name, (ms, info) in panels]


def duckdb_statement(path: Path, parameters: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """A query file's SQL as DuckDB runs it directly, with its parameters' defaults overridden by `parameters`."""
    query = load_query_file(path)
    values = {p.name: parameters.get(p.name, p.default) for p in query.parameters}
    return sqlglot.transpile(query.sql, read="databricks", write="duckdb")[0], values


def run_on_duckdb(state_dir: Path, parameters: Mapping[str, Any]) -> float:
    """Every panel's SQL on DuckDB alone, one after another on one connection: the baseline of a view, in ms."""
    statements = [duckdb_statement(Path("queries") / f"{name}.sql", parameters) for name in DASHBOARD_PANELS]
    with duckdb.connect(":memory:") as db:
        db.execute(f"ATTACH '{state_dir / 'samples.duckdb'}' AS samples (READ_ONLY)")
        started = time.perf_counter()
        for sql, values in statements:
            db.execute(sql, values).fetchall()
        return (time.perf_counter() - started) * 1000


def bench_dashboard(base: str, state_dir: Path, rounds: int, summary: Any) -> dict[str, Any]:
    """Cold (refresh: computed on the warehouse) and warm (cache hit) views, each panel's app time, and the
    same SQL on DuckDB alone, over the bench's filter combinations."""
    cold, warm, alone, app_cold, app_warm = [], [], [], [], []
    hits = 0
    for round_ in range(rounds):
        parameters = DASHBOARD_FILTERS[round_ % len(DASHBOARD_FILTERS)]
        elapsed, panels = view_dashboard(base, parameters, refresh=True)
        cold.append(elapsed)
        app_cold += [p.get("app", 0.0) for p in panels]
        elapsed, panels = view_dashboard(base, parameters, refresh=False)
        warm.append(elapsed)
        app_warm += [p.get("app", 0.0) for p in panels]
        hits += sum(p["from_cache"] for p in panels)
        alone.append(run_on_duckdb(state_dir, parameters))
    return {
        "panels": len(DASHBOARD_PANELS),
        "cold_view": summary(cold),
        "warm_view": summary(warm),
        "duckdb_alone_view": summary(alone),
        "app_ms_per_request_cold": summary(app_cold),
        "app_ms_per_request_warm": summary(app_warm),
        "warm_hit_share": round(hits / (rounds * len(DASHBOARD_PANELS)), 3),
    }


def statements_since(client: WorkspaceClient, start_ms: int, end_ms: int) -> dict[str, int]:
    """Statements the warehouse ran in the window, by who ran them (the Query History API, as an admin)."""
    found: dict[str, int] = {}
    window = QueryFilter(query_start_time_range=TimeRange(start_time_ms=start_ms, end_time_ms=end_ms))
    token: str | None = None
    while True:
        page = client.query_history.list(filter_by=window, max_results=500, page_token=token)
        for query in page.res or []:
            who = query.user_name or str(query.user_id)
            found[who] = found.get(who, 0) + 1
        token = page.next_page_token
        if not page.has_next_page or not token:
            return found
