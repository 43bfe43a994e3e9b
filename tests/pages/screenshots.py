"""Screenshot checks: a page captured in headless Chromium once it has settled, compared with a reference PNG.

The capture is the whole page (not only the viewport) at a fixed CSS width of 1280 px and a device scale of 1:
the viewport is first 1280 x 900, then grown to the page's height, so what is below the fold is compared too.
Before it, animations, transitions and the text caret are switched off, scrollbars hidden, the focus dropped,
and dynamic content (the selectors given) hidden with `visibility: hidden`, so it keeps its place and the
rest of the page is still compared.

Two images match when at most MAX_DIFFERENT_SHARE of their pixels differ by more than CHANNEL_THRESHOLD in any
colour channel (see `compare`)."""

from __future__ import annotations

import base64
import io
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops

WIDTH, VIEWPORT_HEIGHT = 1280, 900
MAX_HEIGHT = 6000  # a page taller than this is cut there (no page comes near it)
# A pixel differs when one of its channels moved by more than this (of 255): anti-aliasing noise stays under it.
CHANNEL_THRESHOLD = 32
# The share of pixels that may differ: 0.01 %, 115 pixels of a 1280 x 900 view (a glyph or two). Two runs on one
# machine differ by at most 1 pixel by 1 level; a new labelled input on a full Data page is some 2,200 pixels.
MAX_DIFFERENT_SHARE = 0.0001

STYLE_ID = "screenshot-freeze"
STILL_CSS = """
*, *::before, *::after {
  animation: none !important; transition: none !important;
  caret-color: transparent !important; scroll-behavior: auto !important;
}
html, body { scrollbar-width: none !important; }
"""

UPDATE_VARIABLE = "UPDATE_SCREENSHOTS"
UPDATE_COMMAND = "make screenshots"

# Not settled yet, and why (an empty string when it is): Dash callbacks pending, a component loading, a
# skeleton shown, a graph whose Plotly has not drawn it, fonts or images still loading.
UNSETTLED_JS = """
const store = window.store && window.store.getState();
if (!store) return 'the Dash renderer has not started';
const callbacks = Object.assign({}, store.callbacks);
delete callbacks.stored; delete callbacks.completed;
if ([].concat(...Object.values(callbacks)).length) return 'callbacks pending';
if (store.isLoading) return 'loading';
if (document.querySelector('[data-dash-is-loading="true"]')) return 'a component is loading';
const shown = el => el.getClientRects().length && getComputedStyle(el).visibility === 'visible';
if ([...document.querySelectorAll('[data-skeleton], [aria-busy="true"]')].some(shown)) return 'a skeleton is shown';
const graphs = [...document.querySelectorAll('.dash-graph')];
if (graphs.some(graph => !graph.querySelector('.main-svg'))) return 'a graph is not drawn';
if (document.fonts.status !== 'loaded') return 'fonts loading';
if ([...document.images].some(img => !img.complete)) return 'images loading';
return '';
"""
HEIGHT_JS = "return Math.ceil(Math.max(document.documentElement.scrollHeight, document.body.scrollHeight));"


def prepare(browser: Any, masked: Sequence[str]) -> None:
    """Before the pages are opened: the fixed viewport, and nothing moving from the start of every document (a
    chart drawn during a layout transition would otherwise keep margins of the width it had then)."""
    _viewport(browser, VIEWPORT_HEIGHT)
    browser.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _style_script(masked)})


def _style_script(masked: Sequence[str]) -> str:
    css = STILL_CSS + (f"{', '.join(masked)} {{ visibility: hidden !important; }}" if masked else "")
    return f"""(() => {{
        const add = () => {{
            if (document.getElementById({STYLE_ID!r})) return;
            const style = document.createElement('style');
            style.id = {STYLE_ID!r}; style.textContent = {json.dumps(css)};
            (document.head || document.documentElement).append(style);
        }};
        if (document.documentElement) add();
        else new MutationObserver((_, observer) => {{
            if (document.documentElement) {{ observer.disconnect(); add(); }}
        }}).observe(document, {{childList: true}});
    }})();"""


def freeze(browser: Any, masked: Sequence[str]) -> None:
    """Switch off what moves, and hide the dynamic content matched by `masked` (CSS selectors)."""
    css = STILL_CSS + (f"{', '.join(masked)} {{ visibility: hidden !important; }}" if masked else "")
    browser.driver.execute_script(
        """
        let style = document.getElementById(arguments[0]);
        if (!style) { style = document.createElement('style'); style.id = arguments[0]; document.head.append(style); }
        style.textContent = arguments[1];
        if (document.activeElement) document.activeElement.blur();
        """,
        STYLE_ID,
        css,
    )


def _viewport(browser: Any, height: int) -> None:
    browser.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def _viewport_png(browser: Any) -> bytes:
    shot = browser.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    return base64.b64decode(shot["data"])


