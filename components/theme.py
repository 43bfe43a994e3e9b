"""The app's look, from Databricks' design system (DuBois): its tokens as Python values, and the Plotly templates
drawn from them, so charts match the page in the light and the dark theme.

The values come from `@databricks/design-system` 2.0.9 (npm): the system tokens of its dist/index.css (light) and
dist/index-dark.css (dark) — `--db-color-*`, `--db-font-*`, `--db-space-*`, `--db-radius-*`, `--db-elevation-*`,
the focus ring — and, where those leave a value open, its theme's typography line heights and dark-mode shadows
(`theme.typography`, `getShadows`). The chart colours are DuBois primitives (blue, yellow, green, purple, red).
dashboard/assets/theme.css declares the same values as CSS custom properties over Bootstrap's;
tests/components/test_theme.py keeps the two equal and checks their contrast (WCAG 2.1 AA).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

import plotly.graph_objects as go
import plotly.io as pio

DUBOIS_VERSION = "2.0.9"  # @databricks/design-system on npm, where every value below comes from

Mode = Literal["light", "dark"]
MODES: tuple[Mode, ...] = ("light", "dark")

# Typography: DuBois' font stack (DM Sans when the system has it, no web font fetched), its sizes and weights.
FONT_FAMILY = '"DM Sans", -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif'
MONO_FONT_FAMILY = "ui-monospace, SFMono-Regular, Menlo, monospace"
FONT_SIZES = {  # --db-font-size-*
    "xs": "0.6875rem",  # 11px
    "sm": "0.75rem",  # 12px
    "base": "0.8125rem",  # 13px: controls, tags, banners, navigation
    "md": "0.875rem",  # 14px
    "lg": "0.9375rem",  # 15px
    "xl": "1rem",  # 16px: body text (see theme.css)
    "2xl": "1.25rem",  # 20px
    "3xl": "1.5rem",  # 24px
    "4xl": "2rem",  # 32px
}
LINE_HEIGHTS = {"sm": "16px", "base": "20px", "lg": "24px", "xl": "28px", "xxl": "40px"}  # theme.typography
FONT_WEIGHTS = {"normal": "400", "semibold": "600"}
SPACING = {"1": "4px", "2": "8px", "3": "12px", "4": "16px", "6": "24px", "8": "32px"}  # --db-space-* (4px unit)
RADII = {"sm": "4px", "md": "8px", "lg": "12px", "full": "999px"}  # --db-radius-*; controls 4px, cards 8px
FOCUS_RING = {"width": "2px", "offset": "2px"}  # --db-focus-ring-*; its colour is the palette's `focus`


@dataclass(frozen=True)
class Palette:
    """One mode's colour roles, each the DuBois semantic colour named in its `css` metadata."""

    background: str = field(metadata={"css": "--db-color-background-primary"})
    background_secondary: str = field(metadata={"css": "--db-color-background-secondary"})
    text: str = field(metadata={"css": "--db-color-text-primary"})
    text_secondary: str = field(metadata={"css": "--db-color-text-secondary"})
    border: str = field(metadata={"css": "--db-color-border"})
    border_strong: str = field(metadata={"css": "--db-color-border-accessible"})
    control_border: str = field(metadata={"css": "--db-color-action-default-border-default"})
    primary: str = field(metadata={"css": "--db-color-action-primary-background-default"})
    primary_hover: str = field(metadata={"css": "--db-color-action-primary-background-hover"})
    primary_press: str = field(metadata={"css": "--db-color-action-primary-background-press"})
    on_primary: str = field(metadata={"css": "--db-color-action-primary-text-default"})
    link: str = field(metadata={"css": "--db-color-action-link-default"})
    link_hover: str = field(metadata={"css": "--db-color-action-link-hover"})
    hover_background: str = field(metadata={"css": "--db-color-action-default-background-hover"})
    press_background: str = field(metadata={"css": "--db-color-action-default-background-press"})
    disabled_background: str = field(metadata={"css": "--db-color-action-disabled-background"})
    disabled_text: str = field(metadata={"css": "--db-color-action-disabled-text"})
    focus: str = field(metadata={"css": "--db-color-action-default-border-focus"})
    success: str = field(metadata={"css": "--db-color-text-validation-success"})
    warning: str = field(metadata={"css": "--db-color-text-validation-warning"})
    danger: str = field(metadata={"css": "--db-color-text-validation-danger"})
    danger_strong: str = field(metadata={"css": "--db-color-action-danger-primary-background-default"})
    on_danger: str = field(metadata={"css": "--db-color-action-danger-primary-text"})
    success_background: str = field(metadata={"css": "--db-color-background-success"})
    warning_background: str = field(metadata={"css": "--db-color-background-warning"})
    danger_background: str = field(metadata={"css": "--db-color-background-danger"})
    warning_border: str = field(metadata={"css": "--db-color-border-warning"})
    danger_border: str = field(metadata={"css": "--db-color-border-danger"})
    tooltip_background: str = field(metadata={"css": "--db-color-tooltip-background-tooltip"})
    tooltip_text: str = field(metadata={"css": "--db-color-tooltip-text-tooltip"})
    skeleton: str = field(metadata={"css": "--db-color-skeleton"})
    tag_background: str = field(metadata={"css": "--db-color-tag-background-default"})
    tag_text: str = field(metadata={"css": "--db-color-tag-text-default"})
    shadow_low: str = field(metadata={"css": "--db-elevation-low"})
    shadow_med: str = field(metadata={"css": "--db-elevation-med"})


