"""The Model Serving page in headless Chromium, through the local Apps proxy, against real models: fields
labelled and helped from the signature, the prediction in its unit, the request id under Details, the history
with inputs, predictions and times in the browser's zone, Load restoring input and result, axe in both themes."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import mlflow.pyfunc
import pandas as pd
import pytest
from selenium.webdriver.common.by import By

from core.identity import UserIdentity
from core.settings import Settings
from local_workspace.serving import LocalServing
from services import inference_logs
from tests.conftest import RunningServer
from tests.pages.browser import click, open_page, type_into, waiting
from tests.pages.test_accessibility_browser import axe_violations, report, set_theme, wait_theme

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_lakebase")]
ALICE = UserIdentity(
    user_id="alice@example.com", email="alice@example.com", user_name="alice@example.com", workspace_user=None
)


def field(browser: Any, name: str) -> Any:
    """A form field generated from the signature (Dash writes a pattern-matching id as JSON)."""
    return browser.driver.find_element(By.CSS_SELECTOR, f'input[id=\'{{"name":"{name}","type":"serving-field"}}\']')


def choose_endpoint(browser: Any, name: str) -> None:
    browser.wait_for_element(f"label[for='_dbcprivate_radioitems_serving-endpoint_input_{name}']", timeout=15).click()
    browser.wait_for_contains_text("#serving-endpoint-details", f"samples.models.{name.replace('-', '_')}", timeout=15)


def history_rows(browser: Any) -> list[Any]:
    return list(browser.driver.find_elements(By.CSS_SELECTOR, "#serving-history tr[data-log-id]"))


def label_of(browser: Any, name: str) -> str:
    return str(
        browser.driver.find_element(By.CSS_SELECTOR, f'label[for=\'{{"name":"{name}","type":"serving-field"}}\']').text
    )


def taxi_fare(local_serving: LocalServing, row: dict[str, Any]) -> float:
    """What the taxi model itself predicts for one trip."""
    model = mlflow.pyfunc.load_model(str(local_serving._models["taxi_fare"].path))
    return float(model.predict(pd.DataFrame([row]))[0])


def fill_and_invoke(browser: Any, distance: str) -> dict[str, Any]:
    """Type the trip distance, invoke, wait for the prediction; returns the trip as the model gets it."""
    type_into(field(browser, "trip_distance"), distance)
    row = {
        name: int(field(browser, name).get_attribute("value")) for name in ("pickup_hour", "pickup_zip", "dropoff_zip")
    }
    click(browser, browser.find_element("#serving-invoke"))
    waiting(browser, 20).until(lambda _: f"Trip distance\n{distance} mi" in prediction_table_text(browser))
    return {"trip_distance": float(distance), **row}


def prediction_table_text(browser: Any) -> str:
    """The inputs-and-predictions table's cells, a header and its cell per line ("Trip distance\n7.5 mi")."""
    headers = browser.driver.find_elements(By.CSS_SELECTOR, "#serving-predictions thead th")
    cells = browser.driver.find_elements(By.CSS_SELECTOR, "#serving-predictions tbody td")
    return "\n".join(f"{h.text}\n{c.text}" for h, c in zip(headers, cells, strict=False))


