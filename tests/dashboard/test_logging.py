from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from core.request_context import request_id_var
from dashboard.logging_setup import REDACTED, configure_logging

ACCESS_FIELDS = {
    "timestamp",
    "level",
    "message",
    "logger",
    "module",
    "function",
    "request_id",
    "user_id",
    "method",
    "path",
    "status",
    "duration_ms",
}


def test_each_request_yields_one_json_access_line(
    client: FlaskClient, headers_for: Callable[..., dict[str, str]], json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    response = client.get("/api/user/me", headers=headers_for("alice@example.com") | {"X-Request-Id": "req-log-1"})
    assert response.status_code == 200
    access = [line for line in json_logs() if line["message"] == "request completed"]
    assert len(access) == 1
    line = access[0]
    assert line.keys() >= ACCESS_FIELDS
    assert line["request_id"] == "req-log-1"
    assert line["user_id"] == "alice@example.com"
    assert line["method"] == "GET"
    assert line["path"] == "/api/user/me"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO"


def test_every_line_of_a_request_carries_its_id(
    client: FlaskClient, headers_for: Callable[..., dict[str, str]], json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    client.get("/api/user/me", headers=headers_for() | {"X-Request-Id": "req-log-2"})
    client.get("/api/nothing-here", headers=headers_for() | {"X-Request-Id": "req-log-3"})
    lines = json_logs()
    assert lines
    assert {line["request_id"] for line in lines} == {"req-log-2", "req-log-3"}


def test_secrets_are_redacted_wherever_they_appear(json_logs: Callable[[], list[dict[str, Any]]]) -> None:
    log = logging.getLogger("tests.redaction")
    token = request_id_var.set("req-redact")
    try:
        log.warning("calling with Authorization: Bearer abc.def-ghi_jkl and dapi0123456789abcdef")
        log.warning("connect password=hunter2 client_secret=s3cr3t!")
        log.warning("headers", extra={"headers": {"Authorization": "Basic dXNlcjpwYXNz", "Accept": "*/*"}})
        log.warning("pg", extra={"pg_password": "plain", "access_token": "tok"})
        log.warning("a Lakebase credential lbt-Zm9vYmFyYmF6cXV4 was fetched")  # a local Lakebase token
    finally:
        request_id_var.reset(token)
    text = str(json_logs())
    secrets = ("abc.def-ghi_jkl", "dapi0123456789abcdef", "hunter2", "s3cr3t!", "dXNlcjpwYXNz", "plain", "tok'")
    for secret in (*secrets, "Zm9vYmFyYmF6cXV4"):
        assert secret not in text, secret
    assert REDACTED in text
    assert "*/*" in text  # what is not secret stays readable


def test_log_level_comes_from_settings() -> None:
    configure_logging("WARNING")
    try:
        assert logging.getLogger().level == logging.WARNING
        app_handlers = [h for h in logging.getLogger().handlers if getattr(h, "is_app_stdout", False)]
        assert len(app_handlers) == 1  # configuring again replaces, never duplicates
    finally:
        configure_logging("INFO")


def test_a_line_logged_outside_any_request_names_its_thread(json_logs: Callable[[], list[dict[str, Any]]]) -> None:
    import threading

    worker = threading.Thread(target=lambda: logging.getLogger("services.lakebase").warning("pool work"), name="pool-1")
    worker.start()
    worker.join()
    [line] = [line for line in json_logs() if line["message"] == "pool work"]
    assert line["request_id"] == "background:pool-1"
    assert line["user_id"] is None
