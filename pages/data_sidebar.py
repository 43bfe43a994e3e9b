"""Part of the Data page (pages/data.py composes it): the catalog sidebar (search, favorites, saved views, the
catalog > schema > table tree) and the breadcrumb trail."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from dash import ALL, MATCH, Input, Output, State, callback, clientside_callback, ctx, html, no_update
from dash.exceptions import PreventUpdate

from components.catalog_sidebar import (
    SidebarIds,
    breadcrumb_items,
    breadcrumb_nav,
    focus_js,
    saved_list,
    search_status,
    sidebar,
    table_links,
    tree_branches,
    tree_tables,
)
from components.feedback import error_alert
from core.errors import ServiceError
from core.request_context import app_settings, current_user
from pages.data_ids import FAVORITE, TABLE_INFO, URL_QUERY
from services import catalog, preferences, saved_views

# Every id is "data-sidebar-" and the part's name: data-sidebar-search, data-sidebar-save-name, ...
IDS = SidebarIds(**{f.name: "data-sidebar-" + f.name.replace("_", "-") for f in fields(SidebarIds)})
CRUMBS = "data-breadcrumbs"


def section() -> html.Nav:
    """The sidebar, placed by pages/data.py."""
    return sidebar(IDS)


def breadcrumbs() -> html.Nav:
    """The breadcrumb trail, placed by pages/data.py above the title."""
    return breadcrumb_nav(CRUMBS)


def _saved() -> Any:
    """The user's saved views as a list, or the error in the seed's shape."""
    try:
        views = saved_views.list_views(settings=app_settings(), user=current_user())
    except ServiceError as error:
        return error_alert(error)
    return saved_list([v.model_dump() for v in views], rename_type=IDS.rename, delete_type=IDS.delete)


@callback(Output(IDS.favorites, "children"), Output(IDS.saved, "children"), Input(IDS.boot, "data"))
def show_favorites_and_views(_: Any) -> tuple[Any, Any]:
    """The user's favorite tables and saved views, from Lakebase."""
    return _favorites(), _saved()


def _favorites() -> Any:
    try:
        favorites = preferences.get_settings_view(settings=app_settings(), user=current_user()).favorite_tables
    except ServiceError as error:
        return error_alert(error)
    return table_links(favorites.tables, empty="No favorites yet: star a table to add it.")


@callback(
    Output(IDS.favorites, "children", allow_duplicate=True), Input(FAVORITE, "children"), prevent_initial_call=True
)
def refresh_favorites(_: Any) -> Any:
    """The favorites again once the open table's star was toggled (its label changed)."""
    return _favorites()


@callback(Output(IDS.tree, "children"), Input(IDS.boot, "data"))
def show_catalogs(_: Any) -> Any:
    """The catalogs the user may see, collapsed."""
    try:
        names = catalog.list_catalogs(settings=app_settings(), user=current_user())
    except ServiceError as error:
        return html.Li(error_alert(error))
    return tree_branches(None, names, toggle_type=IDS.toggle, branch_type=IDS.branch, kind="catalog")


@callback(
    Output({"type": IDS.branch, "node": MATCH}, "children"),
    Output({"type": IDS.branch, "node": MATCH}, "hidden"),
    Output({"type": IDS.toggle, "node": MATCH}, "aria-expanded"),
    Input({"type": IDS.toggle, "node": MATCH}, "n_clicks"),
    State({"type": IDS.toggle, "node": MATCH}, "aria-expanded"),
    State({"type": IDS.branch, "node": MATCH}, "children"),
    prevent_initial_call=True,
)
def toggle_node(n_clicks: int | None, expanded: str | None, children: Any) -> tuple[Any, bool, str]:
    """Expand a catalog (its schemas) or a schema (its tables), listed when first expanded; or collapse it."""
    if not n_clicks or not isinstance(ctx.triggered_id, dict):
        raise PreventUpdate
    if expanded == "true":
        return no_update, True, "false"
    if children:
        return no_update, False, "true"
    node, settings, user = str(ctx.triggered_id["node"]), app_settings(), current_user()
    try:
        if "." in node:
            catalog_name, schema = node.split(".", 1)
            found = catalog.list_table_names(settings=settings, user=user, catalog=catalog_name, schema=schema)
            return tree_tables(node, found.names, more=found.more), False, "true"
        schemas = catalog.list_schemas(settings=settings, user=user, catalog=node)
    except ServiceError as error:
        return html.Li(error_alert(error)), False, "true"
    return tree_branches(node, schemas, toggle_type=IDS.toggle, branch_type=IDS.branch, kind="schema"), False, "true"


@callback(Output(IDS.results, "children"), Input(IDS.search, "value"), prevent_initial_call=True)
def search(text: str | None) -> Any:
    """Tables the user may read whose name holds the text (after a pause in typing, never per keystroke)."""
    wanted = (text or "").strip()
    if not wanted:
        return None
    try:
        found = catalog.search_tables(settings=app_settings(), user=current_user(), text=wanted)
    except ServiceError as error:
        return error_alert(error)
    status = html.P(search_status(wanted, len(found.names), found.more), className="small mb-1")
    return [status, table_links(found.names, empty="")]


