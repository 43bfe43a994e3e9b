"""What a client may send at the HTTP level: how deep a JSON body nests, how long a URL is, and the minimum
shape of a Dash callback request. Every refusal is a 400 (or 414) in the seed's shape, naming the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from core.limits import MAX_JSON_DEPTH, MAX_URL_LENGTH, json_nesting_depth
from tests.dashboard.dash_requests import shell_callback_body

Headers = Callable[..., dict[str, str]]


def _nested(depth: int, leaf: str = "1") -> str:
    """JSON text: `depth` arrays, one inside the other."""
    return "[" * depth + leaf + "]" * depth


def _post(client: FlaskClient, path: str, text: str, headers: dict[str, str]) -> Any:
    return client.post(path, data=text.encode(), headers=headers | {"Content-Type": "application/json"})


def _assert_invalid(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    body: dict[str, Any] = response.get_json()
    assert set(body) >= {"error_code", "message", "technical_details"}
    assert body["error_code"] == "INVALID_INPUT"
    assert body["technical_details"]["field"] == field, body
    assert "Traceback" not in response.get_data(as_text=True)
    return body


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('{"a": "[[[[{{{{"}', 1),  # brackets inside a string do not nest
        ('{"a": "\\"[[[[", "b": ["\\\\"]}', 2),  # escaped quote and escaped backslash
        ('["\\\\\\"[[["]', 1),
        (_nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH),
    ],
)
def test_json_depth_is_counted_without_parsing(text: str, depth: int) -> None:
    assert json_nesting_depth(text.encode()) == depth
    assert json_nesting_depth(text) == depth


def test_json_depth_stops_counting_past_the_limit() -> None:
    assert json_nesting_depth(_nested(100_000).encode()) == MAX_JSON_DEPTH + 1


@pytest.mark.parametrize(
    ("path", "text", "field"),
    [
        # The review's attacks: a model input 500 deep, any body 100,000 deep, the callback endpoint included.
        (
            "/api/model-serving/invoke",
            '{"endpoint_name": "taxi-fare", "inputs": {"instances": ' + _nested(500) + "}}",
            "inputs.instances",
        ),
        (
            "/api/preferences",
            '{"preference_key": "theme", "preference_value": ' + _nested(100_000) + "}",
            "preference_value",
        ),
        ("/api/unity-catalog/query", _nested(100_000), "body"),
        (
            "/_dash-update-component",
            '{"output": "x.children", "inputs": [{"id": "x", "property": "value", "value": ' + _nested(100_000) + "}]}",
            "inputs.0.value",
        ),
        # The field is the path down to the last key on the way (array positions between keys included).
        ("/_dash-update-component", '{"a": {"b": [' + _nested(MAX_JSON_DEPTH) + "]}}", "a.b"),
    ],
)
def test_a_body_nested_too_deep_is_a_400_naming_the_field(
    client: FlaskClient, headers_for: Headers, path: str, text: str, field: str
) -> None:
    body = _assert_invalid(_post(client, path, text, headers_for()), field)
    assert body["technical_details"]["max_depth"] == MAX_JSON_DEPTH
    assert str(MAX_JSON_DEPTH) in body["message"]


def test_a_body_at_the_depth_limit_reaches_the_route(client: FlaskClient, headers_for: Headers) -> None:
    # 64 levels in all: the route's own validation answers, not the depth check.
    text = '{"preference_key": "theme", "preference_value": {"mode": ' + _nested(MAX_JSON_DEPTH - 2) + "}}"
    response = _post(client, "/api/preferences", text, headers_for())
    assert response.status_code == 400
    assert "max_depth" not in response.get_json()["technical_details"]


def test_the_depth_check_runs_after_the_identity_check(client: FlaskClient) -> None:
    response = _post(client, "/api/preferences", _nested(100_000), {})
    assert response.status_code == 401


# ---------------------------------------------------------------------------- Dash's callback endpoint


@pytest.mark.usefixtures("clean_lakebase")
def test_a_well_formed_callback_request_still_runs(client: FlaskClient, headers_for: Headers) -> None:
    response = client.post(
        "/_dash-update-component", json=shell_callback_body(client, headers_for()), headers=headers_for()
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.get_json()["response"]["shell-theme-loaded"]["data"] == {"mode": "light"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda body: {}, "output"),
        (lambda body: [], "body"),
        (lambda body: "text", "body"),
        (lambda body: {k: v for k, v in body.items() if k != "output"}, "output"),
        (lambda body: {k: v for k, v in body.items() if k != "inputs"}, "inputs"),
        (lambda body: {k: v for k, v in body.items() if k != "outputs"}, "outputs"),
        (lambda body: body | {"output": 42}, "output"),
        (lambda body: body | {"output": "nothing-here.children"}, "output"),
        (lambda body: body | {"inputs": "x"}, "inputs"),
        (lambda body: body | {"inputs": [42]}, "inputs.0"),
        (lambda body: body | {"inputs": [{"property": "data", "value": 1}]}, "inputs.0.id"),
        (lambda body: body | {"inputs": []}, "inputs"),
        (lambda body: body | {"state": []}, "state"),
        (lambda body: body | {"state": None}, "state"),
        (lambda body: body | {"changedPropIds": [1]}, "changedPropIds.0"),
        (lambda body: body | {"outputs": [{"id": "shell-theme-loaded"}, body["outputs"][1]]}, "outputs.0.property"),
        # Outputs other than the callback's: Dash would fail only after running the callback.
        (lambda body: body | {"outputs": body["outputs"][:1]}, "outputs"),
        (lambda body: body | {"outputs": body["outputs"][0]}, "outputs"),
        (lambda body: body | {"outputs": [{"id": "x", "property": "data"}, body["outputs"][1]]}, "outputs.0.id"),
        (lambda body: body | {"outputs": [body["outputs"][1], body["outputs"][0]]}, "outputs.0.property"),
        # A clientside callback has no server side to run.
        (lambda body: body | {"output": "main-content.className"}, "output"),
    ],
)
def test_a_callback_request_without_dashs_required_shape_is_a_400(
    client: FlaskClient, headers_for: Headers, change: Callable[[dict[str, Any]], Any], field: str
) -> None:
    body = change(shell_callback_body(client, headers_for()))
    response = _post(client, "/_dash-update-component", json.dumps(body), headers_for())
    _assert_invalid(response, field)


# ---------------------------------------------------------------------------- URL length


def test_a_url_over_the_limit_is_a_414_in_the_error_shape(client: FlaskClient, headers_for: Headers) -> None:
    path = "/api/user/me?q="
    response = client.get(path + "x" * (MAX_URL_LENGTH - len(path) + 1), headers=headers_for())
    assert response.status_code == 414
    body = response.get_json()
    assert body["error_code"] == "URI_TOO_LONG"
    assert body["technical_details"] == {"field": "url", "length": MAX_URL_LENGTH + 1, "max_length": MAX_URL_LENGTH}
    assert response.mimetype == "application/json"


def test_a_url_at_the_limit_is_served(client: FlaskClient, headers_for: Headers) -> None:
    path = "/api/user/me?q="
    response = client.get(path + "x" * (MAX_URL_LENGTH - len(path)), headers=headers_for())
    assert response.status_code == 200


def test_a_long_url_is_refused_even_without_an_identity(client: FlaskClient) -> None:
    response = client.get("/healthz?" + "x" * MAX_URL_LENGTH)
    assert response.status_code == 414
    assert response.get_json()["error_code"] == "URI_TOO_LONG"
