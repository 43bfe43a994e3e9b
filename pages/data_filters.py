"""Part of the Data page (pages/data.py composes it): the type-aware filter form and its chips.

The open table's columns and types come from TABLE_INFO; a filter is checked and converted to its column's type
by services.warehouse.filter_values before it joins the view (VIEW), so a bad value is refused at the field and
never becomes a chip. Timestamps are entered in the browser's time zone (sent as its IANA name) and stored in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, html, no_update
from dash.exceptions import PreventUpdate

from components.data_filters import FilterIds, column_options, filter_chips, filters_form, operator_options
from components.stores import TIME_ZONE_STORE
from core.errors import InvalidInput
from pages.data_ids import TABLE_INFO, VIEW
from services.warehouse.filter_values import kind_of, parsed_filter, value_input
from services.warehouse.views import TableView

IDS = FilterIds(
    form="data-filter-form",
    reason="data-filter-reason",
    column="data-filter-column",
    operator="data-filter-operator",
    value="data-filter-value",
    value_field="data-filter-value-field",
    feedback="data-filter-value-feedback",
    help="data-filter-value-help",
    boolean="data-filter-boolean",
    boolean_field="data-filter-boolean-field",
    add="data-filter-add",
    chips="data-filters",
    clear="data-filter-clear",
)
REMOVE = "data-filter-remove"
INPUT_TYPES = {"number": "number", "date": "date", "datetime": "datetime-local", "text": "text"}


def section() -> html.Div:
    """This part's layout, placed by pages/data.py."""
    return html.Div([filters_form(IDS)])


def _types(info: object) -> dict[str, str]:
    """The open table's columns, name -> type_text, from TABLE_INFO (the browser's: checked, never trusted)."""
    columns = info.get("columns") if isinstance(info, Mapping) else None
    if not isinstance(columns, list):
        return {}
    return {
        str(c["name"]): str(c.get("data_type") or "")
        for c in columns
        if isinstance(c, Mapping) and isinstance(c.get("name"), str)
    }


def _readable(info: object) -> bool:
    return isinstance(info, Mapping) and info.get("readable") is True


@callback(
    [Output(IDS.column, "options"), Output(IDS.column, "value")],
    [Output(IDS.form, "disabled"), Output(IDS.reason, "children")],
    Input(TABLE_INFO, "data"),
)
def show_columns(info: dict[str, Any] | None) -> tuple[Any, ...]:
    """The open table's columns; the whole form off, with the reason in words, when it cannot be read."""
    if not isinstance(info, Mapping) or not info.get("full_name"):
        return [], None, True, "Open a table to filter its rows."
    columns = [{"name": name, "data_type": kind} for name, kind in _types(info).items()]
    if not _readable(info):
        reason = f"Filters are off: you cannot read {info['full_name']} (reading it needs the SELECT privilege)."
        return column_options(columns), None, True, reason
    return column_options(columns), (columns[0]["name"] if columns else None), False, ""


@callback(
    [Output(IDS.operator, "options"), Output(IDS.operator, "value")],
    Input(IDS.column, "value"),
    State(TABLE_INFO, "data"),
    prevent_initial_call=True,
)
def show_operators(column: str | None, info: dict[str, Any] | None) -> tuple[Any, ...]:
    """The conditions the chosen column's type offers ("greater than" for numbers, "on or after" for dates)."""
    types = _types(info)
    if not column or column not in types:
        return [], None
    options = operator_options(types[column])
    return options, options[0]["value"]


@callback(
    [Output(IDS.value, "type"), Output(IDS.value, "step"), Output(IDS.value, "min"), Output(IDS.value, "max")],
    [Output(IDS.value, "value", allow_duplicate=True), Output(IDS.value, "invalid", allow_duplicate=True)],
    [Output(IDS.feedback, "children", allow_duplicate=True), Output(IDS.help, "children")],
    [Output(IDS.value_field, "hidden"), Output(IDS.boolean_field, "hidden")],
    [Input(IDS.column, "value"), Input(IDS.operator, "value")],
    [State(TABLE_INFO, "data"), State(TIME_ZONE_STORE, "data")],
    prevent_initial_call=True,
)
def show_value_input(
    column: str | None, operator: str | None, info: dict[str, Any] | None, time_zone: str | None
) -> tuple[Any, ...]:
    """The value input of the column's type: a number (stepped by type), a date, a date and time, true or
    false, text; none for is empty and is not empty."""
    data_type = _types(info).get(column or "", "")
    wanted = value_input(data_type, operator or "is_null")
    kind = kind_of(data_type)
    help_text = {
        "timestamp": f"Your local time ({time_zone or 'UTC'}).",
        "timestamp_ntz": "As stored: this column has no time zone.",
    }.get(kind, "")
    shown = wanted.kind in INPUT_TYPES
    return (
        INPUT_TYPES.get(wanted.kind, "text"),
        wanted.step,
        wanted.minimum,
        wanted.maximum,
        "",
        False,
        "",
        help_text if shown else "",
        not shown,
        wanted.kind != "boolean",
    )


