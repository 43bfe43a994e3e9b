"""Identifiers from Unity Catalog's metadata are quoted, never trusted: a column whose name closes the quote and
comments out the rest (the review's ``trip_distance`FROM`samples`.`nyctaxi`.`trips`--``) stays one column
of the intended table, in every statement the app builds, and on the warehouse.

The local warehouse lets the metastore admin (the app's service principal) create such a table through the
Statement Execution API, as scripts/setup_sample_data.py does; its Unity Catalog does not list tables created
that way, so the page statement is built by the service's builder from the table's real columns and its run
is checked on the warehouse's DuckDB, after the warehouse's own translation."""

from __future__ import annotations

from typing import Any

import pytest
import sqlglot
from sqlglot import expressions as exp

from core.errors import NotFound
from core.identity import UserIdentity
from core.settings import Settings
from local_workspace.warehouse import LocalWarehouse
from services import warehouse
from services.warehouse import APP_IDENTITY, Filter, Sort, TableRef, connect, sql
from services.warehouse.charts import ChartSettings, chart_statement
from services.warehouse.sql import Page, quote_identifier

HOSTILE = "trip_distance`FROM`samples`.`nyctaxi`.`trips`--"
OTHERS = ["x` FROM secrets; --", "a``b", "-- c", "x`\nFROM samples.tpch.orders --", "/* y */", "z'\"; DROP"]
TABLE = TableRef("hostile_names", "s", "t")
TRIPS = TableRef("samples", "nyctaxi", "trips")
# The page statement as it was built before a backtick inside a name was doubled: the rest is a comment.
NAIVE = f"SELECT `{HOSTILE}`, `id` FROM {TABLE.quoted} LIMIT 3"
ALICE = UserIdentity("alice@example.com", "alice@example.com", "alice", None, access_token="dapi-local-alice-0001")


def read(statement: str) -> tuple[list[str], list[str]]:
    """(tables read, projected column names) of a statement, as the warehouse's parser sees it."""
    parsed = [s for s in sqlglot.parse(statement, read="databricks") if s is not None]
    assert len(parsed) == 1
    tree = parsed[0]
    assert isinstance(tree, exp.Query)  # a SELECT, or the chart's WITH ... SELECT ... UNION ALL SELECT
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    tables = [
        ".".join(p for p in (t.catalog, t.db, t.name) if p)
        for t in tree.find_all(exp.Table)
        if t.catalog or t.name not in ctes
    ]
    names = [c.name if (c := next(e.find_all(exp.Column), None)) else e.sql() for e in tree.selects]
    return tables, names


def statements(columns: dict[str, str], name: str) -> dict[str, str]:
    """Every statement the service builds, with `name` in every place a column goes."""
    page = Page(limit=2)
    return {
        "page": sql.select_page(TABLE, columns, page=page, filters=[Filter(name, "=", "v")], sort=Sort(name))[0],
        "tie-break": sql.select_page(TABLE, columns, page=page, sort=Sort("id", "desc"))[0],
        "export": sql.select_export(TABLE, columns, sort=Sort(name), max_rows=5)[0],
        "export as text": sql.select_export(TABLE, columns, sort=Sort(name), as_text=True)[0],
        "chart x": chart_statement(TABLE, columns, ChartSettings(x=name))[0],
        "chart y": chart_statement(TABLE, columns, ChartSettings(x="id", y=name, aggregation="max"))[0],
    }


@pytest.mark.parametrize("name", [HOSTILE, *OTHERS])
def test_every_statement_reads_only_the_intended_table_and_columns(name: str) -> None:
    columns = {"id": "int", name: "string"}
    for kind, statement in statements(columns, name).items():
        tables, projected = read(statement)
        assert set(tables) == {TABLE.full_name}, kind
        if kind.startswith(("page", "tie", "export")):
            assert projected == ["id", name], kind
    assert quote_identifier(HOSTILE) == "`trip_distance``FROM``samples``.``nyctaxi``.``trips``--`"


def test_the_check_above_catches_the_attack_when_a_backtick_is_not_doubled() -> None:
    assert read(NAIVE) == (["samples.nyctaxi.trips"], ["trip_distance"])


def _duck(local_warehouse: LocalWarehouse, statement: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """A Databricks statement run on the warehouse's DuckDB as the warehouse runs it: translated by sqlglot."""
    duck_sql = sqlglot.transpile(statement, read="databricks", write="duckdb")[0]
    with local_warehouse._db.cursor() as cursor:
        result = cursor.execute(duck_sql)
        return [d[0] for d in result.description], result.fetchall()


@pytest.fixture(scope="module")
def hostile_table(settings: Settings, local_warehouse: LocalWarehouse) -> dict[str, str]:
    """hostile_names.s.t (the hostile column, id), created by the metastore admin through the warehouse;
    its columns as the warehouse describes them."""
    connection = connect(settings, APP_IDENTITY)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE CATALOG IF NOT EXISTS {quote_identifier(TABLE.catalog)}")
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(TABLE.catalog)}.{quote_identifier('s')}")
            cursor.execute(
                f"CREATE OR REPLACE TABLE {TABLE.quoted} AS SELECT * FROM VALUES "
                f"('one', 1), ('two', 2), ('three', 3), ('four', 4) AS v({quote_identifier(HOSTILE)}, `id`)"
            )
    finally:
        connection.close()
    described = local_warehouse.query(f"DESCRIBE {TABLE.full_name}")
    return {str(row[0]): "int" if row[1] == "INTEGER" else "string" for row in described}


def test_the_warehouse_accepts_the_name_and_a_page_of_the_table_is_what_was_asked(
    hostile_table: dict[str, str], local_warehouse: LocalWarehouse
) -> None:
    assert list(hostile_table) == [HOSTILE, "id"]
    statement, parameters = sql.select_page(TABLE, hostile_table, page=Page(limit=2), sort=Sort(HOSTILE, "desc"))
    assert parameters == {}
    names, rows = _duck(local_warehouse, statement)
    assert names == [HOSTILE, "id"]  # the column comes back with its name
    assert rows == [("two", 2), ("three", 3), ("one", 1)]  # sorted by it; one row more than the limit (LIMIT 3)
    exported, _ = _duck(local_warehouse, sql.select_export(TABLE, hostile_table, as_text=True)[0])
    assert exported == [f'CAST("{HOSTILE}" AS TEXT)', "id"]


def test_sent_to_the_warehouse_the_page_reads_the_hostile_table_not_the_trips(
    settings: Settings, hostile_table: dict[str, str]
) -> None:
    """Through the connector as a viewer: the quoted statement asks for hostile_names.s.t (which this local Unity
    Catalog does not list), while the unquoted one would have run a SELECT of the trips as the viewer."""
    statement, _ = sql.select_page(TABLE, hostile_table, page=Page(limit=2))
    with pytest.raises(NotFound) as refused:
        warehouse.run_query(settings=settings, user=ALICE, statement=statement, parameters={})
    assert "`hostile_names`.`s`.`t`" in str(refused.value.__cause__)
    names, rows = warehouse.run_query(settings=settings, user=ALICE, statement=NAIVE, parameters={})
    assert names == ["trip_distance"]  # the review's attack: the owner's SQL ran as the viewer, on the trips,
    assert len(rows) == 20_000  # every row of them (the LIMIT was commented out too)


def test_a_page_of_a_real_table_through_the_service_is_the_intended_statement(settings: Settings) -> None:
    result = warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, limit=1, sort=Sort("fare_amount"))
    tables, projected = read(result.sql_statement)
    assert tables == [TRIPS.full_name]
    assert projected == result.columns == list(result.rows[0])
    assert result.row_count == 1
