"""The local Unity Catalog REST API answers the real databricks-sdk as Databricks documents it: catalogs, schemas
and tables (get, list, list_summaries, exists) with the full TableInfo, include_browse and the omit_* flags,
max_results and page tokens, grants per principal, row filters and column masks; errors with the documented
error_code and HTTP status.

Alice (analysts, data-scientists) reads every table; Bob (analysts) reads trips and may only BROWSE orders;
Carol reads trips only; the app's service principal is the metastore admin."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests
import sqlglot
from databricks.sdk import WorkspaceClient
from databricks.sdk import errors as sdk_errors
from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.service.catalog import ColumnTypeName, TableType

from local_workspace.catalog import LocalCatalog
from local_workspace.identities import Directory, Principal
from local_workspace.server import create_workspace_app
from local_workspace.uc_models import table_json
from local_workspace.uc_policies import PolicyError
from local_workspace.warehouse import LocalWarehouse
from tests.conftest import RunningServer, serve_in_thread

TRIPS, ORDERS, CUSTOMER = "samples.nyctaxi.trips", "samples.tpch.orders", "samples.tpch.customer"
ALL_TABLES = [TRIPS, CUSTOMER, ORDERS]
GRANTS_FILE = Path(__file__).parents[2] / "local_workspace" / "grants.toml"


@pytest.fixture(scope="module")
def workspace(directory: Directory, local_warehouse: LocalWarehouse) -> Iterator[RunningServer]:
    """The local workspace with only its Unity Catalog (no warehouse sessions, no Lakebase)."""
    running = serve_in_thread(create_workspace_app(directory, catalog=local_warehouse.catalog))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def client_for(workspace: RunningServer, directory: Directory) -> Callable[[str], WorkspaceClient]:
    """The SDK as a local user (by user name), or as the app's service principal ("app", OAuth M2M)."""

    def client(who: str) -> WorkspaceClient:
        if who == "app":
            sp = directory.service_principal
            return WorkspaceClient(host=workspace.url, client_id=sp.user_name, client_secret=directory.client_secret)
        user = directory.user(who)
        assert user is not None
        return WorkspaceClient(host=workspace.url, token=user.token)

    return client


@pytest.fixture(scope="module")
def alice(client_for: Callable[[str], WorkspaceClient]) -> WorkspaceClient:
    return client_for("alice@example.com")


@pytest.fixture(scope="module")
def bob(client_for: Callable[[str], WorkspaceClient]) -> WorkspaceClient:
    return client_for("bob@example.com")


def _error(call: Callable[[], Any]) -> DatabricksError:
    """The SDK's error for a call that must fail (an iterator is read to its end)."""
    with pytest.raises(DatabricksError) as failed:
        _exhaust(call())
    return failed.value


def _exhaust(result: Any) -> None:
    if isinstance(result, Iterator):
        list(result)


def test_catalog_and_schema_get(alice: WorkspaceClient) -> None:
    info = alice.catalogs.get("samples")
    assert (info.name, info.full_name, info.catalog_type and info.catalog_type.value) == (
        "samples",
        "samples",
        "MANAGED_CATALOG",
    )
    assert info.owner
    assert info.created_by
    assert info.metastore_id
    assert info.created_at
    assert info.updated_at
    schema = alice.schemas.get("samples.tpch")
    assert (schema.name, schema.catalog_name, schema.full_name) == ("tpch", "samples", "samples.tpch")
    assert uuid.UUID(schema.schema_id or "")
    assert schema.metastore_id == info.metastore_id
    assert schema.browse_only is None


