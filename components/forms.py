"""Labelled form controls: every control has a visible label tied to it (WCAG 1.3.1, 3.3.2)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html


def labelled_select(
    control_id: str, label: str, options: Sequence[tuple[str, str]], *, value: str | None = None, help_text: str = ""
) -> html.Div:
    """A select with its label above and optional help below; options are (value, label) pairs."""
    children: list[Any] = [
        dbc.Label(label, html_for=control_id),
        dbc.Select(id=control_id, options=[{"label": text, "value": key} for key, text in options], value=value),
    ]
    if help_text:
        children.append(dbc.FormText(help_text))
    return html.Div(children, className="mb-3")


def labelled_textarea(control_id: str, label: str, *, rows: int = 8, help_text: str = "") -> html.Div:
    """A monospace text area with its label, and an empty feedback slot for inline validation errors."""
    return html.Div(
        [
            dbc.Label(label, html_for=control_id),
            dbc.Textarea(id=control_id, rows=rows, className="font-monospace", spellcheck=False),
            dbc.FormFeedback(id=f"{control_id}-feedback", type="invalid"),
            dbc.FormText(help_text) if help_text else None,
        ],
        className="mb-3",
    )
