"""/api/preferences against the real embedded Postgres: isolation, bad input, outage."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from core.errors import InvalidInput
from core.identity import UserIdentity
from core.limits import MAX_JSON_DEPTH
from core.settings import Settings
from local_workspace.lakebase import LocalLakebase
from services import preferences
from services.preferences import MAX_VALUE_BYTES

pytestmark = pytest.mark.usefixtures("clean_lakebase")
Headers = Callable[..., dict[str, str]]
ALICE = UserIdentity(user_id="alice@example.com", email="alice@example.com", user_name=None, workspace_user=None)


def _save(client: FlaskClient, headers: dict[str, str], key: str, value: Any) -> Any:
    return client.post("/api/preferences", json={"preference_key": key, "preference_value": value}, headers=headers)


def _rows(lakebase: LocalLakebase) -> list[tuple[Any, ...]]:
    with lakebase.admin_connection(lakebase.database) as admin:
        return admin.execute(
            "SELECT user_id, preference_key, preference_value FROM user_preferences ORDER BY id"
        ).fetchall()


def test_upsert_get_and_delete_follow_the_contract(client: FlaskClient, headers_for: Headers) -> None:
    alice = headers_for("alice@example.com")
    created = _save(client, alice, "theme", {"mode": "dark"})
    assert created.status_code == 200
    body = created.get_json()
    assert {"id", "user_id", "preference_key", "preference_value", "created_at", "updated_at"} == set(body)
    assert body["user_id"] == "alice@example.com"
    updated = _save(client, alice, "theme", {"mode": "light"}).get_json()
    assert updated["id"] == body["id"]
    assert updated["updated_at"] >= body["updated_at"]
    one = client.get("/api/preferences?preference_key=theme", headers=alice).get_json()
    assert [p["preference_value"] for p in one] == [{"mode": "light"}]
    assert client.delete("/api/preferences/theme", headers=alice).status_code == 204
    missing = client.delete("/api/preferences/theme", headers=alice)
    assert missing.status_code == 404
    assert missing.get_json()["error_code"] == "NOT_FOUND"


def test_user_a_cannot_read_overwrite_or_delete_user_b(
    client: FlaskClient, headers_for: Headers, local_lakebase: LocalLakebase
) -> None:
    alice, bob = headers_for("alice@example.com"), headers_for("bob@example.com")
    _save(client, alice, "favorite_tables", {"tables": ["samples.nyctaxi.trips"]})
    alice_id = client.get("/api/preferences", headers=alice).get_json()[0]["id"]

    assert client.get("/api/preferences", headers=bob).get_json() == []
    assert client.get("/api/preferences?user_id=alice@example.com", headers=bob).get_json() == []
    assert client.get("/api/preferences?preference_key=favorite_tables", headers=bob).get_json() == []
    assert client.delete("/api/preferences/favorite_tables", headers=bob).status_code == 404
    forged = client.post(
        "/api/preferences",
        json={"preference_key": "favorite_tables", "preference_value": {"tables": []}, "user_id": "alice@example.com"},
        headers=bob,
    )
    assert forged.status_code == 400
    spoofed = client.post(
        "/api/preferences",
        json={"preference_key": "favorite_tables", "preference_value": {"tables": []}, "id": alice_id},
        headers=bob,
    )
    assert spoofed.status_code == 400
    # Bob's own write lands in Bob's row, never Alice's.
    assert _save(client, bob, "favorite_tables", {"tables": []}).get_json()["user_id"] == "bob@example.com"
    assert _rows(local_lakebase) == [
        ("alice@example.com", "favorite_tables", {"tables": ["samples.nyctaxi.trips"]}),
        ("bob@example.com", "favorite_tables", {"tables": []}),
    ]


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"preference_key": "colour", "preference_value": {"mode": "dark"}}, "Unknown preference key"),
        ({"preference_key": "theme", "preference_value": {"mode": "pink"}}, "mode"),
        ({"preference_key": "theme", "preference_value": {"mode": "dark", "extra": 1}}, "extra"),
        ({"preference_key": "theme", "preference_value": "dark"}, "preference_value"),
        ({"preference_key": "dashboard_layout", "preference_value": {"page_size": 7}}, "page_size"),
        ({"preference_key": "favorite_tables", "preference_value": {"tables": ["a.b.c", "a.b.c"]}}, "twice"),
        ({"preference_key": "favorite_tables", "preference_value": {"tables": ["x; DROP TABLE t"]}}, "catalog.schema"),
        ({"preference_value": {"mode": "dark"}}, "preference_key"),
    ],
)
def test_bad_input_is_a_400_naming_the_problem_and_writes_nothing(
    client: FlaskClient, headers_for: Headers, local_lakebase: LocalLakebase, payload: dict[str, Any], named: str
) -> None:
    response = client.post("/api/preferences", json=payload, headers=headers_for())
    assert response.status_code == 400
    body = response.get_json()
    assert body["error_code"] == "INVALID_INPUT"
    assert named in body["message"] + json.dumps(body["technical_details"])
    assert _rows(local_lakebase) == []


def test_a_value_one_byte_over_100_kb_is_refused(
    client: FlaskClient, headers_for: Headers, local_lakebase: LocalLakebase
) -> None:
    overhead = len(json.dumps({"tables": ["a.b."]}, separators=(",", ":")))
    at_limit = {"tables": ["a.b." + "c" * (MAX_VALUE_BYTES - overhead)]}
    assert len(json.dumps(at_limit, separators=(",", ":"))) == MAX_VALUE_BYTES
    assert _save(client, headers_for(), "favorite_tables", at_limit).status_code == 200
    over = {"tables": ["a.b." + "c" * (MAX_VALUE_BYTES - overhead + 1)]}
    response = _save(client, headers_for(), "favorite_tables", over)
    assert response.status_code == 400
    assert "102401 bytes" in response.get_json()["message"]
    assert len(_rows(local_lakebase)) == 1
    assert _rows(local_lakebase)[0][2] == at_limit


def test_invalid_json_is_a_400(client: FlaskClient, headers_for: Headers, local_lakebase: LocalLakebase) -> None:
    response = client.post(
        "/api/preferences",
        data=b'{"preference_key": "theme",',
        headers=headers_for() | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["message"] == "The request body is not valid JSON."
    assert _rows(local_lakebase) == []


def test_unknown_key_in_query_or_path_is_a_400(client: FlaskClient, headers_for: Headers) -> None:
    assert client.get("/api/preferences?preference_key=nope", headers=headers_for()).status_code == 400
    assert client.delete("/api/preferences/nope", headers=headers_for()).status_code == 400


def test_outage_mid_stream_then_recovery_loses_no_acknowledged_write(
    client: FlaskClient, headers_for: Headers, local_lakebase: LocalLakebase
) -> None:
    acknowledged: list[str] = []
    refused: list[dict[str, Any]] = []

    def write(i: int) -> None:
        headers = headers_for() | {"X-Forwarded-Email": f"stream{i}@example.com"}
        response = _save(client, headers, "theme", {"mode": "dark"})
        if response.status_code == 200:
            acknowledged.append(f"stream{i}@example.com")
        else:
            assert response.status_code == 503
            assert "Traceback" not in response.get_data(as_text=True)
            refused.append(response.get_json())

    for i in range(10):
        write(i)
    local_lakebase.stop()
    try:
        for i in range(10, 13):
            write(i)
    finally:
        local_lakebase.start()
    deadline = time.monotonic() + 30
    i = 13
    while len(acknowledged) < 20:
        assert time.monotonic() < deadline, "the app did not recover within 30 s"
        write(i)
        i += 1
    assert refused, "the outage was not noticed"
    for body in refused:
        assert body["error_code"] == "DATABASE_UNAVAILABLE"
        assert body["retry_after"] > 0
        assert set(body) == {"error_code", "message", "technical_details", "retry_after"}
    stored = {row[0] for row in _rows(local_lakebase)}
    assert set(acknowledged) <= stored


@pytest.mark.parametrize(
    ("key", "value", "path"),
    [
        ("favorite_tables", {"tables": ["samples.nyctaxi.trips\ud800"]}, "tables.0"),
        ("favorite_tables", {"tables": ["samples.nyctaxi.trips", "a.b.c\x00"]}, "tables.1"),
        ("favorite_tables", {"tables": ["\udfff.b.c"]}, "tables.0"),
        ("dashboard_layout", {"last_table": "a.b.c\x00"}, "last_table"),
        ("theme", {"mode": "dark\x00"}, "mode"),
        ("theme", {"mo\ud800de": "dark"}, "mo\\ud800de"),
        ("dashboard_layout", {"chart": {"chart_type": "\x00"}}, "chart.chart_type"),
    ],
)
def test_nul_or_a_lone_surrogate_anywhere_in_a_value_is_a_400_naming_it(
    client: FlaskClient, headers_for: Headers, local_lakebase: LocalLakebase, key: str, value: Any, path: str
) -> None:
    # Postgres JSONB cannot store NUL, and a lone surrogate has no UTF-8 encoding: refused before either.
    response = _save(client, headers_for(), key, value)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["error_code"] == "INVALID_INPUT"
    assert body["technical_details"]["field"] == "preference_value"
    assert body["technical_details"]["path"] == path
    assert "Traceback" not in response.get_data(as_text=True)
    assert _rows(local_lakebase) == []


@pytest.mark.parametrize(
    "text", ['{"theme": {"mode": "dark\\u0000"}}', '{"favorite_tables": {"tables": ["a.b.\\ud800"]}}']
)
def test_the_json_editor_refuses_nul_and_lone_surrogates(
    settings: Settings, local_lakebase: LocalLakebase, text: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        preferences.replace_preferences(settings=settings, user=ALICE, document=preferences.parse_document(text))
    assert refused.value.technical_details["field"] == "preference_value"
    assert _rows(local_lakebase) == []


def test_the_json_editor_refuses_a_document_nested_too_deep() -> None:
    with pytest.raises(InvalidInput) as refused:
        preferences.parse_document("[" * 100_000 + "]" * 100_000)
    assert refused.value.technical_details == {"field": "document", "max_depth": MAX_JSON_DEPTH}


def test_a_value_nested_too_deep_is_refused_by_the_service(settings: Settings) -> None:
    deep: dict[str, Any] = {}
    for _ in range(5000):
        deep = {"a": deep}
    with pytest.raises(InvalidInput) as refused:
        preferences.validate_value("theme", deep)
    assert refused.value.technical_details["max_depth"] == MAX_JSON_DEPTH
