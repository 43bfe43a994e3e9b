"""Create the template's sample catalog, schemas and tables (at most 100 rows each) through a SQL warehouse.

    python -m scripts.setup_sample_data --dry-run                 # print the SQL, run nothing
    python -m scripts.setup_sample_data --catalog dash_template   # run it on the configured warehouse

Idempotent: catalog and schemas are created if missing, tables replaced with the same rows (they are
generated from fixed seeds). It connects exactly as the app does (services.warehouse), configured by the
same environment: DATABRICKS_HOST, the service principal's DATABRICKS_CLIENT_ID/SECRET (else the SDK's
default chain: a profile, DATABRICKS_TOKEN), and the warehouse in `--warehouse-id` or
DATABRICKS_WAREHOUSE_ID. Whoever it runs as needs CREATE CATALOG on the metastore.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from core.settings import Settings

MAX_ROWS = 100
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")

# (schema, table, comment, [(column, Databricks type)])
TABLES: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    (
        "nyctaxi",
        "trips",
        "NYC yellow taxi trips (sample of the template)",
        [
            ("tpep_pickup_datetime", "TIMESTAMP"),
            ("tpep_dropoff_datetime", "TIMESTAMP"),
            ("trip_distance", "DOUBLE"),
            ("fare_amount", "DOUBLE"),
            ("pickup_zip", "INT"),
            ("dropoff_zip", "INT"),
        ],
    ),
    (
        "tpch",
        "customer",
        "TPC-H customers (sample of the template)",
        [
            ("c_custkey", "BIGINT"),
            ("c_name", "STRING"),
            ("c_nationkey", "BIGINT"),
            ("c_acctbal", "DECIMAL(18,2)"),
            ("c_mktsegment", "STRING"),
        ],
    ),
    (
        "tpch",
        "orders",
        "TPC-H orders (sample of the template)",
        [
            ("o_orderkey", "BIGINT"),
            ("o_custkey", "BIGINT"),
            ("o_orderstatus", "STRING"),
            ("o_totalprice", "DECIMAL(18,2)"),
            ("o_orderdate", "DATE"),
        ],
    ),
]


def _rows(table: str, count: int) -> list[tuple[Any, ...]]:
    """Deterministic rows: the same on every run, so replacing a table is idempotent."""
    rand = random.Random(table)  # noqa: S311 (sample data, not secrets)
    start = datetime(2016, 1, 1)
    rows: list[tuple[Any, ...]] = []
    for i in range(count):
        if table == "trips":
            pickup = start + timedelta(minutes=rand.randrange(60 * 24 * 60))
            distance = round(0.3 + 20 * rand.random() ** 2, 2)
            dropoff = pickup + timedelta(seconds=int(120 + distance * 150))
            fare = round(2.5 + distance * 2.5 + rand.random() * 4, 2)
            rows.append((pickup, dropoff, distance, fare, 10001 + rand.randrange(280), 10001 + rand.randrange(280)))
        elif table == "customer":
            segment = rand.choice(["AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"])
            rows.append(
                (i + 1, f"Customer#{i + 1:09d}", rand.randrange(25), round(rand.uniform(-999, 9999), 2), segment)
            )
        else:
            day = datetime(1992, 1, 1) + timedelta(days=rand.randrange(2400))
            rows.append(
                (i + 1, 1 + rand.randrange(count), rand.choice("FOP"), round(rand.uniform(850, 450000), 2), day)
            )
    return rows


def _literal(value: Any, kind: str) -> str:
    if kind == "TIMESTAMP":
        return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"
    if kind == "DATE":
        return f"DATE '{value:%Y-%m-%d}'"
    if kind == "STRING":
        return "'" + str(value).replace("'", "''") + "'"
    if kind.startswith("DECIMAL"):
        return f"CAST({value} AS {kind})"
    return str(value)


def statements(catalog: str, rows_per_table: int = MAX_ROWS) -> list[str]:
    """The SQL, in order: catalog, schemas, then each table replaced with its rows."""
    if not IDENTIFIER.match(catalog):
        raise ValueError(f"not a valid catalog name: {catalog!r}")
    if not 1 <= rows_per_table <= MAX_ROWS:
        raise ValueError(f"rows per table must be 1..{MAX_ROWS}")
    sql = [f"CREATE CATALOG IF NOT EXISTS `{catalog}`"]
    for schema in dict.fromkeys(schema for schema, *_ in TABLES):
        sql.append(f"CREATE SCHEMA IF NOT EXISTS `{catalog}`.`{schema}`")
    for schema, table, comment, columns in TABLES:
        values = ",\n  ".join(
            "(" + ", ".join(_literal(v, kind) for v, (_, kind) in zip(row, columns, strict=True)) + ")"
            for row in _rows(table, rows_per_table)
        )
        names = ", ".join(f"`{name}`" for name, _ in columns)
        casts = ", ".join(f"CAST(`{name}` AS {kind}) AS `{name}`" for name, kind in columns)
        sql.append(
            f"CREATE OR REPLACE TABLE `{catalog}`.`{schema}`.`{table}` COMMENT '{comment}' AS\n"
            f"SELECT {casts} FROM VALUES\n  {values}\nAS t({names})"
        )
    return sql


def run(sql: Sequence[str], *, settings: Settings) -> None:
    """Execute the statements on the settings' warehouse, as the app's identity."""
    from core.identity import APP_IDENTITY
    from services.warehouse import connect

    connection = connect(settings, APP_IDENTITY)
    try:
        with connection.cursor() as cursor:
            for statement in sql:
                print(statement.splitlines()[0], flush=True)
                cursor.execute(statement)
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--catalog", default="dash_template_samples", help="catalog to create (default %(default)s)")
    parser.add_argument("--rows", type=int, default=MAX_ROWS, help=f"rows per table, at most {MAX_ROWS}")
    parser.add_argument("--warehouse-id", help="default: DATABRICKS_WAREHOUSE_ID")
    parser.add_argument("--dry-run", action="store_true", help="print the SQL and run nothing")
    args = parser.parse_args(argv)
    try:
        sql = statements(args.catalog, args.rows)
    except ValueError as error:
        parser.error(str(error))
    if args.dry_run:
        print(";\n\n".join(sql) + ";")
        return 0
    settings = Settings.from_env(os.environ)
    if args.warehouse_id:
        settings = settings.model_copy(update={"warehouse_id": args.warehouse_id})
    if not settings.databricks_host or not settings.warehouse_id:
        parser.error("DATABRICKS_HOST and a warehouse (--warehouse-id or DATABRICKS_WAREHOUSE_ID) are required")
    run(sql, settings=settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
