"""Statement results of the local SQL warehouse as the Statement Execution API 2.0 serves them.

Values are rendered as Databricks renders them in JSON_ARRAY (every value a string or null; ARRAY, STRUCT
and MAP as JSON text; TIMESTAMP in ISO 8601 with its zone), cut to `row_limit` / `byte_limit` (with
`manifest.truncated`), split into chunks bounded by rows and bytes, and served INLINE (at most 25 MiB, as
documented) or as EXTERNAL_LINKS: URLs of the local workspace itself that carry their own credential (an
HMAC over the statement, chunk and expiry) and are fetched without the Authorization header, as presigned
cloud-storage URLs are. A link's content is JSON_ARRAY, CSV, or an ARROW_STREAM (local_workspace.arrow_results)
built from the chunk's values as the engine returned them.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import functools
import hashlib
import hmac
import io
import json
import math
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
from sqlglot import exp

from local_workspace import arrow_results
from local_workspace.dialect import SqlError
from local_workspace.identities import Principal
from local_workspace.sql_errors import sql_error
from local_workspace.uc_models import SQL_TYPES

INLINE_LIMIT_BYTES = 25 * 1024 * 1024
EXTERNAL_LINKS_DEFAULT_BYTE_LIMIT = 100 * 1024**3
# Chunks as this warehouse cuts them (the warehouse's attributes start from these; tests lower them).
CHUNK_ROWS = 100_000
CHUNK_BYTES = 16 * 1024 * 1024
# "The URLs are valid for only a short period, <= 15 minutes."
LINK_LIFETIME_SECONDS = 15 * 60
# "The results are only available for one hour after success."
RESULT_LIFETIME_SECONDS = 3600
FETCH_BATCH_ROWS = 2048
TERMINAL_STATES = ("SUCCEEDED", "FAILED", "CANCELED", "CLOSED")
# Unity Catalog's column type names where they differ from the SQL type's first word (the inverse of
# uc_models.SQL_TYPES; DuckDB's INT128, the type of its integer sums, is a DECIMAL(38,0)).
TYPE_NAMES = {text.upper(): name for name, text in SQL_TYPES.items() if text.upper() != name} | {"INT128": "DECIMAL"}


def _java_double(value: float) -> str:
    """A DOUBLE as Databricks prints it (Java's Double.toString): 1.0, 0.001, 1.0E7, 1.0E-4, NaN, Infinity."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text or "e" in text else text + ".0"
    sign, digits, exponent = decimal.Decimal(repr(value)).as_tuple()
    mantissa = "".join(map(str, digits)).rstrip("0") or "0"
    power = len(digits) + int(exponent) - 1
    return f"{'-' if sign else ''}{mantissa[0]}.{mantissa[1:] or '0'}E{power}"


def _timestamp(value: dt.datetime) -> str:
    """A TIMESTAMP in the session time zone (UTC): 2016-02-14T16:52:13.000Z, microseconds when it has them."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds" if value.microsecond % 1000 == 0 else "microseconds") + "Z"


def _json_value(value: Any) -> Any:
    """A value inside an ARRAY, STRUCT or MAP, as the JSON Databricks writes for it."""
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, (bool, int)) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _java_double(value)
    return render(value)


def render(value: Any) -> str | None:
    """A value as the JSON_ARRAY format carries it: its string representation, or null."""
    if value is None:
        return None
    exact = RENDER_BY_TYPE.get(type(value))  # the common types first, by exact type: a page renders fast
    if exact is not None:
        return exact(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        # Hex: what databricks-sql-connector's SEA backend decodes BINARY from.
        return bytes(value).hex()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(_json_value(value), separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, dt.datetime):
        return _timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


RENDER_BY_TYPE: dict[type, Callable[[Any], str]] = {
    str: str,
    int: str,
    bool: lambda value: "true" if value else "false",
    float: _java_double,
    decimal.Decimal: lambda value: format(value, "f"),
    dt.datetime: _timestamp,
    dt.date: dt.date.isoformat,
    uuid.UUID: str,
}


def result_column(position: int, name: str, duckdb_type: str) -> dict[str, Any]:
    """A result column as the manifest's schema describes it (type_name, type_text, precision and scale)."""
    return {"name": name} | _column_type(duckdb_type) | {"position": position}


@functools.lru_cache(maxsize=512)
def _column_type(duckdb_type: str) -> dict[str, Any]:
    # Cached: naming a type through sqlglot costs more than running a small page.
    try:
        sql_type = exp.DataType.build(duckdb_type, dialect="duckdb").sql(dialect="databricks")
    except Exception:  # a type sqlglot cannot name: Databricks would show it as a string
        sql_type = "STRING"
    # DuckDB's TIMESTAMP holds the sample tables' TIMESTAMP columns (UTC, the session time zone here), as
    # Unity Catalog describes them; a HUGEINT is the DECIMAL(38, 0) Databricks would compute.
    sql_type = sql_type.replace("TIMESTAMP_NTZ", "TIMESTAMP").replace("INT128", "DECIMAL(38, 0)")
    first = sql_type.split("<")[0].split("(")[0].strip()
    column: dict[str, Any] = {
        "type_text": sql_type.lower().replace(", ", ",").replace(": ", ":"),
        "type_name": TYPE_NAMES.get(first, first),
    }
    if first == "DECIMAL":
        precision, scale = sql_type[sql_type.index("(") + 1 : sql_type.index(")")].split(",")
        column |= {"type_precision": int(precision), "type_scale": int(scale)}
    return column


@dataclass
class Chunk:
    """One chunk of a result: its place in the result and its rows, already rendered (and, for ARROW_STREAM,
    as the engine returned them)."""

    index: int
    row_offset: int
    rows: list[list[str | None]] = field(default_factory=list)
    byte_count: int = 0
    values: list[Sequence[Any]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """The chunk as the manifest lists it."""
        return {
            "chunk_index": self.index,
            "row_offset": self.row_offset,
            "row_count": len(self.rows),
            "byte_count": self.byte_count,
        }


@dataclass(frozen=True)
class Limits:
    """What the request allows the result to hold, and how it is cut."""

    inline: bool
    row_limit: int | None
    byte_limit: int | None
    chunk_rows: int
    chunk_bytes: int
    # ARROW_STREAM writes typed values: the chunk keeps them beside the rendered rows.
    keep_values: bool = False


@dataclass
class Result:
    """A statement's whole result, cut into chunks."""

    columns: list[dict[str, Any]]
    chunks: list[Chunk]
    truncated: bool

    @property
    def total_rows(self) -> int:
        return sum(len(c.rows) for c in self.chunks)

    @property
    def total_bytes(self) -> int:
        return sum(c.byte_count for c in self.chunks)


def _row_bytes(row: list[str | None]) -> int:
    # What the row weighs in JSON: each value quoted (or null) and a comma; close enough to a limit's intent.
    return 2 + sum(4 if v is None else len(v.encode()) + 3 for v in row)


def _rows(result: duckdb.DuckDBPyConnection) -> Iterator[tuple[Any, ...]]:
    while batch := result.fetchmany(FETCH_BATCH_ROWS):
        yield from batch


def collect(result: duckdb.DuckDBPyConnection, limits: Limits) -> Result:
    """Read a DuckDB result into chunks within `limits` (SqlError when INLINE goes past 25 MiB)."""
    description = result.description or []
    columns = [(str(d[0]), str(d[1])) for d in description]
    return collect_rows(columns, _rows(result) if description else iter(()), limits)


def collect_rows(columns: list[tuple[str, str]], rows: Iterable[Sequence[Any]], limits: Limits) -> Result:
    """Rows of the given (name, DuckDB type) columns, rendered and cut into chunks within `limits`."""
    byte_limit = limits.byte_limit
    if byte_limit is None and not limits.inline:
        byte_limit = EXTERNAL_LINKS_DEFAULT_BYTE_LIMIT
    chunks = [Chunk(0, 0)]
    total_bytes, truncated = 0, False
    for total_rows, values in enumerate(rows):
        if limits.row_limit is not None and total_rows >= limits.row_limit:
            truncated = True
            break
        row = [render(v) for v in values]
        size = _row_bytes(row)
        if byte_limit is not None and total_bytes + size > byte_limit:
            truncated = True
            break
        if limits.inline and total_bytes + size > INLINE_LIMIT_BYTES:
            raise sql_error(
                "INLINE_BYTE_LIMIT_EXCEEDED",
                f"The result is larger than the {INLINE_LIMIT_BYTES} bytes (25 MiB) a statement executed with "
                "disposition=INLINE may return. Execute it with disposition=EXTERNAL_LINKS to download the full "
                "result, or set a byte_limit or row_limit.",
            )
        chunk = chunks[-1]
        if chunk.rows and (len(chunk.rows) >= limits.chunk_rows or chunk.byte_count + size > limits.chunk_bytes):
            chunk = Chunk(len(chunks), total_rows)
            chunks.append(chunk)
        chunk.rows.append(row)
        if limits.keep_values:
            chunk.values.append(values)
        chunk.byte_count += size
        total_bytes += size
    return Result([result_column(i, name, kind) for i, (name, kind) in enumerate(columns)], chunks, truncated)


# Statements ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """What was asked of a statement: its text, bindings, defaults, and how to answer."""

    text: str
    parameters: list[dict[str, Any]]
    catalog: str
    schema: str
    session_id: str | None = None
    disposition: str = "INLINE"
    format: str = "JSON_ARRAY"
    row_limit: int | None = None
    byte_limit: int | None = None
    # Not in the public reference; databricks-sql-connector asks for LZ4_FRAME with cloud fetch.
    result_compression: str = "NONE"

    @property
    def keeps_values(self) -> bool:
        """Whether the result must keep the engine's values (ARROW_STREAM is written from them)."""
        return self.format == "ARROW_STREAM"


@dataclass
class Statement:
    """One statement: its request, state, timings and result."""

    id: str
    principal: Principal
    request: Request
    state: str = "PENDING"
    result: Result | None = None
    error: SqlError | None = None
    cursor: duckdb.DuckDBPyConnection | None = None
    done: threading.Event = field(default_factory=threading.Event)
    cancelled: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.time)
    ended: float | None = None

    def finish(self, state: str, error: SqlError | None = None) -> None:
        """End the statement (the first end wins: a cancel that arrives late changes nothing)."""
        if self.done.is_set():
            return
        self.state, self.error, self.ended = state, error, time.time()
        self.done.set()


def _timestamp_text(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class LinkSigner:
    """External links: local URLs whose query string is their credential (an HMAC with a key only this
    process knows, over the statement, the chunk and the expiry), so they need no Authorization header and
    stop working when they expire."""

    def __init__(self, lifetime_seconds: float = LINK_LIFETIME_SECONDS) -> None:
        self.lifetime_seconds = lifetime_seconds
        self._key = secrets.token_bytes(32)

    def _signature(self, statement_id: str, chunk_index: int, expires: int) -> str:
        message = f"{statement_id}\0{chunk_index}\0{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def link(self, base_url: str, statement_id: str, chunk_index: int) -> tuple[str, str]:
        """(URL, expiration as ISO 8601) of a new link to one chunk."""
        expires = math.ceil(time.time() + self.lifetime_seconds)
        signature = self._signature(statement_id, chunk_index, expires)
        url = f"{base_url}/.local/results/{statement_id}/{chunk_index}?expires={expires}&signature={signature}"
        return url, _timestamp_text(expires)

    def check(self, statement_id: str, chunk_index: int, expires: str, signature: str) -> str | None:
        """Why the link is refused ("expired", "invalid"), or None when it is good."""
        if not expires.isdigit() or not hmac.compare_digest(
            self._signature(statement_id, chunk_index, int(expires)), signature
        ):
            return "invalid"
        return "expired" if int(expires) <= time.time() else None


def manifest_json(statement: Statement, result: Result) -> dict[str, Any]:
    """The result manifest: format, schema, chunks, counts, truncation (and the links' compression, when the
    ARROW_STREAM result is compressed)."""
    manifest = {
        "format": statement.request.format,
        "schema": {"column_count": len(result.columns), "columns": result.columns},
        "total_chunk_count": len(result.chunks),
        "chunks": [chunk.describe() for chunk in result.chunks],
        "total_row_count": result.total_rows,
        "total_byte_count": result.total_bytes,
        "truncated": result.truncated,
    }
    if _compression(statement) != "NONE":
        manifest["result_compression"] = _compression(statement)
    return manifest


def _compression(statement: Statement) -> str:
    request = statement.request
    return request.result_compression if request.format == "ARROW_STREAM" else "NONE"


def chunk_json(
    statement: Statement, result: Result, index: int, *, signer: LinkSigner, base_url: str
) -> dict[str, Any]:
    """ResultData of one chunk: its rows inline, or a fresh external link to them."""
    chunk = result.chunks[index]
    body = chunk.describe()
    if index + 1 < len(result.chunks):
        body["next_chunk_index"] = index + 1
        body["next_chunk_internal_link"] = f"/api/2.0/sql/statements/{statement.id}/result/chunks/{index + 1}"
    if statement.request.disposition == "INLINE":
        return body | {"data_array": chunk.rows}
    url, expiration = signer.link(base_url, statement.id, index)
    return {"external_links": [body | {"external_link": url, "expiration": expiration}]}


def statement_json(statement: Statement, *, signer: LinkSigner, base_url: str) -> dict[str, Any]:
    """A statement as the Statement Execution API answers: status, and once it succeeded its manifest and
    first chunk."""
    status: dict[str, Any] = {"state": statement.state}
    if statement.error is not None and statement.state == "FAILED":
        code = "INTERNAL_ERROR" if statement.error.error_class == "INTERNAL_ERROR" else "BAD_REQUEST"
        status["error"] = {"error_code": code, "message": statement.error.message}
        status["sql_state"] = statement.error.sqlstate
    body: dict[str, Any] = {"statement_id": statement.id, "status": status}
    result = statement.result
    if statement.state == "SUCCEEDED" and result is not None:
        body["manifest"] = manifest_json(statement, result)
        body["result"] = chunk_json(statement, result, 0, signer=signer, base_url=base_url)
    return body


def chunk_payload(statement: Statement, result: Result, index: int) -> tuple[bytes, str]:
    """An external link's content, and its media type: compact JSON, RFC 4180 CSV (header in chunk 0), or an
    Arrow IPC stream."""
    rows = result.chunks[index].rows
    if statement.request.format == "ARROW_STREAM":
        values = result.chunks[index].values
        payload = arrow_results.arrow_stream(result.columns, values, render=render, compression=_compression(statement))
        return payload, arrow_results.MEDIA_TYPE
    if statement.request.format == "CSV":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        if index == 0:
            writer.writerow([c["name"] for c in result.columns])
        writer.writerows([["null" if v is None else v for v in row] for row in rows])
        return out.getvalue().encode(), "text/csv"
    return json.dumps(rows, separators=(",", ":"), ensure_ascii=False).encode(), "application/json"
