"""The local workspace's modules import one another without a circle."""

from __future__ import annotations

from pathlib import Path

import local_workspace
from tests.imports import find_import_cycles, import_graph

PACKAGE_DIR = Path(local_workspace.__file__).resolve().parent


def test_local_workspace_has_no_import_cycle() -> None:
    assert find_import_cycles(PACKAGE_DIR, "local_workspace") == []


def test_only_the_stack_imports_the_server() -> None:
    # The server mounts every stand-in's blueprint; a stand-in importing it back would close a circle.
    graph = import_graph(PACKAGE_DIR, "local_workspace")
    assert sorted(name for name, imported in graph.items() if "local_workspace.server" in imported) == [
        "local_workspace.stack"
    ]


def test_the_blueprints_live_beside_their_stand_ins() -> None:
    graph = import_graph(PACKAGE_DIR, "local_workspace")
    assert graph["local_workspace.errors"] == {"local_workspace.identities"}
    assert "local_workspace.warehouse" not in graph["local_workspace.catalog"]


def test_cycles_are_found_in_function_bodies_type_checking_blocks_and_relative_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "a.py").write_text("from pkg.b import thing\n", encoding="utf-8")
    (package / "b.py").write_text("def thing():\n    from . import a\n", encoding="utf-8")
    (package / "sub" / "__init__.py").write_text("from .c import x\n", encoding="utf-8")
    (package / "sub" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.sub\nimport os\n", encoding="utf-8"
    )
    (package / "d.py").write_text("import pkg.a\nfrom pkg import sub\n", encoding="utf-8")

    assert find_import_cycles(package, "pkg") == [["pkg.a", "pkg.b", "pkg.a"], ["pkg.sub", "pkg.sub.c", "pkg.sub"]]
    assert import_graph(package, "pkg")["pkg.d"] == {"pkg.a", "pkg.sub"}


def test_a_tree_without_cycles_has_none(tmp_path: Path) -> None:
    (tmp_path / "top.py").write_text("import lower\nimport json\n", encoding="utf-8")
    (tmp_path / "lower.py").write_text("from json import dumps\n", encoding="utf-8")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "top.py").write_text("import lower\n", encoding="utf-8")

    assert find_import_cycles(tmp_path, "") == []
    assert import_graph(tmp_path, "") == {"lower": set(), "top": {"lower"}}
