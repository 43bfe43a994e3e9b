"""Data: one table of Unity Catalog at a time, its rows paged, sorted and counted on the warehouse, the view
kept in the URL. The sidebar, filters and chart are parts of their own (pages/data_*.py), joined by the ids
of pages/data_ids.py."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any
from urllib.parse import urlencode

import dash
from dash import MATCH, Input, Output, State, callback, clientside_callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components import data_controls as controls
from components.accessibility import aria
from components.feedback import error_alert
from components.grid import data_grid, favorite_label, row_count_js, table_details
from components.grid_columns import grid_rows
from core.errors import CatalogPermissionDenied, ServiceError
from core.identity import UserIdentity
from core.request_context import app_settings, current_user, user_var
from pages import data_chart, data_filters, data_sidebar
from pages.data_ids import CHART_SETTINGS, FAVORITE, TABLE_INFO, URL_QUERY, VIEW
from services import catalog, preferences, warehouse
from services.warehouse.views import TableView, from_query, page_size_of, table_info, to_query, view_key, view_keys

dash.register_page(__name__, path="/data", name="Data", title="Data · Databricks Dash Template", order=10)

GRID, GRID_BOX, GRID_KEY, GRID_MESSAGE = "data-grid", "data-grid-box", "data-grid-key", "data-grid-message"
COUNT, COUNT_KEY, STATUS, CANCEL = "data-count", "data-count-key", "data-status", "data-cancel"
DETAILS, PAGE_SIZE, EXPORT = "data-details", "data-page-size", "data-export"
TITLE, LINK_ERROR, PUSHED, GO_TO = "data-title", "data-link-error", "data-url-pushed", "data-go-to-page"
COPY, CLIPBOARD, REQUEST_TEXT = "data-access-copy", "data-access-clipboard", "data-access-text"
DEFAULT_TABLE = "samples.nyctaxi.trips"


def _denied(info: dict[str, Any], user: UserIdentity, error: ServiceError | None = None) -> Any:
    body = error.to_body() if error else None
    return controls.access_denied_for(info, user.email or user.user_id, ids=(COPY, CLIPBOARD, REQUEST_TEXT), error=body)


def _grid(view: TableView, info: dict[str, Any], user: UserIdentity) -> Any:
    """The grid of a readable table (in a box named after what it shows, so a new view mounts a new grid),
    else the access message."""
    if not info["readable"]:
        return _denied(info, user)
    grid = data_grid(GRID, info["columns"], page_size=view.limit, sort=view.to_store()["sort"])
    return html.Div(grid, id=f"data-grid-view-{view_key(view)}")


def _opened(view: TableView, user: UserIdentity) -> tuple[dict[str, Any] | None, Any, str, Any]:
    """Open the view's table: TABLE_INFO, its details, the favorite star's label and the grid (or a message)."""
    settings, ref = app_settings(), view.table_ref
    try:
        details = catalog.get_table(settings=settings, user=user, **ref.details)
        favorites = preferences.get_settings_view(settings=settings, user=user).favorite_tables.tables
    except ServiceError as error:
        return None, None, favorite_label(False), error_alert(error)
    info = table_info(details)
    if info["readable"]:  # never remember a table the user cannot read as where they left off
        preferences.remember_data_view(settings=settings, user=user, last_table=details.full_name)
    return info, table_details(asdict(details)), favorite_label(details.full_name in favorites), _grid(view, info, user)


def _default_view(user: UserIdentity) -> TableView:
    """The last table the user read (while they still may), else the sample trips, at their page size."""
    remembered = preferences.get_settings_view(settings=app_settings(), user=user).dashboard_layout
    return TableView.open(remembered.last_table or DEFAULT_TABLE, remembered.page_size)


def layout(**query: Any) -> html.Div:
    """The view the URL names (or the user's last table), opened: sidebar | breadcrumbs, title, details,
    filters, the count, the grid, rows per page and export, the chart."""
    user, link_error, view, chart = user_var.get(), None, None, None
    try:
        view, chart = from_query(query)
    except ServiceError as error:  # a link altered or cut short: say what is wrong with it, open nothing
        link_error = error_alert(error)
    info, details, starred, grid = None, None, favorite_label(False), html.P("Choose a table in the catalog.")
    if user is not None and link_error is None:
        from_link = view is not None
        view = view or _default_view(user)
        info, details, starred, grid = _opened(view, user)
        if not from_link and info and not info["readable"] and view.table != DEFAULT_TABLE:
            view = TableView.open(DEFAULT_TABLE, view.limit)
            info, details, starred, grid = _opened(view, user)
    if user is None:  # Dash's check of the callbacks' ids at start: every component, empty
        grid = data_grid(GRID, [], page_size=100, sort=None)
    return html.Div(
        [
            *(dcc.Store(id=i, data=d) for i, d in ((VIEW, view.to_store() if view else None), (CHART_SETTINGS, chart))),
            *(dcc.Store(id=i, data=d) for i, d in ((TABLE_INFO, info), (URL_QUERY, to_query(view, chart)))),
            *(dcc.Store(id=i, data=d) for i, d in ((GRID_KEY, view_keys(view)), (COUNT_KEY, None), (PUSHED, None))),
            controls.two_columns(
                data_sidebar.section(),
                [
                    data_sidebar.breadcrumbs(),
                    html.H1(view.table if view else "Data", id=TITLE, className="h3 text-break"),
                    html.Div(link_error, id=LINK_ERROR),
                    controls.table_card(DETAILS, details, favorite_id=FAVORITE, favorite=starred),
                    data_filters.section(),
                    html.P(id=COUNT, className="fw-semibold mb-1", **aria(live="polite")),
                    html.Div(id=STATUS, className="small mb-2", **aria(live="polite")),
                    html.Div(id=GRID_MESSAGE),
                    controls.running_query(GRID_BOX, cancel_id=CANCEL, content=grid),
                    controls.view_controls(
                        (PAGE_SIZE, GO_TO, EXPORT), preferences.PAGE_SIZES, page_size=view.limit if view else 100
                    ),
                    data_chart.section(),
                ],
            ),
        ]
    )


@callback(
    [Output(GRID, "getRowsResponse"), Output(GRID_MESSAGE, "children")],
    # The view's one writer without allow_duplicate (the parts' writers have it), so the callback's key is plain.
    [Output(VIEW, "data"), Output(TABLE_INFO, "data")],
    Input(GRID, "getRowsRequest"),
    [State(VIEW, "data"), State(TABLE_INFO, "data")],
    prevent_initial_call=True,
)
def rows(request: dict[str, Any] | None, state: dict[str, Any] | None, info: dict[str, Any] | None) -> tuple[Any, ...]:
    """A block of rows the grid asks for, from the warehouse, in the grid's sort; the view follows that sort."""
    view = TableView.from_store(state)
    if not request or view is None:
        raise PreventUpdate
    block = view.for_rows(request.get("startRow"), request.get("endRow"), request.get("sortModel"))
    settings, user, start = app_settings(), current_user(), block.offset
    followed = replace(block, offset=0, limit=view.limit).to_store() if block.sort != view.sort else no_update
    try:
        result = warehouse.query_view(settings=settings, user=user, view=block)
    except CatalogPermissionDenied as error:
        denied = {**(info or {"full_name": view.table, "columns": [], "owner": ""}), "readable": False}
        return {"rowData": [], "rowCount": 0}, _denied(denied, user, error), followed, denied
    except ServiceError as error:
        return {"rowData": [], "rowCount": start}, error_alert(error), followed, no_update
    counted = warehouse.counted_view(settings=settings, user=user, view=view)
    total = start + result.row_count if not result.has_next else counted.total if counted else -1
    return (
        {"rowData": grid_rows(result.rows, (info or {}).get("columns", [])), "rowCount": total},
        None,
        followed,
        no_update,
    )


@callback(
    [Output(COUNT, "children"), Output(COUNT_KEY, "data")],
    Input(VIEW, "data"),
    [State(TABLE_INFO, "data"), State(COUNT_KEY, "data")],
)
def count(state: dict[str, Any] | None, info: dict[str, Any] | None, counted: dict[str, Any] | None) -> tuple[Any, ...]:
    """How many rows the view's filters keep, counted on the warehouse (cached a minute), above the grid."""
    view = TableView.from_store(state)
    if view is None or not info or not info.get("readable"):
        return "", None
    key = view_key(view, page_size=False)
    if counted and counted.get("count") == key:
        raise PreventUpdate
    try:
        rows = warehouse.count_view(settings=app_settings(), user=current_user(), view=view)
    except ServiceError as error:
        return f"Rows could not be counted ({error.error_code}).", None
    shown = controls.count_text(rows.total, rows.execution_time_ms, cached=rows.cached)
    return shown, {"count": key, "total": rows.total}


@callback(
    [Output(GRID_BOX, "children"), Output(GRID_KEY, "data")],
    [Output(EXPORT, "href"), Output(EXPORT, "className"), Output(EXPORT, "aria-disabled")],
    Input(VIEW, "data"),
    [State(TABLE_INFO, "data"), State(GRID_KEY, "data")],
)
def show_view(state: dict[str, Any] | None, info: dict[str, Any] | None, shown: dict[str, Any] | None) -> Any:
    """A new grid when the table, filters or page size change (a sort is the grid's own); the export link."""
    view = TableView.from_store(state)  # InvalidInput, shown in the banner, when the browser altered the state
    readable = bool(view and info and info.get("readable") and info.get("full_name") == view.table)
    href = f"/api/unity-catalog/export?{urlencode(view.export_query())}" if view and readable else None
    export = controls.export_props(href)
    if view is None or not info or info.get("full_name") != view.table or view_key(view) == (shown or {}).get("view"):
        return no_update, no_update, *export
    return _grid(view, info, current_user()), view_keys(view), *export


@callback(
    Output(VIEW, "data", allow_duplicate=True),
    Input(PAGE_SIZE, "value"),
    State(VIEW, "data"),
    prevent_initial_call=True,
)
def change_page_size(value: str | None, state: dict[str, Any] | None) -> Any:
    """Pages of the chosen size, from the first; remembered as the user's page size."""
    view, limit = TableView.from_store(state), page_size_of(value)
    if view is None or view.limit == limit:
        raise PreventUpdate
    preferences.remember_data_view(settings=app_settings(), user=current_user(), page_size=limit)
    return view.with_page_size(limit).to_store()


@callback(Output(URL_QUERY, "data"), [Input(VIEW, "data"), Input(CHART_SETTINGS, "data")], prevent_initial_call=True)
def encode_url(state: dict[str, Any] | None, chart: dict[str, Any] | None) -> str:
    """The query string that reopens what the page shows."""
    return to_query(TableView.from_store(state), chart if isinstance(chart, dict) else None)


clientside_callback(controls.URL_SYNC_JS, Output(PUSHED, "data"), Input(URL_QUERY, "data"))
clientside_callback(
    controls.GO_TO_PAGE_JS, Output(GRID, "paginationGoTo"), Input(GO_TO, "value"), prevent_initial_call=True
)
clientside_callback(
    row_count_js(GRID), Output(COUNT_KEY, "modified_timestamp"), [Input(COUNT_KEY, "data"), Input(GRID_KEY, "data")]
)
clientside_callback(
    controls.COPY_JS,
    [Output({"type": CLIPBOARD, "table": MATCH}, "n_clicks"), Output({"type": COPY, "table": MATCH}, "children")],
    Input({"type": COPY, "table": MATCH}, "n_clicks"),
    prevent_initial_call=True,
)


@callback(
    Output(STATUS, "children", allow_duplicate=True),
    Input(CANCEL, "n_clicks"),
    State(VIEW, "data"),
    prevent_initial_call=True,
)
def cancel_query(n_clicks: int | None, state: dict[str, Any] | None) -> str:
    """Stop the running rows query on the warehouse (whichever worker runs it)."""
    if not n_clicks or not state or not state.get("token"):
        raise PreventUpdate
    cancelled = warehouse.cancel_query(settings=app_settings(), user=current_user(), query_token=state["token"])
    return "Cancelling the query on the warehouse…" if cancelled else "The query had already finished."


@callback(
    Output(FAVORITE, "children", allow_duplicate=True),
    Input(FAVORITE, "n_clicks"),
    State(VIEW, "data"),
    prevent_initial_call=True,
)
def toggle_favorite(n_clicks: int | None, state: dict[str, Any] | None) -> str:
    """Star or unstar the current table in the user's favorites."""
    if not n_clicks or not state or not state.get("table"):
        raise PreventUpdate
    starred = preferences.toggle_favorite_table(settings=app_settings(), user=current_user(), table=state["table"])
    return favorite_label(starred)
