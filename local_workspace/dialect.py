"""Databricks SQL → DuckDB for the local warehouse: the same answer, the same column names and Databricks'
error classes, or a refusal in Databricks' terms — never a plausible wrong value.

The statement's sqlglot tree (Databricks dialect) is rewritten node by node, children first, where a function's
meaning differs between the engines (sql_functions, sql_arrays, sql_dates, sql_patterns, built from the
templates of sql_templates); functions DuckDB computes as Databricks does pass through; any other function is
refused as UNRESOLVED_ROUTINE, and NOT_EMULATED lists Databricks functions refused on purpose, with the reason.
current_user() & co. become literals of the caller's identity, range() a derived table, and each unnamed
result column gets Databricks' name for it. Errors at run time map to Databricks' classes in
sql_errors.engine_error. Known differences that remain are listed in the README's emulation table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.dialects.databricks import Databricks
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.errors import ErrorLevel
from sqlglot.generators.databricks import DatabricksGenerator
from sqlglot.generators.duckdb import DuckDBGenerator
from sqlglot.parsers.databricks import DatabricksParser

from local_workspace import sql_aggregates, sql_arrays, sql_dates, sql_functions, sql_patterns
from local_workspace.sql_errors import (
    SqlError,
    engine_error,
    parse_error,
    sql_error,
    unbound_parameter,
    unresolved_routine,
)
from local_workspace.sql_templates import (
    ANSI_MODE,
    RawSQL,
    as_date,
    as_timestamp,
    fill,
    int_value,
    lenient_date,
    lenient_timestamp,
    string_value,
)

__all__ = [
    "NOT_EMULATED",
    "SqlError",
    "engine_error",
    "parse",
    "to_duckdb",
    "unbound_parameter",
]

# Functions of Databricks the local warehouse refuses (UNRESOLVED_ROUTINE), and why: the README lists them.
NOT_EMULATED: dict[str, str] = {
    "hash": "Spark's Murmur3 hash; DuckDB's hash() gives other values",
    "xxhash64": "Spark's xxHash64 is not reproduced",
    "crc32": "DuckDB has no CRC-32",
    "soundex": "DuckDB has no soundex",
    "conv": "DuckDB has no base conversion of strings",
    "version": "the answer would name DuckDB, not a Databricks Runtime",
    "input_file_name": "no files behind the local tables",
    "from_json": "Spark's schema strings and JSON options are not parsed",
    "schema_of_json": "Spark's schema inference is not reproduced",
    "from_csv": "Spark's schema strings and CSV options are not parsed",
    "count_min_sketch": "Spark's sketch binary format is not reproduced",
    "approx_count_distinct": "HyperLogLog++ estimates differ from DuckDB's",
    "approx_percentile": "Spark's estimates differ from DuckDB's",
    "percentile_approx": "Spark's estimates differ from DuckDB's",
    "rand": "Spark's random sequence for a seed is not reproduced",
    "randn": "Spark's random sequence for a seed is not reproduced",
    "aes_encrypt": "Spark's AES modes and output are not reproduced",
    "url_encode": "form encoding ('+' for a space) differs from DuckDB's percent-encoding",
    "mask": "not reproduced",
    "transform_keys": "map lambdas are not translated",
    "transform_values": "map lambdas are not translated",
    "map_filter": "map lambdas are not translated",
    "zip_with": "two-array lambdas are not translated",
    "map_concat": "Spark refuses duplicate keys; DuckDB keeps the last",
    "to_varchar": "number format models are not translated",
    "to_number": "number format models are not translated",
    "try_to_number": "number format models are not translated",
    "current_timezone": "the session time zone lives in the warehouse session, not in the translation",
    "xpath": "DuckDB has no XPath",
    "json_tuple": "generator of several columns; use get_json_object",
    "monotonically_increasing_id": "Spark's partition-based ids are not reproduced",
}
# Functions sqlglot does not know as Databricks', that DuckDB computes the same way under the same name.
PASS_THROUGH = frozenset(
    {
        "map_values",
        "json_array_length",
        "isnan",
        "acosh",
        "asinh",
        "atanh",
        "cot",
        "gcd",
        "lcm",
        "bit_count",
        "uuid",
        "map_entries",
    }
)
# The sqlglot classes Databricks' parser builds for those names (their own names may differ).
NOT_EMULATED_CLASSES = frozenset(
    {
        exp.ApproxQuantile,  # approx_percentile / percentile_approx, parsed outside FUNCTIONS
        *(
            getattr(builder, "__self__", None)
            for builder in (DatabricksParser.FUNCTIONS.get(name.upper()) for name in NOT_EMULATED)
            if isinstance(getattr(builder, "__self__", None), type)
        ),
    }
)
HANDLERS_BY_CLASS = sql_functions.BY_CLASS | sql_arrays.BY_CLASS | sql_dates.BY_CLASS | sql_aggregates.BY_CLASS
HANDLERS_BY_NAME = (
    sql_functions.BY_NAME | sql_arrays.BY_NAME | sql_dates.BY_NAME | sql_patterns.BY_NAME | sql_aggregates.BY_NAME
)
SPARK_RANGE_LIMIT = 10_000_000
INT_MIN = -(2**31)


def _anonymous(name: str) -> Callable[[list[Any]], exp.Expr]:
    return lambda args: exp.Anonymous(this=name, expressions=args)


def _unit_difference(builder: Callable[[list[Any]], exp.Expr]) -> Callable[[list[Any]], exp.Expr]:
    """datediff(unit, start, end) & co. as a TimestampDiff (whole elapsed units), kept apart from
    datediff(end, start), days between two DATEs: sqlglot builds a DateDiff of unit DAY for both."""

    def build(args: list[Any]) -> exp.Expr:
        node = builder(args)
        if len(args) >= 3 and not isinstance(node, exp.TimestampDiff):
            return exp.TimestampDiff(this=node.this, expression=node.expression, unit=node.args.get("unit"))
        return node

    return build


class LocalDatabricks(Databricks):
    """Databricks' dialect, keeping as written what sqlglot would normalize and so lose: date_trunc's unit
    ('MS' would become MILLISECOND, where Databricks answers NULL for a unit it does not know) and datetime
    patterns (a letter sqlglot does not know would print as itself; see sql_patterns)."""

    class Parser(DatabricksParser):
        FUNCTIONS: ClassVar[dict[str, Callable[..., exp.Expr]]] = {
            **DatabricksParser.FUNCTIONS,
            **{name.upper(): _anonymous(name) for name in ("date_trunc", "percentile", *sql_patterns.BY_NAME)},
            **{
                name: _unit_difference(DatabricksParser.FUNCTIONS[name])
                for name in ("DATEDIFF", "DATE_DIFF", "TIMESTAMPDIFF")
            },
        }
        # sqlglot parses percentile() into a Quantile that drops a third (frequency) argument.
        FUNCTION_PARSERS: ClassVar[dict[str, Callable[..., exp.Expr]]] = {
            name: parser for name, parser in DatabricksParser.FUNCTION_PARSERS.items() if name != "PERCENTILE"
        }


class LocalDuckDB(DuckDB):
    """DuckDB's dialect, writing out the translation's RawSQL templates."""

    class Generator(DuckDBGenerator):
        TRANSFORMS: ClassVar[dict[type[exp.Expr], Callable[..., str]]] = {
            **DuckDBGenerator.TRANSFORMS,
            RawSQL: lambda self, e: str(e.this).format(*(self.sql(arg) for arg in e.expressions)),
        }


class _ColumnNames(DatabricksGenerator):
    """Databricks' name for an unnamed result column: the expression as written, literals bare, operations
    in parentheses (`count(1)`, `(a + 1)`, `dayofweek(2009-07-30)`)."""

    def literal_sql(self, expression: exp.Literal) -> str:
        return str(expression.this)

    def identifier_sql(self, expression: exp.Identifier) -> str:
        return str(expression.this)

    def column_sql(self, expression: exp.Column) -> str:
        return str(expression.name)

    def binary(self, expression: exp.Binary, op: str) -> str:
        return f"({super().binary(expression, op)})"

    def cast_sql(self, expression: exp.Cast, safe_prefix: str | None = None) -> str:
        text = string_value(expression.this)
        if text is not None and expression.to.is_type(exp.DType.DATE):
            return f"DATE '{lenient_date(text).isoformat()}'"
        if text is not None and expression.to.is_type(exp.DType.TIMESTAMP, exp.DType.TIMESTAMPTZ):
            return f"TIMESTAMP '{lenient_timestamp(text)}'"
        return str(super().cast_sql(expression, safe_prefix))


_NAMES = _ColumnNames(normalize_functions="lower", unsupported_level=ErrorLevel.IGNORE)


@dataclass(frozen=True)
class Caller:
    """Whose statement this is, for current_user() and friends."""

    user_name: str
    catalog: str
    schema: str
    groups: tuple[str, ...]


def parse(sql: str) -> exp.Expr:
    """The one statement in `sql`, parsed as Databricks SQL, or PARSE_SYNTAX_ERROR (UNSUPPORTED_FEATURE.TIME_TRAVEL
    for Delta time travel)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=LocalDatabricks) if s is not None]
    except sqlglot.errors.ParseError as error:
        raise parse_error(sql, error) from None
    if len(statements) != 1:
        raise sql_error("PARSE_SYNTAX_ERROR", "Syntax error: exactly one statement is expected.")
    _refuse_time_travel(statements[0])
    return statements[0]


