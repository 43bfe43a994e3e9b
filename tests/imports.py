"""The import graph of a folder of modules, read with `ast` (nothing is imported): for the tests that keep
the layers apart and the imports free of circles.

`import_graph` and `find_import_cycles` check any folder: a package, or the repository root with
`package_name=""`.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path


def _module_names(package_dir: Path, package_name: str) -> dict[str, Path]:
    """Every module under `package_dir` by dotted name (a package by its own name, for its __init__.py)."""
    modules: dict[str, Path] = {}
    for folder, subfolders, files in os.walk(package_dir):
        # Hidden folders (.venv, .local) and bytecode caches hold no modules of the project; not entering them
        # keeps a walk of the repository root quick.
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d != "__pycache__")
        for file in sorted(f for f in files if f.endswith(".py")):
            path = Path(folder, file)
            relative = path.relative_to(package_dir).with_suffix("")
            parts = [p for p in [*package_name.split("."), *relative.parts] if p]
            if parts and parts[-1] == "__init__":
                parts.pop()
            if parts:
                modules[".".join(parts)] = path
    return modules


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """`name`, or its longest prefix that is a module of ours; None for a module from elsewhere."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Our modules that `module` imports anywhere in its file (function bodies and TYPE_CHECKING blocks too)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(m for alias in node.names if (m := _known(alias.name, modules)))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # A relative import counts up from the module's package (a package's __init__ is its own).
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                # `from pkg import sub` imports the submodule when there is one, else a name of pkg itself.
                target = _known(f"{source}.{alias.name}", modules) if alias.name != "*" else None
                if target != f"{source}.{alias.name}":
                    target = _known(source, modules)
                if target:
                    found.add(target)
    found.discard(module)
    return found


def import_graph(package_dir: Path, package_name: str) -> dict[str, set[str]]:
    """Each module under `package_dir` and the modules of that same tree it imports."""
    modules = _module_names(package_dir, package_name)
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def find_import_cycles(package_dir: Path, package_name: str) -> list[list[str]]:
    """One import circle per strongly connected group of modules, as a path [a, b, ..., a]; [] when none."""
    graph = import_graph(package_dir, package_name)
    # Tarjan's algorithm, iterative, so a deep tree cannot reach Python's recursion limit.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return [_circle(group, graph) for group in sorted(groups)]


def _circle(group: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, through the group only."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child == start:
                    return [*paths[node], start]
                if child not in paths:
                    paths[child] = [*paths[node], child]
                    following.append(child)
        frontier = following
    return [*group, start]  # unreachable for a strongly connected group; kept total for the type checker
