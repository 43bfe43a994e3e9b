"""What the Selenium tests do as a user would: click, type, sign in as someone else."""

from __future__ import annotations

from typing import Any

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.wait import WebDriverWait

from tests.conftest import RunningServer


def waiting(browser: Any, seconds: float = 15) -> WebDriverWait:
    """A wait whose condition is asked again when an element it read was re-rendered meanwhile (React
    replaces nodes after a callback answers: a stale element is a reason to look again, not a failure)."""
    return WebDriverWait(browser.driver, seconds, ignored_exceptions=(StaleElementReferenceException,))


def click(browser: Any, element: Any) -> None:
    """Scroll the element to the middle of the window, then click it.

    Bootstrap scrolls smoothly; jumping instead makes the click land where the element is."""
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
    element.click()


def type_into(element: Any, text: str) -> None:
    """Replace a controlled input's text with keystrokes (clear() bypasses React's change events)."""
    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(Keys.DELETE)
    element.send_keys(text)


def open_page(browser: Any, proxy: RunningServer, path: str) -> None:
    """Load a page of the app through the proxy and wait for Dash to render."""
    browser.driver.get(f"{proxy.url}{path}")
    browser.wait_for_element("#react-entry-point", timeout=15)


def switch_user(browser: Any, proxy: RunningServer, user_name: str) -> None:
    """Sign in as another local user at the proxy's page, then wait until Home shows them."""
    browser.driver.get(f"{proxy.url}/.local/users")
    browser.driver.find_element(By.CSS_SELECTOR, f'input[value="{user_name}"]').click()
    browser.driver.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    browser.wait_for_text_to_equal("#home-user-email", user_name, timeout=15)
