"""Lakebase OAuth tokens for the app's Postgres role, fetched through the SDK and reused until shortly
before they expire."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime, timedelta

from core.errors import DatabaseUnavailable
from core.settings import Settings
from services import workspace
from services.errors import translated

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
# Refresh a token when less than this share of its life is left (at most five minutes before expiry).
REFRESH_SHARE = 0.2
REFRESH_AT_MOST_SECONDS = 300


class CredentialCache:
    """Database tokens for the app's role, fetched through the SDK and reused until shortly before expiry."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_after: datetime = datetime.min.replace(tzinfo=UTC)
        self._instance: str | None = settings.lakebase_instance
        self.fetched = 0  # how many tokens were fetched: lets tests and benchmarks see the reuse

    def instance_name(self) -> str:
        """LAKEBASE_INSTANCE_NAME, else the instance whose read-write DNS is PGHOST."""
        if self._instance is None:
            client = workspace.service_principal_client(self.settings)
            with translated("lakebase", action="database.list_database_instances"):
                instances = list(client.database.list_database_instances())
            match = next((i for i in instances if i.read_write_dns == self.settings.pg_host), None)
            if match is None or not match.name:
                raise DatabaseUnavailable(
                    "No Lakebase instance matches PGHOST.",
                    technical_details={"setting": "LAKEBASE_INSTANCE_NAME", "pg_host": self.settings.pg_host},
                    retry_after=RETRY_AFTER_SECONDS,
                )
            self._instance = match.name
        return self._instance

    def token(self) -> str:
        """A token valid for a while yet: the cached one, or a new one."""
        with self._lock:
            if self._token is not None and datetime.now(UTC) < self._refresh_after:
                return self._token
            client = workspace.service_principal_client(self.settings)
            with translated("lakebase", action="database.generate_database_credential"):
                credential = client.database.generate_database_credential(
                    instance_names=[self.instance_name()], request_id=str(uuid.uuid4())
                )
            if not credential.token:
                raise DatabaseUnavailable(
                    technical_details={"error_type": "EmptyCredential"}, retry_after=RETRY_AFTER_SECONDS
                )
            now = datetime.now(UTC)
            expires = parse_time(credential.expiration_time) or now + timedelta(hours=1)
            margin = min((expires - now).total_seconds() * REFRESH_SHARE, REFRESH_AT_MOST_SECONDS)
            self._token, self._refresh_after = credential.token, expires - timedelta(seconds=margin)
            self.fetched += 1
            log.info("fetched a Lakebase credential", extra={"expires_at": expires.isoformat()})
            return self._token

    def invalidate(self, refused: str | None = None) -> None:
        """Forget the cached token (only if it is still `refused`, when given), so the next connection
        fetches a new one."""
        with self._lock:
            if refused is None or self._token == refused:
                self._token = None


def parse_time(value: str | None) -> datetime | None:
    """An RFC 3339 time from the Database API, as an aware datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
