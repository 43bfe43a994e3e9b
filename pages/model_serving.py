"""Model Serving: pick an endpoint, fill the form its model's signature describes (or write JSON), invoke,
and see the predictions and your inference history."""

from __future__ import annotations

import json
import uuid
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components.accessibility import aria
from components.feedback import error_alert
from components.forms import labelled_textarea
from components.grid import result_table
from core.request_context import app_settings, current_request_id, current_user
from services import inference_logs, model_serving
from core.errors import InvalidInput, ServiceError

dash.register_page(
    __name__, path="/model-serving", name="Model Serving", title="Model Serving · Databricks Dash Template", order=20
)

ENDPOINT = "serving-endpoint"
ENDPOINTS_REFRESH = "serving-endpoints-refresh"
ENDPOINT_DETAILS = "serving-endpoint-details"
FIELDS = "serving-fields"
FIELD = "serving-field"
FIELD_SPECS = "serving-field-specs"
INPUT_MODE = "serving-input-mode"
JSON_EDITOR = "serving-json"
TIMEOUT = "serving-timeout"
INVOKE = "serving-invoke"
RESULT = "serving-result"
FEEDBACK = "serving-feedback"
PENDING = "serving-pending"
HISTORY = "serving-history"
HISTORY_VERSION = "serving-history-version"
HISTORY_OFFSET = "serving-history-offset"
HISTORY_PREVIOUS = "serving-history-previous"
HISTORY_NEXT = "serving-history-next"
HISTORY_LOAD = "serving-history-load"
HISTORY_PAGE_SIZE = 10
STATE_COLORS = {"READY": "success", "UPDATING": "info", "CREATING": "warning", "FAILED": "danger"}
STATUS_COLORS = {"SUCCESS": "success", "ERROR": "danger", "TIMEOUT": "warning"}


def _card(title: str, *children: Any, **props: Any) -> dbc.Card:
    return dbc.Card(dbc.CardBody([html.H2(title, className="h5 card-title"), *children]), className="mb-4", **props)


def layout(**_: Any) -> html.Div:
    """The picker, the input (form or JSON), the result and the history; callbacks fill them."""
    timeout = app_settings().model_serving_timeout_seconds
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
                        _card(
                            "Endpoint",
                            html.Fieldset(
                                [
                                    html.Legend("Serving endpoint", className="form-label fs-6"),
                                    html.Div(id=f"{ENDPOINT}-error"),
                                    dbc.RadioItems(id=ENDPOINT, options=[], className="mb-2"),
                                ]
                            ),
                            dbc.Button(
                                "Refresh endpoints", id=ENDPOINTS_REFRESH, color="secondary", size="sm", outline=True
                            ),
                            html.Div(id=ENDPOINT_DETAILS, className="mt-3 small"),
                        ),
                        lg=4,
                    ),
                    dbc.Col(
                        _card(
                            "Input",
                            html.Fieldset(
                                [
                                    html.Legend("Give the input as", className="form-label fs-6"),
                                    dbc.RadioItems(
                                        id=INPUT_MODE,
                                        options=[
                                            {"label": "Form", "value": "form"},
                                            {"label": "JSON", "value": "json"},
                                        ],
                                        value="form",
                                        inline=True,
                                    ),
                                ],
                                className="mb-2",
                            ),
                            html.Div(id=FIELDS, className="pt-2"),
                            html.Div(
                                labelled_textarea(
                                    JSON_EDITOR,
                                    "Request JSON",
                                    rows=10,
                                    help_text="An object with exactly one of dataframe_records, "
                                    "dataframe_split, instances or inputs.",
                                ),
                                id=f"{JSON_EDITOR}-section",
                                className="pt-2",
                                hidden=True,
                            ),
                            dbc.Row(
                                [
                                    dbc.Col(
                                        [
                                            dbc.Label("Timeout (seconds)", html_for=TIMEOUT),
                                            dbc.Input(id=TIMEOUT, type="number", min=1, max=300, step=1, value=timeout),
                                        ],
                                        xs=6,
                                        md=4,
                                    ),
                                    dbc.Col(
                                        dbc.Button("Invoke", id=INVOKE, color="primary", className="w-100"),
                                        xs=6,
                                        md=4,
                                        className="d-flex align-items-end",
                                    ),
                                ],
                                className="mt-2",
                            ),
                        ),
                        lg=8,
                    ),
                ]
            ),
            _card("Result", html.Div(html.P("No invocation yet.", className="mb-0"), id=RESULT, **aria(live="polite"))),
            _card(
                "Your inference history",
                html.Div(id=HISTORY),
                html.Div(
                    [
                        dbc.Button("Newer", id=HISTORY_PREVIOUS, size="sm", color="secondary", outline=True),
                        dbc.Button("Older", id=HISTORY_NEXT, size="sm", color="secondary", outline=True),
                    ],
                    className="d-flex gap-2 mt-2",
                ),
            ),
        ]
    )