def css_variables(palette: Palette) -> dict[str, str]:
    """The palette as the CSS custom properties theme.css declares: `{"--db-color-border": "#ebebeb", …}`."""
    return {f.metadata["css"]: getattr(palette, f.name) for f in dataclasses.fields(palette)}


PALETTES: dict[Mode, Palette] = {
    "light": Palette(
        background="#ffffff",
        background_secondary="#f7f7f7",
        text="#161616",
        text_secondary="#6f6f6f",
        border="#ebebeb",
        border_strong="#6f6f6f",
        control_border="#cbcbcb",
        primary="#2272b4",
        primary_hover="#0e538b",
        primary_press="#04355d",
        on_primary="#ffffff",
        link="#2272b4",
        link_hover="#0e538b",
        hover_background="rgba(34, 114, 180, 0.08)",
        press_background="rgba(34, 114, 180, 0.16)",
        disabled_background="#ebebeb",
        disabled_text="#a2a2a2",
        focus="#2272b4",
        success="#277c43",
        warning="#be501e",
        danger="#c82d4c",
        danger_strong="#c82d4c",
        on_danger="#ffffff",
        success_background="#f3fcf6",
        warning_background="#fff9eb",
        danger_background="#fff5f7",
        warning_border="#f8d4a5",
        danger_border="#fbd0d8",
        tooltip_background="#161616",
        tooltip_text="#ffffff",
        skeleton="rgba(162, 162, 162, 0.16)",
        tag_background="rgba(22, 22, 22, 0.05)",
        tag_text="#161616",
        shadow_low="0px 2px 3px -1px rgba(0, 0, 0, 0.05), 0px 1px 0px 0px rgba(0, 0, 0, 0.02)",
        shadow_med="0px 2px 16px 0px rgba(0, 0, 0, 0.08)",
    ),
    "dark": Palette(
        background="#11171c",
        background_secondary="#1f272d",
        text="#e8ecf0",
        text_secondary="#92a4b3",
        border="#1f272d",
        border_strong="#c0cdd8",
        control_border="#37444f",
        primary="#4299e0",
        primary_hover="#8acaff",
        primary_press="#bae1fc",
        on_primary="#11171c",
        link="#4299e0",
        link_hover="#8acaff",
        hover_background="rgba(138, 202, 255, 0.08)",
        press_background="rgba(138, 202, 255, 0.16)",
        disabled_background="#37444f",
        disabled_text="#5f7281",
        focus="#8acaff",
        success="#3ba65e",
        warning="#de7921",
        danger="#e65b77",
        danger_strong="#e65b77",
        on_danger="#11171c",
        success_background="rgba(39, 124, 67, 0.16)",
        warning_background="rgba(190, 80, 30, 0.16)",
        danger_background="rgba(200, 45, 76, 0.16)",
        warning_border="#de7921",
        danger_border="#e65b77",
        tooltip_background="#e8ecf0",
        tooltip_text="#11171c",
        skeleton="rgba(144, 164, 181, 0.16)",
        tag_background="rgba(232, 236, 240, 0.08)",
        tag_text="#e8ecf0",
        # The CSS tokens keep the light shadows in dark mode; DuBois' theme (getShadows) darkens them.
        shadow_low="0px 2px 3px -1px rgba(0, 0, 0, 0.45), 0px 1px 0px 0px rgba(0, 0, 0, 0.26)",
        shadow_med="0px 2px 16px 0px rgba(0, 0, 0, 0.61)",
    ),
}

