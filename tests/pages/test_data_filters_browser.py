"""The Data page's type-aware filters: the callbacks as plain functions, then in Chromium against the local
warehouse (counts checked against DuckDB directly), as Bob on a table he may not read, and under axe."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from dash import no_update
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from pages import data_filters
from services.warehouse.views import TableView
from tests.conftest import RunningServer
from tests.pages.browser import click, type_into, waiting
from tests.pages.test_accessibility_browser import axe_violations, report, set_theme, wait_theme

TRIPS = "samples.nyctaxi.trips"
COLUMNS = [
    {"name": "tpep_pickup_datetime", "data_type": "timestamp", "nullable": True},
    {"name": "trip_distance", "data_type": "double", "nullable": True},
    {"name": "pickup_zip", "data_type": "int", "nullable": True},
]
INFO = {"full_name": TRIPS, "readable": True, "owner": "owner@example.com", "columns": COLUMNS}
FORM = "#data-filter-form"
COLUMN, OPERATOR, VALUE = "#data-filter-column", "#data-filter-operator", "#data-filter-value"
FEEDBACK, CHIPS, CLEAR = "#data-filter-value-feedback", "#data-filters", "#data-filter-clear"


# The callbacks, called as plain functions.


def test_an_unreadable_table_turns_the_form_off_with_the_reason() -> None:
    options, chosen, disabled, reason = data_filters.show_columns({**INFO, "readable": False})
    assert [o["value"] for o in options] == ["tpep_pickup_datetime", "trip_distance", "pickup_zip"]
    assert (chosen, disabled) == (None, True)
    assert "you cannot read samples.nyctaxi.trips" in reason
    assert data_filters.show_columns(None)[2] is True
    assert data_filters.show_columns(INFO)[1:] == ("tpep_pickup_datetime", False, "")


def test_the_value_input_follows_the_column_and_the_condition() -> None:
    number = data_filters.show_value_input("pickup_zip", ">", INFO, "UTC")
    assert number[:4] == ("number", "1", -(2**31), 2**31 - 1)
    moment = data_filters.show_value_input("tpep_pickup_datetime", ">=", INFO, "Europe/Paris")
    assert (moment[0], moment[7]) == ("datetime-local", "Your local time (Europe/Paris).")
    empty = data_filters.show_value_input("trip_distance", "is_null", INFO, "UTC")
    assert (empty[8], empty[9]) == (True, True)  # no value box, no true/false


def test_a_bad_value_adds_nothing_and_says_why_a_good_one_joins_the_view_from_the_first_page() -> None:
    view = TableView.open(TRIPS).next_page()
    state, invalid, reason, _ = data_filters.add_filter(
        1, None, "trip_distance", ">", "ten", "true", INFO, view.to_store(), "UTC"
    )
    assert (state, invalid) == (no_update, True)
    assert "'ten' is not a number" in reason
    state, invalid, reason, cleared = data_filters.add_filter(
        None, 1, "trip_distance", ">", 10, "true", INFO, view.to_store(), "UTC"
    )
    assert (invalid, reason, cleared) == (False, "", "")
    assert state["filters"] == [{"column": "trip_distance", "operator": ">", "value": 10.0}]
    assert state["offset"] == 0
    assert state["token"] != view.token


def test_zero_and_false_are_values_not_missing_ones() -> None:
    paid = {"name": "paid", "data_type": "boolean", "nullable": True}
    info = {**INFO, "columns": [*COLUMNS, paid]}
    state = TableView.open(TRIPS).to_store()
    zero = data_filters.add_filter(1, None, "trip_distance", "=", 0, "true", info, state, "UTC")[0]
    assert zero["filters"] == [{"column": "trip_distance", "operator": "=", "value": 0.0}]
    unpaid = data_filters.add_filter(1, None, "paid", "=", "", "false", info, state, "UTC")[0]
    assert unpaid["filters"] == [{"column": "paid", "operator": "=", "value": False}]


def test_the_chips_read_the_views_filters_in_the_users_time_zone() -> None:
    view = TableView.open(TRIPS).to_store() | {
        "filters": [{"column": "tpep_pickup_datetime", "operator": ">=", "value": "2016-01-05T13:00:00"}]
    }
    chips, clear_disabled = data_filters.show_chips(view, INFO, "America/New_York")
    assert "tpep_pickup_datetime on or after 2016-01-05 08:00" in str(chips[0].children[0].children)
    assert clear_disabled is False
    assert data_filters.show_chips(TableView.open(TRIPS).to_store(), INFO, "UTC")[1] is True


# In the browser.


@pytest.fixture
def in_new_york(app_through_proxy: tuple[Any, RunningServer]) -> Iterator[None]:
    """The browser in New York's time zone for the test (UTC, the machine's, after it)."""
    browser, _ = app_through_proxy
    browser.driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "America/New_York"})
    yield
    browser.driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})


def _open_trips(page_as: Callable[..., Any], user: str = "alice@example.com") -> Any:
    browser = page_as(f"/data?table={TRIPS}", user)
    browser.wait_for_contains_text("#data-count", "rows", timeout=30)
    waiting(browser).until(lambda _: Select(browser.find_element(COLUMN)).first_selected_option.text)
    return browser


def _choose(browser: Any, column: str, operator: str) -> None:
    Select(browser.find_element(COLUMN)).select_by_value(column)
    waiting(browser).until(lambda _: operator in [o.get_attribute("value") for o in _options(browser, OPERATOR)])
    Select(browser.find_element(OPERATOR)).select_by_value(operator)


def _options(browser: Any, css: str) -> list[Any]:
    return Select(browser.find_element(css)).options[1:]  # the first is dbc's empty placeholder


def _count(browser: Any, expected: int) -> None:
    """The count above the grid, and the rows the grid holds (AG Grid's own count), are `expected`."""
    browser.wait_for_contains_text("#data-count", f"{expected:,} rows", timeout=30)
    rows = "return window.dash_ag_grid.getApi('data-grid').getDisplayedRowCount()"
    waiting(browser, 30).until(lambda _: browser.driver.execute_script(rows) == expected)


@pytest.mark.browser
@pytest.mark.usefixtures("clean_lakebase")
def test_enter_adds_a_filter_whose_count_is_duckdbs_and_chips_read_as_words(
    page_as: Callable[..., Any], duck: Callable[..., list[tuple[Any, ...]]]
) -> None:
    (over_ten,) = duck("SELECT count(*) FROM nyctaxi.trips WHERE trip_distance > 10")[0]
    (zip_code, over_ten_from_zip), *_ = duck(
        "SELECT pickup_zip, count(*) AS n FROM nyctaxi.trips WHERE trip_distance > 10 GROUP BY 1 ORDER BY n DESC, 1"
    )
    browser = _open_trips(page_as)
    _choose(browser, "trip_distance", ">")
    value = browser.find_element(VALUE)
    assert (value.get_attribute("type"), value.get_attribute("step")) == ("number", "any")
    value.send_keys("10", Keys.ENTER)
    browser.wait_for_contains_text(CHIPS, "trip_distance greater than 10", timeout=15)
    _count(browser, over_ten)
    assert "filter=trip_distance.gt.10" in browser.driver.current_url
    assert value.get_attribute("value") == ""  # ready for the next one

    _choose(browser, "pickup_zip", "=")
    assert browser.find_element(VALUE).get_attribute("step") == "1"
    browser.find_element(VALUE).send_keys(str(zip_code), Keys.ENTER)
    browser.wait_for_contains_text(CHIPS, f"pickup_zip equals {zip_code}", timeout=15)
    _count(browser, over_ten_from_zip)

    remove = browser.driver.find_elements("css selector", f"{CHIPS} button")
    labels = [b.get_attribute("aria-label") for b in remove]
    assert labels == ["Remove filter: trip_distance greater than 10", f"Remove filter: pickup_zip equals {zip_code}"]
    click(browser, remove[1])
    waiting(browser).until(lambda _: "pickup_zip" not in browser.find_element(CHIPS).text)
    _count(browser, over_ten)
    assert browser.driver.switch_to.active_element.get_attribute("id") == COLUMN[1:]  # focus not lost

    click(browser, browser.find_element(CLEAR))
    browser.wait_for_contains_text(CHIPS, "No filters", timeout=15)
    (everything,) = duck("SELECT count(*) FROM nyctaxi.trips")[0]
    _count(browser, everything)
    assert not browser.find_element(CLEAR).is_enabled()


@pytest.mark.browser
@pytest.mark.usefixtures("clean_lakebase")
def test_a_bad_value_is_refused_at_the_field_and_the_operators_follow_the_type(page_as: Callable[..., Any]) -> None:
    browser = _open_trips(page_as)
    _choose(browser, "trip_distance", ">")
    value = browser.find_element(VALUE)
    value.send_keys("ten", Keys.ENTER)  # a number box takes no letters: what is left is no number
    browser.wait_for_contains_text(FEEDBACK, "Enter a number", timeout=15)
    assert "is-invalid" in value.get_attribute("class")
    assert value.get_attribute("aria-invalid") == "true"
    assert "data-filter-value-feedback" in value.get_attribute("aria-describedby")
    assert browser.find_element(FEEDBACK).is_displayed()
    assert "No filters" in browser.find_element(CHIPS).text
    assert "filter=" not in browser.driver.current_url
    type_into(value, "12.5")  # typing again clears the invalid state
    waiting(browser).until(lambda _: value.get_attribute("aria-invalid") is None)

    numbers = [o.text for o in _options(browser, OPERATOR)]
    assert numbers == [
        "equals",
        "does not equal",
        "less than",
        "at most",
        "greater than",
        "at least",
        "is empty",
        "is not empty",
    ]
    _choose(browser, "tpep_pickup_datetime", ">=")
    times = [o.text for o in _options(browser, OPERATOR)]
    assert times == ["at", "not at", "before", "on or before", "after", "on or after", "is empty", "is not empty"]
    assert browser.find_element(VALUE).get_attribute("type") == "datetime-local"
    _choose(browser, "tpep_pickup_datetime", "is_null")
    waiting(browser).until(lambda _: not browser.find_element(VALUE).is_displayed())


@pytest.mark.browser
@pytest.mark.usefixtures("clean_lakebase", "in_new_york")
def test_a_time_is_entered_in_the_users_time_zone_and_compared_in_utc(
    page_as: Callable[..., Any], duck: Callable[..., list[tuple[Any, ...]]]
) -> None:
    (since,) = duck("SELECT count(*) FROM nyctaxi.trips WHERE tpep_pickup_datetime >= TIMESTAMP '2016-01-05 13:00:00'")[
        0
    ]
    browser = _open_trips(page_as)
    _choose(browser, "tpep_pickup_datetime", ">=")
    assert "America/New_York" in browser.find_element("#data-filter-value-help").text
    browser.find_element(VALUE).send_keys("01052016", Keys.TAB, "0800AM")  # 8:00 in New York is 13:00 UTC
    click(browser, browser.find_element("#data-filter-add"))
    browser.wait_for_contains_text(CHIPS, "tpep_pickup_datetime on or after 2016-01-05 08:00", timeout=15)
    _count(browser, since)


@pytest.mark.browser
@pytest.mark.usefixtures("clean_lakebase")
def test_bob_sees_the_form_off_on_a_table_he_may_not_read(page_as: Callable[..., Any]) -> None:
    browser = page_as("/data?table=samples.tpch.orders", "bob@example.com")
    browser.wait_for_contains_text("#data-filter-reason", "you cannot read samples.tpch.orders", timeout=30)
    form = browser.find_element(FORM)
    assert form.get_attribute("disabled") == "true"
    assert form.get_attribute("aria-describedby") == "data-filter-reason"
    for control in (COLUMN, OPERATOR, VALUE, "#data-filter-add", CLEAR):
        assert not browser.find_element(control).is_enabled(), control


@pytest.mark.browser
@pytest.mark.usefixtures("clean_lakebase")
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_wcag_violations_with_a_chip_and_an_invalid_field(
    app_through_proxy: tuple[Any, RunningServer], page_as: Callable[..., Any], theme: str
) -> None:
    _, proxy = app_through_proxy
    set_theme(proxy, theme)
    browser = _open_trips(page_as)
    _choose(browser, "pickup_zip", ">=")
    browser.find_element(VALUE).send_keys("10001", Keys.ENTER)
    browser.wait_for_contains_text(CHIPS, "pickup_zip at least 10001", timeout=15)
    _choose(browser, "trip_distance", ">")
    browser.find_element(VALUE).send_keys(Keys.ENTER)
    browser.wait_for_contains_text(FEEDBACK, "Enter a number", timeout=15)
    wait_theme(browser, theme)
    violations = axe_violations(browser)
    assert violations == [], f"filters in the {theme} theme:\n{report(violations)}"


@pytest.mark.browser
@pytest.mark.usefixtures("clean_lakebase")
def test_a_filter_is_added_and_removed_with_the_keyboard_alone(page_as: Callable[..., Any]) -> None:
    browser = _open_trips(page_as)
    browser.driver.execute_script("arguments[0].focus();", browser.find_element(COLUMN))
    keys = ActionChains(browser.driver)
    keys.send_keys("trip_d", Keys.TAB).perform()  # a select's type-ahead chooses the column
    waiting(browser).until(lambda _: "greater than" in [o.text for o in _options(browser, OPERATOR)])
    keys.send_keys("g", Keys.TAB, "3", Keys.ENTER).perform()
    browser.wait_for_contains_text(CHIPS, "trip_distance greater than 3", timeout=15)
    assert browser.driver.switch_to.active_element.get_attribute("id") == VALUE[1:]
    remove = browser.find_element(f"{CHIPS} button")
    while browser.driver.switch_to.active_element != remove:
        ActionChains(browser.driver).send_keys(Keys.TAB).perform()
    ActionChains(browser.driver).send_keys(Keys.ENTER).perform()
    browser.wait_for_contains_text(CHIPS, "No filters", timeout=15)
