"""ARROW_STREAM results of the local warehouse: EXTERNAL_LINKS whose content is an Apache Arrow IPC stream,
read through the real databricks-sdk (links fetched with plain `requests`, read with pyarrow) and through
databricks-sql-connector's cloud fetch (SEA backend), against the JSON_ARRAY result of the same statement."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import lz4.frame  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]
import pytest
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue
from databricks.sdk.service.sql import Disposition, Format, StatementResponse, StatementState

from local_workspace.identities import Directory
from local_workspace.statements import render
from local_workspace.warehouse import LocalWarehouse
from tests.conftest import RunningServer
from tests.local_workspace.sql_clients import connect
from tests.local_workspace.test_statement_execution import ORDERED_TRIPS, all_rows, run

ARROW_LINKS = {"disposition": Disposition.EXTERNAL_LINKS, "format": Format.ARROW_STREAM}
TYPED_ROW = """SELECT CAST(7 AS BIGINT) AS big, 7 AS small, CAST(12.5 AS DECIMAL(10,2)) AS price,
  DATE'2016-02-14' AS day, TIMESTAMP'2016-02-14 16:52:13.5' AS at, 'a' AS letter, true AS flag, 1.25 AS ratio,
  array(1, 2) AS numbers, named_struct('x', 1, 'y', 'b') AS pair, map('k', 1) AS lookup,
  CAST(NULL AS STRING) AS nothing"""


@pytest.fixture
def alice(local_workspace: RunningServer, directory: Directory) -> WorkspaceClient:
    """A databricks-sdk client acting as alice, with her token."""
    user = directory.user("alice@example.com")
    assert user is not None
    return WorkspaceClient(host=local_workspace.url, token=user.token, auth_type="pat")


def arrow_chunks(client: WorkspaceClient, response: StatementResponse) -> list[pa.Table]:
    """Every chunk of an ARROW_STREAM result (the first link from the response, the others by chunk index),
    each link fetched without the Authorization header."""
    assert response.result is not None
    assert response.manifest is not None
    statement_id, tables = str(response.statement_id), []
    for index in range(response.manifest.total_chunk_count or 0):
        result = (
            response.result
            if index == 0
            else client.statement_execution.get_statement_result_chunk_n(statement_id, index)
        )
        (link,) = result.external_links or []
        assert link.chunk_index == index
        downloaded = requests.get(str(link.external_link), timeout=10)
        assert downloaded.status_code == 200, downloaded.text
        assert downloaded.headers["Content-Type"] == "application/vnd.apache.arrow.stream"
        tables.append(pa.ipc.open_stream(downloaded.content).read_all())
        assert tables[-1].num_rows == link.row_count
    return tables


def test_arrow_stream_links_hold_the_json_array_result_in_chunks(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_warehouse, "chunk_rows", 6000)
    response = run(alice, local_warehouse, ORDERED_TRIPS, **ARROW_LINKS)
    assert response.status is not None
    assert response.status.state == StatementState.SUCCEEDED
    manifest = response.manifest
    assert manifest is not None
    assert manifest.format == Format.ARROW_STREAM
    tables = arrow_chunks(alice, response)
    assert len(tables) == manifest.total_chunk_count == 4  # 20,000 trips in chunks of 6,000
    assert [t.num_rows for t in tables] == [c.row_count for c in manifest.chunks or []]
    table = pa.concat_tables(tables)
    columns = manifest.schema.columns if manifest.schema is not None else None
    assert table.column_names == [c.name for c in columns or []]
    as_json = all_rows(alice, run(alice, local_warehouse, ORDERED_TRIPS))
    # Rendered the JSON_ARRAY way, every Arrow value is the very string JSON_ARRAY carries.
    assert [[render(v) for v in row.values()] for row in table.to_pylist()] == as_json
    assert len(as_json) == 20_000


def test_arrow_types_follow_the_columns_databricks_types(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse
) -> None:
    response = run(alice, local_warehouse, TYPED_ROW, **ARROW_LINKS)
    assert response.manifest is not None
    assert response.manifest.schema is not None
    type_texts = [c.type_text for c in response.manifest.schema.columns or []]
    (table,) = arrow_chunks(alice, response)
    utc = pa.timestamp("us", tz="Etc/UTC")
    assert list(zip(type_texts, table.schema.types, strict=True)) == [
        ("bigint", pa.int64()),
        ("int", pa.int32()),
        ("decimal(10,2)", pa.decimal128(10, 2)),
        ("date", pa.date32()),
        ("timestamp", utc),
        ("string", pa.string()),
        ("boolean", pa.bool_()),
        ("decimal(3,2)", pa.decimal128(3, 2)),  # Databricks types 1.25 as DECIMAL(3,2)
        ("array<int>", pa.list_(pa.int32())),
        ("struct<x:int,y:string>", pa.struct([("x", pa.int32()), ("y", pa.string())])),
        ("map<string,int>", pa.map_(pa.string(), pa.int32())),
        ("string", pa.string()),
    ]
    row: dict[str, Any] = table.to_pylist()[0]
    assert row["price"] == decimal.Decimal("12.50")
    assert row["day"] == dt.date(2016, 2, 14)
    assert row["at"] == dt.datetime(2016, 2, 14, 16, 52, 13, 500000, tzinfo=dt.UTC)
    assert (row["numbers"], row["pair"], row["lookup"], row["nothing"]) == (
        [1, 2],
        {"x": 1, "y": "b"},
        [("k", 1)],
        None,
    )


def test_arrow_stream_inline_is_refused_as_documented(alice: WorkspaceClient, local_warehouse: LocalWarehouse) -> None:
    # "3 supported formats: JSON_ARRAY, ARROW_STREAM and CSV compared to only JSON_ARRAY with INLINE."
    with pytest.raises(InvalidParameterValue, match="ARROW_STREAM is supported only with disposition EXTERNAL_LINKS"):
        run(alice, local_warehouse, "SELECT 1", disposition=Disposition.INLINE, format=Format.ARROW_STREAM)


def test_an_empty_arrow_result_still_carries_its_schema(
    alice: WorkspaceClient, local_warehouse: LocalWarehouse
) -> None:
    response = run(alice, local_warehouse, "SELECT 1 AS one, DATE'2020-01-01' AS day WHERE false", **ARROW_LINKS)
    (table,) = arrow_chunks(alice, response)
    assert table.num_rows == 0
    assert table.schema.types == [pa.int32(), pa.date32()]


def test_lz4_frame_compression_when_asked(alice: WorkspaceClient, local_warehouse: LocalWarehouse) -> None:
    body = {
        "warehouse_id": local_warehouse.warehouse_id,
        "statement": "SELECT pickup_zip FROM samples.nyctaxi.trips ORDER BY pickup_zip LIMIT 5",
        "disposition": "EXTERNAL_LINKS",
        "format": "ARROW_STREAM",
        "result_compression": "LZ4_FRAME",
    }
    answer: Any = alice.api_client.do("POST", "/api/2.0/sql/statements", body=body)
    assert answer["manifest"]["result_compression"] == "LZ4_FRAME"
    (link,) = answer["result"]["external_links"]
    downloaded = requests.get(link["external_link"], timeout=10)
    table = pa.ipc.open_stream(lz4.frame.decompress(downloaded.content)).read_all()
    expected = local_warehouse.query("SELECT pickup_zip FROM samples.nyctaxi.trips ORDER BY pickup_zip LIMIT 5")
    assert table.column("pickup_zip").to_pylist() == [row[0] for row in expected]
    with pytest.raises(InvalidParameterValue, match="result_compression"):
        alice.api_client.do("POST", "/api/2.0/sql/statements", body=body | {"result_compression": "GZIP"})


def test_the_connector_reads_a_multi_chunk_result_through_cloud_fetch(
    local_workspace: RunningServer,
    directory: Directory,
    local_warehouse: LocalWarehouse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    results = {}
    for cloud_fetch in (False, True):
        # JSON_ARRAY in one INLINE chunk: the connector's SEA backend (4.9) reads only an INLINE result's first chunk.
        monkeypatch.setattr(local_warehouse, "chunk_rows", 3000 if cloud_fetch else 100_000)
        with (
            connect(
                local_workspace, local_warehouse, directory, "alice@example.com", use_cloud_fetch=cloud_fetch
            ) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(ORDERED_TRIPS)
            results[cloud_fetch] = cursor.fetchall()
            statement = local_warehouse.find(str(cursor.query_id))
            assert statement is not None
            assert statement.result is not None
            # With cloud fetch the connector asks for ARROW_STREAM over EXTERNAL_LINKS (LZ4_FRAME either way, which
            # only an ARROW_STREAM result applies).
            request = statement.request
            assert (request.format, request.disposition, request.result_compression) == (
                ("ARROW_STREAM", "EXTERNAL_LINKS", "LZ4_FRAME")
                if cloud_fetch
                else ("JSON_ARRAY", "INLINE", "LZ4_FRAME")
            )
            assert len(statement.result.chunks) == (7 if cloud_fetch else 1)
    assert len(results[True]) == 20_000
    assert [tuple(r) for r in results[True]] == [tuple(r) for r in results[False]]
    assert results[True][0].tpep_pickup_datetime.utcoffset() == dt.timedelta(0)
