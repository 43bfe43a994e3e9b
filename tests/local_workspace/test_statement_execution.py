"""The Statement Execution API 2.0 of the local warehouse, through the real databricks-sdk and
databricks-sql-connector (SEA backend) over HTTP on loopback, against Databricks' documented shapes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.service.sql import (
    Disposition,
    ExecuteStatementRequestOnWaitTimeout,
    Format,
    StatementParameterListItem,
    StatementResponse,
    StatementState,
)

from local_workspace.identities import Directory
from local_workspace.statements import INLINE_LIMIT_BYTES
from local_workspace.warehouse import LocalWarehouse
from tests.conftest import RunningServer
from tests.local_workspace.sql_clients import cursor_as

TRIPS = "samples.nyctaxi.trips"
ORDERED_TRIPS = f"SELECT * FROM {TRIPS} ORDER BY tpep_pickup_datetime, tpep_dropoff_datetime, trip_distance"


@pytest.fixture
def client_for(local_workspace: RunningServer, directory: Directory) -> Callable[[str], WorkspaceClient]:
    """A databricks-sdk client acting as a local user, with their token."""

    def make(user_name: str = "alice@example.com") -> WorkspaceClient:
        user = directory.user(user_name)
        assert user is not None
        return WorkspaceClient(host=local_workspace.url, token=user.token, auth_type="pat")

    return make


@pytest.fixture
def alice(client_for: Callable[[str], WorkspaceClient]) -> WorkspaceClient:
    return client_for("alice@example.com")


def run(client: WorkspaceClient, warehouse: LocalWarehouse, statement: str, **options: Any) -> StatementResponse:
    """Execute sessionless, as WorkspaceClient().statement_execution does."""
    return client.statement_execution.execute_statement(
        statement=statement, warehouse_id=warehouse.warehouse_id, **options
    )


def all_rows(client: WorkspaceClient, response: StatementResponse) -> list[list[str]]:
    """Every row of an INLINE result, following next_chunk_index as the documentation describes."""
    assert response.result is not None
    rows = list(response.result.data_array or [])
    next_index = response.result.next_chunk_index
    while next_index is not None:
        assert response.statement_id is not None
        chunk = client.statement_execution.get_statement_result_chunk_n(response.statement_id, next_index)
        assert chunk.chunk_index == next_index
        rows += chunk.data_array or []
        next_index = chunk.next_chunk_index
    return rows


def rendered_trips(local_warehouse: LocalWarehouse) -> list[list[str]]:
    """The trips in order, as JSON_ARRAY strings (fields that render the same in both engines)."""
    rows = local_warehouse.query(
        f"SELECT trip_distance, fare_amount, pickup_zip FROM {TRIPS} "
        "ORDER BY tpep_pickup_datetime, tpep_dropoff_datetime, trip_distance"
    )
    return [[str(v) for v in row] for row in rows]


def test_a_sessionless_statement_answers_inline_json(alice: WorkspaceClient, local_warehouse: LocalWarehouse) -> None:
    response = run(alice, local_warehouse, "SELECT 1 AS one, 'a' AS letter")
    assert response.status is not None
    assert response.status.state == StatementState.SUCCEEDED
    assert response.manifest is not None
    assert response.manifest.format == Format.JSON_ARRAY
    assert response.manifest.schema is not None
    assert response.manifest.schema.column_count == 2
    columns = response.manifest.schema.columns or []
    assert [(c.name, c.type_text, c.position) for c in columns] == [("one", "int", 0), ("letter", "string", 1)]
    assert response.manifest.truncated is False
    assert response.manifest.total_row_count == 1
    assert response.result is not None
    assert response.result.data_array == [["1", "a"]]


def test_catalog_and_schema_of_the_request_are_the_defaults(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse
) -> None:
    response = run(alice, local_warehouse, "SELECT count(*) AS n FROM trips", catalog="samples", schema="nyctaxi")
    assert response.result is not None
    assert response.result.data_array is not None
    assert response.result.data_array[0][0] == str(local_warehouse.query(f"SELECT count(*) FROM {TRIPS}")[0][0])
    missing = run(alice, local_warehouse, "SELECT count(*) AS n FROM trips")  # samples.default.trips
    assert missing.status is not None
    assert missing.status.state == StatementState.FAILED


def test_typed_named_parameters_bind_and_an_unused_one_is_ignored(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse
) -> None:
    response = run(
        alice,
        local_warehouse,
        f"SELECT count(*) AS n FROM {TRIPS} WHERE pickup_zip = :zip AND trip_distance > :distance",
        parameters=[
            StatementParameterListItem(name="zip", value="10001", type="INT"),
            StatementParameterListItem(name="distance", value="1.5", type="DOUBLE"),
            StatementParameterListItem(name="unused", value="x"),
        ],
    )
    expected = local_warehouse.query(f"SELECT count(*) FROM {TRIPS} WHERE pickup_zip = 10001 AND trip_distance > 1.5")
    assert response.result is not None
    assert response.result.data_array == [[str(expected[0][0])]]


@pytest.mark.parametrize(
    ("statement", "parameters", "error_class", "sql_state"),
    [
        ("SELECT :missing AS x", [], "UNBOUND_SQL_PARAMETER", "42P02"),
        ("SELECT ? AS x", [StatementParameterListItem(name="x", value="1")], "UNBOUND_SQL_PARAMETER", "42P02"),
        (
            "SELECT :n AS x",
            [StatementParameterListItem(name="n", value="ten", type="INT")],
            "CAST_INVALID_INPUT",
            "22018",
        ),
        (f"SELECT * FROM {TRIPS}_nope", [], "TABLE_OR_VIEW_NOT_FOUND", "42P01"),
        ("SELEC 1", [], "PARSE_SYNTAX_ERROR", "42601"),
        (f"DELETE FROM {TRIPS}", [], "INSUFFICIENT_PERMISSIONS", "42501"),
    ],
)
def test_a_failed_statement_has_the_documented_status_error(
    alice: WorkspaceClient,
    local_warehouse: LocalWarehouse,
    statement: str,
    parameters: list[StatementParameterListItem],
    error_class: str,
    sql_state: str,
) -> None:
    response = run(alice, local_warehouse, statement, parameters=parameters)
    status = response.status
    assert status is not None
    assert status.state == StatementState.FAILED
    assert status.error is not None
    assert status.error.error_code is not None
    assert status.error.error_code.value == "BAD_REQUEST"
    assert status.error.message is not None
    assert status.error.message.startswith(f"[{error_class}]")
    assert f"SQLSTATE: {sql_state}" in status.error.message
    assert status.sql_state == sql_state
    assert response.manifest is None
    assert response.result is None


@pytest.mark.parametrize(
    "changes",
    [
        {"wait_timeout": "3s"},
        {"wait_timeout": "51s"},
        {"wait_timeout": "10"},
        {"on_wait_timeout": "WAIT"},
        {"disposition": "SOMEWHERE"},
        {"format": "CSV"},  # INLINE takes JSON_ARRAY only
        {"format": "ARROW_STREAM"},  # INLINE takes JSON_ARRAY only
        {"result_compression": "GZIP"},
        {"format": "PARQUET", "disposition": "EXTERNAL_LINKS"},
        {"row_limit": -1},
        {"byte_limit": 0},
        {"statement": ""},
        {"warehouse_id": ""},
        {"parameters": [{"value": "1"}]},
        {"parameters": [{"name": "x", "value": 1}]},
    ],
)
def test_a_request_outside_the_documented_values_is_invalid_parameter_value(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse, changes: dict[str, Any]
) -> None:
    body = {"statement": "SELECT 1", "warehouse_id": local_warehouse.warehouse_id} | changes
    with pytest.raises(InvalidParameterValue):
        alice.api_client.do("POST", "/api/2.0/sql/statements", body=body)


def test_an_unknown_warehouse_is_not_found(alice: WorkspaceClient) -> None:
    with pytest.raises(NotFound):
        alice.statement_execution.execute_statement(statement="SELECT 1", warehouse_id="nope")


def test_row_limit_truncates_and_says_so(alice: WorkspaceClient, local_warehouse: LocalWarehouse) -> None:
    limited = run(alice, local_warehouse, ORDERED_TRIPS, row_limit=5)
    assert limited.manifest is not None
    assert limited.manifest.truncated is True
    assert limited.manifest.total_row_count == 5
    assert len(all_rows(alice, limited)) == 5
    whole = run(alice, local_warehouse, "SELECT 1 AS x", row_limit=5)
    assert whole.manifest is not None
    assert whole.manifest.truncated is False


def test_byte_limit_truncates_within_the_limit(alice: WorkspaceClient, local_warehouse: LocalWarehouse) -> None:
    limited = run(alice, local_warehouse, ORDERED_TRIPS, byte_limit=2000)
    manifest = limited.manifest
    assert manifest is not None
    assert manifest.truncated is True
    assert manifest.total_byte_count is not None
    assert 0 < manifest.total_byte_count <= 2000
    assert 0 < len(all_rows(alice, limited)) < 100


def test_a_result_is_split_into_chunks_read_through_the_sdk(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_warehouse, "chunk_rows", 3000)
    response = run(
        alice,
        local_warehouse,
        "SELECT trip_distance, fare_amount, pickup_zip FROM samples.nyctaxi.trips "
        "ORDER BY tpep_pickup_datetime, tpep_dropoff_datetime, trip_distance",
    )
    manifest = response.manifest
    expected = rendered_trips(local_warehouse)
    assert manifest is not None
    assert manifest.total_chunk_count == -(-len(expected) // 3000)
    assert [c.row_offset for c in manifest.chunks or []] == list(range(0, len(expected), 3000))
    assert response.result is not None
    assert response.result.next_chunk_internal_link == (
        f"/api/2.0/sql/statements/{response.statement_id}/result/chunks/1"
    )
    assert all_rows(alice, response) == expected
    with pytest.raises(NotFound):
        alice.statement_execution.get_statement_result_chunk_n(str(response.statement_id), manifest.total_chunk_count)


def test_the_connector_reads_a_large_result(
    local_workspace: RunningServer, directory: Directory, local_warehouse: LocalWarehouse
) -> None:
    with cursor_as(local_workspace, local_warehouse, directory, "alice@example.com") as cursor:
        cursor.execute(ORDERED_TRIPS)
        rows = cursor.fetchall()
    expected = local_warehouse.query(ORDERED_TRIPS)
    assert len(rows) == len(expected) > 10_000
    # TIMESTAMP comes back with its zone (UTC, the session time zone), the rest as DuckDB has it.
    assert rows[0][0].utcoffset() == dt.timedelta(0)
    naive = [tuple(v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v for v in row) for row in rows]
    assert naive == [tuple(row) for row in expected]


def test_values_render_as_databricks_renders_them(alice: WorkspaceClient, local_warehouse: LocalWarehouse) -> None:
    response = run(
        alice,
        local_warehouse,
        "SELECT array(1, 2) AS a, named_struct('x', 1, 'y', 'b') AS s, CAST('ab' AS BINARY) AS bin, "
        "TIMESTAMP'2016-02-14 16:52:13' AS ts, true AS b, CAST(1e10 AS DOUBLE) AS big, CAST(0.5 AS DOUBLE) AS half, "
        "CAST(1.5 AS DECIMAL(10,2)) AS dec, DATE'2016-02-14' AS day, NULL AS nothing",
    )
    assert response.result is not None, response.status
    assert response.result.data_array == [
        [
            "[1,2]",
            '{"x":1,"y":"b"}',
            "6162",
            "2016-02-14T16:52:13.000Z",
            "true",
            "1.0E10",
            "0.5",
            "1.50",
            "2016-02-14",
            None,
        ]
    ]
    assert response.manifest is not None
    assert response.manifest.schema is not None
    columns = {c.name: c for c in response.manifest.schema.columns or []}
    assert columns["a"].type_text == "array<int>"
    assert columns["s"].type_text == "struct<x:int,y:string>"
    assert (columns["dec"].type_precision, columns["dec"].type_scale) == (10, 2)


def test_external_links_are_fetched_without_authorization(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_warehouse, "chunk_rows", 7000)
    sql = "SELECT trip_distance, fare_amount, pickup_zip FROM samples.nyctaxi.trips ORDER BY tpep_pickup_datetime, "
    response = run(
        alice, local_warehouse, sql + "tpep_dropoff_datetime, trip_distance", disposition=Disposition.EXTERNAL_LINKS
    )
    assert response.result is not None
    assert response.manifest is not None
    rows: list[list[str]] = []
    links = response.result.external_links or []
    while links:
        link = links[0]
        assert link.expiration is not None
        assert dt.datetime.fromisoformat(link.expiration) > dt.datetime.now(dt.UTC)
        assert link.external_link is not None
        assert "Authorization" not in (link.http_headers or {})
        downloaded = requests.get(link.external_link, timeout=10)  # no Authorization header, as documented
        assert downloaded.status_code == 200
        rows += downloaded.json()
        if link.next_chunk_index is None:
            break
        links = (
            alice.statement_execution.get_statement_result_chunk_n(
                str(response.statement_id), link.next_chunk_index
            ).external_links
            or []
        )
    assert response.manifest.total_chunk_count == 3
    assert rows == rendered_trips(local_warehouse)


def test_csv_external_links_have_one_header_and_null_as_null(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse
) -> None:
    response = run(
        alice,
        local_warehouse,
        "SELECT 'a,b' AS text, NULL AS nothing, 1 AS one",
        disposition=Disposition.EXTERNAL_LINKS,
        format=Format.CSV,
    )
    assert response.result is not None
    assert response.manifest is not None
    assert response.manifest.format == Format.CSV
    link = (response.result.external_links or [])[0].external_link
    assert link is not None
    text = requests.get(link, timeout=10).text
    assert list(csv.reader(io.StringIO(text))) == [["text", "nothing", "one"], ["a,b", "null", "1"]]


def test_an_external_link_is_refused_once_expired_or_altered(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_warehouse.signer, "lifetime_seconds", 1)
    response = run(alice, local_warehouse, "SELECT 1 AS x", disposition=Disposition.EXTERNAL_LINKS)
    assert response.result is not None
    link = (response.result.external_links or [])[0].external_link
    assert link is not None
    altered = link[:-4] + ("0000" if not link.endswith("0000") else "1111")
    assert requests.get(altered, timeout=5).status_code == 403
    other_chunk = link.replace("/0?", "/1?")
    assert requests.get(other_chunk, timeout=5).status_code == 403
    unsigned = link.split("?")[0]
    assert requests.get(unsigned, timeout=5).status_code == 403
    time.sleep(2.1)
    expired = requests.get(link, timeout=5)
    assert expired.status_code == 403
    assert "expired" in expired.text
    # A fresh link comes from asking for the chunk again.
    fresh = alice.statement_execution.get_statement_result_chunk_n(str(response.statement_id), 0)
    assert fresh.external_links is not None
    assert fresh.external_links[0].external_link is not None
    assert requests.get(fresh.external_links[0].external_link, timeout=5).json() == [["1"]]


def test_an_inline_result_over_25_mib_fails_and_external_links_carry_it(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse
) -> None:
    big = f"SELECT repeat('x', 1500) AS padding FROM {TRIPS}"  # 20,000 rows of 1.5 KB: about 30 MB
    inline = run(alice, local_warehouse, big, wait_timeout="30s")
    assert inline.status is not None
    assert inline.status.state == StatementState.FAILED
    assert inline.status.error is not None
    assert inline.status.error.message is not None
    assert "disposition=EXTERNAL_LINKS" in inline.status.error.message
    external = run(alice, local_warehouse, big, wait_timeout="30s", disposition=Disposition.EXTERNAL_LINKS)
    assert external.manifest is not None
    assert external.manifest.total_byte_count is not None
    assert external.manifest.total_byte_count > INLINE_LIMIT_BYTES
    assert external.manifest.truncated is False


def test_on_wait_timeout_cancel_cancels(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_warehouse, "min_statement_seconds", 30)
    started = time.monotonic()
    response = run(
        alice,
        local_warehouse,
        "SELECT 1 AS x",
        wait_timeout="5s",
        on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CANCEL,
    )
    assert 4.5 < time.monotonic() - started < 15
    assert response.status is not None
    assert response.status.state == StatementState.CANCELED


def start_slow(
    client: WorkspaceClient, warehouse: LocalWarehouse, monkeypatch: pytest.MonkeyPatch, seconds: float
) -> str:
    """Start `SELECT 42` asynchronously (wait_timeout 0s) on a warehouse that takes `seconds`; its id."""
    monkeypatch.setattr(warehouse, "min_statement_seconds", seconds)
    response = run(client, warehouse, "SELECT 42 AS x", wait_timeout="0s")
    assert response.status is not None
    assert response.status.state in (StatementState.PENDING, StatementState.RUNNING)
    return str(response.statement_id)


def test_an_asynchronous_statement_is_polled_and_cancelled(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    statement_id = start_slow(alice, local_warehouse, monkeypatch, 30)
    alice.statement_execution.cancel_execution(statement_id)
    polled = alice.statement_execution.get_statement(statement_id)
    assert polled.status is not None
    assert polled.status.state == StatementState.CANCELED
    assert polled.result is None


def test_a_statement_is_polled_until_it_succeeds(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    statement_id = start_slow(alice, local_warehouse, monkeypatch, 0.3)
    deadline = time.monotonic() + 10
    polled = alice.statement_execution.get_statement(statement_id)
    while polled.status is not None and polled.status.state != StatementState.SUCCEEDED:
        assert time.monotonic() < deadline
        time.sleep(0.05)
        polled = alice.statement_execution.get_statement(statement_id)
    assert polled.result is not None
    assert polled.result.data_array == [["42"]]


def test_a_closed_statement_answers_closed_and_keeps_no_result(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse
) -> None:
    response = run(alice, local_warehouse, "SELECT 1 AS x")
    statement_id = str(response.statement_id)
    alice.api_client.do("DELETE", f"/api/2.0/sql/statements/{statement_id}")
    closed = alice.statement_execution.get_statement(statement_id)
    assert closed.status is not None
    assert closed.status.state == StatementState.CLOSED
    assert closed.result is None
    with pytest.raises(NotFound):
        alice.statement_execution.get_statement_result_chunk_n(statement_id, 0)


def test_someone_elses_statement_does_not_exist(
    alice: WorkspaceClient, client_for: Callable[[str], WorkspaceClient], local_warehouse: LocalWarehouse
) -> None:
    response = run(alice, local_warehouse, "SELECT 1 AS x")
    bob = client_for("bob@example.com")
    with pytest.raises(NotFound):
        bob.statement_execution.get_statement(str(response.statement_id))
    with pytest.raises(NotFound):
        bob.statement_execution.cancel_execution(str(response.statement_id))


# Metadata and session statements ---------------------------------------------------------------------
def rows_of(client: WorkspaceClient, warehouse: LocalWarehouse, statement: str) -> tuple[list[str], list[list[str]]]:
    """Column names and rows of a statement that must succeed."""
    response = run(client, warehouse, statement)
    assert response.status is not None
    assert response.status.state == StatementState.SUCCEEDED, response.status.error
    assert response.manifest is not None
    assert response.manifest.schema is not None
    names = [c.name or "" for c in response.manifest.schema.columns or []]
    return names, (response.result.data_array or []) if response.result is not None else []


def test_show_statements_list_what_the_caller_may_see(
    client_for: Callable[[str], WorkspaceClient], local_warehouse: LocalWarehouse
) -> None:
    bob, carol = client_for("bob@example.com"), client_for("carol@example.com")
    assert rows_of(bob, local_warehouse, "SHOW CATALOGS") == (["catalog"], [["samples"]])
    assert rows_of(bob, local_warehouse, "SHOW SCHEMAS IN samples") == (["databaseName"], [["nyctaxi"], ["tpch"]])
    assert rows_of(carol, local_warehouse, "SHOW SCHEMAS IN samples") == (["databaseName"], [["nyctaxi"]])
    assert rows_of(bob, local_warehouse, "SHOW DATABASES IN samples LIKE 'tp*|x*'")[1] == [["tpch"]]
    assert rows_of(bob, local_warehouse, "SHOW TABLES IN samples.tpch") == (
        ["database", "tableName", "isTemporary"],
        [["tpch", "orders", "false"]],  # customer is not Bob's to see
    )
    names, rows = rows_of(bob, local_warehouse, "SHOW COLUMNS IN samples.nyctaxi.trips")
    assert names == ["col_name"]
    assert [r[0] for r in rows] == [c.name for c in local_warehouse.catalog.tables["samples.nyctaxi.trips"].columns]
    missing = run(carol, local_warehouse, "SHOW TABLES IN samples.tpch")
    assert missing.status is not None
    assert missing.status.error is not None
    assert (missing.status.error.message or "").startswith("[SCHEMA_NOT_FOUND]")


def test_describe_table_and_extended(alice: WorkspaceClient, local_warehouse: LocalWarehouse) -> None:
    names, rows = rows_of(alice, local_warehouse, "DESCRIBE TABLE samples.nyctaxi.trips")
    assert names == ["col_name", "data_type", "comment"]
    assert rows[0][:2] == ["tpep_pickup_datetime", "timestamp"]
    _, extended = rows_of(alice, local_warehouse, "DESC TABLE EXTENDED samples.nyctaxi.trips")
    assert extended[: len(rows)] == rows
    details = {r[0]: r[1] for r in extended[len(rows) :]}
    assert "# Detailed Table Information" in details
    assert (details["Catalog"], details["Database"], details["Table"]) == ("samples", "nyctaxi", "trips")


def test_the_connectors_metadata_calls_and_use_in_its_session(
    local_workspace: RunningServer, directory: Directory, local_warehouse: LocalWarehouse
) -> None:
    with cursor_as(local_workspace, local_warehouse, directory, "carol@example.com") as cursor:
        cursor.catalogs()
        assert [r[0] for r in cursor.fetchall()] == ["samples"]
        cursor.schemas(catalog_name="samples")
        assert [r[0] for r in cursor.fetchall()] == ["nyctaxi"]
        cursor.tables(catalog_name="samples", schema_name="%")
        assert [(r.namespace, r.tableName, r.tableType) for r in cursor.fetchall()] == [("nyctaxi", "trips", "TABLE")]
        cursor.columns(catalog_name="samples", schema_name="nyctaxi", table_name="trips", column_name="%zip")
        assert [r.col_name for r in cursor.fetchall()] == ["pickup_zip", "dropoff_zip"]
        cursor.execute("USE CATALOG samples")
        cursor.execute("USE SCHEMA nyctaxi")
        cursor.execute("SELECT count(*) AS n FROM trips")  # resolved in the session's schema now
        assert cursor.fetchall()[0][0] > 0


def test_use_in_a_sessionless_statement_does_not_last(alice: WorkspaceClient, local_warehouse: LocalWarehouse) -> None:
    assert rows_of(alice, local_warehouse, "USE samples.nyctaxi") == ([], [])
    after = run(alice, local_warehouse, "SELECT count(*) FROM trips")
    assert after.status is not None
    assert after.status.state == StatementState.FAILED


@pytest.mark.parametrize(
    ("statement", "rows_or_error"),
    [
        ("SET ansi_mode", [["ANSI_MODE", "true"]]),
        ("SET TIMEZONE = 'UTC'", [["TIMEZONE", "UTC"]]),
        ("SET spark.sql.session.timeZone = 'Etc/UTC'", [["TIMEZONE", "Etc/UTC"]]),
        ("SET TIME ZONE LOCAL", [["TIMEZONE", "UTC"]]),
        ("SET USE_CACHED_RESULT = false", [["USE_CACHED_RESULT", "false"]]),
        ("RESET", []),
        ("RESET timezone", []),
        # A value the local engine cannot compute with is refused, never accepted and ignored.
        ("SET TIMEZONE = 'America/New_York'", "[UNSUPPORTED_FEATURE]"),
        ("SET ANSI_MODE = false", "[UNSUPPORTED_FEATURE]"),
        ("SET no_such_setting = 1", "[CONFIG_NOT_AVAILABLE]"),
        ("SHOW GRANTS ON TABLE samples.nyctaxi.trips", "[PARSE_SYNTAX_ERROR]"),
    ],
)
def test_set_and_reset_of_session_parameters(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse, statement: str, rows_or_error: list[list[str]] | str
) -> None:
    response = run(alice, local_warehouse, statement)
    assert response.status is not None
    if isinstance(rows_or_error, str):
        assert response.status.error is not None
        assert (response.status.error.message or "").startswith(rows_or_error)
    else:
        assert response.status.state == StatementState.SUCCEEDED
        assert (response.result.data_array or [] if response.result is not None else []) == rows_or_error
