"""Model Serving through the whole stack: the service, databricks-sdk, the local workspace, MLflow's scoring
code and real models trained at set-up; every invocation in the user's history in the real Postgres."""

from __future__ import annotations

import time
from typing import Any

import duckdb
import mlflow.pyfunc
import pandas as pd
import pytest

from core.errors import InvalidInput, ModelTimeout, ModelUnavailable, NotFound
from core.identity import UserIdentity
from core.settings import Settings
from local_workspace.models import taxi_features
from local_workspace.serving import LocalServing
from local_workspace.warehouse import LocalWarehouse
from services import serving as model_serving
from services.inference_logs import InferenceLog, list_inference_logs
from services.lakebase import close_databases
from tests.conftest import free_port

pytestmark = pytest.mark.usefixtures("clean_lakebase")


def user(name: str, token: str | None) -> UserIdentity:
    return UserIdentity(user_id=name, email=name, user_name=name, workspace_user=None, access_token=token)


ALICE = user("alice@example.com", "dapi-local-alice-0001")
BOB = user("bob@example.com", "dapi-local-bob-0002")
IRIS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def history(settings: Settings, who: UserIdentity) -> list[InferenceLog]:
    return list_inference_logs(settings=settings, user=who, limit=100).logs


def invoke(settings: Settings, payload: Any, *, who: UserIdentity = ALICE, endpoint: str = "taxi-fare", **kw: Any):  # type: ignore[no-untyped-def]
    return model_serving.invoke(
        settings=settings, user=who, endpoint_name=endpoint, payload=payload, request_id="req-test", **kw
    )


@pytest.fixture(scope="module")
def taxi_rows(local_warehouse: LocalWarehouse) -> pd.DataFrame:
    features, _ = taxi_features(local_warehouse.catalog.database, rows=5)
    return features


def own_predictions(serving: LocalServing, model: str, frame: pd.DataFrame) -> list[Any]:
    """What the model predicts in this process, loaded from the saved MLflow model."""
    loaded = mlflow.pyfunc.load_model(str(serving._models[model].path))
    return list(loaded.predict(frame))


def payload_forms(frame: pd.DataFrame) -> dict[str, Any]:
    split = frame.to_dict(orient="split")
    return {
        "dataframe_records": {"dataframe_records": frame.to_dict(orient="records")},
        "dataframe_split": {"dataframe_split": {"columns": split["columns"], "data": split["data"]}},
        "instances": {"instances": frame.to_dict(orient="records")},
        "inputs": {"inputs": frame.to_dict(orient="list")},
    }


@pytest.mark.parametrize("form", ["dataframe_records", "dataframe_split", "instances", "inputs"])
def test_taxi_predictions_equal_the_models_own_in_every_payload_form(
    settings: Settings, local_serving: LocalServing, taxi_rows: pd.DataFrame, form: str
) -> None:
    expected = own_predictions(local_serving, "taxi_fare", taxi_rows)
    result = invoke(settings, payload_forms(taxi_rows)[form])
    assert result.status == "SUCCESS"
    assert result.predictions == pytest.approx(expected, rel=1e-12)
    assert len(set(result.predictions)) > 1  # different trips, different fares: not a constant
    assert result.served_model_name == "taxi_fare-1"
    assert result.attempts == 1


@pytest.mark.parametrize("form", ["dataframe_records", "dataframe_split", "instances", "inputs"])
def test_iris_classifier_answers_the_species_the_model_predicts(
    settings: Settings, local_serving: LocalServing, form: str
) -> None:
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True)
    frame = iris.data.set_axis(IRIS, axis=1).iloc[[0, 60, 120]].reset_index(drop=True)
    expected = own_predictions(local_serving, "iris_species", frame)
    result = invoke(settings, payload_forms(frame)[form], endpoint="iris-species")
    assert result.predictions == expected
    assert expected == ["setosa", "versicolor", "virginica"]


