"""The one palette: a colour per meaning, the same on every chart, export and diagram, in both themes.

The hues are the colour-blind-safe Okabe–Ito palette's; where an original was too light to show
on a white page (orange, sky blue, reddish purple, grey) it is darkened just enough. Every mark
colour here keeps a WCAG contrast of at least 3:1 (the bar for graphical objects, WCAG 1.4.11)
against both of Streamlit's page backgrounds, light and dark, so a chart needs no second palette
for the dark theme (``tests/test_palette.py`` checks it, the dark browser test checks the
background). Pure Python: importing it costs nothing.

Charts set no background, grid or text colour of their own: Streamlit's chart theme gives them the
page's (see ``triage/charts.py``).
"""

from __future__ import annotations

# Streamlit's page backgrounds (its default light and dark themes, as 1.67 draws them; the dark
# browser test reads the dark one from the page).
LIGHT_BACKGROUND = "#ffffff"
DARK_BACKGROUND = "#171614"

WORKING = "#0072B2"  # blue: active working time
WAITING = "#C77C00"  # orange: time spent waiting
UNSPLIT = "#8A8A8A"  # grey: time not split into working and waiting; "before", "now", training
QUICK_WIN = "#009E73"  # bluish green: what the team can do alone, in days
CROSS_TEAM = "#B8629A"  # reddish purple: needs another team
HIGHLIGHT = "#D55E00"  # vermillion: the bottleneck, the slowest stage, the largest loss
NEUTRAL = "#3A93C8"  # sky blue: the other stages or features, next to a highlighted one
REFERENCE = "#7A7A7A"  # mid grey: thresholds, budgets, zero lines, chance bands, intervals

WORSE = HIGHLIGHT  # a metric moving the wrong way; "lost"; a drifted feature
BETTER = WORKING  # a metric moving the right way; "kept"
LOST, KEPT, DRIFTED = WORSE, BETTER, WORSE
BEFORE, AFTER = UNSPLIT, WORKING  # follow-up: the baseline and the measured result

KIND_COLOURS = {"quick_win": QUICK_WIN, "cross_team": CROSS_TEAM}

# Every colour a chart mark may take, by name (the contrast test walks this).
MARKS = {
    "working": WORKING, "waiting": WAITING, "unsplit": UNSPLIT, "quick_win": QUICK_WIN,
    "cross_team": CROSS_TEAM, "highlight": HIGHLIGHT, "neutral": NEUTRAL, "reference": REFERENCE,
}


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour (sRGB, 0 black to 1 white)."""
    text = colour.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"expected a #rrggbb colour, got {colour!r}")
    channels = [int(text[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two colours: 1 (same) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