def test_table_info_has_the_documented_fields(alice: WorkspaceClient) -> None:
    info = alice.tables.get(TRIPS)
    assert info.table_type == TableType.MANAGED
    assert info.data_source_format
    assert info.data_source_format.value == "DELTA"
    assert (info.catalog_name, info.schema_name, info.name, info.full_name) == ("samples", "nyctaxi", "trips", TRIPS)
    assert info.table_id
    assert info.storage_location
    assert info.storage_location.endswith(info.table_id)
    assert info.created_at
    assert info.updated_at
    assert info.created_at <= info.updated_at
    assert info.owner
    assert info.created_by
    assert info.updated_by
    assert info.metastore_id
    assert info.properties
    columns = info.columns or []
    assert [c.position for c in columns] == list(range(len(columns)))
    zip_column = next(c for c in columns if c.name == "pickup_zip")
    assert (zip_column.type_name, zip_column.type_text) == (ColumnTypeName.INT, "int")
    # Spark's StructField JSON, as Databricks returns it: "integer", not "int".
    assert json.loads(zip_column.type_json or "") == {
        "name": "pickup_zip",
        "type": "integer",
        "nullable": True,
        "metadata": {},
    }
    pickup = next(c for c in columns if c.name == "tpep_pickup_datetime")
    assert pickup.type_name == ColumnTypeName.TIMESTAMP
    assert json.loads(pickup.type_json or "")["type"] == "timestamp"


def test_decimal_columns_carry_precision_and_scale(alice: WorkspaceClient) -> None:
    balance = next(c for c in alice.tables.get(CUSTOMER).columns or [] if c.name == "c_acctbal")
    assert (balance.type_name, balance.type_text, balance.type_precision, balance.type_scale) == (
        ColumnTypeName.DECIMAL,
        "decimal(18,2)",
        18,
        2,
    )
    assert json.loads(balance.type_json or "")["type"] == "decimal(18,2)"
    key = next(c for c in alice.tables.get(CUSTOMER).columns or [] if c.name == "c_custkey")
    assert (key.type_name, json.loads(key.type_json or "")["type"]) == (ColumnTypeName.LONG, "long")


def test_ids_are_the_same_after_a_restart(alice: WorkspaceClient, local_warehouse: LocalWarehouse) -> None:
    restarted = LocalCatalog(local_warehouse.catalog.database)
    again = table_json(restarted.tables[ORDERS])
    assert again["table_id"] == alice.tables.get(ORDERS).table_id
    assert again["table_id"] != alice.tables.get(CUSTOMER).table_id


def test_omit_columns_properties_and_username(alice: WorkspaceClient) -> None:
    full = list(alice.tables.list("samples", "tpch"))
    assert all(t.columns and t.properties and t.owner for t in full)
    lean = list(alice.tables.list("samples", "tpch", omit_columns=True, omit_properties=True, omit_username=True))
    assert [t.full_name for t in lean] == [CUSTOMER, ORDERS]
    assert all(not t.columns and not t.properties and t.owner is None and t.created_by is None for t in lean)
    assert all(t.table_id for t in lean)


def test_browse_only_tables_show_only_with_include_browse(bob: WorkspaceClient) -> None:
    assert [t.full_name for t in bob.tables.list("samples", "tpch")] == []
    browsed = list(bob.tables.list("samples", "tpch", include_browse=True))
    assert [(t.full_name, t.browse_only) for t in browsed] == [(ORDERS, True)]
    refused = _error(lambda: bob.tables.get(ORDERS))
    assert isinstance(refused, sdk_errors.PermissionDenied)
    assert refused.error_code == "PERMISSION_DENIED"
    assert "SELECT on Table 'samples.tpch.orders'" in str(refused)
    assert bob.tables.get(ORDERS, include_browse=True).browse_only is True
    assert [t.full_name for t in bob.tables.list("samples", "nyctaxi")] == [TRIPS]
    assert bob.tables.get(TRIPS).browse_only is None


