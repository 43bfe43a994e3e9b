"""The Data page's catalog sidebar (search, favorites, saved views, a catalog > schema > table tree) and its
breadcrumb trail, as pure builders: every id comes from the page."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.accessibility import aria

MAX_NAME_CHARS = 100
DATA_PATH = "/data"


@dataclass(frozen=True)
class SidebarIds:
    """The ids of the sidebar's parts (toggle, branch, rename and delete are pattern-matching id types)."""

    boot: str
    search: str
    results: str
    favorites: str
    saved: str
    save_name: str
    save: str
    save_feedback: str
    action: str
    action_panel: str
    action_label: str
    action_name_group: str
    action_name: str
    action_confirm: str
    action_cancel: str
    action_feedback: str
    tree: str
    toggle: str
    branch: str
    rename: str
    delete: str


def table_href(full_name: str) -> str:
    """The Data page's address for a table."""
    return f"{DATA_PATH}?{urlencode({'table': full_name})}"


def view_href(query: str) -> str:
    """The Data page's address for a saved view's query string."""
    return f"{DATA_PATH}?{query}"


def _heading(text: str) -> html.H2:
    return html.H2(text, className="catalog-sidebar-heading")


def table_links(names: Sequence[str], *, empty: str) -> html.Ul | html.P:
    """Links to the tables, by full name; `empty` when there are none."""
    if not names:
        return html.P(empty, className="small text-body-secondary mb-0")
    return html.Ul(
        [html.Li(dcc.Link(name, href=table_href(name), className="catalog-sidebar-link")) for name in names],
        className="list-unstyled mb-0 catalog-sidebar-list",
    )


def search_status(text: str, count: int, more: bool) -> str:
    """What a screen reader hears after a search."""
    if not text:
        return ""
    found = {0: "No table matches", 1: "1 table matches"}.get(count, f"{count} tables match")
    return f"{found} “{text}”." + (" More may exist: type more of the name." if more else "")


def saved_list(views: Sequence[Mapping[str, Any]], *, rename_type: str, delete_type: str) -> html.Ul | html.P:
    """The saved views ({"id", "name", "query"}), each a link with Rename and Delete buttons."""
    if not views:
        return html.P("No saved views yet. Open a table, then Save view.", className="small text-body-secondary mb-0")
    items = []
    for view in views:
        name, view_id = str(view["name"]), int(view["id"])
        buttons = [
            dbc.Button(
                # The hidden words give each button a distinct accessible name.
                [verb, html.Span(f" the view {name}", className="visually-hidden")],
                id={"type": kind, "view": view_id},
                color="link",
                size="sm",
                className="catalog-sidebar-action",
            )
            for verb, kind in (("Rename", rename_type), ("Delete", delete_type))
        ]
        link = dcc.Link(name, href=view_href(str(view["query"])), className="catalog-sidebar-link flex-grow-1")
        items.append(html.Li([link, *buttons], className="d-flex align-items-baseline gap-1"))
    return html.Ul(items, className="list-unstyled mb-0 catalog-sidebar-list")


def tree_branches(
    parent: str | None, names: Sequence[str], *, toggle_type: str, branch_type: str, kind: str
) -> list[html.Li]:
    """Collapsed tree nodes (catalogs at the top, or a catalog's schemas): a button that expands each, and the
    empty list its children go in when it is expanded."""
    items = []
    for name in names:
        node = f"{parent}.{name}" if parent else name
        items.append(
            html.Li(
                [
                    html.Button(
                        [name, html.Span(f" {kind}", className="visually-hidden")],
                        id={"type": toggle_type, "node": node},
                        type="button",
                        className="catalog-tree-toggle",
                        **aria(expanded="false"),
                    ),
                    html.Ul(id={"type": branch_type, "node": node}, hidden=True, className="catalog-tree"),
                ]
            )
        )
    return items


def tree_tables(schema: str, names: Sequence[str], *, more: bool) -> list[html.Li]:
    """A schema's tables as links, and a note when the list stops before the end."""
    items = [
        html.Li(dcc.Link(name, href=table_href(f"{schema}.{name}"), className="catalog-sidebar-link")) for name in names
    ]
    if not names:
        items.append(html.Li("No tables you may see.", className="small text-body-secondary"))
    if more:
        items.append(html.Li(f"Only the first {len(names)}: search to find others.", className="small"))
    return items


