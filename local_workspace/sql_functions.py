"""Databricks' built-in functions (other than dates, arrays and maps) in DuckDB terms, where DuckDB's own
differ: ANSI arithmetic errors, rounding, strings, try_* functions, type names, …"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlglot import exp

from local_workspace import sql_dates
from local_workspace.sql_errors import message, sql_error
from local_workspace.sql_templates import (
    ansi,
    fill,
    int_value,
    is_decimal_literal,
    raw,
    string_value,
)

Handler = Callable[[exp.Expr], exp.Expr | None]

# A DecimalFormat pattern: literal prefix, integer digits (with grouping commas), point, fraction, suffix.
NUMBER_PATTERN = re.compile(r"^([^#0,.]*)([#0,]*)(\.?)([#0]*)([^#0,.]*)$")

DIVIDE_BY_ZERO = message(
    "DIVIDE_BY_ZERO", "Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead."
)
REMAINDER_BY_ZERO = message(
    "REMAINDER_BY_ZERO", "Remainder by zero. Use `try_mod` to tolerate divisor being 0 and return NULL instead."
)
TYPE_NAMES = (
    ("timestamp with time zone", "tz"),
    ("timestamp", "timestamp_ntz"),
    ("tz", "timestamp"),
    ("hugeint", "bigint"),
    ("integer", "int"),
    ("varchar", "string"),
    ("blob", "binary"),
    ("null", "void"),
)


# CAST(x AS STRING) as Databricks writes it: a TIMESTAMP without its offset (DuckDB appends "+00"), a DOUBLE
# as Java's Double.toString does (1.0E7, 1.0E-4, NaN, Infinity) from DuckDB's shortest digits (`__t`).
# typeof() is folded to a constant by DuckDB, and TRY_CAST binds for every type, so each branch is valid
# whatever the argument's type.
_NUMBER = "TRY_CAST(__t AS DOUBLE)"
_SIGN = f"CASE WHEN {_NUMBER} < 0 THEN '-' ELSE '' END"
_INTEGRAL = "split_part(ltrim(__t, '-'), '.', 1)"
_FRACTION = "split_part(__t, '.', 2)"
_BIG_DIGITS = f"rtrim({_INTEGRAL} || {_FRACTION}, '0')"
_SMALL_DIGITS = f"ltrim(rtrim({_FRACTION}, '0'), '0')"
JAVA_DOUBLE = (
    "CASE WHEN __t = 'nan' THEN 'NaN' WHEN __t = 'inf' THEN 'Infinity' WHEN __t = '-inf' THEN '-Infinity' "
    f"WHEN {_NUMBER} = 0 OR (abs({_NUMBER}) >= 0.001 AND abs({_NUMBER}) < 10000000) THEN __t "
    "WHEN contains(__t, 'e') THEN split_part(__t, 'e', 1) "
    "|| CASE WHEN contains(split_part(__t, 'e', 1), '.') THEN '' ELSE '.0' END "
    "|| 'E' || CAST(CAST(split_part(__t, 'e', 2) AS INTEGER) AS VARCHAR) "
    f"WHEN abs({_NUMBER}) >= 10000000 THEN {_SIGN} || left({_BIG_DIGITS}, 1) || '.' "
    f"|| coalesce(nullif(substr({_BIG_DIGITS}, 2), ''), '0') || 'E' || CAST(len({_INTEGRAL}) - 1 AS VARCHAR) "
    f"ELSE {_SIGN} || left({_SMALL_DIGITS}, 1) || '.' || coalesce(nullif(substr({_SMALL_DIGITS}, 2), ''), '0') "
    f"|| 'E-' || CAST(len({_FRACTION}) - len(ltrim({_FRACTION}, '0')) + 1 AS VARCHAR) END"
)
AS_STRING = (
    "CASE WHEN typeof({0}) = 'TIMESTAMP WITH TIME ZONE' "
    "THEN regexp_replace(CAST({0} AS VARCHAR), '[+-][0-9][0-9](:[0-9][0-9])?$', '') "
    "WHEN typeof({0}) = 'DOUBLE' THEN list_extract(list_transform([CAST(TRY_CAST({0} AS DOUBLE) AS VARCHAR)], "
    f"lambda __t: {JAVA_DOUBLE}), 1) ELSE CAST({{0}} AS VARCHAR) END"
)


def _checked_divisor(divisor: exp.Expr, error_message: str) -> exp.Expr:
    """The divisor, failing the statement when it is 0 (DuckDB's float division would answer Infinity); with
    ANSI mode off, NULL for 0 (so the result is NULL)."""
    literal = int_value(divisor)
    if literal is not None and literal != 0:
        return divisor
    if not ansi():
        return fill("nullif(_0, 0)", divisor)
    return fill("CASE WHEN _0 = 0 THEN error(_1) ELSE _0 END", divisor, error_message)


def divide(node: exp.Expr) -> exp.Expr:
    """a / b: DIVIDE_BY_ZERO for a zero divisor."""
    node.set("expression", _checked_divisor(node.expression, DIVIDE_BY_ZERO))
    return node


def modulo(node: exp.Expr) -> exp.Expr:
    """a % b, mod(a, b): REMAINDER_BY_ZERO for a zero divisor."""
    node.set("expression", _checked_divisor(node.expression, REMAINDER_BY_ZERO))
    return node


def integer_divide(node: exp.Expr) -> exp.Expr:
    """a div b: the quotient truncated towards zero, as a BIGINT."""
    divisor = _checked_divisor(node.expression, DIVIDE_BY_ZERO)
    return fill("CAST(trunc(_0 / _1) AS BIGINT)", node.this, divisor)


def pmod(node: exp.Expr) -> exp.Expr | None:
    """pmod(a, n): the positive remainder."""
    a, n = node.expressions
    n = _checked_divisor(n, REMAINDER_BY_ZERO)
    return fill("CASE WHEN _0 % _1 < 0 THEN (_0 % _1 + _1) % _1 ELSE _0 % _1 END", a, n)


def bround(node: exp.Expr) -> exp.Expr:
    """bround: HALF_EVEN rounding."""
    return exp.Anonymous(
        this="round_even",
        expressions=[*node.expressions, *([] if len(node.expressions) > 1 else [exp.Literal.number(0)])],
    )


def _ceil_or_floor(node: exp.Expr, name: str) -> exp.Expr | None:
    """ceil/floor: a BIGINT (DuckDB answers a DOUBLE), or a DECIMAL with the target scale."""
    scale = node.args.get("decimals")
    if scale is None:
        return None if is_decimal_literal(node.this) else fill(f"CAST({name}(_0) AS BIGINT)", node.this)
    digits = int_value(scale)
    if digits is None:
        return None
    if digits >= 0:
        return fill(f"CAST({name}(_0 * 10 ** {digits}) / 10 ** {digits} AS DECIMAL(38, {digits}))", node.this)
    return fill(f"CAST({name}(_0 / 10 ** {-digits}) * 10 ** {-digits} AS DECIMAL(38, 0))", node.this)


def ceil(node: exp.Expr) -> exp.Expr | None:
    """ceil / ceiling."""
    return _ceil_or_floor(node, "ceil")


def floor(node: exp.Expr) -> exp.Expr | None:
    """floor."""
    return _ceil_or_floor(node, "floor")


def cast(node: exp.Expr) -> exp.Expr | None:
    """CAST (and try_cast) of a fractional number to an integral type truncates towards zero, as Databricks
    does (DuckDB rounds). The source's type is known only to DuckDB: typeof() picks the branch, and DuckDB
    folds it to a constant."""
    target = node.args["to"]
    if not ansi() and not isinstance(node, exp.TryCast):
        # ANSI mode off: a value that does not convert is NULL, not an error.
        safe = exp.TryCast(this=node.this, to=target)
        return cast(safe) or safe
    if target.is_type(*exp.DataType.TEXT_TYPES) and not isinstance(node.this, exp.Literal):
        return raw(AS_STRING, node.this)
    if not target.is_type(*exp.DataType.INTEGER_TYPES):
        return None
    if is_decimal_literal(node.this):
        node.set("this", fill("trunc(_0)", node.this))
        return None
    if isinstance(node.this, exp.Literal):
        return None
    kind = target.sql(dialect="duckdb")
    operation = "TRY_CAST" if isinstance(node, exp.TryCast) else "CAST"
    return fill(
        f"CASE WHEN typeof(_0) IN ('DOUBLE', 'FLOAT') OR typeof(_0) LIKE 'DECIMAL%' "
        f"THEN {operation}(trunc(TRY_CAST(_0 AS DOUBLE)) AS {kind}) ELSE {operation}(_0 AS {kind}) END",
        node.this,
    )


def split(node: exp.Expr) -> exp.Expr | None:
    """split(str, regex, limit): at most `limit` parts, the last holding the rest."""
    limit = node.args.get("limit")
    if limit is None:
        return None
    count = int_value(limit)
    if count is None:
        raise sql_error("UNSUPPORTED_FEATURE", "The local workspace emulates split() with a constant limit only.")
    if count <= 0:
        node.set("limit", None)
        return None
    marked: exp.Expr = node.this
    for _ in range(min(count, 64) - 1):
        marked = fill("regexp_replace(_0, _1, chr(0))", marked, node.expression)
    return fill("string_split(_0, chr(0))", marked)


def format_number(node: exp.Expr) -> exp.Expr | None:
    """format_number(x, d) / format_number(x, pattern) for a literal pattern."""
    value, fmt = node.expressions
    digits = int_value(fmt)
    if digits is not None:
        return fill(f"format('{{:,.{digits}f}}', CAST(_0 AS DOUBLE))", value)
    pattern = string_value(fmt)
    return None if pattern is None else _decimal_format(value, pattern)


def _decimal_format(value: exp.Expr, pattern: str) -> exp.Expr:
    """A Java DecimalFormat pattern, as Databricks applies it: text before and after the number part kept
    (`'EUR ,###.-'` gives `EUR 12,332.-`), grouping by three, `0` digits shown and `#` digits only when not
    zero, the decimal point shown when the pattern ends the number with it; other patterns are refused."""
    found = NUMBER_PATTERN.match(pattern)
    if found is None or any(c in pattern for c in "%\u2030;'\u00a4") or found.group(5).startswith("E"):
        raise sql_error("UNSUPPORTED_FEATURE", f"The local workspace does not emulate the number format '{pattern}'.")
    prefix, integer, point, fraction, suffix = found.groups()
    group = len(integer) - integer.rindex(",") - 1 if "," in integer else 0
    if group not in (0, 3) or integer.count("0") > 1 or "0" in fraction.lstrip("0"):
        raise sql_error("UNSUPPORTED_FEATURE", f"The local workspace does not emulate the number format '{pattern}'.")
    grouping = "," if group else ""
    text = f"format('{{:{grouping}.{len(fraction)}f}}', abs(CAST(_0 AS DOUBLE)))"
    optional = len(fraction) - fraction.count("0")
    if optional:  # `#` fraction digits: trailing zeros dropped, then a bare point
        text = f"regexp_replace(regexp_replace({text}, '0{{0,{optional}}}$', ''), '\\.$', '')"
    if point and not fraction:
        text = f"({text} || '.')"
    if "0" not in integer:  # no minimum integer digit: `.5`, not `0.5`
        text = f"regexp_replace({text}, '^0\\.', '.')"
    return fill(f"CASE WHEN CAST(_0 AS DOUBLE) < 0 THEN '-' ELSE '' END || _1 || {text} || _2", value, prefix, suffix)


def substring_index(node: exp.Expr) -> exp.Expr | None:
    """substring_index(str, delim, count)."""
    count = int_value(node.args.get("count"))
    if count is None:
        return None
    if count == 0:
        return fill("''")
    parts = fill("string_split(_0, _1)", node.this, node.args["delimiter"])
    if count > 0:
        return fill(f"array_to_string(list_slice(_0, 1, {count}), _1)", parts, node.args["delimiter"])
    return fill(f"array_to_string(list_slice(_0, {count}, -1), _1)", parts, node.args["delimiter"])


def split_part(node: exp.Expr) -> exp.Expr:
    """split_part(str, delim, partNum): an empty delimiter does not split (DuckDB splits into characters);
    part 0 is INVALID_INDEX_OF_ZERO."""
    zero = message(
        "INVALID_INDEX_OF_ZERO",
        "The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1).",
    )
    return fill(
        "CASE WHEN _2 = 0 THEN error(_3) WHEN _1 = '' THEN CASE WHEN _2 IN (1, -1) THEN _0 ELSE '' END "
        "ELSE split_part(_0, _1, _2) END",
        node.this,
        node.args["delimiter"],
        node.args["part_index"],
        zero,
    )


def elt(node: exp.Expr) -> exp.Expr:
    """elt(n, ...): an error when n is out of range."""
    cases = " ".join(f"WHEN {i + 1} THEN _{i + 1}" for i in range(len(node.expressions)))
    error = message(
        "INVALID_ARRAY_INDEX", f"The index is out of bounds. The array has {len(node.expressions)} elements."
    )
    return fill(f"CASE _0 {cases} ELSE error(_{len(node.expressions) + 1}) END", node.this, *node.expressions, error)


def find_in_set(node: exp.Expr) -> exp.Expr:
    """find_in_set(str, list): 1-based, 0 when absent or when str holds a comma."""
    value, items = node.expressions
    return fill(
        "CASE WHEN contains(_0, ',') THEN 0 ELSE coalesce(list_position(string_split(_1, ','), _0), 0) END",
        value,
        items,
    )


def typeof(node: exp.Expr) -> exp.Expr:
    """typeof: Databricks' type names."""
    result = fill("lower(typeof(_0))", node.this)
    for duck, databricks in TYPE_NAMES:
        result = fill("replace(_0, _1, _2)", result, duck, databricks)
    return fill("regexp_replace(_0, '^(.*)\\[\\]$', 'array<\\1>')", result)


def width_bucket(node: exp.Expr) -> exp.Expr:
    """width_bucket(value, min, max, buckets)."""
    args = [node.this, node.args["min_value"], node.args["max_value"], node.args["num_buckets"]]
    return fill(
        "CASE WHEN _0 < _1 THEN 0 WHEN _0 >= _2 THEN _3 + 1 "
        "ELSE CAST(floor((_0 - _1) / (_2 - _1) * _3) AS BIGINT) + 1 END",
        *args,
    )


def _try_arithmetic(node: exp.Expr, operator: str) -> exp.Expr:
    """try_add / try_subtract: NULL on overflow; a DATE ± a year-month interval stays a DATE."""
    result = fill(f"try(_0 {operator} _1)", node.this, node.expression)
    return fill("CAST(_0 AS DATE)", result) if sql_dates.keeps_date(node) else result


def _named(template: str) -> Handler:
    """A handler filling `template` with an Anonymous function's arguments."""
    return lambda node: fill(template, *node.expressions)


def _one_arg(template: str) -> Handler:
    """A handler filling `template` with a function's `this` argument."""
    return lambda node: fill(template, node.this)


def _two_args(template: str) -> Handler:
    """A handler filling `template` with a function's `this` and `expression` arguments."""
    return lambda node: fill(template, node.this, node.expression)


def _as_int(node: exp.Expr) -> exp.Expr:
    """A function Databricks types INT where DuckDB answers a BIGINT (length, instr, locate, …)."""
    return fill("CAST(_0 AS INTEGER)", node)


def _levenshtein(node: exp.Expr) -> exp.Expr:
    """levenshtein(a, b [, maxDistance]): -1 past maxDistance (sqlglot reads the third argument as a cost)."""
    limit = node.args.get("ins_cost") or node.args.get("max_dist")
    if limit is None:
        return _as_int(node)
    distance = exp.Levenshtein(this=node.this, expression=node.expression)
    return fill("CAST(CASE WHEN _1 < 0 OR _0 > _1 THEN -1 ELSE _0 END AS INTEGER)", distance, limit)


def _java_replacement(text: str) -> str:
    """A java.util.regex replacement (`$1` a group, `\\x` the character x) in RE2's terms (`\\1`, `\\\\`)."""
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append("\\\\" if text[i + 1] == "\\" else text[i + 1])
            i += 2
        elif char == "$" and i + 1 < len(text) and text[i + 1].isdigit():
            out.append("\\" + text[i + 1])
            i += 2
        elif char == "$":
            raise sql_error("UNSUPPORTED_FEATURE", "The local workspace cannot run this regexp_replace replacement.")
        else:
            out.append("\\\\" if char == "\\" else char)
            i += 1
    return "".join(out)


def regexp_replace(node: exp.Expr) -> exp.Expr | None:
    """regexp_replace: Java's `$1` group references in the replacement, as RE2's `\\1`."""
    replacement = node.args.get("replacement")
    text = string_value(replacement) if replacement is not None else None
    if replacement is None:
        return None
    if text is not None:
        node.set("replacement", exp.Literal.string(_java_replacement(text)))
    else:  # a computed replacement: its backslashes kept literal, `$n` as `\n`
        node.set("replacement", fill(r"regexp_replace(replace(_0, '\', '\\'), '\$(\d)', '\\\1', 'g')", replacement))
    return node


def _separator(node: exp.Expr) -> exp.Expr | None:
    """string_agg / listagg without a delimiter: none (DuckDB would put a comma)."""
    if node.args.get("separator") is None:
        node.set("separator", exp.Literal.string(""))
    return None


def _rank(node: exp.Expr) -> exp.Expr | None:
    """rank(b) / dense_rank(b) / percent_rank(b): the arguments only restate the window's ORDER BY."""
    node.set("expressions", [])
    return None


def _concat_ws(node: exp.Expr) -> exp.Expr | None:
    return fill("''") if not node.expressions[1:] else None


BY_CLASS: dict[type[exp.Expr], Handler] = {
    exp.Div: divide,
    exp.Mod: modulo,
    exp.IntDiv: integer_divide,
    exp.Ceil: ceil,
    exp.Floor: floor,
    exp.Cast: cast,
    exp.TryCast: cast,
    exp.RegexpSplit: split,
    exp.SubstringIndex: substring_index,
    exp.SplitPart: split_part,
    exp.Elt: elt,
    exp.Typeof: typeof,
    exp.WidthBucket: width_bucket,
    exp.Sign: _one_arg("CAST(sign(_0) AS DOUBLE)"),
    # Java's Math.cbrt is exact on cubes; DuckDB's is not: one Newton step.
    exp.Cbrt: _one_arg("CASE WHEN _0 = 0 THEN 0.0 ELSE cbrt(_0) - (cbrt(_0) ** 3 - _0) / (3 * cbrt(_0) ** 2) END"),
    exp.Negative: _one_arg("(- _0)"),
    exp.Nanvl: _two_args("CASE WHEN isnan(_0) THEN _1 ELSE _0 END"),
    exp.SafeAdd: lambda node: _try_arithmetic(node, "+"),
    exp.SafeSubtract: lambda node: _try_arithmetic(node, "-"),
    exp.SafeMultiply: _two_args("try(_0 * _1)"),
    exp.Corr: _two_args("covar_samp(_0, _1) / (stddev_samp(_0) * stddev_samp(_1))"),
    exp.Quantile: lambda node: fill("CAST(quantile_cont(_0, _1) AS DOUBLE)", node.this, node.args["quantile"]),
    exp.Format: lambda node: exp.Anonymous(this="printf", expressions=[node.this, *node.expressions]),
    exp.GroupConcat: _separator,
    exp.Rank: _rank,
    exp.DenseRank: _rank,
    exp.PercentRank: _rank,
    exp.ConcatWs: _concat_ws,
    exp.Rint: _one_arg("CAST(round_even(CAST(_0 AS DOUBLE), 0) AS DOUBLE)"),
    # contains(s, NULL): DuckDB cannot choose among its string, list and map contains() for a bare NULL.
    exp.Contains: lambda node: (
        fill("CAST(NULL AS BOOLEAN)") if exp.Null in {type(node.this), type(node.expression)} else None
    ),
    exp.Length: _as_int,
    exp.StrPosition: _as_int,
    exp.Levenshtein: _levenshtein,
    # factorial: a BIGINT, NULL outside 0..20 (DuckDB takes an INTEGER and answers a 128-bit integer).
    exp.Factorial: _one_arg("CASE WHEN _0 BETWEEN 0 AND 20 THEN CAST(factorial(CAST(_0 AS INTEGER)) AS BIGINT) END"),
    exp.RegexpReplace: regexp_replace,
    exp.Ascii: _as_int,
}
BY_NAME: dict[str, Handler] = {
    "pmod": pmod,
    "bround": bround,
    "format_number": format_number,
    "find_in_set": find_in_set,
    "octet_length": _named("octet_length(encode(_0))"),
    "btrim": lambda node: exp.Trim(this=node.expressions[0], expression=(node.expressions[1:] or [None])[0]),
    "log1p": _named("ln(1 + _0)"),
    "positive": _named("(+ _0)"),
    "e": _named("exp(1)"),
    "try_mod": _named("try(_0 % _1)"),
    "zeroifnull": _named("coalesce(_0, 0)"),
    "nullifzero": _named("nullif(_0, 0)"),
    "isnull": _named("(_0 IS NULL)"),
    "isnotnull": _named("(_0 IS NOT NULL)"),
    "every": _named("bool_and(_0)"),
    "mean": _named("avg(_0)"),
    "std": _named("stddev(_0)"),
    "timestamp_seconds": _named("to_timestamp(_0)"),
    "expm1": _named("exp(_0) - 1"),
    "hypot": _named("sqrt(CAST(_0 AS DOUBLE) * _0 + CAST(_1 AS DOUBLE) * _1)"),
    "timestamp_millis": _named("make_timestamp(CAST(_0 AS BIGINT) * 1000)"),
    "timestamp_micros": _named("make_timestamp(CAST(_0 AS BIGINT))"),
    "regexp": _named("regexp_matches(_0, _1)"),
    "raise_error": lambda node: fill(
        "CAST(error('[USER_RAISED_EXCEPTION] ' || _0 || ' SQLSTATE: P0001') AS VARCHAR)", node.expressions[0]
    ),
    "try_avg": _named("avg(_0)"),
    "bin": _named("bin(CAST(_0 AS BIGINT))"),
    "some": _named("bool_or(_0)"),
    "printf": lambda node: exp.Anonymous(this="printf", expressions=node.expressions),
}
