"""Part of the Data page (pages/data.py composes it): the chart of the open table, and the SQL that computed it.

Its settings live in CHART_SETTINGS ({x, y, aggregation, chart_type, top_n}), which pages/data.py keeps in the
URL: Draw writes them, and the chart is drawn whenever they hold an x, again when the view's filters change, and
restyled (not recomputed) when the theme changes. Controls start from those settings, else from the user's saved
chart defaults; every control is disabled, with the reason said, while the open table cannot be read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dash import Input, Output, Patch, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components.charts import TEMPLATES, data_chart_caption, data_chart_figure, theme_of
from components.data_chart import HIDDEN, ChartIds, chart_card, disabled_reason, sql_panel
from components.data_filters import column_options
from components.feedback import error_alert
from components.stores import THEME_MODE_STORE
from core.errors import InvalidInput, ServiceError
from core.request_context import app_settings, current_user
from pages.data_ids import CHART_SETTINGS, TABLE_INFO, VIEW
from services import preferences
from services.warehouse.charts import ChartSettings, run_chart
from services.warehouse.views import TableView

IDS = ChartIds(
    x="data-chart-group-by",
    y="data-chart-measure",
    aggregation="data-chart-agg",
    chart_type="data-chart-kind",
    top_n="data-chart-top",
    draw="data-chart-run",
    note="data-chart-note",
    message="data-chart-message",
    figure="data-chart-figure",
    graph="data-chart-plot",
    caption="data-chart-caption",
    sql="data-chart-sql",
)
DRAWN = "data-chart-drawn"  # what the chart shows now (table, filters, settings): a view change that keeps
# them (a page, a sort) draws nothing again
SHOWN = {"display": "block"}


def section() -> html.Div:
    """This part's layout, placed by pages/data.py."""
    return html.Div([dcc.Store(id=DRAWN), chart_card(IDS)])


def _saved_defaults() -> ChartSettings:
    """The user's saved chart type and aggregation (the model's defaults when Lakebase cannot say)."""
    try:
        chart = preferences.get_settings_view(settings=app_settings(), user=current_user()).dashboard_layout.chart
    except ServiceError:
        chart = preferences.ChartDefaults()
    return ChartSettings(aggregation=chart.aggregation, chart_type=chart.chart_type)


def _settings(stored: object, *, drawn_only: bool = False) -> ChartSettings:
    """The chart's settings from CHART_SETTINGS (the URL's), what they leave out from the user's saved defaults
    (read only then; with `drawn_only`, only for a chart to draw); InvalidInput naming what is not valid."""
    given = stored if isinstance(stored, Mapping) else {}
    needed = not (given.get("aggregation") and given.get("chart_type")) and (given.get("x") or not drawn_only)
    defaults = _saved_defaults() if needed and (stored is None or isinstance(stored, Mapping)) else ChartSettings()
    return ChartSettings.from_store(stored, aggregation=defaults.aggregation, chart_type=defaults.chart_type)


def _columns(info: object) -> list[dict[str, str]]:
    """The open table's columns ({name, data_type}) from TABLE_INFO (the browser's: checked, never trusted)."""
    columns = info.get("columns") if isinstance(info, Mapping) else None
    if not isinstance(columns, list):
        return []
    return [
        {"name": c["name"], "data_type": str(c.get("data_type") or "")}
        for c in columns
        if isinstance(c, Mapping) and isinstance(c.get("name"), str)
    ]


@callback(
    [Output(IDS.x, "options"), Output(IDS.y, "options"), Output(IDS.note, "children")],
    [Output(IDS.x, "value"), Output(IDS.y, "value"), Output(IDS.aggregation, "value")],
    [Output(IDS.chart_type, "value"), Output(IDS.top_n, "value")],
    [Output(control, "disabled") for control in IDS.controls],
    Input(TABLE_INFO, "data"),
    State(CHART_SETTINGS, "data"),
)
def start_controls(info: Any, stored: Any) -> tuple[Any, ...]:
    """The open table's columns to choose from, the settings the URL holds (or the saved defaults), and every
    control disabled, with the reason, when the table cannot be read."""
    reason = disabled_reason(info if isinstance(info, Mapping) else None)
    try:
        chart = _settings(stored)
    except InvalidInput:  # the chart's own callback says what is wrong with it
        chart = _saved_defaults()
    options = column_options(_columns(info)) if reason is None else []
    names = {o["value"] for o in options}
    note = reason or "Computed on the SQL warehouse over every row the filters keep."
    x, y = (chart.x if chart.x in names else None), (chart.y if chart.y in names else None)
    values = (x, y, chart.aggregation, chart.chart_type, str(chart.top_n))
    return (options, options, note, *values, *([reason is not None] * len(IDS.controls)))


