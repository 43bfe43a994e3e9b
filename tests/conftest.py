"""Shared fixtures: the real local workspace on loopback, the app built against it, and a browser."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask
import pytest
from selenium.webdriver.chrome.options import Options
from werkzeug.serving import BaseWSGIServer, make_server

from core.settings import Settings
from dashboard import create_app
from dashboard.logging_setup import json_handler
from local_workspace.identities import Directory
from local_workspace.lakebase import LocalLakebase
from local_workspace.proxy import AppsProxy
from local_workspace.server import create_workspace_app
from local_workspace.serving import EndpointConfig, LocalServing
from local_workspace.stack import (
    REPO_ROOT,
    StackPorts,
    app_command,
    app_environment,
    build_serving,
    build_warehouse,
    wait_until_ready,
)
from local_workspace.warehouse import LocalWarehouse
from services import analytics
from services.lakebase import close_databases
from services.lakebase.migrations import upgrade_to_head
from services.warehouse import close_connections


@dataclass
class RunningServer:
    """A WSGI app served on a loopback port by a background thread."""

    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_in_thread(app: Any, port: int = 0) -> RunningServer:
    """Serve `app` on 127.0.0.1 (a free port unless one is given) until stop()."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return RunningServer(server, thread)


@contextlib.contextmanager
def app_under_gunicorn(
    directory: Directory, *, workspace_port: int, lakebase_port: int, log_file: Path, ready_path: str, **env: str
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """The app under gunicorn with app.yaml's command and the environment the Apps runtime would give it
    (plus `env`), its output in `log_file`; yields the process and its port once `ready_path` answers."""
    ports = StackPorts(app=free_port(), workspace=workspace_port, lakebase=lakebase_port)
    environment = app_environment(ports, directory, os.environ) | env
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment.get("PATH", "")])
    with log_file.open("wb") as out:
        process = subprocess.Popen(
            app_command(ports.app), cwd=REPO_ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_until_ready(f"http://127.0.0.1:{ports.app}{ready_path}", timeout_seconds=60, processes=[process])
        yield process, ports.app
    finally:
        process.terminate()
        process.wait(timeout=30)


def pytest_setup_options() -> Options:
    """Headless Chromium kept off the network (dash[testing] adds --no-sandbox and friends)."""
    options = Options()
    for flag in (
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    return options


@pytest.fixture(scope="session")
def directory() -> Directory:
    return Directory.load()


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def postgres_tmp() -> Iterator[Path]:
    """A directory of this session's own for Postgres data, outside pytest's shared temporary root: another
    pytest session on the machine resets that root to mode 0700, which locks the Postgres user out."""
    path = Path(tempfile.mkdtemp(prefix="dash-lakebase-tests-"))
    path.chmod(0o755)  # the Postgres user must traverse it; mkdtemp makes it 0700
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def local_lakebase(postgres_tmp: Path) -> Iterator[LocalLakebase]:
    """A real PostgreSQL owned by the local workspace, on a free loopback port."""
    lakebase = LocalLakebase(postgres_tmp / "lakebase", free_port())
    lakebase.start()
    yield lakebase
    lakebase.stop()


@pytest.fixture(scope="session")
def local_warehouse(tmp_path_factory: pytest.TempPathFactory) -> LocalWarehouse:
    """The sample catalog (20,000 trips) behind the local SQL warehouse."""
    return build_warehouse(tmp_path_factory.mktemp("warehouse"), {"LOCAL_SAMPLE_TRIPS": "20000"})


@pytest.fixture(scope="session")
def local_serving(local_warehouse: LocalWarehouse, tmp_path_factory: pytest.TempPathFactory) -> LocalServing:
    """The serving endpoints of serving.toml over models trained from the sample trips and iris."""
    serving = build_serving(tmp_path_factory.mktemp("serving"), local_warehouse)
    serving.load()
    return serving


@pytest.fixture
def serving_endpoints(local_serving: LocalServing) -> Iterator[LocalServing]:
    """The local serving endpoints, put back as they were (ready, fast, unthrottled) after the test."""
    before: list[EndpointConfig] = local_serving.configs()
    yield local_serving
    for config in before:
        local_serving.configure(
            config.name,
            state=config.state,
            config_update=config.config_update,
            latency_ms=config.latency_ms,
            throttled_requests=config.throttled_requests,
            users=config.users,
        )


@pytest.fixture(scope="session")
def local_workspace(
    directory: Directory, local_lakebase: LocalLakebase, local_warehouse: LocalWarehouse, local_serving: LocalServing
) -> Iterator[RunningServer]:
    """The local workspace's REST API on a free loopback port."""
    running = serve_in_thread(
        create_workspace_app(directory, lakebase=local_lakebase, warehouse=local_warehouse, serving=local_serving)
    )
    yield running
    running.stop()


@pytest.fixture(scope="session")
def settings(
    local_workspace: RunningServer,
    directory: Directory,
    local_lakebase: LocalLakebase,
    local_warehouse: LocalWarehouse,
) -> Iterator[Settings]:
    """Settings as the Apps runtime would inject them, pointed at the local workspace; schema migrated."""
    settings = Settings(
        databricks_host=local_workspace.url,
        client_id=directory.service_principal.user_name,
        client_secret=directory.client_secret,
        app_name="test-app",
        max_request_bytes=256 * 1024,
        pg_host="127.0.0.1",
        pg_port=local_lakebase.port,
        pg_user=directory.service_principal.user_name,
        pg_sslmode="disable",
        warehouse_id=local_warehouse.warehouse_id,
        sql_use_sea=True,
        sql_cloud_fetch=False,
        sql_telemetry=False,
    )
    upgrade_to_head(settings)
    yield settings
    close_databases()  # before the fixtures stop Postgres
    close_connections()


@pytest.fixture(autouse=True)
def _close_pools_of_derived_settings(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used the stack, close the pools it opened for settings of its own (settings_with,
    a second app): they would otherwise hold connections for the rest of the session."""
    yield
    if "settings" in request.fixturenames:
        close_databases(keep=request.getfixturevalue("settings"))


@pytest.fixture
def stopped_warehouse(
    settings: Settings, local_warehouse: LocalWarehouse, local_lakebase: LocalLakebase
) -> Iterator[LocalWarehouse]:
    """The local SQL warehouse, stopped, with no cached query result to hide it; started again afterwards."""
    analytics.clear_caches()
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        admin.execute("TRUNCATE query_cache")  # the table exists: `settings` ran the migrations
    local_warehouse.stop()
    try:
        yield local_warehouse
    finally:
        local_warehouse.start()


@pytest.fixture
def clean_lakebase(local_lakebase: LocalLakebase) -> LocalLakebase:
    """Empty app tables before the test."""
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        admin.execute("TRUNCATE user_preferences, model_inference_logs, saved_views RESTART IDENTITY")
    return local_lakebase


@pytest.fixture(scope="session")
def server(settings: Settings) -> flask.Flask:
    """The app's Flask server, built once for the session."""
    return create_app(settings).server


@pytest.fixture
def client(server: flask.Flask) -> flask.testing.FlaskClient:
    return server.test_client()


@pytest.fixture
def headers_for(directory: Directory) -> Callable[..., dict[str, str]]:
    """The headers the Apps proxy forwards for a local user (by user name)."""
    proxy = AppsProxy("http://unused", directory)

    def make(user_name: str = "alice@example.com", *, with_token: bool = True) -> dict[str, str]:
        user = directory.user(user_name)
        assert user is not None, user_name
        with flask.Flask(__name__).test_request_context():
            headers = proxy.identity_headers(user, flask.request)
        if not with_token:
            headers.pop("X-Forwarded-Access-Token")
        return headers

    return make


@pytest.fixture
def json_logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Capture what the app logs, as the JSON lines it writes; call the fixture's value to parse them."""
    import logging

    stream = io.StringIO()
    handler = json_handler(stream)
    root = logging.getLogger()
    root.addHandler(handler)

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield lines
    root.removeHandler(handler)


@pytest.fixture
def raw_log_text(json_logs: Callable[[], list[dict[str, Any]]]) -> Callable[[], str]:
    """Everything logged during the test, as one text, for searching for secrets."""
    return lambda: "\n".join(json.dumps(line) for line in json_logs())


@pytest.fixture
def settings_with(settings: Settings) -> Callable[..., Settings]:
    """The session's settings with some fields changed."""
    return lambda **changes: settings.model_copy(update=changes)


@pytest.fixture
def app_through_proxy(settings: Settings, directory: Directory, dash_br: Any) -> Iterator[tuple[Any, RunningServer]]:
    """The app behind the local Apps proxy, with dash[testing]'s browser pointed at the proxy.

    The app is served by werkzeug in a thread that stops cleanly: dash's own thread runner stops its
    server by raising SystemExit into a thread id, which can land in another thread that reused the id."""
    app = serve_in_thread(create_app(settings).server)
    proxy = serve_in_thread(AppsProxy(app.url, directory))
    dash_br.server_url = proxy.url
    yield dash_br, proxy
    proxy.stop()
    app.stop()
