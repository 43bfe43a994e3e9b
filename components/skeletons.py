"""Skeleton placeholders: the shape of a grid, a chart, a card or a line of text, shown while it loads, so a
page never shows a blank area and does not jump when the data arrives (each has the height of what replaces
it). The shapes are decorative (aria-hidden); the region is aria-busy and says "Loading …" to screen readers.
Styled in dashboard/assets/skeletons.css."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.accessibility import aria

# Bootstrap's `table-sm` row (0.25rem padding around a 1.5 line-height body text, and a 1px border).
GRID_ROW_PX = 33
# A Plotly figure's height when its layout does not set one; a figcaption's one small line.
CHART_PX = 450
CAPTION_PX = SMALL_LINE_PX = 21
BODY_LINE_PX = 24
# How long a region may load before its skeleton replaces what it shows: a cached answer never flickers.
SHOW_AFTER_MS = 250
# Widths that vary from line to line, so a block of placeholder text reads as text, not as a bar chart.
TEXT_WIDTHS = ("92%", "78%", "85%", "64%", "88%", "71%")


def bone(*, width: str = "100%", height: str = "1rem", class_name: str = "", pitch_px: int | None = None) -> html.Span:
    """One shimmering shape of a given size; with `pitch_px`, a line of text that takes that much height."""
    style = {"width": width, "height": height}
    if pitch_px is not None:
        style["marginBottom"] = f"calc({pitch_px}px - {height})"
    return html.Span(className=f"skeleton-bone {class_name}".strip(), style=style)


def skeleton(shapes: Any, *, label: str, kind: str, height: int | None = None) -> html.Div:
    """A loading region: the shapes, hidden from assistive technology, and what a screen reader hears instead."""
    style = {"height": f"{height}px"} if height is not None else {}
    marks: dict[str, Any] = {"aria-busy": "true", "data-skeleton": kind}
    return html.Div(
        [
            html.Span(f"Loading {label}…", className="visually-hidden"),
            html.Div(shapes, className="skeleton-shapes", **aria(hidden="true")),
        ],
        className=f"skeleton skeleton-{kind}",
        style=style,
        **marks,
    )


def text_skeleton(*, lines: int = 1, label: str = "text") -> html.Div:
    """Lines of body text (each a line's height), the last one shorter."""
    widths = [TEXT_WIDTHS[i % len(TEXT_WIDTHS)] for i in range(lines)]
    if lines > 1:
        widths[-1] = "45%"
    lines_of_text = [bone(width=w, height=f"{BODY_LINE_PX}px", class_name="skeleton-line") for w in widths]
    return skeleton(lines_of_text, label=label, kind="text")


def grid_skeleton(rows: int, columns: int, *, label: str = "the table", height: int | None = None) -> html.Div:
    """A header and `rows` by `columns` cells, in a box of the grid's height (by default, `rows` table rows)."""
    header = html.Div([bone(height="0.9rem") for _ in range(columns)], className="skeleton-row skeleton-header")
    body = [
        html.Div(
            [bone(width=TEXT_WIDTHS[(r + c) % len(TEXT_WIDTHS)], height="0.8rem") for c in range(columns)],
            className="skeleton-row",
        )
        for r in range(rows)
    ]
    total = height if height is not None else (rows + 1) * GRID_ROW_PX
    return skeleton([header, *body], label=label, kind="grid", height=total)


def chart_skeleton(height: int = CHART_PX, *, caption: bool = False, label: str = "the chart") -> html.Div:
    """A plot area of the chart's height, with axis ticks and bars of varying height, and its caption line."""
    bars = [bone(width="7%", height=f"{h}%", class_name="skeleton-bar") for h in (45, 70, 55, 85, 60, 35, 75, 50)]
    shapes: list[Any] = [html.Div(bars, className="skeleton-plot", style={"height": f"{height}px"})]
    if caption:
        shapes.append(bone(width="60%", height="0.8rem", class_name="skeleton-caption"))
    return skeleton(shapes, label=label, kind="chart", height=height + (CAPTION_PX if caption else 0))


def card_shape(
    *, lines: int = 3, badge: bool = True, title_px: int = 19, line_px: int = SMALL_LINE_PX, class_name: str = "h-100"
) -> dbc.Card:
    """A card's outline (shapes only, for a skeleton): a title `title_px` high, a badge's line (and the gap
    under it), and `lines` lines of text, `line_px` apart, as the real card's text is."""
    shapes: list[Any] = [bone(width="40%", height=f"{title_px}px", pitch_px=title_px + 8)]
    if badge:
        shapes.append(bone(width="35%", height="1.25rem", pitch_px=BODY_LINE_PX + 8))
    shapes += [bone(width=TEXT_WIDTHS[i % len(TEXT_WIDTHS)], height="0.9rem", pitch_px=line_px) for i in range(lines)]
    return dbc.Card(dbc.CardBody(shapes), className=class_name)


def card_skeleton(*, label: str = "the card", **shape: Any) -> html.Div:
    """One card loading (`shape` as for `card_shape`)."""
    return skeleton(card_shape(**shape), label=label, kind="card")


def kpi_skeleton(count: int, *, label: str = "the totals") -> html.Div:
    """`count` KPI tiles (a label over a large value) in the responsive grid of the real ones."""
    tiles = [
        dbc.Col(
            html.Div(
                [bone(width="55%", height="0.8rem"), bone(width="70%", height="1.9rem", class_name="mt-2")],
                className="border rounded p-3 h-100",
            ),
            xs=6,
            md=3,
            className="mb-2",
        )
        for _ in range(count)
    ]
    return skeleton(dbc.Row(tiles), label=label, kind="kpi")


def loading_area(content: Any, *, placeholder: Any, delay_show: int = SHOW_AFTER_MS) -> dcc.Loading:
    """`content`, covered by `placeholder` (a skeleton of its size) while a callback fills it: shown at once
    when the page opens, and after `delay_show` ms of a later update (the stale content stays until then)."""
    return dcc.Loading(
        content,
        custom_spinner=html.Div(placeholder, className="skeleton-overlay"),
        delay_show=delay_show,
    )


def chart_area(chart_id: str, *, class_name: str = "mt-3") -> dcc.Loading:
    """Where a page's captioned chart goes: a live region that shows a chart skeleton until its callback answers,
    and again (over the old chart) while it recomputes."""
    region = html.Div(chart_skeleton(caption=True), id=chart_id, className=class_name, **aria(live="polite"))
    return loading_area(region, placeholder=chart_skeleton(caption=True))
