"""A model whose answer JSON cannot carry (NaN, Infinity, a lone surrogate) or the history should not keep
(over 512 KB): a real MLflow pyfunc model, scored by MLflow's own scoring server in a second local workspace
over the same Postgres. The caller gets the answer as strict JSON with a note, and the call is logged."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import mlflow.pyfunc
import pytest
from mlflow.pyfunc.model import PythonModel

from core.identity import UserIdentity
from core.settings import Settings
from dashboard import create_app
from local_workspace.identities import Directory
from local_workspace.lakebase import LocalLakebase
from local_workspace.models import TrainedModel
from local_workspace.server import create_workspace_app
from local_workspace.serving import EndpointConfig, LocalServing
from services import serving
from services.inference_logs import list_inference_logs
from services.lakebase import close_databases
from tests.conftest import serve_in_thread

pytestmark = pytest.mark.usefixtures("clean_lakebase")
ALICE = UserIdentity(
    user_id="alice@example.com",
    email="alice@example.com",
    user_name="alice@example.com",
    workspace_user=None,
    access_token="dapi-local-alice-0001",
)
ODD = ["NaN", "Infinity", "-Infinity", "a lone surrogate"]


class OddAnswers(PythonModel):
    """Answers what a model may really answer: NaN and infinities (a division by zero, a log of 0), a
    broken string, or, asked for `big`, 600 KB of predictions."""

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        if "big" in model_input.columns:
            return ["x" * 1024] * 600
        return [float("nan"), float("inf"), float("-inf"), "a\ud800", 1.5]


@pytest.fixture(scope="module")
def odd_host(
    tmp_path_factory: pytest.TempPathFactory, directory: Directory, local_lakebase: LocalLakebase
) -> Iterator[str]:
    """A local workspace serving the endpoint `odd-answers`, sharing the session's Postgres."""
    path = Path(tmp_path_factory.mktemp("odd")) / "model"
    mlflow.pyfunc.save_model(str(path), python_model=OddAnswers(), pip_requirements=[])
    models = {"odd": TrainedModel("odd", "samples.models.odd", "1", path)}
    running = serve_in_thread(
        create_workspace_app(
            directory, lakebase=local_lakebase, serving=LocalServing([EndpointConfig("odd-answers", "odd")], models)
        )
    )
    yield running.url
    close_databases()  # the pool of these settings, before its workspace goes
    running.stop()


@pytest.fixture
def odd_settings(settings_with: Callable[..., Settings], odd_host: str) -> Settings:
    return settings_with(databricks_host=odd_host)


def _strict(text: str) -> Any:
    """JSON as a strict parser reads it: NaN and Infinity are no JSON."""

    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_an_answer_json_cannot_carry_is_answered_as_null_with_a_note_and_logged(odd_settings: Settings) -> None:
    result = serving.invoke(
        settings=odd_settings,
        user=ALICE,
        endpoint_name="odd-answers",
        payload={"dataframe_records": [{"x": 1}]},
        request_id="req-odd",
    )
    assert result.status == "SUCCESS"
    assert result.predictions == [None, None, None, "a\ufffd", 1.5]
    assert result.logged is True
    note = result.error_message or ""
    for where, what in zip(["[0]", "[1]", "[2]", "[3]"], ODD, strict=True):
        assert f"predictions{where}" in note
        assert what in note
    [row] = list_inference_logs(settings=odd_settings, user=ALICE).logs
    assert (row.status, row.predictions, row.error_message) == ("SUCCESS", result.predictions, note)
    assert row.inputs == {"dataframe_records": [{"x": 1}]}


def test_through_the_api_the_answer_is_strict_json(
    odd_settings: Settings, headers_for: Callable[..., dict[str, str]]
) -> None:
    client = create_app(odd_settings).server.test_client()
    answer = client.post(
        "/api/model-serving/invoke",
        json={"endpoint_name": "odd-answers", "inputs": {"dataframe_records": [{"x": 1}]}},
        headers=headers_for(),
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = _strict(answer.get_data(as_text=True))
    assert body["predictions"] == [None, None, None, "a\ufffd", 1.5]
    assert body["logged"] is True
    assert "predictions[0] was NaN (now null)" in body["error_message"]
    logs = _strict(client.get("/api/model-serving/logs", headers=headers_for()).get_data(as_text=True))["logs"]
    assert logs[0]["predictions"] == body["predictions"]


def test_an_answer_over_the_historys_limit_is_answered_but_not_stored(odd_settings: Settings) -> None:
    result = serving.invoke(
        settings=odd_settings,
        user=ALICE,
        endpoint_name="odd-answers",
        payload={"dataframe_records": [{"big": 1}]},
        request_id="req-big",
    )
    assert len(result.predictions) == 600
    assert result.error_message is None  # the caller has all of it
    [row] = list_inference_logs(settings=odd_settings, user=ALICE).logs
    assert "over the limit" in row.predictions["omitted"]
    assert "over the history's limit" in (row.error_message or "")
