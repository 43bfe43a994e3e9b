"""The generated sample trips have the shape of the real samples.nyctaxi.trips: the same columns and types,
January and February 2016, rush hours and quiet nights, weekdays unlike weekends, a minimum fare, fares that
follow distance, a few busy zips and a long tail; and the same rows on every run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from local_workspace.sample_data import MINIMUM_FARE, generate, trips_frame

TRIPS = 50_000


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = tmp_path_factory.mktemp("samples") / "samples.duckdb"
    generate(path, TRIPS)
    return duckdb.connect(str(path), read_only=True)


def one(db: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = db.execute(sql).fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


def test_the_columns_and_types_are_the_databricks_samples(db: duckdb.DuckDBPyConnection) -> None:
    columns = db.execute("SELECT column_name, data_type FROM information_schema.columns "
                         "WHERE table_name = 'trips' ORDER BY ordinal_position").fetchall()  # fmt: skip
    assert columns == [
        ("tpep_pickup_datetime", "TIMESTAMP"),
        ("tpep_dropoff_datetime", "TIMESTAMP"),
        ("trip_distance", "DOUBLE"),
        ("fare_amount", "DOUBLE"),
        ("pickup_zip", "INTEGER"),
        ("dropoff_zip", "INTEGER"),
    ]
    assert one(db, "SELECT count(*) FROM nyctaxi.trips") == TRIPS


def test_trips_run_from_january_to_february_2016_and_end_after_they_start(db: duckdb.DuckDBPyConnection) -> None:
    first, last = one(db, "SELECT min(tpep_pickup_datetime), max(tpep_pickup_datetime) FROM nyctaxi.trips")
    assert (first.year, first.month, first.day) == (2016, 1, 1)
    assert (last.year, last.month, last.day) == (2016, 2, 29)
    assert one(db, "SELECT count(DISTINCT CAST(tpep_pickup_datetime AS DATE)) FROM nyctaxi.trips") == 60
    assert one(db, "SELECT count(*) FROM nyctaxi.trips WHERE tpep_dropoff_datetime <= tpep_pickup_datetime") == 0


def test_rush_hours_are_busy_and_3_am_is_quiet(db: duckdb.DuckDBPyConnection) -> None:
    by_hour = dict(db.execute("SELECT hour(tpep_pickup_datetime), count(*) FROM nyctaxi.trips GROUP BY 1").fetchall())
    assert by_hour[8] > 3 * by_hour[4]
    assert by_hour[19] > 3 * by_hour[3]
    assert max(by_hour, key=lambda hour: by_hour[hour]) in (18, 19, 20)


def test_weekdays_and_weekends_differ(db: duckdb.DuckDBPyConnection) -> None:
    share = """SELECT avg(CASE WHEN hour(tpep_pickup_datetime) {hours} THEN 1.0 ELSE 0 END) FROM nyctaxi.trips
               WHERE isodow(tpep_pickup_datetime) {days}"""
    weekday_nights = one(db, share.format(hours="< 4", days="BETWEEN 2 AND 4"))
    weekend_nights = one(db, share.format(hours="< 4", days=">= 6"))
    weekday_mornings = one(db, share.format(hours="IN (7, 8, 9)", days="<= 5"))
    weekend_mornings = one(db, share.format(hours="IN (7, 8, 9)", days=">= 6"))
    assert weekend_nights > 2 * weekday_nights  # night life
    assert weekday_mornings > 1.5 * weekend_mornings  # the commute


def test_no_fare_is_below_the_minimum_and_fares_follow_distance(db: duckdb.DuckDBPyConnection) -> None:
    assert one(db, "SELECT min(fare_amount) FROM nyctaxi.trips") == MINIMUM_FARE
    assert one(db, "SELECT count(*) FROM nyctaxi.trips WHERE fare_amount = 2.5") > 0  # the minimum is used
    assert one(db, "SELECT corr(fare_amount, trip_distance) FROM nyctaxi.trips") > 0.8
    noisy = one(db, "SELECT count(DISTINCT fare_amount) FROM nyctaxi.trips WHERE trip_distance BETWEEN 2 AND 2.1")
    assert noisy > 5  # the same distance, different fares
    short, long = one(
        db,
        """SELECT avg(fare_amount) FILTER (trip_distance < 1),
                                    avg(fare_amount) FILTER (trip_distance BETWEEN 5 AND 6) FROM nyctaxi.trips""",
    )
    assert long > 2.5 * short
    assert 1.5 < one(db, "SELECT median(trip_distance) FROM nyctaxi.trips") < 3.5


def test_a_few_zips_take_most_trips_and_many_have_a_few(db: duckdb.DuckDBPyConnection) -> None:
    counts = [
        n for (n,) in db.execute("SELECT count(*) FROM nyctaxi.trips GROUP BY pickup_zip ORDER BY 1 DESC").fetchall()
    ]
    assert sum(counts[:10]) > 0.5 * TRIPS
    assert len(counts) > 100
    assert sum(1 for n in counts if n < 0.001 * TRIPS) > 50  # the long tail


def test_the_same_rows_on_every_run() -> None:
    first, again = trips_frame(5_000), trips_frame(5_000)
    assert first.equals(again)
    assert not first.equals(trips_frame(5_000, seed=1))


def test_a_file_of_the_same_size_is_kept_and_another_size_regenerated(tmp_path: Path) -> None:
    path = tmp_path / "samples.duckdb"
    generate(path, 1_000)
    modified = path.stat().st_mtime_ns
    generate(path, 1_000)
    assert path.stat().st_mtime_ns == modified
    generate(path, 2_000)
    with duckdb.connect(str(path), read_only=True) as db:
        assert one(db, "SELECT count(*) FROM nyctaxi.trips") == 2_000
