"""One colour per meaning, readable on the light and the dark page (WCAG 1.4.11: 3:1 for marks)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from triage import palette

ROOT = Path(__file__).resolve().parent.parent


def test_contrast_formula_matches_wcag_reference_values():
    assert palette.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert palette.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert palette.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # The original Okabe–Ito orange is too light for a white page: the reason it was darkened.
    assert palette.contrast_ratio("#E69F00", palette.LIGHT_BACKGROUND) < 3


@pytest.mark.parametrize("background", [palette.LIGHT_BACKGROUND, palette.DARK_BACKGROUND])
@pytest.mark.parametrize("name", sorted(palette.MARKS))
def test_every_mark_colour_reads_on_both_backgrounds(name, background):
    assert palette.contrast_ratio(palette.MARKS[name], background) >= 3.0


def test_meanings_keep_distinct_colours():
    assert len(set(palette.MARKS.values())) == len(palette.MARKS)
    assert palette.LOST == palette.DRIFTED == palette.WORSE == palette.HIGHLIGHT
    assert palette.KEPT == palette.BETTER == palette.WORKING


def test_no_colour_literal_outside_the_palette():
    """Chart code names its colours from the palette; a hex literal elsewhere is a second copy
    (the exported HTML's page styling, graphviz node fills and Streamlit's config are not marks)."""
    allowed = {"triage/palette.py", "triage/export.py", "triage/dot.py"}
    literal = re.compile(r"#[0-9a-fA-F]{6}\b|\"(?:white|black)\"")
    found = []
    for path in [*ROOT.glob("triage/**/*.py"), *ROOT.glob("ui/**/*.py")]:
        name = path.relative_to(ROOT).as_posix()
        if name not in allowed:
            found += [f"{name}: {m.group()}" for m in literal.finditer(path.read_text())]
    assert found == []


def test_exports_and_diagrams_take_the_same_colours():
    from triage import dot, export

    assert export.KIND_COLOURS == palette.KIND_COLOURS
    assert dot.PATH_COLOUR == palette.HIGHLIGHT
    assert palette.QUICK_WIN in export._CSS and palette.CROSS_TEAM in export._CSS
