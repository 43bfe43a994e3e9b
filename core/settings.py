"""Settings, read once from the environment by the names the Databricks Apps runtime uses.

One typed class (pydantic-settings): each field names its variable; a bad value stops the app with a
`SettingsError` that names the variable. Every layer may import this module; it imports no other.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import AliasChoices, Field, ValidationError, field_serializer, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
REPO_ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024


class SettingsError(ValueError):
    """Configuration that is missing or contradictory; the message names the variable."""


def _env(*names: str) -> Any:
    """The variable(s) a field is read from; the first name is the one error messages use."""
    return AliasChoices(*names) if len(names) > 1 else names[0]


class Settings(BaseSettings):
    """Everything the app reads from its environment."""

    # frozen: hashable, so per-settings pools and clients can be keyed by it; populate_by_name: tests and
    # scripts build one from field names.
    model_config = SettingsConfigDict(
        frozen=True, populate_by_name=True, extra="ignore", env_ignore_empty=True, case_sensitive=True
    )

    databricks_host: str | None = Field(default=None, validation_alias=_env("DATABRICKS_HOST"))
    client_id: str | None = Field(default=None, validation_alias=_env("DATABRICKS_CLIENT_ID"))
    client_secret: str | None = Field(default=None, repr=False, validation_alias=_env("DATABRICKS_CLIENT_SECRET"))
    app_name: str = Field(default="databricks-dash-template", validation_alias=_env("DATABRICKS_APP_NAME"))
    app_port: int = Field(default=8000, ge=1, le=65535, validation_alias=_env("DATABRICKS_APP_PORT"))
    warehouse_id: str | None = Field(default=None, validation_alias=_env("DATABRICKS_WAREHOUSE_ID"))
    # The connector's production defaults (Thrift, cloud fetch, telemetry) unless the local stack says otherwise.
    sql_use_sea: bool = Field(default=False, validation_alias=_env("DATABRICKS_SQL_USE_SEA"))
    sql_cloud_fetch: bool = Field(default=True, validation_alias=_env("DATABRICKS_SQL_CLOUD_FETCH"))
    sql_telemetry: bool = Field(default=True, validation_alias=_env("DATABRICKS_SQL_TELEMETRY"))
    sql_pool_per_user: int = Field(default=4, ge=1, le=32, validation_alias=_env("SQL_POOL_PER_USER"))
    # Off: a call meant to run as the user is refused when the proxy forwarded no token (user authorization not
    # enabled). On: the app's service principal acts for every such user, with a WARNING each time.
    allow_app_identity_fallback: bool = Field(default=False, validation_alias=_env("ALLOW_APP_IDENTITY_FALLBACK"))
    # The Apps runtime injects PGHOST; app.yaml also maps the database resource to LAKEBASE_HOST.
    pg_host: str | None = Field(default=None, validation_alias=_env("PGHOST", "LAKEBASE_HOST"))
    pg_port: int = Field(default=5432, ge=1, le=65535, validation_alias=_env("PGPORT"))
    pg_database: str = Field(default="databricks_postgres", validation_alias=_env("PGDATABASE"))
    pg_user: str | None = Field(default=None, validation_alias=_env("PGUSER"))
    pg_sslmode: str = Field(default="require", validation_alias=_env("PGSSLMODE"))
    pg_appname: str | None = Field(default=None, validation_alias=_env("PGAPPNAME"))
    lakebase_instance: str | None = Field(default=None, validation_alias=_env("LAKEBASE_INSTANCE_NAME"))
    lakebase_pool_min_size: int = Field(default=1, ge=0, le=100, validation_alias=_env("LAKEBASE_POOL_MIN_SIZE"))
    lakebase_pool_max_size: int = Field(default=10, ge=10, le=100, validation_alias=_env("LAKEBASE_POOL_MAX_SIZE"))
    # Below the one-hour token lifetime.
    lakebase_pool_max_lifetime_seconds: int = Field(
        default=45 * 60, ge=60, le=3300, validation_alias=_env("LAKEBASE_POOL_MAX_LIFETIME")
    )
    lakebase_pool_timeout_seconds: int = Field(default=5, ge=1, le=120, validation_alias=_env("LAKEBASE_POOL_TIMEOUT"))
    serving_endpoints: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), validation_alias=_env("SERVING_ENDPOINTS", "SERVING_ENDPOINT")
    )
    model_serving_timeout_seconds: int = Field(default=30, ge=1, le=300, validation_alias=_env("MODEL_SERVING_TIMEOUT"))
    # Each user's inference history keeps this many newest calls; older ones are deleted as new ones arrive.
    inference_log_max_rows: int = Field(
        default=1000, ge=10, le=100_000, validation_alias=_env("INFERENCE_LOG_MAX_ROWS")
    )
    log_level: str = Field(default="INFO", validation_alias=_env("LOG_LEVEL"))
    # The analytics layer: its query files, and the bounds of its two result cache levels (in bytes).
    queries_dir: Path = Field(default=REPO_ROOT / "queries", validation_alias=_env("QUERIES_DIR"))
    query_cache_local_bytes: int = Field(
        default=64 * MIB, ge=0, le=4096 * MIB, validation_alias=_env("QUERY_CACHE_LOCAL_BYTES")
    )
    query_cache_shared_bytes: int = Field(
        default=512 * MIB, ge=0, le=64 * 1024 * MIB, validation_alias=_env("QUERY_CACHE_SHARED_BYTES")
    )
    query_cache_entry_bytes: int = Field(
        default=8 * MIB, ge=1024, le=1024 * MIB, validation_alias=_env("QUERY_CACHE_ENTRY_BYTES")
    )
    max_request_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024, validation_alias=_env("MAX_REQUEST_BYTES")
    )

    @field_validator("databricks_host")
    @classmethod
    def _with_scheme(cls, host: str | None) -> str | None:
        # The Apps runtime injects the bare host name.
        if not host:
            return None
        return (host if "://" in host else f"https://{host}").rstrip("/")

    @field_validator("serving_endpoints", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    @field_serializer("queries_dir")
    def _path_as_text(self, path: Path) -> str:
        # A dump of the settings (given to a subprocess as JSON, for one) stays plain data.
        return str(path)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, level: str) -> str:
        level = level.upper()
        if level not in LOG_LEVELS or level not in logging.getLevelNamesMapping():
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
        return level

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if bool(self.client_id) != bool(self.client_secret):
            missing = "DATABRICKS_CLIENT_SECRET" if self.client_id else "DATABRICKS_CLIENT_ID"
            raise ValueError(f"{missing} must be set together with the other OAuth client variable")
        if self.lakebase_pool_min_size > self.lakebase_pool_max_size:
            raise ValueError("LAKEBASE_POOL_MIN_SIZE must not exceed LAKEBASE_POOL_MAX_SIZE")
        if self.query_cache_shared_bytes and self.query_cache_entry_bytes > self.query_cache_shared_bytes:
            raise ValueError("QUERY_CACHE_ENTRY_BYTES must not exceed QUERY_CACHE_SHARED_BYTES")
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Validate and read the settings; a bad value raises SettingsError naming the variable.

        Blank variables count as unset, as the Apps runtime may inject an empty value."""
        given = {name: value.strip() for name, value in environ.items() if value.strip()}
        try:
            return cls.model_validate(given)
        except ValidationError as error:
            raise SettingsError(_describe(error)) from None


def _describe(error: ValidationError) -> str:
    """One line per problem, each starting with the variable's name (never echoing a secret's value)."""
    lines = []
    for problem in error.errors(include_url=False, include_input=False):
        variable = ".".join(str(part) for part in problem["loc"])
        message = str(problem["msg"]).removeprefix("Value error, ")
        lines.append(f"{variable}: {message}" if variable else message)
    return "; ".join(lines)


@functools.cache
def get_settings() -> Settings:
    """The process's settings, read on first use."""
    return Settings.from_env(os.environ)
