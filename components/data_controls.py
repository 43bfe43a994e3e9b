"""The Data page's own controls around the grid: the row count line, rows per page and Export, the
running-query notice with Cancel, and the message for a table the user may see but not read. Pure builders:
the page passes the ids its callbacks use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.accessibility import aria
from components.forms import labelled_select
from components.grid import grid_placeholder

# What reading a table takes in Unity Catalog: SELECT on the table, USE SCHEMA on its schema and USE CATALOG
# on its catalog (Databricks' privileges reference; a privilege on the schema or catalog is inherited).
READ_PRIVILEGES = ("SELECT on the table", "USE SCHEMA on its schema", "USE CATALOG on its catalog")


def count_text(total: int | None, elapsed_ms: int | None, *, cached: bool = False) -> str:
    """ "15,364 rows · 42 ms" ("No rows match" for none, "1 row" for one); empty while nothing is counted."""
    if total is None:
        return ""
    if total == 0:
        return "No rows match"
    rows = "1 row" if total == 1 else f"{total:,} rows"
    if elapsed_ms is None:
        return rows
    return f"{rows} · {elapsed_ms:,} ms" + (" (cached)" if cached else "")


def view_controls(ids: tuple[str, str, str], sizes: Sequence[int], *, page_size: int) -> html.Div:
    """Rows per page, a page to go to (Enter goes), and the CSV export link of the view, under the grid; `ids`
    are the rows per page select's, the page input's and the export link's."""
    page_size_id, go_to_id, export_id = ids
    choices = [(str(n), str(n)) for n in sizes]
    go_to = html.Div(
        [
            dbc.Label("Go to page", html_for=go_to_id),
            dbc.Input(id=go_to_id, type="number", min=1, step=1, debounce=True, style={"width": "7rem"}),
        ],
        className="d-inline-block me-3 mb-3",
    )
    return html.Div(
        [
            html.Div(
                labelled_select(page_size_id, "Rows per page", choices, value=str(page_size)),
                className="d-inline-block me-3",
            ),
            go_to,
            html.A(
                "Export CSV", id=export_id, href="#", className="btn btn-outline-primary mb-3", download="table.csv"
            ),
        ],
        className="d-flex align-items-end flex-wrap mt-2",
    )


def running_query(content_id: str, *, cancel_id: str, content: Any = None) -> dcc.Loading:
    """The slot `content_id` holding `content` (the grid; its skeleton when none); while a query for it runs
    past a second, the grid's skeleton under a notice that it runs and a Cancel button."""
    notice = html.Div(
        [
            html.Div(
                html.Div(className="progress-bar progress-bar-striped progress-bar-animated w-100"),
                className="progress mb-2",
                role="progressbar",
                **aria(label="Query running", valuetext="running"),
            ),
            html.P("Running on the SQL warehouse…", className="mb-2", role="status"),
            dbc.Button("Cancel query", id=cancel_id, color="danger", outline=True),
        ],
        className="bg-body p-3 border rounded shadow-sm skeleton-notice",
    )
    # The grid and its skeleton have the same fixed height; a message in its place is as tall as it is.
    slot = html.Div(grid_placeholder() if content is None else content, id=content_id)
    placeholder = html.Div([grid_placeholder(), notice], className="skeleton-overlay")
    return dcc.Loading(slot, delay_show=1000, custom_spinner=placeholder)


def access_request_text(table: str, owner: str, user: str) -> str:
    """What the user sends the owner to ask for read access (copied by the page's button)."""
    catalog, schema, _ = [*table.split("."), "", "", ""][:3]
    return (
        f"Hello {owner or 'owner'},\n\n"
        f"Could you give me ({user}) read access to the table {table}? It takes:\n"
        f"GRANT USE CATALOG ON CATALOG `{catalog}` TO `{user}`;\n"
        f"GRANT USE SCHEMA ON SCHEMA `{catalog}`.`{schema}` TO `{user}`;\n"
        f"GRANT SELECT ON TABLE `{table.replace('.', '`.`')}` TO `{user}`;\n\n"
        "Thank you."
    )