@callback(Output(FIELDS, "hidden"), Output(f"{JSON_EDITOR}-section", "hidden"), Input(INPUT_MODE, "value"))
def show_input_mode(mode: str | None) -> tuple[bool, bool]:
    """The form or the JSON editor, as chosen."""
    return mode == "json", mode != "json"


def _endpoint_label(endpoint: model_serving.ModelEndpoint) -> list[Any]:
    return [
        html.Span(endpoint.endpoint_name, className="me-2"),
        dbc.Badge(endpoint.state, color=STATE_COLORS.get(endpoint.state, "secondary")),
    ]


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
        endpoints = model_serving.list_endpoints(settings=app_settings(), user=current_user())
    except ServiceError as error:
        return error_alert(error), [], None
    if not endpoints:
        return html.P("No serving endpoints are available to you."), [], None
    names = [e.endpoint_name for e in endpoints]
    ready = [e.endpoint_name for e in endpoints if e.state == "READY"]
    value = selected if selected in names else (ready or names)[0]
    options = [{"label": _endpoint_label(e), "value": e.endpoint_name} for e in endpoints]
    return None, options, value if value != selected else no_update


def _field(spec: dict[str, Any], value: Any) -> html.Div:
    control_id = {"type": FIELD, "name": spec["name"]}
    label = f"{spec['name']}{' (required)' if spec['required'] else ''}"
    if spec["kind"] == "boolean":
        return html.Div(dbc.Checkbox(id=control_id, label=label, value=bool(value)), className="mb-2")
    numeric = spec["kind"] in ("number", "integer")
    return html.Div(
        [
            # Dash renders a pattern-matching id as this JSON in the DOM, which the label points at.
            dbc.Label(label, html_for=json.dumps(control_id, sort_keys=True, separators=(",", ":"))),
            dbc.Input(
                id=control_id,
                type="number" if numeric else "text",
                step="1" if spec["kind"] == "integer" else "any",
                value=value,
                required=spec["required"],
            ),
            dbc.FormText(spec["kind"]),
        ],
        className="mb-2",
    )


def _fields_form(specs: list[dict[str, Any]], record: dict[str, Any]) -> Any:
    if not specs:
        return html.P("This endpoint does not describe its input columns: use the JSON tab.", className="mb-0")
    return dbc.Row([dbc.Col(_field(s, record.get(s["name"])), md=6) for s in specs])


