"""Preferences: theme, dashboard layout and favorite tables, stored in Lakebase for the signed-in user only."""

from __future__ import annotations

import json
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components.accessibility import aria
from components.feedback import error_alert
from components.forms import labelled_select, labelled_textarea
from components.stores import THEME_STORE
from core.request_context import app_settings, current_user
from services import preferences
from core.errors import InvalidInput, ServiceError

dash.register_page(
    __name__, path="/preferences", name="Preferences", title="Preferences · Databricks Dash Template", order=90
)

FEEDBACK = "prefs-feedback"
VERSION = "prefs-version"
LOADED = "prefs-loaded"
THEME = "prefs-theme"
DEFAULT_PAGE = "prefs-default-page"
PAGE_SIZE = "prefs-page-size"
CHART_TYPE = "prefs-chart-type"
AGGREGATION = "prefs-chart-aggregation"
SAVE_LAYOUT = "prefs-save-layout"
FAVORITES = "prefs-favorites"
FAVORITE_REMOVE = "prefs-favorite-remove"
JSON_EDITOR = "prefs-json"
SAVE_JSON = "prefs-save-json"

CHART_TYPES = [("bar", "Bar"), ("line", "Line"), ("scatter", "Scatter")]
AGGREGATIONS = [("count", "Count"), ("sum", "Sum"), ("avg", "Average"), ("min", "Minimum"), ("max", "Maximum")]


def _section(title: str, *children: Any) -> dbc.Card:
    return dbc.Card(dbc.CardBody([html.H2(title, className="h5 card-title"), *children]), className="mb-4")


def layout(**_: Any) -> html.Div:
    """The form; a callback fills it with what is stored."""
    pages = [(str(p["relative_path"]), str(p["name"])) for p in dash.page_registry.values() if p.get("nav", True)]
    return html.Div(
        [
            html.H1("Preferences", className="h3"),
            html.P("Saved for you alone, in Lakebase; they follow you across sessions."),
            html.Div(id=FEEDBACK, **aria(live="polite")),
            dcc.Store(id=VERSION, data=0),
            dcc.Store(id=LOADED),
            _section(
                "Theme",
                html.Fieldset(
                    [
                        html.Legend("Colour theme", className="form-label fs-6"),
                        dbc.RadioItems(
                            id=THEME,
                            options=[{"label": "Light", "value": "light"}, {"label": "Dark", "value": "dark"}],
                            inline=True,
                        ),
                    ]
                ),
                dbc.FormText("Applied at once, on every page."),
            ),
            _section(
                "Dashboard layout",
                dbc.Row(
                    [
                        dbc.Col(labelled_select(DEFAULT_PAGE, "Open the app on", pages), md=6),
                        dbc.Col(
                            labelled_select(
                                PAGE_SIZE, "Rows per page", [(str(n), str(n)) for n in preferences.PAGE_SIZES]
                            ),
                            md=6,
                        ),
                        dbc.Col(labelled_select(CHART_TYPE, "Default chart", CHART_TYPES), md=6),
                        dbc.Col(labelled_select(AGGREGATION, "Default aggregation", AGGREGATIONS), md=6),
                    ]
                ),
                dbc.Button("Save layout", id=SAVE_LAYOUT, color="primary"),
            ),
            _section("Favorite tables", html.Div(id=FAVORITES)),
            _section(
                "Advanced: all preferences as JSON",
                labelled_textarea(
                    JSON_EDITOR,
                    "Preferences JSON",
                    rows=12,
                    help_text="An object whose keys are theme, dashboard_layout and favorite_tables. "
                    "Saving replaces your preferences with exactly this; a key left out is deleted.",
                ),
                dbc.Button("Validate and save JSON", id=SAVE_JSON, color="secondary"),
            ),
        ]
    )


def _favorites_list(tables: list[str]) -> html.P | html.Ul:
    if not tables:
        return html.P("No favorite tables yet. Star a table on the Data page to add it.", className="mb-0")
    return html.Ul(
        [
            html.Li(
                [
                    html.Span(table, className="font-monospace me-2"),
                    dbc.Button(
                        # The hidden words give each button a distinct accessible name.
                        ["Remove", html.Span(f" {table} from favorites", className="visually-hidden")],
                        id={"type": FAVORITE_REMOVE, "table": table},
                        size="sm",
                        color="danger",
                        outline=True,
                    ),
                ],
                className="mb-2",
            )
            for table in tables
        ],
        className="list-unstyled mb-0",
    )


def _stored() -> dict[str, dict[str, Any]]:
    return {
        p.preference_key: p.preference_value
        for p in preferences.list_preferences(settings=app_settings(), user=current_user())
    }


def _saved(message: str) -> dbc.Alert:
    return dbc.Alert(message, color="success", className="mb-3", duration=6000)


@callback(
    Output(LOADED, "data"),
    Output(THEME, "value"),
    Output(DEFAULT_PAGE, "value"),
    Output(PAGE_SIZE, "value"),
    Output(CHART_TYPE, "value"),
    Output(AGGREGATION, "value"),
    Output(FAVORITES, "children"),
    Output(JSON_EDITOR, "value"),
    Input(VERSION, "data"),
)
def show_preferences(_: int) -> tuple[Any, ...]:
    """Fill every control from what is stored, with defaults where nothing is."""
    stored = _stored()
    theme = preferences.ThemeValue.model_validate(stored.get("theme", {}))
    board = preferences.DashboardLayoutValue.model_validate(stored.get("dashboard_layout", {}))
    favorites = preferences.FavoriteTablesValue.model_validate(stored.get("favorite_tables", {}))
    return (
        stored,
        theme.mode,
        board.default_page,
        str(board.page_size),
        board.chart.chart_type,
        board.chart.aggregation,
        _favorites_list(favorites.tables),
        json.dumps(stored, indent=2, sort_keys=True),
    )


