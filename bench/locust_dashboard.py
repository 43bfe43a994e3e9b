"""Locust users for `make bench` on the Trips dashboard: each view asks every panel's query with one of a few
filter combinations, with about a second of thought between views. Pointed only at the local stack.

They call the app's port directly with the identity headers the Apps proxy would forward (on Databricks the
proxy is not the app's CPU; here the local proxy, a Python server on the same two cores, would be measured
instead of the app)."""

from __future__ import annotations

import itertools
import random
from typing import cast

import flask
from locust import HttpUser, between, task
from locust.clients import ResponseContextManager

from bench.journeys import DASHBOARD_FILTERS, DASHBOARD_PANELS, USERS
from local_workspace.identities import Directory
from local_workspace.proxy import AppsProxy

_numbers = itertools.count()
_directory = Directory.load()


def forwarded_headers(user_name: str) -> dict[str, str]:
    """The headers the local Apps proxy forwards for this user, as Databricks' proxy does."""
    user = _directory.user(user_name)
    assert user is not None, user_name
    with flask.Flask(__name__).test_request_context():
        return AppsProxy("http://unused", _directory).identity_headers(user, flask.request)


class DashboardViewer(HttpUser):
    """One signed-in user (the local proxy's cookie picks who) looking at the dashboard again and again."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.client.headers.update(forwarded_headers(USERS[next(_numbers) % len(USERS)]))

    @task
    def view(self) -> None:
        parameters = random.choice(DASHBOARD_FILTERS)  # noqa: S311 (a view to ask, not a secret)
        for panel in DASHBOARD_PANELS:
            with self.client.post(
                f"/api/queries/{panel}", json={"parameters": parameters}, name=panel, catch_response=True
            ) as answer:
                if answer.status_code != 200:
                    cast(ResponseContextManager, answer).failure(f"HTTP {answer.status_code}")
