"""One behaviour, every client: the same statements through the real databricks-sdk (Statement Execution API),
databricks-sql-connector (SEA backend, cloud fetch off and on), `pandas.read_sql` over a connector connection,
and SQLAlchemy through the connector's dialect (the `databricks-sqlalchemy` package): the same typed values,
named parameters, and Databricks' error classes whichever way a user reaches the local warehouse."""

from __future__ import annotations

import datetime as dt
import decimal
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.sql import StatementParameterListItem, StatementState
from databricks.sql.exc import ServerOperationError

from local_workspace.identities import Directory
from local_workspace.warehouse import LocalWarehouse
from tests.conftest import RunningServer
from tests.local_workspace.sql_clients import connect

USER = "alice@example.com"
TYPED = (
    "SELECT CAST(:day AS DATE) AS day, TIMESTAMP'2016-02-14 16:52:13' AS at, CAST(:price AS DECIMAL(10,2)) AS price, "
    "CAST(:zip AS INT) + 1 AS next_zip, :label AS label, CAST(NULL AS DOUBLE) AS missing"
)
PARAMETERS: dict[str, Any] = {
    "day": dt.date(2016, 2, 14),
    "price": decimal.Decimal("12.50"),
    "zip": 10001,
    "label": "x",
}
EXPECTED_ROW = (
    dt.date(2016, 2, 14),
    dt.datetime(2016, 2, 14, 16, 52, 13, tzinfo=dt.UTC),
    decimal.Decimal("12.50"),
    10002,
    "x",
    None,
)
DIVIDE_BY_ZERO = r"\[DIVIDE_BY_ZERO\].*SQLSTATE: 22012"


@pytest.fixture
def sdk(local_workspace: RunningServer, directory: Directory) -> WorkspaceClient:
    """databricks-sdk as alice."""
    user = directory.user(USER)
    assert user is not None
    return WorkspaceClient(host=local_workspace.url, token=user.token, auth_type="pat")


@pytest.fixture
def dbapi(local_workspace: RunningServer, local_warehouse: LocalWarehouse, directory: Directory) -> Iterator[Any]:
    """A connector (DBAPI) connection as alice, cloud fetch off as the local stack opens them."""
    with connect(local_workspace, local_warehouse, directory, USER) as connection:
        yield connection


@pytest.fixture
def engine(
    local_workspace: RunningServer, local_warehouse: LocalWarehouse, directory: Directory
) -> Iterator[sa.Engine]:
    """A SQLAlchemy engine of the `databricks` dialect as alice, over plain HTTP on loopback."""
    user = directory.user(USER)
    assert user is not None
    http_path = f"/sql/1.0/warehouses/{local_warehouse.warehouse_id}"
    engine = sa.create_engine(
        f"databricks://token:{user.token}@127.0.0.1?http_path={http_path}&catalog=samples&schema=nyctaxi",
        connect_args={
            "server_hostname": "http://127.0.0.1",
            "_port": int(local_workspace.url.rsplit(":", 1)[1]),
            "use_sea": True,
            "use_cloud_fetch": False,
            "enable_telemetry": False,
        },
    )
    yield engine
    engine.dispose()