@pytest.mark.parametrize(
    ("who", "call", "error_code"),
    [
        ("alice@example.com", lambda c: c.catalogs.get("nope"), "CATALOG_DOES_NOT_EXIST"),
        ("alice@example.com", lambda c: c.schemas.get("samples.nope"), "SCHEMA_DOES_NOT_EXIST"),
        ("alice@example.com", lambda c: c.tables.get("samples.tpch.nope"), "TABLE_DOES_NOT_EXIST"),
        ("alice@example.com", lambda c: c.tables.list("samples", "nope"), "SCHEMA_DOES_NOT_EXIST"),
        ("alice@example.com", lambda c: c.schemas.list("nope"), "CATALOG_DOES_NOT_EXIST"),
        ("alice@example.com", lambda c: c.tables.list_summaries("nope"), "CATALOG_DOES_NOT_EXIST"),
        ("carol@example.com", lambda c: c.schemas.get("samples.tpch"), "SCHEMA_DOES_NOT_EXIST"),
        ("carol@example.com", lambda c: c.tables.list("samples", "tpch"), "SCHEMA_DOES_NOT_EXIST"),
        ("bob@example.com", lambda c: c.tables.get(CUSTOMER, include_browse=True), "TABLE_DOES_NOT_EXIST"),
        ("bob@example.com", lambda c: c.grants.get_effective("table", CUSTOMER), "TABLE_DOES_NOT_EXIST"),
        ("bob@example.com", lambda c: c.grants.get("volume", "samples.tpch.v"), "VOLUME_DOES_NOT_EXIST"),
    ],
)
def test_absent_or_hidden_is_404_with_the_documented_code(
    client_for: Callable[[str], WorkspaceClient], who: str, call: Callable[[WorkspaceClient], Any], error_code: str
) -> None:
    error = _error(lambda: call(client_for(who)))
    assert isinstance(error, sdk_errors.NotFound)
    assert error.error_code == error_code


def test_tables_exists(alice: WorkspaceClient, bob: WorkspaceClient) -> None:
    assert alice.tables.exists(CUSTOMER).table_exists is True
    assert alice.tables.exists("samples.tpch.nope").table_exists is False
    assert bob.tables.exists(ORDERS).table_exists is True  # BROWSE is enough, as documented
    assert bob.tables.exists(CUSTOMER).table_exists is False


LISTS: dict[str, Callable[[WorkspaceClient, int], Iterator[Any]]] = {
    "catalogs": lambda c, n: c.catalogs.list(max_results=n),
    "schemas": lambda c, n: c.schemas.list("samples", max_results=n),
    "tables": lambda c, n: c.tables.list("samples", "tpch", max_results=n),
    "summaries": lambda c, n: c.tables.list_summaries("samples", max_results=n),
}


@pytest.mark.parametrize("listing", LISTS.values(), ids=LISTS.keys())
def test_max_results_below_zero_is_invalid(alice: WorkspaceClient, listing: Callable[..., Iterator[Any]]) -> None:
    error = _error(lambda: listing(alice, -1))
    assert isinstance(error, sdk_errors.InvalidParameterValue)
    assert error.error_code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize("listing", LISTS.values(), ids=LISTS.keys())
@pytest.mark.parametrize("max_results", [0, 1, 2, 10_000_000])
def test_every_page_size_lists_everything_and_ends(
    alice: WorkspaceClient, listing: Callable[..., Iterator[Any]], max_results: int
) -> None:
    whole = [item.as_dict() for item in listing(alice, 0)]
    assert whole
    assert [item.as_dict() for item in listing(alice, max_results)] == whole


def test_pages_carry_a_token_until_the_last(alice: WorkspaceClient) -> None:
    query: dict[str, Any] = {"catalog_name": "samples", "max_results": 1}
    seen: list[str] = []
    tokens = 0
    while True:
        page = alice.api_client.do("GET", "/api/2.1/unity-catalog/table-summaries", query=query)
        assert isinstance(page, dict)
        seen += [t["full_name"] for t in page["tables"]]
        if "next_page_token" not in page:
            break
        tokens += 1
        query["page_token"] = page["next_page_token"]
    assert (seen, tokens) == (ALL_TABLES, 2)


