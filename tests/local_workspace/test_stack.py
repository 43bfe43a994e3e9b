"""`make run`'s stack as processes: the local workspace, the app under gunicorn as app.yaml starts it, the proxy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from local_workspace.stack import app_command, rebind
from tests.stack_support import Stack, fresh_state_dir, kill_stack, start_stack, stop_stack


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    running = start_stack(fresh_state_dir("make-run"))
    yield running
    if running.process.poll() is None:
        stop_stack(running, "ctrl-c")
    kill_stack(running)


def test_the_app_answers_through_the_proxy_as_the_local_user(stack: Stack) -> None:
    base = stack.proxy
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


def test_the_app_port_itself_refuses_requests_without_identity(stack: Stack) -> None:
    response = requests.get(f"{stack.app}/api/user/me", timeout=10)
    assert response.status_code == 401
    assert response.json()["error_code"] == "AUTH_REQUIRED"


def test_the_stack_runs_app_yaml_s_command_bound_to_loopback(stack: Stack) -> None:
    """app.yaml keeps the Apps runtime's 0.0.0.0; the local stack runs the same command on 127.0.0.1."""
    command = app_command(8123)
    assert command[command.index("--bind") + 1] == "127.0.0.1:8123"
    assert [part for part in command if part != "127.0.0.1:8123"] == [
        part for part in app_command(8123, host="0.0.0.0") if part != "0.0.0.0:8123"
    ]
    assert rebind(["gunicorn", "-b", "0.0.0.0:1", "--bind=[::]:2", "--bind", "unix:/s"], "127.0.0.1") == [
        "gunicorn",
        "-b",
        "127.0.0.1:1",
        "--bind=127.0.0.1:2",
        "--bind",
        "unix:/s",
    ]
    assert f"--bind 127.0.0.1:{stack.ports['app']}" in " ".join(app_command(stack.ports["app"]))


def test_stopping_the_stack_stops_every_process(stack: Stack) -> None:
    """SIGTERM to the `make run` process alone: it must stop the workspace, Postgres, gunicorn and the proxy."""
    stopped = stop_stack(stack, "sigterm")
    assert stopped.exit_code == 0
    assert stopped.leftovers == [], stopped.leftovers
    assert stopped.clean < 10, stopped
