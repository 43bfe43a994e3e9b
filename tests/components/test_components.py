"""Layout builders are pure functions: check what they render."""

from __future__ import annotations

from typing import Any

from components.feedback import error_alert
from components.identity import identity_card
from components.navigation import navbar
from components.status import status_card
from core.identity import UserIdentity
from services.status import IntegrationStatus
from services.workspace import WorkspaceUser


def _text(component: Any) -> str:
    """All the text a component tree renders."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def test_status_card_says_the_state_in_words() -> None:
    up = status_card(IntegrationStatus("workspace", "Databricks workspace", "up", True, 12.4, "signed in"))
    down = status_card(IntegrationStatus("lakebase", "Lakebase", "down", False, None, "refused"))
    assert "Reachable" in _text(up)
    assert "12 ms" in _text(up)
    assert "Unreachable" in _text(down)
    assert "n/a" in _text(down)


def test_identity_card_never_renders_the_token() -> None:
    user = UserIdentity("bob@example.com", "bob@example.com", "bob", "61@1", access_token="dapi-secret-bob-123")
    card = identity_card(user, WorkspaceUser("61", "bob@example.com", "Bob", ("bob@example.com",), ("analysts",), True))
    text = _text(card)
    assert "bob@example.com" in text
    assert "analysts" in text
    assert "dapi-secret-bob-123" not in str(card.to_plotly_json())


def test_error_alert_shows_message_code_and_retry() -> None:
    text = _text(error_alert({"error_code": "DATABASE_UNAVAILABLE", "message": "Database down.", "retry_after": 10}))
    assert "Database down." in text
    assert "DATABASE_UNAVAILABLE" in text
    assert "10 s" in text


def test_navbar_is_built_from_the_registry_in_order() -> None:
    pages = [
        {"name": "Data", "relative_path": "/data", "order": 1},
        {"name": "Home", "relative_path": "/", "order": 0},
        {"name": "Hidden", "relative_path": "/hidden", "order": 2, "nav": False},
    ]
    text = _text(navbar(pages, app_title="App", user_label="Alice"))
    assert text.index("Home") < text.index("Data")
    assert "Hidden" not in text
    assert "Signed in as Alice" in text
