"""Model Serving: pick an endpoint, fill the form its model's signature describes (or write JSON), invoke,
and see the prediction and your inference history (times in the browser's time zone)."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components import serving as ui
from components.accessibility import aria
from components.cards import section_card
from components.feedback import error_alert
from components.stores import TIME_ZONE_STORE
from core.errors import InvalidInput, NotFound, ServiceError
from core.request_context import app_settings, current_request_id, current_user
from services import inference_logs, serving

dash.register_page(
    __name__, path="/model-serving", name="Model Serving", title="Model Serving · Databricks Dash Template", order=20
)

# Component ids, by part of the page.
ENDPOINT, ENDPOINTS_REFRESH, DETAILS = "serving-endpoint", "serving-endpoints-refresh", "serving-endpoint-details"
FIELDS, FIELD, FIELD_SPECS = "serving-fields", "serving-field", "serving-field-specs"
INPUT_MODE, PENDING, JSON_EDITOR = "serving-input-mode", "serving-pending", "serving-json"
TIMEOUT, INVOKE, RESULT, FEEDBACK = "serving-timeout", "serving-invoke", "serving-result", "serving-feedback"
HISTORY, HISTORY_VERSION, HISTORY_OFFSET = "serving-history", "serving-history-version", "serving-history-offset"
HISTORY_PREVIOUS, HISTORY_NEXT, HISTORY_LOAD = (
    "serving-history-previous",
    "serving-history-next",
    "serving-history-load",
)
HISTORY_PAGE_SIZE = 10


def layout(**_: Any) -> html.Div:
    """The picker, the input (form or JSON), the result and the history; callbacks fill them."""
    return html.Div(
        [
            html.H1("Model Serving", className="h3"),
            html.P("Invoke a model serving endpoint as you; every call is kept in your inference history."),
            html.Div(id=FEEDBACK, **aria(live="polite")),
            dcc.Store(id=FIELD_SPECS),
            dcc.Store(id=PENDING),
            dcc.Store(id=HISTORY_VERSION, data=0),
            dcc.Store(id=HISTORY_OFFSET, data=0),
            dbc.Row(
                [
                    dbc.Col(
                        ui.endpoint_card(picker_id=ENDPOINT, refresh_id=ENDPOINTS_REFRESH, details_id=DETAILS), lg=4
                    ),
                    dbc.Col(
                        ui.input_card(
                            mode_id=INPUT_MODE,
                            fields_id=FIELDS,
                            json_id=JSON_EDITOR,
                            timeout_id=TIMEOUT,
                            invoke_id=INVOKE,
                            timeout=app_settings().model_serving_timeout_seconds,
                        ),
                        lg=8,
                    ),
                ]
            ),
            section_card(
                "Result", html.Div(html.P("No invocation yet.", className="mb-0"), id=RESULT, **aria(live="polite"))
            ),
            ui.history_card(history_id=HISTORY, newer_id=HISTORY_PREVIOUS, older_id=HISTORY_NEXT),
        ]
    )


@callback(Output(FIELDS, "hidden"), Output(f"{JSON_EDITOR}-section", "hidden"), Input(INPUT_MODE, "value"))
def show_input_mode(mode: str | None) -> tuple[bool, bool]:
    """The form or the JSON editor, as chosen."""
    return mode == "json", mode != "json"


@callback(
    Output(f"{ENDPOINT}-error", "children"),
    Output(ENDPOINT, "options"),
    Output(ENDPOINT, "value"),
    Input(ENDPOINTS_REFRESH, "n_clicks"),
    State(ENDPOINT, "value"),
)
def show_endpoints(_: int | None, selected: str | None) -> tuple[Any, Any, Any]:
    """The endpoints the user may see, each with its state; the first ready one is chosen."""
    try:
        endpoints = serving.list_endpoints(settings=app_settings(), user=current_user())
    except ServiceError as error:
        return error_alert(error), [], None
    if not endpoints:
        return html.P("No serving endpoints are available to you."), [], None
    names = [e.endpoint_name for e in endpoints]
    ready = [e.endpoint_name for e in endpoints if e.state == "READY"]
    value = selected if selected in names else (ready or names)[0]
    return None, [ui.endpoint_option(e) for e in endpoints], value if value != selected else no_update


@callback(
    Output(DETAILS, "children"),
    Output(FIELDS, "children"),
    Output(FIELD_SPECS, "data"),
    Output(JSON_EDITOR, "value"),
    Output(INPUT_MODE, "value"),
    Input(ENDPOINT, "value"),
    Input(PENDING, "data"),
)
def show_endpoint(name: str | None, pending: dict[str, Any] | None) -> tuple[Any, ...]:
    """The chosen endpoint's state and model, and a form for its input (an example, or a loaded input)."""
    if not name:
        raise PreventUpdate
    try:
        detail = serving.get_endpoint_detail(settings=app_settings(), user=current_user(), name=name)
    except ServiceError as error:
        return error_alert(error), None, [], no_update, no_update
    loaded = pending["inputs"] if pending and pending.get("endpoint") == name else None
    payload = {"dataframe_records": (detail.example_records or [])[:1]} if loaded is None else loaded
    record, fits_form = serving.form_values(payload)
    # A loaded input that the form cannot show (several rows, another format) opens in the JSON tab.
    tab = no_update if loaded is None else ("form" if fits_form else "json")
    fields = detail.input_fields or ()
    form = ui.signature_form(fields, record, field_type=FIELD)
    return ui.endpoint_details(detail), form, [asdict(f) for f in fields], json.dumps(payload, indent=2), tab