def sidebar(ids: SidebarIds) -> html.Nav:
    """The sidebar: search, favorites, saved views (with Save view, rename and delete), then the tree."""
    return html.Nav(
        [
            dcc.Store(id=ids.boot, data=True),
            dcc.Store(id=ids.action),
            html.Div(
                [
                    dbc.Label("Search tables", html_for=ids.search, className="catalog-sidebar-heading"),
                    dbc.Input(
                        id=ids.search,
                        type="search",
                        placeholder="catalog.schema.table",
                        debounce=300,  # one search after a 300 ms pause (Enter included), never per keystroke
                        maxLength=200,
                        autoComplete="off",
                    ),
                    html.Div(id=ids.results, className="mt-2", **aria(live="polite")),
                ],
                role="search",
                className="mb-3",
            ),
            html.Section([_heading("Favorites"), html.Div(id=ids.favorites)], className="mb-3"),
            html.Section(
                [
                    _heading("Saved views"),
                    html.Div(id=ids.saved),
                    _action_panel(ids),
                    dbc.Label("Name this view", html_for=ids.save_name, className="small mt-2 mb-1"),
                    dbc.InputGroup(
                        [
                            dbc.Input(id=ids.save_name, maxLength=MAX_NAME_CHARS, size="sm", disabled=True),
                            dbc.Button("Save view", id=ids.save, size="sm", color="primary", disabled=True),
                        ],
                        size="sm",
                    ),
                    html.Div(id=ids.save_feedback, className="small mt-1", **aria(live="polite")),
                ],
                className="mb-3",
            ),
            html.Section(
                [_heading("Browse"), html.Ul(id=ids.tree, className="catalog-tree catalog-tree-root")],
                className="mb-3",
            ),
        ],
        className="catalog-sidebar",
        **aria(label="Catalog"),
    )


def _action_panel(ids: SidebarIds) -> html.Div:
    """Where a rename is typed or a delete confirmed (one at a time), hidden until asked for."""
    return html.Div(
        [
            html.P(id=ids.action_label, className="small fw-semibold mb-1"),
            html.Div(
                [
                    dbc.Label("New name", html_for=ids.action_name, className="small mb-1"),
                    dbc.Input(id=ids.action_name, maxLength=MAX_NAME_CHARS, size="sm"),
                ],
                id=ids.action_name_group,
                className="mb-2",
            ),
            html.Div(
                [
                    dbc.Button("Confirm", id=ids.action_confirm, size="sm", color="primary"),
                    dbc.Button("Cancel", id=ids.action_cancel, size="sm", color="secondary", outline=True),
                ],
                className="d-flex gap-2",
            ),
            html.Div(id=ids.action_feedback, className="small mt-1", **aria(live="polite")),
        ],
        id=ids.action_panel,
        hidden=True,
        className="catalog-sidebar-panel mt-2 p-2",
    )


def focus_js(ids: SidebarIds) -> str:
    """A clientside callback (panel hidden, action) that moves the focus where the keyboard user goes next: the
    new name on Rename, the confirming button on Delete, the name of a new view once the panel closes."""
    targets = {"rename": ids.action_name, "delete": ids.action_confirm, "closed": ids.save_name}
    return f"""(hidden, action) => {{
        const targets = {json.dumps(targets)};
        const target = document.getElementById(targets[hidden ? "closed" : (action && action.kind) || "closed"]);
        setTimeout(() => target && !target.disabled && target.focus(), 0);
        return window.dash_clientside.no_update;
    }}"""


def breadcrumb_nav(list_id: str) -> html.Nav:
    """The breadcrumb trail's frame; breadcrumb_items fills it."""
    return html.Nav(
        html.Ol(breadcrumb_items(None), id=list_id, className="breadcrumb mb-1"), **aria(label="Breadcrumb")
    )


def breadcrumb_items(full_name: str | None) -> list[html.Li]:
    """Data > catalog > schema > table, the last one the current page."""
    parts = full_name.split(".") if full_name else []
    if not parts:
        return [html.Li("Data", className="breadcrumb-item active", **aria(current="page"))]
    items = [html.Li(dcc.Link("Data", href=DATA_PATH), className="breadcrumb-item")]
    items += [html.Li(part, className="breadcrumb-item") for part in parts[:-1]]
    items.append(html.Li(parts[-1], className="breadcrumb-item active", **aria(current="page")))
    return items
