"""How errors and confirmations look, everywhere in the app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from core.errors import ServiceError


def error_alert(error: ServiceError | Mapping[str, Any], *, alert_id: str | None = None) -> dbc.Alert:
    """An alert for a service error (or an error body of the seed's shape): the message, the code, and
    when to retry."""
    body = error.to_body() if isinstance(error, ServiceError) else error
    retry_after = body.get("retry_after")
    details = [html.Strong(body.get("message", "Something went wrong.")), " "]
    details.append(html.Span(f"({body.get('error_code', 'INTERNAL_ERROR')})", className="font-monospace small"))
    if retry_after is not None:
        details.append(html.Span(f" Try again in {retry_after} s.", className="d-block small"))
    props: dict[str, Any] = {"id": alert_id} if alert_id else {}
    return dbc.Alert(details, color="danger", className="mb-3", **props)


def saved_notice(message: str) -> dbc.Alert:
    """A confirmation that goes away by itself."""
    return dbc.Alert(message, color="success", className="mb-3", duration=6000)
