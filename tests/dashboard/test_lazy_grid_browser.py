"""Dash AG Grid's main script loads only where a page draws a grid (dashboard/lazy_components.py): Home
loads none of it; the Data page, opened directly or through the side navigation without a reload, loads it
once and shows rows; its functions work once loaded; no CSP violation and no error in the console."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import RunningServer
from tests.dashboard.test_csp_browser import RECORD_VIOLATIONS
from tests.pages.browser import click, open_page, waiting

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]

MAIN_SCRIPT = re.compile(r"/_dash-component-suites/dash_ag_grid/dash_ag_grid\.v[0-9a-z_]+\.min\.js$")
CHUNK = "/_dash-component-suites/dash_ag_grid/async-community.js"
FIRST_FARE = "#data-grid .ag-row[row-index='0'] .ag-cell[col-id='fare_amount']"
LOADED = "return performance.getEntriesByType('resource').map(r => r.name)"


def recording(browser: Any) -> Any:
    """The browser, recording CSP violations from the start of each document, its console emptied."""
    driver = browser.driver
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    driver.get_log("browser")
    return driver


def grid_scripts(driver: Any) -> list[str]:
    """The URLs of Dash AG Grid's scripts this document loaded (the main script, its chunks)."""
    names: list[str] = driver.execute_script(LOADED)
    assert any("dash_renderer" in name for name in names), names  # the list does show the page's scripts
    return [name for name in names if "/dash_ag_grid/" in name]


def shows_rows(browser: Any) -> None:
    """Wait until the grid's first row has its fare (a row still loading has empty cells)."""
    waiting(browser, 30).until(
        lambda _: browser.driver.execute_script(
            "const cell = document.querySelector(arguments[0]); return cell && cell.innerText.trim()", FIRST_FARE
        )
    )


def assert_clean(driver: Any) -> None:
    """No CSP violation reported, no error in the browser's console."""
    assert driver.execute_script("return window.cspViolations") == []
    assert driver.get_log("browser") == []


def assert_loaded_once(driver: Any) -> None:
    scripts = grid_scripts(driver)
    assert len([s for s in scripts if MAIN_SCRIPT.search(s)]) == 1, scripts
    assert [s for s in scripts if s.endswith(CHUNK)], scripts  # its async chunk, found from its URL
    # The library's functions are the real ones once its script has run.
    assert driver.execute_script("return typeof window.dash_ag_grid.getApi") == "function"
    rows = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        " window.dash_ag_grid.getApiAsync('data-grid').then(api => done(api.getDisplayedRowCount()));"
    )
    assert rows > 0


def test_home_loads_no_grid_script(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    driver = recording(browser)
    open_page(browser, proxy, "/")
    browser.wait_for_text_to_equal("#home-user-email", "alice@example.com", timeout=15)
    browser.wait_for_element('[data-integration="workspace"][data-state="up"]', timeout=15)
    assert grid_scripts(driver) == []
    # What stands in for the library until a grid is drawn; the page still names the real script.
    assert driver.execute_script("return typeof window.dash_ag_grid.AgGrid") == "function"
    assert driver.execute_script("return typeof window.dash_ag_grid.getApi") == "undefined"
    block = browser.find_element('script[type="text/x-dash-lazy-bundle"][data-namespace="dash_ag_grid"]')
    assert MAIN_SCRIPT.search(block.get_attribute("src"))
    assert_clean(driver)


def test_the_data_page_opened_directly_loads_the_grid_and_shows_rows(
    app_through_proxy: tuple[Any, RunningServer],
) -> None:
    browser, proxy = app_through_proxy
    driver = recording(browser)
    open_page(browser, proxy, "/data?table=samples.nyctaxi.trips&sort=fare_amount.desc")
    shows_rows(browser)
    assert_loaded_once(driver)
    assert_clean(driver)


def test_home_to_data_through_the_side_navigation_loads_the_grid_without_a_reload(
    app_through_proxy: tuple[Any, RunningServer],
) -> None:
    browser, proxy = app_through_proxy
    driver = recording(browser)
    open_page(browser, proxy, "/")
    browser.wait_for_text_to_equal("#home-user-email", "alice@example.com", timeout=15)
    assert grid_scripts(driver) == []
    driver.execute_script("window.sameDocument = true;")  # gone if the browser loads a new page
    click(browser, browser.find_element("#shell-nav a[href='/data']"))
    shows_rows(browser)
    assert driver.execute_script("return window.sameDocument === true")
    assert_loaded_once(driver)
    assert_clean(driver)
