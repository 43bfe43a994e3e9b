"""The data grid's column definitions, by Unity Catalog type: the type under the name in the header, numbers
right-aligned and formatted alike down a column, dates and timestamps in the browser's time zone (named),
NULL in grey.

Formatting runs in the browser as dash-ag-grid's `{"function": ...}` expressions, which dash-ag-grid parses
and interprets itself (no eval, no `new Function`, so the Content-Security-Policy stays as it is); AG Grid's
own string expressions would be compiled with `new Function` and are never used here."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

INTEGER_TYPES = frozenset({"tinyint", "byte", "smallint", "short", "int", "integer", "bigint", "long"})
FLOAT_TYPES = frozenset({"double", "float", "real"})
DECIMAL_TYPES = frozenset({"decimal", "dec", "numeric"})
# Decimals of a double or float column, the same on every row.
FLOAT_DECIMALS = 2
# Integer columns that name something rather than count it (zips, ids, keys, codes): no thousands separators.
IDENTIFIER = re.compile(r"(^|_)(zip|zipcode|id|key|code|number|no)$|(zip|id|key)$", re.I)
NULL_TEXT = "NULL"
MIN_COLUMN_PX, CHARACTER_PX = 110, 8
# d3-time-format: local time, then the zone as its offset ("2016-01-01 05:48:18 UTC+0100").
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S UTC%Z"
ZONED_TIMESTAMPS = frozenset({"timestamp", "timestamp_ltz"})
ZONED = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


def base_type(data_type: str) -> str:
    """The type's name without its parameters: "decimal(10,2)" is "decimal", "timestamp_ntz" stays."""
    match = re.match(r"[a-z_]+", data_type.strip().lower())
    return match.group(0) if match else ""


def decimal_scale(data_type: str) -> int:
    """The scale of a decimal(p,s) type (0 when none is given, as Spark's DECIMAL is DECIMAL(10,0))."""
    match = re.search(r"\(\s*\d+\s*,\s*(\d+)\s*\)", data_type)
    return int(match.group(1)) if match else 0


def _null_or(expression: str) -> dict[str, str]:
    """A value formatter: nothing while the row loads, NULL for a missing value, else `expression` of
    `params.value` (dash-ag-grid's interpreter sees `params` and d3, not the browser's globals)."""
    return {"function": f"params.data == null ? '' : params.value == null ? '{NULL_TEXT}' : {expression}"}


def _formatter(name: str, data_type: str) -> dict[str, str]:
    kind = base_type(data_type)
    if kind in INTEGER_TYPES:
        return _null_or("'' + params.value" if IDENTIFIER.search(name) else "d3.format(',')(params.value)")
    if kind in FLOAT_TYPES:
        return _null_or(f"d3.format(',.{FLOAT_DECIMALS}f')(params.value)")
    if kind in DECIMAL_TYPES:
        return _null_or(f"d3.format(',.{decimal_scale(data_type)}f')(params.value)")
    if kind == "timestamp_ntz":  # a wall-clock time, in no zone: shown as it is, without the T
        return _null_or("('' + params.value).replace('T', ' ')")
    if kind in ZONED_TIMESTAMPS:
        # The warehouse's instant (sent with its zone) in the browser's zone, its offset from UTC shown.
        return _null_or(f"d3.timeFormat('{TIMESTAMP_FORMAT}')(d3.isoParse(params.value))")
    return _null_or("'' + params.value")


def is_numeric_type(data_type: str) -> bool:
    kind = base_type(data_type)
    return kind in INTEGER_TYPES or kind in FLOAT_TYPES or kind in DECIMAL_TYPES


def column_def(name: str, data_type: str, *, sort: str | None = None) -> dict[str, Any]:
    """One column: its header (the name, its type on a second line), formatter, alignment and sort."""
    numeric = is_numeric_type(data_type)
    # Wide enough for the name (and a zoned timestamp), so neither is cut short.
    widest = max(len(name), len(data_type), 26 if base_type(data_type) in ZONED_TIMESTAMPS else 0)
    definition: dict[str, Any] = {
        "minWidth": max(MIN_COLUMN_PX, CHARACTER_PX * widest + 40),
        "field": name,
        "colId": name,
        "headerName": f"{name}\n{data_type}",
        "headerTooltip": f"{name} ({data_type})",
        "valueFormatter": _formatter(name, data_type),
        "cellClassRules": {"grid-null": {"function": "params.data != null && params.value == null"}},
        "type": "rightAligned" if numeric else None,
    }
    if sort in ("asc", "desc"):
        definition["sort"] = sort
    return {key: value for key, value in definition.items() if value is not None}


def grid_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows as the grid's formatters read them: a timestamp without a zone is the warehouse's UTC instant, so it
    gets its Z (the browser then shows it in its own zone)."""
    naive = [str(c["name"]) for c in columns if base_type(str(c["data_type"])) in ZONED_TIMESTAMPS]
    shown = []
    for row in rows:
        item = dict(row)
        for name in naive:
            value = item.get(name)
            if isinstance(value, str) and not ZONED.search(value):
                item[name] = value + "Z"
        shown.append(item)
    return shown


def column_defs(columns: Sequence[Mapping[str, Any]], sort: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The grid's columns from TABLE_INFO's [{name, data_type, nullable}], the view's sort shown on its column."""
    sorted_by = sort.get("column") if sort else None
    direction = sort.get("direction") if sort else None
    return [
        column_def(str(c["name"]), str(c["data_type"]), sort=direction if c["name"] == sorted_by else None)
        for c in columns
    ]
