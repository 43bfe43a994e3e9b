"""Query History of the local SQL warehouse: `GET /api/2.0/sql/history/queries`, as Databricks documents it.

Every statement the warehouse runs (through a session or sessionless) is recorded with who ran it, its text,
status, times and rows. A caller sees only their own statements unless they are an admin (the app's service
principal is the metastore admin locally), as Databricks scopes the history. The history is bounded: the
oldest entries are forgotten first.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from flask import Blueprint, Response, jsonify, request

from local_workspace.errors import abort_databricks, current_principal
from local_workspace.identities import Principal

MAX_ENTRIES = 10_000
# The documented page size: "Must be less than 1000 and the default is 100."
DEFAULT_MAX_RESULTS = 100
MAX_RESULTS_LIMIT = 999
# "The time range must be less than or equal to 30 days."
MAX_RANGE_MS = 30 * 24 * 3600 * 1000
# The query text kept per entry: enough to recognise it, bounded so the history's memory is.
MAX_QUERY_TEXT = 64 * 1024
# Statement Execution states as Query History names them.
STATUS_OF_STATE = {
    "PENDING": "QUEUED",
    "RUNNING": "RUNNING",
    "SUCCEEDED": "FINISHED",
    "FAILED": "FAILED",
    "CANCELED": "CANCELED",
    "CLOSED": "FINISHED",
}
STATUSES = ("QUEUED", "RUNNING", "CANCELED", "FAILED", "FINISHED", "STARTED", "COMPILING", "COMPILED")
FILTER_KEYS = ("statement_ids", "statuses", "user_ids", "warehouse_ids")


def numeric_id(principal: Principal) -> int:
    """The principal's id as the history's int64 user ids carry it."""
    return int(principal.id) if principal.id.isdigit() else 0


@dataclass(frozen=True)
class QueryEntry:
    """One statement as the history keeps it (no result rows: the history stays small)."""

    query_id: str
    principal: Principal
    warehouse_id: str
    query_text: str
    statement_type: str
    session_id: str | None
    query_start_time_ms: int
    state: str = "PENDING"
    query_end_time_ms: int | None = None
    execution_end_time_ms: int | None = None
    rows_produced: int | None = None
    error_message: str | None = None
    compilation_time_ms: int | None = None
    execution_time_ms: int | None = None
    result_bytes: int | None = None

    def as_json(self, *, include_metrics: bool) -> dict[str, Any]:
        """The entry as `QueryInfo` of the Query History API."""
        status = STATUS_OF_STATE.get(self.state, "FINISHED")
        body: dict[str, Any] = {
            "query_id": self.query_id,
            "status": status,
            "query_text": self.query_text,
            "statement_type": self.statement_type,
            "user_id": numeric_id(self.principal),
            "user_name": self.principal.user_name,
            "executed_as_user_id": numeric_id(self.principal),
            "executed_as_user_name": self.principal.user_name,
            "warehouse_id": self.warehouse_id,
            "endpoint_id": self.warehouse_id,
            "query_start_time_ms": self.query_start_time_ms,
            "is_final": status in ("FINISHED", "FAILED", "CANCELED"),
            "lookup_key": self.query_id,
        }
        if self.session_id:
            body["session_id"] = self.session_id
        if self.query_end_time_ms is not None:
            body["query_end_time_ms"] = self.query_end_time_ms
            body["duration"] = self.query_end_time_ms - self.query_start_time_ms
        if self.execution_end_time_ms is not None:
            body["execution_end_time_ms"] = self.execution_end_time_ms
        if self.rows_produced is not None:
            body["rows_produced"] = self.rows_produced
        if self.error_message is not None:
            body["error_message"] = self.error_message
        if include_metrics:
            body["metrics"] = self._metrics()
        return body

    def _metrics(self) -> dict[str, Any]:
        metrics: dict[str, Any] = {"result_from_cache": False}
        optional = {
            "compilation_time_ms": self.compilation_time_ms,
            "execution_time_ms": self.execution_time_ms,
            "rows_produced_count": self.rows_produced,
            "read_bytes": self.result_bytes,
        }
        metrics |= {key: value for key, value in optional.items() if value is not None}
        if self.query_end_time_ms is not None:
            metrics["total_time_ms"] = self.query_end_time_ms - self.query_start_time_ms
        return metrics


class QueryHistory:
    """The bounded, thread-safe record of every statement of one warehouse."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, QueryEntry] = OrderedDict()
        self._lock = threading.Lock()

    def record(self, entry: QueryEntry) -> None:
        """Add a statement as it starts (its text bounded to MAX_QUERY_TEXT)."""
        if len(entry.query_text) > MAX_QUERY_TEXT:
            entry = replace(entry, query_text=entry.query_text[:MAX_QUERY_TEXT])
        with self._lock:
            self._entries[entry.query_id] = entry
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def update(self, query_id: str, **changes: Any) -> None:
        """Change a recorded statement (its state, end times, rows, error); forgotten ones are left alone."""
        with self._lock:
            found = self._entries.get(query_id)
            if found is not None:
                self._entries[query_id] = replace(found, **changes)

    def entries(self) -> list[QueryEntry]:
        """Every entry, most recently started first."""
        with self._lock:
            found = list(self._entries.values())
        return sorted(found, key=lambda e: (e.query_start_time_ms, e.query_id), reverse=True)


