"""`make dev`'s app: the app factory's app with Dash's dev tools on, reloaded a second or so after an edit.

`python -m local_workspace.dev_app --port 8001` (run_stack starts it in place of gunicorn for `make dev`).
The app is the one `dashboard.create_app(settings)` builds for gunicorn, from the same environment, with
`enable_dev_tools(debug=True, dev_tools_hot_reload=True, ...)`: Dash's callback error overlay and prop
checks, and the hot-reload poll through which an open page notices a new server and renders again. It is
served by werkzeug's development server, on loopback only.

Reloading, instead of werkzeug's reloader (which re-imports everything, ~3 s here, and ends the dev server
for good when an edit does not import): this process holds the listening socket and imports the app's
third-party packages once (Dash, Flask, the Databricks SDK and SQL connector, psycopg, SQLAlchemy: most of
a cold start), then forks a process that imports the project's own code as it is now and serves on the
inherited socket. It polls the files under WATCHED (new and deleted files too); on a change it ends that
process and forks another, while requests wait in the socket's backlog rather than being refused. An app
that fails to import (a syntax error) is reported here and tried again at the next edit. CSS and JS under
dashboard/assets/ are left to Dash's own hot reload, which swaps them into the page without a restart.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from werkzeug.serving import make_server

from local_workspace.stack import LOOPBACK, REPO_ROOT, QuietRequestHandler, parent_death_hook

# What the app is made of: an edit to any file under these reloads it.
WATCHED = ("app.py", "core", "dashboard", "services", "pages", "components", "queries")
NOT_WATCHED = ("dashboard/assets",)  # Dash's hot reload swaps CSS and JS in place
POLL_SECONDS = 0.25
SETTLE_SECONDS = 0.1  # an editor may write a file in more than one step
HOT_RELOAD_POLL_SECONDS = 0.5  # how often an open page asks the server whether it changed (Dash: 3 s)
# Imported once here, before forking: none of them is the project's code, which each fork imports anew.
PRELOAD = (
    "dash",
    "dash_bootstrap_components",
    "plotly.graph_objects",
    "flask",
    "flask_openapi3",
    "flask_bootstrap",
    "pydantic",
    "pydantic_settings",
    "databricks.sdk",
    "databricks.sql",
    "psycopg",
    "psycopg_pool",
    "sqlalchemy",
    "alembic",
    "tenacity",
    "pythonjsonlogger",
    "requests",
    "pandas",
)

Snapshot = dict[str, tuple[int, int]]


def snapshot(root: Path = REPO_ROOT) -> Snapshot:
    """Modification time and size of every file under WATCHED."""
    skipped = {str(root / path) for path in NOT_WATCHED}
    files: Snapshot = {}

    def add(path: str) -> None:
        with contextlib.suppress(OSError):
            status = os.stat(path)
            files[path] = (status.st_mtime_ns, status.st_size)

    for name in WATCHED:
        top = root / name
        if top.is_file():
            add(str(top))
        for directory, subdirectories, names in os.walk(top):
            subdirectories[:] = [
                d
                for d in subdirectories
                if d != "__pycache__" and not d.startswith(".") and os.path.join(directory, d) not in skipped
            ]
            for file_name in names:
                if not file_name.startswith(".") and not file_name.endswith((".pyc", ".swp", ".swx", "~")):
                    add(os.path.join(directory, file_name))
    return files


def changed_files(before: Snapshot, after: Snapshot, root: Path = REPO_ROOT) -> list[str]:
    """The files added, removed or modified between two snapshots, relative to `root`."""
    paths = (before.keys() ^ after.keys()) | {p for p in before.keys() & after.keys() if before[p] != after[p]}
    return sorted(os.path.relpath(path, root) for path in paths)


def preload() -> None:
    """Import the third-party packages the app uses (whatever is missing is the forked app's to report)."""
    for name in PRELOAD:
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def _not_a_reload_poll(record: logging.LogRecord) -> bool:
    return not str(getattr(record, "path", "")).endswith("/_reload-hash")


def serve_app(listener: socket.socket) -> None:
    """Build the app from the project's code as it is now, with Dash's dev tools, and serve it on `listener`."""
    from dashboard import create_app

    app = create_app()
    # The browser checks every callback's ids against every page's layout, and says which is missing.
    app.config.suppress_callback_exceptions = False
    app.enable_dev_tools(
        debug=True,  # the callback error overlay and prop checks, React's development build
        dev_tools_hot_reload=True,
        dev_tools_hot_reload_interval=HOT_RELOAD_POLL_SECONDS,  # type: ignore[arg-type]  # a float, in seconds
        dev_tools_hot_reload_watch_interval=HOT_RELOAD_POLL_SECONDS,  # type: ignore[arg-type]
        dev_tools_hot_reload_max_retry=120,
    )
    # The page's hot-reload poll would write an access line twice a second.
    logging.getLogger("dashboard.access").addFilter(_not_a_reload_poll)
    host, port = listener.getsockname()[:2]
    server = make_server(
        host, port, app.server, threaded=True, request_handler=QuietRequestHandler, fd=listener.fileno()
    )
    server.serve_forever()


def migrate() -> None:
    """The Lakebase migrations, as gunicorn's on_starting applies them."""
    from dashboard.gunicorn_conf import migrate_lakebase

    migrate_lakebase()


def fork(target: Callable[[], None]) -> int:
    """Run `target` in a forked process (which gets SIGTERM if this one dies); its pid."""
    arm = parent_death_hook()
    sys.stdout.flush()  # or the child would write this process's buffered output again
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        if arm is not None:
            arm()
        target()
        status = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def exit_status(pid: int) -> int | None:
    """The exit status of child `pid` if it has exited (reaping it), else None."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return -1
    return os.waitstatus_to_exitcode(status) if done else None


def end(pid: int | None, grace_seconds: float = 1.0) -> None:
    """SIGTERM to child `pid`, SIGKILL after `grace_seconds`, and reap it."""
    if pid is None or exit_status(pid) is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        if exit_status(pid) is not None:
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def supervise(port: int, root: Path = REPO_ROOT) -> int:
    """Serve the dev app on loopback `port` and reload it on every edit, until SIGTERM or Ctrl-C."""
    stopping: list[int] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop)
    listener = socket.create_server((LOOPBACK, port), backlog=128)
    preload()
    log = sys.stderr

    migration = fork(migrate)
    while not stopping and exit_status(migration) is None:
        time.sleep(0.05)
    end(migration)

    seen = snapshot(root)
    app: int | None = None if stopping else fork(lambda: serve_app(listener))
    while not stopping:
        time.sleep(POLL_SECONDS)
        now = snapshot(root)
        if now != seen:
            time.sleep(SETTLE_SECONDS)
            now = snapshot(root)
            print(f" * {', '.join(changed_files(seen, now, root))} changed: reloading the app", file=log, flush=True)
            seen = now
            end(app)
            app = fork(lambda: serve_app(listener))
        elif app is not None and (status := exit_status(app)) is not None:
            print(f" * The app exited ({status}); it starts again at the next edit", file=log, flush=True)
            app = None
    end(app)
    listener.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_workspace.dev_app", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("DATABRICKS_APP_PORT", "8001")))
    return supervise(parser.parse_args(argv).port)


if __name__ == "__main__":
    sys.exit(main())
