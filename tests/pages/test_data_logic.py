"""The Data page's callbacks called as plain functions, and its chart builder: no browser.

The user's saved default chart (Preferences → dashboard layout) is what the page starts with: the
aggregation picker starts at the saved aggregation, and the chart is drawn as the saved chart type."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

from bench.journeys import grid_request
from components.charts import aggregate_chart
from components.data_controls import OPERATOR_LABELS
from core.errors import InvalidInput
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


SCIM_ME = "orders/../../../../2.0/preview/scim/v2/Me"


def test_names_from_the_browser_are_checked_by_the_service_for_every_callback(data_page: ModuleType) -> None:
    """The pickers' values come from the browser: a tampered one is refused before Unity Catalog is asked."""
    with pytest.raises(InvalidInput) as refused:
        data_page.show_schemas("../samples", None)
    assert refused.value.technical_details["field"] == "catalog"
    with pytest.raises(InvalidInput) as refused:
        data_page.show_tables("tpch/../x", "samples", None)
    assert refused.value.technical_details["field"] == "schema"
    details, *_ = data_page.show_table(SCIM_ME, "samples", "tpch")
    assert "Invalid table name" in str(details)  # shown beside the pickers, as any service error


@pytest.mark.parametrize(
    ("store", "field"),
    [
        ({"table": TRIPS, "limit": 0, "offset": 0, "filters": [], "sort": None}, "limit"),
        ({"table": TRIPS, "limit": "5", "offset": 0, "filters": [], "sort": None}, "limit"),
        ({"table": 123, "limit": 100, "offset": 0, "filters": [], "sort": None}, "table"),
        ({"table": TRIPS, "limit": 100, "offset": 0, "filters": [], "sort": "x"}, "sort"),
        ({"table": TRIPS, "limit": 100, "offset": 2**63, "filters": [], "sort": None}, "offset"),
        ({"table": TRIPS, "limit": 100, "offset": 0, "filters": "x", "sort": None}, "filters"),
    ],
)
def test_a_tampered_store_is_invalid_input_naming_the_field(
    data_page: ModuleType, store: dict[str, Any], field: str
) -> None:
    for callback in (data_page.show_page, lambda s: data_page.draw_chart(1, s, "pickup_zip", None, "count", "bar")):
        with pytest.raises(InvalidInput) as refused:
            callback(store)
        assert refused.value.technical_details["field"] == field


def test_a_store_without_filters_or_sort_shows_its_page(data_page: ModuleType) -> None:
    _, status, label, *_ = data_page.show_page({"table": TRIPS, "limit": 10, "offset": 20})
    assert (status.startswith("Rows 21–30"), label) == (True, "Page 3")


@pytest.mark.parametrize(
    ("store", "field"),
    [
        ({"table": TRIPS, "limit": 0, "offset": 0, "filters": [], "sort": None}, "limit"),
        ({"table": TRIPS, "limit": "5", "offset": 0, "filters": [], "sort": None}, "limit"),
        ({"table": 123, "limit": 100, "offset": 0, "filters": [], "sort": None}, "table"),
        ({"table": TRIPS, "limit": 100, "offset": 0, "filters": [], "sort": "x"}, "sort"),
    ],
)
def test_a_tampered_store_posted_to_dash_is_a_banner_and_no_traceback(
    client: FlaskClient,
    headers_for: Callable[..., dict[str, str]],
    json_logs: Callable[[], list[dict[str, Any]]],
    store: dict[str, Any],
    field: str,
) -> None:
    body = grid_request(0)
    body["inputs"][0]["value"] = store
    response = client.post("/_dash-update-component", json=body, headers=headers_for())
    assert response.status_code == 200
    banner = json.dumps(response.get_json()["sideUpdate"])
    assert "INVALID_INPUT" in banner or "not valid" in banner
    logged = json_logs()
    assert not [line for line in logged if "exc_info" in line or "Traceback" in json.dumps(line)]
    warning = next(line for line in logged if "INVALID_INPUT in a callback" in line["message"])
    assert warning["technical_details"]["field"] == field
