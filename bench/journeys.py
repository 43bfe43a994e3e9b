"""The requests a user's browser makes for each step, shared by the benchmark and its load generator."""

from __future__ import annotations

from typing import Any

TRIP = {"trip_distance": 3.2, "pickup_hour": 8, "pickup_zip": 10003, "dropoff_zip": 10011}
INVOKE_BODY = {"endpoint_name": "taxi-fare", "inputs": {"dataframe_records": [TRIP]}}
USERS = ("alice@example.com", "bob@example.com", "carol@example.com")


# The Data page's rows callback (AG Grid's getRowsRequest in, a block of rows out) and its count callback, as
# the browser names their outputs.
ROWS_OUTPUTS = [
    ("data-grid", "getRowsResponse"),
    ("data-grid-message", "children"),
    ("data-state", "data"),
    ("data-table-info", "data"),
]
COUNT_OUTPUTS = [("data-count", "children"), ("data-count-key", "data")]
TRIPS = "samples.nyctaxi.trips"


def _body(outputs: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
    }


def view_state(table: str = TRIPS, page_size: int = 100) -> dict[str, Any]:
    """The Data page's VIEW store for a table, unfiltered and unsorted."""
    return {"table": table, "limit": page_size, "offset": 0, "filters": [], "sort": None, "token": None}


def grid_request(
    start: int, table: str = TRIPS, page_size: int = 100, filters: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The grid's ask for one block of rows (AG Grid's getRowsRequest) from row `start`, as the browser posts
    it to /_dash-update-component; the answer's getRowsResponse holds the rows (rowData)."""
    rows = {"startRow": start, "endRow": start + page_size, "sortModel": [], "filterModel": {}}
    view = view_state(table, page_size) | {"filters": filters or []}
    return _body(ROWS_OUTPUTS) | {
        "inputs": [{"id": "data-grid", "property": "getRowsRequest", "value": rows}],
        "changedPropIds": ["data-grid.getRowsRequest"],
        "state": [
            {"id": "data-state", "property": "data", "value": view},
            {"id": "data-table-info", "property": "data", "value": None},
        ],
    }


def count_request(table: str = TRIPS, filters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The count above the grid, as the browser asks it when the view changes."""
    view = view_state(table) | {"filters": filters or []}
    info = {"full_name": table, "columns": [], "readable": True, "owner": ""}
    return _body(COUNT_OUTPUTS) | {
        "inputs": [{"id": "data-state", "property": "data", "value": view}],
        "changedPropIds": ["data-state.data"],
        "state": [
            {"id": "data-table-info", "property": "data", "value": info},
            {"id": "data-count-key", "property": "data", "value": None},
        ],
    }


# The Trips dashboard's panels (pages/trips.py), each one query file, and the filter combinations the bench
# and its load generator use (a small set, as analysts reuse the same few views).
DASHBOARD_PANELS = (
    "trips_kpis",
    "trips_by_hour",
    "trips_by_day",
    "fare_by_distance",
    "zip_matrix",
    "top_pickup_zips",
    "fares_by_dropoff_zip",
)
DASHBOARD_FILTERS: tuple[dict[str, Any], ...] = (
    {},
    {"pickup_hour": 8},
    {"min_distance": 5.0},
    {"start_date": "2016-02-01", "end_date": "2016-02-14"},
    {"max_distance": 2.0, "pickup_hour": 18},
)
