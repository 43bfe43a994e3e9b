"""Query files: each way a file can be unusable stops the app with its file and line; a good file is parsed."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import pytest

from core.settings import Settings
from services import analytics
from services.analytics import QueryFileError, load_query_file
from services.analytics.parameters import SqlType

GOOD = """-- Trips per hour of day, for the Trips dashboard's filters.
-- More description.
-- @param start_date DATE = '2016-01-01'
-- @param end_date DATE = '2016-02-29'
-- @param pickup_zip INT = NULL
-- @param label STRING = 'it''s'
-- @param min_fare DECIMAL(6,2) = 2.5
-- @param min_distance DOUBLE
-- @param weekend BOOLEAN = false
-- @run_as app
-- @cache_ttl 600
SELECT hour(tpep_pickup_datetime) AS pickup_hour, count(*) AS trips, :label AS label
FROM samples.nyctaxi.trips
WHERE tpep_pickup_datetime >= :start_date AND tpep_pickup_datetime < date_add(:end_date, 1)
  AND (:pickup_zip IS NULL OR pickup_zip = :pickup_zip) AND fare_amount >= :min_fare
  AND trip_distance >= :min_distance AND (dayofweek(tpep_pickup_datetime) IN (1, 7)) = :weekend
GROUP BY 1 ORDER BY 1;
"""


def write(tmp_path: Path, text: str, name: str = "q.sql") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_is_parsed(tmp_path: Path) -> None:
    query = load_query_file(write(tmp_path, GOOD, "trips_by_hour.sql"))
    assert query.name == "trips_by_hour"
    assert query.run_as == "app"
    assert query.cache_ttl_seconds == 600
    assert query.description == "Trips per hour of day, for the Trips dashboard's filters. More description."
    assert query.sql.startswith("SELECT hour(")
    assert query.sql.endswith("ORDER BY 1")
    by_name = {p.name: p for p in query.parameters}
    assert [p.name for p in query.parameters] == [
        "start_date", "end_date", "pickup_zip", "label", "min_fare", "min_distance", "weekend"
    ]  # fmt: skip
    assert by_name["start_date"].default == dt.date(2016, 1, 1)
    assert not by_name["start_date"].required
    assert by_name["pickup_zip"].default is None
    assert not by_name["pickup_zip"].required
    assert by_name["label"].default == "it's"
    assert by_name["min_fare"].sql_type == SqlType("DECIMAL", 6, 2)
    assert by_name["min_fare"].default == decimal.Decimal("2.50")
    assert by_name["min_distance"].required
    assert by_name["min_distance"].sql_type == SqlType("DOUBLE")
    assert by_name["weekend"].default is False


def test_defaults_are_run_as_user_and_five_minutes(tmp_path: Path) -> None:
    query = load_query_file(write(tmp_path, "SELECT 1 AS one"))
    assert (query.run_as, query.cache_ttl_seconds, query.parameters, query.description) == ("user", 300, (), "")


BAD_FILES = [
    pytest.param("-- Not a query\nDELETE FROM samples.nyctaxi.trips", 2, "must be a SELECT", id="not-a-select"),
    pytest.param("-- x\n\nCREATE TABLE t (a INT)", 3, "must be a SELECT", id="create"),
    pytest.param("SELECT 1;\nSELECT 2", 2, "exactly one statement", id="two-statements"),
    pytest.param(
        "-- @param a INT\nSELECT :a AS a,\n  :b AS b", 3, "parameter :b is used but not declared", id="undeclared"
    ),
    pytest.param("-- @param a INTEGRAL\nSELECT :a", 1, "unknown type 'INTEGRAL'", id="unknown-type"),
    pytest.param("-- t\n-- @param a MAP<STRING,INT>\nSELECT :a", 2, "unknown type", id="unsupported-type"),
    pytest.param("-- @param\nSELECT 1", 1, "expected '-- @param <name> <TYPE>", id="bad-param-line"),
    pytest.param("-- @run_as everyone\nSELECT 1", 1, "@run_as must be 'user' or 'app'", id="bad-run-as"),
    pytest.param("-- @cache_ttl soon\nSELECT 1", 1, "@cache_ttl must be whole seconds", id="bad-ttl"),
    pytest.param("-- ok\n-- @params a INT\nSELECT 1", 2, "unknown header directive '@params'", id="bad-directive"),
    pytest.param("-- @param a INT = 'x'\nSELECT :a", 1, "default \"'x'\" is not a INT", id="bad-default-type"),
    pytest.param("-- @param a DATE = '2016-13-01'\nSELECT :a", 1, "is not a DATE", id="bad-default-date"),
    pytest.param("-- @param a INT = now()\nSELECT :a", 1, "is not a SQL literal", id="bad-default-literal"),
    pytest.param("-- @param a TINYINT = 300\nSELECT :a", 1, "out of range", id="default-out-of-range"),
    pytest.param("-- @param a INT\n-- @param a INT\nSELECT :a", 2, "declared twice", id="declared-twice"),
    pytest.param("-- @param a INT\n-- @param b INT\nSELECT :a", 2, "'b' is declared but never used", id="unused"),
    pytest.param("-- @param A INT\nSELECT :A", 1, "lower_snake_case", id="bad-param-name"),
    pytest.param("-- x\nSELECT * FROM", 2, "not valid Databricks SQL", id="syntax"),
    pytest.param("-- only a header\n", 2, "no SQL statement", id="empty"),
]


@pytest.mark.parametrize(("text", "line", "problem"), BAD_FILES)
def test_a_bad_file_names_the_file_and_line(tmp_path: Path, text: str, line: int, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(QueryFileError) as raised:
        load_query_file(path)
    assert str(raised.value).startswith(f"{path}:{line}: ")
    assert problem in str(raised.value)


def test_a_badly_named_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(QueryFileError, match="lower_snake_case"):
        load_query_file(write(tmp_path, "SELECT 1", "Trips-By-Hour.sql"))


def test_the_directory_is_loaded_once_and_a_bad_file_stops_it(tmp_path: Path) -> None:
    settings = Settings(queries_dir=tmp_path / "good")
    (tmp_path / "good").mkdir()
    write(tmp_path / "good", GOOD, "trips_by_hour.sql")
    write(tmp_path / "good", "SELECT 1 AS one", "one.sql")
    found = analytics.query_files(settings)
    assert sorted(found) == ["one", "trips_by_hour"]
    assert analytics.query_files(settings) is found  # checked once per directory
    (tmp_path / "bad").mkdir()
    write(tmp_path / "bad", "SELECT 1; SELECT 2", "two.sql")
    with pytest.raises(QueryFileError, match=r"two\.sql:1: "):
        analytics.query_files(Settings(queries_dir=tmp_path / "bad"))
    assert analytics.query_files(Settings(queries_dir=tmp_path / "missing")) == {}
