"""Create query_cache: the shared level of the analytics layer's result cache.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The payload is JSON text with the column types beside the rows (never a pickled object); the key is
    # a sha256 over principal, query, SQL text, parameters and warehouse.
    op.create_table(
        "query_cache",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("principal", sa.String(330), nullable=False),
        sa.Column("query_name", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("size_bytes >= 0", name="ck_query_cache_size"),
    )
    # Purging expired rows, and evicting the least recently used ones past the total cap.
    op.create_index("ix_query_cache_expires_at", "query_cache", ["expires_at"])
    op.create_index("ix_query_cache_last_used_at", "query_cache", ["last_used_at"])


def downgrade() -> None:
    op.drop_index("ix_query_cache_last_used_at", table_name="query_cache")
    op.drop_index("ix_query_cache_expires_at", table_name="query_cache")
    op.drop_table("query_cache")