@callback(
    Output(RESULT, "children"),
    Output(HISTORY_VERSION, "data"),
    Output(JSON_EDITOR, "invalid"),
    Output(f"{JSON_EDITOR}-feedback", "children"),
    Input(INVOKE, "n_clicks"),
    State(ENDPOINT, "value"),
    State(INPUT_MODE, "value"),
    State(FIELD_SPECS, "data"),
    State({"type": FIELD, "name": ALL}, "value"),
    State(JSON_EDITOR, "value"),
    State(TIMEOUT, "value"),
    State(HISTORY_VERSION, "data"),
    running=[(Output(INVOKE, "disabled"), True, False), (Output(INVOKE, "children"), "Invoking…", "Invoke")],
    prevent_initial_call=True,
)
def invoke(
    n_clicks: int | None,
    name: str | None,
    mode: str | None,
    specs: list[dict[str, Any]] | None,
    values: list[Any],
    text: str | None,
    timeout: Any,
    version: int,
) -> tuple[Any, ...]:
    """Invoke the chosen endpoint with the form or the JSON, and show the predictions or the error."""
    if not n_clicks:
        raise PreventUpdate  # the page was drawn, the button not pressed
    if not name:
        return error_alert(InvalidInput("Choose an endpoint first.")), no_update, no_update, no_update
    fields = [serving.InputField(**spec) for spec in specs or []]
    try:
        payload = serving.parse_payload_json(text) if mode == "json" else serving.form_payload(fields, values)
    except InvalidInput as error:
        # Bad JSON is explained beside the editor, and nothing is sent; the form's problems above the result.
        if mode == "json":
            return no_update, no_update, True, error.message
        return error_alert(error), no_update, False, ""
    try:
        result = serving.invoke(
            settings=app_settings(),
            user=current_user(),
            endpoint_name=name,
            payload=payload,
            request_id=current_request_id() or str(uuid.uuid4()),
            timeout_seconds=serving.parse_timeout(timeout),
        )
    except ServiceError as error:
        return error_alert(error), version + 1, False, ""
    return ui.prediction_result(result, payload), version + 1, False, ""


@callback(
    Output(HISTORY, "children"),
    Output(HISTORY_OFFSET, "data"),
    Output(HISTORY_PREVIOUS, "disabled"),
    Output(HISTORY_NEXT, "disabled"),
    Input(HISTORY_VERSION, "data"),
    Input(HISTORY_PREVIOUS, "n_clicks"),
    Input(HISTORY_NEXT, "n_clicks"),
    Input(TIME_ZONE_STORE, "data"),
    State(HISTORY_OFFSET, "data"),
)
def show_history(_: int, __: int | None, ___: int | None, zone: str | None, offset: int | None) -> tuple[Any, ...]:
    """A page of the user's inference history: the newest after a call, else one newer or older than shown;
    drawn once the browser has said its time zone."""
    if zone is None:
        raise PreventUpdate
    step = {HISTORY_NEXT: HISTORY_PAGE_SIZE, HISTORY_PREVIOUS: -HISTORY_PAGE_SIZE}.get(str(ctx.triggered_id))
    offset = max(0, (offset or 0) + step) if step else 0
    try:
        page = inference_logs.list_inference_logs(
            settings=app_settings(), user=current_user(), limit=HISTORY_PAGE_SIZE, offset=offset
        )
    except ServiceError as error:
        return error_alert(error), offset, True, True
    table = ui.history_table(page, offset, load_type=HISTORY_LOAD, zone_name=zone)
    return table, offset, not offset, not page.has_more


@callback(
    Output(PENDING, "data"),
    Output(ENDPOINT, "value", allow_duplicate=True),
    Output(FEEDBACK, "children"),
    Output(RESULT, "children", allow_duplicate=True),
    Input({"type": HISTORY_LOAD, "id": ALL}, "n_clicks"),
    State(TIME_ZONE_STORE, "data"),
    prevent_initial_call=True,
)
def load_call(clicks: list[int | None], zone: str | None) -> tuple[Any, ...]:
    """Put a past call back: its endpoint and input into the form (or the JSON tab), its result below."""
    if not ctx.triggered_id or not any(clicks):
        raise PreventUpdate  # buttons were just drawn, not clicked
    try:
        found = inference_logs.get_inference_log(
            settings=app_settings(), user=current_user(), log_id=ctx.triggered_id["id"]
        )
    except ServiceError as error:
        return no_update, no_update, error_alert(error), no_update
    if not isinstance(found.inputs, dict) or "omitted" in found.inputs:
        return no_update, no_update, error_alert(NotFound("That call's input is not available to load.")), no_update
    notice = dbc.Alert(f"Loaded call {found.id}: its input and result.", color="info", className="mb-3", duration=5000)
    pending = {"endpoint": found.endpoint_name, "inputs": found.inputs, "nonce": str(uuid.uuid4())}
    shown = ui.prediction_result(found, found.inputs, zone_name=zone, loaded=True)
    return pending, found.endpoint_name, notice, shown
