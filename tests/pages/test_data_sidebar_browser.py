"""The Data page's catalog sidebar and breadcrumbs: the builders' output, the callbacks called as plain functions
(as Alice or Bob, against the real local workspace and Lakebase), then in Chromium."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import flask
import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from components.catalog_sidebar import breadcrumb_items, saved_list, table_href, tree_branches, view_href
from core.identity import UserIdentity
from core.request_context import user_var
from core.settings import Settings
from local_workspace.lakebase import LocalLakebase
from pages.data_sidebar import IDS
from services import catalog, preferences, saved_views
from tests.component_text import texts_of
from tests.conftest import RunningServer
from tests.pages.browser import click, open_page, type_into, waiting
from tests.pages.test_accessibility_browser import axe_violations, report, set_theme, wait_theme
from tests.pages.test_keyboard_browser import active, press, tab_to

ALICE = UserIdentity("alice@example.com", "alice@example.com", "alice", None, access_token="dapi-local-alice-0001")
BOB = UserIdentity("bob@example.com", "bob@example.com", "bob", None, access_token="dapi-local-bob-0002")
TRIPS = "samples.nyctaxi.trips"
QUERY = "table=samples.nyctaxi.trips&limit=25"


def _hrefs(component: Any) -> list[str]:
    """Every link target in a component tree, in order."""
    if isinstance(component, list | tuple):
        return [href for child in component for href in _hrefs(child)]
    own = [component.href] if getattr(component, "href", None) else []
    children = getattr(component, "children", None)
    return own + (_hrefs(children) if children is not None and not isinstance(children, str) else [])


@pytest.fixture
def no_views(local_lakebase: LocalLakebase, clean_lakebase: Any, settings: Settings) -> Settings:
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        admin.execute("TRUNCATE saved_views RESTART IDENTITY")
    return settings


@pytest.fixture
def as_user(server: flask.Flask, no_views: Settings) -> Callable[..., Any]:
    """Run the sidebar's callbacks as a user inside the app; `triggered` is the id (and value) that fired."""
    sidebar = importlib.import_module("pages.data_sidebar")

    def run(who: UserIdentity, name: str, *args: Any, triggered: Any = None, value: Any = 1) -> Any:
        signed_in = user_var.set(who)
        prop = f"{json.dumps(triggered) if isinstance(triggered, dict) else triggered}.n_clicks"
        fired = context_value.set(
            AttributeDict(triggered_inputs=[{"prop_id": prop, "value": value}] if triggered else [])
        )
        try:
            with server.app_context():
                return getattr(sidebar, name)(*args)
        finally:
            context_value.reset(fired)
            user_var.reset(signed_in)

    return run


@pytest.fixture
def sidebar() -> ModuleType:
    return importlib.import_module("pages.data_sidebar")


# Builders


def test_links_encode_the_table_and_keep_the_saved_query_as_is() -> None:
    assert table_href("samples.nyctaxi.trips") == "/data?table=samples.nyctaxi.trips"
    assert table_href("a-b.c_d.e f") == "/data?table=a-b.c_d.e+f"
    assert view_href(QUERY) == f"/data?{QUERY}"


def test_breadcrumbs_end_at_the_table_as_the_current_page() -> None:
    items = breadcrumb_items(TRIPS)
    assert texts_of(items) == ["Data", "samples", "nyctaxi", "trips"]
    assert [getattr(i, "aria-current", None) for i in items] == [None, None, None, "page"]
    assert _hrefs(items) == ["/data"]
    only = breadcrumb_items(None)
    assert texts_of(only) == ["Data"]
    assert getattr(only[0], "aria-current") == "page"


def test_tree_nodes_are_collapsed_buttons_with_an_empty_hidden_branch() -> None:
    (node,) = tree_branches("samples", ["nyctaxi"], toggle_type="t", branch_type="b", kind="schema")
    button, branch = node.children
    assert button.id == {"type": "t", "node": "samples.nyctaxi"}
    assert getattr(button, "aria-expanded") == "false"
    assert texts_of(button) == ["nyctaxi", " schema"]
    assert (branch.id, branch.hidden, branch.children) == ({"type": "b", "node": "samples.nyctaxi"}, True, None)