def access_denied(
    table: str,
    owner: str,
    *,
    user: str,
    button_id: str | dict[str, str],
    clipboard_id: str | dict[str, str],
    text_id: str,
    details: Mapping[str, Any] | None = None,
) -> dbc.Alert:
    """A table the user may see but not read: who owns it, what to ask them for, a button that copies the
    request (the page turns its clicks into the clipboard's, so a keyboard copies too), and the error's codes
    under Details."""
    request = access_request_text(table, owner, user)
    codes = details or {"error_code": "CATALOG_PERMISSION_DENIED"}
    return dbc.Alert(
        [
            html.H2("You can see this table but not read its rows", className="h5"),
            html.P(
                [
                    "Ask its owner, ",
                    html.Strong(owner or "unknown", className="font-monospace"),
                    ", for read access to ",
                    html.Span(table, className="font-monospace"),
                    ". Reading it takes these Unity Catalog privileges:",
                ],
                className="mb-1",
            ),
            html.Ul([html.Li(p) for p in READ_PRIVILEGES], className="mb-2"),
            html.Pre(request, id=text_id, className="visually-hidden", **aria(hidden="true")),
            html.Div(
                [
                    dbc.Button("Copy access request", id=button_id, color="primary", size="sm"),
                    html.Span(dcc.Clipboard(id=clipboard_id, target_id=text_id), className="d-none"),
                ],
                className="mb-2",
                **aria(live="polite"),
            ),
            html.Details(
                [
                    html.Summary("Details"),
                    html.Dl(
                        [item for key, value in codes.items() for item in (html.Dt(key), html.Dd(str(value)))],
                        className="small font-monospace mb-0 mt-2",
                    ),
                ]
            ),
        ],
        color="warning",
        className="mb-3 access-denied",
    )


def table_card(details_id: str, details: Any, *, favorite_id: str, favorite: str) -> dbc.Card:
    """The open table's details and its favorite star."""
    star = dbc.Button(favorite, id=favorite_id, color="link", className="px-0")
    return dbc.Card(dbc.CardBody([html.Div(details, id=details_id), star]), className="mb-3")


def two_columns(sidebar: Any, main: list[Any]) -> dbc.Row:
    """The catalog sidebar on the left (on top on a narrow screen), the table on the right."""
    return dbc.Row([dbc.Col(sidebar, lg=3, className="mb-3"), dbc.Col(main, lg=9)])


# The address bar follows the view (the page's query string, the callback's input) without Dash's router
# noticing, so the page is not rendered again; the first address of a visit is replaced, not added to the
# history. Back or forward to another view of /data loads that view (through the page's layout).
URL_SYNC_JS = """
function(query) {
    if (!window.dataViewPopstate) {
        window.dataViewPopstate = true;
        window.addEventListener('popstate', function() {
            if (location.pathname.endsWith('/data') && location.search.slice(1) !== window.dataViewShown) {
                location.reload();
            }
        });
    }
    if (typeof query !== 'string' || !query) { return window.dash_clientside.no_update; }
    window.dataViewShown = query;
    if (location.search.slice(1) === query) { return query; }
    const url = location.pathname + '?' + query;
    if (new URLSearchParams(location.search).has('table')) { history.pushState({dataView: true}, '', url); }
    else { history.replaceState({dataView: true}, '', url); }
    return query;
}
"""

# A page number typed under the grid (1 for the first) is the page the grid's pager goes to.
GO_TO_PAGE_JS = (
    "function(page) { const n = parseInt(page, 10); return n >= 1 ? n - 1 : window.dash_clientside.no_update; }"
)

# The copy button's clicks become the clipboard's, which copies the access request (a keyboard presses the
# button; dcc.Clipboard's own icon is not a button).
COPY_JS = "function(n) { return [n, n ? 'Copied: paste it to the owner' : window.dash_clientside.no_update]; }"


def export_props(href: str | None) -> tuple[str | None, str, str]:
    """The export link's href, class and aria-disabled: a link while the view can be read, else disabled."""
    return href, "btn btn-outline-primary mb-3" + ("" if href else " disabled"), "false" if href else "true"


def access_denied_for(
    info: Mapping[str, Any], user: str, *, ids: tuple[str, str, str], error: Mapping[str, Any] | None = None
) -> dbc.Alert:
    """access_denied for TABLE_INFO's table; `ids`: the copy button's and the clipboard's pattern-matching types
    (each matched by the table's name) and the request text's id; `error`: the error body the query met."""
    codes = error or {"error_code": "CATALOG_PERMISSION_DENIED", "access_level": "NONE"}
    table = str(info["full_name"])
    return access_denied(
        table,
        str(info.get("owner") or ""),
        user=user,
        button_id={"type": ids[0], "table": table},
        clipboard_id={"type": ids[1], "table": table},
        text_id=ids[2],
        details={k: v for k, v in codes.items() if k in ("error_code", "message", "access_level")},
    )
