"""Data: browse the tables you may read, page through one on the warehouse, filter, sort, chart, export."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components.accessibility import aria
from components.feedback import error_alert
from components.forms import labelled_select
from components.grid import data_grid, filter_badges, table_details
from core.request_context import app_settings, current_user
from services import catalog, lakebase, preferences, warehouse
from core.errors import ServiceError

log = logging.getLogger(__name__)

dash.register_page(__name__, path="/data", name="Data", title="Data · Databricks Dash Template", order=10)

BOOT = "data-boot"
INITIAL = "data-initial"
CATALOG = "data-catalog"
SCHEMA = "data-schema"
TABLE = "data-table"
DETAILS = "data-details"
FAVORITE = "data-favorite"
STATE = "data-state"
GRID = "data-grid"
STATUS = "data-status"
ERROR = "data-error"
PREVIOUS = "data-previous"
NEXT = "data-next"
PAGE_LABEL = "data-page-label"
PAGE_SIZE = "data-page-size"
SORT = "data-sort"
FILTER_COLUMN = "data-filter-column"
FILTER_OPERATOR = "data-filter-operator"
FILTER_VALUE = "data-filter-value"
FILTER_ADD = "data-filter-add"
FILTER_REMOVE = "data-filter-remove"
FILTERS = "data-filters"
CHART_X = "data-chart-x"
CHART_Y = "data-chart-y"
CHART_AGGREGATION = "data-chart-aggregation"
CHART_DRAW = "data-chart-draw"
CHART = "data-chart"
EXPORT = "data-export"
CANCEL = "data-cancel"
DEFAULT_TABLE = "samples.nyctaxi.trips"
OPERATOR_LABELS = [
    ("=", "equals"),
    ("!=", "does not equal"),
    ("<", "less than"),
    ("<=", "at most"),
    (">", "greater than"),
    (">=", "at least"),
    ("contains", "contains"),
    ("starts_with", "starts with"),
    ("is_null", "is empty"),
    ("not_null", "is not empty"),
]


def layout(**_: Any) -> html.Div:
    """Pickers, table details, filters, the grid with its pager, a chart and the export link."""
    return html.Div(
        [
            html.H1("Data", className="h3"),
            html.P("Tables of Unity Catalog you may read, queried on the SQL warehouse as you."),
            dcc.Store(id=BOOT, data=True),
            dcc.Store(id=INITIAL),
            dcc.Store(id=STATE),
            html.Div(id=ERROR, **aria(live="polite")),
            dbc.Row(
                [
                    dbc.Col(labelled_select(CATALOG, "Catalog", []), md=4),
                    dbc.Col(labelled_select(SCHEMA, "Schema", []), md=4),
                    dbc.Col(labelled_select(TABLE, "Table", []), md=4),
                ]
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(id=DETAILS),
                        dbc.Button("Add to favorites", id=FAVORITE, color="link", className="px-0"),
                    ]
                ),
                className="mb-3",
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2("Filters", className="h6"),
                        dbc.Row(
                            [
                                dbc.Col(labelled_select(FILTER_COLUMN, "Column", []), md=4),
                                dbc.Col(
                                    labelled_select(FILTER_OPERATOR, "Condition", OPERATOR_LABELS, value="="), md=3
                                ),
                                dbc.Col(
                                    html.Div(
                                        [
                                            dbc.Label("Value", html_for=FILTER_VALUE),
                                            dbc.Input(id=FILTER_VALUE, type="text"),
                                        ],
                                        className="mb-3",
                                    ),
                                    md=3,
                                ),
                                dbc.Col(
                                    dbc.Button("Add filter", id=FILTER_ADD, color="secondary", className="mt-md-4"),
                                    md=2,
                                ),
                            ]
                        ),
                        html.Div(id=FILTERS),
                    ]
                ),
                className="mb-3",
            ),
            html.Div(id=STATUS, className="small mb-2", **aria(live="polite")),
            # A query still running after a second shows that it runs, and a way to stop it on the warehouse.
            dcc.Loading(
                html.Div(id=GRID),
                delay_show=1000,
                custom_spinner=html.Div(
                    [
                        html.Div(
                            html.Div(className="progress-bar progress-bar-striped progress-bar-animated w-100"),
                            className="progress mb-2",
                            role="progressbar",
                            **aria(label="Query running", valuetext="running"),
                        ),
                        html.P("Running on the SQL warehouse…", className="mb-2", role="status"),
                        dbc.Button("Cancel query", id=CANCEL, color="danger", outline=True),
                    ],
                    className="bg-body p-3 border rounded shadow-sm",
                ),
            ),
            html.Nav(
                [
                    dbc.Button("Previous", id=PREVIOUS, color="secondary", outline=True, className="me-2"),
                    html.Span(id=PAGE_LABEL, className="me-2"),
                    dbc.Button("Next", id=NEXT, color="secondary", outline=True, className="me-3"),
                    html.Div(
                        labelled_select(
                            PAGE_SIZE, "Rows per page", [(str(n), str(n)) for n in preferences.PAGE_SIZES], value="100"
                        ),
                        className="d-inline-block",
                    ),
                    html.A(
                        "Export CSV",
                        id=EXPORT,
                        href="#",
                        className="btn btn-outline-primary ms-3",
                        download="table.csv",
                    ),
                ],
                className="d-flex align-items-end flex-wrap my-3",
                **aria(label="Pages of the table"),
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2("Chart", className="h6"),
                        dbc.Row(
                            [
                                dbc.Col(labelled_select(CHART_X, "X (group by)", []), md=4),
                                dbc.Col(labelled_select(CHART_Y, "Y (value)", []), md=4),
                                dbc.Col(
                                    labelled_select(
                                        CHART_AGGREGATION,
                                        "Aggregation",
                                        [(a, a) for a in warehouse.AGGREGATIONS],
                                        value="count",
                                    ),
                                    md=2,
                                ),
                                dbc.Col(
                                    dbc.Button("Draw chart", id=CHART_DRAW, color="primary", className="mt-md-4"), md=2
                                ),
                            ]
                        ),
                        dcc.Loading(html.Div(id=CHART), delay_show=300),
                    ]
                ),
                className="mb-4",
            ),
        ]
    )


def _options(names: list[str]) -> list[dict[str, str]]:
    return [{"label": name, "value": name} for name in names]


def _stored_layout() -> dict[str, Any]:
    settings = app_settings()
    if not lakebase.is_configured(settings):
        return {}
    found = preferences.get_preference(settings=settings, user=current_user(), key="dashboard_layout")
    return found.preference_value if found else {}


def _remember(**changes: Any) -> None:
    """Keep the last table and page size in the user's dashboard layout (best effort)."""
    settings = app_settings()
    if not lakebase.is_configured(settings):
        return
    try:
        value = _stored_layout() | changes
        preferences.upsert_preference(settings=settings, user=current_user(), key="dashboard_layout", value=value)
    except ServiceError as error:  # remembering is a convenience; the page works without it
        log.warning("could not remember the data page's state: %s", error.error_code)


