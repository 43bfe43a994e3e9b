"""Start the local stack: the workspace, the app as app.yaml starts it, and the Apps proxy."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

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


def app_command(port: int, app_yaml: Path = REPO_ROOT / "app.yaml") -> list[str]:
    """The command app.yaml runs, with $DATABRICKS_APP_PORT substituted as the Apps runtime does."""
    spec = yaml.safe_load(app_yaml.read_text(encoding="utf-8"))
    command: list[str] = [str(part).replace("$DATABRICKS_APP_PORT", str(port)) for part in spec["command"]]
    return command


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


def wait_until_ready(
    url: str, timeout_seconds: float = 60.0, processes: Sequence[subprocess.Popen[bytes]] = ()
) -> None:
    """Poll `url` until it answers 200; raise after the timeout, or at once if one of `processes` died."""
    deadline = time.monotonic() + timeout_seconds
    last_error = "no answer"
    while time.monotonic() < deadline:
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
        time.sleep(0.2)
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
    endpoints it owns."""
    lakebase = LocalLakebase(STATE_DIR / "lakebase", lakebase_port, token_lifetime_seconds=lifetime_from_env())
    # Stopping the stack sends SIGTERM: leave through `finally`, so Postgres stops with the workspace.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    lakebase.start()
    try:
        warehouse = build_warehouse(STATE_DIR, os.environ)
        serving = build_serving(STATE_DIR, warehouse)
        serving.load()
        app = create_workspace_app(lakebase=lakebase, warehouse=warehouse, serving=serving)
        make_server("127.0.0.1", port, app, threaded=True, request_handler=QuietRequestHandler).serve_forever()
    finally:
        lakebase.stop()


def serve_proxy(port: int, upstream: str) -> None:
    """Serve the local Apps proxy on loopback until interrupted."""
    from local_workspace.proxy import AppsProxy

    make_server(
        "127.0.0.1", port, AppsProxy(upstream), threaded=True, request_handler=QuietRequestHandler
    ).serve_forever()


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def run_stack(environ: Mapping[str, str] | None = None) -> int:
    """Run everything `make run` needs; Ctrl-C stops all of it."""
    environ = dict(os.environ if environ is None else environ)
    ports = StackPorts.from_env(environ)
    STATE_DIR.mkdir(exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []

    # SIGTERM (a supervisor, or a shell's background job, where SIGINT is ignored) stops everything too.
    signal.signal(signal.SIGTERM, _interrupt)
    # Commands such as app.yaml's `gunicorn` come from this interpreter's environment, as on Databricks.
    environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environ.get("PATH", "")])

    def start(args: list[str], env: Mapping[str, str]) -> None:
        processes.append(subprocess.Popen(args, cwd=REPO_ROOT, env=dict(env)))

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
    try:
        if real_workspace:
            # A real workspace: the app alone, configured by the environment like a deployed app.
            environ.setdefault("DATABRICKS_APP_PORT", str(ports.app))
            start(app_command(ports.app), environ)
            wait_until_ready(f"http://127.0.0.1:{ports.app}/healthz", processes=processes)
            print(f"App (against {environ['DATABRICKS_HOST']}) at http://127.0.0.1:{ports.app}", flush=True)
        else:
            directory = Directory.load()
            python = sys.executable
            start(
                [
                    python,
                    "-m",
                    "local_workspace",
                    "workspace",
                    "--port",
                    str(ports.workspace),
                    "--lakebase-port",
                    str(ports.lakebase),
                ],
                environ,
            )
            wait_until_ready(f"http://127.0.0.1:{ports.workspace}/healthz", processes=processes)
            start(app_command(ports.app), app_environment(ports, directory, environ))
            start(
                [
                    python,
                    "-m",
                    "local_workspace",
                    "proxy",
                    "--port",
                    str(ports.proxy),
                    "--upstream",
                    f"http://127.0.0.1:{ports.app}",
                ],
                environ,
            )
            wait_until_ready(f"http://127.0.0.1:{ports.app}/healthz", processes=processes)
            wait_until_ready(f"http://127.0.0.1:{ports.proxy}/healthz", processes=processes)
            print(
                f"\nApp ready at http://127.0.0.1:{ports.proxy}  (signed in as "
                f"{directory.users[0].principal.user_name}; switch user at "
                f"http://127.0.0.1:{ports.proxy}/.local/users). Ctrl-C stops everything.\n",
                flush=True,
            )
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        failed = next(p for p in processes if p.poll() is not None)
        print(f"{shlex.join(map(str, failed.args))} exited with {failed.returncode}", file=sys.stderr)  # type: ignore[arg-type]
        return 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError) as error:
        print(f"The local stack did not start: {error}", file=sys.stderr)
        return 1
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
