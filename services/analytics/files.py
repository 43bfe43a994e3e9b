"""Query files: read, parse and check each `queries/<name>.sql` once per directory (see the package docstring).

A file that cannot be used raises QueryFileError naming the file and the line, so a bad file stops the app at
start instead of failing a page later."""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import sqlglot
from sqlglot import TokenType, exp
from sqlglot.errors import ParseError, TokenError

from core.settings import Settings
from services.analytics.parameters import QueryParameter, SqlType, parse_default, parse_type

DIALECT = "databricks"
DEFAULT_CACHE_TTL_SECONDS = 300
MAX_CACHE_TTL_SECONDS = 7 * 24 * 3600
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PARAM_LINE = re.compile(r"^@param\s+(?P<name>\S+)\s+(?P<type>[^=]+?)\s*(?:=\s*(?P<default>.+?))?\s*$")
RunAs = Literal["user", "app"]


class QueryFileError(ValueError):
    """A query file the app cannot use; the message starts with `<file>:<line>:`."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        self.path, self.line, self.problem = path, line, problem
        super().__init__(f"{path}:{line}: {problem}")


@dataclass(frozen=True)
class QueryFile:
    """One checked query file: its SQL (header removed), how it runs and the parameters it declares."""

    name: str
    path: Path
    sql: str
    run_as: RunAs
    cache_ttl_seconds: int
    parameters: tuple[QueryParameter, ...]
    description: str

    @property
    def sql_hash(self) -> str:
        """sha256 of the SQL text, part of every cache key: an edited query never meets its old results."""
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def parameter(self, name: str) -> QueryParameter | None:
        """The declared parameter called `name`, if any."""
        return next((p for p in self.parameters if p.name == name), None)


@dataclass
class _Header:
    description: list[str]
    parameters: list[QueryParameter]
    declared_on: dict[str, int]
    run_as: RunAs = "user"
    cache_ttl_seconds: int = DEFAULT_CACHE_TTL_SECONDS


def _directive(path: Path, number: int, text: str, header: _Header) -> None:
    """Apply one `@...` header line to `header`, or raise naming the line."""
    keyword = text.split(maxsplit=1)[0]
    argument = text[len(keyword) :].strip()
    if keyword == "@param":
        header.parameters.append(_param(path, number, text, header))
    elif keyword == "@run_as":
        if argument not in ("user", "app"):
            raise QueryFileError(path, number, f"@run_as must be 'user' or 'app', got {argument!r}")
        header.run_as = "user" if argument == "user" else "app"
    elif keyword == "@cache_ttl":
        if not argument.isdigit() or int(argument) > MAX_CACHE_TTL_SECONDS:
            raise QueryFileError(path, number, f"@cache_ttl must be whole seconds, 0..{MAX_CACHE_TTL_SECONDS}")
        header.cache_ttl_seconds = int(argument)
    else:
        raise QueryFileError(path, number, f"unknown header directive {keyword!r} (@param, @run_as, @cache_ttl)")


def _param(path: Path, number: int, text: str, header: _Header) -> QueryParameter:
    match = PARAM_LINE.match(text)
    if match is None:
        raise QueryFileError(path, number, "expected '-- @param <name> <TYPE> [= <default>]'")
    name = match["name"]
    if not NAME_PATTERN.match(name):
        raise QueryFileError(path, number, f"parameter name {name!r} must be lower_snake_case")
    if name in header.declared_on:
        raise QueryFileError(path, number, f"parameter {name!r} is declared twice")
    try:
        sql_type: SqlType = parse_type(match["type"])
        given = match["default"]
        default = parse_default(given, sql_type) if given is not None else None
    except ValueError as error:
        raise QueryFileError(path, number, f"parameter {name!r}: {error}") from None
    header.declared_on[name] = number
    return QueryParameter(name=name, sql_type=sql_type, default=default, required=given is None)


def _read_header(path: Path, lines: list[str]) -> tuple[_Header, int]:
    """The header (leading `--` lines, blank lines allowed) and the index of the first SQL line."""
    header = _Header(description=[], parameters=[], declared_on={})
    index = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            return header, index
        text = stripped[2:].strip()
        if text.startswith("@"):
            _directive(path, index + 1, text, header)
        elif text:
            header.description.append(text)
    return header, len(lines)


def _second_statement_line(sql: str, first_line: int) -> int:
    """The file line where a second statement starts (the token after the first `;`)."""
    tokens = sqlglot.Dialect.get_or_raise(DIALECT).tokenize(sql)
    for semicolon, following in itertools.pairwise(tokens):
        if semicolon.token_type == TokenType.SEMICOLON:
            return following.line + first_line - 1
    return first_line


def _placeholder_lines(sql: str, first_line: int) -> dict[str, int]:
    """Where each `:name` first appears (file line numbers), from sqlglot's tokens."""
    tokens = sqlglot.Dialect.get_or_raise(DIALECT).tokenize(sql)
    found: dict[str, int] = {}
    for colon, name in itertools.pairwise(tokens):
        if colon.token_type == TokenType.COLON and name.start == colon.end + 1:
            found.setdefault(name.text, colon.line + first_line - 1)
    return found


