"""Model Serving: list endpoints, read their input schema, invoke them within a deadline, log every call.

Invocations go through databricks-sdk `serving_endpoints.query` as the user (their forwarded token, else
the service principal). Transient failures (429, 503, no connection) are retried with exponential backoff
and jitter, honouring Retry-After, within the caller's timeout; an input error (4xx) never is. Every
invocation, whatever its outcome, is written to the user's inference history in Lakebase.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import requests
from databricks.sdk import errors as sdk_errors
from databricks.sdk.service.serving import (
    DataframeSplitInput,
    QueryEndpointResponse,
    ServingEndpoint,
    ServingEndpointDetailed,
)
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_before_delay
from tenacity.wait import wait_random_exponential

from core.errors import (
    AuthRequired,
    InvalidInput,
    ModelTimeout,
    ModelUnavailable,
    NotFound,
    PermissionDenied,
    ServiceError,
)
from core.identity import UserIdentity
from services.errors import to_service_error
from core.settings import Settings
from services import inference_logs, lakebase
from services.inference_logs import InferenceStatus
from services.workspace import (
    DeadlineClients,
    service_principal_client,
    timed_ms,
    user_client,
)

log = logging.getLogger(__name__)

PayloadFormat = Literal["dataframe_records", "dataframe_split", "instances", "inputs"]
PAYLOAD_FORMATS: tuple[PayloadFormat, ...] = ("dataframe_records", "dataframe_split", "instances", "inputs")
# Serving endpoint names: letters, digits, dashes and underscores (Databricks' rule).
ENDPOINT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,63}$")
MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS = 1, 300
# An invocation's JSON payload, as the app accepts it (Databricks allows 16 MB; history rows stay small).
MAX_PAYLOAD_BYTES = 512 * 1024
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 4.0
DEFAULT_RETRY_AFTER_SECONDS = 30
# The model's own error message is shown as it is, up to this length.
MAX_MESSAGE_CHARS = 2000
# The seed's endpoint states, from Databricks' (ready, config_update).
EndpointState = Literal["CREATING", "READY", "UPDATING", "FAILED"]


@dataclass(frozen=True)
class ModelEndpoint:
    """The seed's ModelEndpoint, with Databricks' own state words kept for debugging."""

    endpoint_name: str
    endpoint_id: str | None
    model_name: str
    model_version: str | None
    state: EndpointState
    ready: str | None
    config_update: str | None
    task: str | None
    workload_url: str | None
    creation_timestamp: datetime | None
    last_updated_timestamp: datetime | None


@dataclass(frozen=True)
class InputField:
    """One column of a model's input signature."""

    name: str
    kind: Literal["number", "integer", "string", "boolean"]
    required: bool
    example: Any


@dataclass(frozen=True)
class InputSignature:
    """The columns a model takes (from the endpoint's OpenAPI query schema) and example rows."""

    fields: tuple[InputField, ...]
    example_records: list[dict[str, Any]]


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


def _millis(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, tz=UTC) if value else None


def _seed_state(ready: str | None, config_update: str | None) -> EndpointState:
    if config_update == "UPDATE_FAILED":
        return "FAILED"
    if ready == "READY":
        return "UPDATING" if config_update == "IN_PROGRESS" else "READY"
    # Not ready: being created, or failed when no update is under way that could make it ready.
    return "CREATING" if config_update == "IN_PROGRESS" else "FAILED"


def _endpoint(item: ServingEndpoint | ServingEndpointDetailed, host: str | None) -> ModelEndpoint:
    ready = item.state.ready.value if item.state and item.state.ready else None
    update = item.state.config_update.value if item.state and item.state.config_update else None
    entities = (item.config.served_entities or []) if item.config else []
    models = (item.config.served_models or []) if item.config else []
    model_name, model_version = item.name or "", None
    if entities:
        model_name = entities[0].entity_name or entities[0].name or model_name
        model_version = entities[0].entity_version
    elif models:
        model_name = models[0].model_name or model_name
        model_version = models[0].model_version
    name = item.name or ""
    return ModelEndpoint(
        endpoint_name=name,
        endpoint_id=item.id,
        model_name=model_name,
        model_version=model_version,
        state=_seed_state(ready, update),
        ready=ready,
        config_update=update,
        task=item.task,
        workload_url=f"{host}/serving-endpoints/{name}/invocations" if host else None,
        creation_timestamp=_millis(item.creation_timestamp),
        last_updated_timestamp=_millis(item.last_updated_timestamp),
    )