def _tables_page(client: WorkspaceClient, page_token: str) -> Any:
    query = {"catalog_name": "samples", "schema_name": "tpch", "max_results": 1, "page_token": page_token}
    return client.api_client.do("GET", "/api/2.1/unity-catalog/tables", query=query)


@pytest.mark.parametrize("token", ["of summaries", "not-a-token", "WyJ0YWJsZXM6c2FtcGxlcy50cGNoIiwtMV0="])
def test_a_page_token_of_another_listing_or_altered_is_refused(alice: WorkspaceClient, token: str) -> None:
    if token == "of summaries":
        first = alice.api_client.do(
            "GET", "/api/2.1/unity-catalog/table-summaries", query={"catalog_name": "samples", "max_results": 1}
        )
        assert isinstance(first, dict)
        token = first["next_page_token"]
    assert _error(lambda: _tables_page(alice, token)).error_code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize(
    ("schema_pattern", "table_pattern", "expected"),
    [
        (None, None, ALL_TABLES),
        ("tp%", None, [CUSTOMER, ORDERS]),
        (None, "_rders", [ORDERS]),
        ("%", "c%", [CUSTOMER]),
        ("NYC%", "TRIPS", [TRIPS]),
        (None, "cust\\_%", []),
        ("tpc", None, []),
    ],
)
def test_list_summaries_patterns(
    alice: WorkspaceClient, schema_pattern: str | None, table_pattern: str | None, expected: list[str]
) -> None:
    found = alice.tables.list_summaries("samples", schema_name_pattern=schema_pattern, table_name_pattern=table_pattern)
    assert [s.full_name for s in found] == expected


def test_list_summaries_need_select(bob: WorkspaceClient) -> None:
    """Summaries are of tables the caller may read: Bob's BROWSE on orders is not enough."""
    assert [(s.full_name, s.table_type) for s in bob.tables.list_summaries("samples")] == [(TRIPS, TableType.MANAGED)]


def test_grants_get_lists_direct_grants_per_principal(client_for: Callable[[str], WorkspaceClient]) -> None:
    admin = client_for("app")
    on_catalog = {a.principal: a.privileges for a in admin.grants.get("catalog", "samples").privilege_assignments or []}
    assert set(on_catalog) == {admin.config.client_id, "analysts", "carol@example.com"}
    assert [p.value for p in on_catalog["analysts"] or []] == ["USE_CATALOG", "USE_SCHEMA"]
    only = admin.grants.get("table", ORDERS, principal="analysts").privilege_assignments or []
    assert [(a.principal, [p.value for p in a.privileges or []]) for a in only] == [("analysts", ["BROWSE"])]
    on_schema = admin.grants.get("schema", "samples.tpch").privilege_assignments or []
    assert [(a.principal, [p.value for p in a.privileges or []]) for a in on_schema] == [
        ("data-scientists", ["SELECT"])
    ]


def test_effective_grants_show_where_each_privilege_comes_from(client_for: Callable[[str], WorkspaceClient]) -> None:
    admin = client_for("app")
    assignments = admin.grants.get_effective("table", ORDERS, principal="analysts").privilege_assignments or []
    assert len(assignments) == 1
    assert assignments[0].principal == "analysts"
    by_privilege = {p.privilege.value: p for p in assignments[0].privileges or [] if p.privilege}
    assert by_privilege["BROWSE"].inherited_from_name is None  # granted on the table itself
    use_catalog = by_privilege["USE_CATALOG"]
    assert use_catalog.inherited_from_type is not None
    assert (use_catalog.inherited_from_type.value, use_catalog.inherited_from_name) == ("CATALOG", "samples")
    everyone = {a.principal for a in admin.grants.get_effective("table", ORDERS).privilege_assignments or []}
    assert {"analysts", "data-scientists", admin.config.client_id} <= everyone


