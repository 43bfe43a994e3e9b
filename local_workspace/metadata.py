"""Databricks SQL's metadata and session statements on the local warehouse, answered from Unity Catalog's
metadata for the caller (what they may not see is absent, as in Databricks):

- SHOW CATALOGS / SHOW SCHEMAS / SHOW TABLES / SHOW COLUMNS, in their documented forms, and the forms
  databricks-sql-connector's SEA backend sends for cursor.catalogs()/schemas()/tables()/columns()
  (`SHOW TABLES IN CATALOG c SCHEMA LIKE 's' LIKE 't'`, `SHOW COLUMNS IN CATALOG c …`, `IN ALL CATALOGS`);
- DESCRIBE [TABLE] [EXTENDED] t;
- USE [CATALOG | SCHEMA | DATABASE] name;
- SET / SET key / SET key = value / SET TIME ZONE … / RESET [key] of the documented session parameters.

Patterns follow Databricks: case-insensitive, `*` (and the connector's `%`) any characters, `|` alternatives.
sqlglot parses none of these into a tree (it falls back to an opaque command), so they are read here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local_workspace.catalog import LocalCatalog
from local_workspace.identities import Principal
from local_workspace.sql_errors import sql_error
from local_workspace.uc_models import Table

STRING, BOOLEAN, INT = "VARCHAR", "BOOLEAN", "INTEGER"
NAME = r"(`(?:[^`]|``)+`|[A-Za-z_][\w]*)"
QUALIFIED = rf"({NAME}(?:\s*\.\s*{NAME}){{0,2}})"
LIKE = r"(?:\s+LIKE)?\s+'(?P<like>(?:[^']|'')*)'"
# Documented session parameters and their defaults (SQL configuration parameters of Databricks SQL).
DEFAULT_SETTINGS = {
    "ANSI_MODE": "true",
    "ENABLE_PHOTON": "true",
    "LEGACY_TIME_PARSER_POLICY": "EXCEPTION",
    "MAX_FILE_PARTITION_BYTES": "128m",
    "READ_ONLY_EXTERNAL_METASTORE": "false",
    "STATEMENT_TIMEOUT": "172800",
    "TIMEZONE": "UTC",
    "USE_CACHED_RESULT": "true",
}
ALIASES = {"SPARK.SQL.SESSION.TIMEZONE": "TIMEZONE", "SPARK.SQL.ANSI.ENABLED": "ANSI_MODE"}
# Values the local engine computes with and cannot change: another value would give other answers, so it is
# refused rather than accepted and ignored.
FIXED = {
    "ANSI_MODE": {"true"},
    "TIMEZONE": {"utc", "etc/utc", "z", "+00:00", "gmt"},
    "LEGACY_TIME_PARSER_POLICY": {"exception"},
}


@dataclass
class Answer:
    """The result of a metadata statement, and what it changes in the session."""

    columns: list[tuple[str, str]]
    rows: list[tuple[Any, ...]]
    catalog: str | None = None
    schema: str | None = None
    settings: dict[str, str] | None = None


@dataclass
class Context:
    """Who asks, and the session's current catalog, schema and settings."""

    principal: Principal
    catalog: LocalCatalog
    current_catalog: str
    current_schema: str
    settings: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))


def unquote(name: str) -> str:
    """An identifier without its backticks; names compare in lower case, as Unity Catalog's do."""
    name = name.strip()
    if name.startswith("`") and name.endswith("`"):
        return name[1:-1].replace("``", "`").lower()
    return name.lower()


def split_name(qualified: str) -> list[str]:
    """The parts of a dotted name (backticked parts may hold dots)."""
    return [unquote(part) for part in re.findall(NAME, qualified)]


def matches(pattern: str | None) -> Callable[[str], bool]:
    """Databricks' SHOW pattern: case-insensitive, `*` or `%` any characters, `_` one, `|` alternatives."""
    if pattern is None:
        return lambda _name: True
    alternatives = [a.strip().replace("''", "'") for a in pattern.split("|")]
    translated = [
        "".join(".*" if c in "*%" else "." if c == "_" else re.escape(c) for c in alternative)
        for alternative in alternatives
    ]
    compiled = re.compile("|".join(f"(?:{t})" for t in translated), re.IGNORECASE)
    return lambda name: compiled.fullmatch(name) is not None


