"""Invoke a serving endpoint within a deadline, and write every outcome to the user's inference history.

Three steps, each its own function: prepare (the name, the timeout, the payload's shape, size and values),
attempt within the deadline (transient failures, 429, 503 or no connection, retried with exponential backoff
and jitter, honouring Retry-After; an input error never is; the SDK's own retries are off), and record the
outcome (a call that cannot be written to the history still answers, with `logged: false`).

The history keeps no payload the model never saw: a call refused here or by the workspace (no such endpoint,
not yours) is recorded with a note instead. A model's answer that JSON cannot carry (NaN, an infinity, a lone
surrogate) is answered and recorded as null (or U+FFFD), and `error_message` names what was changed."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import requests
from databricks.sdk import errors as sdk_errors
from databricks.sdk.service.serving import QueryEndpointResponse
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_before_delay
from tenacity.wait import wait_random_exponential

from core.errors import AuthRequired, InvalidInput, ModelTimeout, NotFound, PermissionDenied, ServiceError
from core.identity import UserIdentity
from core.settings import Settings
from services import inference_logs, lakebase
from services.errors import to_service_error
from services.inference_logs import InferenceStatus
from services.serving.endpoints import served_endpoint
from services.serving.payloads import (
    MAX_PAYLOAD_BYTES,
    check_size,
    check_values,
    json_safe_answer,
    payload_bytes,
    query_arguments,
)
from services.workspace import DeadlineClients, timed_ms

log = logging.getLogger(__name__)

MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS = 1, 300
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 4.0
TIMEOUT_RETRY_AFTER_SECONDS = 5
REFUSED = "refused before the model was called"
# What the workspace answers for an endpoint the caller may not query: the model never saw the payload.
NEVER_REACHED_THE_MODEL = (NotFound, PermissionDenied, AuthRequired)


@dataclass(frozen=True)
class InferenceResult:
    """The seed's ModelInferenceResponse for a successful invocation; its `error_message` says what of the
    answer was changed to be JSON (a NaN as null), and is None when nothing was."""

    request_id: str
    endpoint_name: str
    predictions: Any
    status: InferenceStatus
    execution_time_ms: int
    completed_at: datetime
    error_message: str | None
    served_model_name: str | None
    attempts: int
    logged: bool


@dataclass(frozen=True)
class _Call:
    """One invocation as asked: the endpoint (a name the app serves), the payload and the time allowed."""

    settings: Settings
    user: UserIdentity
    request_id: str
    name: str
    payload: Any
    timeout: int
    started: float


def parse_timeout(value: Any) -> int | None:
    """A timeout typed into a form, in whole seconds; None (the app's default) when left empty."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"The timeout must be {MIN_TIMEOUT_SECONDS} to {MAX_TIMEOUT_SECONDS} seconds.") from None


def _prepare(call: _Call) -> tuple[dict[str, Any], int]:
    """The `serving_endpoints.query` keywords and the payload's size in bytes, once the timeout, the payload's
    shape, its size and every value in it are good (the size first: it is measured in C, the values walked)."""
    if not MIN_TIMEOUT_SECONDS <= call.timeout <= MAX_TIMEOUT_SECONDS:
        raise InvalidInput(
            f"timeout_seconds must be between {MIN_TIMEOUT_SECONDS} and {MAX_TIMEOUT_SECONDS}.",
            technical_details={"timeout_seconds": call.timeout},
        )
    arguments = query_arguments(call.payload)
    size = payload_bytes(call.payload)
    check_size(size)
    check_values(call.payload)
    return arguments, size


def _is_transient(error: BaseException) -> bool:
    # Throttled, unavailable, or no connection: the same request may succeed later. Never an input error.
    if isinstance(error, sdk_errors.TooManyRequests | sdk_errors.TemporarilyUnavailable):
        return True
    return isinstance(error, requests.ConnectionError) and not isinstance(error, requests.Timeout)


_backoff = wait_random_exponential(multiplier=BACKOFF_SECONDS, max=MAX_BACKOFF_SECONDS)


def _wait(state: RetryCallState) -> float:
    """Full-jitter exponential backoff, but never sooner than the endpoint's Retry-After."""
    error = state.outcome.exception() if state.outcome else None
    hinted = getattr(error, "retry_after_secs", None) or 0
    return max(_backoff(state), float(hinted))


class _DeadlinePassed(Exception):
    """No time is left for another attempt."""


def _query_within_deadline(call: _Call, arguments: dict[str, Any]) -> tuple[QueryEndpointResponse, int]:
    """The endpoint's answer and the attempts it took: attempted until it comes, an attempt fails for good,
    or the deadline passes."""
    deadline = time.monotonic() + call.timeout
    clients = DeadlineClients(call.settings, call.user)
    attempts = 0

    def attempt() -> QueryEndpointResponse:
        nonlocal attempts
        attempts += 1
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _DeadlinePassed
        return clients.call(remaining, lambda client: client.serving_endpoints.query(call.name, **arguments))

    retrying = Retrying(
        retry=retry_if_exception(_is_transient),
        stop=stop_after_attempt(MAX_ATTEMPTS) | stop_before_delay(call.timeout),
        wait=_wait,
        reraise=True,
    )
    details = {"endpoint": call.name, "timeout_seconds": call.timeout}
    try:
        return retrying(attempt), attempts
    except _DeadlinePassed:
        raise ModelTimeout(
            f"The model did not answer within {call.timeout} s.",
            technical_details=details | {"status": None, "attempts": attempts},
            retry_after=TIMEOUT_RETRY_AFTER_SECONDS,
        ) from None
    except Exception as error:  # translated once, here, where the number of attempts is known
        raise to_service_error(
            error,
            integration="serving",
            action="serving_endpoints.query",
            subject=f"Serving endpoint '{call.name}'",
            details=details | {"attempts": attempts},
        ) from error


def _omitted(refusal: ServiceError) -> dict[str, str]:
    """What the history keeps instead of a payload the model never saw: why it was refused."""
    size = refusal.technical_details.get("payload_bytes")
    reason = f"payload of {size} bytes, over the limit of {MAX_PAYLOAD_BYTES}" if size else refusal.message
    return {"omitted": f"{REFUSED}: {reason[:300]}"}


def _changes(notes: list[str]) -> str | None:
    return f"The model's answer held values JSON cannot carry: {'; '.join(notes)}." if notes else None


def _stored_answer(predictions: Any, changes: str | None) -> tuple[Any, str | None]:
    """The (JSON-safe) predictions as the history keeps them, and the note of what was changed or left out."""
    size = payload_bytes(predictions)
    if size <= MAX_PAYLOAD_BYTES:
        return predictions, changes
    left_out = f"The predictions ({size} bytes) are over the history's limit of {MAX_PAYLOAD_BYTES} bytes: not kept."
    omitted = {"omitted": f"predictions of {size} bytes, over the limit of {MAX_PAYLOAD_BYTES}"}
    return omitted, f"{changes} {left_out}" if changes else left_out


def _write_history(call: _Call, result: InferenceResult, *, inputs: Any, predictions: Any, note: str | None) -> bool:
    """Write the invocation to the user's history; False (and an ERROR log line) when it cannot be."""
    if not lakebase.is_configured(call.settings):
        return False
    try:
        inference_logs.write_inference_log(
            settings=call.settings,
            user=call.user,
            request_id=call.request_id,
            endpoint_name=call.name,
            inputs=inputs,
            predictions=predictions,
            status=result.status,
            execution_time_ms=result.execution_time_ms,
            error_message=note or result.error_message,
            completed_at=result.completed_at,
        )
    except ServiceError as error:  # the caller still gets the model's answer; the log line says what is lost
        log.error(
            "inference not written to the history",
            extra={"endpoint": call.name, "error_code": error.error_code, "inference_request_id": call.request_id},
        )
        return False
    return True


def _record_outcome(
    call: _Call,
    *,
    inputs: Any,
    size: int | None,
    response: QueryEndpointResponse | None = None,
    failure: ServiceError | None = None,
    attempts: int,
) -> InferenceResult:
    """The invocation's result, once written to the user's history (`logged` says whether it could be)."""
    status: InferenceStatus = "SUCCESS"
    if failure is not None:
        status = "TIMEOUT" if isinstance(failure, ModelTimeout) else "ERROR"
    predictions: Any = None
    notes: list[str] = []
    if response is not None:
        predictions, notes = json_safe_answer(
            response.predictions if response.predictions is not None else response.outputs
        )
    changes = _changes(notes)
    result = InferenceResult(
        request_id=call.request_id,
        endpoint_name=call.name,
        predictions=predictions,
        status=status,
        execution_time_ms=int(timed_ms(call.started)),
        completed_at=datetime.now(UTC),
        error_message=failure.message if failure else changes,
        served_model_name=response.served_model_name if response else None,
        attempts=attempts,
        logged=False,
    )
    stored, note = _stored_answer(predictions, changes)
    logged = _write_history(call, result, inputs=inputs, predictions=stored, note=note)
    log.log(
        failure.log_level if failure else logging.INFO,
        "model invocation",
        extra={
            "endpoint": call.name,
            "inference_status": status,
            "execution_time_ms": result.execution_time_ms,
            "attempts": attempts,
            "payload_bytes": size,
            "error_code": failure.error_code if failure else None,
            "logged": logged,
        },
    )
    return replace(result, logged=logged)


def invoke(
    *,
    settings: Settings,
    user: UserIdentity,
    endpoint_name: str,
    payload: Any,
    request_id: str,
    timeout_seconds: int | None = None,
) -> InferenceResult:
    """Invoke the endpoint with the payload ({format: data}) within the timeout (default
    MODEL_SERVING_TIMEOUT), and write the outcome to the user's history.

    Raises InvalidInput (400: the app's, naming the field, or the model's message), NotFound, ModelUnavailable
    (EC-001, retry_after) or ModelTimeout; each of them is in the history too (a name that is no endpoint of
    the app's is not), without the payload when the model never saw it."""
    call = _Call(
        settings=settings,
        user=user,
        request_id=request_id,
        name=served_endpoint(settings, endpoint_name),
        payload=payload,
        timeout=settings.model_serving_timeout_seconds if timeout_seconds is None else timeout_seconds,
        started=time.perf_counter(),
    )
    size: int | None = None
    try:
        arguments, size = _prepare(call)
        response, attempts = _query_within_deadline(call, arguments)
    except ServiceError as failure:
        attempted = int(failure.technical_details.get("attempts", 0))
        seen = attempted and not isinstance(failure, NEVER_REACHED_THE_MODEL)
        inputs = call.payload if seen else _omitted(failure)
        logged = _record_outcome(call, inputs=inputs, size=size, failure=failure, attempts=attempted).logged
        failure.technical_details.setdefault("request_id", request_id)
        failure.technical_details["logged"] = logged
        raise
    return _record_outcome(call, inputs=call.payload, size=size, response=response, attempts=attempts)
