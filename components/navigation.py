"""The navbar and skip link: built from the page registry, so a new page appears by adding one file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.accessibility import aria


def skip_link(target_id: str) -> html.A:
    """The first focusable element: jumps past the navigation to the main content."""
    return html.A("Skip to main content", href=f"#{target_id}", className="visually-hidden-focusable skip-link")


def navbar(pages: Iterable[Mapping[str, Any]], *, app_title: str, user_label: str | None) -> html.Header:
    """The top navigation, one link per registered page (those with `nav=False` are left out)."""
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in sorted(pages, key=lambda p: (p.get("order") or 0, p["name"]))
        if page.get("nav", True)
    ]
    user = (
        [html.Span(f"Signed in as {user_label}", className="navbar-text small", id="shell-signed-in-as")]
        if user_label
        else []
    )
    return html.Header(
        dbc.Navbar(
            dbc.Container(
                [
                    dbc.NavbarBrand(app_title, href="/"),
                    html.Nav(dbc.Nav(links, navbar=True), **aria(label="Main")),
                    *user,
                ],
                fluid=True,
            ),
            color="primary",
            dark=True,
            className="mb-3",
        )
    )
