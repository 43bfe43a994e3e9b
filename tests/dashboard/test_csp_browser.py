"""Every page, and the API docs, in headless Chromium under the app's Content-Security-Policy: each renders,
its callbacks run (server-side and clientside, Plotly charts included), and the browser reports no violation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from tests.conftest import RunningServer
from tests.pages.browser import click, open_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]

# Installed before any script of each new document runs, so a violation during the first render counts too.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.cspViolations.push(
    e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' from ' + e.sourceFile + ': ' + e.sample);
});
"""


def _home(browser: Any) -> None:
    browser.wait_for_text_to_equal("#home-user-email", "alice@example.com", timeout=15)
    browser.wait_for_element('[data-integration="workspace"][data-state="up"]', timeout=15)


def _data(browser: Any) -> None:
    browser.wait_for_element("#data-grid .ag-row[row-index='0'] .ag-cell[col-id='fare_amount']", timeout=20)
    browser.wait_for_contains_text("#data-count", " rows · ", timeout=20)
    click(browser, browser.find_element("#data-grid .ag-header-cell[col-id='fare_amount'] .ag-header-cell-label"))
    Select(browser.find_element("#data-chart-group-by")).select_by_value("dropoff_zip")
    click(browser, browser.find_element("#data-chart-run"))
    browser.wait_for_element("#data-chart-figure .js-plotly-plot .main-svg", timeout=20)


def _model_serving(browser: Any) -> None:
    browser.wait_for_element("label[for='_dbcprivate_radioitems_serving-endpoint_input_taxi-fare']", timeout=15).click()
    browser.wait_for_contains_text("#serving-endpoint-details", "samples.models.taxi_fare", timeout=15)


def _fares(browser: Any) -> None:
    browser.wait_for_contains_text("#fares-chart figcaption", "trips of 0 miles or more", timeout=20)
    browser.wait_for_element("#fares-chart .js-plotly-plot .main-svg", timeout=20)


def _preferences(browser: Any) -> None:
    browser.wait_for_element("#prefs-theme input[value='dark']", timeout=15)
    click(browser, browser.driver.find_element(By.CSS_SELECTOR, "#prefs-theme input[value='dark']"))
    # The shell's clientside callback (an inline script, allowed by its hash) sets the colour mode.
    browser.wait_for_element("html[data-bs-theme='dark']", timeout=15)


def _docs(browser: Any) -> None:
    # Swagger UI fetched /openapi.json and drew an operation for each route.
    browser.wait_for_element("#swagger-ui .opblock-summary-path", timeout=20)
    assert "/api/user/me" in browser.find_element("#swagger-ui").text


PAGES: list[tuple[str, str, Callable[[Any], None]]] = [
    ("/", "#react-entry-point", _home),
    ("/data?table=samples.nyctaxi.trips&sort=fare_amount.desc", "#react-entry-point", _data),
    ("/model-serving", "#react-entry-point", _model_serving),
    ("/fares", "#react-entry-point", _fares),
    ("/preferences", "#react-entry-point", _preferences),
    ("/docs/swagger", "#swagger-ui", _docs),
]


def test_every_page_works_under_the_content_security_policy(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    driver = browser.driver
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    for path, root, works in PAGES:
        driver.get(f"{proxy.url}{path}")
        browser.wait_for_element(root, timeout=15)
        assert driver.execute_script("return Array.isArray(window.cspViolations)"), "no recorder"
        works(browser)
        assert driver.execute_script("return window.cspViolations") == [], path
        console = [entry["message"] for entry in driver.get_log("browser")]
        assert not [m for m in console if "Content Security Policy" in m or "Content-Security-Policy" in m], console


def test_the_policy_really_blocks_an_injected_inline_script(app_through_proxy: tuple[Any, RunningServer]) -> None:
    # The proof the test above can fail: a script Dash did not write is refused, and reported.
    browser, proxy = app_through_proxy
    driver = browser.driver
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    open_page(browser, proxy, "/")
    browser.wait_for_text_to_equal("#home-user-email", "alice@example.com", timeout=15)
    driver.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.injected = true;';"
        " document.body.appendChild(s);"
    )
    browser.wait_for_element("body", timeout=2)
    assert driver.execute_script("return window.injected === undefined")
    violations = driver.execute_script("return window.cspViolations")
    assert violations
    assert violations[0].startswith("script-src")