# Series colours from DuBois primitives, in an order whose neighbours differ in hue and lightness; each keeps
# 3:1 against its mode's background (WCAG 1.4.11), so a bar or a line is seen without its neighbours.
COLORWAYS: dict[Mode, tuple[str, ...]] = {
    "light": ("#2272b4", "#be501e", "#277c43", "#8a63bf", "#c82d4c", "#04867d"),  # blue600 yellow600 green600 …
    "dark": ("#4299e0", "#de7921", "#3ba65e", "#b399ff", "#e65b77", "#0ad8b6"),  # blue500 yellow500 green500 …
}
# Sequential scales (heatmaps) along DuBois' blues: from the background's end to the strongest contrast.
SEQUENTIAL: dict[Mode, tuple[str, ...]] = {
    "light": ("#f0f8ff", "#bae1fc", "#4299e0", "#0e538b", "#04355d"),
    "dark": ("#1f272d", "#04355d", "#2272b4", "#4299e0", "#bae1fc"),
}


@functools.cache
def _plotly_template(mode: Mode) -> go.layout.Template:
    """A Plotly template on a transparent background (the card's colour shows through), text, grid, hover labels
    and series colours from the mode's palette."""
    palette = PALETTES[mode]
    template = go.layout.Template(pio.templates["plotly_white" if mode == "light" else "plotly_dark"])
    axis = {"gridcolor": palette.border, "linecolor": palette.control_border, "zerolinecolor": palette.control_border}
    scale = SEQUENTIAL[mode]
    template.layout.update(
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"color": palette.text, "family": FONT_FAMILY},
        colorway=list(COLORWAYS[mode]),
        xaxis=axis,
        yaxis=axis,
        colorscale={"sequential": [[i / (len(scale) - 1), colour] for i, colour in enumerate(scale)]},
        hoverlabel={
            "bgcolor": palette.tooltip_background,
            "bordercolor": palette.tooltip_background,
            "font": {"family": FONT_FAMILY, "color": palette.tooltip_text},
        },
    )
    return template


class _Templates(Mapping[Mode, go.layout.Template]):
    """Each mode's template, built the first time a chart asks for it: copying Plotly's own takes 0.15 s, which
    the app's start need not wait for."""

    def __getitem__(self, mode: Mode) -> go.layout.Template:
        if mode not in MODES:
            raise KeyError(mode)
        return _plotly_template(mode)

    def __iter__(self) -> Iterator[Mode]:
        return iter(MODES)

    def __len__(self) -> int:
        return len(MODES)


PLOTLY_TEMPLATES: Mapping[Mode, go.layout.Template] = _Templates()
