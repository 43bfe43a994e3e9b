"""Model Serving of the local workspace: endpoints backed by real MLflow models, scored by MLflow's own code.

Speaks the subset of the Serving Endpoints API the app uses: list, get, the endpoint's OpenAPI query
schema, and `POST /serving-endpoints/{name}/invocations`. Each endpoint can be made not ready, slow or
throttled (serving.toml, or `PATCH /.local/serving-endpoints/{name}` while it runs).
"""

from __future__ import annotations

import hashlib
import threading
import time
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request

from local_workspace.errors import abort_databricks, current_principal
from local_workspace.identities import Principal
from local_workspace.models import TrainedModel

DEFAULT_SERVING_FILE = Path(__file__).with_name("serving.toml")
OWNER = "samples-admin@example.com"
# Databricks refuses requests over 16 MB.
MAX_REQUEST_BYTES = 16 * 1024 * 1024
READY_STATES = ("READY", "NOT_READY")
CONFIG_UPDATES = ("NOT_UPDATING", "IN_PROGRESS", "UPDATE_FAILED")
# MLflow column types in OpenAPI terms.
OPENAPI_TYPES: dict[str, dict[str, str]] = {
    "double": {"type": "number", "format": "double"},
    "float": {"type": "number", "format": "float"},
    "long": {"type": "integer", "format": "int64"},
    "integer": {"type": "integer", "format": "int32"},
    "boolean": {"type": "boolean"},
    "string": {"type": "string"},
    "datetime": {"type": "string", "format": "date-time"},
    "binary": {"type": "string", "format": "byte"},
}


@dataclass(frozen=True)
class EndpointConfig:
    """One endpoint's settings; a change replaces the whole value."""

    name: str
    model: str
    state: str = "READY"
    config_update: str = "NOT_UPDATING"
    latency_ms: int = 0
    throttled_requests: int = 0
    users: tuple[str, ...] = ("*",)
    created_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    updated_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    def validate(self) -> EndpointConfig:
        if self.state not in READY_STATES:
            raise ValueError(f"state must be one of {READY_STATES}, got {self.state!r}")
        if self.config_update not in CONFIG_UPDATES:
            raise ValueError(f"config_update must be one of {CONFIG_UPDATES}, got {self.config_update!r}")
        if not 0 <= self.latency_ms <= 600_000 or self.throttled_requests < 0:
            raise ValueError("latency_ms must be 0..600000 and throttled_requests at least 0")
        return self


def load_endpoint_configs(path: Path = DEFAULT_SERVING_FILE) -> list[EndpointConfig]:
    """The endpoints of serving.toml."""
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        EndpointConfig(**{**item, "users": tuple(item.get("users", ["*"]))}).validate()
        for item in document.get("endpoints", [])
    ]


