"""Checks of the app's configuration and connectivity, one resource at a time, as the app's service
principal: what `make doctor` reports before the app is started or deployed.

Each function answers a short description of what it found, or raises the ServiceError the app itself
would raise; none of them changes anything."""

from __future__ import annotations

from databricks.sdk import WorkspaceClient

from core.errors import ModelUnavailable, NotConfigured
from core.settings import Settings
from services import lakebase, workspace
from services.errors import translated
from services.lakebase.credentials import CredentialCache
from services.lakebase.migrations import schema_revisions


def _service_principal(settings: Settings) -> WorkspaceClient:
    return workspace.service_principal_client(settings)


def describe_workspace(*, settings: Settings) -> str:
    """The workspace answers and the service principal signs in (OAuth M2M), as SCIM Me tells."""
    principal = workspace.get_service_principal(settings=settings)
    return f"signed in as {principal.display_name or principal.user_name} ({principal.user_name})"


def describe_warehouse(*, settings: Settings) -> str:
    """The SQL warehouse exists, and its state (RUNNING, STOPPED, ...)."""
    if not settings.warehouse_id:
        raise NotConfigured("No SQL warehouse is configured.", technical_details={"setting": "DATABRICKS_WAREHOUSE_ID"})
    with translated("warehouse", action="warehouses.get", subject=f"SQL warehouse {settings.warehouse_id}"):
        found = _service_principal(settings).warehouses.get(settings.warehouse_id)
    state = found.state.value if found.state else "UNKNOWN"
    return f"{found.name or settings.warehouse_id} is {state}"


def describe_lakebase_instance(*, settings: Settings) -> str:
    """The Lakebase instance behind PGHOST, and its state."""
    lakebase.conninfo(settings)  # NotConfigured without PGHOST and PGUSER
    name = CredentialCache(settings).instance_name()
    with translated("lakebase", action="database.get_database_instance", subject=f"Lakebase instance {name}"):
        instance = _service_principal(settings).database.get_database_instance(name)
    state = instance.state.value if instance.state else "UNKNOWN"
    return f"{name} is {state} (PostgreSQL {instance.pg_version or '?'})"


def describe_lakebase_credential(*, settings: Settings) -> str:
    """A database credential can be generated for the app's role."""
    credentials = CredentialCache(settings)
    credentials.token()
    return f"a token for role {settings.pg_user} on {credentials.instance_name()}"


def describe_lakebase_schema(*, settings: Settings) -> str:
    """A pooled connection works, and the schema is at the newest migration."""
    with translated("lakebase", action="alembic current revision"):
        current, head = schema_revisions(settings)
    if current != head:
        raise NotConfigured(
            f"The Lakebase schema is at {current or 'no revision'}, the newest migration is {head}.",
            technical_details={"current": current, "head": head},
        )
    return f"connected; schema at the newest migration ({head})"


def describe_endpoint(*, settings: Settings, name: str) -> str:
    """One serving endpoint the app uses, in Databricks' own state words."""
    with translated("serving", action="serving_endpoints.get", subject=f"Serving endpoint '{name}'"):
        found = _service_principal(settings).serving_endpoints.get(name)
    ready = found.state.ready.value if found.state and found.state.ready else "UNKNOWN"
    update = found.state.config_update.value if found.state and found.state.config_update else "NOT_UPDATING"
    if ready != "READY":
        raise ModelUnavailable(f"Serving endpoint '{name}' is {ready} ({update}).", technical_details={"name": name})
    return f"{name} is READY ({update})"


def user_authorization_scopes(*, settings: Settings) -> tuple[str, ...]:
    """The app's effective user authorization scopes: empty when no user token is forwarded."""
    with translated("workspace", action="apps.get", subject=f"App {settings.app_name}"):
        app = _service_principal(settings).apps.get(settings.app_name)
    return tuple(app.effective_user_api_scopes or app.user_api_scopes or ())
