"""What a caller sends a model: the payload's shape ({format: data}), and one record built from a form.

Pure functions, no I/O: the page and the REST API both send through them, and they are tested alone."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from databricks.sdk.service.serving import DataframeSplitInput

from core.errors import InvalidInput
from services.serving.endpoints import InputField

PayloadFormat = Literal["dataframe_records", "dataframe_split", "instances", "inputs"]
PAYLOAD_FORMATS: tuple[PayloadFormat, ...] = ("dataframe_records", "dataframe_split", "instances", "inputs")
# An invocation's JSON payload, as the app accepts it (Databricks allows 16 MB; history rows stay small).
MAX_PAYLOAD_BYTES = 512 * 1024


def payload_bytes(payload: Any) -> int:
    """The payload's size as the JSON the endpoint receives."""
    return len(json.dumps(payload, default=str).encode("utf-8")) if payload is not None else 0


def check_size(size: int) -> None:
    """InvalidInput when a payload of `size` bytes is over the app's limit."""
    if size > MAX_PAYLOAD_BYTES:
        raise InvalidInput(
            f"The input is {size:,} bytes; the limit is {MAX_PAYLOAD_BYTES:,} bytes. Send fewer rows per call.",
            technical_details={"payload_bytes": size, "limit_bytes": MAX_PAYLOAD_BYTES},
        )


def query_arguments(payload: Any) -> dict[str, Any]:
    """The payload ({format: data}) as `serving_endpoints.query` keywords; InvalidInput when its shape is wrong."""
    if not isinstance(payload, dict) or len(payload) != 1 or next(iter(payload)) not in PAYLOAD_FORMATS:
        keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
        raise InvalidInput(
            f"The input must be a JSON object with exactly one of: {', '.join(PAYLOAD_FORMATS)}.",
            technical_details={"received": keys},
        )
    key, value = next(iter(payload.items()))
    if key in ("dataframe_records", "instances") and not isinstance(value, list):
        raise InvalidInput(f"{key} must be a list of rows.", technical_details={"format": key})
    if key == "dataframe_records" and not all(isinstance(row, dict) for row in value):
        raise InvalidInput("Each row of dataframe_records must be an object.", technical_details={"format": key})
    if key == "dataframe_split":
        if not isinstance(value, dict) or not isinstance(value.get("data"), list):
            raise InvalidInput(
                "dataframe_split must be an object with columns and data.", technical_details={"format": key}
            )
        return {key: DataframeSplitInput.from_dict(value)}
    if value is None:
        raise InvalidInput(f"{key} must not be null.", technical_details={"format": key})
    return {key: value}


def _typed(kind: str, value: Any) -> Any:
    """A form value as the signature's kind; ValueError (or TypeError) when it is not one."""
    if kind == "integer":
        number = float(value)
        if not number.is_integer():
            raise ValueError(value)
        return int(number)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return bool(value)
    return str(value)


def build_record(fields: Sequence[InputField], values: Sequence[Any]) -> dict[str, Any]:
    """One model input record from form values, typed by the signature; InvalidInput names the fields to fix.

    An empty value leaves its column out (the model's default), unless the column is required."""
    record: dict[str, Any] = {}
    problems = []
    for field, value in zip(fields, values, strict=False):
        if value is None or value == "":
            if field.required:
                problems.append(f"{field.name} is required")
            continue
        try:
            record[field.name] = _typed(field.kind, value)
        except (TypeError, ValueError):
            problems.append(f"{field.name} must be {'a whole number' if field.kind == 'integer' else 'a number'}")
    if problems:
        raise InvalidInput("Check the form: " + "; ".join(problems) + ".")
    return record


def form_payload(fields: Sequence[InputField], values: Sequence[Any]) -> dict[str, Any]:
    """The payload of one record built from form values (see build_record)."""
    return {"dataframe_records": [build_record(fields, values)]}


def parse_payload_json(text: str | None) -> dict[str, Any]:
    """The payload a user wrote as JSON text; InvalidInput says where the JSON is wrong, or that it is no object."""
    try:
        payload = json.loads(text or "")
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"The request JSON is not valid: {error.msg} (line {error.lineno}, column {error.colno})."
        ) from None
    if not isinstance(payload, dict):
        raise InvalidInput('The request JSON must be an object, such as {"dataframe_records": [...]}.')
    return payload


def form_values(payload: Any) -> tuple[dict[str, Any], bool]:
    """The first record of a `dataframe_records` payload (else {}), and whether a form shows all of the
    payload (exactly one record): one that it cannot show (several rows, another format) belongs in JSON."""
    rows = payload.get("dataframe_records") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        return {}, False
    first = rows[0] if rows and isinstance(rows[0], dict) else {}
    return first, len(rows) == 1
