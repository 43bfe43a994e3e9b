"""Cards that group a page into titled sections."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html


def section_card(title: str, *children: Any, **props: Any) -> dbc.Card:
    """A titled card (an h2, so each page's sections sit under its h1)."""
    return dbc.Card(dbc.CardBody([html.H2(title, className="h5 card-title"), *children]), className="mb-4", **props)
