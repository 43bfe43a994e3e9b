"""Row filters and column masks of grants.toml apply to every statement a caller runs, however the policed table
is read (join, subquery, CTE, set operation, aggregate, the Data page's page / chart / export statements).

Carol's row filter on samples.nyctaxi.trips keeps the pickups of zips 10001-10282; samples.tpch.customer.c_phone
is masked for everyone outside the `admins` group (nobody locally, the app's service principal included). Each
statement runs through the real databricks-sql-connector (as the app runs its own) or the real databricks-sdk;
expected values come from DuckDB directly, beside the warehouse."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.sql import StatementState

from core.identity import APP_IDENTITY, UserIdentity
from core.settings import Settings
from local_workspace.identities import Directory
from local_workspace.statements import Request
from local_workspace.warehouse import LocalWarehouse
from services import warehouse
from services.warehouse import Filter, TableRef, TableView, run_query
from services.warehouse.charts import ChartSettings, run_chart
from tests.conftest import RunningServer

ALICE = UserIdentity("alice@example.com", "alice@example.com", "alice@example.com", None, "dapi-local-alice-0001")
BOB = UserIdentity("bob@example.com", "bob@example.com", "bob@example.com", None, "dapi-local-bob-0002")
CAROL = UserIdentity("carol@example.com", "carol@example.com", "carol@example.com", None, "dapi-local-carol-0003")
TRIPS = "samples.nyctaxi.trips"
CUSTOMER = "samples.tpch.customer"
ORDERS = "samples.tpch.orders"
CAROLS_ROWS = "pickup_zip BETWEEN 10001 AND 10282"  # the row filter's predicate, for DuckDB directly
MASKED = re.compile(r"^\*\*\*-\*\*\*-\d{4}$")

# Each statement as Carol runs it, and the same question asked of DuckDB directly over her rows only.
CAROL_READS = {
    "plain count": (f"SELECT count(*) FROM {TRIPS}", f"SELECT count(*) FROM {{t}} WHERE {CAROLS_ROWS}"),
    "her own where": (
        f"SELECT count(*) FROM {TRIPS} WHERE pickup_zip < 10100",
        f"SELECT count(*) FROM {{t}} WHERE {CAROLS_ROWS} AND pickup_zip < 10100",
    ),
    "join": (
        f"SELECT count(*) FROM {TRIPS} t JOIN range(0, 20000) r ON t.pickup_zip = r.id",
        f"SELECT count(*) FROM {{t}} WHERE {CAROLS_ROWS}",
    ),
    "self join by alias": (
        f"SELECT count(*) FROM {TRIPS} a JOIN (SELECT DISTINCT pickup_zip FROM {TRIPS}) b "
        "ON a.pickup_zip = b.pickup_zip",
        f"SELECT count(*) FROM {{t}} WHERE {CAROLS_ROWS}",
    ),
    "derived table": (
        f"SELECT count(*) FROM (SELECT * FROM {TRIPS} WHERE fare_amount > 10) d",
        f"SELECT count(*) FROM {{t}} WHERE {CAROLS_ROWS} AND fare_amount > 10",
    ),
    "scalar subquery": (
        f"SELECT (SELECT min(pickup_zip) FROM {TRIPS}), (SELECT max(pickup_zip) FROM {TRIPS})",
        f"SELECT min(pickup_zip), max(pickup_zip) FROM {{t}} WHERE {CAROLS_ROWS}",
    ),
    "in subquery": (
        f"SELECT count(*) FROM range(0, 20000) WHERE id IN (SELECT pickup_zip FROM {TRIPS})",
        f"SELECT count(DISTINCT pickup_zip) FROM {{t}} WHERE {CAROLS_ROWS}",
    ),
    "cte": (
        f"WITH z AS (SELECT pickup_zip FROM {TRIPS}) SELECT count(*), sum(pickup_zip) FROM z",
        f"SELECT count(*), sum(pickup_zip) FROM {{t}} WHERE {CAROLS_ROWS}",
    ),
    "union all": (
        f"SELECT count(*) FROM (SELECT pickup_zip FROM {TRIPS} UNION ALL SELECT dropoff_zip FROM nyctaxi.trips)",
        f"SELECT 2 * count(*) FROM {{t}} WHERE {CAROLS_ROWS}",
    ),
    "aggregate per zip": (
        f"SELECT pickup_zip, count(*), round(avg(fare_amount), 6) FROM {TRIPS} GROUP BY 1 ORDER BY 1",
        f"SELECT pickup_zip, count(*), round(avg(fare_amount), 6) FROM {{t}} WHERE {CAROLS_ROWS} GROUP BY 1 ORDER BY 1",
    ),
    "qualified by schema": (
        f"SELECT count(nyctaxi.trips.pickup_zip) FROM {TRIPS}",
        f"SELECT count(*) FROM {{t}} WHERE {CAROLS_ROWS}",
    ),
}


@pytest.fixture(scope="module")
def direct(local_warehouse: LocalWarehouse) -> Callable[[str], list[tuple[Any, ...]]]:
    """DuckDB SQL over the raw sample tables (`{t}` is trips), never through the policies."""
    return lambda sql: local_warehouse.query(sql.format(t=TRIPS))


@pytest.fixture(scope="module")
def real_phone(local_warehouse: LocalWarehouse) -> tuple[int, str]:
    """A customer's key and their real (unmasked) phone number."""
    key, phone = local_warehouse.query(f"SELECT c_custkey, c_phone FROM {CUSTOMER} ORDER BY c_custkey LIMIT 1")[0]
    assert not MASKED.match(phone)
    return key, phone


