"""Data: browse the tables you may read, page through one on the warehouse, filter, sort, chart, export."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components.accessibility import aria
from components.charts import aggregate_chart
from components.data_controls import chart_card, details_card, filters_card, pager, running_query, table_pickers
from components.feedback import error_alert
from components.grid import data_grid, favorite_label, filter_badges, table_details
from core.errors import ServiceError
from core.request_context import app_settings, current_user
from services import catalog, preferences, warehouse
from services.warehouse.views import TableView, page_size_of, preselect

dash.register_page(__name__, path="/data", name="Data", title="Data · Databricks Dash Template", order=10)

# Component ids, by part of the page.
BOOT, INITIAL, STATE, STATUS = "data-boot", "data-initial", "data-state", "data-status"
CATALOG, SCHEMA, TABLE, DETAILS, FAVORITE = "data-catalog", "data-schema", "data-table", "data-details", "data-favorite"
FILTER_COLUMN, FILTER_OPERATOR, FILTER_VALUE = "data-filter-column", "data-filter-operator", "data-filter-value"
FILTER_ADD, FILTER_REMOVE, FILTERS = "data-filter-add", "data-filter-remove", "data-filters"
GRID, SORT, CANCEL, EXPORT = "data-grid", "data-sort", "data-cancel", "data-export"
PREVIOUS, NEXT, PAGE_LABEL, PAGE_SIZE = "data-previous", "data-next", "data-page-label", "data-page-size"
CHART_X, CHART_Y, CHART_AGGREGATION = "data-chart-x", "data-chart-y", "data-chart-aggregation"
CHART_DRAW, CHART, CHART_TYPE, CHART_GRAPH = "data-chart-draw", "data-chart", "data-chart-type", "data-chart-graph"
DEFAULT_TABLE = "samples.nyctaxi.trips"


def layout(**_: Any) -> html.Div:
    """Pickers, table details, filters, the grid with its pager, a chart and the export link."""
    return html.Div(
        [
            html.H1("Data", className="h3"),
            html.P("Tables of Unity Catalog you may read, queried on the SQL warehouse as you."),
            dcc.Store(id=BOOT, data=True),
            *(dcc.Store(id=store) for store in (INITIAL, STATE, CHART_TYPE)),
            table_pickers(CATALOG, SCHEMA, TABLE),
            details_card(DETAILS, favorite_id=FAVORITE),
            filters_card(FILTER_COLUMN, FILTER_OPERATOR, FILTER_VALUE, add_id=FILTER_ADD, list_id=FILTERS),
            html.Div(id=STATUS, className="small mb-2", **aria(live="polite")),
            # A query still running after a second shows that it runs, and a way to stop it on the warehouse.
            running_query(GRID, cancel_id=CANCEL),
            pager(PREVIOUS, PAGE_LABEL, NEXT, page_size_id=PAGE_SIZE, sizes=preferences.PAGE_SIZES, export_id=EXPORT),
            chart_card(CHART_X, CHART_Y, CHART_AGGREGATION, draw_id=CHART_DRAW, chart_id=CHART),
        ]
    )


@callback(
    [Output(CATALOG, "options"), Output(CATALOG, "value"), Output(INITIAL, "data"), Output(PAGE_SIZE, "value")],
    [Output(CHART_AGGREGATION, "value"), Output(CHART_TYPE, "data")],
    Input(BOOT, "data"),
)
def start(_: Any) -> tuple[Any, ...]:
    """The user's catalogs; the table, page size and chart (aggregation and type) they left or chose last."""
    settings, user = app_settings(), current_user()
    catalogs = catalog.list_catalogs(settings=settings, user=user)
    remembered = preferences.get_settings_view(settings=settings, user=user).dashboard_layout
    initial, chart = remembered.last_table or DEFAULT_TABLE, remembered.chart
    chosen = preselect(catalogs, initial, 0)
    return catalogs, chosen, initial, str(remembered.page_size), chart.aggregation, chart.chart_type


