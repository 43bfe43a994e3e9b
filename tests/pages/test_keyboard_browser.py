"""Each page's main task with the keyboard alone, the focus visible (3:1 against its background) at every
stop: refresh Home's status, choose a table and page it, change the theme, invoke a model, set the Fares
page's shortest trip. Every page of Dash's registry must have a walk here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import dash
import flask
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.conftest import RunningServer
from tests.pages.browser import open_page, waiting
from tests.pages.test_data_browser import loaded_cells

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]
T = TypeVar("T")


def active(browser: Any) -> Any:
    return browser.driver.switch_to.active_element


def press(browser: Any, *keys: str) -> None:
    """Keys pressed wherever the focus is, as a keyboard user would."""
    ActionChains(browser.driver).send_keys(*keys).perform()


# The focus ring's colour and what it is drawn on: the nearest opaque background behind the outline (the
# element's own for an outline drawn inside it, else its ancestors'), composited over white.
FOCUS_RING_JS = """
const el = arguments[0];
const style = getComputedStyle(el);
const rgba = (text) => (text.match(/[\\d.]+/g) || []).map(Number).concat([1]).slice(0, 4);
const inside = parseFloat(style.outlineOffset) < 0;
let node = inside ? el : el.parentElement;
let background = [255, 255, 255, 1];
while (node) {
  const colour = rgba(getComputedStyle(node).backgroundColor);
  if (colour[3] > 0.99) { background = colour; break; }
  node = node.parentElement;
}
return {style: style.outlineStyle, width: parseFloat(style.outlineWidth), colour: rgba(style.outlineColor),
        background: background};
"""


def _luminance(rgb: list[float]) -> float:
    channels = [c / 255 for c in rgb[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: list[float], second: list[float]) -> float:
    """WCAG's contrast ratio of two opaque colours."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def focus_is_visible(element: Any) -> bool:
    """A solid-enough outline at least 2px wide, opaque, with 3:1 contrast against what it is drawn on
    (WCAG 2.4.7 and the 3:1 of non-text contrast, 1.4.11)."""
    ring = element.parent.execute_script(FOCUS_RING_JS, element)
    colour = ring["colour"]
    if ring["style"] in ("none", "") or ring["width"] < 2 or colour[3] < 0.99:
        return False
    return contrast(colour, ring["background"]) >= 3


def tab_to(browser: Any, matches: Any, *, limit: int = 80) -> Any:
    """Press Tab until the focused element matches; every stop on the way must show its focus."""
    stops = []
    for _ in range(limit):
        press(browser, Keys.TAB)
        element = active(browser)
        label = element.get_attribute("id") or element.text or element.tag_name
        stops.append(label)
        if element.tag_name != "main":
            assert focus_is_visible(element), f"no visible focus on {label!r} (after {stops})"
        if matches(element):
            return element
    raise AssertionError(f"Tab never reached the control; stops: {stops}")


WALKED: set[str] = set()


def walks(path: str) -> Callable[[T], T]:
    """Marks a test as the keyboard walk of the page at `path` (every registered page must have one)."""

    def mark(test: T) -> T:
        WALKED.add(path)
        return test

    return mark


def by_id(element_id: str) -> Any:
    return lambda element: element.get_attribute("id") == element_id


def skip_to_main(browser: Any) -> None:
    press(browser, Keys.TAB)
    assert active(browser).text == "Skip to main content"
    press(browser, Keys.ENTER)
    assert active(browser).get_attribute("id") == "main-content"


