"""/api/queries: the app's query files, and running one of them with parameters (services.analytics)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, ConfigDict, Field, RootModel

from core.request_context import app_settings, current_user
from dashboard.api.errors import ERROR_RESPONSES
from services import analytics
from services.analytics.parameters import json_safe

queries_api = APIBlueprint("queries_api", __name__, url_prefix="/api/queries", abp_tags=[Tag(name="queries")])
MAX_PARAMETERS = 64
ParameterValue = str | int | float | bool | None


class QueryParameterInfo(BaseModel):
    """A parameter a query file declares (services.analytics.QueryParameter)."""

    name: str
    type: str = Field(examples=["DATE"], description="Its Databricks SQL type")
    default: ParameterValue = Field(description="Used when the parameter is not given (JSON form)")
    required: bool


class QueryInfo(BaseModel):
    """A query file (services.analytics.QueryFile), without its SQL."""

    name: str = Field(examples=["trips_by_hour"])
    description: str
    run_as: Literal["user", "app"]
    cache_ttl_seconds: int
    parameters: list[QueryParameterInfo]

    @classmethod
    def of(cls, query: analytics.QueryFile) -> QueryInfo:
        """The description of a query file."""
        parameters = [
            QueryParameterInfo(name=p.name, type=str(p.sql_type), default=json_safe(p.default), required=p.required)
            for p in query.parameters
        ]
        return cls(
            name=query.name,
            description=query.description,
            run_as=query.run_as,
            cache_ttl_seconds=query.cache_ttl_seconds,
            parameters=parameters,
        )


class QueryList(RootModel[list[QueryInfo]]):
    """Every query the app has, by name."""


class QueryPath(BaseModel):
    name: str = Field(max_length=64, description="The query file's name, without .sql")


class RunBody(BaseModel):
    """Parameter values by name (dates and timestamps in ISO 8601); `refresh` skips the cache."""

    model_config = ConfigDict(extra="forbid")
    parameters: dict[str, ParameterValue] = Field(default_factory=dict, max_length=MAX_PARAMETERS)
    refresh: bool = False


class QueryResultBody(BaseModel):
    """services.analytics.QueryResult as JSON: rows as lists in column order, values JSON-safe."""

    name: str
    columns: list[str]
    column_types: list[str] = Field(examples=[["INT", "BIGINT"]])
    rows: list[list[Any]]
    row_count: int
    warehouse_ms: int
    from_cache: bool
    computed_at: dt.datetime
    parameters: dict[str, Any]

    @classmethod
    def of(cls, result: analytics.QueryResult) -> QueryResultBody:
        """The JSON form of a result."""
        return cls(
            name=result.name,
            columns=result.columns,
            column_types=result.column_types,
            rows=result.json_rows(),
            row_count=result.row_count,
            warehouse_ms=result.warehouse_ms,
            from_cache=result.from_cache,
            computed_at=result.computed_at,
            parameters=result.parameters,
        )


@queries_api.get("", summary="The app's queries", responses={200: QueryList, **ERROR_RESPONSES})
def list_queries() -> Response:
    """Every query file of the app, with its parameters, how it runs and how long it is cached."""
    found = analytics.query_files(app_settings())
    return jsonify(QueryList([QueryInfo.of(q) for q in found.values()]).model_dump(mode="json"))


@queries_api.post("/<name>", summary="Run a query", responses={200: QueryResultBody, **ERROR_RESPONSES})
def run_query(path: QueryPath, body: RunBody) -> Response:
    """Run the named query with these parameter values (as the user, or as the app for `@run_as app`), from
    the cache when it holds the same result; 400 INVALID_INPUT names a parameter that is wrong."""
    result = analytics.run(
        path.name, body.parameters, settings=app_settings(), user=current_user(), refresh=body.refresh
    )
    return jsonify(QueryResultBody.of(result).model_dump(mode="json"))
