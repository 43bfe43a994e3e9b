"""Saved views against the real embedded Postgres: per-user isolation by id, names, limits, queries."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput, NotFound
from core.identity import UserIdentity
from core.settings import Settings
from local_workspace.lakebase import LocalLakebase
from services import saved_views

ALICE = UserIdentity(user_id="alice@example.com", email="alice@example.com", user_name=None, workspace_user=None)
BOB = UserIdentity(user_id="bob@example.com", email="bob@example.com", user_name=None, workspace_user=None)
TRIPS = "samples.nyctaxi.trips"
QUERY = "table=samples.nyctaxi.trips&limit=25&filters=%5B%5D"


@pytest.fixture
def views(settings: Settings, local_lakebase: LocalLakebase) -> Settings:
    """The session's settings, with no saved view stored."""
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        admin.execute("TRUNCATE saved_views RESTART IDENTITY")
    return settings


def _save(settings: Settings, user: UserIdentity, name: str, query: str = QUERY) -> saved_views.SavedView:
    return saved_views.create_view(settings=settings, user=user, name=name, table=TRIPS, query=query)


def test_create_list_rename_delete(views: Settings) -> None:
    made = _save(views, ALICE, "  Long trips ")
    assert (made.user_id, made.name, made.table, made.query) == (ALICE.user_id, "Long trips", TRIPS, QUERY)
    _save(views, ALICE, "by fare")
    assert [v.name for v in saved_views.list_views(settings=views, user=ALICE)] == ["by fare", "Long trips"]
    renamed = saved_views.rename_view(settings=views, user=ALICE, view_id=made.id, name="Longest trips")
    assert (renamed.id, renamed.name, renamed.query) == (made.id, "Longest trips", QUERY)
    assert renamed.updated_at >= made.updated_at
    assert saved_views.get_view(settings=views, user=ALICE, view_id=made.id).name == "Longest trips"
    saved_views.delete_view(settings=views, user=ALICE, view_id=made.id)
    assert [v.name for v in saved_views.list_views(settings=views, user=ALICE)] == ["by fare"]
    with pytest.raises(NotFound):
        saved_views.delete_view(settings=views, user=ALICE, view_id=made.id)


def test_bob_can_neither_read_rename_nor_delete_alices_view_by_id(views: Settings) -> None:
    alices = _save(views, ALICE, "Mine")
    assert saved_views.list_views(settings=views, user=BOB) == []
    for attempt in (
        lambda: saved_views.get_view(settings=views, user=BOB, view_id=alices.id),
        lambda: saved_views.rename_view(settings=views, user=BOB, view_id=alices.id, name="Stolen"),
        lambda: saved_views.delete_view(settings=views, user=BOB, view_id=alices.id),
    ):
        with pytest.raises(NotFound) as refused:
            attempt()
        # The same answer as for an id that never existed: nothing says the view exists.
        assert refused.value.to_body()["message"] == f"You have no saved view {alices.id}."
    assert saved_views.get_view(settings=views, user=ALICE, view_id=alices.id).name == "Mine"
    # Bob may use the same name: names are unique per user.
    assert _save(views, BOB, "Mine").user_id == BOB.user_id


def test_a_duplicate_name_whatever_its_case_is_refused(views: Settings) -> None:
    first = _save(views, ALICE, "Long trips")
    with pytest.raises(InvalidInput) as duplicate:
        _save(views, ALICE, "LONG TRIPS")
    assert duplicate.value.technical_details == {"field": "name", "reason": "duplicate", "view_id": first.id}
    other = _save(views, ALICE, "Other")
    with pytest.raises(InvalidInput):
        saved_views.rename_view(settings=views, user=ALICE, view_id=other.id, name="long trips")
    # Renaming a view to its own name (another case) is allowed.
    assert saved_views.rename_view(settings=views, user=ALICE, view_id=first.id, name="LONG trips").name == "LONG trips"


def test_at_most_max_views_per_user(views: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(saved_views, "MAX_VIEWS_PER_USER", 3)
    for n in range(3):
        _save(views, ALICE, f"view {n}")
    with pytest.raises(InvalidInput) as full:
        _save(views, ALICE, "one more")
    assert full.value.technical_details["reason"] == "limit"
    assert _save(views, BOB, "one more").name == "one more"  # the limit is per user


@pytest.mark.parametrize(
    ("name", "table", "query", "field"),
    [
        ("", TRIPS, QUERY, "name"),
        ("   ", TRIPS, QUERY, "name"),
        ("x" * 101, TRIPS, QUERY, "name"),
        ("tab\there", TRIPS, QUERY, "name"),
        ("nul\x00", TRIPS, QUERY, "name"),
        ("ok", "samples.nyctaxi", QUERY, "table"),
        ("ok", "samples.nyctaxi.trips;drop", QUERY, "table"),
        ("ok", "a.b.c.d", QUERY, "table"),
        ("ok", TRIPS, "", "query"),
        ("ok", TRIPS, "limit=25", "query"),
        ("ok", TRIPS, "table=samples.tpch.orders", "query"),
        ("ok", TRIPS, f"{QUERY}&table={TRIPS}", "query"),
        ("ok", TRIPS, f"{QUERY}#x", "query"),
        ("ok", TRIPS, f'{QUERY}&x="><script>', "query"),
        ("ok", TRIPS, "javascript:alert(1)", "query"),
        ("ok", TRIPS, f"{QUERY}&" + "x" * 4096, "query"),
        ("ok", TRIPS, "&".join([f"table={TRIPS}"] + ["a=1"] * 100), "query"),
    ],
)
def test_bad_input_is_refused_naming_the_field(views: Settings, name: str, table: str, query: str, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        saved_views.create_view(settings=views, user=ALICE, name=name, table=table, query=query)
    assert refused.value.technical_details["field"] == field
    assert saved_views.list_views(settings=views, user=ALICE) == []


def test_an_id_out_of_range_is_not_found(views: Settings) -> None:
    for view_id in (0, -1, 2**63, 10**30):
        with pytest.raises(NotFound):
            saved_views.get_view(settings=views, user=ALICE, view_id=view_id)
