"""/api/unity-catalog: the tables the user may read, pages of them, and CSV exports (the seed's contract)."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from flask import Response, jsonify, stream_with_context
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, ConfigDict, Field, RootModel, TypeAdapter, ValidationError

from core.errors import InvalidInput
from core.limits import MAX_OFFSET
from core.request_context import app_settings, current_user
from dashboard.api.errors import ERROR_RESPONSES, ErrorBody
from services import catalog, warehouse
from services.catalog import DEFAULT_TABLES_PAGE, MAX_PAGE_TOKEN_CHARS, MAX_TABLES_LISTED

unity_catalog_api = APIBlueprint(
    "unity_catalog_api", __name__, url_prefix="/api/unity-catalog", abp_tags=[Tag(name="unity-catalog")]
)


# The list keeps the seed's DataSource list shape, so the next page's token travels in a header.
NEXT_PAGE_HEADER = "X-Next-Page-Token"


class DataSourceList(RootModel[list[catalog.DataSource]]):
    """A list of the seed's DataSource, as the catalog service returns them."""


class TablesQuery(BaseModel):
    catalog: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    # (Named, not read from `catalog`: in this class body that is the field above.)
    max_results: int = Field(default=DEFAULT_TABLES_PAGE, ge=1, le=MAX_TABLES_LISTED)
    page_token: str | None = Field(
        default=None,
        max_length=MAX_PAGE_TOKEN_CHARS,
        description=f"The previous page's {NEXT_PAGE_HEADER} response header",
    )


class FilterBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str
    operator: warehouse.Operator = "="
    value: str | int | float | bool | None = None


class SortBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str
    direction: Literal["asc", "desc"] = "asc"


# A list of conditions, or an object of column: value equalities (the query's body and the export's JSON).
Filters = list[FilterBody] | dict[str, str | int | float | bool] | None
FILTERS = TypeAdapter[Filters](Filters)


class QueryBody(BaseModel):
    """A page of one table; `filters` is a list of conditions, or an object of column: value equalities."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    catalog: str
    schema_: str = Field(alias="schema")
    table: str
    limit: int = Field(default=100, ge=1, le=warehouse.MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    filters: Filters = None
    sort: SortBody | None = None


class QueryResultBody(RootModel[warehouse.QueryResult]):
    """The seed's QueryResult, with the page's position, whether a next page exists, and `total_count`: how
    many rows the filters keep in all (a separate count(*) on the warehouse, cached a minute)."""


class ExportQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    catalog: str
    schema_: str = Field(alias="schema")
    table: str
    filters: str | None = Field(
        default=None, description="JSON: a list of {column, operator, value}, or an object of column: value"
    )
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
    """A page of the tables the user may see in a catalog (or all), optionally one schema, with their access
    level; the X-Next-Page-Token header, when present, is the page_token of the next page."""
    page = catalog.list_tables_page(
        settings=app_settings(),
        user=current_user(),
        catalog=query.catalog or None,  # `?catalog=` asks for every catalog, as no catalog does
        schema=query.schema_ or None,
        max_results=query.max_results,
        page_token=query.page_token or None,
    )
    response = jsonify(DataSourceList(page.tables).model_dump(mode="json"))
    if page.next_page_token:
        response.headers[NEXT_PAGE_HEADER] = page.next_page_token
    return response


@unity_catalog_api.post("/query", summary="A page of a table", responses={200: QueryResultBody, **ERROR_RESPONSES})
def query_table(body: QueryBody) -> Response:
    """SELECT a page (limit/offset) of a table the user may read, filtered and sorted on the warehouse, and
    how many rows the filters keep in all (`total_count`)."""
    settings, user = app_settings(), current_user()
    table, filters = warehouse.TableRef(body.catalog, body.schema_, body.table), to_filters(body.filters)
    result = warehouse.query_page(
        settings=settings,
        user=user,
        table=table,
        limit=body.limit,
        offset=body.offset,
        filters=filters,
        sort=warehouse.Sort(body.sort.column, body.sort.direction) if body.sort else None,
    )
    counted = warehouse.count_rows(settings=settings, user=user, table=table, filters=filters)
    result = dataclasses.replace(result, total_count=counted.total)
    return jsonify(QueryResultBody(result).model_dump(mode="json"))


@unity_catalog_api.get("/export", summary="The filtered table as CSV", responses={**ERROR_RESPONSES, 429: ErrorBody})
def export_table(query: ExportQuery) -> Response:
    """Formula-safe CSV of the filtered, sorted table, at most 50,000 rows and 50 MB (whole rows), streamed;
    429 TOO_MANY_REQUESTS while the user already runs two exports."""
    try:
        filters = to_filters(FILTERS.validate_json(query.filters) if query.filters else None)
    except ValidationError:
        raise InvalidInput(
            "filters must be JSON: a list of {column, operator, value}, or an object of column: value.",
            technical_details={"field": "filters"},
        ) from None
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
