"""A fuzz run (schemathesis + hypothesis) against the REST API's own OpenAPI document: whatever a client
sends, no 500, every error body has the seed's shape, and every successful answer matches the document.

In `make test` the run is derandomized (the same examples every time, so CI never passes or fails by
chance); `make fuzz` runs it randomized with many more examples (FUZZ_RANDOM=1, FUZZ_EXAMPLES=N) and
prints the failing example hypothesis found."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import flask
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import content_type_conformance, response_schema_conformance

pytestmark = pytest.mark.usefixtures("clean_lakebase")
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "40"))
RANDOMIZED = os.environ.get("FUZZ_RANDOM") == "1"


def check_answer(case: Any, response: Any, label: str) -> None:
    """No server error; errors in the seed's shape; successes as the OpenAPI document describes them."""
    assert response.status_code < 500, f"{label}: HTTP {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        assert {"error_code", "message", "technical_details"} <= set(body), f"{label}: {body}"
        assert isinstance(body["technical_details"], dict)
        assert "Traceback" not in response.text
    else:
        case.validate_response(response, checks=[response_schema_conformance, content_type_conformance])


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
    statuses: dict[str, list[int]] = {}
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=not RANDOMIZED,
            print_blob=RANDOMIZED,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(headers=alice)
            statuses.setdefault(case.operation.label, []).append(response.status_code)
            check_answer(case, response, f"{case.method} {case.formatted_path}")

        check()
    # Every operation was reached, and the run saw both answers and refusals.
    assert set(statuses) == {operation.label for operation in operations}
    assert {"GET /api/queries", "POST /api/queries/{name}"} <= set(statuses)
    views = {"GET /api/views", "POST /api/views", "GET /api/views/{view_id}", "PATCH /api/views/{view_id}"}
    assert views | {"DELETE /api/views/{view_id}"} <= set(statuses)
    every = [status for answers in statuses.values() for status in answers]
    assert len(every) >= 5 * len(operations)
    assert any(s < 300 for s in every)
    assert any(400 <= s < 500 for s in every)
