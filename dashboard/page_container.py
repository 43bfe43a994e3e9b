"""The pages' container, with the page the browser opened already in it.

Dash's own container (`dash.page_container`) starts empty: once the first layout has loaded, its location
component reports the browser's address and Dash's routing callback renders the page, one round trip before
any of the page's own callbacks can start. The browser's request for that first layout names the address it
was opened at, in its Referer header (same origin, so the whole address: see REFERRER_POLICY), so the page
is rendered into the layout itself, as the routing callback would render it, and the location component is
given that address, so it reports no change and the routing callback does not run.

Without a usable Referer (none, another origin, an address no page has, a page that fails to render) the
container starts empty, as Dash's does. Should the browser be somewhere else than the rendered address (a
proxy that rewrote the Referer), `CHECK_RENDERED_ADDRESS` in the browser hands the router the real one."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import dash
from dash import dcc, html
from dash._pages import _parse_query_string, _path_to_page  # the router's own parsing, so both agree
from flask import Request

log = logging.getLogger(__name__)

# Dash's ids of its container's parts (dash.dash._ID_*): its routing callback reads and writes them.
LOCATION, CONTENT, STORE, DUMMY = "_pages_location", "_pages_content", "_pages_store", "_pages_dummy"
# Sent with every answer: same-origin requests carry the whole address (what this module reads), requests
# to other sites none at all (the app's addresses name tables and filters).
REFERRER_POLICY = "same-origin"
# A saved view's query is at most 4,096 characters. Browsers cut a Referer over 4,096 characters to the bare
# origin: such a page is rendered as Home at first, and the check below has the router render the right one.
MAX_REFERER_CHARS = 8192

# Runs once the layout is in the browser: when the rendered address is not the one the document was loaded
# at, the location component gets the loaded one, and the routing callback renders the right page. (Not the
# address bar's: a page may have rewritten it already, to its own full form.)
CHECK_RENDERED_ADDRESS = """
function(data) {
    const rendered = data && data.rendered;
    const entry = (performance.getEntriesByType && performance.getEntriesByType('navigation')[0]) || null;
    const loaded = new URL(entry ? entry.name : window.location.href);
    if (!rendered || (rendered.pathname === loaded.pathname && rendered.search === loaded.search)) {
        return [window.dash_clientside.no_update, window.dash_clientside.no_update];
    }
    return [loaded.pathname, loaded.search];
}
"""


def page_container(request: Request | None) -> html.Div:
    """Dash's page container, holding the page at the address the request's Referer names when it can."""
    rendered = _rendered_page(request) if request is not None else None
    if rendered is None:
        return _container(dcc.Location(id=LOCATION, refresh="callback-nav"), None, None)
    pathname, search, content, title = rendered
    # All three as the browser has them, so the location component sets none of them when it mounts: a value
    # it sets then (href) reaches it again later, and it would move the browser back to that address after a
    # page has rewritten its own.
    href = request.headers["Referer"] if request is not None else None
    return _container(
        dcc.Location(id=LOCATION, refresh="callback-nav", pathname=pathname, search=search, href=href),
        content,
        {"title": title, "rendered": {"pathname": pathname, "search": search}},
    )


def _container(location: dcc.Location, content: Any, store: dict[str, Any] | None) -> html.Div:
    return html.Div(
        [
            location,
            html.Div(content, id=CONTENT, disable_n_clicks=True),
            # No `data` at all unless rendered, as in Dash's container: its title callback reads data.title.
            dcc.Store(id=STORE) if store is None else dcc.Store(id=STORE, data=store),
            html.Div(id=DUMMY, disable_n_clicks=True),
        ]
    )


def referred_address(request: Request) -> tuple[str, str] | None:
    """(pathname, search) of the same-origin address in the request's Referer, as `window.location` spells
    them; None for no Referer, an oversize one, or one from another origin."""
    referer = request.headers.get("Referer", "")
    if not referer or len(referer) > MAX_REFERER_CHARS:
        return None
    try:
        address = urlsplit(referer)
    except ValueError:
        return None
    own_hosts = {request.host, request.headers.get("X-Forwarded-Host", "")} - {""}
    if address.scheme not in ("http", "https") or address.netloc not in own_hosts:
        return None
    return address.path or "/", f"?{address.query}" if address.query else ""


def _rendered_page(request: Request) -> tuple[str, str, Any, str] | None:
    address = referred_address(request)
    if address is None:
        return None
    pathname, search = address
    page, path_variables = _path_to_page(dash.strip_relative_path(pathname))
    if not page:
        return None  # the router's page for an unknown address (its 404) is left to the router
    try:
        layout, title = page.get("layout", ""), page["title"]
        if callable(layout):
            layout = layout(**{**(path_variables or {}), **_parse_query_string(search)})
        if callable(title):
            title = title(**(path_variables or {}))
    except Exception as error:  # the routing callback renders it again, and shows the error as it does
        log.warning("page %s not rendered into the layout: %s", page.get("module"), type(error).__name__)
        return None
    return pathname, search, layout, str(title)
