"""/api/views against the real embedded Postgres: the contract, isolation by id, bad and oversize input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from core.limits import MAX_JSON_DEPTH
from local_workspace.lakebase import LocalLakebase

Headers = Callable[..., dict[str, str]]
TRIPS = "samples.nyctaxi.trips"
QUERY = "table=samples.nyctaxi.trips&limit=25"
FIELDS = {"id", "user_id", "name", "table", "query", "created_at", "updated_at"}


@pytest.fixture(autouse=True)
def _no_saved_views(local_lakebase: LocalLakebase, settings: Any) -> None:
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        admin.execute("TRUNCATE saved_views RESTART IDENTITY")


def _save(client: FlaskClient, headers: dict[str, str], name: str, **extra: Any) -> Any:
    return client.post("/api/views", json={"name": name, "table": TRIPS, "query": QUERY} | extra, headers=headers)


def _rows(lakebase: LocalLakebase) -> list[tuple[Any, ...]]:
    with lakebase.admin_connection(lakebase.database) as admin:
        return admin.execute("SELECT user_id, name, table_name, query FROM saved_views ORDER BY id").fetchall()


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    assert body["error_code"] == code
    assert isinstance(body["technical_details"], dict)
    return body


def test_create_list_get_rename_delete_follow_the_contract(client: FlaskClient, headers_for: Headers) -> None:
    alice = headers_for("alice@example.com")
    created = _save(client, alice, "Long trips")
    assert created.status_code == 201
    body = created.get_json()
    assert set(body) == FIELDS
    assert (body["user_id"], body["name"], body["table"], body["query"]) == (
        "alice@example.com",
        "Long trips",
        TRIPS,
        QUERY,
    )
    assert client.get("/api/views", headers=alice).get_json() == [body]
    assert client.get(f"/api/views/{body['id']}", headers=alice).get_json() == body
    renamed = client.patch(f"/api/views/{body['id']}", json={"name": "Longest"}, headers=alice)
    assert renamed.status_code == 200
    assert (renamed.get_json()["id"], renamed.get_json()["name"]) == (body["id"], "Longest")
    assert client.delete(f"/api/views/{body['id']}", headers=alice).status_code == 204
    _error(client.delete(f"/api/views/{body['id']}", headers=alice), 404, "NOT_FOUND")
    assert client.get("/api/views", headers=alice).get_json() == []


def test_bob_cannot_read_rename_or_delete_alices_views_by_id(
    client: FlaskClient, headers_for: Headers, local_lakebase: LocalLakebase
) -> None:
    alice, bob = headers_for("alice@example.com"), headers_for("bob@example.com")
    view_id = _save(client, alice, "Alice's").get_json()["id"]
    never = view_id + 1000
    assert client.get("/api/views", headers=bob).get_json() == []
    assert client.get("/api/views?user_id=alice@example.com", headers=bob).get_json() == []
    for method, extra in (("get", {}), ("patch", {"json": {"name": "Bob's now"}}), ("delete", {})):
        theirs = _error(getattr(client, method)(f"/api/views/{view_id}", headers=bob, **extra), 404, "NOT_FOUND")
        missing = _error(getattr(client, method)(f"/api/views/{never}", headers=bob, **extra), 404, "NOT_FOUND")
        # Alice's view and a view that never existed answer alike (only the id differs): nothing reveals it.
        assert theirs["message"].replace(str(view_id), "N") == missing["message"].replace(str(never), "N")
    forged = _save(client, bob, "Forged", user_id="alice@example.com")
    _error(forged, 400, "INVALID_INPUT")
    _error(_save(client, bob, "Forged", id=view_id), 400, "INVALID_INPUT")
    assert _save(client, bob, "Alice's").get_json()["user_id"] == "bob@example.com"
    assert _rows(local_lakebase) == [
        ("alice@example.com", "Alice's", TRIPS, QUERY),
        ("bob@example.com", "Alice's", TRIPS, QUERY),
    ]


def test_a_duplicate_name_is_a_400_naming_the_field(client: FlaskClient, headers_for: Headers) -> None:
    alice = headers_for("alice@example.com")
    first = _save(client, alice, "Fares").get_json()
    body = _error(_save(client, alice, "fares"), 400, "INVALID_INPUT")
    assert body["technical_details"] == {"field": "name", "reason": "duplicate", "view_id": first["id"]}
    assert "already have a view named" in body["message"]


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "", "table": TRIPS, "query": QUERY},
        {"name": "x" * 101, "table": TRIPS, "query": QUERY},
        {"name": "ok", "table": "trips", "query": QUERY},
        {"name": "ok", "table": TRIPS, "query": "table=samples.tpch.orders"},
        {"name": "ok", "table": TRIPS, "query": QUERY + "&x=" + "y" * 4096},
        {"name": "ok", "table": TRIPS},
        {"name": 5, "table": TRIPS, "query": QUERY},
        {"name": "ok", "table": TRIPS, "query": QUERY, "extra": 1},
    ],
)
def test_bad_input_is_a_400_and_writes_nothing(
    client: FlaskClient, headers_for: Headers, local_lakebase: LocalLakebase, payload: dict[str, Any]
) -> None:
    _error(client.post("/api/views", json=payload, headers=headers_for()), 400, "INVALID_INPUT")
    assert _rows(local_lakebase) == []


def test_oversize_or_deeply_nested_bodies_are_refused(client: FlaskClient, headers_for: Headers) -> None:
    alice = headers_for()
    deep = (
        '{"name": "ok", "table": "'
        + TRIPS
        + '", "query": '
        + "[" * (MAX_JSON_DEPTH + 5)
        + "]" * (MAX_JSON_DEPTH + 5)
        + "}"
    )
    sent = client.post("/api/views", data=deep, headers=alice | {"Content-Type": "application/json"})
    _error(sent, 400, "INVALID_INPUT")
    huge = client.post(
        "/api/views", json={"name": "ok", "table": TRIPS, "query": QUERY + "&x=" + "y" * 300_000}, headers=alice
    )
    _error(huge, 413, "PAYLOAD_TOO_LARGE")


def test_ids_that_are_not_ids_are_refused_in_the_error_shape(client: FlaskClient, headers_for: Headers) -> None:
    alice = headers_for()
    _error(client.get("/api/views/abc", headers=alice), 404, "NOT_FOUND")
    _error(client.get("/api/views/0", headers=alice), 400, "INVALID_INPUT")
    _error(client.get(f"/api/views/{2**63}", headers=alice), 400, "INVALID_INPUT")
    _error(client.delete("/api/views/-1", headers=alice), 404, "NOT_FOUND")


def test_without_an_identity_the_routes_are_refused(client: FlaskClient) -> None:
    _error(client.get("/api/views"), 401, "AUTH_REQUIRED")
    _error(client.delete("/api/views/1"), 401, "AUTH_REQUIRED")