def test_a_user_sees_only_their_own_grants(bob: WorkspaceClient) -> None:
    mine = bob.grants.get_effective("table", ORDERS).privilege_assignments or []
    assert [a.principal for a in mine] == ["analysts"]  # Bob's group; not data-scientists' SELECT
    assert bob.grants.get_effective("table", ORDERS, principal="analysts").privilege_assignments
    refused = _error(lambda: bob.grants.get_effective("table", ORDERS, principal="data-scientists"))
    assert isinstance(refused, sdk_errors.PermissionDenied)
    assert refused.error_code == "PERMISSION_DENIED"


@pytest.mark.parametrize("max_results", [-1, 1, 149])
def test_grants_max_results_outside_the_documented_range_is_invalid(bob: WorkspaceClient, max_results: int) -> None:
    direct = _error(lambda: bob.grants.get("table", TRIPS, max_results=max_results))
    effective = _error(lambda: bob.grants.get_effective("table", TRIPS, max_results=max_results))
    assert direct.error_code == effective.error_code == "INVALID_PARAMETER_VALUE"
    assert bob.grants.get_effective("table", TRIPS, max_results=150).privilege_assignments


def test_an_unknown_securable_type_is_invalid(bob: WorkspaceClient) -> None:
    error = _error(lambda: bob.grants.get_effective("bogus", TRIPS))
    assert isinstance(error, sdk_errors.InvalidParameterValue)


def test_well_known_config_names_the_account(workspace: RunningServer, alice: WorkspaceClient) -> None:
    config = requests.get(f"{workspace.url}/.well-known/databricks-config", timeout=5).json()
    assert uuid.UUID(config["account_id"])
    assert config["workspace_id"] == "1000000000000001"
    assert alice.config.account_id == config["account_id"]  # the SDK resolves it from there
    assert alice.config.workspace_id == "1000000000000001"


def test_tables_get_shows_the_row_filter_and_the_column_mask(alice: WorkspaceClient) -> None:
    trips = alice.tables.get(TRIPS)
    assert trips.row_filter is not None
    assert (trips.row_filter.function_name, trips.row_filter.input_column_names) == (
        "samples.nyctaxi.manhattan_for_carol",
        ["pickup_zip"],
    )
    masks = {c.name: c.mask for c in alice.tables.get(CUSTOMER).columns or [] if c.mask}
    assert list(masks) == ["c_phone"]
    assert masks["c_phone"].function_name == "samples.tpch.phone_for_admins"
    assert alice.tables.get(ORDERS).row_filter is None


def _run(database: Path, sql: str) -> list[tuple[Any, ...]]:
    """A Databricks SQL statement run over the sample data (translated to DuckDB)."""
    with duckdb.connect(str(database), read_only=True) as db:
        return db.execute(sqlglot.transpile(sql, read="databricks", write="duckdb")[0]).fetchall()


def test_policies_apply_to_one_caller_as_declared(local_warehouse: LocalWarehouse, directory: Directory) -> None:
    catalog, database = local_warehouse.catalog, local_warehouse.catalog.database
    carol, bob = (directory.user(n) for n in ("carol@example.com", "bob@example.com"))
    assert carol is not None
    assert bob is not None
    carols = catalog.policies(carol.principal, TRIPS)
    assert carols.masks == {}
    assert carols.row_filter is not None
    zips = _run(
        database, f"SELECT min(pickup_zip), max(pickup_zip), count(*) FROM nyctaxi.trips WHERE {carols.row_filter}"
    )
    total = _run(
        database, f"SELECT count(*) FROM nyctaxi.trips WHERE {catalog.policies(bob.principal, TRIPS).row_filter}"
    )
    assert zips[0][0] >= 10001
    assert zips[0][1] <= 10282
    assert 0 < zips[0][2] < total[0][0]
    assert total == _run(database, "SELECT count(*) FROM nyctaxi.trips")
    assert catalog.policies(bob.principal, "samples.tpch.orders").row_filter is None


