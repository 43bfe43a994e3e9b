"""The Preferences page in headless Chromium, through the local Apps proxy."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from tests.conftest import RunningServer
from tests.pages.browser import click, open_page, switch_user, type_into, waiting

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]


def _theme(browser: Any) -> str:
    return str(browser.driver.find_element(By.TAG_NAME, "html").get_attribute("data-bs-theme"))


def _wait_theme(browser: Any, mode: str) -> None:
    """Until the page shows `mode` (on <html>, where Bootstrap reads it) after the user's theme was loaded."""
    waiting(browser, 15).until(
        lambda _: (
            _theme(browser) == mode and f"theme-{mode}" in str(browser.find_element("main").get_attribute("class"))
        )
    )


def test_dark_theme_is_applied_at_once_remembered_and_personal(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/preferences")
    browser.wait_for_element("#prefs-theme input[value='light']:checked", timeout=15)
    _wait_theme(browser, "light")
    browser.driver.find_element(By.CSS_SELECTOR, "label[for='_dbcprivate_radioitems_prefs-theme_input_dark']").click()
    _wait_theme(browser, "dark")
    browser.wait_for_contains_text("#prefs-feedback", "Theme saved: dark", timeout=15)

    open_page(browser, proxy, "/preferences")
    _wait_theme(browser, "dark")
    open_page(browser, proxy, "/")
    _wait_theme(browser, "dark")

    switch_user(browser, proxy, "bob@example.com")
    _wait_theme(browser, "light")


def test_invalid_json_is_explained_inline_and_nothing_is_saved(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/preferences")
    browser.wait_for_text_to_equal("#prefs-json", "{}", timeout=15)
    editor = browser.find_element("#prefs-json")
    type_into(editor, '{"theme": {"mode": "purple"}}')
    click(browser, browser.find_element("#prefs-save-json"))
    browser.wait_for_contains_text("#prefs-json-feedback", "Invalid theme: mode", timeout=15)
    assert "is-invalid" in str(editor.get_attribute("class"))
    type_into(editor, '{"theme": ')
    click(browser, browser.find_element("#prefs-save-json"))
    browser.wait_for_contains_text("#prefs-json-feedback", "Not valid JSON", timeout=15)
    stored = requests.get(f"{proxy.url}/api/preferences", timeout=10).json()
    assert stored == []


def test_favorites_can_be_removed(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    saved = requests.post(
        f"{proxy.url}/api/preferences",
        json={
            "preference_key": "favorite_tables",
            "preference_value": {"tables": ["samples.nyctaxi.trips", "samples.tpch.orders"]},
        },
        timeout=10,
    )
    assert saved.status_code == 200
    open_page(browser, proxy, "/preferences")
    browser.wait_for_contains_text("#prefs-favorites", "samples.tpch.orders", timeout=15)
    click(
        browser, browser.driver.find_element(By.XPATH, "//button[contains(., 'samples.nyctaxi.trips from favorites')]")
    )
    browser.wait_for_contains_text("#prefs-feedback", "Removed samples.nyctaxi.trips", timeout=15)
    browser.wait_for_text_to_equal("#prefs-favorites li span", "samples.tpch.orders", timeout=15)
    stored = requests.get(f"{proxy.url}/api/preferences?preference_key=favorite_tables", timeout=10).json()
    assert stored[0]["preference_value"] == {"tables": ["samples.tpch.orders"]}


def test_layout_is_saved_and_the_default_page_opens_first(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/preferences")
    browser.wait_for_element("#prefs-default-page", timeout=15)
    Select(browser.find_element("#prefs-default-page")).select_by_visible_text("Preferences")
    Select(browser.find_element("#prefs-page-size")).select_by_visible_text("250")
    click(browser, browser.find_element("#prefs-save-layout"))
    browser.wait_for_contains_text("#prefs-feedback", "Dashboard layout saved", timeout=15)
    stored = requests.get(f"{proxy.url}/api/preferences?preference_key=dashboard_layout", timeout=10).json()
    assert stored[0]["preference_value"]["default_page"] == "/preferences"
    assert stored[0]["preference_value"]["page_size"] == 250
    open_page(browser, proxy, "/")
    browser.wait_for_element("#prefs-theme", timeout=15)  # opened on Preferences instead of Home
