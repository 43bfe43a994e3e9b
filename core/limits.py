"""Bounds on what a client may send: every integer fits what Postgres (BIGINT) and the SQL warehouse (a
LIMIT/OFFSET literal) can hold, and no JSON nests deep enough to exhaust a parser's recursion, so a hostile
value is a 400, never a database error or a 500."""

from __future__ import annotations

import re

# Far past any real history or table page, far below 2**63.
MAX_OFFSET = 1_000_000_000

# Deeper than any body the app accepts (a preference value, a model's tensor input, a Dash callback with its
# component values), far shallower than Python's recursion limit (1000), which json.loads and every walk of
# the parsed value would otherwise hit first.
MAX_JSON_DEPTH = 64

# Path plus query string, in characters: longer than any URL the app makes (a CSV export with its filters),
# just under gunicorn's request line limit (limit_request_line, 4094 bytes with the method and HTTP version),
# so a longer URL is refused the same way with any server (dashboard/gunicorn_worker.py for gunicorn's).
MAX_URL_LENGTH = 4000

_OUTSIDE_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
_NESTING_STEP = [1 if byte in b"[{" else -1 if byte in b"]}" else 0 for byte in range(256)]


def json_nesting_depth(text: bytes | str, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep JSON text nests its arrays and objects, counted without parsing it; counting stops at
    `limit + 1`, so a hostile body costs one pass over its bytes whatever its depth."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    # Drop what is inside strings: escaped backslashes, then escaped quotes, leave only real quotes, and the
    # text between a quote and the next is a string. Malformed JSON gets some depth; its parser refuses it.
    pieces = data.replace(b"\\\\", b"").replace(b'\\"', b"").split(b'"')
    brackets = b"".join(pieces[0::2]).translate(None, _OUTSIDE_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        depth += _NESTING_STEP[byte]
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


# A surrogate not in a pair: no UTF-8 encoding, so neither JSON text nor Postgres can hold it.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# What a Postgres text or JSONB value cannot hold: NUL, and a lone surrogate.
UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")
