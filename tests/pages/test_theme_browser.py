"""The DuBois theme in headless Chromium: the page's computed colours, type and shapes are DuBois' tokens in the
light and the dark mode; the shell is laid out as Databricks' UI (a compact top bar, a side navigation on the left
marking the current page) and folds the navigation above the page on a narrow window, where axe still finds
nothing against WCAG 2.1 A/AA."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from components.theme import MODES, PALETTES, Mode
from tests.conftest import RunningServer
from tests.pages.browser import click, open_page, waiting
from tests.pages.test_accessibility_browser import axe_violations, report, set_theme, wait_theme

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]

STYLE_JS = """
const style = getComputedStyle(document.querySelector(arguments[0]));
return Object.fromEntries(arguments[1].map(name => [name, style.getPropertyValue(name)]));
"""
RECT_JS = "const r = document.querySelector(arguments[0]).getBoundingClientRect(); return [r.x, r.y, r.right, r.bottom]"
CURRENT_JS = "return [...document.querySelectorAll('#shell-nav a[aria-current=\"page\"]')].map(a => a.textContent);"


def rgb(hex_colour: str) -> str:
    """A #rrggbb colour as the browser's computed style writes it."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def style(browser: Any, selector: str, *names: str) -> dict[str, str]:
    found: dict[str, str] = browser.driver.execute_script(STYLE_JS, selector, list(names))
    return found


def eased_to(browser: Any, selector: str, expected: dict[str, str]) -> None:
    """Wait for an element's style to be `expected`: Bootstrap eases a control's colours in over 0.15 s after the
    mode is set."""
    message = f"{selector} never had {expected}"
    waiting(browser, 5).until(lambda _: style(browser, selector, *expected) == expected, message)


def rect(browser: Any, selector: str) -> list[float]:
    found: list[float] = browser.driver.execute_script(RECT_JS, selector)
    return found


def home(browser: Any, proxy: RunningServer, mode: Mode) -> None:
    set_theme(proxy, mode)
    open_page(browser, proxy, "/")
    wait_theme(browser, mode)
    browser.wait_for_element('[data-integration="workspace"] .badge', timeout=20)


@pytest.fixture
def narrow_window(app_through_proxy: tuple[Any, RunningServer]) -> Iterator[tuple[Any, RunningServer]]:
    """The browser at 700 px wide (a tablet held upright), back to its size after the test."""
    browser, proxy = app_through_proxy
    size = browser.driver.get_window_size()
    browser.driver.set_window_size(700, 1000)
    yield browser, proxy
    browser.driver.set_window_size(size["width"], size["height"])


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_the_page_wears_the_dubois_tokens(app_through_proxy: tuple[Any, RunningServer], mode: Mode) -> None:
    browser, proxy = app_through_proxy
    palette = PALETTES[mode]
    home(browser, proxy, mode)

    body = style(browser, "body", "font-family", "color", "font-size")
    assert body["font-family"].startswith('"DM Sans"'), body
    assert body["color"] == rgb(palette.text)
    # The chrome on DuBois' secondary background, the page in a panel on the primary one, bordered, 8px corners.
    assert style(browser, ".app-shell", "background-color")["background-color"] == rgb(palette.background_secondary)
    panel = style(browser, "#main-content", "background-color", "border-top-color", "border-top-left-radius")
    assert panel == {
        "background-color": rgb(palette.background),
        "border-top-color": rgb(palette.border),
        "border-top-left-radius": "8px",
    }
    card = style(browser, "#home-status .card", "border-top-color", "border-top-left-radius")
    assert card == {"border-top-color": rgb(palette.border), "border-top-left-radius": "8px"}
    # A tag: 20px high, 12px text in normal weight, 4px corners, DuBois' lime text for "Reachable".
    tag = style(browser, '[data-integration="workspace"] .badge', "height", "font-size", "font-weight", "color")
    assert (tag["height"], tag["font-size"], tag["font-weight"]) == ("20px", "12px", "400")
    assert tag["color"] == rgb("#203c25" if mode == "light" else "#c2f0c2")
    # A DuBois default button, small: 24px, 13px text, 4px corners, the text colour on a neutral border.
    button = {"height": "24px", "font-size": "13px", "border-top-left-radius": "4px", "color": rgb(palette.text)}
    eased_to(browser, "#home-refresh", button)
    eased_to(browser, "#shell-nav a[aria-current='page']", {"color": rgb(palette.text)})


