"""The Data page in headless Chromium shows what Unity Catalog's row filters and column masks let the signed-in user
see: Carol's trips grid holds only her pickups (zips 10001-10282), Alice's customer grid shows masked phones."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from local_workspace.warehouse import LocalWarehouse
from tests.pages.browser import click, waiting
from tests.pages.test_data_browser import header, loaded_cells

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]
MASKED = re.compile(r"^\*\*\*-\*\*\*-\d{4}$")


def test_carols_trips_grid_holds_only_her_rows(page_as: Callable[..., Any], local_warehouse: LocalWarehouse) -> None:
    browser = page_as("/data?table=samples.nyctaxi.trips", "carol@example.com")
    zips = [int(z) for z in loaded_cells(browser, "pickup_zip")]
    assert len(zips) >= 10
    assert all(10001 <= z <= 10282 for z in zips)
    outside = local_warehouse.query(
        "SELECT count(*) FROM samples.nyctaxi.trips WHERE pickup_zip NOT BETWEEN 10001 AND 10282"
    )[0][0]
    assert outside > 0  # the filter hides rows that exist
    # Her count is of her rows only.
    (hers,) = local_warehouse.query(
        "SELECT count(*) FROM samples.nyctaxi.trips WHERE pickup_zip BETWEEN 10001 AND 10282"
    )[0]
    waiting(browser, 20).until(lambda _: browser.find_element("#data-count").text.startswith(f"{hers:,} rows"))

    # Sorted descending by pickup_zip (two clicks: ascending, then descending), the first row is still hers.
    for direction in ("ascending", "descending"):
        click(browser, header(browser, "pickup_zip").find_element(By.CSS_SELECTOR, ".ag-header-cell-label"))
        waiting(browser, 15).until(
            lambda _, wanted=direction: header(browser, "pickup_zip").get_attribute("aria-sort") == wanted
        )
    waiting(browser, 15).until(lambda _: "sort=pickup_zip.desc" in browser.driver.current_url)
    first = loaded_cells(browser, "pickup_zip")[0]
    assert int(first) <= 10282


def test_alices_customer_grid_shows_masked_phones(page_as: Callable[..., Any], local_warehouse: LocalWarehouse) -> None:
    browser = page_as("/data?table=samples.tpch.customer")
    phones = loaded_cells(browser, "c_phone")
    assert all(MASKED.match(p) for p in phones), phones[:5]
    real = {p for (p,) in local_warehouse.query("SELECT c_phone FROM samples.tpch.customer")}
    assert not real & set(phones)
