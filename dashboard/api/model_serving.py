"""/api/model-serving: serving endpoints, invocations and the user's inference history (the seed's contract)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, ConfigDict, Field, RootModel

from core.request_context import app_settings, current_request_id, current_user
from dashboard.api.errors import ErrorBody
from services import inference_logs, model_serving

model_serving_api = APIBlueprint(
    "model_serving_api", __name__, url_prefix="/api/model-serving", abp_tags=[Tag(name="model-serving")]
)
ERRORS: dict[str | int, type[BaseModel] | dict[Any, Any] | None] = {
    400: ErrorBody,
    401: ErrorBody,
    403: ErrorBody,
    404: ErrorBody,
    503: ErrorBody,
}


class ModelEndpointBody(BaseModel):
    """The seed's ModelEndpoint; `ready` and `config_update` are Databricks' own state words."""

    endpoint_name: str
    endpoint_id: str | None = None
    model_name: str
    model_version: str | None = None
    state: Literal["CREATING", "READY", "UPDATING", "FAILED"]
    ready: str | None = None
    config_update: str | None = None
    task: str | None = None
    workload_url: str | None = None
    creation_timestamp: datetime | None = None
    last_updated_timestamp: datetime | None = None


class ModelEndpointList(RootModel[list[ModelEndpointBody]]):
    """A list of ModelEndpoint."""


class InputFieldBody(BaseModel):
    name: str
    kind: Literal["number", "integer", "string", "boolean"]
    required: bool
    example: Any = None


class ModelEndpointDetail(ModelEndpointBody):
    """An endpoint with the input columns its model takes (absent when the endpoint does not describe them)."""

    input_fields: list[InputFieldBody] | None = None
    example_records: list[dict[str, Any]] | None = None


class EndpointPath(BaseModel):
    endpoint_name: str


class InvokeBody(BaseModel):
    """An invocation: `inputs` has exactly one of dataframe_records, dataframe_split, instances, inputs."""

    model_config = ConfigDict(extra="forbid")
    endpoint_name: str = Field(examples=["taxi-fare"])
    inputs: dict[str, Any] = Field(
        examples=[
            {"dataframe_records": [{"trip_distance": 2.5, "pickup_hour": 8, "pickup_zip": 10003, "dropoff_zip": 10011}]}
        ],
        description="Model input in one of the MLflow scoring formats, as {format: data}",
    )
    timeout_seconds: int | None = Field(
        default=None, ge=1, le=300, description="Default: the app's MODEL_SERVING_TIMEOUT (30 s unless set)"
    )


class ModelInferenceResponse(BaseModel):
    """The seed's ModelInferenceResponse."""

    request_id: str
    endpoint_name: str
    predictions: Any = None
    status: Literal["SUCCESS", "ERROR", "TIMEOUT"]
    execution_time_ms: int
    error_message: str | None = None
    completed_at: datetime
    served_model_name: str | None = None
    attempts: int | None = None
    logged: bool | None = Field(default=None, description="Whether the call is in the user's history")


class InferenceLogBody(BaseModel):
    """One past invocation of the signed-in user."""

    id: int
    request_id: str
    endpoint_name: str
    inputs: Any
    predictions: Any = None
    status: Literal["SUCCESS", "ERROR", "TIMEOUT"]
    execution_time_ms: int
    error_message: str | None = None
    created_at: datetime
    completed_at: datetime | None = None


class InferenceLogPage(BaseModel):
    logs: list[InferenceLogBody]
    limit: int
    offset: int
    has_more: bool


class LogsQuery(BaseModel):
    limit: int = Field(default=20, ge=1, le=inference_logs.MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0)


def _endpoint_body(endpoint: model_serving.ModelEndpoint) -> dict[str, Any]:
    return ModelEndpointBody.model_validate(endpoint, from_attributes=True).model_dump(mode="json")


@model_serving_api.get(
    "/endpoints", summary="Serving endpoints the user may see", responses={200: ModelEndpointList, **ERRORS}
)
def list_endpoints() -> Response:
    """The serving endpoints the signed-in user may see (only the app's own when SERVING_ENDPOINTS is set)."""
    found = model_serving.list_endpoints(settings=app_settings(), user=current_user())
    return jsonify([_endpoint_body(e) for e in found])


@model_serving_api.get(
    "/endpoints/<endpoint_name>",
    summary="One endpoint, with its model's input columns",
    responses={200: ModelEndpointDetail, **ERRORS},
)
def get_endpoint(path: EndpointPath) -> Response:
    """An endpoint's state and the input columns (with an example) of its model."""
    settings, user = app_settings(), current_user()
    endpoint = model_serving.get_endpoint(settings=settings, user=user, name=path.endpoint_name)
    signature = model_serving.get_signature(settings=settings, user=user, name=path.endpoint_name)
    body = _endpoint_body(endpoint)
    if signature is not None:
        body["input_fields"] = [
            InputFieldBody.model_validate(f, from_attributes=True).model_dump() for f in signature.fields
        ]
        body["example_records"] = signature.example_records
    return jsonify(ModelEndpointDetail.model_validate(body).model_dump(mode="json"))


@model_serving_api.post(
    "/invoke",
    summary="Invoke a model (logged in the user's history)",
    responses={200: ModelInferenceResponse, 504: ErrorBody, **ERRORS},
)
def invoke(body: InvokeBody) -> Response:
    """Invoke the endpoint within `timeout_seconds`. 400 carries the model's own message; 503 is EC-001
    MODEL_UNAVAILABLE with retry_after; 504 MODEL_TIMEOUT. Every outcome is in the user's history."""
    result = model_serving.invoke(
        settings=app_settings(),
        user=current_user(),
        endpoint_name=body.endpoint_name,
        payload=body.inputs,
        request_id=current_request_id() or str(uuid.uuid4()),
        timeout_seconds=body.timeout_seconds,
    )
    return jsonify(ModelInferenceResponse.model_validate(result, from_attributes=True).model_dump(mode="json"))


@model_serving_api.get(
    "/logs", summary="The user's inference history, newest first", responses={200: InferenceLogPage, **ERRORS}
)
def list_logs(query: LogsQuery) -> Response:
    """The signed-in user's invocations, newest first, `limit` at a time from `offset`."""
    page = inference_logs.list_inference_logs(
        settings=app_settings(), user=current_user(), limit=query.limit, offset=query.offset
    )
    return jsonify(
        InferenceLogPage(
            logs=[InferenceLogBody.model_validate(log, from_attributes=True) for log in page.logs],
            limit=query.limit,
            offset=query.offset,
            has_more=page.has_more,
        ).model_dump(mode="json")
    )
