"""`make doctor`: a preflight of the app's configuration and connectivity, one line per check.

    python -m scripts.doctor

With DATABRICKS_HOST set it checks that workspace, from the same variables the Apps runtime injects;
without it, the local stack (`make run`) as the app there sees it. Exits 1 when a required check fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from core.errors import ServiceError
from core.settings import Settings, SettingsError
from scripts.bundle_check import ROOT, bundle_problems
from services import preflight, warehouse

PASS, FAIL, WARN, SKIP = "✔", "✖", "!", "–"


@dataclass(frozen=True)
class Check:
    """One thing to check: how, what to do when it fails, and whether the app can run without it."""

    label: str
    run: Callable[[Settings], str]
    fix: str
    required: bool = True
    needs_workspace: bool = True


@dataclass(frozen=True)
class Outcome:
    """What one check found."""

    check: Check
    mark: str
    detail: str


def _bundle(_: Settings) -> str:
    cli = shutil.which("databricks")
    if cli:
        done = subprocess.run(  # noqa: S603  # the CLI found on PATH, fixed arguments
            [cli, "bundle", "validate"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise ServiceError((done.stderr or done.stdout).strip()[-600:] or "databricks bundle validate failed")
        return "databricks bundle validate passed"
    problems = bundle_problems(ROOT)
    if problems:
        raise ServiceError("; ".join(problems))
    return "databricks.yml agrees with app.yaml (schema check; install the Databricks CLI for `bundle validate`)"


def _user_authorization(settings: Settings) -> str:
    scopes = preflight.user_authorization_scopes(settings=settings)
    if not scopes:
        raise ServiceError("No user authorization scopes: no user token is forwarded, so per-user calls are refused.")
    return "on: " + ", ".join(scopes)


def checks(settings: Settings) -> list[Check]:
    """Every check, in the order a failure is easiest to understand."""
    endpoints = [
        Check(
            f"Serving endpoint {name}",
            lambda s, name=name: preflight.describe_endpoint(settings=s, name=name),  # type: ignore[misc]
            "Start or fix the endpoint in Serving; the app's service principal needs CAN_QUERY on it.",
            required=False,
        )
        for name in settings.serving_endpoints
    ]
    return [
        Check(
            "Workspace and service principal (OAuth M2M)",
            lambda s: preflight.describe_workspace(settings=s),
            "Check DATABRICKS_HOST, DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET; locally, start `make run`.",
        ),
        Check(
            "SQL warehouse",
            lambda s: preflight.describe_warehouse(settings=s),
            "Set DATABRICKS_WAREHOUSE_ID (app.yaml: valueFrom sql-warehouse); the app needs CAN_USE on it.",
        ),
        Check("SELECT 1 on the warehouse", warehouse.ping, "Start the warehouse, or check its permissions."),
        Check(
            "Lakebase instance",
            lambda s: preflight.describe_lakebase_instance(settings=s),
            "Bind a database resource (PGHOST, PGUSER) or set LAKEBASE_INSTANCE_NAME; start the instance.",
        ),
        Check(
            "Lakebase credential",
            lambda s: preflight.describe_lakebase_credential(settings=s),
            "The service principal needs CAN_CONNECT_AND_CREATE on the database resource.",
        ),
        Check(
            "Lakebase connection and migrations",
            lambda s: preflight.describe_lakebase_schema(settings=s),
            "Run `alembic upgrade head` (gunicorn runs it when the app starts).",
        ),
        *endpoints,
        Check(
            "User authorization (on-behalf-of-user)",
            _user_authorization,
            "Add user_api_scopes to the app in databricks.yml and deploy, so the proxy forwards the user's token.",
            required=False,
        ),
        Check("Bundle", _bundle, "Fix databricks.yml / app.yaml as the message says.", needs_workspace=False),
    ]


def run_checks(settings: Settings) -> list[Outcome]:
    """Run every check; once the workspace is unreachable, the checks that need it are skipped."""
    outcomes: list[Outcome] = []
    workspace_ok = True
    for check in checks(settings):
        if check.needs_workspace and not workspace_ok:
            outcomes.append(Outcome(check, SKIP, "skipped: the workspace check failed"))
            continue
        try:
            outcomes.append(Outcome(check, PASS, check.run(settings)))
        except ServiceError as error:
            outcomes.append(Outcome(check, FAIL if check.required else WARN, f"{error.message} ({error.error_code})"))
            workspace_ok = workspace_ok and not check.label.startswith("Workspace")
    return outcomes


def environment(environ: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """The variables to check, and where they come from."""
    if environ.get("DATABRICKS_HOST"):
        return dict(environ), f"the environment (DATABRICKS_HOST={environ['DATABRICKS_HOST']})"
    from local_workspace.identities import Directory
    from local_workspace.stack import StackPorts, app_environment

    local = app_environment(StackPorts.from_env(environ), Directory.load(), environ)
    return local, f"the local stack at {local['DATABRICKS_HOST']} (started by `make run`)"


def report(environ: Mapping[str, str], out: TextIO) -> int:
    """Print one line per check (and the fix under each failure); 1 when a required check failed."""
    variables, source = environment(environ)
    print(f"Checking {source}", file=out)
    try:
        settings = Settings.from_env(variables)
    except SettingsError as error:
        print(f"{FAIL} Environment variables: {error}\n    fix: set the variable as the message says.", file=out)
        return 1
    print(f"{PASS} Environment variables: valid", file=out)
    failed = False
    for outcome in run_checks(settings):
        print(f"{outcome.mark} {outcome.check.label}: {outcome.detail}", file=out)
        if outcome.mark in (FAIL, WARN):
            print(f"    fix: {outcome.check.fix}", file=out)
        failed = failed or (outcome.check.required and outcome.mark in (FAIL, SKIP))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(report(os.environ, sys.stdout))
