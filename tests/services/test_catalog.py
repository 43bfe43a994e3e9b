"""The Unity Catalog service against the local workspace: names from a caller are checked before any request
leaves the app (the SDK puts them into URL paths unescaped), and tables are listed a page at a time."""

from __future__ import annotations

import base64
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from core.errors import InvalidInput
from core.identity import UserIdentity
from core.settings import Settings
from services import catalog

ALICE = UserIdentity("alice@example.com", "alice@example.com", "alice", None, access_token="dapi-local-alice-0001")
SCIM_ME = "orders/../../../../2.0/preview/scim/v2/Me"
# Path traversal, separators (raw and encoded), query and fragment marks, NUL and other control characters,
# white space, and unicode look-alikes of ASCII letters (Cyrillic і, fullwidth ｔ, a zero-width space).
HOSTILE_NAMES = [
    SCIM_ME,
    "../tpch",
    "..",
    "tpch/orders",
    "tpch%2Forders",
    "tpch%2e%2e",
    "orders?include_browse=true",
    "orders#x",
    "ord\x00ers",
    "orders\n",
    "ord\ters",
    "ord ers",
    " orders",
    "trіps",
    "ｔrips",
    "tr\u200bips",
    "a.b",
    "a`b",
    "a--b",
    "",
    "x" * 256,
]


# What a last, known call (the schemas of `samples`) asks of Unity Catalog.
KNOWN_CALL = "GET /api/2.1/unity-catalog/schemas?catalog_name=samples&max_results=0"
# Requests the SDK and the app's other clients make on their own (host and OAuth discovery, Lakebase
# credentials), whoever calls: they carry no name from a caller.
BACKGROUND = re.compile(r"GET /\.well-known/|GET /oidc/|POST /oidc/|[A-Z]+ /api/2\.0/database/")


