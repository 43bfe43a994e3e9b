"""Start the local stack: the workspace, the app as app.yaml starts it, and the Apps proxy.

Everything listens on loopback only. Stopping (Ctrl-C, once or twice, or SIGTERM to `make run`) always
finishes within `STOP_SECONDS` plus a second: see `run_stack`.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import requests
import yaml
from werkzeug.serving import WSGIRequestHandler, make_server

from local_workspace.catalog import LocalCatalog
from local_workspace.identities import Directory
from local_workspace.lakebase import DATABASE, LocalLakebase, lifetime_from_env
from local_workspace.models import train_models
from local_workspace.sample_data import DEFAULT_TRIPS, generate
from local_workspace.server import create_workspace_app
from local_workspace.serving import DEFAULT_SERVING_FILE, LocalServing, load_endpoint_configs
from local_workspace.warehouse import LocalWarehouse

REPO_ROOT = Path(__file__).resolve().parents[1]
# Where the local stack keeps its data (the Lakebase data directory, ...); LOCAL_STATE_DIR moves it.
STATE_DIR = Path(os.environ.get("LOCAL_STATE_DIR", REPO_ROOT / ".local"))
# Where every part of the local stack listens: nobody else on the network may reach it (the app's own
# port would take any X-Forwarded-Email).
LOOPBACK = "127.0.0.1"
# Stopping: the app (gunicorn's graceful_timeout is 5 s) has until APP_STOP_SECONDS after the first signal,
# the proxy and the workspace (which stops Postgres) until STOP_SECONDS; what is left then is killed, and
# a Postgres that outlived its workspace gets POSTGRES_KILL_SECONDS between its immediate shutdown and SIGKILL.
APP_STOP_SECONDS = 6.0
STOP_SECONDS = 8.0
POSTGRES_KILL_SECONDS = 0.5


@dataclass(frozen=True)
class StackPorts:
    """Loopback ports of the local stack."""

    proxy: int = 8000
    app: int = 8001
    workspace: int = 8020
    lakebase: int = 8432

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> StackPorts:
        """Ports from LOCAL_PROXY_PORT, DATABRICKS_APP_PORT and LOCAL_WORKSPACE_PORT."""
        return cls(
            proxy=int(environ.get("LOCAL_PROXY_PORT", cls.proxy)),
            app=int(environ.get("DATABRICKS_APP_PORT", cls.app)),
            workspace=int(environ.get("LOCAL_WORKSPACE_PORT", cls.workspace)),
            lakebase=int(environ.get("LOCAL_LAKEBASE_PORT", cls.lakebase)),
        )


def app_command(port: int, app_yaml: Path = REPO_ROOT / "app.yaml", *, host: str = LOOPBACK) -> list[str]:
    """The command app.yaml runs, with $DATABRICKS_APP_PORT substituted as the Apps runtime does, listening on
    `host` (loopback) instead of the address app.yaml names.

    app.yaml says `--bind 0.0.0.0:$DATABRICKS_APP_PORT` because the Databricks Apps runtime needs it (its proxy
    reaches the app from outside the container) and that file is what is deployed, so it stays as it is. On a
    developer's machine the same address would let anyone on the network reach the app's port directly and
    send any X-Forwarded-Email: the local stack runs the same command with only its --bind host rewritten."""
    spec = yaml.safe_load(app_yaml.read_text(encoding="utf-8"))
    command: list[str] = [str(part).replace("$DATABRICKS_APP_PORT", str(port)) for part in spec["command"]]
    return rebind(command, host)


def rebind(command: Sequence[str], host: str) -> list[str]:
    """gunicorn's command line with the host of each TCP --bind/-b address replaced by `host`."""

    def moved(address: str) -> str:
        if address.startswith(("unix:", "fd://")):
            return address
        _, colon, port = address.rpartition(":")
        return f"{host}:{port}" if colon else host

    result: list[str] = []
    bind_value_next = False
    for part in command:
        if bind_value_next:
            result.append(moved(part))
            bind_value_next = False
        elif part in ("--bind", "-b"):
            result.append(part)
            bind_value_next = True
        elif part.startswith("--bind="):
            result.append("--bind=" + moved(part.removeprefix("--bind=")))
        else:
            result.append(part)
    return result


