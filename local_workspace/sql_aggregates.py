"""Databricks' aggregate functions in DuckDB terms, where DuckDB's own differ: sum() of integral numbers is a
BIGINT that overflows (ARITHMETIC_OVERFLOW, or NULL for try_sum), where DuckDB sums into a 128-bit integer."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from local_workspace.sql_errors import message, sql_error
from local_workspace.sql_templates import ansi, fill

Handler = Callable[[exp.Expr], exp.Expr | None]

SUM_OVERFLOW = message(
    "ARITHMETIC_OVERFLOW",
    "long overflow. Use 'try_sum' to tolerate overflow and return NULL instead. "
    'If necessary set ansi_mode to "false" to bypass this error.',
)
# DuckDB sums integral numbers into a HUGEINT; Databricks into a BIGINT. typeof() is folded to a constant by
# DuckDB, so a DOUBLE or DECIMAL sum is never compared with BIGINT's range.
_OUT_OF_BIGINT = "typeof(_0) = 'HUGEINT' AND (_0 > 9223372036854775807 OR _0 < -9223372036854775808)"
WRAPPERS = (exp.Filter, exp.Window)


def _innermost(node: exp.Expr) -> exp.Expr:
    """The aggregate call under its FILTER (...) and OVER (...) clauses."""
    while isinstance(node, WRAPPERS):
        node = node.this
    return node


def _is_wrapped(node: exp.Expr) -> bool:
    """Whether a FILTER or OVER clause applies to this node (the check then goes around the clause)."""
    return isinstance(node.parent, WRAPPERS) and node.parent.this is node


def _checked(total: exp.Expr, is_try: bool) -> exp.Expr:
    """The sum, failing the statement (or NULL for try_sum, or with ANSI mode off) past BIGINT's range."""
    if is_try or not ansi():
        return fill(f"CASE WHEN {_OUT_OF_BIGINT} THEN NULL ELSE _0 END", total)
    return fill(f"CASE WHEN {_OUT_OF_BIGINT} THEN error(_1) ELSE _0 END", total, SUM_OVERFLOW)


def total(node: exp.Expr) -> exp.Expr | None:
    """sum / try_sum, and either under FILTER or OVER: BIGINT's range for integral numbers."""
    if _is_wrapped(node):
        return None
    inner = _innermost(node)
    if not isinstance(inner, exp.Sum):
        return None
    return _checked(node, bool(inner.meta.get("try_sum")))


def try_sum(node: exp.Expr) -> exp.Expr | None:
    """try_sum(x): sum(x), NULL past the result type's range."""
    summed = exp.Sum(this=node.expressions[0])
    summed.meta["try_sum"] = True
    return summed if _is_wrapped(node) else _checked(summed, True)


def percentile(node: exp.Expr) -> exp.Expr | None:
    """percentile(expr, percentage [, frequency]): the exact (interpolated) percentile, a DOUBLE or an
    ARRAY<DOUBLE> for an array of percentages; each value counted `frequency` times."""
    arguments = node.expressions
    distinct = len(arguments) == 1 and isinstance(arguments[0], exp.Distinct)
    if distinct:  # percentile(DISTINCT x, p): the parser puts every argument under DISTINCT
        arguments = arguments[0].expressions
    if len(arguments) not in (2, 3):
        raise sql_error("WRONG_NUM_ARGS.WITHOUT_SUGGESTION", "The `percentile` requires 2 or 3 parameters.")
    value, percentage, *frequency = arguments
    if distinct:
        value = exp.Distinct(expressions=[value])
    result_type = "DOUBLE[]" if isinstance(percentage, exp.Array) else "DOUBLE"
    if not frequency:
        return fill(f"CAST(quantile_cont(_0, _1) AS {result_type})", value, percentage)
    if _is_wrapped(node) or distinct:
        raise sql_error("UNSUPPORTED_FEATURE", "The local workspace cannot run percentile with a frequency here.")
    # Each value repeated `frequency` times, then the percentile of the whole list.
    return fill(
        f"CAST(list_aggregate(flatten(list(list_resize([_0], _2, _0))), 'quantile_cont', _1) AS {result_type})",
        value,
        percentage,
        frequency[0],
    )


def count(node: exp.Expr) -> exp.Expr | None:
    """count(a, b, ...) counts the rows where no argument is NULL; count(DISTINCT a, b, ...) the distinct
    tuples of them (DuckDB's count takes one argument)."""
    this = node.this
    if isinstance(this, exp.Distinct) and len(this.expressions) > 1:
        arguments, distinct = this.expressions, True
    elif node.expressions:
        arguments, distinct = [this, *node.expressions], False
    else:
        return None
    placeholders = [f"_{i}" for i in range(len(arguments))]
    present = " AND ".join(f"{p} IS NOT NULL" for p in placeholders)
    if distinct:
        return fill(f"count(DISTINCT CASE WHEN {present} THEN row({', '.join(placeholders)}) END)", *arguments)
    return fill(f"count(CASE WHEN {present} THEN 1 END)", *arguments)


def count_if(node: exp.Expr) -> exp.Expr | None:
    """count_if(DISTINCT ...): refused, the docs' answer (distinct rows) and Spark's rewrite (distinct booleans)
    disagree."""
    if isinstance(node.this, exp.Distinct):
        raise sql_error("UNSUPPORTED_FEATURE", "The local workspace cannot run count_if(DISTINCT ...).")
    return None


BY_CLASS: dict[type[exp.Expr], Handler] = {
    exp.Sum: total,
    exp.Filter: total,
    exp.Window: total,
    exp.Count: count,
    exp.CountIf: count_if,
}
BY_NAME: dict[str, Handler] = {"try_sum": try_sum, "percentile": percentile}