@callback(
    [Output(CHART_SETTINGS, "data", allow_duplicate=True), Output(IDS.message, "children", allow_duplicate=True)],
    Input(IDS.draw, "n_clicks"),
    [State(IDS.x, "value"), State(IDS.y, "value"), State(IDS.aggregation, "value")],
    [State(IDS.chart_type, "value"), State(IDS.top_n, "value")],
    prevent_initial_call=True,
)
def choose(n_clicks: int | None, x: Any, y: Any, aggregation: Any, chart_type: Any, top_n: Any) -> tuple[Any, Any]:
    """Draw: the controls become the chart's settings (and so the URL's)."""
    if not n_clicks:
        raise PreventUpdate
    if not x:
        return no_update, _ask("Choose the column to group by (X).")
    if aggregation != "count" and not y:
        return no_update, _ask(f"Choose the column to aggregate (Y): {aggregation} needs one.")
    try:
        chart = ChartSettings.from_store(
            {"x": x, "y": y, "aggregation": aggregation, "chart_type": chart_type, "top_n": top_n}
        )
    except InvalidInput as error:
        return no_update, error_alert(error)
    return chart.to_store(), no_update


def _ask(text: str) -> html.P:
    """What the user must choose before Draw can work."""
    return html.P(text, className="small text-danger-emphasis mb-2")


def _drawn_key(view: TableView, chart: ChartSettings) -> str:
    filters = [[f.column, f.operator, f.value] for f in view.filters]
    return json.dumps([view.table, filters, chart.to_store()], sort_keys=True, default=str)


@callback(
    [Output(IDS.graph, "figure"), Output(IDS.figure, "style"), Output(IDS.caption, "children")],
    [Output(IDS.sql, "children"), Output(IDS.message, "children"), Output(DRAWN, "data")],
    [Input(CHART_SETTINGS, "data"), Input(VIEW, "data"), Input(TABLE_INFO, "data"), Input(THEME_MODE_STORE, "data")],
    State(DRAWN, "data"),
)
def draw(stored: Any, state: Any, info: Any, theme: Any, drawn: Any) -> tuple[Any, ...]:
    """The chart the settings describe, over the rows the view filters, computed on the warehouse as the user;
    when only the theme changed, the chart drawn is restyled without asking the warehouse again."""
    nothing: tuple[Any, ...] = ({}, HIDDEN, None, None)
    if not isinstance(info, Mapping) or not info.get("readable"):
        return (*nothing, None, None)
    try:
        view = TableView.from_store(state)
        chart = _settings(stored, drawn_only=True)
    except InvalidInput as error:
        return (*nothing, error_alert(error), None)
    if view is None or chart.x is None or view.table != info.get("full_name"):
        return (*nothing, None, None)
    key = _drawn_key(view, chart)
    if key == drawn and ctx.triggered_id == THEME_MODE_STORE:
        restyled = Patch()
        restyled["layout"]["template"] = TEMPLATES[theme_of(theme)].to_plotly_json()
        return restyled, no_update, no_update, no_update, no_update, no_update
    if key == drawn and ctx.triggered_id == VIEW:  # a page or a sort: the chart's rows are the same
        raise PreventUpdate
    try:
        result = run_chart(settings=app_settings(), user=current_user(), view=view, chart=chart)
    except ServiceError as error:
        return (*nothing, error_alert(error), None)
    figure = data_chart_figure(result, theme=theme)
    panel = sql_panel(result.statement, result.parameters, elapsed_ms=result.execution_time_ms)
    return figure, SHOWN, data_chart_caption(result), panel, None, key