def test_each_saved_view_links_to_its_query_with_distinctly_named_buttons() -> None:
    listed = saved_list([{"id": 7, "name": "Long trips", "query": QUERY}], rename_type="r", delete_type="d")
    assert _hrefs(listed) == [f"/data?{QUERY}"]
    assert texts_of(listed) == ["Long trips", "Rename", " the view Long trips", "Delete", " the view Long trips"]
    assert "No saved views" in texts_of(saved_list([], rename_type="r", delete_type="d"))[0]


# Callbacks, as plain functions


def test_the_tree_lists_catalogs_then_schemas_then_tables_as_links(as_user: Callable[..., Any], sidebar: Any) -> None:
    roots = as_user(ALICE, "show_catalogs", True)
    assert [r.children[0].id["node"] for r in roots] == ["samples"]
    toggle = {"type": sidebar.IDS.toggle, "node": "samples"}
    schemas, hidden, expanded = as_user(ALICE, "toggle_node", 1, "false", None, triggered=toggle)
    assert (hidden, expanded) == (False, "true")
    assert [s.children[0].id["node"] for s in schemas] == ["samples.nyctaxi", "samples.tpch"]
    toggle = {"type": sidebar.IDS.toggle, "node": "samples.tpch"}
    tables, hidden, expanded = as_user(ALICE, "toggle_node", 1, "false", None, triggered=toggle)
    assert _hrefs(tables) == ["/data?table=samples.tpch.customer", "/data?table=samples.tpch.orders"]
    # Collapsing keeps what was listed; expanding again lists nothing anew.
    assert as_user(ALICE, "toggle_node", 2, "true", tables, triggered=toggle)[1:] == (True, "false")
    assert as_user(ALICE, "toggle_node", 3, "false", tables, triggered=toggle)[1:] == (False, "true")


def test_bob_sees_only_what_unity_catalog_shows_him(as_user: Callable[..., Any], sidebar: Any) -> None:
    toggle = {"type": sidebar.IDS.toggle, "node": "samples.tpch"}
    tables, *_ = as_user(BOB, "toggle_node", 1, "false", None, triggered=toggle)
    assert _hrefs(tables) == ["/data?table=samples.tpch.orders"]  # BROWSE only: listed; customer is hidden
    found = as_user(BOB, "search", "tpch")
    assert _hrefs(found) == []  # search lists what he may read (table summaries need SELECT)
    assert "No table matches “tpch”." in texts_of(found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trips", [TRIPS]),
        ("TRIPS", [TRIPS]),
        ("ord", ["samples.tpch.orders"]),
        ("tpch", ["samples.tpch.customer", "samples.tpch.orders"]),
        ("nyctaxi.tr", [TRIPS]),
        ("es.nyc", [TRIPS]),
        ("samples.tpch.c", ["samples.tpch.customer"]),
        ("samples", [TRIPS, "samples.tpch.customer", "samples.tpch.orders"]),
        ("nothing_like_it", []),
    ],
)
def test_search_finds_tables_whose_full_name_holds_the_text(
    as_user: Callable[..., Any], text: str, expected: list[str]
) -> None:
    found = as_user(ALICE, "search", text)
    assert _hrefs(found) == [table_href(name) for name in expected]


def test_a_search_with_characters_no_name_has_is_refused_in_the_seeds_shape(as_user: Callable[..., Any]) -> None:
    assert "(INVALID_INPUT)" in texts_of(as_user(ALICE, "search", "trips'; drop"))
    assert as_user(ALICE, "search", "   ") is None


def test_the_search_is_bounded(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "SEARCH_RESULTS", 2)
    found = catalog.search_tables(settings=settings, user=ALICE, text="samples")
    assert (found.names, found.more) == ([TRIPS, "samples.tpch.customer"], True)
    monkeypatch.setattr(catalog, "SEARCH_CATALOGS", 0)
    assert catalog.search_tables(settings=settings, user=ALICE, text="samples") == catalog.NameList([], more=True)


