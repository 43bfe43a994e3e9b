"""The Data page's chart card and its "Show SQL" panel. Pure builders: the page passes the ids its callbacks use
(`ChartIds`) and what the warehouse answered (services.warehouse.charts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.accessibility import aria
from components.charts import CHART_HEIGHT
from components.forms import labelled_select
from components.skeletons import chart_skeleton, loading_area
from services.warehouse.charts import CHART_TYPES, TOP_N_CHOICES, BoundParameter

AGGREGATION_LABELS = {
    "count": "Count of rows",
    "sum": "Total (sum)",
    "avg": "Average",
    "min": "Minimum",
    "max": "Maximum",
}
CHART_TYPE_LABELS = {"bar": "Bar", "line": "Line", "scatter": "Scatter"}
HIDDEN = {"display": "none"}


@dataclass(frozen=True)
class ChartIds:
    """The ids of the card's parts: its controls, the note that says why they are disabled, the message slot
    (errors, what to choose), the figure (shown once drawn), its graph and caption, and the SQL panel's slot."""

    x: str
    y: str
    aggregation: str
    chart_type: str
    top_n: str
    draw: str
    note: str
    message: str
    figure: str
    graph: str
    caption: str
    sql: str

    @property
    def controls(self) -> tuple[str, ...]:
        """The ids of everything a user can change (disabled together)."""
        return (self.x, self.y, self.aggregation, self.chart_type, self.top_n, self.draw)


def _column_select(control_id: str, label: str, *, help_text: str = "") -> html.Div:
    """A labelled select of the table's columns (filled by the page) that says so while none is chosen."""
    field = labelled_select(control_id, label, [], help_text=help_text)
    field.children[1].placeholder = "Choose a column"
    return field


def chart_card(ids: ChartIds) -> dbc.Card:
    """X and Y pickers, the aggregation, the chart type and how many bars, Draw; the chart, its caption and the
    statement that computed it."""
    aggregations = list(AGGREGATION_LABELS.items())
    kinds = [(kind, CHART_TYPE_LABELS[kind]) for kind in CHART_TYPES]
    tops = [(str(n), f"Top {n}") for n in TOP_N_CHOICES]
    figure = html.Figure(
        [
            dcc.Graph(id=ids.graph, figure={}, config={"displaylogo": False}, style={"height": f"{CHART_HEIGHT}px"}),
            html.Figcaption(id=ids.caption, className="small"),
        ],
        id=ids.figure,
        style=HIDDEN,
        className="mb-2",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Chart", className="h5 card-title"),
                html.P(
                    "Computed on the SQL warehouse over every row the filters keep.",
                    id=ids.note,
                    className="small text-body-secondary",
                ),
                dbc.Row(
                    [
                        dbc.Col(_column_select(ids.x, "Group by (X)"), md=3),
                        dbc.Col(_column_select(ids.y, "Value (Y)", help_text="Not used by a count."), md=3),
                        dbc.Col(labelled_select(ids.aggregation, "Aggregation", aggregations, value="count"), md=2),
                        dbc.Col(labelled_select(ids.chart_type, "Chart type", kinds, value="bar"), md=2),
                        dbc.Col(
                            labelled_select(ids.top_n, "Groups", tops, value="20", help_text="The rest: Other."), md=2
                        ),
                    ]
                ),
                dbc.Button("Draw chart", id=ids.draw, color="primary", className="mb-3"),
                html.Div(id=ids.message, **aria(live="polite")),
                loading_area(figure, placeholder=chart_skeleton(CHART_HEIGHT, caption=True)),
                html.Div(id=ids.sql),
            ]
        ),
        className="mb-4",
    )


def disabled_reason(table_info: Mapping[str, Any] | None) -> str | None:
    """Why the chart cannot be drawn for this table (None when it can)."""
    if not table_info:
        return "Open a table to chart it."
    if table_info.get("readable", False):
        return None
    name, owner = table_info.get("full_name") or "this table", table_info.get("owner")
    ask = f"Ask its owner, {owner}, for SELECT on it." if owner else "Ask its owner for SELECT on it."
    return f"Charts are off: a chart reads the rows of {name}, and you may not read them. {ask}"


def sql_panel(statement: str, parameters: Sequence[BoundParameter], *, elapsed_ms: int) -> html.Details:
    """ "Show SQL": the exact statement that ran, and its parameters apart (their values are bound, never part
    of the text), each with the SQL type it was bound as."""
    if parameters:
        rows = [
            html.Tr([html.Td(html.Code(f":{p.name}")), html.Td(html.Code(p.value)), html.Td(p.sql_type)])
            for p in parameters
        ]
        listed: Any = dbc.Table(
            [
                html.Caption("Parameters"),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in ("Marker", "Value", "Type")])),
                html.Tbody(rows),
            ],
            size="sm",
            className="caption-top w-auto mb-0",
        )
    else:
        listed = html.P("No parameters.", className="small mb-0")
    return html.Details(
        [
            html.Summary("Show SQL"),
            html.P(
                f"The statement that ran on the SQL warehouse ({elapsed_ms:,} ms), as you. Values are bound "
                "parameters, listed under it, never part of its text.",
                className="small text-body-secondary mt-2",
            ),
            html.Pre(
                html.Code(statement),
                tabIndex="0",
                role="region",
                className="border rounded p-2 small",
                **aria(label="SQL statement"),
            ),
            listed,
        ],
        className="mt-2",
    )
