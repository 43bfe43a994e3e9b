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
