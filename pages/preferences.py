"""Preferences: theme, dashboard layout and favorite tables, stored in Lakebase for the signed-in user only."""

from __future__ import annotations

import json
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components.accessibility import aria
from components.cards import section_card
from components.data_chart import CHART_TYPE_LABELS
from components.feedback import saved_notice
from components.forms import labelled_select, labelled_textarea
from components.preferences import favorites_list
from components.skeletons import text_skeleton
from components.stores import THEME_STORE
from core.errors import InvalidInput
from core.request_context import app_settings, current_user
from services import preferences

dash.register_page(
    __name__, path="/preferences", name="Preferences", title="Preferences · Databricks Dash Template", order=90
)

# Component ids, by part of the page.
FEEDBACK, VERSION, LOADED_THEME, THEME = "prefs-feedback", "prefs-version", "prefs-loaded", "prefs-theme"
DEFAULT_PAGE, PAGE_SIZE, SAVE_LAYOUT = "prefs-default-page", "prefs-page-size", "prefs-save-layout"
CHART_TYPE, AGGREGATION = "prefs-chart-type", "prefs-chart-aggregation"
FAVORITES, FAVORITE_REMOVE, JSON_EDITOR, SAVE_JSON = (
    "prefs-favorites",
    "prefs-favorite-remove",
    "prefs-json",
    "prefs-save-json",
)


CHART_TYPES = list(CHART_TYPE_LABELS.items())
AGGREGATIONS = [("count", "Count"), ("sum", "Sum"), ("avg", "Average"), ("min", "Minimum"), ("max", "Maximum")]


def layout(**_: Any) -> html.Div:
    """The form; a callback fills it with what is stored."""
    pages = [(str(p["relative_path"]), str(p["name"])) for p in dash.page_registry.values() if p.get("nav", True)]
    page_sizes = [(str(n), str(n)) for n in preferences.PAGE_SIZES]
    return html.Div(
        [
            html.H1("Preferences", className="h3"),
            html.P("Saved for you alone, in Lakebase; they follow you across sessions."),
            html.Div(id=FEEDBACK, **aria(live="polite")),
            dcc.Store(id=VERSION, data=0),
            dcc.Store(id=LOADED_THEME),
            section_card(
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
            section_card(
                "Dashboard layout",
                dbc.Row(
                    [
                        dbc.Col(labelled_select(DEFAULT_PAGE, "Open the app on", pages), md=6),
                        dbc.Col(labelled_select(PAGE_SIZE, "Rows per page", page_sizes), md=6),
                        dbc.Col(labelled_select(CHART_TYPE, "Default chart", CHART_TYPES), md=6),
                        dbc.Col(labelled_select(AGGREGATION, "Default aggregation", AGGREGATIONS), md=6),
                    ]
                ),
                dbc.Button("Save layout", id=SAVE_LAYOUT, color="primary"),
            ),
            section_card("Favorite tables", html.Div(text_skeleton(label="your favorite tables"), id=FAVORITES)),
            section_card(
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


@callback(
    Output(LOADED_THEME, "data"),
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
    view = preferences.get_settings_view(settings=app_settings(), user=current_user())
    board = view.dashboard_layout
    return (
        view.theme.mode,
        view.theme.mode,
        board.default_page,
        str(board.page_size),
        board.chart.chart_type,
        board.chart.aggregation,
        favorites_list(view.favorite_tables.tables, remove_type=FAVORITE_REMOVE),
        json.dumps(view.stored, indent=2, sort_keys=True),
    )


@callback(
    Output(THEME_STORE, "data", allow_duplicate=True),
    Output(FEEDBACK, "children", allow_duplicate=True),
    Input(THEME, "value"),
    State(LOADED_THEME, "data"),
    prevent_initial_call=True,
)
def save_theme(mode: str | None, loaded: str | None) -> tuple[Any, Any]:
    """Store the chosen theme and apply it at once."""
    if mode is None or mode == loaded:
        raise PreventUpdate  # the form was filled from storage, not changed by the user
    saved = preferences.save_theme(settings=app_settings(), user=current_user(), mode=mode)
    return saved.model_dump(), saved_notice(f"Theme saved: {saved.mode}.")


@callback(
    Output(FEEDBACK, "children", allow_duplicate=True),
    Output(VERSION, "data", allow_duplicate=True),
    Input(SAVE_LAYOUT, "n_clicks"),
    State(DEFAULT_PAGE, "value"),
    State(PAGE_SIZE, "value"),
    State(CHART_TYPE, "value"),
    State(AGGREGATION, "value"),
    State(VERSION, "data"),
    prevent_initial_call=True,
)
def save_layout(
    n_clicks: int | None, default_page: str, page_size: str, chart_type: str, aggregation: str, version: int
) -> tuple[Any, Any]:
    """Store the dashboard layout; the service keeps what the form does not show (the last table)."""
    if not n_clicks:
        raise PreventUpdate  # the page was drawn, the button not pressed
    preferences.save_dashboard_layout(
        settings=app_settings(),
        user=current_user(),
        default_page=default_page,
        page_size=int(page_size or 100),
        chart_type=chart_type,
        aggregation=aggregation,
    )
    return saved_notice("Dashboard layout saved."), version + 1


@callback(
    Output(FEEDBACK, "children", allow_duplicate=True),
    Output(VERSION, "data", allow_duplicate=True),
    Input({"type": FAVORITE_REMOVE, "table": ALL}, "n_clicks"),
    State(VERSION, "data"),
    prevent_initial_call=True,
)
def remove_favorite(clicks: list[int | None], version: int) -> tuple[Any, Any]:
    """Take the clicked table off the favorites."""
    if not ctx.triggered_id or not any(clicks):
        raise PreventUpdate  # buttons were just drawn, not clicked
    table = str(ctx.triggered_id["table"])
    preferences.remove_favorite_table(settings=app_settings(), user=current_user(), table=table)
    return saved_notice(f"Removed {table} from your favorites."), version + 1


@callback(
    Output(FEEDBACK, "children", allow_duplicate=True),
    Output(f"{JSON_EDITOR}-feedback", "children"),
    Output(JSON_EDITOR, "invalid"),
    Output(VERSION, "data", allow_duplicate=True),
    Output(THEME_STORE, "data", allow_duplicate=True),
    Input(SAVE_JSON, "n_clicks"),
    State(JSON_EDITOR, "value"),
    State(VERSION, "data"),
    prevent_initial_call=True,
)
def save_json(n_clicks: int | None, text: str | None, version: int) -> tuple[Any, ...]:
    """Validate the whole document first; only then replace the stored preferences with it, at once."""
    if not n_clicks:
        raise PreventUpdate  # the page was drawn, the button not pressed
    try:
        document = preferences.parse_document(text)
        saved = preferences.replace_preferences(settings=app_settings(), user=current_user(), document=document)
    except InvalidInput as error:  # shown at the editor, where it can be fixed
        return no_update, error.message, True, no_update, no_update
    theme = saved.get("theme", {"mode": "light"})
    return saved_notice("Preferences saved."), "", False, version + 1, theme
