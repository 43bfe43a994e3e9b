"""Saved views of the Data page in Lakebase: each a name and the URL query string that reopens the view, strictly
the signed-in user's own (another user's view is NOT_FOUND, exactly as one that never existed)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import sqlalchemy
from pydantic import BaseModel, ConfigDict, Field

from core.errors import InvalidInput, NotFound
from core.identity import UserIdentity
from core.settings import Settings
from services.lakebase import call_with_retries, lock_in_transaction, transaction
from services.lakebase.schema import saved_views
from services.warehouse.sql import TableRef

MAX_VIEWS_PER_USER = 100
MAX_NAME_CHARS = 100
MAX_QUERY_CHARS = 4096
MAX_QUERY_FIELDS = 64
MAX_VIEW_ID = 2**63 - 1  # Postgres BIGINT
# What a query string written by the Data page is made of (RFC 3986 query characters, percent-encoded): no '#',
# no space, no quote or angle bracket, so `/data?<query>` is always one safe link.
QUERY = re.compile(r"[A-Za-z0-9\-._~%!$'()*+,;=:@/?&]+")


class SavedView(BaseModel):
    """One saved view of the Data page; also the REST API's response model."""

    model_config = ConfigDict(frozen=True)
    id: int
    user_id: str = Field(description="Always the signed-in user")
    name: str = Field(examples=["Long trips by fare"], description=f"1 to {MAX_NAME_CHARS} characters")
    table: str = Field(examples=["samples.nyctaxi.trips"], description="catalog.schema.table")
    query: str = Field(
        examples=["table=samples.nyctaxi.trips&limit=100"],
        description="The URL query string that reopens the view: /data?<query>",
    )
    created_at: datetime
    updated_at: datetime


def check_name(name: object) -> str:
    """The name without surrounding white space, when it is 1..100 printable characters; else InvalidInput."""
    text = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(text) <= MAX_NAME_CHARS:
        raise InvalidInput(
            f"Give the view a name of 1 to {MAX_NAME_CHARS} characters.",
            technical_details={"field": "name", "max_chars": MAX_NAME_CHARS},
        )
    if not text.isprintable():
        raise InvalidInput("The view's name may not contain control characters.", technical_details={"field": "name"})
    return text


def check_table(table: object) -> str:
    """`table` when it is a catalog.schema.table name the app accepts; else InvalidInput naming the field."""
    try:
        TableRef.parse(table if isinstance(table, str) else "")  # three parts, each checked as Unity Catalog names
    except InvalidInput:
        raise InvalidInput(
            f"Invalid table {str(table)[:80]!r}: use catalog.schema.table.", technical_details={"field": "table"}
        ) from None
    return str(table)


def check_query(query: object, table: str) -> str:
    """The view's URL query string, when it is at most 4096 URL characters, parses, and opens `table`."""
    problem = None
    if not isinstance(query, str) or not QUERY.fullmatch(query):
        problem = "must be a URL query string (without '?')"
    elif len(query) > MAX_QUERY_CHARS:
        problem = f"is {len(query)} characters; at most {MAX_QUERY_CHARS} are allowed"
    else:
        try:
            fields = parse_qs(query, strict_parsing=True, max_num_fields=MAX_QUERY_FIELDS)
        except ValueError:
            fields = {}
        if fields.get("table") != [table]:
            problem = f"must hold table={table} once"
    if problem:
        raise InvalidInput(
            f"The view's query {problem}.",
            technical_details={"field": "query", "max_chars": MAX_QUERY_CHARS},
        )
    return str(query)


def _row(row: sqlalchemy.Row[Any]) -> SavedView:
    values = dict(row._mapping)
    values["table"] = values.pop("table_name")
    return SavedView.model_validate(values)


def _mine(user: UserIdentity) -> sqlalchemy.ColumnElement[bool]:
    return saved_views.c.user_id == user.user_id


def _not_found(view_id: int) -> NotFound:
    return NotFound(f"You have no saved view {view_id}.", technical_details={"view_id": view_id})


def _checked_id(view_id: object) -> int:
    """An id that could be a row's; any other is not one of the user's views."""
    if isinstance(view_id, bool) or not isinstance(view_id, int) or not 1 <= view_id <= MAX_VIEW_ID:
        raise _not_found(view_id if isinstance(view_id, int) else 0)
    return view_id


