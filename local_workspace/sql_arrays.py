"""Databricks' ARRAY and MAP functions in DuckDB terms, where DuckDB's own differ: 1-based element_at with
errors, the NULL semantics and the order of array functions, 0-based lambda indexes, …"""

from __future__ import annotations

from sqlglot import exp

from local_workspace.sql_errors import message
from local_workspace.sql_functions import Handler
from local_workspace.sql_templates import ansi, fill, is_array, is_map

ELEMENT_AT_PARTS = message(
    "INVALID_ARRAY_INDEX_IN_ELEMENT_AT",
    "The index {index} is out of bounds. The array has {size} elements. Use `try_element_at` to tolerate "
    "accessing element at invalid index and return NULL instead.",
).split("{index}")
SUBSCRIPT_PARTS = message(
    "INVALID_ARRAY_INDEX",
    "The index {index} is out of bounds. The array has {size} elements. Use the SQL function `get()` to "
    "tolerate accessing element at invalid index and return NULL instead.",
).split("{index}")
INDEX_OF_ZERO = message(
    "INVALID_INDEX_OF_ZERO",
    "The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1).",
)
# Array functions keeping the order and the NULLs of their input, as Databricks' do.
DISTINCT = (
    "list_filter(_0, lambda __x, __i: CASE WHEN __x IS NULL THEN __i = list_position(list_transform(_0, "
    "lambda __y: __y IS NULL), true) ELSE list_position(_0, __x) = __i END)"
)


def subscript(node: exp.Expr) -> exp.Expr | None:
    """array[index]: 0-based, INVALID_ARRAY_INDEX out of bounds (a map's or struct's [key] is left as is)."""
    if node.args.get("offset") == 1:
        return element_at(node)
    key = node.expressions[0] if len(node.expressions) == 1 else None
    if key is None or is_map(node.this) or (isinstance(key, exp.Literal) and key.is_string):
        return None
    if not ansi():
        return fill("CASE WHEN _1 >= 0 THEN list_extract(_0, _1 + 1) END", node.this, key)
    before, after = SUBSCRIPT_PARTS
    middle, end = after.split("{size}")
    return fill(
        "CASE WHEN _1 < 0 OR _1 >= len(_0) "
        "THEN error(_2 || CAST(_1 AS VARCHAR) || _3 || CAST(len(_0) AS VARCHAR) || _4) "
        "ELSE list_extract(_0, _1 + 1) END",
        node.this,
        key,
        before,
        middle,
        end,
    )


def element_at(node: exp.Expr) -> exp.Expr | None:
    """element_at / try_element_at on an ARRAY: 1-based, negative from the end, an error (or NULL) out of bounds."""
    if node.args.get("offset") != 1 or len(node.expressions) != 1:
        return None
    if is_map(node.this):
        return fill("map_extract_value(_0, _1)", node.this, node.expressions[0])
    array, index = node.this, node.expressions[0]
    if node.args.get("safe") or not ansi():
        return fill(
            "CASE WHEN _1 = 0 THEN error(_2) WHEN abs(_1) > len(_0) THEN NULL ELSE list_extract(_0, _1) END",
            array,
            index,
            INDEX_OF_ZERO,
        )
    return _element_at_error(array, index)


def _element_at_error(array: exp.Expr, index: exp.Expr) -> exp.Expr:
    before, after = ELEMENT_AT_PARTS
    middle, end = after.split("{size}")
    return fill(
        "CASE WHEN _1 = 0 THEN error(_2) WHEN abs(_1) > len(_0) "
        "THEN error(_3 || CAST(_1 AS VARCHAR) || _4 || CAST(len(_0) AS VARCHAR) || _5) ELSE list_extract(_0, _1) END",
        array,
        index,
        INDEX_OF_ZERO,
        before,
        middle,
        end,
    )


def size(node: exp.Expr) -> exp.Expr:
    """size / cardinality / array_size: a MAP's entries or an ARRAY's elements (NULL for NULL under ANSI mode,
    a SQL warehouse's default; -1 only with ANSI mode off)."""
    value = node.expressions[0] if isinstance(node, exp.Anonymous) else node.this
    counted = fill("CAST(cardinality(_0) AS INTEGER)" if is_map(value) else "CAST(len(_0) AS INTEGER)", value)
    return counted if ansi() else fill("coalesce(_0, -1)", counted)


def array_contains(node: exp.Expr) -> exp.Expr:
    """array_contains: NULL when not found but the array holds a NULL."""
    return fill(
        "CASE WHEN _0 IS NULL OR _1 IS NULL THEN NULL WHEN list_contains(_0, _1) THEN true "
        "WHEN list_count(_0) < len(_0) THEN NULL ELSE false END",
        node.this,
        node.expression,
    )


def array_position(node: exp.Expr) -> exp.Expr:
    """array_position: 1-based, 0 when not found."""
    return fill(
        "CASE WHEN _0 IS NULL OR _1 IS NULL THEN NULL ELSE coalesce(list_position(_0, _1), 0) END",
        node.this,
        node.expression,
    )


def array_remove(node: exp.Expr) -> exp.Expr:
    """array_remove keeps the NULL elements; removing NULL answers NULL."""
    return fill(
        "CASE WHEN _1 IS NOT NULL THEN list_filter(_0, lambda __x: __x IS NULL OR __x <> _1) END",
        node.this,
        node.expression,
    )


