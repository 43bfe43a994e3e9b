"""A schema check of databricks.yml against app.yaml, for when the Databricks CLI (and so `databricks bundle
validate`) is not installed: the mistakes that make a deployment fail or an app start without its
resources, found on the developer's machine."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
APP_NAME = re.compile(r"^[a-z0-9-]{2,30}$")
# Resource kinds an app can bind and the permissions each accepts (Databricks Apps' resource types).
RESOURCE_PERMISSIONS: dict[str, set[str]] = {
    "sql_warehouse": {"CAN_USE", "CAN_MANAGE", "IS_OWNER"},
    "serving_endpoint": {"CAN_QUERY", "CAN_VIEW", "CAN_MANAGE"},
    "database": {"CAN_CONNECT_AND_CREATE"},
    "secret": {"READ", "WRITE", "MANAGE"},
    "job": {"CAN_VIEW", "CAN_MANAGE_RUN", "IS_OWNER", "CAN_MANAGE"},
    "uc_securable": {"READ_VOLUME", "WRITE_VOLUME", "SELECT", "EXECUTE", "USE_CONNECTION", "MODIFY"},
    "genie_space": {"CAN_VIEW", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"},
    "experiment": {"CAN_READ", "CAN_EDIT", "CAN_MANAGE"},
    "app": {"CAN_USE"},
}
TARGET_MODES = {"development", "production"}


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _resolve(text: str, variables: dict[str, Any]) -> str:
    return re.sub(r"\$\{var\.([a-z_]+)\}", lambda m: str((variables.get(m[1]) or {}).get("default", m[0])), text)


def _resource_problems(resources: list[Any]) -> list[str]:
    problems = []
    for index, resource in enumerate(resources):
        kinds = [key for key in resource if key in RESOURCE_PERMISSIONS]
        name = resource.get("name") or f"#{index}"
        if not resource.get("name"):
            problems.append(f"resource {name} has no name")
        if len(kinds) != 1:
            problems.append(f"resource {name} must have exactly one of {', '.join(sorted(RESOURCE_PERMISSIONS))}")
            continue
        permission = (resource[kinds[0]] or {}).get("permission")
        if permission not in RESOURCE_PERMISSIONS[kinds[0]]:
            problems.append(f"resource {name}: permission {permission!r} is not one of a {kinds[0]}'s")
    return problems


def _app_yaml_problems(app_yaml: Any, root: Path, declared: set[str]) -> list[str]:
    problems = []
    command = app_yaml.get("command")
    if not isinstance(command, list) or not all(isinstance(part, str) for part in command):
        problems.append("app.yaml: command must be a list of strings (it is not run in a shell)")
    elif "--config" in command and not (root / command[command.index("--config") + 1]).is_file():
        problems.append("app.yaml: the --config file of the command does not exist")
    for item in app_yaml.get("env") or []:
        if not item.get("name") or ("value" in item) == ("valueFrom" in item):
            problems.append(f"app.yaml: env item {item.get('name')!r} needs a name and one of value or valueFrom")
        elif "valueFrom" in item and item["valueFrom"] not in declared:
            problems.append(
                f"app.yaml: {item['name']} takes valueFrom {item['valueFrom']!r}, not a resource of the app"
            )
    return problems


def bundle_problems(root: Path = ROOT) -> list[str]:
    """What is wrong with databricks.yml and app.yaml taken together; [] when nothing is."""
    bundle, app_yaml = _load(root / "databricks.yml"), _load(root / "app.yaml")
    problems = [] if (bundle.get("bundle") or {}).get("name") else ["databricks.yml: bundle.name is missing"]
    apps = list(((bundle.get("resources") or {}).get("apps") or {}).values())
    if len(apps) != 1:
        return [*problems, f"databricks.yml: expected one app under resources.apps, found {len(apps)}"]
    app = apps[0]
    name = _resolve(str(app.get("name", "")), bundle.get("variables") or {})
    if not APP_NAME.match(name):
        problems.append(f"databricks.yml: app name {name!r} must be 2-30 lowercase letters, digits or hyphens")
    if not (root / str(app.get("source_code_path", "."))).is_dir():
        problems.append("databricks.yml: the app's source_code_path is not a folder")
    problems += _resource_problems(app.get("resources") or [])
    for target, spec in (bundle.get("targets") or {}).items():
        if (spec or {}).get("mode") not in (None, *TARGET_MODES):
            problems.append(f"databricks.yml: target {target}: mode must be development or production")
    declared = {str(r.get("name")) for r in app.get("resources") or []}
    return problems + _app_yaml_problems(app_yaml or {}, root, declared)
