"""What a person reads for a model's columns and predictions: a label, help with the range, the unit, and how
many decimals a number is shown with.

A data scientist serving a new model extends this module: its input columns in COLUMNS (by the column's name in
the model's signature) and its prediction in PREDICTIONS (by the serving endpoint's name, as SERVING_ENDPOINT
names it). A column or an endpoint not listed still reads well: a label from its name ("pickup_hour" is
"Pickup hour"), help from its type and the input example ("Whole number, e.g. 10001"), and a number rounded
to what a person reads.

Ranges say where they come from (Databricks' OpenAPI query schema carries only names and types, and an MLflow
signature no ranges): the sample data the model was trained on (`samples.nyctaxi.trips`, scikit-learn's iris
data), checked against that data by tests/services/test_serving_payloads.py."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ColumnText:
    """How a column (or a prediction) reads: label, help, unit ("$" before the number, others after it),
    the range a value must be in (minimum, maximum: refused outside it), the range the training data
    covers (`seen`: said, not enforced), and decimals (None: as many as a person needs)."""

    label: str | None = None
    help: str | None = None
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    seen: tuple[float, float] | None = None
    decimals: int | None = None


# Input columns, by their name in the model's signature.
COLUMNS: dict[str, ColumnText] = {
    # taxi-fare (samples.nyctaxi.trips). Pickup hours 0 to 23 are what the sample data holds (hour of the
    # pickup time); a distance is never negative.
    "trip_distance": ColumnText(label="Trip distance", unit="mi", minimum=0),
    "pickup_hour": ColumnText(label="Pickup hour", minimum=0, maximum=23),
    "pickup_zip": ColumnText(label="Pickup ZIP code", help="5-digit ZIP code"),
    "dropoff_zip": ColumnText(label="Drop-off ZIP code", help="5-digit ZIP code"),
    # iris-species (scikit-learn's iris data): the ranges measured in its 150 flowers, said, not enforced.
    "sepal_length": ColumnText(label="Sepal length", unit="cm", minimum=0, seen=(4.3, 7.9)),
    "sepal_width": ColumnText(label="Sepal width", unit="cm", minimum=0, seen=(2.0, 4.4)),
    "petal_length": ColumnText(label="Petal length", unit="cm", minimum=0, seen=(1.0, 6.9)),
    "petal_width": ColumnText(label="Petal width", unit="cm", minimum=0, seen=(0.1, 2.5)),
}

# Predictions, by serving endpoint name.
PREDICTIONS: dict[str, ColumnText] = {
    "taxi-fare": ColumnText(label="Predicted fare", unit="$", decimals=2),
    "iris-species": ColumnText(label="Predicted species"),
}

KIND_WORDS = {"number": "Number", "integer": "Whole number", "string": "Text", "boolean": "Yes or no"}
RANGE_TOLERANCE = 1e-9  # a range's ends are inclusive; a float a hair outside still counts as inside
WORD_BREAKS = re.compile(r"[_\-\s]+|(?<=[a-z0-9])(?=[A-Z])")
SIGNIFICANT_DIGITS = 4


def humanised(name: str) -> str:
    """A column's name as a label: "pickup_hour" and "pickupHour" are "Pickup hour"."""
    words = [w for w in WORD_BREAKS.split(name.strip()) if w]
    if not words:
        return name
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[0].upper() + text[1:]


def column_text(name: str) -> ColumnText:
    """The column's entry in COLUMNS, with a label from its name when the entry gives none."""
    text = COLUMNS.get(name, ColumnText())
    return text if text.label else ColumnText(**{**vars(text), "label": humanised(name)})


def prediction_text(endpoint_name: str) -> ColumnText:
    """How the endpoint's prediction reads (PREDICTIONS), "Prediction" when it is not listed."""
    text = PREDICTIONS.get(endpoint_name, ColumnText())
    return text if text.label else ColumnText(**{**vars(text), "label": "Prediction"})


def _number(value: float, decimals: int | None) -> str:
    if decimals is not None:
        return f"{value:,.{decimals}f}"
    if value == 0 or not math.isfinite(value):
        return str(value)
    # As many decimals as SIGNIFICANT_DIGITS need (12.3456789 is 12.35, 0.0012345 is 0.001235), never 15.
    places = max(0, SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(value))))
    return f"{round(value, places):,.{places}f}".rstrip("0").rstrip(".") if places else f"{value:,.0f}"


def formatted(value: Any, text: ColumnText) -> str:
    """A value as a person reads it: a number with the column's decimals and unit ($12.35, 7.50 mi), an
    integer as it is (a ZIP code has no thousands separator), other JSON compactly; "null" for no value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        number = str(value)
    elif isinstance(value, float):
        number = _number(value, text.decimals)
    elif isinstance(value, str):
        return value
    else:
        return json.dumps(value, separators=(", ", ": "), default=str)[:200]
    if not text.unit:
        return number
    if text.unit == "$":
        return f"-${number[1:]}" if number.startswith("-") else f"${number}"
    return f"{number} {text.unit}"


def range_words(text: ColumnText) -> str | None:
    """The range as help reads it (ends joined by an en dash): "0 to 23", "4.3 to 7.9 cm in the training
    data", "0 mi or more"; None when there is none."""
    unit = f" {text.unit}" if text.unit and text.unit != "$" else ""
    if text.seen is not None:
        return f"{text.seen[0]:g}–{text.seen[1]:g}{unit} in the training data"
    low, high = (None if v is None else f"{v:g}" for v in (text.minimum, text.maximum))
    if low is not None and high is not None:
        return f"{low}–{high}{unit}"
    if low is not None:
        return f"{low}{unit} or more"
    if high is not None:
        return f"{high}{unit} or less"
    return None


def field_help(text: ColumnText, kind: str, example: Any) -> str:
    """A field's help: the column's own words and its range; the type and the input example's value when
    neither says more."""
    parts = [part for part in (text.help, range_words(text)) if part]
    if not parts and kind in KIND_WORDS:
        parts.append(KIND_WORDS[kind])
    if example is not None and not range_words(text) and kind != "boolean":
        parts.append(f"e.g. {formatted(example, ColumnText())}")
    return ", ".join(parts)


def limits_words(text: ColumnText) -> str | None:
    """The range a value must be in, as a form's error says it ("0 to 23" with an en dash, "0 cm or more")."""
    return range_words(ColumnText(unit=text.unit, minimum=text.minimum, maximum=text.maximum))


def out_of_range(text: ColumnText, value: float) -> bool:
    """Whether a number is outside the column's range (ends included)."""
    below = text.minimum is not None and value < text.minimum - RANGE_TOLERANCE
    above = text.maximum is not None and value > text.maximum + RANGE_TOLERANCE
    return below or above