def _refuse_time_travel(tree: exp.Expr) -> None:
    """UNSUPPORTED_FEATURE.TIME_TRAVEL for `t VERSION AS OF n`, `t TIMESTAMP AS OF …` or `t@v3`: Databricks SQL,
    but the local tables keep no history."""
    for table in tree.find_all(exp.Table):
        alias = table.args.get("alias")
        if table.args.get("version") is not None or (alias is not None and isinstance(alias.this, exp.Parameter)):
            raise sql_error(
                "UNSUPPORTED_FEATURE.TIME_TRAVEL",
                f"Time travel on the relation `{table.name}` is not supported: the local warehouse keeps no table "
                "history. (The local workspace does not emulate Delta time travel.)",
            )


def column_name(expression: exp.Expr) -> str:
    """Databricks' name for a result column computed by this (untranslated) expression."""
    if isinstance(expression, exp.Count) and isinstance(expression.this, exp.Star):
        return "count(1)"
    if isinstance(
        expression, (exp.CurrentDate, exp.CurrentTimestamp, exp.Localtimestamp, exp.CurrentCatalog, exp.CurrentSchema)
    ):
        # Databricks names them with their parentheses (and DuckDB refuses its keyword as an alias).
        return f"{type(expression).__name__.lower().replace('current', 'current_')}()"
    return str(_NAMES.generate(expression)).replace("count(*)", "count(1)")


