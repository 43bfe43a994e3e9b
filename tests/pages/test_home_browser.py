"""Selenium in headless Chromium, through the local Apps proxy, as a user would see the Home page."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from core.settings import Settings
from dashboard import create_app
from local_workspace.identities import Directory
from local_workspace.proxy import AppsProxy
from tests.conftest import RunningServer, serve_in_thread
from tests.pages.browser import switch_user

pytestmark = pytest.mark.browser


def _active(browser: Any) -> Any:
    return browser.driver.switch_to.active_element


def _press(browser: Any, key: str) -> None:
    """A key press wherever the focus is, as a keyboard user would."""
    ActionChains(browser.driver).send_keys(key).perform()


def test_home_shows_the_forwarded_user_and_live_status(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, _ = app_through_proxy
    browser.wait_for_text_to_equal("#home-user-email", "alice@example.com", timeout=15)
    browser.wait_for_text_to_equal("#home-user-display-name", "Alice Analyst", timeout=15)
    browser.wait_for_contains_text("#shell-signed-in-as", "alice@example.com")
    browser.wait_for_element('[data-integration="workspace"][data-state="up"]', timeout=15)
    assert "Reachable" in browser.find_element('[data-integration="workspace"]').text
    assert "dapi-local-alice-0001" not in browser.driver.page_source
    assert browser.get_logs() == [] or all(entry["level"] != "SEVERE" for entry in browser.get_logs())


def test_home_says_the_users_own_token_acts(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, _ = app_through_proxy
    browser.wait_for_text_to_equal("#home-user-obo", "Yes, with your forwarded token", timeout=15)


@pytest.mark.parametrize(
    ("fallback", "shown"),
    [
        (False, "No: refused — user authorization is not enabled"),
        (True, "No: the app's service principal acts for everyone (ALLOW_APP_IDENTITY_FALLBACK)"),
    ],
)
def test_home_without_user_authorization_says_who_acts(
    settings: Settings, directory: Directory, dash_br: Any, fallback: bool, shown: str
) -> None:
    """Behind a proxy that forwards no token (an app deployed without user_api_scopes)."""
    app = serve_in_thread(create_app(settings.model_copy(update={"allow_app_identity_fallback": fallback})).server)
    proxy = serve_in_thread(AppsProxy(app.url, directory, user_authorization=False))
    try:
        dash_br.server_url = proxy.url
        dash_br.wait_for_text_to_equal("#home-user-email", "alice@example.com", timeout=15)
        dash_br.wait_for_text_to_equal("#home-user-obo", shown, timeout=15)
        if fallback:
            assert not dash_br.driver.find_elements(By.CSS_SELECTOR, "#home-user .alert-danger")
        else:
            dash_br.wait_for_contains_text("#home-user .alert-danger", "USER_AUTHORIZATION_REQUIRED", timeout=15)
            assert "user_api_scopes in databricks.yml" in dash_br.find_element("#home-user .alert-danger").text
        # The app's own probes still act as the app: the warehouse answers on the status card.
        dash_br.wait_for_element('[data-integration="warehouse"][data-state="up"]', timeout=15)
    finally:
        proxy.stop()
        app.stop()


def test_switching_user_in_the_proxy_changes_who_is_shown(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    browser.wait_for_text_to_equal("#home-user-email", "alice@example.com", timeout=15)
    switch_user(browser, proxy, "bob@example.com")
    browser.wait_for_text_to_equal("#home-user-display-name", "Bob Builder", timeout=15)
    assert "dapi-local-bob-0002" not in browser.driver.page_source


def test_keyboard_navigation_with_skip_link_and_visible_focus(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, _ = app_through_proxy
    browser.wait_for_text_to_equal("#home-user-email", "alice@example.com", timeout=15)
    _press(browser, Keys.TAB)  # from a fresh page, the first Tab
    skip = _active(browser)
    assert skip.text == "Skip to main content"
    assert skip.value_of_css_property("outline-style") != "none"
    skip.send_keys(Keys.ENTER)
    assert _active(browser).get_attribute("id") == "main-content"

    # From the main landmark, Tab reaches the page's own controls, and Enter works them.
    reached = []
    for _ in range(10):
        _active(browser).send_keys(Keys.TAB)
        reached.append(_active(browser).text)
        if _active(browser).get_attribute("id") == "home-refresh":
            break
    assert _active(browser).get_attribute("id") == "home-refresh", reached
    assert _active(browser).value_of_css_property("outline-style") != "none"
    _active(browser).send_keys(Keys.ENTER)
    browser.wait_for_element('[data-integration="workspace"][data-state="up"]', timeout=15)

    # Back to the top: the navbar's links come right after the skip link.
    browser.driver.get(browser.server_url)
    browser.wait_for_text_to_equal("#home-user-email", "alice@example.com", timeout=15)
    _press(browser, Keys.TAB)
    labels = []
    for _ in range(3):
        _active(browser).send_keys(Keys.TAB)
        labels.append(_active(browser).text)
    assert "Home" in labels


def test_landmarks_and_language(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, _ = app_through_proxy
    browser.wait_for_text_to_equal("#home-user-email", "alice@example.com", timeout=15)
    driver = browser.driver
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert len(driver.find_elements(By.TAG_NAME, "main")) == 1
    assert len(driver.find_elements(By.TAG_NAME, "header")) >= 1
    assert driver.find_element(By.CSS_SELECTOR, "nav[aria-label='Main']")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Home"
    assert driver.title.startswith("Home")
