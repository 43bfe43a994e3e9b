"""Unity Catalog of the local workspace: the sample catalog in DuckDB, with the grants, metastore admins, row
filters and column masks of grants.toml. Its REST API is catalog_api.py; the objects' JSON is uc_models.py.

Answers for the caller's identity as Unity Catalog does: a securable the caller holds no privilege on is absent;
one they may only BROWSE shows only where the request asks for browse results (include_browse).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from local_workspace.identities import Principal
from local_workspace.uc_models import CATALOG, OWNER, Column, Table, uc_type
from local_workspace.uc_policies import Policies, TablePolicies, load_policies

__all__ = ["CATALOG", "OWNER", "Column", "Grant", "LocalCatalog", "Table", "TablePolicies", "uc_type"]

DEFAULT_GRANTS_FILE = Path(__file__).with_name("grants.toml")
# What ALL_PRIVILEGES lets its holder do, for the checks here (the REST API still shows ALL_PRIVILEGES itself).
ALL_PRIVILEGES = ("USE_CATALOG", "USE_SCHEMA", "SELECT", "BROWSE", "MODIFY")
# Every account user is in this group (Unity Catalog's built-in one).
ACCOUNT_USERS = "account users"
Access = Literal["full", "browse"]
SecurableKind = Literal["catalog", "schema", "table"]
KINDS: tuple[SecurableKind, ...] = ("catalog", "schema", "table")


@dataclass(frozen=True)
class Grant:
    principal: str
    securable: str  # catalog | schema | table
    name: str
    privileges: frozenset[str]


class LocalCatalog:
    """Catalog metadata, grants and policies; DuckDB holds the data."""

    def __init__(self, database: Path, grants_file: Path = DEFAULT_GRANTS_FILE) -> None:
        self.database = database
        data = tomllib.loads(grants_file.read_text(encoding="utf-8"))
        self.grants = tuple(
            Grant(g["principal"], g["securable"], g["name"].lower(), frozenset(g["privileges"])) for g in data["grants"]
        )
        self.metastore_admins = frozenset(data.get("metastore_admins", ()))
        self.tables = self._read_tables()
        self.declared_policies: Policies = load_policies(
            data, {name: [c.name for c in t.columns] for name, t in self.tables.items()}
        )

    def _read_tables(self) -> dict[str, Table]:
        with duckdb.connect(str(self.database), read_only=True) as db:
            rows = db.execute(
                "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE schema_name <> 'main'"
            ).fetchall()
            tables = {}
            for schema, name, comment in rows:
                columns = db.execute(
                    "SELECT column_name, data_type, column_index, is_nullable, comment FROM duckdb_columns() "
                    "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
                    [schema, name],
                ).fetchall()
                table = Table(CATALOG, schema, name, comment, tuple(_column(*c) for c in columns))
                tables[table.full_name] = table
        return tables

    # Privileges -----------------------------------------------------------------------------------
    def holders(self, principal: Principal) -> set[str]:
        """The principal names whose grants `principal` holds: itself, its groups, and account users."""
        return {principal.user_name, *principal.groups, ACCOUNT_USERS}

    def is_admin(self, principal: Principal) -> bool:
        """Whether `principal` is a metastore admin (who may see and read everything, and every grant)."""
        return principal.user_name in self.metastore_admins

    def held_by(self, holders: set[str], full_name: str) -> dict[str, str]:
        """Privileges `holders` hold on a securable, each with the securable it is granted on (itself or a parent)."""
        parts = full_name.lower().split(".")
        found: dict[str, str] = {}
        for grant in self.grants:
            if grant.principal in holders and grant.name.split(".") == parts[: grant.name.count(".") + 1]:
                for privilege in sorted(grant.privileges):
                    found.setdefault(privilege, grant.name)
        return found

    def privileges(self, principal: Principal, full_name: str) -> dict[str, str]:
        """Privileges of `principal` on a securable, each with where it is inherited from (ALL_PRIVILEGES
        expanded into what it allows)."""
        found = self.held_by(self.holders(principal), full_name)
        if "ALL_PRIVILEGES" in found:
            source = found["ALL_PRIVILEGES"]
            for privilege in ALL_PRIVILEGES:
                found.setdefault(privilege, source)
        return found

    def access(self, principal: Principal, kind: SecurableKind, full_name: str) -> Access | None:
        """How `principal` may see an existing securable: "full", "browse" (metadata only), or None (hidden)."""
        if self.is_admin(principal):
            return "full"
        held = self.privileges(principal, full_name)
        parts = full_name.lower().split(".")
        parent: Access | None = "full"
        if kind != "catalog":
            parent = self.access(principal, KINDS[len(parts) - 2], ".".join(parts[:-1]))
        needed = {"catalog": "USE_CATALOG", "schema": "USE_SCHEMA", "table": "SELECT"}[kind]
        if parent == "full" and needed in held:
            return "full"
        return "browse" if "BROWSE" in held else None

    def missing_privilege(self, principal: Principal, full_name: str) -> str:
        """Why `principal` may not fully use a securable they may see, in Unity Catalog's words."""
        parts = full_name.lower().split(".")
        checks = (("USE CATALOG", "Catalog"), ("USE SCHEMA", "Schema"), ("SELECT", "Table"))
        for depth, (privilege, label) in enumerate(checks[: len(parts)]):
            name = ".".join(parts[: depth + 1])
            if self.access(principal, KINDS[depth], name) != "full":
                return f"User does not have {privilege} on {label} '{name}'."
        return f"User does not have BROWSE on {checks[len(parts) - 1][1]} '{full_name.lower()}'."

    # Lookups (the warehouse calls these) ------------------------------------------------------------------
    def can_see_catalog(self, principal: Principal, catalog: str) -> bool:
        return catalog.lower() == CATALOG and self.access(principal, "catalog", catalog) is not None

    def can_see_schema(self, principal: Principal, catalog: str, schema: str) -> bool:
        return (
            self.schema_exists(catalog, schema) and self.access(principal, "schema", f"{catalog}.{schema}") is not None
        )

    def can_see_table(self, principal: Principal, table: Table) -> bool:
        return self.access(principal, "table", table.full_name) is not None

    def can_select(self, principal: Principal, table: Table) -> bool:
        return self.access(principal, "table", table.full_name) == "full"

    def schema_exists(self, catalog: str, schema: str) -> bool:
        return any(t.catalog == catalog.lower() and t.schema == schema.lower() for t in self.tables.values())

    def catalogs(self, principal: Principal, *, include_browse: bool = True) -> list[str]:
        """The catalogs `principal` may see (with include_browse=False, only those they may use)."""
        wanted = ("full", "browse") if include_browse else ("full",)
        return [CATALOG] if self.access(principal, "catalog", CATALOG) in wanted else []

    def schemas(self, principal: Principal, catalog: str, *, include_browse: bool = True) -> list[str]:
        """The schemas of `catalog` `principal` may see (with include_browse=False, only those they may use)."""
        wanted = ("full", "browse") if include_browse else ("full",)
        names = sorted({t.schema for t in self.tables.values() if t.catalog == catalog.lower()})
        return [s for s in names if self.access(principal, "schema", f"{catalog.lower()}.{s}") in wanted]

    def visible_tables(
        self, principal: Principal, catalog: str, schema: str, *, include_browse: bool = True
    ) -> list[Table]:
        """The tables of one schema `principal` may see, by name (with include_browse=False, those they may read)."""
        wanted = ("full", "browse") if include_browse else ("full",)
        return [
            t
            for t in sorted(self.tables.values(), key=lambda t: t.full_name)
            if t.catalog == catalog.lower()
            and t.schema == schema.lower()
            and self.access(principal, "table", t.full_name) in wanted
        ]

    def table(self, principal: Principal, full_name: str) -> Table | None:
        """The table if it exists and the principal may see it (read or browse); None otherwise (as UC hides it)."""
        table = self.tables.get(full_name.lower())
        return table if table is not None and self.can_see_table(principal, table) else None

    # Grants as the REST API shows them ---------------------------------------------------------------------
    def grant_holders(self, full_name: str, *, inherited: bool) -> list[str]:
        """Every principal with a grant on the securable (and, with `inherited`, on its parents), by name."""
        parts = full_name.lower().split(".")
        return sorted(
            {
                g.principal
                for g in self.grants
                if g.name.split(".") == parts[: g.name.count(".") + 1] and (inherited or g.name == full_name.lower())
            }
        )

    def direct_privileges(self, holder: str, full_name: str) -> list[str]:
        """The privileges granted to `holder` on the securable itself (not inherited)."""
        return sorted(
            {p for g in self.grants if g.principal == holder and g.name == full_name.lower() for p in g.privileges}
        )

    # Row filters and column masks --------------------------------------------------------------------------
    def policies(self, principal: Principal, table: str) -> TablePolicies:
        """The row filter and column masks of `table` (catalog.schema.table) as they apply to `principal`:
        Databricks SQL over the table's columns, current_user() and is_account_group_member() already resolved
        for the principal. Empty when the table declares none."""
        return self.declared_policies.for_principal(principal, table.lower())


def _column(name: str, duckdb_type: str, index: int, nullable: bool, comment: str | None) -> Column:
    type_name, type_text, precision, scale = uc_type(duckdb_type)
    return Column(name, type_name, type_text, index - 1, nullable, precision, scale, comment)