@callback(
    Output(CRUMBS, "children"),
    Output(IDS.save, "disabled"),
    Output(IDS.save_name, "disabled"),
    Input(TABLE_INFO, "data"),
)
def follow_table(info: dict[str, Any] | None) -> tuple[Any, bool, bool]:
    """The breadcrumb trail of the open table; Save view only while a table is open."""
    full_name = info.get("full_name") if isinstance(info, dict) else None
    name = full_name if isinstance(full_name, str) and full_name.count(".") == 2 else None
    return breadcrumb_items(name), name is None, name is None


@callback(
    Output(IDS.saved, "children", allow_duplicate=True),
    Output(IDS.save_feedback, "children"),
    Output(IDS.save_name, "value"),
    Input(IDS.save, "n_clicks"),
    Input(IDS.save_name, "n_submit"),
    State(IDS.save_name, "value"),
    State(URL_QUERY, "data"),
    State(TABLE_INFO, "data"),
    prevent_initial_call=True,
)
def save_view(
    n_clicks: int | None, n_submit: int | None, name: str | None, query: str | None, info: dict[str, Any] | None
) -> tuple[Any, Any, Any]:
    """Save the view now shown (the query string in the address bar) under a name."""
    if not (n_clicks or n_submit) or not isinstance(info, dict):
        raise PreventUpdate
    try:
        saved = saved_views.create_view(
            settings=app_settings(),
            user=current_user(),
            name=name or "",
            table=str(info.get("full_name") or ""),
            query=query or "",
        )
    except ServiceError as error:
        return no_update, error_alert(error), no_update
    return _saved(), f"Saved “{saved.name}”.", ""


@callback(
    Output(IDS.action, "data"),
    Output(IDS.action_panel, "hidden"),
    Output(IDS.action_label, "children"),
    Output(IDS.action_name_group, "hidden"),
    Output(IDS.action_name, "value"),
    Output(IDS.action_confirm, "children"),
    Output(IDS.action_feedback, "children"),
    Input({"type": IDS.rename, "view": ALL}, "n_clicks"),
    Input({"type": IDS.delete, "view": ALL}, "n_clicks"),
    Input(IDS.action_cancel, "n_clicks"),
    prevent_initial_call=True,
)
def choose_action(_renames: list[int | None], _deletes: list[int | None], _cancel: int | None) -> tuple[Any, ...]:
    """Open the panel to rename or to confirm deleting one view (or close it on Cancel)."""
    trigger = ctx.triggered_id
    if trigger == IDS.action_cancel:
        return None, True, "", True, "", "Confirm", ""
    if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate  # a list drawn anew fires without a click
    try:
        view = saved_views.get_view(settings=app_settings(), user=current_user(), view_id=int(trigger["view"]))
    except ServiceError as error:
        return None, False, "", True, "", "Confirm", error_alert(error)
    action = {"kind": "rename" if trigger["type"] == IDS.rename else "delete", "view": view.id, "name": view.name}
    if action["kind"] == "rename":
        return action, False, f"Rename “{view.name}”", False, view.name, "Rename", ""
    return action, False, f"Delete “{view.name}”? This cannot be undone.", True, "", "Delete", ""


clientside_callback(
    focus_js(IDS),
    Output(IDS.action_panel, "data-focus"),
    Input(IDS.action_panel, "hidden"),
    State(IDS.action, "data"),
    prevent_initial_call=True,
)


@callback(
    Output(IDS.saved, "children", allow_duplicate=True),
    Output(IDS.action_panel, "hidden", allow_duplicate=True),
    Output(IDS.action_feedback, "children", allow_duplicate=True),
    Output(IDS.save_feedback, "children", allow_duplicate=True),
    Input(IDS.action_confirm, "n_clicks"),
    Input(IDS.action_name, "n_submit"),
    State(IDS.action, "data"),
    State(IDS.action_name, "value"),
    prevent_initial_call=True,
)
def confirm_action(
    n_clicks: int | None, n_submit: int | None, action: dict[str, Any] | None, name: str | None
) -> tuple[Any, ...]:
    """Rename or delete the view the panel is about; an error stays beside the panel's controls."""
    if not (n_clicks or n_submit) or not isinstance(action, dict):
        raise PreventUpdate
    settings, user, view_id = app_settings(), current_user(), int(action.get("view") or 0)
    try:
        if action.get("kind") == "rename":
            renamed = saved_views.rename_view(settings=settings, user=user, view_id=view_id, name=name or "")
            done = f"Renamed “{action.get('name')}” to “{renamed.name}”."
        else:
            saved_views.delete_view(settings=settings, user=user, view_id=view_id)
            done = f"Deleted “{action.get('name')}”."
    except ServiceError as error:
        return no_update, False, error_alert(error), no_update
    return _saved(), True, "", done
