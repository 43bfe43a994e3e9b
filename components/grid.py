"""The data grid: Dash AG Grid over the warehouse (its infinite row model: the browser asks for a block of
rows at a time and holds at most two), typed headers, formatted cells; and the table's details beside it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from components.grid_columns import column_defs
from components.skeletons import grid_skeleton

# The grid shows this many rows in its box, under the header and over the pager (it scrolls the rest of a
# page), and its skeleton fills a box of the same height, so nothing below moves when rows arrive.
GRID_ROWS_SHOWN = 14
AG_GRID_ROW_PX = 36
AG_GRID_HEADER_PX = 56  # two lines: the name and its type
AG_GRID_PAGER_PX = 48
GRID_HEIGHT = AG_GRID_HEADER_PX + GRID_ROWS_SHOWN * AG_GRID_ROW_PX + AG_GRID_PAGER_PX + 2  # and the 1px border
# Blocks of rows the browser keeps (each a page): the page shown and the one before it.
MAX_BLOCKS_IN_CACHE = 2


def row_count_js(grid_id: str) -> str:
    """A clientside callback (inputs: the count {count, total}, the grid's keys {view, count}) that gives the
    grid's pager its page count once the rows are counted, for the grid that shows those rows."""
    return (
        "function(counted, keys) {"
        " if (counted && keys && counted.count === keys.count && window.dash_ag_grid) {"
        f"  dash_ag_grid.getApiAsync('{grid_id}').then(api => api.setRowCount(counted.total, true));"
        " }"
        " return window.dash_clientside.no_update; }"
    )


def data_grid(
    grid_id: str, columns: Sequence[Mapping[str, Any]], *, page_size: int, sort: Mapping[str, Any] | None
) -> dag.AgGrid:
    """The rows of a table, a page of `page_size` at a time asked of the server (getRowsRequest, answered
    with getRowsResponse); sorting by a header asks the server too. `columns` is TABLE_INFO's columns."""
    return dag.AgGrid(
        id=grid_id,
        rowModelType="infinite",
        columnDefs=column_defs(columns, sort),
        defaultColDef={
            "sortable": True,
            "resizable": True,
            "filter": False,
            "flex": 1,
            "sortingOrder": ["asc", "desc", None],
        },
        dashGridOptions={
            "pagination": True,
            "paginationPageSize": page_size,
            "paginationPageSizeSelector": False,
            "cacheBlockSize": page_size,
            "maxBlocksInCache": MAX_BLOCKS_IN_CACHE,
            "infiniteInitialRowCount": 1,
            "maxConcurrentDatasourceRequests": 1,
            "blockLoadDebounceMillis": 100,
            "rowHeight": AG_GRID_ROW_PX,
            "headerHeight": AG_GRID_HEADER_PX,
            "suppressMultiSort": True,
            # Tab moves into and out of the grid, arrows within it (WAI-ARIA's grid pattern), rather than Tab
            # stepping through every header and every cell of the page.
            "tabToNextHeader": {"function": "false"},
            "tabToNextCell": {"function": "false"},
            "enableCellTextSelection": True,
            "ensureDomOrder": True,
            "localeText": {"noRowsToShow": "No rows match."},
        },
        className="data-grid",
        style={"height": f"{GRID_HEIGHT}px", "width": "100%"},
    )


def grid_placeholder(*, columns: int = 6) -> html.Div:
    """The data grid's skeleton, in the grid's box: a header and the rows the box shows."""
    return grid_skeleton(GRID_ROWS_SHOWN, columns, label="the rows", height=GRID_HEIGHT)


def favorite_label(starred: bool) -> str:
    """The favorite star's text: what a click on it does."""
    return "★ Remove from favorites" if starred else "☆ Add to favorites"


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
