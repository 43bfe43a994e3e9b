"""CSV exports stream: the result is read from the warehouse in pieces, and the connection is given back
when the export is read to its end, or closed when the reader stops early."""

from __future__ import annotations

import pytest
from databricks.sql.client import Cursor

from core.errors import CatalogPermissionDenied
from core.identity import UserIdentity
from core.settings import Settings
from services import warehouse
from services.warehouse import TableRef, queries

TRIPS = TableRef("samples", "nyctaxi", "trips")
ALICE = UserIdentity("alice@example.com", "alice@example.com", "alice", None, access_token="dapi-local-alice-0001")
BOB = UserIdentity("bob@example.com", "bob@example.com", "bob", None, access_token="dapi-local-bob-0002")


def test_an_export_reads_its_rows_in_pieces_never_all_at_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fetch_everything(self: Cursor) -> None:
        raise AssertionError("an export must not hold all its rows")

    monkeypatch.setattr(Cursor, "fetchall", fetch_everything)
    monkeypatch.setattr(queries, "EXPORT_BATCH_ROWS", 7)
    pieces = list(warehouse.export_csv(settings=settings, user=ALICE, table=TRIPS, max_rows=30))
    lines = "".join(pieces).strip().splitlines()
    assert len(lines) == 31  # the header and 30 rows
    assert len([p for p in pieces if p]) == 5  # 7 + 7 + 7 + 7 + 2 rows, the header with the first


def test_the_connection_goes_back_when_read_to_the_end_and_is_closed_when_abandoned(settings: Settings) -> None:
    warehouse.close_connections()
    opened = warehouse._cache.opened
    "".join(warehouse.export_csv(settings=settings, user=ALICE, table=TRIPS, max_rows=10))
    warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, limit=1)
    assert warehouse._cache.opened == opened + 1  # the page reused the export's connection

    abandoned = warehouse.export_csv(settings=settings, user=ALICE, table=TRIPS, max_rows=5000)
    next(abandoned)
    abandoned.close()  # a client that went away
    warehouse.query_page(settings=settings, user=ALICE, table=TRIPS, limit=1)
    assert warehouse._cache.opened == opened + 2  # its session may be mid-result: closed, not reused


def test_a_refused_export_fails_before_the_first_byte(settings: Settings) -> None:
    """The statement runs when the export is asked for, so the API answers 403 instead of a broken download."""
    with pytest.raises(CatalogPermissionDenied):
        warehouse.export_csv(settings=settings, user=BOB, table=TableRef("samples", "tpch", "orders"))