@callback(
    Output(THEME_STORE, "data", allow_duplicate=True),
    Output(FEEDBACK, "children", allow_duplicate=True),
    Input(THEME, "value"),
    State(LOADED, "data"),
    prevent_initial_call=True,
)
def save_theme(mode: str | None, loaded: dict[str, Any] | None) -> tuple[Any, Any]:
    """Store the chosen theme and apply it at once."""
    current = ((loaded or {}).get("theme") or {}).get("mode", "light")
    if mode is None or mode == current:
        raise PreventUpdate  # the form was filled from storage, not changed by the user
    try:
        saved = preferences.upsert_preference(
            settings=app_settings(), user=current_user(), key="theme", value={"mode": mode}
        )
    except ServiceError as error:
        return no_update, error_alert(error)
    return saved.preference_value, _saved(f"Theme saved: {mode}.")


@callback(
    Output(FEEDBACK, "children", allow_duplicate=True),
    Output(VERSION, "data", allow_duplicate=True),
    Input(SAVE_LAYOUT, "n_clicks"),
    State(DEFAULT_PAGE, "value"),
    State(PAGE_SIZE, "value"),
    State(CHART_TYPE, "value"),
    State(AGGREGATION, "value"),
    State(LOADED, "data"),
    State(VERSION, "data"),
    prevent_initial_call=True,
)
def save_layout(
    n_clicks: int | None,
    default_page: str,
    page_size: str,
    chart_type: str,
    aggregation: str,
    loaded: Any,
    version: int,
) -> tuple[Any, Any]:
    """Store the dashboard layout, keeping what the form does not show (the last table)."""
    if not n_clicks:
        raise PreventUpdate  # the page was drawn, the button not pressed
    value = dict((loaded or {}).get("dashboard_layout") or {})
    value.update(
        default_page=default_page,
        page_size=int(page_size or 100),
        chart={"chart_type": chart_type, "aggregation": aggregation},
    )
    try:
        preferences.upsert_preference(settings=app_settings(), user=current_user(), key="dashboard_layout", value=value)
    except ServiceError as error:
        return error_alert(error), no_update
    return _saved("Dashboard layout saved."), version + 1


@callback(
    Output(FEEDBACK, "children", allow_duplicate=True),
    Output(VERSION, "data", allow_duplicate=True),
    Input({"type": FAVORITE_REMOVE, "table": ALL}, "n_clicks"),
    State(LOADED, "data"),
    State(VERSION, "data"),
    prevent_initial_call=True,
)
def remove_favorite(clicks: list[int | None], loaded: Any, version: int) -> tuple[Any, Any]:
    """Take the clicked table off the favorites."""
    if not ctx.triggered_id or not any(clicks):
        raise PreventUpdate  # buttons were just drawn, not clicked
    table = ctx.triggered_id["table"]
    tables = [t for t in ((loaded or {}).get("favorite_tables") or {}).get("tables", []) if t != table]
    try:
        preferences.upsert_preference(
            settings=app_settings(), user=current_user(), key="favorite_tables", value={"tables": tables}
        )
    except ServiceError as error:
        return error_alert(error), no_update
    return _saved(f"Removed {table} from your favorites."), version + 1


@callback(
    Output(FEEDBACK, "children", allow_duplicate=True),
    Output(f"{JSON_EDITOR}-feedback", "children"),
    Output(JSON_EDITOR, "invalid"),
    Output(VERSION, "data", allow_duplicate=True),
    Output(THEME_STORE, "data", allow_duplicate=True),
    Input(SAVE_JSON, "n_clicks"),
    State(JSON_EDITOR, "value"),
    State(LOADED, "data"),
    State(VERSION, "data"),
    prevent_initial_call=True,
)
def save_json(n_clicks: int | None, text: str | None, loaded: Any, version: int) -> tuple[Any, ...]:
    """Validate the whole document first; only then replace the stored preferences with it."""
    if not n_clicks:
        raise PreventUpdate  # the page was drawn, the button not pressed
    try:
        document = json.loads(text or "{}")
        if not isinstance(document, dict):
            raise InvalidInput("The JSON must be an object whose keys are preference keys.")
        normal = {key: preferences.validate_value(key, value) for key, value in document.items()}
    except json.JSONDecodeError as error:
        return (
            no_update,
            f"Not valid JSON: {error.msg} (line {error.lineno}, column {error.colno}).",
            True,
            no_update,
            no_update,
        )
    except InvalidInput as error:
        return no_update, error.message, True, no_update, no_update
    settings, user = app_settings(), current_user()
    try:
        for key, value in normal.items():
            preferences.upsert_preference(settings=settings, user=user, key=key, value=value)
        for key in set(loaded or {}) - set(normal):
            preferences.delete_preference(settings=settings, user=user, key=key)
    except ServiceError as error:
        return error_alert(error), "", False, version + 1, no_update
    theme = normal.get("theme", {"mode": "light"})
    return _saved("Preferences saved."), "", False, version + 1, theme
