"""The Apps API for the one app of this repository: `GET /api/2.0/apps[/{name}]`.

The app is described from databricks.yml (its name, description, resources and `user_api_scopes`), as
Databricks describes a deployed app, so `make doctor` can ask whether user authorization is on the same
way against the local workspace and a real one. Fields follow the Apps API's App object; compute and
application states are those of a running app (the local stack runs it whenever the workspace runs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, jsonify, request

from local_workspace.errors import abort_databricks
from local_workspace.identities import Directory

BUNDLE_FILE = Path(__file__).resolve().parents[1] / "databricks.yml"


@dataclass(frozen=True)
class LocalApp:
    """The app as the bundle declares it."""

    name: str
    description: str
    user_api_scopes: tuple[str, ...]
    resources: tuple[dict[str, Any], ...] = field(default=())

    @classmethod
    def from_bundle(cls, path: Path = BUNDLE_FILE) -> LocalApp:
        """The bundle's single app, its `${var.x}` references resolved to the variables' defaults."""
        bundle = yaml.safe_load(path.read_text(encoding="utf-8"))
        defaults = {name: str(spec.get("default", "")) for name, spec in (bundle.get("variables") or {}).items()}
        (app,) = bundle["resources"]["apps"].values()
        resolved = _resolve(app, defaults)
        return cls(
            name=resolved["name"],
            description=resolved.get("description", ""),
            user_api_scopes=tuple(resolved.get("user_api_scopes") or ()),
            resources=tuple(resolved.get("resources") or ()),
        )

    def describe(self, directory: Directory, host: str) -> dict[str, Any]:
        """The Apps API's App object for this app."""
        principal = directory.service_principal
        return {
            "name": self.name,
            "description": self.description,
            "url": f"{host}/apps/{self.name}",
            "compute_status": {"state": "ACTIVE", "message": "App compute is active."},
            "app_status": {"state": "RUNNING", "message": "Application is running."},
            "service_principal_client_id": principal.user_name,
            "service_principal_name": principal.display_name,
            "resources": list(self.resources),
            "user_api_scopes": list(self.user_api_scopes),
            "effective_user_api_scopes": list(self.user_api_scopes),
        }


def _resolve(value: Any, variables: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, default in variables.items():
            value = value.replace(f"${{var.{name}}}", default)
        return value
    if isinstance(value, dict):
        return {key: _resolve(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item, variables) for item in value]
    return value


def apps_blueprint(app: LocalApp, directory: Directory) -> Blueprint:
    """`GET /api/2.0/apps` and `GET /api/2.0/apps/{name}`; every local principal may see the app (CAN_USE)."""
    api = Blueprint("apps", __name__, url_prefix="/api/2.0/apps")

    @api.get("")
    def list_apps() -> Response:
        return jsonify(apps=[app.describe(directory, request.host_url.rstrip("/"))])

    @api.get("/<name>")
    def get_app(name: str) -> Response:
        if name != app.name:
            abort_databricks(404, "RESOURCE_DOES_NOT_EXIST", f"App with name {name} does not exist.")
        return jsonify(app.describe(directory, request.host_url.rstrip("/")))

    return api
