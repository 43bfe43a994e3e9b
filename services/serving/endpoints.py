"""Serving endpoints: which ones the app serves, their state, and the input columns their model takes."""

from __future__ import annotations

import json
import logging
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from databricks.sdk.service.serving import ServingEndpoint, ServingEndpointDetailed

from core.errors import InvalidInput, NotFound
from core.identity import UserIdentity
from core.settings import Settings
from services.errors import translated
from services.serving import display
from services.workspace import service_principal_client, user_client

log = logging.getLogger(__name__)

# Serving endpoint names: letters, digits, dashes and underscores (Databricks' rule).
ENDPOINT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,63}$")
# The seed's endpoint states, from Databricks' (ready, config_update).
EndpointState = Literal["CREATING", "READY", "UPDATING", "FAILED"]
FieldKind = Literal["number", "integer", "string", "boolean"]
FIELD_KINDS: dict[str, FieldKind] = {"number": "number", "integer": "integer", "string": "string", "boolean": "boolean"}


@dataclass(frozen=True)
class ModelEndpoint:
    """The seed's ModelEndpoint, with Databricks' own state words (`ready`, `config_update`) for debugging."""

    endpoint_name: str
    endpoint_id: str | None
    model_name: str
    model_version: str | None
    state: EndpointState
    ready: str | None
    config_update: str | None
    task: str | None
    workload_url: str | None
    creation_timestamp: datetime | None
    last_updated_timestamp: datetime | None


@dataclass(frozen=True)
class InputField:
    """One column of a model's input signature, and how it reads (services/serving/display.py): its label,
    its help, its unit, and the range a value must be in."""

    name: str
    kind: FieldKind
    required: bool
    example: Any = None
    label: str = ""
    help: str = ""
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None


def input_field(name: str, kind: FieldKind, *, required: bool, example: Any = None) -> InputField:
    """A signature's column with its label, help, unit and range from services/serving/display.py."""
    text = display.column_text(name)
    return InputField(
        name=name,
        kind=kind,
        required=required,
        example=example,
        label=text.label or name,
        help=display.field_help(text, kind, example),
        unit=text.unit,
        minimum=text.minimum,
        maximum=text.maximum,
    )


@dataclass(frozen=True)
class InputSignature:
    """The columns a model takes (from the endpoint's OpenAPI query schema) and example rows."""

    fields: tuple[InputField, ...]
    example_records: list[dict[str, Any]]


@dataclass(frozen=True)
class EndpointDetail(ModelEndpoint):
    """An endpoint with the input columns its model takes (None when the endpoint does not describe them)."""

    input_fields: tuple[InputField, ...] | None
    example_records: list[dict[str, Any]] | None


def validate_endpoint_name(name: str) -> str:
    """The name, if it can be a serving endpoint's; InvalidInput otherwise."""
    if not isinstance(name, str) or not ENDPOINT_NAME.match(name):
        raise InvalidInput(
            "An endpoint name has 1 to 63 letters, digits, dashes or underscores.",
            technical_details={"endpoint_name": str(name)[:100]},
        )
    return name


def served_endpoint(settings: Settings, name: str) -> str:
    """The name, if it is valid and one the app serves (all, unless SERVING_ENDPOINTS names some)."""
    validate_endpoint_name(name)
    if settings.serving_endpoints and name not in settings.serving_endpoints:
        raise NotFound(
            f"Serving endpoint '{name}' is not one this app uses.", technical_details={"endpoint_name": name}
        )
    return name


def _millis(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, tz=UTC) if value else None


def _seed_state(ready: str | None, config_update: str | None) -> EndpointState:
    if config_update == "UPDATE_FAILED":
        return "FAILED"
    if ready == "READY":
        return "UPDATING" if config_update == "IN_PROGRESS" else "READY"
    # Not ready: being created, or failed when no update is under way that could make it ready.
    return "CREATING" if config_update == "IN_PROGRESS" else "FAILED"


def _served_model(item: ServingEndpoint | ServingEndpointDetailed) -> tuple[str, str | None]:
    """The (name, version) of the endpoint's first served entity, or of its first served model."""
    entities = (item.config.served_entities or []) if item.config else []
    models = (item.config.served_models or []) if item.config else []
    if entities:
        return entities[0].entity_name or entities[0].name or item.name or "", entities[0].entity_version
    if models:
        return models[0].model_name or item.name or "", models[0].model_version
    return item.name or "", None


