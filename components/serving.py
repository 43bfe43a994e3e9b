"""Model Serving's builders: an endpoint's state, the form its model's signature describes, the predictions
of a call and the user's inference history. Pure: data in, components out; ids come from the page."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.cards import section_card
from components.forms import labelled_textarea
from components.grid import result_table
from services.inference_logs import InferenceCall, InferenceLogPage
from services.serving import InferenceResult, InputField, ModelEndpoint

STATE_COLORS = {"READY": "success", "UPDATING": "info", "CREATING": "warning", "FAILED": "danger"}
STATUS_COLORS = {"SUCCESS": "success", "ERROR": "danger", "TIMEOUT": "warning"}
HISTORY_HEADER = ("When", "Endpoint", "Status", "Latency", "Message", "Input")
INPUT_MODES = [{"label": "Form", "value": "form"}, {"label": "JSON", "value": "json"}]
PAYLOAD_HELP = "An object with exactly one of dataframe_records, dataframe_split, instances or inputs."


def endpoint_card(*, picker_id: str, refresh_id: str, details_id: str) -> dbc.Card:
    """The endpoint picker (radio buttons, an error slot `{picker_id}-error` above them), a refresh button
    and the details."""
    legend = html.Legend("Serving endpoint", className="form-label fs-6")
    picker = dbc.RadioItems(id=picker_id, options=[], className="mb-2")
    return section_card(
        "Endpoint",
        html.Fieldset([legend, html.Div(id=f"{picker_id}-error"), picker]),
        dbc.Button("Refresh endpoints", id=refresh_id, color="secondary", size="sm", outline=True),
        html.Div(id=details_id, className="mt-3 small"),
    )


def input_card(
    *, mode_id: str, fields_id: str, json_id: str, timeout_id: str, invoke_id: str, timeout: int
) -> dbc.Card:
    """The input, as a form or as JSON in `{json_id}-section` (one of the two shown), the timeout and the
    Invoke button."""
    timeout_input = dbc.Input(id=timeout_id, type="number", min=1, max=300, step=1, value=timeout)
    invoke = dbc.Button("Invoke", id=invoke_id, color="primary", className="w-100")
    return section_card(
        "Input",
        html.Fieldset(
            [
                html.Legend("Give the input as", className="form-label fs-6"),
                dbc.RadioItems(id=mode_id, options=INPUT_MODES, value="form", inline=True),
            ],
            className="mb-2",
        ),
        html.Div(id=fields_id, className="pt-2"),
        html.Div(
            labelled_textarea(json_id, "Request JSON", rows=10, help_text=PAYLOAD_HELP),
            id=f"{json_id}-section",
            className="pt-2",
            hidden=True,
        ),
        dbc.Row(
            [
                dbc.Col([dbc.Label("Timeout (seconds)", html_for=timeout_id), timeout_input], xs=6, md=4),
                dbc.Col(invoke, xs=6, md=4, className="d-flex align-items-end"),
            ],
            className="mt-2",
        ),
    )


def state_badge(endpoint: ModelEndpoint) -> dbc.Badge:
    """The endpoint's state, coloured by how ready it is."""
    return dbc.Badge(endpoint.state, color=STATE_COLORS.get(endpoint.state, "secondary"))


def endpoint_option(endpoint: ModelEndpoint) -> dict[str, Any]:
    """A radio option for the endpoint: its name and its state."""
    return {
        "label": [html.Span(endpoint.endpoint_name, className="me-2"), state_badge(endpoint)],
        "value": endpoint.endpoint_name,
    }


def endpoint_details(endpoint: ModelEndpoint) -> html.Dl:
    """The endpoint's state and the model it serves."""
    return html.Dl(
        [
            html.Dt("State"),
            html.Dd([state_badge(endpoint)]),
            html.Dt("Model"),
            html.Dd(f"{endpoint.model_name} v{endpoint.model_version or '?'}", className="font-monospace"),
        ],
        className="mb-0",
    )


def _field(field: InputField, value: Any, field_type: str) -> html.Div:
    control_id = {"type": field_type, "name": field.name}
    label = f"{field.name}{' (required)' if field.required else ''}"
    if field.kind == "boolean":
        return html.Div(dbc.Checkbox(id=control_id, label=label, value=bool(value)), className="mb-2")
    return html.Div(
        [
            # Dash renders a pattern-matching id as this JSON in the DOM, which the label points at.
            dbc.Label(label, html_for=json.dumps(control_id, sort_keys=True, separators=(",", ":"))),
            dbc.Input(
                id=control_id,
                type="number" if field.kind in ("number", "integer") else "text",
                step="1" if field.kind == "integer" else "any",
                value=value,
                required=field.required,
            ),
            dbc.FormText(field.kind),
        ],
        className="mb-2",
    )


def signature_form(fields: Sequence[InputField], record: Mapping[str, Any], *, field_type: str) -> Any:
    """One control per input column (ids `{"type": field_type, "name": column}`), filled from `record`."""
    if not fields:
        return html.P("This endpoint does not describe its input columns: use the JSON tab.", className="mb-0")
    return dbc.Row([dbc.Col(_field(f, record.get(f.name), field_type), md=6) for f in fields])


def prediction_rows(payload: Mapping[str, Any], predictions: Any) -> tuple[list[str], list[dict[str, Any]]]:
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


def prediction_result(result: InferenceResult, payload: Mapping[str, Any]) -> html.Div:
    """A successful call: its status, latency and request id, what of the answer was changed to be shown
    (NaN as null, say), and the predictions beside their inputs."""
    columns, rows = prediction_rows(payload, result.predictions)
    note = html.P(result.error_message, className="small text-warning-emphasis", id="serving-answer-note")
    return html.Div(
        [
            *([note] if result.error_message else []),
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


def _history_row(log: InferenceCall, load_type: str) -> html.Tr:
    load = dbc.Button(
        ["Load", html.Span(f" input of call {log.id} into the form", className="visually-hidden")],
        id={"type": load_type, "id": log.id},
        size="sm",
        color="secondary",
        outline=True,
    )
    marks: dict[str, Any] = {"data-log-id": str(log.id), "data-status": log.status}
    return html.Tr(
        [
            html.Td(log.created_at.strftime("%Y-%m-%d %H:%M:%S")),
            html.Td(log.endpoint_name, className="font-monospace"),
            html.Td(dbc.Badge(log.status, color=STATUS_COLORS.get(log.status, "secondary"))),
            html.Td(f"{log.execution_time_ms} ms"),
            html.Td((log.error_message or "")[:160], className="small"),
            html.Td(load),
        ],
        **marks,
    )


def history_table(page: InferenceLogPage, offset: int, *, load_type: str) -> Any:
    """A page of past calls, newest first, each with a button (id `{"type": load_type, "id": log id}`) that
    loads its input back."""
    if not page.logs and offset == 0:
        return html.P("No invocations yet.", className="mb-0")
    caption = f"Calls {offset + 1} to {offset + len(page.logs)}, newest first"
    return html.Div(
        html.Table(
            [
                html.Caption(caption, className="caption-top"),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in HISTORY_HEADER])),
                html.Tbody([_history_row(log, load_type) for log in page.logs]),
            ],
            className="table table-sm table-striped mb-0",
        ),
        className="table-responsive",
    )