@callback(
    Output(ENDPOINT_DETAILS, "children"),
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
    settings, user = app_settings(), current_user()
    try:
        endpoint = model_serving.get_endpoint(settings=settings, user=user, name=name)
        signature = model_serving.get_signature(settings=settings, user=user, name=name)
    except ServiceError as error:
        return error_alert(error), None, [], no_update, no_update
    details = html.Dl(
        [
            html.Dt("State"),
            html.Dd([dbc.Badge(endpoint.state, color=STATE_COLORS.get(endpoint.state, "secondary"))]),
            html.Dt("Model"),
            html.Dd(f"{endpoint.model_name} v{endpoint.model_version or '?'}", className="font-monospace"),
        ],
        className="mb-0",
    )
    specs = [{"name": f.name, "kind": f.kind, "required": f.required} for f in (signature.fields if signature else ())]
    example = {"dataframe_records": signature.example_records[:1]} if signature else {"dataframe_records": []}
    loaded = pending if pending and pending.get("endpoint") == name else None
    payload = loaded["inputs"] if loaded else example
    rows = payload.get("dataframe_records") if isinstance(payload, dict) else None
    record = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
    # A loaded input that the form cannot show (several rows, another format) opens in the JSON tab.
    tab: Any = no_update
    if loaded:
        tab = "form" if isinstance(rows, list) and len(rows) == 1 else "json"
    return details, _fields_form(specs, record), specs, json.dumps(payload, indent=2), tab


def _form_payload(specs: list[dict[str, Any]], values: list[Any]) -> dict[str, Any]:
    """One record from the form, typed by the signature; InvalidInput names the fields to fix."""
    record: dict[str, Any] = {}
    problems = []
    for spec, value in zip(specs, values, strict=False):
        name, kind = spec["name"], spec["kind"]
        if value is None or value == "":
            if spec["required"]:
                problems.append(f"{name} is required")
            continue
        try:
            if kind == "integer":
                number = float(value)
                if not number.is_integer():
                    raise ValueError
                record[name] = int(number)
            elif kind == "number":
                record[name] = float(value)
            elif kind == "boolean":
                record[name] = bool(value)
            else:
                record[name] = str(value)
        except (TypeError, ValueError):
            problems.append(f"{name} must be {'a whole number' if kind == 'integer' else 'a number'}")
    if problems:
        raise InvalidInput("Check the form: " + "; ".join(problems) + ".")
    return {"dataframe_records": [record]}


def _json_payload(text: str | None) -> dict[str, Any]:
    try:
        payload = json.loads(text or "")
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"The request JSON is not valid: {error.msg} (line {error.lineno}, column {error.colno})."
        ) from None
    if not isinstance(payload, dict):
        raise InvalidInput('The request JSON must be an object, such as {"dataframe_records": [...]}.')
    return payload


