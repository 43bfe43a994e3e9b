"""The shell around every page: skip link, navigation, landmarks and the shared error banner."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html, set_props

from components.accessibility import aria
from components.feedback import error_alert
from components.navigation import navbar, skip_link
from dashboard.request_context import user_var
from services.errors import ServiceError

log = logging.getLogger(__name__)

MAIN_ID = "main-content"
ERROR_BANNER_ID = "shell-error-banner"
APP_TITLE = "Databricks Dash Template"

# lang and the Bootstrap colour mode are set on <html>, for screen readers and contrast.
INDEX_STRING = """<!DOCTYPE html>
<html lang="en" data-bs-theme="light">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def layout() -> html.Div:
    """The whole page; Dash calls it per page load, so the navbar sees every registered page."""
    user = user_var.get()
    return html.Div(
        [
            skip_link(MAIN_ID),
            navbar(dash.page_registry.values(), app_title=APP_TITLE, user_label=user.display_name if user else None),
            html.Main(
                dbc.Container(
                    [
                        html.Div(id=ERROR_BANNER_ID, role="alert", **aria(live="assertive")),
                        dash.page_container,
                    ],
                    fluid="lg",
                ),
                id=MAIN_ID,
                tabIndex="-1",
            ),
            dcc.Location(id="shell-location", refresh="callback-nav"),
        ]
    )


def on_callback_error(error: Exception) -> None:
    """Dash's global error hook: a service error becomes a readable banner, anything else a generic one."""
    body: dict[str, Any]
    if isinstance(error, ServiceError):
        log.error(
            "%s in a callback: %s",
            error.error_code,
            error.message,
            extra={"technical_details": error.technical_details},
        )
        body = error.to_body()
    else:
        log.error("unhandled error in a callback", exc_info=error)
        body = ServiceError(technical_details={"error_type": type(error).__name__}).to_body()
    set_props(ERROR_BANNER_ID, {"children": error_alert(body)})
