"""Running query files through the real connector and local warehouse, and the two-level result cache over the
real Lakebase: typed binding, errors naming the parameter, per-principal isolation, single-flight, TTL, size caps
and Lakebase outages."""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
from databricks.sdk.service.sql import QueryFilter

from core.errors import CatalogPermissionDenied, InvalidInput, NotFound, UserAuthorizationRequired
from core.settings import Settings
from local_workspace.lakebase import LocalLakebase
from local_workspace.warehouse import LocalWarehouse
from services import analytics, workspace
from services.analytics import shared
from services.analytics.cache import LocalLevel, QueryCache
from services.lakebase import close_databases
from tests.conftest import free_port
from tests.services.test_warehouse import ALICE, BOB, duck, user

TYPED = """-- Every declared type, bound and returned.
-- @param day DATE
-- @param moment TIMESTAMP = '2016-01-05 10:00:00'
-- @param zip INT = NULL
-- @param amount DECIMAL(6,2) = 1.5
-- @param ratio DOUBLE = 0.5
-- @param label STRING = 'x'
-- @param flag BOOLEAN = true
SELECT :day AS day, :moment AS moment, :zip AS zip, :zip IS NULL AS zip_is_null, :amount AS amount,
       :ratio AS ratio, :label AS label, :flag AS flag, :day > DATE'2016-02-01' AS after_feb
"""
BY_ZIP = """-- Trips and fares of one zip (or all) since a date.
-- @param since DATE = '2016-01-01'
-- @param zip INT = NULL
-- @run_as {run_as}
-- @cache_ttl {ttl}
SELECT count(*) AS trips, sum(fare_amount) AS fares, '{tag}' AS tag
FROM samples.nyctaxi.trips
WHERE tpep_pickup_datetime >= :since AND (:zip IS NULL OR pickup_zip = :zip)
"""
ORDERS = """-- Orders: Alice may read them, Bob may not.
-- @param min_total DOUBLE = 0
-- @run_as {run_as}
SELECT count(*) AS orders, '{tag}' AS tag FROM samples.tpch.orders WHERE o_totalprice >= :min_total
"""
CAROL = user("carol@example.com", "dapi-local-carol-0003")


def statements_run(settings: Settings, marker: str) -> int:
    """How many statements whose text holds `marker` the warehouse ran, from its Query History (read through the
    SDK as the service principal, who sees everyone's)."""
    client = workspace.service_principal_client(settings)
    found = client.query_history.list(
        filter_by=QueryFilter(warehouse_ids=[str(settings.warehouse_id)]), max_results=999
    )
    return sum(marker in (query.query_text or "") for query in found.res or [])


@pytest.fixture
def queries(settings_with: Callable[..., Settings], tmp_path: Path) -> Callable[..., tuple[Settings, str]]:
    """Write query files (by name: text, with {tag}, {run_as}, {ttl} filled in) in a directory of their own;
    the settings that use it, and the tag (unique to the test) that marks its statements in the history."""
    tag = f"t{uuid.uuid4().hex[:12]}"

    def make(run_as: str = "user", ttl: int = 300, **files: str) -> tuple[Settings, str]:
        folder = tmp_path / uuid.uuid4().hex[:8]
        folder.mkdir()
        for name, text in files.items():
            (folder / f"{name}.sql").write_text(text.format(tag=tag, run_as=run_as, ttl=ttl), encoding="utf-8")
        return settings_with(queries_dir=folder), tag

    return make


@pytest.fixture(autouse=True)
def _empty_shared_cache(local_lakebase: LocalLakebase, settings: Settings) -> None:
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        admin.execute("TRUNCATE query_cache")


def shared_rows(local_lakebase: LocalLakebase) -> list[tuple[Any, ...]]:
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        return admin.execute(
            "SELECT principal, query_name, size_bytes, expires_at > now() FROM query_cache ORDER BY last_used_at"
        ).fetchall()