def rows_of(settings: Settings, user: UserIdentity, statement: str) -> list[tuple[Any, ...]]:
    _, rows = run_query(settings=settings, user=user, statement=statement, parameters={})
    return [tuple(r) for r in rows]


def same(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Values compared across the connector and DuckDB (Decimal and float, int and int64 alike)."""
    return [tuple(float(v) if isinstance(v, (int, float)) or hasattr(v, "as_tuple") else v for v in r) for r in rows]


@pytest.mark.parametrize(("statement", "expected"), CAROL_READS.values(), ids=CAROL_READS.keys())
def test_carol_sees_only_her_rows_however_trips_is_read(
    settings: Settings, direct: Callable[[str], list[tuple[Any, ...]]], statement: str, expected: str
) -> None:
    assert same(rows_of(settings, CAROL, statement)) == same(direct(expected))


def test_the_row_filter_removes_rows_for_carol_only(
    settings: Settings, direct: Callable[[str], list[tuple[Any, ...]]]
) -> None:
    total = direct("SELECT count(*) FROM {t}")[0][0]
    carols = direct(f"SELECT count(*) FROM {{t}} WHERE {CAROLS_ROWS}")[0][0]
    assert 0 < carols < total
    statement = f"SELECT count(*), min(pickup_zip), max(pickup_zip) FROM {TRIPS}"
    assert rows_of(settings, CAROL, statement)[0][0] == carols
    low, high = rows_of(settings, CAROL, statement)[0][1:]
    assert 10001 <= low <= high <= 10282
    for other in (ALICE, BOB, APP_IDENTITY):
        assert rows_of(settings, other, statement)[0][0] == total


def test_the_data_page_statements_see_carols_rows(
    settings: Settings, direct: Callable[[str], list[tuple[Any, ...]]]
) -> None:
    """A page, a chart and an export of the Data page: each the same filtered rows."""
    table = TableRef.parse(TRIPS)
    carols = direct(f"SELECT count(*) FROM {{t}} WHERE {CAROLS_ROWS} AND fare_amount >= 5")[0][0]
    wanted = (Filter("fare_amount", ">=", 5),)
    page = warehouse.query_page(settings=settings, user=CAROL, table=table, limit=1000, filters=wanted)
    assert page.rows
    assert all(10001 <= r["pickup_zip"] <= 10282 for r in page.rows)
    view = TableView.open(TRIPS).with_filters(wanted)
    chart = run_chart(settings=settings, user=CAROL, view=view, chart=ChartSettings(x="pickup_zip", top_n=50))
    assert sum(chart.values) == carols  # the top 50 zips and "Other" together
    groups = chart.x[:-1] if chart.other_groups else chart.x
    assert all(10001 <= int(x) <= 10282 for x in groups)
    exported = "".join(warehouse.export_csv(settings=settings, user=CAROL, table=table, filters=wanted))
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == carols
    assert {int(r["pickup_zip"]) for r in rows} <= set(range(10001, 10283))


def test_alice_sees_masked_phones_in_select_star_and_joins(settings: Settings, real_phone: tuple[int, str]) -> None:
    key, phone = real_phone
    star = rows_of(settings, ALICE, f"SELECT * FROM {CUSTOMER} ORDER BY c_custkey LIMIT 50")
    columns, _ = run_query(settings=settings, user=ALICE, statement=f"SELECT * FROM {CUSTOMER} LIMIT 1", parameters={})
    phones = [r[columns.index("c_phone")] for r in star]
    assert phones[0] == f"***-***-{phone[-4:]}"
    assert all(MASKED.match(p) for p in phones)
    joined = rows_of(
        settings,
        ALICE,
        f"SELECT c.c_phone, customer2.c_phone, o.o_orderkey FROM {ORDERS} o JOIN {CUSTOMER} c ON o.o_custkey = "
        f"c.c_custkey JOIN samples.tpch.customer customer2 ON customer2.c_custkey = c.c_custkey LIMIT 20",
    )
    assert joined
    assert all(MASKED.match(a) and MASKED.match(b) for a, b, _ in joined)
    qualified = rows_of(
        settings,
        ALICE,
        f"SELECT customer.c_phone, tpch.customer.c_phone, samples.tpch.customer.c_phone FROM {CUSTOMER} "
        f"WHERE c_custkey = {key}",
    )
    assert qualified == [(f"***-***-{phone[-4:]}",) * 3]


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT c_custkey FROM {c} WHERE c_phone = '{p}'",
        "SELECT c_custkey FROM {c} WHERE c_phone LIKE '{prefix}%'",
        "SELECT c_custkey FROM {c} WHERE substring(c_phone, 1, 3) = '{prefix}'",
        "SELECT count(*) FROM {c} GROUP BY c_phone HAVING c_phone = '{p}'",
        "SELECT o.o_orderkey FROM samples.tpch.orders o JOIN {c} c ON c.c_phone = '{p}' AND c.c_custkey = o.o_custkey",
        "SELECT 1 FROM {c} WHERE EXISTS (SELECT 1 FROM {c} x WHERE x.c_phone = '{p}')",
        "WITH k AS (SELECT c_phone FROM {c}) SELECT * FROM k WHERE c_phone = '{p}'",
        "SELECT c_phone FROM {c} WHERE c_phone = '{p}' UNION SELECT c_phone FROM {c} WHERE c_phone = '{p}'",
    ],
    ids=["equals", "like", "substring", "group by", "join on", "exists", "cte", "union"],
)
def test_alice_cannot_filter_or_group_on_the_real_phone(
    settings: Settings, real_phone: tuple[int, str], statement: str
) -> None:
    _, phone = real_phone
    text = statement.format(c=CUSTOMER, p=phone, prefix=phone[:3])
    assert rows_of(settings, ALICE, text) == []


def test_ordering_and_grouping_use_the_masked_value(settings: Settings) -> None:
    groups = rows_of(settings, ALICE, f"SELECT c_phone, count(*) FROM {CUSTOMER} GROUP BY c_phone ORDER BY c_phone")
    assert groups
    assert all(MASKED.match(phone) for phone, _ in groups)
    ordered = [r[0] for r in rows_of(settings, ALICE, f"SELECT c_phone FROM {CUSTOMER} ORDER BY c_phone LIMIT 30")]
    assert ordered == sorted(ordered)


def test_the_service_principal_follows_the_declared_mask(settings: Settings, real_phone: tuple[int, str]) -> None:
    """The mask shows the real value only to the `admins` group; the app's service principal (a metastore admin,
    but in no group) sees it masked, as Databricks applies a mask to admins too."""
    key, phone = real_phone
    got = rows_of(settings, APP_IDENTITY, f"SELECT c_phone FROM {CUSTOMER} WHERE c_custkey = {key}")
    assert got == [(f"***-***-{phone[-4:]}",)]


def test_a_policy_that_changes_nothing_costs_nothing(local_warehouse: LocalWarehouse, directory: Directory) -> None:
    """For anyone but Carol, trips' row filter is TRUE: the statement reads the table itself."""
    alice, carol = directory.user("alice@example.com"), directory.user("carol@example.com")
    assert alice is not None
    assert carol is not None
    request = Request(f"SELECT count(*) FROM {TRIPS}", [], "samples", "default")
    alices, _ = local_warehouse.check(alice.principal, request)
    carols, _ = local_warehouse.check(carol.principal, request)
    assert "WHERE" not in alices
    assert "(SELECT" not in alices
    assert "10282" in carols
    assert ") AS trips" in carols


