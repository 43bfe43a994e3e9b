"""The Model Serving page in headless Chromium, through the local Apps proxy, against real models."""

from __future__ import annotations

from typing import Any

import mlflow.pyfunc
import pandas as pd
import pytest
from selenium.webdriver.common.by import By

from local_workspace.serving import LocalServing
from tests.conftest import RunningServer
from tests.pages.browser import click, open_page, type_into, waiting

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]


def field(browser: Any, name: str) -> Any:
    """A form field generated from the signature (Dash writes a pattern-matching id as JSON)."""
    return browser.driver.find_element(By.CSS_SELECTOR, f'input[id=\'{{"name":"{name}","type":"serving-field"}}\']')


def choose_endpoint(browser: Any, name: str) -> None:
    browser.wait_for_element(f"label[for='_dbcprivate_radioitems_serving-endpoint_input_{name}']", timeout=15).click()
    browser.wait_for_contains_text("#serving-endpoint-details", f"samples.models.{name.replace('-', '_')}", timeout=15)


def history_rows(browser: Any) -> list[Any]:
    return list(browser.driver.find_elements(By.CSS_SELECTOR, "#serving-history tr[data-log-id]"))


def test_pick_fill_invoke_see_predictions_and_history_then_load_it_back(
    app_through_proxy: tuple[Any, RunningServer], local_serving: LocalServing
) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/model-serving")
    choose_endpoint(browser, "taxi-fare")
    browser.wait_for_element('input[id=\'{"name":"trip_distance","type":"serving-field"}\']', timeout=15)
    # The form comes from the signature, typed, with the input example as its values.
    assert field(browser, "pickup_hour").get_attribute("type") == "number"
    assert field(browser, "pickup_hour").get_attribute("step") == "1"
    assert field(browser, "trip_distance").get_attribute("value") != ""
    label = browser.driver.find_element(
        By.CSS_SELECTOR, 'label[for=\'{"name":"trip_distance","type":"serving-field"}\']'
    )
    assert "trip_distance" in label.text

    type_into(field(browser, "trip_distance"), "7.5")
    row = {name: field(browser, name).get_attribute("value") for name in ("pickup_hour", "pickup_zip", "dropoff_zip")}
    click(browser, browser.find_element("#serving-invoke"))
    browser.wait_for_contains_text("#serving-predictions", "SUCCESS", timeout=20)

    frame = pd.DataFrame([{"trip_distance": 7.5, **{k: int(v) for k, v in row.items()}}])
    model = mlflow.pyfunc.load_model(str(local_serving._models["taxi_fare"].path))
    expected = float(model.predict(frame)[0])
    cells = browser.driver.find_elements(By.CSS_SELECTOR, "#serving-predictions tbody td")
    assert float(cells[-1].text) == pytest.approx(expected, rel=1e-9)
    assert browser.find_element("#serving-latency").text.endswith(" ms")

    waiting(browser, 15).until(lambda _: len(history_rows(browser)) == 1)
    assert history_rows(browser)[0].get_attribute("data-status") == "SUCCESS"

    type_into(field(browser, "trip_distance"), "1")
    click(browser, history_rows(browser)[0].find_element(By.TAG_NAME, "button"))
    waiting(browser, 15).until(lambda _: field(browser, "trip_distance").get_attribute("value") == "7.5")


def test_an_endpoint_that_is_not_ready_shows_ec001_and_the_error_row(
    app_through_proxy: tuple[Any, RunningServer], serving_endpoints: LocalServing
) -> None:
    browser, proxy = app_through_proxy
    serving_endpoints.configure("iris-species", state="NOT_READY", config_update="IN_PROGRESS")
    open_page(browser, proxy, "/model-serving")
    choose_endpoint(browser, "iris-species")
    browser.wait_for_contains_text("#serving-endpoint-details", "CREATING", timeout=15)
    browser.wait_for_element('input[id=\'{"name":"sepal_length","type":"serving-field"}\']', timeout=15)
    click(browser, browser.find_element("#serving-invoke"))
    browser.wait_for_contains_text("#serving-result", "MODEL_UNAVAILABLE", timeout=20)
    assert "Try again in 30 s" in browser.find_element("#serving-result").text
    waiting(browser, 15).until(lambda _: len(history_rows(browser)) == 1)
    assert history_rows(browser)[0].get_attribute("data-status") == "ERROR"


def test_invalid_json_is_explained_inline_and_not_sent(app_through_proxy: tuple[Any, RunningServer]) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/model-serving")
    choose_endpoint(browser, "taxi-fare")
    browser.driver.find_element(
        By.CSS_SELECTOR, "label[for='_dbcprivate_radioitems_serving-input-mode_input_json']"
    ).click()
    editor = browser.wait_for_element("#serving-json", timeout=15)
    waiting(browser, 15).until(lambda _: "dataframe_records" in str(editor.get_attribute("value")))
    type_into(editor, '{"dataframe_records": [')
    click(browser, browser.find_element("#serving-invoke"))
    browser.wait_for_contains_text("#serving-json-feedback", "not valid", timeout=15)
    assert "is-invalid" in str(editor.get_attribute("class"))
    assert history_rows(browser) == []
