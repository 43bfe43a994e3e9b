"""Create running_queries: the cancel registry, in Lakebase instead of a pickled disk cache.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "running_queries",
        sa.Column("query_token", sa.String(64), primary_key=True),
        sa.Column("statement_id", sa.String(128), nullable=False),
        sa.Column("owner_user_id", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_running_queries_created_at", "running_queries", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_running_queries_created_at", table_name="running_queries")
    op.drop_table("running_queries")
