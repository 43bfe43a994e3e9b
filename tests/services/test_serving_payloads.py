"""What a caller sends a model, checked without any service: a record built from a form by the model's
signature, JSON text typed by a user, the payload's shape and a timeout typed into a form."""

from __future__ import annotations

from typing import Any

import pytest
from databricks.sdk.service.serving import DataframeSplitInput

from core.errors import InvalidInput
from services.serving import (
    InputField,
    build_record,
    form_payload,
    form_values,
    parse_payload_json,
    parse_timeout,
    query_arguments,
)

FIELDS = (
    InputField(name="trip_distance", kind="number", required=True),
    InputField(name="pickup_hour", kind="integer", required=True),
    InputField(name="note", kind="string", required=False),
    InputField(name="shared", kind="boolean", required=False),
)


def test_each_kind_is_typed_as_the_signature_says() -> None:
    record = build_record(FIELDS, ["2.5", "8", 42, True])
    assert record == {"trip_distance": 2.5, "pickup_hour": 8, "note": "42", "shared": True}
    assert type(record["pickup_hour"]) is int
    assert type(record["trip_distance"]) is float


def test_a_whole_float_is_an_integer_and_an_unchecked_box_is_false() -> None:
    assert build_record(FIELDS, [1, 8.0, None, False]) == {"trip_distance": 1.0, "pickup_hour": 8, "shared": False}


def test_an_empty_optional_value_leaves_its_column_out() -> None:
    assert build_record(FIELDS, [1, 2, "", None]) == {"trip_distance": 1.0, "pickup_hour": 2}


def test_missing_required_values_are_named() -> None:
    with pytest.raises(InvalidInput) as raised:
        build_record(FIELDS, [None, "", "x", True])
    assert raised.value.message == "Check the form: trip_distance is required; pickup_hour is required."


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (["far", 8, None, None], "trip_distance must be a number"),
        ([1.0, 8.5, None, None], "pickup_hour must be a whole number"),
        ([1.0, "eight", None, None], "pickup_hour must be a whole number"),
    ],
)
def test_a_value_that_is_not_of_its_kind_is_named(values: list[Any], problem: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        build_record(FIELDS, values)
    assert raised.value.message == f"Check the form: {problem}."


def test_every_problem_of_the_form_is_named_at_once() -> None:
    with pytest.raises(InvalidInput) as raised:
        build_record(FIELDS, ["far", None, None, None])
    assert "trip_distance must be a number" in raised.value.message
    assert "pickup_hour is required" in raised.value.message


def test_a_form_payload_is_one_record() -> None:
    assert form_payload(FIELDS[:2], [1, 2]) == {"dataframe_records": [{"trip_distance": 1.0, "pickup_hour": 2}]}


def test_json_text_is_parsed() -> None:
    assert parse_payload_json('{"inputs": [1, 2]}') == {"inputs": [1, 2]}


def test_invalid_json_says_where() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_payload_json('{\n  "dataframe_records": [')
    assert raised.value.message.startswith("The request JSON is not valid: ")
    assert "(line 2, column 25)" in raised.value.message


@pytest.mark.parametrize("text", [None, ""])
def test_no_json_at_all_is_invalid(text: str | None) -> None:
    with pytest.raises(InvalidInput, match="not valid"):
        parse_payload_json(text)


@pytest.mark.parametrize("text", ["[1, 2]", '"x"', "3", "null"])
def test_json_that_is_not_an_object_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="must be an object"):
        parse_payload_json(text)


def test_payload_formats_become_sdk_keywords() -> None:
    assert query_arguments({"inputs": [1]}) == {"inputs": [1]}
    assert query_arguments({"instances": [{"a": 1}]}) == {"instances": [{"a": 1}]}
    split = query_arguments({"dataframe_split": {"columns": ["a"], "data": [[1]]}})["dataframe_split"]
    assert isinstance(split, DataframeSplitInput)
    assert (split.columns, split.data) == (["a"], [[1]])


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({}, "exactly one of"),
        ([1], "exactly one of"),
        ({"rows": []}, "exactly one of"),
        ({"inputs": [1], "instances": [1]}, "exactly one of"),
        ({"dataframe_records": {"a": 1}}, "list of rows"),
        ({"dataframe_records": [1]}, "must be an object"),
        ({"dataframe_split": {"columns": ["a"]}}, "columns and data"),
        ({"inputs": None}, "must not be null"),
    ],
)
def test_a_payload_of_the_wrong_shape_is_refused(payload: Any, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        query_arguments(payload)


def test_form_values_show_a_single_record_and_send_anything_else_to_json() -> None:
    assert form_values({"dataframe_records": [{"a": 1}]}) == ({"a": 1}, True)
    assert form_values({"dataframe_records": [{"a": 1}, {"a": 2}]}) == ({"a": 1}, False)
    assert form_values({"dataframe_records": []}) == ({}, False)
    assert form_values({"inputs": [1]}) == ({}, False)


@pytest.mark.parametrize(("typed", "seconds"), [(None, None), ("", None), (30, 30), ("45", 45), (2.0, 2)])
def test_a_typed_timeout_is_whole_seconds_or_the_default(typed: Any, seconds: int | None) -> None:
    assert parse_timeout(typed) == seconds


@pytest.mark.parametrize("typed", ["soon", "1.5", [3]])
def test_a_timeout_that_is_no_number_is_refused(typed: Any) -> None:
    with pytest.raises(InvalidInput, match="1 to 300 seconds"):
        parse_timeout(typed)
