"""Lakebase (managed Postgres): the pooled connection source, its credentials, its schema and migrations.

Services that store data (preferences, inference logs) use `transaction` and `call_with_retries`; nothing
outside services/ touches the pool."""

from __future__ import annotations

from services.lakebase.credentials import CredentialCache
from services.lakebase.pool import (
    LakebaseConnection,
    LakebaseDatabase,
    call_with_retries,
    close_databases,
    conninfo,
    get_database,
    is_configured,
    lock_in_transaction,
    open_database,
    ping,
    transaction,
)

__all__ = [
    "CredentialCache",
    "LakebaseConnection",
    "LakebaseDatabase",
    "call_with_retries",
    "close_databases",
    "conninfo",
    "get_database",
    "is_configured",
    "lock_in_transaction",
    "open_database",
    "ping",
    "transaction",
]
