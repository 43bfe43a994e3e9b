"""Charts of what the warehouse computed: a plotly figure with a caption that says it in words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import plotly.graph_objects as go
from dash import dcc, html

from services.warehouse import ChartData

ChartType = Literal["bar", "line", "scatter"]
CHART_TYPES: tuple[ChartType, ...] = ("bar", "line", "scatter")


def trace(chart_type: str, x: Sequence[Any], y: Sequence[Any], *, name: str) -> go.Bar | go.Scatter:
    """The plotly trace that draws y over x as a bar, line or scatter chart (bar for anything else)."""
    if chart_type == "line":
        return go.Scatter(x=x, y=y, name=name, mode="lines+markers")
    if chart_type == "scatter":
        return go.Scatter(x=x, y=y, name=name, mode="markers")
    return go.Bar(x=x, y=y, name=name)


def chart_figure(
    x: Sequence[Any],
    y: Sequence[Any],
    *,
    name: str,
    x_title: str,
    y_title: str,
    caption: str,
    chart_type: str = "bar",
    title: str | None = None,
    margin: Mapping[str, int] | None = None,
    graph_id: str | None = None,
) -> html.Figure:
    """A figure of y over x, titled and captioned (the caption is what a screen reader tells of it)."""
    figure = go.Figure(trace(chart_type, x, y, name=name))
    layout: dict[str, Any] = {"xaxis_title": x_title, "yaxis_title": y_title, "margin": dict(margin or {"t": 10})}
    if title:
        layout["title"] = title
    figure.update_layout(**layout)
    graph_props: dict[str, Any] = {"id": graph_id} if graph_id else {}
    return html.Figure(
        [
            dcc.Graph(figure=figure, config={"displaylogo": False}, **graph_props),
            html.Figcaption(caption, className="small"),
        ]
    )


def aggregate_chart(data: ChartData, *, chart_type: str = "bar", graph_id: str | None = None) -> html.Figure:
    """An aggregate of the warehouse, titled "AGG(y) by x", drawn as a bar, line or scatter chart."""
    label = "count" if data.aggregation == "count" else f"{data.aggregation}({data.y_column})"
    kind = chart_type if chart_type in CHART_TYPES else "bar"
    return chart_figure(
        data.x,
        data.y,
        chart_type=kind,
        name=label,
        title=f"{label} by {data.x_column}",
        x_title=data.x_column,
        y_title=label,
        margin={"t": 50, "l": 60, "r": 20, "b": 50},
        graph_id=graph_id,
        caption=f"{kind.capitalize()} chart of {label} by {data.x_column}: {len(data.x)} groups, "
        f"{data.execution_time_ms} ms on the warehouse.",
    )
