"""The Data page's chart builders: what the figure, its caption, the card and the Show SQL panel say."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from components.charts import (
    TEMPLATES,
    chart_title,
    data_chart_caption,
    data_chart_figure,
    filter_text,
    format_value,
    measure_label,
    value_format,
)
from components.data_chart import ChartIds, chart_card, disabled_reason, sql_panel
from services.warehouse import Filter
from services.warehouse.charts import BoundParameter, ChartResult, ChartSettings, other_label
from tests.component_text import text_of


def _walk(component: Any) -> list[Any]:
    found = [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        found += _walk(child)
    return found


def _result(**changes: Any) -> ChartResult:
    zips = ["10001", "10011", "10002"]
    base = ChartResult(
        table="samples.nyctaxi.trips",
        settings=ChartSettings(x="pickup_zip", y="fare_amount", aggregation="avg", top_n=10),
        filters=(Filter("trip_distance", ">", "10"),),
        x_type="int",
        y_type="double",
        x_axis="category",
        value_kind="decimal",
        decimals=2,
        x=[*zips, other_label(275)],
        values=[61.23456, 55.5, 41.99614, 12.345],
        other_groups=275,
        group_count=278,
        statement="WITH grouped AS (...) SELECT ...",
        parameters=(BoundParameter("p0", "10.0", "DOUBLE"), BoundParameter("top_n", "10", "INT")),
        execution_time_ms=1234,
    )
    return replace(base, **changes)


def test_the_title_names_the_measure_the_axis_and_the_filters() -> None:
    assert chart_title(_result()) == "Average fare_amount by pickup_zip · trip_distance > 10"
    assert chart_title(_result(filters=())) == "Average fare_amount by pickup_zip"
    counted = _result(settings=ChartSettings(x="pickup_zip"), filters=())
    assert chart_title(counted) == "Count of rows by pickup_zip"
    assert measure_label("max", "fare_amount") == "Maximum fare_amount"
    said = filter_text(
        [Filter("o_clerk", "contains", "Clerk#1"), Filter("dropoff_zip", "is_null"), Filter("fare_amount", "<=", 5)]
    )
    assert said == 'o_clerk contains "Clerk#1", dropoff_zip is empty, fare_amount <= 5'


def test_zips_are_categories_in_the_order_computed_with_other_hatched() -> None:
    figure = data_chart_figure(_result())
    assert figure.layout.xaxis.type == "category"
    assert list(figure.layout.xaxis.categoryarray) == ["10001", "10011", "10002", "Other (275 groups)"]
    bar = figure.data[0]
    assert list(bar.x) == list(figure.layout.xaxis.categoryarray)
    assert list(bar.marker.pattern.shape) == ["", "", "", "/"]
    assert figure.layout.title.text == "Average fare_amount by pickup_zip · trip_distance > 10"


def test_values_are_formatted_by_type_in_hovers_and_axes() -> None:
    money = data_chart_figure(_result())
    assert "%{y:,.2f}" in money.data[0].hovertemplate
    assert money.layout.yaxis.tickformat == ",.2~f"
    counts = data_chart_figure(_result(value_kind="integer", decimals=0, settings=ChartSettings(x="pickup_zip")))
    assert "%{y:,d}" in counts.data[0].hovertemplate
    assert counts.layout.yaxis.tickformat == ",d"
    days = data_chart_figure(_result(x_axis="time", x=["2016-01-01", "2016-01-02"], values=[3, 4], other_groups=0))
    assert days.layout.xaxis.type == "date"
    assert "%{x|%a %d %b %Y}" in days.data[0].hovertemplate
    assert format_value(41.99614, "decimal", 2) == "42.00"
    assert format_value(1234.5, "decimal", 2) == "1,234.50"
    assert format_value(15364, "integer", 0) == "15,364"
    assert value_format("decimal", 3) == ",.3f"


@pytest.mark.parametrize("chart_type", ["line", "scatter"])
def test_the_chart_type_is_drawn(chart_type: str) -> None:
    figure = data_chart_figure(_result(settings=ChartSettings(x="pickup_zip", chart_type=chart_type)))
    assert figure.data[0].type == "scatter"
    assert figure.data[0].mode == ("lines+markers" if chart_type == "line" else "markers")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_figure_follows_the_theme(theme: str) -> None:
    figure = data_chart_figure(_result(), theme=theme)
    assert figure.layout.template == TEMPLATES[theme]  # type: ignore[index]
    assert figure.layout.paper_bgcolor is None  # the template's transparent background shows the card


def test_a_long_title_puts_its_filters_on_a_second_line() -> None:
    filters = tuple(Filter(f"column_{i}", ">", str(i)) for i in range(6))
    title = data_chart_figure(_result(filters=filters)).layout.title.text
    assert title.startswith("Average fare_amount by pickup_zip<br><sup>column_0 > 0")


def test_the_caption_says_the_chart_in_words() -> None:
    caption = data_chart_caption(_result())
    assert caption == (
        "Bar chart of Average fare_amount by pickup_zip · trip_distance > 10: 3 of 278 groups, largest 10001 at "
        "61.23; the other 275 groups together 12.35. 1,234 ms on the warehouse."
    )
    assert data_chart_caption(_result(x=[], values=[], other_groups=0)).endswith("no rows match.")


def test_show_sql_lists_the_statement_and_its_parameters_apart() -> None:
    panel = sql_panel("SELECT 1 WHERE x > :p0", [BoundParameter("p0", "10.0", "DOUBLE")], elapsed_ms=12)
    assert panel.children[0].children == "Show SQL"
    codes = [c.children for c in _walk(panel) if type(c).__name__ == "Code"]
    assert codes == ["SELECT 1 WHERE x > :p0", ":p0", "10.0"]
    assert "DOUBLE" in text_of(panel)
    assert "No parameters." in text_of(sql_panel("SELECT 1", [], elapsed_ms=1))


def test_the_card_labels_every_control() -> None:
    ids = ChartIds(*(f"c-{n}" for n in range(12)))
    card = chart_card(ids)
    labels = {c.html_for for c in _walk(card) if type(c).__name__ == "Label"}
    assert {ids.x, ids.y, ids.aggregation, ids.chart_type, ids.top_n} <= labels


def test_the_reason_the_chart_is_off() -> None:
    assert disabled_reason(None) == "Open a table to chart it."
    assert disabled_reason({"full_name": "samples.nyctaxi.trips", "readable": True}) is None
    bob = disabled_reason({"full_name": "samples.tpch.orders", "readable": False, "owner": "data-team"})
    assert bob is not None
    assert "samples.tpch.orders" in bob
    assert "data-team" in bob
