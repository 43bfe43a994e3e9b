"""Clients of the local warehouse for its tests: databricks-sql-connector (SEA backend) as a local user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from databricks import sql as dbsql

from local_workspace.identities import Directory
from local_workspace.warehouse import LocalWarehouse
from tests.conftest import RunningServer


def connect(
    workspace: RunningServer,
    warehouse: LocalWarehouse,
    directory: Directory,
    user_name: str,
    *,
    use_cloud_fetch: bool = False,
) -> Any:
    """A connector connection as a local user, over plain HTTP on loopback as the app opens one locally (no
    cloud fetch unless asked: then ARROW_STREAM over EXTERNAL_LINKS)."""
    user = directory.user(user_name)
    assert user is not None, user_name
    return dbsql.connect(
        server_hostname="http://127.0.0.1",
        _port=int(workspace.url.rsplit(":", 1)[1]),
        http_path=f"/sql/1.0/warehouses/{warehouse.warehouse_id}",
        access_token=user.token,
        use_sea=True,
        use_cloud_fetch=use_cloud_fetch,
        enable_telemetry=False,
    )


@contextmanager
def cursor_as(
    workspace: RunningServer, warehouse: LocalWarehouse, directory: Directory, user_name: str
) -> Iterator[Any]:
    """A cursor of a new connector connection as a local user, closed (with its connection) after use."""
    with connect(workspace, warehouse, directory, user_name) as connection, connection.cursor() as cursor:
        yield cursor
