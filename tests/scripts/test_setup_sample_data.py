"""scripts/setup_sample_data.py: its SQL, parsed in the Databricks dialect as the local warehouse parses
statements, run twice on DuckDB (the local warehouse's engine), gives the same tables of at most 100 rows.

The local warehouse itself answers SELECT only (as the app uses it), so the DDL runs on DuckDB directly."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot

from scripts.setup_sample_data import MAX_ROWS, TABLES, main, statements


def run_on_duckdb(db: duckdb.DuckDBPyConnection, sql: list[str]) -> None:
    for statement in sql:
        if statement.startswith("CREATE CATALOG"):
            continue  # a catalog is an attached database in DuckDB, attached by the test
        tree = sqlglot.parse_one(statement, read="databricks")
        db.execute(tree.sql(dialect="duckdb"))


def test_the_sql_creates_every_table_idempotently_with_at_most_100_rows() -> None:
    db = duckdb.connect(":memory:")
    db.execute("ATTACH ':memory:' AS samples_test")
    sql = statements("samples_test")
    assert sql[0] == "CREATE CATALOG IF NOT EXISTS `samples_test`"
    run_on_duckdb(db, sql)
    first = {
        table: db.execute(f"SELECT * FROM samples_test.{schema}.{table} ORDER BY ALL").fetchall()  # noqa: S608
        for schema, table, *_ in TABLES
    }
    run_on_duckdb(db, sql)
    for schema, table, _, columns in TABLES:
        rows = db.execute(f"SELECT * FROM samples_test.{schema}.{table} ORDER BY ALL").fetchall()  # noqa: S608
        assert rows == first[table]
        assert len(rows) == MAX_ROWS
        described = [r[0] for r in db.execute(f"DESCRIBE samples_test.{schema}.{table}").fetchall()]
        assert described == [name for name, _ in columns]
    fares = db.execute("SELECT min(fare_amount), max(trip_distance) FROM samples_test.nyctaxi.trips").fetchone()
    assert fares is not None
    assert fares[0] > 0


def test_dry_run_prints_the_sql_and_bad_names_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dry-run", "--catalog", "demo", "--rows", "5"]) == 0
    printed = capsys.readouterr().out
    assert "CREATE SCHEMA IF NOT EXISTS `demo`.`tpch`" in printed
    assert printed.count("CREATE OR REPLACE TABLE") == len(TABLES)
    for bad in ("demo`; DROP CATALOG main; --", "1abc", ""):
        with pytest.raises(ValueError, match="catalog"):
            statements(bad)
    with pytest.raises(SystemExit):
        main(["--dry-run", "--rows", "101"])
