"""The Trips dashboard in a browser: its panels show what DuckDB computes on its own, a click on a bar or a
matrix cell filters the other panels (and the filters bar says so, and clears it), a panel's error stays
beside it, and Refresh reruns a query past the cache."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains

from components.charts import TEMPLATES
from tests.pages.browser import click, waiting

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]

Duck = Callable[..., list[tuple[Any, ...]]]
PANELS = ("hours", "days", "distance", "matrix", "pickups", "dropoffs")
TOP_PICKUPS = """SELECT pickup_zip, count(*) FROM nyctaxi.trips WHERE {where}
                 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3"""


def open_trips(page_as: Callable[..., Any]) -> Any:
    """The dashboard, once its KPI cards and every panel's caption have arrived."""
    browser = page_as("/trips")
    browser.wait_for_element("#trips-kpi-trips", timeout=30)
    for name in PANELS:
        browser.wait_for_contains_text(f"#trips-{name}-computed", "Computed at", timeout=30)
    return browser


def kpi_trips(browser: Any) -> int | None:
    """The Trips card's number (None while the card re-renders)."""
    text = browser.find_element("#trips-kpi-trips").text.replace(",", "")
    return int(text) if text.isdigit() else None


def wait_kpi_trips(browser: Any, expected: int) -> None:
    waiting(browser, 20).until(lambda _: kpi_trips(browser) == expected)


def click_at(browser: Any, element: Any, x: float, y: float) -> None:
    """Click at a point of an element, given as fractions of its width and height from its top left."""
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
    box = browser.driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.x, r.y, r.width, r.height];", element
    )
    ActionChains(browser.driver).move_to_location(box[0] + x * box[2], box[1] + y * box[3]).click().perform()


def top_pickups_text(rows: list[tuple[Any, ...]]) -> str:
    return ", ".join(f"{zip_code} with {trips:,}" for zip_code, trips in rows)


def test_every_panel_renders_what_duckdb_computes(page_as: Callable[..., Any], duck: Duck) -> None:
    browser = open_trips(page_as)
    trips, fares, average_fare, average_distance = duck(
        "SELECT count(*), sum(fare_amount), avg(fare_amount), avg(trip_distance) FROM nyctaxi.trips"
    )[0]
    assert kpi_trips(browser) == trips
    assert browser.find_element("#trips-kpi-total-fares").text == f"${fares:,.2f}"
    assert browser.find_element("#trips-kpi-average-fare").text == f"${average_fare:,.2f}"
    assert browser.find_element("#trips-kpi-average-distance").text == f"{average_distance:,.2f} mi"
    assert f"{trips:,} trips in all" in browser.find_element("#trips-hours-caption").text
    assert (
        top_pickups_text(duck(TOP_PICKUPS.format(where="true"))) in browser.find_element("#trips-pickups-caption").text
    )
    assert "Runs as you" in browser.find_element("#trips-dropoffs").text
    assert "Runs as the app" in browser.find_element("#trips-pickups").text
    for name in ("kpis", *PANELS):
        assert browser.find_element(f"#trips-{name}-computed").text.startswith("Computed at ")
    assert "None" in browser.find_element("#trips-chips").text


def test_clicking_an_hour_bar_filters_the_other_panels_and_clear_removes_it(
    page_as: Callable[..., Any], duck: Duck
) -> None:
    browser = open_trips(page_as)
    everything = duck("SELECT count(*) FROM nyctaxi.trips")[0][0]
    hours_caption = browser.find_element("#trips-hours-caption").text
    bar = browser.driver.find_elements("css selector", "#trips-hours-graph g.point")[8]  # hours 0..23, in order
    click_at(browser, bar, 0.5, 0.8)

    browser.wait_for_contains_text("#trips-chips", "Pickup hour: 08:00 to 08:59", timeout=20)
    at_eight = duck("SELECT count(*) FROM nyctaxi.trips WHERE hour(tpep_pickup_datetime) = 8")[0][0]
    wait_kpi_trips(browser, at_eight)
    expected = top_pickups_text(duck(TOP_PICKUPS.format(where="hour(tpep_pickup_datetime) = 8")))
    browser.wait_for_contains_text("#trips-pickups-caption", expected, timeout=20)
    assert browser.find_element("#trips-hours-caption").text == hours_caption  # it sets the filter, keeps its bars

    click(browser, browser.find_element("#trips-clear"))
    browser.wait_for_contains_text("#trips-chips", "None", timeout=20)
    wait_kpi_trips(browser, everything)


