"""The Data page's state as a typed value: its transitions are plain functions, tested without a browser."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest

from core.errors import InvalidInput
from core.limits import MAX_OFFSET
from services.warehouse.sql import Filter, Sort, TableRef
from services.warehouse.views import TableView, from_query, page_size_of, preselect, to_query, view_key

TRIPS = "samples.nyctaxi.trips"


def test_a_table_opens_on_its_first_page_unfiltered_and_unsorted() -> None:
    view = TableView.open(TRIPS, 25)
    assert (view.table, view.limit, view.offset, view.filters, view.sort) == (TRIPS, 25, 0, (), None)
    assert view.token
    assert view.page_number == 1
    assert view.table_ref == TableRef("samples", "nyctaxi", "trips")


def test_pages_move_by_the_page_size_and_never_before_the_first() -> None:
    view = TableView.open(TRIPS, 100)
    second = view.next_page()
    assert (second.offset, second.page_number) == (100, 2)
    assert second.previous_page().offset == 0
    assert view.previous_page().offset == 0


def test_every_transition_gives_a_new_token_and_leaves_the_view_unchanged() -> None:
    view = TableView.open(TRIPS)
    before = view.to_store()
    moved = [
        view.next_page(),
        view.previous_page(),
        view.with_page_size(25),
        view.with_sort_toggled("fare_amount"),
        view.with_filter("pickup_zip", "=", "10042"),
        view.without_filter(0),
    ]
    tokens = {view.token, *(m.token for m in moved)}
    assert len(tokens) == len(moved) + 1  # each query its own token, so Cancel stops that one only
    assert view.to_store() == before
    with pytest.raises(AttributeError):
        view.offset = 5  # type: ignore[misc]  # a frozen dataclass


def test_a_new_page_size_starts_again_at_the_first_page() -> None:
    view = TableView.open(TRIPS).next_page().next_page().with_page_size(25)
    assert (view.limit, view.offset) == (25, 0)


def test_sorting_toggles_ascending_and_descending_and_starts_at_the_first_page() -> None:
    view = TableView.open(TRIPS).next_page()
    first = view.with_sort_toggled("fare_amount")
    assert (first.sort, first.offset) == (Sort("fare_amount", "asc"), 0)
    assert first.with_sort_toggled("fare_amount").sort == Sort("fare_amount", "desc")
    assert first.with_sort_toggled("fare_amount").with_sort_toggled("fare_amount").sort == Sort("fare_amount", "asc")
    assert first.with_sort_toggled("pickup_zip").sort == Sort("pickup_zip", "asc")


def test_filters_are_added_and_removed_by_position() -> None:
    view = TableView.open(TRIPS).next_page().with_filter("pickup_zip", "=", "10042")
    assert (view.filters, view.offset) == ((Filter("pickup_zip", "=", "10042"),), 0)
    both = view.with_filter("dropoff_zip", "is_null", "ignored").with_filter("fare_amount", ">", None)
    assert both.filters[1] == Filter("dropoff_zip", "is_null", None)  # takes no value
    assert both.filters[2] == Filter("fare_amount", ">", "")  # the service says it needs one
    assert both.next_page().without_filter(1).filters == (both.filters[0], both.filters[2])
    assert both.next_page().without_filter(1).offset == 0


def test_the_store_holds_the_view_as_plain_json_and_gives_it_back() -> None:
    view = TableView.open(TRIPS, 50).next_page().with_filter("pickup_zip", "=", "1").with_sort_toggled("fare_amount")
    stored = view.to_store()
    assert json.loads(json.dumps(stored)) == stored
    assert stored == {
        "table": TRIPS,
        "limit": 50,
        "offset": 0,
        "filters": [{"column": "pickup_zip", "operator": "=", "value": "1"}],
        "sort": {"column": "fare_amount", "direction": "asc"},
        "token": view.token,
    }
    assert TableView.from_store(stored) == view
    assert TableView.from_store(None) is None
    assert TableView.from_store({"table": None}) is None


def test_a_view_stored_without_a_token_runs_without_one() -> None:
    """What the benchmark posts: the grid callback's state with no token (its query cannot be cancelled)."""
    view = TableView.from_store({"table": TRIPS, "limit": 100, "offset": 200, "filters": [], "sort": None})
    assert view is not None
    assert (view.offset, view.token, view.page_number) == (200, None, 3)


