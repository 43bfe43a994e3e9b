"""The Data page's filter form and its chips: pure builders (the page passes the ids its callbacks use).

Operators are worded by the column's type ("greater than" for numbers, "on or after" for dates and times), and
a chip reads as the words the form offered ("trip_distance greater than 10")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.accessibility import aria
from services.warehouse.filter_values import Kind, kind_of, operators_for, shown_value

NULL_WORDS = {"is_null": "is empty", "not_null": "is not empty"}
NUMBER_WORDS = {
    "=": "equals",
    "!=": "does not equal",
    "<": "less than",
    "<=": "at most",
    ">": "greater than",
    ">=": "at least",
}
DATE_WORDS = {"=": "on", "!=": "not on", "<": "before", "<=": "on or before", ">": "after", ">=": "on or after"}
TIME_WORDS = DATE_WORDS | {"=": "at", "!=": "not at"}
STRING_WORDS = {"=": "equals", "!=": "does not equal", "contains": "contains", "starts_with": "starts with"}
WORDS_BY_KIND: dict[Kind, dict[str, str]] = {
    "string": STRING_WORDS,
    "integer": NUMBER_WORDS,
    "decimal": NUMBER_WORDS,
    "float": NUMBER_WORDS,
    "boolean": {"=": "is"},
    "date": DATE_WORDS,
    "timestamp": TIME_WORDS,
    "timestamp_ntz": TIME_WORDS,
    "other": {},
}
BOOLEAN_CHOICES = [{"label": "true", "value": "true"}, {"label": "false", "value": "false"}]


@dataclass(frozen=True)
class FilterIds:
    """The ids of the form's parts: the fieldset, its controls, the value's feedback and help, the chips."""

    form: str
    reason: str
    column: str
    operator: str
    value: str
    value_field: str
    feedback: str
    help: str
    boolean: str
    boolean_field: str
    add: str
    chips: str
    clear: str


def operator_words(operator: str, data_type: str) -> str:
    """What an operator says for a column of this type ("greater than", "on or after", "is empty")."""
    return NULL_WORDS.get(operator) or WORDS_BY_KIND[kind_of(data_type)].get(operator) or operator.replace("_", " ")


def operator_options(data_type: str) -> list[dict[str, str]]:
    """The operators a column of this type offers, as select options in words."""
    return [{"label": operator_words(o, data_type), "value": o} for o in operators_for(data_type)]


def column_options(columns: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """A table's columns as select options, each with its type ("trip_distance (double)")."""
    return [{"label": f"{c['name']} ({c['data_type']})", "value": str(c["name"])} for c in columns]


def filter_words(item: Mapping[str, Any], data_type: str, time_zone: object = None) -> str:
    """A filter as words: 'trip_distance greater than 10', 'o_orderstatus equals “F”'."""
    words = f"{item.get('column')} {operator_words(str(item.get('operator')), data_type)}"
    if item.get("operator") in NULL_WORDS or item.get("value") is None:
        return words
    value = shown_value(item["value"], data_type=data_type, time_zone=time_zone)
    return f"{words} “{value}”" if kind_of(data_type) == "string" else f"{words} {value}"


def filter_chips(
    filters: Sequence[Mapping[str, Any]], types: Mapping[str, str], *, remove_type: str, time_zone: object = None
) -> list[html.Li]:
    """One chip per filter with its remove button ("Remove filter: …"), or a line saying there is none."""
    if not filters:
        return [html.Li("No filters: every row is shown.", className="small text-body-secondary")]
    chips = []
    for index, item in enumerate(filters):
        words = filter_words(item, types.get(str(item.get("column")), "string"), time_zone)
        remove = html.Button(
            id={"type": remove_type, "index": index},
            type="button",
            className="btn-close ms-2",
            title=f"Remove filter: {words}",
            **aria(label=f"Remove filter: {words}"),
        )
        chips.append(
            html.Li(
                [html.Span(words), remove],
                className="d-inline-flex align-items-center border rounded-pill ps-3 pe-2 py-1",
            )
        )
    return chips


def _value_field(ids: FilterIds) -> list[html.Div]:
    typed = html.Div(
        [
            dbc.Label("Value", html_for=ids.value),
            dbc.Input(id=ids.value, type="text", autoComplete="off"),
            dbc.FormFeedback(id=ids.feedback, type="invalid"),
            dbc.FormText(id=ids.help),
        ],
        id=ids.value_field,
        className="mb-3",
    )
    boolean = html.Div(
        [dbc.Label("Value", html_for=ids.boolean), dbc.Select(id=ids.boolean, options=BOOLEAN_CHOICES, value="true")],
        id=ids.boolean_field,
        className="mb-3",
        hidden=True,
    )
    return [typed, boolean]


def filters_form(ids: FilterIds) -> dbc.Card:
    """Column, condition and a value input of the column's type, Add, the chips and Clear all, in one fieldset
    the page disables (with the reason as text) when the table cannot be read."""
    controls = dbc.Row(
        [
            dbc.Col(
                html.Div(
                    [dbc.Label("Column", html_for=ids.column), dbc.Select(id=ids.column, options=[])], className="mb-3"
                ),
                md=4,
            ),
            dbc.Col(
                html.Div(
                    [dbc.Label("Condition", html_for=ids.operator), dbc.Select(id=ids.operator, options=[])],
                    className="mb-3",
                ),
                md=3,
            ),
            dbc.Col(_value_field(ids), md=3),
            dbc.Col(dbc.Button("Add filter", id=ids.add, color="primary", className="mt-md-4 mb-3"), md=2),
        ]
    )
    applied = html.Div(
        [
            html.Ul(
                id=ids.chips,
                className="list-unstyled d-flex flex-wrap gap-2 mb-0 me-auto",
                **aria(live="polite", label="Applied filters"),
            ),
            dbc.Button("Clear all", id=ids.clear, size="sm", color="secondary", outline=True, disabled=True),
        ],
        className="d-flex flex-wrap align-items-center gap-2",
    )
    heading = f"{ids.form}-heading"
    return dbc.Card(
        dbc.CardBody(
            html.Fieldset(
                [
                    html.Legend("Filters", className="h6", id=heading),
                    html.P(id=ids.reason, className="small text-body-secondary mb-2"),
                    controls,
                    applied,
                ],
                id=ids.form,
                className="border-0 p-0 m-0",
                **aria(describedby=ids.reason),
            )
        ),
        className="mb-3",
    )
