"""The shell's navigation builders: a side navigation from the page registry, a top bar with the user."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.navigation import nav_pages, side_nav, skip_link, top_bar

PAGES = [
    {"name": "Data", "relative_path": "/data", "order": 1},
    {"name": "Home", "relative_path": "/", "order": 0},
    {"name": "Fares", "relative_path": "/fares", "order": 1},
    {"name": "Hidden", "relative_path": "/hidden", "order": 2, "nav": False},
]


def props(component: Any) -> dict[str, Any]:
    """A component's properties as Dash sends them to the browser."""
    found: dict[str, Any] = component.to_plotly_json()["props"]
    return found


def walk(component: Any) -> list[Any]:
    """The component and every component under it, depth first."""
    children = getattr(component, "children", None)
    if children is None or isinstance(children, str):
        return [component]
    children = children if isinstance(children, (list, tuple)) else [children]
    return [component, *(found for child in children for found in walk(child))]


def test_the_side_navigation_lists_the_registry_in_order_under_the_main_label() -> None:
    nav = side_nav(PAGES, nav_id="shell-nav")
    assert isinstance(nav, html.Nav)
    assert props(nav)["id"] == "shell-nav"
    assert props(nav)["aria-label"] == "Main"
    links = [c for c in walk(nav) if isinstance(c, dbc.NavLink)]
    assert [(link.children, link.href) for link in links] == [("Home", "/"), ("Data", "/data"), ("Fares", "/fares")]
    assert all(link.active == "exact" for link in links)  # marked as the page shown, not as its parent


def test_pages_with_nav_false_are_left_out() -> None:
    assert [page["name"] for page in nav_pages(PAGES)] == ["Home", "Data", "Fares"]


def test_the_top_bar_names_the_app_and_the_signed_in_user() -> None:
    bar = top_bar(app_title="App", user_label="alice@example.com")
    assert isinstance(bar, html.Header)
    parts = walk(bar)
    brand = next(c for c in parts if isinstance(c, html.A))
    assert props(brand)["href"] == "/"
    assert "App" in brand.children
    signed_in = next(c for c in parts if getattr(c, "id", None) == "shell-signed-in-as")
    assert signed_in.children == "Signed in as alice@example.com"
    avatar = next(c for c in parts if "app-avatar" in (getattr(c, "className", "") or ""))
    assert avatar.children == "A"
    assert props(avatar)["aria-hidden"] == "true"  # the name is said once, in words


def test_without_a_user_the_top_bar_has_only_the_app() -> None:
    parts = walk(top_bar(app_title="App", user_label=None))
    assert not [c for c in parts if getattr(c, "id", None) == "shell-signed-in-as"]


def test_the_skip_link_points_at_the_main_content() -> None:
    link = skip_link("main-content")
    assert props(link)["href"] == "#main-content"
    assert "visually-hidden-focusable" in props(link)["className"]
