"""gunicorn's threaded worker (gthread), with the answers gunicorn writes itself in the app's error shape.

gunicorn refuses some requests before the app sees them: a request line over `limit_request_line` (414),
headers over their limits (431), a malformed request line (400). It answers those with an HTML page of
its own; this worker answers them as JSON in the seed's shape, as the app answers everything else. Its
limits stay as they are: a bound on what a client can make a worker read."""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util  # type: ignore[import-untyped]
from gunicorn.workers.gthread import ThreadWorker  # type: ignore[import-untyped]

from core.errors import InvalidInput, PermissionDenied, ServiceError, UriTooLong

ERRORS_BY_STATUS: dict[int, type[ServiceError]] = {403: PermissionDenied, 414: UriTooLong}


def error_for_status(status: int, reason: str) -> ServiceError:
    """The app's error for one of gunicorn's own answers (what gunicorn read is not echoed back)."""
    error_class = ERRORS_BY_STATUS.get(status, InvalidInput if status < 500 else ServiceError)
    message = f"{reason}: {error_class.default_message}" if error_class is InvalidInput else None
    return error_class(message, technical_details={"status": status, "refused_by": "gunicorn"})


def write_json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's util.write_error, with the seed's JSON body instead of an HTML page."""
    body = json.dumps(error_for_status(status_int, reason).to_body()).encode("utf-8")
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class JsonErrorThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn has no type information
    """The gthread worker; in its process, gunicorn's error pages are written by write_json_error."""

    def init_process(self) -> None:
        # Worker.handle_error is util.write_error's one caller; this process is the worker's own (forked).
        util.write_error = write_json_error
        super().init_process()