def test_values_are_bound_as_their_declared_types(queries: Callable[..., tuple[Settings, str]]) -> None:
    settings, _ = queries(typed=TYPED)
    result = analytics.run("typed", {"day": "2016-02-28"}, settings=settings, user=ALICE)
    row = dict(zip(result.columns, result.rows[0], strict=True))
    assert row["day"] == dt.date(2016, 2, 28)
    assert row["after_feb"] is True
    assert result.column_types[result.columns.index("day")] == "DATE"
    assert row["moment"].replace(tzinfo=None) == dt.datetime(2016, 1, 5, 10)
    assert row["zip"] is None
    assert row["zip_is_null"] is True
    assert row["amount"] == decimal.Decimal("1.50")
    assert result.column_types[4].startswith("DECIMAL(")
    assert (row["ratio"], row["label"], row["flag"]) == (0.5, "x", True)
    assert result.parameters == {
        "day": "2016-02-28", "moment": "2016-01-05T10:00:00", "zip": None, "amount": "1.50", "ratio": 0.5,
        "label": "x", "flag": True,
    }  # fmt: skip
    given = {"day": dt.date(2016, 1, 2), "zip": "10001", "amount": 12, "flag": "false", "label": "it's'; --"}
    row = dict(zip(result.columns, analytics.run("typed", given, settings=settings, user=ALICE).rows[0], strict=True))
    assert (row["zip"], row["zip_is_null"], row["amount"], row["flag"]) == (
        10001,
        False,
        decimal.Decimal("12.00"),
        False,
    )
    assert row["label"] == "it's'; --"  # bound, never spliced


def test_the_result_equals_duckdb(
    queries: Callable[..., tuple[Settings, str]], local_warehouse: LocalWarehouse
) -> None:
    settings, _ = queries(by_zip=BY_ZIP)
    result = analytics.run("by_zip", {"since": "2016-02-01", "zip": 10001}, settings=settings, user=ALICE)
    truth = duck(
        local_warehouse,
        "SELECT count(*), sum(fare_amount) FROM samples.nyctaxi.trips "
        "WHERE tpep_pickup_datetime >= DATE '2016-02-01' AND pickup_zip = 10001",
    )
    assert result.rows[0][:2] == truth[0]
    assert result.frame().loc[0, "trips"] == truth[0][0]
    assert result.records()[0]["trips"] == truth[0][0]
    assert (result.row_count, result.from_cache) == (1, False)
    assert result.warehouse_ms >= 0
    assert result.computed_at.tzinfo is not None


@pytest.mark.parametrize(
    ("given", "parameter"),
    [
        ({"day": "yesterday"}, "day"),
        ({"day": "2016-02-30"}, "day"),
        ({"day": "2016-01-01", "zip": "ten"}, "zip"),
        ({"day": "2016-01-01", "zip": 2**40}, "zip"),
        ({"day": "2016-01-01", "zip": True}, "zip"),
        ({"day": "2016-01-01", "amount": 123456}, "amount"),
        ({"day": "2016-01-01", "flag": "maybe"}, "flag"),
        ({"day": "2016-01-01", "label": 5}, "label"),
        ({"day": "2016-01-01", "ratio": "NaN"}, "ratio"),
        ({"day": "2016-01-01", "moment": "noon"}, "moment"),
        ({}, "day"),
        ({"day": None}, "day"),
        ({"day": "2016-01-01", "unknown": 1}, "unknown"),
    ],
)
def test_a_wrong_value_is_invalid_input_naming_the_parameter(
    queries: Callable[..., tuple[Settings, str]], given: dict[str, Any], parameter: str
) -> None:
    settings, _ = queries(typed=TYPED)
    with pytest.raises(InvalidInput) as raised:
        analytics.run("typed", given, settings=settings, user=ALICE)
    assert repr(parameter) in raised.value.message
    assert raised.value.technical_details["parameter"] == parameter


