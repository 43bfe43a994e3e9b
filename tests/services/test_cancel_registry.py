"""The cancel registry in Lakebase (running_queries): shared by every pool, process and app instance, owned by
user id, plain rows with an expiry, and best effort when Lakebase is down. Nothing is pickled, nothing is
written to a shared local path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.identity import UserIdentity
from core.settings import Settings
from local_workspace.lakebase import LocalLakebase
from local_workspace.warehouse import LocalWarehouse
from services import warehouse
from services.lakebase import close_databases
from services.warehouse import TableRef, cancel
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
TRIPS = TableRef("samples", "nyctaxi", "trips")


def user(name: str, token: str | None) -> UserIdentity:
    return UserIdentity(user_id=name, email=name, user_name=name, workspace_user=None, access_token=token)


ALICE = user("alice@example.com", "dapi-local-alice-0001")
BOB = user("bob@example.com", "dapi-local-bob-0002")


@pytest.fixture
def clean_registry(local_lakebase: LocalLakebase, settings: Settings) -> LocalLakebase:
    """No running query left from another test."""
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        admin.execute("DELETE FROM running_queries")
    return local_lakebase


def rows(local_lakebase: LocalLakebase) -> list[tuple[Any, ...]]:
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        return admin.execute(
            "SELECT query_token, statement_id, owner_user_id, pg_typeof(statement_id)::text FROM running_queries"
        ).fetchall()


def slow_query(settings: Settings, who: UserIdentity, token: str) -> tuple[threading.Thread, list[Any]]:
    """A page query under `token` that the local warehouse keeps running for 5 s, started in a thread."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(warehouse.query_page(settings=settings, user=who, table=TRIPS, query_token=token))
        except warehouse.QueryCancelled as error:
            outcome.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    started = time.monotonic()
    while cancel.registry(settings).find(token) is None:
        assert time.monotonic() - started < 5, "the statement was never registered"
        time.sleep(0.02)
    return worker, outcome


@pytest.mark.usefixtures("clean_registry")
def test_registered_through_one_pool_found_through_another(
    settings: Settings, settings_with: Callable[..., Settings], local_lakebase: LocalLakebase
) -> None:
    other = settings_with(lakebase_pool_max_size=11)  # another Settings: another registry object and pool
    assert cancel.registry(other) is not cancel.registry(settings)
    assert cancel.registry(settings).register("tok-pools", "stmt-1", "alice@example.com") is True
    assert cancel.registry(other).find("tok-pools") == ("stmt-1", "alice@example.com")
    assert rows(local_lakebase) == [("tok-pools", "stmt-1", "alice@example.com", "character varying")]
    cancel.registry(other).forget("tok-pools", "alice@example.com")
    assert cancel.registry(settings).find("tok-pools") is None


@pytest.mark.usefixtures("clean_registry")
def test_another_users_forget_or_register_does_not_touch_the_row(settings: Settings) -> None:
    registry = cancel.registry(settings)
    assert registry.register("tok-held", "stmt-alice", "alice@example.com") is True
    registry.forget("tok-held", "bob@example.com")
    # A token chosen to collide with Alice's running query neither takes it over nor hides it.
    assert registry.register("tok-held", "stmt-bob", "bob@example.com") is False
    assert registry.find("tok-held") == ("stmt-alice", "alice@example.com")
    assert registry.register("tok-held", "stmt-alice-2", "alice@example.com") is True  # her own retry
    assert registry.find("tok-held") == ("stmt-alice-2", "alice@example.com")


@pytest.mark.usefixtures("clean_registry")
def test_rows_older_than_an_hour_are_ignored_then_purged(settings: Settings, local_lakebase: LocalLakebase) -> None:
    registry = cancel.registry(settings)
    assert registry.register("tok-old", "stmt-old", "alice@example.com") is True
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        admin.execute("UPDATE running_queries SET created_at = now() - interval '61 minutes'")
    assert registry.find("tok-old") is None
    # An expired row no longer holds its token: another user may take it.
    assert registry.register("tok-old", "stmt-new", "bob@example.com") is True
    assert registry.find("tok-old") == ("stmt-new", "bob@example.com")
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        admin.execute("UPDATE running_queries SET created_at = now() - interval '2 hours'")
    registry._next_purge = 0.0  # the purge is due
    assert registry.register("tok-fresh", "stmt-fresh", "alice@example.com") is True
    assert [r[0] for r in rows(local_lakebase)] == ["tok-fresh"]