def name_columns(tree: exp.Expr) -> None:
    """Give each unnamed computed column of every SELECT its Databricks name."""
    for select in tree.find_all(exp.Select):
        for position, projection in enumerate(select.expressions):
            if isinstance(projection, (exp.Alias, exp.Column, exp.Star, exp.Posexplode, exp.Placeholder)):
                continue
            if isinstance(projection, exp.Explode):
                name = "col"
            elif isinstance(projection, (exp.Cast, exp.TryCast)) and isinstance(projection.this, exp.Column):
                name = projection.this.name  # Databricks names a cast column after the column
            else:
                name = column_name(projection)
            select.expressions[position] = exp.alias_(projection, exp.to_identifier(name, quoted=True))
            select.expressions[position].parent = select


def _range_rows(arguments: list[exp.Expr]) -> tuple[int, int, int]:
    values = [int_value(a) for a in arguments]
    if not 1 <= len(values) <= 4 or any(v is None for v in values):
        raise sql_error("UNSUPPORTED_FEATURE", "The local workspace emulates range() with constant integer arguments.")
    numbers = [v for v in values if v is not None]
    start, end = (0, numbers[0]) if len(numbers) == 1 else (numbers[0], numbers[1])
    step = numbers[2] if len(numbers) >= 3 else 1
    if step == 0:
        raise sql_error("UNSUPPORTED_FEATURE", "range() with a step of 0.")
    if max(0, (end - start + step - (1 if step > 0 else -1)) // step) > SPARK_RANGE_LIMIT:
        raise sql_error("UNSUPPORTED_FEATURE", f"The local workspace's range() stops at {SPARK_RANGE_LIMIT} rows.")
    return start, end, step


def expand_table_functions(tree: exp.Expr) -> None:
    """`FROM range(...)` as a derived table of one BIGINT column `id` (and no table reference left, so the
    grant check has nothing to look up); any other table-valued function is refused."""
    for table in list(tree.find_all(exp.Table)):
        function = table.this
        if not isinstance(function, exp.Func):
            continue
        name = function.name.lower() if isinstance(function, exp.Anonymous) else function.sql_name().lower()
        if name != "range":
            raise unresolved_routine(name)
        start, end, step = _range_rows(list(function.expressions))
        rows = fill(f"SELECT CAST(unnest(range({start}, {end}, {step})) AS BIGINT) AS id")
        alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier("range"))
        table.replace(exp.Subquery(this=rows, alias=alias))


