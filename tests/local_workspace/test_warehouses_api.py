"""The Warehouses API (list, get) of the local workspace through the real databricks-sdk: the warehouse's
documented fields and its real state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound
from databricks.sdk.service.sql import State

from local_workspace.identities import Directory
from local_workspace.warehouse import LocalWarehouse
from tests.conftest import RunningServer


@pytest.fixture
def bob(local_workspace: RunningServer, directory: Directory) -> WorkspaceClient:
    user = directory.user("bob@example.com")
    assert user is not None
    return WorkspaceClient(host=local_workspace.url, token=user.token, auth_type="pat")


@pytest.fixture
def stopped(local_warehouse: LocalWarehouse) -> Iterator[LocalWarehouse]:
    """The warehouse, stopped for the test and started again after it."""
    local_warehouse.stop()
    yield local_warehouse
    local_warehouse.start()


def test_list_and_get_describe_the_running_warehouse(
    bob: WorkspaceClient, local_warehouse: LocalWarehouse, local_workspace: RunningServer
) -> None:
    (listed,) = list(bob.warehouses.list())
    got = bob.warehouses.get(local_warehouse.warehouse_id)
    assert listed.id == got.id == local_warehouse.warehouse_id
    assert got.state == listed.state == State.RUNNING
    assert got.num_clusters == 1
    assert got.cluster_size == "2X-Small"
    assert got.warehouse_type is not None
    assert got.warehouse_type.value == "PRO"
    assert got.odbc_params is not None
    assert got.odbc_params.path == f"/sql/1.0/warehouses/{local_warehouse.warehouse_id}"
    assert f"{got.odbc_params.protocol}://{got.odbc_params.hostname}:{got.odbc_params.port}" == local_workspace.url
    assert got.jdbc_url is not None
    assert got.odbc_params.path in got.jdbc_url
    assert got.health is not None
    assert got.health.status is not None
    assert got.health.status.value == "HEALTHY"


def test_a_stopped_warehouse_is_described_as_stopped(bob: WorkspaceClient, stopped: LocalWarehouse) -> None:
    got = bob.warehouses.get(stopped.warehouse_id)
    assert got.state == State.STOPPED
    assert got.num_clusters == 0
    assert got.num_active_sessions == 0
    assert [w.state for w in bob.warehouses.list()] == [State.STOPPED]


def test_an_unknown_warehouse_is_not_found(bob: WorkspaceClient) -> None:
    with pytest.raises(NotFound):
        bob.warehouses.get("no-such-warehouse")
