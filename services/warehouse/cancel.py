"""Which statement runs for which query token, so a Cancel click reaches it from any worker."""

from __future__ import annotations

import threading
from typing import Any

from core.settings import Settings

TOKEN_TTL_SECONDS = 3600


class QueryRegistry:
    """The running statements by query token, shared by every worker of the app on this machine
    (a disk cache), so a Cancel click reaches the statement whichever worker serves it."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._cache: Any = None
        self._lock = threading.Lock()

    def _store(self) -> Any:
        with self._lock:
            if self._cache is None:
                import diskcache

                self._cache = diskcache.Cache(self.directory)
            return self._cache

    def register(self, token: str, statement_id: str, user_key: str) -> None:
        """Remember that `token` runs `statement_id` for the user whose key is `user_key`."""
        self._store().set(f"query:{token}", (statement_id, user_key), expire=TOKEN_TTL_SECONDS)

    def forget(self, token: str) -> None:
        """The statement of `token` has ended."""
        self._store().delete(f"query:{token}")

    def find(self, token: str) -> tuple[str, str] | None:
        """(statement id, user key) of the statement running under `token`, if one runs."""
        found = self._store().get(f"query:{token}")
        return (str(found[0]), str(found[1])) if found else None


_registries: dict[str, QueryRegistry] = {}


def registry(settings: Settings) -> QueryRegistry:
    """The registry in the settings' directory (one per directory and process)."""
    return _registries.setdefault(settings.query_registry_dir, QueryRegistry(settings.query_registry_dir))
