"""The data grid: a plain, accessible HTML table whose column headers are sort buttons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.accessibility import aria
from components.skeletons import GRID_ROW_PX, grid_skeleton

SORT_LABEL = {"asc": "ascending", "desc": "descending"}
# The grid scrolls its rows in a box of this many rows under the header, which its skeleton fills too, so
# nothing below it moves when a page of rows arrives (whatever the page size).
GRID_ROWS_SHOWN = 14
GRID_HEIGHT = (GRID_ROWS_SHOWN + 1) * GRID_ROW_PX + 2  # and the box's 1px border, top and bottom


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def data_grid(
    columns: Sequence[str], rows: Sequence[Mapping[str, Any]], sort: Mapping[str, str] | None, *, sort_type: str
) -> html.Div:
    """Rows under headers; a header's button sorts by that column, and aria-sort tells the current order."""
    headers = []
    for column in columns:
        direction = sort.get("direction") if sort and sort.get("column") == column else None
        arrow = {"asc": " ▲", "desc": " ▼"}.get(direction or "", "")
        attributes: dict[str, Any] = {"scope": "col", "aria-sort": SORT_LABEL.get(direction or "", "none")}
        headers.append(
            html.Th(
                html.Button(
                    [column, html.Span(arrow, **aria(hidden="true"))],
                    id={"type": sort_type, "column": column},
                    className="btn btn-link p-0 text-decoration-none fw-semibold text-body",
                    title=f"Sort by {column}",
                ),
                **attributes,
            )
        )
    body = [html.Tr([html.Td(_cell(row.get(c))) for c in columns]) for row in rows]
    if not body:
        body = [html.Tr(html.Td("No rows match.", colSpan=max(1, len(columns))))]
    # Focusable, so a keyboard scrolls the rows; its name says what it holds.
    viewport: dict[str, Any] = {"tabIndex": "0", "role": "region", **aria(label="Rows of the table")}
    return html.Div(
        html.Table(
            [html.Thead(html.Tr(headers)), html.Tbody(body)],
            className="table table-sm table-striped table-hover mb-0",
        ),
        className="table-responsive border rounded grid-viewport",
        style={"height": f"{GRID_HEIGHT}px"},
        **viewport,
    )


def grid_placeholder(*, columns: int = 6) -> html.Div:
    """The data grid's skeleton, in the grid's box: a header and the rows the box shows."""
    return grid_skeleton(GRID_ROWS_SHOWN, columns, label="the rows", height=GRID_HEIGHT)


def favorite_label(starred: bool) -> str:
    """The favorite star's text: what a click on it does."""
    return "★ Remove from favorites" if starred else "☆ Add to favorites"


def filter_badges(filters: Sequence[Mapping[str, Any]], *, remove_type: str) -> html.Div:
    """The active filters, each with a button that removes it."""
    if not filters:
        return html.Div("No filters.", className="small text-body-secondary")
    return html.Div(
        [
            dbc.Button(
                [
                    f"{f['column']} {f['operator'].replace('_', ' ')} {'' if f.get('value') is None else f['value']}",
                    html.Span(" ×", **aria(hidden="true")),
                    html.Span(" (remove filter)", className="visually-hidden"),
                ],
                id={"type": remove_type, "index": i},
                size="sm",
                color="secondary",
                outline=True,
                className="me-2 mb-2",
            )
            for i, f in enumerate(filters)
        ]
    )


def table_details(details: Mapping[str, Any]) -> html.Div:
    """Owner, comment, access and the columns with their types and nullability."""
    access = details.get("access_level", "NONE")
    rows = [
        html.Tr(
            [
                html.Td(c["name"], className="font-monospace"),
                html.Td(c["data_type"]),
                html.Td("yes" if c["nullable"] else "no"),
            ]
        )
        for c in details.get("columns", [])
    ]
    return html.Div(
        [
            html.P(
                [
                    html.Strong(details.get("full_name", "")),
                    " · owner ",
                    html.Span(details.get("owner", ""), className="font-monospace"),
                    " · ",
                    dbc.Badge(
                        "can read" if access in ("READ", "WRITE") else "no SELECT",
                        color="success" if access in ("READ", "WRITE") else "warning",
                        text_color="dark" if access not in ("READ", "WRITE") else None,
                    ),
                ],
                className="mb-1",
            ),
            html.P(details.get("comment") or "No comment.", className="small mb-2"),
            html.Details(
                [
                    html.Summary(f"{len(rows)} columns"),
                    html.Table(
                        [
                            html.Thead(
                                html.Tr(
                                    [
                                        html.Th("Column", scope="col"),
                                        html.Th("Type", scope="col"),
                                        html.Th("Nullable", scope="col"),
                                    ]
                                )
                            ),
                            html.Tbody(rows),
                        ],
                        className="table table-sm mt-2",
                    ),
                ]
            ),
        ]
    )


def result_table(columns: Sequence[str], rows: Sequence[Mapping[str, Any]], *, caption: str) -> html.Div:
    """A read-only table with a caption (its accessible name) and column headers."""
    return html.Div(
        html.Table(
            [
                html.Caption(caption, className="caption-top"),
                html.Thead(html.Tr([html.Th(c, scope="col") for c in columns])),
                html.Tbody([html.Tr([html.Td(_cell(row.get(c))) for c in columns]) for row in rows]),
            ],
            className="table table-sm table-striped mb-0",
        ),
        className="table-responsive",
    )
