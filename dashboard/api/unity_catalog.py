"""/api/unity-catalog: the tables the user may read, pages of them, and CSV exports (the seed's contract)."""

from __future__ import annotations

import json
from typing import Any, Literal

from flask import Response, jsonify, stream_with_context
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, ConfigDict, Field, RootModel

from core.errors import InvalidInput
from core.request_context import app_settings, current_user
from dashboard.api.errors import ERROR_RESPONSES
from services import catalog, warehouse

unity_catalog_api = APIBlueprint(
    "unity_catalog_api", __name__, url_prefix="/api/unity-catalog", abp_tags=[Tag(name="unity-catalog")]
)


class DataSourceList(RootModel[list[catalog.DataSource]]):
    """A list of the seed's DataSource, as the catalog service returns them."""


class TablesQuery(BaseModel):
    catalog: str | None = None
    schema_: str | None = Field(default=None, alias="schema")


class FilterBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str
    operator: warehouse.Operator = "="
    value: str | int | float | bool | None = None


class SortBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str
    direction: Literal["asc", "desc"] = "asc"


class QueryBody(BaseModel):
    """A page of one table; `filters` is a list of conditions, or an object of column: value equalities."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    catalog: str
    schema_: str = Field(alias="schema")
    table: str
    limit: int = Field(default=100, ge=1, le=warehouse.MAX_LIMIT)
    offset: int = Field(default=0, ge=0)
    filters: list[FilterBody] | dict[str, str | int | float | bool] | None = None
    sort: SortBody | None = None


class QueryResultBody(RootModel[warehouse.QueryResult]):
    """The seed's QueryResult, with the page's position and whether a next page exists."""


class ExportQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    catalog: str
    schema_: str = Field(alias="schema")
    table: str
    filters: str | None = Field(default=None, description="JSON list of {column, operator, value}")
    sort_column: str | None = None
    sort_direction: Literal["asc", "desc"] = "asc"


def to_filters(raw: list[FilterBody] | dict[str, Any] | None) -> list[warehouse.Filter]:
    """The service's filters from either accepted form."""
    if raw is None:
        return []
    if isinstance(raw, dict):
        return [warehouse.Filter(column, "=", value) for column, value in raw.items()]
    return [warehouse.Filter(f.column, f.operator, f.value) for f in raw]


@unity_catalog_api.get("/tables", summary="Tables the user may see", responses={200: DataSourceList, **ERROR_RESPONSES})
def list_tables(query: TablesQuery) -> Response:
    """Every table the user may see in a catalog (or all), optionally one schema, with their access level."""
    found = catalog.list_tables(
        settings=app_settings(), user=current_user(), catalog=query.catalog, schema=query.schema_
    )
    return jsonify(DataSourceList(found).model_dump(mode="json"))


@unity_catalog_api.post("/query", summary="A page of a table", responses={200: QueryResultBody, **ERROR_RESPONSES})
def query_table(body: QueryBody) -> Response:
    """SELECT a page (limit/offset) of a table the user may read, filtered and sorted on the warehouse."""
    result = warehouse.query_page(
        settings=app_settings(),
        user=current_user(),
        table=warehouse.TableRef(body.catalog, body.schema_, body.table),
        limit=body.limit,
        offset=body.offset,
        filters=to_filters(body.filters),
        sort=warehouse.Sort(body.sort.column, body.sort.direction) if body.sort else None,
    )
    return jsonify(QueryResultBody(result).model_dump(mode="json"))


@unity_catalog_api.get("/export", summary="The filtered table as CSV", responses={**ERROR_RESPONSES})
def export_table(query: ExportQuery) -> Response:
    """CSV of the filtered, sorted table, at most 50,000 rows, streamed."""
    try:
        raw = json.loads(query.filters) if query.filters else None
        filters = to_filters([FilterBody.model_validate(f) for f in raw] if isinstance(raw, list) else raw)
    except (ValueError, TypeError) as error:
        raise InvalidInput("filters must be a JSON list of {column, operator, value}.") from error
    table = warehouse.TableRef(query.catalog, query.schema_, query.table)
    lines = warehouse.export_csv(
        settings=app_settings(),
        user=current_user(),
        table=table,
        filters=filters,
        sort=warehouse.Sort(query.sort_column, query.sort_direction) if query.sort_column else None,
    )
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{table.table}.csv"'},
    )