def test_clicking_a_matrix_cell_filters_by_both_zips(page_as: Callable[..., Any], duck: Duck) -> None:
    browser = open_trips(page_as)
    graph = browser.find_element("#trips-matrix-graph .js-plotly-plot")
    columns, rows = browser.driver.execute_script("return [arguments[0].data[0].x, arguments[0].data[0].y];", graph)
    column, row = 1, 0  # rows run top to bottom (the y axis is reversed)
    area = browser.find_element("#trips-matrix-graph .nsewdrag")
    click_at(browser, area, (column + 0.5) / len(columns), (row + 0.5) / len(rows))

    pickup, dropoff = int(rows[row]), int(columns[column])
    browser.wait_for_contains_text("#trips-chips", f"Pickup zip: {pickup}", timeout=20)
    assert f"Drop-off zip: {dropoff}" in browser.find_element("#trips-chips").text
    pair = duck("SELECT count(*) FROM nyctaxi.trips WHERE pickup_zip = ? AND dropoff_zip = ?", pickup, dropoff)
    wait_kpi_trips(browser, pair[0][0])


def test_a_panel_shows_its_own_error_in_the_seed_shape_when_the_warehouse_stops(
    page_as: Callable[..., Any], request: pytest.FixtureRequest
) -> None:
    browser = open_trips(page_as)
    request.getfixturevalue("stopped_warehouse")
    click(browser, browser.find_element("#trips-hours-refresh"))
    browser.wait_for_contains_text("#trips-hours-error", "DATABASE_UNAVAILABLE", timeout=30)
    assert "Try again in" in browser.find_element("#trips-hours-error").text
    assert browser.find_element("#trips-days-error").text == ""  # the other panels keep their charts
    assert "chart" in browser.find_element("#trips-days-caption").text


def test_refresh_bypasses_the_cache_and_the_computed_time_changes(page_as: Callable[..., Any]) -> None:
    browser = open_trips(page_as)
    before = browser.find_element("#trips-kpis-computed").text
    time.sleep(1.1)  # the line shows seconds
    click(browser, browser.find_element("#trips-kpis-refresh"))
    waiting(browser, 20).until(lambda _: browser.find_element("#trips-kpis-computed").text != before)
    assert "ms on the warehouse" in browser.find_element("#trips-kpis-computed").text


def test_the_charts_follow_the_theme_chosen_on_preferences(page_as: Callable[..., Any]) -> None:
    font = "return document.querySelector('#trips-hours-graph .js-plotly-plot')._fullLayout.font.color;"
    browser = open_trips(page_as)
    assert browser.driver.execute_script(font) == TEMPLATES["light"].layout.font.color
    browser.driver.find_element("link text", "Preferences").click()  # in-app navigation: no page load
    click(browser, browser.wait_for_element("label[for='_dbcprivate_radioitems_prefs-theme_input_dark']", timeout=15))
    browser.wait_for_contains_text("#prefs-feedback", "Theme saved: dark", timeout=15)
    browser.driver.find_element("link text", "Trips").click()
    browser.wait_for_contains_text("#trips-hours-computed", "Computed at", timeout=30)
    waiting(browser, 20).until(lambda _: browser.driver.execute_script(font) == TEMPLATES["dark"].layout.font.color)
