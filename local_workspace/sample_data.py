"""The sample catalog, generated deterministically (no download) into a DuckDB file.

`samples.nyctaxi.trips` has the columns of the Databricks sample of the same name; `samples.tpch` has
TPC-H's `orders` and `customer`. Values come from hashes of the row number, so every run, on any number
of threads, produces the same rows.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

DEFAULT_TRIPS = 50_000
OWNER = "samples-admin@example.com"

# Uniform in [0, 1) from a row number and a salt, the same on every run.
U = "((hash(i, '{salt}') % 1000000007) / 1000000007.0)"


def _u(salt: str) -> str:
    return U.format(salt=salt)


def generate(path: Path, trips: int = DEFAULT_TRIPS) -> None:
    """Create (or re-create, when the size differs) the sample database at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as db:
        existing = db.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = '_sample_size'"
        ).fetchone()
        if existing and existing[0] and db.execute("SELECT trips FROM main._sample_size").fetchone() == (trips,):
            return
        db.execute("DROP SCHEMA IF EXISTS nyctaxi CASCADE")
        db.execute("DROP SCHEMA IF EXISTS tpch CASCADE")
        db.execute("CREATE SCHEMA nyctaxi")
        db.execute("CREATE SCHEMA tpch")
        db.execute(f"""
            CREATE TABLE nyctaxi.trips AS
            WITH base AS (
                SELECT i,
                       TIMESTAMP '2016-01-01' + to_seconds(CAST(floor({_u("pickup")} * 60 * 86400) AS BIGINT)) AS pickup,
                       round(0.3 + 20 * pow({_u("distance")}, 2), 2) AS distance
                FROM range({trips}) AS r(i)
            )
            SELECT pickup AS tpep_pickup_datetime,
                   pickup + to_seconds(CAST(120 + distance * 150 + {_u("slow")} * 600 AS BIGINT)) AS tpep_dropoff_datetime,
                   distance AS trip_distance,
                   round(2.5 + distance * 2.5 + {_u("fare")} * 4, 2) AS fare_amount,
                   CAST(10001 + floor({_u("pzip")} * 280) AS INTEGER) AS pickup_zip,
                   CAST(10001 + floor({_u("dzip")} * 280) AS INTEGER) AS dropoff_zip
            FROM base ORDER BY i
        """)
        customers = max(150, trips // 30)
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
        db.execute(
            "COMMENT ON TABLE nyctaxi.trips IS 'NYC yellow taxi trips (generated sample with the columns of samples.nyctaxi.trips)'"
        )
        db.execute("COMMENT ON TABLE tpch.orders IS 'TPC-H orders (generated sample)'")
        db.execute("COMMENT ON TABLE tpch.customer IS 'TPC-H customers (generated sample)'")
        db.execute("CREATE OR REPLACE TABLE main._sample_size AS SELECT CAST(? AS BIGINT) AS trips", [trips])
