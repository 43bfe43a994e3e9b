"""Skeleton builders: the shapes are hidden from assistive technology, the region is busy and says what loads,
and each has the height of what replaces it."""

from __future__ import annotations

from typing import Any

from dash import dcc

from components.grid import GRID_HEIGHT, data_grid, grid_placeholder
from components.panels import panel
from components.skeletons import (
    CAPTION_PX,
    CHART_PX,
    GRID_ROW_PX,
    card_skeleton,
    chart_skeleton,
    grid_skeleton,
    kpi_skeleton,
    loading_area,
    text_skeleton,
)
from components.status import status_grid_skeleton


def _all(component: Any) -> list[Any]:
    """The component and every component under it."""
    found = [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            found += _all(child)
    return found


def _style(component: Any) -> Any:
    return component.style


def _bones(component: Any) -> list[Any]:
    return [c for c in _all(component) if "skeleton-bone" in (getattr(c, "className", None) or "")]


def _region(component: Any) -> tuple[str, dict[str, Any]]:
    """What a screen reader hears of a skeleton, and its region's attributes."""
    label, shapes = component.children
    assert "visually-hidden" in label.className
    assert getattr(shapes, "aria-hidden") == "true"
    return label.children, {"busy": getattr(component, "aria-busy"), "kind": getattr(component, "data-skeleton")}


def test_a_grid_skeleton_has_a_header_and_its_rows_and_their_height() -> None:
    skeleton: Any = grid_skeleton(5, 3, label="the orders")
    said, region = _region(skeleton)
    assert said == "Loading the orders…"
    assert region == {"busy": "true", "kind": "grid"}
    rows = [c for c in _all(skeleton) if "skeleton-row" in (getattr(c, "className", None) or "")]
    assert [len(row.children) for row in rows] == [3] * 6  # the header and 5 rows
    assert skeleton.style == {"height": f"{6 * GRID_ROW_PX}px"}
    assert _style(grid_skeleton(5, 3, height=200)) == {"height": "200px"}


def test_the_data_grid_and_its_placeholder_share_one_fixed_height() -> None:
    columns = [
        {"name": "a", "data_type": "int", "nullable": True},
        {"name": "b", "data_type": "double", "nullable": True},
    ]
    grid: Any = data_grid("g", columns, page_size=100, sort=None)
    assert grid.style == {"height": f"{GRID_HEIGHT}px", "width": "100%"}
    assert grid.rowModelType == "infinite"  # the warehouse pages; the browser holds a block or two of rows
    assert _style(grid_placeholder()) == {"height": f"{GRID_HEIGHT}px"}


def test_a_chart_skeleton_has_the_chart_and_caption_height() -> None:
    assert _style(chart_skeleton(300)) == {"height": "300px"}
    with_caption: Any = chart_skeleton(caption=True, label="fares")
    assert with_caption.style == {"height": f"{CHART_PX + CAPTION_PX}px"}
    assert _region(with_caption)[0] == "Loading fares…"
    assert len(_bones(with_caption)) == 9  # eight bars and the caption's line


def test_cards_text_and_kpis() -> None:
    card = card_skeleton(label="your identity", lines=6, badge=False, title_px=24, line_px=32)
    assert _region(card) == ("Loading your identity…", {"busy": "true", "kind": "card"})
    bones = _bones(card)
    assert len(bones) == 7
    assert bones[0].style["marginBottom"] == "calc(32px - 24px)"  # an h5 and its margin
    assert bones[-1].style["marginBottom"] == "calc(32px - 0.9rem)"  # one row of the description list
    assert len(_bones(text_skeleton(lines=3))) == 3
    kpis = kpi_skeleton(4)
    assert (_region(kpis)[1]["kind"], len(_bones(kpis))) == ("kpi", 8)
    statuses = status_grid_skeleton(4)
    assert _region(statuses) == ("Loading the status…", {"busy": "true", "kind": "cards"})
    assert len(_bones(statuses)) == 4 * 5  # title, badge, two lines of detail and "Required"


def test_a_loading_area_covers_its_content_with_the_placeholder() -> None:
    area: Any = loading_area("content", placeholder=chart_skeleton(100), delay_show=50)
    assert area._type == "Loading"  # dcc.Loading
    assert (area.children, area.delay_show) == ("content", 50)
    assert area.custom_spinner.className == "skeleton-overlay"
    assert area.custom_spinner.children.style == {"height": "100px"}


def test_a_panel_loads_behind_a_skeleton_of_its_height() -> None:
    chart_panel = panel("p", "Trips by hour", None, runs_as="app", height=348)
    loading: Any = next(c for c in _all(chart_panel) if isinstance(c, dcc.Loading))
    assert loading.children.style == {"minHeight": "348px"}
    skeleton: Any = loading.custom_spinner.children
    assert _region(skeleton) == ("Loading Trips by hour…", {"busy": "true", "kind": "chart"})
    assert skeleton.style == {"height": "348px"}
    kpi_panel = panel("k", "Totals", None, runs_as="app", height=103, placeholder=kpi_skeleton(4))
    loading = next(c for c in _all(kpi_panel) if isinstance(c, dcc.Loading))
    assert getattr(loading.custom_spinner.children, "data-skeleton") == "kpi"
