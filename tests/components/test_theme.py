"""The DuBois tokens: the Python values and theme.css say the same, keep WCAG 2.1 AA contrast, and the Plotly
templates are drawn from them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from components.theme import (
    COLORWAYS,
    DUBOIS_VERSION,
    FONT_FAMILY,
    PALETTES,
    PLOTLY_TEMPLATES,
    Mode,
    css_variables,
)

THEME_CSS = Path(__file__).parents[2] / "dashboard" / "assets" / "theme.css"
SELECTORS: dict[Mode, str] = {"light": ':root,\n[data-bs-theme="light"]', "dark": '[data-bs-theme="dark"]'}


def declarations(selector: str) -> dict[str, str]:
    """The custom properties theme.css declares in the block of that selector."""
    css = THEME_CSS.read_text(encoding="utf-8")
    start = css.index(selector + " {")
    block = css[start : css.index("}", start)]
    return {name: value.strip() for name, value in re.findall(r"(--[\w-]+):\s*([^;]+);", block)}


def rgba(colour: str) -> tuple[float, float, float, float]:
    if colour.startswith("#"):
        red, green, blue = (float(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
        return red, green, blue, 1.0
    red, green, blue, *alpha = (float(part) for part in colour[colour.index("(") + 1 : -1].split(","))
    return red, green, blue, alpha[0] if alpha else 1.0


def over(colour: str, background: str) -> tuple[float, float, float, float]:
    """A colour composited over an opaque background."""
    top, bottom = rgba(colour), rgba(background)
    alpha = top[3]
    red, green, blue = (alpha * top[i] + (1 - alpha) * bottom[i] for i in range(3))
    return red, green, blue, 1.0


def contrast(first: tuple[float, ...], second: tuple[float, ...]) -> float:
    """WCAG 2.1's contrast ratio of two opaque colours."""

    def luminance(colour: tuple[float, ...]) -> float:
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in colour[:3])]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_tokens_name_the_package_they_come_from() -> None:
    assert DUBOIS_VERSION == "2.0.9"
    assert "@databricks/design-system 2.0.9" in THEME_CSS.read_text(encoding="utf-8")


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_theme_css_declares_the_python_tokens(mode: Mode) -> None:
    declared = declarations(SELECTORS[mode])
    expected = css_variables(PALETTES[mode])
    assert {name: declared.get(name) for name in expected} == expected
    assert declarations(":root")["--db-font-family"] == FONT_FAMILY


def test_every_bootstrap_variable_follows_a_token_in_both_modes() -> None:
    """Bootstrap's variables are aliases declared wherever a mode is set, so that they resolve to that mode's
    values; a literal colour among them would stay the same in both modes."""
    aliases = declarations(":root,\n[data-bs-theme]")
    colours = {name: value for name, value in aliases.items() if "color" in name or name.endswith("-bg")}
    assert colours
    assert all(value.startswith("var(--db-") for value in colours.values()), colours


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_text_colours_keep_aa_contrast_on_their_backgrounds(mode: Mode) -> None:
    palette = PALETTES[mode]
    # What is written on what: body and secondary text and links on the page and on the chrome (the navigation),
    # the validation colours on the page; a button's text on its fill; a banner's text on its tint (4.5:1 for
    # text, WCAG 1.4.3).
    pairs = {
        f"{name} on {ground}": (getattr(palette, name), getattr(palette, ground))
        for name in ("text", "text_secondary", "link")
        for ground in ("background", "background_secondary")
    }
    pairs |= {
        f"{name} on background": (getattr(palette, name), palette.background)
        for name in ("success", "warning", "danger")
    }
    pairs |= {
        "on_primary on primary": (palette.on_primary, palette.primary),
        "on_primary on primary_hover": (palette.on_primary, palette.primary_hover),
        "on_danger on danger_strong": (palette.on_danger, palette.danger_strong),
        "tooltip": (palette.tooltip_text, palette.tooltip_background),
    }
    ratios = {label: contrast(rgba(fg), rgba(bg)) for label, (fg, bg) in pairs.items()}
    for state in ("success", "warning", "danger"):
        tint = over(getattr(palette, f"{state}_background"), palette.background)
        ratios[f"{state} banner"] = contrast(rgba(getattr(palette, state)), tint)
    tag = over(palette.tag_background, palette.background)
    ratios["tag"] = contrast(rgba(palette.tag_text), tag)
    low = {label: round(ratio, 2) for label, ratio in ratios.items() if ratio < 4.5}
    assert low == {}


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_the_focus_ring_and_chart_colours_keep_3_to_1(mode: Mode) -> None:
    palette = PALETTES[mode]
    for ground in (palette.background, palette.background_secondary):
        assert contrast(rgba(palette.focus), rgba(ground)) >= 3
        assert contrast(rgba(palette.border_strong), rgba(ground)) >= 3  # form controls' border (WCAG 1.4.11)
    low = [c for c in COLORWAYS[mode] if contrast(rgba(c), rgba(palette.background)) < 3]
    assert low == []
    assert len(set(COLORWAYS[mode])) == len(COLORWAYS[mode])


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_the_plotly_templates_are_drawn_from_the_tokens(mode: Mode) -> None:
    palette, layout = PALETTES[mode], PLOTLY_TEMPLATES[mode].layout
    assert layout.font.family == FONT_FAMILY
    assert layout.font.color == palette.text
    assert layout.paper_bgcolor == layout.plot_bgcolor == "rgba(0,0,0,0)"  # the card's own background
    assert layout.xaxis.gridcolor == layout.yaxis.gridcolor == palette.border
    assert tuple(layout.colorway) == COLORWAYS[mode]
    assert layout.hoverlabel.bgcolor == palette.tooltip_background
    assert layout.hoverlabel.font.color == palette.tooltip_text
    scale = layout.colorscale.sequential
    assert scale[0][0] == 0
    assert scale[-1][0] == 1
    assert PLOTLY_TEMPLATES["light"].layout.font.color != PLOTLY_TEMPLATES["dark"].layout.font.color
