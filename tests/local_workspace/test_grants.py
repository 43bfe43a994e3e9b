"""The local warehouse checks the caller's grants on every table a statement reads, wherever it appears,
and refuses what would read around the catalog (DuckDB's own table functions and files).

Bob has BROWSE but not SELECT on samples.tpch.orders and cannot see samples.tpch.customer; Alice may read
both. Each statement is run through the real connector, as the app runs its own."""

from __future__ import annotations

from typing import Any

import pytest

from core.identity import UserIdentity
from core.settings import Settings
from services.warehouse import run_query

ALICE = UserIdentity("alice@example.com", "alice@example.com", "alice@example.com", None, "dapi-local-alice-0001")
BOB = UserIdentity("bob@example.com", "bob@example.com", "bob@example.com", None, "dapi-local-bob-0002")
TRIPS = "samples.nyctaxi.trips"
ORDERS = "samples.tpch.orders"

# Every way a statement can name a table; each reads samples.tpch.orders somewhere other than first.
HIDDEN_READS = {
    "join": f"SELECT t.fare_amount FROM {TRIPS} t JOIN {ORDERS} o ON t.pickup_zip = o.o_orderkey LIMIT 1",
    "left join second": f"SELECT 1 FROM {TRIPS} t LEFT JOIN {ORDERS} o ON 1 = 1 LIMIT 1",
    "in subquery": f"SELECT 1 FROM {TRIPS} WHERE pickup_zip IN (SELECT o_orderkey FROM {ORDERS}) LIMIT 1",
    "exists": f"SELECT 1 FROM {TRIPS} WHERE EXISTS (SELECT 1 FROM {ORDERS}) LIMIT 1",
    "scalar subquery": f"SELECT (SELECT max(o_totalprice) FROM {ORDERS}) AS m FROM {TRIPS} LIMIT 1",
    "cte": f"WITH o AS (SELECT * FROM {ORDERS}) SELECT count(*) FROM o",
    "cte shadowing a real name": f"WITH trips AS (SELECT * FROM {ORDERS}) SELECT count(*) FROM trips",
    "nested cte": f"WITH a AS (SELECT 1 AS x), b AS (SELECT * FROM {ORDERS}) SELECT count(*) FROM a, b",
    "union": f"SELECT 1 AS x FROM {TRIPS} UNION ALL SELECT 1 FROM {ORDERS}",
    "intersect": f"SELECT o_orderkey FROM {ORDERS} INTERSECT SELECT pickup_zip FROM {TRIPS}",
    "derived table": f"SELECT count(*) FROM (SELECT * FROM {ORDERS}) d",
    "lateral view of a subquery": f"SELECT * FROM {TRIPS}, LATERAL (SELECT o_orderkey FROM {ORDERS} LIMIT 1) LIMIT 1",
    "hidden table": "SELECT count(*) FROM samples.tpch.customer",
    "quoted names": "SELECT count(*) FROM `samples`.`tpch`.`orders`",
    "upper case": "SELECT count(*) FROM SAMPLES.TPCH.ORDERS",
}
# What DuckDB itself offers but Databricks does not: none of it may reach the engine.
ENGINE_ESCAPES = {
    "query_table": f"SELECT * FROM query_table('{ORDERS}')",
    "query": f"SELECT * FROM query('SELECT * FROM {ORDERS}')",
    "read_csv": "SELECT * FROM read_csv('/etc/passwd')",
    "read_text": "SELECT * FROM read_text('/etc/hostname')",
    "read_parquet": "SELECT * FROM read_parquet('/tmp/x.parquet')",
    "glob": "SELECT * FROM glob('/*')",
    "duckdb_tables": "SELECT * FROM duckdb_tables()",
    "duckdb_settings": "SELECT * FROM duckdb_settings()",
    "information schema of the engine": "SELECT * FROM memory.information_schema.tables",
    "a file path as a table": "SELECT * FROM '/etc/passwd'",
    "getenv": "SELECT getenv('HOME')",
    "current_setting": "SELECT current_setting('home_directory')",
    "attach": "ATTACH '/tmp/other.duckdb' AS other",
    "pragma": "PRAGMA database_list",
}


def _refused(settings: Settings, user: UserIdentity, statement: str) -> str:
    """The error code the app gets for the statement (it must not succeed)."""
    try:
        run_query(settings=settings, user=user, statement=statement, parameters={})
    except Exception as error:
        return str(getattr(error, "error_code", type(error).__name__))
    raise AssertionError(f"ran: {statement}")


@pytest.mark.parametrize("statement", HIDDEN_READS.values(), ids=HIDDEN_READS.keys())
def test_bob_is_refused_wherever_the_table_stands(settings: Settings, statement: str) -> None:
    assert _refused(settings, BOB, statement) in ("CATALOG_PERMISSION_DENIED", "NOT_FOUND")


@pytest.mark.parametrize("statement", HIDDEN_READS.values(), ids=HIDDEN_READS.keys())
def test_alice_may_run_the_same_statements(settings: Settings, statement: str) -> None:
    columns, _ = run_query(settings=settings, user=ALICE, statement=statement, parameters={})
    assert columns


@pytest.mark.parametrize("statement", ENGINE_ESCAPES.values(), ids=ENGINE_ESCAPES.keys())
def test_the_engines_own_functions_are_refused_for_everyone(settings: Settings, statement: str) -> None:
    code: Any = _refused(settings, ALICE, statement)
    assert code in ("CATALOG_PERMISSION_DENIED", "NOT_FOUND", "INVALID_INPUT")
