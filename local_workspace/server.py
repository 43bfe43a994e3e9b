"""The local workspace: the subset of the Databricks REST API the app uses, on loopback.

This module owns authentication and the OAuth/OIDC discovery routes, and mounts the REST blueprint each
stand-in (Unity Catalog, the SQL warehouse, Lakebase, serving) defines beside itself. Only the code that
builds the app (the stack, tests) imports it.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from flask import Flask, Response, g, jsonify, request

from local_workspace.apps import LocalApp, apps_blueprint
from local_workspace.catalog import LocalCatalog
from local_workspace.catalog_api import catalog_blueprint
from local_workspace.errors import abort_databricks, current_principal, register_error_handlers
from local_workspace.identities import M2M_TOKEN_LIFETIME_SECONDS, Directory
from local_workspace.lakebase import LocalLakebase, database_blueprint
from local_workspace.serving import LocalServing, serving_blueprint
from local_workspace.statement_api import warehouse_blueprint
from local_workspace.warehouse import LocalWarehouse

# Paths anyone may call: discovery and the token endpoint itself.
PUBLIC_PATHS = (
    "/.well-known/databricks-config",
    "/oidc/.well-known/oauth-authorization-server",
    "/oidc/v1/token",
    "/healthz",
)
# Controls of the local stand-ins (serving endpoints made slow or not ready): loopback only, no token.
LOCAL_CONTROL_PREFIX = "/.local/"
# The namespace the local account's id is derived in (from the workspace id).
ACCOUNT_NAMESPACE = uuid.UUID("0b5e8c2a-3f41-4d7e-a6b9-2c1d0e9f8a71")


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def create_workspace_app(
    directory: Directory | None = None,
    *,
    lakebase: LocalLakebase | None = None,
    warehouse: LocalWarehouse | None = None,
    catalog: LocalCatalog | None = None,
    serving: LocalServing | None = None,
    app_definition: LocalApp | None = None,
) -> Flask:
    """Build the local workspace's WSGI app; with `lakebase` it serves the Database API for it, with
    `warehouse` the Statement Execution API, with `catalog` (by default the warehouse's) the Unity Catalog
    API, with `serving` the serving endpoints; the Apps API describes `app_definition` (by default the
    app of databricks.yml)."""
    directory = directory or Directory.load()
    if catalog is None and warehouse is not None:
        catalog = warehouse.catalog
    app = Flask("local_workspace")
    app.json.sort_keys = False  # type: ignore[attr-defined]  # an OpenAPI document's columns keep their order
    app.config["DIRECTORY"] = directory
    if lakebase is not None:
        app.register_blueprint(database_blueprint(lakebase))
    if warehouse is not None:
        app.register_blueprint(warehouse_blueprint(warehouse))
    if catalog is not None:
        app.register_blueprint(catalog_blueprint(catalog))
    if serving is not None:
        app.register_blueprint(serving_blueprint(serving))
    app.register_blueprint(apps_blueprint(app_definition or LocalApp.from_bundle(), directory))
    register_error_handlers(app)

    @app.before_request
    def authenticate() -> None:
        if request.path in PUBLIC_PATHS or request.path.startswith(LOCAL_CONTROL_PREFIX):
            return
        token = _bearer_token()
        if token is None:
            abort_databricks(401, "UNAUTHENTICATED", "Credential was not sent or was of an unsupported type.")
        principal = directory.principal_for_token(token)
        if principal is None:
            abort_databricks(401, "UNAUTHENTICATED", "Invalid access token.")
        g.principal = principal

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.get("/.well-known/databricks-config")
    def databricks_config() -> Response:
        host = request.host_url.rstrip("/")
        # The SDK fills Config.account_id and workspace_id from here when they are not configured.
        return jsonify(
            oidc_endpoint=f"{host}/oidc", account_id=account_id(directory), workspace_id=directory.workspace_id
        )

    @app.get("/oidc/.well-known/oauth-authorization-server")
    def oidc_discovery() -> Response:
        host = request.host_url.rstrip("/")
        return jsonify(
            issuer=f"{host}/oidc",
            authorization_endpoint=f"{host}/oidc/v1/authorize",
            token_endpoint=f"{host}/oidc/v1/token",
            grant_types_supported=["client_credentials"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
        )

    @app.post("/oidc/v1/token")
    def oauth_token() -> tuple[Response, int] | Response:
        client_id, client_secret = _client_credentials()
        if request.form.get("grant_type") != "client_credentials":
            return jsonify(
                error="unsupported_grant_type", error_description="Only client_credentials is supported."
            ), 400
        if not directory.check_client_credentials(client_id, client_secret):
            return jsonify(error="invalid_client", error_description="Client authentication failed."), 401
        token = directory.issue_token(directory.service_principal)
        return jsonify(
            access_token=token,
            token_type="Bearer",
            expires_in=M2M_TOKEN_LIFETIME_SECONDS,
            scope=request.form.get("scope", "all-apis"),
        )

    @app.get("/api/2.0/preview/scim/v2/Me")
    def scim_me() -> Response:
        return jsonify(current_principal().scim())

    return app


def account_id(directory: Directory) -> str:
    """The local account's id: a UUID, as Databricks' are, the same on every start for the same workspace."""
    return str(uuid.uuid5(ACCOUNT_NAMESPACE, directory.workspace_id))


def _client_credentials() -> tuple[str, str]:
    """Client id and secret from HTTP Basic auth, or from the form as client_secret_post sends them."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _, client_secret = decoded.partition(":")
        return client_id, client_secret
    form: Any = request.form
    return form.get("client_id", ""), form.get("client_secret", "")
