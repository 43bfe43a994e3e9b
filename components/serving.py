"""Model Serving's builders: an endpoint's state, the form its model's signature describes, the predictions
of a call and the user's inference history. Pure: data in, components out; ids come from the page."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dash_bootstrap_components as dbc
from dash import html

from components.cards import section_card
from components.forms import labelled_textarea
from components.skeletons import text_skeleton
from services.inference_logs import InferenceCall, InferenceLogPage
from services.serving import (
    COLUMNS,
    InferenceResult,
    InputField,
    ModelEndpoint,
    column_text,
    formatted,
    prediction_text,
)

STATE_COLORS = {"READY": "success", "UPDATING": "info", "CREATING": "warning", "FAILED": "danger"}
STATUS_COLORS = {"SUCCESS": "success", "ERROR": "danger", "TIMEOUT": "warning"}
HISTORY_HEADER = ("When", "Endpoint", "Inputs", "Prediction", "Status", "Latency", "Load")
PREDICTION = "prediction"  # the column of a prediction that has no name of its own
MAX_SHOWN_PREDICTIONS = 3
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


def history_card(*, history_id: str, newer_id: str, older_id: str) -> dbc.Card:
    """The user's inference history (filled by a callback, a skeleton until then), with Newer and Older."""
    paging = [
        dbc.Button("Newer", id=newer_id, size="sm", color="secondary", outline=True),
        dbc.Button("Older", id=older_id, size="sm", color="secondary", outline=True),
    ]
    return section_card(
        "Your inference history",
        html.Div(text_skeleton(label="your inference history"), id=history_id),
        html.Div(paging, className="d-flex gap-2 mt-2"),
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
    label = f"{field.label or field.name}{'' if field.required else ' (optional)'}"
    if field.kind == "boolean":
        return html.Div(dbc.Checkbox(id=control_id, label=label, value=bool(value)), className="mb-2")
    number = field.kind in ("number", "integer")
    # The help sits inside the label, so it is read with it (a dbc.Input takes no aria-describedby).
    help_text = [html.Span(field.help, className="form-text fw-normal d-block mt-0")] if field.help else []
    return html.Div(
        [
            # Dash renders a pattern-matching id as this JSON in the DOM, which the label points at.
            dbc.Label([label, *help_text], html_for=json.dumps(control_id, sort_keys=True, separators=(",", ":"))),
            dbc.Input(
                id=control_id,
                type="number" if number else "text",
                step="1" if field.kind == "integer" else "any",
                min=field.minimum if number else None,
                max=field.maximum if number else None,
                value=value,
                required=field.required,
            ),
        ],
        className="mb-2",
    )


def signature_form(fields: Sequence[InputField], record: Mapping[str, Any], *, field_type: str) -> Any:
    """One control per input column (ids `{"type": field_type, "name": column}`), labelled and helped as
    services/serving/display.py says, filled from `record`."""
    if not fields:
        return html.P("This endpoint does not describe its input columns: use the JSON tab.", className="mb-0")
    return dbc.Row([dbc.Col(_field(f, record.get(f.name), field_type), md=6) for f in fields])


def _in_order(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's columns in COLUMNS' order, others after them as they came (the history's JSONB reorders keys)."""
    order = {name: index for index, name in enumerate(COLUMNS)}
    return dict(sorted(row.items(), key=lambda item: order.get(item[0], len(order))))


def input_rows(payload: Any) -> list[dict[str, Any]] | None:
    """The payload's rows as records (from dataframe_records or dataframe_split), None for another format."""
    if not isinstance(payload, Mapping):
        return None
    records = payload.get("dataframe_records")
    if isinstance(records, list):
        return [_in_order(row) if isinstance(row, dict) else {} for row in records]
    split = payload.get("dataframe_split")
    if isinstance(split, Mapping) and isinstance(split.get("columns"), list) and isinstance(split.get("data"), list):
        columns = [str(c) for c in split["columns"]]
        return [_in_order(dict(zip(columns, row, strict=False))) for row in split["data"] if isinstance(row, list)]
    return None


def prediction_rows(payload: Mapping[str, Any], predictions: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """Predictions as table rows (column names as keys), beside the input rows when the input was a table."""
    values = predictions if isinstance(predictions, list) else [predictions]
    inputs = input_rows(payload)
    inputs = inputs if inputs is not None and len(inputs) == len(values) else [{} for _ in values]
    rows, columns = [], ["#"]
    for index, (source, value) in enumerate(zip(inputs, values, strict=True), start=1):
        row: dict[str, Any] = {"#": index, **source}
        if isinstance(value, dict):
            row.update({f"{PREDICTION}.{key}": item for key, item in value.items()})
        else:
            row[PREDICTION] = value
        rows.append(row)
        columns.extend(key for key in row if key not in columns)
    return columns, rows


def _header(column: str, endpoint_name: str) -> str:
    if column == PREDICTION:
        return prediction_text(endpoint_name).label or "Prediction"
    if column.startswith(f"{PREDICTION}."):
        return column_text(column.removeprefix(f"{PREDICTION}.")).label or column
    return column if column == "#" else column_text(column).label or column


def _cell(column: str, value: Any, endpoint_name: str) -> str:
    if column == "#":
        return str(value)
    if column == PREDICTION:
        return formatted(value, prediction_text(endpoint_name))
    return formatted(value, column_text(column.removeprefix(f"{PREDICTION}.")))


def _table(
    caption: str, header: Sequence[Any], rows: Sequence[html.Tr], *, right: Sequence[int] = (), **props: Any
) -> html.Div:
    """A read-only table with a caption (its accessible name) and column headers (those at `right` aligned
    right, over numbers)."""
    return html.Div(
        html.Table(
            [
                html.Caption(caption, className="caption-top"),
                html.Thead(
                    html.Tr(
                        [
                            html.Th(h, scope="col", className="text-end" if i in right else None)
                            for i, h in enumerate(header)
                        ]
                    )
                ),
                html.Tbody(list(rows)),
            ],
            className="table table-sm table-striped mb-0",
            **props,
        ),
        className="table-responsive",
    )


def _numeric(column: str, value: Any) -> bool:
    return column != "#" and isinstance(value, int | float) and not isinstance(value, bool)


def predictions_table(endpoint_name: str, payload: Mapping[str, Any], predictions: Any) -> html.Div:
    """The predictions beside their inputs, with labels and formatted values (numbers to the right)."""
    columns, rows = prediction_rows(payload, predictions)
    body = [
        html.Tr(
            [
                html.Td(_cell(c, row.get(c), endpoint_name), className="text-end" if _numeric(c, row.get(c)) else None)
                for c in columns
            ]
        )
        for row in rows
    ]
    header = [_header(c, endpoint_name) for c in columns]
    right = [i for i, c in enumerate(columns) if rows and _numeric(c, rows[0].get(c))]
    return _table(f"Inputs and predictions of {endpoint_name}", header, body, right=right)


def zone(name: str | None) -> tzinfo:
    """The time zone of that IANA name (the browser's), UTC when there is none or it is not known here."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def when(moment: datetime | None, zone_name: str | None) -> str:
    """A moment in the time zone, with its abbreviation ("2026-01-05 09:30:00 CET")."""
    if moment is None:
        return "—"
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone(zone_name))
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname() or zone_name}"


def zone_words(zone_name: str | None) -> str:
    """Which time zone the times are in, said once ("times in Europe/Paris, your browser's time zone")."""
    shown = zone(zone_name)
    return f"times in {shown}, your browser's time zone" if shown is not UTC else "times in UTC"


def _details(rows: Sequence[tuple[str, Any]]) -> html.Details:
    """The call's identifiers under a "Details" disclosure (the request id first)."""
    items = [part for term, value in rows for part in (html.Dt(term), html.Dd(value, className="font-monospace"))]
    return html.Details(
        [html.Summary("Details"), html.Dl(items, className="small mb-0 mt-2")],
        id="serving-details",
        className="mt-3",
    )


def _headline(endpoint_name: str, predictions: Any) -> html.P | None:
    """The single prediction of a one-row call, large, with its label and unit."""
    values = predictions if isinstance(predictions, list) else [predictions]
    if len(values) != 1 or isinstance(values[0], dict | list):
        return None
    text = prediction_text(endpoint_name)
    return html.P(
        [
            html.Span(f"{text.label}: ", className="me-1"),
            html.Strong(formatted(values[0], text), id="serving-prediction"),
        ],
        className="fs-4 mb-2",
    )


def prediction_result(
    result: InferenceResult | InferenceCall,
    payload: Mapping[str, Any],
    *,
    zone_name: str | None = None,
    loaded: bool = False,
) -> html.Div:
    """A call's outcome: the prediction with its label and unit, status and latency, what of the answer was
    changed to be shown (NaN as null, say), the predictions beside their inputs, and the request id under
    "Details". `loaded`: a past call from the history, said with its time."""
    children: list[Any] = []
    if loaded:
        moment = result.created_at if isinstance(result, InferenceCall) else result.completed_at
        children.append(
            html.P(f"From your history: the call of {when(moment, zone_name)}.", className="small", id="serving-loaded")
        )
    failed = result.status != "SUCCESS"
    if result.error_message:
        color = "text-danger-emphasis" if failed else "text-warning-emphasis"
        children.append(html.P(result.error_message, className=f"small {color}", id="serving-answer-note"))
    if not failed:
        children.append(_headline(result.endpoint_name, result.predictions))
    children.append(
        html.P(
            [
                dbc.Badge(result.status, color=STATUS_COLORS.get(result.status, "secondary"), className="me-2"),
                html.Span(f"{result.execution_time_ms} ms", id="serving-latency", className="me-2"),
                html.Span(f"on {result.endpoint_name}"),
            ]
        )
    )
    if not failed:
        children.append(predictions_table(result.endpoint_name, payload, result.predictions))
    details: list[tuple[str, Any]] = [("Request id", html.Span(result.request_id, id="serving-request-id"))]
    if isinstance(result, InferenceResult):
        details += [("Served model", result.served_model_name or "—"), ("Attempts", str(result.attempts))]
        details.append(("In your history", "yes" if result.logged else "no: the history could not be written"))
    else:
        details += [("History entry", str(result.id)), ("Completed", when(result.completed_at, zone_name))]
    children.append(_details(details))
    return html.Div([c for c in children if c is not None], id="serving-predictions")


def inputs_summary(inputs: Any) -> str:
    """A past call's input in a line: labelled values of its first row, and how many rows more."""
    if isinstance(inputs, Mapping) and "omitted" in inputs:
        return str(inputs["omitted"])
    rows = input_rows(inputs)
    if not rows:
        return json.dumps(inputs, default=str)[:160]
    first = ", ".join(f"{column_text(k).label} {formatted(v, column_text(k))}" for k, v in rows[0].items())
    more = len(rows) - 1
    return first + (f" (and {more} more row{'s' if more > 1 else ''})" if more else "")


def prediction_summary(log: InferenceCall) -> str:
    """A past call's prediction(s) as a person reads them; its error message when it failed."""
    if log.status != "SUCCESS":
        return (log.error_message or "")[:160]
    values = log.predictions if isinstance(log.predictions, list) else [log.predictions]
    text = prediction_text(log.endpoint_name)
    shown = ", ".join(formatted(v, text) for v in values[:MAX_SHOWN_PREDICTIONS])
    return shown + (f" (and {len(values) - MAX_SHOWN_PREDICTIONS} more)" if len(values) > MAX_SHOWN_PREDICTIONS else "")


def _history_row(log: InferenceCall, load_type: str, zone_name: str | None) -> html.Tr:
    load = dbc.Button(
        ["Load", html.Span(f" call {log.id}: its input and result", className="visually-hidden")],
        id={"type": load_type, "id": log.id},
        size="sm",
        color="secondary",
        outline=True,
    )
    marks: dict[str, Any] = {"data-log-id": str(log.id), "data-status": log.status}
    return html.Tr(
        [
            html.Td(when(log.created_at, zone_name), className="text-nowrap"),
            html.Td(log.endpoint_name, className="font-monospace text-nowrap"),
            html.Td(inputs_summary(log.inputs), className="small"),
            html.Td(prediction_summary(log), className="small"),
            html.Td(dbc.Badge(log.status, color=STATUS_COLORS.get(log.status, "secondary"))),
            html.Td(f"{log.execution_time_ms} ms", className="text-end"),
            html.Td(load),
        ],
        **marks,
    )


def history_table(page: InferenceLogPage, offset: int, *, load_type: str, zone_name: str | None = None) -> Any:
    """A page of past calls, newest first, with their inputs, predictions and times in the time zone, each
    with a button (id `{"type": load_type, "id": log id}`) that loads its input and result back."""
    if not page.logs and offset == 0:
        return html.P("No invocations yet.", className="mb-0")
    caption = f"Calls {offset + 1} to {offset + len(page.logs)}, newest first; {zone_words(zone_name)}"
    rows = [_history_row(log, load_type, zone_name) for log in page.logs]
    return _table(caption, HISTORY_HEADER, rows, right=[HISTORY_HEADER.index("Latency")])
