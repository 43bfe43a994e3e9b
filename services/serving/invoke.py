"""Invoke a serving endpoint within a deadline, and write every outcome to the user's inference history.

Three steps, each its own function: prepare (the name, the timeout, the payload's size and shape), attempt
within the deadline (transient failures, 429, 503 or no connection, retried with exponential backoff and
jitter, honouring Retry-After; an input error never is; the SDK's own retries are off), and record the
outcome (a call that cannot be written to the history still answers, with `logged: false`)."""

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

from core.errors import InvalidInput, ModelTimeout, ServiceError
from core.identity import UserIdentity
from core.settings import Settings
from services import inference_logs, lakebase
from services.errors import to_service_error
from services.inference_logs import InferenceStatus
from services.serving.endpoints import served_endpoint
from services.serving.payloads import MAX_PAYLOAD_BYTES, check_size, payload_bytes, query_arguments
from services.workspace import DeadlineClients, timed_ms

log = logging.getLogger(__name__)

MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS = 1, 300
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 4.0
TIMEOUT_RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True)
class InferenceResult:
    """The seed's ModelInferenceResponse for a successful invocation."""

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
    size: int
    started: float


def parse_timeout(value: Any) -> int | None:
    """A timeout typed into a form, in whole seconds; None (the app's default) when left empty."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"The timeout must be {MIN_TIMEOUT_SECONDS} to {MAX_TIMEOUT_SECONDS} seconds.") from None


def _prepare(call: _Call) -> dict[str, Any]:
    """The `serving_endpoints.query` keywords, once the timeout, the size and the payload's shape are good."""
    if not MIN_TIMEOUT_SECONDS <= call.timeout <= MAX_TIMEOUT_SECONDS:
        raise InvalidInput(
            f"timeout_seconds must be between {MIN_TIMEOUT_SECONDS} and {MAX_TIMEOUT_SECONDS}.",
            technical_details={"timeout_seconds": call.timeout},
        )
    check_size(call.size)
    return query_arguments(call.payload)


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


def _stored_inputs(call: _Call) -> Any:
    # Over the limit, the history keeps a note of the payload, not the payload.
    if call.size > MAX_PAYLOAD_BYTES:
        return {"omitted": f"payload of {call.size} bytes, over the limit of {MAX_PAYLOAD_BYTES}"}
    return call.payload


def _write_history(call: _Call, result: InferenceResult) -> bool:
    """Write the invocation to the user's history; False (and an ERROR log line) when it cannot be."""
    if not lakebase.is_configured(call.settings):
        return False
    try:
        inference_logs.write_inference_log(
            settings=call.settings,
            user=call.user,
            request_id=call.request_id,
            endpoint_name=call.name,
            inputs=_stored_inputs(call),
            predictions=result.predictions,
            status=result.status,
            execution_time_ms=result.execution_time_ms,
            error_message=result.error_message,
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
    call: _Call, *, response: QueryEndpointResponse | None = None, failure: ServiceError | None = None, attempts: int
) -> InferenceResult:
    """The invocation's result, once written to the user's history (`logged` says whether it could be)."""
    status: InferenceStatus = "SUCCESS"
    if failure is not None:
        status = "TIMEOUT" if isinstance(failure, ModelTimeout) else "ERROR"
    predictions = None
    if response is not None:
        predictions = response.predictions if response.predictions is not None else response.outputs
    result = InferenceResult(
        request_id=call.request_id,
        endpoint_name=call.name,
        predictions=predictions,
        status=status,
        execution_time_ms=int(timed_ms(call.started)),
        completed_at=datetime.now(UTC),
        error_message=failure.message if failure else None,
        served_model_name=response.served_model_name if response else None,
        attempts=attempts,
        logged=False,
    )
    logged = _write_history(call, result)
    log.log(
        failure.log_level if failure else logging.INFO,
        "model invocation",
        extra={
            "endpoint": call.name,
            "inference_status": status,
            "execution_time_ms": result.execution_time_ms,
            "attempts": attempts,
            "payload_bytes": call.size,
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

    Raises InvalidInput (400, the model's message), NotFound, ModelUnavailable (EC-001, retry_after) or
    ModelTimeout; each of them is in the history too (a name that is no endpoint of the app's is not)."""
    call = _Call(
        settings=settings,
        user=user,
        request_id=request_id,
        name=served_endpoint(settings, endpoint_name),
        payload=payload,
        timeout=settings.model_serving_timeout_seconds if timeout_seconds is None else timeout_seconds,
        size=payload_bytes(payload),
        started=time.perf_counter(),
    )
    try:
        response, attempts = _query_within_deadline(call, _prepare(call))
    except ServiceError as failure:
        attempted = int(failure.technical_details.get("attempts", 0))
        logged = _record_outcome(call, failure=failure, attempts=attempted).logged
        failure.technical_details.setdefault("request_id", request_id)
        failure.technical_details["logged"] = logged
        raise
    return _record_outcome(call, response=response, attempts=attempts)
