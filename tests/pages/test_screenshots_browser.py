"""Screenshot checks: every registered page, opened as Alice with default preferences, in the light and the dark
theme, compared with its reference image in tests/pages/screenshots/ (tests/pages/screenshots.py says how a
page is captured and compared). An accidental visual change fails here; `make screenshots` regenerates the
references on purpose (UPDATE_SCREENSHOTS=1; refused on CI, where a missing reference fails)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dash
import flask
import pytest
from PIL import Image, ImageDraw

from tests.conftest import RunningServer
from tests.pages import screenshots
from tests.pages.browser import open_page
from tests.pages.test_accessibility_browser import set_theme, wait_theme

REFERENCES = Path(__file__).parent / "screenshots"
THEMES = ("light", "dark")

# Content that changes from run to run, hidden before the capture (it keeps its place, the rest is compared).
MASKED = (
    "[data-integration] .card-body > span.small",  # Home: each integration's latency
    "#data-count",  # Data: "20,000 rows · N ms" (and whether the count came from the cache)
    "[id$='-computed']",  # Trips: each panel's "Computed at HH:MM:SS UTC (N ms on the warehouse)"
    "#serving-latency",  # Model Serving: the call's latency and request id, the history's times and latencies
    "#serving-result .font-monospace",
    "#serving-history td:nth-child(1)",
    "#serving-history td:nth-child(4)",
)
CHANGE_JS = """
document.getElementById('screenshot-change')?.remove();
const style = document.createElement('style');
style.id = 'screenshot-change'; style.textContent = arguments[0]; document.head.append(style);
"""


def page_paths() -> list[str]:
    """Every page the app registered (the `server` fixture builds the app, which fills the registry)."""
    return sorted(str(page["path"]) for page in dash.page_registry.values())


def reference_name(path: str, theme: str) -> str:
    """`/fare-by-hour` in the dark theme -> `fare-by-hour-dark.png`; `/` is `home`."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    return f"{slug}-{theme}.png"


def settled_page(browser: Any, proxy: RunningServer, path: str, theme: str) -> Image.Image:
    open_page(browser, proxy, path)
    wait_theme(browser, theme)
    return screenshots.capture(browser, MASKED)


def page_problem(browser: Any, proxy: RunningServer, path: str, theme: str, failures_dir: Path) -> str | None:
    """What is wrong with the page's look in that theme (None when it matches its reference)."""
    try:
        actual = settled_page(browser, proxy, path, theme)
    except TimeoutError as error:
        return f"{path} in the {theme} theme: {error}"
    return screenshots.check(actual, REFERENCES / reference_name(path, theme), failures_dir)


@pytest.fixture
def failures_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where a mismatch's images go; the checks of the check itself never update a reference."""
    monkeypatch.delenv(screenshots.UPDATE_VARIABLE, raising=False)
    return tmp_path / "screenshots"


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.browser
@pytest.mark.usefixtures("clean_lakebase")
def test_every_page_looks_as_its_reference(
    server: flask.Flask, app_through_proxy: tuple[Any, RunningServer], theme: str, tmp_path: Path
) -> None:
    browser, proxy = app_through_proxy
    set_theme(proxy, theme)
    screenshots.prepare(browser, MASKED)
    try:
        problems = [
            problem for path in page_paths() if (problem := page_problem(browser, proxy, path, theme, tmp_path))
        ]
    finally:
        screenshots.reset_viewport(browser)
    assert not problems, "\n".join(problems)


def test_every_reference_is_of_a_registered_page(server: flask.Flask) -> None:
    expected = {reference_name(path, theme) for path in page_paths() for theme in THEMES}
    assert {png.name for png in REFERENCES.glob("*.png")} - expected == set()


