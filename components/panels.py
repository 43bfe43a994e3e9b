"""Dashboard panels: a titled card whose body loads on its own (a placeholder of its size while it runs, so
nothing jumps), its own error slot, when its data was computed, and a Refresh button; KPI cards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.accessibility import aria
from components.skeletons import chart_skeleton, loading_area

RUNS_AS = {
    "app": "Runs as the app (shared results, the same for everyone).",
    "user": "Runs as you, with your own permissions.",
}


def panel_ids(prefix: str) -> dict[str, str]:
    """The ids of a panel's parts: its body, graph, caption, error slot, computed-at line and Refresh."""
    return {part: f"{prefix}-{part}" for part in ("body", "graph", "caption", "error", "computed", "refresh")}


def panel(
    prefix: str, title: str, body: Any, *, runs_as: str, height: int, width: int = 6, placeholder: Any = None
) -> dbc.Col:
    """A panel in a grid column: heading, whose identity the query runs as, the body in a loading area of a
    fixed height (covered by `placeholder`, by default a chart's skeleton, while it loads), its error slot,
    and a footer with the computed-at line and Refresh."""
    ids = panel_ids(prefix)
    if placeholder is None:
        placeholder = chart_skeleton(height, label=title)
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.H2(title, className="h5 card-title mb-1"),
                    html.P(RUNS_AS[runs_as], className="small text-body-secondary mb-2"),
                    html.Div(id=ids["error"], **aria(live="polite")),
                    loading_area(
                        html.Div(body, id=ids["body"], style={"minHeight": f"{height}px"}), placeholder=placeholder
                    ),
                    html.Div(
                        [
                            html.Span(id=ids["computed"], className="small text-body-secondary me-auto"),
                            html.Button(
                                "Refresh",
                                id=ids["refresh"],
                                className="btn btn-sm btn-outline-secondary",
                                **aria(label=f"Refresh {title}"),
                            ),
                        ],
                        className="d-flex align-items-center gap-2 mt-2",
                    ),
                ]
            ),
            className="h-100",
            id=prefix,
        ),
        lg=width,
        className="mb-4",
    )


def chart_body(prefix: str, *, height: int) -> list[Any]:
    """A panel's graph (in the layout from the start, so clicks on it can be inputs) and its caption."""
    ids = panel_ids(prefix)
    return [
        dcc.Graph(id=ids["graph"], config={"displaylogo": False}, style={"height": f"{height}px"}),
        html.P(id=ids["caption"], className="small mb-0", **aria(live="polite")),
    ]


def computed_at(when: dt.datetime, *, from_cache: bool, warehouse_ms: int) -> str:
    """When the data was computed (UTC), and whether this answer came from the cache."""
    source = "from the cache" if from_cache else f"{warehouse_ms:,} ms on the warehouse"
    return f"Computed at {when.astimezone(dt.UTC):%H:%M:%S} UTC ({source})."


def kpi_cards(values: Sequence[tuple[str, str, Any]], *, prefix: str) -> dbc.Row:
    """One card per KPI, from (key, label, formatted value); the value's id is `<prefix>-<key>`."""
    return dbc.Row(
        [
            dbc.Col(
                html.Div(
                    [
                        html.P(label, className="small text-body-secondary mb-1"),
                        html.P(text, className="fs-4 fw-semibold mb-0", id=f"{prefix}-{key}"),
                    ],
                    className="border rounded p-3 h-100",
                ),
                xs=6,
                md=3,
                className="mb-2",
            )
            for key, label, text in values
        ]
    )
