"""Filters by column type: the operators each Unity Catalog type offers, and values checked and converted to
what the SQL builder binds, before a filter joins a view."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.errors import InvalidInput
from services.warehouse import sql
from services.warehouse.filter_values import (
    kind_of,
    operators_for,
    parse_value,
    parsed_filter,
    shown_value,
    value_input,
)
from services.warehouse.views import TableView

TRIPS = {
    "tpep_pickup_datetime": "timestamp",
    "trip_distance": "double",
    "fare_amount": "double",
    "pickup_zip": "int",
}


@pytest.mark.parametrize(
    ("data_type", "kind"),
    [
        ("string", "string"),
        ("varchar(20)", "string"),
        ("char(1)", "string"),
        ("tinyint", "integer"),
        ("smallint", "integer"),
        ("int", "integer"),
        ("bigint", "integer"),
        ("decimal(18,2)", "decimal"),
        ("DECIMAL(10, 0)", "decimal"),
        ("float", "float"),
        ("double", "float"),
        ("boolean", "boolean"),
        ("date", "date"),
        ("timestamp", "timestamp"),
        ("timestamp_ntz", "timestamp_ntz"),
        ("binary", "other"),
        ("array<int>", "other"),
        ("map<string,int>", "other"),
        ("struct<a:int,b:string>", "other"),
        ("interval day to second", "other"),
        ("variant", "other"),
        ("", "other"),
    ],
)
def test_each_unity_catalog_type_filters_as_its_kind(data_type: str, kind: str) -> None:
    assert kind_of(data_type) == kind


def test_operators_follow_the_type() -> None:
    assert operators_for("string") == ("=", "!=", "contains", "starts_with", "is_null", "not_null")
    comparisons = ("=", "!=", "<", "<=", ">", ">=", "is_null", "not_null")
    for data_type in ("bigint", "double", "decimal(10,2)", "date", "timestamp", "timestamp_ntz"):
        assert operators_for(data_type) == comparisons
    assert operators_for("boolean") == ("=", "is_null", "not_null")
    for data_type in ("binary", "array<string>", "map<string,int>", "struct<a:int>"):
        assert operators_for(data_type) == ("is_null", "not_null")
    assert set(operators_for("string")) <= set(sql.OPERATORS)


def test_the_value_input_follows_the_type() -> None:
    assert value_input("int", ">") == value_input("int", "=")
    assert (value_input("int", ">").kind, value_input("int", ">").step) == ("number", "1")
    assert (value_input("tinyint", "=").minimum, value_input("tinyint", "=").maximum) == (-128, 127)
    assert value_input("decimal(18,2)", ">").step == "0.01"
    assert value_input("decimal(10,0)", ">").step == "1"
    assert value_input("double", ">").step == "any"
    assert value_input("date", "<").kind == "date"
    assert value_input("timestamp", ">=").kind == "datetime"
    assert value_input("boolean", "=").kind == "boolean"
    assert value_input("string", "contains").kind == "text"
    assert value_input("double", "is_null").kind == "none"
    assert value_input("array<int>", "not_null").kind == "none"


@pytest.mark.parametrize(
    ("raw", "data_type", "stored"),
    [
        ("10", "double", 10.0),
        (10, "double", 10.0),
        (2.5, "float", 2.5),
        ("0", "double", 0.0),
        ("10042", "int", 10042),
        (7, "bigint", 7),
        ("10.0", "int", 10),
        ("1000.50", "decimal(18,2)", "1000.50"),
        ("true", "boolean", True),
        ("false", "boolean", False),
        ("2016-01-05", "date", "2016-01-05"),
        ("2016-01-05T08:00", "timestamp_ntz", "2016-01-05T08:00:00"),
        ("F", "string", "F"),
        (" a b ", "string", " a b "),
    ],
)
def test_a_valid_value_is_stored_in_the_columns_type(raw: Any, data_type: str, stored: Any) -> None:
    value = parse_value(raw, column="c", data_type=data_type, operator="=")
    assert value == stored
    assert type(value) is type(stored)


@pytest.mark.parametrize(
    ("raw", "data_type", "reason"),
    [
        ("ten", "double", "'ten' is not a number"),
        ("", "double", "Enter a number"),
        (None, "int", "Enter a whole number"),
        ("nan", "double", "finite"),
        ("1e400", "double", "too large"),
        ("10.5", "int", "whole numbers: 10.5 is not one"),
        ("128", "tinyint", "from -128 to 127"),
        (str(2**63), "bigint", "from -9,223,372,036,854,775,808"),
        ("yes", "boolean", "true or false"),
        ("2016-13-01", "date", "enter a date"),
        ("Jan 5", "timestamp", "enter a date and a time"),
        ("   ", "string", "Enter a value"),
        ("x" * 1001, "string", "At most 1000"),
    ],
)
def test_a_bad_value_is_refused_with_the_reason(raw: Any, data_type: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_value(raw, column="c", data_type=data_type, operator="=")
    assert reason in refused.value.message
    assert refused.value.technical_details["field"] == "value"


def test_an_operator_the_type_does_not_offer_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_value("a", column="tags", data_type="array<string>", operator="contains")
    assert refused.value.technical_details["field"] == "operator"
    with pytest.raises(InvalidInput):
        parse_value("10", column="fare_amount", data_type="double", operator="starts_with")


def test_is_empty_takes_no_value() -> None:
    assert parse_value("ignored", column="c", data_type="double", operator="is_null") is None
    assert parse_value(None, column="c", data_type="map<string,int>", operator="not_null") is None


def test_a_timestamp_is_the_users_wall_clock_time_stored_in_utc() -> None:
    winter = parse_value(
        "2016-01-05T08:00", column="t", data_type="timestamp", operator=">=", time_zone="America/New_York"
    )
    assert winter == "2016-01-05T13:00:00"
    summer = parse_value(
        "2016-07-05T08:00", column="t", data_type="timestamp", operator=">=", time_zone="America/New_York"
    )
    assert summer == "2016-07-05T12:00:00"  # daylight saving time: UTC-4
    assert parse_value("2016-01-05T08:00:30", column="t", data_type="timestamp", operator="<", time_zone="UTC") == (
        "2016-01-05T08:00:30"
    )
    # No zone, or one unknown here: UTC, the warehouse's session time zone.
    for zone in (None, "", "Mars/Olympus_Mons"):
        assert parse_value("2016-01-05T08:00", column="t", data_type="timestamp", operator="=", time_zone=zone) == (
            "2016-01-05T08:00:00"
        )
    # A TIMESTAMP_NTZ has no zone: kept as typed.
    ntz = parse_value("2016-01-05T08:00", column="t", data_type="timestamp_ntz", operator="=", time_zone="Asia/Tokyo")
    assert ntz == "2016-01-05T08:00:00"


def test_a_stored_value_reads_as_the_user_entered_it() -> None:
    assert shown_value("2016-01-05T13:00:00", data_type="timestamp", time_zone="America/New_York") == "2016-01-05 08:00"
    assert shown_value("2016-01-05T13:00:30", data_type="timestamp", time_zone="UTC") == "2016-01-05 13:00:30"
    assert shown_value("2016-01-05T08:00:00", data_type="timestamp_ntz", time_zone="Asia/Tokyo") == "2016-01-05 08:00"
    assert shown_value(10.0, data_type="double") == "10"
    assert shown_value("10.0", data_type="double") == "10"  # as a link gives it back
    assert shown_value(2.5, data_type="double") == "2.5"
    assert shown_value("1000.50", data_type="decimal(18,2)") == "1000.50"
    assert shown_value(True, data_type="boolean") == "true"
    assert shown_value(None, data_type="string") == ""
    assert shown_value("not a time", data_type="timestamp") == "not a time"


def test_what_is_stored_is_what_the_sql_builder_binds_and_the_view_keeps() -> None:
    items = [
        parsed_filter("10", column="trip_distance", columns=TRIPS, operator=">"),
        parsed_filter("0", column="fare_amount", columns=TRIPS, operator="="),
        parsed_filter("10042", column="pickup_zip", columns=TRIPS, operator="="),
        parsed_filter(
            "2016-01-05T08:00",
            column="tpep_pickup_datetime",
            columns=TRIPS,
            operator=">=",
            time_zone="America/New_York",
        ),
        parsed_filter(None, column="fare_amount", columns=TRIPS, operator="not_null"),
    ]
    view = TableView(table="samples.nyctaxi.trips", filters=tuple(items))
    again = TableView.from_store(view.to_store())
    assert again is not None
    assert again.filters == view.filters
    clause, parameters = sql.where(again.filters, TRIPS)
    assert clause.count(" AND ") == 4
    assert parameters == {
        "p0": 10.0,
        "p1": 0.0,
        "p2": 10042,
        "p3": dt.datetime(2016, 1, 5, 13, 0),
    }


def test_a_column_the_table_does_not_have_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        parsed_filter("1", column="nope", columns=TRIPS, operator="=")
    assert refused.value.technical_details["field"] == "column"