def validate_endpoint_name(name: str) -> str:
    """The name, if it can be a serving endpoint's; InvalidInput otherwise."""
    if not isinstance(name, str) or not ENDPOINT_NAME.match(name):
        raise InvalidInput(
            "An endpoint name has 1 to 63 letters, digits, dashes or underscores.",
            technical_details={"endpoint_name": str(name)[:100]},
        )
    return name


def _allowed(settings: Settings, name: str) -> None:
    # With SERVING_ENDPOINTS set (the app's bound resources), only those are served by the app.
    if settings.serving_endpoints and name not in settings.serving_endpoints:
        raise NotFound(
            f"Serving endpoint '{name}' is not one this app uses.", technical_details={"endpoint_name": name}
        )


def _workspace_error(error: Exception, *, action: str, name: str | None = None) -> ServiceError:
    if isinstance(error, sdk_errors.NotFound) and name:
        return NotFound(
            f"Serving endpoint '{name}' does not exist, or you may not see it.",
            technical_details={"endpoint_name": name},
        )
    return to_service_error(error, integration="workspace", action=action)


def _app_endpoints(found: list[ServingEndpoint], settings: Settings) -> list[ModelEndpoint]:
    """The listed endpoints the app serves (all, unless SERVING_ENDPOINTS names some), by name."""
    endpoints = [_endpoint(item, settings.databricks_host) for item in found]
    if settings.serving_endpoints:
        endpoints = [e for e in endpoints if e.endpoint_name in settings.serving_endpoints]
    return sorted(endpoints, key=lambda e: e.endpoint_name)


def list_endpoints(*, settings: Settings, user: UserIdentity) -> list[ModelEndpoint]:
    """The serving endpoints the user may see (only the app's own when SERVING_ENDPOINTS is set), by name."""
    try:
        found = list(user_client(settings, user).serving_endpoints.list())
    except ServiceError:
        raise
    except Exception as error:
        log.warning("serving_endpoints.list failed: %s", type(error).__name__)
        raise _workspace_error(error, action="serving_endpoints.list") from error
    return _app_endpoints(found, settings)


def get_endpoint(*, settings: Settings, user: UserIdentity, name: str) -> ModelEndpoint:
    """One endpoint, with its current state."""
    _allowed(settings, validate_endpoint_name(name))
    try:
        item = user_client(settings, user).serving_endpoints.get(name)
    except ServiceError:
        raise
    except Exception as error:
        raise _workspace_error(error, action="serving_endpoints.get", name=name) from error
    return _endpoint(item, settings.databricks_host)


FIELD_KINDS: dict[str, Literal["number", "integer", "string", "boolean"]] = {
    "number": "number",
    "integer": "integer",
    "string": "string",
    "boolean": "boolean",
}


def _records_schema(document: dict[str, Any]) -> dict[str, Any] | None:
    """The `dataframe_records` part of an endpoint's OpenAPI query schema, wherever it sits."""
    for path in (document.get("paths") or {}).values():
        content = (((path or {}).get("post") or {}).get("requestBody") or {}).get("content") or {}
        schema = (content.get("application/json") or {}).get("schema") or {}
        for option in schema.get("oneOf") or [schema]:
            records = ((option or {}).get("properties") or {}).get("dataframe_records")
            if isinstance(records, dict):
                return records
    return None


def parse_signature(document: dict[str, Any]) -> InputSignature | None:
    """The input columns from an endpoint's OpenAPI document; None when it describes no tabular input."""
    records = _records_schema(document)
    if records is None:
        return None
    items = records.get("items") or {}
    properties = items.get("properties") or {}
    required = set(items.get("required") or [])
    examples = records.get("example") or (records.get("examples") or [None])[0] or []
    example_records = [r for r in examples if isinstance(r, dict)] if isinstance(examples, list) else []
    first = example_records[0] if example_records else {}
    fields = tuple(
        InputField(
            name=name,
            kind=FIELD_KINDS.get(str((spec or {}).get("type")), "string"),
            required=name in required,
            example=first.get(name),
        )
        for name, spec in properties.items()
    )
    return InputSignature(fields=fields, example_records=example_records) if fields else None