def read_sql(sql: str, connection: Any, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """pandas.read_sql over a DBAPI connection (pandas warns it tests only SQLAlchemy's and sqlite3's)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return pd.read_sql(sql, connection, params=params)


def test_the_sdk_carries_typed_parameters_and_renders_values_as_strings(
    sdk: WorkspaceClient, local_warehouse: LocalWarehouse
) -> None:
    types = {"day": "DATE", "price": "DECIMAL(10,2)", "zip": "INT", "label": "STRING"}
    response = sdk.statement_execution.execute_statement(
        statement=TYPED,
        warehouse_id=local_warehouse.warehouse_id,
        parameters=[StatementParameterListItem(name=k, value=str(v), type=types[k]) for k, v in PARAMETERS.items()],
    )
    assert response.result is not None
    assert response.result.data_array == [["2016-02-14", "2016-02-14T16:52:13.000Z", "12.50", "10002", "x", None]]
    assert response.manifest is not None
    assert response.manifest.schema is not None
    columns = response.manifest.schema.columns or []
    assert [c.type_text for c in columns] == ["date", "timestamp", "decimal(10,2)", "int", "string", "double"]


@pytest.mark.parametrize("cloud_fetch", [False, True], ids=["inline-json", "cloud-fetch-arrow"])
def test_the_connector_reads_the_same_typed_row_either_way(
    local_workspace: RunningServer, local_warehouse: LocalWarehouse, directory: Directory, cloud_fetch: bool
) -> None:
    with (
        connect(local_workspace, local_warehouse, directory, USER, use_cloud_fetch=cloud_fetch) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(TYPED, PARAMETERS)
        (row,) = cursor.fetchall()
        assert [d[1] for d in cursor.description] == ["date", "timestamp", "decimal", "int", "string", "double"]
    assert tuple(row) == EXPECTED_ROW
    assert row.at.utcoffset() == dt.timedelta(0)


def test_pandas_read_sql_over_the_connector_binds_named_parameters(dbapi: Any) -> None:
    frame = read_sql(TYPED, dbapi, params=PARAMETERS)
    assert list(frame.columns) == ["day", "at", "price", "next_zip", "label", "missing"]
    # A zoned timestamp column, dates as date objects, DECIMAL coerced to float (read_sql's coerce_float).
    assert str(frame["at"].dtype) == "datetime64[us, UTC]"
    assert frame["at"][0] == pd.Timestamp("2016-02-14 16:52:13", tz="UTC")
    assert frame["day"][0] == dt.date(2016, 2, 14)
    assert frame["price"].dtype == "float64"
    assert frame["price"][0] == 12.5
    assert frame["next_zip"][0] == 10002
    assert frame["missing"].isna().all()


def test_pandas_read_sql_reads_a_table_page(dbapi: Any, local_warehouse: LocalWarehouse) -> None:
    sql = (
        "SELECT tpep_pickup_datetime, fare_amount, pickup_zip FROM samples.nyctaxi.trips "
        "WHERE pickup_zip = :zip ORDER BY tpep_pickup_datetime, fare_amount LIMIT 100"
    )
    frame = read_sql(sql, dbapi, params={"zip": 10001})
    expected = local_warehouse.query(sql.replace(":zip", "10001"))
    assert len(frame) == len(expected) > 0
    assert frame["fare_amount"].tolist() == [row[1] for row in expected]
    assert str(frame["tpep_pickup_datetime"].dtype) == "datetime64[us, UTC]"


def test_sqlalchemy_text_and_core_statements_bind_named_parameters(engine: sa.Engine) -> None:
    trips = sa.Table(
        "trips",
        sa.MetaData(),
        sa.Column("pickup_zip", sa.Integer),
        sa.Column("fare_amount", sa.Float),
        schema="nyctaxi",
    )
    query = (
        sa.select(trips.c.pickup_zip, sa.func.count().label("n"))
        .where(trips.c.fare_amount > sa.bindparam("fare"))
        .group_by(trips.c.pickup_zip)
        .order_by(sa.desc("n"), trips.c.pickup_zip)
        .limit(3)
    )
    # The dialect writes its markers back-quoted (`:\`fare\``), which Databricks SQL (and the local warehouse) reads.
    assert "> :`fare`" in str(query.compile(engine))
    with engine.connect() as connection:
        (row,) = connection.execute(sa.text(TYPED), PARAMETERS).all()
        grouped = connection.execute(query, {"fare": 10.0}).all()
        by_hand = connection.execute(
            sa.text(
                "SELECT pickup_zip, count(*) AS n FROM trips WHERE fare_amount > :fare "
                "GROUP BY pickup_zip ORDER BY n DESC, pickup_zip LIMIT 3"
            ),
            {"fare": 10.0},
        ).all()
        schemas = sa.inspect(connection).get_schema_names()
    assert tuple(row) == EXPECTED_ROW
    assert grouped == by_hand
    assert len(grouped) == 3
    assert "nyctaxi" in schemas


def test_pandas_read_sql_through_sqlalchemy(engine: sa.Engine) -> None:
    frame = pd.read_sql(sa.text(TYPED), engine, params=PARAMETERS)
    assert str(frame["at"].dtype) == "datetime64[us, UTC]"
    assert frame["price"][0] == 12.5
    assert frame["label"][0] == "x"


def test_every_client_reports_the_databricks_error_class(
    sdk: WorkspaceClient, dbapi: Any, engine: sa.Engine, local_warehouse: LocalWarehouse
) -> None:
    response = sdk.statement_execution.execute_statement(
        statement="SELECT 1/0", warehouse_id=local_warehouse.warehouse_id
    )
    assert response.status is not None
    assert response.status.state == StatementState.FAILED
    assert response.status.error is not None
    assert "[DIVIDE_BY_ZERO]" in str(response.status.error.message)
    attempts: list[tuple[Callable[[], object], type[Exception]]] = [
        (lambda: execute(dbapi, "SELECT 1/0"), ServerOperationError),
        (lambda: read_sql("SELECT 1/0 AS x", dbapi), ServerOperationError),  # pandas re-raises the connector's
        (lambda: execute_sqlalchemy(engine, "SELECT 1/0"), sa.exc.DatabaseError),
    ]
    for attempt, error_type in attempts:
        with pytest.raises(error_type, match=DIVIDE_BY_ZERO):
            attempt()
    with pytest.raises(ServerOperationError, match=r"\[UNBOUND_SQL_PARAMETER\]"):
        execute(dbapi, "SELECT :missing AS x", {"other": 1})


def execute(connection: Any, sql: str, parameters: dict[str, Any] | None = None) -> None:
    """Run one statement on a new cursor of a DBAPI connection."""
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)


def execute_sqlalchemy(engine: sa.Engine, sql: str) -> None:
    """Run one statement on a new connection of a SQLAlchemy engine."""
    with engine.connect() as connection:
        connection.execute(sa.text(sql))
