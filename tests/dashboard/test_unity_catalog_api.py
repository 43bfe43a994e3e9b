"""/api/unity-catalog against the local warehouse: per-user visibility, EC-004, pages, export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

Headers = Callable[..., dict[str, str]]


def _query(client: FlaskClient, headers: dict[str, str], **body: Any) -> Any:
    payload = {"catalog": "samples", "schema": "nyctaxi", "table": "trips"} | body
    return client.post("/api/unity-catalog/query", json=payload, headers=headers)


def test_two_users_see_different_tables(client: FlaskClient, headers_for: Headers) -> None:
    alice = client.get("/api/unity-catalog/tables", headers=headers_for("alice@example.com")).get_json()
    bob = client.get("/api/unity-catalog/tables", headers=headers_for("bob@example.com")).get_json()
    carol = client.get("/api/unity-catalog/tables?catalog=samples", headers=headers_for("carol@example.com")).get_json()
    assert {t["full_name"]: t["access_level"] for t in alice} == {
        "samples.nyctaxi.trips": "READ",
        "samples.tpch.customer": "READ",
        "samples.tpch.orders": "READ",
    }
    assert {t["full_name"]: t["access_level"] for t in bob} == {
        "samples.nyctaxi.trips": "READ",
        "samples.tpch.orders": "NONE",
    }
    assert [t["full_name"] for t in carol] == ["samples.nyctaxi.trips"]
    trips = next(t for t in alice if t["table_name"] == "trips")
    assert {"name": "fare_amount", "data_type": "double", "nullable": True} in trips["columns"]
    assert trips["owner"]


def test_one_schema_and_an_unknown_one(client: FlaskClient, headers_for: Headers) -> None:
    tpch = client.get("/api/unity-catalog/tables?catalog=samples&schema=tpch", headers=headers_for("bob@example.com"))
    assert [t["table_name"] for t in tpch.get_json()] == ["orders"]
    hidden = client.get(
        "/api/unity-catalog/tables?catalog=samples&schema=tpch", headers=headers_for("carol@example.com")
    )
    assert hidden.status_code == 404
    assert hidden.get_json()["error_code"] == "NOT_FOUND"


def test_query_contract_and_paging(client: FlaskClient, headers_for: Headers) -> None:
    response = _query(client, headers_for(), limit=3, offset=0, sort={"column": "fare_amount", "direction": "desc"})
    assert response.status_code == 200
    body = response.get_json()
    assert {
        "query_id",
        "rows",
        "row_count",
        "execution_time_ms",
        "status",
        "sql_statement",
        "executed_at",
        "user_id",
    } <= set(body)
    assert body["row_count"] == len(body["rows"]) == 3
    assert body["status"] == "SUCCEEDED"
    assert body["has_next"] is True
    fares = [r["fare_amount"] for r in body["rows"]]
    assert fares == sorted(fares, reverse=True)
    equality = _query(client, headers_for(), filters={"pickup_zip": 10042}, limit=1000).get_json()
    assert equality["rows"]
    assert {r["pickup_zip"] for r in equality["rows"]} == {10042}


def test_browse_without_select_is_ec004_naming_the_table(client: FlaskClient, headers_for: Headers) -> None:
    response = _query(client, headers_for("bob@example.com"), schema="tpch", table="orders")
    assert response.status_code == 403
    body = response.get_json()
    assert body["error_code"] == "CATALOG_PERMISSION_DENIED"
    assert body["technical_details"]["catalog"] == "samples"
    assert body["technical_details"]["schema"] == "tpch"
    assert body["technical_details"]["table"] == "orders"


def test_hidden_table_is_404(client: FlaskClient, headers_for: Headers) -> None:
    response = _query(client, headers_for("bob@example.com"), schema="tpch", table="customer")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 0},
        {"limit": 1001},
        {"offset": -1},
        {"table": "trips`; DROP TABLE x"},
        {"table": "trіps"},
        {"filters": [{"column": "nope", "operator": "=", "value": 1}]},
        {"filters": [{"column": "fare_amount", "operator": "LIKE", "value": 1}]},
        {"filters": [{"column": "fare_amount", "operator": ">", "value": "1; DROP"}]},
        {"sort": {"column": "fare_amount", "direction": "sideways"}},
        {"sql": "DROP TABLE samples.nyctaxi.trips"},
    ],
)
def test_bad_parameters_are_400(client: FlaskClient, headers_for: Headers, body: dict[str, Any]) -> None:
    response = _query(client, headers_for(), **body)
    assert response.status_code == 400
    assert response.get_json()["error_code"] == "INVALID_INPUT"
    assert "Traceback" not in response.get_data(as_text=True)


def test_csv_export_is_streamed_and_filtered(client: FlaskClient, headers_for: Headers) -> None:
    filters = json.dumps([{"column": "pickup_zip", "operator": "=", "value": "10100"}])
    response = client.get(
        f"/api/unity-catalog/export?catalog=samples&schema=nyctaxi&table=trips&filters={filters}&sort_column=fare_amount",
        headers=headers_for(),
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows
    assert {r["pickup_zip"] for r in rows} == {"10100"}
    fares = [float(r["fare_amount"]) for r in rows]
    assert fares == sorted(fares)
    denied = client.get(
        "/api/unity-catalog/export?catalog=samples&schema=tpch&table=orders", headers=headers_for("bob@example.com")
    )
    assert denied.status_code == 403
