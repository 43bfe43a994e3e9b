"""The sample catalog, generated deterministically (no download) into a DuckDB file.

`samples.nyctaxi.trips` has the columns and types of the Databricks sample of the same name, and its
shape: January and February 2016, rush hours and quiet nights that differ between weekdays and weekends (and
the blizzard of 23 January), a few busy Manhattan zips and a long tail, distances that follow where a trip
goes, and fares from the 2016 meter (a $2.50 minimum, $2.50 a mile, slow-traffic time, the JFK flat fare)
with noise. Trips come from a seeded NumPy generator, so every run produces the same rows. `samples.tpch`
has TPC-H's `orders` and `customer`, from hashes of the row number.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

DEFAULT_TRIPS = 50_000
GENERATOR_VERSION = 3  # bumped when the rows change, so an older file is generated again
OWNER = "samples-admin@example.com"
SEED = 2016
MINIMUM_FARE = 2.5  # the 2016 meter's initial charge: no trip costs less
JFK_FLAT_FARE = 52.0  # Manhattan ↔ JFK, whatever the distance

# Uniform in [0, 1) from a row number and a salt, the same on every run.
U = "((hash(i, '{salt}') % 1000000007) / 1000000007.0)"

# Busy zips: (zip, x, y in miles from Midtown, pickup weight, drop-off weight). Manhattan's core dominates;
# the airports are far and weigh more as drop-offs than in the street-hail pickups.
BUSY_ZIPS = (
    (10001, -0.6, -0.8, 60, 45),
    (10019, -0.5, 0.6, 55, 40),
    (10036, -0.2, 0.0, 52, 42),
    (10022, 0.8, 0.4, 50, 40),
    (10016, 0.6, -1.2, 46, 44),
    (10011, -1.0, -1.5, 44, 40),
    (10003, 0.0, -2.2, 42, 38),
    (10017, 0.5, -0.2, 40, 30),
    (10018, -0.4, -0.4, 36, 26),
    (10023, -0.9, 1.6, 30, 36),
    (10065, 1.2, 1.5, 28, 30),
    (10024, -1.1, 2.5, 24, 32),
    (10028, 1.0, 2.3, 22, 30),
    (10010, 0.3, -1.6, 22, 22),
    (10012, -0.3, -3.0, 22, 20),
    (10014, -1.3, -2.6, 20, 22),
    (10013, -0.6, -3.6, 20, 18),
    (10021, 1.3, 1.9, 18, 22),
    (10128, 1.4, 3.0, 14, 18),
    (10025, -1.2, 3.6, 12, 18),
    (10002, 0.6, -3.4, 10, 14),
    (10009, 0.8, -2.4, 10, 14),
    (10004, -0.4, -5.0, 8, 8),
    (10280, -0.9, -4.6, 6, 8),
    (11371, 6.5, 3.5, 12, 16),
    (11430, 11.0, -6.5, 9, 14),
    (11201, 0.5, -5.8, 5, 9),
    (11211, 2.6, -3.6, 4, 9),
)
# The long tail: the rest of the five boroughs, Midtown's building zips and Newark's airport, each rarely a pickup.
TAIL_RANGES = (
    (10026, 10046),
    (10100, 10121),
    (10451, 10476),
    (11203, 11240),
    (11354, 11386),
    (10301, 10315),
    (7114, 7115),
)
# Relative trips per hour of day, weekdays then weekends (night life, no morning rush), from 0 h to 23 h.
WEEKDAY_HOURS = (35, 20, 12, 8, 8, 14, 35, 60, 75, 72, 62, 62, 66, 66, 70, 66, 60, 72, 90, 92, 84, 80, 72, 55)
WEEKEND_HOURS = (80, 72, 60, 45, 30, 16, 14, 20, 30, 42, 52, 58, 62, 62, 62, 60, 58, 60, 66, 68, 64, 66, 70, 72)
DAY_WEIGHT = {0: 1.0, 1: 1.03, 2: 1.05, 3: 1.10, 4: 1.12, 5: 1.08, 6: 0.88}  # Monday..Sunday
SNOWED_IN = {"2016-01-23": 0.25, "2016-01-24": 0.6}  # the blizzard: almost no cabs out
# Midtown crawls in the rush hours: average speed in miles per hour by hour of day.
SPEED_BY_HOUR = np.array([18, 20, 21, 22, 22, 20, 16, 12, 10, 10, 11, 11, 11, 11, 11, 10, 10, 9, 9, 10, 12, 13, 14, 16])


def _zip_table(rng: np.random.Generator) -> pd.DataFrame:
    """Every zip with where it is and how likely it is as a pickup and as a drop-off."""
    tail = [z for start, stop in TAIL_RANGES for z in range(start, stop)]
    angle, reach = rng.uniform(0, 2 * np.pi, len(tail)), rng.uniform(3, 10, len(tail))
    frame = pd.DataFrame(BUSY_ZIPS, columns=["zip", "x", "y", "pickup", "dropoff"])
    tail_frame = pd.DataFrame(
        {"zip": tail, "x": reach * np.cos(angle), "y": reach * np.sin(angle), "pickup": 0.25, "dropoff": 0.35}
    )
    return pd.concat([frame, tail_frame], ignore_index=True)


def _pickup_times(rng: np.random.Generator, trips: int) -> np.ndarray:
    """Pickup times: an hour slot drawn by day and hour weights, then a uniform second within it."""
    days = pd.date_range("2016-01-01", "2016-02-29", freq="D")
    weights: list[float] = []
    for day in days:
        hours = WEEKEND_HOURS if day.day_of_week >= 5 else WEEKDAY_HOURS
        scale = DAY_WEIGHT[day.day_of_week] * SNOWED_IN.get(day.strftime("%Y-%m-%d"), 1.0)
        weights.extend(h * scale for h in hours)
    p = np.asarray(weights) / np.sum(weights)
    slots = rng.choice(len(p), size=trips, p=p)
    # Sorted: files of trips come roughly in time order, and so does the sample.
    seconds = np.sort(slots * 3600 + rng.integers(0, 3600, size=trips))
    return np.datetime64("2016-01-01T00:00:00") + seconds.astype("timedelta64[s]")


def trips_frame(trips: int, seed: int = SEED) -> pd.DataFrame:
    """`trips` taxi trips with the columns and types of samples.nyctaxi.trips, the same for the same seed."""
    rng = np.random.default_rng(seed)
    zips = _zip_table(rng)
    pickup = _pickup_times(rng, trips)
    start = rng.choice(len(zips), size=trips, p=zips["pickup"] / zips["pickup"].sum())
    end = rng.choice(len(zips), size=trips, p=zips["dropoff"] / zips["dropoff"].sum())
    end = np.where(rng.random(trips) < 0.12, start, end)  # many hops stay in the neighbourhood
    x, y = zips["x"].to_numpy(), zips["y"].to_numpy()
    straight = np.hypot(x[start] - x[end], y[start] - y[end])
    local = rng.lognormal(np.log(0.9), 0.5, trips)  # a trip within one zip
    distance = np.where(start == end, local, 0.9 * straight * rng.lognormal(0, 0.2, trips) + 0.3)
    distance = np.round(np.clip(distance, 0.1, 60), 2)
    hour = pickup.astype("datetime64[h]").astype(np.int64) % 24
    minutes = distance / SPEED_BY_HOUR[hour] * 60 * rng.lognormal(0, 0.25, trips) + rng.uniform(1, 4, trips)
    slow = minutes * np.where(SPEED_BY_HOUR[hour] <= 11, 0.35, 0.15)  # minutes the meter counts by time
    fare = MINIMUM_FARE + 2.5 * distance + 0.5 * slow + rng.normal(0, 0.8, trips)
    codes = zips["zip"].to_numpy()
    jfk = ((codes[start] == 11430) & (x[end] ** 2 + y[end] ** 2 < 36)) | (
        (codes[end] == 11430) & (x[start] ** 2 + y[start] ** 2 < 36)
    )
    fare = np.where(jfk, JFK_FLAT_FARE, np.maximum(MINIMUM_FARE, np.round(fare * 2) / 2))
    return pd.DataFrame(
        {
            "tpep_pickup_datetime": pickup,
            "tpep_dropoff_datetime": pickup + np.round(minutes * 60).astype("timedelta64[s]"),
            "trip_distance": distance,
            "fare_amount": fare,
            "pickup_zip": codes[start].astype(np.int32),
            "dropoff_zip": codes[end].astype(np.int32),
        }
    )


def generate(path: Path, trips: int = DEFAULT_TRIPS) -> None:
    """Create (or re-create, when the size differs) the sample database at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as db:
        existing = db.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = '_sample_size'"
        ).fetchone()
        if (
            existing
            and existing[0]
            and db.execute("SELECT * FROM main._sample_size").fetchone()
            == (
                trips,
                GENERATOR_VERSION,
            )
        ):
            return
        db.execute("DROP SCHEMA IF EXISTS nyctaxi CASCADE")
        db.execute("DROP SCHEMA IF EXISTS tpch CASCADE")
        db.execute("CREATE SCHEMA nyctaxi")
        db.execute("CREATE SCHEMA tpch")
        db.register("generated_trips", trips_frame(trips))
        db.execute("""
            CREATE TABLE nyctaxi.trips AS
            SELECT CAST(tpep_pickup_datetime AS TIMESTAMP) AS tpep_pickup_datetime,
                   CAST(tpep_dropoff_datetime AS TIMESTAMP) AS tpep_dropoff_datetime,
                   CAST(trip_distance AS DOUBLE) AS trip_distance,
                   CAST(fare_amount AS DOUBLE) AS fare_amount,
                   CAST(pickup_zip AS INTEGER) AS pickup_zip,
                   CAST(dropoff_zip AS INTEGER) AS dropoff_zip
            FROM generated_trips
        """)
        db.unregister("generated_trips")
        _generate_tpch(db, customers=max(150, trips // 30))
        db.execute(
            "COMMENT ON TABLE nyctaxi.trips IS 'NYC yellow taxi trips (generated sample with the columns of samples.nyctaxi.trips)'"
        )
        db.execute("COMMENT ON TABLE tpch.orders IS 'TPC-H orders (generated sample)'")
        db.execute("COMMENT ON TABLE tpch.customer IS 'TPC-H customers (generated sample)'")
        db.execute(
            "CREATE OR REPLACE TABLE main._sample_size AS SELECT CAST(? AS BIGINT) AS trips, ? AS version",
            [trips, GENERATOR_VERSION],
        )


def _u(salt: str) -> str:
    return U.format(salt=salt)


def _generate_tpch(db: duckdb.DuckDBPyConnection, *, customers: int) -> None:
    """TPC-H's customer and orders tables (ten orders per customer), from hashes of the row number."""
    db.execute(f"""
        CREATE TABLE tpch.customer AS
        SELECT CAST(i + 1 AS BIGINT) AS c_custkey,
               'Customer#' || lpad(CAST(i + 1 AS VARCHAR), 9, '0') AS c_name,
               md5(CAST(i AS VARCHAR) || 'address') AS c_address,
               CAST(floor({_u("nation")} * 25) AS BIGINT) AS c_nationkey,
               CAST(CAST(10 + floor({_u("phone1")} * 25) AS INTEGER) AS VARCHAR) || '-' ||
                   CAST(CAST(100 + floor({_u("phone2")} * 900) AS INTEGER) AS VARCHAR) || '-' ||
                   CAST(CAST(1000 + floor({_u("phone3")} * 9000) AS INTEGER) AS VARCHAR) AS c_phone,
               CAST(round(-999.99 + {_u("bal")} * 10998.98, 2) AS DECIMAL(18, 2)) AS c_acctbal,
               (['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'])[1 + CAST(floor({_u("seg")} * 5) AS INTEGER)] AS c_mktsegment,
               'sample customer ' || CAST(i AS VARCHAR) AS c_comment
        FROM range({customers}) AS r(i)
    """)
    db.execute(f"""
        CREATE TABLE tpch.orders AS
        SELECT CAST(i + 1 AS BIGINT) AS o_orderkey,
               CAST(1 + floor({_u("cust")} * {customers}) AS BIGINT) AS o_custkey,
               (['F', 'O', 'P'])[1 + CAST(floor({_u("status")} * 3) AS INTEGER)] AS o_orderstatus,
               CAST(round(850 + {_u("price")} * 450000, 2) AS DECIMAL(18, 2)) AS o_totalprice,
               DATE '1992-01-01' + CAST(floor({_u("date")} * 2400) AS INTEGER) AS o_orderdate,
               (['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'])[1 + CAST(floor({_u("prio")} * 5) AS INTEGER)] AS o_orderpriority,
               'Clerk#' || lpad(CAST(CAST(1 + floor({_u("clerk")} * 1000) AS INTEGER) AS VARCHAR), 9, '0') AS o_clerk,
               CAST(0 AS INTEGER) AS o_shippriority,
               'sample order ' || CAST(i AS VARCHAR) AS o_comment
        FROM range({customers * 10}) AS r(i)
    """)
