"""Home: who you are, and whether each integration answers."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from components.accessibility import aria
from components.feedback import error_alert
from components.identity import identity_card
from components.skeletons import card_skeleton
from components.status import status_grid, status_grid_skeleton
from core.errors import ServiceError
from core.request_context import app_settings, current_user
from services import workspace
from services.status import INTEGRATIONS, check_integrations

dash.register_page(__name__, path="/", name="Home", title="Home · Databricks Dash Template", order=0)

# Component ids.
USER, STATUS, REFRESH, INTERVAL = "home-user", "home-status", "home-refresh", "home-status-interval"
STATUS_REFRESH_MS = 30_000


def layout(**_: Any) -> html.Div:
    """Skeletons of the cards that the callbacks fill, so the page shows at once and does not jump."""
    return html.Div(
        [
            html.H1("Home", className="h3"),
            html.P("Your identity in this app and the live state of each Databricks integration."),
            html.Div(
                # The identity card: an h5 title, then six rows of a description list.
                card_skeleton(label="your identity", lines=6, badge=False, title_px=24, line_px=32, class_name="mb-4"),
                id=USER,
                **aria(live="polite"),
            ),
            html.Div(
                [
                    html.H2("Integrations", className="h5 me-3 mb-0"),
                    dbc.Button("Refresh status", id=REFRESH, color="secondary", size="sm", outline=True),
                ],
                className="d-flex align-items-center mb-3",
            ),
            html.Div(status_grid_skeleton(len(INTEGRATIONS)), id=STATUS, **aria(live="polite")),
            dcc.Interval(id=INTERVAL, interval=STATUS_REFRESH_MS),
        ]
    )


@callback(Output(USER, "children"), Input(REFRESH, "n_clicks"))
def show_user(_: int | None) -> dbc.Card | list[Any]:
    """The forwarded identity, who acts for the user's calls, and the user as the workspace confirms them with
    their own token (an alert says why when it cannot)."""
    settings, user = app_settings(), current_user()
    acting = workspace.who_acts(settings, user)
    try:
        confirmed = workspace.get_current_user(settings=settings, user=user)
    except ServiceError as error:
        return [identity_card(user, None, acting), error_alert(error)]
    return identity_card(user, confirmed, acting)


@callback(Output(STATUS, "children"), Input(REFRESH, "n_clicks"), Input(INTERVAL, "n_intervals"))
def show_status(_: int | None, __: int | None) -> dbc.Row:
    """One card per integration, probed now."""
    return status_grid(check_integrations(settings=app_settings()))
