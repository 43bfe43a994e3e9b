"""Model Serving's builders, as plain functions: what a successful call shows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from components.serving import prediction_result
from services.serving import InferenceResult


def _texts(component: Any) -> list[str]:
    """Every string in the component tree."""
    if isinstance(component, str):
        return [component]
    children = getattr(component, "children", None)
    if isinstance(children, list | tuple):
        return [text for child in children for text in _texts(child)]
    return _texts(children) if children is not None else []


def _result(predictions: Any, note: str | None) -> InferenceResult:
    return InferenceResult(
        request_id="r",
        endpoint_name="fare",
        predictions=predictions,
        status="SUCCESS",
        execution_time_ms=5,
        completed_at=datetime.now(UTC),
        error_message=note,
        served_model_name=None,
        attempts=1,
        logged=True,
    )


def test_an_answer_changed_to_be_shown_says_what_changed() -> None:
    note = "The model's answer held values JSON cannot carry: predictions[0] was NaN (now null)."
    shown = prediction_result(_result([None], note), {"dataframe_records": [{"a": 1}]})
    assert note in _texts(shown)


def test_an_ordinary_answer_has_no_note() -> None:
    shown = prediction_result(_result([1.5], None), {"dataframe_records": [{"a": 1}]})
    assert not any("JSON cannot carry" in text for text in _texts(shown))
