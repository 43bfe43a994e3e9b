"""What gunicorn answers itself, before the app sees a request (a request line or headers over its limits, a
malformed request line): the app's JSON error shape, not gunicorn's HTML page. The app as app.yaml starts it."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from core.limits import MAX_URL_LENGTH
from core.settings import Settings
from dashboard.gunicorn_worker import write_json_error
from local_workspace.identities import Directory
from local_workspace.lakebase import LocalLakebase
from tests.conftest import RunningServer, app_under_gunicorn


def _parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
    return int(status_line.split()[1]), headers, body


def _assert_seed_shape(raw: bytes, status: int, error_code: str) -> dict[str, Any]:
    answered, headers, body = _parse(raw)
    assert answered == status, raw[:300]
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    error: dict[str, Any] = json.loads(body)
    assert set(error) == {"error_code", "message", "technical_details"}
    assert error["error_code"] == error_code
    assert b"<html" not in body
    return error


def test_gunicorns_error_page_is_written_in_the_error_shape() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        write_json_error(ours, 414, "URI Too Long", "Request Line is too large (5000 > 4094)")
        ours.close()
        raw = theirs.makefile("rb").read()
    error = _assert_seed_shape(raw, 414, "URI_TOO_LONG")
    assert error["technical_details"] == {"status": 414, "refused_by": "gunicorn"}
    assert "5000" not in error["message"]


@pytest.fixture(scope="module")
def gunicorn_port(
    settings: Settings,
    directory: Directory,
    local_workspace: RunningServer,
    local_lakebase: LocalLakebase,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[int]:
    """The app under gunicorn with app.yaml's command (and so dashboard/gunicorn_conf.py)."""
    with app_under_gunicorn(
        directory,
        workspace_port=local_workspace.server.server_port,
        lakebase_port=local_lakebase.port,
        log_file=tmp_path_factory.mktemp("gunicorn-errors") / "stdout.jsonl",
        ready_path="/healthz",
        GUNICORN_WORKERS="1",
    ) as (_, port):
        yield port


def _send(port: int, request: bytes) -> bytes:
    """One raw HTTP/1.1 exchange: what the server wrote until it closed the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def _get(target: str, extra_headers: str = "") -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra_headers}Connection: close\r\n\r\n".encode()


@pytest.mark.parametrize("length", [MAX_URL_LENGTH + 1, 5_000, 20_000])
def test_a_long_url_is_a_414_in_the_error_shape_whoever_refuses_it(gunicorn_port: int, length: int) -> None:
    # Up to gunicorn's request line limit the app refuses the URL; past it, gunicorn does, in the same shape.
    target = "/healthz?" + "x" * (length - len("/healthz?"))
    _assert_seed_shape(_send(gunicorn_port, _get(target)), 414, "URI_TOO_LONG")


def test_headers_over_gunicorns_limit_are_a_431_in_the_error_shape(gunicorn_port: int) -> None:
    headers = "".join(f"X-Filler-{i}: {'y' * 100}\r\n" for i in range(120))
    _assert_seed_shape(_send(gunicorn_port, _get("/healthz", headers)), 431, "INVALID_INPUT")


def test_a_malformed_request_line_is_a_400_in_the_error_shape(gunicorn_port: int) -> None:
    error = _assert_seed_shape(_send(gunicorn_port, b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n"), 400, "INVALID_INPUT")
    assert "9.9" not in json.dumps(error)


def test_an_ordinary_request_still_reaches_the_app(gunicorn_port: int) -> None:
    status, headers, body = _parse(_send(gunicorn_port, _get("/healthz")))
    assert status == 200
    assert json.loads(body) == {"status": "ok"}
    assert headers["x-content-type-options"] == "nosniff"