def _refuse_duplicate(connection: sqlalchemy.Connection, user: UserIdentity, name: str, but: int | None) -> None:
    query = sqlalchemy.select(saved_views.c.id).where(
        _mine(user), sqlalchemy.func.lower(saved_views.c.name) == name.lower()
    )
    if but is not None:
        query = query.where(saved_views.c.id != but)
    existing = connection.execute(query).scalar_one_or_none()
    if existing is not None:
        raise InvalidInput(
            f"You already have a view named {name!r}: choose another name, or rename or delete that one.",
            technical_details={"field": "name", "reason": "duplicate", "view_id": existing},
        )


def list_views(*, settings: Settings, user: UserIdentity) -> list[SavedView]:
    """The user's saved views, by name."""
    query = saved_views.select().where(_mine(user)).order_by(sqlalchemy.func.lower(saved_views.c.name))

    def read() -> list[SavedView]:
        with transaction(settings) as connection:
            return [_row(r) for r in connection.execute(query)]

    return call_with_retries(read, action="list_saved_views")


def get_view(*, settings: Settings, user: UserIdentity, view_id: int) -> SavedView:
    """One of the user's saved views; NotFound when they have none by that id."""
    query = saved_views.select().where(_mine(user), saved_views.c.id == _checked_id(view_id))

    def read() -> SavedView | None:
        with transaction(settings) as connection:
            found = connection.execute(query).one_or_none()
            return _row(found) if found is not None else None

    view = call_with_retries(read, action="get_saved_view")
    if view is None:
        raise _not_found(view_id)
    return view


def create_view(*, settings: Settings, user: UserIdentity, name: str, table: str, query: str) -> SavedView:
    """Save a view for the user. A name they already use (whatever its case) is refused (INVALID_INPUT, reason
    "duplicate"), and so is a view past MAX_VIEWS_PER_USER."""
    name, table = check_name(name), check_table(table)
    query = check_query(query, table)

    def write() -> SavedView:
        with transaction(settings) as connection:
            lock_in_transaction(connection, "saved_views", user.user_id)  # one writer per user: count, name
            count = connection.execute(
                sqlalchemy.select(sqlalchemy.func.count()).select_from(saved_views).where(_mine(user))
            ).scalar_one()
            if count >= MAX_VIEWS_PER_USER:
                raise InvalidInput(
                    f"You have {count} saved views, the most allowed: delete one first.",
                    technical_details={"field": "name", "reason": "limit", "max_views": MAX_VIEWS_PER_USER},
                )
            _refuse_duplicate(connection, user, name, None)
            statement = (
                saved_views.insert()
                .values(user_id=user.user_id, name=name, table_name=table, query=query)
                .returning(*saved_views.c)
            )
            return _row(connection.execute(statement).one())

    # Not retried: a repeat after a lost acknowledgement would answer "duplicate" for the view it made.
    return call_with_retries(write, action="create_saved_view", retry=False)


def rename_view(*, settings: Settings, user: UserIdentity, view_id: int, name: str) -> SavedView:
    """Give one of the user's views a new name (not one of their others'); NotFound when it is not theirs."""
    view_id, name = _checked_id(view_id), check_name(name)

    def write() -> SavedView | None:
        with transaction(settings) as connection:
            lock_in_transaction(connection, "saved_views", user.user_id)
            _refuse_duplicate(connection, user, name, view_id)
            statement = (
                saved_views.update()
                .where(_mine(user), saved_views.c.id == view_id)
                .values(name=name, updated_at=sqlalchemy.func.now())
                .returning(*saved_views.c)
            )
            found = connection.execute(statement).one_or_none()
            return _row(found) if found is not None else None

    renamed = call_with_retries(write, action="rename_saved_view")  # the end state is the same on a retry
    if renamed is None:
        raise _not_found(view_id)
    return renamed


def delete_view(*, settings: Settings, user: UserIdentity, view_id: int) -> None:
    """Delete one of the user's views; NotFound when it is not theirs (or no longer exists)."""
    statement = saved_views.delete().where(_mine(user), saved_views.c.id == _checked_id(view_id))

    def delete() -> int:
        with transaction(settings) as connection:
            return connection.execute(statement).rowcount

    # Not retried: a repeat after a lost acknowledgement would wrongly answer 404.
    if call_with_retries(delete, action="delete_saved_view", retry=False) == 0:
        raise _not_found(view_id)
