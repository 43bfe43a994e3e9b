"""Filters by column type, without any I/O: which operators a Unity Catalog type offers, which input its value
takes, and a typed value checked and converted before it becomes part of a view.

The value a filter stores is what `services.warehouse.sql` binds: an int for integer columns, a float for
float and double, the exact decimal as a string (`sql.typed_value` reads it), `true`/`false` for booleans, an
ISO date, and an ISO timestamp without a zone. A TIMESTAMP instant is stored in UTC: the browser's
datetime-local input gives the user's wall-clock time, which is converted from their IANA time zone to UTC
here; the warehouse compares it with the column in the session time zone, UTC by default on Databricks SQL.
A TIMESTAMP_NTZ has no zone: its value is kept as typed.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InvalidInput
from services.warehouse.sql import Filter

# What a column's values are, for filtering: decides the operators and the value's input and conversion.
Kind = Literal["string", "integer", "decimal", "float", "boolean", "date", "timestamp", "timestamp_ntz", "other"]
InputKind = Literal["text", "number", "date", "datetime", "boolean", "none"]
NO_VALUE = ("is_null", "not_null")
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
OPERATORS_BY_KIND: dict[Kind, tuple[str, ...]] = {
    "string": ("=", "!=", "contains", "starts_with", *NO_VALUE),
    "integer": (*COMPARISONS, *NO_VALUE),
    "decimal": (*COMPARISONS, *NO_VALUE),
    "float": (*COMPARISONS, *NO_VALUE),
    "boolean": ("=", *NO_VALUE),
    "date": (*COMPARISONS, *NO_VALUE),
    "timestamp": (*COMPARISONS, *NO_VALUE),
    "timestamp_ntz": (*COMPARISONS, *NO_VALUE),
    # binary, array, map, struct, variant, interval, void and types the app does not know: only NULL tests.
    "other": NO_VALUE,
}
INPUT_BY_KIND: dict[Kind, InputKind] = {
    "string": "text",
    "integer": "number",
    "decimal": "number",
    "float": "number",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "datetime",
    "timestamp_ntz": "datetime",
    "other": "none",
}
# Unity Catalog's integer types (type_text) and the values each holds.
INTEGER_RANGES = {
    "tinyint": (-(2**7), 2**7 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "smallint": (-(2**15), 2**15 - 1),
    "short": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
    "long": (-(2**63), 2**63 - 1),
}
KIND_OF_BASE: dict[str, Kind] = {
    **dict.fromkeys(("string", "varchar", "char"), "string"),
    **dict.fromkeys(INTEGER_RANGES, "integer"),
    **dict.fromkeys(("decimal", "dec", "numeric"), "decimal"),
    **dict.fromkeys(("double", "float", "real"), "float"),
    "boolean": "boolean",
    "date": "date",
    **dict.fromkeys(("timestamp", "timestamp_ltz"), "timestamp"),
    "timestamp_ntz": "timestamp_ntz",
}
BASE = re.compile(r"\s*([a-z_]+)\s*(?:\((\d+)\s*(?:,\s*(\d+))?\))?")
# What an empty value box is told, by kind (a date or time box the user left half-filled is empty too).
EMPTY_VALUE = {
    "integer": "Enter a whole number.",
    "decimal": "Enter a number.",
    "float": "Enter a number.",
    "boolean": "Choose true or false.",
    "date": "Enter a date.",
    "timestamp": "Enter a date and a time.",
    "timestamp_ntz": "Enter a date and a time.",
}
MAX_TEXT = 1000  # characters of a text filter's value
DEFAULT_SCALE = 0  # decimal without (p,s) is decimal(10,0)


@dataclass(frozen=True)
class ValueInput:
    """The input a value of this column takes: its kind, and for numbers the step and bounds."""

    kind: InputKind
    step: str | None = None
    minimum: int | None = None
    maximum: int | None = None


def _base(data_type: str) -> str:
    """The type's name without its parameters: "decimal(10,2)" is "decimal", "array<int>" is "array"."""
    match = BASE.match(str(data_type).lower())
    return match.group(1) if match else ""


def kind_of(data_type: str) -> Kind:
    """What a Unity Catalog type_text ("bigint", "decimal(10,2)", "timestamp_ntz", "array<int>") filters as."""
    return KIND_OF_BASE.get(_base(data_type), "other")


def operators_for(data_type: str) -> tuple[str, ...]:
    """The operators (of services.warehouse.sql.OPERATORS) a column of this type is filtered with."""
    return OPERATORS_BY_KIND[kind_of(data_type)]


def _scale(data_type: str) -> int:
    match = BASE.match(str(data_type).lower())
    return int(match.group(3)) if match and match.group(3) else DEFAULT_SCALE