def _prediction_rows(payload: dict[str, Any], predictions: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """Predictions as table rows, beside the input rows when the input was records."""
    values = predictions if isinstance(predictions, list) else [predictions]
    inputs = payload.get("dataframe_records")
    inputs = inputs if isinstance(inputs, list) and len(inputs) == len(values) else [{} for _ in values]
    rows, columns = [], ["#"]
    for index, (source, value) in enumerate(zip(inputs, values, strict=True), start=1):
        row: dict[str, Any] = {"#": index, **(source if isinstance(source, dict) else {})}
        if isinstance(value, dict):
            row.update(value)
        else:
            row["prediction"] = value
        rows.append(row)
        columns.extend(key for key in row if key not in columns)
    return columns, rows


def _result(result: model_serving.InferenceResult, payload: dict[str, Any]) -> html.Div:
    columns, rows = _prediction_rows(payload, result.predictions)
    return html.Div(
        [
            html.P(
                [
                    dbc.Badge(result.status, color=STATUS_COLORS[result.status], className="me-2"),
                    html.Span(f"{result.execution_time_ms} ms", id="serving-latency", className="me-2"),
                    html.Span(f"on {result.endpoint_name}", className="me-2"),
                    html.Span(f"request {result.request_id}", className="small text-body-secondary font-monospace"),
                ]
            ),
            result_table(columns, rows, caption=f"Predictions of {result.endpoint_name}"),
        ],
        id="serving-predictions",
    )


@callback(
    Output(RESULT, "children"),
    Output(HISTORY_VERSION, "data"),
    Output(HISTORY_OFFSET, "data", allow_duplicate=True),
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
    tab: str | None,
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
        return error_alert({"error_code": "INVALID_INPUT", "message": "Choose an endpoint first."}), *([no_update] * 4)
    try:
        payload = _form_payload(specs or [], values) if tab == "form" else _json_payload(text)
    except InvalidInput as error:
        if tab == "json":
            return no_update, no_update, no_update, True, error.message
        return error_alert(error), no_update, no_update, False, ""
    try:
        timeout_seconds = int(timeout) if timeout not in (None, "") else None
        result = model_serving.invoke(
            settings=app_settings(),
            user=current_user(),
            endpoint_name=name,
            payload=payload,
            request_id=current_request_id() or str(uuid.uuid4()),
            timeout_seconds=timeout_seconds,
        )
    except (TypeError, ValueError):
        return error_alert({"error_code": "INVALID_INPUT", "message": "The timeout must be 1 to 300 seconds."}), *(
            [no_update] * 4
        )
    except ServiceError as error:
        return error_alert(error), version + 1, 0, False, ""
    return _result(result, payload), version + 1, 0, False, ""


def _history_table(page: inference_logs.InferenceLogPage, offset: int) -> Any:
    if not page.logs and offset == 0:
        return html.P("No invocations yet.", className="mb-0")
    header = ["When", "Endpoint", "Status", "Latency", "Message", "Input"]
    rows = []
    for log in page.logs:
        marks: dict[str, Any] = {"data-log-id": str(log.id), "data-status": log.status}
        rows.append(
            html.Tr(
                [
                    html.Td(log.created_at.strftime("%Y-%m-%d %H:%M:%S")),
                    html.Td(log.endpoint_name, className="font-monospace"),
                    html.Td(dbc.Badge(log.status, color=STATUS_COLORS.get(log.status, "secondary"))),
                    html.Td(f"{log.execution_time_ms} ms"),
                    html.Td((log.error_message or "")[:160], className="small"),
                    html.Td(
                        dbc.Button(
                            ["Load", html.Span(f" input of call {log.id} into the form", className="visually-hidden")],
                            id={"type": HISTORY_LOAD, "id": log.id},
                            size="sm",
                            color="secondary",
                            outline=True,
                        )
                    ),
                ],
                **marks,
            )
        )
    return html.Div(
        html.Table(
            [
                html.Caption(f"Calls {offset + 1} to {offset + len(page.logs)}, newest first", className="caption-top"),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
                html.Tbody(rows),
            ],
            className="table table-sm table-striped mb-0",
        ),
        className="table-responsive",
    )


@callback(
    Output(HISTORY, "children"),
    Output(HISTORY_PREVIOUS, "disabled"),
    Output(HISTORY_NEXT, "disabled"),
    Input(HISTORY_VERSION, "data"),
    Input(HISTORY_OFFSET, "data"),
)
def show_history(_: int, offset: int) -> tuple[Any, bool, bool]:
    """A page of the user's inference history, newest first."""
    try:
        page = inference_logs.list_inference_logs(
            settings=app_settings(), user=current_user(), limit=HISTORY_PAGE_SIZE, offset=offset or 0
        )
    except ServiceError as error:
        return error_alert(error), True, True
    return _history_table(page, offset or 0), not offset, not page.has_more


@callback(
    Output(HISTORY_OFFSET, "data", allow_duplicate=True),
    Input(HISTORY_PREVIOUS, "n_clicks"),
    Input(HISTORY_NEXT, "n_clicks"),
    State(HISTORY_OFFSET, "data"),
    prevent_initial_call=True,
)
def page_history(_: int | None, __: int | None, offset: int) -> int:
    """Move a page newer or older."""
    step = HISTORY_PAGE_SIZE if ctx.triggered_id == HISTORY_NEXT else -HISTORY_PAGE_SIZE
    return max(0, (offset or 0) + step)


@callback(
    Output(PENDING, "data"),
    Output(ENDPOINT, "value", allow_duplicate=True),
    Output(FEEDBACK, "children"),
    Input({"type": HISTORY_LOAD, "id": ALL}, "n_clicks"),
    State(HISTORY_OFFSET, "data"),
    prevent_initial_call=True,
)
def load_input(clicks: list[int | None], offset: int) -> tuple[Any, Any, Any]:
    """Put a past call's endpoint and input back into the form (or the JSON tab)."""
    if not ctx.triggered_id or not any(clicks):
        raise PreventUpdate  # buttons were just drawn, not clicked
    wanted = ctx.triggered_id["id"]
    try:
        page = inference_logs.list_inference_logs(
            settings=app_settings(), user=current_user(), limit=HISTORY_PAGE_SIZE, offset=offset or 0
        )
    except ServiceError as error:
        return no_update, no_update, error_alert(error)
    found = next((log for log in page.logs if log.id == wanted), None)
    if found is None or not isinstance(found.inputs, dict) or "omitted" in found.inputs:
        return (
            no_update,
            no_update,
            error_alert({"error_code": "NOT_FOUND", "message": "That call's input is not available to load."}),
        )
    notice = dbc.Alert(f"Loaded the input of call {found.id}.", color="info", className="mb-3", duration=5000)
    return (
        {"endpoint": found.endpoint_name, "inputs": found.inputs, "nonce": str(uuid.uuid4())},
        found.endpoint_name,
        notice,
    )
