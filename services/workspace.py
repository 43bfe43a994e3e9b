"""Databricks workspace clients: the app's service principal, and one client per request for the user.

Who acts is decided in one place, `acts_as_app`: the user's own forwarded token when there is one; the app's
service principal for APP_IDENTITY; for a user without a token, the service principal only when
ALLOW_APP_IDENTITY_FALLBACK is on, else the call is refused (UserAuthorizationRequired), as Databricks' own
toolkit fails closed."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from databricks.sdk import WorkspaceClient
from databricks.sdk.clock import RealClock
from databricks.sdk.config import Config
from databricks.sdk.credentials_provider import CredentialsProvider, CredentialsStrategy

from core.errors import NotConfigured, UserAuthorizationRequired
from core.identity import UserIdentity
from core.settings import Settings
from services.errors import translated

log = logging.getLogger(__name__)
T = TypeVar("T")
# Who the Databricks calls made for a user run as: their own token, the app's service principal, or no one.
Acting = Literal["user", "app", "refused"]
# The header the Apps proxy forwards the user's own access token in, when user authorization is enabled.
OBO_HEADER = "X-Forwarded-Access-Token"
HTTP_TIMEOUT_SECONDS = 30
# The SDK retries transient failures for 5 minutes by default; a page must answer sooner than that.
RETRY_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class WorkspaceUser:
    """A principal as the workspace's SCIM API describes it."""

    id: str | None
    user_name: str | None
    display_name: str | None
    emails: tuple[str, ...]
    groups: tuple[str, ...]
    active: bool | None


def _require_host(settings: Settings) -> str:
    if not settings.databricks_host:
        raise NotConfigured(
            "No Databricks workspace is configured for this app.",
            technical_details={"service": "workspace", "setting": "DATABRICKS_HOST"},
        )
    return settings.databricks_host


