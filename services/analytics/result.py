"""A query's typed result, and its JSON payload for the shared cache level: rows encoded by column type, so
DECIMAL, DATE and TIMESTAMP values come back as they left (plain JSON, no serialized Python objects: nothing read
from Lakebase runs as code)."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import functools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from services.analytics.parameters import ALIASES

if TYPE_CHECKING:  # pandas is imported when a page asks for a frame, not when the app starts
    import pandas


@dataclass(frozen=True)
class QueryResult:
    """What a named query returned: column names and Databricks types, rows of Python values, how long the
    warehouse took, whether it came from the cache, when it was computed (UTC) and the bound parameters."""

    name: str
    columns: list[str]
    column_types: list[str]
    rows: list[tuple[Any, ...]]
    row_count: int
    warehouse_ms: int
    from_cache: bool
    computed_at: dt.datetime
    parameters: dict[str, Any]

    def frame(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame with the result's column names."""
        import pandas

        return pandas.DataFrame.from_records(self.rows, columns=self.columns)

    def records(self) -> list[dict[str, Any]]:
        """The rows as JSON-safe dicts: dates and timestamps in ISO 8601, decimals as numbers, NaN as null."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.json_rows()]

    def json_rows(self) -> list[list[Any]]:
        """The rows as JSON-safe lists, in column order (as records() converts the values)."""
        return [[_json_value(v) for v in row] for row in self.rows]

    def cached(self) -> QueryResult:
        """The same result, as served from the cache."""
        return replace(self, from_cache=True)


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def column_type(description: tuple[Any, ...]) -> str:
    """The Databricks type name of a DB-API description entry (DECIMAL with its precision and scale)."""
    name = str(description[1] or "string").upper()
    if name == "DECIMAL" and description[4] is not None:
        return f"DECIMAL({description[4]},{description[5] or 0})"
    return ALIASES.get(name, name)


def _timestamp(value: Any, *, zoned: bool) -> Any:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, dt.datetime):
        return value
    if zoned:  # an instant: in UTC, whatever zone the connector read it in
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return value.replace(tzinfo=None)  # TIMESTAMP_NTZ: a wall-clock time without a zone


def normalize(rows: list[tuple[Any, ...]], column_types: list[str]) -> list[tuple[Any, ...]]:
    """Rows with one Python type per column type, whichever backend read them: the SEA backend leaves some
    types as the text of the JSON result (TIMESTAMP_NTZ, DECIMAL of an unknown scale), Thrift does not."""
    converters: list[Callable[[Any], Any] | None] = []
    for sql_type in column_types:
        if sql_type.startswith("TIMESTAMP"):
            converters.append(functools.partial(_timestamp, zoned=sql_type == "TIMESTAMP"))
        elif sql_type.startswith("DECIMAL"):
            converters.append(lambda v: decimal.Decimal(v) if isinstance(v, str) else v)
        elif sql_type == "DATE":
            converters.append(lambda v: dt.date.fromisoformat(v) if isinstance(v, str) else v)
        else:
            converters.append(None)
    if not any(converters):
        return rows
    return [tuple(v if f is None or v is None else f(v) for f, v in zip(converters, row, strict=True)) for row in rows]


def _encoder(sql_type: str) -> Callable[[Any], Any]:
    if sql_type.startswith("DECIMAL"):
        return str
    if sql_type in ("DATE", "TIMESTAMP", "TIMESTAMP_NTZ"):
        return lambda v: v.isoformat()
    if sql_type in ("DOUBLE", "FLOAT"):
        # JSON has no NaN or infinity: those travel as text.
        return lambda v: v if math.isfinite(v) else str(v)
    if sql_type == "BINARY":
        return lambda v: base64.b64encode(v).decode()
    return _json_value


def _decoder(sql_type: str) -> Callable[[Any], Any]:
    if sql_type.startswith("DECIMAL"):
        return decimal.Decimal
    if sql_type == "DATE":
        return dt.date.fromisoformat
    if sql_type.startswith("TIMESTAMP"):
        return dt.datetime.fromisoformat
    if sql_type in ("DOUBLE", "FLOAT"):
        return float
    if sql_type == "BINARY":
        return base64.b64decode
    return lambda v: v


def encode(result: QueryResult) -> bytes:
    """The result as compact JSON (its size is what the cache levels count)."""
    encoders = [_encoder(t) for t in result.column_types]
    rows = [[None if v is None else f(v) for f, v in zip(encoders, row, strict=True)] for row in result.rows]
    document = {
        "name": result.name,
        "columns": result.columns,
        "column_types": result.column_types,
        "rows": rows,
        "warehouse_ms": result.warehouse_ms,
        "computed_at": result.computed_at.isoformat(),
        "parameters": result.parameters,
    }
    return json.dumps(document, separators=(",", ":"), allow_nan=False).encode()


def decode(payload: bytes | str) -> QueryResult:
    """A result from `encode`'s JSON, marked as served from the cache."""
    document = json.loads(payload)
    decoders = [_decoder(t) for t in document["column_types"]]
    rows = [tuple(None if v is None else f(v) for f, v in zip(decoders, row, strict=True)) for row in document["rows"]]
    return QueryResult(
        name=document["name"],
        columns=list(document["columns"]),
        column_types=list(document["column_types"]),
        rows=rows,
        row_count=len(rows),
        warehouse_ms=int(document["warehouse_ms"]),
        from_cache=True,
        computed_at=dt.datetime.fromisoformat(document["computed_at"]),
        parameters=dict(document["parameters"]),
    )
