"""Charts of what the warehouse computed: a plotly figure with a caption that says it in words.

`bar_chart`, `line_chart`, `scatter` and `heatmap` take a pandas DataFrame (`QueryResult.frame()`) and
column names, and draw in the app's light or dark theme (a plotly template per theme: the page passes the
mode from the shell's THEME_MODE_STORE); `captioned` puts a figure beside its caption.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import plotly.graph_objects as go
import plotly.io as pio
from dash import dcc, html

from services.warehouse import ChartData

if TYPE_CHECKING:
    import pandas

ChartType = Literal["bar", "line", "scatter"]
CHART_TYPES: tuple[ChartType, ...] = ("bar", "line", "scatter")
Theme = Literal["light", "dark"]


def _template(base: str, *, text: str, grid: str, colorway: list[str], scale: str) -> go.layout.Template:
    """A plotly template on a transparent background (the card's own colour shows through), its text and
    grid in the theme's colours, with a colour order that keeps 3:1 against that background."""
    template = go.layout.Template(pio.templates[base])
    template.layout.update(
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"color": text, "family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"},
        colorway=colorway,
        xaxis={"gridcolor": grid, "linecolor": grid, "zerolinecolor": grid},
        yaxis={"gridcolor": grid, "linecolor": grid, "zerolinecolor": grid},
        colorscale={"sequential": scale},
        hoverlabel={"font": {"family": "system-ui, sans-serif"}},
    )
    return template


TEMPLATES: dict[Theme, go.layout.Template] = {
    "light": _template(
        "plotly_white",
        text="#212529",
        grid="#dee2e6",
        colorway=["#0a4fb5", "#b35900", "#1e7b34", "#7b3fa8"],
        scale="Blues",
    ),
    "dark": _template(
        "plotly_dark",
        text="#dee2e6",
        grid="#495057",
        colorway=["#6ea8fe", "#ffb35c", "#75d98a", "#d3a4f5"],
        scale="Viridis",
    ),
}


def theme_of(mode: Any) -> Theme:
    """The theme named by a store's value ("dark", or {"mode": "dark"}); light for anything else."""
    if isinstance(mode, Mapping):
        mode = mode.get("mode")
    return "dark" if mode == "dark" else "light"


def axis_title(column: str) -> str:
    """A column's name as an axis title: `average_fare` reads "average fare"."""
    return column.replace("_", " ")


def _themed(figure: go.Figure, theme: Any, *, x_title: str, y_title: str, height: int | None) -> go.Figure:
    figure.update_layout(
        template=TEMPLATES[theme_of(theme)],
        xaxis_title=x_title,
        yaxis_title=y_title,
        margin={"t": 30, "l": 60, "r": 10, "b": 50},
        height=height,
        showlegend=len(figure.data) > 1,
    )
    return figure


def bar_chart(
    frame: pandas.DataFrame,
    *,
    x: str,
    y: str,
    x_title: str = "",
    y_title: str = "",
    theme: Any = "light",
    categories: bool = False,
    selected: Any = None,
    height: int | None = None,
) -> go.Figure:
    """Bars of `y` over `x`; `categories` draws x as labels (zip codes are names, not numbers); the bar
    whose x is `selected` stays solid while the others fade, to show a cross-filter."""
    xs = [str(v) for v in frame[x]] if categories else list(frame[x])
    opacity = [1.0 if selected is None or str(v) == str(selected) else 0.35 for v in frame[x]]
    figure = go.Figure(go.Bar(x=xs, y=list(frame[y]), name=y_title or y, marker={"opacity": opacity}))
    if categories:
        figure.update_xaxes(type="category")
    return _themed(figure, theme, x_title=x_title or axis_title(x), y_title=y_title or axis_title(y), height=height)


def line_chart(
    frame: pandas.DataFrame,
    *,
    x: str,
    y: str,
    color: str | None = None,
    x_title: str = "",
    y_title: str = "",
    theme: Any = "light",
    height: int | None = None,
) -> go.Figure:
    """Lines (with markers) of `y` over `x`, one line per value of the `color` column when given."""
    groups = [(str(key), part) for key, part in frame.groupby(color, sort=True)] if color else [(y, frame)]
    figure = go.Figure(
        [go.Scatter(x=list(part[x]), y=list(part[y]), name=name, mode="lines+markers") for name, part in groups]
    )
    return _themed(figure, theme, x_title=x_title or axis_title(x), y_title=y_title or axis_title(y), height=height)


def scatter(
    frame: pandas.DataFrame,
    *,
    x: str,
    y: str,
    size: str | None = None,
    x_title: str = "",
    y_title: str = "",
    theme: Any = "light",
    height: int | None = None,
) -> go.Figure:
    """Markers of `y` over `x`, sized by the `size` column (area in proportion to it) when given."""
    marker: dict[str, Any] = {}
    if size is not None and len(frame):
        largest = float(frame[size].max()) or 1.0
        marker = {"size": list(frame[size]), "sizemode": "area", "sizeref": 2.0 * largest / 40**2, "sizemin": 3}
    figure = go.Figure(go.Scatter(x=list(frame[x]), y=list(frame[y]), mode="markers", marker=marker, name=y))
    return _themed(figure, theme, x_title=x_title or axis_title(x), y_title=y_title or axis_title(y), height=height)


def heatmap(
    frame: pandas.DataFrame,
    *,
    x: str,
    y: str,
    z: str,
    x_title: str = "",
    y_title: str = "",
    theme: Any = "light",
    height: int | None = None,
) -> go.Figure:
    """A matrix of `z` for each (`x`, `y`) pair, x and y as labels, each cell's number written in it
    (pairs missing from the frame are empty cells)."""
    table = frame.pivot_table(index=y, columns=x, values=z, aggfunc="sum") if len(frame) else None
    columns = [str(c) for c in table.columns] if table is not None else []
    rows = [str(r) for r in table.index] if table is not None else []
    values = table.to_numpy().tolist() if table is not None else []
    figure = go.Figure(
        go.Heatmap(
            x=columns, y=rows, z=values, texttemplate="%{z:,.0f}", hoverongaps=False, colorbar={"title": {"text": z}}
        )
    )
    figure.update_xaxes(type="category")
    figure.update_yaxes(type="category", autorange="reversed")
    return _themed(figure, theme, x_title=x_title or axis_title(x), y_title=y_title or axis_title(y), height=height)


def captioned(figure: go.Figure, caption: str, *, graph_id: str | None = None) -> html.Figure:
    """A figure and its caption (what a screen reader tells of the chart: say the numbers in words)."""
    graph_props: dict[str, Any] = {"id": graph_id} if graph_id else {}
    return html.Figure(
        [
            dcc.Graph(figure=figure, config={"displaylogo": False}, **graph_props),
            html.Figcaption(caption, className="small"),
        ]
    )


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
