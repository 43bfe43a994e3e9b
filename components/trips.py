"""The Trips dashboard's pieces: its filter state (the parameters every panel's query takes), the chips that
say it in words, and each panel's figure with a caption that tells its numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go

from components.charts import bar_chart, heatmap, scatter
from components.controls import labelled_input

if TYPE_CHECKING:
    import pandas

FIRST_DAY, LAST_DAY = "2016-01-01", "2016-02-29"
DEFAULT_FILTERS: dict[str, Any] = {
    "start_date": FIRST_DAY,
    "end_date": LAST_DAY,
    "min_distance": 0.0,
    "max_distance": None,
    "pickup_zip": None,
    "dropoff_zip": None,
    "pickup_hour": None,
    "pickup_day": None,
}
ANY_ZIP = "any"  # the pickup-zip select's value for no filter


def _col(control_id: str, label: str, **props: Any) -> dbc.Col:
    return dbc.Col(labelled_input(control_id, label, **props))


def controls(dates_id: str, distance_id: str, pickup_id: str) -> dbc.Row:
    """The date range (inputs `<dates_id>-start` and `-end`), the distance range and the pickup-zip filter,
    each with a visible label. Native inputs and select: Dash 4.4's DatePickerRange, RangeSlider and Dropdown
    fail axe (aria-expanded on a plain div; one id on two elements, marks unreadable in the dark theme; an
    aria-hidden element that takes focus)."""
    day: dict[str, Any] = {"type": "date", "min": FIRST_DAY, "max": LAST_DAY}
    miles: dict[str, Any] = {"type": "number", "min": 0, "max": 100, "step": 0.5}
    dates = [
        _col(f"{dates_id}-start", "First pickup day", value=FIRST_DAY, **day),
        _col(f"{dates_id}-end", "Last pickup day", value=LAST_DAY, **day),
    ]
    distance = [
        _col(f"{distance_id}-min", "Shortest trip (miles)", value=0, **miles),
        _col(f"{distance_id}-max", "Longest trip (miles)", value=None, placeholder="no limit", **miles),
    ]
    pickup = [dbc.Label("Pickup zip", html_for=pickup_id), dbc.Select(id=pickup_id, options=[], value=ANY_ZIP)]
    return dbc.Row(
        [dbc.Col(dbc.Row(part, className="g-2"), md=4) for part in (dates, distance)] + [dbc.Col(pickup, md=4)],
        className="mb-3 g-3",
    )


def with_controls(
    filters: Mapping[str, Any], *, dates: tuple[Any, Any], distance: tuple[Any, Any], pickup: Any
) -> dict[str, Any]:
    """The filters with the controls' values: the date range, the distance range (an empty longest trip is
    no limit) and the pickup zip."""
    low, high = distance
    return {
        **filters,
        "start_date": str(dates[0] or FIRST_DAY)[:10],
        "end_date": str(dates[1] or LAST_DAY)[:10],
        "min_distance": float(low or 0),
        "max_distance": None if high in (None, "") else float(high),
        "pickup_zip": int(pickup) if pickup not in (None, "", ANY_ZIP) else None,
    }


def toggled(filters: Mapping[str, Any], **values: Any) -> dict[str, Any]:
    """The filters with a click's values applied, or removed when the click repeats what is applied (a
    second click on the same bar or cell clears it)."""
    if all(filters.get(key) == value for key, value in values.items()):
        return {**filters, **dict.fromkeys(values)}
    return {**filters, **values}


def clicked(click: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The point a plotly click landed on ({"x": ..., "y": ...}), if any."""
    points = (click or {}).get("points") or []
    return points[0] if points else None


def chip_labels(filters: Mapping[str, Any]) -> list[str]:
    """What is applied beyond the whole data set, in words."""
    labels = []
    if (filters.get("start_date"), filters.get("end_date")) != (FIRST_DAY, LAST_DAY):
        labels.append(f"Dates: {_day(filters['start_date'])} to {_day(filters['end_date'])}")
    low, high = filters.get("min_distance") or 0, filters.get("max_distance")
    if low or high is not None:
        upper = f"to {high:g} miles" if high is not None else "miles or more"
        labels.append(f"Distance: {low:g} {upper}")
    if filters.get("pickup_hour") is not None:
        hour = int(filters["pickup_hour"])
        labels.append(f"Pickup hour: {hour:02d}:00 to {hour:02d}:59")
    if filters.get("pickup_day"):
        labels.append(f"Pickup day: {_day(filters['pickup_day'])}")
    for key, label in (("pickup_zip", "Pickup zip"), ("dropoff_zip", "Drop-off zip")):
        if filters.get(key) is not None:
            labels.append(f"{label}: {filters[key]}")
    return labels


def _day(value: Any) -> str:
    return dt.date.fromisoformat(str(value)[:10]).strftime("%a %d %b %Y")


def _count(number: Any) -> str:
    return f"{int(number):,}"