def value_input(data_type: str, operator: str) -> ValueInput:
    """The value input a filter with this operator on this type takes ("none" for is_null and not_null)."""
    kind = kind_of(data_type)
    if operator in NO_VALUE:
        return ValueInput("none")
    if kind == "integer":
        low, high = INTEGER_RANGES[_base(data_type)]
        return ValueInput("number", "1", low, high)
    if kind == "decimal":
        scale = _scale(data_type)
        return ValueInput("number", "1" if scale == 0 else f"0.{'0' * (scale - 1)}1")
    if kind == "float":
        return ValueInput("number", "any")
    return ValueInput(INPUT_BY_KIND[kind])


def zone(name: object) -> dt.tzinfo:
    """The IANA time zone the browser names (UTC when it names none or one unknown here)."""
    try:
        return ZoneInfo(name) if isinstance(name, str) and name else dt.UTC
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, technical_details={"field": "value"})


def _number(raw: object, column: str) -> decimal.Decimal:
    text = str(raw).strip()
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise _invalid(f"{column} holds numbers: {text[:40]!r} is not a number.") from None
    if not number.is_finite():
        raise _invalid(f"{column} holds numbers: enter a finite number.")
    return number


def _timestamp(raw: str, column: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise _invalid(f"{column} holds times: enter a date and a time, like 2016-01-05 08:00.") from None
    return moment


def parse_value(raw: object, *, column: str, data_type: str, operator: str, time_zone: object = None) -> Any:
    """The value a filter stores (what sql.py binds), from what the user entered; InvalidInput (field "value")
    whose message says what is wrong, in words to show beside the field."""
    kind = kind_of(data_type)
    if operator not in operators_for(data_type):
        raise InvalidInput(
            f"{column} cannot be filtered with {operator!r}.",
            technical_details={"field": "operator", "allowed": list(operators_for(data_type))},
        )
    if operator in NO_VALUE:
        return None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise _invalid(EMPTY_VALUE.get(kind, "Enter a value."))
    if isinstance(raw, bool) and kind != "boolean":
        raise _invalid("Enter a value.")
    if kind == "integer":
        number = _number(raw, column)
        low, high = INTEGER_RANGES[_base(data_type)]
        if number != number.to_integral_value():
            raise _invalid(f"{column} holds whole numbers: {raw} is not one.")
        if not low <= number <= high:
            raise _invalid(f"{column} holds whole numbers from {low:,} to {high:,}.")
        return int(number)
    if kind == "float":
        number = _number(raw, column)
        value = float(number)
        if math.isinf(value):
            raise _invalid(f"{raw} is too large for {column}.")
        return value
    if kind == "decimal":
        return str(_number(raw, column))
    if kind == "boolean":
        text = str(raw).strip().lower()
        if text not in ("true", "false"):
            raise _invalid(f"{column} is true or false.")
        return text == "true"
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise _invalid(f"{column} holds dates: enter a date, like 2016-01-05.") from None
    if kind in ("timestamp", "timestamp_ntz"):
        moment = _timestamp(str(raw), column)
        if kind == "timestamp":  # the user's wall-clock time, as the UTC instant the warehouse compares
            local = moment if moment.tzinfo else moment.replace(tzinfo=zone(time_zone))
            moment = local.astimezone(dt.UTC).replace(tzinfo=None)
        return moment.replace(tzinfo=None).isoformat(timespec="seconds")
    text = str(raw)
    if len(text) > MAX_TEXT:
        raise _invalid(f"At most {MAX_TEXT} characters.")
    return text


def parsed_filter(
    raw: object, *, column: str, columns: dict[str, str], operator: str, time_zone: object = None
) -> Filter:
    """The filter the user asks for on one of `columns` (name -> type_text), its value checked and converted."""
    if column not in columns:
        raise InvalidInput("Choose a column of the table.", technical_details={"field": "column"})
    value = parse_value(raw, column=column, data_type=columns[column], operator=operator, time_zone=time_zone)
    return Filter(column, operator, value)


def shown_value(value: Any, *, data_type: str, time_zone: object = None) -> str:
    """A stored value as the user entered it: a UTC timestamp in their time zone, numbers without noise."""
    kind = kind_of(data_type)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind in ("timestamp", "timestamp_ntz"):
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        if kind == "timestamp":
            moment = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(zone(time_zone))
        return moment.strftime("%Y-%m-%d %H:%M:%S" if moment.second else "%Y-%m-%d %H:%M")
    if kind in ("integer", "float"):  # 10.0 (or "10.0" from a link) reads 10; a decimal keeps its scale
        try:
            number = decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            return str(value)
        if number.is_finite() and number == number.to_integral_value() and abs(number) < 10**15:
            return str(int(number))
    return str(value)
