"""The shell's navigation, laid out as Databricks' own UI: a compact top bar (the app's name, the signed-in user)
and a side navigation built from the page registry, so a new page appears by adding one file. Styled in
dashboard/assets/app.css."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.accessibility import aria


def skip_link(target_id: str) -> html.A:
    """The first focusable element: jumps past the navigation to the main content."""
    return html.A("Skip to main content", href=f"#{target_id}", className="visually-hidden-focusable skip-link")


def nav_pages(pages: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The pages the navigation lists, in their `order` (then by name); those with `nav=False` are left out."""
    return [page for page in sorted(pages, key=lambda p: (p.get("order") or 0, p["name"])) if page.get("nav", True)]


def top_bar(*, app_title: str, user_label: str | None) -> html.Header:
    """The banner across the window: the app's name (a link home) and who is signed in."""
    user = (
        [
            html.Div(
                [
                    html.Span(user_label[:1].upper(), className="app-avatar", title=user_label, **aria(hidden="true")),
                    html.Span(
                        f"Signed in as {user_label}",
                        className="app-user-name",
                        id="shell-signed-in-as",
                    ),
                ],
                className="app-user",
            )
        ]
        if user_label
        else []
    )
    brand = html.A(
        [html.Span(className="app-brand-mark", **aria(hidden="true")), app_title], href="/", className="app-brand"
    )
    return html.Header([brand, *user], className="app-topbar")


def side_nav(pages: Iterable[Mapping[str, Any]], *, nav_id: str) -> html.Nav:
    """The "Main" navigation: one link per listed page. dbc.NavLink moves between pages without reloading and
    marks the current one `active`; the shell sets its aria-current="page" (dbc.NavLink has no such property)."""
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact")) for page in nav_pages(pages)
    ]
    return html.Nav(dbc.Nav(links, vertical=True), id=nav_id, className="app-sidenav", **aria(label="Main"))