def _not_found(kind: str, name: str) -> Exception:
    error_class = {"catalog": "NO_SUCH_CATALOG_EXCEPTION", "schema": "SCHEMA_NOT_FOUND"}.get(
        kind, "TABLE_OR_VIEW_NOT_FOUND"
    )
    shown = "`" + "`.`".join(name.split(".")) + "`"
    return sql_error(error_class, f"The {kind} {shown} cannot be found. Verify the spelling and correctness.")


def _schema_of(context: Context, parts: list[str]) -> tuple[str, str]:
    """(catalog, schema) a one- or two-part name designates, if the caller may see it."""
    catalog, schema = (context.current_catalog, parts[0]) if len(parts) == 1 else (parts[0], parts[1])
    if catalog not in context.catalog.catalogs(context.principal):
        raise _not_found("catalog", catalog)
    if schema not in context.catalog.schemas(context.principal, catalog):
        raise _not_found("schema", f"{catalog}.{schema}")
    return catalog, schema


def _table_of(context: Context, parts: list[str]) -> Table:
    names = [context.current_catalog, context.current_schema][: 3 - len(parts)] + parts
    full_name = ".".join(names)
    table = context.catalog.table(context.principal, full_name)
    if table is None:
        raise _not_found("table or view", full_name)
    return table


def _tables_in(context: Context, catalogs: list[str], schema_like: str | None, table_like: str | None) -> list[Table]:
    schema_ok, table_ok = matches(schema_like), matches(table_like)
    found = []
    for catalog in catalogs:
        if catalog not in context.catalog.catalogs(context.principal):
            raise _not_found("catalog", catalog)
        for schema in filter(schema_ok, context.catalog.schemas(context.principal, catalog)):
            found += [t for t in context.catalog.visible_tables(context.principal, catalog, schema) if table_ok(t.name)]
    return found


def _pattern(match: re.Match[str], group: str) -> str | None:
    value = match.group(group)
    return None if value is None else value.replace("''", "'")


# SHOW ------------------------------------------------------------------------------------------------
def show_catalogs(context: Context, found: re.Match[str]) -> Answer:
    keep = matches(_pattern(found, "like"))
    return Answer([("catalog", STRING)], [(c,) for c in context.catalog.catalogs(context.principal) if keep(c)])


def show_schemas(context: Context, found: re.Match[str]) -> Answer:
    keep = matches(_pattern(found, "like"))
    if found.group("all"):
        catalogs = context.catalog.catalogs(context.principal)
        rows = [(s, c) for c in catalogs for s in context.catalog.schemas(context.principal, c) if keep(s)]
        return Answer([("databaseName", STRING), ("catalog", STRING)], rows)
    catalog = unquote(found.group("catalog")) if found.group("catalog") else context.current_catalog
    if catalog not in context.catalog.catalogs(context.principal):
        raise _not_found("catalog", catalog)
    return Answer(
        [("databaseName", STRING)], [(s,) for s in context.catalog.schemas(context.principal, catalog) if keep(s)]
    )


def show_tables(context: Context, found: re.Match[str]) -> Answer:
    if found.group("all") or found.group("in_catalog"):
        # The connector's metadata form (cursor.tables()): the table type is the sixth column, where its
        # client-side type filter reads it.
        catalogs = (
            context.catalog.catalogs(context.principal) if found.group("all") else [unquote(found.group("in_catalog"))]
        )
        tables = _tables_in(context, catalogs, _pattern(found, "schema_like"), _pattern(found, "like"))
        columns = [("catalogName", STRING), ("namespace", STRING), ("tableName", STRING), ("isTemporary", BOOLEAN)]
        columns += [("information", STRING), ("tableType", STRING), ("remarks", STRING)]
        return Answer(columns, [(t.catalog, t.schema, t.name, False, None, "TABLE", t.comment or "") for t in tables])
    parts = split_name(found.group("schema")) if found.group("schema") else [context.current_schema]
    catalog, schema = _schema_of(context, parts)
    keep = matches(_pattern(found, "like"))
    tables = [t for t in context.catalog.visible_tables(context.principal, catalog, schema) if keep(t.name)]
    columns = [("database", STRING), ("tableName", STRING), ("isTemporary", BOOLEAN)]
    return Answer(columns, [(t.schema, t.name, False) for t in tables])


