"""Accessibility in a real browser: axe-core (from npm, tests/a11y) injected into Chromium on every
page of the app, worked examples loaded where a page has one; and one dark-theme run whose charts
must take the dark page's background, never white.

One server and one browser for all light-theme pages, one of each for the dark run. The check
fails on violations of impact "serious" or "critical". The few rules excluded below are
violations inside Streamlit's own components, each named with its exact selector and why.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.browser_support import (
    ARTIFACTS,
    chromium,
    missing,
    streamlit_server,
    wait_for_app,
)
from triage import palette

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

# (rule id, CSS selector the reported element matches): Streamlit's own markup and styling, not
# ours to change. Matched per rule and element, so the same rule still fails anywhere else.
STREAMLIT_OWN = [
    # The sidebar navigation (st.navigation with sections) groups each section's links inside its
    # <ul> in containers that are not <li>, so axe sees a list with non-item children and the
    # links' <li> without a list parent.
    ("list", '[data-testid="stSidebarNavItems"]'),
    ("listitem", '[data-testid="stSidebarNavItems"] li'),
    # st.graphviz_chart's own box scrolls when the drawn tree is wider than the column (whether it
    # is depends on when the SVG is measured) and Streamlit gives it no tabindex; our code cannot.
    ("scrollable-region-focusable", '[data-testid="stGraphVizChart"]'),
]


def _axe_source() -> str:
    if not AXE.exists():
        missing(f"{AXE} is missing: run `npm ci --prefix tests/a11y`")
    return AXE.read_text()


def _violations(page, where: str) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line per node."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_axe_source())
    started = time.monotonic()
    result = page.evaluate("""async (excluded) => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        const theirs = (id, target) => {
            const element = document.querySelector(target);
            return element !== null && excluded.some(([rule, css]) => rule === id && element.matches(css));
        };
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact,
                                      html: n.html.slice(0, 200), streamlit: theirs(v.id, n.target[0]),
                                      why: [...n.any, ...n.all].map(c => c.message).join('; ')}))}));
    }""", STREAMLIT_OWN)
    took = time.monotonic() - started
    (ARTIFACTS / "a11y").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "a11y" / f"{re.sub(r'[^a-z0-9]+', '_', where.lower())}.json").write_text(
        json.dumps({"seconds": round(took, 2), "violations": result}, indent=1))
    found = []
    for rule in result:
        for node in rule["nodes"]:
            impact = node["impact"] or rule["impact"]
            if impact in BLOCKING and not node["streamlit"]:
                found.append(f"{where}: {rule['id']} ({impact}) {node['target']}: {rule['help']} "
                             f"— {node['why']} — {node['html']}")
    return found


def _open(page, name: str) -> None:
    """A page through the sidebar's navigation, keeping the session (a new URL would start a new
    one and lose the loaded example)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name, exact=True).click()
    wait_for_app(page)


def _load_example(page, card: int) -> None:
    _open(page, "Home")
    page.get_by_role("button", name="Load a worked example").nth(card).click()
    wait_for_app(page)
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=30_000)
    wait_for_app(page)


def test_every_page_passes_axe_core(tmp_path):
    from playwright.sync_api import expect

    with streamlit_server() as url, chromium(tmp_path) as context:
        page = context.new_page()
        page.goto(url)
        wait_for_app(page)
        expect(page.get_by_role("heading", name="ML triage playbook")).to_be_visible()
        found = _violations(page, "Home")
        for name in ("Not sure where the problem is?", "More GPU quota",
                     "Playbooks", "Review saved plans"):
            _open(page, name)
            found += _violations(page, name)
        # The scenarios with their worked examples, and the plan the first one makes.
        for card, name in enumerate(("iteration", "production", "access")):
            _load_example(page, card)
            found += _violations(page, f"{name} with its worked example")
            if name == "iteration":
                _open(page, "Action plan")
                found += _violations(page, "Action plan of the iteration example")
    assert found == [], "\n".join(found)


def _rgb(colour: str) -> str:
    text = colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(text[i:i + 2], 16) for i in (0, 2, 4)))


def test_a_dark_browser_gets_the_dark_theme_and_charts_take_its_background(tmp_path):
    """A viewer whose browser prefers dark gets the dark theme (config.toml's [theme.dark]), with
    no white chart boxes on it."""
    with streamlit_server() as url, chromium(tmp_path, color_scheme="dark") as context:
        page = context.new_page()
        page.goto(url)
        wait_for_app(page)
        _load_example(page, 0)
        charts = page.locator('[data-testid="stPlotlyChart"]')
        assert charts.count() >= 2
        app = page.evaluate("""() => getComputedStyle(
            document.querySelector('[data-testid="stApp"]')).backgroundColor""")
        assert app == _rgb(palette.DARK_BACKGROUND)  # the page the palette's contrast is checked on
        backgrounds = page.evaluate("""() => [...document.querySelectorAll(
                '[data-testid="stPlotlyChart"] .js-plotly-plot')].map(plot => ({
            paper: getComputedStyle(plot.querySelector('svg.main-svg')).backgroundColor,
            plot: [...plot.querySelectorAll('.bglayer rect.bg')].map(r => getComputedStyle(r).fill),
            title: (plot.querySelector('.gtitle') || {}).textContent || ''}))""")
        assert len(backgrounds) == charts.count()
        white = {"rgb(255, 255, 255)", "white"}
        for chart in backgrounds:
            assert chart["paper"] not in white, chart
            assert chart["paper"] in (_rgb(palette.DARK_BACKGROUND), "rgba(0, 0, 0, 0)"), chart
            assert not white & set(chart["plot"]), chart
        found = _violations(page, "iteration example, dark theme")
        # The playbook tree (Graphviz) draws no background of its own, and its answer labels
        # take the theme's text colour: readable on the dark page.
        _open(page, "Playbooks")
        page.locator('[data-testid="stGraphVizChart"] svg g.edge text').first.wait_for()
        tree = page.evaluate("""() => {
            const svg = document.querySelector('[data-testid="stGraphVizChart"] svg');
            const bg = svg.querySelector('g.graph > polygon');
            return {background: bg ? bg.getAttribute('fill') : 'none',
                    labels: [...svg.querySelectorAll('g.edge text')].map(t => getComputedStyle(t).fill)};
        }""")
    assert found == [], "\n".join(found)
    assert tree["background"] in ("none", "transparent"), tree["background"]
    for fill in set(tree["labels"]):
        red, green, blue = (int(v) for v in re.findall(r"\d+", fill)[:3])
        colour = f"#{red:02x}{green:02x}{blue:02x}"
        assert palette.contrast_ratio(colour, palette.DARK_BACKGROUND) >= 4.5, fill
