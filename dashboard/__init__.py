"""The app factory: create_app(settings) builds the Dash app on a Flask (flask-openapi3) server."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import dash
from flask import Blueprint, Flask, redirect
from flask_openapi3.models.info import Info
from flask_openapi3.openapi import OpenAPI

from core.request_context import user_var
from core.settings import Settings, get_settings
from dashboard.api import BLUEPRINTS, ErrorBody, install_error_handlers, validation_error_response
from dashboard.health import install_health
from dashboard.lazy_components import install_lazy_components
from dashboard.logging_setup import configure_logging
from dashboard.middleware import install_middleware
from dashboard.request_limits import install_callback_guard
from dashboard.response_headers import install_response_headers
from dashboard.shell import APP_TITLE, INDEX_STRING, layout, on_callback_error, register_shell_callbacks
from services import analytics

ASSETS_FOLDER = Path(__file__).with_name("assets")


def _package_folder(name: str) -> Path:
    # Where an installed package is, without importing it (Bootstrap-Flask's import costs 0.1 s at start).
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(name)
    return Path(spec.origin).parent


# Bootstrap's CSS comes from an installed package, so the browser needs no CDN.
BOOTSTRAP_FOLDER = _package_folder("flask_bootstrap") / "static" / "bootstrap5"
# Versioned by the package that ships it, so browsers may keep it a year (see dashboard/response_headers.py).
BOOTSTRAP_CSS = f"/vendor/bootstrap/css/bootstrap.min.css?v={importlib.metadata.version('bootstrap-flask')}"


def _build_server(settings: Settings) -> OpenAPI:
    server = OpenAPI(
        "dashboard",
        info=Info(title=APP_TITLE, version="1.0.0", description="REST API of the Databricks Dash template."),
        doc_prefix="/docs",
        doc_url="/openapi.json",
        validation_error_status=400,
        validation_error_model=ErrorBody,
        validation_error_callback=validation_error_response,
        # Who the caller is comes from the Databricks Apps proxy; describing it also keeps the
        # document valid (without schemes, components.securitySchemes would be null).
        security_schemes={
            "forwardedUser": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Forwarded-Email",
                "description": "Set by the Databricks Apps proxy for the signed-in user; never by the browser.",
            }
        },
    )
    server.config.update(
        APP_SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
        # Swagger UI would otherwise show a badge image from validator.swagger.io: no third party, no CDN.
        SWAGGER_CONFIG={"validatorUrl": None},
    )
    install_middleware(server)
    install_error_handlers(server)
    install_health(server)
    for blueprint in BLUEPRINTS:
        server.register_api(blueprint)
    server.register_blueprint(
        Blueprint("vendor_bootstrap", __name__, static_folder=BOOTSTRAP_FOLDER, static_url_path="/vendor/bootstrap")
    )
    server.add_url_rule("/openapi.json", "openapi_json", lambda: server.api_doc)
    server.add_url_rule("/docs", "docs", lambda: redirect("/docs/swagger"))
    return server


def _load_pages() -> None:
    """Import (or re-run, for a second app in one process) every module of the pages package."""
    import pages

    # A page may import its parts (pages.data imports pages.data_chart, ...): a part first imported in this pass
    # has registered its callbacks already, and reloading it would register them twice.
    loaded_before = set(sys.modules)
    for module in pkgutil.iter_modules(pages.__path__):
        name = f"pages.{module.name}"
        if name in sys.modules and name not in loaded_before:
            page = sys.modules[name]
        elif name in sys.modules:
            page = importlib.reload(sys.modules[name])
        else:
            page = importlib.import_module(name)
        entry = dash.page_registry.get(name)
        # As Dash's own page loader does: `layout` is defined after register_page, so attach it now.
        if entry is not None and not entry["supplied_layout"]:
            entry["layout"] = page.layout


def _claim_page_callbacks(app: dash.Dash) -> None:
    """Give this app the page callbacks that `_load_pages` just registered with `dash.callback`, now.

    Dash hands globally registered callbacks to whichever app serves its first request, and empties the
    global list: with two apps in one process (tests, a second app built for a check), one of them would get
    no page callback at all. This moves them the way Dash's own first-request setup does, at build time."""
    from dash import _callback  # Dash's registry of `dash.callback`s; public only through the decorator

    for key in list(_callback.GLOBAL_CALLBACK_MAP):
        app.callback_map[key] = _callback.GLOBAL_CALLBACK_MAP.pop(key)
    app._callback_list.extend(_callback.GLOBAL_CALLBACK_LIST)
    _callback.GLOBAL_CALLBACK_LIST.clear()
    # Pages' clientside callbacks: their JS (and its CSP hash) belongs to this app too.
    app._inline_scripts.extend(_callback.GLOBAL_INLINE_SCRIPTS)
    _callback.GLOBAL_INLINE_SCRIPTS.clear()


def _pages_checked_as_no_one(server: Flask) -> None:
    """Dash builds its validation layout (every page's layout, to check the callbacks' ids) in a hook of the
    first request, as whoever sent it: a page opening a table would read and remember it for that user. The
    hook runs with no signed-in user instead; pages then build their components empty."""
    hooks = server.before_request_funcs.setdefault(None, [])
    for index, hook in enumerate(hooks):
        if getattr(hook, "__name__", "") in ("router_sync", "router_async"):
            hooks[index] = _as_no_one(hook)


def _as_no_one(hook: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        signed_in = user_var.set(None)
        try:
            return hook()
        finally:
            user_var.reset(signed_in)

    return run


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build the app; nothing connects until a request needs it."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    analytics.query_files(settings)  # a query file that cannot be used stops the app here, naming file and line
    server = _build_server(settings)
    app = dash.Dash(
        __name__,
        server=cast(Any, server),  # an OpenAPI app is a Flask app
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS_FOLDER),
        external_stylesheets=[BOOTSTRAP_CSS],
        title=APP_TITLE,
        update_title="",  # keep the page title still while callbacks run
        # Dash would otherwise send every page's layout (its "validation layout", ~750 components) with each
        # page load, for the browser to check the callbacks' ids against; tests/dashboard/test_callback_ids.py
        # checks them once, and `make dev` turns the browser's check back on (local_workspace/dev_app.py).
        suppress_callback_exceptions=True,
        on_error=on_callback_error,
    )
    app.index_string = INDEX_STRING
    _load_pages()
    _claim_page_callbacks(app)
    app.layout = layout
    register_shell_callbacks(app)
    install_callback_guard(app)
    install_response_headers(app)
    install_lazy_components(app)  # AG Grid's script only on pages that draw a grid
    _pages_checked_as_no_one(server)
    return app


__all__ = ["create_app"]