@callback(
    [Output(SCHEMA, "options"), Output(SCHEMA, "value")],
    Input(CATALOG, "value"),
    State(INITIAL, "data"),
    prevent_initial_call=True,
)
def show_schemas(catalog_name: str | None, initial: str | None) -> tuple[Any, ...]:
    """The schemas of the chosen catalog the user may see."""
    if not catalog_name:
        return [], None
    schemas = catalog.list_schemas(settings=app_settings(), user=current_user(), catalog=catalog_name)
    return schemas, preselect(schemas, initial, 1)


@callback(
    [Output(TABLE, "options"), Output(TABLE, "value")],
    Input(SCHEMA, "value"),
    [State(CATALOG, "value"), State(INITIAL, "data")],
    prevent_initial_call=True,
)
def show_tables(schema_name: str | None, catalog_name: str | None, initial: str | None) -> tuple[Any, ...]:
    """The tables of the chosen schema the user may see."""
    if not schema_name or not catalog_name:
        return [], None
    tables = catalog.list_tables(settings=app_settings(), user=current_user(), catalog=catalog_name, schema=schema_name)
    names = [t.table_name for t in tables]
    return names, preselect(names, initial, 2)


@callback(
    [Output(DETAILS, "children"), Output(FAVORITE, "children"), Output(FILTER_COLUMN, "options")],
    [Output(CHART_X, "options"), Output(CHART_Y, "options")],
    Input(TABLE, "value"),
    [State(CATALOG, "value"), State(SCHEMA, "value")],
    prevent_initial_call=True,
)
def show_table(table_name: str | None, catalog_name: str | None, schema_name: str | None) -> tuple[Any, ...]:
    """The chosen table's details and whether it is a favorite; its columns feed the filter and chart pickers."""
    if not (table_name and catalog_name and schema_name):
        raise PreventUpdate
    settings, user = app_settings(), current_user()
    try:
        details = catalog.get_table(
            settings=settings, user=user, catalog=catalog_name, schema=schema_name, table=table_name
        )
        favorites = preferences.get_settings_view(settings=settings, user=user).favorite_tables.tables
    except ServiceError as error:
        return error_alert(error), no_update, [], [], []
    preferences.remember_data_view(settings=settings, user=user, last_table=details.full_name)
    columns = [c.name for c in details.columns]
    return table_details(asdict(details)), favorite_label(details.full_name in favorites), columns, columns, columns


@callback(
    [Output(STATE, "data"), Output(FILTER_VALUE, "value")],
    [Input(TABLE, "value"), Input(PREVIOUS, "n_clicks"), Input(NEXT, "n_clicks"), Input(PAGE_SIZE, "value")],
    [Input({"type": SORT, "column": ALL}, "n_clicks"), Input(FILTER_ADD, "n_clicks")],
    [Input({"type": FILTER_REMOVE, "index": ALL}, "n_clicks")],
    [State(CATALOG, "value"), State(SCHEMA, "value"), State(STATE, "data")],
    [State(FILTER_COLUMN, "value"), State(FILTER_OPERATOR, "value"), State(FILTER_VALUE, "value")],
    prevent_initial_call=True,
)
def update_query(
    table_name: str | None,
    _previous: int | None,
    _next: int | None,
    page_size: str | None,
    sort_clicks: list[int | None],
    _add: int | None,
    remove_clicks: list[int | None],
    catalog_name: str | None,
    schema_name: str | None,
    state: dict[str, Any] | None,
    filter_column: str | None,
    filter_operator: str | None,
    filter_value: str | None,
) -> tuple[Any, Any]:
    """The one place the query's state changes: table, page, page size, sort and filters."""
    trigger = ctx.triggered_id
    trigger_type = trigger.get("type") if isinstance(trigger, dict) else None
    limit = page_size_of(page_size)
    full_name = f"{catalog_name}.{schema_name}.{table_name}" if table_name else None
    view = TableView.from_store(state)
    if trigger == TABLE or view is None or view.table != full_name:
        return (TableView.open(full_name, limit).to_store() if full_name else None), no_update
    clear_value: Any = no_update
    if trigger == PREVIOUS:
        view = view.previous_page()
    elif trigger == NEXT:
        view = view.next_page()
    elif trigger == PAGE_SIZE:
        view = view.with_page_size(limit)
        preferences.remember_data_view(settings=app_settings(), user=current_user(), page_size=limit)
    elif trigger_type == SORT and any(sort_clicks):  # a header drawn anew fires without a click
        view = view.with_sort_toggled(trigger["column"])
    elif trigger == FILTER_ADD and filter_column and filter_operator:
        view, clear_value = view.with_filter(filter_column, filter_operator, filter_value), ""
    elif trigger_type == FILTER_REMOVE and any(remove_clicks):
        view = view.without_filter(trigger["index"])
    else:
        raise PreventUpdate
    return view.to_store(), clear_value