def test_save_rename_delete_through_the_callbacks(
    as_user: Callable[..., Any], sidebar: Any, no_views: Settings
) -> None:
    info = {"full_name": TRIPS, "columns": [], "readable": True, "owner": "x"}
    crumbs, save_disabled, name_disabled = as_user(ALICE, "follow_table", info)
    assert (texts_of(crumbs), save_disabled, name_disabled) == (["Data", "samples", "nyctaxi", "trips"], False, False)
    assert as_user(ALICE, "follow_table", None)[1:] == (True, True)

    listed, feedback, cleared = as_user(ALICE, "save_view", 1, None, " Long trips ", QUERY, info)
    assert (_hrefs(listed), feedback, cleared) == ([f"/data?{QUERY}"], "Saved “Long trips”.", "")
    # A duplicate name: the error in the seed's shape beside the control, the list and the name untouched.
    listed, feedback, kept = as_user(ALICE, "save_view", 2, None, "long TRIPS", QUERY, info)
    assert "(INVALID_INPUT)" in texts_of(feedback)
    assert kept is sidebar.no_update
    assert listed is sidebar.no_update

    (view,) = saved_views.list_views(settings=no_views, user=ALICE)
    rename = {"type": sidebar.IDS.rename, "view": view.id}
    action, hidden, label, name_hidden, value, confirm, _ = as_user(
        ALICE, "choose_action", [1], [None], None, triggered=rename
    )
    assert (hidden, label, name_hidden, value, confirm) == (False, "Rename “Long trips”", False, "Long trips", "Rename")
    listed, hidden, error, done = as_user(ALICE, "confirm_action", 1, None, action, "Longest trips")
    assert (texts_of(listed)[0], hidden, error, done) == (
        "Longest trips",
        True,
        "",
        "Renamed “Long trips” to “Longest trips”.",
    )

    delete = {"type": sidebar.IDS.delete, "view": view.id}
    action, hidden, label, name_hidden, *_ = as_user(ALICE, "choose_action", [None], [1], None, triggered=delete)
    assert (hidden, label, name_hidden) == (False, "Delete “Longest trips”? This cannot be undone.", True)
    listed, hidden, _, done = as_user(ALICE, "confirm_action", 1, None, action, None)
    assert ("No saved views" in texts_of(listed)[0], hidden, done) == (True, True, "Deleted “Longest trips”.")


def test_bob_can_neither_open_rename_nor_delete_alices_view_through_the_callbacks(
    as_user: Callable[..., Any], sidebar: Any, no_views: Settings
) -> None:
    alices = saved_views.create_view(settings=no_views, user=ALICE, name="Mine", table=TRIPS, query=QUERY)
    _favorites, listed = as_user(BOB, "show_favorites_and_views", True)
    assert "No saved views" in texts_of(listed)[0]
    for kind in (sidebar.IDS.rename, sidebar.IDS.delete):
        forged = {"type": kind, "view": alices.id}
        action, hidden, label, *_, error = as_user(BOB, "choose_action", [1], [1], None, triggered=forged)
        assert (action, label) == (None, "")
        assert "(NOT_FOUND)" in texts_of(error)
    for kind in ("rename", "delete"):
        forged_action = {"kind": kind, "view": alices.id, "name": "Mine"}
        _, hidden, error, _ = as_user(BOB, "confirm_action", 1, None, forged_action, "Bob's")
        assert hidden is False
        assert "(NOT_FOUND)" in texts_of(error)
    assert saved_views.get_view(settings=no_views, user=ALICE, view_id=alices.id).name == "Mine"


def test_favorites_are_listed_as_links(as_user: Callable[..., Any], no_views: Settings) -> None:
    preferences.toggle_favorite_table(settings=no_views, user=ALICE, table="samples.tpch.orders")
    favorites, _ = as_user(ALICE, "show_favorites_and_views", True)
    assert _hrefs(favorites) == ["/data?table=samples.tpch.orders"]


# In Chromium, behind the local Apps proxy


def _saved_link(browser: Any, name: str) -> Any:
    """The saved view's link, once the list shows it."""
    browser.wait_for_contains_text(f"#{IDS.saved}", name, timeout=15)
    return browser.driver.find_element(By.XPATH, f"//*[@id='{IDS.saved}']//a[normalize-space()='{name}']")


def _expand(browser: Any, name: str, kind: str = "catalog") -> Any:
    """Click the tree node named `name` (a catalog or a schema) and wait until it is expanded."""
    xpath = f"//*[@id='{IDS.tree}']//button[normalize-space()='{name} {kind}']"
    button = waiting(browser).until(lambda driver: driver.find_element(By.XPATH, xpath))
    click(browser, button)
    waiting(browser).until(lambda _: button.get_attribute("aria-expanded") == "true")
    return button


def _title(browser: Any, table: str) -> None:
    browser.wait_for_text_to_equal("#data-title", table, timeout=20)


def _address(browser: Any) -> str:
    return str(browser.driver.execute_script("return window.location.pathname + window.location.search"))