def dev_app_command(port: int) -> list[str]:
    """`make dev`'s app: the same app factory, Dash's dev tools on, reloaded on every edit (dev_app.py)."""
    return [sys.executable, "-m", "local_workspace.dev_app", "--port", str(port)]


def app_environment(ports: StackPorts, directory: Directory, base: Mapping[str, str]) -> dict[str, str]:
    """What the Apps runtime would inject into the app, pointed at the local workspace."""
    host = f"http://127.0.0.1:{ports.workspace}"
    env = dict(base)
    env.update(
        {
            "DATABRICKS_HOST": host,
            "DATABRICKS_CLIENT_ID": directory.service_principal.user_name,
            "DATABRICKS_CLIENT_SECRET": directory.client_secret,
            "DATABRICKS_APP_NAME": "databricks-dash-template",
            "DATABRICKS_APP_PORT": str(ports.app),
            "DATABRICKS_WORKSPACE_ID": directory.workspace_id,
            # What the runtime injects for a database resource: no password, the token is generated.
            "PGHOST": "127.0.0.1",
            "PGPORT": str(ports.lakebase),
            "PGDATABASE": DATABASE,
            "PGUSER": directory.service_principal.user_name,
            "PGSSLMODE": "disable",  # loopback only; Databricks sets require
            "PGAPPNAME": "databricks-dash-template",
            # The SQL warehouse: the connector's SEA (REST) backend reaches a plain-HTTP loopback server; the
            # production default (Thrift, cloud fetch, telemetry) is what these variables leave alone when unset.
            # Cloud fetch stays off: the connector fetches only ARROW_STREAM external links, which need pyarrow
            # (not a dependency of the app) and an Arrow writer the local warehouse does not have; its
            # EXTERNAL_LINKS serve JSON_ARRAY and CSV to SDK callers. INLINE carries a page in one chunk.
            "DATABRICKS_WAREHOUSE_ID": WAREHOUSE_ID,
            "DATABRICKS_SQL_USE_SEA": "true",
            "DATABRICKS_SQL_CLOUD_FETCH": "false",
            "DATABRICKS_SQL_TELEMETRY": "false",
            # The SDK must not pick up a developer's ~/.databrickscfg profile for the local workspace.
            "DATABRICKS_CONFIG_FILE": str(STATE_DIR / "no-databrickscfg"),
        }
    )
    return env


def worker_rss_mib(master_pid: int) -> list[float]:
    """Resident memory of each worker of a gunicorn master (its child processes), in MiB (Linux /proc)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text(encoding="utf-8").split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(round(int(line.split()[1]) / 1024, 1))
    return sizes


def _in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class StopRequested(Exception):
    """A stop signal arrived while the stack was starting."""


def wait_until_ready(
    url: str,
    timeout_seconds: float = 60.0,
    processes: Sequence[subprocess.Popen[bytes]] = (),
    *,
    stopping: Callable[[], bool] = lambda: False,
    poll_seconds: float = 0.2,
) -> None:
    """Poll `url` every `poll_seconds` until it answers 200; raise after the timeout, at once if one of
    `processes` died, and StopRequested as soon as `stopping()` is true."""
    deadline = time.monotonic() + timeout_seconds
    last_error = "no answer"
    while time.monotonic() < deadline:
        if stopping():
            raise StopRequested
        dead = [p for p in processes if p.poll() is not None]
        if dead:
            raise RuntimeError(f"{dead[0].args!r} exited with {dead[0].returncode} before {url} was ready")
        try:
            response = requests.get(url, timeout=2)
            if response.status_code == 200:
                return
            last_error = f"HTTP {response.status_code}"
        except requests.RequestException as error:
            last_error = type(error).__name__
        time.sleep(poll_seconds)
    raise TimeoutError(f"{url} was not ready after {timeout_seconds:.0f}s ({last_error})")


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without a line per request: the app's own access log is what matters."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


WAREHOUSE_ID = "local-duckdb-warehouse"


def build_warehouse(state_dir: Path, environ: Mapping[str, str]) -> LocalWarehouse:
    """The sample data (generated on first use, LOCAL_SAMPLE_TRIPS rows) behind a local SQL warehouse."""
    database = state_dir / "samples.duckdb"
    generate(database, int(environ.get("LOCAL_SAMPLE_TRIPS", DEFAULT_TRIPS)))
    warehouse = LocalWarehouse(database, LocalCatalog(database), WAREHOUSE_ID)
    warehouse.min_statement_seconds = float(environ.get("LOCAL_WAREHOUSE_MIN_SECONDS", "0"))
    return warehouse


def build_serving(state_dir: Path, warehouse: LocalWarehouse, config_file: Path = DEFAULT_SERVING_FILE) -> LocalServing:
    """Serving endpoints (serving.toml) over models trained from the warehouse's sample data (once)."""
    models = train_models(state_dir / "models", warehouse.catalog.database)
    return LocalServing(load_endpoint_configs(config_file), models)