@callback(
    [Output(VIEW, "data", allow_duplicate=True), Output(IDS.value, "invalid"), Output(IDS.feedback, "children")],
    Output(IDS.value, "value"),
    [Input(IDS.add, "n_clicks"), Input(IDS.value, "n_submit")],
    [State(IDS.column, "value"), State(IDS.operator, "value"), State(IDS.value, "value"), State(IDS.boolean, "value")],
    [State(TABLE_INFO, "data"), State(VIEW, "data"), State(TIME_ZONE_STORE, "data")],
    prevent_initial_call=True,
)
def add_filter(
    _clicks: int | None,
    _submits: int | None,
    column: str | None,
    operator: str | None,
    value: Any,
    boolean: str | None,
    info: dict[str, Any] | None,
    state: dict[str, Any] | None,
    time_zone: str | None,
) -> tuple[Any, ...]:
    """Add the filter (Add, or Enter in the value box) once its value is valid for the column's type; else say
    why at the field and add nothing."""
    view = TableView.from_store(state)
    if view is None or not _readable(info) or not isinstance(info, Mapping) or view.table != info.get("full_name"):
        raise PreventUpdate
    types = _types(info)
    raw = boolean if kind_of(types.get(column or "", "")) == "boolean" else value
    try:
        item = parsed_filter(raw, column=column or "", columns=types, operator=operator or "", time_zone=time_zone)
        view = view.with_filters((*view.filters, item))
    except InvalidInput as error:
        return no_update, True, error.message, no_update
    return view.to_store(), False, "", ""


@callback(
    Output(VIEW, "data", allow_duplicate=True),
    [Input({"type": REMOVE, "index": ALL}, "n_clicks"), Input(IDS.clear, "n_clicks")],
    State(VIEW, "data"),
    prevent_initial_call=True,
)
def remove_filters(_removes: list[int | None], _clear: int | None, state: dict[str, Any] | None) -> Any:
    """Remove one filter (its chip's button), or all of them (Clear all)."""
    view = TableView.from_store(state)
    clicked = bool(ctx.triggered and ctx.triggered[0].get("value"))  # chips drawn anew fire without a click
    if view is None or not clicked:
        raise PreventUpdate
    trigger = ctx.triggered_id
    if trigger == IDS.clear:
        return view.with_filters(()).to_store()
    if isinstance(trigger, Mapping) and isinstance(trigger.get("index"), int):
        return view.without_filter(trigger["index"]).to_store()
    raise PreventUpdate


@callback(
    [Output(IDS.chips, "children"), Output(IDS.clear, "disabled")],
    [Input(VIEW, "data"), Input(TABLE_INFO, "data"), Input(TIME_ZONE_STORE, "data")],
)
def show_chips(state: dict[str, Any] | None, info: dict[str, Any] | None, time_zone: str | None) -> tuple[Any, ...]:
    """The view's filters as chips in words, each with its remove button; Clear all when there is one."""
    try:
        view = TableView.from_store(state)
    except InvalidInput:  # the grid shows why the browser's state is refused
        view = None
    filters = view.to_store()["filters"] if view else []
    return filter_chips(filters, _types(info), remove_type=REMOVE, time_zone=time_zone), not filters


# dbc.Input renders no ARIA of its own: the value box says it is invalid and points at its reason.
clientside_callback(
    f"""function(invalid) {{
        const box = document.getElementById("{IDS.value}");
        if (box) {{
            box.setAttribute("aria-describedby", "{IDS.feedback} {IDS.help}");
            if (invalid) {{ box.setAttribute("aria-invalid", "true"); }} else {{ box.removeAttribute("aria-invalid"); }}
        }}
    }}""",
    Input(IDS.value, "invalid"),
)

# A removed chip's button (or Clear all, then disabled) had the focus: it goes to the form's first control.
clientside_callback(
    f"""function() {{
        const clicked = window.dash_clientside.callback_context.triggered.some(t => t.value);
        if (clicked) {{ document.getElementById("{IDS.column}")?.focus(); }}
    }}""",
    [Input({"type": REMOVE, "index": ALL}, "n_clicks"), Input(IDS.clear, "n_clicks")],
    prevent_initial_call=True,
)

# Typing again takes the invalid state off until the next Add.
clientside_callback(
    """function(_, invalid) { return invalid ? false : window.dash_clientside.no_update; }""",
    Output(IDS.value, "invalid", allow_duplicate=True),
    Input(IDS.value, "value"),
    State(IDS.value, "invalid"),
    prevent_initial_call=True,
)
