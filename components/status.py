"""Status cards: one per integration, reachable or not, with latency."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.skeletons import card_shape, skeleton
from services.status import IntegrationStatus

STATE_LABEL = {"up": "Reachable", "down": "Unreachable", "not_configured": "Not configured"}
STATE_COLOR = {"up": "success", "down": "danger", "not_configured": "secondary"}


def status_card(status: IntegrationStatus) -> html.Div:
    """One integration's card; the state is in text, not only in colour."""
    latency = f"{status.latency_ms:.0f} ms" if status.latency_ms is not None else "n/a"
    card = dbc.Card(
        dbc.CardBody(
            [
                html.H3(status.name, className="h6 card-title"),
                dbc.Badge(STATE_LABEL[status.state], color=STATE_COLOR[status.state], className="me-2"),
                html.Span(f"Latency: {latency}", className="small"),
                html.P(status.detail, className="small mb-0 mt-2"),
                html.P("Required" if status.required else "Optional", className="small text-body-secondary mb-0"),
            ]
        ),
        className="h-100",
    )
    data: dict[str, Any] = {"data-integration": status.key, "data-state": status.state}
    return html.Div(card, className="h-100", **data)


def _cell(card: Any) -> dbc.Col:
    return dbc.Col(card, xs=12, md=6, lg=3, className="mb-3")


def status_grid(statuses: Sequence[IntegrationStatus]) -> dbc.Row:
    """All status cards in a responsive grid."""
    return dbc.Row([_cell(status_card(s)) for s in statuses])


def status_grid_skeleton(count: int) -> html.Div:
    """The grid of `count` status cards while the integrations are probed: each card's shape (title, state
    badge, two lines of detail and the required line) in the same grid."""
    return skeleton(dbc.Row([_cell(card_shape(lines=3)) for _ in range(count)]), label="the status", kind="cards")