@pytest.mark.browser
@pytest.mark.usefixtures("clean_lakebase")
def test_a_moved_card_or_a_recoloured_navbar_fails_the_check(
    app_through_proxy: tuple[Any, RunningServer], failures_dir: Path
) -> None:
    browser, proxy = app_through_proxy
    screenshots.prepare(browser, MASKED)
    before = settled_page(browser, proxy, "/", "light")
    reference = failures_dir / "reference" / "home-light.png"
    screenshots.save_png(before, reference)
    assert screenshots.check(screenshots.capture(browser, MASKED), reference, failures_dir) is None
    changes = {
        "moved": "main .card { transform: translateX(20px) !important; }",
        "recoloured": "nav, .navbar { background: #b00020 !important; }",
    }
    for name, css in changes.items():
        browser.driver.execute_script(CHANGE_JS, css)
        after = screenshots.capture(browser, MASKED)
        comparison = screenshots.compare(after, before)
        assert not comparison.matches, name
        problem = screenshots.check(after, reference, failures_dir / name)
        assert problem is not None, name
        assert str(failures_dir / name) in problem, name
        assert {png.name for png in (failures_dir / name).glob("*.png")} == {
            "home-light.actual.png",
            "home-light.diff.png",
        }
    screenshots.reset_viewport(browser)


@pytest.mark.browser
@pytest.mark.usefixtures("clean_lakebase")
def test_masked_dynamic_content_does_not_fail_the_check(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    screenshots.prepare(browser, MASKED)
    before = settled_page(browser, proxy, "/", "light")
    latencies = browser.driver.find_elements("css selector", MASKED[0])
    assert latencies, "Home shows no latency to mask"
    browser.driver.execute_script("arguments[0].forEach(el => { el.textContent = 'Latency: 987 ms'; });", latencies)
    assert screenshots.compare(screenshots.capture(browser, MASKED), before).different_share == 0
    # The same change, not masked, is seen: the mask is what hides it.
    unmasked = screenshots.capture(browser, [selector for selector in MASKED if selector != MASKED[0]])
    assert screenshots.compare(unmasked, before).different_share > 0
    screenshots.reset_viewport(browser)


def _card(offset: int = 0, colour: str = "#1b3139") -> Image.Image:
    image = Image.new("RGB", (200, 100), "white")
    ImageDraw.Draw(image).rectangle((20 + offset, 20, 80 + offset, 60), fill=colour)
    return image


def test_the_comparison_counts_pixels_beyond_the_channel_threshold() -> None:
    assert screenshots.compare(_card(), _card()).different_share == 0
    slightly = Image.eval(_card(), lambda value: max(value - screenshots.CHANNEL_THRESHOLD, 0))
    assert screenshots.compare(slightly, _card()).different_share == 0  # anti-aliasing noise is ignored
    moved = screenshots.compare(_card(offset=20), _card())
    assert moved.different_share == pytest.approx(2 * 20 * 41 / (200 * 100))  # two 20 x 41 strips
    assert not moved.matches
    resized = screenshots.compare(_card().crop((0, 0, 200, 90)), _card())
    assert not resized.matches
    assert resized.size_note == "size 200x90 instead of 200x100"


def test_a_missing_reference_fails_with_the_command_and_is_written_only_when_updating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = tmp_path / "references" / "home-light.png"
    monkeypatch.delenv(screenshots.UPDATE_VARIABLE, raising=False)
    monkeypatch.delenv("CI", raising=False)
    problem = screenshots.check(_card(), reference, tmp_path / "failures")
    assert problem is not None
    assert screenshots.UPDATE_COMMAND in problem
    assert not reference.exists()
    monkeypatch.setenv(screenshots.UPDATE_VARIABLE, "1")
    monkeypatch.setenv("CI", "true")
    assert screenshots.check(_card(), reference, tmp_path / "failures") is not None
    assert not reference.exists()
    monkeypatch.delenv("CI")
    assert screenshots.check(_card(), reference, tmp_path / "failures") is None
    assert reference.exists()
    monkeypatch.delenv(screenshots.UPDATE_VARIABLE)
    assert screenshots.check(_card(), reference, tmp_path / "failures") is None
    assert screenshots.check(_card(offset=20), reference, tmp_path / "failures") is not None
    assert (tmp_path / "failures" / "home-light.diff.png").exists()
