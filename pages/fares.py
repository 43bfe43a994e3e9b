"""Fares: the worked example of README's "Add a page" — average taxi fare by drop-off zip, for trips at
least as long as the user chooses, from the query file `queries/fares_by_dropoff_zip.sql`, which runs on
the SQL warehouse as the signed-in user.

A page is one module in pages/: register it, give it a layout, and write thin callbacks that run a named
query and draw its frame with a chart component. Nothing else needs to change: the navbar lists it, and its
ids start with the page's name.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

from components.charts import bar_chart, captioned
from components.feedback import error_alert
from components.skeletons import chart_area
from components.stores import THEME_MODE_STORE
from core.errors import ServiceError
from core.request_context import app_settings, current_user
from services import analytics

dash.register_page(__name__, path="/fares", name="Fares", title="Fares · Databricks Dash Template", order=50)

MIN_DISTANCE = "fares-min-distance"
CHART = "fares-chart"


def layout(**_: Any) -> html.Div:
    """A control and the chart it drives."""
    return html.Div(
        [
            html.H1("Fares by drop-off zip", className="h3"),
            html.P("Average fare per drop-off zip code, computed on the SQL warehouse with your permissions."),
            dbc.Label("Shortest trip (miles)", html_for=MIN_DISTANCE),
            dbc.Input(id=MIN_DISTANCE, type="number", min=0, max=50, step=0.5, value=0, debounce=True),
            chart_area(CHART),
        ]
    )


@callback(Output(CHART, "children"), Input(MIN_DISTANCE, "value"), Input(THEME_MODE_STORE, "data"))
def show_fares(min_distance: float | None, theme: str | None) -> Any:
    """Run the query as the user and draw it (or show its error beside the control)."""
    try:
        result = analytics.run(
            "fares_by_dropoff_zip", {"min_distance": min_distance or 0}, settings=app_settings(), user=current_user()
        )
    except ServiceError as error:
        return error_alert(error)
    frame = result.frame().sort_values("dropoff_zip")
    figure = bar_chart(
        frame,
        x="dropoff_zip",
        y="average_fare",
        x_title="drop-off zip",
        y_title="average fare ($)",
        theme=theme,
        categories=True,
    )
    return captioned(figure, f"Average fare for {len(frame)} drop-off zips, trips of {min_distance or 0} miles or more")
