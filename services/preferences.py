"""Per-user preferences in Lakebase: strictly the signed-in user's own, each key with a validated shape."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.dialects.postgresql import insert

from dashboard.settings import Settings
from services.errors import InvalidInput, NotFound
from services.identity import UserIdentity
from services.lakebase import call_with_retries, transaction
from services.lakebase_schema import user_preferences
from services.warehouse import Aggregation

MAX_VALUE_BYTES = 100 * 1024
TABLE_NAME_PATTERN = r"^[^.\s`'\";]+\.[^.\s`'\";]+\.[^.\s`'\";]+$"
PAGE_SIZES = (10, 25, 50, 100, 250, 500, 1000)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ThemeValue(_Strict):
    """`theme`: the colour mode applied on every page."""

    mode: Literal["light", "dark"] = "light"


class ChartDefaults(_Strict):
    """The chart the Data page draws first."""

    chart_type: Literal["bar", "line", "scatter"] = "bar"
    aggregation: Aggregation = "count"  # what the warehouse service aggregates


class DashboardLayoutValue(_Strict):
    """`dashboard_layout`: where the app opens and how the Data page starts."""

    default_page: str = Field(default="/", pattern=r"^/[a-z0-9/_-]{0,100}$")
    page_size: int = 100
    chart: ChartDefaults = Field(default_factory=ChartDefaults)
    last_table: str | None = Field(default=None, pattern=TABLE_NAME_PATTERN)

    @field_validator("page_size")
    @classmethod
    def _known_page_size(cls, value: int) -> int:
        if value not in PAGE_SIZES:
            raise ValueError(f"must be one of {', '.join(map(str, PAGE_SIZES))}")
        return value


class FavoriteTablesValue(_Strict):
    """`favorite_tables`: fully qualified names (catalog.schema.table), at most 200, no repeats."""

    tables: list[str] = Field(default_factory=list, max_length=200)

    @field_validator("tables")
    @classmethod
    def _qualified_and_unique(cls, tables: list[str]) -> list[str]:
        bad = [t for t in tables if not re.match(TABLE_NAME_PATTERN, t)]
        if bad:
            raise ValueError(f"not a catalog.schema.table name: {bad[0][:80]!r}")
        if len(set(tables)) != len(tables):
            raise ValueError("a table is listed twice")
        return tables


VALUE_MODELS: dict[str, type[BaseModel]] = {
    "theme": ThemeValue,
    "dashboard_layout": DashboardLayoutValue,
    "favorite_tables": FavoriteTablesValue,
}
PREFERENCE_KEYS = tuple(VALUE_MODELS)


@dataclass(frozen=True)
class UserPreference:
    """One stored preference (the seed's UserPreference)."""

    id: int
    user_id: str
    preference_key: str
    preference_value: dict[str, Any]
    created_at: datetime
    updated_at: datetime


def check_key(key: str) -> str:
    """The key, if it is one the app knows; else InvalidInput naming the allowed keys."""
    if key not in VALUE_MODELS:
        raise InvalidInput(
            f"Unknown preference key {key[:64]!r}: use one of {', '.join(PREFERENCE_KEYS)}.",
            technical_details={"field": "preference_key", "allowed": list(PREFERENCE_KEYS)},
        )
    return key


def validate_value(key: str, value: Any) -> dict[str, Any]:
    """The value in its normal form, or InvalidInput naming the first problem (size, type, field)."""
    check_key(key)
    if not isinstance(value, dict):
        raise InvalidInput(
            f"preference_value for {key!r} must be a JSON object.",
            technical_details={"field": "preference_value", "got": type(value).__name__},
        )
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > MAX_VALUE_BYTES:
        raise InvalidInput(
            f"preference_value is {size} bytes; at most {MAX_VALUE_BYTES} bytes are allowed.",
            technical_details={"field": "preference_value", "bytes": size, "max_bytes": MAX_VALUE_BYTES},
        )
    try:
        normal: dict[str, Any] = VALUE_MODELS[key].model_validate(value).model_dump(mode="json")
    except ValidationError as error:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]) or "preference_value", "problem": e["msg"]}
            for e in error.errors(include_url=False, include_input=False)
        ]
        first = problems[0]
        raise InvalidInput(
            f"Invalid {key}: {first['field']}: {first['problem']}.",
            technical_details={"field": "preference_value", "errors": problems},
        ) from None
    return normal


def _row(row: sqlalchemy.Row[Any]) -> UserPreference:
    return UserPreference(
        id=row.id,
        user_id=row.user_id,
        preference_key=row.preference_key,
        preference_value=row.preference_value,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def list_preferences(*, settings: Settings, user: UserIdentity, key: str | None = None) -> list[UserPreference]:
    """The user's preferences (one key, or all), oldest key first."""
    query = user_preferences.select().where(user_preferences.c.user_id == user.user_id)
    if key is not None:
        query = query.where(user_preferences.c.preference_key == check_key(key))

    def read() -> list[UserPreference]:
        with transaction(settings) as connection:
            return [_row(r) for r in connection.execute(query.order_by(user_preferences.c.id))]

    return call_with_retries(read, action="list_preferences")


def get_preference(*, settings: Settings, user: UserIdentity, key: str) -> UserPreference | None:
    """One preference of the user, or None when they have not set it."""
    found = list_preferences(settings=settings, user=user, key=key)
    return found[0] if found else None


def upsert_preference(*, settings: Settings, user: UserIdentity, key: str, value: Any) -> UserPreference:
    """Create or replace one preference of the user; safe to retry (the end state is the same)."""
    normal = validate_value(key, value)
    statement = (
        insert(user_preferences)
        .values(user_id=user.user_id, preference_key=key, preference_value=normal)
        .on_conflict_do_update(
            constraint="uq_user_preferences_user_key",
            set_={"preference_value": normal, "updated_at": sqlalchemy.func.now()},
        )
        .returning(*user_preferences.c)
    )

    def write() -> UserPreference:
        with transaction(settings) as connection:
            return _row(connection.execute(statement).one())

    return call_with_retries(write, action="upsert_preference")


def delete_preference(*, settings: Settings, user: UserIdentity, key: str) -> None:
    """Delete one preference of the user; NotFound when they have none under that key."""
    statement = user_preferences.delete().where(
        user_preferences.c.user_id == user.user_id, user_preferences.c.preference_key == check_key(key)
    )

    def delete() -> int:
        with transaction(settings) as connection:
            return connection.execute(statement).rowcount

    # Not retried: a repeat after a lost acknowledgement would wrongly answer 404.
    if call_with_retries(delete, action="delete_preference", retry=False) == 0:
        raise NotFound(f"You have no {key!r} preference.", technical_details={"preference_key": key})
