"""WCAG 2.1 A and AA checks by axe-core (shipped in the axe-core-python wheel; nothing fetched) on every
page, in the light and the dark theme, including the states a user opens: a grid and a chart, an error
banner, predictions and the history table."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import axe_core_python
import dash
import flask
import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.select import Select

from tests.conftest import RunningServer
from tests.pages.browser import click, open_page, switch_user, waiting

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]

AXE_SCRIPT = (Path(axe_core_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
WCAG_21_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(browser: Any) -> list[dict[str, Any]]:
    """What axe-core finds against WCAG 2.1 A and AA on the page as it is now."""
    browser.driver.execute_script(AXE_SCRIPT)
    options = json.dumps({"runOnly": {"type": "tag", "values": WCAG_21_A_AA}})
    results = browser.driver.execute_async_script(
        f"const done = arguments[arguments.length - 1]; axe.run(document, {options}).then(done);"
    )
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


def set_theme(proxy: RunningServer, mode: str, user: str = "alice@example.com") -> None:
    requests.post(
        f"{proxy.url}/api/preferences",
        json={"preference_key": "theme", "preference_value": {"mode": mode}},
        cookies={"local_apps_user": user},
        timeout=10,
    ).raise_for_status()


# CSS transitions under way (Bootstrap's buttons fade their colours for 0.15 s when the theme changes).
RUNNING_TRANSITIONS_JS = (
    "return document.getAnimations().filter(a => a instanceof CSSTransition && a.playState === 'running').length"
)


def wait_theme(browser: Any, mode: str) -> None:
    """The theme applied, and every colour it changed at its final value (axe reads colours as they are)."""
    waiting(browser, 15).until(
        lambda _: browser.driver.find_element("tag name", "html").get_attribute("data-bs-theme") == mode
    )
    waiting(browser, 5).until(lambda _: browser.driver.execute_script(RUNNING_TRANSITIONS_JS) == 0)


def home(browser: Any, proxy: RunningServer) -> None:
    open_page(browser, proxy, "/")
    browser.wait_for_element('[data-integration="lakebase"][data-state="up"]', timeout=20)


def data_grid_and_chart(browser: Any, proxy: RunningServer) -> None:
    """The grid with its rows, sorted by a header, and a chart drawn below it."""
    open_page(browser, proxy, "/data?table=samples.nyctaxi.trips&sort=fare_amount.desc")
    waiting(browser, 20).until(lambda _: " rows · " in browser.find_element("#data-count").text)
    browser.wait_for_element("#data-grid .ag-center-cols-container .ag-row[row-index='0'] .ag-cell", timeout=20)
    Select(browser.find_element("#data-chart-group-by")).select_by_value("dropoff_zip")
    click(browser, browser.find_element("#data-chart-run"))
    browser.wait_for_element("#data-chart-figure .js-plotly-plot", timeout=20)


def data_without_access(browser: Any, proxy: RunningServer) -> None:
    """Bob on a table he may see but not read: the owner, the privileges, the copy button, Details open."""
    switch_user(browser, proxy, "bob@example.com")
    open_page(browser, proxy, "/data?table=samples.tpch.orders")
    notice = browser.wait_for_element("#data-grid-box .access-denied", timeout=20)
    click(browser, notice.find_element("css selector", "summary"))


def data_broken_link(browser: Any, proxy: RunningServer) -> None:
    open_page(browser, proxy, "/data?table=samples.nyctaxi.trips&filter=fare_amount.between.1")
    browser.wait_for_contains_text("#data-link-error", "INVALID_INPUT", timeout=20)


def serving_with_result_and_history(browser: Any, proxy: RunningServer) -> None:
    open_page(browser, proxy, "/model-serving")
    browser.wait_for_element("label[for='_dbcprivate_radioitems_serving-endpoint_input_taxi-fare']", timeout=15).click()
    browser.wait_for_element('input[id=\'{"name":"trip_distance","type":"serving-field"}\']', timeout=15)
    click(browser, browser.find_element("#serving-invoke"))
    browser.wait_for_contains_text("#serving-predictions", "SUCCESS", timeout=20)
    browser.wait_for_element("#serving-history tr[data-log-id]", timeout=15)


def serving_with_error(browser: Any, proxy: RunningServer) -> None:
    open_page(browser, proxy, "/model-serving")
    browser.wait_for_element("label[for='_dbcprivate_radioitems_serving-endpoint_input_taxi-fare']", timeout=15).click()
    browser.wait_for_element('input[id=\'{"name":"trip_distance","type":"serving-field"}\']', timeout=15)
    from tests.pages.browser import type_into

    type_into(
        browser.driver.find_element("css selector", 'input[id=\'{"name":"pickup_hour","type":"serving-field"}\']'),
        "1.5",
    )
    click(browser, browser.find_element("#serving-invoke"))
    browser.wait_for_contains_text("#serving-result", "INVALID_INPUT", timeout=20)


def preferences(browser: Any, proxy: RunningServer) -> None:
    open_page(browser, proxy, "/preferences")
    browser.wait_for_element("#prefs-theme input:checked", timeout=15)


def fares(browser: Any, proxy: RunningServer) -> None:
    open_page(browser, proxy, "/fares")
    browser.wait_for_element("#fares-chart .js-plotly-plot", timeout=20)


def trips_filtered(browser: Any, proxy: RunningServer) -> None:
    """The Trips dashboard with every panel drawn and a cross-filter chip (an hour bar clicked)."""
    open_page(browser, proxy, "/trips")
    for panel in ("kpis", "hours", "days", "distance", "matrix", "pickups", "dropoffs"):
        browser.wait_for_contains_text(f"#trips-{panel}-computed", "Computed at", timeout=30)
    bar = browser.driver.find_elements("css selector", "#trips-hours-graph g.point")[8]
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", bar)
    ActionChains(browser.driver).move_to_element(bar).click().perform()
    browser.wait_for_contains_text("#trips-chips", "Pickup hour", timeout=20)


def fare_by_hour(browser: Any, proxy: RunningServer) -> None:
    open_page(browser, proxy, "/fare-by-hour")
    browser.wait_for_element("#fbh-chart .js-plotly-plot", timeout=30)


# Each state a user opens, and the page it is on.
STATES: dict[str, tuple[str, Callable[[Any, RunningServer], None]]] = {
    "home": ("/", home),
    "data-grid-and-chart": ("/data", data_grid_and_chart),
    "data-without-access": ("/data", data_without_access),
    "data-broken-link": ("/data", data_broken_link),
    "serving-result-and-history": ("/model-serving", serving_with_result_and_history),
    "serving-error": ("/model-serving", serving_with_error),
    "preferences": ("/preferences", preferences),
    "fares": ("/fares", fares),
    "trips-filtered": ("/trips", trips_filtered),
    "fare-by-hour": ("/fare-by-hour", fare_by_hour),
}


def test_every_registered_page_is_checked(server: flask.Flask) -> None:
    # `server` builds the app, which fills Dash's page registry.
    registered = {str(page["path"]) for page in dash.page_registry.values()}
    assert registered
    assert registered - {path for path, _ in STATES.values()} == set()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("state", list(STATES))
def test_no_wcag_21_a_or_aa_violations(app_through_proxy: tuple[Any, RunningServer], state: str, theme: str) -> None:
    browser, proxy = app_through_proxy
    for user in ("alice@example.com", "bob@example.com"):
        set_theme(proxy, theme, user)
    STATES[state][1](browser, proxy)
    wait_theme(browser, theme)
    violations = axe_violations(browser)
    assert violations == [], f"{state} in the {theme} theme:\n{report(violations)}"
