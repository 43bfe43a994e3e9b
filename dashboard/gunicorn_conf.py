"""gunicorn settings for app.yaml's command: threaded workers and JSON logs like the app's.

Stopping (issue #13). Databricks Apps sends SIGTERM and kills the app 15 s later; the local stack allows
10 s for everything. So, on SIGTERM to the master:

- the master closes its listening socket at once and sends each worker one SIGTERM;
- each worker stops accepting, lets its in-flight requests finish for `WORKER_DRAIN_SECONDS` (a page query
  or a preference write takes milliseconds; a model call may take its whole deadline and is abandoned),
  then closes its pools (`worker_exit`) and leaves at once (`_leave_now`: Python's own teardown would wait
  for the requests it abandoned);
- the master kills (SIGKILL) any worker still there after `graceful_timeout`, and leaves the same way
  (`on_exit`). Measured: 1-4 s from SIGTERM to the last process, idle or with requests in flight.

One gunicorn 27 bug is worked around here (it is in older versions too): the gthread worker's SIGQUIT/SIGINT
handler calls `ThreadPoolExecutor.shutdown()` from inside the signal handler. A quit signal arriving while
the main thread holds the executor's shutdown lock (in `submit()` for a new request, in a first quit
handler's `shutdown()`, or in the worker's own shutdown after SIGTERM) re-enters it and waits for its own
lock forever (CPython #121649): a worker that survives its master, holding the port. Pressing Ctrl-C on
gunicorn in a terminal sends two quit signals to each worker (the terminal's SIGINT, then the master's
SIGQUIT). `post_worker_init` replaces that handler with one that leaves at once and only once, without
touching the executor. (The local stack never sends a worker anything: see local_workspace/stack.py.)
"""

import gc
import logging
import os
import signal
import sys
import threading
from types import FrameType
from typing import NoReturn

workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "dashboard.gunicorn_worker.JsonErrorThreadWorker"  # gthread; gunicorn's own errors in the JSON shape
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "330"))  # above MODEL_SERVING_TIMEOUT's 300 s maximum
# From SIGTERM to the last worker killed: well within Databricks Apps' 15 s, and the local stack's 10 s.
graceful_timeout = 5
WORKER_DRAIN_SECONDS = 3  # a worker's own wait for in-flight requests: it leaves time to close its pools
keepalive = 5
accesslog = None  # the app writes one JSON access line per request itself
control_socket_disable = True  # not needed, and the home directory of an app may not be writable

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "dashboard.logging_setup.RedactingJsonFormatter"}},
    "filters": {"context": {"()": "dashboard.logging_setup.RequestContextFilter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["context"],
            "stream": "ext://sys.stdout",
        }
    },
    # gunicorn merges this with its defaults, whose root logger names a handler replaced here; the app
    # puts its own JSON handler on the root logger when it starts.
    "root": {"handlers": [], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False},
    },
}


def on_starting(server: object) -> None:
    """Before any worker starts: bring the Lakebase schema up to date (once per app start, under a lock)."""
    migrate_lakebase()


def migrate_lakebase() -> None:
    """Apply the Lakebase migrations when Lakebase is configured; log, and carry on, when they fail.

    gunicorn's `on_starting` runs it, and `make dev`'s app (local_workspace/dev_app.py) before it serves."""
    from core.settings import get_settings
    from services.lakebase.migrations import upgrade_to_head

    settings = get_settings()
    if not (settings.pg_host and settings.pg_user):
        return
    try:
        upgrade_to_head(settings)
    except Exception as error:  # the app still serves; Lakebase features answer EC-002 until it is back
        logging.getLogger("gunicorn.error").error("Lakebase migrations failed: %s", type(error).__name__)


def worker_exit(server: object, worker: object) -> None:
    """Close the worker's Lakebase pool so its connections end cleanly."""
    from services.lakebase import close_databases
    from services.warehouse import close_connections

    close_databases()
    close_connections()
    _leave_now(worker)


def on_exit(server: object) -> None:
    """The master's last step, its workers gone: leave at once too, with the status halt() exits with."""
    leaving = sys.exc_info()[1]  # gunicorn calls halt(), so this hook, while it handles why it stops
    _exit_at_once(int(getattr(leaving, "exit_status", 0)))


def _leave_now(worker: object) -> None:
    """A worker whose pools are closed has nothing left to do: it leaves with the status it is exiting with.

    Python's own teardown of the app's thousands of modules takes most of a second (more on a busy machine),
    and first waits for request threads the drain has given up on, which the master would kill anyway.
    gunicorn also calls worker_exit in the master, for a worker that vanished: nothing happens there."""
    if os.getpid() != getattr(worker, "pid", None):
        return
    leaving = sys.exc_info()[1]  # worker_exit runs in the `finally` of the worker's sys.exit()
    if isinstance(leaving, SystemExit):
        _exit_at_once(leaving.code if isinstance(leaving.code, int) else (0 if leaving.code is None else 1))
    _exit_at_once(0 if leaving is None else 1)


def _exit_at_once(status: int) -> NoReturn:
    logging.shutdown()  # flushes the JSON log handlers
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def pre_fork(server: object, worker: object) -> None:
    """Before each worker is forked: what the master has imported (the app's packages but its pages, through
    the log formatter) lives as long as the workers, so it is left out of every garbage collection, which then
    does not write to those objects' memory pages either (gc.freeze, as Python's documentation advises before
    a fork)."""
    gc.freeze()


def post_worker_init(worker: object) -> None:
    """In each worker, once the app is loaded: its objects frozen out of collections as the master's were, a
    bounded drain, and a quit signal that cannot deadlock."""
    gc.freeze()
    cfg = getattr(worker, "cfg", None)
    if cfg is not None:
        # The worker's copy of the settings (it is a forked process): it stops waiting for in-flight requests
        # before the master's graceful_timeout, so that worker_exit still closes its pools.
        cfg.set("graceful_timeout", min(WORKER_DRAIN_SECONDS, graceful_timeout))

    def quit_at_once(signum: int, frame: FrameType | None) -> None:
        # SIGQUIT/SIGINT: leave now (SystemExit runs worker_exit on the way out, which closes the pools and
        # abandons threads still busy), and ignore any further quit signal, so this never runs twice.
        signal.signal(signal.SIGQUIT, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        setattr(worker, "alive", False)  # noqa: B010 (a gunicorn worker, typed as object here)
        sys.exit(0)

    signal.signal(signal.SIGQUIT, quit_at_once)
    signal.signal(signal.SIGINT, quit_at_once)
    # The SQL connector's client is imported beside the first requests rather than in the way of the first
    # query, or of the app's start (a query waits for an import under way: Python's import lock).
    threading.Thread(target=import_sql_client, name="import-sql-client", daemon=True).start()


def import_sql_client() -> None:
    from services.warehouse.connections import import_client

    try:
        import_client()
    except Exception as error:  # the first query imports it again, and reports what fails
        logging.getLogger("gunicorn.error").warning("importing the SQL connector failed: %s", type(error).__name__)
