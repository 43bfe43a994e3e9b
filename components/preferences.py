"""Pieces of the Preferences page."""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import html


def favorites_list(tables: Sequence[str], *, remove_type: str) -> html.P | html.Ul:
    """The favorite tables, each with a Remove button (its id: {"type": remove_type, "table": name})."""
    if not tables:
        return html.P("No favorite tables yet. Star a table on the Data page to add it.", className="mb-0")
    return html.Ul(
        [
            html.Li(
                [
                    html.Span(table, className="font-monospace me-2"),
                    dbc.Button(
                        # The hidden words give each button a distinct accessible name.
                        ["Remove", html.Span(f" {table} from favorites", className="visually-hidden")],
                        id={"type": remove_type, "table": table},
                        size="sm",
                        color="danger",
                        outline=True,
                    ),
                ],
                className="mb-2",
            )
            for table in tables
        ],
        className="list-unstyled mb-0",
    )
