"""The requests a user's browser makes for each step, shared by the benchmark and its load generator."""

from __future__ import annotations

from typing import Any

GRID_OUTPUTS = [
    ("data-grid", "children"),
    ("data-status", "children"),
    ("data-page-label", "children"),
    ("data-previous", "disabled"),
    ("data-next", "disabled"),
    ("data-filters", "children"),
    ("data-export", "href"),
]
TRIP = {"trip_distance": 3.2, "pickup_hour": 8, "pickup_zip": 10003, "dropoff_zip": 10011}
INVOKE_BODY = {"endpoint_name": "taxi-fare", "inputs": {"dataframe_records": [TRIP]}}
USERS = ("alice@example.com", "bob@example.com", "carol@example.com")


def grid_request(offset: int, table: str = "samples.nyctaxi.trips") -> dict[str, Any]:
    """The Data page's grid callback for one 100-row page, as the browser posts it to /_dash-update-component."""
    state = {"table": table, "limit": 100, "offset": offset, "filters": [], "sort": None}
    return {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in GRID_OUTPUTS) + "..",
        "outputs": [{"id": i, "property": p} for i, p in GRID_OUTPUTS],
        "inputs": [{"id": "data-state", "property": "data", "value": state}],
        "changedPropIds": ["data-state.data"],
        "state": [],
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
