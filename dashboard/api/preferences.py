"""/api/preferences: the signed-in user's preferences in Lakebase (the seed's lakebase_api contract)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, ConfigDict, Field, RootModel

from core.request_context import app_settings, current_user
from dashboard.api.errors import ERROR_RESPONSES
from services import preferences

preferences_api = APIBlueprint(
    "preferences_api", __name__, url_prefix="/api/preferences", abp_tags=[Tag(name="preferences")]
)


class UserPreferenceList(RootModel[list[preferences.UserPreference]]):
    """A list of UserPreference."""


class PreferenceQuery(BaseModel):
    preference_key: str | None = Field(default=None, description="One key; all of them when omitted")


class PreferenceUpsert(BaseModel):
    """What a client may send: never a user id, which comes from the identity."""

    model_config = ConfigDict(extra="forbid")
    preference_key: str = Field(examples=["theme"], description=f"One of {', '.join(preferences.PREFERENCE_KEYS)}")
    preference_value: dict[str, Any] = Field(examples=[{"mode": "dark"}])


class PreferencePath(BaseModel):
    preference_key: str


def _body(preference: preferences.UserPreference) -> dict[str, Any]:
    return preference.model_dump(mode="json")


@preferences_api.get("", summary="The user's preferences", responses={200: UserPreferenceList, **ERROR_RESPONSES})
def list_preferences(query: PreferenceQuery) -> Response:
    """All of the signed-in user's preferences, or the one named by `preference_key`."""
    found = preferences.list_preferences(settings=app_settings(), user=current_user(), key=query.preference_key)
    return jsonify([_body(p) for p in found])


@preferences_api.post(
    "", summary="Create or update a preference", responses={200: preferences.UserPreference, **ERROR_RESPONSES}
)
def upsert_preference(body: PreferenceUpsert) -> Response:
    """Create or replace one of the signed-in user's preferences."""
    saved = preferences.upsert_preference(
        settings=app_settings(), user=current_user(), key=body.preference_key, value=body.preference_value
    )
    return jsonify(_body(saved))


@preferences_api.delete(
    "/<preference_key>",
    summary="Delete a preference",
    responses={204: None, **ERROR_RESPONSES},
)
def delete_preference(path: PreferencePath) -> tuple[str, int]:
    """Delete one of the signed-in user's preferences; 404 when they have none under that key."""
    preferences.delete_preference(settings=app_settings(), user=current_user(), key=path.preference_key)
    return "", 204
