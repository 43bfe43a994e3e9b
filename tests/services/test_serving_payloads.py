"""What a caller sends a model, checked without any service: a record built from a form by the model's
signature (within each field's range), JSON text typed by a user, the payload's shape, a timeout typed into a
form, and how columns and predictions read (labels, help, units, decimals)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from databricks.sdk.service.serving import DataframeSplitInput

from core.errors import InvalidInput
from services.serving import (
    COLUMNS,
    MAX_INPUT_DEPTH,
    ColumnText,
    InputField,
    build_record,
    check_values,
    column_text,
    form_payload,
    form_values,
    formatted,
    input_field,
    json_safe_answer,
    parse_payload_json,
    parse_timeout,
    prediction_text,
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


def _nested(depth: int) -> Any:
    """A value of `depth` nested lists around 1."""
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("payload", "field", "problem"),
    [
        ({"dataframe_records": [{"trip_distance": float("nan")}]}, "dataframe_records[0].trip_distance", "NaN"),
        ({"dataframe_records": [{"a": 1}, {"b": float("inf")}]}, "dataframe_records[1].b", "Infinity"),
        ({"inputs": {"x": [1.0, float("-inf")]}}, "inputs.x[1]", "-Infinity"),
        ({"dataframe_split": {"columns": ["a"], "data": [[1e999]]}}, "dataframe_split.data[0][0]", "Infinity"),
        ({"instances": [{"name": "\ud800"}]}, "instances[0].name", "surrogate"),
        ({"instances": [{"a\udfffb": 1}]}, 'instances[0]["a\\udfffb"]', "surrogate"),
        ({"inputs": ["a\x00b"]}, "inputs[0]", "NUL"),
        ({"inputs": {"k\x00": 1}}, 'inputs["k\\u0000"]', "NUL"),
        ({"inputs": _nested(40)}, "inputs" + "[0]" * 32, "nested"),
        ({"inputs": _nested(600)}, "inputs" + "[0]" * 32, "nested"),
    ],
    ids=["nan", "inf", "-inf", "1e999", "surrogate", "surrogate-key", "nul", "nul-key", "depth-40", "depth-600"],
)
def test_a_value_no_model_can_be_sent_is_refused_naming_its_field(payload: Any, field: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_values(payload)
    assert raised.value.technical_details["field"] == field
    assert field in raised.value.message
    assert problem in raised.value.message


def test_inputs_nested_up_to_the_limit_and_ordinary_values_are_accepted() -> None:
    check_values({"inputs": _nested(MAX_INPUT_DEPTH - 1)})
    check_values({"dataframe_records": [{"a": 1.5, "b": -2, "c": "é😀", "d": None, "e": True, "f": 1e308}]})


def test_a_long_field_path_is_cut_short() -> None:
    with pytest.raises(InvalidInput) as raised:
        check_values({"inputs": {"k" * 10_000: float("nan")}})
    assert len(raised.value.technical_details["field"]) <= 200


@pytest.mark.parametrize("typed", ["nan", "inf", "-Infinity", "1e999"])
def test_a_form_refuses_numbers_json_cannot_carry(typed: str) -> None:
    with pytest.raises(InvalidInput, match="trip_distance must be a number"):
        build_record(FIELDS, [typed, 8, None, None])


def test_json_text_nested_past_what_python_parses_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="nested"):
        parse_payload_json('{"inputs": ' + "[" * 100_000 + "]" * 100_000 + "}")


def test_an_answer_json_cannot_carry_becomes_null_and_says_where() -> None:
    answer = [1.5, float("nan"), {"p": float("inf"), "s": "a\ud800"}, _nested(100)]
    safe, notes = json_safe_answer(answer)
    assert safe[:2] == [1.5, None]
    assert safe[2] == {"p": None, "s": "a\ufffd"}
    assert notes[:3] == [
        "predictions[1] was NaN (now null)",
        "predictions[2].p was Infinity (now null)",
        "predictions[2].s held a lone surrogate (now U+FFFD)",
    ]
    assert "nested deeper than" in notes[3]
    json.dumps(safe, allow_nan=False)  # now JSON, strictly


def test_an_ordinary_answer_is_unchanged() -> None:
    answer = {"predictions": [1.5, "setosa", None, True, [1, 2]]}
    assert json_safe_answer(answer) == (answer, [])


HOUR = InputField(name="pickup_hour", kind="integer", required=True, label="Pickup hour", minimum=0, maximum=23)
LENGTH = input_field("sepal_length", "number", required=True)


@pytest.mark.parametrize(("value", "accepted"), [("0", True), ("23", True), ("24", False), ("-1", False)])
def test_a_value_outside_its_range_is_refused_by_its_label(value: str, accepted: bool) -> None:
    if accepted:
        assert build_record([HOUR], [value]) == {"pickup_hour": int(value)}
        return
    with pytest.raises(InvalidInput) as raised:
        build_record([HOUR], [value])
    assert raised.value.message == "Check the form: Pickup hour must be 0–23."


def test_the_range_seen_in_training_is_said_but_not_enforced() -> None:
    assert LENGTH.help == "4.3–7.9 cm in the training data"
    assert build_record([LENGTH], ["9.5"]) == {"sepal_length": 9.5}  # bigger than any flower seen: still sent
    with pytest.raises(InvalidInput, match="Sepal length must be 0 cm or more"):
        build_record([LENGTH], ["-1"])


def test_a_listed_column_reads_as_display_says_and_another_by_its_name_type_and_example() -> None:
    hour = input_field("pickup_hour", "integer", required=True, example=0)
    assert (hour.label, hour.help, hour.minimum, hour.maximum) == ("Pickup hour", "0–23", 0, 23)
    tip = input_field("tip_amount", "number", required=False, example=1.5)
    assert (tip.label, tip.help, tip.unit, tip.minimum) == ("Tip amount", "Number, e.g. 1.5", None, None)
    assert input_field("passengerCount", "integer", required=True).label == "Passenger count"


@pytest.mark.parametrize(
    ("value", "text", "shown"),
    [
        (12.345678901234567, prediction_text("taxi-fare"), "$12.35"),
        (-3.0, prediction_text("taxi-fare"), "-$3.00"),
        (1234.5, prediction_text("taxi-fare"), "$1,234.50"),
        (12.345678901234567, prediction_text("an-endpoint-not-listed"), "12.35"),
        (0.000123456789, prediction_text("an-endpoint-not-listed"), "0.0001235"),
        ("setosa", prediction_text("iris-species"), "setosa"),
        (7.5, column_text("trip_distance"), "7.5 mi"),
        (10001, column_text("pickup_zip"), "10001"),
        (None, column_text("pickup_zip"), "null"),
    ],
)
def test_values_read_with_their_unit_and_decimals(value: Any, text: ColumnText, shown: str) -> None:
    assert formatted(value, text) == shown


def test_labels_of_predictions_come_from_the_endpoint() -> None:
    assert prediction_text("taxi-fare").label == "Predicted fare"
    assert prediction_text("an-endpoint-not-listed").label == "Prediction"


def test_the_iris_ranges_are_those_of_the_data_the_model_learned_from() -> None:
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True).data.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    for name in data.columns:
        assert COLUMNS[name].seen == (data[name].min(), data[name].max()), name
