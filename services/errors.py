"""The one place where a client library's exception becomes a ServiceError.

Every service wraps its calls to the Databricks SDK, the SQL connector, requests and psycopg/SQLAlchemy in
`translated(...)`; a ServiceError raised inside passes through untouched. What the user sees then depends
only on the error's kind and the integration it came from, never on which function caught it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

import psycopg
import requests
import sqlalchemy
from databricks.sdk import errors as sdk_errors
from databricks.sql import exc as sql_errors
from psycopg_pool import PoolTimeout

from core.errors import (
    AuthRequired,
    CatalogPermissionDenied,
    DatabaseUnavailable,
    InvalidInput,
    ModelTimeout,
    ModelUnavailable,
    NotFound,
    PermissionDenied,
    QueryCancelled,
    ServiceError,
    WarehouseUnavailable,
    WorkspaceUnavailable,
)

log = logging.getLogger(__name__)

Integration = Literal["workspace", "unity_catalog", "warehouse", "serving", "lakebase"]
RETRY_AFTER_SECONDS = 10
MODEL_RETRY_AFTER_SECONDS = 30
# The model's own error message is shown as it is, up to this length.
MAX_MESSAGE_CHARS = 2000
# Databricks SQL error classes that mean the statement, not the warehouse, is at fault.
STATEMENT_ERRORS = (
    "PARSE_SYNTAX_ERROR",
    "UNRESOLVED_COLUMN",
    "UNRESOLVED_ROUTINE",
    "INVALID_PARAMETER_VALUE",
    "UNBOUND_SQL_PARAMETER",
)
DATABASE_TRANSIENT = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    PoolTimeout,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
)
SDK_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (sdk_errors.TooManyRequests, 429),
    (sdk_errors.TemporarilyUnavailable, 503),
    (sdk_errors.BadRequest, 400),
    (sdk_errors.NotFound, 404),
    (sdk_errors.PermissionDenied, 403),
    (sdk_errors.Unauthenticated, 401),
    (sdk_errors.InternalError, 500),
)


@contextmanager
def translated(
    integration: Integration,
    *,
    action: str,
    subject: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> Iterator[None]:
    """Run the block; a library exception leaves it as the ServiceError it means for `integration`.

    `subject` names what was asked for in messages ("Serving endpoint 'x'", "samples.tpch.orders");
    `details` go into technical_details."""
    try:
        yield
    except ServiceError:
        raise
    except Exception as error:
        raise to_service_error(
            error, integration=integration, action=action, subject=subject, details=details
        ) from error


def to_service_error(
    error: BaseException,
    *,
    integration: Integration,
    action: str,
    subject: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> ServiceError:
    """The ServiceError that `error`, raised while doing `action` on `integration`, means for the user."""
    context = {"action": action, **(details or {})}
    if isinstance(error, ServiceError):
        return error
    if isinstance(error, sql_errors.Error):
        return _from_warehouse(error, context)
    if isinstance(error, DATABASE_TRANSIENT) or _is_invalidated(error):
        return DatabaseUnavailable(
            technical_details=context | {"error_type": type(error).__name__}, retry_after=RETRY_AFTER_SECONDS
        )
    if isinstance(error, psycopg.DataError | sqlalchemy.exc.DataError):
        return InvalidInput("The database refused a value of the request.", technical_details=context)
    if integration == "serving":
        return _from_serving(error, subject, context)
    if integration == "lakebase" and isinstance(error, psycopg.Error | sqlalchemy.exc.SQLAlchemyError):
        # Not transient and not the caller's value: a fault of the app's own, shown as INTERNAL_ERROR.
        return ServiceError(technical_details=context | {"error_type": type(error).__name__})
    return _from_workspace(error, integration, subject, context)


def http_status(error: BaseException) -> int | None:
    """The HTTP status behind an SDK error, where it has one."""
    return next((status for kind, status in SDK_STATUS if isinstance(error, kind)), None)


def _is_invalidated(error: BaseException) -> bool:
    return isinstance(error, sqlalchemy.exc.DBAPIError) and bool(error.connection_invalidated)


def _unavailable(integration: Integration, context: dict[str, Any], error: BaseException) -> ServiceError:
    context = context | {"error_type": type(error).__name__}
    if integration == "warehouse":
        return WarehouseUnavailable(technical_details=context | {"service": "sql_warehouse"}, retry_after=10)
    if integration == "lakebase":
        return DatabaseUnavailable(technical_details=context, retry_after=RETRY_AFTER_SECONDS)
    return WorkspaceUnavailable(technical_details=context, retry_after=RETRY_AFTER_SECONDS)


def _from_workspace(
    error: BaseException, integration: Integration, subject: str | None, context: dict[str, Any]
) -> ServiceError:
    if isinstance(error, sdk_errors.Unauthenticated):
        return AuthRequired("The workspace did not accept your credentials.", technical_details=context)
    if isinstance(error, sdk_errors.PermissionDenied):
        if integration in ("unity_catalog", "warehouse"):
            return CatalogPermissionDenied(technical_details=context)
        return PermissionDenied(technical_details=context)
    if isinstance(error, sdk_errors.NotFound) and subject:
        return NotFound(f"{subject} was not found, or you may not see it.", technical_details=context)
    return _unavailable(integration, context, error)


def _from_warehouse(error: sql_errors.Error, context: dict[str, Any]) -> ServiceError:
    """The connector's errors carry the warehouse's error class in their text."""
    text = str(error)
    if "CANCELED" in text or "CANCELLED" in text:
        return QueryCancelled(technical_details=context)
    if "INSUFFICIENT_PERMISSIONS" in text:
        return CatalogPermissionDenied(technical_details=context | {"reason": "SELECT not granted"})
    if "TABLE_OR_VIEW_NOT_FOUND" in text:
        return NotFound("The table was not found, or you may not see it.", technical_details=context)
    if any(code in text for code in STATEMENT_ERRORS):
        return InvalidInput("The warehouse refused the query.", technical_details=context | {"error": text[-300:]})
    return _unavailable("warehouse", context, error)


def _from_serving(error: BaseException, subject: str | None, context: dict[str, Any]) -> ServiceError:
    status = http_status(error)
    context = context | {"status": status}
    if isinstance(error, requests.Timeout):
        seconds = context.get("timeout_seconds")
        message = f"The model did not answer within {seconds} s." if seconds else None
        return ModelTimeout(message, technical_details=context, retry_after=5)
    if isinstance(error, sdk_errors.BadRequest):
        # The model's own words: they name the missing column or the value it could not convert.
        message = str(error)[:MAX_MESSAGE_CHARS] or "The model refused the input."
        return InvalidInput(message, technical_details=context | {"error_code": error.error_code})
    if isinstance(error, sdk_errors.NotFound):
        return NotFound(
            f"{subject or 'The endpoint'} does not exist, or you may not see it.", technical_details=context
        )
    if isinstance(error, sdk_errors.PermissionDenied):
        # "Serving endpoint 'x'" reads "the serving endpoint 'x'" inside the sentence.
        target = f"the {subject[:1].lower()}{subject[1:]}" if subject else "this endpoint"
        return PermissionDenied(f"You may not query {target}.", technical_details=context)
    if isinstance(error, sdk_errors.Unauthenticated):
        return AuthRequired("The workspace did not accept your credentials.", technical_details=context)
    # The endpoint's Retry-After when it sent one (429 or 503), else the seed's 30 s.
    hinted = getattr(error, "retry_after_secs", None) if status in (429, 503) else None
    return ModelUnavailable(
        technical_details=context | {"error_type": type(error).__name__},
        retry_after=max(1, int(hinted or MODEL_RETRY_AFTER_SECONDS)),
    )
