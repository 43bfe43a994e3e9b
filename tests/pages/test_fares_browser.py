"""The worked example page of README's "Add a page": a control, a service call, a chart."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.conftest import RunningServer
from tests.pages.browser import open_page, type_into

pytestmark = pytest.mark.browser


def test_the_example_page_is_in_the_navbar_and_charts_what_the_warehouse_answers(
    app_through_proxy: tuple[Any, RunningServer],
) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/")
    browser.driver.find_element(By.LINK_TEXT, "Fares").click()
    browser.wait_for_contains_text("#fares-chart figcaption", "trips of 0 miles or more", timeout=20)
    everywhere = int(browser.find_element("#fares-chart figcaption").text.split()[3])
    assert everywhere > 100
    type_into(browser.find_element("#fares-min-distance"), "19")
    browser.find_element("#fares-min-distance").send_keys("\n")
    browser.wait_for_contains_text("#fares-chart figcaption", "trips of 19 miles or more", timeout=20)
    assert int(browser.find_element("#fares-chart figcaption").text.split()[3]) < everywhere
