"""The Data page's controls: filters, the running-query notice with Cancel, the pager and the chart
card. Pure builders: the page passes the ids its callbacks use."""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.accessibility import aria
from components.forms import labelled_select
from components.grid import GRID_HEIGHT, grid_placeholder
from services.warehouse.sql import AGGREGATIONS

# The warehouse service's filter operators, as the page says them.
OPERATOR_LABELS: dict[str, str] = {
    "=": "equals",
    "!=": "does not equal",
    "<": "less than",
    "<=": "at most",
    ">": "greater than",
    ">=": "at least",
    "contains": "contains",
    "starts_with": "starts with",
    "is_null": "is empty",
    "not_null": "is not empty",
}


def table_pickers(catalog_id: str, schema_id: str, table_id: str) -> dbc.Row:
    """Catalog, schema and table pickers side by side."""
    pickers = ((catalog_id, "Catalog"), (schema_id, "Schema"), (table_id, "Table"))
    return dbc.Row([dbc.Col(labelled_select(control_id, label, []), md=4) for control_id, label in pickers])


def details_card(details_id: str, *, favorite_id: str) -> dbc.Card:
    """The slot for the chosen table's details, and its favorite star."""
    favorite = dbc.Button("Add to favorites", id=favorite_id, color="link", className="px-0")
    return dbc.Card(dbc.CardBody([html.Div(id=details_id), favorite]), className="mb-3")


def filters_card(column_id: str, operator_id: str, value_id: str, *, add_id: str, list_id: str) -> dbc.Card:
    """Column, condition and value pickers, the Add button, and the slot for the active filters."""
    value = html.Div([dbc.Label("Value", html_for=value_id), dbc.Input(id=value_id, type="text")], className="mb-3")
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Filters", className="h6"),
                dbc.Row(
                    [
                        dbc.Col(labelled_select(column_id, "Column", []), md=4),
                        dbc.Col(
                            labelled_select(operator_id, "Condition", list(OPERATOR_LABELS.items()), value="="), md=3
                        ),
                        dbc.Col(value, md=3),
                        dbc.Col(dbc.Button("Add filter", id=add_id, color="secondary", className="mt-md-4"), md=2),
                    ]
                ),
                html.Div(id=list_id),
            ]
        ),
        className="mb-3",
    )


def running_query(content_id: str, *, cancel_id: str) -> dcc.Loading:
    """The slot `content_id` (the grid's skeleton until a first answer, and at least the grid's height); while
    its query runs past a second, the grid's skeleton under a notice that it runs and a Cancel button."""
    notice = html.Div(
        [
            html.Div(
                html.Div(className="progress-bar progress-bar-striped progress-bar-animated w-100"),
                className="progress mb-2",
                role="progressbar",
                **aria(label="Query running", valuetext="running"),
            ),
            html.P("Running on the SQL warehouse…", className="mb-2", role="status"),
            dbc.Button("Cancel query", id=cancel_id, color="danger", outline=True),
        ],
        className="bg-body p-3 border rounded shadow-sm skeleton-notice",
    )
    slot = html.Div(grid_placeholder(), id=content_id, style={"minHeight": f"{GRID_HEIGHT}px"})
    placeholder = html.Div([grid_placeholder(), notice], className="skeleton-overlay")
    return dcc.Loading(slot, delay_show=1000, custom_spinner=placeholder)


def pager(
    previous_id: str, label_id: str, next_id: str, *, page_size_id: str, sizes: Sequence[int], export_id: str
) -> html.Nav:
    """Previous and Next, the page number, rows per page, and the CSV export link."""
    choices = [(str(n), str(n)) for n in sizes]
    return html.Nav(
        [
            dbc.Button("Previous", id=previous_id, color="secondary", outline=True, className="me-2"),
            html.Span(id=label_id, className="me-2"),
            dbc.Button("Next", id=next_id, color="secondary", outline=True, className="me-3"),
            html.Div(labelled_select(page_size_id, "Rows per page", choices, value="100"), className="d-inline-block"),
            html.A(
                "Export CSV", id=export_id, href="#", className="btn btn-outline-primary ms-3", download="table.csv"
            ),
        ],
        className="d-flex align-items-end flex-wrap my-3",
        **aria(label="Pages of the table"),
    )


def chart_card(x_id: str, y_id: str, aggregation_id: str, *, draw_id: str, chart_id: str) -> dbc.Card:
    """X and Y column pickers, the aggregation, the Draw button, and the chart's slot."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Chart", className="h6"),
                dbc.Row(
                    [
                        dbc.Col(labelled_select(x_id, "X (group by)", []), md=4),
                        dbc.Col(labelled_select(y_id, "Y (value)", []), md=4),
                        dbc.Col(
                            labelled_select(
                                aggregation_id, "Aggregation", [(a, a) for a in AGGREGATIONS], value="count"
                            ),
                            md=2,
                        ),
                        dbc.Col(dbc.Button("Draw chart", id=draw_id, color="primary", className="mt-md-4"), md=2),
                    ]
                ),
                dcc.Loading(html.Div(id=chart_id), delay_show=300),
            ]
        ),
        className="mb-4",
    )
