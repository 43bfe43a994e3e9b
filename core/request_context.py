"""Per-request state (correlation id, signed-in user) kept in contextvars, so logs and services see it."""

from __future__ import annotations

from contextvars import ContextVar

from flask import current_app

from core.errors import AuthRequired
from core.identity import UserIdentity
from core.settings import Settings

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
user_var: ContextVar[UserIdentity | None] = ContextVar("user", default=None)


def current_request_id() -> str | None:
    """The correlation id of the request being served, if any."""
    return request_id_var.get()


def current_user() -> UserIdentity:
    """The signed-in user of the request being served; AuthRequired outside a signed-in request."""
    user = user_var.get()
    if user is None:
        raise AuthRequired()
    return user


def app_settings() -> Settings:
    """The settings of the app serving the current request (create_app may have been given its own)."""
    settings: Settings = current_app.config["APP_SETTINGS"]
    return settings