@pytest.mark.usefixtures("clean_registry")
def test_a_query_is_registered_while_it_runs_and_forgotten_when_it_ends(
    settings: Settings, local_warehouse: LocalWarehouse, local_lakebase: LocalLakebase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_warehouse, "min_statement_seconds", 1.0)
    worker, outcome = slow_query(settings, ALICE, "tok-lifecycle")
    (token, statement_id, owner, _), *more = rows(local_lakebase)
    assert (token, owner, more) == ("tok-lifecycle", "alice@example.com", [])
    assert statement_id
    worker.join(timeout=10)
    assert outcome[0].row_count == 100
    assert rows(local_lakebase) == []


@pytest.mark.usefixtures("clean_registry")
def test_cancel_from_another_process_reaches_the_query_of_its_owner_only(
    settings: Settings, local_warehouse: LocalWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process stands for another worker or app instance: it shares nothing with this one but Lakebase."""
    monkeypatch.setattr(local_warehouse, "min_statement_seconds", 5.0)
    started = time.monotonic()
    worker, outcome = slow_query(settings, ALICE, "tok-remote")
    script = (
        "import json, os, sys\n"
        "from core.identity import UserIdentity\n"
        "from core.settings import Settings\n"
        "from services import warehouse\n"
        "settings = Settings(**json.loads(os.environ['REGISTRY_TEST_SETTINGS']))\n"
        "for name, token in json.loads(os.environ['REGISTRY_TEST_USERS']):\n"
        "    who = UserIdentity(user_id=name, email=name, user_name=name, workspace_user=None, access_token=token)\n"
        "    print(warehouse.cancel_query(settings=settings, user=who, query_token='tok-remote'), flush=True)\n"
    )
    environment = os.environ | {
        "REGISTRY_TEST_SETTINGS": json.dumps(settings.model_dump()),
        "REGISTRY_TEST_USERS": json.dumps([[BOB.user_id, BOB.access_token], [ALICE.user_id, ALICE.access_token]]),
    }
    answered = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=environment, capture_output=True, text=True, timeout=60
    )
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.split() == ["False", "True"]  # Bob's cancel is refused, Alice's goes through
    worker.join(timeout=10)
    assert isinstance(outcome[0], warehouse.QueryCancelled)
    assert time.monotonic() - started < 15  # stopped, not waited out


def test_lakebase_down_the_query_runs_uncancellable_with_a_warning(
    settings_with: Callable[..., Settings], json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    no_database = settings_with(pg_port=free_port(), lakebase_pool_timeout_seconds=1)
    try:
        started = time.monotonic()
        result = warehouse.query_page(settings=no_database, user=ALICE, table=TRIPS, limit=5, query_token="tok-down")
        first = time.monotonic() - started
        assert result.row_count == 5
        assert warehouse.cancel_query(settings=no_database, user=ALICE, query_token="tok-down") is False
        # Meanwhile the registry is left alone: the next query does not wait for the pool again.
        started = time.monotonic()
        warehouse.query_page(settings=no_database, user=ALICE, table=TRIPS, limit=5, query_token="tok-down-2")
        assert time.monotonic() - started < first
    finally:
        close_databases()  # the pool for the dead port would keep trying in the background
    warnings = [line for line in json_logs() if line["level"] == "WARNING" and "cancel registry" in line["message"]]
    assert len(warnings) == 1
    assert warnings[0]["error_code"] == "DATABASE_UNAVAILABLE"
    assert not [line for line in json_logs() if line["level"] in ("ERROR", "CRITICAL")]


def test_lakebase_not_configured_the_query_runs_uncancellable(settings_with: Callable[..., Settings]) -> None:
    no_database = settings_with(pg_host=None)
    result = warehouse.query_page(settings=no_database, user=ALICE, table=TRIPS, limit=3, query_token="tok-none")
    assert result.row_count == 3
    assert cancel.registry(no_database).find("tok-none") is None


def test_nothing_is_pickled_in_the_services() -> None:
    """The registry's rows are plain text (see the first test); no service serializes Python objects."""
    sources = {path: path.read_text() for path in (REPO / "services").rglob("*.py")}
    for word in ("pickle", "diskcache", "shelve", "dill", "marshal"):
        assert [str(p) for p, text in sources.items() if word in text] == [], word
