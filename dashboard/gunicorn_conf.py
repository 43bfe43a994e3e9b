"""gunicorn settings for app.yaml's command: threaded workers and JSON logs like the app's."""

import os

workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "330"))  # above MODEL_SERVING_TIMEOUT's 300 s maximum
graceful_timeout = 20
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
    from core.settings import get_settings
    from services.lakebase.migrations import upgrade_to_head

    settings = get_settings()
    if not (settings.pg_host and settings.pg_user):
        return
    try:
        upgrade_to_head(settings)
    except Exception as error:  # the app still serves; Lakebase features answer EC-002 until it is back
        import logging

        logging.getLogger("gunicorn.error").error("Lakebase migrations failed: %s", type(error).__name__)


def worker_exit(server: object, worker: object) -> None:
    """Close the worker's Lakebase pool so its connections end cleanly."""
    from services.lakebase import close_databases
    from services.warehouse import close_connections

    close_databases()
    close_connections()