def test_the_phone_mask_spares_only_admins(local_warehouse: LocalWarehouse, directory: Directory) -> None:
    catalog, database = local_warehouse.catalog, local_warehouse.catalog.database
    alice = directory.user("alice@example.com")
    assert alice is not None
    admin = Principal("1", "root@example.com", "Root", groups=("admins",))
    for who, masked in ((alice.principal, True), (admin, False)):
        mask = catalog.policies(who, CUSTOMER).masks["c_phone"]
        shown = _run(database, f"SELECT {mask}, c_phone FROM tpch.customer LIMIT 5")
        assert shown
        assert all((value.startswith("***-***-") and value[-4:] == raw[-4:]) == masked for value, raw in shown)
        assert all((value == raw) != masked for value, raw in shown)


BAD_POLICIES = {
    "unknown table": 'table = "samples.tpch.nope"\ncolumns = ["x"]\nparameters = ["x"]\nbody = "x > 0"',
    "unknown column": 'table = "samples.nyctaxi.trips"\ncolumns = ["nope"]\nparameters = ["x"]\nbody = "x > 0"',
    "not a parameter": 'table = "samples.nyctaxi.trips"\ncolumns = ["pickup_zip"]\nparameters = ["z"]\nbody = "y > 0"',
    "arity": 'table = "samples.nyctaxi.trips"\ncolumns = ["pickup_zip"]\nparameters = ["a", "b"]\nbody = "a > b"',
    "not SQL": 'table = "samples.nyctaxi.trips"\ncolumns = ["pickup_zip"]\nparameters = ["z"]\nbody = "z >> >"',
}


@pytest.mark.parametrize("declaration", BAD_POLICIES.values(), ids=BAD_POLICIES.keys())
def test_a_bad_row_filter_stops_the_catalog(local_warehouse: LocalWarehouse, tmp_path: Path, declaration: str) -> None:
    grants = tmp_path / "grants.toml"
    function = 'function = "samples.nyctaxi.f"\n'
    text = GRANTS_FILE.read_text(encoding="utf-8").split("[[row_filters]]")[0]
    grants.write_text(f"{text}[[row_filters]]\n{function}{declaration}\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"row_filters\[0\]"):
        LocalCatalog(local_warehouse.catalog.database, grants)


def test_browse_on_a_catalog_shows_it_only_as_browse_results(
    local_warehouse: LocalWarehouse, directory: Directory, tmp_path: Path
) -> None:
    """With BROWSE on the catalog and nothing else, Carol sees its metadata only when she asks for browse results."""
    grants = tmp_path / "grants.toml"
    grants.write_text(
        '[[grants]]\nprincipal = "carol@example.com"\nsecurable = "catalog"\nname = "samples"\n'
        'privileges = ["BROWSE"]\n',
        encoding="utf-8",
    )
    catalog = LocalCatalog(local_warehouse.catalog.database, grants)
    running = serve_in_thread(create_workspace_app(directory, catalog=catalog))
    try:
        carol = WorkspaceClient(host=running.url, token="dapi-local-carol-0003")
        assert [c.name for c in carol.catalogs.list()] == []
        assert [(c.name, c.browse_only) for c in carol.catalogs.list(include_browse=True)] == [("samples", True)]
        refused = _error(lambda: carol.catalogs.get("samples"))
        assert isinstance(refused, sdk_errors.PermissionDenied)
        assert "User does not have USE CATALOG on Catalog 'samples'." in str(refused)
        assert carol.catalogs.get("samples", include_browse=True).browse_only is True
        assert carol.schemas.get("samples.tpch", include_browse=True).browse_only is True
        assert [t.full_name for t in carol.tables.list("samples", "tpch", include_browse=True)] == [CUSTOMER, ORDERS]
        assert list(carol.tables.list_summaries("samples")) == []  # summaries need SELECT
    finally:
        running.stop()
