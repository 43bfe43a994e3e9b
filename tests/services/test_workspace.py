"""The real databricks-sdk against the local workspace over HTTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.errors import AuthRequired, WorkspaceUnavailable
from core.identity import UserIdentity
from core.settings import Settings
from local_workspace.identities import Directory
from services import workspace


def _user(directory: Directory, user_name: str, token: str | None = None) -> UserIdentity:
    local = directory.user(user_name)
    assert local is not None
    return UserIdentity(
        user_id=user_name,
        email=user_name,
        user_name=user_name,
        workspace_user=None,
        access_token=token if token is not None else local.token,
    )


def test_service_principal_authenticates_by_m2m(settings: Settings, directory: Directory) -> None:
    client = workspace.service_principal_client(settings)
    assert client.config.auth_type == "oauth-m2m"
    me = client.current_user.me()
    assert me.user_name == directory.service_principal.user_name


def test_workspace_client_from_the_apps_environment_alone(
    settings: Settings, directory: Directory, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from databricks.sdk import WorkspaceClient

    monkeypatch.setenv("DATABRICKS_HOST", str(settings.databricks_host))
    monkeypatch.setenv("DATABRICKS_CLIENT_ID", directory.service_principal.user_name)
    monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", directory.client_secret)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", f"{tmp_path}/none")
    me = WorkspaceClient().current_user.me()
    assert me.display_name == directory.service_principal.display_name


def test_get_service_principal(settings: Settings, directory: Directory) -> None:
    principal = workspace.get_service_principal(settings=settings)
    assert principal.user_name == directory.service_principal.user_name
    assert principal.emails == ()


@pytest.mark.parametrize(
    ("user_name", "display_name"), [("alice@example.com", "Alice Analyst"), ("bob@example.com", "Bob Builder")]
)
def test_current_user_as_each_user(settings: Settings, directory: Directory, user_name: str, display_name: str) -> None:
    me = workspace.get_current_user(settings=settings, user=_user(directory, user_name))
    assert me.user_name == user_name
    assert me.display_name == display_name
    assert me.emails == (user_name,)


def test_each_user_call_gets_its_own_client(settings: Settings, directory: Directory) -> None:
    alice = _user(directory, "alice@example.com")
    bob = _user(directory, "bob@example.com")
    first, second, other = (
        workspace.user_client(settings, alice),
        workspace.user_client(settings, alice),
        workspace.user_client(settings, bob),
    )
    assert first is not second
    assert first.config.token != other.config.token
    assert workspace.service_principal_client(settings) is workspace.service_principal_client(settings)


def test_without_a_user_token_the_service_principal_acts(settings: Settings, directory: Directory) -> None:
    me = workspace.get_current_user(settings=settings, user=_user(directory, "carol@example.com", token=""))
    assert me.user_name == directory.service_principal.user_name


def test_a_refused_token_is_auth_required(settings: Settings, directory: Directory) -> None:
    with pytest.raises(AuthRequired):
        workspace.get_current_user(settings=settings, user=_user(directory, "alice@example.com", "dapi-not-valid-1234"))


def test_an_unreachable_workspace_is_unavailable_with_retry_after(
    settings_with: Callable[..., Settings], directory: Directory
) -> None:
    with pytest.raises(WorkspaceUnavailable) as raised:
        workspace.get_current_user(
            settings=settings_with(databricks_host="http://127.0.0.1:9"), user=_user(directory, "alice@example.com")
        )
    assert raised.value.retry_after is not None
