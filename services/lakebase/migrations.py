"""Apply the Alembic migrations in migrations/ (the app never calls create_all)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from core.settings import Settings

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def alembic_config(settings: Settings) -> Config:
    """Alembic's configuration, carrying these settings to migrations/env.py."""
    config = Config(str(ALEMBIC_INI))
    config.attributes["settings"] = settings
    return config


def upgrade_to_head(settings: Settings) -> None:
    """Bring the schema up to date; safe to run from several processes at once (advisory lock)."""
    command.upgrade(alembic_config(settings), "head")


def downgrade_to_base(settings: Settings) -> None:
    """Remove every table the migrations made."""
    command.downgrade(alembic_config(settings), "base")


def schema_revisions(settings: Settings) -> tuple[str | None, str]:
    """(the database's current revision, the newest revision in migrations/): equal when up to date.

    Over a connection of its own, closed after, so a check leaves no pool behind."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from services.lakebase.pool import open_database

    head = ScriptDirectory.from_config(alembic_config(settings)).get_current_head() or ""
    database = open_database(settings, min_size=0, max_size=1)
    try:
        with database.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        database.close()
    return current, head
