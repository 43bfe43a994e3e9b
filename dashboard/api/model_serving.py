"""/api/model-serving: serving endpoints, invocations and the user's inference history (the seed's contract).

The response models are the service's own result types (`services.serving`, `services.inference_logs`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, ConfigDict, Field, RootModel

from core.limits import MAX_OFFSET
from core.request_context import app_settings, current_request_id, current_user
from dashboard.api.errors import ERROR_RESPONSES, ErrorBody
from services import inference_logs, serving

model_serving_api = APIBlueprint(
    "model_serving_api", __name__, url_prefix="/api/model-serving", abp_tags=[Tag(name="model-serving")]
)


class ModelEndpointList(RootModel[list[serving.ModelEndpoint]]):
    """A list of ModelEndpoint."""


class ModelEndpointDetail(RootModel[serving.EndpointDetail]):
    """An endpoint with the input columns its model takes (null when the endpoint does not describe them)."""


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
        default=None,
        ge=serving.MIN_TIMEOUT_SECONDS,
        le=serving.MAX_TIMEOUT_SECONDS,
        description="Default: the app's MODEL_SERVING_TIMEOUT (30 s unless set)",
    )


class ModelInferenceResponse(RootModel[serving.InferenceResult]):
    """The seed's ModelInferenceResponse; `logged` says whether the call is in the user's history."""


class InferenceLogPage(BaseModel):
    """A page of the signed-in user's past invocations, newest first."""

    logs: Sequence[inference_logs.InferenceCall]
    limit: int
    offset: int
    has_more: bool


class LogsQuery(BaseModel):
    limit: int = Field(default=20, ge=1, le=inference_logs.MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


@model_serving_api.get(
    "/endpoints", summary="Serving endpoints the user may see", responses={200: ModelEndpointList, **ERROR_RESPONSES}
)
def list_endpoints() -> Response:
    """The serving endpoints the signed-in user may see (only the app's own when SERVING_ENDPOINTS is set)."""
    found = serving.list_endpoints(settings=app_settings(), user=current_user())
    return jsonify(ModelEndpointList(found).model_dump(mode="json"))


@model_serving_api.get(
    "/endpoints/<endpoint_name>",
    summary="One endpoint, with its model's input columns",
    responses={200: ModelEndpointDetail, **ERROR_RESPONSES},
)
def get_endpoint(path: EndpointPath) -> Response:
    """An endpoint's state and the input columns (with an example) of its model."""
    detail = serving.get_endpoint_detail(settings=app_settings(), user=current_user(), name=path.endpoint_name)
    return jsonify(ModelEndpointDetail(detail).model_dump(mode="json"))


@model_serving_api.post(
    "/invoke",
    summary="Invoke a model (logged in the user's history)",
    responses={200: ModelInferenceResponse, 504: ErrorBody, **ERROR_RESPONSES},
)
def invoke(body: InvokeBody) -> Response:
    """Invoke the endpoint within `timeout_seconds`. 400 carries the model's own message; 503 is EC-001
    MODEL_UNAVAILABLE with retry_after; 504 MODEL_TIMEOUT. Every outcome is in the user's history."""
    result = serving.invoke(
        settings=app_settings(),
        user=current_user(),
        endpoint_name=body.endpoint_name,
        payload=body.inputs,
        request_id=current_request_id() or str(uuid.uuid4()),
        timeout_seconds=body.timeout_seconds,
    )
    return jsonify(ModelInferenceResponse(result).model_dump(mode="json"))


@model_serving_api.get(
    "/logs", summary="The user's inference history, newest first", responses={200: InferenceLogPage, **ERROR_RESPONSES}
)
def list_logs(query: LogsQuery) -> Response:
    """The signed-in user's invocations, newest first, `limit` at a time from `offset`."""
    page = inference_logs.list_inference_logs(
        settings=app_settings(), user=current_user(), limit=query.limit, offset=query.offset
    )
    # The stored rows are InferenceLogs; as InferenceCalls they are answered without the (caller's) user id.
    body = InferenceLogPage(logs=page.logs, limit=query.limit, offset=query.offset, has_more=page.has_more)
    return jsonify(body.model_dump(mode="json"))
