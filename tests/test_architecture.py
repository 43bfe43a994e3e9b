"""The folders are the layers: core ← services ← components ← pages ← dashboard, with no import circle.

A lower layer never imports a higher one, so a service can be tested, reused or replaced without the app
around it, and a page finds where its data comes from in one hop."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imports import find_import_cycles, import_graph

ROOT = Path(__file__).resolve().parents[1]
# Each layer and the layers of the app it may import (besides itself and third-party packages).
ALLOWED = {
    "core": set(),
    "services": {"core"},
    "components": {"core", "services"},
    "pages": {"core", "services", "components"},
    "dashboard": {"core", "services", "components", "pages"},
}
MAX_LINES = {"services": 400, "pages": 250}


def test_the_repository_has_no_import_cycle() -> None:
    assert find_import_cycles(ROOT, "") == []


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it(layer: str) -> None:
    graph = import_graph(ROOT, "")
    app_layers = set(ALLOWED)
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module.split(".")[0] == layer
        for target in targets
        if target.split(".")[0] in app_layers - ALLOWED[layer] - {layer}
    )
    assert wrong == []


@pytest.mark.parametrize(("folder", "limit"), sorted(MAX_LINES.items()))
def test_modules_stay_short(folder: str, limit: int) -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > limit
    }
    assert long == {}


def test_the_import_graph_sees_the_layers() -> None:
    # Guards the guard: were the graph empty (a wrong root), every test above would pass vacuously.
    graph = import_graph(ROOT, "")
    assert "core.settings" in graph["services.workspace"]
    assert "services.preferences" in graph["pages.preferences"]