@pytest.mark.browser
def test_search_finds_a_table_and_its_link_opens_it(page_as: Callable[..., Any], no_views: Settings) -> None:
    browser = page_as("/data?table=samples.nyctaxi.trips")
    _title(browser, TRIPS)
    type_into(browser.find_element(f"#{IDS.search}"), "ord")
    browser.wait_for_contains_text(f"#{IDS.results}", "1 table matches “ord”.", timeout=15)
    click(browser, browser.driver.find_element(By.LINK_TEXT, "samples.tpch.orders"))
    _title(browser, "samples.tpch.orders")
    assert _address(browser).startswith("/data?table=samples.tpch.orders")
    crumbs = browser.find_element("nav[aria-label='Breadcrumb']")
    assert crumbs.text.split("\n") == ["Data", "samples", "tpch", "orders"]
    assert crumbs.find_element(By.CSS_SELECTOR, "[aria-current='page']").text == "orders"


@pytest.mark.browser
def test_the_favorites_follow_the_star_without_a_reload(page_as: Callable[..., Any], no_views: Settings) -> None:
    browser = page_as("/data?table=samples.nyctaxi.trips")
    _title(browser, TRIPS)
    favorites = f"#{IDS.favorites}"
    browser.wait_for_contains_text(favorites, "No favorites yet", timeout=15)
    click(browser, browser.find_element("#data-favorite"))
    browser.wait_for_contains_text("#data-favorite", "Remove from favorites", timeout=15)
    waiting(browser, 15).until(lambda _: TRIPS in browser.find_element(favorites).text)
    click(browser, browser.find_element("#data-favorite"))
    browser.wait_for_contains_text(favorites, "No favorites yet", timeout=15)


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_tree_expands_by_keyboard_and_opens_a_table(
    app_through_proxy: tuple[Any, RunningServer], page_as: Callable[..., Any], no_views: Settings, theme: str
) -> None:
    saved_views.create_view(settings=no_views, user=ALICE, name="Trips", table=TRIPS, query=QUERY)
    preferences.toggle_favorite_table(settings=no_views, user=ALICE, table="samples.tpch.orders")
    set_theme(app_through_proxy[1], theme)
    browser = page_as("/data?table=samples.nyctaxi.trips")
    wait_theme(browser, theme)
    _title(browser, TRIPS)
    browser.wait_for_contains_text(f"#{IDS.saved}", "Trips", timeout=15)
    browser.driver.execute_script("arguments[0].focus();", browser.find_element(f"#{IDS.search}"))
    # From the search box, Tab visits the favorite, the saved view and its buttons, Save view, then the tree:
    # every stop shows its focus.
    catalog_button = tab_to(browser, lambda element: element.get_attribute("textContent") == "samples catalog")
    press(browser, Keys.ENTER)
    waiting(browser).until(lambda _: catalog_button.get_attribute("aria-expanded") == "true")
    press(browser, Keys.TAB)  # the first schema
    assert active(browser).get_attribute("textContent") == "nyctaxi schema"
    press(browser, Keys.TAB)
    assert active(browser).get_attribute("textContent") == "tpch schema"
    press(browser, Keys.SPACE)
    browser.wait_for_contains_text(f"#{IDS.tree}", "customer", timeout=15)
    press(browser, Keys.TAB)
    assert active(browser).text == "customer"
    press(browser, Keys.ENTER)
    _title(browser, "samples.tpch.customer")
    # Collapsing hides the branch again.
    button = browser.driver.find_element(
        By.XPATH, f"//*[@id='{IDS.tree}']//button[normalize-space()='samples catalog']"
    )
    click(browser, button)  # the page was drawn anew: the tree starts collapsed, and expands again
    waiting(browser).until(lambda _: button.get_attribute("aria-expanded") == "true")
    click(browser, button)
    waiting(browser).until(lambda _: button.get_attribute("aria-expanded") == "false")
    assert not browser.driver.find_element(By.XPATH, "//button[normalize-space()='tpch schema']").is_displayed()


