"""A fuzz run (schemathesis + hypothesis) against the REST API's own OpenAPI document: whatever a client
sends, no 500, and every error body has the seed's shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

pytestmark = pytest.mark.usefixtures("clean_lakebase")
EXAMPLES_PER_OPERATION = 25


def check_answer(response: Any, label: str) -> None:
    assert response.status_code < 500, f"{label}: HTTP {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        assert {"error_code", "message", "technical_details"} <= set(body), f"{label}: {body}"
        assert isinstance(body["technical_details"], dict)
        assert "Traceback" not in response.text


def test_no_input_makes_the_api_fail_or_answer_out_of_shape(
    server: flask.Flask, headers_for: Callable[..., dict[str, str]]
) -> None:
    alice = headers_for("alice@example.com")
    schema = schemathesis.openapi.from_wsgi("/openapi.json", server, headers=alice)
    results = list(schema.get_all_operations())
    errors = [r.err() for r in results if not hasattr(r, "ok")]
    assert not errors, errors
    operations = [result.ok() for result in results]  # type: ignore[union-attr]  # no Err, checked above
    assert len(operations) >= 10
    statuses: list[int] = []
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(headers=alice)
            statuses.append(response.status_code)
            check_answer(response, f"{case.method} {case.formatted_path}")

        check()
    # The run reached the routes, and both their answers and their refusals.
    assert len(statuses) >= 5 * len(operations)
    assert any(s < 300 for s in statuses)
    assert any(400 <= s < 500 for s in statuses)
