"""Requests to Dash's callback endpoint, built as Dash's renderer builds them."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient


def shell_callback_body(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    """A well-formed request for the shell's own callback (the user's theme and default page)."""
    dependencies: list[dict[str, Any]] = client.get("/_dash-dependencies", headers=headers).get_json()
    spec = next(d for d in dependencies if "shell-theme-loaded.data" in d["output"])
    outputs = [dict(zip(("id", "property"), o.split("."), strict=True)) for o in spec["output"].strip(".").split("...")]
    return {
        "output": spec["output"],
        "outputs": outputs,
        "inputs": [{"id": "shell-boot", "property": "data", "value": True}],
        "state": [{"id": "shell-location", "property": "pathname", "value": "/"}],
        "changedPropIds": ["shell-boot.data"],
    }