def show_columns(context: Context, found: re.Match[str]) -> Answer:
    if found.group("in_catalog"):
        tables = _tables_in(
            context, [unquote(found.group("in_catalog"))], _pattern(found, "schema_like"), _pattern(found, "table_like")
        )
        keep = matches(_pattern(found, "like"))
        columns = [("catalogName", STRING), ("namespace", STRING), ("tableName", STRING), ("col_name", STRING)]
        columns += [("dataType", STRING), ("columnType", STRING), ("isNullable", STRING), ("ordinalPosition", INT)]
        rows = [
            (
                t.catalog,
                t.schema,
                t.name,
                c.name,
                c.type_text,
                c.type_name,
                "true" if c.nullable else "false",
                c.position,
            )
            for t in tables
            for c in t.columns
            if keep(c.name)
        ]
        return Answer(columns, rows)
    parts = split_name(found.group("table"))
    if found.group("schema"):
        parts = split_name(found.group("schema")) + parts[-1:]
    table = _table_of(context, parts)
    return Answer([("col_name", STRING)], [(c.name,) for c in table.columns])


def describe(context: Context, found: re.Match[str]) -> Answer:
    table = _table_of(context, split_name(found.group("table")))
    rows: list[tuple[Any, ...]] = [(c.name, c.type_text, c.comment) for c in table.columns]
    if found.group("extended"):
        rows += [("", "", ""), ("# Detailed Table Information", "", "")]
        rows += [
            ("Catalog", table.catalog, ""),
            ("Database", table.schema, ""),
            ("Table", table.name, ""),
            ("Type", "MANAGED", ""),
            ("Provider", "delta", ""),
            ("Comment", table.comment or "", ""),
        ]
    return Answer([("col_name", STRING), ("data_type", STRING), ("comment", STRING)], rows)


# USE, SET, RESET -------------------------------------------------------------------------------------
def use(context: Context, found: re.Match[str]) -> Answer:
    kind, parts = (found.group("kind") or "").upper(), split_name(found.group("name"))
    if kind == "CATALOG":
        if len(parts) != 1 or parts[0] not in context.catalog.catalogs(context.principal):
            raise _not_found("catalog", ".".join(parts))
        return Answer([], [], catalog=parts[0], schema="default")
    if len(parts) > 2:
        raise sql_error("INVALID_SCHEMA_NAME", f"`{'.'.join(parts)}` is not a valid schema name.")
    catalog, schema = _schema_of(context, parts)
    return Answer([], [], catalog=catalog, schema=schema)


def _setting_key(name: str) -> str:
    key = ALIASES.get(name.strip().upper(), name.strip().upper())
    if key not in DEFAULT_SETTINGS:
        raise sql_error("CONFIG_NOT_AVAILABLE", f"Configuration {name.strip()} is not available.")
    return key


def _checked_value(key: str, value: str) -> str:
    value = value.strip().strip("'\"")
    if key in FIXED and value.lower() not in FIXED[key]:
        raise sql_error(
            "UNSUPPORTED_FEATURE",
            f"The feature is not supported: {key} = '{value}' on the local warehouse, which computes with "
            f"{DEFAULT_SETTINGS[key]} only.",
        )
    return value


def set_setting(context: Context, found: re.Match[str]) -> Answer:
    settings = dict(context.settings)
    columns = [("key", STRING), ("value", STRING)]
    if found.group("zone") is not None:
        zone = found.group("zone")
        settings["TIMEZONE"] = "UTC" if zone.upper() == "LOCAL" else _checked_value("TIMEZONE", zone)
        return Answer(columns, [("TIMEZONE", settings["TIMEZONE"])], settings=settings)
    if found.group("key") is None:
        return Answer(columns, sorted(settings.items()))
    key = _setting_key(found.group("key"))
    if found.group("value") is None:
        return Answer(columns, [(key, settings[key])])
    settings[key] = _checked_value(key, found.group("value"))
    return Answer(columns, [(key, settings[key])], settings=settings)