class LocalServing:
    """Serving endpoints over trained models; thread-safe, because the workspace serves requests in threads."""

    def __init__(self, endpoints: list[EndpointConfig], models: dict[str, TrainedModel]) -> None:
        missing = {e.model for e in endpoints} - set(models)
        if missing:
            raise ValueError(f"serving endpoints name unknown models: {sorted(missing)}")
        self._endpoints = {e.name: e for e in endpoints}
        self._models = models
        self._loaded: dict[str, Any] = {}
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load every model now, so that the first invocation is as fast as the others."""
        for endpoint in self._endpoints.values():
            self.pyfunc(endpoint.model)

    def pyfunc(self, model_key: str) -> Any:
        """The loaded pyfunc model (loaded once)."""
        with self._lock:
            if model_key not in self._loaded:
                import mlflow.pyfunc

                self._loaded[model_key] = mlflow.pyfunc.load_model(str(self._models[model_key].path))
            return self._loaded[model_key]

    def config(self, name: str) -> EndpointConfig | None:
        with self._lock:
            return self._endpoints.get(name)

    def configs(self) -> list[EndpointConfig]:
        with self._lock:
            return list(self._endpoints.values())

    def configure(self, name: str, **changes: Any) -> EndpointConfig:
        """Change an endpoint's state, latency, throttling or users; raises KeyError or ValueError."""
        allowed = {"state", "config_update", "latency_ms", "throttled_requests", "users"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown fields: {sorted(unknown)}; allowed: {sorted(allowed)}")
        if "users" in changes:
            changes["users"] = tuple(changes["users"])
        with self._lock:
            current = self._endpoints[name]
            updated = replace(current, **changes, updated_ms=int(time.time() * 1000)).validate()
            self._endpoints[name] = updated
            return updated

    def take_throttle(self, name: str) -> bool:
        """Whether this invocation is throttled (counting it down)."""
        with self._lock:
            current = self._endpoints[name]
            if current.throttled_requests <= 0:
                return False
            self._endpoints[name] = replace(current, throttled_requests=current.throttled_requests - 1)
            return True

    def visible_to(self, endpoint: EndpointConfig, principal: Principal) -> bool:
        if principal.is_service_principal or "*" in endpoint.users:
            return True
        return principal.user_name in endpoint.users or any(g in endpoint.users for g in principal.groups)

    def served_name(self, endpoint: EndpointConfig) -> str:
        """The name of the entity the endpoint serves (its model and version)."""
        model = self._models[endpoint.model]
        return f"{model.key}-{model.version}"

    def describe(self, endpoint: EndpointConfig) -> dict[str, Any]:
        """The endpoint as `GET /api/2.0/serving-endpoints/{name}` describes it."""
        model = self._models[endpoint.model]
        served = {
            "name": self.served_name(endpoint),
            "entity_name": model.registered_name,
            "entity_version": model.version,
            "workload_size": "Small",
            "workload_type": "CPU",
            "scale_to_zero_enabled": True,
            "state": {
                "deployment": "DEPLOYMENT_READY" if endpoint.state == "READY" else "DEPLOYMENT_CREATING",
                "deployment_state_message": "" if endpoint.state == "READY" else "Served entity is starting.",
            },
        }
        return {
            "name": endpoint.name,
            "id": hashlib.sha256(endpoint.name.encode()).hexdigest()[:32],
            "creator": OWNER,
            "creation_timestamp": endpoint.created_ms,
            "last_updated_timestamp": endpoint.updated_ms,
            "state": {"ready": endpoint.state, "config_update": endpoint.config_update},
            "config": {"served_entities": [served], "config_version": 1},
            "permission_level": "CAN_QUERY",
            "route_optimized": False,
        }

    def openapi(self, endpoint: EndpointConfig) -> dict[str, Any]:
        """The endpoint's query schema in OpenAPI, from the model's signature and input example."""
        model = self.pyfunc(endpoint.model)
        schema = model.metadata.get_input_schema()
        columns = schema.input_names() if schema is not None else []
        properties = {
            spec.name: OPENAPI_TYPES.get(getattr(spec.type, "name", str(spec.type)), {"type": "string"})
            for spec in (schema.inputs if schema else [])
        }
        required = [spec.name for spec in (schema.inputs if schema else []) if spec.required]
        example = model.metadata.load_input_example(str(self._models[endpoint.model].path))
        example_records = example.to_dict(orient="records") if example is not None else []
        served = self.served_name(endpoint)
        record = {"type": "object", "required": required, "properties": properties}
        request_schema = {
            "oneOf": [
                {
                    "type": "object",
                    "properties": {
                        "dataframe_split": {
                            "type": "object",
                            "properties": {
                                "columns": {"type": "array", "items": {"type": "string", "enum": columns}},
                                "data": {
                                    "type": "array",
                                    "items": {"type": "array", "prefixItems": list(properties.values())},
                                },
                            },
                        }
                    },
                },
                {
                    "type": "object",
                    "properties": {"dataframe_records": {"type": "array", "items": record, "example": example_records}},
                },
            ]
        }
        return {
            "openapi": "3.1.0",
            "info": {"title": endpoint.name, "version": "1"},
            "servers": [{"url": f"{request.host_url.rstrip('/')}/serving-endpoints/{endpoint.name}"}],
            "paths": {
                f"/served-models/{served}/invocations": {
                    "post": {
                        "requestBody": {"content": {"application/json": {"schema": request_schema}}},
                        "responses": {
                            "200": {
                                "description": "Successful operation",
                                "content": {
                                    "application/json": {
                                        "schema": {
                                            "type": "object",
                                            "properties": {"predictions": {"type": "array"}},
                                        }
                                    }
                                },
                            }
                        },
                    }
                }
            },
        }

    def score(self, endpoint: EndpointConfig, body: bytes, content_type: str) -> tuple[int, str, str]:
        """MLflow's scoring server on the body: (HTTP status, response text, mimetype)."""
        from mlflow.exceptions import MlflowException
        from mlflow.pyfunc import scoring_server

        model = self.pyfunc(endpoint.model)
        try:
            answer = scoring_server.invocations(body, content_type, model, model.metadata.get_input_schema())
        except MlflowException as error:
            return error.get_http_status_code(), error.serialize_as_json(), "application/json"
        return answer.status, answer.response, answer.mimetype


def serving_blueprint(serving: LocalServing) -> Blueprint:
    """The Serving Endpoints API, the invocation path, and the local controls under /.local."""
    api = Blueprint("serving", __name__)

    def endpoint_for_caller(name: str) -> EndpointConfig:
        endpoint = serving.config(name)
        if endpoint is None or not serving.visible_to(endpoint, current_principal()):
            abort_databricks(404, "RESOURCE_DOES_NOT_EXIST", f"Endpoint with name '{name}' does not exist.")
        return endpoint

    @api.get("/api/2.0/serving-endpoints")
    def list_endpoints() -> Response:
        principal = current_principal()
        return jsonify(endpoints=[serving.describe(e) for e in serving.configs() if serving.visible_to(e, principal)])

    @api.get("/api/2.0/serving-endpoints/<name>")
    def get_endpoint(name: str) -> Response:
        return jsonify(serving.describe(endpoint_for_caller(name)))

    @api.get("/api/2.0/serving-endpoints/<name>/openapi")
    def get_openapi(name: str) -> Response:
        return jsonify(serving.openapi(endpoint_for_caller(name)))

    @api.post("/serving-endpoints/<name>/invocations")
    def invocations(name: str) -> Response:
        endpoint = endpoint_for_caller(name)
        if endpoint.latency_ms:
            time.sleep(endpoint.latency_ms / 1000)
        if endpoint.state != "READY":
            abort_databricks(
                503,
                "TEMPORARILY_UNAVAILABLE",
                f"Endpoint '{name}' is not ready (config update {endpoint.config_update}). Try again later.",
                retry_after=30,
            )
        if serving.take_throttle(name):
            abort_databricks(
                429,
                "REQUEST_LIMIT_EXCEEDED",
                f"Exceeded the rate limit of endpoint '{name}'. Please try again later.",
                retry_after=1,
            )
        if (request.content_length or 0) > MAX_REQUEST_BYTES:
            abort_databricks(400, "BAD_REQUEST", "Request size exceeds the limit of 16 MB.")
        status, text, mimetype = serving.score(
            endpoint, request.get_data(cache=False), request.content_type or "application/json"
        )
        answer = Response(text, status=status, mimetype=mimetype)
        answer.headers["served-model-name"] = serving.served_name(endpoint)
        return answer

    @api.get("/.local/serving-endpoints")
    def local_configs() -> Response:
        return jsonify(endpoints=[asdict(e) for e in serving.configs()])

    @api.patch("/.local/serving-endpoints/<name>")
    def local_configure(name: str) -> tuple[Response, int] | Response:
        changes = request.get_json(force=True, silent=True)
        if not isinstance(changes, dict):
            return jsonify(error="send a JSON object of the fields to change"), 400
        try:
            return jsonify(asdict(serving.configure(name, **changes)))
        except KeyError:
            return jsonify(error=f"no endpoint {name!r}"), 404
        except (TypeError, ValueError) as error:
            return jsonify(error=str(error)), 400

    return api