def test_databricks_layout_a_compact_top_bar_and_a_side_navigation_marking_the_page(
    app_through_proxy: tuple[Any, RunningServer],
) -> None:
    browser, proxy = app_through_proxy
    home(browser, proxy, "light")
    top, nav, main = rect(browser, "header.app-topbar"), rect(browser, "#shell-nav"), rect(browser, "main")
    assert top[3] - top[1] <= 56  # compact: one 48px row
    assert nav[2] <= main[0]  # the navigation left of the page,
    assert nav[1] >= top[3] - 1  # under the top bar
    assert browser.driver.execute_script(CURRENT_JS) == ["Home"]
    assert browser.find_element("#shell-nav a[aria-current='page']").get_attribute("class").count("active") == 1

    # A move to another page is made in the page (no reload) and the mark follows it.
    browser.driver.execute_script("window.notReloaded = true;")
    click(browser, browser.driver.find_element("link text", "Data"))
    waiting(browser, 15).until(lambda _: browser.driver.execute_script(CURRENT_JS) == ["Data"])
    assert browser.driver.current_url.endswith("/data")
    assert browser.driver.execute_script("return window.notReloaded === true;")


def test_on_a_narrow_window_the_navigation_folds_above_the_page(narrow_window: tuple[Any, RunningServer]) -> None:
    browser, proxy = narrow_window
    for mode in ("light", "dark"):
        home(browser, proxy, mode)
        nav, main = rect(browser, "#shell-nav"), rect(browser, "main")
        assert nav[3] <= main[1] + 1, (nav, main)  # above the page, not beside it
        width = browser.driver.execute_script("return document.documentElement.clientWidth;")
        links = browser.driver.find_elements("css selector", "#shell-nav a.nav-link")
        assert len(links) >= 5
        for link in links:  # every link shown in full, none pushed off the side
            assert link.is_displayed()
            assert link.rect["x"] >= 0
            assert link.rect["x"] + link.rect["width"] <= width, link.text
        assert browser.driver.execute_script("return document.documentElement.scrollWidth;") <= width
        violations = axe_violations(browser)
        assert violations == [], f"narrow Home in the {mode} theme:\n{report(violations)}"


def css_colour(colour: str) -> str:
    """A token's colour as the browser's computed style writes it (rgba() ones are written as they are)."""
    return colour if colour.startswith("rgba") else rgb(colour)


@pytest.mark.usefixtures("stopped_warehouse")
def test_an_error_banner_is_a_dubois_alert_in_both_modes(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    banner = "#fbh-chart .alert-danger"
    for mode in MODES:
        palette = PALETTES[mode]
        set_theme(proxy, mode)
        open_page(browser, proxy, "/fare-by-hour")
        wait_theme(browser, mode)
        browser.wait_for_contains_text(banner, "DATABASE_UNAVAILABLE", timeout=30)
        shown = style(browser, banner, "color", "background-color", "border-top-color", "border-top-left-radius")
        assert shown == {
            "color": rgb(palette.danger),
            "background-color": css_colour(palette.danger_background),
            "border-top-color": rgb(palette.danger_border),
            "border-top-left-radius": "4px",
        }
        assert style(browser, banner, "font-size", "line-height") == {"font-size": "13px", "line-height": "20px"}
        violations = axe_violations(browser)
        assert violations == [], f"the error banner in the {mode} theme:\n{report(violations)}"
