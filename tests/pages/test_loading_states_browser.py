"""Loading states in headless Chromium: with the local warehouse slowed, a skeleton of the right shape shows
where a query's answer will go, its region is aria-busy, and the answer takes the skeleton's place without
moving the page (the area's height changes by a few pixels at most)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from local_workspace.lakebase import LocalLakebase
from local_workspace.warehouse import LocalWarehouse
from services import analytics, workspace
from tests.dashboard.test_lazy_grid_browser import shows_rows
from tests.pages.browser import click, waiting

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]

HEIGHT_JS = "return document.querySelector(arguments[0]).getBoundingClientRect().height;"
# The skeleton shown in a region, if one is displayed: its kind, aria-busy, and what a screen reader hears.
SKELETON_JS = """
const shown = [...document.querySelectorAll(arguments[0] + ' [data-skeleton]')]
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility === 'visible');
if (!shown.length) return null;
const el = shown[0];
return {kind: el.dataset.skeleton, busy: el.getAttribute('aria-busy'), text: el.innerText.trim(),
        hidden: el.querySelector('.skeleton-shapes').getAttribute('aria-hidden'),
        height: el.getBoundingClientRect().height};
"""
# A dcc.Loading's outermost div, around the element that a callback fills.
AREA = "document.querySelector(arguments[0]).parentElement.parentElement"
AREA_HEIGHT_JS = f"return {AREA}.getBoundingClientRect().height;"
TOLERANCE_PX = 3


def _skeleton(browser: Any, region: str) -> dict[str, Any] | None:
    shown: dict[str, Any] | None = browser.driver.execute_script(SKELETON_JS, region)
    return shown


def _wait_skeleton(browser: Any, region: str, seconds: float = 10) -> dict[str, Any]:
    found: dict[str, Any] = waiting(browser, seconds).until(lambda _: _skeleton(browser, region))
    return found


@pytest.fixture
def slow_warehouse(
    local_warehouse: LocalWarehouse, local_lakebase: LocalLakebase, monkeypatch: pytest.MonkeyPatch
) -> Callable[[float], None]:
    """Make every statement take at least n seconds, with no cached answer to skip it."""

    def slow(seconds: float) -> None:
        analytics.clear_caches()
        with local_lakebase.admin_connection(local_lakebase.database) as admin:
            admin.execute("TRUNCATE query_cache")
        monkeypatch.setattr(local_warehouse, "min_statement_seconds", seconds)

    return slow


def test_the_data_grid_shows_its_skeleton_while_a_page_loads(
    page_as: Callable[..., Any], slow_warehouse: Callable[[float], None]
) -> None:
    browser = page_as("/data?table=samples.nyctaxi.trips")
    shows_rows(browser)  # loaded: a row still loading has its cells, empty (the pager does not move then)
    before = browser.driver.execute_script(AREA_HEIGHT_JS, "#data-grid-box")
    slow_warehouse(4.0)
    click(browser, browser.find_element("#data-grid .ag-paging-button[aria-label='Next Page']"))
    shown = _wait_skeleton(browser, "main")
    assert (shown["kind"], shown["busy"], shown["hidden"]) == ("grid", "true", "true")
    assert shown["text"] == "Loading the rows…"  # the visually hidden status, the shapes say nothing
    during = browser.driver.execute_script(AREA_HEIGHT_JS, "#data-grid-box")
    assert browser.find_element("#data-cancel").is_displayed()  # the running notice sits over the skeleton
    browser.wait_for_contains_text("#data-grid .ag-paging-panel", "Page 2 of", timeout=20)
    waiting(browser, 10).until(lambda _: _skeleton(browser, "main") is None)
    after = browser.driver.execute_script(AREA_HEIGHT_JS, "#data-grid-box")
    print(f"data grid area height: before {before}, loading {during}, after {after}")
    assert max(abs(during - after), abs(before - after)) <= TOLERANCE_PX


def test_a_trips_panel_shows_its_skeleton_until_its_chart_is_drawn(
    page_as: Callable[..., Any], slow_warehouse: Callable[[float], None]
) -> None:
    slow_warehouse(3.0)
    browser = page_as("/trips")
    for panel, kind in (("hours", "chart"), ("kpis", "kpi")):
        shown = _wait_skeleton(browser, f"#trips-{panel}")
        assert (shown["kind"], shown["busy"], shown["hidden"]) == (kind, "true", "true")
    assert _skeleton(browser, "#trips-hours")["text"] == "Loading Trips by hour of day…"  # type: ignore[index]
    during = {p: browser.driver.execute_script(HEIGHT_JS, f"#trips-{p}") for p in ("hours", "kpis")}
    during_area = browser.driver.execute_script(AREA_HEIGHT_JS, "#trips-hours-body")
    for panel in ("hours", "kpis"):
        browser.wait_for_contains_text(f"#trips-{panel}-computed", "Computed at", timeout=30)
    waiting(browser, 5).until(lambda _: _skeleton(browser, "#trips-hours") is None)
    browser.wait_for_element("#trips-hours-graph .js-plotly-plot g.point", timeout=10)
    after = {p: browser.driver.execute_script(HEIGHT_JS, f"#trips-{p}") for p in ("hours", "kpis")}
    after_area = browser.driver.execute_script(AREA_HEIGHT_JS, "#trips-hours-body")
    print(f"trips panel heights: loading {during} area {during_area}, after {after} area {after_area}")
    assert abs(during_area - after_area) <= TOLERANCE_PX
    assert all(abs(during[p] - after[p]) <= TOLERANCE_PX for p in during)


@pytest.mark.parametrize(
    ("path", "region", "kind", "done"),
    [
        ("/", "#home-status", "cards", '[data-integration="warehouse"]'),
        ("/fares", "#fares-chart", "chart", "#fares-chart .js-plotly-plot"),
        ("/fare-by-hour", "#fbh-chart", "chart", "#fbh-chart .js-plotly-plot"),
    ],
)
def test_a_chart_or_status_cards_show_their_skeleton_first(
    page_as: Callable[..., Any], slow_warehouse: Callable[[float], None], path: str, region: str, kind: str, done: str
) -> None:
    slow_warehouse(2.5)
    browser = page_as(path)
    # A chart's skeleton covers it from outside its region (dcc.Loading's overlay); the cards' is inside.
    shown = _wait_skeleton(browser, region if kind == "cards" else "main")
    assert (shown["kind"], shown["busy"]) == (kind, "true")
    during = shown["height"]
    browser.wait_for_element(done, timeout=30)
    waiting(browser, 5).until(lambda _: _skeleton(browser, "main") is None)
    after = browser.driver.execute_script(HEIGHT_JS, region)
    print(f"{path}: skeleton {during}, content {after}")
    assert abs(during - after) <= TOLERANCE_PX


def test_the_identity_card_shows_its_skeleton_while_the_workspace_answers(
    page_as: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = workspace.get_current_user

    def slow_answer(**arguments: Any) -> Any:
        time.sleep(2)  # the workspace's SCIM Me, slow
        return answer(**arguments)

    monkeypatch.setattr(workspace, "get_current_user", slow_answer)
    browser = page_as("/")
    shown = _wait_skeleton(browser, "#home-user")
    assert (shown["kind"], shown["busy"], shown["text"]) == ("card", "true", "Loading your identity…")
    browser.wait_for_element("#home-user-groups", timeout=15)
    after = browser.driver.execute_script(HEIGHT_JS, "#home-user")
    print(f"identity card: skeleton {shown['height']}, content {after}")
    assert abs(shown["height"] - after) <= TOLERANCE_PX


@pytest.mark.usefixtures("stopped_warehouse")
def test_a_failed_chart_replaces_its_skeleton_with_the_error_banner(page_as: Callable[..., Any]) -> None:
    browser = page_as("/fare-by-hour")
    browser.wait_for_contains_text("#fbh-chart .alert-danger", "DATABASE_UNAVAILABLE", timeout=30)
    waiting(browser, 5).until(lambda _: _skeleton(browser, "main") is None)  # nothing left busy
