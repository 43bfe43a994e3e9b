"""The Data page in headless Chromium, through the local Apps proxy: the grid (AG Grid over the warehouse) and
its count against DuckDB, sorting and paging, the view in the URL (a copied link, back and forward), Bob's
table he may see but not read, a broken link, and Cancel."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from tests.conftest import RunningServer, pytest_setup_options
from tests.pages.browser import click, switch_user, type_into, waiting

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]
Duck = Callable[..., list[tuple[Any, ...]]]
TRIPS = "samples.nyctaxi.trips"
# The warehouse's tie-break under a sort: every other column, ascending (services/warehouse/sql.order_by).
TRIP_COLUMNS = ("tpep_pickup_datetime", "tpep_dropoff_datetime", "trip_distance", "fare_amount", "pickup_zip")

CELLS_JS = """
const column = arguments[0];
const rows = [...document.querySelectorAll('#data-grid .ag-center-cols-container .ag-row[row-index]')]
  .sort((a, b) => Number(a.getAttribute('row-index')) - Number(b.getAttribute('row-index')));
return rows.map(row => { const cell = row.querySelector(`[col-id="${column}"]`); return cell ? cell.innerText : ''; });
"""


def cells(driver: Any, column: str) -> list[str]:
    """The texts of one column of the rows the grid has drawn, top to bottom."""
    texts: list[str] = driver.execute_script(CELLS_JS, column)
    return texts


def loaded_cells(browser: Any, column: str, *, seconds: float = 20) -> list[str]:
    """The column's texts once the grid's first rows have arrived (a loading row has an empty cell)."""
    waiting(browser, seconds).until(lambda _: (found := cells(browser.driver, column)) and all(found[:10]))
    return cells(browser.driver, column)


def query_of(driver: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(driver.current_url).query)


def open_data(browser: Any, proxy: RunningServer, query: str = "") -> None:
    browser.driver.get(f"{proxy.url}/data{'?' + query if query else ''}")
    browser.wait_for_element("#data-grid .ag-header-cell", timeout=20)


def count_shown(browser: Any) -> str:
    waiting(browser, 20).until(lambda _: browser.find_element("#data-count").text.strip())
    text: str = browser.find_element("#data-count").text
    return text


def header(browser: Any, column: str) -> Any:
    return browser.driver.find_element("css selector", f'#data-grid .ag-header-cell[col-id="{column}"]')


def test_the_count_is_a_direct_count_and_cells_are_formatted_by_type(
    app_through_proxy: tuple[Any, RunningServer], duck: Duck
) -> None:
    browser, proxy = app_through_proxy
    open_data(browser, proxy, f"table={TRIPS}&filter=trip_distance.gt.10")
    (expected,) = duck("SELECT count(*) FROM nyctaxi.trips WHERE trip_distance > 10")[0]
    assert expected > 0
    assert count_shown(browser).startswith(f"{expected:,} rows · ")
    # Typed headers; numbers with the same decimals; timestamps read in the browser's zone, the zone shown.
    assert header(browser, "fare_amount").text.split("\n") == ["fare_amount", "double"]
    fares = loaded_cells(browser, "fare_amount")
    assert all(len(f.split(".")[-1]) == 2 for f in fares if f)
    distances = [float(d.replace(",", "")) for d in cells(browser.driver, "trip_distance") if d]
    assert distances
    assert min(distances) > 10
    pickup = cells(browser.driver, "tpep_pickup_datetime")[0]
    assert re.fullmatch(r"2016-\d\d-\d\d \d\d:\d\d:\d\d UTC[+-]\d{4}", pickup), pickup
    assert "ag-right-aligned-header" in header(browser, "fare_amount").get_attribute("class")

    open_data(browser, proxy, f"table={TRIPS}&filter=trip_distance.gt.100000")
    assert count_shown(browser) == "No rows match"
    assert "Rows 0" not in browser.driver.page_source


def test_sort_by_a_header_and_page_on_the_warehouse(app_through_proxy: tuple[Any, RunningServer], duck: Duck) -> None:
    browser, proxy = app_through_proxy
    open_data(browser, proxy, f"table={TRIPS}")
    loaded_cells(browser, "fare_amount")
    for _ in range(2):  # ascending, then descending
        click(browser, header(browser, "fare_amount").find_element("css selector", ".ag-header-cell-label"))
        time.sleep(0.3)
    waiting(browser, 15).until(lambda _: query_of(browser.driver).get("sort") == ["fare_amount.desc"])
    assert header(browser, "fare_amount").get_attribute("aria-sort") == "descending"
    order = "fare_amount DESC, " + ", ".join(f"{c} ASC" for c in (*TRIP_COLUMNS, "dropoff_zip") if c != "fare_amount")
    top = [f"{fare:,.2f}" for (fare,) in duck(f"SELECT fare_amount FROM nyctaxi.trips ORDER BY {order} LIMIT 10")]
    waiting(browser, 15).until(lambda _: cells(browser.driver, "fare_amount")[:10] == top)

    click(browser, browser.driver.find_element("css selector", '#data-grid .ag-paging-button[aria-label="Next Page"]'))
    page_2 = [
        f"{f:,.2f}" for (f,) in duck(f"SELECT fare_amount FROM nyctaxi.trips ORDER BY {order} LIMIT 10 OFFSET 100")
    ]
    waiting(browser, 15).until(lambda _: cells(browser.driver, "fare_amount")[:10] == page_2)
    assert "Page 2 of" in browser.find_element("#data-grid .ag-paging-panel").text
    # The browser holds at most two blocks of rows (a page each), whatever was paged through.
    assert len(browser.driver.find_elements("css selector", "#data-grid .ag-center-cols-container .ag-row")) <= 200

    type_into(browser.find_element("#data-go-to-page"), "5")  # a page of its own: typed, Enter goes
    browser.find_element("#data-go-to-page").send_keys(Keys.ENTER)
    page_5 = [
        f"{f:,.2f}" for (f,) in duck(f"SELECT fare_amount FROM nyctaxi.trips ORDER BY {order} LIMIT 10 OFFSET 400")
    ]
    waiting(browser, 15).until(lambda _: cells(browser.driver, "fare_amount")[:10] == page_5)
    assert "Page 5 of" in browser.find_element("#data-grid .ag-paging-panel").text


@pytest.fixture
def fresh_chromium() -> Iterator[Any]:
    """A second headless Chromium, sharing nothing with the test's browser (no cookies, no storage)."""
    options = pytest_setup_options()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options)
    yield driver
    driver.quit()