@walks("/data")
def test_sort_the_grid_by_a_header_and_page_it(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/data?table=samples.nyctaxi.trips")
    loaded_cells(browser, "fare_amount")
    # From the row count above the grid (the sidebar's and the filters' stops are their own walks' to check).
    browser.driver.execute_script("const c = document.getElementById('data-count'); c.tabIndex = -1; c.focus();")
    tab_to(browser, lambda element: "ag-header-cell" in (element.get_attribute("class") or ""))
    for _ in range(3):  # the arrows move between the headers: the fourth column is the fare
        press(browser, Keys.ARROW_RIGHT)
    assert active(browser).get_attribute("col-id") == "fare_amount"
    assert focus_is_visible(active(browser))
    press(browser, Keys.ENTER)
    waiting(browser, 15).until(lambda _: "sort=fare_amount.asc" in browser.driver.current_url)
    assert active(browser).get_attribute("col-id") == "fare_amount"  # Enter sorts and the focus stays
    press(browser, Keys.ENTER)
    waiting(browser, 15).until(lambda _: "sort=fare_amount.desc" in browser.driver.current_url)
    press(browser, Keys.ARROW_DOWN)  # into the rows
    assert "ag-cell" in (active(browser).get_attribute("class") or "")
    assert focus_is_visible(active(browser))
    fares = [float(f.replace(",", "")) for f in loaded_cells(browser, "fare_amount")]
    assert fares == sorted(fares, reverse=True)
    tab_to(browser, lambda element: element.get_attribute("aria-label") == "Next Page")
    press(browser, Keys.ENTER)
    waiting(browser, 15).until(lambda _: "Page 2 of" in browser.find_element("#data-grid .ag-paging-panel").text)


@walks("/preferences")
def test_change_the_theme(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/preferences")
    browser.wait_for_element("#prefs-theme input[value='light']:checked", timeout=15)
    skip_to_main(browser)
    tab_to(browser, by_id("_dbcprivate_radioitems_prefs-theme_input_dark"))
    press(browser, Keys.SPACE)
    waiting(browser, 15).until(
        lambda _: browser.driver.find_element("tag name", "html").get_attribute("data-bs-theme") == "dark"
    )
    browser.wait_for_contains_text("#prefs-feedback", "Theme saved: dark", timeout=15)


@walks("/model-serving")
def test_invoke_a_model(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/model-serving")
    browser.wait_for_element("#serving-endpoint input:checked", timeout=15)
    skip_to_main(browser)
    tab_to(browser, by_id("_dbcprivate_radioitems_serving-endpoint_input_taxi-fare"))
    press(browser, Keys.SPACE)
    browser.wait_for_contains_text("#serving-endpoint-details", "samples.models.taxi_fare", timeout=15)
    browser.wait_for_element('input[id=\'{"name":"trip_distance","type":"serving-field"}\']', timeout=15)
    field = tab_to(browser, lambda element: "trip_distance" in (element.get_attribute("id") or ""))
    press(browser, Keys.CONTROL, "a")
    press(browser, "4.5")
    assert field.get_attribute("value") == "4.5"
    tab_to(browser, by_id("serving-invoke"))
    press(browser, Keys.ENTER)
    browser.wait_for_contains_text("#serving-predictions", "SUCCESS", timeout=20)
    assert "4.5" in browser.find_element("#serving-predictions").text


@walks("/")
def test_refresh_the_status_on_home(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/")
    browser.wait_for_element('[data-integration="warehouse"][data-state="up"]', timeout=20)
    skip_to_main(browser)
    tab_to(browser, by_id("home-refresh"))
    browser.driver.execute_script("document.getElementById('home-status').innerHTML = ''")
    press(browser, Keys.ENTER)
    browser.wait_for_element('[data-integration="warehouse"][data-state="up"]', timeout=20)


@walks("/fares")
def test_change_the_shortest_trip_on_fares(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/fares")
    browser.wait_for_contains_text("#fares-chart figcaption", "trips of 0 miles or more", timeout=20)
    skip_to_main(browser)
    field = tab_to(browser, by_id("fares-min-distance"))
    press(browser, Keys.CONTROL, "a")
    press(browser, "12", Keys.ENTER)
    assert field.get_attribute("value") == "12"
    browser.wait_for_contains_text("#fares-chart figcaption", "trips of 12 miles or more", timeout=20)


@walks("/trips")
def test_filter_the_trips_dashboard_and_clear_it(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/trips")
    browser.wait_for_contains_text("#trips-kpis-computed", "Computed at", timeout=30)
    browser.wait_for_element("#trips-pickup option[value='10001']", timeout=30)
    everything = browser.find_element("#trips-kpi-trips").text
    skip_to_main(browser)
    field = tab_to(browser, by_id("trips-distance-min"))
    press(browser, Keys.CONTROL, "a")
    press(browser, "5", Keys.ENTER)
    assert field.get_attribute("value") == "5"
    browser.wait_for_contains_text("#trips-chips", "Distance: 5 miles or more", timeout=20)
    waiting(browser, 20).until(lambda _: browser.find_element("#trips-kpi-trips").text not in ("", everything))
    tab_to(browser, by_id("trips-pickup"))
    press(browser, Keys.ARROW_DOWN)  # the busiest pickup zip
    browser.wait_for_contains_text("#trips-chips", "Pickup zip: 10001", timeout=20)
    tab_to(browser, by_id("trips-clear"))
    press(browser, Keys.ENTER)
    browser.wait_for_contains_text("#trips-chips", "None", timeout=20)
    browser.wait_for_text_to_equal("#trips-kpi-trips", everything, timeout=20)
    tab_to(browser, by_id("trips-kpis-refresh"))
    press(browser, Keys.ENTER)
    browser.wait_for_contains_text("#trips-kpis-computed", "ms on the warehouse", timeout=20)


@walks("/fare-by-hour")
def test_set_the_shortest_trip_on_fare_by_hour(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/fare-by-hour")
    browser.wait_for_element("#fbh-chart .js-plotly-plot", timeout=30)
    lines = "return document.querySelector('#fbh-chart .js-plotly-plot').data[0].y[0];"
    before = browser.driver.execute_script(lines)
    skip_to_main(browser)
    tab_to(browser, by_id("fbh-min"))
    press(browser, Keys.CONTROL, "a")
    press(browser, "8", Keys.ENTER)
    waiting(browser, 20).until(lambda _: browser.driver.execute_script(lines) not in (None, before))


def test_every_registered_page_has_a_keyboard_walk(server: flask.Flask) -> None:
    # `server` builds the app, which fills Dash's page registry.
    registered = {str(page["path"]) for page in dash.page_registry.values()}
    assert registered
    assert registered - WALKED == set()
