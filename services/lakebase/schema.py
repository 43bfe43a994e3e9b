"""The Lakebase tables as SQLAlchemy Core sees them; migrations/ creates them (the app never calls create_all)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

user_preferences = Table(
    "user_preferences",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("user_id", String(320), nullable=False, index=True),
    Column("preference_key", String(64), nullable=False),
    Column("preference_value", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("user_id", "preference_key", name="uq_user_preferences_user_key"),
)

model_inference_logs = Table(
    "model_inference_logs",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("request_id", String(128), nullable=False),
    Column("endpoint_name", String(255), nullable=False),
    Column("user_id", String(320), nullable=False),
    Column("inputs", JSONB, nullable=False),
    Column("predictions", JSONB, nullable=True),
    Column("status", String(16), nullable=False),
    Column("execution_time_ms", Integer, nullable=False),
    Column("error_message", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("status IN ('SUCCESS', 'ERROR', 'TIMEOUT')", name="ck_model_inference_logs_status"),
)
# A user's history, newest first: the one query the logs serve.
Index("ix_model_inference_logs_user_created", model_inference_logs.c.user_id, model_inference_logs.c.created_at.desc())

# The page queries running now, so a Cancel click reaches the statement from any worker of any app instance.
# Plain text columns, no serialized Python objects; a row lives while its statement runs, and is ignored after an hour.
running_queries = Table(
    "running_queries",
    metadata,
    Column("query_token", String(64), primary_key=True),
    Column("statement_id", String(128), nullable=False),
    Column("owner_user_id", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_running_queries_created_at", running_queries.c.created_at)

# Saved views of the Data page, per user: a name (unique per user, whatever its case) and the URL query string
# that reopens the view. Checked here too, so no writer can store what the service would refuse.
saved_views = Table(
    "saved_views",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("user_id", String(320), nullable=False),
    Column("name", String(100), nullable=False),
    Column("table_name", String(767), nullable=False),
    Column("query", String(4096), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("char_length(name) BETWEEN 1 AND 100", name="ck_saved_views_name"),
)
# The user's list, in name order; and one name per user, whatever its case.
Index("uq_saved_views_user_name", saved_views.c.user_id, func.lower(saved_views.c.name), unique=True)