def test_the_sdk_sees_the_same_filtered_and_masked_values(
    local_workspace: RunningServer,
    local_warehouse: LocalWarehouse,
    directory: Directory,
    direct: Callable[[str], list[tuple[Any, ...]]],
) -> None:
    def client(user_name: str) -> WorkspaceClient:
        user = directory.user(user_name)
        assert user is not None
        return WorkspaceClient(host=local_workspace.url, token=user.token, auth_type="pat")

    def values(user_name: str, statement: str) -> list[list[str]]:
        response = client(user_name).statement_execution.execute_statement(
            statement=statement, warehouse_id=local_warehouse.warehouse_id
        )
        assert response.status is not None
        assert response.status.state == StatementState.SUCCEEDED
        assert response.result is not None
        return response.result.data_array or []

    carols = direct(f"SELECT count(*) FROM {{t}} WHERE {CAROLS_ROWS}")[0][0]
    assert values("carol@example.com", f"SELECT count(*) FROM {TRIPS}") == [[str(carols)]]
    phones = values("alice@example.com", f"SELECT c_phone FROM {CUSTOMER} LIMIT 10")
    assert phones
    assert all(MASKED.match(p[0]) for p in phones)


@pytest.mark.parametrize(
    "statement",
    [
        f"WITH customer AS (SELECT * FROM {CUSTOMER}) SELECT c_phone FROM customer",
        f"SELECT c_phone FROM {CUSTOMER} WHERE EXISTS (SELECT 1 FROM {ORDERS} WHERE o_custkey = customer.c_custkey)",
        f"SELECT x.e FROM {CUSTOMER} AS x(a, b, c, d, e, f, g, h)",
        f"SELECT * EXCEPT (c_custkey, c_name, c_address, c_nationkey, c_acctbal, c_mktsegment, c_comment) "
        f"FROM {CUSTOMER}",
        f"SELECT max(c_phone) FROM {CUSTOMER} GROUP BY c_mktsegment",
    ],
    ids=["cte named as the table", "correlated subquery", "column aliases", "star except", "aggregate"],
)
def test_the_mask_holds_in_every_form(settings: Settings, statement: str) -> None:
    phones = [r[0] for r in rows_of(settings, ALICE, f"{statement} LIMIT 20")]
    assert phones
    assert all(MASKED.match(p) for p in phones)
