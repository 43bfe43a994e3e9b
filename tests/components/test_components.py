"""Layout builders are pure functions: check what they render."""

from __future__ import annotations

import math
from typing import Any

import pytest

from components import trips
from components.charts import TEMPLATES, bar_chart, captioned, heatmap, line_chart, scatter, theme_of
from components.feedback import error_alert
from components.filters_bar import filter_chips
from components.identity import identity_card
from components.status import status_card
from core.identity import UserIdentity
from services.status import IntegrationStatus
from services.workspace import WorkspaceUser
from tests.component_text import text_of


def test_status_card_says_the_state_in_words() -> None:
    up = status_card(IntegrationStatus("workspace", "Databricks workspace", "up", True, 12.4, "signed in"))
    down = status_card(IntegrationStatus("lakebase", "Lakebase", "down", False, None, "refused"))
    assert "Reachable" in text_of(up)
    assert "12 ms" in text_of(up)
    assert "Unreachable" in text_of(down)
    assert "n/a" in text_of(down)


def test_identity_card_never_renders_the_token() -> None:
    user = UserIdentity("bob@example.com", "bob@example.com", "bob", "61@1", access_token="dapi-secret-bob-123")
    card = identity_card(user, WorkspaceUser("61", "bob@example.com", "Bob", ("bob@example.com",), ("analysts",), True))
    text = text_of(card)
    assert "bob@example.com" in text
    assert "analysts" in text
    assert "dapi-secret-bob-123" not in str(card.to_plotly_json())


def test_error_alert_shows_message_code_and_retry() -> None:
    text = text_of(error_alert({"error_code": "DATABASE_UNAVAILABLE", "message": "Database down.", "retry_after": 10}))
    assert "Database down." in text
    assert "DATABASE_UNAVAILABLE" in text
    assert "10 s" in text


def _frame() -> Any:
    import pandas as pd

    return pd.DataFrame({"zip": [10001, 10003, 11430], "trips": [30, 20, 5], "fare": [12.5, 11.0, 52.0]})


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_charts_take_a_frame_and_follow_the_theme(theme: str) -> None:
    frame = _frame()
    for figure in (
        bar_chart(frame, x="zip", y="trips", theme=theme),
        line_chart(frame, x="zip", y="fare", theme=theme),
        scatter(frame, x="trips", y="fare", size="trips", theme=theme),
        heatmap(frame, x="zip", y="zip", z="trips", theme=theme),
    ):
        assert figure.layout.template == TEMPLATES[theme_of(theme)]
        assert figure.layout.template.layout.paper_bgcolor == "rgba(0,0,0,0)"  # the card's colour shows through
    assert TEMPLATES["light"].layout.font.color != TEMPLATES["dark"].layout.font.color
    assert theme_of({"mode": theme}) == theme_of(theme) == theme
    assert theme_of(None) == "light"


def test_a_bar_chart_draws_zips_as_labels_and_fades_all_but_the_selected_bar() -> None:
    figure = bar_chart(_frame(), x="zip", y="trips", categories=True, selected=10003, x_title="pickup zip")
    assert list(figure.data[0].x) == ["10001", "10003", "11430"]
    assert figure.layout.xaxis.type == "category"
    assert list(figure.data[0].marker.opacity) == [0.35, 1.0, 0.35]
    assert figure.layout.xaxis.title.text == "pickup zip"


def test_a_line_chart_draws_one_line_per_group() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {"hour": [0, 1, 0, 1], "fare": [10.0, 11.0, 12.0, 13.0], "day": ["weekday"] * 2 + ["weekend"] * 2}
    )
    figure = line_chart(frame, x="hour", y="fare", color="day")
    assert [(t.name, list(t.y)) for t in figure.data] == [("weekday", [10.0, 11.0]), ("weekend", [12.0, 13.0])]
    assert figure.layout.showlegend is True


def test_a_heatmap_is_a_matrix_with_empty_cells_for_missing_pairs() -> None:
    import pandas as pd

    frame = pd.DataFrame({"pickup": [1, 1, 2], "dropoff": [1, 2, 1], "trips": [5, 3, 4]})
    figure = heatmap(frame, x="dropoff", y="pickup", z="trips")
    assert list(figure.data[0].x) == ["1", "2"]
    assert list(figure.data[0].y) == ["1", "2"]
    assert list(figure.data[0].z[0]) == [5, 3]
    assert math.isnan(figure.data[0].z[1][1])
    assert heatmap(frame.head(0), x="dropoff", y="pickup", z="trips").data[0].z is not None


def test_a_captioned_figure_says_its_numbers_in_words() -> None:
    figure = captioned(bar_chart(_frame(), x="zip", y="trips"), "Three zips: 10001 with 30 trips.", graph_id="g")
    assert "10001 with 30 trips" in text_of(figure)
    assert figure.children[0].id == "g"


def test_the_filters_bar_lists_chips_or_says_none_is_applied() -> None:
    assert "None" in text_of(filter_chips([]))
    chips = filter_chips(trips.chip_labels({**trips.DEFAULT_FILTERS, "pickup_hour": 8, "pickup_zip": 10001}))
    assert "Pickup hour: 08:00 to 08:59" in text_of(chips)
    assert "Pickup zip: 10001" in text_of(chips)


def test_a_second_click_on_the_same_bar_removes_its_filter() -> None:
    once = trips.toggled(trips.DEFAULT_FILTERS, pickup_hour=8)
    assert once["pickup_hour"] == 8
    assert trips.toggled(once, pickup_hour=8)["pickup_hour"] is None
    both = trips.toggled(once, pickup_zip=10001, dropoff_zip=10003)
    assert (both["pickup_hour"], both["pickup_zip"], both["dropoff_zip"]) == (8, 10001, 10003)