def _settled_png(browser: Any, deadline: float) -> bytes:
    """The viewport once nothing is loading and two captures 200 ms apart are the same."""
    previous = b""
    reason = "not checked"
    while time.monotonic() < deadline:
        reason = browser.driver.execute_script(UNSETTLED_JS)
        if reason:
            previous = b""
        else:
            png = _viewport_png(browser)
            if png == previous:
                return png
            previous, reason = png, "the page still changes"
        time.sleep(0.2)
    raise TimeoutError(f"the page did not settle: {reason}")


def capture(browser: Any, masked: Sequence[str], *, timeout: float = 30) -> Image.Image:
    """The whole settled page, WIDTH px wide, as an RGB image (see the module's docstring; call `prepare` before
    opening the page)."""
    deadline = time.monotonic() + timeout
    _viewport(browser, VIEWPORT_HEIGHT)
    freeze(browser, masked)
    _settled_png(browser, deadline)
    height = VIEWPORT_HEIGHT
    for _ in range(3):  # a taller viewport can change the height again (e.g. min-height: 100vh): follow it
        wanted = min(max(browser.driver.execute_script(HEIGHT_JS), VIEWPORT_HEIGHT), MAX_HEIGHT)
        if wanted == height:
            break
        height = wanted
        _viewport(browser, height)
    freeze(browser, masked)  # a re-render may have moved the focus
    image = Image.open(io.BytesIO(_settled_png(browser, deadline))).convert("RGB")
    _viewport(browser, VIEWPORT_HEIGHT)  # the next page opens in the same viewport as this one did
    return image


def reset_viewport(browser: Any) -> None:
    """Give the browser its own window size back."""
    browser.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@dataclass(frozen=True)
class Comparison:
    """How far an image is from its reference: the share of pixels beyond the threshold, and where they are."""

    different_pixels: int
    pixels: int
    diff: Image.Image | None  # differing pixels in red over a faded actual image; None when the sizes differ
    size_note: str = ""

    @property
    def different_share(self) -> float:
        return self.different_pixels / self.pixels

    @property
    def matches(self) -> bool:
        return not self.size_note and self.different_share <= MAX_DIFFERENT_SHARE


def compare(actual: Image.Image, reference: Image.Image) -> Comparison:
    """Compare two images pixel by pixel (different sizes never match)."""
    actual, reference = actual.convert("RGB"), reference.convert("RGB")
    if actual.size != reference.size:
        note = f"size {actual.size[0]}x{actual.size[1]} instead of {reference.size[0]}x{reference.size[1]}"
        return Comparison(actual.size[0] * actual.size[1], actual.size[0] * actual.size[1], None, note)
    delta = ImageChops.difference(actual, reference)
    # A pixel differs when its largest channel difference is over the threshold.
    channels = [band.point(lambda value: 255 if value > CHANNEL_THRESHOLD else 0) for band in delta.split()]
    mask = ImageChops.lighter(ImageChops.lighter(channels[0], channels[1]), channels[2])
    different = mask.histogram()[255]
    faded = Image.blend(actual, Image.new("RGB", actual.size, "white"), 0.7)
    diff = Image.composite(Image.new("RGB", actual.size, (255, 0, 0)), faded, mask)
    return Comparison(different, actual.size[0] * actual.size[1], diff)


def save_png(image: Image.Image, path: Path) -> None:
    """Write a PNG as small as Pillow makes it, without losing a pixel."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG", optimize=True)


def updating() -> bool:
    """Whether the references are being regenerated on purpose (never on CI: there a reference is only read)."""
    return os.environ.get(UPDATE_VARIABLE) == "1" and not os.environ.get("CI")


def check(actual: Image.Image, reference_path: Path, failures_dir: Path) -> str | None:
    """Compare with the reference (or write it, when updating); a problem's description, or None when it matches.

    On a mismatch, the actual image and a diff image are written to `failures_dir` (never to the repository)."""
    if updating():
        save_png(actual, reference_path)
        return None
    if not reference_path.exists():
        where = " (not on CI: there references are only read)" if os.environ.get("CI") else ""
        return f"{reference_path.name}: no reference image; create it with `{UPDATE_COMMAND}`{where}"
    comparison = compare(actual, Image.open(reference_path))
    if comparison.matches:
        return None
    stem = reference_path.stem
    save_png(actual, failures_dir / f"{stem}.actual.png")
    if comparison.diff is not None:
        save_png(comparison.diff, failures_dir / f"{stem}.diff.png")
    what = comparison.size_note or (
        f"{comparison.different_pixels:,} pixels differ ({comparison.different_share:.3%} of {comparison.pixels:,})"
    )
    return (
        f"{reference_path.name}: {what} (at most {MAX_DIFFERENT_SHARE:.2%} may); actual and diff images in "
        f"{failures_dir}; if the change is intended, regenerate the references with `{UPDATE_COMMAND}`"
    )
