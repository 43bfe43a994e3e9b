"""Settings, read once from the environment by the names the Databricks Apps runtime uses."""

from __future__ import annotations

import functools
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field


class SettingsError(ValueError):
    """Configuration that is missing or contradictory; the message names the variable."""


def _int(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingsError(f"{name} must be true or false, got {raw!r}")
    return raw in ("true", "1", "yes")


def _optional(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment."""

    databricks_host: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    app_name: str = "databricks-dash-template"
    app_port: int = 8000
    warehouse_id: str | None = None
    sql_use_sea: bool = False  # the connector's default (Thrift) unless DATABRICKS_SQL_USE_SEA
    sql_cloud_fetch: bool = True
    sql_telemetry: bool = True
    sql_pool_per_user: int = 4
    query_registry_dir: str = os.path.join(tempfile.gettempdir(), "databricks-dash-template-queries")
    pg_host: str | None = None
    pg_port: int = 5432
    pg_database: str = "databricks_postgres"
    pg_user: str | None = None
    pg_sslmode: str = "require"
    pg_appname: str | None = None
    lakebase_instance: str | None = None
    lakebase_pool_min_size: int = 1
    lakebase_pool_max_size: int = 10
    lakebase_pool_max_lifetime_seconds: int = 45 * 60  # below the one-hour token lifetime
    lakebase_pool_timeout_seconds: int = 5
    serving_endpoints: tuple[str, ...] = ()
    model_serving_timeout_seconds: int = 30
    log_level: str = "INFO"
    max_request_bytes: int = 4 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.lakebase_pool_min_size > self.lakebase_pool_max_size:
            raise SettingsError("LAKEBASE_POOL_MIN_SIZE must not exceed LAKEBASE_POOL_MAX_SIZE")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Validate and read the settings; a bad value raises SettingsError naming the variable."""
        log_level = environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if log_level not in logging.getLevelNamesMapping():
            raise SettingsError(f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got {log_level!r}")
        client_id = _optional(environ, "DATABRICKS_CLIENT_ID")
        client_secret = _optional(environ, "DATABRICKS_CLIENT_SECRET")
        if bool(client_id) != bool(client_secret):
            missing = "DATABRICKS_CLIENT_SECRET" if client_id else "DATABRICKS_CLIENT_ID"
            raise SettingsError(f"{missing} must be set together with the other OAuth client variable")
        host = _optional(environ, "DATABRICKS_HOST")
        if host and "://" not in host:
            # The Apps runtime injects the bare host name.
            host = f"https://{host}"
        endpoints = tuple(
            name.strip()
            for name in environ.get("SERVING_ENDPOINTS", environ.get("SERVING_ENDPOINT", "")).split(",")
            if name.strip()
        )
        return cls(
            databricks_host=host.rstrip("/") if host else None,
            client_id=client_id,
            client_secret=client_secret,
            app_name=environ.get("DATABRICKS_APP_NAME", cls.app_name).strip() or cls.app_name,
            app_port=_int(environ, "DATABRICKS_APP_PORT", cls.app_port, 1, 65535),
            warehouse_id=_optional(environ, "DATABRICKS_WAREHOUSE_ID"),
            sql_use_sea=_bool(environ, "DATABRICKS_SQL_USE_SEA", cls.sql_use_sea),
            sql_cloud_fetch=_bool(environ, "DATABRICKS_SQL_CLOUD_FETCH", cls.sql_cloud_fetch),
            sql_telemetry=_bool(environ, "DATABRICKS_SQL_TELEMETRY", cls.sql_telemetry),
            sql_pool_per_user=_int(environ, "SQL_POOL_PER_USER", cls.sql_pool_per_user, 1, 32),
            query_registry_dir=environ.get("QUERY_REGISTRY_DIR", cls.query_registry_dir),
            # The Apps runtime injects PGHOST; app.yaml also maps the database resource to LAKEBASE_HOST.
            pg_host=_optional(environ, "PGHOST") or _optional(environ, "LAKEBASE_HOST"),
            pg_port=_int(environ, "PGPORT", cls.pg_port, 1, 65535),
            pg_database=environ.get("PGDATABASE", cls.pg_database).strip() or cls.pg_database,
            pg_user=_optional(environ, "PGUSER"),
            pg_sslmode=environ.get("PGSSLMODE", cls.pg_sslmode).strip() or cls.pg_sslmode,
            pg_appname=_optional(environ, "PGAPPNAME"),
            lakebase_instance=_optional(environ, "LAKEBASE_INSTANCE_NAME"),
            lakebase_pool_min_size=_int(environ, "LAKEBASE_POOL_MIN_SIZE", cls.lakebase_pool_min_size, 0, 100),
            lakebase_pool_max_size=_int(environ, "LAKEBASE_POOL_MAX_SIZE", cls.lakebase_pool_max_size, 10, 100),
            lakebase_pool_max_lifetime_seconds=_int(
                environ, "LAKEBASE_POOL_MAX_LIFETIME", cls.lakebase_pool_max_lifetime_seconds, 60, 3300
            ),
            lakebase_pool_timeout_seconds=_int(
                environ, "LAKEBASE_POOL_TIMEOUT", cls.lakebase_pool_timeout_seconds, 1, 120
            ),
            serving_endpoints=endpoints,
            model_serving_timeout_seconds=_int(
                environ, "MODEL_SERVING_TIMEOUT", cls.model_serving_timeout_seconds, 1, 300
            ),
            log_level=log_level,
            max_request_bytes=_int(environ, "MAX_REQUEST_BYTES", cls.max_request_bytes, 1024, 64 * 1024 * 1024),
        )


@functools.cache
def get_settings() -> Settings:
    """The process's settings, read on first use."""
    return Settings.from_env(os.environ)
