"""Average fare by pickup hour, weekdays against weekends: one query file and a line chart."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, html

from components.charts import captioned, line_chart
from components.controls import labelled_input
from components.feedback import error_alert
from components.skeletons import chart_area
from components.stores import THEME_MODE_STORE
from core.errors import ServiceError
from core.request_context import app_settings, current_user
from services import analytics

dash.register_page(__name__, path="/fare-by-hour", name="Fare by Hour", order=55)


def layout(**_: Any) -> html.Div:
    """The shortest-trip control and the chart."""
    return html.Div(
        [
            html.H1("Average fare by pickup hour", className="h3"),
            labelled_input("fbh-min", "Shortest trip (miles)", type="number", min=0, step=0.5, value=0),
            chart_area("fbh-chart"),
        ]
    )


@callback(Output("fbh-chart", "children"), Input("fbh-min", "value"), Input(THEME_MODE_STORE, "data"))
def draw(min_distance: float | None, theme: str | None) -> Any:
    """Weekday and weekend lines of the average fare per hour (or the query's error where the chart goes)."""
    parameters = {"min_distance": min_distance or 0}
    try:
        frame = analytics.run("fare_by_hour", parameters, settings=app_settings(), user=current_user()).frame()
    except ServiceError as error:
        return error_alert(error)
    figure = line_chart(frame, x="pickup_hour", y="average_fare", color="day_type", theme=theme)
    peak = frame.loc[frame["average_fare"].idxmax()] if len(frame) else None
    said = f"highest {peak.day_type} at {peak.pickup_hour}:00, ${peak.average_fare:.2f}" if peak is not None else "none"
    return captioned(figure, f"Average fare by pickup hour on weekdays and weekends: {said}.")
