"""Trips: a cross-filtering dashboard of the sample taxi trips, built only from query files (`queries/`) and
components. Each panel has its own callback and query, so a slow panel holds no other back; all run as the
app (shared results, as a dashboard published with embedded credentials) except the drop-off panel, which
runs as the signed-in user. Clicking a bar or a matrix cell filters the other panels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from components import trips
from components.charts import TEMPLATES, theme_of
from components.feedback import error_alert
from components.filters_bar import filter_chips, filters_bar
from components.panels import chart_body, computed_at, kpi_cards, panel, panel_ids
from components.skeletons import kpi_skeleton
from components.stores import THEME_MODE_STORE
from core.errors import ServiceError
from core.request_context import app_settings, current_user
from services import analytics

dash.register_page(__name__, path="/trips", name="Trips", title="Trips · Databricks Dash Template", order=15)

FILTERS, BOOT = "trips-filters", "trips-boot"
DATES, DISTANCE, PICKUP = "trips-dates", "trips-distance", "trips-pickup"
FIRST, LAST = f"{DATES}-start", f"{DATES}-end"
SHORTEST, LONGEST = f"{DISTANCE}-min", f"{DISTANCE}-max"
CHIPS, CLEAR = "trips-chips", "trips-clear"
CHART_HEIGHT = 300
Draw = Callable[[Any, dict[str, Any], Any], tuple[go.Figure, str]]


@dataclass(frozen=True)
class Panel:
    """A chart panel: its query, the filters it does not apply to itself (a cross-filter it sets), and how it
    draws the result."""

    name: str
    title: str
    query: str
    own_filters: tuple[str, ...]
    draw: Draw
    runs_as: str = "app"
    width: int = 6

    @property
    def ids(self) -> dict[str, str]:
        return panel_ids(f"trips-{self.name}")


def _zips(column: str, what: str, top: int = 10) -> Draw:
    return lambda frame, filters, theme: trips.zips_figure(
        frame.head(top), filters.get(column), theme, column=column, what=what
    )


PANELS = (
    Panel("hours", "Trips by hour of day", "trips_by_hour", ("pickup_hour",), trips.hours_figure),
    Panel("days", "Trips by day", "trips_by_day", ("pickup_day",), trips.days_figure),
    Panel("distance", "Fare by distance", "fare_by_distance", (), trips.distance_figure),
    Panel(
        "matrix", "Pickup to drop-off, busiest zips", "zip_matrix", ("pickup_zip", "dropoff_zip"), trips.matrix_figure
    ),
    Panel("pickups", "Top pickup zips", "top_pickup_zips", ("pickup_zip",), _zips("pickup_zip", "pickup")),
    Panel(
        "dropoffs",
        "Top drop-off zips",
        "fares_by_dropoff_zip",
        ("dropoff_zip",),
        _zips("dropoff_zip", "drop-off"),
        runs_as="user",
    ),
)
KPIS = panel_ids("trips-kpis")
# A click on a bar filters by the panel's own dimension; a click on a matrix cell by both zips.
CLICKS = {p.ids["graph"]: p.own_filters[0] for p in PANELS if len(p.own_filters) == 1}
MATRIX_GRAPH = "trips-matrix-graph"


def layout(**_: Any) -> html.Div:
    """Controls, the filters bar, KPI cards and the chart panels."""
    return html.Div(
        [
            html.H1("Trips", className="h3"),
            html.P("New York taxi trips of January and February 2016, aggregated on the SQL warehouse."),
            dcc.Store(id=FILTERS, data=trips.DEFAULT_FILTERS),
            dcc.Store(id=BOOT, data=True),
            trips.controls(DATES, DISTANCE, PICKUP),
            filters_bar(CHIPS, CLEAR),
            dbc.Row(
                panel("trips-kpis", "Totals", None, runs_as="app", height=103, width=12, placeholder=kpi_skeleton(4))
            ),
            dbc.Row(
                [
                    panel(
                        f"trips-{p.name}",
                        p.title,
                        chart_body(f"trips-{p.name}", height=CHART_HEIGHT),
                        runs_as=p.runs_as,
                        height=CHART_HEIGHT + 48,
                        width=p.width,
                    )
                    for p in PANELS
                ]
            ),
        ]
    )


@callback(Output(PICKUP, "options"), Input(BOOT, "data"))
def pickup_choices(_: Any) -> list[dict[str, Any]]:
    """Every pickup zip, busiest first, with its number of trips."""
    result = analytics.run("pickup_zips", settings=app_settings(), user=current_user())
    return [{"label": "Any pickup zip", "value": trips.ANY_ZIP}] + [
        {"label": f"{z} ({n:,} trips)", "value": str(z)} for z, n in result.rows
    ]


@callback(
    [Output(FILTERS, "data"), Output(CHIPS, "children"), Output(FIRST, "value"), Output(LAST, "value")],
    [Output(SHORTEST, "value"), Output(LONGEST, "value"), Output(PICKUP, "value")],
    [Input(FIRST, "value"), Input(LAST, "value"), Input(SHORTEST, "value"), Input(LONGEST, "value")],
    Input(PICKUP, "value"),
    [Input(graph, "clickData") for graph in (*CLICKS, MATRIX_GRAPH)],
    Input(CLEAR, "n_clicks"),
    State(FILTERS, "data"),
)
def apply_filters(start: Any, end: Any, shortest: Any, longest: Any, pickup: Any, *rest: Any) -> tuple[Any, ...]:
    """One place owns the filter state: the controls, a click on a bar or a matrix cell, and Clear."""
    filters, trigger = rest[-1] or trips.DEFAULT_FILTERS, ctx.triggered_id
    if trigger == CLEAR:
        new = dict(trips.DEFAULT_FILTERS)
        controls_out = (new["start_date"], new["end_date"], 0, None, trips.ANY_ZIP)
        return new, filter_chips(trips.chip_labels(new)), *controls_out
    point = trips.clicked(ctx.triggered[0]["value"]) if trigger in (*CLICKS, MATRIX_GRAPH) else None
    new = trips.with_controls(filters, dates=(start, end), distance=(shortest, longest), pickup=pickup)
    if point is not None and trigger == MATRIX_GRAPH:
        new = trips.toggled(new, pickup_zip=int(point["y"]), dropoff_zip=int(point["x"]))
    elif point is not None and trigger in CLICKS:
        key = CLICKS[trigger]
        new = trips.toggled(new, **{key: str(point["x"])[:10] if key == "pickup_day" else int(point["x"])})
    chosen = trips.ANY_ZIP if new["pickup_zip"] is None else str(new["pickup_zip"])
    pickup_out = chosen if chosen != (pickup or trips.ANY_ZIP) else no_update
    return new, filter_chips(trips.chip_labels(new)), no_update, no_update, no_update, no_update, pickup_out


def _query(name: str, filters: dict[str, Any], own: tuple[str, ...], refresh_id: str) -> analytics.QueryResult:
    """Run a panel's query on the filters, less the ones it sets itself; Refresh skips the cache."""
    parameters = {**trips.DEFAULT_FILTERS, **(filters or {}), **dict.fromkeys(own)}
    return analytics.run(
        name, parameters, settings=app_settings(), user=current_user(), refresh=ctx.triggered_id == refresh_id
    )


