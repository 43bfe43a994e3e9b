"""The CSV of an export, safe to open in a spreadsheet, and the limit on the exports a user runs at once.

Formula safety (OWASP's "CSV injection"): a spreadsheet runs a cell that begins with '=', '+', '-', '@', a tab
or a carriage return as a formula. Such a cell of a text column (a column of any type but the numeric ones,
as Unity Catalog types it) is written with a single quote before it, which spreadsheets show as text; and
every text cell is quoted, so a ',' or a ';' (the separator of some locales) inside it cannot start a new
cell. Numeric columns are written bare, so a negative number stays a number. Column names in the header, which
come from the table's metadata, are neutralized the same way.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from core.errors import TooManyRequests
from services.warehouse.sql import is_numeric

# An export ends after this many bytes (the header included), at the end of the last whole row that fits.
EXPORT_MAX_BYTES = 50 * 1024 * 1024
# Exports one user may run at once in one app process; the next is TOO_MANY_REQUESTS until one ends.
MAX_EXPORTS_PER_USER = 2
RETRY_AFTER_SECONDS = 10
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
# A header cell with one of these is quoted (a plain column name is left bare).
NEEDS_QUOTES = re.compile(r'[,;"\r\n\t]')


def text_columns(columns: Mapping[str, str]) -> list[int]:
    """The positions of the columns written as text: every one but the numeric ones."""
    return [i for i, kind in enumerate(columns.values()) if not is_numeric(kind)]


def neutralized(text: str) -> str:
    """`text`, with a single quote before it when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def render_header(names: Sequence[str]) -> str:
    """The header line: each name neutralized, and quoted when neutralized or when it holds a separator."""
    cells = []
    for name in names:
        safe = neutralized(name)
        quoted = safe != name or NEEDS_QUOTES.search(name)
        cells.append('"' + safe.replace('"', '""') + '"' if quoted else safe)
    return ",".join(cells) + "\r\n"


def _safe_row(row: Sequence[Any], text_indexes: Sequence[int]) -> Sequence[Any]:
    for i in text_indexes:
        value = row[i]
        if isinstance(value, str) and value.startswith(FORMULA_LEADS):
            row = [*row[:i], "'" + value, *row[i + 1 :]]
    return row


def render_rows(rows: Sequence[Sequence[Any]], text_indexes: Sequence[int]) -> str:
    """The CSV lines of `rows`: text cells (at `text_indexes`, given as strings) neutralized and quoted, numbers
    bare, NULL empty."""
    buffer = io.StringIO()
    # QUOTE_NONNUMERIC quotes every string and no number: the export asks the warehouse for text columns as
    # strings, and numeric ones as numbers.
    csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC).writerows(_safe_row(row, text_indexes) for row in rows)
    return buffer.getvalue()


def render_within(rows: Sequence[Sequence[Any]], text_indexes: Sequence[int], room: int) -> tuple[str, int, int]:
    """(text, its size in bytes, rows in it) of the leading whole rows of `rows` that fit in `room` bytes."""
    text = render_rows(rows, text_indexes)
    size = len(text.encode())
    if size <= room:
        return text, size, len(rows)
    lines, size = [], 0
    for row in rows:
        line = render_rows([row], text_indexes)
        line_size = len(line.encode())
        if size + line_size > room:
            break
        lines.append(line)
        size += line_size
    return "".join(lines), size, len(lines)


class ExportSlots:
    """How many exports each user runs at once in this process, at most `limit` each."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def taken(self, user_id: str) -> Iterator[None]:
        """Hold one of the user's slots for the block; TooManyRequests when they are all taken."""
        with self._lock:
            if self._running[user_id] >= self.limit:
                raise TooManyRequests(
                    f"You already run {self.limit} exports at once: wait for one to finish, then try again.",
                    technical_details={"max_concurrent_exports": self.limit},
                    retry_after=RETRY_AFTER_SECONDS,
                )
            self._running[user_id] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[user_id] -= 1
                if self._running[user_id] <= 0:
                    del self._running[user_id]

    def running(self, user_id: str) -> int:
        """How many exports the user runs now."""
        with self._lock:
            return self._running[user_id]


slots = ExportSlots(MAX_EXPORTS_PER_USER)
