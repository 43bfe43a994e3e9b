"""A labelled input: every control has a visible label tied to it (WCAG 1.3.1, 3.3.2)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html


def labelled_input(control_id: str, label: str, **props: Any) -> html.Div:
    """An input (type, min, max, value, … as given) with its label above; it sends its value on Enter or
    when it loses focus, not at every keystroke."""
    return html.Div(
        [dbc.Label(label, html_for=control_id), dbc.Input(id=control_id, debounce=True, **props)], className="mb-3"
    )
