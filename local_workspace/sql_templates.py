"""Building blocks of the Databricks → DuckDB translation: DuckDB expression templates filled with the
statement's own (already translated) arguments, literals parsed the lenient way Databricks parses them, and a
few guesses of an argument's type from its shape (the translation has no table schemas)."""

from __future__ import annotations

import datetime as dt
import re
from contextvars import ContextVar
from functools import cache
from typing import ClassVar

import sqlglot
from sqlglot import exp

from local_workspace.sql_errors import cast_invalid_input, message

PLACEHOLDER = re.compile(r"^_(\d+)$")
# Databricks' lenient DATE and TIMESTAMP strings: `yyyy`, `yyyy-[m]m`, `yyyy-[m]m-[d]d`, then a time after a
# space or `T`, and an optional zone.
DATE_TEXT = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ].*)?)?)?\s*$")
TIMESTAMP_TEXT = re.compile(
    r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ](\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?)?)?)?"
    r"\s*(Z|UTC|[+-]\d{2}:?\d{2})?\s*$"
)
ARRAY_NODES = (
    exp.Array,
    exp.RegexpSplit,
    exp.Split,
    exp.ArrayAgg,
    exp.GenerateSeries,
    exp.ArraySort,
    exp.ArraySlice,
    exp.ArrayDistinct,
    exp.ArrayRemove,
    exp.ArrayConcat,
    exp.ArrayIntersect,
    exp.Transform,
    exp.Filter,
)
MAP_NODES = (exp.VarMap, exp.Map, exp.MapFromEntries)
# The session's ANSI mode (Databricks SQL's default: on) for the statement being translated.
ANSI_MODE: ContextVar[bool] = ContextVar("ansi_mode", default=True)


def ansi() -> bool:
    """Whether the statement being translated runs with ANSI mode on: errors where, off, Databricks answers NULL."""
    return ANSI_MODE.get()


@cache
def _parsed(template: str) -> exp.Expr:
    return sqlglot.parse_one(template, read="duckdb")


def fill(template: str, *args: exp.Expr | str | int) -> exp.Expr:
    """The DuckDB expression `template`, its placeholders `_0`, `_1`, … replaced by copies of the arguments
    (an int or a str argument becomes a literal)."""
    nodes = [
        arg
        if isinstance(arg, exp.Expr)
        else exp.Literal.number(arg)
        if isinstance(arg, int)
        else exp.Literal.string(arg)
        for arg in args
    ]
    result = _parsed(template).copy()
    for column in list(result.find_all(exp.Column)):
        found = PLACEHOLDER.match(column.name) if not column.table else None
        if found:
            column.replace(nodes[int(found.group(1))].copy())
    return result


class RawSQL(exp.Expression):
    """DuckDB SQL text with `{0}`, `{1}`, … for its arguments: for large templates, which are written out as
    text instead of being copied as trees (see dialect.LocalDuckDB)."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True, "expressions": False}


def raw(template: str, *args: exp.Expr) -> exp.Expr:
    """A RawSQL node: `template` (DuckDB SQL) with its arguments in place of `{0}`, `{1}`, …"""
    return RawSQL(this=template, expressions=list(args))


def raise_error(error_class: str, text: str) -> exp.Expr:
    """A DuckDB error() call that fails the statement with this Databricks error (see sql_errors.engine_error)."""
    return fill("error(_0)", message(error_class, text))


def string_value(node: exp.Expr | None) -> str | None:
    """The text of a string literal, or None for anything else."""
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


def int_value(node: exp.Expr | None) -> int | None:
    """The value of an integer literal (negative ones too), or None for anything else."""
    if isinstance(node, exp.Neg):
        inner = int_value(node.this)
        return None if inner is None else -inner
    if isinstance(node, exp.Paren):
        return int_value(node.this)
    if isinstance(node, exp.Literal) and not node.is_string and re.fullmatch(r"\d+", node.this):
        return int(node.this)
    return None


def is_decimal_literal(node: exp.Expr | None) -> bool:
    """Whether this is an exact numeric literal with a fraction (Databricks types it DECIMAL)."""
    if isinstance(node, exp.Neg):
        return is_decimal_literal(node.this)
    return (
        isinstance(node, exp.Literal) and not node.is_string and re.fullmatch(r"\d*\.\d+|\d+\.", node.this) is not None
    )


def lenient_date(text: str) -> dt.date:
    """A DATE string as Databricks reads it, or CAST_INVALID_INPUT."""
    found = DATE_TEXT.match(text)
    try:
        if found is None:
            raise ValueError(text)
        return dt.date(int(found.group(1)), int(found.group(2) or 1), int(found.group(3) or 1))
    except ValueError:
        raise cast_invalid_input(text, "DATE") from None


def lenient_timestamp(text: str) -> str:
    """A TIMESTAMP string as Databricks reads it, rendered as DuckDB reads it, or CAST_INVALID_INPUT."""
    found = TIMESTAMP_TEXT.match(text)
    try:
        if found is None:
            raise ValueError(text)
        year, month, day, hour, minute, second = (
            int(found.group(i) or d) for i, d in zip(range(1, 7), (0, 1, 1, 0, 0, 0), strict=True)
        )
        fraction = (found.group(7) or "").ljust(6, "0")[:6]
        value = dt.datetime(year, month, day, hour, minute, second, int(fraction or 0))
    except ValueError:
        raise cast_invalid_input(text, "TIMESTAMP") from None
    zone = found.group(8)
    rendered = value.isoformat(sep=" ")
    if zone:
        rendered += "+00:00" if zone in ("Z", "UTC") else zone
    return rendered


def as_date(node: exp.Expr) -> exp.Expr:
    """The argument as a DATE: a string literal parsed leniently, anything else cast."""
    text = string_value(node)
    if text is not None:
        return fill("CAST(_0 AS DATE)", lenient_date(text).isoformat())
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DType.DATE):
        return node
    return fill("CAST(_0 AS DATE)", node)


def as_timestamp(node: exp.Expr) -> exp.Expr:
    """The argument as a TIMESTAMP: a string literal parsed leniently, anything else cast."""
    text = string_value(node)
    if text is not None:
        return fill("CAST(_0 AS TIMESTAMP)", lenient_timestamp(text))
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DType.TIMESTAMP, exp.DType.TIMESTAMPTZ):
        return node
    return fill("CAST(_0 AS TIMESTAMP)", node)


def is_map(node: exp.Expr) -> bool:
    """Whether the argument is known to be a MAP (by its shape; the translation has no schemas)."""
    return isinstance(node, MAP_NODES) or (
        isinstance(node, exp.Anonymous) and node.name.lower() in ("map", "map_from_arrays", "str_to_map")
    )


def is_array(node: exp.Expr) -> bool:
    """Whether the argument is known to be an ARRAY (by its shape)."""
    return isinstance(node, ARRAY_NODES) or (
        isinstance(node, exp.Anonymous) and node.name.lower().startswith(("array", "list_"))
    )
