"""What every REST blueprint of the local workspace shares: Databricks-shaped errors and the request's caller.

A leaf module (it imports no other stand-in), so the server and each blueprint can import it without a circle.
"""

from __future__ import annotations

from typing import NoReturn

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from local_workspace.identities import Principal


class DatabricksError(Exception):
    """An error in the body shape the Databricks REST API uses, which the SDK turns into typed exceptions."""

    def __init__(self, status: int, error_code: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.retry_after = retry_after


def abort_databricks(status: int, error_code: str, message: str, *, retry_after: int | None = None) -> NoReturn:
    """Stop the request with a Databricks-shaped error (and a Retry-After header when given)."""
    raise DatabricksError(status, error_code, message, retry_after)


def current_principal() -> Principal:
    """The authenticated caller of the current request (set by the workspace app's authentication)."""
    principal: Principal = g.principal
    return principal


def register_error_handlers(app: Flask) -> None:
    """Answer DatabricksError, and Flask's own HTTP errors (404, 405, ...), in Databricks' error body shape."""

    @app.errorhandler(DatabricksError)
    def databricks_error(error: DatabricksError) -> tuple[Response, int]:
        response = jsonify(error_code=error.error_code, message=error.message)
        if error.retry_after is not None:
            response.headers["Retry-After"] = str(error.retry_after)
        return response, error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        status = error.code or 500
        if status == 404:
            body = {
                "error_code": "ENDPOINT_NOT_FOUND",
                "message": f"No API found for '{request.method} {request.path}'",
            }
        else:
            code = "BAD_REQUEST" if status < 500 else "INTERNAL_ERROR"
            body = {"error_code": code, "message": error.description or "The request failed."}
        return jsonify(body), status
