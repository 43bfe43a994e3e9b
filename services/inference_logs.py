"""The user's model inference history in Lakebase: every call, good or bad, newest first, at most
INFERENCE_LOG_MAX_ROWS per user (the oldest are deleted as new ones are written)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy

from core.errors import InvalidInput, NotFound
from core.identity import UserIdentity
from core.limits import MAX_OFFSET, UNSTORABLE_TEXT
from core.settings import Settings
from services.lakebase import call_with_retries, lock_in_transaction, transaction
from services.lakebase.schema import model_inference_logs

InferenceStatus = Literal["SUCCESS", "ERROR", "TIMEOUT"]
MAX_PAGE_SIZE = 100
# What Postgres text and JSONB cannot hold: NUL, and a surrogate not in a pair (no UTF-8 for it).


@dataclass(frozen=True)
class InferenceCall:
    """One past invocation as its user sees it (the seed's ModelInferenceResponse, with its inputs)."""

    id: int
    request_id: str
    endpoint_name: str
    inputs: Any
    predictions: Any
    status: InferenceStatus
    execution_time_ms: int
    error_message: str | None
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class InferenceLog(InferenceCall):
    """One stored inference: the call, and whose it is."""

    user_id: str


@dataclass(frozen=True)
class InferenceLogPage:
    """A page of a user's history, and whether an older page exists."""

    logs: list[InferenceLog]
    has_more: bool


def _log(row: sqlalchemy.Row[Any]) -> InferenceLog:
    return InferenceLog(**{column.name: getattr(row, column.name) for column in model_inference_logs.c})


def _storable(value: Any) -> Any:
    """The value as Postgres can hold it: NUL and lone surrogates as U+FFFD, NaN and infinities as null
    (JSONB has no such numbers). The service stores what it has made JSON-safe already; this is the floor."""
    if isinstance(value, str):
        return UNSTORABLE_TEXT.sub("\ufffd", value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value


def write_inference_log(
    *,
    settings: Settings,
    user: UserIdentity,
    request_id: str,
    endpoint_name: str,
    inputs: Any,
    predictions: Any,
    status: InferenceStatus,
    execution_time_ms: int,
    error_message: str | None,
    completed_at: datetime | None,
) -> InferenceLog:
    """Record one invocation for the user (not retried: a repeat could write it twice)."""
    statement = (
        model_inference_logs.insert()
        .values(
            request_id=request_id,
            endpoint_name=endpoint_name,
            user_id=user.user_id,
            inputs=_storable(inputs),
            predictions=_storable(predictions),
            status=status,
            execution_time_ms=execution_time_ms,
            error_message=_storable(error_message),
            completed_at=completed_at,
        )
        .returning(*model_inference_logs.c)
    )

    def write() -> InferenceLog:
        with transaction(settings) as connection:
            # One writer per user at a time, so two calls at once cannot both keep the cap's last place.
            lock_in_transaction(connection, "model_inference_logs", user.user_id)
            written = _log(connection.execute(statement).one())
            connection.execute(trim_statement(user=user, keep=settings.inference_log_max_rows))
        return written

    return call_with_retries(write, action="write_inference_log", retry=False)


def trim_statement(*, user: UserIdentity, keep: int) -> sqlalchemy.Delete:
    """The DELETE of the user's rows beyond the newest `keep`, oldest first; the subquery walks the user's
    index (user_id, created_at DESC) past `keep` rows, so a write costs the cap, never the table."""
    logs = model_inference_logs.c
    beyond = (
        sqlalchemy.select(logs.id)
        .where(logs.user_id == user.user_id)
        .order_by(logs.created_at.desc(), logs.id.desc())
        .offset(keep)
    )
    return model_inference_logs.delete().where(logs.user_id == user.user_id, logs.id.in_(beyond))


def list_inference_logs(
    *, settings: Settings, user: UserIdentity, limit: int = 20, offset: int = 0
) -> InferenceLogPage:
    """The user's inferences, newest first, `limit` at a time from `offset`."""
    if not 1 <= limit <= MAX_PAGE_SIZE or not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(
            f"limit must be 1..{MAX_PAGE_SIZE} and offset 0..{MAX_OFFSET}.",
            technical_details={"limit": limit, "offset": offset},
        )
    query = (
        model_inference_logs.select()
        .where(model_inference_logs.c.user_id == user.user_id)
        .order_by(model_inference_logs.c.created_at.desc(), model_inference_logs.c.id.desc())
        .limit(limit + 1)  # one more than asked tells whether an older page exists
        .offset(offset)
    )

    def read() -> InferenceLogPage:
        with transaction(settings) as connection:
            rows = [_log(r) for r in connection.execute(query)]
        return InferenceLogPage(logs=rows[:limit], has_more=len(rows) > limit)

    return call_with_retries(read, action="list_inference_logs")


def get_inference_log(*, settings: Settings, user: UserIdentity, log_id: int) -> InferenceLog:
    """One of the user's inferences; NotFound when there is none by that id, or it is another user's."""
    query = model_inference_logs.select().where(
        model_inference_logs.c.id == log_id, model_inference_logs.c.user_id == user.user_id
    )

    def read() -> InferenceLog | None:
        with transaction(settings) as connection:
            row = connection.execute(query).one_or_none()
        return _log(row) if row is not None else None

    found = call_with_retries(read, action="get_inference_log")
    if found is None:
        raise NotFound("That call is not in your inference history.", technical_details={"log_id": log_id})
    return found
