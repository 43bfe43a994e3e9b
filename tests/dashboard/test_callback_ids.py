"""Every callback's ids and properties exist: the check Dash's browser side makes against every page's layout
(its "validation layout"), made here once, since the app does not send that layout with each page load
(suppress_callback_exceptions, dashboard/__init__.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import dash
import pytest
from dash.development.base_component import Component

from core.request_context import user_var
from core.settings import Settings
from dashboard import create_app
from dashboard.shell import layout as shell_layout


def components(tree: Any) -> Iterator[Component]:
    """Every component of a layout, depth first."""
    if isinstance(tree, (list, tuple)):
        for item in tree:
            yield from components(item)
    elif isinstance(tree, Component):
        yield tree
        # `children`, and the other properties that hold components ("label", "options[].label", ...).
        for name in {"children", *(p.split(".")[0].split("[")[0] for p in tree._children_props)}:
            yield from components(getattr(tree, name, None))


def every_page_and_the_shell(app: dash.Dash) -> list[Component]:
    """Each page's layout and the shell's, built as Dash builds its validation layout: in a request, with no
    user."""
    with app.server.test_request_context("/"):
        signed_in = user_var.set(None)
        try:
            layouts = [page["layout"] for page in dash.page_registry.values()]
            pages = [layout() if callable(layout) else layout for layout in layouts]
            return [*pages, shell_layout()]
        finally:
            user_var.reset(signed_in)


def dependencies(app: dash.Dash) -> Iterator[tuple[str, str, str]]:
    """(callback's outputs, id, property) of each Output, Input and State with a plain (not pattern) id."""
    for callback in app._callback_list:
        outputs = str(callback["output"])
        # "..a.prop...b.prop.." for several outputs, "a.prop@<hash>" for a duplicate one, a bare hash for none.
        parts = [
            (part.rsplit(".", 1)[0], part.rsplit(".", 1)[1].split("@")[0])
            for part in outputs.strip(".").split("...")
            if "." in part
        ]
        parts += [(str(d["id"]), str(d["property"])) for d in [*callback["inputs"], *callback["state"]]]
        for component_id, prop in parts:
            if not component_id.startswith("{"):
                yield outputs, component_id, prop


def has_property(component: Component, prop: str) -> bool:
    return prop in component._prop_names or any(prop.startswith(w) for w in component._valid_wildcard_attributes)


@pytest.fixture(scope="module")
def app(settings: Settings) -> dash.Dash:
    built = create_app(settings)
    with built.server.test_request_context("/"):
        built.server.preprocess_request()  # Dash adds its routing callbacks at the first request
    return built


def test_every_callback_names_components_and_properties_that_exist(app: dash.Dash) -> None:
    by_id: dict[str, Component] = {}
    for component in components(every_page_and_the_shell(app)):
        component_id = getattr(component, "id", None)
        if isinstance(component_id, str):
            assert component_id not in by_id or component_id.startswith("_pages_"), f"duplicate id {component_id}"
            by_id.setdefault(component_id, component)
    missing = sorted(
        f"{outputs}: {component_id}.{prop}"
        for outputs, component_id, prop in dependencies(app)
        if component_id not in by_id or not has_property(by_id[component_id], prop)
    )
    assert not missing, json.dumps(missing, indent=1)
    assert len(list(dependencies(app))) > 100  # the check did see the callbacks


def test_a_misspelt_id_or_property_is_caught(app: dash.Dash) -> None:
    # The check itself: the same walk finds the shell's navigation, and would miss a name that is not there.
    found = {getattr(c, "id", None): c for c in components(every_page_and_the_shell(app))}
    assert "shell-nav" in found
    assert has_property(found["shell-nav"], "data-current")
    assert "shell-navv" not in found
    assert not has_property(found["shell-nav"], "valuee")
