"""Who is calling: the identity the Databricks Apps proxy forwards, or the app itself."""

from __future__ import annotations

from dataclasses import dataclass, field

APP_USER_ID = "app-service-principal"


@dataclass(frozen=True)
class UserIdentity:
    """The signed-in user of one request, or APP_IDENTITY.

    `user_id` scopes everything the app stores for the user. The access token is only ever used
    server-side for on-behalf-of-user calls; it is left out of repr so it cannot leak into a log.
    `is_app` is set only on APP_IDENTITY: no request can carry it (the middleware never sets it).
    """

    user_id: str
    email: str | None
    user_name: str | None
    workspace_user: str | None
    access_token: str | None = field(default=None, repr=False, compare=False)
    is_app: bool = field(default=False, kw_only=True)

    @property
    def display_name(self) -> str:
        """The most readable name the headers give."""
        return self.user_name or self.email or self.user_id


# The app's own identity, for code that means to act as the app's service principal (status probes, ping,
# make doctor, scripts): never a stand-in for a user whose token is missing.
APP_IDENTITY = UserIdentity(user_id=APP_USER_ID, email=None, user_name=None, workspace_user=None, is_app=True)
