"""Fare by Hour: the lines are DuckDB's own averages, weekends being Saturday and Sunday (isodow 6 and 7)."""

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.browser
DAY_TYPE = "CASE WHEN isodow(tpep_pickup_datetime) >= 6 THEN 'weekend' ELSE 'weekday' END"
LINES_JS = "return document.querySelector('#fbh-chart .js-plotly-plot').data.map(t => [t.name, t.x, t.y]);"


def test_the_lines_are_the_average_fare_by_hour_of_weekdays_and_weekends(
    page_as: Callable[..., Any], duck: Callable[..., list[tuple[Any, ...]]]
) -> None:
    browser = page_as("/fare-by-hour")
    browser.wait_for_element("#fbh-chart .js-plotly-plot", timeout=30)
    shown = {
        (name, x): y for name, xs, ys in browser.driver.execute_script(LINES_JS) for x, y in zip(xs, ys, strict=True)
    }
    truth = duck(f"SELECT {DAY_TYPE}, hour(tpep_pickup_datetime), avg(fare_amount) FROM nyctaxi.trips GROUP BY 1, 2")
    assert shown.keys() == {(day_type, hour) for day_type, hour, _ in truth}
    assert all(shown[day_type, hour] == pytest.approx(fare, rel=1e-9) for day_type, hour, fare in truth)
    assert "weekend" in browser.find_element("#fbh-chart figcaption").text
