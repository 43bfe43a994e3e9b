"""Row filters and column masks applied to a statement, as Unity Catalog applies them to every query.

Each reference to a table with a policy for the caller becomes a derived table over the same name:
`(SELECT <mask> AS c1, c2, ... FROM the_table WHERE <row filter>) AS <alias or table name>`, before the
statement is translated to DuckDB (the policies are Databricks SQL, so they are translated with it). Whatever
the statement does with the table afterwards (join, filter, group, order, aggregate, export) sees only the
filtered rows and masked values: a caller cannot learn a masked value by filtering on it.

A policy that does nothing for the caller (a row filter that simplifies to TRUE, a mask that simplifies to
the column itself, as `IF(current_user() = 'carol@example.com', ..., TRUE)` does for anyone but Carol) is
dropped, so such callers pay nothing at run time.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.simplify import simplify

from local_workspace.catalog import LocalCatalog
from local_workspace.dialect import LocalDatabricks
from local_workspace.identities import Principal
from local_workspace.uc_models import Table
from local_workspace.uc_policies import Policies

# One cached answer per caller and table; bounded (a few users times a few tables locally).
MAX_CACHED = 1024


@dataclass(frozen=True)
class Effective:
    """The derived table that replaces one policed table for one caller (copied before each use)."""

    select: exp.Select


def _parsed(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read=LocalDatabricks)


def _is_noop_filter(condition: exp.Expr) -> bool:
    simplified = simplify(condition.copy())
    return isinstance(simplified, exp.Boolean) and simplified.this is True


def _is_noop_mask(mask: exp.Expr, column: str) -> bool:
    simplified = simplify(mask.copy())
    return isinstance(simplified, exp.Column) and not simplified.table and simplified.name == column


def derived_select(table: Table, row_filter: str | None, masks: dict[str, str]) -> exp.Select | None:
    """The SELECT that stands for `table` under these policies (Databricks SQL over its column names), or None
    when they change nothing."""
    condition = _parsed(row_filter) if row_filter else None
    if condition is not None and _is_noop_filter(condition):
        condition = None
    expressions = {name: _parsed(sql) for name, sql in masks.items()}
    effective = {name: mask for name, mask in expressions.items() if not _is_noop_mask(mask, name)}
    if condition is None and not effective:
        return None
    projections = [
        exp.alias_(effective[c.name], c.name, quoted=True) if c.name in effective else exp.column(c.name, quoted=True)
        for c in table.columns
    ]
    select = exp.select(*projections).from_(exp.table_(table.name, db=table.schema, catalog=table.catalog, quoted=True))
    return select.where(condition) if condition is not None else select


class PolicyApplier:
    """Applies the caller's row filters and column masks to the table references of a statement."""

    def __init__(self, catalog: LocalCatalog) -> None:
        self.catalog = catalog
        self._cache: dict[tuple[Principal, str], Effective | None] = {}
        self._cached_for: Policies | None = None
        self._lock = threading.Lock()

    def effective(self, principal: Principal, table: Table) -> Effective | None:
        """What replaces `table` for `principal` (None when no policy changes anything for them)."""
        key = (principal, table.full_name)
        with self._lock:
            if self._cached_for is not self.catalog.declared_policies:  # a reloaded catalog: start again
                self._cache.clear()
                self._cached_for = self.catalog.declared_policies
            if key in self._cache:
                return self._cache[key]
        declared = self.catalog.declared_policies
        found: Effective | None = None
        if table.full_name in declared.row_filters or table.full_name in declared.masks:
            policies = self.catalog.policies(principal, table.full_name)
            select = derived_select(table, policies.row_filter, policies.masks)
            found = Effective(select) if select is not None else None
        with self._lock:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            self._cache[key] = found
        return found

    def apply(self, principal: Principal, tree: exp.Expr, references: Sequence[tuple[exp.Table, Table]]) -> None:
        """Replace each reference to a policed table in `tree` (in place) by its derived table."""
        replaced: set[str] = set()
        for reference, table in references:
            found = self.effective(principal, table)
            if found is None:
                continue
            alias = reference.args.get("alias")
            if alias is None:
                alias = exp.TableAlias(this=reference.this.copy())
                replaced.add(table.full_name)
            select = found.select.copy()
            source = select.find(exp.Table)
            for clause in ("version", "sample"):  # time travel and sampling read the table itself, as written
                if reference.args.get(clause) is not None and source is not None:
                    source.set(clause, reference.args[clause])
            derived = exp.Subquery(this=select, alias=alias.copy())
            if reference.args.get("pivots"):
                derived.set("pivots", reference.args["pivots"])
            reference.replace(derived)
        if replaced:
            _unqualify_columns(tree, replaced)


def _unqualify_columns(tree: exp.Expr, replaced: set[str]) -> None:
    """`samples.tpch.customer.c_phone` or `tpch.customer.c_phone` as `customer.c_phone`: the derived table is
    named after the table alone, as a column qualified by its schema still names it in Databricks."""
    for column in tree.find_all(exp.Column):
        schema = column.args.get("db")
        if schema is None or not column.table:
            continue
        catalog = column.args.get("catalog")
        prefix = f"{catalog.name}." if catalog is not None else ""
        suffix = f".{schema.name}.{column.table}".lower()
        if any(name.endswith(suffix) and name.startswith(prefix.lower()) for name in replaced):
            column.set("db", None)
            column.set("catalog", None)
