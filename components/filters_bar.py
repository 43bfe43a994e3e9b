"""A filters bar: what a dashboard's cross-filters apply, as readable chips, and a button that clears them."""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import html

from components.accessibility import aria


def filters_bar(bar_id: str, clear_id: str) -> html.Section:
    """The bar: a heading, a live list of chips (filled by `filter_chips`) and Clear."""
    return html.Section(
        [
            html.H2("Filters", className="h6 mb-0 me-2", id=f"{bar_id}-heading"),
            html.Ul(id=bar_id, className="list-unstyled d-flex flex-wrap gap-2 mb-0 me-auto", **aria(live="polite")),
            dbc.Button("Clear filters", id=clear_id, size="sm", color="secondary", outline=True),
        ],
        className="d-flex flex-wrap align-items-center gap-2 border rounded px-3 py-2 mb-3",
        **aria(labelledby=f"{bar_id}-heading"),
    )


def filter_chips(labels: Sequence[str]) -> list[html.Li]:
    """One chip per applied filter ("Pickup hour: 08:00 to 08:59"), or a line saying none is applied."""
    if not labels:
        return [html.Li("None: every trip is counted.", className="small text-body-secondary")]
    return [html.Li(dbc.Badge(label, color="primary", className="fs-6 fw-normal")) for label in labels]