@pytest.fixture
def workspace_requests(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The requests the local workspace logs, as "METHOD path" (werkzeug's access log, which the app turns
    down to WARNING), less the background ones."""
    caplog.set_level(logging.INFO, logger="werkzeug")

    def requests() -> list[str]:
        found = (re.search(r'"([A-Z]+ \S+) HTTP/', r.getMessage()) for r in caplog.records if r.name == "werkzeug")
        return [match.group(1) for match in found if match and not BACKGROUND.match(match.group(1))]

    return requests


def _settle(workspace_requests: Callable[[], list[str]], settings: Settings) -> list[str]:
    """Every request logged so far, once a last, known call has been logged (the log lags the answer)."""
    catalog.list_schemas(settings=settings, user=ALICE, catalog="samples")
    deadline = time.monotonic() + 5
    while KNOWN_CALL not in workspace_requests():
        assert time.monotonic() < deadline, "the local workspace logged no request"
        time.sleep(0.02)
    return workspace_requests()


def _calls(settings: Settings, name: str) -> dict[str, Callable[[], Any]]:
    """Each service function with `name` in each place a caller may put a name."""
    common: dict[str, Any] = {"settings": settings, "user": ALICE}
    return {
        "catalog": lambda: catalog.list_schemas(**common, catalog=name),
        "catalog ": lambda: catalog.list_tables(**common, catalog=name),
        "schema": lambda: catalog.list_tables(**common, catalog="samples", schema=name),
        "table": lambda: catalog.get_table(**common, catalog="samples", schema="tpch", table=name),
        "schema ": lambda: catalog.get_table(**common, catalog="samples", schema=name, table="orders"),
        " catalog": lambda: catalog.get_table(**common, catalog=name, schema="tpch", table="orders"),
    }


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_name_is_refused_before_any_request_reaches_the_workspace(
    settings: Settings, workspace_requests: Callable[[], list[str]], name: str
) -> None:
    for field, call in _calls(settings, name).items():
        with pytest.raises(InvalidInput) as refused:
            call()
        assert refused.value.technical_details["field"] == field.strip()
        assert refused.value.status == 400
    assert _settle(workspace_requests, settings) == [KNOWN_CALL]  # the known call, and no other


def test_the_review_s_path_traversal_does_not_fetch_scim_me(
    settings: Settings, workspace_requests: Callable[[], list[str]]
) -> None:
    """`samples.tpch.orders/../../../../2.0/preview/scim/v2/Me` reached SCIM Me through `tables.get`."""
    with pytest.raises(InvalidInput, match="table"):
        catalog.get_table(settings=settings, user=ALICE, catalog="samples", schema="tpch", table=SCIM_ME)
    logged = _settle(workspace_requests, settings)
    assert not [line for line in logged if "scim" in line.lower()]
    assert logged == [KNOWN_CALL]


def test_a_valid_name_still_reaches_the_workspace(settings: Settings) -> None:
    assert catalog.list_schemas(settings=settings, user=ALICE, catalog="samples") == ["nyctaxi", "tpch"]
    orders = catalog.get_table(settings=settings, user=ALICE, catalog="samples", schema="tpch", table="orders")
    assert orders.full_name == "samples.tpch.orders"
    assert [t.table_name for t in catalog.list_tables(settings=settings, user=ALICE, catalog="samples")] == [
        "trips",
        "customer",
        "orders",
    ]


# --- Tables a page at a time -------------------------------------------------------------------------------

ALICE_TABLES = ["samples.nyctaxi.trips", "samples.tpch.customer", "samples.tpch.orders"]


def _all_pages(settings: Settings, max_results: int, **where: str) -> list[list[str]]:
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        page = catalog.list_tables_page(
            settings=settings, user=ALICE, max_results=max_results, page_token=token, **where
        )
        pages.append([t.full_name for t in page.tables])
        token = page.next_page_token
        if token is None:
            return pages
        assert len(pages) < 10, "the pages never end"


@pytest.mark.parametrize(
    ("max_results", "pages"),
    [
        (1, [[ALICE_TABLES[0]], [ALICE_TABLES[1]], [ALICE_TABLES[2]]]),
        (2, [ALICE_TABLES[:2], ALICE_TABLES[2:]]),
        (3, [ALICE_TABLES]),
        (100, [ALICE_TABLES]),
    ],
)
def test_pages_of_tables_are_disjoint_complete_and_in_order(
    settings: Settings, max_results: int, pages: list[list[str]]
) -> None:
    assert _all_pages(settings, max_results) == pages
    assert [t.full_name for t in catalog.list_tables(settings=settings, user=ALICE)] == ALICE_TABLES


def test_pages_within_one_catalog_or_one_schema(settings: Settings) -> None:
    assert _all_pages(settings, 1, catalog="samples", schema="tpch") == [[ALICE_TABLES[1]], [ALICE_TABLES[2]]]
    assert [name for page in _all_pages(settings, 2, catalog="samples") for name in page] == ALICE_TABLES


def test_a_page_walks_only_as_far_as_it_needs(settings: Settings, workspace_requests: Callable[[], list[str]]) -> None:
    """The first table of the first schema: the second schema is never listed, its tables never asked for."""
    page = catalog.list_tables_page(settings=settings, user=ALICE, max_results=1)
    assert [t.full_name for t in page.tables] == ALICE_TABLES[:1]
    logged = _settle(workspace_requests, settings)
    listed = [line for line in logged if "/unity-catalog/tables?" in line]
    one_page = "catalog_name=samples&schema_name=nyctaxi&max_results=1&include_browse=true"
    assert listed == [f"GET /api/2.1/unity-catalog/tables?{one_page}"]
    assert len([line for line in logged if "/effective-permissions/" in line]) == 1  # the page's table only


@pytest.mark.parametrize("max_results", [0, -1, 501, 10**9])
def test_a_page_size_outside_1_to_500_is_refused(settings: Settings, max_results: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        catalog.list_tables_page(settings=settings, user=ALICE, max_results=max_results)
    assert refused.value.technical_details["field"] == "max_results"


def _token(*parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode()


@pytest.mark.parametrize(
    "token",
    [
        "x",
        "!!!",
        base64.urlsafe_b64encode(b"not json").decode(),
        _token("samples"),
        _token("samples", "tpch", 5),
        _token("../samples", "tpch", None),
        _token("samples", "tpch/../../x", None),
        _token("samples", "tpch", "1" * 2000),
        "A" * 5000,
    ],
)
def test_a_tampered_page_token_is_refused_before_any_request(
    settings: Settings, workspace_requests: Callable[[], list[str]], token: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        catalog.list_tables_page(settings=settings, user=ALICE, page_token=token)
    assert refused.value.technical_details["field"] == "page_token"
    assert _settle(workspace_requests, settings) == [KNOWN_CALL]


def test_a_page_token_of_another_catalog_or_schema_is_refused(settings: Settings) -> None:
    token = catalog.list_tables_page(settings=settings, user=ALICE, max_results=1).next_page_token
    with pytest.raises(InvalidInput, match="page_token"):
        catalog.list_tables_page(settings=settings, user=ALICE, catalog="other", page_token=token)
    with pytest.raises(InvalidInput, match="page_token"):
        catalog.list_tables_page(settings=settings, user=ALICE, catalog="samples", schema="tpch", page_token=token)


def test_a_page_token_unity_catalog_does_not_know_is_invalid_input(settings: Settings) -> None:
    with pytest.raises(InvalidInput) as refused:
        catalog.list_tables_page(settings=settings, user=ALICE, page_token=_token("samples", "tpch", "not-a-token"))
    assert refused.value.technical_details["field"] == "page_token"
