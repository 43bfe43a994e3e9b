"""Create model_inference_logs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_inference_logs",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("endpoint_name", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(320), nullable=False),
        sa.Column("inputs", postgresql.JSONB(), nullable=False),
        sa.Column("predictions", postgresql.JSONB(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("execution_time_ms", sa.Integer(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('SUCCESS', 'ERROR', 'TIMEOUT')", name="ck_model_inference_logs_status"),
    )
    op.create_index(
        "ix_model_inference_logs_user_created", "model_inference_logs", ["user_id", sa.text("created_at DESC")]
    )


def downgrade() -> None:
    op.drop_index("ix_model_inference_logs_user_created", table_name="model_inference_logs")
    op.drop_table("model_inference_logs")