def test_the_export_query_names_the_table_filters_and_sort() -> None:
    view = TableView.open(TRIPS).with_filter("pickup_zip", "=", "10042")
    assert view.export_query() == {
        "catalog": "samples",
        "schema": "nyctaxi",
        "table": "trips",
        "filters": json.dumps([{"column": "pickup_zip", "operator": "=", "value": "10042"}]),
    }
    sorted_view = view.with_sort_toggled("fare_amount").with_sort_toggled("fare_amount")
    assert sorted_view.export_query()["sort_column"] == "fare_amount"
    assert sorted_view.export_query()["sort_direction"] == "desc"


@pytest.mark.parametrize(
    ("names", "remembered", "part", "chosen"),
    [
        (["main", "samples"], "samples.tpch.orders", 0, "samples"),
        (["nyctaxi", "tpch"], "samples.tpch.orders", 1, "tpch"),
        (["customer", "orders"], "samples.tpch.orders", 2, "orders"),
        (["customer"], "samples.tpch.orders", 2, "customer"),
        (["a", "b"], None, 0, "a"),
        ([], "samples.tpch.orders", 1, None),
        (["x"], "not-a-table-name", 0, "x"),
    ],
)
def test_preselect_chooses_the_remembered_part_or_the_first(
    names: list[str], remembered: str | None, part: int, chosen: str | None
) -> None:
    assert preselect(names, remembered, part) == chosen


@pytest.mark.parametrize(
    ("store", "field"),
    [
        ({"table": TRIPS, "limit": 0}, "limit"),
        ({"table": TRIPS, "limit": "5"}, "limit"),
        ({"table": TRIPS, "limit": True}, "limit"),
        ({"table": TRIPS, "limit": 1001}, "limit"),
        ({"table": TRIPS, "limit": 2.5}, "limit"),
        ({"table": TRIPS, "offset": -1}, "offset"),
        ({"table": TRIPS, "offset": "0"}, "offset"),
        ({"table": TRIPS, "offset": 2**63}, "offset"),
        ({"table": TRIPS, "offset": MAX_OFFSET + 1}, "offset"),
        ({"table": 123}, "table"),
        ({"table": ["samples", "nyctaxi", "trips"]}, "table"),
        ({"table": "samples.nyctaxi"}, "table"),
        ({"table": "samples.tpch.orders/../../../../2.0/preview/scim/v2/Me"}, "table"),
        ({"table": "samples.nyctaxi.trіps"}, "table"),
        ({"table": TRIPS, "sort": "x"}, "sort"),
        ({"table": TRIPS, "sort": {"column": "fare_amount"}}, "sort"),
        ({"table": TRIPS, "sort": {"column": "fare_amount", "direction": "sideways"}}, "sort"),
        ({"table": TRIPS, "sort": {"column": 5, "direction": "asc"}}, "sort"),
        ({"table": TRIPS, "sort": {"column": "fare_amount", "direction": "asc", "sql": "x"}}, "sort"),
        ({"table": TRIPS, "filters": "x"}, "filters"),
        ({"table": TRIPS, "filters": {"column": "pickup_zip"}}, "filters"),
        ({"table": TRIPS, "filters": ["x"]}, "filters"),
        ({"table": TRIPS, "filters": [{"column": "pickup_zip"}]}, "filters"),
        ({"table": TRIPS, "filters": [{"column": ["pickup_zip"], "operator": "=", "value": 1}]}, "filters"),
        ({"table": TRIPS, "filters": [{"column": "pickup_zip", "operator": "LIKE", "value": "1"}]}, "filters"),
        ({"table": TRIPS, "filters": [{"column": "pickup_zip", "operator": "=", "value": {"a": 1}}]}, "filters"),
        ({"table": TRIPS, "filters": [{"column": "pickup_zip", "operator": "=", "value": 1}] * 21}, "filters"),
        ({"table": TRIPS, "token": 5}, "token"),
        ({"table": TRIPS, "token": "x" * 65}, "token"),
        ({"table": TRIPS, "token": "../x"}, "token"),
        ("samples.nyctaxi.trips", "state"),
        ([TRIPS], "state"),
    ],
)
def test_a_tampered_store_is_refused_naming_the_field(store: Any, field: str) -> None:
    """The browser holds the store and may send it back altered: each field is checked, none is trusted."""
    with pytest.raises(InvalidInput) as refused:
        TableView.from_store(store)
    assert refused.value.technical_details["field"] == field
    assert refused.value.status == 400