def test_a_copied_link_restores_the_view_in_a_fresh_browser(
    app_through_proxy: tuple[Any, RunningServer], fresh_chromium: Any
) -> None:
    browser, proxy = app_through_proxy
    open_data(browser, proxy, f"table={TRIPS}&filter=pickup_zip.eq.10001")
    loaded_cells(browser, "pickup_zip")
    Select(browser.find_element("#data-page-size")).select_by_visible_text("25")
    waiting(browser, 15).until(lambda _: query_of(browser.driver).get("size") == ["25"])
    click(browser, header(browser, "trip_distance").find_element("css selector", ".ag-header-cell-label"))
    waiting(browser, 15).until(lambda _: query_of(browser.driver).get("sort") == ["trip_distance.asc"])
    link = browser.driver.current_url
    assert query_of(browser.driver)["filter"] == ["pickup_zip.eq.10001"]

    fresh_chromium.get(link)
    waiting(browser, 20).until(
        lambda _: (found := cells(fresh_chromium, "pickup_zip")) and all(found) and set(found) == {"10001"}
    )
    distances = [float(d) for d in cells(fresh_chromium, "trip_distance")]
    assert distances == sorted(distances)
    assert Select(fresh_chromium.find_element("css selector", "#data-page-size")).first_selected_option.text == "25"
    assert "25 of" in fresh_chromium.find_element("css selector", "#data-grid .ag-paging-panel").text
    sorted_header = fresh_chromium.find_element("css selector", '#data-grid .ag-header-cell[col-id="trip_distance"]')
    assert sorted_header.get_attribute("aria-sort") == "ascending"
    assert parse_qs(urlsplit(fresh_chromium.current_url).query) == parse_qs(urlsplit(link).query)


