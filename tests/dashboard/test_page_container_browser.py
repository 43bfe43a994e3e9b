"""The page opened directly is in the first layout (dashboard/page_container.py), in headless Chromium through
the local Apps proxy: Dash's routing callback does not run on the first load, and does for a move between
pages; a wrong pre-render (a Referer naming another page) is corrected to the browser's address; the Data
page opened by its link shows its rows, and back and forward still move between pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import RunningServer
from tests.pages.browser import click, open_page, waiting
from tests.pages.test_data_browser import loaded_cells

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]

TRIPS_TABLE = "samples.nyctaxi.trips"
ROUTER_OUTPUT = "_pages_content.children"
# Records the `output` of every callback request the page sends, from the start of each document (Dash's
# renderer sends them with window.fetch).
RECORD_CALLBACKS = """
window.callbackOutputs = [];
const originalFetch = window.fetch;
window.fetch = function(resource, options) {
  const url = typeof resource === 'string' ? resource : resource.url;
  if (url.includes('_dash-update-component') && options && typeof options.body === 'string') {
    window.callbackOutputs.push(JSON.parse(options.body).output);
  }
  return originalFetch.apply(this, arguments);
};
"""


def recording(browser: Any) -> Any:
    """The browser, recording each document's callback requests."""
    browser.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_CALLBACKS})
    return browser.driver


def callback_outputs(driver: Any) -> list[str]:
    outputs: list[str] = driver.execute_script("return window.callbackOutputs")
    assert any("shell-theme-loaded.data" in output for output in outputs), outputs  # the recorder does record
    return outputs


def router_ran(driver: Any) -> bool:
    return any(ROUTER_OUTPUT in output for output in callback_outputs(driver))


def path_of(driver: Any) -> str:
    address = urlsplit(driver.current_url)
    return address.path + (f"?{address.query}" if address.query else "")


def test_home_opened_directly_needs_no_router_and_a_move_between_pages_does(
    app_through_proxy: tuple[Any, RunningServer],
) -> None:
    browser, proxy = app_through_proxy
    driver = recording(browser)
    open_page(browser, proxy, "/")
    browser.wait_for_text_to_equal("#home-user-email", "alice@example.com", timeout=15)
    browser.wait_for_element('[data-integration="workspace"][data-state="up"]', timeout=15)
    assert not router_ran(driver), callback_outputs(driver)

    click(browser, browser.find_element("#shell-nav a[href='/trips']"))
    browser.wait_for_element("#trips-pickup", timeout=15)
    waiting(browser).until(lambda _: router_ran(driver))
    assert path_of(driver) == "/trips"


def test_a_wrong_pre_render_is_corrected_to_the_browsers_address(
    app_through_proxy: tuple[Any, RunningServer],
) -> None:
    browser, proxy = app_through_proxy
    driver = recording(browser)
    driver.execute_cdp_cmd("Network.enable", {})
    # Every request of the page load names Fares as where it came from: the first layout holds Fares.
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Referer": f"{proxy.url}/fares"}})
    try:
        open_page(browser, proxy, "/trips")
        browser.wait_for_element("#trips-pickup", timeout=20)
        waiting(browser).until(lambda _: router_ran(driver))  # the router put the browser's page in its place
    finally:
        driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})
    assert path_of(driver) == "/trips"
    assert driver.find_elements("css selector", "#fares-min-distance") == []
    browser.wait_for_text_to_equal("#_pages_content h1", "Trips", timeout=10)
    waiting(browser).until(lambda _: driver.title == "Trips · Databricks Dash Template")


@pytest.mark.parametrize(
    "data_link",
    [
        f"/data?table={TRIPS_TABLE}&size=100&sort=fare_amount.desc",  # as the page writes its own address
        f"/data?table={TRIPS_TABLE}&sort=fare_amount.desc",  # a shorter link: the page adds its page size
        "/data",  # no view in the link: the page adds the table it opens
    ],
    ids=["full-link", "partial-link", "no-query"],
)
def test_the_data_page_opened_by_a_link_shows_its_rows_without_the_router(
    app_through_proxy: tuple[Any, RunningServer], data_link: str
) -> None:
    browser, proxy = app_through_proxy
    driver = recording(browser)
    open_page(browser, proxy, data_link)
    assert loaded_cells(browser, "fare_amount")
    assert browser.find_element("#data-title").text == TRIPS_TABLE
    waiting(browser).until(lambda _: "size=100" in driver.current_url)  # the page has written its address
    # The page's own address, written by the page, is no reason to render the page a second time.
    assert not router_ran(driver), "\n".join([driver.current_url, *[o[:100] for o in callback_outputs(driver)]])


def test_back_and_forward_move_between_a_page_opened_directly_and_another(
    app_through_proxy: tuple[Any, RunningServer],
) -> None:
    browser, proxy = app_through_proxy
    driver = recording(browser)
    data_link = f"/data?table={TRIPS_TABLE}&size=100&sort=fare_amount.desc"
    open_page(browser, proxy, data_link)
    fares = [float(fare.replace(",", "")) for fare in loaded_cells(browser, "fare_amount") if fare]
    assert fares
    assert fares == sorted(fares, reverse=True)

    click(browser, browser.find_element("#shell-nav a[href='/fares']"))
    browser.wait_for_element("#fares-min-distance", timeout=15)
    driver.back()
    waiting(browser, 20).until(lambda _: browser.find_element("#data-title").text == TRIPS_TABLE)
    assert path_of(driver) == data_link
    assert loaded_cells(browser, "fare_amount")
    driver.forward()
    browser.wait_for_element("#fares-min-distance", timeout=15)
    assert path_of(driver) == "/fares"
