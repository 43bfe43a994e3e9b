"""The local workspace: the subset of the Databricks REST API the app uses, on loopback.

Later parts (Unity Catalog, the SQL warehouse, Lakebase, serving) register their blueprints here;
this module owns authentication, because every one of them answers for the caller's identity.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any, NoReturn

from flask import Blueprint, Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from local_workspace.identities import M2M_TOKEN_LIFETIME_SECONDS, Directory, Principal

if TYPE_CHECKING:
    from local_workspace.lakebase import LocalLakebase
    from local_workspace.serving import LocalServing
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


class DatabricksError(Exception):
    """An error in the body shape the Databricks REST API uses, which the SDK turns into typed exceptions."""

    def __init__(self, status: int, error_code: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.retry_after = retry_after


def abort_databricks(status: int, error_code: str, message: str, *, retry_after: int | None = None) -> NoReturn:
    """Stop the request with a Databricks-shaped error (and a Retry-After header when given)."""
    raise DatabricksError(status, error_code, message, retry_after)


def current_principal() -> Principal:
    """The authenticated caller of the current request."""
    principal: Principal = g.principal
    return principal


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
    serving: LocalServing | None = None,
) -> Flask:
    """Build the local workspace's WSGI app; with `lakebase` it serves the Database API for it, with
    `warehouse` the Statement Execution and Unity Catalog APIs, with `serving` the serving endpoints."""
    directory = directory or Directory.load()
    app = Flask("local_workspace")
    app.json.sort_keys = False  # type: ignore[attr-defined]  # an OpenAPI document's columns keep their order
    app.config["DIRECTORY"] = directory
    if lakebase is not None:
        app.register_blueprint(database_blueprint(lakebase))
    if warehouse is not None:
        from local_workspace.warehouse import warehouse_blueprint

        app.register_blueprint(warehouse_blueprint(warehouse))
    if serving is not None:
        from local_workspace.serving import serving_blueprint

        app.register_blueprint(serving_blueprint(serving))

    @app.errorhandler(DatabricksError)
    def databricks_error(error: DatabricksError) -> tuple[Response, int]:
        response = jsonify(error_code=error.error_code, message=error.message)
        if error.retry_after is not None:
            response.headers["Retry-After"] = str(error.retry_after)
        return response, error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        status = error.code or 500
        if status == 404:
            body = {
                "error_code": "ENDPOINT_NOT_FOUND",
                "message": f"No API found for '{request.method} {request.path}'",
            }
        else:
            code = "BAD_REQUEST" if status < 500 else "INTERNAL_ERROR"
            body = {"error_code": code, "message": error.description or "The request failed."}
        return jsonify(body), status

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
        return jsonify(workspace_id=directory.workspace_id, oidc_endpoint=f"{host}/oidc")

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


def database_blueprint(lakebase: LocalLakebase) -> Blueprint:
    """The Database (Lakebase) API: describe the instance, and hand out tokens that are Postgres passwords."""
    api = Blueprint("database", __name__, url_prefix="/api/2.0/database")

    def known(name: str) -> None:
        if name != lakebase.instance_name:
            abort_databricks(404, "RESOURCE_DOES_NOT_EXIST", f"Database instance '{name}' does not exist.")

    @api.get("/instances")
    def list_instances() -> Response:
        return jsonify(database_instances=[lakebase.describe()])

    @api.get("/instances/<name>")
    def get_instance(name: str) -> Response:
        known(name)
        return jsonify(lakebase.describe())

    @api.post("/credentials")
    def generate_credential() -> Response:
        body = request.get_json(silent=True) or {}
        names = body.get("instance_names") or []
        if not isinstance(names, list) or not names:
            abort_databricks(400, "INVALID_PARAMETER_VALUE", "instance_names must list at least one instance.")
        for name in names:
            known(str(name))
        if not lakebase.is_running():
            abort_databricks(
                503, "TEMPORARILY_UNAVAILABLE", f"Database instance '{lakebase.instance_name}' is not running."
            )
        principal = current_principal()
        # A user's Postgres role is their user name; the service principal's is its application id.
        credential = lakebase.generate_credential(principal.user_name, owner=principal.is_service_principal)
        return jsonify(credential.as_json())

    return api
