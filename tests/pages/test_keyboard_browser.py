"""Each page's main task with the keyboard alone, the focus visible at every stop: choose a table and page
it; change the theme; invoke a model."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from tests.conftest import RunningServer
from tests.pages.browser import open_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]


def active(browser: Any) -> Any:
    return browser.driver.switch_to.active_element


def press(browser: Any, *keys: str) -> None:
    """Keys pressed wherever the focus is, as a keyboard user would."""
    ActionChains(browser.driver).send_keys(*keys).perform()


def focus_is_visible(element: Any) -> bool:
    return element.value_of_css_property("outline-style") not in ("none", "") and (
        element.value_of_css_property("outline-width") not in ("0px", "")
    )


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


def by_id(element_id: str) -> Any:
    return lambda element: element.get_attribute("id") == element_id


def skip_to_main(browser: Any) -> None:
    press(browser, Keys.TAB)
    assert active(browser).text == "Skip to main content"
    press(browser, Keys.ENTER)
    assert active(browser).get_attribute("id") == "main-content"


def test_choose_a_table_and_page_it(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/data")
    browser.wait_for_contains_text("#data-status", "Rows 1–100", timeout=20)
    skip_to_main(browser)
    tab_to(browser, by_id("data-schema"))
    press(browser, Keys.ARROW_DOWN)  # nyctaxi → tpch
    WebDriverWait(browser.driver, 15).until(
        lambda _: Select(browser.find_element("#data-schema")).first_selected_option.text == "tpch"
    )
    WebDriverWait(browser.driver, 15).until(
        lambda _: Select(browser.find_element("#data-table")).first_selected_option.text in ("customer", "orders")
    )
    browser.wait_for_contains_text("#data-status", "Rows 1–100", timeout=20)
    tab_to(browser, by_id("data-next"))
    press(browser, Keys.ENTER)
    browser.wait_for_contains_text("#data-status", "Rows 101–200", timeout=15)
    assert "tpch" in browser.find_element("#data-details").text or browser.find_element("#data-details").text


def test_change_the_theme(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/preferences")
    browser.wait_for_element("#prefs-theme input[value='light']:checked", timeout=15)
    skip_to_main(browser)
    tab_to(browser, by_id("_dbcprivate_radioitems_prefs-theme_input_dark"))
    press(browser, Keys.SPACE)
    WebDriverWait(browser.driver, 15).until(
        lambda _: browser.driver.find_element("tag name", "html").get_attribute("data-bs-theme") == "dark"
    )
    browser.wait_for_contains_text("#prefs-feedback", "Theme saved: dark", timeout=15)


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
