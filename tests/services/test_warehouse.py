"""Warehouse queries through the real databricks-sql-connector against the local SQL warehouse."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any
from unittest.mock import ANY

import duckdb
import pytest

from core.errors import (
    CatalogPermissionDenied,
    DatabaseUnavailable,
    InvalidInput,
    NotConfigured,
    NotFound,
    UserAuthorizationRequired,
)
from core.identity import APP_IDENTITY, UserIdentity
from core.limits import MAX_OFFSET
from core.settings import Settings
from local_workspace.warehouse import LocalWarehouse
from services import warehouse
from services.warehouse import Filter, Sort, TableRef, TableView, connections

TRIPS = TableRef("samples", "nyctaxi", "trips")


def user(name: str, token: str | None) -> UserIdentity:
    return UserIdentity(user_id=name, email=name, user_name=name, workspace_user=None, access_token=token)


ALICE = user("alice@example.com", "dapi-local-alice-0001")
BOB = user("bob@example.com", "dapi-local-bob-0002")


def duck(local_warehouse: LocalWarehouse, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """The same question asked of DuckDB directly: the truth to compare with."""
    with local_warehouse._db.cursor() as cursor:
        return cursor.execute(sql, params or []).fetchall()


def test_a_page_equals_duckdb_and_reports_the_next(settings: Settings, local_warehouse: LocalWarehouse) -> None:
    result = warehouse.query_page(
        settings=settings, user=ALICE, table=TRIPS, limit=5, offset=10, sort=Sort("fare_amount", "desc")
    )
    truth = duck(
        local_warehouse,
        "SELECT fare_amount, pickup_zip FROM samples.nyctaxi.trips ORDER BY fare_amount DESC, "
        "tpep_pickup_datetime, tpep_dropoff_datetime, trip_distance, pickup_zip, dropoff_zip LIMIT 5 OFFSET 10",
    )
    assert [(r["fare_amount"], r["pickup_zip"]) for r in result.rows] == truth
    assert result.row_count == 5
    assert result.has_next
    assert result.status == "SUCCEEDED"
    assert result.user_id == "alice@example.com"
    assert "LIMIT 6 OFFSET 10" in result.sql_statement


def test_consecutive_pages_are_disjoint_and_complete(settings: Settings, local_warehouse: LocalWarehouse) -> None:
    filters = [Filter("pickup_zip", "=", "10042")]
    total = duck(local_warehouse, "SELECT count(*) FROM samples.nyctaxi.trips WHERE pickup_zip = 10042")[0][0]
    seen: list[tuple[Any, ...]] = []
    offset, pages = 0, 0
    while True:
        page = warehouse.query_page(
            settings=settings,
            user=ALICE,
            table=TRIPS,
            limit=7,
            offset=offset,
            filters=filters,
            sort=Sort("trip_distance", "asc"),
        )
        seen += [tuple(r.values()) for r in page.rows]
        pages += 1
        if not page.has_next:
            break
        offset += 7
    assert len(seen) == total == len(set(seen))
    assert pages == -(-total // 7)
    assert page.row_count == total - 7 * (pages - 1)


@pytest.mark.parametrize(
    ("item", "where", "params"),
    [
        (Filter("fare_amount", ">=", "30.5"), "fare_amount >= ?", [30.5]),
        (Filter("pickup_zip", "!=", "10001"), "pickup_zip <> ?", [10001]),
        (Filter("pickup_zip", "contains", "99"), "instr(CAST(pickup_zip AS VARCHAR), ?) > 0", ["99"]),
        (Filter("pickup_zip", "starts_with", "102"), "starts_with(CAST(pickup_zip AS VARCHAR), ?)", ["102"]),
        (Filter("tpep_pickup_datetime", "<", "2016-01-02T00:00:00"), "tpep_pickup_datetime < ?", ["2016-01-02"]),
        (Filter("dropoff_zip", "not_null"), "dropoff_zip IS NOT NULL", []),
        (Filter("dropoff_zip", "is_null"), "dropoff_zip IS NULL", []),
    ],
)
def test_each_filter_operator(
    settings: Settings, local_warehouse: LocalWarehouse, item: Filter, where: str, params: list[Any]
) -> None:
    result = warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, limit=1000, filters=[item])
    expected = duck(local_warehouse, f"SELECT count(*) FROM samples.nyctaxi.trips WHERE {where}", params)[0][0]
    assert result.row_count == min(expected, 1000)


@pytest.mark.parametrize("value", ["172000.50", "172000.49", 0, -1])
def test_a_decimal_filter_compares_exactly(settings: Settings, local_warehouse: LocalWarehouse, value: Any) -> None:
    # Bound as a DECIMAL (exact, as the column is); 0 is a value, not "no value".
    view = TableView.open("samples.tpch.orders").with_filter("o_totalprice", ">=", value)
    result = warehouse.count_view(settings=settings, user=ALICE, view=view)
    sql = "SELECT count(*) FROM samples.tpch.orders WHERE o_totalprice >= CAST(? AS DECIMAL(18,2))"
    assert result.total == duck(local_warehouse, sql, [str(value)])[0][0]


def test_filter_values_with_quotes_are_bound_not_spliced(settings: Settings) -> None:
    for value in ("x' OR '1'='1", "'; DROP TABLE trips; --", "a`b", "\\' /* */"):
        result = warehouse.query_page(
            settings=settings, user=ALICE, table=TRIPS, filters=[Filter("pickup_zip", "contains", value)]
        )
        assert result.rows == []
        assert value not in result.sql_statement


@pytest.mark.parametrize(
    "name",
    ["trips`; DROP TABLE x; --", "trips'", 'trips"', "trips;", "trips--", "trips/*", "trіps", "ｔrips", "trips x", ""],
)
def test_injected_or_look_alike_identifiers_are_refused(settings: Settings, name: str) -> None:
    with pytest.raises(InvalidInput):
        warehouse.query_page(settings=settings, user=ALICE, table=TableRef("samples", "nyctaxi", name))


def test_a_filter_or_sort_on_a_column_the_table_lacks_is_invalid(settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="no column"):
        warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, filters=[Filter("password", "=", "x")])
    with pytest.raises(InvalidInput, match="no column"):
        warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, sort=Sort("fare_amount` DESC; --"))
    with pytest.raises(InvalidInput, match="not a valid"):
        warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, filters=[Filter("fare_amount", ">", "abc")])


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (1001, 0), (10, -1)])
def test_pagination_limits(settings: Settings, limit: int, offset: int) -> None:
    with pytest.raises(InvalidInput):
        warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, limit=limit, offset=offset)


@pytest.mark.parametrize("offset", [MAX_OFFSET + 1, 2**63, 2**64])
def test_an_offset_past_the_bound_is_refused_before_the_warehouse_is_asked(settings: Settings, offset: int) -> None:
    """2**63 reached the warehouse as an OFFSET literal it could not hold: a 503 instead of a 400."""
    with pytest.raises(InvalidInput) as refused:
        warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, offset=offset)
    assert refused.value.technical_details["field"] == "offset"
    assert warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, limit=1, offset=MAX_OFFSET).rows == []


@pytest.mark.parametrize("query_token", [None, "cancellable-query"])
def test_browse_without_select_is_ec004_and_hidden_is_not_found(settings: Settings, query_token: str | None) -> None:
    with pytest.raises(CatalogPermissionDenied) as denied:
        warehouse.query_page(
            settings=settings, user=BOB, table=TableRef("samples", "tpch", "orders"), query_token=query_token
        )
    assert denied.value.technical_details["table"] == "orders"
    with pytest.raises(NotFound):
        warehouse.query_page(settings=settings, user=BOB, table=TableRef("samples", "tpch", "customer"))
    assert warehouse.query_page(settings=settings, user=ALICE, table=TableRef("samples", "tpch", "customer")).rows


def test_the_warehouse_itself_refuses_a_table_the_caller_may_not_read(settings: Settings) -> None:
    """Not only the app: the statement sent straight through the connector fails at the warehouse."""
    with pytest.raises(CatalogPermissionDenied):
        warehouse.run_query(settings=settings, user=BOB, statement="SELECT * FROM samples.tpch.orders", parameters={})
    with pytest.raises(NotFound):
        warehouse.run_query(settings=settings, user=BOB, statement="SELECT * FROM samples.tpch.customer", parameters={})


def test_a_stale_session_is_reopened_and_the_query_retried(settings: Settings, local_warehouse: LocalWarehouse) -> None:
    warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, limit=1)
    opened = warehouse._cache.opened
    local_warehouse.expire_sessions()
    result = warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, limit=1)
    assert result.row_count == 1
    assert warehouse._cache.opened == opened + 1


def test_after_a_warehouse_restart_every_idle_connection_is_dropped_at_once(
    settings: Settings, local_warehouse: LocalWarehouse
) -> None:
    """Idle connections of a user go stale together (a restart ends every session): the first query after it
    reopens once and succeeds, instead of retrying on another stale connection and failing."""
    warehouse.close_connections()
    select: tuple[str, dict[str, Any]] = ("SELECT 1", {})
    with ExitStack() as held:  # three at once, so three go back to the cache
        for _ in range(3):
            held.enter_context(connections.executed(settings, ALICE, select, details={}))
    opened = warehouse._cache.opened
    local_warehouse.stop()
    local_warehouse.start()
    assert warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, limit=1).row_count == 1
    assert warehouse._cache.opened == opened + 1
    assert warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, limit=1).row_count == 1
    assert warehouse._cache.opened == opened + 1  # the new one is reused; the stale ones are gone


def test_connections_are_reused_per_user_never_across(settings: Settings) -> None:
    warehouse.close_connections()
    opened = warehouse._cache.opened
    for _ in range(5):
        warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, limit=1)
    assert warehouse._cache.opened == opened + 1
    warehouse.query_page(settings=settings, user=BOB, table=TRIPS, limit=1)
    assert warehouse._cache.opened == opened + 2


def test_export_csv_streams_the_filtered_query(settings: Settings, local_warehouse: LocalWarehouse) -> None:
    text = "".join(
        warehouse.export_csv(settings=settings, user=ALICE, table=TRIPS, filters=[Filter("pickup_zip", "=", "10100")])
    )
    lines = text.strip().splitlines()
    assert lines[0].split(",") == [
        "tpep_pickup_datetime",
        "tpep_dropoff_datetime",
        "trip_distance",
        "fare_amount",
        "pickup_zip",
        "dropoff_zip",
    ]
    expected = duck(local_warehouse, "SELECT count(*) FROM samples.nyctaxi.trips WHERE pickup_zip = 10100")[0][0]
    assert len(lines) - 1 == expected
    capped = "".join(warehouse.export_csv(settings=settings, user=ALICE, table=TRIPS, max_rows=10))
    assert len(capped.strip().splitlines()) == 11


def test_duckdb_is_untouched_by_the_app(local_warehouse: LocalWarehouse) -> None:
    with pytest.raises(duckdb.Error):
        duck(local_warehouse, "DROP TABLE samples.nyctaxi.trips")  # attached read-only


def test_a_running_query_is_cancelled_on_the_warehouse_by_its_owner_only(
    settings: Settings, local_warehouse: LocalWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_warehouse, "min_statement_seconds", 5.0)
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, query_token="tok-1"))
        except warehouse.QueryCancelled as error:
            outcome.append(error)

    worker = threading.Thread(target=run)
    started = time.monotonic()
    worker.start()
    registry = warehouse._registry(settings)
    while registry.find("tok-1") is None:
        assert time.monotonic() - started < 5, "the statement was never registered"
        time.sleep(0.02)
    assert warehouse.cancel_query(settings=settings, user=BOB, query_token="tok-1") is False  # not Bob's
    assert warehouse.cancel_query(settings=settings, user=ALICE, query_token="tok-1") is True
    worker.join(timeout=10)
    assert len(outcome) == 1
    assert isinstance(outcome[0], warehouse.QueryCancelled)
    assert time.monotonic() - started < 4  # stopped, not waited out
    assert registry.find("tok-1") is None
    assert warehouse.cancel_query(settings=settings, user=ALICE, query_token="tok-1") is False


CUSTOMER = TableRef("samples", "tpch", "customer")  # hidden from Bob (local_workspace/grants.toml)
TOKENLESS_BOB = user("bob@example.com", None)
TOKENLESS_ALICE = user("alice@example.com", None)


def test_without_a_token_bob_cannot_read_the_table_hidden_from_him(settings: Settings) -> None:
    """No forwarded token no longer means the service principal (which reads everything) acts for him."""
    for attempt in (
        lambda: warehouse.query_page(settings=settings, user=TOKENLESS_BOB, table=CUSTOMER, query_token="tok-bob"),
        lambda: warehouse.run_query(
            settings=settings, user=TOKENLESS_BOB, statement="SELECT * FROM samples.tpch.customer", parameters={}
        ),
        lambda: "".join(warehouse.export_csv(settings=settings, user=TOKENLESS_BOB, table=CUSTOMER)),
        lambda: warehouse.connect(settings, TOKENLESS_BOB),
    ):
        with pytest.raises(UserAuthorizationRequired) as refused:
            attempt()
        assert refused.value.technical_details["header"] == "X-Forwarded-Access-Token"


def test_with_the_fallback_on_a_tokenless_user_acts_as_the_app(settings_with: Callable[..., Settings]) -> None:
    fallback = settings_with(allow_app_identity_fallback=True)
    assert warehouse.query_page(settings=fallback, user=TOKENLESS_BOB, table=CUSTOMER, limit=3).row_count == 3


def test_the_apps_own_identity_runs_as_the_service_principal(settings: Settings) -> None:
    assert warehouse.ping(settings).endswith("answers")
    _, rows = warehouse.run_query(
        settings=settings, user=APP_IDENTITY, statement="SELECT count(*) FROM samples.tpch.customer", parameters={}
    )
    assert rows[0][0] > 0


def test_the_probe_runs_on_the_warehouse_without_a_connector_session(settings: Settings) -> None:
    opened = connections._cache.opened
    assert warehouse.ping(settings) == f"warehouse {settings.warehouse_id} answers"
    assert connections._cache.opened == opened  # the Statement Execution API, not a connector session


def test_the_probe_of_a_stopped_warehouse_fails_at_once_as_unavailable(
    stopped_warehouse: LocalWarehouse, settings: Settings
) -> None:
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as down:
        warehouse.ping(settings)
    assert time.monotonic() - started < 2  # no SDK retry loop: the status card probes again
    assert down.value.error_code == "DATABASE_UNAVAILABLE"  # EC-002
    assert "Traceback" not in str(down.value.technical_details)


def test_the_probe_of_an_unconfigured_warehouse_says_so(settings_with: Callable[..., Settings]) -> None:
    with pytest.raises(NotConfigured):
        warehouse.ping(settings_with(warehouse_id=None))


def test_connections_are_kept_by_user_id_and_token_never_shared(settings: Settings) -> None:
    key = warehouse.connections.ConnectionCache.connection_key
    assert key(settings, TOKENLESS_ALICE, as_app=True) != key(settings, TOKENLESS_BOB, as_app=True)
    assert key(settings, ALICE, as_app=False) != key(settings, TOKENLESS_ALICE, as_app=True)
    assert key(settings, ALICE, as_app=False) != key(settings, user("alice@example.com", "dapi-other"), as_app=False)
    assert key(settings, ALICE, as_app=False) == key(settings, ALICE, as_app=False)
    assert "dapi-local-alice-0001" not in key(settings, ALICE, as_app=False)


def test_tokenless_users_with_the_fallback_cannot_cancel_each_others_queries(
    settings_with: Callable[..., Settings], local_warehouse: LocalWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every tokenless user acts as the service principal: ownership must still be the user id, not a key
    derived from the one token they share."""
    fallback = settings_with(allow_app_identity_fallback=True)
    monkeypatch.setattr(local_warehouse, "min_statement_seconds", 5.0)
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(
                warehouse.query_page(settings=fallback, user=TOKENLESS_ALICE, table=TRIPS, query_token="tok-shared")
            )
        except warehouse.QueryCancelled as error:
            outcome.append(error)

    worker = threading.Thread(target=run)
    started = time.monotonic()
    worker.start()
    while warehouse._registry(fallback).find("tok-shared") is None:
        assert time.monotonic() - started < 5, "the statement was never registered"
        time.sleep(0.02)
    assert warehouse._registry(fallback).find("tok-shared") == (ANY, "alice@example.com")
    assert warehouse.cancel_query(settings=fallback, user=TOKENLESS_BOB, query_token="tok-shared") is False
    assert warehouse.cancel_query(settings=fallback, user=TOKENLESS_ALICE, query_token="tok-shared") is True
    worker.join(timeout=10)
    assert isinstance(outcome[0], warehouse.QueryCancelled)
    assert time.monotonic() - started < 4


