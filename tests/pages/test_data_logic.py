"""The Data page's callbacks called as plain functions, and its chart builder: no browser.

The user's saved default chart (Preferences → dashboard layout) is what the page starts with: the
aggregation picker starts at the saved aggregation, and the chart is drawn as the saved chart type."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import flask
import pytest

from components.charts import aggregate_chart
from components.data_controls import OPERATOR_LABELS
from core.identity import UserIdentity
from core.request_context import user_var
from core.settings import Settings
from services import preferences
from services.warehouse import OPERATORS, ChartData, TableView

ALICE = UserIdentity("alice@example.com", "alice@example.com", "alice", None, access_token="dapi-local-alice-0001")
TRIPS = "samples.nyctaxi.trips"


@pytest.fixture
def data_page(server: flask.Flask, clean_lakebase: Any) -> Iterator[ModuleType]:
    """pages.data as the app loaded it, its callbacks run as Alice inside the app (as in a request)."""
    signed_in = user_var.set(ALICE)
    with server.app_context():
        yield importlib.import_module("pages.data")
    user_var.reset(signed_in)


def _figure_parts(figure: Any) -> tuple[Any, str]:
    graph, caption = figure.children
    return graph.figure.data[0], caption.children


def test_the_chart_starts_with_the_saved_aggregation_and_is_drawn_as_the_saved_chart_type(
    settings: Settings, data_page: ModuleType
) -> None:
    preferences.save_dashboard_layout(
        settings=settings, user=ALICE, default_page="/", page_size=25, chart_type="line", aggregation="avg"
    )
    catalogs, chosen, initial, page_size, aggregation, chart_type = data_page.start(True)
    assert "samples" in catalogs
    assert (chosen, initial) == ("samples", TRIPS)
    assert (page_size, aggregation, chart_type) == ("25", "avg", "line")

    state = TableView.open(TRIPS).to_store()
    drawn = data_page.draw_chart(1, state, "pickup_zip", "fare_amount", aggregation, chart_type)
    trace, caption = _figure_parts(drawn)
    assert (trace.type, trace.mode) == ("scatter", "lines+markers")
    assert caption.startswith("Line chart of avg(fare_amount) by pickup_zip: ")


def test_without_saved_preferences_the_chart_is_a_bar_chart_of_counts(
    settings: Settings, data_page: ModuleType
) -> None:
    *_, page_size, aggregation, chart_type = data_page.start(True)
    assert (page_size, aggregation, chart_type) == ("100", "count", "bar")
    state = TableView.open(TRIPS).to_store()
    trace, caption = _figure_parts(data_page.draw_chart(1, state, "dropoff_zip", None, "count", "bar"))
    assert trace.type == "bar"
    assert caption.startswith("Bar chart of count by dropoff_zip: ")


@pytest.mark.parametrize(
    ("chart_type", "trace_type", "mode", "words"),
    [
        ("bar", "bar", None, "Bar chart"),
        ("line", "scatter", "lines+markers", "Line chart"),
        ("scatter", "scatter", "markers", "Scatter chart"),
        ("pie", "bar", None, "Bar chart"),  # a type the app does not draw falls back to bars
    ],
)
def test_an_aggregate_is_drawn_as_the_chart_type(
    chart_type: str, trace_type: str, mode: str | None, words: str
) -> None:
    data = ChartData(
        x=[1, 2], y=[3.5, 4.5], x_column="pickup_zip", y_column="fare_amount", aggregation="max",
        sql_statement="SELECT ...", execution_time_ms=7,
    )  # fmt: skip
    trace, caption = _figure_parts(aggregate_chart(data, chart_type=chart_type, graph_id="g"))
    assert trace.type == trace_type
    assert getattr(trace, "mode", None) == mode
    assert caption == f"{words} of max(fare_amount) by pickup_zip: 2 groups, 7 ms on the warehouse."


def test_every_filter_operator_of_the_service_has_a_label() -> None:
    assert tuple(OPERATOR_LABELS) == OPERATORS