@dataclass(frozen=True)
class QueryFilter:
    """`filter_by` of the request, checked."""

    statement_ids: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    user_ids: frozenset[int] = frozenset()
    warehouse_ids: frozenset[str] = frozenset()
    start_time_ms: int | None = None
    end_time_ms: int | None = None

    def matches(self, entry: QueryEntry) -> bool:
        """Whether the entry passes every criterion given."""
        checks: list[Callable[[], bool]] = [
            lambda: not self.statement_ids or entry.query_id in self.statement_ids,
            lambda: not self.statuses or STATUS_OF_STATE.get(entry.state, "FINISHED") in self.statuses,
            lambda: not self.user_ids or numeric_id(entry.principal) in self.user_ids,
            lambda: not self.warehouse_ids or entry.warehouse_id in self.warehouse_ids,
            lambda: self.start_time_ms is None or entry.query_start_time_ms >= self.start_time_ms,
            lambda: self.end_time_ms is None or entry.query_start_time_ms < self.end_time_ms,
        ]
        return all(check() for check in checks)

    def as_json(self) -> dict[str, Any]:
        """The filter as it travels inside a page token."""
        return {
            "statement_ids": sorted(self.statement_ids),
            "statuses": sorted(self.statuses),
            "user_ids": sorted(self.user_ids),
            "warehouse_ids": sorted(self.warehouse_ids),
            "start_time_ms": self.start_time_ms,
            "end_time_ms": self.end_time_ms,
        }


def _invalid(message: str) -> None:
    abort_databricks(400, "INVALID_PARAMETER_VALUE", message)


def _int(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        _invalid(f"Invalid value for {name}: '{text}' is not an integer.")
        raise  # unreachable: _invalid raises


def filter_from_args(args: Any) -> QueryFilter:
    """The filter the SDK sends as query parameters in dot notation (`filter_by.user_ids=1&…`)."""
    statuses = frozenset(args.getlist("filter_by.statuses"))
    for status in statuses - set(STATUSES):
        _invalid(f"Invalid value for filter_by.statuses: '{status}'. Valid values are {', '.join(STATUSES)}.")
    start = args.get("filter_by.query_start_time_range.start_time_ms")
    end = args.get("filter_by.query_start_time_range.end_time_ms")
    found = QueryFilter(
        statement_ids=frozenset(args.getlist("filter_by.statement_ids")),
        statuses=statuses,
        user_ids=frozenset(_int("filter_by.user_ids", u) for u in args.getlist("filter_by.user_ids")),
        warehouse_ids=frozenset(args.getlist("filter_by.warehouse_ids")),
        start_time_ms=None if start is None else _int("query_start_time_range.start_time_ms", start),
        end_time_ms=None if end is None else _int("query_start_time_range.end_time_ms", end),
    )
    if found.start_time_ms is not None and found.end_time_ms is not None:
        if found.end_time_ms < found.start_time_ms:
            _invalid("query_start_time_range: end_time_ms must not be before start_time_ms.")
        if found.end_time_ms - found.start_time_ms > MAX_RANGE_MS:
            _invalid("query_start_time_range: the time range must be less than or equal to 30 days.")
    return found


def _encode_token(query_filter: QueryFilter, last: QueryEntry) -> str:
    """An opaque token: the filter and where the previous page ended (new statements do not shift pages)."""
    cursor = {"filter": query_filter.as_json(), "after": [last.query_start_time_ms, last.query_id]}
    return base64.urlsafe_b64encode(json.dumps(cursor, separators=(",", ":")).encode()).decode()


def _decode_token(token: str) -> tuple[QueryFilter, tuple[int, str]]:
    try:
        cursor = json.loads(base64.urlsafe_b64decode(token.encode()))
        saved = cursor["filter"]
        after = (int(cursor["after"][0]), str(cursor["after"][1]))
        query_filter = QueryFilter(
            statement_ids=frozenset(map(str, saved["statement_ids"])),
            statuses=frozenset(map(str, saved["statuses"])),
            user_ids=frozenset(map(int, saved["user_ids"])),
            warehouse_ids=frozenset(map(str, saved["warehouse_ids"])),
            start_time_ms=saved["start_time_ms"],
            end_time_ms=saved["end_time_ms"],
        )
    except (binascii.Error, ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
        _invalid("Invalid page_token.")
        raise  # unreachable: _invalid raises
    return query_filter, after


def _max_results(text: str | None) -> int:
    if text is None:
        return DEFAULT_MAX_RESULTS
    value = _int("max_results", text)
    if not 0 < value <= MAX_RESULTS_LIMIT:
        _invalid(f"max_results must be between 1 and {MAX_RESULTS_LIMIT}, got {value}.")
    return value


def list_queries(history: QueryHistory, principal: Principal, args: Any) -> dict[str, Any]:
    """One page of the caller's visible history, most recently started first (ListQueriesResponse)."""
    size = _max_results(args.get("max_results"))
    include_metrics = str(args.get("include_metrics", "false")).lower() == "true"
    token = args.get("page_token")
    # A page token carries the filter of the first page: the pages of one listing stay one listing.
    query_filter, after = _decode_token(token) if token else (filter_from_args(args), None)
    visible = [
        entry
        for entry in history.entries()
        if (principal.is_service_principal or entry.principal.id == principal.id)
        and query_filter.matches(entry)
        and (after is None or (entry.query_start_time_ms, entry.query_id) < after)
    ]
    page = visible[:size]
    body: dict[str, Any] = {
        "res": [entry.as_json(include_metrics=include_metrics) for entry in page],
        "has_next_page": len(visible) > size,
    }
    if len(visible) > size:
        body["next_page_token"] = _encode_token(query_filter, page[-1])
    return body


def register_history_routes(api: Blueprint, history: QueryHistory) -> None:
    """Serve the Query History API on the warehouse's blueprint (it answers whether or not the warehouse runs)."""

    @api.get("/api/2.0/sql/history/queries")
    def list_query_history() -> Response:
        return jsonify(list_queries(history, current_principal(), request.args))
