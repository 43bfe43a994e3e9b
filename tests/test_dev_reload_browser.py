"""`make dev`: the local stack with the app in development mode. An edit to a page of a temporary copy of
the repository reloads the app, and the page open in the browser shows the new text by itself."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from local_workspace.stack import REPO_ROOT
from tests.stack_support import fresh_state_dir, kill_stack, stack_tmp, start_stack, stop_stack

pytestmark = pytest.mark.browser

PROBE_PAGE = '''"""A page the dev-reload test edits (in a temporary copy of the repository only)."""

from typing import Any

import dash
from dash import html

dash.register_page(__name__, path="/dev-reload-probe", name="Reload probe", order=999)


def layout(**_: Any) -> html.Div:
    return html.Div(html.H1("Reload probe: before", id="dev-reload-probe-title", className="h3"))
'''
# Nothing the app needs, and nothing a test edits: the copy stays small.
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", ".local", "__pycache__", ".*_cache", ".hypothesis", "tests", "results", "node_modules"
)
RELOAD_BUDGET_SECONDS = 10.0  # `make dev` aims at about 2 s; a loaded CI machine gets some slack


def copy_of_repository() -> Path:
    copy = stack_tmp() / "repository-copy"
    shutil.copytree(REPO_ROOT, copy, ignore=NOT_COPIED)
    (copy / "pages" / "dev_reload_probe.py").write_text(PROBE_PAGE, encoding="utf-8")
    return copy


def test_an_edited_page_reloads_in_the_open_browser_tab(dash_br: Any) -> None:
    copy = copy_of_repository()
    stack = start_stack(fresh_state_dir("dev"), command="dev", cwd=copy)
    try:
        assert stack.part("local_workspace.dev_app")  # the dev server, not gunicorn
        dash_br.driver.get(f"{stack.proxy}/dev-reload-probe")
        dash_br.wait_for_text_to_equal("#dev-reload-probe-title", "Reload probe: before", timeout=30)
        dash_br.wait_for_element(".dash-debug-menu__outer", timeout=10)  # Dash's dev tools: the callback error overlay
        dash_br.driver.execute_script("window.devReloadMarker = 'same document';")
        # Dash's hot reload takes its first answer as the baseline: the page must have asked once before the edit.
        asked = "return performance.getEntriesByType('resource').some(e => e.name.includes('_reload-hash'));"
        deadline = time.monotonic() + 10
        while not dash_br.driver.execute_script(asked):
            assert time.monotonic() < deadline, "the page never polled /_reload-hash: is hot reload on?"
            time.sleep(0.1)

        page = copy / "pages" / "dev_reload_probe.py"
        page.write_text(page.read_text(encoding="utf-8").replace(": before", ": after"), encoding="utf-8")
        edited = time.monotonic()
        dash_br.wait_for_text_to_equal("#dev-reload-probe-title", "Reload probe: after", timeout=RELOAD_BUDGET_SECONDS)
        seconds = time.monotonic() - edited
        in_place = dash_br.driver.execute_script("return window.devReloadMarker || null;") == "same document"
        print(f"\nthe open page showed the edit {seconds:.2f} s after it ({'in place' if in_place else 'reloaded'})")
    except BaseException:
        print(stack.log_tail())
        kill_stack(stack)
        raise
    stopped = stop_stack(stack, "ctrl-c")
    print(f"make dev stopped by Ctrl-C in {stopped.clean:.2f} s")
    assert stopped.leftovers == [], stopped.leftovers
    assert stopped.exit_code == 0