def test_back_and_forward_go_through_the_views(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    open_data(browser, proxy)  # no table in the link: the last one read (here none) or the trips, in the URL
    waiting(browser, 15).until(lambda _: query_of(browser.driver).get("table") == [TRIPS])
    loaded_cells(browser, "fare_amount")
    Select(browser.find_element("#data-page-size")).select_by_visible_text("50")
    waiting(browser, 15).until(lambda _: query_of(browser.driver).get("size") == ["50"])
    click(browser, header(browser, "fare_amount").find_element("css selector", ".ag-header-cell-label"))
    waiting(browser, 15).until(lambda _: query_of(browser.driver).get("sort") == ["fare_amount.asc"])

    browser.driver.back()
    waiting(browser, 20).until(lambda _: header(browser, "fare_amount").get_attribute("aria-sort") == "none")
    assert query_of(browser.driver).get("size") == ["50"]
    assert "sort" not in query_of(browser.driver)
    browser.driver.back()
    waiting(browser, 20).until(
        lambda _: Select(browser.find_element("#data-page-size")).first_selected_option.text == "100"
    )
    browser.driver.forward()
    waiting(browser, 20).until(
        lambda _: Select(browser.find_element("#data-page-size")).first_selected_option.text == "50"
    )
    browser.driver.forward()
    waiting(browser, 20).until(lambda _: header(browser, "fare_amount").get_attribute("aria-sort") == "ascending")
    fares = [float(f.replace(",", "")) for f in loaded_cells(browser, "fare_amount")]
    assert fares == sorted(fares)


def test_bob_sees_whom_to_ask_for_a_table_he_may_not_read(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    switch_user(browser, proxy, "bob@example.com")
    browser.driver.get(f"{proxy.url}/data?table=samples.tpch.orders")
    notice = browser.wait_for_element("#data-grid-box .access-denied", timeout=20)
    owner = browser.find_element("#data-details").text.split(" · owner ")[1].split(" ")[0]
    assert owner
    assert owner in notice.text
    for privilege in ("SELECT on the table", "USE SCHEMA", "USE CATALOG"):
        assert privilege in notice.text
    assert "CATALOG_PERMISSION_DENIED" not in notice.text.split("Details")[0]  # codes only under Details
    export = browser.find_element("#data-export")
    assert (export.get_attribute("aria-disabled"), export.get_attribute("href")) == ("true", None)
    assert browser.find_element("#data-count").text == ""
    copy = notice.find_element("css selector", "button")
    click(browser, copy)
    waiting(browser, 10).until(lambda _: "Copied" in copy.text)
    request = browser.driver.find_element("css selector", "#data-access-text").get_attribute("textContent")
    assert "GRANT SELECT ON TABLE `samples`.`tpch`.`orders` TO `bob@example.com`" in request

    open_data(browser, proxy)  # a table he cannot read is never where he left off
    waiting(browser, 15).until(lambda _: query_of(browser.driver).get("table") == [TRIPS])


@pytest.mark.parametrize(
    ("query", "field"),
    [("table=samples.nyctaxi", "table"), (f"table={TRIPS}&filter=fare_amount.between.1", "filter"),
     (f"table={TRIPS}&size=5000", "page_size"), (f"table={TRIPS}&chart=%5B1%5D", "chart")],
)  # fmt: skip
def test_a_broken_link_says_what_is_wrong_with_it(
    app_through_proxy: tuple[Any, RunningServer], query: str, field: str
) -> None:
    browser, proxy = app_through_proxy
    browser.driver.get(f"{proxy.url}/data?{query}")
    banner = browser.wait_for_element("#data-link-error .alert", timeout=20)
    assert "INVALID_INPUT" in banner.text
    assert "Traceback" not in browser.driver.page_source


def test_a_slow_query_shows_progress_and_cancel_stops_it_on_the_warehouse(
    app_through_proxy: tuple[Any, RunningServer], local_warehouse: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser, proxy = app_through_proxy
    open_data(browser, proxy, f"table={TRIPS}")
    loaded_cells(browser, "fare_amount")
    monkeypatch.setattr(local_warehouse, "min_statement_seconds", 8.0)
    click(browser, browser.driver.find_element("css selector", '#data-grid .ag-paging-button[aria-label="Next Page"]'))
    cancel = browser.wait_for_element("#data-cancel", timeout=10)  # shown once the query has run a second
    assert "Running on the SQL warehouse" in browser.driver.page_source
    started = time.monotonic()
    click(browser, cancel)
    browser.wait_for_contains_text("#data-grid-message", "QUERY_CANCELLED", timeout=10)
    assert time.monotonic() - started < 6  # stopped on the warehouse, not waited out
    assert "cancelled on the warehouse" in browser.find_element("#data-grid-message").text


def test_a_new_visit_opens_the_last_table_read_at_its_page_size_and_favorite(
    app_through_proxy: tuple[Any, RunningServer],
) -> None:
    browser, proxy = app_through_proxy
    open_data(browser, proxy, "table=samples.tpch.orders")
    loaded_cells(browser, "o_orderkey")
    Select(browser.find_element("#data-page-size")).select_by_visible_text("25")
    waiting(browser, 15).until(lambda _: query_of(browser.driver).get("size") == ["25"])
    click(browser, browser.find_element("#data-favorite"))
    browser.wait_for_contains_text("#data-favorite", "Remove from favorites", timeout=15)

    open_data(browser, proxy)  # no table in the link: where the user left off
    waiting(browser, 15).until(lambda _: query_of(browser.driver).get("table") == ["samples.tpch.orders"])
    assert query_of(browser.driver)["size"] == ["25"]
    browser.wait_for_contains_text("#data-favorite", "Remove from favorites", timeout=15)
    assert browser.find_element("#data-title").text == "samples.tpch.orders"
