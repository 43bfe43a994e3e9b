"""The Data page's filter form and chips are pure builders: check what they render."""

from __future__ import annotations

from typing import Any

from components.data_filters import (
    NULL_WORDS,
    WORDS_BY_KIND,
    FilterIds,
    column_options,
    filter_chips,
    filter_words,
    filters_form,
    operator_options,
    operator_words,
)
from services.warehouse.filter_values import OPERATORS_BY_KIND
from services.warehouse.sql import OPERATORS

IDS = FilterIds(*(f"f-{name}" for name in FilterIds.__dataclass_fields__))
TYPES = {"trip_distance": "double", "tpep_pickup_datetime": "timestamp", "o_orderstatus": "string", "ok": "boolean"}


def _text(component: Any) -> str:
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def _walk(component: Any) -> list[Any]:
    found = [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found += _walk(child)
    return found


def test_operators_are_worded_by_the_columns_type() -> None:
    assert [o["label"] for o in operator_options("double")] == [
        "equals",
        "does not equal",
        "less than",
        "at most",
        "greater than",
        "at least",
        "is empty",
        "is not empty",
    ]
    assert [o["label"] for o in operator_options("date")][:6] == [
        "on",
        "not on",
        "before",
        "on or before",
        "after",
        "on or after",
    ]
    assert [o["label"] for o in operator_options("string")] == [
        "equals",
        "does not equal",
        "contains",
        "starts with",
        "is empty",
        "is not empty",
    ]
    assert next((o["label"], o["value"]) for o in operator_options("boolean")) == ("is", "=")
    assert [o["value"] for o in operator_options("array<int>")] == ["is_null", "not_null"]
    assert operator_words(">=", "timestamp") == "on or after"


def test_columns_are_offered_with_their_types() -> None:
    options = column_options([{"name": "trip_distance", "data_type": "double"}])
    assert options == [{"label": "trip_distance (double)", "value": "trip_distance"}]


def test_a_chip_reads_as_words() -> None:
    assert filter_words({"column": "trip_distance", "operator": ">", "value": 10.0}, "double") == (
        "trip_distance greater than 10"
    )
    moment = {"column": "tpep_pickup_datetime", "operator": ">=", "value": "2016-01-05T13:00:00"}
    assert filter_words(moment, "timestamp", "America/New_York") == "tpep_pickup_datetime on or after 2016-01-05 08:00"
    assert filter_words({"column": "o_orderstatus", "operator": "=", "value": "F"}, "string") == (
        "o_orderstatus equals “F”"
    )
    assert filter_words({"column": "ok", "operator": "=", "value": False}, "boolean") == "ok is false"
    assert filter_words({"column": "ok", "operator": "is_null", "value": None}, "boolean") == "ok is empty"


def test_each_chip_has_a_remove_button_named_by_its_words() -> None:
    filters: list[dict[str, Any]] = [
        {"column": "trip_distance", "operator": ">", "value": 10.0},
        {"column": "o_orderstatus", "operator": "not_null", "value": None},
    ]
    chips = filter_chips(filters, TYPES, remove_type="remove")
    assert [_text(chip).strip() for chip in chips] == ["trip_distance greater than 10", "o_orderstatus is not empty"]
    buttons = [chip.children[1] for chip in chips]
    assert [b.id for b in buttons] == [{"type": "remove", "index": 0}, {"type": "remove", "index": 1}]
    assert getattr(buttons[0], "aria-label") == "Remove filter: trip_distance greater than 10"
    assert buttons[0].type == "button"


def test_no_filter_says_every_row_is_shown() -> None:
    assert "every row is shown" in _text(filter_chips([], TYPES, remove_type="remove"))


def test_the_form_labels_every_control_and_holds_them_in_one_fieldset() -> None:
    form = filters_form(IDS)
    parts = _walk(form)
    fieldset = next(p for p in parts if type(p).__name__ == "Fieldset")
    assert fieldset.id == IDS.form
    assert getattr(fieldset, "aria-describedby") == IDS.reason
    inside = {getattr(p, "id", None) for p in _walk(fieldset)}
    assert {IDS.column, IDS.operator, IDS.value, IDS.boolean, IDS.add, IDS.clear, IDS.chips} <= inside
    labelled = {p.html_for for p in parts if type(p).__name__ == "Label"}
    assert {IDS.column, IDS.operator, IDS.value, IDS.boolean} <= labelled
    boolean_field = next(p for p in parts if getattr(p, "id", None) == IDS.boolean_field)
    assert boolean_field.hidden is True


def test_every_operator_a_type_offers_has_words_of_its_own() -> None:
    for kind, operators in OPERATORS_BY_KIND.items():
        assert set(operators) <= WORDS_BY_KIND[kind].keys() | NULL_WORDS.keys(), kind
    assert {o for ops in OPERATORS_BY_KIND.values() for o in ops} == set(OPERATORS)
