"""What the Data page shows of a table: a typed value with pure transitions, held by the browser as a dict.

The browser may send the dict back altered, so every field of a view is checked when it is built, and a
view that is not valid is InvalidInput naming the field: a 400 or an error banner, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeGuard
from urllib.parse import urlencode

from core.errors import InvalidInput
from core.limits import MAX_OFFSET
from services.catalog import DataSource
from services.warehouse.sql import MAX_FILTERS, MAX_LIMIT, OPERATORS, Filter, Sort, TableRef

NO_VALUE_OPERATORS = ("is_null", "not_null")
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_COLUMN_CHARS = 255  # Unity Catalog's longest name
DEFAULT_PAGE_SIZE = 100
FILTER_KEYS = frozenset({"column", "operator", "value"})
SORT_KEYS = frozenset({"column", "direction"})


def _invalid(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(message, technical_details={"field": field_name})


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_column(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_COLUMN_CHARS


def page_size_of(value: object) -> int:
    """The rows per page a picker's value asks for (100 when it has none); InvalidInput naming page_size."""
    if value is None or value == "":
        return DEFAULT_PAGE_SIZE
    text = str(value) if _is_int(value) or isinstance(value, str) else ""
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise _invalid("page_size", f"Rows per page must be a whole number from 1 to {MAX_LIMIT}.")
    return int(text)


