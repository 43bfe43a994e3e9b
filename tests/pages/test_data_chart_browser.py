"""The Data page's chart in headless Chromium, through the local Apps proxy: zips as ranked categories with the
rest as "Other", numbers equal to DuckDB's, the filters in the title, the saved defaults, Show SQL, the URL, Bob's
disabled controls, and axe in both themes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from components.theme import PALETTES
from pages.data_chart import IDS
from tests.conftest import RunningServer
from tests.pages.browser import click, waiting
from tests.pages.test_accessibility_browser import axe_violations, report, set_theme, wait_theme
from tests.pages.test_keyboard_browser import by_id, press, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]

LONG_TRIPS = "/data?table=samples.nyctaxi.trips&filter=trip_distance.gt.10"
PLOT = f"#{IDS.graph} .js-plotly-plot"
CONTROLS = [IDS.x, IDS.y, IDS.aggregation, IDS.chart_type, IDS.top_n, IDS.draw]


def _ready(browser: Any) -> None:
    """Wait until the chart's controls hold the open table's columns."""
    waiting(browser, 30).until(
        lambda _: (
            browser.driver.find_elements(By.CSS_SELECTOR, f"#{IDS.x} option[value='pickup_zip']")
            and browser.find_element(f"#{IDS.x}").is_enabled()
        )
    )


def _draw(browser: Any, x: str, y: str | None, aggregation: str, top_n: str = "20") -> None:
    for control, value in ((IDS.x, x), (IDS.y, y), (IDS.aggregation, aggregation), (IDS.top_n, top_n)):
        if value is not None:
            Select(browser.find_element(f"#{control}")).select_by_value(value)
    click(browser, browser.find_element(f"#{IDS.draw}"))


def _figure(browser: Any) -> dict[str, Any]:
    """The figure Plotly drew (its data and layout, as the browser holds them)."""
    script = f"const p = document.querySelector('{PLOT}'); return p && p.data && p.data.length ? p : null;"
    waiting(browser, 30).until(lambda _: browser.driver.execute_script(script))
    figure: dict[str, Any] = browser.driver.execute_script(
        f"const p = document.querySelector('{PLOT}'); return {{data: p.data, layout: p.layout}};"
    )
    return figure


def _chart_settings_in_url(browser: Any) -> dict[str, Any]:
    query = unquote(browser.driver.current_url.partition("?")[2].replace("+", " "))
    chart = next(part for part in query.split("&") if part.startswith("chart="))
    settings: dict[str, Any] = json.loads(chart.removeprefix("chart="))
    return settings


def test_average_fare_by_pickup_zip_ranks_zips_and_folds_the_rest_into_other(
    page_as: Callable[..., Any], duck: Callable[..., list[tuple[Any, ...]]]
) -> None:
    browser = page_as(LONG_TRIPS)
    _ready(browser)
    _draw(browser, "pickup_zip", "fare_amount", "avg", top_n="10")
    figure = _figure(browser)
    groups = duck(
        "SELECT pickup_zip, avg(fare_amount), sum(fare_amount), count(fare_amount) FROM nyctaxi.trips "
        "WHERE trip_distance > 10 GROUP BY 1 ORDER BY 2 DESC, 1"
    )
    top, rest = groups[:10], groups[10:]
    bars = figure["data"][0]
    assert figure["layout"]["xaxis"]["type"] == "category"
    assert bars["x"] == [str(zip_code) for zip_code, *_ in top] + [f"Other ({len(rest)} groups)"]
    assert bars["y"][:10] == pytest.approx([average for _, average, *_ in top])
    assert bars["y"][10] == pytest.approx(sum(s for *_, s, _ in rest) / sum(c for *_, c in rest))
    assert "%{y:,.2f}" in bars["hovertemplate"]
    ticks = [t.text for t in browser.driver.find_elements(By.CSS_SELECTOR, f"{PLOT} .xtick text")]
    assert str(top[0][0]) in ticks
    assert not any(t.endswith("k") for t in ticks)  # zips are names, never "10.05k"
    title = browser.find_element(f"{PLOT} .gtitle").text
    assert title == "Average fare_amount by pickup_zip · trip_distance > 10"
    assert title in browser.find_element(f"#{IDS.caption}").text

    # Show SQL: the statement that ran, the filter's value bound apart, never in its text.
    click(browser, browser.find_element(f"#{IDS.sql} summary"))
    statement = browser.find_element(f"#{IDS.sql} pre").text
    assert statement.startswith("WITH grouped AS (")
    assert "`trip_distance` > :p0" in statement
    assert "10" not in statement
    cells = [
        [td.text for td in row.find_elements(By.TAG_NAME, "td")]
        for row in browser.driver.find_elements(By.CSS_SELECTOR, f"#{IDS.sql} tbody tr")
    ]
    assert cells == [[":p0", "10.0", "DOUBLE"], [":top_n", "10", "INT"]]

    # The URL keeps the chart: a reload draws it again, with the same controls.
    waiting(browser, 15).until(lambda _: "chart=" in browser.driver.current_url)
    assert _chart_settings_in_url(browser) == {
        "x": "pickup_zip",
        "y": "fare_amount",
        "aggregation": "avg",
        "chart_type": "bar",
        "top_n": 10,
    }
    browser.driver.refresh()
    reloaded = _figure(browser)
    assert reloaded["data"][0]["x"] == bars["x"]
    assert Select(browser.find_element(f"#{IDS.top_n}")).first_selected_option.get_attribute("value") == "10"
    assert Select(browser.find_element(f"#{IDS.aggregation}")).first_selected_option.get_attribute("value") == "avg"


def test_a_filter_added_redraws_the_chart_shown(
    page_as: Callable[..., Any], duck: Callable[..., list[tuple[Any, ...]]]
) -> None:
    browser = page_as("/data?table=samples.nyctaxi.trips")
    _ready(browser)
    _draw(browser, "dropoff_zip", None, "count")
    unfiltered = _figure(browser)
    assert unfiltered["layout"]["title"]["text"] == "Count of rows by dropoff_zip"
    Select(browser.find_element("#data-filter-column")).select_by_value("trip_distance")
    waiting(browser, 15).until(
        lambda _: browser.driver.find_elements(By.CSS_SELECTOR, "#data-filter-operator option[value='>']")
    )
    Select(browser.find_element("#data-filter-operator")).select_by_value(">")
    value = browser.find_element("#data-filter-value")
    value.send_keys("10", Keys.ENTER)
    waiting(browser, 30).until(lambda _: "trip_distance > 10" in _figure(browser)["layout"]["title"]["text"])
    counts = duck(
        "SELECT dropoff_zip, count(*) FROM nyctaxi.trips WHERE trip_distance > 10 GROUP BY 1 ORDER BY 2 DESC, 1"
    )
    bars = _figure(browser)["data"][0]
    assert bars["x"][:20] == [str(zip_code) for zip_code, _ in counts[:20]]
    assert bars["y"][:20] == [n for _, n in counts[:20]]
    assert bars["y"][20] == sum(n for _, n in counts[20:])
    assert "%{y:,d}" in bars["hovertemplate"]


def test_the_chart_type_starts_from_the_saved_default_unless_the_link_says_otherwise(
    page_as: Callable[..., Any], app_through_proxy: tuple[Any, RunningServer]
) -> None:
    _, proxy = app_through_proxy
    requests.post(
        f"{proxy.url}/api/preferences",
        json={
            "preference_key": "dashboard_layout",
            "preference_value": {"chart": {"chart_type": "line", "aggregation": "max"}},
        },
        cookies={"local_apps_user": "alice@example.com"},
        timeout=10,
    ).raise_for_status()
    browser = page_as("/data?table=samples.nyctaxi.trips")
    _ready(browser)
    kind = Select(browser.find_element(f"#{IDS.chart_type}"))
    waiting(browser, 15).until(lambda _: kind.first_selected_option.get_attribute("value") == "line")
    assert Select(browser.find_element(f"#{IDS.aggregation}")).first_selected_option.get_attribute("value") == "max"
    click(browser, browser.find_element(f"#{IDS.draw}"))  # nothing chosen yet: the page says what is missing
    browser.wait_for_contains_text(f"#{IDS.message}", "Choose the column to group by (X).", timeout=15)
    Select(browser.find_element(f"#{IDS.x}")).select_by_value("pickup_zip")
    click(browser, browser.find_element(f"#{IDS.draw}"))
    browser.wait_for_contains_text(f"#{IDS.message}", "Choose the column to aggregate (Y): max needs one.", timeout=15)
    assert "chart=" not in browser.driver.current_url

    chart = quote(json.dumps({"x": "dropoff_zip", "chart_type": "scatter", "aggregation": "count"}))
    browser = page_as(f"/data?table=samples.nyctaxi.trips&chart={chart}")
    figure = _figure(browser)
    assert figure["data"][0]["mode"] == "markers"
    assert Select(browser.find_element(f"#{IDS.chart_type}")).first_selected_option.get_attribute("value") == "scatter"

    # A link that names only the axes is drawn as the saved defaults say: a line of maxima.
    chart = quote(json.dumps({"x": "pickup_zip", "y": "trip_distance"}))
    browser = page_as(f"/data?table=samples.nyctaxi.trips&chart={chart}")
    figure = _figure(browser)
    assert figure["layout"]["title"]["text"] == "Maximum trip_distance by pickup_zip"
    assert figure["data"][0]["mode"] == "lines+markers"


def test_a_link_with_bad_chart_settings_says_what_is_wrong(page_as: Callable[..., Any]) -> None:
    chart = quote(json.dumps({"x": "pickup_zip", "top_n": 7}))
    browser = page_as(f"/data?table=samples.nyctaxi.trips&chart={chart}")
    browser.wait_for_contains_text(f"#{IDS.message}", "INVALID_INPUT", timeout=30)
    assert "top 10, 20, 50" in browser.find_element(f"#{IDS.message}").text
    chart = quote(json.dumps({"x": "no_such_column"}))
    browser = page_as(f"/data?table=samples.nyctaxi.trips&chart={chart}")
    browser.wait_for_contains_text(f"#{IDS.message}", "no column 'no_such_column'", timeout=30)
    assert not browser.find_element(f"#{IDS.figure}").is_displayed()


def test_bob_sees_the_chart_controls_disabled_and_why(page_as: Callable[..., Any]) -> None:
    browser = page_as("/data?table=samples.tpch.orders", "bob@example.com")
    browser.wait_for_contains_text(f"#{IDS.note}", "Charts are off", timeout=30)
    assert "samples.tpch.orders" in browser.find_element(f"#{IDS.note}").text
    waiting(browser, 15).until(lambda _: not any(browser.find_element(f"#{c}").is_enabled() for c in CONTROLS))
    assert not browser.find_element(f"#{IDS.figure}").is_displayed()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_wcag_violations_with_a_chart_and_its_sql(
    page_as: Callable[..., Any], app_through_proxy: tuple[Any, RunningServer], theme: str
) -> None:
    _, proxy = app_through_proxy
    set_theme(proxy, theme)
    browser = page_as(LONG_TRIPS)
    _ready(browser)
    _draw(browser, "pickup_zip", "fare_amount", "avg")
    figure = _figure(browser)
    wait_theme(browser, theme)
    text = PALETTES["dark" if theme == "dark" else "light"].text
    waiting(browser, 15).until(lambda _: _figure(browser)["layout"]["template"]["layout"]["font"]["color"] == text)
    assert figure["layout"]["template"]["layout"]["paper_bgcolor"] == "rgba(0,0,0,0)"
    click(browser, browser.find_element(f"#{IDS.sql} summary"))
    violations = axe_violations(browser)
    assert violations == [], f"the chart in the {theme} theme:\n{report(violations)}"


def test_the_chart_works_from_the_keyboard(page_as: Callable[..., Any]) -> None:
    browser = page_as(LONG_TRIPS)
    _ready(browser)
    browser.driver.execute_script("arguments[0].focus();", browser.find_element(f"#{IDS.x}"))
    press(browser, "pickup_zip")
    tab_to(browser, by_id(IDS.y))
    press(browser, "fare_amount")
    tab_to(browser, by_id(IDS.aggregation))
    press(browser, "Average")
    tab_to(browser, by_id(IDS.draw))
    press(browser, Keys.ENTER)
    figure = _figure(browser)
    assert figure["layout"]["title"]["text"] == "Average fare_amount by pickup_zip · trip_distance > 10"
    summary = tab_to(browser, lambda element: element.tag_name == "summary")
    press(browser, Keys.ENTER)
    waiting(browser, 10).until(lambda _: browser.find_element(f"#{IDS.sql} details").get_attribute("open"))
    assert summary.text == "Show SQL"
