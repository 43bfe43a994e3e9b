"""/api/views: the signed-in user's saved views of the Data page, in Lakebase (each reopens at /data?<query>)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, ConfigDict, Field, RootModel

from core.request_context import app_settings, current_user
from dashboard.api.errors import ERROR_RESPONSES
from services import saved_views

views_api = APIBlueprint("views_api", __name__, url_prefix="/api/views", abp_tags=[Tag(name="views")])


class SavedViewList(RootModel[list[saved_views.SavedView]]):
    """A list of SavedView."""


class SavedViewCreate(BaseModel):
    """What a client may send: never a user id, which comes from the identity."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(
        max_length=saved_views.MAX_NAME_CHARS * 4,  # checked exactly (after trimming) by the service
        examples=["Long trips by fare"],
        description=f"1 to {saved_views.MAX_NAME_CHARS} characters, unique per user (whatever its case)",
    )
    table: str = Field(max_length=767, examples=["samples.nyctaxi.trips"], description="catalog.schema.table")
    query: str = Field(
        max_length=saved_views.MAX_QUERY_CHARS,
        examples=["table=samples.nyctaxi.trips&limit=100"],
        description="The Data page's URL query string (without '?'), holding table=<table>",
    )


class SavedViewRename(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=saved_views.MAX_NAME_CHARS * 4, examples=["Fares over $50"])


class SavedViewPath(BaseModel):
    view_id: int = Field(ge=1, le=saved_views.MAX_VIEW_ID)


def _body(view: saved_views.SavedView) -> dict[str, Any]:
    return view.model_dump(mode="json")


@views_api.get("", summary="The user's saved views", responses={200: SavedViewList, **ERROR_RESPONSES})
def list_views() -> Response:
    """All of the signed-in user's saved views, by name."""
    return jsonify([_body(v) for v in saved_views.list_views(settings=app_settings(), user=current_user())])


@views_api.post("", summary="Save a view", responses={201: saved_views.SavedView, **ERROR_RESPONSES})
def create_view(body: SavedViewCreate) -> tuple[Response, int]:
    """Save a view for the signed-in user; 400 when the name is taken or they have the most views allowed."""
    view = saved_views.create_view(
        settings=app_settings(), user=current_user(), name=body.name, table=body.table, query=body.query
    )
    return jsonify(_body(view)), 201


@views_api.get("/<int:view_id>", summary="One saved view", responses={200: saved_views.SavedView, **ERROR_RESPONSES})
def get_view(path: SavedViewPath) -> Response:
    """One of the signed-in user's saved views; 404 when they have none by that id."""
    return jsonify(_body(saved_views.get_view(settings=app_settings(), user=current_user(), view_id=path.view_id)))


@views_api.patch(
    "/<int:view_id>", summary="Rename a saved view", responses={200: saved_views.SavedView, **ERROR_RESPONSES}
)
def rename_view(path: SavedViewPath, body: SavedViewRename) -> Response:
    """Rename one of the signed-in user's saved views; 404 when they have none by that id."""
    view = saved_views.rename_view(settings=app_settings(), user=current_user(), view_id=path.view_id, name=body.name)
    return jsonify(_body(view))


@views_api.delete("/<int:view_id>", summary="Delete a saved view", responses={204: None, **ERROR_RESPONSES})
def delete_view(path: SavedViewPath) -> tuple[str, int]:
    """Delete one of the signed-in user's saved views; 404 when they have none by that id."""
    saved_views.delete_view(settings=app_settings(), user=current_user(), view_id=path.view_id)
    return "", 204