def test_an_unknown_query_is_not_found(queries: Callable[..., tuple[Settings, str]]) -> None:
    settings, _ = queries(typed=TYPED)
    with pytest.raises(NotFound):
        analytics.run("nope", settings=settings, user=ALICE)


def test_a_user_result_is_never_served_to_another_user(
    queries: Callable[..., tuple[Settings, str]], local_lakebase: LocalLakebase
) -> None:
    settings, tag = queries(orders=ORDERS)
    alice = analytics.run("orders", settings=settings, user=ALICE)
    assert alice.rows[0][0] > 0
    assert not alice.from_cache
    assert analytics.run("orders", settings=settings, user=ALICE).from_cache
    for _ in range(2):  # refused each time by the warehouse itself: the refusal is not cached either
        with pytest.raises(CatalogPermissionDenied):
            analytics.run("orders", settings=settings, user=BOB)
    assert statements_run(settings, tag) == 3
    assert [row[0] for row in shared_rows(local_lakebase)] == ["user:alice@example.com"]


def test_a_user_query_without_a_token_is_refused_before_the_cache(queries: Callable[..., tuple[Settings, str]]) -> None:
    settings, _ = queries(orders=ORDERS)
    analytics.run("orders", settings=settings, user=ALICE)
    tokenless = user("alice@example.com", None)
    with pytest.raises(UserAuthorizationRequired):
        analytics.run("orders", settings=settings, user=tokenless)


def test_an_app_query_shares_one_entry_across_users(
    queries: Callable[..., tuple[Settings, str]], local_lakebase: LocalLakebase
) -> None:
    settings, tag = queries(run_as="app", orders=ORDERS)
    first = analytics.run("orders", settings=settings, user=CAROL)  # the app reads what Carol may not
    for reader in (ALICE, BOB, user("dave@example.com", None)):
        again = analytics.run("orders", settings=settings, user=reader)
        assert again.from_cache
        assert again.rows == first.rows
        assert again.computed_at == first.computed_at
    assert statements_run(settings, tag) == 1
    assert [row[:2] for row in shared_rows(local_lakebase)] == [("app", "orders")]


def test_refresh_bypasses_the_cache_and_stores_the_new_result(queries: Callable[..., tuple[Settings, str]]) -> None:
    settings, tag = queries(by_zip=BY_ZIP)
    first = analytics.run("by_zip", settings=settings, user=ALICE)
    fresh = analytics.run("by_zip", settings=settings, user=ALICE, refresh=True)
    assert not fresh.from_cache
    assert fresh.computed_at > first.computed_at
    again = analytics.run("by_zip", settings=settings, user=ALICE)
    assert again.from_cache
    assert again.computed_at == fresh.computed_at
    assert statements_run(settings, tag) == 2


def test_a_result_expires_after_its_ttl(queries: Callable[..., tuple[Settings, str]]) -> None:
    settings, tag = queries(ttl=1, by_zip=BY_ZIP)
    assert not analytics.run("by_zip", settings=settings, user=ALICE).from_cache
    assert analytics.run("by_zip", settings=settings, user=ALICE).from_cache
    time.sleep(1.2)
    assert not analytics.run("by_zip", settings=settings, user=ALICE).from_cache
    assert statements_run(settings, tag) == 2


def test_ttl_zero_is_never_cached(queries: Callable[..., tuple[Settings, str]], local_lakebase: LocalLakebase) -> None:
    settings, tag = queries(ttl=0, by_zip=BY_ZIP)
    assert not analytics.run("by_zip", settings=settings, user=ALICE).from_cache
    assert not analytics.run("by_zip", settings=settings, user=ALICE).from_cache
    assert statements_run(settings, tag) == 2
    assert shared_rows(local_lakebase) == []


