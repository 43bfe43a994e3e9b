from __future__ import annotations

import pytest

from core.settings import Settings, SettingsError


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.databricks_host is None
    assert settings.app_port == 8000
    assert settings.model_serving_timeout_seconds == 30
    assert settings.log_level == "INFO"


def test_reads_the_names_the_apps_runtime_injects() -> None:
    settings = Settings.from_env(
        {
            "DATABRICKS_HOST": "adb-123.azuredatabricks.net",
            "DATABRICKS_CLIENT_ID": "sp-id",
            "DATABRICKS_CLIENT_SECRET": "sp-secret",
            "DATABRICKS_APP_PORT": "8123",
            "DATABRICKS_APP_NAME": "my-app",
            "DATABRICKS_WAREHOUSE_ID": "abc123",
            "PGHOST": "instance.database.cloud.databricks.com",
            "PGPORT": "5432",
            "PGDATABASE": "databricks_postgres",
            "PGUSER": "sp-id",
            "PGSSLMODE": "require",
            "PGAPPNAME": "my-app",
            "SERVING_ENDPOINT": "fare, iris",
            "MODEL_SERVING_TIMEOUT": "45",
            "LOG_LEVEL": "debug",
        }
    )
    assert settings.databricks_host == "https://adb-123.azuredatabricks.net"
    assert settings.app_port == 8123
    assert settings.warehouse_id == "abc123"
    assert settings.pg_host == "instance.database.cloud.databricks.com"
    assert settings.serving_endpoints == ("fare", "iris")
    assert settings.model_serving_timeout_seconds == 45
    assert settings.log_level == "DEBUG"


def test_secret_is_not_in_repr() -> None:
    settings = Settings.from_env({"DATABRICKS_CLIENT_ID": "id", "DATABRICKS_CLIENT_SECRET": "very-secret-value"})
    assert "very-secret-value" not in repr(settings)


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"MODEL_SERVING_TIMEOUT": "301"}, "MODEL_SERVING_TIMEOUT"),
        ({"MODEL_SERVING_TIMEOUT": "0"}, "MODEL_SERVING_TIMEOUT"),
        ({"DATABRICKS_APP_PORT": "eighty"}, "DATABRICKS_APP_PORT"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"DATABRICKS_CLIENT_ID": "only-the-id"}, "DATABRICKS_CLIENT_SECRET"),
        ({"DATABRICKS_CLIENT_SECRET": "only-the-secret"}, "DATABRICKS_CLIENT_ID"),
    ],
)
def test_bad_configuration_fails_fast_naming_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(environ)
