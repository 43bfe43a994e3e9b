"""The SQL warehouse, through databricks-sql-connector as the signed-in user: pages, aggregates and exports
of one table, and the cancel of a running query.

`sql` builds the statements (no I/O), `connections` runs them on per-user connections, `cancel` keeps the
running statements for Cancel, `queries` is what pages and the REST API ask, `views` the Data page's state.
"""

from __future__ import annotations

from core.errors import QueryCancelled, WarehouseUnavailable
from core.identity import APP_IDENTITY
from services.warehouse.cancel import registry as _registry  # the tests look into the registry
from services.warehouse.connections import (
    _cache,  # the tests count the connections it opened
    close_connections,
    connect,
    run_query,
)
from services.warehouse.export import EXPORT_MAX_BYTES, MAX_EXPORTS_PER_USER
from services.warehouse.queries import (
    QueryResult,
    RowCount,
    cancel_query,
    count_rows,
    count_view,
    counted_view,
    export_csv,
    is_configured,
    ping,
    query_page,
    query_view,
    table_columns,
)
from services.warehouse.sql import (
    AGGREGATIONS,
    EXPORT_MAX_ROWS,
    MAX_LIMIT,
    OPERATORS,
    Aggregation,
    Filter,
    Operator,
    Sort,
    TableRef,
)
from services.warehouse.views import TableView

__all__ = [
    "AGGREGATIONS",
    "APP_IDENTITY",
    "EXPORT_MAX_BYTES",
    "EXPORT_MAX_ROWS",
    "MAX_EXPORTS_PER_USER",
    "MAX_LIMIT",
    "OPERATORS",
    "Aggregation",
    "Filter",
    "Operator",
    "QueryCancelled",
    "QueryResult",
    "RowCount",
    "Sort",
    "TableRef",
    "TableView",
    "WarehouseUnavailable",
    "_cache",
    "_registry",
    "cancel_query",
    "close_connections",
    "connect",
    "count_rows",
    "count_view",
    "counted_view",
    "export_csv",
    "is_configured",
    "ping",
    "query_page",
    "query_view",
    "run_query",
    "table_columns",
]
