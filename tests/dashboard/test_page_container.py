"""The page the browser opened, rendered into the first layout (dashboard/page_container.py): from a same-origin
Referer, the layout holds the page, the location component that address and the store the rendered address;
without a usable one (none, another origin, oversize, another scheme, no page there) the container is Dash's
empty one. A hostile query is the page's own banner, not a 500. Every answer sends Referrer-Policy: same-origin,
and the index page no longer carries Dash's validation layout."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from dashboard.page_container import CONTENT, LOCATION, MAX_REFERER_CHARS, STORE

Headers = Callable[..., dict[str, str]]
HOST = "localhost"  # the test client's Host, which headers_for also forwards as X-Forwarded-Host
TRIPS = "samples.nyctaxi.trips"
DASH_CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


def find(node: Any, component_id: str) -> dict[str, Any] | None:
    """The component of the layout's JSON with that id (depth first), else None."""
    if isinstance(node, list):
        return next((found for child in node if (found := find(child, component_id)) is not None), None)
    if not isinstance(node, dict) or "props" not in node:
        return None
    props = node["props"]
    if props.get("id") == component_id:
        return node
    return find(props.get("children"), component_id)


def layout_for(client: FlaskClient, headers: dict[str, str], referer: str | None) -> dict[str, Any]:
    """The first layout as the browser asks for it, from the page at `referer`."""
    sent = {**headers, **({"Referer": referer} if referer is not None else {})}
    response = client.get("/_dash-layout", headers=sent)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    layout: dict[str, Any] = response.get_json()
    return layout


def container(layout: dict[str, Any]) -> tuple[dict[str, Any], Any, Any]:
    """The location component's props, the content's children and the store's data."""
    location, content, store = (find(layout, part) for part in (LOCATION, CONTENT, STORE))
    assert location is not None
    assert content is not None
    assert store is not None
    return location["props"], content["props"].get("children"), store["props"].get("data")


def test_the_data_page_at_the_referer_is_in_the_first_layout(client: FlaskClient, headers_for: Headers) -> None:
    search = f"?table={TRIPS}&sort=fare_amount.desc"
    referer = f"http://{HOST}/data{search}"
    location, content, store = container(layout_for(client, headers_for(), referer))
    assert (location["pathname"], location["search"], location["href"]) == ("/data", search, referer)
    assert store["rendered"] == {"pathname": "/data", "search": search}
    assert store["title"] == "Data · Databricks Dash Template"
    view = find(content, "data-state")
    assert view is not None
    assert view["props"]["data"]["table"] == TRIPS
    assert find(content, "data-grid") is not None
    title = find(content, "data-title")
    assert title is not None
    assert title["props"]["children"] == TRIPS


def test_home_at_the_root_is_in_the_first_layout(client: FlaskClient, headers_for: Headers) -> None:
    location, content, store = container(layout_for(client, headers_for(), f"http://{HOST}/"))
    assert (location["pathname"], location["search"]) == ("/", "")
    assert store["rendered"] == {"pathname": "/", "search": ""}
    assert find(content, "home-user") is not None
    assert find(content, "data-grid") is None


def test_the_forwarded_host_is_the_apps_own(client: FlaskClient, headers_for: Headers) -> None:
    headers = {**headers_for(), "X-Forwarded-Host": "app.example.com"}
    location, content, _ = container(layout_for(client, headers, "https://app.example.com/trips"))
    assert location["pathname"] == "/trips"
    assert find(content, "trips-filters") is not None


@pytest.mark.parametrize(
    "referer",
    [
        None,
        "http://evil.example/data",
        f"http://{HOST}.evil.example/data",
        f"http://{HOST}/data?table={'x' * MAX_REFERER_CHARS}",
        f"http://{HOST}/no-such-page",
        f"javascript://{HOST}/data",
        f"ftp://{HOST}/data",
        "not an address",
    ],
    ids=["none", "other-host", "host-suffix", "oversize", "unknown-path", "javascript", "ftp", "garbage"],
)
def test_without_a_usable_referer_the_container_is_empty(
    client: FlaskClient, headers_for: Headers, referer: str | None
) -> None:
    location, content, store = container(layout_for(client, headers_for(), referer))
    assert "pathname" not in location
    assert "search" not in location
    assert content is None
    assert store is None


def test_a_referer_only_just_under_the_limit_is_still_rendered(client: FlaskClient, headers_for: Headers) -> None:
    base = f"http://{HOST}/trips?padding="
    location, content, _ = container(layout_for(client, headers_for(), base + "x" * (MAX_REFERER_CHARS - len(base))))
    assert location["pathname"] == "/trips"
    assert find(content, "trips-filters") is not None


@pytest.mark.parametrize(
    "search",
    [
        "?table=a;DROP TABLE x",
        f"?table={TRIPS}&filter=fare_amount.between.1",
        f"?table={TRIPS}&size=5000",
        "?table=samples.nyctaxi",
    ],
)
def test_a_hostile_query_is_the_data_pages_banner(client: FlaskClient, headers_for: Headers, search: str) -> None:
    location, content, store = container(layout_for(client, headers_for(), f"http://{HOST}/data{search}"))
    assert location["pathname"] == "/data"
    assert store["rendered"]["pathname"] == "/data"
    banner = find(content, "data-link-error")
    assert banner is not None
    assert "(INVALID_INPUT)" in json.dumps(banner["props"]["children"])
    view = find(content, "data-state")
    assert view is not None
    assert view["props"]["data"] is None


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [("/", True), ("/", False), ("/_dash-layout", True), ("/vendor/bootstrap/css/bootstrap.min.css", True)],
)
def test_every_answer_keeps_the_address_to_the_apps_own_origin(
    client: FlaskClient, headers_for: Headers, path: str, signed_in: bool
) -> None:
    response = client.get(path, headers=headers_for() if signed_in else {})
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_static_asset_keeps_the_address_to_the_apps_own_origin(client: FlaskClient, headers_for: Headers) -> None:
    page = client.get("/", headers=headers_for()).get_data(as_text=True)
    asset = re.search(r'src="(/_dash-component-suites/[^"]+)"', page)
    assert asset is not None
    response = client.get(asset.group(1), headers=headers_for())
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_index_page_carries_no_validation_layout(client: FlaskClient, headers_for: Headers) -> None:
    client.get("/_dash-layout", headers=headers_for())  # Dash builds its validation layout at a first request
    page = client.get("/", headers=headers_for()).get_data(as_text=True)
    config_script = DASH_CONFIG.search(page)
    assert config_script is not None
    config = json.loads(config_script.group(1))
    assert "validation_layout" not in config
    assert config["suppress_callback_exceptions"] is True
