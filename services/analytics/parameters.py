"""Typed query parameters: the Databricks SQL types a query file may declare, defaults written as SQL literals,
values converted to the declared type (INVALID_INPUT naming the parameter when they cannot be), and binding
through the connector's native parameter classes, so a DATE travels as a DATE and a NULL as a typed NULL."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from databricks.sql.parameters.native import (
    BigIntegerParameter,
    BooleanParameter,
    DateParameter,
    DbsqlParameterBase,
    DoubleParameter,
    FloatParameter,
    IntegerParameter,
    SmallIntParameter,
    StringParameter,
    TimestampNTZParameter,
    TimestampParameter,
    TinyIntParameter,
)

from core.errors import InvalidInput

INTEGER_RANGES = {
    "TINYINT": 2**7,
    "SMALLINT": 2**15,
    "INT": 2**31,
    "BIGINT": 2**63,
}
SIMPLE_TYPES = (*INTEGER_RANGES, "STRING", "DOUBLE", "FLOAT", "BOOLEAN", "DATE", "TIMESTAMP", "TIMESTAMP_NTZ")
ALIASES = {"INTEGER": "INT", "LONG": "BIGINT", "SHORT": "SMALLINT", "BYTE": "TINYINT", "REAL": "FLOAT"}
DECIMAL_TYPE = re.compile(r"^DECIMAL\s*(?:\(\s*(\d{1,2})\s*(?:,\s*(\d{1,2})\s*)?\))?$")
MAX_STRING_CHARS = 10_000
NATIVE: dict[str, Callable[..., DbsqlParameterBase]] = {
    "STRING": StringParameter,
    "TINYINT": TinyIntParameter,
    "SMALLINT": SmallIntParameter,
    "INT": IntegerParameter,
    "BIGINT": BigIntegerParameter,
    "DOUBLE": DoubleParameter,
    "FLOAT": FloatParameter,
    "BOOLEAN": BooleanParameter,
    "DATE": DateParameter,
    "TIMESTAMP": TimestampParameter,
    "TIMESTAMP_NTZ": TimestampNTZParameter,
}


@dataclass(frozen=True)
class SqlType:
    """A declared Databricks SQL type: its name (INT, DECIMAL, ...), with precision and scale for DECIMAL."""

    name: str
    precision: int = 10
    scale: int = 0

    def __str__(self) -> str:
        return f"DECIMAL({self.precision},{self.scale})" if self.name == "DECIMAL" else self.name


@dataclass(frozen=True)
class QueryParameter:
    """A parameter a query file declares: `required` when it has no default (a NULL default is optional)."""

    name: str
    sql_type: SqlType
    default: Any
    required: bool


def parse_type(text: str) -> SqlType:
    """The SqlType a header names; ValueError for a type query files do not support."""
    name = " ".join(text.split()).upper()
    name = ALIASES.get(name, name)
    if name in SIMPLE_TYPES:
        return SqlType(name)
    decimal_match = DECIMAL_TYPE.match(name)
    if decimal_match:
        precision = int(decimal_match[1] or 10)
        scale = int(decimal_match[2] or 0)
        if not 1 <= precision <= 38 or scale > precision:
            raise ValueError(f"DECIMAL({precision},{scale}) needs 1 <= precision <= 38 and scale <= precision")
        return SqlType("DECIMAL", precision, scale)
    raise ValueError(f"unknown type {text.strip()!r}; use one of {', '.join(SIMPLE_TYPES)}, DECIMAL(p,s)")


def parse_default(literal: str, sql_type: SqlType) -> Any:
    """The value of a default written as a SQL literal (NULL, a number, 'text', true/false); ValueError if it
    is not one, or does not fit the type."""
    text = literal.strip()
    if text.upper() == "NULL":
        return None
    if len(text) >= 2 and text[0] == text[-1] == "'":
        value: Any = text[1:-1].replace("''", "'")
    elif text.lower() in ("true", "false"):
        value = text.lower() == "true"
    elif re.fullmatch(r"[-+]?\d+", text):
        value = int(text)
    elif re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        value = decimal.Decimal(text) if sql_type.name == "DECIMAL" else float(text)
    else:
        raise ValueError(f"default {text!r} is not a SQL literal (NULL, a number, 'text', true, false)")
    try:
        return convert(value, sql_type)
    except (ValueError, TypeError, ArithmeticError) as error:
        raise ValueError(f"default {text!r} is not a {sql_type}: {error}") from None


def _integer(value: Any, sql_type: SqlType) -> int:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("not a whole number")
        value = int(value)
    number = int(value.strip()) if isinstance(value, str) else value
    if not isinstance(number, int):
        raise TypeError(f"expected a whole number, got {type(value).__name__}")
    bound = INTEGER_RANGES[sql_type.name]
    if not -bound <= number < bound:
        raise ValueError(f"out of range for {sql_type.name}")
    return number


def _floating(value: Any, _: SqlType) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal, str)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("must be a finite number")
    return number


def _decimal(value: Any, sql_type: SqlType) -> decimal.Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal, str)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    number = decimal.Decimal(str(value).strip()).quantize(decimal.Decimal(1).scaleb(-sql_type.scale))
    if not number.is_finite() or len(number.as_tuple().digits) > sql_type.precision:
        raise ValueError(f"does not fit {sql_type}")
    return number


def _boolean(value: Any, _: SqlType) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise TypeError("expected true or false")


def _string(value: Any, _: SqlType) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    if len(value) > MAX_STRING_CHARS or "\x00" in value:
        raise ValueError(f"must be at most {MAX_STRING_CHARS} characters, without NUL")
    return value


def _date(value: Any, _: SqlType) -> dt.date:
    if isinstance(value, dt.datetime):
        raise TypeError("expected a date, got a timestamp")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    raise TypeError(f"expected a date (YYYY-MM-DD), got {type(value).__name__}")


def _timestamp(value: Any, _: SqlType) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    elif isinstance(value, str):
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    else:
        raise TypeError(f"expected a timestamp (ISO 8601), got {type(value).__name__}")
    # One canonical form per instant: naive UTC, as the warehouse's session time zone (UTC) reads it.
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


CONVERTERS: dict[str, Callable[[Any, SqlType], Any]] = {
    **dict.fromkeys(INTEGER_RANGES, _integer),
    "DOUBLE": _floating,
    "FLOAT": _floating,
    "DECIMAL": _decimal,
    "BOOLEAN": _boolean,
    "STRING": _string,
    "DATE": _date,
    "TIMESTAMP": _timestamp,
    "TIMESTAMP_NTZ": _timestamp,
}


def convert(value: Any, sql_type: SqlType) -> Any:
    """`value` as the Python value of `sql_type`; ValueError/TypeError when it is not one."""
    return CONVERTERS[sql_type.name](value, sql_type)


def bind_values(declared: tuple[QueryParameter, ...], given: dict[str, Any], *, query: str) -> dict[str, Any]:
    """Every declared parameter's value in its type (defaults filled in; None counts as not given);
    InvalidInput naming the parameter for an unknown one, a missing required one, or a value of the wrong type."""
    names = {p.name for p in declared}
    for name in given:
        if name not in names:
            raise InvalidInput(
                f"The query {query!r} has no parameter {name!r}.",
                technical_details={"query": query, "parameter": name, "parameters": sorted(names)},
            )
    values: dict[str, Any] = {}
    for parameter in declared:
        value = given.get(parameter.name)
        if value is None:
            if parameter.required:
                raise InvalidInput(
                    f"The parameter {parameter.name!r} is required.",
                    technical_details={"query": query, "parameter": parameter.name, "type": str(parameter.sql_type)},
                )
            values[parameter.name] = parameter.default
            continue
        try:
            values[parameter.name] = convert(value, parameter.sql_type)
        except (ValueError, TypeError, ArithmeticError) as error:
            raise InvalidInput(
                f"The parameter {parameter.name!r} must be a {parameter.sql_type}.",
                technical_details={
                    "query": query,
                    "parameter": parameter.name,
                    "type": str(parameter.sql_type),
                    "problem": str(error)[:200],
                },
            ) from None
    return values


def json_safe(value: Any) -> Any:
    """A bound value as JSON carries it: dates and timestamps in ISO 8601, decimals as text."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


class _TypedParameter(DbsqlParameterBase):
    """A named parameter of an exact declared type: a typed NULL (no value), or a DECIMAL(p,s) as declared
    (the connector's DecimalParameter drops a scale of 0 and guesses the type from the value instead)."""

    def __init__(self, value: Any, name: str, sql_type: SqlType) -> None:
        self.value = value
        self.name = name
        self.CAST_EXPR = str(sql_type)

    def _tspark_param_value(self) -> Any:
        # The Statement Execution API reads an item without a value as NULL of its type.
        return None if self.value is None else super()._tspark_param_value()  # type: ignore[no-untyped-call]


def native_parameters(declared: tuple[QueryParameter, ...], values: dict[str, Any]) -> list[DbsqlParameterBase]:
    """The connector's named parameter objects for the values, each bound as its declared type."""
    bound: list[DbsqlParameterBase] = []
    for parameter in declared:
        value, sql_type = values[parameter.name], parameter.sql_type
        if value is None or sql_type.name == "DECIMAL":
            bound.append(_TypedParameter(value, parameter.name, sql_type))
        else:
            bound.append(NATIVE[sql_type.name](value=value, name=parameter.name))
    return bound
