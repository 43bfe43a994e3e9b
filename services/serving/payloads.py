"""What a caller sends a model: the payload's shape ({format: data}), the values in it (each one JSON can
carry, within a nesting limit), one record built from a form, and a model's answer made JSON-safe.

Pure functions, no I/O: the page and the REST API both send through them, and they are tested alone."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from databricks.sdk.service.serving import DataframeSplitInput

from core.errors import InvalidInput
from core.limits import LONE_SURROGATE
from services.serving import display
from services.serving.endpoints import InputField

PayloadFormat = Literal["dataframe_records", "dataframe_split", "instances", "inputs"]
PAYLOAD_FORMATS: tuple[PayloadFormat, ...] = ("dataframe_records", "dataframe_split", "instances", "inputs")
# An invocation's JSON payload, as the app accepts it (Databricks allows 16 MB; history rows stay small).
MAX_PAYLOAD_BYTES = 512 * 1024
# No value of an input sits deeper than this (the payload's own object is level 0): real tabular and tensor
# inputs are a few levels deep, and the deeper a value, the closer a parser or encoder comes to its recursion
# limit. An answer may be deeper; past MAX_ANSWER_DEPTH it is shown and stored as null.
MAX_INPUT_DEPTH = 32
MAX_ANSWER_DEPTH = 64
MAX_FIELD_PATH = 200
MAX_ANSWER_NOTES = 10
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def payload_bytes(payload: Any) -> int:
    """The payload's size as the JSON the endpoint receives; InvalidInput when it is nested too deeply for
    the encoder to measure (naming where)."""
    try:
        return len(json.dumps(payload, default=str).encode("utf-8")) if payload is not None else 0
    except RecursionError:
        check_values(payload)
        raise


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


def _field_path(parent: str, key: str | int) -> str:
    """`parent[0]`, `parent.name`, or `parent["odd key"]` (escaped, so a NUL or a lone surrogate is readable)."""
    if isinstance(key, int):
        step = f"[{key}]"
    elif IDENTIFIER.match(key):
        step = f".{key}" if parent else key
    else:
        step = f"[{json.dumps(key[:40])}]"
    return (parent + step)[:MAX_FIELD_PATH]


def _text_problem(text: str) -> str | None:
    if LONE_SURROGATE.search(text):
        return "holds a lone UTF-16 surrogate, which is not text; send valid Unicode"
    if "\x00" in text:
        return "holds a NUL character (U+0000), which a model input may not"
    return None


def _children(value: Any, path: str) -> Iterator[tuple[str, Any, str | None]]:
    """(path, child, the key's own problem) for each item of a JSON object or array."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield _field_path(path, str(key)), item, _text_problem(key) if isinstance(key, str) else None
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield _field_path(path, index), item, None


def _number(value: float) -> str:
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _refuse(path: str, problem: str, kind: str) -> InvalidInput:
    subject = "key" if kind == "key" else "value"
    return InvalidInput(
        f"The input's {subject} at {path} {problem}.",
        technical_details={"field": path, "problem": kind, "max_depth": MAX_INPUT_DEPTH},
    )


def _depth(payload: Any) -> int:
    """How many levels of objects and arrays the payload has below its own (level by level, no recursion)."""
    level, depth = [payload], 0
    while level := [c for item in level for c in _items(item) if isinstance(c, dict | list | tuple)]:
        depth += 1
        if depth > MAX_INPUT_DEPTH:
            break
    return depth


def _items(value: Any) -> Any:
    return value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else ()


def _plainly_sendable(payload: Any) -> bool:
    """Whether strict JSON in UTF-8 carries the payload, with no NUL, within the depth limit: a fast check
    in C, so that only a payload with a problem is walked in Python to name it."""
    try:
        text = json.dumps(payload, allow_nan=False, ensure_ascii=False, default=str)
        text.encode("utf-8")
    except (ValueError, RecursionError):  # NaN or infinite; a lone surrogate; nested past the encoder
        return False
    # json escapes NUL as \u0000; the text "\u0000" typed by someone escapes to another string, walked below.
    return "\\u0000" not in text and _depth(payload) < MAX_INPUT_DEPTH


def _first_problem(payload: Any) -> InvalidInput | None:
    """The first value no model can be sent, in document order, as InvalidInput naming its field."""
    stack = [(path, item, 1, problem) for path, item, problem in reversed(list(_children(payload, "")))]
    while stack:
        path, value, depth, key_problem = stack.pop()
        if key_problem:
            return _refuse(path, key_problem, "key")
        if depth > MAX_INPUT_DEPTH:
            return _refuse(path, f"is nested more than {MAX_INPUT_DEPTH} levels deep, the limit", "too_deep")
        if isinstance(value, float) and not math.isfinite(value):
            return _refuse(
                path, f"is {_number(value)}, which JSON cannot carry; send a finite number or null", "number"
            )
        if isinstance(value, str) and (problem := _text_problem(value)):
            return _refuse(path, problem, "text")
        stack.extend((p, item, depth + 1, problem) for p, item, problem in reversed(list(_children(value, path))))
    return None


def check_values(payload: Any) -> None:
    """InvalidInput naming the field (`dataframe_records[0].trip_distance`) of the first value no model can
    be sent: a NaN or infinite number, a lone surrogate or a NUL in a key or a string, or one nested deeper
    than MAX_INPUT_DEPTH. Never recursive: any depth is refused, none crashes."""
    if not _plainly_sendable(payload) and (problem := _first_problem(payload)):
        raise problem


def _safe_key(key: Any) -> Any:
    return LONE_SURROGATE.sub("\ufffd", key) if isinstance(key, str) else key


def json_safe_answer(answer: Any, path: str = "predictions") -> tuple[Any, list[str]]:
    """A model's answer as strict JSON can carry it, and notes naming what changed: a NaN or infinite number
    becomes null, a lone surrogate U+FFFD, anything nested deeper than MAX_ANSWER_DEPTH null."""
    notes: list[str] = []

    def safe(value: Any, where: str, depth: int) -> Any:
        # The recursion stops at MAX_ANSWER_DEPTH, far below Python's limit.
        if depth > MAX_ANSWER_DEPTH:
            notes.append(f"{where} was nested deeper than {MAX_ANSWER_DEPTH} levels (now null)")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            notes.append(f"{where} was {_number(value)} (now null)")
            return None
        if isinstance(value, str) and LONE_SURROGATE.search(value):
            notes.append(f"{where} held a lone surrogate (now U+FFFD)")
            return LONE_SURROGATE.sub("\ufffd", value)
        if isinstance(value, dict):
            return {_safe_key(key): safe(item, _field_path(where, str(key)), depth + 1) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [safe(item, _field_path(where, index), depth + 1) for index, item in enumerate(value)]
        return value

    result = safe(answer, path, 0)
    if len(notes) > MAX_ANSWER_NOTES:
        notes[MAX_ANSWER_NOTES:] = [f"and {len(notes) - MAX_ANSWER_NOTES} more"]
    return result, notes


def _typed(kind: str, value: Any) -> Any:
    """A form value as the signature's kind; ValueError (or TypeError) when it is not one."""
    if kind == "integer":
        number = float(value)
        if not number.is_integer():
            raise ValueError(value)
        return int(number)
    if kind == "number":
        number = float(value)
        if not math.isfinite(number):  # "nan", "inf" and "1e999" parse, but JSON cannot carry them
            raise ValueError(value)
        return number
    if kind == "boolean":
        return bool(value)
    return str(value)


def build_record(fields: Sequence[InputField], values: Sequence[Any]) -> dict[str, Any]:
    """One model input record from form values, typed by the signature and within each field's range;
    InvalidInput names the fields to fix, by their labels.

    An empty value leaves its column out (the model's default), unless the column is required."""
    record: dict[str, Any] = {}
    problems = []
    for field, value in zip(fields, values, strict=False):
        label = field.label or field.name
        if value is None or value == "":
            if field.required:
                problems.append(f"{label} is required")
            continue
        try:
            record[field.name] = _typed(field.kind, value)
        except (TypeError, ValueError):
            problems.append(f"{label} must be {'a whole number' if field.kind == 'integer' else 'a number'}")
            continue
        limits = display.ColumnText(unit=field.unit, minimum=field.minimum, maximum=field.maximum)
        if field.kind in ("number", "integer") and display.out_of_range(limits, record[field.name]):
            problems.append(f"{label} must be {display.limits_words(limits)}")
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
    except RecursionError:
        raise InvalidInput(
            f"The request JSON is nested too deeply; a model input may be {MAX_INPUT_DEPTH} levels deep."
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
