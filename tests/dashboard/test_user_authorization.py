"""A request without a user token fails closed: what is meant to run as the user is refused with
USER_AUTHORIZATION_REQUIRED, through the REST API, the Data page and Model Serving, unless
ALLOW_APP_IDENTITY_FALLBACK makes the app's service principal act for everyone, which Home then says."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

from core.identity import UserIdentity
from core.request_context import user_var
from core.settings import Settings
from dashboard import create_app
from local_workspace.lakebase import LocalLakebase
from local_workspace.serving import LocalServing
from services.warehouse import TableView
from tests.component_text import texts_of

pytestmark = pytest.mark.usefixtures("clean_lakebase")
Headers = Callable[..., dict[str, str]]
CUSTOMER = {"catalog": "samples", "schema": "tpch", "table": "customer"}  # hidden from Bob
IRIS = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
TOKENLESS_BOB = UserIdentity("bob@example.com", "bob@example.com", "bob@example.com", None)
ALICE = UserIdentity("alice@example.com", "alice@example.com", "alice", None, access_token="dapi-local-alice-0001")
OBO_REFUSED = "No: refused — user authorization is not enabled"
OBO_APP = "No: the app's service principal acts for everyone (ALLOW_APP_IDENTITY_FALLBACK)"


@pytest.fixture(scope="module")
def fallback_server(settings: Settings) -> flask.Flask:
    """The app with ALLOW_APP_IDENTITY_FALLBACK on."""
    return create_app(settings.model_copy(update={"allow_app_identity_fallback": True})).server


def _refused(response: Any) -> None:
    assert response.status_code == 403, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error_code"] == "USER_AUTHORIZATION_REQUIRED"
    assert "user authorization (user_api_scopes in databricks.yml) must be enabled" in body["message"]
    assert body["technical_details"]["header"] == "X-Forwarded-Access-Token"


def test_tokenless_bob_cannot_read_the_hidden_table_through_the_rest_api(
    client: FlaskClient, headers_for: Headers
) -> None:
    bob = headers_for("bob@example.com", with_token=False)
    _refused(client.post("/api/unity-catalog/query", json=CUSTOMER, headers=bob))
    _refused(client.get("/api/unity-catalog/tables?catalog=samples&schema=tpch", headers=bob))
    _refused(client.get("/api/unity-catalog/export?catalog=samples&schema=tpch&table=customer", headers=bob))


def test_with_the_fallback_tokenless_bob_acts_as_the_app(fallback_server: flask.Flask, headers_for: Headers) -> None:
    """The explicit setting: the service principal (which reads every table) acts, and /api/user/me says so."""
    client = fallback_server.test_client()
    bob = headers_for("bob@example.com", with_token=False)
    answer = client.post("/api/unity-catalog/query", json=CUSTOMER | {"limit": 2}, headers=bob)
    assert answer.status_code == 200
    assert answer.get_json()["row_count"] == 2
    me = client.get("/api/user/me", headers=bob).get_json()
    assert (me["user_id"], me["on_behalf_of_user"]) == ("bob@example.com", False)


def test_an_endpoint_restricted_to_alice_is_refused_to_tokenless_bob(
    client: FlaskClient, headers_for: Headers, serving_endpoints: LocalServing
) -> None:
    serving_endpoints.configure("iris-species", users=["alice@example.com"])
    invoke = {"endpoint_name": "iris-species", "inputs": {"dataframe_records": [IRIS]}}
    bob = headers_for("bob@example.com", with_token=False)
    _refused(client.post("/api/model-serving/invoke", json=invoke, headers=bob))
    _refused(client.get("/api/model-serving/endpoints", headers=bob))
    _refused(client.get("/api/model-serving/endpoints/iris-species", headers=bob))
    # As before, with his own token the endpoint does not exist for him; Alice's works.
    assert (
        client.post("/api/model-serving/invoke", json=invoke, headers=headers_for("bob@example.com")).status_code == 404
    )
    assert client.post("/api/model-serving/invoke", json=invoke, headers=headers_for()).status_code == 200


@pytest.fixture
def as_user(server: flask.Flask) -> Callable[..., Any]:
    """Run a page's callback as a user, inside the app (the session's, or another server)."""

    def run(who: UserIdentity, callback: Callable[[], Any], on: flask.Flask | None = None) -> Any:
        signed_in = user_var.set(who)
        try:
            with (on or server).app_context():
                return callback()
        finally:
            user_var.reset(signed_in)

    return run


def _by_id(component: Any, wanted: str) -> Any:
    """The component with id `wanted` in a tree, or None."""
    if getattr(component, "id", None) == wanted:
        return component
    children = component if isinstance(component, list | tuple) else getattr(component, "children", None)
    if isinstance(children, list | tuple):
        return next((found for child in children if (found := _by_id(child, wanted)) is not None), None)
    return _by_id(children, wanted) if children is not None and not isinstance(children, str) else None


def test_tokenless_bob_cannot_read_the_hidden_table_through_the_data_page(as_user: Callable[..., Any]) -> None:
    data = importlib.import_module("pages.data")
    state = TableView.open("samples.tpch.customer").to_store()
    block = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}
    rows, message, *_ = as_user(TOKENLESS_BOB, lambda: data.rows(block, state, None))
    assert rows["rowData"] == []
    assert "(USER_AUTHORIZATION_REQUIRED)" in texts_of(message)
    page = as_user(TOKENLESS_BOB, lambda: data.layout(table="samples.tpch.customer"))
    assert "(USER_AUTHORIZATION_REQUIRED)" in texts_of(page)
    assert "c_phone" not in texts_of(page)  # not a column of the hidden table is shown


def test_home_says_who_acts_for_the_user(as_user: Callable[..., Any], fallback_server: flask.Flask) -> None:
    home = importlib.import_module("pages.home")
    alice = as_user(ALICE, lambda: home.show_user(None))
    assert texts_of(_by_id(alice, "home-user-obo")) == ["Yes, with your forwarded token"]

    refused = as_user(TOKENLESS_BOB, lambda: home.show_user(None))
    assert texts_of(_by_id(refused, "home-user-obo")) == [OBO_REFUSED]
    assert "(USER_AUTHORIZATION_REQUIRED)" in texts_of(refused)

    fallback = as_user(TOKENLESS_BOB, lambda: home.show_user(None), on=fallback_server)
    assert texts_of(_by_id(fallback, "home-user-obo")) == [OBO_APP]
    assert _by_id(fallback, "home-user-display-name") is None  # the workspace was not asked as the app
    assert not [text for text in texts_of(fallback) if "USER_AUTHORIZATION_REQUIRED" in text]


def test_saved_views_stay_their_owners_with_or_without_a_token(
    client: FlaskClient, headers_for: Headers, as_user: Callable[..., Any], local_lakebase: LocalLakebase
) -> None:
    """Saved views live in Lakebase (the app's own connection), so a tokenless user still has their own, and
    never anyone else's: through the REST API and through the Data page's sidebar."""
    with local_lakebase.admin_connection(local_lakebase.database) as admin:
        admin.execute("TRUNCATE saved_views RESTART IDENTITY")
    view = {"name": "Alice's trips", "table": "samples.nyctaxi.trips", "query": "table=samples.nyctaxi.trips"}
    alices = client.post("/api/views", json=view, headers=headers_for()).get_json()["id"]
    for bob in (headers_for("bob@example.com"), headers_for("bob@example.com", with_token=False)):
        assert client.get("/api/views", headers=bob).get_json() == []
        for method, extra in (("get", {}), ("patch", {"json": {"name": "Bob's"}}), ("delete", {})):
            answer = getattr(client, method)(f"/api/views/{alices}", headers=bob, **extra)
            assert (answer.status_code, answer.get_json()["error_code"]) == (404, "NOT_FOUND")
    sidebar = importlib.import_module("pages.data_sidebar")
    _, listed = as_user(TOKENLESS_BOB, lambda: sidebar.show_favorites_and_views(True))
    assert "Alice's trips" not in texts_of(listed)
    # The catalog tree is Unity Catalog's, as the user: refused without the token.
    assert "(USER_AUTHORIZATION_REQUIRED)" in texts_of(as_user(TOKENLESS_BOB, lambda: sidebar.show_catalogs(True)))
    assert client.get(f"/api/views/{alices}", headers=headers_for()).get_json()["name"] == "Alice's trips"
