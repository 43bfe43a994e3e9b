"""The inference log store: written per user, read back newest first, paged, never across users."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy

from core.errors import InvalidInput, NotFound
from core.identity import UserIdentity
from core.settings import Settings
from services.inference_logs import get_inference_log, list_inference_logs, trim_statement, write_inference_log
from services.lakebase import transaction

pytestmark = pytest.mark.usefixtures("clean_lakebase")


def _user(name: str) -> UserIdentity:
    return UserIdentity(user_id=name, email=name, user_name=name, workspace_user=None)


def _write(settings: Settings, user: UserIdentity, n: int, status: str = "SUCCESS") -> None:
    write_inference_log(
        settings=settings,
        user=user,
        request_id=f"req-{n}",
        endpoint_name="fare",
        inputs={"dataframe_records": [{"trip_distance": n}]},
        predictions=[n * 2.5] if status == "SUCCESS" else None,
        status=status,  # type: ignore[arg-type]
        execution_time_ms=10 + n,
        error_message=None if status == "SUCCESS" else "bad input",
        completed_at=datetime.now(UTC),
    )


def test_history_is_newest_first_paged_and_per_user(settings: Settings) -> None:
    alice, bob = _user("alice@example.com"), _user("bob@example.com")
    for n in range(5):
        _write(settings, alice, n)
    _write(settings, bob, 99, status="ERROR")

    first = list_inference_logs(settings=settings, user=alice, limit=2)
    second = list_inference_logs(settings=settings, user=alice, limit=2, offset=2)
    last = list_inference_logs(settings=settings, user=alice, limit=2, offset=4)
    assert [log.request_id for log in first.logs] == ["req-4", "req-3"]
    assert [log.request_id for log in second.logs] == ["req-2", "req-1"]
    assert [log.request_id for log in last.logs] == ["req-0"]
    assert (first.has_more, second.has_more, last.has_more) == (True, True, False)
    assert first.logs[0].inputs == {"dataframe_records": [{"trip_distance": 4}]}
    assert first.logs[0].predictions == [10.0]

    bobs = list_inference_logs(settings=settings, user=bob)
    assert [(log.request_id, log.status, log.error_message) for log in bobs.logs] == [("req-99", "ERROR", "bad input")]


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (101, 0), (10, -1)])
def test_paging_bounds(settings: Settings, limit: int, offset: int) -> None:
    with pytest.raises(InvalidInput):
        list_inference_logs(settings=settings, user=_user("a@example.com"), limit=limit, offset=offset)


def test_nul_characters_are_stored_as_replacement_characters(settings: Settings) -> None:
    """Postgres text and JSONB refuse NUL; a model's input or message may hold one (found by the fuzz run)."""
    alice = _user("alice@example.com")
    write_inference_log(
        settings=settings,
        user=alice,
        request_id="req-nul",
        endpoint_name="fare",
        inputs={"inputs": ["a\x00b"], "k\x00": 1},
        predictions=None,
        status="ERROR",
        execution_time_ms=1,
        error_message="bad \x00 input",
        completed_at=datetime.now(UTC),
    )
    [row] = list_inference_logs(settings=settings, user=alice).logs
    assert row.inputs == {"inputs": ["a\ufffdb"], "k\ufffd": 1}
    assert row.error_message == "bad \ufffd input"


def test_one_log_is_read_back_by_its_owner_only(settings: Settings) -> None:
    alice, bob = _user("alice@example.com"), _user("bob@example.com")
    _write(settings, alice, 1)
    [written] = list_inference_logs(settings=settings, user=alice).logs
    found = get_inference_log(settings=settings, user=alice, log_id=written.id)
    assert found == written
    with pytest.raises(NotFound):
        get_inference_log(settings=settings, user=bob, log_id=written.id)
    with pytest.raises(NotFound):
        get_inference_log(settings=settings, user=alice, log_id=written.id + 1000)


def _all(settings: Settings, user: UserIdentity) -> list[str]:
    page = list_inference_logs(settings=settings, user=user, limit=100)
    return [log.request_id for log in page.logs]


def test_each_users_history_keeps_its_newest_rows_up_to_the_cap(
    settings: Settings, settings_with: Callable[..., Settings]
) -> None:
    alice, bob = _user("alice@example.com"), _user("bob@example.com")
    for n in range(3):
        _write(settings, bob, 100 + n)
    capped = settings_with(inference_log_max_rows=10)
    for n in range(25):
        _write(capped, alice, n)
        assert len(_all(capped, alice)) == min(n + 1, 10)  # never over the cap, after any write
    assert _all(capped, alice) == [f"req-{n}" for n in range(24, 14, -1)]  # the oldest went first
    assert _all(settings, bob) == ["req-102", "req-101", "req-100"]  # another user's rows are untouched
    _write(capped, bob, 103)
    assert len(_all(settings, bob)) == 4  # under the cap: nothing deleted


def test_the_default_cap_is_1000_rows_and_the_setting_names_its_variable() -> None:
    assert Settings().inference_log_max_rows == 1000
    assert Settings.from_env({"INFERENCE_LOG_MAX_ROWS": "50"}).inference_log_max_rows == 50
    with pytest.raises(ValueError, match="INFERENCE_LOG_MAX_ROWS"):
        Settings.from_env({"INFERENCE_LOG_MAX_ROWS": "0"})


def test_the_trim_finds_its_rows_through_the_users_index(settings: Settings) -> None:
    """The delete reads the user's newest rows in index order, so a write costs the cap, not the table."""
    alice = _user("alice@example.com")
    with transaction(settings) as connection:
        connection.execute(sqlalchemy.text("SET LOCAL enable_seqscan = off"))
        compiled = trim_statement(user=alice, keep=10).compile(
            dialect=connection.dialect, compile_kwargs={"literal_binds": True}
        )
        plan = "\n".join(row[0] for row in connection.execute(sqlalchemy.text(f"EXPLAIN {compiled}")))
    assert "ix_model_inference_logs_user_created" in plan


def test_values_json_cannot_carry_are_stored_as_json_can(settings: Settings) -> None:
    """A non-finite number becomes null and a lone surrogate U+FFFD, so the row is written, not lost."""
    alice = _user("alice@example.com")
    odd: Any = {"inputs": [float("nan"), "a\ud800", {"k\udfff": float("-inf")}]}
    write_inference_log(
        settings=settings,
        user=alice,
        request_id="req-odd",
        endpoint_name="fare",
        inputs=odd,
        predictions=[float("inf"), "\ud800"],
        status="SUCCESS",
        execution_time_ms=1,
        error_message="echo \ud800",
        completed_at=datetime.now(UTC),
    )
    [row] = list_inference_logs(settings=settings, user=alice).logs
    assert row.inputs == {"inputs": [None, "a\ufffd", {"k\ufffd": None}]}
    assert row.predictions == [None, "\ufffd"]
    assert row.error_message == "echo \ufffd"