@callback(
    Output(CATALOG, "options"),
    Output(CATALOG, "value"),
    Output(INITIAL, "data"),
    Output(PAGE_SIZE, "value"),
    Output(ERROR, "children", allow_duplicate=True),
    Input(BOOT, "data"),
    prevent_initial_call="initial_duplicate",
)
def start(_: Any) -> tuple[Any, ...]:
    """The user's catalogs, and the table and page size they used last (or the sample trips table)."""
    try:
        catalogs = catalog.list_catalogs(settings=app_settings(), user=current_user())
        remembered = _stored_layout()
    except ServiceError as error:
        return [], None, None, "100", error_alert(error)
    initial = remembered.get("last_table") or DEFAULT_TABLE
    parts = initial.split(".")
    chosen = parts[0] if parts[0] in catalogs else (catalogs[0] if catalogs else None)
    return _options(catalogs), chosen, initial, str(remembered.get("page_size", 100)), None


@callback(
    Output(SCHEMA, "options"),
    Output(SCHEMA, "value"),
    Output(ERROR, "children", allow_duplicate=True),
    Input(CATALOG, "value"),
    State(INITIAL, "data"),
    prevent_initial_call=True,
)
def show_schemas(catalog_name: str | None, initial: str | None) -> tuple[Any, ...]:
    """The schemas of the chosen catalog the user may see."""
    if not catalog_name:
        return [], None, None
    try:
        schemas = catalog.list_schemas(settings=app_settings(), user=current_user(), catalog=catalog_name)
    except ServiceError as error:
        return [], None, error_alert(error)
    wanted = (initial or "").split(".")
    chosen = wanted[1] if len(wanted) == 3 and wanted[1] in schemas else (schemas[0] if schemas else None)
    return _options(schemas), chosen, None


@callback(
    Output(TABLE, "options"),
    Output(TABLE, "value"),
    Output(ERROR, "children", allow_duplicate=True),
    Input(SCHEMA, "value"),
    State(CATALOG, "value"),
    State(INITIAL, "data"),
    prevent_initial_call=True,
)
def show_tables(schema_name: str | None, catalog_name: str | None, initial: str | None) -> tuple[Any, ...]:
    """The tables of the chosen schema the user may see."""
    if not schema_name or not catalog_name:
        return [], None, None
    try:
        tables = catalog.list_tables(
            settings=app_settings(), user=current_user(), catalog=catalog_name, schema=schema_name
        )
    except ServiceError as error:
        return [], None, error_alert(error)
    names = [t.table_name for t in tables]
    wanted = (initial or "").split(".")
    chosen = wanted[2] if len(wanted) == 3 and wanted[2] in names else (names[0] if names else None)
    return _options(names), chosen, None


