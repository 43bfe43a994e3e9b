"""What the Data page shows of a table: a typed value with pure transitions, held by the browser as a dict."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from services.warehouse.sql import Filter, Sort, TableRef

NO_VALUE_OPERATORS = ("is_null", "not_null")


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
        value = None if operator in NO_VALUE_OPERATORS else (value or "")
        return self._next(filters=(*self.filters, Filter(column, operator, value)), offset=0)

    def without_filter(self, index: int) -> TableView:
        """The filters but the one at `index`."""
        return self._next(filters=tuple(f for i, f in enumerate(self.filters) if i != index), offset=0)

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
    def from_store(cls, data: Mapping[str, Any] | None) -> TableView | None:
        """The view a Dash store holds, or None when it holds none."""
        if not data or not data.get("table"):
            return None
        sort = data.get("sort")
        return cls(
            table=data["table"],
            limit=int(data.get("limit", 100)),
            offset=int(data.get("offset", 0)),
            filters=tuple(Filter(f["column"], f["operator"], f.get("value")) for f in data.get("filters", [])),
            sort=Sort(sort["column"], sort["direction"]) if sort else None,
            # A view stored without a token runs its query without one (it cannot be cancelled).
            token=data.get("token"),
        )


def _filter_dicts(filters: Sequence[Filter]) -> list[dict[str, Any]]:
    return [{"column": f.column, "operator": f.operator, "value": f.value} for f in filters]


def preselect(names: Sequence[str], remembered: str | None, part: int) -> str | None:
    """The option to choose first: part `part` (0 catalog, 1 schema, 2 table) of the remembered
    catalog.schema.table when it is among `names`, else the first name (None when there are none)."""
    wanted = (remembered or "").split(".")
    if len(wanted) == 3 and wanted[part] in names:
        return wanted[part]
    return names[0] if names else None