def test_views_built_in_code_are_checked_too() -> None:
    with pytest.raises(InvalidInput, match="offset"):
        TableView.open(TRIPS).with_page_size(10)._next(offset=MAX_OFFSET + 1)
    with pytest.raises(InvalidInput) as refused:
        TableView.open("samples.nyctaxi.trips/../x")
    assert refused.value.technical_details["field"] == "table"
    assert TableView.from_store({"table": TRIPS, "filters": None, "sort": None}) == TableView(TRIPS, token=None)


@pytest.mark.parametrize(("value", "size"), [(None, 100), ("25", 25), ("1000", 1000), (50, 50)])
def test_a_page_size_from_the_picker_is_a_number_of_rows(value: Any, size: int) -> None:
    assert page_size_of(value) == size


@pytest.mark.parametrize("value", ["abc", "0", "1001", "-5", "1e3", True, [25], 2.5])
def test_a_tampered_page_size_is_refused(value: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        page_size_of(value)
    assert refused.value.technical_details["field"] == "page_size"


def _parsed(query: str) -> dict[str, Any]:
    """A query string as Dash pages hands it to layout(**query): one value, or a list for a repeated key."""
    return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(query, keep_blank_values=True).items()}


def test_a_view_and_its_chart_go_into_a_readable_query_string_and_come_back() -> None:
    view = TableView(
        TRIPS,
        limit=25,
        filters=(
            Filter("trip_distance", ">", "10"),
            Filter("odd.na`me", "contains", "a.b&c=d"),
            Filter("x", "is_null"),
        ),
        sort=Sort("fare_amount", "desc"),
    )
    chart = {"x": "pickup_zip", "y": "fare_amount", "aggregation": "avg", "chart_type": "bar", "top_n": 20}
    query = to_query(view, chart)
    assert query.startswith(f"table={TRIPS}&size=25&sort=fare_amount.desc&filter=trip_distance.gt.10&")
    back, chart_back = from_query(_parsed(query))
    assert back is not None
    assert (back.table, back.limit, back.filters, back.sort) == (view.table, 25, view.filters, view.sort)
    assert chart_back == chart
    assert to_query(back, chart_back) == query
    assert from_query({}) == (None, None)
    assert to_query(None) == ""


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("table=samples.nyctaxi", "table"),
        ("table=samples.nyctaxi.trips&table=samples.tpch.orders", "table"),
        ("table=a.b.c%3BDROP", "table"),
        ("table=samples.nyctaxi.trips&size=0", "page_size"),
        ("table=samples.nyctaxi.trips&size=abc", "page_size"),
        ("table=samples.nyctaxi.trips&sort=fare_amount", "sort"),
        ("table=samples.nyctaxi.trips&sort=fare_amount.up", "sort"),
        ("table=samples.nyctaxi.trips&filter=fare_amount.like.1", "filter"),
        ("table=samples.nyctaxi.trips&filter=%60open.eq.1", "filter"),
        ("table=samples.nyctaxi.trips&" + "&".join(["filter=a.eq.1"] * 21), "filter"),
        ("table=samples.nyctaxi.trips&chart=%5B1%5D", "chart"),
        ("table=samples.nyctaxi.trips&chart=%7Bnot%20json", "chart"),
        ("table=samples.nyctaxi.trips&chart=" + "x" * 3000, "chart"),
    ],
)
def test_a_broken_or_hostile_link_is_invalid_input_naming_the_field(query: str, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        from_query(_parsed(query))
    assert refused.value.technical_details["field"] == field


def test_a_block_of_rows_keeps_the_token_and_takes_the_grid_s_sort() -> None:
    view = TableView(TRIPS, limit=100, sort=Sort("pickup_zip", "asc"))
    block = view.for_rows(200, 300, [{"colId": "fare_amount", "sort": "desc"}])
    assert (block.offset, block.limit, block.sort, block.token) == (200, 100, Sort("fare_amount", "desc"), view.token)
    assert view.for_rows(0, 100).sort == view.sort  # no sort model: the view's own
    assert view.for_rows(0, 100, []).sort is None  # an empty one: the grid was unsorted
    for start, end in ((-1, 10), (10, 10), (0, 1001), (True, 5)):
        with pytest.raises(InvalidInput):
            view.for_rows(start, end)


def test_the_grid_s_key_ignores_sort_and_token_but_not_filters_or_page_size() -> None:
    view = TableView.open(TRIPS)
    assert view_key(view) == view_key(view.with_sort_toggled("fare_amount"))
    assert view_key(view) != view_key(view.with_filter("pickup_zip", "=", "10001"))
    assert view_key(view) != view_key(view.with_page_size(25))
    assert view_key(view, page_size=False) == view_key(view.with_page_size(25), page_size=False)