def new_token() -> str:
    """A fresh query token: each query its own, so Cancel stops that one and no other."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class TableView:
    """Which rows of which table: page (limit, offset), filters, sort, and the token of its query.

    Every transition returns a new view with a new token, and starts again at the first page unless it
    moves between pages."""

    table: str
    limit: int = 100
    offset: int = 0
    filters: tuple[Filter, ...] = ()
    sort: Sort | None = None
    token: str | None = field(default_factory=new_token)

    def __post_init__(self) -> None:
        if not isinstance(self.table, str):
            raise _invalid("table", "A table is named catalog.schema.table.")
        try:
            TableRef.parse(self.table)
        except InvalidInput as error:  # named by the part at fault; the view's field is `table`
            raise _invalid("table", error.message) from None
        if not _is_int(self.limit) or not 1 <= self.limit <= MAX_LIMIT:
            raise _invalid("limit", f"limit must be a whole number from 1 to {MAX_LIMIT}.")
        if not _is_int(self.offset) or not 0 <= self.offset <= MAX_OFFSET:
            raise _invalid("offset", f"offset must be a whole number from 0 to {MAX_OFFSET}.")
        if len(self.filters) > MAX_FILTERS:
            raise _invalid("filters", f"At most {MAX_FILTERS} filters.")
        for item in self.filters:
            if not _is_column(item.column) or item.operator not in OPERATORS:
                raise _invalid("filters", "Each filter names a column and one of the operators.")
            if item.value is not None and not isinstance(item.value, str | int | float | bool):
                raise _invalid("filters", "A filter's value is a string, a number, true or false.")
        if self.sort is not None and (not _is_column(self.sort.column) or self.sort.direction not in ("asc", "desc")):
            raise _invalid("sort", "The sort names a column and a direction, asc or desc.")
        if self.token is not None and not (isinstance(self.token, str) and TOKEN.fullmatch(self.token)):
            raise _invalid("token", "The query token is not valid.")

    @classmethod
    def open(cls, table: str, limit: int = 100) -> TableView:
        """The first page of `table` (catalog.schema.table), unfiltered and unsorted."""
        return cls(table=table, limit=limit)

    def _next(self, **changes: Any) -> TableView:
        return replace(self, token=new_token(), **changes)

    @property
    def page_number(self) -> int:
        return self.offset // self.limit + 1

    @property
    def table_ref(self) -> TableRef:
        return TableRef.parse(self.table)

    def next_page(self) -> TableView:
        """The page after this one."""
        return self._next(offset=self.offset + self.limit)

    def previous_page(self) -> TableView:
        """The page before this one (the first page stays the first)."""
        return self._next(offset=max(0, self.offset - self.limit))

    def with_page_size(self, limit: int) -> TableView:
        """Pages of `limit` rows, from the first."""
        return self._next(limit=limit, offset=0)

    def with_sort_toggled(self, column: str) -> TableView:
        """Sorted by `column`: ascending first, then descending, then ascending again."""
        ascending = self.sort is not None and self.sort.column == column and self.sort.direction == "asc"
        return self._next(sort=Sort(column, "desc" if ascending else "asc"), offset=0)

    def with_filter(self, column: str, operator: str, value: Any = None) -> TableView:
        """One more filter; is_null and not_null take no value, the others an empty one at least."""
        value = None if operator in NO_VALUE_OPERATORS else ("" if value is None else value)  # 0 and false stay
        return self.with_filters((*self.filters, Filter(column, operator, value)))

    def with_filters(self, filters: Sequence[Filter]) -> TableView:
        """These filters instead of the view's (none: every row), from the first page."""
        return self._next(filters=tuple(filters), offset=0)

    def without_filter(self, index: int) -> TableView:
        """The filters but the one at `index`."""
        return self._next(filters=tuple(f for i, f in enumerate(self.filters) if i != index), offset=0)

    def with_sort(self, sort: Sort | None) -> TableView:
        """Sorted by `sort` (None: the table's order), from the first page."""
        return self._next(sort=sort, offset=0)

    def for_rows(self, start: object, end: object, sort_model: object = None) -> TableView:
        """The block of rows [start, end) a grid asks for (AG Grid's infinite row model's getRows request),
        sorted by the grid's sort model (its first column; none: the view's own sort), under the same token."""
        if not (_is_int(start) and _is_int(end)):
            raise _invalid("rows", "A block of rows is from startRow to endRow, whole numbers.")
        if not 0 <= start < end or end - start > MAX_LIMIT:
            raise _invalid("rows", f"A block of rows is from startRow to endRow, at most {MAX_LIMIT} rows.")
        sort = _sort_from_grid(sort_model) if isinstance(sort_model, list) else self.sort
        return replace(self, offset=start, limit=end - start, sort=sort)

    def export_query(self) -> dict[str, str]:
        """The query string of the CSV export of this view (the REST API's /export parameters)."""
        table = self.table_ref
        query = {
            "catalog": table.catalog,
            "schema": table.schema,
            "table": table.table,
            "filters": json.dumps(_filter_dicts(self.filters)),
        }
        if self.sort:
            query |= {"sort_column": self.sort.column, "sort_direction": self.sort.direction}
        return query

    def to_store(self) -> dict[str, Any]:
        """The view as the Dash store holds it (JSON)."""
        return {
            "table": self.table,
            "limit": self.limit,
            "offset": self.offset,
            "filters": _filter_dicts(self.filters),
            "sort": {"column": self.sort.column, "direction": self.sort.direction} if self.sort else None,
            "token": self.token,
        }

    @classmethod
    def from_store(cls, data: object) -> TableView | None:
        """The view a Dash store holds, or None when it holds none; InvalidInput naming the field that is
        not valid (the store is the browser's, which may alter it)."""
        if not data:
            return None
        if not isinstance(data, Mapping):
            raise _invalid("state", "The Data page's state is not valid: reload the page.")
        if not data.get("table"):
            return None
        return cls(
            table=data["table"],
            limit=data.get("limit", DEFAULT_PAGE_SIZE),
            offset=data.get("offset", 0),
            filters=_filters_from_store(data.get("filters")),
            sort=_sort_from_store(data.get("sort")),
            # A view stored without a token runs its query without one (it cannot be cancelled).
            token=data.get("token"),
        )


