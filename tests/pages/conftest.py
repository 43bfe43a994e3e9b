"""What a page's test needs, ready to use (tests/conftest.py starts the local workspace and the app):

- `page_as(path, user="alice@example.com")`: a browser signed in as that local user, on that page of the app
  behind the local Apps proxy; returns dash[testing]'s browser (`wait_for_contains_text`, `find_element`, …).
- `stopped_warehouse` (tests/conftest.py): the local SQL warehouse stopped for the test (and started again
  after it), with the query caches emptied, so a page shows its error state (DATABASE_UNAVAILABLE) instead of
  a cached answer.
- `inference_calls(n, user="alice@example.com", endpoint="taxi-fare")`: n model invocations as that user,
  through the proxy, each with the endpoint's own input example (its history then has n rows).
- `duck(sql, *parameters)`: rows of a SELECT on the sample DuckDB file itself, the independent reference a
  page's numbers are checked against (write DuckDB SQL: `samples.nyctaxi.trips` is `nyctaxi.trips`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import pytest
import requests

from local_workspace.warehouse import LocalWarehouse
from tests.conftest import RunningServer
from tests.pages.browser import open_page, switch_user

USER_COOKIE = "local_apps_user"  # the local Apps proxy's signed-in user


@pytest.fixture
def page_as(app_through_proxy: tuple[Any, RunningServer]) -> Callable[..., Any]:
    """Open a page of the app as a local user: `browser = page_as("/trips", "bob@example.com")`."""
    browser, proxy = app_through_proxy

    def open_as(path: str, user: str = "alice@example.com") -> Any:
        if user != "alice@example.com":  # the proxy signs Alice in by default
            switch_user(browser, proxy, user)
        open_page(browser, proxy, path)
        return browser

    return open_as


@pytest.fixture
def inference_calls(app_through_proxy: tuple[Any, RunningServer]) -> Callable[..., list[dict[str, Any]]]:
    """Invoke a serving endpoint n times as a user, with the endpoint's input example; returns the answers."""
    _, proxy = app_through_proxy

    def call(n: int, user: str = "alice@example.com", endpoint: str = "taxi-fare") -> list[dict[str, Any]]:
        session = requests.Session()
        session.cookies.set(USER_COOKIE, user)
        detail = session.get(f"{proxy.url}/api/model-serving/endpoints/{endpoint}", timeout=30)
        detail.raise_for_status()
        body = {"endpoint_name": endpoint, "inputs": {"dataframe_records": detail.json()["example_records"][:1]}}
        answers = []
        for _ in range(n):
            answer = session.post(f"{proxy.url}/api/model-serving/invoke", json=body, timeout=60)
            answer.raise_for_status()
            answers.append(answer.json())
        return answers

    return call


@pytest.fixture
def duck(local_warehouse: LocalWarehouse) -> Callable[..., list[tuple[Any, ...]]]:
    """Run DuckDB SQL on the sample database file, read-only, beside the warehouse (never through it)."""

    def run(sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(local_warehouse.catalog.database), read_only=True) as db:
            return db.execute(sql, list(parameters)).fetchall()

    return run
