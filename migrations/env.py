"""Alembic environment: migrate Lakebase over the app's own credentials, one migrator at a time."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from core.settings import Settings, get_settings
from services.lakebase import open_database
from services.lakebase.schema import metadata

# Any fixed number: every process migrating the same database takes the same lock.
MIGRATION_LOCK_ID = 727_001


def run_migrations_online() -> None:
    """Run under a Postgres advisory lock, so workers or replicas starting together do not race."""
    settings: Settings = context.config.attributes.get("settings") or get_settings()
    database = open_database(settings, min_size=0, max_size=1)
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
            connection.commit()
            try:
                context.configure(connection=connection, target_metadata=metadata, transaction_per_migration=True)
                with context.begin_transaction():
                    context.run_migrations()
                connection.commit()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
                connection.commit()
    finally:
        database.close()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported: run against the database.")
run_migrations_online()
