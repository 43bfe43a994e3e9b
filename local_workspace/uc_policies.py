"""Row filters and column masks of the local Unity Catalog, declared in grants.toml as Databricks does them:
a SQL function (parameters and a body in Databricks SQL that may call current_user() and
is_account_group_member()) bound to a table's columns.

Databricks: `CREATE FUNCTION f(zip INT) RETURN <body>` then `ALTER TABLE t SET ROW FILTER f ON (pickup_zip)`, or
`ALTER TABLE t ALTER COLUMN c SET MASK f USING COLUMNS (...)`. Here the declaration names the function, its
parameters, its body and the columns it is bound to; `TablePolicies` gives the warehouse the expression to apply
for one caller, over the table's own columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

from local_workspace.identities import Principal


class PolicyError(ValueError):
    """A row filter or column mask in grants.toml that Databricks would not accept."""


@dataclass(frozen=True)
class PolicyFunction:
    """A SQL function used as a row filter or column mask: its full name, parameter names and body."""

    name: str
    parameters: tuple[str, ...]
    body: exp.Expr

    def bound(self, principal: Principal, columns: Sequence[str]) -> str:
        """The body for `principal`, each parameter replaced by its column, as Databricks SQL: current_user()
        becomes the caller's user name and is_account_group_member('g') TRUE or FALSE."""
        by_parameter = dict(zip(self.parameters, columns, strict=True))

        def rewrite(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Column) and not node.table and node.name.lower() in by_parameter:
                return exp.column(by_parameter[node.name.lower()], quoted=True)
            if isinstance(node, exp.CurrentUser):
                return exp.Literal.string(principal.user_name)
            if isinstance(node, exp.Anonymous) and node.name.lower() == "is_account_group_member":
                group = node.expressions[0]
                return exp.Boolean(this=isinstance(group, exp.Literal) and group.this in principal.groups)
            return node

        return self.body.copy().transform(rewrite).sql(dialect="databricks")


@dataclass(frozen=True)
class Binding:
    """A policy function bound to a table's columns: for a row filter, the columns passed to it; for a column
    mask, the masked column first, then its `using` columns."""

    function: PolicyFunction
    columns: tuple[str, ...]

    def row_filter(self) -> dict[str, Any]:
        """TableInfo.row_filter as the REST API shows it."""
        return {"function_name": self.function.name, "input_column_names": list(self.columns)}

    def mask(self) -> dict[str, Any]:
        """ColumnInfo.mask as the REST API shows it."""
        return {"function_name": self.function.name, "using_column_names": list(self.columns[1:])}


@dataclass(frozen=True)
class TablePolicies:
    """What the warehouse applies for one caller on one table: a boolean expression rows must satisfy (None when
    the table has no row filter) and, by column name, the expression that replaces the column's value. Each is
    Databricks SQL over the table's own column names (quoted), with the caller's identity already substituted."""

    row_filter: str | None = None
    masks: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Policies:
    """Every declared row filter (by table full name) and column mask (by table, then column)."""

    row_filters: Mapping[str, Binding] = field(default_factory=dict)
    masks: Mapping[str, Mapping[str, Binding]] = field(default_factory=dict)

    def for_principal(self, principal: Principal, table: str) -> TablePolicies:
        """The row filter and masks of `table` (a full name) as they apply to `principal`."""
        found = self.row_filters.get(table)
        row_filter = found.function.bound(principal, found.columns) if found else None
        masks = {
            column: mask.function.bound(principal, mask.columns) for column, mask in self.masks.get(table, {}).items()
        }
        return TablePolicies(row_filter, masks)


def _function(entry: Mapping[str, Any], arguments: int, where: str) -> PolicyFunction:
    name, body, parameters = entry.get("function"), entry.get("body"), entry.get("parameters")
    if not isinstance(name, str) or name.count(".") != 2:
        raise PolicyError(f"{where}: 'function' is the full name catalog.schema.function.")
    if not isinstance(parameters, list) or not all(isinstance(p, str) and p.isidentifier() for p in parameters):
        raise PolicyError(f"{where}: 'parameters' is a list of parameter names.")
    if len(parameters) != arguments:
        raise PolicyError(f"{where}: {name} takes {len(parameters)} parameters but is bound to {arguments} columns.")
    try:
        tree = sqlglot.parse_one(str(body), read="databricks")
    except sqlglot.errors.ParseError as error:
        raise PolicyError(f"{where}: the body of {name} is not Databricks SQL: {error}") from None
    names = {p.lower() for p in parameters}
    unknown = sorted({c.name for c in tree.find_all(exp.Column) if c.table or c.name.lower() not in names})
    if unknown:
        raise PolicyError(f"{where}: the body of {name} refers to {unknown}, which are not its parameters.")
    return PolicyFunction(name.lower(), tuple(p.lower() for p in parameters), tree)


def load_policies(data: Mapping[str, Any], columns_of: Mapping[str, Sequence[str]]) -> Policies:
    """The [[row_filters]] and [[column_masks]] of grants.toml, checked against the tables' columns
    (`columns_of`: column names by table full name); PolicyError names what is wrong."""

    def checked(table: object, columns: Sequence[object], where: str) -> tuple[str, tuple[str, ...]]:
        known = columns_of.get(str(table).lower())
        if known is None:
            raise PolicyError(f"{where}: no table {table!r}.")
        missing = [c for c in columns if c not in known]
        if missing:
            raise PolicyError(f"{where}: {table} has no column {missing[0]!r}.")
        return str(table).lower(), tuple(str(c) for c in columns)

    row_filters: dict[str, Binding] = {}
    for index, entry in enumerate(data.get("row_filters", ())):
        where = f"row_filters[{index}]"
        table, columns = checked(entry.get("table"), entry.get("columns", ()), where)
        if table in row_filters:
            raise PolicyError(f"{where}: {table} already has a row filter (a table has at most one).")
        row_filters[table] = Binding(_function(entry, len(columns), where), columns)
    masks: dict[str, dict[str, Binding]] = {}
    for index, entry in enumerate(data.get("column_masks", ())):
        where = f"column_masks[{index}]"
        table, columns = checked(entry.get("table"), [entry.get("column"), *entry.get("using", ())], where)
        if columns[0] in masks.get(table, {}):
            raise PolicyError(f"{where}: {table}.{columns[0]} already has a mask (a column has at most one).")
        masks.setdefault(table, {})[columns[0]] = Binding(_function(entry, len(columns), where), columns)
    return Policies(row_filters, masks)
