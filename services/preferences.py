"""Per-user preferences in Lakebase: strictly the signed-in user's own, each key with a validated shape."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.dialects.postgresql import insert

from core.errors import InvalidInput, NotConfigured, NotFound, ServiceError
from core.identity import UserIdentity
from core.limits import MAX_JSON_DEPTH, UNSTORABLE_TEXT, json_nesting_depth
from core.settings import Settings
from services.lakebase import call_with_retries, lock_in_transaction, transaction
from services.lakebase.schema import user_preferences
from services.warehouse import Aggregation
from services.warehouse.charts import ChartType

log = logging.getLogger(__name__)
MAX_VALUE_BYTES = 100 * 1024
# Three dot-separated parts, none with whitespace, a control character, a quote or a semicolon.
_PART = r"[^.\s\x00-\x1f\x7f`'\";]+"
TABLE_NAME_PATTERN = rf"^{_PART}\.{_PART}\.{_PART}$"
# What Postgres' JSONB cannot store (NUL) and what has no UTF-8 encoding (a lone UTF-16 surrogate).
PAGE_SIZES = (10, 25, 50, 100, 250, 500, 1000)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ThemeValue(_Strict):
    """`theme`: the colour mode applied on every page."""

    mode: Literal["light", "dark"] = "light"


class ChartDefaults(_Strict):
    """The chart the Data page draws first."""

    chart_type: ChartType = "bar"  # what the Data page can draw
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


class UserPreference(BaseModel):
    """One stored preference (the seed's UserPreference); also the REST API's response model."""

    model_config = ConfigDict(frozen=True)
    id: int
    user_id: str = Field(description="Always the signed-in user")
    preference_key: str = Field(examples=list(VALUE_MODELS))
    preference_value: dict[str, Any] = Field(description="JSON object, at most 100 KB")
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PreferencesView:
    """All of a user's preferences as typed values, defaults filled in, and what is stored as it is."""

    theme: ThemeValue
    dashboard_layout: DashboardLayoutValue
    favorite_tables: FavoriteTablesValue
    stored: dict[str, dict[str, Any]]


def check_key(key: str) -> str:
    """The key, if it is one the app knows; else InvalidInput naming the allowed keys."""
    if key not in VALUE_MODELS:
        raise InvalidInput(
            f"Unknown preference key {key[:64]!r}: use one of {', '.join(PREFERENCE_KEYS)}.",
            technical_details={"field": "preference_key", "allowed": list(PREFERENCE_KEYS)},
        )
    return key


def _shown(text: str) -> str:
    """A key as a short text safe to show and log (control characters and surrogates as \\uXXXX)."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text[:64])


def _check_storable(key: str, value: dict[str, Any]) -> None:
    """InvalidInput naming the first place, in document order, where the value nests deeper than
    MAX_JSON_DEPTH or a key or a text holds NUL or a lone surrogate; walked without recursion."""
    pending: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while pending:
        item, path = pending.pop()
        details: dict[str, Any] = {"field": "preference_value", "path": ".".join(path)}
        if isinstance(item, str) and UNSTORABLE_TEXT.search(item):
            problem = "contains a NUL character or a lone UTF-16 surrogate, which cannot be stored"
        elif isinstance(item, dict | list) and len(path) >= MAX_JSON_DEPTH:
            problem, details["max_depth"] = f"nests deeper than {MAX_JSON_DEPTH} levels", MAX_JSON_DEPTH
        else:
            children = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
            for name, inner in reversed(list(children)):
                where = (*path, _shown(str(name)))
                pending.extend([(inner, where), (name, where)])  # a key is checked before its value
            continue
        raise InvalidInput(
            f"Invalid {key}: {details['path'] or 'preference_value'} {problem}.", technical_details=details
        )


def validate_value(key: str, value: Any) -> dict[str, Any]:
    """The value in its normal form, or InvalidInput naming the first problem (size, type, field)."""
    check_key(key)
    if not isinstance(value, dict):
        raise InvalidInput(
            f"preference_value for {key!r} must be a JSON object.",
            technical_details={"field": "preference_value", "got": type(value).__name__},
        )
    _check_storable(key, value)
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
    return UserPreference.model_validate(row, from_attributes=True)


def list_preferences(*, settings: Settings, user: UserIdentity, key: str | None = None) -> list[UserPreference]:
    """The user's preferences (one key, or all), oldest key first."""
    query = user_preferences.select().where(user_preferences.c.user_id == user.user_id)
    if key is not None:
        query = query.where(user_preferences.c.preference_key == check_key(key))

    def read() -> list[UserPreference]:
        with transaction(settings) as connection:
            return [_row(r) for r in connection.execute(query.order_by(user_preferences.c.id))]

    return call_with_retries(read, action="list_preferences")


def upsert_preference(*, settings: Settings, user: UserIdentity, key: str, value: Any) -> UserPreference:
    """Create or replace one preference of the user; safe to retry (the end state is the same)."""
    normal = validate_value(key, value)

    def write() -> UserPreference:
        with transaction(settings) as connection:
            return _upsert(connection, user, key, normal)

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


# Domain actions: each reads, changes and writes in one transaction, so two tabs never lose each
# other's change, and pages stay free of read-modify-write logic.


def _lock_and_read(connection: sqlalchemy.Connection, user: UserIdentity, key: str) -> dict[str, Any] | None:
    """The stored value, with its row locked until the transaction ends (a transaction-scoped advisory
    lock also covers the first write, when there is no row to lock yet)."""
    lock_in_transaction(connection, "user_preferences", user.user_id, key)
    query = sqlalchemy.select(user_preferences.c.preference_value).where(
        user_preferences.c.user_id == user.user_id, user_preferences.c.preference_key == key
    )
    found = connection.execute(query).scalar_one_or_none()
    return dict(found) if found is not None else None


def _upsert(connection: sqlalchemy.Connection, user: UserIdentity, key: str, normal: dict[str, Any]) -> UserPreference:
    statement = (
        insert(user_preferences)
        .values(user_id=user.user_id, preference_key=key, preference_value=normal)
        .on_conflict_do_update(
            constraint="uq_user_preferences_user_key",
            set_={"preference_value": normal, "updated_at": sqlalchemy.func.now()},
        )
        .returning(*user_preferences.c)
    )
    return _row(connection.execute(statement).one())


def modify_preference(
    *, settings: Settings, user: UserIdentity, key: str, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> UserPreference:
    """Apply `change` to the stored value (the key's defaults when unset) and save it, in one transaction."""
    check_key(key)

    def write() -> UserPreference:
        with transaction(settings) as connection:
            current = _lock_and_read(connection, user, key)
            base = VALUE_MODELS[key]().model_dump(mode="json") if current is None else current
            return _upsert(connection, user, key, validate_value(key, change(base)))

    # Safe to retry: the change is applied to what is stored at the time, inside the transaction.
    return call_with_retries(write, action=f"modify_preference:{key}")


def parse_document(text: str | None) -> dict[str, Any]:
    """A preferences document ({key: value}) from JSON text; InvalidInput says where the JSON is broken."""
    if json_nesting_depth(text or "") > MAX_JSON_DEPTH:
        # Checked before parsing: json.loads recurses, and a deep enough document exhausts the stack.
        raise InvalidInput(
            f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.",
            technical_details={"field": "document", "max_depth": MAX_JSON_DEPTH},
        )
    try:
        document = json.loads(text or "{}")
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"Not valid JSON: {error.msg} (line {error.lineno}, column {error.colno}).",
            technical_details={"field": "document", "line": error.lineno, "column": error.colno},
        ) from None
    if not isinstance(document, dict):
        raise InvalidInput("The JSON must be an object whose keys are preference keys.")
    return document


def replace_preferences(*, settings: Settings, user: UserIdentity, document: Any) -> dict[str, dict[str, Any]]:
    """Make the user's preferences exactly `document` ({key: value}); a key left out is deleted.

    Every value is validated first; then all writes happen in one transaction, so a failure changes nothing."""
    if not isinstance(document, dict):
        raise InvalidInput("The JSON must be an object whose keys are preference keys.")
    normal = {check_key(str(key)): validate_value(str(key), value) for key, value in document.items()}

    def write() -> None:
        with transaction(settings) as connection:
            for key, value in normal.items():
                _upsert(connection, user, key, value)
            connection.execute(
                user_preferences.delete().where(
                    user_preferences.c.user_id == user.user_id, user_preferences.c.preference_key.not_in(list(normal))
                )
            )

    call_with_retries(write, action="replace_preferences")
    return normal


def _values_or_defaults(settings: Settings, user: UserIdentity) -> dict[str, dict[str, Any]]:
    """The stored values by key; an app without a database has no stored values (everyone gets defaults)."""
    try:
        found = list_preferences(settings=settings, user=user)
    except NotConfigured:
        return {}
    return {p.preference_key: p.preference_value for p in found}


def get_settings_view(*, settings: Settings, user: UserIdentity) -> PreferencesView:
    """Every preference of the user as typed values, defaults filled in."""
    stored = _values_or_defaults(settings, user)
    return PreferencesView(
        theme=ThemeValue.model_validate(stored.get("theme", {})),
        dashboard_layout=DashboardLayoutValue.model_validate(stored.get("dashboard_layout", {})),
        favorite_tables=FavoriteTablesValue.model_validate(stored.get("favorite_tables", {})),
        stored=stored,
    )


def save_theme(*, settings: Settings, user: UserIdentity, mode: str) -> ThemeValue:
    """Store the user's colour mode."""
    saved = upsert_preference(settings=settings, user=user, key="theme", value={"mode": mode})
    return ThemeValue.model_validate(saved.preference_value)


def save_dashboard_layout(
    *, settings: Settings, user: UserIdentity, default_page: str, page_size: int, chart_type: str, aggregation: str
) -> DashboardLayoutValue:
    """Store what the Preferences page shows of the layout, keeping what it does not (the last table)."""
    changes = {
        "default_page": default_page,
        "page_size": page_size,
        "chart": {"chart_type": chart_type, "aggregation": aggregation},
    }
    saved = modify_preference(
        settings=settings, user=user, key="dashboard_layout", change=lambda value: value | changes
    )
    return DashboardLayoutValue.model_validate(saved.preference_value)


def remember_data_view(
    *, settings: Settings, user: UserIdentity, last_table: str | None = None, page_size: int | None = None
) -> None:
    """Keep the Data page's last table and page size in the user's layout. Best effort: remembering is a
    convenience, so a database that is down or not configured is logged, never shown."""
    changes: dict[str, Any] = {"last_table": last_table, "page_size": page_size}
    changes = {name: value for name, value in changes.items() if value is not None}
    try:
        modify_preference(settings=settings, user=user, key="dashboard_layout", change=lambda value: value | changes)
    except ServiceError as error:
        log.warning("could not remember the data page's state: %s", error.error_code)


def toggle_favorite_table(*, settings: Settings, user: UserIdentity, table: str) -> bool:
    """Star the table, or unstar it when it is starred; True when it is a favorite afterwards."""

    def toggle(value: dict[str, Any]) -> dict[str, Any]:
        tables = list(value.get("tables", []))
        return {"tables": [t for t in tables if t != table] if table in tables else [*tables, table]}

    saved = modify_preference(settings=settings, user=user, key="favorite_tables", change=toggle)
    return table in saved.preference_value["tables"]


def remove_favorite_table(*, settings: Settings, user: UserIdentity, table: str) -> None:
    """Take the table off the user's favorites (nothing happens when it is not one)."""
    modify_preference(
        settings=settings,
        user=user,
        key="favorite_tables",
        change=lambda value: {"tables": [t for t in value.get("tables", []) if t != table]},
    )