def kpi_values(frame: pandas.DataFrame) -> list[tuple[str, str, str]]:
    """The four KPI cards' (key, label, text): trips, total fares, average fare, average distance."""
    row = frame.iloc[0] if len(frame) else {}
    trips = int(row.get("trips") or 0)
    average_fare, average_distance = (float(row.get(k) or 0) for k in ("average_fare", "average_distance"))
    return [
        ("trips", "Trips", _count(trips)),
        ("total-fares", "Total fares", f"${float(row.get('total_fares') or 0):,.2f}"),
        ("average-fare", "Average fare", f"${average_fare:,.2f}" if trips else "n/a"),
        ("average-distance", "Average distance", f"{average_distance:,.2f} mi" if trips else "n/a"),
    ]


NO_TRIPS = "No trips match the filters."


def _busiest(
    frame: pandas.DataFrame, column: str, what: str, filters: Mapping[str, Any], theme: Any, name: Callable[[Any], str]
) -> tuple[go.Figure, str]:
    """Trips per `column` as bars, the filtered one solid; the caption names the busiest and the quietest."""
    figure = bar_chart(
        frame, x=column, y="trips", x_title=what, y_title="trips", theme=theme, selected=filters.get(column)
    )
    if not len(frame):
        return figure, NO_TRIPS
    busy, quiet = frame.loc[frame["trips"].idxmax()], frame.loc[frame["trips"].idxmin()]
    caption = (
        f"Bar chart of trips by {what}: busiest {name(busy[column])} with {_count(busy['trips'])} trips, "
        f"quietest {name(quiet[column])} with {_count(quiet['trips'])}; {_count(frame['trips'].sum())} trips in all."
    )
    return figure, caption


def hours_figure(frame: pandas.DataFrame, filters: Mapping[str, Any], theme: Any) -> tuple[go.Figure, str]:
    """Trips per hour of day."""
    figure, caption = _busiest(frame, "pickup_hour", "pickup hour", filters, theme, lambda h: f"at {int(h):02d}:00")
    figure.update_xaxes(dtick=2)
    return figure, caption


def days_figure(frame: pandas.DataFrame, filters: Mapping[str, Any], theme: Any) -> tuple[go.Figure, str]:
    """Trips per day (dates as ISO text, which is what a click on a bar gives back)."""
    days = frame.assign(pickup_day=[str(d)[:10] for d in frame["pickup_day"]])
    return _busiest(days, "pickup_day", "pickup day", filters, theme, _day)


def distance_figure(frame: pandas.DataFrame, _: Mapping[str, Any], theme: Any) -> tuple[go.Figure, str]:
    """Average fare per one-mile distance bin, each marker's area the bin's number of trips."""
    figure = scatter(
        frame,
        x="distance_bin",
        y="average_fare",
        size="trips",
        x_title="distance (miles, 1-mile bins)",
        y_title="average fare ($)",
        theme=theme,
    )
    if not len(frame):
        return figure, NO_TRIPS
    first, last = frame.iloc[0], frame.iloc[-1]
    caption = (
        f"Scatter chart of average fare by distance, {len(frame)} one-mile bins: ${first['average_fare']:,.2f} "
        f"from {int(first['distance_bin'])} miles ({_count(first['trips'])} trips) to ${last['average_fare']:,.2f} "
        f"from {int(last['distance_bin'])} miles ({_count(last['trips'])} trips)."
    )
    return figure, caption


def zips_figure(frame: pandas.DataFrame, selected: Any, theme: Any, *, column: str, what: str) -> tuple[go.Figure, str]:
    """The busiest zips (as labels, not numbers) by trips, the filtered zip solid."""
    figure = bar_chart(
        frame,
        x=column,
        y="trips",
        x_title=f"{what} zip",
        y_title="trips",
        theme=theme,
        categories=True,
        selected=selected,
    )
    if not len(frame):
        return figure, NO_TRIPS
    named = ", ".join(f"{z} with {_count(n)}" for z, n in zip(frame[column][:3], frame["trips"][:3], strict=True))
    return figure, f"Bar chart of the {len(frame)} busiest {what} zips by trips: {named} trips, first."


def matrix_figure(frame: pandas.DataFrame, _: Mapping[str, Any], theme: Any) -> tuple[go.Figure, str]:
    """Trips from the busiest pickup zips (rows) to the busiest drop-off zips (columns)."""
    figure = heatmap(
        frame, x="dropoff_zip", y="pickup_zip", z="trips", x_title="drop-off zip", y_title="pickup zip", theme=theme
    )
    if not len(frame):
        return figure, NO_TRIPS
    top = frame.loc[frame["trips"].idxmax()]
    caption = (
        f"Matrix of trips from {frame['pickup_zip'].nunique()} pickup zips to {frame['dropoff_zip'].nunique()} "
        f"drop-off zips: the busiest pair is {top['pickup_zip']} to {top['dropoff_zip']} with "
        f"{_count(top['trips'])} trips."
    )
    return figure, caption