def _caller_function(node: exp.Expr, caller: Caller) -> exp.Expr | None:
    """current_user(), current_catalog(), current_schema(), is_account_group_member() as literals."""
    name = node.name.lower() if isinstance(node, exp.Anonymous) else ""
    if isinstance(node, (exp.CurrentUser, exp.SessionUser)) or name in ("user", "session_user"):
        return exp.Literal.string(caller.user_name)
    if isinstance(node, exp.CurrentCatalog):
        return exp.Literal.string(caller.catalog)
    if isinstance(node, (exp.CurrentSchema, exp.CurrentDatabase)):
        return exp.Literal.string(caller.schema)
    if name in ("is_account_group_member", "is_member") and len(node.expressions) == 1:
        group = string_value(node.expressions[0])
        if group is not None or not caller.groups:
            return exp.Boolean(this=group in caller.groups)
        groups = exp.Array(expressions=[exp.Literal.string(g) for g in caller.groups])
        return fill("list_contains(_0, _1)", groups, node.expressions[0])
    return None


def _literal(node: exp.Cast | exp.TryCast) -> exp.Expr | None:
    """DATE '2021-09', CAST('2021-9-7' AS DATE), TIMESTAMP '2021': parsed leniently, as Databricks does."""
    text = string_value(node.this)
    if text is None or not node.to.is_type(exp.DType.DATE, exp.DType.TIMESTAMP, exp.DType.TIMESTAMPTZ):
        return None
    try:
        typed = as_date(node.this) if node.to.is_type(exp.DType.DATE) else as_timestamp(node.this)
    except SqlError:
        if isinstance(node, exp.TryCast):
            return fill("CAST(NULL AS DATE)" if node.to.is_type(exp.DType.DATE) else "CAST(NULL AS TIMESTAMP)")
        raise
    node.set("this", typed.this)
    return None


def _translate(node: exp.Expr, caller: Caller) -> exp.Expr | None:
    """The DuckDB replacement of one node (its children already translated), or None to keep it."""
    if isinstance(node, (exp.Cast, exp.TryCast)):
        _literal(node)
    found = _caller_function(node, caller)
    if found is not None:
        return found
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        handler = HANDLERS_BY_NAME.get(name)
        if handler is not None:
            return handler(node)
        if name not in PASS_THROUGH:
            raise unresolved_routine(name)
        return None
    if isinstance(node, exp.Func) and (type(node) in NOT_EMULATED_CLASSES or node.sql_name().lower() in NOT_EMULATED):
        raise unresolved_routine(node.sql_name())
    if isinstance(node, exp.Neg) and int_value(node) == INT_MIN:
        return fill(f"CAST({INT_MIN} AS INTEGER)")  # an INT in Databricks; DuckDB negates a BIGINT 2147483648
    if isinstance(node, exp.TimestampTrunc):
        unit = exp.Literal.string(node.args["unit"].name)
        return sql_dates.date_trunc(exp.Anonymous(this="date_trunc", expressions=[unit, node.this]))
    handler = HANDLERS_BY_CLASS.get(type(node))
    return None if handler is None else handler(node)


def to_duckdb(
    tree: exp.Expr,
    *,
    user_name: str,
    catalog: str,
    schema: str,
    groups: Sequence[str] = (),
    ansi_mode: bool = True,
) -> str:
    """The DuckDB SQL that computes what this Databricks statement computes (for this caller, in a session
    with this ANSI mode), or SqlError. The tree is rewritten in place."""
    token = ANSI_MODE.set(ansi_mode)
    try:
        return _to_duckdb(tree, Caller(user_name, catalog, schema, tuple(groups)))
    finally:
        ANSI_MODE.reset(token)


def _to_duckdb(tree: exp.Expr, caller: Caller) -> str:
    expand_table_functions(tree)
    name_columns(tree)
    # Reversed pre-order visits every node after all of its descendants: a handler sees translated arguments.
    for node in reversed(list(tree.dfs())):
        replacement = _translate(node, caller)
        if replacement is not None and replacement is not node:
            if node is tree:
                tree = replacement
            else:
                node.replace(replacement)
    try:
        return str(tree.sql(dialect=LocalDuckDB, unsupported_level=ErrorLevel.RAISE))
    except sqlglot.errors.UnsupportedError as error:
        # Something sqlglot cannot say in DuckDB: refused, never dropped silently.
        function = re.match(r"(\w+) is not supported in DuckDB", str(error))
        if function:
            raise unresolved_routine(function.group(1)) from None
        raise sql_error("UNSUPPORTED_FEATURE", "The local workspace cannot run this statement's form.") from None
