"""The component ids the Data page's parts share (the page is split by concern: `data` the grid and the
view, `data_filters` the filter form, `data_chart` the chart, `data_sidebar` the catalog sidebar and saved
views). Each part keeps its own ids to itself; only these cross between parts."""

from __future__ import annotations

# The view the page shows: TableView.to_store() (table, page size, filters, sort, token). Parts that change
# it write it with allow_duplicate=True; the grid and the URL follow it.
VIEW = "data-state"
# The chart's settings ({x, y, aggregation, chart_type, top_n}), kept in the URL beside the view.
CHART_SETTINGS = "data-chart-settings"
# What the open table is: {"full_name", "columns": [{"name", "data_type", "nullable"}] (data_type as Unity
# Catalog's type_text: "double", "timestamp", "decimal(10,2)"...), "readable": bool, "owner": str}; None while
# no table is open. Parts disable their controls when it is not readable.
TABLE_INFO = "data-table-info"
# The query string (without "?") of the view now shown, written by pages/data.py from VIEW and CHART_SETTINGS and
# pushed to the address bar; saved views store it, and `/data?<it>` reopens the view.
URL_QUERY = "data-url-query"
# The open table's favorite star (pages/data.py); the sidebar's favorites follow it when it is toggled.
FAVORITE = "data-favorite"