@callback(
    [Output(GRID, "children"), Output(STATUS, "children"), Output(PAGE_LABEL, "children")],
    [Output(PREVIOUS, "disabled"), Output(NEXT, "disabled"), Output(FILTERS, "children"), Output(EXPORT, "href")],
    Input(STATE, "data"),
)
def show_page(state: dict[str, Any] | None) -> tuple[Any, ...]:
    """Ask the warehouse for the page the state describes; the browser holds only that page."""
    view = TableView.from_store(state)  # InvalidInput, shown in the banner, when the browser altered the state
    if view is None:
        return html.P("Choose a table."), "", "", True, True, None, "#"
    stored = view.to_store()
    badges, label = filter_badges(stored["filters"], remove_type=FILTER_REMOVE), f"Page {view.page_number}"
    try:
        result = warehouse.query_view(settings=app_settings(), user=current_user(), view=view)
    except ServiceError as error:
        return error_alert(error), "", label, True, True, badges, "#"
    first = view.offset + 1 if result.row_count else 0
    status = f"Rows {first}–{view.offset + result.row_count} · {result.execution_time_ms} ms on the warehouse"
    grid = data_grid(result.columns, result.rows, stored["sort"], sort_type=SORT)
    export = f"/api/unity-catalog/export?{urlencode(view.export_query())}"
    return grid, status, label, view.offset == 0, not result.has_next, badges, export


@callback(
    Output(STATUS, "children", allow_duplicate=True),
    Input(CANCEL, "n_clicks"),
    State(STATE, "data"),
    prevent_initial_call=True,
)
def cancel_query(n_clicks: int | None, state: dict[str, Any] | None) -> str:
    """Stop the running page query on the warehouse (whichever worker runs it)."""
    if not n_clicks or not state or not state.get("token"):
        raise PreventUpdate
    cancelled = warehouse.cancel_query(settings=app_settings(), user=current_user(), query_token=state["token"])
    return "Cancelling the query on the warehouse…" if cancelled else "The query had already finished."


@callback(
    Output(CHART, "children"),
    Input(CHART_DRAW, "n_clicks"),
    [State(STATE, "data"), State(CHART_X, "value"), State(CHART_Y, "value")],
    [State(CHART_AGGREGATION, "value"), State(CHART_TYPE, "data")],
    prevent_initial_call=True,
)
def draw_chart(
    n_clicks: int | None, state: dict[str, Any] | None, x: str | None, y: str | None, aggregation: str, kind: str
) -> Any:
    """The aggregate runs as SQL on the warehouse; plotly draws what comes back as the user's chart type."""
    view = TableView.from_store(state)
    if not n_clicks or view is None:
        raise PreventUpdate
    if not x:
        return dbc.Alert("Choose the column to group by (X).", color="warning")
    try:
        data = warehouse.aggregate_view(
            settings=app_settings(), user=current_user(), view=view, x=x, y=y, aggregation=aggregation or "count"
        )
    except ServiceError as error:
        return error_alert(error)
    return aggregate_chart(data, chart_type=kind or "bar", graph_id=CHART_GRAPH)


@callback(
    Output(FAVORITE, "children", allow_duplicate=True),
    Input(FAVORITE, "n_clicks"),
    State(STATE, "data"),
    prevent_initial_call=True,
)
def toggle_favorite(n_clicks: int | None, state: dict[str, Any] | None) -> str:
    """Star or unstar the current table in the user's favorites."""
    if not n_clicks or not state or not state.get("table"):
        raise PreventUpdate
    starred = preferences.toggle_favorite_table(settings=app_settings(), user=current_user(), table=state["table"])
    return favorite_label(starred)
