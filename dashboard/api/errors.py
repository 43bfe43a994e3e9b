"""One mapping from every error to the seed's error body, for the REST API and the whole server."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from flask import Flask, Response, jsonify, request
from pydantic import BaseModel, Field, ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as HTTPNotFound

from core.errors import InvalidInput, NotFound, PayloadTooLarge, ServiceError

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """The seed's error shape (EC-001..EC-004 and the generic ones)."""

    error_code: str = Field(examples=["CATALOG_PERMISSION_DENIED"])
    message: str = Field(examples=["You don't have access to this table."])
    technical_details: dict[str, Any] = Field(default_factory=dict)
    retry_after: int | None = Field(default=None, description="Seconds to wait before retrying, for 503 errors")


# The one error-response table of the OpenAPI document: every route answers these in the seed's shape.
ERROR_RESPONSES: dict[str | int, type[BaseModel] | dict[Any, Any] | None] = {
    400: ErrorBody,
    401: ErrorBody,
    403: ErrorBody,
    404: ErrorBody,
    503: ErrorBody,
}


def error_response(error: ServiceError) -> tuple[Response, int]:
    """The JSON response for a service error, with Retry-After where it applies."""
    response = jsonify(error.to_body())
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response, error.status


def validation_error_response(error: ValidationError) -> Response:
    """flask-openapi3's hook: a 400 naming each invalid field, without echoing the input back."""
    problems = [
        {"location": ".".join(str(part) for part in e["loc"]), "problem": e["msg"], "type": e["type"]}
        for e in error.errors(include_url=False, include_input=False, include_context=False)
    ]
    if request.is_json and request.get_data() and request.get_json(silent=True) is None:
        message = "The request body is not valid JSON."
    else:
        summary = "; ".join(f"{p['location'] or 'body'}: {p['problem']}" for p in problems[:5])
        message = f"The request is not valid: {summary}"
    body, status = error_response(InvalidInput(message, technical_details={"errors": problems}))
    body.status_code = status
    return body


def _http_error(error: HTTPException) -> ServiceError:
    status = error.code or 500
    if status == 404:
        return NotFound("There is nothing at this address.", technical_details={"path": request.path})
    if status == 413:
        return PayloadTooLarge(technical_details={"max_bytes": request.max_content_length})
    if status == 405:
        return InvalidInput(
            f"{request.method} is not allowed here.", technical_details={"path": request.path, "method": request.method}
        )
    if status < 500:
        return InvalidInput(error.description or "The request is not valid.", technical_details={"status": status})
    return ServiceError(technical_details={"status": status})


API_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _api_fallback(rest: str) -> NoReturn:
    """Unknown /api addresses answer in JSON, instead of falling through to Dash's page router."""
    adapter = request.url_rule.map.bind_to_environ(request.environ) if request.url_rule else None
    allowed = []
    for method in API_METHODS:
        try:
            endpoint, _ = adapter.match(method=method) if adapter else ("", {})
        except HTTPException:
            continue
        if endpoint != "api_fallback":
            allowed.append(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise HTTPNotFound()


def install_error_handlers(server: Flask) -> None:
    """Every error leaves the server in the seed's shape; no stack trace ever reaches the client."""
    server.add_url_rule("/api/<path:rest>", "api_fallback", _api_fallback, methods=list(API_METHODS))

    @server.errorhandler(ServiceError)
    def service_error(error: ServiceError) -> tuple[Response, int]:
        log.log(
            error.log_level,
            "%s: %s",
            error.error_code,
            error.message,
            extra={"technical_details": error.technical_details},
        )
        return error_response(error)

    @server.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int] | HTTPException:
        # flask-openapi3 aborts with a ready-made validation response: pass it through.
        if error.response is not None:
            return error
        return error_response(_http_error(error))

    @server.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[Response, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(ServiceError(technical_details={"error_type": type(error).__name__}))