def _register(chart: Panel) -> None:
    """The panel's own callback: query, draw, or its error beside it."""
    ids = chart.ids

    @callback(
        [Output(ids["graph"], "figure"), Output(ids["caption"], "children")],
        [Output(ids["error"], "children"), Output(ids["computed"], "children")],
        [Input(FILTERS, "data"), Input(ids["refresh"], "n_clicks"), Input(THEME_MODE_STORE, "data")],
    )
    def show(filters: dict[str, Any], _: Any, theme: Any) -> tuple[Any, ...]:
        try:
            result = _query(chart.query, filters, chart.own_filters, ids["refresh"])
        except ServiceError as error:
            blank = go.Figure(layout={"template": TEMPLATES[theme_of(theme)]})
            return blank, "No data: the query failed.", error_alert(error), ""
        figure, caption = chart.draw(result.frame(), filters or {}, theme)
        return (
            figure,
            caption,
            None,
            computed_at(result.computed_at, from_cache=result.from_cache, warehouse_ms=result.warehouse_ms),
        )


for _chart in PANELS:
    _register(_chart)


@callback(
    [Output(KPIS["body"], "children"), Output(KPIS["error"], "children"), Output(KPIS["computed"], "children")],
    [Input(FILTERS, "data"), Input(KPIS["refresh"], "n_clicks")],
)
def show_kpis(filters: dict[str, Any], _: Any) -> tuple[Any, ...]:
    """Trips, total fares, average fare and average distance of the filtered trips."""
    try:
        result = _query("trips_kpis", filters, (), KPIS["refresh"])
    except ServiceError as error:
        return None, error_alert(error), ""
    when = computed_at(result.computed_at, from_cache=result.from_cache, warehouse_ms=result.warehouse_ms)
    return kpi_cards(trips.kpi_values(result.frame()), prefix="trips-kpi"), None, when