def test_a_count_equals_duckdb_is_cached_per_user_and_never_shared(
    settings: Settings, local_warehouse: LocalWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse.queries.counts.clear()
    filters = [Filter("trip_distance", ">", "10")]
    (expected,) = duck(local_warehouse, "SELECT count(*) FROM samples.nyctaxi.trips WHERE trip_distance > 10")[0]
    first = warehouse.count_rows(settings=settings, user=ALICE, table=TRIPS, filters=filters)
    assert (first.total, first.cached) == (expected, False)
    statements: list[str] = []
    real = connections.run_query

    def counting(**kw: Any) -> Any:
        statements.append(kw["statement"])
        return real(**kw)

    monkeypatch.setattr(connections, "run_query", counting)
    again = warehouse.count_rows(settings=settings, user=ALICE, table=TRIPS, filters=filters)
    assert (again.total, again.cached, statements) == (expected, True, [])  # from the cache: no statement
    carol = user("carol@example.com", "dapi-local-carol-0003")
    hers = warehouse.count_rows(settings=settings, user=carol, table=TRIPS, filters=filters)
    assert statements  # her own count, as her (her row filter applies)
    assert hers.total < expected
    other = warehouse.count_rows(
        settings=settings, user=ALICE, table=TRIPS, filters=[Filter("trip_distance", ">", "20")]
    )
    assert other.total < expected
    assert not other.cached
