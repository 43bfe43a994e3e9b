"""Databricks' datetime patterns (`yyyy-MM-dd HH:mm:ss.SSS`, `MMM d`, `EEEE`, `'T'` quoted text) as DuckDB
strftime / strptime formats, and the functions that take them: date_format, to_date, to_timestamp,
try_to_timestamp, unix_timestamp, from_unixtime. Converted here from the text as written (sqlglot's own
conversion loses letters it does not know, which would then print as themselves).

A pattern letter with no DuckDB equivalent is refused (UNSUPPORTED_FEATURE), never printed literally; a
pattern Databricks itself refuses fails with its class (INVALID_DATETIME_PATTERN)."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlglot import exp

from local_workspace.sql_errors import sql_error
from local_workspace.sql_templates import ansi, as_date, as_timestamp, fill, string_value

Handler = Callable[[exp.Expr], exp.Expr | None]

# (letter, run length or None for any) → (format directive, parse directive)
DIRECTIVES: dict[tuple[str, int | None], tuple[str, str]] = {
    ("y", 2): ("%y", "%y"),
    ("y", None): ("%Y", "%Y"),
    ("M", 1): ("%-m", "%m"),
    ("M", 2): ("%m", "%m"),
    ("M", 3): ("%b", "%b"),
    ("M", 4): ("%B", "%B"),
    ("L", 1): ("%-m", "%m"),
    ("L", 2): ("%m", "%m"),
    ("d", 1): ("%-d", "%d"),
    ("d", 2): ("%d", "%d"),
    ("D", 1): ("%-j", "%j"),
    ("D", 3): ("%j", "%j"),
    ("H", 1): ("%-H", "%H"),
    ("H", 2): ("%H", "%H"),
    ("h", 1): ("%-I", "%I"),
    ("h", 2): ("%I", "%I"),
    ("m", 1): ("%-M", "%M"),
    ("m", 2): ("%M", "%M"),
    ("s", 1): ("%-S", "%S"),
    ("s", 2): ("%S", "%S"),
    ("S", 3): ("%g", "%g"),
    ("S", 6): ("%f", "%f"),
    ("a", 1): ("%p", "%p"),
    ("E", 1): ("%a", "%a"),
    ("E", 2): ("%a", "%a"),
    ("E", 3): ("%a", "%a"),
    ("E", 4): ("%A", "%A"),
}
TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|.", re.S)
DEFAULT_TIMESTAMP = "yyyy-MM-dd HH:mm:ss"
# Databricks' quarter letters go up to QQQQ; more is INVALID_DATETIME_PATTERN.LENGTH (date_format's page).
MAX_QUARTER_LETTERS = 4


def strftime_format(pattern: str, *, parsing: bool = False) -> str:
    """The DuckDB format for a Databricks datetime pattern, or UNSUPPORTED_FEATURE for a letter DuckDB lacks."""
    parts = []
    for token in TOKEN.finditer(pattern):
        text = token.group(0)
        if text.startswith("'"):
            parts.append("'" if text == "''" else text[1:-1].replace("''", "'").replace("%", "%%"))
        elif text[0].isalpha():
            if text[0] in "Qq" and len(text) > MAX_QUARTER_LETTERS:
                raise sql_error(
                    "INVALID_DATETIME_PATTERN.LENGTH",
                    f"Too many letters in datetime pattern: {text}. Please reduce pattern length.",
                )
            found = DIRECTIVES.get((text[0], len(text))) or DIRECTIVES.get((text[0], None))
            if found is None:
                raise sql_error(
                    "UNSUPPORTED_FEATURE",
                    f"The local workspace does not emulate the datetime pattern letters '{text}' (in '{pattern}').",
                )
            parts.append(found[1] if parsing else found[0])
        else:
            parts.append("%%" if text == "%" else text)
    return "".join(parts)


def _pattern(node: exp.Expr | None, *, parsing: bool) -> str:
    text = string_value(node)
    if text is None:
        raise sql_error("UNSUPPORTED_FEATURE", "The local workspace emulates datetime patterns given as literals only.")
    return strftime_format(text, parsing=parsing)


def date_format(node: exp.Expr) -> exp.Expr:
    """date_format(expr, pattern)."""
    value, pattern = node.expressions
    return fill("strftime(_0, _1)", as_timestamp(value), _pattern(pattern, parsing=False))


def to_timestamp(node: exp.Expr, *, safe: bool = False) -> exp.Expr:
    """to_timestamp(expr [, pattern]) / try_to_timestamp."""
    value, *pattern = node.expressions
    if not pattern:
        if string_value(value) is not None and not safe:
            return as_timestamp(value)
        return fill("TRY_CAST(_0 AS TIMESTAMP)" if safe else "CAST(_0 AS TIMESTAMP)", value)
    function = "try_strptime" if safe or not ansi() else "strptime"
    return fill(f"{function}(CAST(_0 AS VARCHAR), _1)", value, _pattern(pattern[0], parsing=True))


def to_date(node: exp.Expr) -> exp.Expr:
    """to_date(expr [, pattern])."""
    value, *pattern = node.expressions
    if not pattern:
        return as_date(value)
    function = "strptime" if ansi() else "try_strptime"
    return fill(f"CAST({function}(CAST(_0 AS VARCHAR), _1) AS DATE)", value, _pattern(pattern[0], parsing=True))


def unix_timestamp(node: exp.Expr) -> exp.Expr:
    """unix_timestamp([expr [, pattern]]): seconds since the epoch, a BIGINT (the session time zone is UTC)."""
    if not node.expressions:
        return fill("CAST(epoch(current_timestamp) AS BIGINT)")
    value, *pattern = node.expressions
    text = pattern[0] if pattern else exp.Literal.string(DEFAULT_TIMESTAMP)
    if string_value(value) is not None or pattern:
        parsed = fill("strptime(CAST(_0 AS VARCHAR), _1)", value, _pattern(text, parsing=True))
        return fill("CAST(epoch(_0) AS BIGINT)", parsed)
    return fill("CAST(epoch(_0) AS BIGINT)", value)


def from_unixtime(node: exp.Expr) -> exp.Expr:
    """from_unixtime(seconds [, pattern]): the time as text, in the session time zone (UTC)."""
    seconds, *pattern = node.expressions
    text = pattern[0] if pattern else exp.Literal.string(DEFAULT_TIMESTAMP)
    moment = fill("make_timestamp(CAST(_0 AS BIGINT) * 1000000)", seconds)
    return fill("strftime(_0, _1)", moment, _pattern(text, parsing=False))


BY_NAME: dict[str, Handler] = {
    "date_format": date_format,
    "to_timestamp": to_timestamp,
    "try_to_timestamp": lambda node: to_timestamp(node, safe=True),
    "to_date": to_date,
    "unix_timestamp": unix_timestamp,
    "to_unix_timestamp": unix_timestamp,
    "from_unixtime": from_unixtime,
}
