"""The Data page in headless Chromium, through the local Apps proxy, as Alice and as Bob."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from tests.conftest import RunningServer
from tests.pages.browser import click, switch_user, waiting

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]


def _open_data(browser: Any, proxy: RunningServer) -> None:
    browser.driver.get(f"{proxy.url}/data")
    browser.wait_for_contains_text("#data-status", "Rows 1–100", timeout=20)


def _column_values(browser: Any, column: str) -> list[str]:
    headers = [th.text.rstrip(" ▲▼") for th in browser.driver.find_elements(By.CSS_SELECTOR, "#data-grid thead th")]
    index = headers.index(column)
    return [
        row.find_elements(By.TAG_NAME, "td")[index].text
        for row in browser.driver.find_elements(By.CSS_SELECTOR, "#data-grid tbody tr")
    ]


def test_page_sort_filter_chart_and_export(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    _open_data(browser, proxy)
    assert Select(browser.find_element("#data-table")).first_selected_option.text == "trips"
    assert len(browser.driver.find_elements(By.CSS_SELECTOR, "#data-grid tbody tr")) == 100

    click(browser, browser.find_element("#data-next"))
    browser.wait_for_contains_text("#data-status", "Rows 101–200", timeout=15)
    browser.wait_for_text_to_equal("#data-page-label", "Page 2")

    click(browser, browser.driver.find_element(By.XPATH, "//thead//button[contains(., 'fare_amount')]"))
    browser.wait_for_contains_text("#data-status", "Rows 1–100", timeout=15)
    waiting(browser, 15).until(
        lambda _: (
            browser.driver.find_element(By.XPATH, "//th[.//button[contains(., 'fare_amount')]]").get_attribute(
                "aria-sort"
            )
            == "ascending"
        )
    )
    fares = [float(v) for v in _column_values(browser, "fare_amount")]
    assert fares == sorted(fares)

    Select(browser.find_element("#data-filter-column")).select_by_visible_text("pickup_zip")
    Select(browser.find_element("#data-filter-operator")).select_by_visible_text("equals")
    browser.find_element("#data-filter-value").send_keys("10042")
    click(browser, browser.find_element("#data-filter-add"))
    browser.wait_for_contains_text("#data-filters", "pickup_zip = 10042", timeout=15)
    waiting(browser, 15).until(lambda _: set(_column_values(browser, "pickup_zip")) == {"10042"})

    Select(browser.find_element("#data-chart-x")).select_by_visible_text("dropoff_zip")
    Select(browser.find_element("#data-chart-aggregation")).select_by_visible_text("count")
    click(browser, browser.find_element("#data-chart-draw"))
    browser.wait_for_element("#data-chart .js-plotly-plot", timeout=20)
    browser.wait_for_contains_text("#data-chart figcaption", "count by dropoff_zip", timeout=15)

    href = browser.find_element("#data-export").get_attribute("href")
    exported = requests.get(href, timeout=20)
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows
    assert {r["pickup_zip"] for r in rows} == {"10042"}


def test_page_size_and_the_remembered_table(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    _open_data(browser, proxy)
    Select(browser.find_element("#data-page-size")).select_by_visible_text("25")
    browser.wait_for_contains_text("#data-status", "Rows 1–25", timeout=15)
    Select(browser.find_element("#data-schema")).select_by_visible_text("tpch")
    waiting(browser, 15).until(
        lambda _: Select(browser.find_element("#data-table")).first_selected_option.text in ("customer", "orders")
    )
    Select(browser.find_element("#data-table")).select_by_visible_text("orders")
    browser.wait_for_contains_text("#data-details", "samples.tpch.orders", timeout=15)
    click(browser, browser.find_element("#data-favorite"))
    browser.wait_for_contains_text("#data-favorite", "Remove from favorites", timeout=15)

    browser.driver.get(f"{proxy.url}/data")  # a new visit starts where the user left off
    browser.wait_for_contains_text("#data-details", "samples.tpch.orders", timeout=20)
    browser.wait_for_contains_text("#data-status", "Rows 1–25", timeout=20)
    favorites = requests.get(f"{proxy.url}/api/preferences?preference_key=favorite_tables", timeout=10).json()
    assert favorites[0]["preference_value"] == {"tables": ["samples.tpch.orders"]}


def test_the_restricted_user_sees_the_permission_error(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    switch_user(browser, proxy, "bob@example.com")
    _open_data(browser, proxy)
    Select(browser.find_element("#data-schema")).select_by_visible_text("tpch")

    def table_options() -> list[str]:
        return [o.text for o in Select(browser.find_element("#data-table")).options if o.text]

    waiting(browser, 15).until(lambda _: table_options() == ["orders"])  # customer is hidden from Bob
    browser.wait_for_contains_text("#data-grid", "CATALOG_PERMISSION_DENIED", timeout=15)
    assert "You don't have access to this table." in browser.find_element("#data-grid").text
    assert "no SELECT" in browser.find_element("#data-details").text


def test_a_slow_query_shows_progress_and_cancel_stops_it_on_the_warehouse(
    app_through_proxy: tuple[Any, RunningServer], local_warehouse: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser, proxy = app_through_proxy
    _open_data(browser, proxy)
    monkeypatch.setattr(local_warehouse, "min_statement_seconds", 8.0)
    click(browser, browser.find_element("#data-next"))
    cancel = browser.wait_for_element("#data-cancel", timeout=10)  # shown once the query has run a second
    assert "Running on the SQL warehouse" in browser.driver.page_source
    started = time.monotonic()
    click(browser, cancel)
    browser.wait_for_contains_text("#data-grid", "QUERY_CANCELLED", timeout=10)
    assert time.monotonic() - started < 6  # stopped on the warehouse, not waited out
    assert "cancelled on the warehouse" in browser.find_element("#data-grid").text
