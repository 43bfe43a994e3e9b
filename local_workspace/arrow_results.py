"""The ARROW_STREAM format of the local warehouse's external links: each chunk is an Apache Arrow IPC stream
(its schema, then one record batch) whose Arrow types follow the columns' Databricks types: BIGINT int64,
DECIMAL(p,s) decimal128(p,s), DATE date32, TIMESTAMP timestamp[us] in the session time zone (UTC),
TIMESTAMP_NTZ timestamp[us] without one, ARRAY/STRUCT/MAP as Arrow's own list/struct/map; optionally in one
LZ4 frame when the request asked `result_compression: LZ4_FRAME`, as databricks-sql-connector does.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import lz4.frame  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]
from sqlglot import exp

MEDIA_TYPE = "application/vnd.apache.arrow.stream"
# Databricks SQL's session time zone unless SET TIME ZONE changed it (the local warehouse keeps UTC).
SESSION_TIME_ZONE = "Etc/UTC"
COMPRESSIONS = ("NONE", "LZ4_FRAME")

_T = exp.DataType.Type
SIMPLE_TYPES: dict[Any, Any] = {
    _T.BIGINT: pa.int64(),
    _T.INT: pa.int32(),
    _T.SMALLINT: pa.int16(),
    _T.TINYINT: pa.int8(),
    _T.BOOLEAN: pa.bool_(),
    _T.DOUBLE: pa.float64(),
    _T.FLOAT: pa.float32(),
    _T.DATE: pa.date32(),
    _T.TIMESTAMP: pa.timestamp("us", tz=SESSION_TIME_ZONE),
    _T.TIMESTAMPLTZ: pa.timestamp("us", tz=SESSION_TIME_ZONE),
    _T.TIMESTAMPTZ: pa.timestamp("us", tz=SESSION_TIME_ZONE),
    _T.TIMESTAMPNTZ: pa.timestamp("us"),
    _T.BINARY: pa.binary(),
    _T.VARBINARY: pa.binary(),
    _T.NULL: pa.null(),
}


def _arrow_type(data_type: exp.DataType) -> Any:
    """The Arrow type Databricks writes for one SQL type (STRING for what has no Arrow twin, e.g. INTERVAL)."""
    kind = data_type.this
    if kind in SIMPLE_TYPES:
        return SIMPLE_TYPES[kind]
    if kind == _T.DECIMAL:
        precision, scale = (int(p.this.name) for p in data_type.expressions) if data_type.expressions else (10, 0)
        return pa.decimal128(precision, scale)
    inner = [e for e in data_type.expressions if isinstance(e, (exp.DataType, exp.ColumnDef))]
    if kind == _T.ARRAY and inner:
        return pa.list_(_arrow_type(_data_type(inner[0])))
    if kind == _T.MAP and len(inner) == 2:
        return pa.map_(_arrow_type(_data_type(inner[0])), _arrow_type(_data_type(inner[1])))
    if kind == _T.STRUCT and inner:
        return pa.struct([pa.field(field.name, _arrow_type(_data_type(field))) for field in inner])
    return pa.string()


def _data_type(node: exp.Expression) -> exp.DataType:
    kind = node.args.get("kind") if isinstance(node, exp.ColumnDef) else node
    assert isinstance(kind, exp.DataType), node
    return kind


@functools.lru_cache(maxsize=512)
def arrow_type(type_text: str) -> Any:
    """The Arrow type of a result column, from the manifest's `type_text` (e.g. "decimal(10,2)")."""
    try:
        return _arrow_type(exp.DataType.build(type_text, dialect="databricks"))
    except Exception:  # a type sqlglot cannot read: Databricks would hand it over as a string
        return pa.string()


def _array(values: Sequence[Any], arrow: Any, render: Any) -> Any:
    if pa.types.is_string(arrow):
        return pa.array([render(v) for v in values], type=arrow)
    return pa.array(values, type=arrow)


def arrow_schema(columns: list[dict[str, Any]]) -> Any:
    """The Arrow schema of a result whose manifest lists `columns`."""
    return pa.schema([pa.field(c["name"], arrow_type(c["type_text"])) for c in columns])


def arrow_stream(
    columns: list[dict[str, Any]], rows: Sequence[Sequence[Any]], *, render: Any, compression: str = "NONE"
) -> bytes:
    """One chunk as an Arrow IPC stream (schema and one record batch), LZ4-framed when asked."""
    schema = arrow_schema(columns)
    by_column = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    batch = pa.record_batch(
        [_array(values, field.type, render) for values, field in zip(by_column, schema, strict=True)], schema=schema
    )
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema) as writer:
        writer.write_batch(batch)
    payload: bytes = sink.getvalue().to_pybytes()
    return lz4.frame.compress(payload) if compression == "LZ4_FRAME" else payload
