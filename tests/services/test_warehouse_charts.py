"""The Data page's chart on the local SQL warehouse, through the real connector: one statement, the top N
groups and "Other" computed there, equal to the same question asked of DuckDB directly."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import CatalogPermissionDenied, InvalidInput
from core.settings import Settings
from local_workspace.warehouse import LocalWarehouse
from services.warehouse import Filter, TableView
from services.warehouse.charts import (
    DEFAULT_TOP_N,
    ChartSettings,
    chart_statement,
    other_label,
    run_chart,
    value_kind_of,
    x_axis_of,
)
from services.warehouse.sql import TableRef
from tests.services.test_warehouse import ALICE, BOB, duck

TRIPS = "samples.nyctaxi.trips"
LONG_TRIPS = (Filter("trip_distance", ">", "10"),)


def _chart(**settings: Any) -> ChartSettings:
    return ChartSettings(**settings)


def test_average_fare_by_zip_is_ranked_with_the_rest_as_other(
    settings: Settings, local_warehouse: LocalWarehouse
) -> None:
    view = TableView(TRIPS, filters=LONG_TRIPS)
    chart = _chart(x="pickup_zip", y="fare_amount", aggregation="avg", top_n=10)
    result = run_chart(settings=settings, user=ALICE, view=view, chart=chart)

    groups = duck(
        local_warehouse,
        "SELECT pickup_zip, avg(fare_amount), sum(fare_amount), count(fare_amount) FROM samples.nyctaxi.trips "
        "WHERE trip_distance > 10 GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    top, rest = groups[:10], groups[10:]
    assert result.x_axis == "category"
    assert result.x[:10] == [str(zip_code) for zip_code, *_ in top]
    assert result.values[:10] == pytest.approx([average for _, average, *_ in top])
    # "Other" is the average over the rows of the remaining groups, not the average of their averages.
    assert result.x[10] == other_label(len(rest)) == f"Other ({len(rest)} groups)"
    assert result.values[10] == pytest.approx(sum(s for *_, s, _ in rest) / sum(c for *_, c in rest))
    assert result.values[10] != pytest.approx(sum(a for _, a, *_ in rest) / len(rest))
    assert (result.other_groups, result.group_count) == (len(rest), len(groups))
    assert result.values[:10] == sorted(result.values[:10], reverse=True)
    assert (result.value_kind, result.decimals) == ("decimal", 2)


def test_counts_of_the_top_and_other_add_up_to_the_filtered_rows(
    settings: Settings, local_warehouse: LocalWarehouse
) -> None:
    view = TableView(TRIPS, filters=LONG_TRIPS)
    result = run_chart(settings=settings, user=ALICE, view=view, chart=_chart(x="dropoff_zip"))
    total = duck(local_warehouse, "SELECT count(*) FROM samples.nyctaxi.trips WHERE trip_distance > 10")[0][0]
    assert sum(result.values) == total
    assert len(result.x) == DEFAULT_TOP_N + 1
    assert result.value_kind == "integer"


@pytest.mark.parametrize(("aggregation", "combine"), [("max", max), ("min", min), ("sum", sum)])
def test_other_holds_the_aggregate_over_the_remaining_groups(
    settings: Settings, local_warehouse: LocalWarehouse, aggregation: str, combine: Any
) -> None:
    chart = _chart(x="pickup_zip", y="trip_distance", aggregation=aggregation, top_n=50)
    result = run_chart(settings=settings, user=ALICE, view=TableView(TRIPS), chart=chart)
    groups = duck(
        local_warehouse,
        f"SELECT pickup_zip, {aggregation}(trip_distance) FROM samples.nyctaxi.trips GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    assert result.x[:50] == [str(zip_code) for zip_code, _ in groups[:50]]
    assert result.values[50] == pytest.approx(combine(value for _, value in groups[50:]))


def test_few_groups_have_no_other(settings: Settings, local_warehouse: LocalWarehouse) -> None:
    chart = _chart(x="o_orderstatus", y="o_totalprice", aggregation="sum")
    result = run_chart(settings=settings, user=ALICE, view=TableView("samples.tpch.orders"), chart=chart)
    truth = duck(
        local_warehouse, "SELECT o_orderstatus, sum(o_totalprice) FROM samples.tpch.orders GROUP BY 1 ORDER BY 2 DESC"
    )
    assert result.x == [status for status, _ in truth]
    assert result.values == pytest.approx([float(total) for _, total in truth])
    assert result.other_groups == 0
    assert (result.value_kind, result.decimals) == ("decimal", 2)


def test_a_timestamp_axis_is_days_in_order(settings: Settings, local_warehouse: LocalWarehouse) -> None:
    result = run_chart(
        settings=settings, user=ALICE, view=TableView(TRIPS), chart=_chart(x="tpep_pickup_datetime", top_n=10)
    )
    truth = duck(
        local_warehouse,
        "SELECT date_trunc('day', tpep_pickup_datetime), count(*) FROM samples.nyctaxi.trips GROUP BY 1 ORDER BY 1",
    )
    assert result.x_axis == "time"
    assert result.x == [day.date().isoformat() for day, _ in truth]
    assert result.values == [count for _, count in truth]
    assert not result.truncated


def test_a_number_axis_keeps_its_first_groups_and_says_so(settings: Settings, local_warehouse: LocalWarehouse) -> None:
    result = run_chart(settings=settings, user=ALICE, view=TableView(TRIPS), chart=_chart(x="fare_amount"))
    distinct = duck(local_warehouse, "SELECT count(DISTINCT fare_amount) FROM samples.nyctaxi.trips")[0][0]
    assert result.x_axis == "number"
    assert result.x == sorted(result.x)
    assert result.group_count == distinct
    assert result.truncated == (distinct > len(result.x))


def test_values_are_bound_never_written_into_the_statement(settings: Settings) -> None:
    view = TableView(TRIPS, filters=(Filter("trip_distance", ">", "12.75"), Filter("pickup_zip", "=", "10001")))
    result = run_chart(settings=settings, user=ALICE, view=view, chart=_chart(x="pickup_zip", top_n=50))
    assert "12.75" not in result.statement
    assert "10001" not in result.statement
    assert " 50" not in result.statement
    shown = [(p.name, p.value, p.sql_type) for p in result.parameters]
    assert shown == [("p0", "12.75", "DOUBLE"), ("p1", "10001", "INT"), ("top_n", "50", "INT")]


def test_bob_may_not_chart_a_table_he_may_only_browse(settings: Settings) -> None:
    with pytest.raises(CatalogPermissionDenied):
        run_chart(settings=settings, user=BOB, view=TableView("samples.tpch.orders"), chart=_chart(x="o_orderstatus"))


@pytest.mark.parametrize(
    ("stored", "field"),
    [
        ({"x": "pickup_zip", "top_n": 7}, "chart.top_n"),
        ({"x": "pickup_zip", "top_n": "lots"}, "chart.top_n"),
        ({"x": "pickup_zip", "chart_type": "pie"}, "chart.chart_type"),
        ({"x": "pickup_zip", "aggregation": "median"}, "chart.aggregation"),
        ({"x": ["pickup_zip"]}, "chart.x"),
        ({"x": "pickup_zip", "colour": "red"}, "chart.settings"),
        ("x=pickup_zip", "chart.settings"),
    ],
)
def test_settings_from_the_url_are_checked(stored: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        ChartSettings.from_store(stored)
    assert refused.value.technical_details == {"field": field}


def test_settings_start_from_the_saved_defaults() -> None:
    assert ChartSettings.from_store(None, aggregation="avg", chart_type="line") == ChartSettings(
        aggregation="avg", chart_type="line"
    )
    stored = {"x": "pickup_zip", "y": "fare_amount", "aggregation": "max", "chart_type": "scatter", "top_n": "50"}
    chart = ChartSettings.from_store(stored, aggregation="avg", chart_type="line")
    assert chart.to_store() == stored | {"top_n": 50}
    partial = ChartSettings.from_store({"x": "pickup_zip"}, aggregation="avg", chart_type="line")
    assert (partial.aggregation, partial.chart_type, partial.top_n) == ("avg", "line", DEFAULT_TOP_N)


def test_statement_refuses_unknown_columns_and_sums_of_text() -> None:
    table, columns = TableRef("samples", "tpch", "orders"), {"o_orderstatus": "string", "o_totalprice": "decimal(18,2)"}
    with pytest.raises(InvalidInput):
        chart_statement(table, columns, _chart(x="nope"))
    with pytest.raises(InvalidInput):
        chart_statement(table, columns, _chart(x="o_orderstatus", y="o_orderstatus", aggregation="sum"))
    with pytest.raises(InvalidInput):
        chart_statement(table, columns, _chart(x="o_orderstatus", aggregation="avg"))
    with pytest.raises(InvalidInput):
        chart_statement(table, columns, _chart())


@pytest.mark.parametrize(
    ("name", "kind", "axis"),
    [
        ("pickup_zip", "int", "category"),
        ("o_orderkey", "bigint", "category"),
        ("o_orderstatus", "string", "category"),
        ("is_active", "boolean", "category"),
        ("passenger_count", "int", "category"),
        ("ZipCode", "double", "category"),
        ("account_id", "decimal(20,0)", "category"),
        ("trip_distance", "double", "number"),
        ("o_totalprice", "decimal(18,2)", "number"),
        ("tpep_pickup_datetime", "timestamp", "time"),
        ("o_orderdate", "date", "time"),
    ],
)
def test_which_columns_are_categories(name: str, kind: str, axis: str) -> None:
    assert x_axis_of(name, kind) == axis


@pytest.mark.parametrize(
    ("aggregation", "y_kind", "kind"),
    [
        ("count", None, ("integer", 0)),
        ("sum", "int", ("integer", 0)),
        ("avg", "int", ("decimal", 2)),
        ("avg", "decimal(18,4)", ("decimal", 2)),
        ("max", "decimal(18,3)", ("decimal", 3)),
        ("sum", "double", ("decimal", 2)),
        ("min", "timestamp", ("time", 0)),
        ("max", "string", ("text", 0)),
    ],
)
def test_value_kinds(aggregation: str, y_kind: str | None, kind: tuple[str, int]) -> None:
    assert value_kind_of(aggregation, y_kind) == kind
