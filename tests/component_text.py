"""The text a Dash component tree renders, for tests that check what a builder or a callback returns."""

from __future__ import annotations

from typing import Any


def texts_of(component: Any) -> list[str]:
    """Every string in a component tree, in order."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, list | tuple):
        return [text for child in component for text in texts_of(child)]
    children = getattr(component, "children", None)
    return texts_of(children) if children is not None else []


def text_of(component: Any) -> str:
    """All the text a component tree renders, numbers included, joined by spaces."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))
