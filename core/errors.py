"""The error hierarchy every layer shares; each class maps one-to-one to an error body of the seed
(EC-001..EC-004 and the generic ones). services/ raise them, pages and the REST API render them."""

from __future__ import annotations

import logging
from typing import Any, ClassVar


class ServiceError(Exception):
    """An error a user can be shown: a stable code, a plain message and machine-readable details."""

    error_code: ClassVar[str] = "INTERNAL_ERROR"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "Something went wrong. The error has been logged."

    def __init__(
        self,
        message: str | None = None,
        *,
        technical_details: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        self.technical_details = technical_details or {}
        self.retry_after = retry_after

    @property
    def log_level(self) -> int:
        """ERROR for what the service failed to do, WARNING for what the caller got wrong."""
        return logging.ERROR if self.status >= 500 else logging.WARNING

    def to_body(self) -> dict[str, Any]:
        """The seed's error body: error_code, message, technical_details and retry_after where it applies."""
        body: dict[str, Any] = {
            "error_code": self.error_code,
            "message": self.message,
            "technical_details": self.technical_details,
        }
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        return body


class ModelUnavailable(ServiceError):
    """EC-001: a serving endpoint cannot answer now."""

    error_code = "MODEL_UNAVAILABLE"
    status = 503
    default_message = "Model service temporarily unavailable. Please try again in a few moments."


class DatabaseUnavailable(ServiceError):
    """EC-002: Lakebase cannot be reached."""

    error_code = "DATABASE_UNAVAILABLE"
    status = 503
    default_message = "Database service temporarily unavailable."


class AuthRequired(ServiceError):
    """EC-003: no usable identity came with the request."""

    error_code = "AUTH_REQUIRED"
    status = 401
    default_message = "Sign-in required: open the app through Databricks Apps."


class PermissionDenied(ServiceError):
    """EC-003: the identity is known but may not do this."""

    error_code = "PERMISSION_DENIED"
    status = 403
    default_message = "You don't have permission to do this."


class CatalogPermissionDenied(ServiceError):
    """EC-004: Unity Catalog refuses the user access to a catalog, schema or table."""

    error_code = "CATALOG_PERMISSION_DENIED"
    status = 403
    default_message = "You don't have access to this table."


class InvalidInput(ServiceError):
    """The request's parameters or payload are not acceptable."""

    error_code = "INVALID_INPUT"
    status = 400
    default_message = "The request is not valid."


class NotFound(ServiceError):
    """What was asked for does not exist, or not for this user."""

    error_code = "NOT_FOUND"
    status = 404
    default_message = "Not found."


class PayloadTooLarge(ServiceError):
    """The request body is over the limit."""

    error_code = "PAYLOAD_TOO_LARGE"
    status = 413
    default_message = "The request is too large."


class UriTooLong(ServiceError):
    """The request's URL (path and query string) is over the limit."""

    error_code = "URI_TOO_LONG"
    status = 414
    default_message = "The address of the request is too long."


class WorkspaceUnavailable(ServiceError):
    """The Databricks workspace API cannot be reached."""

    error_code = "WORKSPACE_UNAVAILABLE"
    status = 503
    default_message = "The Databricks workspace is temporarily unavailable."


class ModelTimeout(ServiceError):
    """A serving endpoint did not answer before the caller's deadline (logged with status TIMEOUT)."""

    error_code = "MODEL_TIMEOUT"
    status = 504
    default_message = "The model did not answer in time. Try again, or allow it a longer timeout."


class WarehouseUnavailable(DatabaseUnavailable):
    """EC-002 for the SQL warehouse: it cannot run queries now (the seed's 503 for Unity Catalog queries)."""

    default_message = "The SQL warehouse is temporarily unavailable."


class QueryCancelled(ServiceError):
    """The user cancelled the query; the warehouse stopped it."""

    error_code = "QUERY_CANCELLED"
    status = 409
    default_message = "The query was cancelled on the warehouse."


class TooManyRequests(ServiceError):
    """The user already runs as many of these at once as the app allows (a CSV export); retry_after says when."""

    error_code = "TOO_MANY_REQUESTS"
    status = 429
    default_message = "Too many of these requests at once: wait for one to finish, then try again."


class NotConfigured(ServiceError):
    """The app was deployed without the resource this needs (no warehouse, database or workspace bound)."""

    error_code = "NOT_CONFIGURED"
    status = 503
    default_message = "This feature is not set up for the app: a resource it needs is not configured."


class UserAuthorizationRequired(PermissionDenied):
    """A call meant to run as the user came without their forwarded token, and the app may not act for them."""

    error_code = "USER_AUTHORIZATION_REQUIRED"
    status = 403
    default_message = (
        "This app calls Databricks as you, but your access token was not forwarded: user authorization "
        "(user_api_scopes in databricks.yml) must be enabled for the app."
    )