def _check_sql(path: Path, sql: str, first_line: int, header: _Header) -> None:
    """One SELECT (or WITH ... SELECT, or a set operation of SELECTs), using only declared parameters."""
    try:
        statements = [tree for tree in sqlglot.parse(sql, read=DIALECT) if tree is not None]
    except (ParseError, TokenError) as error:
        errors = getattr(error, "errors", None) or [{}]
        line = first_line + int(errors[0].get("line") or 1) - 1
        raise QueryFileError(path, line, f"not valid Databricks SQL: {errors[0].get('description', error)}") from None
    if not statements:
        raise QueryFileError(path, first_line, "the file has no SQL statement after its header")
    if len(statements) > 1:
        line = _second_statement_line(sql, first_line)
        raise QueryFileError(path, line, f"the file must hold exactly one statement, found {len(statements)}")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise QueryFileError(path, first_line, f"the statement must be a SELECT, found {tree.key.upper()}")
    used = {str(p.this) for p in tree.find_all(exp.Placeholder) if p.this}
    lines = _placeholder_lines(sql, first_line)
    for name in sorted(used - set(header.declared_on), key=lambda n: lines.get(n, first_line)):
        raise QueryFileError(path, lines.get(name, first_line), f"parameter :{name} is used but not declared")
    for name in set(header.declared_on) - used:
        raise QueryFileError(path, header.declared_on[name], f"parameter {name!r} is declared but never used")


def load_query_file(path: Path) -> QueryFile:
    """Parse and check one query file; QueryFileError (file:line: problem) when it cannot be used."""
    name = path.stem
    if not NAME_PATTERN.match(name):
        raise QueryFileError(path, 1, "a query file's name must be lower_snake_case .sql (it is the query's name)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QueryFileError(path, 1, f"cannot be read as UTF-8 text: {type(error).__name__}") from None
    lines = text.splitlines()
    header, first = _read_header(path, lines)
    sql = "\n".join(lines[first:]).strip().rstrip(";").strip()
    _check_sql(path, sql, first + 1, header)
    return QueryFile(
        name=name,
        path=path,
        sql=sql,
        run_as=header.run_as,
        cache_ttl_seconds=header.cache_ttl_seconds,
        parameters=tuple(header.parameters),
        description=" ".join(header.description),
    )


_loaded: dict[Path, Mapping[str, QueryFile]] = {}
_loaded_lock = threading.Lock()


def query_files(settings: Settings) -> Mapping[str, QueryFile]:
    """Every query file of the settings' queries_dir, by name, loaded and checked once per directory (a
    missing directory has none); QueryFileError for the first file that cannot be used."""
    directory = settings.queries_dir  # as given: a lookup per query run must not touch the file system
    with _loaded_lock:
        found = _loaded.get(directory)
        if found is None:
            paths = sorted(directory.glob("*.sql")) if directory.is_dir() else []
            found = _loaded[directory] = MappingProxyType({p.stem: load_query_file(p) for p in paths})
        return found
