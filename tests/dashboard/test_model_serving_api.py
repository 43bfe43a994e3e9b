"""/api/model-serving against the local workspace's real models and the real Postgres: the seed's contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from dashboard import create_app
from local_workspace.serving import LocalServing

pytestmark = pytest.mark.usefixtures("clean_lakebase")
Headers = Callable[..., dict[str, str]]
TRIP = {"trip_distance": 3.2, "pickup_hour": 8, "pickup_zip": 10003, "dropoff_zip": 10011}


def _invoke(client: FlaskClient, headers: dict[str, str], **body: Any) -> Any:
    return client.post("/api/model-serving/invoke", json={"endpoint_name": "taxi-fare", **body}, headers=headers)


def test_endpoints_follow_the_contract(client: FlaskClient, headers_for: Headers) -> None:
    answer = client.get("/api/model-serving/endpoints", headers=headers_for())
    assert answer.status_code == 200
    endpoints = {e["endpoint_name"]: e for e in answer.get_json()}
    assert set(endpoints) == {"taxi-fare", "iris-species"}
    taxi = endpoints["taxi-fare"]
    assert {"endpoint_name", "model_name", "state"} <= set(taxi)
    assert taxi["state"] in ("CREATING", "READY", "UPDATING", "FAILED")
    assert taxi["workload_url"].endswith("/serving-endpoints/taxi-fare/invocations")
    assert taxi["creation_timestamp"].endswith("Z")


def test_endpoint_detail_carries_the_input_columns(client: FlaskClient, headers_for: Headers) -> None:
    detail = client.get("/api/model-serving/endpoints/taxi-fare", headers=headers_for()).get_json()
    assert [f["name"] for f in detail["input_fields"]] == list(TRIP)
    hour = detail["input_fields"][1]
    assert (hour["label"], hour["help"], hour["minimum"], hour["maximum"]) == ("Pickup hour", "0–23", 0, 23)
    assert detail["example_records"]
    assert client.get("/api/model-serving/endpoints/nope", headers=headers_for()).status_code == 404


def test_invoke_answers_the_inference_response_and_logs_it(client: FlaskClient, headers_for: Headers) -> None:
    alice = headers_for()
    answer = _invoke(client, alice, inputs={"dataframe_records": [TRIP, {**TRIP, "trip_distance": 12.0}]})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert {"request_id", "endpoint_name", "status", "execution_time_ms", "completed_at"} <= set(body)
    assert body["status"] == "SUCCESS"
    assert body["logged"] is True
    assert body["request_id"] == answer.headers["X-Request-Id"]  # the correlation id
    low, high = body["predictions"]
    assert high > low > 0  # a longer trip costs more
    logs = client.get("/api/model-serving/logs", headers=alice).get_json()
    assert [log["request_id"] for log in logs["logs"]] == [body["request_id"]]
    assert logs["logs"][0]["predictions"] == body["predictions"]


def test_bad_input_is_400_in_the_seed_shape(client: FlaskClient, headers_for: Headers) -> None:
    answer = _invoke(client, headers_for(), inputs={"dataframe_records": [{"trip_distance": 1.0}]})
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["error_code"] == "INVALID_INPUT"
    assert "pickup_hour" in body["message"]  # the model's own words: which columns are missing
    assert "Traceback" not in answer.get_data(as_text=True)
    assert body["technical_details"]["endpoint"] == "taxi-fare"
    for bad in (
        {"endpoint_name": "taxi-fare"},
        {"endpoint_name": "taxi-fare", "inputs": [1]},
        {"endpoint_name": "taxi-fare", "inputs": {"inputs": [1]}, "timeout_seconds": 0},
        {"endpoint_name": "taxi-fare", "inputs": {"inputs": [1]}, "user_id": "bob@example.com"},
    ):
        refused = client.post("/api/model-serving/invoke", json=bad, headers=headers_for())
        assert refused.status_code == 400, bad
        assert {"error_code", "message", "technical_details"} <= set(refused.get_json())


def test_a_1_mb_payload_is_400_not_a_crash(settings_with: Any, headers_for: Headers) -> None:
    client = create_app(settings_with(max_request_bytes=4 * 1024 * 1024)).server.test_client()
    answer = _invoke(client, headers_for(), inputs={"inputs": ["x" * 1024] * 1024})
    assert answer.status_code == 400
    assert "limit" in answer.get_json()["message"]


def test_not_ready_is_ec001_with_retry_after(
    client: FlaskClient, headers_for: Headers, serving_endpoints: LocalServing
) -> None:
    serving_endpoints.configure("taxi-fare", state="NOT_READY", config_update="IN_PROGRESS")
    answer = _invoke(client, headers_for(), inputs={"dataframe_records": [TRIP]})
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["error_code"] == "MODEL_UNAVAILABLE"
    assert body["retry_after"] == 30
    assert body["technical_details"]["endpoint"] == "taxi-fare"
    assert body["technical_details"]["status"] == 503
    endpoints = {
        e["endpoint_name"]: e for e in client.get("/api/model-serving/endpoints", headers=headers_for()).get_json()
    }
    assert endpoints["taxi-fare"]["state"] == "CREATING"


def test_timeout_is_504_and_logged_as_timeout(
    client: FlaskClient, headers_for: Headers, serving_endpoints: LocalServing
) -> None:
    serving_endpoints.configure("taxi-fare", latency_ms=2500)
    answer = _invoke(client, headers_for(), inputs={"dataframe_records": [TRIP]}, timeout_seconds=1)
    assert answer.status_code == 504
    assert answer.get_json()["error_code"] == "MODEL_TIMEOUT"
    logs = client.get("/api/model-serving/logs", headers=headers_for()).get_json()["logs"]
    assert [log["status"] for log in logs] == ["TIMEOUT"]


def test_history_is_per_user_and_paged(client: FlaskClient, headers_for: Headers) -> None:
    alice, bob = headers_for("alice@example.com"), headers_for("bob@example.com")
    for distance in (1.0, 2.0, 3.0):
        _invoke(client, alice, inputs={"dataframe_records": [{**TRIP, "trip_distance": distance}]})
    first = client.get("/api/model-serving/logs?limit=2", headers=alice).get_json()
    assert len(first["logs"]) == 2
    assert first["has_more"] is True
    older = client.get("/api/model-serving/logs?limit=2&offset=2", headers=alice).get_json()
    assert [log["inputs"]["dataframe_records"][0]["trip_distance"] for log in first["logs"] + older["logs"]] == [
        3.0,
        2.0,
        1.0,
    ]
    assert client.get("/api/model-serving/logs", headers=bob).get_json()["logs"] == []
    assert client.get("/api/model-serving/logs?user_id=alice@example.com", headers=bob).get_json()["logs"] == []
    assert client.get("/api/model-serving/logs?limit=101", headers=alice).status_code == 400


def test_without_identity_it_is_401(client: FlaskClient) -> None:
    assert client.get("/api/model-serving/endpoints").status_code == 401
    assert client.post("/api/model-serving/invoke", json={}).get_json()["error_code"] == "AUTH_REQUIRED"


def test_the_openapi_document_describes_the_routes(client: FlaskClient, headers_for: Headers) -> None:
    paths = client.get("/openapi.json", headers=headers_for()).get_json()["paths"]
    assert {"/api/model-serving/endpoints", "/api/model-serving/invoke", "/api/model-serving/logs"} <= set(paths)


@pytest.mark.parametrize("offset", ["9223372036854775808", "1000000001", "-1", "1e3"])
def test_an_offset_past_the_bound_is_400_naming_it(client: FlaskClient, headers_for: Headers, offset: str) -> None:
    answer = client.get(f"/api/model-serving/logs?offset={offset}", headers=headers_for())
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["error_code"] == "INVALID_INPUT"
    assert "offset" in body["message"]


def _raw_invoke(client: FlaskClient, headers: dict[str, str], body: str) -> Any:
    """A body as a client may send it: Flask's parser takes NaN, Infinity and 1e999, which strict JSON has not."""
    return client.post("/api/model-serving/invoke", data=body, headers={**headers, "Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("-Infinity", "-Infinity"),
        ("1e999", "Infinity"),
        ('"\\ud800"', "surrogate"),
        ('"1\\u0000"', "NUL"),
    ],
)
def test_a_value_no_model_can_be_sent_is_400_naming_the_field(
    client: FlaskClient, headers_for: Headers, value: str, words: str
) -> None:
    trip = '{"trip_distance": VALUE, "pickup_hour": 8, "pickup_zip": 10003, "dropoff_zip": 10011}'.replace(
        "VALUE", value
    )
    body = '{"endpoint_name": "taxi-fare", "inputs": {"dataframe_records": [TRIP]}}'.replace("TRIP", trip)
    answer = _raw_invoke(client, headers_for(), body)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    error = answer.get_json()
    assert error["error_code"] == "INVALID_INPUT"
    assert error["technical_details"]["field"] == "dataframe_records[0].trip_distance"
    assert "dataframe_records[0].trip_distance" in error["message"]
    assert words in error["message"]
    assert error["technical_details"]["logged"] is True
    [row] = client.get("/api/model-serving/logs", headers=headers_for()).get_json()["logs"]
    assert row["status"] == "ERROR"
    assert row["inputs"] == {"omitted": f"refused before the model was called: {error['message']}"}


