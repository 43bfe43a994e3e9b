"""The real databricks-sdk against the local workspace over HTTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.errors import AuthRequired, PermissionDenied, UserAuthorizationRequired, WorkspaceUnavailable
from core.identity import APP_IDENTITY, UserIdentity
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
    assert me is not None  # a user with their token is confirmed by the workspace
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


def test_without_a_user_token_the_service_principal_acts_only_when_the_setting_allows_it(
    settings_with: Callable[..., Settings], directory: Directory, json_logs: Callable[[], list[dict[str, object]]]
) -> None:
    carol = _user(directory, "carol@example.com", token="")
    fallback = settings_with(allow_app_identity_fallback=True)
    assert workspace.user_client(fallback, carol).current_user.me().user_name == directory.service_principal.user_name
    assert workspace.who_acts(fallback, carol) == "app"
    # SCIM Me as the app would describe the app, not Carol: nothing is confirmed for her.
    assert workspace.get_current_user(settings=fallback, user=carol) is None
    warned = [line for line in json_logs() if line["level"] == "WARNING"]
    assert len(warned) == 1  # one per call made for Carol: get_current_user makes none
    assert all("ALLOW_APP_IDENTITY_FALLBACK" in str(line["message"]) for line in warned)


def test_without_a_user_token_calls_meant_for_the_user_are_refused(settings: Settings, directory: Directory) -> None:
    carol = _user(directory, "carol@example.com", token="")
    assert settings.allow_app_identity_fallback is False  # the default
    assert workspace.who_acts(settings, carol) == "refused"
    for call in (
        lambda: workspace.user_client(settings, carol),
        lambda: workspace.get_current_user(settings=settings, user=carol),
        lambda: workspace.DeadlineClients(settings, carol),
    ):
        with pytest.raises(UserAuthorizationRequired) as refused:
            call()
        body = refused.value.to_body()
        assert body["error_code"] == "USER_AUTHORIZATION_REQUIRED"
        assert refused.value.status == 403
        assert isinstance(refused.value, PermissionDenied)
        assert "user authorization (user_api_scopes in databricks.yml)" in body["message"]
        assert body["technical_details"]["header"] == "X-Forwarded-Access-Token"


def test_the_apps_own_identity_is_the_service_principal(settings: Settings, directory: Directory) -> None:
    assert APP_IDENTITY.is_app
    assert APP_IDENTITY.access_token is None
    assert workspace.who_acts(settings, APP_IDENTITY) == "app"
    assert workspace.user_client(settings, APP_IDENTITY) is workspace.service_principal_client(settings)
    me = workspace.get_current_user(settings=settings, user=APP_IDENTITY)
    assert me is not None
    assert me.user_name == directory.service_principal.user_name
    answered = workspace.DeadlineClients(settings, APP_IDENTITY).call(5, lambda c: c.current_user.me())
    assert answered.user_name == directory.service_principal.user_name


def test_a_user_who_claims_the_apps_user_id_is_still_a_user(settings: Settings) -> None:
    """Only APP_IDENTITY's flag makes the app act; a forwarded identity never carries it."""
    claimed = UserIdentity(user_id=APP_IDENTITY.user_id, email=None, user_name=None, workspace_user=None)
    assert claimed != APP_IDENTITY
    with pytest.raises(UserAuthorizationRequired):
        workspace.user_client(settings, claimed)


def test_deadline_clients_act_as_the_user_with_a_token(settings: Settings, directory: Directory) -> None:
    bob = _user(directory, "bob@example.com")
    answered = workspace.DeadlineClients(settings, bob).call(5, lambda c: c.current_user.me())
    assert answered.user_name == "bob@example.com"


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
