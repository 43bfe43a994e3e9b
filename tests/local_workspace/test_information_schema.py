"""`<catalog>.information_schema.catalogs / schemata / tables / columns` of the local warehouse: Databricks'
documented columns, only what the caller may see, queryable like any view (WHERE, ORDER BY, joins, aggregates),
through the real databricks-sql-connector (SEA backend) and databricks-sdk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.sql import StatementState

from local_workspace.identities import Directory
from local_workspace.information_schema import VIEWS
from local_workspace.warehouse import LocalWarehouse
from tests.conftest import RunningServer
from tests.local_workspace.sql_clients import cursor_as

# The documented columns of each view, in order (lower case, as Databricks names the result's columns).
DOCUMENTED = {
    "catalogs": ["catalog_name", "catalog_owner", "comment", "created", "created_by", "last_altered"],
    "schemata": ["catalog_name", "schema_name", "schema_owner", "comment", "created", "created_by"],
    "tables": ["table_catalog", "table_schema", "table_name", "table_type", "is_insertable_into", "commit_action"],
    "columns": ["table_catalog", "table_schema", "table_name", "column_name", "ordinal_position", "column_default"],
}
# What each local user may see of the sample catalog (grants.toml): BROWSE shows a table's metadata too.
VISIBLE_TABLES = {
    "alice@example.com": [("nyctaxi", "trips"), ("tpch", "customer"), ("tpch", "orders")],
    "bob@example.com": [("nyctaxi", "trips"), ("tpch", "orders")],
    "carol@example.com": [("nyctaxi", "trips")],
}
VISIBLE_SCHEMAS = {
    "alice@example.com": ["information_schema", "nyctaxi", "tpch"],
    "bob@example.com": ["information_schema", "nyctaxi", "tpch"],
    "carol@example.com": ["information_schema", "nyctaxi"],
}


@pytest.fixture
def query(
    local_workspace: RunningServer, local_warehouse: LocalWarehouse, directory: Directory
) -> Callable[..., tuple[list[str], list[tuple[Any, ...]]]]:
    """Run a statement through the connector as a local user: (column names, rows)."""

    def run(user_name: str, statement: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        with cursor_as(local_workspace, local_warehouse, directory, user_name) as cursor:
            cursor.execute(statement)
            names = [d[0] for d in cursor.description]
            return names, [tuple(r) for r in cursor.fetchall()]

    return run


@pytest.mark.parametrize("view", DOCUMENTED)
def test_each_view_has_the_documented_columns(query: Callable[..., Any], view: str) -> None:
    names, rows = query("alice@example.com", f"SELECT * FROM samples.information_schema.{view}")
    assert names[: len(DOCUMENTED[view])] == DOCUMENTED[view]
    assert names == [name for name, _ in VIEWS[view]]
    assert rows


@pytest.mark.parametrize("user", VISIBLE_TABLES)
def test_tables_and_schemata_show_only_what_the_caller_may_see(query: Callable[..., Any], user: str) -> None:
    _, tables = query(
        user,
        "SELECT table_schema, table_name FROM samples.information_schema.tables "
        "WHERE table_catalog = 'samples' ORDER BY table_schema, table_name",
    )
    assert tables == VISIBLE_TABLES[user]
    _, schemas = query(user, "SELECT schema_name FROM information_schema.schemata ORDER BY schema_name")
    assert [s for (s,) in schemas] == VISIBLE_SCHEMAS[user]
    _, columns = query(user, "SELECT DISTINCT table_name FROM samples.information_schema.columns ORDER BY 1")
    assert [t for (t,) in columns] == sorted(t for _, t in VISIBLE_TABLES[user])


def test_columns_describe_a_table_as_unity_catalog_does(
    query: Callable[..., Any], local_warehouse: LocalWarehouse
) -> None:
    _, rows = query(
        "alice@example.com",
        "SELECT column_name, ordinal_position, data_type, full_data_type, is_nullable, numeric_precision, "
        "numeric_scale FROM samples.information_schema.columns "
        "WHERE table_schema = 'nyctaxi' AND table_name = 'trips' ORDER BY ordinal_position",
    )
    engine = local_warehouse.query("DESCRIBE samples.nyctaxi.trips")
    assert [r[0] for r in rows] == [r[0] for r in engine]
    assert [r[1] for r in rows] == list(range(1, len(engine) + 1))
    by_name = {r[0]: r[2:] for r in rows}
    assert by_name["pickup_zip"] == ("INT", "int", "YES", 32, 0)
    assert by_name["fare_amount"][:2] == ("DOUBLE", "double")
    assert by_name["tpep_pickup_datetime"][:2] == ("TIMESTAMP", "timestamp")


def test_the_views_join_and_aggregate_like_any_view(query: Callable[..., Any]) -> None:
    _, rows = query(
        "alice@example.com",
        "SELECT t.table_name, count(c.column_name) AS n FROM samples.information_schema.tables t "
        "JOIN samples.information_schema.columns c ON c.table_schema = t.table_schema AND c.table_name = t.table_name "
        "WHERE t.table_schema = 'tpch' GROUP BY t.table_name ORDER BY n DESC",
    )
    assert [r[0] for r in rows] == ["orders", "customer"]
    assert all(n > 1 for _, n in rows)


def test_no_rows_for_a_filter_that_matches_nothing(query: Callable[..., Any]) -> None:
    names, rows = query(
        "carol@example.com", "SELECT * FROM samples.information_schema.tables WHERE table_schema = 'tpch'"
    )
    assert rows == []
    assert names[0] == "table_catalog"


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM samples.information_schema.routines",
        "SELECT * FROM memory.information_schema.tables",
        "SELECT * FROM system.information_schema.columns",
    ],
    ids=["unknown view", "the engine's catalog", "another catalog"],
)
def test_anything_else_is_table_or_view_not_found(
    local_workspace: RunningServer, local_warehouse: LocalWarehouse, directory: Directory, statement: str
) -> None:
    alice = directory.user("alice@example.com")
    assert alice is not None
    client = WorkspaceClient(host=local_workspace.url, token=alice.token, auth_type="pat")
    response = client.statement_execution.execute_statement(
        statement=statement, warehouse_id=local_warehouse.warehouse_id
    )
    assert response.status is not None
    assert response.status.state == StatementState.FAILED
    assert response.status.error is not None
    assert (response.status.error.message or "").startswith("[TABLE_OR_VIEW_NOT_FOUND]")


def test_the_engines_own_catalog_never_shows(query: Callable[..., Any]) -> None:
    _, rows = query("alice@example.com", "SELECT DISTINCT table_catalog, table_schema FROM information_schema.columns")
    assert {catalog for catalog, _ in rows} == {"samples"}
    assert {schema for _, schema in rows} == {"nyctaxi", "tpch"}