@pytest.mark.parametrize("depth", [40, 500])
def test_inputs_nested_too_deep_are_400_naming_where(client: FlaskClient, headers_for: Headers, depth: int) -> None:
    """40 levels pass the app's JSON limit for any body and meet the model inputs' own (32); 500 may meet
    the body's limit first. Either way: 400 INVALID_INPUT naming where, never a crash."""
    body = '{"endpoint_name": "taxi-fare", "inputs": {"inputs": ' + "[" * depth + "1" + "]" * depth + "}}"
    answer = _raw_invoke(client, headers_for(), body)
    assert answer.status_code == 400
    error = answer.get_json()
    assert error["error_code"] == "INVALID_INPUT"
    assert error["technical_details"]["field"].startswith("inputs")
    assert "nest" in error["message"]
    if depth == 40:
        assert error["technical_details"]["field"] == "inputs" + "[0]" * 32


def test_a_call_to_an_endpoint_that_does_not_exist_stores_no_payload(client: FlaskClient, headers_for: Headers) -> None:
    answer = client.post(
        "/api/model-serving/invoke",
        json={"endpoint_name": "no-such-endpoint", "inputs": {"inputs": ["x" * 1024] * 64}},
        headers=headers_for(),
    )
    assert answer.status_code == 404
    [row] = client.get("/api/model-serving/logs", headers=headers_for()).get_json()["logs"]
    assert row["inputs"] == {"omitted": f"refused before the model was called: {answer.get_json()['message']}"}
