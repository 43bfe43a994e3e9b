"""ARIA attributes for Dash components, which take them only as dashed keyword arguments."""

from __future__ import annotations

from typing import Any


def aria(**attributes: str) -> dict[str, Any]:
    """`aria(live="polite")` gives `{"aria-live": "polite"}`, to pass as `**aria(...)`."""
    return {f"aria-{name.replace('_', '-')}": value for name, value in attributes.items()}