def _favorites() -> list[str]:
    settings = app_settings()
    if not lakebase.is_configured(settings):
        return []
    found = preferences.get_preference(settings=settings, user=current_user(), key="favorite_tables")
    return list(found.preference_value.get("tables", [])) if found else []


def _favorite_label(full_name: str, favorites: list[str]) -> str:
    return "★ Remove from favorites" if full_name in favorites else "☆ Add to favorites"


@callback(
    Output(DETAILS, "children"),
    Output(FAVORITE, "children"),
    Output(FILTER_COLUMN, "options"),
    Output(CHART_X, "options"),
    Output(CHART_Y, "options"),
    Input(TABLE, "value"),
    State(CATALOG, "value"),
    State(SCHEMA, "value"),
    prevent_initial_call=True,
)
def show_table(table_name: str | None, catalog_name: str | None, schema_name: str | None) -> tuple[Any, ...]:
    """The chosen table's details; its columns feed the filter and chart pickers."""
    if not (table_name and catalog_name and schema_name):
        raise PreventUpdate
    settings, user = app_settings(), current_user()
    try:
        details = catalog.get_table(
            settings=settings, user=user, catalog=catalog_name, schema=schema_name, table=table_name
        )
        favorites = _favorites()
    except ServiceError as error:
        return error_alert(error), no_update, [], [], []
    _remember(last_table=details.full_name)
    columns = _options([c.name for c in details.columns])
    data = {
        "full_name": details.full_name,
        "owner": details.owner,
        "comment": details.comment,
        "access_level": details.access_level,
        "columns": [{"name": c.name, "data_type": c.data_type, "nullable": c.nullable} for c in details.columns],
    }
    return table_details(data), _favorite_label(details.full_name, favorites), columns, columns, columns


