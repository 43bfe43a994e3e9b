"""Charts of what the warehouse computed: a plotly figure with a caption that says it in words.

`bar_chart`, `line_chart`, `scatter` and `heatmap` take a pandas DataFrame (`QueryResult.frame()`) and
column names, and draw in the app's light or dark theme (a plotly template per theme: the page passes the
mode from the shell's THEME_MODE_STORE); `captioned` puts a figure beside its caption. `data_chart_figure`
and `data_chart_caption` draw and say the Data page's chart (services.warehouse.charts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import plotly.graph_objects as go
from dash import dcc, html

from components.theme import PLOTLY_TEMPLATES
from services.warehouse import Filter
from services.warehouse.charts import ChartResult

if TYPE_CHECKING:
    import pandas

Theme = Literal["light", "dark"]


# The DuBois tokens' templates (components/theme.py): charts follow the app's theme in both modes.
TEMPLATES: Mapping[Theme, go.layout.Template] = PLOTLY_TEMPLATES


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


CHART_HEIGHT = 400  # the Data page's chart, in px: its skeleton and its figure share it (no jump)
TITLE_LINE_CHARS = 80  # a longer title puts its filters on a second, smaller line
MEASURE_WORDS = {"sum": "Total", "avg": "Average", "min": "Minimum", "max": "Maximum"}
# The operators a title says in words (the comparisons read as their symbols: `trip_distance > 10`).
FILTER_WORDS = {"contains": "contains", "starts_with": "starts with", "is_null": "is empty", "not_null": "is not empty"}


def measure_label(aggregation: str, y: str | None) -> str:
    """What the values are: "Count of rows", "Average fare_amount"."""
    if aggregation == "count" or not y:
        return "Count of rows"
    return f"{MEASURE_WORDS.get(aggregation, aggregation)} {y}"


def filter_text(filters: Sequence[Filter]) -> str:
    """The filters as a title says them: `trip_distance > 10, o_clerk contains "Clerk#0001"`."""
    said = []
    for item in filters:
        if item.operator in ("is_null", "not_null"):
            said.append(f"{item.column} {FILTER_WORDS[item.operator]}")
        elif item.operator in FILTER_WORDS:
            said.append(f'{item.column} {FILTER_WORDS[item.operator]} "{item.value}"')
        else:
            said.append(f"{item.column} {item.operator} {item.value}")
    return ", ".join(said)


def chart_title(result: ChartResult) -> str:
    """ "Average fare_amount by pickup_zip · trip_distance > 10": what is drawn, by what, under which filters
    (plain text; see `_title_markup` for the figure's)."""
    title = f"{measure_label(result.settings.aggregation, result.settings.y)} by {result.settings.x}"
    return f"{title} · {filter_text(result.filters)}" if result.filters else title


def value_format(kind: str, decimals: int, *, trim: bool = False) -> str:
    """The d3 format of a value of this kind: thousands separators, and the decimals of its type (`trim`
    drops trailing zeros, for axis ticks)."""
    if kind == "integer":
        return ",d"
    if kind == "decimal":
        return f",.{decimals}{'~' if trim else ''}f"
    return ""


def format_value(value: Any, kind: str, decimals: int) -> str:
    """A value as the chart's hover says it, in words for the caption."""
    if value is None:
        return "NULL"
    if kind == "integer":
        return f"{int(value):,}"
    if kind == "decimal":
        return f"{float(value):,.{decimals}f}"
    return str(value)


def _title_markup(result: ChartResult) -> str:
    head = f"{measure_label(result.settings.aggregation, result.settings.y)} by {result.settings.x}"
    if not result.filters:
        return head
    filters = filter_text(result.filters)
    joined = f"{head} · {filters}"
    return joined if len(joined) <= TITLE_LINE_CHARS else f"{head}<br><sup>{filters}</sup>"


def data_chart_figure(result: ChartResult, *, theme: Any = "light") -> go.Figure:
    """The Data page's chart of a ChartResult: categories as labels in the order computed (largest first, the
    "Other" group last and hatched), days on a date axis, values formatted by their type in axes and hovers."""
    settings = result.settings
    measure = measure_label(settings.aggregation, settings.y)
    shown = trace(settings.chart_type, result.x, result.values, name=measure)
    x_hover = "%{x|%a %d %b %Y}" if result.x_axis == "time" else "%{x}"
    number = value_format(result.value_kind, result.decimals)
    y_hover = f"%{{y:{number}}}" if number else ("%{y|%d %b %Y %H:%M}" if result.value_kind == "time" else "%{y}")
    shown.update(hovertemplate=f"<b>{x_hover}</b><br>{measure}: {y_hover}<extra></extra>")
    if isinstance(shown, go.Bar) and result.other_groups:
        shown.update(marker={"pattern": {"shape": [""] * (len(result.x) - 1) + ["/"]}})
    figure = go.Figure(shown)
    _themed(figure, theme, x_title=settings.x or "", y_title=measure, height=CHART_HEIGHT)
    figure.update_layout(
        title={"text": _title_markup(result), "x": 0, "xanchor": "left"}, margin={"t": 70, "l": 70, "r": 20, "b": 60}
    )
    if result.x_axis == "category":
        figure.update_xaxes(type="category", categoryorder="array", categoryarray=result.x)
    elif result.x_axis == "time":
        figure.update_xaxes(type="date", tickformat="%d %b %Y")
    else:
        figure.update_xaxes(tickformat=",.2~f")
    if result.value_kind == "time":
        figure.update_yaxes(type="date")
    elif number:
        figure.update_yaxes(tickformat=value_format(result.value_kind, result.decimals, trim=True))
    return figure


def data_chart_caption(result: ChartResult) -> str:
    """The chart in words (the figure's caption, what a screen reader tells of it)."""
    settings = result.settings
    what = f"{settings.chart_type.capitalize()} chart of {chart_title(result)}"
    if not result.x:
        return f"{what}: no rows match."
    pairs = list(zip(result.x, result.values, strict=True))
    shown = pairs[: len(pairs) - 1 if result.other_groups else None]
    if result.x_axis == "category":
        first, value = shown[0]
        said = f"{len(shown)} of {result.group_count:,} groups, largest {first} at "
        said += format_value(value, result.value_kind, result.decimals)
        if result.other_groups:
            said += f"; the other {result.other_groups:,} groups together "
            said += format_value(pairs[-1][1], result.value_kind, result.decimals)
    else:
        said = f"{len(shown):,} {'days' if result.x_axis == 'time' else 'values'} from {shown[0][0]} to {shown[-1][0]}"
        if result.truncated:
            said += f" (the first {len(shown):,} of {result.group_count:,})"
    return f"{what}: {said}. {result.execution_time_ms:,} ms on the warehouse."