def _endpoint(item: ServingEndpoint | ServingEndpointDetailed, host: str | None) -> ModelEndpoint:
    ready = item.state.ready.value if item.state and item.state.ready else None
    update = item.state.config_update.value if item.state and item.state.config_update else None
    model_name, model_version = _served_model(item)
    name = item.name or ""
    return ModelEndpoint(
        endpoint_name=name,
        endpoint_id=item.id,
        model_name=model_name,
        model_version=model_version,
        state=_seed_state(ready, update),
        ready=ready,
        config_update=update,
        task=item.task,
        workload_url=f"{host}/serving-endpoints/{name}/invocations" if host else None,
        creation_timestamp=_millis(item.creation_timestamp),
        last_updated_timestamp=_millis(item.last_updated_timestamp),
    )


def _app_endpoints(found: list[ServingEndpoint], settings: Settings) -> list[ModelEndpoint]:
    """The listed endpoints the app serves (all, unless SERVING_ENDPOINTS names some), by name."""
    endpoints = [_endpoint(item, settings.databricks_host) for item in found]
    if settings.serving_endpoints:
        endpoints = [e for e in endpoints if e.endpoint_name in settings.serving_endpoints]
    return sorted(endpoints, key=lambda e: e.endpoint_name)


def _about(name: str, action: str) -> AbstractContextManager[None]:
    """The error translation for a call about one endpoint: a 404 names it ("does not exist, or ...")."""
    return translated("serving", action=action, subject=f"Serving endpoint '{name}'", details={"endpoint_name": name})


def list_endpoints(*, settings: Settings, user: UserIdentity) -> list[ModelEndpoint]:
    """The serving endpoints the user may see (only the app's own when SERVING_ENDPOINTS is set), by name."""
    with translated("workspace", action="serving_endpoints.list"):
        found = list(user_client(settings, user).serving_endpoints.list())
    return _app_endpoints(found, settings)


def get_endpoint(*, settings: Settings, user: UserIdentity, name: str) -> ModelEndpoint:
    """One endpoint, with its current state."""
    served_endpoint(settings, name)
    with _about(name, "serving_endpoints.get"):
        item = user_client(settings, user).serving_endpoints.get(name)
    return _endpoint(item, settings.databricks_host)


def _records_schema(document: dict[str, Any]) -> dict[str, Any] | None:
    """The `dataframe_records` part of an endpoint's OpenAPI query schema, wherever it sits."""
    for path in (document.get("paths") or {}).values():
        content = (((path or {}).get("post") or {}).get("requestBody") or {}).get("content") or {}
        schema = (content.get("application/json") or {}).get("schema") or {}
        for option in schema.get("oneOf") or [schema]:
            records = ((option or {}).get("properties") or {}).get("dataframe_records")
            if isinstance(records, dict):
                return records
    return None


def parse_signature(document: dict[str, Any]) -> InputSignature | None:
    """The input columns from an endpoint's OpenAPI document; None when it describes no tabular input."""
    records = _records_schema(document)
    if records is None:
        return None
    items = records.get("items") or {}
    properties = items.get("properties") or {}
    required = set(items.get("required") or [])
    examples = records.get("example") or (records.get("examples") or [None])[0] or []
    example_records = [r for r in examples if isinstance(r, dict)] if isinstance(examples, list) else []
    first = example_records[0] if example_records else {}
    fields = tuple(
        input_field(
            name,
            FIELD_KINDS.get(str((spec or {}).get("type")), "string"),
            required=name in required,
            example=first.get(name),
        )
        for name, spec in properties.items()
    )
    return InputSignature(fields=fields, example_records=example_records) if fields else None


def get_signature(*, settings: Settings, user: UserIdentity, name: str) -> InputSignature | None:
    """The model's input columns, for a form; None when the endpoint does not describe them."""
    served_endpoint(settings, name)
    with _about(name, "serving_endpoints.get_open_api"):
        answer = user_client(settings, user).serving_endpoints.get_open_api(name)
        raw = answer.contents.read() if answer.contents else b""
    try:
        document = json.loads(raw or b"{}")
    except ValueError:
        log.warning("endpoint %s: its OpenAPI document is not JSON", name)
        return None
    return parse_signature(document) if isinstance(document, dict) else None


def get_endpoint_detail(*, settings: Settings, user: UserIdentity, name: str) -> EndpointDetail:
    """One endpoint, its state and the input columns (with examples) of its model."""
    endpoint = get_endpoint(settings=settings, user=user, name=name)
    signature = get_signature(settings=settings, user=user, name=name)
    return EndpointDetail(
        **vars(endpoint),
        input_fields=signature.fields if signature else None,
        example_records=signature.example_records if signature else None,
    )


def is_configured(settings: Settings) -> bool:
    """Whether a workspace to list serving endpoints on is configured."""
    return bool(settings.databricks_host)


def ping(settings: Settings) -> str:
    """How many of the app's endpoints are ready, as the service principal sees them (for the status card)."""
    found = _app_endpoints(list(service_principal_client(settings).serving_endpoints.list()), settings)
    ready = sum(1 for e in found if e.state == "READY")
    return f"{ready} of {len(found)} endpoints ready"