def _filters_from_store(raw: object) -> tuple[Filter, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_FILTERS:
        raise _invalid("filters", f"filters is a list of at most {MAX_FILTERS} conditions.")
    if not all(isinstance(f, Mapping) and {"column", "operator"} <= f.keys() <= FILTER_KEYS for f in raw):
        raise _invalid("filters", "Each filter is {column, operator, value}.")
    return tuple(Filter(f["column"], f["operator"], f.get("value")) for f in raw)


def _sort_from_store(raw: object) -> Sort | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or raw.keys() != SORT_KEYS:
        raise _invalid("sort", "The sort is {column, direction}.")
    return Sort(raw["column"], raw["direction"])


def _sort_from_grid(sort_model: list[Any]) -> Sort | None:
    if not sort_model:
        return None
    first = sort_model[0]
    if not isinstance(first, Mapping) or first.get("sort") not in ("asc", "desc"):
        raise _invalid("sort", "The grid's sort model is [{colId, sort}].")
    return Sort(first.get("colId"), first["sort"])  # type: ignore[arg-type]


def _filter_dicts(filters: Sequence[Filter]) -> list[dict[str, Any]]:
    return [{"column": f.column, "operator": f.operator, "value": f.value} for f in filters]


def preselect(names: Sequence[str], remembered: str | None, part: int) -> str | None:
    """The option to choose first: part `part` (0 catalog, 1 schema, 2 table) of the remembered
    catalog.schema.table when it is among `names`, else the first name (None when there are none)."""
    wanted = (remembered or "").split(".")
    if len(wanted) == 3 and wanted[part] in names:
        return wanted[part]
    return names[0] if names else None


# The view in a URL's query string, readable and robust:
#   table=samples.nyctaxi.trips&size=100&sort=fare_amount.desc&filter=trip_distance.gt.10&chart={"x":...}
# `filter` repeats, one per condition: column, operator word, value, joined by dots (the value is the rest,
# dots and all; is_null and not_null have none). A column that is not a plain name (letters, digits, _) is
# written in backticks as in SQL, a backtick doubled. `chart` is the chart's settings as compact JSON.
URL_OPERATORS: dict[str, str] = {
    "=": "eq",
    "!=": "ne",
    "<": "lt",
    "<=": "le",
    ">": "gt",
    ">=": "ge",
    "contains": "contains",
    "starts_with": "starts_with",
    "is_null": "is_null",
    "not_null": "not_null",
}
OPERATOR_OF_WORD = {word: operator for operator, word in URL_OPERATORS.items()}
URL_KEYS = ("table", "size", "sort", "filter", "chart")
PLAIN_COLUMN = re.compile(r"[A-Za-z0-9_]+")
MAX_CHART_CHARS = 2048


def _column_text(name: str) -> str:
    return name if PLAIN_COLUMN.fullmatch(name) else "`" + name.replace("`", "``") + "`"


def _read_column(text: str, field_name: str) -> tuple[str, str]:
    """The column at the start of `text` (plain, or in backticks) and what follows its dot ('' at the end)."""
    if text.startswith("`"):
        match = re.match(r"`((?:[^`]|``)+)`(?:\.(.*))?$", text, re.S)
        if not match:
            raise _invalid(field_name, f"The link's {field_name} has a column in backticks that does not close.")
        return match.group(1).replace("``", "`"), match.group(2) or ""
    name, _, rest = text.partition(".")
    return name, rest


def to_query(view: TableView | None, chart: Mapping[str, Any] | None = None) -> str:
    """The query string (without '?') that reopens `view` and the chart's settings: `/data?<it>`."""
    if view is None:
        return ""
    pairs: list[tuple[str, str]] = [("table", view.table), ("size", str(view.limit))]
    if view.sort:
        pairs.append(("sort", f"{_column_text(view.sort.column)}.{view.sort.direction}"))
    for item in view.filters:
        text = f"{_column_text(item.column)}.{URL_OPERATORS[item.operator]}"
        if item.operator not in NO_VALUE_OPERATORS:
            value = item.value
            text += "." + (str(value).lower() if isinstance(value, bool) else str(value))
        pairs.append(("filter", text))
    if chart:
        pairs.append(("chart", json.dumps(chart, separators=(",", ":"), sort_keys=True)))
    return urlencode(pairs)


def _one(query: Mapping[str, Any], key: str) -> str | None:
    value = query.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid(key, f"The link gives {key} more than once.")
    return value


def _filter_of(text: str) -> Filter:
    name, rest = _read_column(text, "filter")
    word, _, value = rest.partition(".")
    if not name or word not in OPERATOR_OF_WORD:
        raise _invalid(
            "filter",
            f"A filter in the link is column.operator.value, the operator one of {', '.join(OPERATOR_OF_WORD)}.",
        )
    operator = OPERATOR_OF_WORD[word]
    return Filter(name, operator, None if operator in NO_VALUE_OPERATORS else value)


def _sort_of(text: str) -> Sort:
    name, rest = _read_column(text, "sort")
    if text.startswith("`"):
        direction = rest
    else:
        name, _, direction = text.rpartition(".")
    if not name or direction not in ("asc", "desc"):
        raise _invalid("sort", "The link's sort is column.asc or column.desc.")
    return Sort(name, direction)  # type: ignore[arg-type]


def _chart_of(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    if len(text) > MAX_CHART_CHARS:
        raise _invalid("chart", f"The link's chart settings are longer than {MAX_CHART_CHARS} characters.")
    try:
        chart = json.loads(text)
    except ValueError:
        chart = None
    if not isinstance(chart, dict):
        raise _invalid("chart", "The link's chart settings are not a JSON object.")
    return chart


def from_query(
    query: Mapping[str, Any], *, default_size: int = DEFAULT_PAGE_SIZE
) -> tuple[TableView | None, dict[str, Any] | None]:
    """The view and chart settings a query string (as Dash pages parses it: a value, or a list for a key given
    more than once) asks for; (None, chart) without a table. InvalidInput naming the field at fault, in words
    a person reading the link understands."""
    table = _one(query, "table")
    chart = _chart_of(_one(query, "chart"))
    if table is None:
        return None, chart
    raw_filters = query.get("filter") or []
    texts = [raw_filters] if isinstance(raw_filters, str) else raw_filters
    if not isinstance(texts, list) or len(texts) > MAX_FILTERS:
        raise _invalid("filter", f"A link holds at most {MAX_FILTERS} filters.")
    size = _one(query, "size")
    sort = _one(query, "sort")
    view = TableView(
        table=table,
        limit=page_size_of(size) if size is not None else default_size,
        filters=tuple(_filter_of(str(text)) for text in texts),
        sort=_sort_of(sort) if sort is not None else None,
    )
    return view, chart


def view_key(view: TableView | None, *, page_size: bool = True) -> str:
    """A short hash of what a view's rows depend on: table, filters and (unless not `page_size`) page size;
    not its sort or token."""
    stored = view.to_store() if view else {}
    parts = [stored.get("table"), stored.get("filters"), stored.get("limit") if page_size else None]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def view_keys(view: TableView | None) -> dict[str, str]:
    """The keys of the grid a view shows: `view` (table, filters, page size) and `count` (table, filters)."""
    return {"view": view_key(view), "count": view_key(view, page_size=False)}


def table_info(details: DataSource) -> dict[str, Any]:
    """What the Data page's parts know of the open table (pages/data_ids.TABLE_INFO): its columns, whether the
    user may read its rows (SELECT: Unity Catalog's access level READ or WRITE), and its owner."""
    columns = [{"name": c.name, "data_type": c.data_type, "nullable": c.nullable} for c in details.columns]
    readable = details.access_level in ("READ", "WRITE")
    return {"full_name": details.full_name, "columns": columns, "readable": readable, "owner": details.owner}
