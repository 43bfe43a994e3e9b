"""Stopping the local stack always finishes (issue #13): whatever it is doing, Ctrl-C (once or twice) or
SIGTERM leaves no process and no listening port behind within 10 s; gunicorn, as app.yaml starts it, exits
within 10 s of SIGTERM under load, and survives a terminal's double Ctrl-C; and everything listens on
loopback only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from local_workspace.identities import Directory
from local_workspace.proxy import AppsProxy
from local_workspace.stack import REPO_ROOT, StackPorts, app_command, app_environment, process_alive, wait_until_ready
from tests.conftest import free_port, serve_in_thread
from tests.stack_support import (
    STOP_BUDGET_SECONDS,
    Stack,
    Stop,
    children,
    fresh_state_dir,
    in_background,
    invoke_model,
    is_loopback,
    kill_stack,
    listening_sockets,
    make_model_slow,
    query_page,
    stack_tmp,
    start_slow_statement,
    start_stack,
    stop_stack,
    write_preference,
)

CYCLES = 10
SIGNALS = ("ctrl-c", "double ctrl-c", "sigterm")
# What the app is doing when the stop comes (a long SELECT runs on the warehouse in every cycle).
STATES = ("idle", "mid-request", "mid-query")
SLOW_STATEMENT_SECONDS = "30"  # mid-query: every statement on the local warehouse takes this long


def assert_loopback_only(stack: Stack) -> int:
    """Every TCP socket any process of the stack listens on is on a loopback address; how many there are."""
    sockets = listening_sockets(stack.processes())
    flat = [(pid, address, port) for pid, found in sockets.items() for address, port in found]
    assert {port for _, _, port in flat} >= set(stack.ports.values()), flat
    exposed = [entry for entry in flat if not is_loopback(entry[1])]
    assert exposed == [], exposed
    return len(flat)


def traffic(stack: Stack, state: str) -> list[threading.Thread]:
    """A Data page query, a preference write and a long SELECT on the warehouse; then, for `state`, a request
    the stop will find in flight."""
    in_flight = []
    if state == "mid-query":  # the warehouse is slow: the page query is what the app is busy with
        in_flight.append(in_background(query_page, stack, 120))
    else:
        page = query_page(stack)
        assert page.status_code == 200, page.text
        assert page.json()["rows"], page.text
    written = write_preference(stack)
    assert written.status_code == 200, written.text
    start_slow_statement(stack)
    if state == "mid-request":  # the model answers in a minute: the app waits for it
        make_model_slow(stack)
        in_flight.append(in_background(invoke_model, stack, 120))
    time.sleep(0.5)  # the in-flight requests reach the app
    return in_flight


def test_ten_cycles_of_start_traffic_stop_leave_nothing_behind() -> None:
    state_dir = fresh_state_dir("cycles")
    results: list[tuple[int, str, Stop, float, int]] = []
    for cycle in range(CYCLES):
        how = SIGNALS[cycle % len(SIGNALS)]
        state = STATES[(cycle // len(SIGNALS)) % len(STATES)]
        began = time.monotonic()
        extra = {"LOCAL_WAREHOUSE_MIN_SECONDS": SLOW_STATEMENT_SECONDS} if state == "mid-query" else {}
        # With a slow warehouse /readyz reports it down: the proxy's /healthz is enough then.
        stack = start_stack(state_dir, ready_path="/healthz" if state == "mid-query" else "/readyz", extra=extra)
        started = time.monotonic() - began
        try:
            sockets = assert_loopback_only(stack)
            traffic(stack, state)
        except BaseException:
            kill_stack(stack)
            raise
        stopped = stop_stack(stack, how)
        results.append((cycle, state, stopped, started, sockets))
        print(
            f"\ncycle {cycle}: started in {started:.1f} s ({sockets} listening sockets, all loopback); {state}, "
            f"{how}: run_stack exited {stopped.exit_code} after {stopped.exited:.2f} s, nothing left after "
            f"{stopped.clean:.2f} s"
        )
        assert stopped.leftovers == [], f"cycle {cycle} ({state}, {how}): {stopped.leftovers}\n{stack.log_tail()}"
        assert stopped.exit_code == 0, stack.log_tail()
        assert stopped.clean < STOP_BUDGET_SECONDS, (cycle, state, how, stopped)
    for how in SIGNALS:
        times = [r[2].clean for r in results if r[2].how == how]
        print(f"{how}: stopped in {', '.join(f'{t:.1f}' for t in times)} s")


# gunicorn under load -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def loaded_stack() -> Iterator[Stack]:
    stack = start_stack(fresh_state_dir("load"))
    yield stack
    if stack.process.poll() is None:
        stop_stack(stack, "sigterm")
    kill_stack(stack)


class Load:
    """Users asking Data pages and writing preferences in a loop until stopped; what they got."""

    def __init__(self, base: str, users: int = 8) -> None:
        self.base = base
        self.statuses: list[int | str] = []
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self._user, daemon=True) for _ in range(users)]
        for thread in self.threads:
            thread.start()

    def _user(self) -> None:
        session = requests.Session()
        query = {"catalog": "samples", "schema": "nyctaxi", "table": "trips", "limit": 50, "offset": 0}
        while not self.stopped.is_set():
            for method, path, body in (
                ("POST", "/api/unity-catalog/query", query),
                ("POST", "/api/preferences", {"preference_key": "theme", "preference_value": {"mode": "dark"}}),
                ("GET", "/api/preferences", None),
            ):
                try:
                    self.statuses.append(session.request(method, self.base + path, json=body, timeout=30).status_code)
                except requests.RequestException as error:
                    self.statuses.append(type(error).__name__)

    def stop(self) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(timeout=40)


def wait_gone(pids: set[int], seconds: float) -> float:
    """Seconds until none of `pids` runs (at most `seconds`)."""
    began = time.monotonic()
    while any(process_alive(pid) for pid in pids) and time.monotonic() - began < seconds:
        time.sleep(0.02)
    return time.monotonic() - began


def test_gunicorn_by_hand_survives_a_double_ctrl_c_under_load(loaded_stack: Stack, directory: Directory) -> None:
    """app.yaml's command run in a terminal: Ctrl-C twice reaches the master and every worker, and the master
    adds its own SIGQUIT to each worker: no worker may hang in its quit handler (gunicorn 27's gthread)."""
    environment = app_environment(
        StackPorts(app=free_port(), workspace=loaded_stack.ports["workspace"], lakebase=loaded_stack.ports["lakebase"]),
        directory,
        {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "PG"))},
    )
    environment["PATH"] = os.pathsep.join([str(os.path.dirname(sys.executable)), environment.get("PATH", "")])
    environment["GUNICORN_WORKERS"] = "2"
    port = int(environment["DATABRICKS_APP_PORT"])
    times = []
    for attempt in range(3):
        log = stack_tmp() / f"gunicorn-by-hand-{attempt}.log"
        with log.open("wb") as out:
            gunicorn = subprocess.Popen(
                app_command(port),
                cwd=REPO_ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        proxy = serve_in_thread(AppsProxy(f"http://127.0.0.1:{port}", directory))
        try:
            wait_until_ready(f"http://127.0.0.1:{port}/readyz", timeout_seconds=60, processes=[gunicorn])
            processes = {gunicorn.pid, *children(gunicorn.pid)}
            load = Load(proxy.url)
            time.sleep(1.5)
            began = time.monotonic()
            os.killpg(gunicorn.pid, signal.SIGINT)  # a terminal's Ctrl-C: the master and its workers
            time.sleep(0.05 * (attempt + 1))
            os.killpg(gunicorn.pid, signal.SIGINT)
            gunicorn.wait(timeout=STOP_BUDGET_SECONDS + 5)
            wait_gone(processes, STOP_BUDGET_SECONDS + 5 - (time.monotonic() - began))
            times.append(time.monotonic() - began)
            load.stop()
            left = [pid for pid in processes if process_alive(pid)]
            assert left == [], (left, log.read_text()[-3000:])
            assert times[-1] < STOP_BUDGET_SECONDS, log.read_text()[-3000:]
        finally:
            proxy.stop()
            if gunicorn.poll() is None:
                os.killpg(gunicorn.pid, signal.SIGKILL)
                gunicorn.wait()
    print(f"\ngunicorn by hand, double Ctrl-C under load: gone after {', '.join(f'{t:.2f}' for t in times)} s")


def test_gunicorn_master_exits_within_10_s_of_sigterm_under_load(loaded_stack: Stack) -> None:
    """SIGTERM to gunicorn's master alone, as Databricks Apps sends it, with users active and a model call in
    flight: the master and its workers are gone within 10 s; then the stack stops the rest by itself."""
    master = loaded_stack.part("gunicorn")
    workers = set(children(master))
    assert len(workers) == 2, workers
    load = Load(loaded_stack.proxy)
    time.sleep(3)
    make_model_slow(loaded_stack)
    in_background(invoke_model, loaded_stack, 120)
    in_background(invoke_model, loaded_stack, 120)
    time.sleep(1)
    loaded_stack.processes()
    began = time.monotonic()
    os.kill(master, signal.SIGTERM)
    exited = wait_gone({master, *workers}, STOP_BUDGET_SECONDS + 5)
    load.stop()
    print(
        f"\ngunicorn master and workers gone {exited:.2f} s after SIGTERM, under load "
        f"({len(load.statuses)} requests, {sum(1 for s in load.statuses if s == 200)} answered 200)"
    )
    assert exited < STOP_BUDGET_SECONDS, loaded_stack.log_tail()
    assert 200 in load.statuses
    # run_stack sees its app exit and stops everything else.
    assert loaded_stack.process.wait(timeout=STOP_BUDGET_SECONDS + 5) == 1
    deadline = time.monotonic() + STOP_BUDGET_SECONDS
    while loaded_stack.leftovers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert loaded_stack.leftovers() == []
    print(f"the rest of the stack stopped {time.monotonic() - began:.2f} s after the SIGTERM")


def test_a_killed_make_run_still_takes_every_part_of_the_stack_with_it() -> None:
    """SIGKILL to run_stack itself (no chance to stop anything): each part gets SIGTERM from the kernel
    (PR_SET_PDEATHSIG) and stops as it would have been stopped."""
    stack = start_stack(fresh_state_dir("killed"))
    try:
        assert query_page(stack).status_code == 200
        stack.processes()
        began = time.monotonic()
        stack.process.kill()
        stack.process.wait(timeout=5)
        while stack.leftovers() and time.monotonic() - began < STOP_BUDGET_SECONDS + 5:
            time.sleep(0.05)
        print(f"\nrun_stack killed: nothing left after {time.monotonic() - began:.2f} s")
        assert stack.leftovers() == []
        assert time.monotonic() - began < STOP_BUDGET_SECONDS
    finally:
        kill_stack(stack)
