"""/api/unity-catalog against the local warehouse: per-user visibility, EC-004, pages, export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from core.limits import MAX_OFFSET
from services import warehouse

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


def test_total_count_is_the_filtered_count_on_the_warehouse(
    client: FlaskClient, headers_for: Headers, local_warehouse: Any
) -> None:
    filters = [{"column": "trip_distance", "operator": ">", "value": 10}]
    body = _query(client, headers_for(), limit=5, filters=filters).get_json()
    expected = local_warehouse.query("SELECT count(*) FROM samples.nyctaxi.trips WHERE trip_distance > 10")[0][0]
    assert 0 < body["total_count"] == expected
    assert body["row_count"] == 5
    # Carol's row filter applies to the count too: the count is as the user, never shared between users.
    carol = _query(client, headers_for("carol@example.com"), limit=1, filters=filters).get_json()
    assert carol["total_count"] < expected
    none = _query(client, headers_for(), filters=[{"column": "trip_distance", "operator": ">", "value": 10**6}])
    assert none.get_json()["total_count"] == 0
    schema = client.get("/openapi.json", headers=headers_for()).get_json()
    assert "total_count" in json.dumps(schema)


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


def _named_fields(body: dict[str, Any]) -> set[str]:
    """The fields an INVALID_INPUT body names: the service's `field`, or each location of a validation error."""
    details = body["technical_details"]
    return {details["field"]} if "field" in details else {str(e["location"]) for e in details.get("errors", [])}


@pytest.mark.parametrize("offset", [2**63, 2**64, MAX_OFFSET + 1])
def test_an_offset_past_the_bound_is_400_naming_it(client: FlaskClient, headers_for: Headers, offset: int) -> None:
    """2**63 reached the warehouse as an OFFSET literal it could not hold (503 DATABASE_UNAVAILABLE)."""
    response = _query(client, headers_for(), offset=offset)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error_code"] == "INVALID_INPUT"
    assert any(field.endswith("offset") for field in _named_fields(body))


def test_the_last_offset_allowed_is_an_empty_page(client: FlaskClient, headers_for: Headers) -> None:
    body = _query(client, headers_for(), offset=MAX_OFFSET, limit=1).get_json()
    assert (body["rows"], body["has_next"]) == ([], False)


@pytest.mark.parametrize(
    "filters",
    [
        "x",
        '"x"',
        "5",
        "true",
        "[1]",
        '["pickup_zip"]',
        '[{"column": "pickup_zip", "operator": "LIKE", "value": "1"}]',
        '[{"column": "pickup_zip", "operator": "=", "value": "1", "sql": "x"}]',
        '{"pickup_zip": {"a": 1}}',
        '{"pickup_zip": [1]}',
        "[" * 300 + "]" * 300,
    ],
)
def test_export_filters_of_another_shape_are_400_naming_filters(
    client: FlaskClient, headers_for: Headers, filters: str
) -> None:
    """`filters="x"` gave an AttributeError: the JSON is checked against the same shape as the query's filters."""
    response = client.get(
        "/api/unity-catalog/export",
        query_string={"catalog": "samples", "schema": "nyctaxi", "table": "trips", "filters": filters},
        headers=headers_for(),
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["error_code"] == "INVALID_INPUT"
    assert _named_fields(body) == {"filters"}


def test_export_filters_as_a_list_or_an_object_of_equalities(client: FlaskClient, headers_for: Headers) -> None:
    for filters in ('[{"column": "pickup_zip", "operator": "=", "value": 10100}]', '{"pickup_zip": 10100}'):
        response = client.get(
            "/api/unity-catalog/export",
            query_string={"catalog": "samples", "schema": "nyctaxi", "table": "trips", "filters": filters},
            headers=headers_for(),
        )
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert rows
        assert {r["pickup_zip"] for r in rows} == {"10100"}


def test_a_third_export_at_once_is_429_with_retry_after(client: FlaskClient, headers_for: Headers) -> None:
    url = "/api/unity-catalog/export?catalog=samples&schema=nyctaxi&table=trips"
    running = [client.get(url, headers=headers_for()) for _ in range(2)]  # streamed: not read yet
    try:
        assert [r.status_code for r in running] == [200, 200]
        refused = client.get(url, headers=headers_for())
        assert refused.status_code == 429
        body = refused.get_json()
        assert body["error_code"] == "TOO_MANY_REQUESTS"
        assert body["retry_after"] == int(refused.headers["Retry-After"]) > 0
        assert client.get(url + "&sort_column=fare_amount", headers=headers_for("bob@example.com")).status_code == 200
    finally:
        for response in reversed(running):  # each holds its request context: the last pushed closes first
            response.close()  # a client that went away: its slot comes back
        warehouse.close_connections()
    assert client.get(url, headers=headers_for()).status_code == 200


def test_the_export_csv_is_formula_safe_with_numbers_bare(client: FlaskClient, headers_for: Headers) -> None:
    response = client.get("/api/unity-catalog/export?catalog=samples&schema=tpch&table=customer", headers=headers_for())
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("c_custkey,c_name,")
    assert lines[1].startswith('1,"Customer#000000001",')
    assert any(",-" in line for line in lines[1:])  # a negative balance, bare: a number, not neutralized text


def test_tables_come_a_page_at_a_time_with_the_next_token_in_a_header(
    client: FlaskClient, headers_for: Headers
) -> None:
    seen: list[str] = []
    url = "/api/unity-catalog/tables?max_results=1"
    while True:
        response = client.get(url, headers=headers_for())
        assert response.status_code == 200
        page = response.get_json()
        assert isinstance(page, list)
        assert len(page) <= 1
        seen += [t["full_name"] for t in page]
        token = response.headers.get("X-Next-Page-Token")
        if token is None:
            break
        url = f"/api/unity-catalog/tables?max_results=1&page_token={token}"
        assert len(seen) < 10
    assert seen == ["samples.nyctaxi.trips", "samples.tpch.customer", "samples.tpch.orders"]
    everything = client.get("/api/unity-catalog/tables", headers=headers_for())
    assert "X-Next-Page-Token" not in everything.headers
    assert [t["full_name"] for t in everything.get_json()] == seen


@pytest.mark.parametrize(
    "query",
    ["max_results=0", "max_results=501", "max_results=x", "page_token=x", "catalog=../samples", "schema=a%2Fb"],
)
def test_bad_table_listing_parameters_are_400(client: FlaskClient, headers_for: Headers, query: str) -> None:
    response = client.get(f"/api/unity-catalog/tables?{query}", headers=headers_for())
    assert response.status_code == 400
    body = response.get_json()
    assert body["error_code"] == "INVALID_INPUT"
    assert any(field.endswith(query.split("=")[0]) for field in _named_fields(body))
