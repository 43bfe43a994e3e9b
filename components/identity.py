"""The card that says who the user is, as the proxy forwarded it and as the workspace confirms it."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from core.identity import UserIdentity
from services.workspace import Acting, WorkspaceUser

# What the card says about the calls made for the user, by who acts for them (services.workspace.who_acts).
ACTING_LABELS: dict[Acting, str] = {
    "user": "Yes, with your forwarded token",
    "refused": "No: refused — user authorization is not enabled",
    "app": "No: the app's service principal acts for everyone (ALLOW_APP_IDENTITY_FALLBACK)",
}


def _row(label: str, value: str | None, value_id: str) -> list[html.Dt | html.Dd]:
    return [html.Dt(label, className="col-sm-4"), html.Dd(value or "—", className="col-sm-8", id=value_id)]


def identity_card(user: UserIdentity, confirmed: WorkspaceUser | None, acting: Acting | None = None) -> dbc.Card:
    """Forwarded headers first, who acts for the user's calls (by default: their token if they have one, else
    refused), then what the workspace's SCIM Me answered (None when it could not)."""
    acting = acting or ("user" if user.access_token else "refused")
    rows = [
        *_row("Email", user.email, "home-user-email"),
        *_row("User name", user.user_name, "home-user-name"),
        *_row("Workspace user", user.workspace_user, "home-user-workspace-id"),
        *_row("On-behalf-of-user calls", ACTING_LABELS[acting], "home-user-obo"),
    ]
    if confirmed is not None:
        rows += [
            *_row("Display name (workspace)", confirmed.display_name, "home-user-display-name"),
            *_row("Groups", ", ".join(confirmed.groups) or None, "home-user-groups"),
        ]
    return dbc.Card(
        dbc.CardBody([html.H2("You", className="h5 card-title"), html.Dl(rows, className="row mb-0")]),
        className="mb-4",
    )
