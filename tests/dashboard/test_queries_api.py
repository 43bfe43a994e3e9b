"""/api/queries over the real stack: the list, a run and its cache, errors in the seed's shape, the OpenAPI
document, the Server-Timing header and the access line's cache and warehouse fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flask
import pytest

from core.settings import Settings
from dashboard import create_app
from local_workspace.lakebase import LocalLakebase
from services import analytics

TRIPS = """-- Trips and fares since a date, in one zip or all.
-- @param since DATE = '2016-01-01'
-- @param zip INT = NULL
-- @run_as app
-- @cache_ttl 600
SELECT count(*) AS trips, sum(fare_amount) AS fares, min(tpep_pickup_datetime) AS first_pickup
FROM samples.nyctaxi.trips
WHERE tpep_pickup_datetime >= :since AND (:zip IS NULL OR pickup_zip = :zip)
"""
ORDERS = """-- @param min_total DOUBLE
SELECT count(*) AS orders FROM samples.tpch.orders WHERE o_totalprice >= :min_total
"""
TIMING = re.compile(r"^app;dur=(?P<app>[\d.]+), warehouse;dur=(?P<warehouse>[\d.]+), cache;dur=(?P<cache>[\d.]+)$")


@pytest.fixture(scope="module")
def queries_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("queries")
    (folder / "trips_since.sql").write_text(TRIPS, encoding="utf-8")
    (folder / "orders.sql").write_text(ORDERS, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def api(settings: Settings, queries_dir: Path) -> flask.Flask:
    """An app of its own over query files of this module."""
    return create_app(settings.model_copy(update={"queries_dir": queries_dir})).server


@pytest.fixture
def client(api: flask.Flask, local_lakebase: LocalLakebase) -> flask.testing.FlaskClient:
    analytics.clear_caches()
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        admin.execute("TRUNCATE query_cache")
    return api.test_client()


def timing(response: Any) -> dict[str, float]:
    match = TIMING.match(response.headers["Server-Timing"])
    assert match, response.headers["Server-Timing"]
    return {name: float(value) for name, value in match.groupdict().items()}


def test_the_list_names_each_query_and_its_parameters(
    client: flask.testing.FlaskClient, headers_for: Callable[..., dict[str, str]]
) -> None:
    response = client.get("/api/queries", headers=headers_for())
    assert response.status_code == 200
    by_name = {query["name"]: query for query in response.get_json()}
    assert by_name["trips_since"] == {
        "name": "trips_since",
        "description": "Trips and fares since a date, in one zip or all.",
        "run_as": "app",
        "cache_ttl_seconds": 600,
        "parameters": [
            {"name": "since", "type": "DATE", "default": "2016-01-01", "required": False},
            {"name": "zip", "type": "INT", "default": None, "required": False},
        ],
    }
    assert by_name["orders"]["parameters"] == [
        {"name": "min_total", "type": "DOUBLE", "default": None, "required": True}
    ]


def test_a_run_answers_json_then_from_the_cache_with_server_timing(
    client: flask.testing.FlaskClient,
    headers_for: Callable[..., dict[str, str]],
    json_logs: Callable[[], list[dict[str, Any]]],
) -> None:
    body = {"parameters": {"since": "2016-02-01", "zip": 10001}}
    first = client.post("/api/queries/trips_since", json=body, headers=headers_for())
    assert first.status_code == 200, first.get_json()
    result = first.get_json()
    assert result["columns"] == ["trips", "fares", "first_pickup"]
    assert result["column_types"][:2] == ["BIGINT", "DOUBLE"]
    assert result["rows"][0][0] > 0
    assert result["rows"][0][2].startswith("2016-02-01T")
    assert result["parameters"] == {"since": "2016-02-01", "zip": 10001}
    assert (result["row_count"], result["from_cache"]) == (1, False)
    second = client.post("/api/queries/trips_since", json=body, headers=headers_for("bob@example.com"))
    assert second.get_json()["from_cache"] is True
    assert second.get_json()["computed_at"] == result["computed_at"]
    miss, hit = timing(first), timing(second)
    assert miss["warehouse"] > 0
    assert hit["warehouse"] == 0
    refreshed = client.post("/api/queries/trips_since", json=body | {"refresh": True}, headers=headers_for())
    assert refreshed.get_json()["from_cache"] is False
    access = [line for line in json_logs() if line["message"] == "request completed"]
    assert [(line["cache_hits"], line["cache_misses"]) for line in access] == [(0, 1), (1, 0), (0, 1)]
    assert access[0]["warehouse_ms"] > 0
    assert access[1]["warehouse_ms"] == 0
    assert all(line["cache_ms"] >= 0 for line in access)


def test_every_response_has_server_timing(
    client: flask.testing.FlaskClient, headers_for: Callable[..., dict[str, str]]
) -> None:
    for response in (client.get("/healthz"), client.get("/api/queries", headers=headers_for()), client.get("/api/x")):
        assert timing(response)["warehouse"] == 0


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "named"),
    [
        ("trips_since", {"parameters": {"since": "soon"}}, 400, "INVALID_INPUT", "since"),
        ("trips_since", {"parameters": {"zipcode": 1}}, 400, "INVALID_INPUT", "zipcode"),
        ("orders", {}, 400, "INVALID_INPUT", "min_total"),
        ("trips_since", {"parameters": {}, "extra": 1}, 400, "INVALID_INPUT", "extra"),
        ("trips_since", {"parameters": {"since": ["2016-01-01"]}}, 400, "INVALID_INPUT", "since"),
        ("nope", {}, 404, "NOT_FOUND", "nope"),
        ("x" * 65, {}, 400, "INVALID_INPUT", "name"),
    ],
)
def test_bad_requests_answer_in_the_seed_shape(
    client: flask.testing.FlaskClient,
    headers_for: Callable[..., dict[str, str]],
    path: str,
    body: dict[str, Any],
    status: int,
    code: str,
    named: str,
) -> None:
    response = client.post(f"/api/queries/{path}", json=body, headers=headers_for())
    assert response.status_code == status
    answer = response.get_json()
    assert answer["error_code"] == code
    assert named in answer["message"]


def test_user_queries_follow_the_user_grants_and_token(
    client: flask.testing.FlaskClient, headers_for: Callable[..., dict[str, str]]
) -> None:
    body = {"parameters": {"min_total": 0}}
    assert client.post("/api/queries/orders", json=body, headers=headers_for()).status_code == 200
    refused = client.post("/api/queries/orders", json=body, headers=headers_for("bob@example.com"))
    assert (refused.status_code, refused.get_json()["error_code"]) == (403, "CATALOG_PERMISSION_DENIED")
    tokenless = client.post("/api/queries/orders", json=body, headers=headers_for(with_token=False))
    assert (tokenless.status_code, tokenless.get_json()["error_code"]) == (403, "USER_AUTHORIZATION_REQUIRED")


def test_the_routes_are_in_the_openapi_document(
    client: flask.testing.FlaskClient, headers_for: Callable[..., dict[str, str]]
) -> None:
    document = client.get("/openapi.json", headers=headers_for()).get_json()
    assert set(document["paths"]["/api/queries"]) == {"get"}
    run = document["paths"]["/api/queries/{name}"]["post"]
    assert {"200", "400", "403", "404", "503"} <= set(run["responses"])
    schemas = document["components"]["schemas"]
    assert {"QueryResultBody", "RunBody", "QueryInfo"} <= set(schemas)
    assert set(schemas["QueryResultBody"]["properties"]) == {
        "name", "columns", "column_types", "rows", "row_count", "warehouse_ms", "from_cache", "computed_at",
        "parameters",
    }  # fmt: skip


def test_a_bad_query_file_stops_the_app_naming_file_and_line(
    settings_with: Callable[..., Settings], tmp_path: Path
) -> None:
    (tmp_path / "broken.sql").write_text("-- @param a INT\nSELECT :a,\n  :b", encoding="utf-8")
    with pytest.raises(analytics.QueryFileError, match=r"broken\.sql:3: parameter :b is used but not declared"):
        create_app(settings_with(queries_dir=tmp_path))