@callback(
    Output(STATE, "data"),
    Output(FILTER_VALUE, "value"),
    Input(TABLE, "value"),
    Input(PREVIOUS, "n_clicks"),
    Input(NEXT, "n_clicks"),
    Input(PAGE_SIZE, "value"),
    Input({"type": SORT, "column": ALL}, "n_clicks"),
    Input(FILTER_ADD, "n_clicks"),
    Input({"type": FILTER_REMOVE, "index": ALL}, "n_clicks"),
    State(CATALOG, "value"),
    State(SCHEMA, "value"),
    State(STATE, "data"),
    State(FILTER_COLUMN, "value"),
    State(FILTER_OPERATOR, "value"),
    State(FILTER_VALUE, "value"),
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
    limit = int(page_size or 100)
    full_name = f"{catalog_name}.{schema_name}.{table_name}" if table_name else None
    if trigger == TABLE or not state or state.get("table") != full_name:
        fresh: dict[str, Any] = {"table": full_name, "limit": limit, "offset": 0, "filters": [], "sort": None}
        return (fresh | {"token": uuid.uuid4().hex} if full_name else None), no_update
    new = dict(state) | {"token": uuid.uuid4().hex}  # each query its own token, for Cancel
    clear_value: Any = no_update
    if trigger == PREVIOUS:
        new["offset"] = max(0, state["offset"] - state["limit"])
    elif trigger == NEXT:
        new["offset"] = state["offset"] + state["limit"]
    elif trigger == PAGE_SIZE:
        new.update(limit=limit, offset=0)
        _remember(page_size=limit)
    elif isinstance(trigger, dict) and trigger.get("type") == SORT:
        if not any(sort_clicks):
            raise PreventUpdate
        column = trigger["column"]
        current = state.get("sort") or {}
        direction = "desc" if current.get("column") == column and current.get("direction") == "asc" else "asc"
        new.update(sort={"column": column, "direction": direction}, offset=0)
    elif trigger == FILTER_ADD:
        if not filter_column or not filter_operator:
            raise PreventUpdate
        value = None if filter_operator in ("is_null", "not_null") else (filter_value or "")
        new.update(
            filters=[*state["filters"], {"column": filter_column, "operator": filter_operator, "value": value}],
            offset=0,
        )
        clear_value = ""
    elif isinstance(trigger, dict) and trigger.get("type") == FILTER_REMOVE:
        if not any(remove_clicks):
            raise PreventUpdate
        new.update(filters=[f for i, f in enumerate(state["filters"]) if i != trigger["index"]], offset=0)
    else:
        raise PreventUpdate
    return new, clear_value


def _service_args(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "table": warehouse.TableRef.parse(state["table"]),
        "filters": [warehouse.Filter(f["column"], f["operator"], f.get("value")) for f in state.get("filters", [])],
        "sort": warehouse.Sort(state["sort"]["column"], state["sort"]["direction"]) if state.get("sort") else None,
    }


def _export_href(state: dict[str, Any]) -> str:
    table = warehouse.TableRef.parse(state["table"])
    query = {
        "catalog": table.catalog,
        "schema": table.schema,
        "table": table.table,
        "filters": json.dumps(state["filters"]),
    }
    if state.get("sort"):
        query |= {"sort_column": state["sort"]["column"], "sort_direction": state["sort"]["direction"]}
    return "/api/unity-catalog/export?" + urlencode(query)


@callback(
    Output(GRID, "children"),
    Output(STATUS, "children"),
    Output(PAGE_LABEL, "children"),
    Output(PREVIOUS, "disabled"),
    Output(NEXT, "disabled"),
    Output(FILTERS, "children"),
    Output(EXPORT, "href"),
    Input(STATE, "data"),
)
def show_page(state: dict[str, Any] | None) -> tuple[Any, ...]:
    """Ask the warehouse for the page the state describes; the browser holds only that page."""
    if not state or not state.get("table"):
        return html.P("Choose a table."), "", "", True, True, None, "#"
    badges = filter_badges(state["filters"], remove_type=FILTER_REMOVE)
    page_number = state["offset"] // state["limit"] + 1
    try:
        result = warehouse.query_page(
            settings=app_settings(),
            user=current_user(),
            limit=state["limit"],
            offset=state["offset"],
            query_token=state.get("token"),
            **_service_args(state),
        )
    except ServiceError as error:
        return error_alert(error), "", f"Page {page_number}", True, True, badges, "#"
    first = state["offset"] + 1 if result.row_count else 0
    status = f"Rows {first}–{state['offset'] + result.row_count} · {result.execution_time_ms} ms on the warehouse"
    return (
        data_grid(result.columns, result.rows, state.get("sort"), sort_type=SORT),
        status,
        f"Page {page_number}",
        state["offset"] == 0,
        not result.has_next,
        badges,
        _export_href(state),
    )


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
    State(STATE, "data"),
    State(CHART_X, "value"),
    State(CHART_Y, "value"),
    State(CHART_AGGREGATION, "value"),
    prevent_initial_call=True,
)
def draw_chart(
    n_clicks: int | None, state: dict[str, Any] | None, x: str | None, y: str | None, aggregation: str | None
) -> Any:
    """The aggregate runs as SQL on the warehouse; plotly draws what comes back."""
    if not n_clicks or not state or not state.get("table"):
        raise PreventUpdate
    if not x:
        return dbc.Alert("Choose the column to group by (X).", color="warning")
    args = _service_args(state)
    try:
        data = warehouse.aggregate(
            settings=app_settings(),
            user=current_user(),
            table=args["table"],
            x=x,
            y=y,
            aggregation=aggregation or "count",
            filters=args["filters"],
        )
    except ServiceError as error:
        return error_alert(error)
    label = "count" if data.aggregation == "count" else f"{data.aggregation}({data.y_column})"
    figure = go.Figure(go.Bar(x=data.x, y=data.y, name=label))
    figure.update_layout(
        title=f"{label} by {data.x_column}",
        xaxis_title=data.x_column,
        yaxis_title=label,
        margin={"t": 50, "l": 60, "r": 20, "b": 50},
    )
    return html.Figure(
        [
            dcc.Graph(figure=figure, id="data-chart-graph", config={"displaylogo": False}),
            html.Figcaption(
                f"Bar chart of {label} by {data.x_column}: {len(data.x)} groups, "
                f"{data.execution_time_ms} ms on the warehouse.",
                className="small",
            ),
        ]
    )


@callback(
    Output(FAVORITE, "children", allow_duplicate=True),
    Output(ERROR, "children", allow_duplicate=True),
    Input(FAVORITE, "n_clicks"),
    State(STATE, "data"),
    prevent_initial_call=True,
)
def toggle_favorite(n_clicks: int | None, state: dict[str, Any] | None) -> tuple[Any, Any]:
    """Star or unstar the current table in the user's favorites."""
    if not n_clicks or not state or not state.get("table"):
        raise PreventUpdate
    full_name = state["table"]
    try:
        favorites = _favorites()
        favorites = [t for t in favorites if t != full_name] if full_name in favorites else [*favorites, full_name]
        preferences.upsert_preference(
            settings=app_settings(), user=current_user(), key="favorite_tables", value={"tables": favorites}
        )
    except ServiceError as error:
        return no_update, error_alert(error)
    return _favorite_label(full_name, favorites), None
