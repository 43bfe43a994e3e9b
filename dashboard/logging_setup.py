"""JSON logs on stdout with the correlation id and user on every line, and secrets redacted."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from core.request_context import request_id_var, user_var

REDACTED = "[REDACTED]"
SENSITIVE_KEY = re.compile(r"token|authorization|password|passwd|secret|cookie|credential|api[_-]?key", re.I)
# Values that look like credentials wherever they appear in free text, with what replaces them.
SENSITIVE_TEXT = [
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 " + REDACTED),
    (re.compile(r"\b(?:dapi|dkea|dose|dlw|lbt)-?[A-Za-z0-9._~+/=-]{8,}"), REDACTED),  # lbt: Lakebase tokens
    (re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{5,}"), REDACTED),
    (
        re.compile(
            r"(?i)((?:access_?token|refresh_?token|password|passwd|client_?secret|secret|authorization)"
            r"[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&}]+"
        ),
        r"\1" + REDACTED,
    ),
]
LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s %(name)s %(module)s %(funcName)s"


def redact_text(text: str) -> str:
    """The text with credential-looking parts, and the current user's token, replaced."""
    user = user_var.get()
    if user is not None and user.access_token and user.access_token in text:
        text = text.replace(user.access_token, REDACTED)
    for pattern, replacement in SENSITIVE_TEXT:
        text = pattern.sub(replacement, text)
    return text


def redact(value: Any, key: str = "") -> Any:
    """A copy of a log value with secrets redacted, by key name and by content."""
    if key and SENSITIVE_KEY.search(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value


class RequestContextFilter(logging.Filter):
    """Adds request_id and user_id to every record.

    Work outside any request (a pool's threads opening connections, start-up) has no request to name,
    so its lines are correlated by the thread they ran in: `background:<thread name>`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or f"background:{record.threadName}"
        user = user_var.get()
        record.user_id = user.user_id if user is not None else None
        return True


class RedactingJsonFormatter(JsonFormatter):
    """python-json-logger's formatter with the field names of the seed, and redaction last."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "rename_fields",
            {"asctime": "timestamp", "levelname": "level", "name": "logger", "funcName": "function"},
        )
        super().__init__(LOG_FORMAT, *args, **kwargs)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {
            key: redact(value, key) if key not in ("request_id", "user_id") else value
            for key, value in log_data.items()
        }


def json_handler(stream: Any = None) -> logging.Handler:
    """A handler writing redacted JSON lines, with request context, to `stream` (stdout by default)."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(RedactingJsonFormatter())
    handler.addFilter(RequestContextFilter())
    return handler


def configure_logging(level: str) -> None:
    """Route all logging through one JSON handler at `level`; safe to call more than once."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "is_app_stdout", False):
            root.removeHandler(existing)
    handler = json_handler()
    handler.is_app_stdout = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # Werkzeug's own access lines would duplicate ours, in another format.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
