"""Who is calling: the identity the Databricks Apps proxy forwards."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class UserIdentity:
    """The signed-in user of one request.

    `user_id` scopes everything the app stores for the user. The access token is only ever used
    server-side for on-behalf-of-user calls; it is left out of repr so it cannot leak into a log.
    """

    user_id: str
    email: str | None
    user_name: str | None
    workspace_user: str | None
    access_token: str | None = field(default=None, repr=False, compare=False)

    @property
    def display_name(self) -> str:
        """The most readable name the headers give."""
        return self.user_name or self.email or self.user_id
