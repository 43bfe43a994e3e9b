"""The SELECT builder as plain functions: statements and parameters, no warehouse needed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.errors import InvalidInput
from services.warehouse.charts import ChartSettings, chart_statement
from services.warehouse.sql import (
    MAX_FILTERS,
    OPERATORS,
    Filter,
    Page,
    Sort,
    TableRef,
    order_by,
    quote_identifier,
    select_count,
    select_export,
    select_page,
    typed_value,
    where,
)

TRIPS = TableRef("samples", "nyctaxi", "trips")
COLUMNS = {
    "tpep_pickup_datetime": "timestamp",
    "trip_distance": "double",
    "fare_amount": "double",
    "pickup_zip": "int",
    "note": "string",
    "day": "date",
    "paid": "boolean",
}
SELECT_ALL = "SELECT `tpep_pickup_datetime`, `trip_distance`, `fare_amount`, `pickup_zip`, `note`, `day`, `paid`"


def test_quote_identifier_wraps_in_backticks_and_doubles_a_backtick_inside() -> None:
    assert quote_identifier("fare_amount") == "`fare_amount`"
    assert quote_identifier("a`b") == "`a``b`"
    assert quote_identifier("`; DROP TABLE x; --") == "```; DROP TABLE x; --`"


def test_a_table_is_quoted_part_by_part() -> None:
    assert TRIPS.quoted == "`samples`.`nyctaxi`.`trips`"
    assert TableRef.parse("samples.nyctaxi.trips") == TRIPS
    assert TRIPS.details == {"catalog": "samples", "schema": "nyctaxi", "table": "trips"}


@pytest.mark.parametrize("name", ["trips`x", "trips'", "trips;", "trips--", "trips x", "trіps", ""])
def test_a_table_name_outside_the_pattern_is_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        TableRef("samples", "nyctaxi", name)


@pytest.mark.parametrize("full_name", ["trips", "a.b", "a.b.c.d", ""])
def test_a_table_is_named_by_three_parts(full_name: str) -> None:
    with pytest.raises(InvalidInput, match=r"catalog\.schema\.table"):
        TableRef.parse(full_name)


def test_a_page_asks_one_row_more_and_binds_nothing_without_filters() -> None:
    statement, parameters = select_page(TRIPS, COLUMNS, page=Page(limit=5, offset=10))
    assert statement == f"{SELECT_ALL} FROM `samples`.`nyctaxi`.`trips` LIMIT 6 OFFSET 10"
    assert parameters == {}


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (1001, 0), (10, -1), ("10", 0)])
def test_a_page_outside_the_limits_is_refused(limit: int, offset: int) -> None:
    with pytest.raises(InvalidInput):
        Page(limit, offset)


def test_a_sort_is_broken_by_every_other_column() -> None:
    statement, _ = select_page(TRIPS, COLUMNS, page=Page(), sort=Sort("fare_amount", "desc"))
    assert statement.endswith(
        " ORDER BY `fare_amount` DESC, `tpep_pickup_datetime` ASC, `trip_distance` ASC, `pickup_zip` ASC, "
        "`note` ASC, `day` ASC, `paid` ASC LIMIT 101 OFFSET 0"
    )
    assert order_by(None, COLUMNS) == ""


def test_a_sort_in_a_direction_other_than_asc_or_desc_is_refused() -> None:
    with pytest.raises(InvalidInput, match="asc or desc"):
        order_by(Sort("fare_amount", "sideways"), COLUMNS)  # type: ignore[arg-type]  # what a client may send


@pytest.mark.parametrize(
    ("item", "clause", "parameters"),
    [
        (Filter("fare_amount", "=", "30.5"), "`fare_amount` = :p0", {"p0": 30.5}),
        (Filter("pickup_zip", "!=", "10001"), "`pickup_zip` != :p0", {"p0": 10001}),
        (Filter("pickup_zip", "<", 10), "`pickup_zip` < :p0", {"p0": 10}),
        (Filter("trip_distance", "<=", "2"), "`trip_distance` <= :p0", {"p0": 2.0}),
        (Filter("day", ">", "2016-01-02"), "`day` > :p0", {"p0": dt.date(2016, 1, 2)}),
        (
            Filter("tpep_pickup_datetime", ">=", "2016-01-02T03:04:05"),
            "`tpep_pickup_datetime` >= :p0",
            {"p0": dt.datetime(2016, 1, 2, 3, 4, 5)},
        ),
        (Filter("paid", "=", "TRUE"), "`paid` = :p0", {"p0": True}),
        (Filter("pickup_zip", "contains", "99"), "instr(CAST(`pickup_zip` AS STRING), :p0) > 0", {"p0": "99"}),
        (
            Filter("note", "starts_with", "ab"),
            "left(CAST(`note` AS STRING), length(:p0)) = :p0",
            {"p0": "ab"},
        ),
        (Filter("note", "is_null"), "`note` IS NULL", {}),
        (Filter("note", "not_null", "ignored"), "`note` IS NOT NULL", {}),
    ],
)
def test_each_operator(item: Filter, clause: str, parameters: dict[str, Any]) -> None:
    assert where([item], COLUMNS) == (f" WHERE {clause}", parameters)


def test_every_operator_is_covered_above() -> None:
    assert set(OPERATORS) == {"=", "!=", "<", "<=", ">", ">=", "contains", "starts_with", "is_null", "not_null"}


def test_filters_are_joined_with_and_each_its_own_parameter() -> None:
    clauses, parameters = where([Filter("pickup_zip", "=", "1"), Filter("note", "contains", "x")], COLUMNS)
    assert clauses == " WHERE `pickup_zip` = :p0 AND instr(CAST(`note` AS STRING), :p1) > 0"
    assert parameters == {"p0": 1, "p1": "x"}
    assert where([], COLUMNS) == ("", {})


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ([Filter("password", "=", "x")], "no column"),
        ([Filter("fare_amount", "LIKE", "x")], "Unknown operator"),
        ([Filter("fare_amount", ">", "abc")], "not a valid double"),
        ([Filter("pickup_zip", "=", "1.5")], "not a valid int"),
        ([Filter("paid", "=", "yes")], "not a valid boolean"),
        ([Filter("day", "=", "yesterday")], "not a valid date"),
        ([Filter("note", "=", "")], "needs a value"),
        ([Filter("note", "contains", None)], "needs a value"),
        ([Filter("pickup_zip", "=", "1")] * (MAX_FILTERS + 1), "At most"),
    ],
)
def test_invalid_filters_are_refused(filters: list[Filter], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        where(filters, COLUMNS)


def test_values_are_never_spliced_into_the_statement() -> None:
    hostile = ["x' OR '1'='1", "'; DROP TABLE trips; --", "a`b", "\\' /* */"]
    for value in hostile:
        statement, parameters = select_page(TRIPS, COLUMNS, page=Page(), filters=[Filter("note", "=", value)])
        assert value not in statement
        assert parameters == {"p0": value}
    assert typed_value("1; DROP", "note", "string") == "1; DROP"


def test_a_hostile_column_name_from_the_catalog_is_quoted_safely() -> None:
    """Column names come from Unity Catalog, where a backtick is allowed: doubled, it stays inside the name."""
    hostile = "x` FROM secrets; --"
    columns = {"id": "int", hostile: "string"}
    statement, parameters = select_page(
        TRIPS, columns, page=Page(limit=1), filters=[Filter(hostile, "=", "v")], sort=Sort(hostile)
    )
    quoted = "`x`` FROM secrets; --`"
    assert statement == (
        f"SELECT `id`, {quoted} FROM `samples`.`nyctaxi`.`trips` WHERE {quoted} = :p0 "
        f"ORDER BY {quoted} ASC, `id` ASC LIMIT 2 OFFSET 0"
    )
    assert parameters == {"p0": "v"}
    chart, _, _ = chart_statement(TRIPS, columns, ChartSettings(x=hostile))
    assert f"SELECT {quoted} AS x, count(*) AS value\n" in chart


def test_a_column_the_table_lacks_is_refused_even_when_it_looks_quoted() -> None:
    with pytest.raises(InvalidInput, match="no column"):
        order_by(Sort("fare_amount` DESC; --"), COLUMNS)


def test_export_has_the_page_s_shape_with_a_row_cap() -> None:
    statement, parameters = select_export(
        TRIPS, COLUMNS, filters=[Filter("pickup_zip", "=", "10100")], sort=Sort("fare_amount"), max_rows=10
    )
    assert statement.startswith(f"{SELECT_ALL} FROM `samples`.`nyctaxi`.`trips` WHERE `pickup_zip` = :p0 ORDER BY")
    assert statement.endswith(" LIMIT 10")
    assert parameters == {"p0": 10100}
    with pytest.raises(InvalidInput):
        select_export(TRIPS, COLUMNS, max_rows=0)


def test_a_count_has_the_page_s_filters_bound_and_no_order_or_limit() -> None:
    filters = [Filter("trip_distance", ">", "10"), Filter("note", "contains", "x'; DROP")]
    statement, parameters = select_count(TRIPS, COLUMNS, filters=filters)
    assert statement == (
        "SELECT count(*) AS total FROM `samples`.`nyctaxi`.`trips` WHERE `trip_distance` > :p0"
        " AND instr(CAST(`note` AS STRING), :p1) > 0"
    )
    assert parameters == {"p0": 10.0, "p1": "x'; DROP"}
    assert select_count(TRIPS, COLUMNS) == ("SELECT count(*) AS total FROM `samples`.`nyctaxi`.`trips`", {})
    with pytest.raises(InvalidInput):
        select_count(TRIPS, COLUMNS, filters=[Filter("nope", "=", "1")])
