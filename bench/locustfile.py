"""Locust users for `make bench`: each asks a data page, reads its preferences and invokes a model, with
about a second of thought between steps. Pointed only at the local stack on loopback."""

from __future__ import annotations

import itertools
import random

from locust import HttpUser, SequentialTaskSet, between, task

from bench.journeys import INVOKE_BODY, USERS, grid_request

_numbers = itertools.count()


class Journey(SequentialTaskSet):
    @task
    def data_page(self) -> None:
        offset = random.randrange(0, 900_000, 100)  # noqa: S311 (a page to ask, not a secret)
        with self.client.post(
            "/_dash-update-component", json=grid_request(offset), name="data page", catch_response=True
        ) as answer:
            if answer.status_code != 200 or "rowData" not in answer.text:
                answer.failure(f"no page: HTTP {answer.status_code}")

    @task
    def preference_read(self) -> None:
        self.client.get("/api/preferences", name="preference read")

    @task
    def inference(self) -> None:
        with self.client.post(
            "/api/model-serving/invoke", json=INVOKE_BODY, name="inference", catch_response=True
        ) as answer:
            if answer.status_code != 200 or answer.json().get("status") != "SUCCESS":
                answer.failure(f"no prediction: HTTP {answer.status_code}")


class Analyst(HttpUser):
    """One signed-in user (the local proxy's cookie picks who), thinking 0.5 to 1.5 s between steps."""

    tasks = [Journey]  # noqa: RUF012 (locust reads this class attribute)
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.client.cookies.set("local_apps_user", USERS[next(_numbers) % len(USERS)])