def _client(
    *,
    host: str,
    auth_type: str | None = None,
    token: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> WorkspaceClient:
    config = Config(
        host=host,
        auth_type=auth_type,
        token=token,
        client_id=client_id,
        client_secret=client_secret,
        http_timeout_seconds=HTTP_TIMEOUT_SECONDS,
        retry_timeout_seconds=RETRY_TIMEOUT_SECONDS,
    )
    return WorkspaceClient(config=config)


@functools.lru_cache(maxsize=4)
def service_principal_client(settings: Settings) -> WorkspaceClient:
    """The app's own client, shared by the process: it carries no user's token."""
    host = _require_host(settings)
    if settings.client_id and settings.client_secret:
        return _client(
            host=host, client_id=settings.client_id, client_secret=settings.client_secret, auth_type="oauth-m2m"
        )
    # Outside Databricks Apps: the SDK's default chain (a profile, DATABRICKS_TOKEN, ...).
    return _client(host=host)


def who_acts(settings: Settings, user: UserIdentity) -> Acting:
    """Who the calls made for `user` run as: "user" (their forwarded token), "app" (the service principal:
    APP_IDENTITY, or a user without a token when ALLOW_APP_IDENTITY_FALLBACK is on) or "refused"."""
    if user.is_app:
        return "app"
    if user.access_token:
        return "user"
    return "app" if settings.allow_app_identity_fallback else "refused"


def acts_as_app(settings: Settings, user: UserIdentity) -> bool:
    """Whether the service principal acts for `user` (False: their own token does); UserAuthorizationRequired
    for a user without a token unless ALLOW_APP_IDENTITY_FALLBACK is on, and then a WARNING each time."""
    acting = who_acts(settings, user)
    if acting == "refused":
        raise UserAuthorizationRequired(
            technical_details={
                "reason": f"no {OBO_HEADER} header was forwarded with the request",
                "header": OBO_HEADER,
                "fix": "enable user authorization: user_api_scopes in databricks.yml",
            }
        )
    if acting == "app" and not user.is_app:
        # The log line carries the request's user_id already (dashboard.logging_setup).
        log.warning(
            "no user token forwarded: the app's service principal acts for the user (ALLOW_APP_IDENTITY_FALLBACK)"
        )
    return acting == "app"


def user_client(settings: Settings, user: UserIdentity) -> WorkspaceClient:
    """A new client acting as `user` with their forwarded token; build one per request, never share it.

    The service principal's shared client for APP_IDENTITY, and for a user without a token only when
    ALLOW_APP_IDENTITY_FALLBACK is on; otherwise UserAuthorizationRequired (see `acts_as_app`)."""
    if acts_as_app(settings, user):
        return service_principal_client(settings)
    # auth_type="pat": the service principal's variables are also set, and would otherwise conflict.
    return _client(host=_require_host(settings), token=user.access_token, auth_type="pat")


class _SdkRetrySkipped(Exception):
    """Raised where the SDK would sleep before retrying; its __context__ is the error it would retry."""


class _NoSdkRetryClock(RealClock):
    """The SDK's clock, except that its retry loop stops at the first sleep: the caller retries instead."""

    def sleep(self, seconds: float) -> None:
        raise _SdkRetrySkipped


class _SharedCredentials(CredentialsStrategy):
    """Another client's credentials, so a short-lived client of the service principal reuses its token."""

    def __init__(self, config: Config) -> None:
        self._config = config

    def auth_type(self) -> str:
        return str(self._config.auth_type or "shared")

    def __call__(self, cfg: Config) -> CredentialsProvider:
        return self._config.authenticate


class DeadlineClients:
    """Clients for the attempts of one call that must end by a deadline, and that its caller retries.

    As the user, or the service principal, by the rule of user_client. The configuration is resolved once; each
    attempt gets a client whose HTTP timeout is the time left, with the SDK's own retries off (they would
    sleep past the deadline)."""

    def __init__(self, settings: Settings, user: UserIdentity) -> None:
        host = _require_host(settings)
        # A short retry budget for the configuration's own discovery call, should the host be down.
        options: dict[str, Any] = {"clock": _NoSdkRetryClock(), "retry_timeout_seconds": 1}
        if acts_as_app(settings, user):
            shared = _SharedCredentials(service_principal_client(settings).config)
            self._config = Config(host=host, credentials_strategy=shared, **options)
        else:
            self._config = Config(host=host, token=user.access_token, auth_type="pat", **options)

    def call(self, timeout_seconds: float, operation: Callable[[WorkspaceClient], T]) -> T:
        """One attempt: `operation` on a client whose requests give up after `timeout_seconds`; an error
        the SDK would have retried is raised as it is."""
        self._config.http_timeout_seconds = max(0.05, timeout_seconds)
        try:
            return operation(WorkspaceClient(config=self._config))
        except _SdkRetrySkipped as skipped:
            if skipped.__context__ is None:
                raise
            raise skipped.__context__ from None


def _as_workspace_user(client: WorkspaceClient) -> WorkspaceUser:
    me = client.current_user.me()
    return WorkspaceUser(
        id=me.id,
        user_name=me.user_name,
        display_name=me.display_name,
        emails=tuple(e.value for e in me.emails or () if e.value),
        groups=tuple(grp.display for grp in me.groups or () if grp.display),
        active=me.active,
    )


def get_current_user(*, settings: Settings, user: UserIdentity) -> WorkspaceUser | None:
    """Who the workspace says the signed-in user is (SCIM Me with their token).

    None when the service principal acts for a user without a token (ALLOW_APP_IDENTITY_FALLBACK): SCIM Me
    would then describe the app, not them. UserAuthorizationRequired without a token otherwise."""
    if who_acts(settings, user) == "app" and not user.is_app:
        return None
    with translated("workspace", action="current_user.me"):
        return _as_workspace_user(user_client(settings, user))


def get_service_principal(*, settings: Settings) -> WorkspaceUser:
    """Who the app itself is in the workspace."""
    with translated("workspace", action="current_user.me (service principal)"):
        return _as_workspace_user(service_principal_client(settings))


def timed_ms(started: float) -> float:
    """Milliseconds since a time.perf_counter() reading."""
    return round((time.perf_counter() - started) * 1000, 1)
