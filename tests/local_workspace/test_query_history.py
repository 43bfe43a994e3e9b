"""Query History (`GET /api/2.0/sql/history/queries`) of the local warehouse, through the real databricks-sdk
and databricks-sql-connector over HTTP on loopback: every statement recorded, scoped to its user unless admin."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue
from databricks.sdk.service.sql import QueryFilter, QueryInfo, QueryStatus, TimeRange

from local_workspace.history import QueryEntry, QueryHistory
from local_workspace.identities import Directory, Principal
from local_workspace.warehouse import LocalWarehouse
from tests.conftest import RunningServer
from tests.local_workspace.sql_clients import cursor_as


@pytest.fixture
def client_for(local_workspace: RunningServer, directory: Directory) -> Callable[[str], WorkspaceClient]:
    """A databricks-sdk client acting as a local user, or as the app's service principal ("app")."""

    def make(user_name: str) -> WorkspaceClient:
        if user_name == "app":
            token = directory.issue_token(directory.service_principal)
        else:
            user = directory.user(user_name)
            assert user is not None
            token = user.token
        return WorkspaceClient(host=local_workspace.url, token=token, auth_type="pat")

    return make


def marked(marker: str, client: WorkspaceClient, warehouse: LocalWarehouse, sql: str = "SELECT 1 AS x") -> str:
    """Run a statement whose text carries `marker` (so a test finds its own); its statement id."""
    response = client.statement_execution.execute_statement(
        statement=f"{sql} /* {marker} */", warehouse_id=warehouse.warehouse_id
    )
    assert response.statement_id is not None
    return response.statement_id


def history_of(client: WorkspaceClient, marker: str, **options: object) -> list[QueryInfo]:
    """The entries the client sees whose text carries `marker`."""
    found = client.query_history.list(max_results=999, **options).res or []  # type: ignore[arg-type]
    return [q for q in found if marker in (q.query_text or "")]


def test_a_sessionless_statement_is_recorded_with_its_user_times_and_rows(
    client_for: Callable[[str], WorkspaceClient], directory: Directory, local_warehouse: LocalWarehouse
) -> None:
    marker, alice = uuid.uuid4().hex, client_for("alice@example.com")
    before_ms = int(time.time() * 1000)
    statement_id = marked(marker, alice, local_warehouse, "SELECT * FROM samples.nyctaxi.trips LIMIT 7")
    (entry,) = history_of(alice, marker)
    user = directory.user("alice@example.com")
    assert user is not None
    assert entry.query_id == statement_id
    assert entry.status == QueryStatus.FINISHED
    assert entry.user_name == entry.executed_as_user_name == "alice@example.com"
    assert entry.user_id == entry.executed_as_user_id == int(user.principal.id)
    assert entry.warehouse_id == local_warehouse.warehouse_id
    assert entry.rows_produced == 7
    assert entry.statement_type is not None
    assert entry.statement_type.value == "SELECT"
    assert entry.query_start_time_ms is not None
    assert entry.query_end_time_ms is not None
    assert before_ms <= entry.query_start_time_ms <= entry.query_end_time_ms <= int(time.time() * 1000)
    assert entry.duration == entry.query_end_time_ms - entry.query_start_time_ms
    assert entry.execution_end_time_ms is not None
    assert entry.metrics is None  # only when asked for


def test_a_failed_statement_is_recorded_with_its_error(
    client_for: Callable[[str], WorkspaceClient], local_warehouse: LocalWarehouse
) -> None:
    marker, alice = uuid.uuid4().hex, client_for("alice@example.com")
    marked(marker, alice, local_warehouse, "SELECT * FROM samples.nyctaxi.nope")
    (entry,) = history_of(alice, marker)
    assert entry.status == QueryStatus.FAILED
    assert entry.error_message is not None
    assert entry.error_message.startswith("[TABLE_OR_VIEW_NOT_FOUND]")


def test_statements_of_the_connectors_session_are_recorded(
    client_for: Callable[[str], WorkspaceClient],
    local_workspace: RunningServer,
    directory: Directory,
    local_warehouse: LocalWarehouse,
) -> None:
    marker = uuid.uuid4().hex
    with cursor_as(local_workspace, local_warehouse, directory, "bob@example.com") as cursor:
        cursor.execute(f"SELECT :n AS n /* {marker} */", {"n": 3})
        assert cursor.fetchall()[0][0] == 3
    (entry,) = history_of(client_for("bob@example.com"), marker)
    assert entry.user_name == "bob@example.com"
    assert entry.session_id is not None
    assert entry.rows_produced == 1