def reset(context: Context, found: re.Match[str]) -> Answer:
    settings = dict(context.settings)
    if found.group("key"):
        key = _setting_key(found.group("key"))
        settings[key] = DEFAULT_SETTINGS[key]
    else:
        settings = dict(DEFAULT_SETTINGS)
    return Answer([], [], settings=settings)


SCHEMAS_WORD = r"(?:SCHEMAS|DATABASES)"
STATEMENTS: list[tuple[re.Pattern[str], Callable[[Context, re.Match[str]], Answer]]] = [
    (re.compile(rf"SHOW\s+CATALOGS(?:{LIKE})?", re.I | re.S), show_catalogs),
    (
        re.compile(
            rf"SHOW\s+{SCHEMAS_WORD}(?:\s+(?:IN|FROM)\s+(?:(?P<all>ALL\s+CATALOGS)|(?P<catalog>{NAME})))?"
            rf"(?:{LIKE})?",
            re.I | re.S,
        ),
        show_schemas,
    ),
    (
        re.compile(
            rf"SHOW\s+TABLES(?:\s+(?:IN|FROM)\s+(?:(?P<all>ALL\s+CATALOGS)|CATALOG\s+(?P<in_catalog>{NAME})"
            rf"|(?P<schema>{QUALIFIED})))?(?:\s+SCHEMA\s+LIKE\s+'(?P<schema_like>(?:[^']|'')*)')?"
            rf"(?:{LIKE})?",
            re.I | re.S,
        ),
        show_tables,
    ),
    (
        re.compile(
            rf"SHOW\s+COLUMNS\s+(?:IN|FROM)\s+(?:CATALOG\s+(?P<in_catalog>{NAME})"
            rf"(?:\s+SCHEMA\s+LIKE\s+'(?P<schema_like>(?:[^']|'')*)')?(?:\s+TABLE\s+LIKE\s+'(?P<table_like>(?:[^']|'')*)')?"
            rf"(?:{LIKE})?|(?P<table>{QUALIFIED})(?:\s+(?:IN|FROM)\s+(?P<schema>{NAME}))?)",
            re.I | re.S,
        ),
        show_columns,
    ),
    (re.compile(rf"(?:DESCRIBE|DESC)(?:\s+TABLE)?(?P<extended>\s+EXTENDED)?\s+(?P<table>{QUALIFIED})", re.I), describe),
    (re.compile(rf"USE(?:\s+(?P<kind>CATALOG|SCHEMA|DATABASE))?\s+(?P<name>{QUALIFIED})", re.I), use),
    (
        re.compile(
            r"SET(?:\s+TIME\s+ZONE\s+(?P<zone>LOCAL|'[^']*'|[+-]\d{1,2}(?::\d\d)?|INTERVAL\s+.+)"
            r"|\s+(?P<key>[\w.]+)(?:\s*=\s*(?P<value>.*?))?)?",
            re.I | re.S,
        ),
        set_setting,
    ),
    (re.compile(r"RESET(?:\s+(?P<key>[\w.]+))?", re.I), reset),
]


def answer(text: str, context: Context) -> Answer | None:
    """The answer to a metadata or session statement, or None when the text is not one (a query)."""
    statement = text.strip().rstrip(";").strip()
    for pattern, handler in STATEMENTS:
        found = pattern.fullmatch(statement)
        if found:
            return handler(context, found)
    first = (statement.split(None, 1) or [""])[0].upper()
    if first in ("SHOW", "DESCRIBE", "DESC", "USE", "SET", "RESET"):
        raise sql_error(
            "PARSE_SYNTAX_ERROR",
            f"Syntax error at or near '{first}': this form of {first} is not emulated by the local warehouse.",
        )
    return None