def get_signature(*, settings: Settings, user: UserIdentity, name: str) -> InputSignature | None:
    """The model's input columns, for a form; None when the endpoint does not describe them."""
    _allowed(settings, validate_endpoint_name(name))
    try:
        answer = user_client(settings, user).serving_endpoints.get_open_api(name)
        raw = answer.contents.read() if answer.contents else b""
    except ServiceError:
        raise
    except Exception as error:
        raise _workspace_error(error, action="serving_endpoints.get_open_api", name=name) from error
    try:
        document = json.loads(raw or b"{}")
    except ValueError:
        log.warning("endpoint %s: its OpenAPI document is not JSON", name)
        return None
    return parse_signature(document) if isinstance(document, dict) else None


def _query_arguments(payload: Any) -> dict[str, Any]:
    """The payload as `serving_endpoints.query` keywords; InvalidInput when its shape is wrong."""
    formats = ", ".join(PAYLOAD_FORMATS)
    if not isinstance(payload, dict) or len(payload) != 1 or next(iter(payload)) not in PAYLOAD_FORMATS:
        keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
        raise InvalidInput(
            f"The input must be a JSON object with exactly one of: {formats}.",
            technical_details={"received": keys},
        )
    key, value = next(iter(payload.items()))
    if key in ("dataframe_records", "instances") and not isinstance(value, list):
        raise InvalidInput(f"{key} must be a list of rows.", technical_details={"format": key})
    if key == "dataframe_records" and not all(isinstance(row, dict) for row in value):
        raise InvalidInput("Each row of dataframe_records must be an object.", technical_details={"format": key})
    if key == "dataframe_split":
        if not isinstance(value, dict) or not isinstance(value.get("data"), list):
            raise InvalidInput(
                "dataframe_split must be an object with columns and data.", technical_details={"format": key}
            )
        return {key: DataframeSplitInput.from_dict(value)}
    if value is None:
        raise InvalidInput(f"{key} must not be null.", technical_details={"format": key})
    return {key: value}


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


def _http_status(error: BaseException) -> int | None:
    for kind, status in (
        (sdk_errors.TooManyRequests, 429),
        (sdk_errors.TemporarilyUnavailable, 503),
        (sdk_errors.BadRequest, 400),
        (sdk_errors.NotFound, 404),
        (sdk_errors.PermissionDenied, 403),
        (sdk_errors.Unauthenticated, 401),
        (sdk_errors.InternalError, 500),
    ):
        if isinstance(error, kind):
            return status
    return None


def _failure(error: BaseException, *, name: str, timeout_seconds: int, attempts: int) -> ServiceError:
    """The service error for an invocation that did not succeed."""
    status = _http_status(error)
    details: dict[str, Any] = {"endpoint": name, "status": status, "attempts": attempts}
    if isinstance(error, _DeadlinePassed | requests.Timeout):
        return ModelTimeout(
            f"The model did not answer within {timeout_seconds} s.",
            technical_details=details | {"timeout_seconds": timeout_seconds},
            retry_after=5,
        )
    if isinstance(error, sdk_errors.BadRequest):
        # The model's own words: they name the missing column or the value it could not convert.
        message = str(error)[:MAX_MESSAGE_CHARS] or "The model refused the input."
        return InvalidInput(message, technical_details=details | {"error_code": error.error_code})
    if isinstance(error, sdk_errors.NotFound):
        return NotFound(f"Serving endpoint '{name}' does not exist, or you may not see it.", technical_details=details)
    if isinstance(error, sdk_errors.PermissionDenied):
        return PermissionDenied(f"You may not query the serving endpoint '{name}'.", technical_details=details)
    if isinstance(error, sdk_errors.Unauthenticated):
        return AuthRequired("The workspace did not accept your credentials.", technical_details=details)
    # The endpoint's Retry-After when it sent one (429 or 503), else the seed's 30 s.
    hinted = getattr(error, "retry_after_secs", None) if status in (429, 503) else None
    return ModelUnavailable(
        technical_details=details | {"error_type": type(error).__name__},
        retry_after=max(1, int(hinted or DEFAULT_RETRY_AFTER_SECONDS)),
    )


def _stored_inputs(payload: Any, size: int) -> Any:
    # Over the limit, the history keeps a note of the payload, not the payload.
    if size > MAX_PAYLOAD_BYTES:
        return {"omitted": f"payload of {size} bytes, over the limit of {MAX_PAYLOAD_BYTES}"}
    return payload