def test_each_user_sees_only_their_own_and_the_admin_sees_all(
    client_for: Callable[[str], WorkspaceClient], directory: Directory, local_warehouse: LocalWarehouse
) -> None:
    marker = uuid.uuid4().hex
    alice, bob, app = (client_for(name) for name in ("alice@example.com", "bob@example.com", "app"))
    marked(marker, alice, local_warehouse)
    marked(marker, bob, local_warehouse)
    assert [q.user_name for q in history_of(alice, marker)] == ["alice@example.com"]
    assert [q.user_name for q in history_of(bob, marker)] == ["bob@example.com"]
    assert sorted(q.user_name or "" for q in history_of(app, marker)) == ["alice@example.com", "bob@example.com"]
    alice_user = directory.user("alice@example.com")
    assert alice_user is not None
    # Asking for someone else's statements by their user id finds nothing that is not one's own.
    assert history_of(bob, marker, filter_by=QueryFilter(user_ids=[int(alice_user.principal.id)])) == []
    only_alice = history_of(app, marker, filter_by=QueryFilter(user_ids=[int(alice_user.principal.id)]))
    assert [q.user_name for q in only_alice] == ["alice@example.com"]


def test_filter_by_statement_ids_statuses_and_time_range(
    client_for: Callable[[str], WorkspaceClient], local_warehouse: LocalWarehouse
) -> None:
    marker, alice = uuid.uuid4().hex, client_for("alice@example.com")
    good = marked(marker, alice, local_warehouse)
    bad = marked(marker, alice, local_warehouse, "SELECT nope FROM samples.nyctaxi.nope")
    by_id = alice.query_history.list(filter_by=QueryFilter(statement_ids=[good])).res or []
    assert [q.query_id for q in by_id] == [good]
    failed = history_of(alice, marker, filter_by=QueryFilter(statuses=[QueryStatus.FAILED]))
    assert [q.query_id for q in failed] == [bad]
    now_ms = int(time.time() * 1000)
    recent = history_of(
        alice, marker, filter_by=QueryFilter(query_start_time_range=TimeRange(start_time_ms=now_ms - 60_000))
    )
    assert {q.query_id for q in recent} == {good, bad}
    future = TimeRange(start_time_ms=now_ms + 60_000, end_time_ms=now_ms + 120_000)
    assert history_of(alice, marker, filter_by=QueryFilter(query_start_time_range=future)) == []
    by_warehouse = history_of(alice, marker, filter_by=QueryFilter(warehouse_ids=["another-warehouse"]))
    assert by_warehouse == []


def test_pages_follow_each_other_without_gaps_or_repeats(
    client_for: Callable[[str], WorkspaceClient], local_warehouse: LocalWarehouse
) -> None:
    marker, carol = uuid.uuid4().hex, client_for("carol@example.com")
    ids = [marked(marker, carol, local_warehouse) for _ in range(5)]
    seen: list[str] = []
    page = carol.query_history.list(max_results=2, filter_by=QueryFilter(statement_ids=ids))
    pages = 1
    while True:
        seen += [q.query_id or "" for q in page.res or []]
        if not page.has_next_page:
            assert page.next_page_token is None
            break
        marked(marker, carol, local_warehouse)  # a statement started meanwhile shifts nothing
        page = carol.query_history.list(max_results=2, page_token=page.next_page_token)
        pages += 1
    assert pages == 3
    assert seen == list(reversed(ids))  # most recently started first


def test_metrics_are_included_when_asked(
    client_for: Callable[[str], WorkspaceClient], local_warehouse: LocalWarehouse
) -> None:
    marker, alice = uuid.uuid4().hex, client_for("alice@example.com")
    marked(marker, alice, local_warehouse, "SELECT * FROM samples.nyctaxi.trips LIMIT 3")
    (entry,) = history_of(alice, marker, include_metrics=True)
    assert entry.metrics is not None
    assert entry.metrics.rows_produced_count == 3
    assert entry.metrics.execution_time_ms is not None
    assert entry.metrics.compilation_time_ms is not None
    assert entry.metrics.total_time_ms == entry.duration
    assert entry.metrics.result_from_cache is False


@pytest.mark.parametrize(
    "query",
    [
        {"max_results": 0},
        {"max_results": 1000},
        {"max_results": "many"},
        {"page_token": "not-a-token"},
        {"filter_by.statuses": "DONE"},
        {"filter_by.user_ids": "alice"},
        {
            "filter_by.query_start_time_range.start_time_ms": 0,
            "filter_by.query_start_time_range.end_time_ms": 31 * 86_400_000,
        },
        {"filter_by.query_start_time_range.start_time_ms": 10, "filter_by.query_start_time_range.end_time_ms": 5},
    ],
)
def test_an_invalid_listing_is_invalid_parameter_value(
    client_for: Callable[[str], WorkspaceClient], query: dict[str, object]
) -> None:
    with pytest.raises(InvalidParameterValue):
        client_for("alice@example.com").api_client.do("GET", "/api/2.0/sql/history/queries", query=query)


def test_the_history_is_bounded_oldest_first() -> None:
    history = QueryHistory(max_entries=3)
    principal = Principal("1", "someone@example.com", "Someone")
    for n in range(5):
        history.record(QueryEntry(f"q{n}", principal, "w", "SELECT 1", "SELECT", None, query_start_time_ms=n))
    assert [e.query_id for e in history.entries()] == ["q4", "q3", "q2"]
    history.update("q0", state="FAILED")  # forgotten: nothing to change, and nothing comes back
    assert len(history.entries()) == 3