def array_distinct(node: exp.Expr) -> exp.Expr:
    """array_distinct keeps the first of each element, NULL included, in order."""
    return fill(DISTINCT, node.this)


def array_union(node: exp.Expr) -> exp.Expr:
    """array_union: the distinct elements of both, in order."""
    first, second = node.expressions
    return fill(DISTINCT, fill("list_concat(_0, _1)", first, second))


def arrays_overlap(node: exp.Expr) -> exp.Expr:
    """arrays_overlap: NULL when no common element but a NULL in either."""
    first, second = node.expressions
    return fill(
        "CASE WHEN len(list_intersect(_0, _1)) > 0 THEN true "
        "WHEN list_count(_0) < len(_0) OR list_count(_1) < len(_1) THEN NULL ELSE false END",
        first,
        second,
    )


def array_repeat(node: exp.Expr) -> exp.Expr:
    """array_repeat(element, count)."""
    element, count = node.expressions
    return fill("list_transform(range(CAST(_1 AS BIGINT)), lambda __i: _0)", element, count)


def sequence(node: exp.Expr) -> exp.Expr | None:
    """sequence(start, stop [, step]): counts down when stop < start; of DATEs an ARRAY<DATE> (DuckDB's
    series of dates is of TIMESTAMPs), one day apart by default."""
    start, end, step = node.args["start"], node.args["end"], node.args.get("step")
    if isinstance(start, exp.Cast) and start.to.is_type(exp.DType.DATE):
        day = fill("CASE WHEN _0 <= _1 THEN INTERVAL 1 DAY ELSE INTERVAL -1 DAY END", start, end)
        series = "generate_series(CAST(_0 AS TIMESTAMP), CAST(_1 AS TIMESTAMP), _2)"
        return fill(f"CAST({series} AS DATE[])", start, end, step or day)
    if step is not None:
        return None
    return fill("generate_series(_0, _1, CASE WHEN _0 <= _1 THEN 1 ELSE -1 END)", start, end)


def reverse(node: exp.Expr) -> exp.Expr | None:
    """reverse of an ARRAY."""
    return fill("list_reverse(_0)", node.this) if is_array(node.this) else None


def _zero_based_index(function: exp.Expr) -> None:
    """A lambda's second parameter counts from 0 in Databricks, from 1 in DuckDB."""
    lambda_ = function.args.get("expression")
    if not isinstance(lambda_, exp.Lambda) or len(lambda_.expressions) != 2:
        return
    index = lambda_.expressions[1].name
    for reference in list(lambda_.this.find_all(exp.Identifier, exp.Column)):
        if reference.name == index and not isinstance(reference.parent, (exp.Column, exp.Lambda)):
            reference.replace(fill("(_0 - 1)", exp.to_identifier(index)))


def transform(node: exp.Expr) -> exp.Expr | None:
    """transform / filter with an index parameter."""
    _zero_based_index(node)
    return None


def exists(node: exp.Expr) -> exp.Expr | None:
    """exists(array, predicate) (not EXISTS (subquery))."""
    if not isinstance(node.args.get("expression"), exp.Lambda):
        return None
    return fill("coalesce(list_bool_or(list_transform(_0, _1)), false)", node.this, node.expression)


def forall(node: exp.Expr) -> exp.Expr:
    """forall(array, predicate)."""
    array, predicate = node.expressions
    return fill("coalesce(list_bool_and(list_transform(_0, _1)), true)", array, predicate)


def reduce(node: exp.Expr) -> exp.Expr | None:
    """aggregate / reduce with a finish function."""
    finish = node.args.get("finish")
    if not isinstance(finish, exp.Lambda):
        return None
    node.set("finish", None)
    accumulated = fill("list_reduce(_0, _1, _2)", node.this, node.args["merge"], node.args["initial"])
    body = finish.this.copy()
    name = finish.expressions[0].name
    for reference in list(body.find_all(exp.Identifier, exp.Column)):
        if reference.name == name and not isinstance(reference.parent, exp.Column):
            reference.replace(accumulated.copy())
    result: exp.Expr = body
    return result


def get(node: exp.Expr) -> exp.Expr:
    """get(array, index): 0-based, NULL out of bounds."""
    array, index = node.expressions
    return fill("CASE WHEN _1 >= 0 THEN list_extract(_0, _1 + 1) END", array, index)


BY_CLASS: dict[type[exp.Expr], Handler] = {
    exp.Bracket: subscript,
    exp.ArrayContains: array_contains,
    exp.ArrayPosition: array_position,
    exp.ArrayRemove: array_remove,
    exp.ArrayDistinct: array_distinct,
    exp.ArraySize: size,
    exp.GenerateSeries: sequence,
    exp.Reverse: reverse,
    exp.Transform: transform,
    exp.ArrayFilter: transform,
    exp.Exists: exists,
    exp.Reduce: reduce,
    exp.MapContainsKey: lambda node: fill("list_contains(map_keys(_0), _1)", node.this, node.args["key"]),
}
BY_NAME: dict[str, Handler] = {
    "cardinality": size,
    "array_union": array_union,
    "arrays_overlap": arrays_overlap,
    "array_repeat": array_repeat,
    "forall": forall,
    "get": get,
}