@pytest.mark.browser
def test_save_a_view_reload_open_it_rename_and_delete_it(page_as: Callable[..., Any], no_views: Settings) -> None:
    # A view with more than a table: a page size, a sort and a filter (as the Data page writes them in the URL).
    browser = page_as("/data?table=samples.nyctaxi.trips&size=25&sort=fare_amount.desc&filter=trip_distance.gt.10")
    _title(browser, TRIPS)
    waiting(browser).until(lambda _: "size=25" in _address(browser) and "trip_distance.gt.10" in _address(browser))
    saved_address = _address(browser)
    type_into(browser.find_element(f"#{IDS.save_name}"), "Short pages")
    click(browser, browser.find_element(f"#{IDS.save}"))
    browser.wait_for_contains_text(f"#{IDS.save_feedback}", "Saved “Short pages”.", timeout=15)
    assert _saved_link(browser, "Short pages").get_attribute("href").endswith(saved_address)

    browser.driver.refresh()
    browser.wait_for_element("#react-entry-point", timeout=15)
    _saved_link(browser, "Short pages")
    browser.driver.get(browser.driver.current_url.split("/data")[0] + "/data?table=samples.tpch.orders")
    _title(browser, "samples.tpch.orders")
    click(browser, _saved_link(browser, "Short pages"))
    _title(browser, TRIPS)
    waiting(browser).until(lambda _: _address(browser) == saved_address)

    click(
        browser,
        browser.driver.find_element(
            By.XPATH, f"//*[@id='{IDS.saved}']//button[starts-with(normalize-space(), 'Rename')]"
        ),
    )
    browser.wait_for_text_to_equal(f"#{IDS.action_label}", "Rename “Short pages”", timeout=15)
    waiting(browser).until(lambda _: active(browser).get_attribute("id") == IDS.action_name)  # focus moved there
    type_into(active(browser), "Quarter pages")
    press(browser, Keys.ENTER)
    browser.wait_for_contains_text(f"#{IDS.save_feedback}", "Renamed “Short pages” to “Quarter pages”.", timeout=15)
    assert _saved_link(browser, "Quarter pages").get_attribute("href").endswith(saved_address)

    click(
        browser,
        browser.driver.find_element(
            By.XPATH, f"//*[@id='{IDS.saved}']//button[starts-with(normalize-space(), 'Delete')]"
        ),
    )
    browser.wait_for_text_to_equal(f"#{IDS.action_label}", "Delete “Quarter pages”? This cannot be undone.", timeout=15)
    waiting(browser).until(lambda _: active(browser).get_attribute("id") == IDS.action_confirm)
    press(browser, Keys.ENTER)
    browser.wait_for_contains_text(f"#{IDS.saved}", "No saved views yet", timeout=15)
    assert not browser.find_element(f"#{IDS.action_panel}").is_displayed()


@pytest.mark.browser
def test_bob_sees_none_of_alices_views(page_as: Callable[..., Any], no_views: Settings) -> None:
    saved_views.create_view(settings=no_views, user=ALICE, name="Alice only", table=TRIPS, query=QUERY)
    browser = page_as("/data?table=samples.nyctaxi.trips", "bob@example.com")
    _title(browser, TRIPS)
    browser.wait_for_contains_text(f"#{IDS.saved}", "No saved views yet", timeout=15)
    assert "Alice only" not in browser.find_element(".catalog-sidebar").text


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_sidebar_has_no_wcag_violations(
    app_through_proxy: tuple[Any, RunningServer], no_views: Settings, theme: str
) -> None:
    browser, proxy = app_through_proxy
    saved_views.create_view(settings=no_views, user=ALICE, name="Trips, 25 a page", table=TRIPS, query=QUERY)
    preferences.toggle_favorite_table(settings=no_views, user=ALICE, table=TRIPS)
    set_theme(proxy, theme)
    open_page(browser, proxy, "/data?table=samples.nyctaxi.trips")
    wait_theme(browser, theme)
    _title(browser, TRIPS)
    _expand(browser, "samples")
    _expand(browser, "nyctaxi", "schema")
    browser.wait_for_contains_text(f"#{IDS.tree}", "trips", timeout=15)
    type_into(browser.find_element(f"#{IDS.search}"), "tpch")
    browser.wait_for_contains_text(f"#{IDS.results}", "2 tables match", timeout=15)
    click(
        browser,
        browser.driver.find_element(
            By.XPATH, f"//*[@id='{IDS.saved}']//button[starts-with(normalize-space(), 'Rename')]"
        ),
    )
    browser.wait_for_contains_text(f"#{IDS.action_label}", "Rename", timeout=15)
    violations = axe_violations(browser)
    assert violations == [], f"the sidebar in the {theme} theme:\n{report(violations)}"
