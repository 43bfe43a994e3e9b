"""The Data page in headless Chromium shows what Unity Catalog's row filters and column masks let the signed-in user
see: Carol's trips grid holds only her pickups (zips 10001-10282), Alice's customer grid shows masked phones."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from local_workspace.warehouse import LocalWarehouse
from tests.pages.browser import click, waiting

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]
MASKED = re.compile(r"^\*\*\*-\*\*\*-\d{4}$")


def _grid_column(browser: Any, name: str) -> list[str]:
    """The texts of one column of the grid's rows (headers read without their sort arrows)."""
    headers = browser.driver.find_elements(By.CSS_SELECTOR, "#data-grid thead th")
    position = [h.text.rstrip(" ▲▼") for h in headers].index(name)
    cells = browser.driver.find_elements(By.CSS_SELECTOR, f"#data-grid tbody tr td:nth-child({position + 1})")
    return [cell.text for cell in cells]


def _sort_of(browser: Any, name: str) -> str | None:
    return browser.driver.find_element(By.XPATH, f"//th[.//button[contains(., '{name}')]]").get_attribute("aria-sort")


def test_carols_trips_grid_holds_only_her_rows(page_as: Callable[..., Any], local_warehouse: LocalWarehouse) -> None:
    browser = page_as("/data", "carol@example.com")
    browser.wait_for_contains_text("#data-status", "Rows 1–100", timeout=20)
    assert Select(browser.find_element("#data-table")).first_selected_option.text == "trips"
    zips = [int(z.replace(",", "")) for z in _grid_column(browser, "pickup_zip")]
    assert len(zips) == 100
    assert all(10001 <= z <= 10282 for z in zips)
    outside = local_warehouse.query(
        "SELECT count(*) FROM samples.nyctaxi.trips WHERE pickup_zip NOT BETWEEN 10001 AND 10282"
    )[0][0]
    assert outside > 0  # the filter hides rows that exist

    # Sorted descending by pickup_zip (two clicks: ascending, then descending), the first row is still hers.
    for direction in ("ascending", "descending"):
        click(browser, browser.driver.find_element(By.XPATH, "//thead//button[contains(., 'pickup_zip')]"))
        waiting(browser, 15).until(lambda _, wanted=direction: _sort_of(browser, "pickup_zip") == wanted)
    waiting(browser, 15).until(lambda _: _grid_column(browser, "pickup_zip")[:1] not in ([], [""]))
    assert int(_grid_column(browser, "pickup_zip")[0].replace(",", "")) <= 10282


def test_alices_customer_grid_shows_masked_phones(page_as: Callable[..., Any], local_warehouse: LocalWarehouse) -> None:
    browser = page_as("/data")
    browser.wait_for_contains_text("#data-status", "Rows 1–100", timeout=20)
    Select(browser.find_element("#data-schema")).select_by_visible_text("tpch")
    waiting(browser, 15).until(
        lambda _: "customer" in [o.text for o in Select(browser.find_element("#data-table")).options]
    )
    Select(browser.find_element("#data-table")).select_by_visible_text("customer")
    browser.wait_for_contains_text("#data-details", "samples.tpch.customer", timeout=15)
    waiting(browser, 20).until(lambda _: len(_grid_column(browser, "c_phone")) > 0)
    phones = _grid_column(browser, "c_phone")
    assert all(MASKED.match(p) for p in phones), phones[:5]
    real = {p for (p,) in local_warehouse.query("SELECT c_phone FROM samples.tpch.customer")}
    assert not real & set(phones)
