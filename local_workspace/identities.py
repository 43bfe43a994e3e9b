"""Users, groups and the app's service principal of the local workspace, and the tokens they hold."""

from __future__ import annotations

import secrets
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_USERS_FILE = Path(__file__).with_name("users.toml")
M2M_TOKEN_LIFETIME_SECONDS = 3600


@dataclass(frozen=True)
class Principal:
    """A user or the service principal, as SCIM describes it."""

    id: str
    user_name: str
    display_name: str
    groups: tuple[str, ...] = ()
    is_service_principal: bool = False

    def scim(self) -> dict[str, object]:
        """The SCIM `Me` document for this principal."""
        document: dict[str, object] = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": self.id,
            "userName": self.user_name,
            "displayName": self.display_name,
            "active": True,
            "groups": [{"display": name, "value": name} for name in self.groups],
        }
        if not self.is_service_principal:
            document["emails"] = [{"value": self.user_name, "type": "work", "primary": True}]
        return document


@dataclass(frozen=True)
class LocalUser:
    """A local user with the personal token the local Apps proxy forwards for them."""

    principal: Principal
    token: str = field(repr=False)


@dataclass
class Directory:
    """Everyone the local workspace knows, and the tokens it has issued."""

    workspace_id: str
    service_principal: Principal
    client_secret: str = field(repr=False)
    users: tuple[LocalUser, ...]
    group_names: tuple[str, ...]
    _issued: dict[str, tuple[Principal, float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, path: Path = DEFAULT_USERS_FILE) -> Directory:
        """Read the checked-in users file."""
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        sp = data["service_principal"]
        users = tuple(
            LocalUser(
                principal=Principal(
                    id=str(u["id"]),
                    user_name=u["user_name"],
                    display_name=u["display_name"],
                    groups=tuple(u.get("groups", ())),
                ),
                token=u["token"],
            )
            for u in data["users"]
        )
        return cls(
            workspace_id=str(data["workspace_id"]),
            service_principal=Principal(
                id=str(sp["id"]),
                user_name=sp["application_id"],
                display_name=sp["display_name"],
                is_service_principal=True,
            ),
            client_secret=sp["client_secret"],
            users=users,
            group_names=tuple(g["name"] for g in data.get("groups", ())),
        )

    def user(self, user_name: str) -> LocalUser | None:
        """The local user with this user name, if any."""
        return next((u for u in self.users if u.principal.user_name == user_name), None)

    def check_client_credentials(self, client_id: str, client_secret: str) -> bool:
        """Whether these are the service principal's OAuth client credentials."""
        return secrets.compare_digest(client_id, self.service_principal.user_name) and secrets.compare_digest(
            client_secret, self.client_secret
        )

    def issue_token(self, principal: Principal, lifetime_seconds: int = M2M_TOKEN_LIFETIME_SECONDS) -> str:
        """A new bearer token for this principal, valid for the lifetime given."""
        token = "dlw-" + secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            # Forget expired tokens so a long-running workspace does not grow without bound.
            for stale in [t for t, (_, expiry) in self._issued.items() if expiry <= now]:
                del self._issued[stale]
            self._issued[token] = (principal, now + lifetime_seconds)
        return token

    def issued_tokens(self) -> list[str]:
        """Every token this directory knows and has not forgotten: the users' and those issued by OAuth
        (tests search responses and logs for each of them)."""
        with self._lock:
            issued = list(self._issued)
        return [user.token for user in self.users] + issued

    def principal_for_token(self, token: str) -> Principal | None:
        """Who holds this bearer token, or None when it is unknown or expired."""
        for user in self.users:
            if secrets.compare_digest(user.token, token):
                return user.principal
        with self._lock:
            issued = self._issued.get(token)
        if issued is None or issued[1] <= time.time():
            return None
        return issued[0]