def _record(
    *,
    settings: Settings,
    user: UserIdentity,
    request_id: str,
    name: str,
    inputs: Any,
    predictions: Any,
    status: InferenceStatus,
    elapsed_ms: int,
    error_message: str | None,
    completed_at: datetime,
) -> bool:
    """Write the invocation to the user's history; False (and an ERROR log line) when it cannot be."""
    if not lakebase.is_configured(settings):
        return False
    try:
        inference_logs.write_inference_log(
            settings=settings,
            user=user,
            request_id=request_id,
            endpoint_name=name,
            inputs=inputs,
            predictions=predictions,
            status=status,
            execution_time_ms=elapsed_ms,
            error_message=error_message,
            completed_at=completed_at,
        )
    except ServiceError as error:
        log.error(
            "inference not written to the history",
            extra={"endpoint": name, "error_code": error.error_code, "inference_request_id": request_id},
        )
        return False
    return True


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
    ModelTimeout; each of them is in the history too."""
    name = validate_endpoint_name(endpoint_name)
    _allowed(settings, name)
    timeout = settings.model_serving_timeout_seconds if timeout_seconds is None else timeout_seconds
    started = time.perf_counter()
    attempts = 0
    text = json.dumps(payload, default=str) if payload is not None else ""
    size = len(text.encode("utf-8"))
    outcome: QueryEndpointResponse | None = None
    failure: ServiceError | None = None
    try:
        if not MIN_TIMEOUT_SECONDS <= timeout <= MAX_TIMEOUT_SECONDS:
            raise InvalidInput(
                f"timeout_seconds must be between {MIN_TIMEOUT_SECONDS} and {MAX_TIMEOUT_SECONDS}.",
                technical_details={"timeout_seconds": timeout},
            )
        if size > MAX_PAYLOAD_BYTES:
            raise InvalidInput(
                f"The input is {size:,} bytes; the limit is {MAX_PAYLOAD_BYTES:,} bytes. Send fewer rows per call.",
                technical_details={"payload_bytes": size, "limit_bytes": MAX_PAYLOAD_BYTES},
            )
        arguments = _query_arguments(payload)
        deadline = time.monotonic() + timeout
        clients = DeadlineClients(settings, user)

        def attempt() -> QueryEndpointResponse:
            nonlocal attempts
            attempts += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _DeadlinePassed
            return clients.call(remaining, lambda client: client.serving_endpoints.query(name, **arguments))

        retrying = Retrying(
            retry=retry_if_exception(_is_transient),
            stop=stop_after_attempt(MAX_ATTEMPTS) | stop_before_delay(timeout),
            wait=_wait,
            reraise=True,
        )
        try:
            outcome = retrying(attempt)
        except ServiceError:
            raise
        except Exception as error:
            raise _failure(error, name=name, timeout_seconds=timeout, attempts=attempts) from error
    except ServiceError as error:
        failure = error

    elapsed = int(timed_ms(started))
    completed = datetime.now(UTC)
    status: InferenceStatus = "SUCCESS"
    if failure is not None:
        status = "TIMEOUT" if isinstance(failure, ModelTimeout) else "ERROR"
    predictions = None
    if outcome is not None:
        predictions = outcome.predictions if outcome.predictions is not None else outcome.outputs
    logged = _record(
        settings=settings,
        user=user,
        request_id=request_id,
        name=name,
        inputs=_stored_inputs(payload, size),
        predictions=predictions,
        status=status,
        elapsed_ms=elapsed,
        error_message=failure.message if failure else None,
        completed_at=completed,
    )
    log.log(
        failure.log_level if failure else logging.INFO,
        "model invocation",
        extra={
            "endpoint": name,
            "inference_status": status,
            "execution_time_ms": elapsed,
            "attempts": attempts,
            "payload_bytes": size,
            "error_code": failure.error_code if failure else None,
            "logged": logged,
        },
    )
    if failure is not None:
        failure.technical_details.setdefault("request_id", request_id)
        failure.technical_details["logged"] = logged
        raise failure
    return InferenceResult(
        request_id=request_id,
        endpoint_name=name,
        predictions=predictions,
        status=status,
        execution_time_ms=elapsed,
        completed_at=completed,
        error_message=None,
        served_model_name=outcome.served_model_name if outcome else None,
        attempts=attempts,
        logged=logged,
    )


def is_configured(settings: Settings) -> bool:
    """Whether a workspace to list serving endpoints on is configured."""
    return bool(settings.databricks_host)


def ping(settings: Settings) -> str:
    """How many of the app's endpoints are ready, as the service principal sees them (for the status card)."""
    found = _app_endpoints(list(service_principal_client(settings).serving_endpoints.list()), settings)
    ready = sum(1 for e in found if e.state == "READY")
    return f"{ready} of {len(found)} endpoints ready"
