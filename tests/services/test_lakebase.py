"""The Lakebase service against a real PostgreSQL with real rotating tokens."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import psycopg.sql
import pytest
import sqlalchemy

from core.errors import DatabaseUnavailable
from core.identity import UserIdentity
from core.settings import Settings
from local_workspace.lakebase import LocalLakebase
from services import lakebase, preferences
from services.lakebase.migrations import downgrade_to_base, upgrade_to_head

ROOT = Path(__file__).resolve().parents[2]


def _user(name: str) -> UserIdentity:
    return UserIdentity(user_id=name, email=name, user_name=name, workspace_user=None)


def _tables(local_lakebase: LocalLakebase) -> set[str]:
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        rows = admin.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {str(r[0]) for r in rows}


def test_migrations_upgrade_from_empty_downgrade_and_upgrade_again(
    settings: Settings, local_lakebase: LocalLakebase
) -> None:
    downgrade_to_base(settings)
    assert not {"user_preferences", "model_inference_logs"} & _tables(local_lakebase)
    upgrade_to_head(settings)
    assert {"user_preferences", "model_inference_logs", "alembic_version"} <= _tables(local_lakebase)
    upgrade_to_head(settings)  # a second upgrade is a no-op
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        assert admin.execute("SELECT version_num FROM alembic_version").fetchone() == ("0005",)
        indexes = {r[0] for r in admin.execute("SELECT indexname FROM pg_indexes WHERE tablename LIKE '%%_%%'")}
    assert {
        "ix_user_preferences_user_id",
        "ix_model_inference_logs_user_created",
        "uq_saved_views_user_name",
    } <= indexes


def test_alembic_cli_from_several_processes_at_once_does_not_race(
    settings: Settings, local_lakebase: LocalLakebase, tmp_path: Path
) -> None:
    """`alembic upgrade head`, as four workers starting together would run it, under the advisory lock."""
    downgrade_to_base(settings)
    env = os.environ | {
        "DATABRICKS_HOST": str(settings.databricks_host),
        "DATABRICKS_CLIENT_ID": str(settings.client_id),
        "DATABRICKS_CLIENT_SECRET": str(settings.client_secret),
        "DATABRICKS_CONFIG_FILE": str(tmp_path / "none"),
        "PGHOST": str(settings.pg_host),
        "PGPORT": str(settings.pg_port),
        "PGUSER": str(settings.pg_user),
        "PGSSLMODE": "disable",
    }
    alembic = Path(sys.executable).with_name("alembic")
    processes = [
        subprocess.Popen([alembic, "upgrade", "head"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in processes]
    assert all(code == 0 for code, _ in outcomes), outcomes
    assert {"user_preferences", "model_inference_logs"} <= _tables(local_lakebase)


def test_an_expired_token_is_refused_by_postgres(
    settings: Settings, local_lakebase: LocalLakebase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_lakebase, "token_lifetime_seconds", 2)
    credentials = lakebase.CredentialCache(settings)
    token = credentials.token()
    dsn = lakebase.conninfo(settings)
    with psycopg.connect(dsn, password=token) as connection:
        assert connection.execute("SELECT current_user").fetchone() == (settings.pg_user,)
    time.sleep(2.5)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(dsn, password=token)


def test_requests_keep_succeeding_across_several_token_expiries(
    settings_with: Callable[..., Settings],
    local_lakebase: LocalLakebase,
    monkeypatch: pytest.MonkeyPatch,
    clean_lakebase: LocalLakebase,
) -> None:
    monkeypatch.setattr(local_lakebase, "token_lifetime_seconds", 3)
    # Connections live one second, so new ones keep needing a current token.
    short = settings_with(lakebase_pool_max_lifetime_seconds=1, lakebase_pool_min_size=0)
    database = lakebase.get_database(short)
    user = _user("rotation@example.com")
    started, count = time.monotonic(), 0
    try:
        while time.monotonic() - started < 11:
            mode = "dark" if count % 2 else "light"
            saved = preferences.upsert_preference(settings=short, user=user, key="theme", value={"mode": mode})
            assert saved.preference_value == {"mode": mode}
            count += 1
            time.sleep(0.1)
        assert database.credentials.fetched >= 3  # at least three tokens, each used past its predecessor's expiry
    finally:
        database.close()
        lakebase.pool._databases.pop(short, None)
    assert count > 40


def _auth_failures(local_lakebase: LocalLakebase, since: int) -> list[str]:
    """Password-authentication failures Postgres logged after byte `since` of its log."""
    with (local_lakebase.pgdata / "server.log").open("rb") as log:
        log.seek(since)
        text = log.read().decode("utf-8", "replace")
    return [line for line in text.splitlines() if "password authentication failed" in line]


def _log_size(local_lakebase: LocalLakebase) -> int:
    return (local_lakebase.pgdata / "server.log").stat().st_size


def test_tokens_are_refreshed_before_they_expire(
    settings_with: Callable[..., Settings],
    local_lakebase: LocalLakebase,
    monkeypatch: pytest.MonkeyPatch,
    clean_lakebase: LocalLakebase,
) -> None:
    """The proactive refresh alone: with 3-second tokens and connections that live one second, no connection
    is ever refused for an expired password (the refetch after a refusal would hide a missing refresh)."""
    monkeypatch.setattr(local_lakebase, "token_lifetime_seconds", 3)
    short = settings_with(lakebase_pool_max_lifetime_seconds=1, lakebase_pool_min_size=0)
    since = _log_size(local_lakebase)
    database = lakebase.get_database(short)
    user = _user("refresh@example.com")
    started, count = time.monotonic(), 0
    try:
        while time.monotonic() - started < 8:
            preferences.upsert_preference(settings=short, user=user, key="theme", value={"mode": "dark"})
            count += 1
            time.sleep(0.1)
        fetched = database.credentials.fetched
    finally:
        database.close()
        lakebase.pool._databases.pop(short, None)
    assert count > 30
    assert fetched >= 3
    assert _auth_failures(local_lakebase, since) == []


def test_a_password_changed_elsewhere_is_fetched_again_once(
    settings_with: Callable[..., Settings], local_lakebase: LocalLakebase, clean_lakebase: LocalLakebase
) -> None:
    """The refetch alone: tokens live an hour (no refresh is due), the role's password is rotated from
    outside (another worker, another instance), and the next request still succeeds with one new token."""
    short = settings_with(lakebase_pool_min_size=0, app_name="refetch-test")
    database = lakebase.get_database(short)
    user = _user("refetch@example.com")
    try:
        preferences.upsert_preference(settings=short, user=user, key="theme", value={"mode": "dark"})
        before = database.credentials.fetched
        since = _log_size(local_lakebase)
        with local_lakebase.admin_connection() as admin:
            admin.execute(
                psycopg.sql.SQL("ALTER ROLE {} PASSWORD 'rotated-elsewhere'").format(
                    psycopg.sql.Identifier(str(short.pg_user))
                )
            )
            # This pool's connections end (as after their lifetime), so the next request needs a new one.
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                (short.app_name,),
            )
        saved = preferences.upsert_preference(settings=short, user=user, key="theme", value={"mode": "light"})
        after = database.credentials.fetched
    finally:
        database.close()
        lakebase.pool._databases.pop(short, None)
    assert saved.preference_value == {"mode": "light"}
    assert after - before == 1
    # The stale token was refused (by each connection opened with it at once), then replaced by one new token.
    assert _auth_failures(local_lakebase, since)


def test_thirty_concurrent_writers_share_a_pool_of_ten(
    settings: Settings, local_lakebase: LocalLakebase, clean_lakebase: LocalLakebase
) -> None:
    assert settings.lakebase_pool_max_size == 10
    peak = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        with local_lakebase.admin_connection() as admin:
            while not stop.is_set():
                row = admin.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (settings.pg_user,)
                ).fetchone()
                peak = max(peak, int(str(row[0])) if row else 0)
                time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    results: list[Any] = []

    def write(i: int) -> None:
        try:
            for n in range(5):
                preferences.upsert_preference(
                    settings=settings,
                    user=_user(f"writer{i}@example.com"),
                    key="favorite_tables",
                    value={"tables": [f"c.s.t{n}"]},
                )
            results.append("ok")
        except Exception as error:
            results.append(error)

    writers = [threading.Thread(target=write, args=(i,)) for i in range(30)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=60)
    stop.set()
    watcher.join()
    assert results == ["ok"] * 30
    assert 1 <= peak <= 10
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        assert admin.execute("SELECT count(*) FROM user_preferences").fetchone() == (30,)


def test_outage_is_ec002_and_recovers_without_restart(
    settings: Settings, local_lakebase: LocalLakebase, clean_lakebase: LocalLakebase
) -> None:
    user = _user("outage@example.com")
    preferences.upsert_preference(settings=settings, user=user, key="theme", value={"mode": "dark"})
    local_lakebase.stop()
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            preferences.list_preferences(settings=settings, user=user)
        assert raised.value.retry_after
        assert raised.value.to_body()["error_code"] == "DATABASE_UNAVAILABLE"
    finally:
        local_lakebase.start()
    deadline = time.monotonic() + 30
    while True:
        try:
            stored = preferences.list_preferences(settings=settings, user=user)
            break
        except DatabaseUnavailable:
            assert time.monotonic() < deadline, "no recovery within 30 s"
            time.sleep(0.5)
    assert [p.preference_value for p in stored] == [{"mode": "dark"}]


def test_sqlalchemy_and_the_pool_are_one(settings: Settings) -> None:
    database = lakebase.get_database(settings)
    with database.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert isinstance(raw, lakebase.LakebaseConnection)
        assert connection.execute(sqlalchemy.text("SELECT 1")).scalar_one() == 1
    assert database.pool.get_stats()["pool_max"] == 10
