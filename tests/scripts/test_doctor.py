"""`make doctor` against the real local workspace: every check passes on a healthy stack, and each broken
part is named, with its fix, and fails the run when the app needs it."""

from __future__ import annotations

import io

import pytest

from core.settings import Settings
from local_workspace.serving import LocalServing
from scripts import doctor


def environ_of(settings: Settings, **changes: str) -> dict[str, str]:
    """The variables the Apps runtime would inject for these settings."""
    environ = {
        "DATABRICKS_HOST": settings.databricks_host or "",
        "DATABRICKS_CLIENT_ID": settings.client_id or "",
        "DATABRICKS_CLIENT_SECRET": settings.client_secret or "",
        "DATABRICKS_APP_NAME": "databricks-dash-template",
        "DATABRICKS_WAREHOUSE_ID": settings.warehouse_id or "",
        "DATABRICKS_SQL_USE_SEA": "true",
        "DATABRICKS_SQL_CLOUD_FETCH": "false",
        "DATABRICKS_SQL_TELEMETRY": "false",
        "PGHOST": settings.pg_host or "",
        "PGPORT": str(settings.pg_port),
        "PGUSER": settings.pg_user or "",
        "PGSSLMODE": settings.pg_sslmode,
        "SERVING_ENDPOINTS": "taxi-fare,iris-species",
    }
    return environ | changes


def run(environ: dict[str, str]) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = doctor.report(environ, out)
    return code, out.getvalue().splitlines()


def line(lines: list[str], label: str) -> str:
    return next(text for text in lines if f" {label}:" in text)


def test_a_healthy_stack_passes_every_check(settings: Settings) -> None:
    code, lines = run(environ_of(settings))
    assert code == 0, "\n".join(lines)
    checks = [text for text in lines if text[:2] in ("✔ ", "✖ ", "! ", "– ")]
    assert len(checks) == 11  # the environment, 8 fixed checks and 2 endpoints
    assert all(text.startswith("✔ ") for text in checks), "\n".join(lines)
    assert "is RUNNING" in line(lines, "SQL warehouse")
    assert "schema at the newest migration" in line(lines, "Lakebase connection and migrations")
    assert "iam.current-user:read" in line(lines, "User authorization (on-behalf-of-user)")
    assert "taxi-fare is READY" in line(lines, "Serving endpoint taxi-fare")


def test_a_bad_variable_is_named_and_fails(settings: Settings) -> None:
    code, lines = run(environ_of(settings, MODEL_SERVING_TIMEOUT="999"))
    assert code == 1
    assert lines[1].startswith("✖ Environment variables: MODEL_SERVING_TIMEOUT")


def test_an_unreachable_workspace_fails_and_skips_what_needs_it(settings: Settings) -> None:
    code, lines = run(environ_of(settings, DATABRICKS_HOST="http://127.0.0.1:9"))
    assert code == 1
    assert line(lines, "Workspace and service principal (OAuth M2M)").startswith("✖ ")
    assert line(lines, "SQL warehouse").startswith("– ")
    assert line(lines, "Bundle").startswith("✔ ")  # needs no workspace


@pytest.mark.usefixtures("stopped_warehouse")
def test_a_stopped_warehouse_is_reported_with_its_fix(settings: Settings) -> None:
    code, lines = run(environ_of(settings))
    assert code == 1
    assert "is STOPPED" in line(lines, "SQL warehouse")
    select = lines.index(line(lines, "SELECT 1 on the warehouse"))
    assert lines[select].startswith("✖ ")
    assert lines[select + 1].startswith("    fix: ")


def test_an_endpoint_not_ready_warns_without_failing(settings: Settings, serving_endpoints: LocalServing) -> None:
    serving_endpoints.configure("iris-species", state="NOT_READY", config_update="UPDATE_FAILED")
    code, lines = run(environ_of(settings))
    assert code == 0
    assert line(lines, "Serving endpoint iris-species").startswith("! ")
    assert "NOT_READY" in line(lines, "Serving endpoint iris-species")


def test_a_lakebase_behind_its_migrations_fails(settings: Settings) -> None:
    code, lines = run(environ_of(settings, PGDATABASE="postgres"))  # a database the migrations never ran on
    assert code == 1
    assert "no revision" in line(lines, "Lakebase connection and migrations")