def test_labels_help_a_prediction_in_dollars_the_request_id_under_details_and_history_in_the_browsers_zone(
    app_through_proxy: tuple[Any, RunningServer], local_serving: LocalServing, settings: Settings
) -> None:
    browser, proxy = app_through_proxy
    # The browser lives in New York: the history's times must be New York's, and say so.
    browser.driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "America/New_York"})
    open_page(browser, proxy, "/model-serving")
    choose_endpoint(browser, "taxi-fare")
    browser.wait_for_element('input[id=\'{"name":"trip_distance","type":"serving-field"}\']', timeout=15)
    # Labels and help from services/serving/display.py, the example's values in the typed fields.
    assert label_of(browser, "pickup_hour") == "Pickup hour\n0–23"
    assert label_of(browser, "trip_distance") == "Trip distance\n0 mi or more"
    example = field(browser, "pickup_zip").get_attribute("value")
    assert label_of(browser, "pickup_zip") == f"Pickup ZIP code\n5-digit ZIP code, e.g. {example}"
    hour = field(browser, "pickup_hour")
    assert (hour.get_attribute("type"), hour.get_attribute("step")) == ("number", "1")
    assert (hour.get_attribute("min"), hour.get_attribute("max")) == ("0", "23")

    trip = fill_and_invoke(browser, "7.5")
    # The prediction in dollars with 2 decimals: the model's own number, rounded.
    expected = f"${taxi_fare(local_serving, trip):,.2f}"
    assert browser.find_element("#serving-prediction").text == expected
    assert f"Predicted fare\n{expected}" in prediction_table_text(browser)
    assert f"Pickup hour\n{trip['pickup_hour']}" in prediction_table_text(browser)
    assert browser.find_element("#serving-latency").text.endswith(" ms")

    # The request id sits under "Details", closed until opened; it is the id the history stored.
    waiting(browser, 15).until(lambda _: len(history_rows(browser)) == 1)
    (stored,) = inference_logs.list_inference_logs(settings=settings, user=ALICE, limit=5).logs
    request_id = browser.driver.find_element(By.ID, "serving-request-id")
    assert not request_id.is_displayed()
    assert stored.request_id not in browser.find_element("#serving-result").text
    click(browser, browser.find_element("#serving-details summary"))
    waiting(browser, 5).until(lambda _: request_id.is_displayed())
    assert request_id.text == stored.request_id

    # The history row: the time in New York with its zone, the inputs by label, the prediction in dollars.
    row = history_rows(browser)[0]
    cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
    local = stored.created_at.astimezone(ZoneInfo("America/New_York"))
    assert cells[0] == f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"
    assert local.tzname() in ("EST", "EDT")
    assert cells[2].startswith("Trip distance 7.5 mi, Pickup hour ")
    assert cells[3] == expected
    assert "America/New_York, your browser's time zone" in browser.find_element("#serving-history caption").text


def test_load_puts_back_the_input_and_the_result(
    app_through_proxy: tuple[Any, RunningServer], local_serving: LocalServing
) -> None:
    browser, proxy = app_through_proxy
    open_page(browser, proxy, "/model-serving")
    choose_endpoint(browser, "taxi-fare")
    browser.wait_for_element('input[id=\'{"name":"trip_distance","type":"serving-field"}\']', timeout=15)
    first = fill_and_invoke(browser, "7.5")
    waiting(browser, 15).until(lambda _: len(history_rows(browser)) == 1)
    fill_and_invoke(browser, "1.25")
    waiting(browser, 15).until(lambda _: len(history_rows(browser)) == 2)
    assert (
        browser.find_element("#serving-prediction").text
        == f"${taxi_fare(local_serving, {**first, 'trip_distance': 1.25}):,.2f}"
    )
    assert history_rows(browser)[0].find_elements(By.TAG_NAME, "td")[2].text.startswith("Trip distance 1.25 mi")

    # Load the older call (7.5 miles): its input returns to the form and its result below, said to be loaded.
    click(browser, history_rows(browser)[1].find_element(By.TAG_NAME, "button"))
    waiting(browser, 15).until(lambda _: field(browser, "trip_distance").get_attribute("value") == "7.5")
    browser.wait_for_contains_text("#serving-loaded", "From your history", timeout=15)
    assert browser.find_element("#serving-prediction").text == f"${taxi_fare(local_serving, first):,.2f}"
    assert "Trip distance\n7.5 mi" in prediction_table_text(browser)


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
    # The row says why in place of a prediction; Load brings back that outcome, not a prediction.
    why = history_rows(browser)[0].find_elements(By.TAG_NAME, "td")[3].text
    assert "unavailable" in why.lower() or "not ready" in why.lower()
    click(browser, history_rows(browser)[0].find_element(By.TAG_NAME, "button"))
    browser.wait_for_contains_text("#serving-loaded", "From your history", timeout=15)
    assert why in browser.find_element("#serving-predictions").text
    assert browser.driver.find_elements(By.ID, "serving-prediction") == []


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


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_prediction_its_details_the_history_and_a_loaded_call_pass_axe(
    app_through_proxy: tuple[Any, RunningServer], theme: str
) -> None:
    browser, proxy = app_through_proxy
    set_theme(proxy, theme)
    open_page(browser, proxy, "/model-serving")
    choose_endpoint(browser, "taxi-fare")
    browser.wait_for_element('input[id=\'{"name":"trip_distance","type":"serving-field"}\']', timeout=15)
    fill_and_invoke(browser, "3.5")
    waiting(browser, 15).until(lambda _: len(history_rows(browser)) == 1)
    click(browser, history_rows(browser)[0].find_element(By.TAG_NAME, "button"))
    browser.wait_for_contains_text("#serving-loaded", "From your history", timeout=15)
    click(browser, browser.find_element("#serving-details summary"))
    wait_theme(browser, theme)
    violations = axe_violations(browser)
    assert violations == [], f"model serving in the {theme} theme:\n{report(violations)}"
