"""Databricks SQL built-in functions, by their documented examples (tests/local_workspace/function_examples.py):
each example, translated by the local warehouse's dialect and run on DuckDB, answers the documented result, or
the Databricks error class listed for it — never a different value."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import duckdb
import pytest
from databricks.sdk import WorkspaceClient

from local_workspace import dialect
from local_workspace.identities import Directory
from local_workspace.statements import render
from local_workspace.warehouse import LocalWarehouse
from tests.conftest import RunningServer
from tests.local_workspace.function_examples import EXAMPLES, Example, Row

# The Statement Execution API's TIMESTAMP (`2015-03-05T09:00:00.000Z`, UTC), to compare with the docs' form.
API_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?Z$")


def render_row(row: tuple[Any, ...]) -> Row:
    """A result row as the warehouse renders it (local_workspace.statements), timestamps in the docs' form."""
    return tuple(docs_form(render(v)) for v in row)


def run_direct(connection: duckdb.DuckDBPyConnection, sql: str) -> Row | list[Row] | str:
    """A Databricks statement's result through the dialect and DuckDB: one row, several rows, or ERROR:<class>."""
    try:
        tree = dialect.parse(sql)
        duck_sql = dialect.to_duckdb(tree, user_name="alice@example.com", catalog="samples", schema="default")
        result = connection.execute(duck_sql).fetchall()
    except dialect.SqlError as error:
        return f"ERROR:{error.error_class}"
    except duckdb.Error as error:
        return f"ERROR:{dialect.engine_error(error).error_class}"
    rendered = [render_row(row) for row in result]
    return rendered[0] if len(rendered) == 1 else rendered


def docs_form(value: str | None) -> str | None:
    """A JSON_ARRAY value as the docs print it: timestamps as `yyyy-MM-dd HH:mm:ss[.SSS]`."""
    found = API_TIMESTAMP.match(value or "")
    if found is None:
        return value
    fraction = (found.group(3) or "").rstrip("0")
    return f"{found.group(1)} {found.group(2)}" + (f".{fraction}" if fraction else "")


@pytest.fixture(scope="module")
def through_the_sdk(
    local_workspace: RunningServer, local_warehouse: LocalWarehouse, directory: Directory
) -> Callable[[str], Row | list[Row] | str]:
    """Run a statement as alice through the SDK's Statement Execution API, as the examples' reader would."""
    client = WorkspaceClient(host=local_workspace.url, token=directory.users[0].token, auth_type="pat")

    def run(sql: str) -> Row | list[Row] | str:
        response = client.statement_execution.execute_statement(
            warehouse_id=local_warehouse.warehouse_id, statement=sql, wait_timeout="30s"
        )
        assert response.status is not None
        if response.status.error is not None:
            found = re.match(r"\[([A-Z_.]+)\]", response.status.error.message or "")
            return f"ERROR:{found.group(1) if found else response.status.error.error_code}"
        data = response.result.data_array if response.result is not None else None
        rendered = [tuple(docs_form(v) for v in row) for row in data or []]
        return rendered[0] if len(rendered) == 1 else rendered

    return run


@pytest.fixture(scope="module")
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """A bare DuckDB connection, as the warehouse's engine."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")  # the session time zone of a Databricks SQL warehouse by default
    yield con
    con.close()


def _matches(example: Example, got: Row | list[Row] | str) -> bool:
    if isinstance(example.expected, list) and not example.ordered and isinstance(got, list):
        return sorted(got, key=str) == sorted(example.expected, key=str)
    return got == example.expected


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e.page}:{e.sql}" for e in EXAMPLES])
def test_documented_example(connection: duckdb.DuckDBPyConnection, example: Example) -> None:
    """Each documented example answers its documented result (or the error class listed for it)."""
    got = run_direct(connection, example.sql)
    assert _matches(example, got), f"{example.sql} ({example.url}) answered {got!r}, documented {example.expected!r}"


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e.page}:{e.sql}" for e in EXAMPLES])
def test_documented_example_through_the_sdk(
    through_the_sdk: Callable[[str], Row | list[Row] | str], example: Example
) -> None:
    """Each documented example answers the same through the local warehouse's Statement Execution API."""
    got = through_the_sdk(example.sql)
    assert _matches(example, got), f"{example.sql} ({example.url}) answered {got!r}, documented {example.expected!r}"


def test_the_examples_cover_the_issue() -> None:
    """At least 200 examples, each naming a doc page, most of them read on it (the others marked unverified),
    refusals only as listed not emulated."""
    assert len(EXAMPLES) >= 200
    assert sum(example.verified for example in EXAMPLES) >= 400
    assert len({(example.page, example.sql) for example in EXAMPLES}) == len(EXAMPLES)
    for example in EXAMPLES:
        assert example.url.startswith("https://docs.databricks.com/")
        if isinstance(example.expected, str):
            error_class = example.expected.removeprefix("ERROR:")
            if error_class == "UNRESOLVED_ROUTINE":
                assert any(name in example.sql.lower() for name in dialect.NOT_EMULATED), example.sql
