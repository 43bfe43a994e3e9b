"""scripts/setup_sample_data.py run against the local workspace: its SQL goes through databricks-sql-connector
to the Statement Execution API, as on a real warehouse; run twice, it leaves the same tables of 100 rows."""

from __future__ import annotations

import pytest

from core.identity import UserIdentity
from core.settings import Settings
from local_workspace.dialect import SqlError
from local_workspace.identities import Directory
from local_workspace.statements import Request
from local_workspace.warehouse import LocalWarehouse
from scripts.setup_sample_data import MAX_ROWS, TABLES, main, statements
from services.warehouse import connect
from tests.conftest import RunningServer


@pytest.fixture
def workspace_environment(
    monkeypatch: pytest.MonkeyPatch, local_workspace: RunningServer, directory: Directory, settings: Settings
) -> None:
    """The variables the app itself is configured by, pointed at the local workspace."""
    for name, value in {
        "DATABRICKS_HOST": local_workspace.url,
        "DATABRICKS_CLIENT_ID": directory.service_principal.user_name,
        "DATABRICKS_CLIENT_SECRET": directory.client_secret,
        "DATABRICKS_WAREHOUSE_ID": str(settings.warehouse_id),
        "DATABRICKS_SQL_USE_SEA": "true",
        "DATABRICKS_SQL_CLOUD_FETCH": "false",
        "DATABRICKS_SQL_TELEMETRY": "false",
    }.items():
        monkeypatch.setenv(name, value)


def snapshot(warehouse: LocalWarehouse, catalog: str) -> dict[str, list[tuple[object, ...]]]:
    return {
        f"{schema}.{table}": warehouse.query(f"SELECT * FROM {catalog}.{schema}.{table} ORDER BY ALL")
        for schema, table, *_ in TABLES
    }


@pytest.mark.usefixtures("workspace_environment")
def test_creates_every_table_through_the_warehouse_idempotently(local_warehouse: LocalWarehouse) -> None:
    assert main(["--catalog", "setup_test"]) == 0
    first = snapshot(local_warehouse, "setup_test")
    assert main(["--catalog", "setup_test"]) == 0
    assert snapshot(local_warehouse, "setup_test") == first
    for schema, table, _, columns in TABLES:
        assert len(first[f"{schema}.{table}"]) == MAX_ROWS
        described = [r[0] for r in local_warehouse.query(f"DESCRIBE setup_test.{schema}.{table}")]
        assert described == [name for name, _ in columns]
    fares = local_warehouse.query("SELECT min(fare_amount) FROM setup_test.nyctaxi.trips")
    assert fares[0][0] > 0


def test_a_user_without_create_on_the_metastore_is_refused(settings: Settings) -> None:
    alice = UserIdentity(
        user_id="alice@example.com",
        email="alice@example.com",
        user_name="alice",
        workspace_user=None,
        access_token="dapi-local-alice-0001",
    )
    connection = connect(settings, alice)
    try:
        with connection.cursor() as cursor, pytest.raises(Exception, match="INSUFFICIENT_PERMISSIONS"):
            cursor.execute(statements("alice_catalog")[0])
    finally:
        connection.close()


def test_dry_run_prints_the_sql_and_bad_names_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dry-run", "--catalog", "demo", "--rows", "5"]) == 0
    printed = capsys.readouterr().out
    assert "CREATE SCHEMA IF NOT EXISTS `demo`.`tpch`" in printed
    assert printed.count("CREATE OR REPLACE TABLE") == len(TABLES)
    for bad in ("demo`; DROP CATALOG main; --", "1abc", ""):
        with pytest.raises(ValueError, match="catalog"):
            statements(bad)
    with pytest.raises(SystemExit):
        main(["--dry-run", "--rows", "101"])


def test_the_admin_creates_only_in_catalogs_created_here(local_warehouse: LocalWarehouse, directory: Directory) -> None:
    admin = directory.service_principal
    for sql in ("CREATE TABLE samples.nyctaxi.extra AS SELECT 1 AS a", "CREATE SCHEMA samples.extra"):
        with pytest.raises(SqlError) as refused:
            local_warehouse.check(admin, Request(sql, [], "samples", "default"))
        assert refused.value.error_class == "INSUFFICIENT_PERMISSIONS"
    with pytest.raises(SqlError) as exists:
        local_warehouse.check(admin, Request("CREATE CATALOG samples", [], "samples", "default"))
    assert exists.value.error_class == "CATALOG_ALREADY_EXISTS"
