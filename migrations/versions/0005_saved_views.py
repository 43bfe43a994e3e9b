"""Create saved_views: the Data page's views a user saved by name (the URL query string that reopens each).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(320), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("table_name", sa.String(767), nullable=False),
        sa.Column("query", sa.String(4096), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 100", name="ck_saved_views_name"),
    )
    # One name per user whatever its case (also the index of a user's list).
    op.create_index("uq_saved_views_user_name", "saved_views", ["user_id", sa.text("lower(name)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_saved_views_user_name", table_name="saved_views")
    op.drop_table("saved_views")
