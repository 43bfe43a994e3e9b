"""The Data page's callbacks called as plain functions, and posted to Dash as a browser would: no browser.

What a browser sends (a getRowsRequest, a store, a query string) may be altered: each is refused as
InvalidInput naming the field, shown as a banner, never a traceback."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

from bench.journeys import count_request, grid_request
from components.data_controls import count_text
from core.errors import InvalidInput
from core.identity import UserIdentity
from core.request_context import user_var
from services import warehouse

ALICE = UserIdentity("alice@example.com", "alice@example.com", "alice", None, access_token="dapi-local-alice-0001")
TRIPS = "samples.nyctaxi.trips"
Headers = Callable[..., dict[str, str]]


@pytest.fixture
def data_page(server: flask.Flask, clean_lakebase: Any) -> Iterator[ModuleType]:
    """pages.data as the app loaded it, its callbacks run as Alice inside the app (as in a request)."""
    signed_in = user_var.set(ALICE)
    with server.app_context():
        yield importlib.import_module("pages.data")
    user_var.reset(signed_in)


def _store(**changes: Any) -> dict[str, Any]:
    return {"table": TRIPS, "limit": 100, "offset": 0, "filters": [], "sort": None, "token": None} | changes


def _info(**changes: Any) -> dict[str, Any]:
    return {"full_name": TRIPS, "columns": [], "readable": True, "owner": "o"} | changes


def test_a_block_of_rows_in_the_grid_s_sort_and_the_view_follows_it(
    data_page: ModuleType, local_warehouse: Any
) -> None:
    request = {"startRow": 100, "endRow": 200, "sortModel": [{"colId": "fare_amount", "sort": "desc"}]}
    response, message, followed, _ = data_page.rows(request, _store(), _info())
    fares = [row["fare_amount"] for row in response["rowData"]]
    assert len(fares) == 100
    assert fares == sorted(fares, reverse=True)
    top = local_warehouse.query("SELECT fare_amount FROM samples.nyctaxi.trips ORDER BY fare_amount DESC LIMIT 1")
    assert fares[0] <= top[0][0]
    assert message is None
    assert followed["sort"] == {"column": "fare_amount", "direction": "desc"}
    assert (followed["offset"], followed["limit"]) == (0, 100)  # the view is the grid's, not the block's


def test_the_last_block_tells_the_grid_how_many_rows_there_are(data_page: ModuleType, local_warehouse: Any) -> None:
    where = "pickup_zip = 10001 AND trip_distance > 5"
    (total,) = local_warehouse.query(f"SELECT count(*) FROM samples.nyctaxi.trips WHERE {where}")[0]
    assert 0 < total < 1000
    filters = [
        {"column": "pickup_zip", "operator": "=", "value": "10001"},
        {"column": "trip_distance", "operator": ">", "value": "5"},
    ]
    response, *_ = data_page.rows({"startRow": 0, "endRow": 1000, "sortModel": []}, _store(filters=filters), _info())
    assert response["rowCount"] == total == len(response["rowData"])


def test_the_count_line(data_page: ModuleType, local_warehouse: Any) -> None:
    warehouse.queries.counts.clear()
    (total,) = local_warehouse.query("SELECT count(*) FROM samples.nyctaxi.trips WHERE trip_distance > 10")[0]
    store = _store(filters=[{"column": "trip_distance", "operator": ">", "value": "10"}])
    shown, counted = data_page.count(store, _info(), None)
    assert shown.startswith(f"{total:,} rows · ")
    assert counted["total"] == total
    again, _ = data_page.count(store | {"sort": {"column": "fare_amount", "direction": "asc"}}, _info(), None)
    assert again.endswith(" ms (cached)")  # the same filters: the cached count
    assert data_page.count(store, _info(readable=False), None) == ("", None)


@pytest.mark.parametrize(
    ("total", "ms", "text"),
    [(15364, 42, "15,364 rows · 42 ms"), (1, 3, "1 row · 3 ms"), (0, 9, "No rows match"), (None, None, "")],
)
def test_count_text(total: int | None, ms: int | None, text: str) -> None:
    assert count_text(total, ms) == text


def test_the_export_is_disabled_for_a_table_the_user_cannot_read(data_page: ModuleType) -> None:
    *_, href, css, disabled = data_page.show_view(_store(), _info(readable=False), None)
    assert (href, disabled) == (None, "true")
    assert "disabled" in css
    *_, href, css, disabled = data_page.show_view(_store(), _info(), None)
    assert href.startswith("/api/unity-catalog/export?catalog=samples")
    assert disabled == "false"


@pytest.mark.parametrize(
    ("store", "field"),
    [
        (_store(limit=0), "limit"),
        (_store(limit="5"), "limit"),
        (_store(table=123), "table"),
        (_store(sort="x"), "sort"),
        (_store(offset=2**63), "offset"),
        (_store(filters="x"), "filters"),
    ],
)
def test_a_tampered_store_is_invalid_input_naming_the_field(
    data_page: ModuleType, store: dict[str, Any], field: str
) -> None:
    for run in (
        lambda s: data_page.show_view(s, _info(), None),
        lambda s: data_page.count(s, _info(), None),
        lambda s: data_page.rows({"startRow": 0, "endRow": 100}, s, _info()),
    ):
        with pytest.raises(InvalidInput) as refused:
            run(store)
        assert refused.value.technical_details["field"] == field


@pytest.mark.parametrize(
    "request_",
    [
        {"startRow": -1, "endRow": 100},
        {"startRow": 0, "endRow": 5000},
        {"startRow": "0", "endRow": 100},
        {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "fare_amount", "sort": "sideways"}]},
    ],
)
def test_a_tampered_rows_request_is_invalid_input(data_page: ModuleType, request_: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        data_page.rows(request_, _store(), _info())


def test_a_layout_from_a_hostile_link_is_a_banner(data_page: ModuleType) -> None:
    page = json.dumps(data_page.layout(table="x.y", filter=["a.eq.1"] * 3).to_plotly_json(), default=str)
    assert "INVALID_INPUT" in page
    assert "catalog.schema.table" in page


def test_a_readable_table_from_the_link_opens_with_its_info(data_page: ModuleType) -> None:
    page = data_page.layout(table=TRIPS, size="25", sort="fare_amount.desc")
    stores = {c.id: c.data for c in page.children if getattr(c, "data", None) is not None}
    assert stores["data-state"]["limit"] == 25
    assert stores["data-table-info"]["readable"] is True
    assert {"name": "fare_amount", "data_type": "double", "nullable": True} in stores["data-table-info"]["columns"]
    assert stores["data-url-query"] == f"table={TRIPS}&size=25&sort=fare_amount.desc"


@pytest.mark.parametrize(
    ("store", "field"),
    [(_store(limit=0), "limit"), (_store(table=123), "table"), (_store(sort="x"), "sort")],
)
def test_a_tampered_store_posted_to_dash_is_a_banner_and_no_traceback(
    client: FlaskClient,
    headers_for: Headers,
    json_logs: Callable[[], list[dict[str, Any]]],
    store: dict[str, Any],
    field: str,
) -> None:
    for body in (grid_request(0), count_request()):
        if body["inputs"][0]["id"] == "data-state":
            body["inputs"][0]["value"] = store
        else:
            body["state"][0]["value"] = store
        response = client.post("/_dash-update-component", json=body, headers=headers_for())
        assert response.status_code == 200
        banner = json.dumps(response.get_json()["sideUpdate"])
        assert "INVALID_INPUT" in banner or "not valid" in banner
    logged = json_logs()
    assert not [line for line in logged if "exc_info" in line or "Traceback" in json.dumps(line)]
    warning = next(line for line in logged if "INVALID_INPUT in a callback" in line["message"])
    assert warning["technical_details"]["field"] == field


def test_the_rows_callback_answers_a_block_posted_as_the_browser_does(
    client: FlaskClient, headers_for: Headers
) -> None:
    response = client.post("/_dash-update-component", json=grid_request(100), headers=headers_for())
    assert response.status_code == 200
    answer = response.get_json()["response"]["data-grid"]["getRowsResponse"]
    assert len(answer["rowData"]) == 100
