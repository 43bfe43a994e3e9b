"""`make run`'s stack as processes: the local workspace, the app under gunicorn as app.yaml starts it, the proxy."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from local_workspace.stack import wait_until_ready
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, int], subprocess.Popen[bytes]]]:
    ports = {"proxy": free_port(), "app": free_port(), "workspace": free_port(), "lakebase": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "PG"))}
    env |= {
        "LOCAL_PROXY_PORT": str(ports["proxy"]),
        "DATABRICKS_APP_PORT": str(ports["app"]),
        "LOCAL_WORKSPACE_PORT": str(ports["workspace"]),
        "LOCAL_LAKEBASE_PORT": str(ports["lakebase"]),
        "GUNICORN_WORKERS": "2",
        "LOCAL_STATE_DIR": str(tmp_path_factory.mktemp("stack-state")),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "local_workspace", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{ports['proxy']}/healthz", timeout_seconds=90)
        yield ports, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise


def test_the_app_answers_through_the_proxy_as_the_local_user(stack: tuple[dict[str, int], object]) -> None:
    ports, _ = stack
    base = f"http://127.0.0.1:{ports['proxy']}"
    me = requests.get(f"{base}/api/user/me", timeout=10)
    assert me.status_code == 200
    assert me.json()["user_id"] == "alice@example.com"
    assert me.json()["display_name"] == "Alice Analyst"
    assert me.headers["X-Request-Id"]
    page = requests.get(f"{base}/", timeout=10)
    assert page.status_code == 200
    assert "react-entry-point" in page.text
    ready = requests.get(f"{base}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    states = {i["key"]: i["state"] for i in ready.json()["integrations"]}
    assert states["lakebase"] == "up"  # migrated by gunicorn's on_starting, reached with a generated token
    saved = requests.post(
        f"{base}/api/preferences", json={"preference_key": "theme", "preference_value": {"mode": "dark"}}, timeout=10
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["user_id"] == "alice@example.com"


def test_the_app_port_itself_refuses_requests_without_identity(stack: tuple[dict[str, int], object]) -> None:
    ports, _ = stack
    response = requests.get(f"http://127.0.0.1:{ports['app']}/api/user/me", timeout=10)
    assert response.status_code == 401
    assert response.json()["error_code"] == "AUTH_REQUIRED"


def test_stopping_the_stack_stops_every_process(stack: tuple[dict[str, int], subprocess.Popen[bytes]]) -> None:
    """SIGTERM to the `make run` process alone: it must stop the workspace, Postgres, gunicorn and the proxy."""
    ports, process = stack
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0
    deadline = time.monotonic() + 10
    while _group_alive(process.pid):  # nothing of the stack may be left in its process group
        assert time.monotonic() < deadline, "processes of the stack outlived Ctrl-C"
        time.sleep(0.2)
    for port in ports.values():
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, port
