"""Component libraries whose main script loads only on a page that renders one of their components.

Why this exists: Dash writes a <script> tag for the main bundle of every imported component library into
every page, whether the page uses it or not. Dash AG Grid's is 1.3 MB (about 350 KB compressed), more than
everything else Home loads together, and only the Data page draws a grid. Dash has no supported way to
defer a library's main bundle (its `async`/`dynamic` flags only apply to the chunks a bundle loads itself),
so here the bundle's tag is written as a data block instead: `type` is not a script type, so the browser
neither fetches nor runs it, and the fingerprinted URL Dash chose (its version, its long-lived caching) stays
in the page. The stub in dashboard/assets/lazy_components.js, loaded on every page, reads these blocks and
puts a small stand-in under `window[namespace]`, which is where Dash's renderer looks a component up when it
draws one. The first time a stand-in is drawn, it adds the real script (same origin, so the CSP's
script-src 'self' allows it; no eval, no inline code) and then draws the real component with the same props;
the library's functions (dash_ag_grid.getApiAsync, ...) wait for the script too. The real script finds its
own async chunks from its own URL (webpack's public path is its `document.currentScript`), as before.
"""

from __future__ import annotations

import html
import importlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dash

# The `type` of the data blocks the stub looks for; not a script type, so the browser does not fetch `src`.
LAZY_BUNDLE_TYPE = "text/x-dash-lazy-bundle"
# The stub, among the app's assets (Dash loads every .js there on every page).
STUB = "lazy_components.js"


@dataclass(frozen=True)
class LazyLibrary:
    """A component library loaded on first use.

    `components`: each component the library exports, with the static properties Dash's renderer reads on
    a component class before the real one exists (whether it takes `dashRenderType`, its persistence
    defaults), copied from the library's bundle; tests/dashboard/test_lazy_grid_browser.py checks them
    against the real ones. `deferred`: the functions the library exports that return a promise, callable
    before the script has loaded (they wait for it); the others appear once it has run."""

    namespace: str
    bundle: str
    components: Mapping[str, Mapping[str, Any]]
    deferred: tuple[str, ...] = field(default_factory=tuple)

    def block_attributes(self) -> dict[str, str]:
        """The attributes that turn the bundle's <script> tag into the data block the stub reads (escaped:
        Dash writes attribute values as given)."""
        described = {"components": self.components, "deferred": list(self.deferred)}
        return {
            "type": LAZY_BUNDLE_TYPE,
            "data-namespace": html.escape(self.namespace, quote=True),
            "data-library": html.escape(json.dumps(described, separators=(",", ":")), quote=True),
        }


AG_GRID = LazyLibrary(
    namespace="dash_ag_grid",
    bundle="dash_ag_grid.min.js",
    components={
        "AgGrid": {
            "dashRenderType": True,
            "dashPersistence": {"persisted_props": ["selectedRows"], "persistence_type": "local"},
        }
    },
    deferred=("getApiAsync",),
)
LAZY_LIBRARIES: tuple[LazyLibrary, ...] = (AG_GRID,)


def _main_bundle(library: LazyLibrary) -> dict[str, Any]:
    entries: list[dict[str, Any]] = importlib.import_module(library.namespace)._js_dist
    for entry in entries:
        if entry.get("relative_package_path") == library.bundle and not entry.get("dynamic"):
            return entry
    raise LookupError(f"{library.namespace} has no script {library.bundle}: check LAZY_LIBRARIES against it")


def install_lazy_components(app: dash.Dash, libraries: tuple[LazyLibrary, ...] = LAZY_LIBRARIES) -> None:
    """Write each library's main bundle into the pages as a data block for the stub, not as a script.

    A library's list of scripts belongs to its module, so this holds for every app of the process (all are
    built by create_app); doing it again changes nothing."""
    if not (Path(app.config.assets_folder) / STUB).is_file():
        # Without the stub nothing would ever load the library: its components would not render at all.
        raise RuntimeError(f"{STUB} is not among the app's assets ({app.config.assets_folder})")
    for library in libraries:
        _main_bundle(library)["attributes"] = library.block_attributes()


__all__ = ["AG_GRID", "LAZY_BUNDLE_TYPE", "LAZY_LIBRARIES", "STUB", "LazyLibrary", "install_lazy_components"]
