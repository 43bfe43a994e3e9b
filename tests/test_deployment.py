"""app.yaml and databricks.yml agree with each other and with the code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from scripts.bundle_check import bundle_problems

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str) -> Any:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def test_every_value_from_names_a_declared_resource() -> None:
    app_yaml = _load("app.yaml")
    bundle = _load("databricks.yml")
    (app,) = bundle["resources"]["apps"].values()
    declared = {resource["name"] for resource in app["resources"]}
    referenced = {item["valueFrom"] for item in app_yaml["env"] if "valueFrom" in item}
    assert referenced == {"sql-warehouse", "database", "serving-endpoint"}
    assert referenced <= declared
    kinds = {next(k for k in resource if k not in ("name", "description")) for resource in app["resources"]}
    assert kinds == {"sql_warehouse", "database", "serving_endpoint"}


def test_bundle_has_dev_and_prod_targets_and_user_scopes() -> None:
    bundle = _load("databricks.yml")
    assert bundle["targets"]["dev"]["mode"] == "development"
    assert bundle["targets"]["dev"]["default"] is True
    assert bundle["targets"]["prod"]["mode"] == "production"
    assert bundle["targets"]["prod"]["permissions"]
    (app,) = bundle["resources"]["apps"].values()
    assert app["source_code_path"] == "."
    assert {"sql", "serving.serving-endpoints", "iam.current-user:read"} <= set(app["user_api_scopes"])
    assert "local_workspace" in bundle["sync"]["exclude"]
    variables = bundle["variables"]
    for reference in ("warehouse_id", "lakebase_instance", "serving_endpoint"):
        assert reference in variables


def test_the_command_is_gunicorn_on_the_apps_port() -> None:
    command = _load("app.yaml")["command"]
    assert command[0] == "gunicorn"
    assert "0.0.0.0:$DATABRICKS_APP_PORT" in command
    config = command[command.index("--config") + 1]
    assert (ROOT / config).is_file()


def test_the_entry_point_imports_with_no_services_running(tmp_path: Path) -> None:
    """Importing every module, and the WSGI entry point, opens no connection."""
    entry = next(part for part in _load("app.yaml")["command"] if ":" in part and not part.startswith("0.0.0.0"))
    module, attribute = entry.split(":")
    code = (
        "import importlib, pkgutil\n"
        f"import {module} as entry\n"
        f"assert callable(entry.{attribute})\n"
        "for package in ('dashboard', 'services', 'components', 'pages', 'local_workspace'):\n"
        "    mod = importlib.import_module(package)\n"
        "    for info in pkgutil.walk_packages(mod.__path__, package + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print('imported')\n"
    )
    # Port 9 has no listener: any connection attempt at import time would fail or hang.
    env = os.environ | {"DATABRICKS_HOST": "http://127.0.0.1:9", "PGHOST": "127.0.0.1", "PGPORT": "9"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "imported" in result.stdout


def test_the_schema_check_passes_the_repository_and_names_each_mistake(tmp_path: Path) -> None:
    assert bundle_problems(ROOT) == []
    for name in ("databricks.yml", "app.yaml"):
        (tmp_path / name).write_text((ROOT / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "dashboard").mkdir()
    (tmp_path / "dashboard" / "gunicorn_conf.py").write_text("", encoding="utf-8")
    assert bundle_problems(tmp_path) == []

    bundle = _load("databricks.yml")
    (app,) = bundle["resources"]["apps"].values()
    app["name"] = "Not_A_Valid_Name"
    app["resources"][0]["sql_warehouse"]["permission"] = "CAN_QUERY"
    (tmp_path / "databricks.yml").write_text(yaml.safe_dump(bundle), encoding="utf-8")
    app_yaml = _load("app.yaml")
    app_yaml["env"].append({"name": "EXTRA", "valueFrom": "no-such-resource"})
    (tmp_path / "app.yaml").write_text(yaml.safe_dump(app_yaml), encoding="utf-8")
    problems = "\n".join(bundle_problems(tmp_path))
    assert "Not_A_Valid_Name" in problems
    assert "permission 'CAN_QUERY'" in problems
    assert "no-such-resource" in problems