def run_together(target: Callable[[], None], times: int, local_warehouse: LocalWarehouse) -> None:
    """`target` in `times` threads at once, while each statement takes at least half a second."""
    local_warehouse.min_statement_seconds = 0.5
    try:
        threads = [threading.Thread(target=target) for _ in range(times)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        local_warehouse.min_statement_seconds = 0.0


def test_concurrent_identical_requests_run_one_statement(
    queries: Callable[..., tuple[Settings, str]], local_warehouse: LocalWarehouse
) -> None:
    settings, tag = queries(by_zip=BY_ZIP)
    results: list[analytics.QueryResult] = []
    # All of them arrive while the first one runs.
    run_together(lambda: results.append(analytics.run("by_zip", settings=settings, user=ALICE)), 12, local_warehouse)
    assert len(results) == 12
    assert len({r.computed_at for r in results}) == 1
    assert sum(not r.from_cache for r in results) == 1
    assert statements_run(settings, tag) == 1


def test_waiting_callers_get_the_error_and_the_next_call_tries_again(
    queries: Callable[..., tuple[Settings, str]], local_warehouse: LocalWarehouse
) -> None:
    settings, tag = queries(orders=ORDERS)
    errors: list[Exception] = []

    def as_bob() -> None:
        try:
            analytics.run("orders", settings=settings, user=BOB)
        except CatalogPermissionDenied as error:
            errors.append(error)

    run_together(as_bob, 5, local_warehouse)
    assert len(errors) == 5
    runs = statements_run(settings, tag)
    assert 1 <= runs <= 2  # one for the flight; a failed statement may be asked again to name its error class
    with pytest.raises(CatalogPermissionDenied):
        analytics.run("orders", settings=settings, user=BOB)
    assert statements_run(settings, tag) > runs


def test_the_local_level_is_bounded_in_bytes() -> None:
    level = LocalLevel(max_bytes=1000)
    result = analytics.QueryResult("q", ["a"], ["INT"], [(1,)], 1, 1, False, dt.datetime.now(dt.UTC), {})
    later = time.time() + 60
    for key in "abcd":
        level.put(key, result, later, 300)
    assert level.bytes == 900
    assert level.get("a") is None
    assert level.get("b") is not None
    level.put("e", result, later, 300)
    assert level.get("c") is None
    assert level.get("b") is not None
    level.put("huge", result, later, 1001)
    assert level.get("huge") is None
    assert level.bytes == 900
    level.put("gone", result, time.time() - 1, 10)
    assert level.get("gone") is None


def test_the_shared_level_serves_another_process(queries: Callable[..., tuple[Settings, str]]) -> None:
    settings, tag = queries(by_zip=BY_ZIP)
    first = analytics.run("by_zip", {"zip": 10001}, settings=settings, user=ALICE)
    other = QueryCache(settings)  # what another worker holds: an empty in-process level, the same Lakebase
    from services.analytics import cache as cache_module

    cache_module._caches[settings] = other
    again = analytics.run("by_zip", {"zip": 10001}, settings=settings, user=ALICE)
    assert again.from_cache
    assert again.rows == first.rows
    assert again.computed_at == first.computed_at
    assert isinstance(again.rows[0][1], type(first.rows[0][1]))
    assert len(other.local) == 1
    assert statements_run(settings, tag) == 1


def test_the_shared_level_round_trips_every_type(queries: Callable[..., tuple[Settings, str]]) -> None:
    settings, _ = queries(typed=TYPED)
    first = analytics.run("typed", {"day": "2016-02-28", "zip": 7}, settings=settings, user=ALICE)
    analytics.clear_caches()
    again = analytics.run("typed", {"day": "2016-02-28", "zip": 7}, settings=settings, user=ALICE)
    assert again.from_cache
    assert again.rows == first.rows
    assert again.column_types == first.column_types
    assert [type(v) for v in again.rows[0]] == [type(v) for v in first.rows[0]]


def test_expired_rows_are_purged_on_write(
    queries: Callable[..., tuple[Settings, str]], local_lakebase: LocalLakebase
) -> None:
    settings, _ = queries(by_zip=BY_ZIP)
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        admin.execute(
            "INSERT INTO query_cache VALUES ('old', 'app', 'q', '{}', 2, now(), now() - interval '1 s', now())"
        )
    analytics.run("by_zip", settings=settings, user=ALICE)
    assert [row[1:] for row in shared_rows(local_lakebase)] == [("by_zip", ANY, True)]


def test_the_entry_cap_and_the_total_cap_hold(
    queries: Callable[..., tuple[Settings, str]], local_lakebase: LocalLakebase
) -> None:
    settings, _tag = queries(typed=TYPED)
    small = settings.model_copy(update={"query_cache_entry_bytes": 1024, "query_cache_shared_bytes": 1500})
    big = analytics.run("typed", {"day": "2016-01-01", "label": "x" * 2000}, settings=small, user=ALICE)
    assert big.rows[0][6] == "x" * 2000  # served, though not shared
    assert shared_rows(local_lakebase) == []
    for letter in "abc":  # about 900 bytes each: one fits under the total cap
        analytics.run("typed", {"day": "2016-01-01", "label": letter * 250}, settings=small, user=ALICE)
    rows = shared_rows(local_lakebase)
    assert len(rows) == 1
    assert 500 < rows[0][2] <= 1024
    analytics.clear_caches()
    newest = analytics.run("typed", {"day": "2016-01-01", "label": "c" * 250}, settings=small, user=ALICE)
    assert newest.from_cache  # the least recently used went, the newest stayed
    oldest = analytics.run("typed", {"day": "2016-01-01", "label": "a" * 250}, settings=small, user=ALICE)
    assert not oldest.from_cache


def test_lakebase_down_serves_from_the_process_and_warns_once(
    queries: Callable[..., tuple[Settings, str]], json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    working, tag = queries(by_zip=BY_ZIP)
    down = working.model_copy(update={"pg_port": free_port()})
    try:
        started = time.monotonic()
        assert not analytics.run("by_zip", settings=down, user=ALICE).from_cache
        first = time.monotonic() - started
        started = time.monotonic()
        for zip_code in (None, 10001, 10002):
            analytics.run("by_zip", {"zip": zip_code}, settings=down, user=ALICE)
        assert time.monotonic() - started < first + 1.5  # the breaker skips the dead level: no pool waits
        assert analytics.run("by_zip", settings=down, user=ALICE).from_cache
    finally:
        close_databases(keep=working)
    warnings = [line for line in json_logs() if "shared query cache unavailable" in line["message"]]
    assert len(warnings) == 1
    assert warnings[0]["level"] == "WARNING"
    assert not [line for line in json_logs() if line["level"] in ("ERROR", "CRITICAL")]
    assert statements_run(down, tag) == 3


def test_the_shared_level_comes_back_with_lakebase(
    queries: Callable[..., tuple[Settings, str]],
    local_lakebase: LocalLakebase,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    json_logs: Callable[[], list[dict[str, Any]]],
) -> None:
    monkeypatch.setattr(shared, "OUTAGE_SKIP_SECONDS", 1)
    caplog.set_level(logging.INFO, logger=shared.__name__)
    settings, _ = queries(by_zip=BY_ZIP)
    local_lakebase.stop()
    try:
        assert not analytics.run("by_zip", {"zip": 10001}, settings=settings, user=ALICE).from_cache
    finally:
        local_lakebase.start()
    time.sleep(1.1)
    deadline = time.monotonic() + 30
    while not shared_rows(local_lakebase):
        assert time.monotonic() < deadline, "the shared level did not come back"
        analytics.run("by_zip", {"zip": 10002}, settings=settings, user=ALICE, refresh=True)
        time.sleep(0.2)
    assert [line["message"] for line in json_logs() if "shared query cache" in line["message"]] == [
        "shared query cache unavailable: serving from the in-process level only",
        "shared query cache available again",
    ]