def test_every_success_is_in_the_users_history(settings: Settings, taxi_rows: pd.DataFrame) -> None:
    payload = {"dataframe_records": taxi_rows.head(1).to_dict(orient="records")}
    result = invoke(settings, payload)
    assert result.logged
    [row] = history(settings, ALICE)
    assert (row.status, row.endpoint_name, row.request_id) == ("SUCCESS", "taxi-fare", "req-test")
    assert row.inputs == payload
    assert row.predictions == result.predictions
    assert row.execution_time_ms == result.execution_time_ms
    assert row.error_message is None
    assert row.completed_at is not None


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"dataframe_records": [{"trip_distance": 2.0, "pickup_hour": 8, "pickup_zip": 10001}]}, "dropoff_zip"),
        (
            {"dataframe_records": [{"trip_distance": "far", "pickup_hour": 8, "pickup_zip": 1, "dropoff_zip": 2}]},
            "trip_distance",
        ),
        ({}, "exactly one of"),
        ({"dataframe_records": {"trip_distance": 1}}, "list of rows"),
        ({"dataframe_records": [], "instances": []}, "exactly one of"),
        (
            {
                "dataframe_records": [{"trip_distance": 1.0, "pickup_hour": 1, "pickup_zip": 1, "dropoff_zip": 2}]
                * 12_000
            },
            "limit",
        ),
    ],
    ids=["missing-column", "wrong-type", "empty", "records-not-a-list", "two-formats", "over-512KB"],
)
def test_bad_input_is_a_400_with_a_useful_message_and_an_error_in_the_history(
    settings: Settings, payload: Any, words: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        invoke(settings, payload)
    assert raised.value.status == 400
    assert words in raised.value.message
    assert raised.value.technical_details["request_id"] == "req-test"
    [row] = history(settings, ALICE)
    assert row.status == "ERROR"
    assert words in (row.error_message or "")


def test_a_1_mb_payload_is_refused_and_the_history_keeps_a_note_not_the_payload(settings: Settings) -> None:
    payload = {"inputs": {"blob": ["x" * 1024] * 1024}}
    with pytest.raises(InvalidInput) as raised:
        invoke(settings, payload)
    assert "bytes; the limit is" in raised.value.message
    [row] = history(settings, ALICE)
    assert row.status == "ERROR"
    assert "omitted" in row.inputs
    assert "over the limit" in row.inputs["omitted"]


def test_an_input_error_is_never_retried(settings: Settings, serving_endpoints: LocalServing) -> None:
    with pytest.raises(InvalidInput) as raised:
        invoke(settings, {"dataframe_records": [{"trip_distance": "x"}]})
    assert raised.value.technical_details["attempts"] == 1


def test_not_ready_endpoint_is_ec001_with_retry_after_and_logged(
    settings: Settings, serving_endpoints: LocalServing, taxi_rows: pd.DataFrame
) -> None:
    serving_endpoints.configure("taxi-fare", state="NOT_READY", config_update="IN_PROGRESS")
    endpoint = model_serving.get_endpoint(settings=settings, user=ALICE, name="taxi-fare")
    assert (endpoint.state, endpoint.ready) == ("CREATING", "NOT_READY")
    started = time.monotonic()
    with pytest.raises(ModelUnavailable) as raised:
        invoke(settings, {"dataframe_records": taxi_rows.head(1).to_dict(orient="records")})
    # Its Retry-After (30 s) is beyond the deadline: no point waiting, EC-001 at once.
    assert time.monotonic() - started < 5
    body = raised.value.to_body()
    assert body["error_code"] == "MODEL_UNAVAILABLE"
    assert raised.value.status == 503
    assert body["retry_after"] == 30
    assert body["technical_details"]["endpoint"] == "taxi-fare"
    assert body["technical_details"]["status"] == 503
    [row] = history(settings, ALICE)
    assert row.status == "ERROR"
    assert row.error_message == body["message"]


def test_throttled_then_recovering_is_retried_and_succeeds(
    settings: Settings, serving_endpoints: LocalServing, taxi_rows: pd.DataFrame
) -> None:
    serving_endpoints.configure("taxi-fare", throttled_requests=2)
    result = invoke(settings, {"dataframe_records": taxi_rows.head(1).to_dict(orient="records")})
    assert result.status == "SUCCESS"
    assert result.attempts == 3
    assert result.execution_time_ms >= 2000  # waited the endpoint's Retry-After (1 s) twice
    assert serving_endpoints.config("taxi-fare").throttled_requests == 0  # type: ignore[union-attr]
    assert [r.status for r in history(settings, ALICE)] == ["SUCCESS"]


def test_throttled_beyond_the_attempts_is_ec001_with_the_endpoints_retry_after(
    settings: Settings, serving_endpoints: LocalServing, taxi_rows: pd.DataFrame
) -> None:
    serving_endpoints.configure("taxi-fare", throttled_requests=100)
    with pytest.raises(ModelUnavailable) as raised:
        invoke(settings, {"dataframe_records": taxi_rows.head(1).to_dict(orient="records")})
    assert raised.value.technical_details["status"] == 429
    assert raised.value.technical_details["attempts"] == model_serving.MAX_ATTEMPTS
    assert raised.value.retry_after == 1


def test_slow_beyond_the_timeout_is_timeout_in_time_and_in_the_history(
    settings: Settings, serving_endpoints: LocalServing, taxi_rows: pd.DataFrame
) -> None:
    serving_endpoints.configure("taxi-fare", latency_ms=3000)
    started = time.monotonic()
    with pytest.raises(ModelTimeout) as raised:
        invoke(settings, {"dataframe_records": taxi_rows.head(1).to_dict(orient="records")}, timeout_seconds=1)
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 2.5
    assert raised.value.status == 504
    [row] = history(settings, ALICE)
    assert row.status == "TIMEOUT"
    assert 900 <= row.execution_time_ms < 2500


def test_slow_within_the_timeout_succeeds(
    settings: Settings, serving_endpoints: LocalServing, taxi_rows: pd.DataFrame
) -> None:
    serving_endpoints.configure("taxi-fare", latency_ms=700)
    result = invoke(settings, {"dataframe_records": taxi_rows.head(1).to_dict(orient="records")}, timeout_seconds=2)
    assert result.status == "SUCCESS"
    assert result.execution_time_ms >= 700


@pytest.mark.parametrize("timeout", [0, 301])
def test_timeout_outside_1_to_300_is_refused(settings: Settings, timeout: int) -> None:
    with pytest.raises(InvalidInput, match="between 1 and 300"):
        invoke(settings, {"inputs": [1]}, timeout_seconds=timeout)


def test_endpoint_down_is_retried_then_ec001(settings_with: Any, taxi_rows: pd.DataFrame) -> None:
    """Nothing listens where the workspace should be: connection refused on every attempt."""
    down = settings_with(databricks_host=f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(ModelUnavailable) as raised:
        invoke(down, {"dataframe_records": taxi_rows.head(1).to_dict(orient="records")}, timeout_seconds=10)
    assert time.monotonic() - started < 10
    assert raised.value.technical_details["attempts"] == model_serving.MAX_ATTEMPTS
    assert raised.value.technical_details["status"] is None
    assert raised.value.retry_after
    # Lakebase's credentials come from the same workspace: the call cannot be logged, and says so.
    assert raised.value.technical_details["logged"] is False
    close_databases()  # the pool for the dead host would keep trying in the background after the tests


def test_unknown_and_injected_endpoint_names(settings: Settings) -> None:
    with pytest.raises(NotFound):
        invoke(settings, {"inputs": [1]}, endpoint="no-such-endpoint")
    for name in ["../api/2.0/serving-endpoints", "taxi-fare/invocations?x=1", "a b", "", "x" * 64]:
        with pytest.raises(InvalidInput):
            invoke(settings, {"inputs": [1]}, endpoint=name)


def test_one_users_history_is_invisible_to_another(settings: Settings, taxi_rows: pd.DataFrame) -> None:
    invoke(settings, {"dataframe_records": taxi_rows.head(1).to_dict(orient="records")}, who=ALICE)
    with pytest.raises(InvalidInput):
        invoke(settings, {}, who=ALICE)
    assert len(history(settings, ALICE)) == 2
    assert history(settings, BOB) == []
    invoke(settings, {"dataframe_records": taxi_rows.head(1).to_dict(orient="records")}, who=BOB)
    assert [r.user_id for r in history(settings, BOB)] == ["bob@example.com"]
    assert len(history(settings, ALICE)) == 2


def test_without_a_forwarded_token_the_service_principal_invokes(settings_with: Any, taxi_rows: pd.DataFrame) -> None:
    no_token = user("alice@example.com", None)
    result = invoke(
        settings_with(allow_app_identity_fallback=True),
        {"dataframe_records": taxi_rows.head(2).to_dict(orient="records")},
        who=no_token,
    )
    assert result.status == "SUCCESS"
    assert len(result.predictions) == 2


def test_lakebase_down_still_answers_and_says_the_call_was_not_logged(
    settings_with: Any, taxi_rows: pd.DataFrame
) -> None:
    no_database = settings_with(pg_port=free_port())
    result = invoke(no_database, {"dataframe_records": taxi_rows.head(1).to_dict(orient="records")})
    assert result.status == "SUCCESS"
    assert result.logged is False
    close_databases()  # the pool for the dead port would keep trying in the background


def test_endpoints_are_listed_with_state_and_model_and_restricted_to_the_apps_own(
    settings: Settings, settings_with: Any, serving_endpoints: LocalServing
) -> None:
    serving_endpoints.configure("iris-species", state="NOT_READY", config_update="NOT_UPDATING")
    found = {e.endpoint_name: e for e in model_serving.list_endpoints(settings=settings, user=ALICE)}
    assert set(found) == {"iris-species", "taxi-fare"}
    assert (found["taxi-fare"].state, found["taxi-fare"].model_name) == ("READY", "samples.models.taxi_fare")
    assert found["taxi-fare"].model_version == "1"
    assert found["iris-species"].state == "FAILED"
    only = settings_with(serving_endpoints=("taxi-fare",))
    assert [e.endpoint_name for e in model_serving.list_endpoints(settings=only, user=ALICE)] == ["taxi-fare"]
    with pytest.raises(NotFound):
        invoke(only, {"inputs": [1]}, endpoint="iris-species")


def test_endpoints_a_user_may_not_see_are_absent(settings: Settings, serving_endpoints: LocalServing) -> None:
    serving_endpoints.configure("iris-species", users=["data-scientists"])
    assert "iris-species" in {e.endpoint_name for e in model_serving.list_endpoints(settings=settings, user=ALICE)}
    assert "iris-species" not in {e.endpoint_name for e in model_serving.list_endpoints(settings=settings, user=BOB)}
    with pytest.raises(NotFound):
        invoke(settings, {"inputs": [1]}, endpoint="iris-species", who=BOB)


def test_signature_gives_typed_columns_in_order_with_the_input_example(settings: Settings) -> None:
    signature = model_serving.get_signature(settings=settings, user=ALICE, name="taxi-fare")
    assert signature is not None
    assert [(f.name, f.kind, f.required) for f in signature.fields] == [
        ("trip_distance", "number", True),
        ("pickup_hour", "integer", True),
        ("pickup_zip", "integer", True),
        ("dropoff_zip", "integer", True),
    ]
    assert len(signature.example_records) == 2
    assert signature.fields[0].example == signature.example_records[0]["trip_distance"]
    iris = model_serving.get_signature(settings=settings, user=ALICE, name="iris-species")
    assert iris is not None
    assert [f.name for f in iris.fields] == IRIS


def test_signature_columns_read_as_people_read_them(settings: Settings) -> None:
    signature = model_serving.get_signature(settings=settings, user=ALICE, name="taxi-fare")
    assert signature is not None
    assert [(f.label, f.help) for f in signature.fields] == [
        ("Trip distance", "0 mi or more"),
        ("Pickup hour", "0–23"),
        ("Pickup ZIP code", f"5-digit ZIP code, e.g. {signature.example_records[0]['pickup_zip']}"),
        ("Drop-off ZIP code", f"5-digit ZIP code, e.g. {signature.example_records[0]['dropoff_zip']}"),
    ]


def test_the_taxi_ranges_are_those_of_the_sample_data(local_warehouse: LocalWarehouse) -> None:
    with duckdb.connect(str(local_warehouse.catalog.database), read_only=True) as db:
        row = db.execute(
            "SELECT min(hour(tpep_pickup_datetime)), max(hour(tpep_pickup_datetime)), min(trip_distance)"
            " FROM nyctaxi.trips"
        ).fetchone()
    assert row is not None
    hour = model_serving.COLUMNS["pickup_hour"]
    assert (hour.minimum, hour.maximum) == (row[0], row[1])
    distance = model_serving.COLUMNS["trip_distance"].minimum
    assert distance is not None
    assert distance <= row[2]


def _nested(depth: int) -> Any:
    value: Any = 2.0
    for _ in range(depth):
        value = [value]
    return value


TRIP = {"trip_distance": 2.0, "pickup_hour": 8, "pickup_zip": 10003, "dropoff_zip": 10011}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"dataframe_records": [TRIP, {**TRIP, "trip_distance": float("nan")}]}, "dataframe_records[1].trip_distance"),
        ({"dataframe_records": [{**TRIP, "trip_distance": float("inf")}]}, "dataframe_records[0].trip_distance"),
        ({"dataframe_records": [{**TRIP, "trip_distance": float("-inf")}]}, "dataframe_records[0].trip_distance"),
        ({"dataframe_records": [{**TRIP, "trip_distance": "\ud800"}]}, "dataframe_records[0].trip_distance"),
        ({"dataframe_records": [{**TRIP, "note\ud800": 1}]}, 'dataframe_records[0]["note\\ud800"]'),
        ({"dataframe_records": [{**TRIP, "pickup_zip": "1\x00"}]}, "dataframe_records[0].pickup_zip"),
        ({"inputs": _nested(500)}, "inputs" + "[0]" * 32),
    ],
    ids=["nan", "infinity", "-infinity", "lone-surrogate", "surrogate-key", "nul", "nested-500"],
)
def test_a_value_no_model_can_be_sent_is_400_naming_the_field_logged_without_the_payload(
    settings: Settings, payload: Any, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        invoke(settings, payload)
    assert raised.value.status == 400
    assert raised.value.technical_details["field"] == field
    assert field in raised.value.message
    assert raised.value.technical_details["logged"] is True
    [row] = history(settings, ALICE)
    assert row.status == "ERROR"
    assert row.error_message == raised.value.message
    assert row.inputs == {"omitted": f"refused before the model was called: {raised.value.message}"}


@pytest.mark.parametrize(
    ("payload", "endpoint"),
    [({}, "taxi-fare"), ({"dataframe_records": {"trip_distance": 1}}, "taxi-fare"), ({"inputs": [1]}, "no-such-one")],
    ids=["no-format", "records-not-a-list", "404-endpoint"],
)
def test_a_call_refused_before_the_model_stores_no_payload(settings: Settings, payload: Any, endpoint: str) -> None:
    with pytest.raises((InvalidInput, NotFound)) as raised:
        invoke(settings, payload, endpoint=endpoint)
    [row] = history(settings, ALICE)
    assert row.status == "ERROR"
    assert row.inputs == {"omitted": f"refused before the model was called: {raised.value.message}"}
    assert row.predictions is None


def test_an_input_the_model_saw_is_kept_for_loading_it_again(settings: Settings) -> None:
    with pytest.raises(InvalidInput):
        invoke(settings, {"dataframe_records": [{"trip_distance": 1.0}]})  # the model names the missing columns
    [row] = history(settings, ALICE)
    assert row.inputs == {"dataframe_records": [{"trip_distance": 1.0}]}


def test_the_history_cap_holds_for_invocations(settings_with: Any) -> None:
    capped = settings_with(inference_log_max_rows=10)
    for distance in range(12):
        invoke(capped, {"dataframe_records": [{**TRIP, "trip_distance": float(distance + 1)}]})
    rows = history(capped, ALICE)
    assert len(rows) == 10
    assert rows[0].inputs["dataframe_records"][0]["trip_distance"] == 12.0
    assert rows[-1].inputs["dataframe_records"][0]["trip_distance"] == 3.0
