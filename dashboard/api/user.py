"""GET /api/user/me: the signed-in user, from the forwarded headers and the workspace."""

from __future__ import annotations

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel

from core.request_context import app_settings, current_user
from dashboard.api.errors import ERROR_RESPONSES
from services import workspace

user_api = APIBlueprint("user_api", __name__, url_prefix="/api/user", abp_tags=[Tag(name="user")])


class CurrentUser(BaseModel):
    """The seed's UserSession, as the app sees it."""

    user_id: str
    email: str | None
    user_name: str | None
    display_name: str
    workspace_user_id: str | None
    groups: list[str]
    active: bool | None
    on_behalf_of_user: bool


@user_api.get(
    "/me",
    summary="The signed-in user",
    responses={200: CurrentUser, **ERROR_RESPONSES},
)
def get_me() -> Response:
    """The identity the Apps proxy forwarded, confirmed by the workspace with the user's own token.

    Without a forwarded token: 403 USER_AUTHORIZATION_REQUIRED, or, when ALLOW_APP_IDENTITY_FALLBACK lets the
    app's service principal act for everyone, the forwarded identity alone with on_behalf_of_user false (SCIM
    Me would describe the app, not the user)."""
    settings, user = app_settings(), current_user()
    me = workspace.get_current_user(settings=settings, user=user)
    return jsonify(
        CurrentUser(
            user_id=user.user_id,
            email=user.email,
            user_name=user.user_name,
            display_name=(me.display_name if me else None) or user.display_name,
            workspace_user_id=me.id if me else None,
            groups=list(me.groups) if me else [],
            active=me.active if me else None,
            on_behalf_of_user=workspace.who_acts(settings, user) == "user",
        ).model_dump()
    )