def serve_workspace(port: int, lakebase_port: int) -> None:
    """Serve the local workspace on loopback, with the Lakebase instance, SQL warehouse and serving
    endpoints it owns, until SIGTERM (the stack's stop) or Ctrl-C (when run by hand); then stop Postgres."""
    lakebase = LocalLakebase(STATE_DIR / "lakebase", lakebase_port, token_lifetime_seconds=lifetime_from_env())
    signal.signal(signal.SIGTERM, _exit_now)
    status = 0
    try:
        lakebase.start()
        warehouse = build_warehouse(STATE_DIR, os.environ)
        serving = build_serving(STATE_DIR, warehouse)
        serving.load()
        app = create_workspace_app(lakebase=lakebase, warehouse=warehouse, serving=serving)
        make_server(LOOPBACK, port, app, threaded=True, request_handler=QuietRequestHandler).serve_forever()
    except (SystemExit, KeyboardInterrupt):
        pass
    except BaseException:
        traceback.print_exc()
        status = 1
    finally:
        # Nothing may cut stopping Postgres short (the stack kills this process if it takes too long).
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            lakebase.stop()
        except Exception as error:
            print(f"pg_ctl stop failed ({type(error).__name__}); killing Postgres", file=sys.stderr)
        stop_postmaster(lakebase.pgdata)
        sys.stdout.flush()
        sys.stderr.flush()
        # Not sys.exit: the interpreter would wait for the warehouse's statement threads, and a long SELECT
        # keeps one busy for as long as it runs. They are abandoned, as a stopped warehouse abandons them.
        os._exit(status)


def serve_proxy(port: int, upstream: str | Sequence[str]) -> None:
    """Serve the local Apps proxy on loopback until interrupted (SIGTERM's default action ends it at once);
    given several upstream app URLs, it takes turns between them."""
    from local_workspace.proxy import AppsProxy

    make_server(LOOPBACK, port, AppsProxy(upstream), threaded=True, request_handler=QuietRequestHandler).serve_forever()


def _exit_now(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


# Processes ------------------------------------------------------------------------------------------------
# On Linux these read /proc, which also tells a zombie (exited, not yet reaped by its parent) from a live
# process; elsewhere they fall back to kill(pid, 0).
PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name: state, ppid, pgrp, session, ...; None when it is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def process_alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie does not)."""
    if PROC.joinpath("self").exists():
        fields = _stat_fields(pid)
        return fields is not None and fields[0] not in ("Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def group_members(group: int) -> list[int]:
    """The live processes of process group `group`."""
    if not PROC.joinpath("self").exists():
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return []
        except PermissionError:
            pass
        return [group]
    members = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and fields[0] not in ("Z", "X") and fields[2] == str(group):
                members.append(int(entry.name))
    return members


def command_line(pid: int) -> str | None:
    """The command line of `pid` (Linux), None when unknown."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def postmaster_pid(pgdata: Path) -> int | None:
    """The running postmaster of the data directory `pgdata`, from its postmaster.pid."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text(encoding="utf-8").split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    if not process_alive(pid):
        return None
    command = command_line(pid)
    if command is not None and str(pgdata.resolve()) not in command:
        return None  # a stale file: that process id now belongs to something else
    return pid


def stop_postmaster(pgdata: Path, grace_seconds: float = POSTGRES_KILL_SECONDS) -> bool:
    """Stop a Postgres still running on `pgdata`: its immediate shutdown (SIGQUIT, what `pg_ctl -m immediate`
    sends), then SIGKILL to it and its backends after `grace_seconds`. True if there was one."""
    pid = postmaster_pid(pgdata)
    if pid is None:
        return False
    try:
        os.kill(pid, signal.SIGQUIT)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + grace_seconds
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if process_alive(pid) or group_members(pid):
        # pg_ctl starts the postmaster as the leader of a session of its own: its group is Postgres alone.
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(ProcessLookupError):
                kill(pid, signal.SIGKILL)
    return True


def parent_death_hook() -> Callable[[], None] | None:
    """On Linux, a function for a child process to call between fork and exec (or instead of exec): the child
    then gets SIGTERM when this process ends, even killed, so nothing of the stack outlives `make run`."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded here, in the parent, not in the forked child
    parent = os.getpid()

    def arm() -> None:
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent ended before prctl
            os._exit(1)

    return arm


