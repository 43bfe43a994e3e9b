"""The shell around every page: skip link, top bar, side navigation, landmarks and the shared error banner."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update, set_props
from flask import has_request_context, request

from components.accessibility import aria
from components.feedback import error_alert
from components.navigation import side_nav, skip_link, top_bar
from components.stores import ERROR_BANNER_ID, LOADED_THEME_STORE, THEME_MODE_STORE, THEME_STORE, TIME_ZONE_STORE
from core.errors import ServiceError
from core.request_context import app_settings, current_user, user_var
from dashboard import page_container
from services import preferences

log = logging.getLogger(__name__)

MAIN_ID = "main-content"
NAV_ID = "shell-nav"
BOOT_STORE = "shell-boot"
LOCATION = "shell-location"
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
    """The whole page; Dash calls it per page load, so the navigation sees every registered page."""
    user = user_var.get()
    # The page is rendered in for a signed-in user's page load; not for Dash's check of every page's ids.
    signed_in_request = request if user is not None and has_request_context() else None
    return html.Div(
        [
            skip_link(MAIN_ID),
            top_bar(app_title=APP_TITLE, user_label=user.display_name if user else None),
            html.Div(
                [
                    side_nav(dash.page_registry.values(), nav_id=NAV_ID),
                    html.Main(
                        dbc.Container(
                            [
                                html.Div(id=ERROR_BANNER_ID, role="alert", **aria(live="assertive")),
                                page_container.page_container(signed_in_request),
                            ],
                            fluid=True,
                        ),
                        id=MAIN_ID,
                        tabIndex="-1",
                        className="app-main",
                    ),
                ],
                className="app-body",
            ),
            dcc.Location(id=LOCATION, refresh="callback-nav"),
            dcc.Store(id=THEME_STORE),
            dcc.Store(id=LOADED_THEME_STORE),
            dcc.Store(id=THEME_MODE_STORE),
            dcc.Store(id=TIME_ZONE_STORE),
            dcc.Store(id=BOOT_STORE, data=True),
        ],
        className="app-shell",
    )


def register_shell_callbacks(app: dash.Dash) -> None:
    """The shell's own callbacks, on this app (pages use the global `callback`)."""

    @app.callback(
        Output(LOADED_THEME_STORE, "data"),
        Output(LOCATION, "pathname"),
        Input(BOOT_STORE, "data"),
        State(LOCATION, "pathname"),
    )
    def load_user_preferences(_: object, pathname: str | None) -> tuple[dict[str, str], Any]:
        """On each full page load: the user's theme, and their default page when they open the app at /."""
        view = preferences.get_settings_view(settings=app_settings(), user=current_user())
        theme = view.theme.model_dump()
        default_page = view.dashboard_layout.default_page
        go_to = (
            default_page
            if pathname in (None, "/") and default_page != "/" and default_page in _page_paths()
            else no_update
        )
        return theme, go_to

    # Applied in the browser at once, on <html>, where Bootstrap's colour modes read it: the theme just
    # chosen on a page when that is what changed, else the stored one. Pages' charts read the mode from
    # THEME_MODE_STORE, written only when it changes (so a chart is not redrawn for nothing).
    app.clientside_callback(
        """
        function(loaded, chosen, current) {
            const triggered = window.dash_clientside.callback_context.triggered.map(t => t.prop_id);
            const theme = triggered.includes('"""
        + THEME_STORE
        + """.data') ? chosen : (loaded || chosen);
            const mode = (theme && theme.mode === 'dark') ? 'dark' : 'light';
            document.documentElement.setAttribute('data-bs-theme', mode);
            return ['app-main theme-' + mode, mode === current ? window.dash_clientside.no_update : mode];
        }
        """,
        Output(MAIN_ID, "className"),
        Output(THEME_MODE_STORE, "data"),
        Input(LOADED_THEME_STORE, "data"),
        Input(THEME_STORE, "data"),
        State(THEME_MODE_STORE, "data"),
    )

    app.clientside_callback(
        page_container.CHECK_RENDERED_ADDRESS,
        Output(page_container.LOCATION, "pathname"),
        Output(page_container.LOCATION, "search"),
        Input(page_container.STORE, "data"),
    )

    # The browser's time zone, once per page load: pages show times in it and read times typed in it.
    app.clientside_callback(
        "function(_) { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; }"
        " catch (e) { return 'UTC'; } }",
        Output(TIME_ZONE_STORE, "data"),
        Input(BOOT_STORE, "data"),
    )

    # The side navigation's link to the page shown says so to screen readers (aria-current="page"), on the first
    # load and after each move between pages; dbc.NavLink marks it only with its `active` class.
    app.clientside_callback(
        """
        function(pathname) {
            const here = window.location.pathname;
            document.querySelectorAll('#"""
        + NAV_ID
        + """ a.nav-link').forEach(function(link) {
                if (new URL(link.href, window.location.href).pathname === here) {
                    link.setAttribute('aria-current', 'page');
                } else {
                    link.removeAttribute('aria-current');
                }
            });
            return here;
        }
        """,
        Output(NAV_ID, "data-current"),
        Input(LOCATION, "pathname"),
    )


def _page_paths() -> set[str]:
    return {str(page["relative_path"]) for page in dash.page_registry.values()}


def on_callback_error(error: Exception) -> None:
    """Dash's global error hook: a service error (NOT_CONFIGURED included) becomes a readable banner,
    anything else a generic one without its details.

    The policy for pages: a callback catches ServiceError itself only when the error belongs beside the
    control that caused it (a form field, a panel that has its own error slot); every other error is left
    to this hook, which shows it in the banner above the page."""
    if isinstance(error, ServiceError):
        log.log(
            error.log_level,
            "%s in a callback: %s",
            error.error_code,
            error.message,
            extra={"technical_details": error.technical_details},
        )
        shown = error
    else:
        log.error("unhandled error in a callback", exc_info=error)
        shown = ServiceError(technical_details={"error_type": type(error).__name__})
    set_props(ERROR_BANNER_ID, {"children": error_alert(shown)})