def spawn(args: Sequence[str], env: Mapping[str, str], cwd: Path = REPO_ROOT) -> subprocess.Popen[bytes]:
    """Start a part of the stack in a session (so a process group) of its own.

    A terminal's Ctrl-C reaches the foreground process group only: `make` and `run_stack`, never a part of the
    stack directly. So each part gets exactly the signals run_stack sends it, once: gunicorn's workers are
    signalled by their master alone, and a second Ctrl-C cannot reach a worker that is already quitting."""
    return subprocess.Popen(list(args), cwd=cwd, env=dict(env), start_new_session=True, preexec_fn=parent_death_hook())


@dataclass
class Part:
    """A process of the stack, leading its own process group (gunicorn's master and workers, say)."""

    name: str
    process: subprocess.Popen[bytes]

    def finished(self) -> bool:
        """Whether it has exited and left nothing of its process group behind."""
        return self.process.poll() is not None and not group_members(self.process.pid)

    def terminate(self) -> None:
        """One SIGTERM, to the process alone (gunicorn's master stops its workers itself)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL to its whole process group."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.poll()


class StopSignals:
    """SIGINT (Ctrl-C), SIGTERM and SIGHUP: the first stops the stack, a second kills what is left at once.

    The handler only counts: the loops of run_stack look at the count, so a signal never interrupts starting
    a process halfway (which could leave one unknown to the stack)."""

    def __init__(self) -> None:
        self.count = 0

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._received)

    def _received(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1

    def stopping(self) -> bool:
        return self.count > 0

    def killing(self) -> bool:
        return self.count > 1


def stop_parts(parts: Sequence[Part], signals: StopSignals, pgdata: Path | None) -> float:
    """Stop the stack's processes, the app first; return the seconds it took.

    The app (gunicorn's master) gets one SIGTERM and until APP_STOP_SECONDS to finish its in-flight requests,
    which may still need the workspace and Postgres; then the proxy and the workspace get one SIGTERM each (the
    workspace stops Postgres), until STOP_SECONDS. Whatever is left then, or at a second Ctrl-C, is killed
    with its whole process group, and a Postgres that outlived the workspace is stopped by its postmaster.pid."""
    began = time.monotonic()

    def wait_for(group: Sequence[Part], until: float) -> None:
        while not signals.killing() and time.monotonic() < until and not all(p.finished() for p in group):
            time.sleep(0.05)

    apps = [p for p in parts if p.name == "app"]
    others = [p for p in parts if p.name != "app"]
    for part in apps:
        part.terminate()
    wait_for(apps, began + APP_STOP_SECONDS)
    if not signals.killing():
        for part in others:
            part.terminate()
        wait_for(others, began + STOP_SECONDS)
    for part in parts:
        if not part.finished():
            print(f"Killing the {part.name} (pid {part.process.pid}) and its processes", file=sys.stderr)
            part.kill()
    if pgdata is not None and stop_postmaster(pgdata):
        print("Killed a Postgres left running", file=sys.stderr)
    settled = time.monotonic() + 1.0
    while time.monotonic() < settled and not all(p.finished() for p in parts):
        time.sleep(0.05)
    return time.monotonic() - began


def run_stack(environ: Mapping[str, str] | None = None, *, dev: bool = False) -> int:
    """Run everything `make run` (or, with `dev`, `make dev`) needs, on loopback, until a stop signal.

    Ctrl-C or SIGTERM (which `make` forwards) stops all of it within STOP_SECONDS, and a second Ctrl-C kills
    it at once (`stop_parts`). Each part runs in a session of its own and, on Linux, gets SIGTERM if this
    process dies, even killed."""
    environ = dict(os.environ if environ is None else environ)
    ports = StackPorts.from_env(environ)
    STATE_DIR.mkdir(exist_ok=True)
    parts: list[Part] = []
    signals = StopSignals()
    signals.install()
    # Commands such as app.yaml's `gunicorn` come from this interpreter's environment, as on Databricks.
    environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environ.get("PATH", "")])

    def start(name: str, args: list[str], env: Mapping[str, str]) -> None:
        parts.append(Part(name, spawn(args, env)))

    def ready(url: str) -> None:
        wait_until_ready(url, processes=[p.process for p in parts], stopping=signals.stopping)

    real_workspace = bool(environ.get("DATABRICKS_HOST"))
    wanted = {"DATABRICKS_APP_PORT": ports.app}
    if not real_workspace:
        wanted |= {
            "LOCAL_PROXY_PORT": ports.proxy,
            "LOCAL_WORKSPACE_PORT": ports.workspace,
            "LOCAL_LAKEBASE_PORT": ports.lakebase,
        }
    busy = [f"{port} ({variable})" for variable, port in wanted.items() if _in_use(port)]
    if busy:
        print(
            f"Ports already in use: {', '.join(busy)}. Stop what holds them, or set those variables.", file=sys.stderr
        )
        return 1
    pgdata = None if real_workspace else (STATE_DIR / "lakebase" / "pgdata").resolve()
    app_args = dev_app_command(ports.app) if dev else app_command(ports.app)
    mode = "in development mode: edits reload it and the open page" if dev else "under gunicorn, as app.yaml runs it"
    status = 0
    try:
        if real_workspace:
            # A real workspace: the app alone, configured by the environment like a deployed app.
            environ.setdefault("DATABRICKS_APP_PORT", str(ports.app))
            start("app", app_args, environ)
            ready(f"http://{LOOPBACK}:{ports.app}/healthz")
            print(f"App (against {environ['DATABRICKS_HOST']}, {mode}) at http://{LOOPBACK}:{ports.app}", flush=True)
        else:
            directory = Directory.load()
            python = sys.executable
            workspace = [python, "-m", "local_workspace", "workspace", "--port", str(ports.workspace)]
            start("workspace", [*workspace, "--lakebase-port", str(ports.lakebase)], environ)
            ready(f"http://{LOOPBACK}:{ports.workspace}/healthz")
            start("app", app_args, app_environment(ports, directory, environ))
            upstream = f"http://{LOOPBACK}:{ports.app}"
            start(
                "proxy",
                [python, "-m", "local_workspace", "proxy", "--port", str(ports.proxy), "--upstream", upstream],
                environ,
            )
            ready(f"http://{LOOPBACK}:{ports.app}/healthz")
            ready(f"http://{LOOPBACK}:{ports.proxy}/healthz")
            print(
                f"\nApp ({mode}) ready at http://{LOOPBACK}:{ports.proxy}  (signed in as "
                f"{directory.users[0].principal.user_name}; switch user at "
                f"http://{LOOPBACK}:{ports.proxy}/.local/users). Ctrl-C stops everything.\n",
                flush=True,
            )
        while not signals.stopping() and all(p.process.poll() is None for p in parts):
            time.sleep(0.1)
        if not signals.stopping():
            failed = next(p.process for p in parts if p.process.poll() is not None)
            print(f"{shlex.join(map(str, failed.args))} exited with {failed.returncode}", file=sys.stderr)  # type: ignore[arg-type]
            status = 1
    except StopRequested:
        pass
    except (RuntimeError, TimeoutError) as error:
        print(f"The local stack did not start: {error}", file=sys.stderr)
        status = 1
    finally:
        if parts:
            print("\nStopping the local stack (Ctrl-C again kills it at once)...", file=sys.stderr, flush=True)
            seconds = stop_parts(parts, signals, pgdata)
            print(f"Stopped in {seconds:.1f} s.", file=sys.stderr, flush=True)
    return status
