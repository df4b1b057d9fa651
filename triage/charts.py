"""The charts' shared house style, and the plan's impact/effort chart.

Each input kind's charts live in ``triage/kinds/<kind>/charts.py`` and build on the helpers here
(:func:`figure`, :func:`plain`, :func:`reference_line`, the palette). All are pure chart builders:
analysis in, ``plotly.graph_objects.Figure`` out.

One visual language on every chart, from the colour-blind-safe Okabe–Ito palette
(:mod:`triage.palette`): working time is blue, waiting time orange, quick wins green, cross-team
work purple, the bottleneck vermillion. No chart sets a background, grid or text colour: with
``st.plotly_chart``'s default ``theme="streamlit"`` the page's theme, light or dark, supplies them,
and the palette reads on both. Every chart carries its headline, one sentence computed from its
data, in ``layout.meta["headline"]`` (:func:`headline`): the page shows it beside the chart and
gives it to screen readers as the chart's text alternative.
graph_objects only — plotly.express costs about ten times more per call on every rerun — and each
figure is built in one ``go.Figure(data, layout)`` call: every ``update_*``/``add_hline`` call
re-validates the figure, which made charts most of a page rerun (6 ms for the shared layout
alone, 0.7 ms as one dict).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from triage.palette import (  # noqa: F401  (the kinds' charts take the palette from here)
    BETTER,
    CROSS_TEAM,
    HIGHLIGHT,
    KIND_COLOURS,
    NEUTRAL,
    QUICK_WIN,
    REFERENCE,
    UNSPLIT,
    WAITING,
    WORKING,
    WORSE,
)
from triage.plan import Plan

# No "4.49e-05" or "10k" on an axis: plain numbers unless a chart sets its own tickformat. No grid
# colour: the theme's grid suits its background (a light grey grid glares on a dark page).
_AXIS = {"zeroline": False, "exponentformat": "none"}
# Plotly's toolbar (modebar) sits in the top-right corner, about 30 px high: the title goes
# below it, on its own line, and the legend below the title, so neither is ever covered.
_MODEBAR_PX, _TITLE_PX, _LEGEND_PX = 32, 30, 28
_AXIS_KEY = re.compile(r"[xy]axis\d*")


def plain(text: object) -> str:
    """A name from people or files, safe as Plotly text: Plotly reads a subset of HTML in titles,
    tick labels and hover text (a typed ``<a href=…>`` would become a link, ``a<b>c`` bold).
    Only the angle brackets matter; a bare "&" shows as it is."""
    return str(text).replace("<", "&lt;").replace(">", "&gt;")


def figure(traces: Sequence[Any], title: str, height: int = 380, *, headline: str,
           xaxis: dict | None = None, yaxis: dict | None = None, **layout: Any) -> go.Figure:
    """The house style around ``traces``, in one call; ``layout`` adds or overrides layout keys
    (every x/y axis, including ``yaxis2``, gets plain tick numbers and no zero line).
    ``headline``: the chart's message in one plain-text sentence (names as typed, not escaped),
    kept in ``layout.meta`` for the page's caption and the chart's text alternative."""
    axes = {"xaxis": xaxis or {}, "yaxis": yaxis or {},
            **{key: layout.pop(key) for key in list(layout) if _AXIS_KEY.fullmatch(key)}}
    traces = list(traces)
    legend = layout.get("showlegend", sum(getattr(t, "showlegend", None) is not False
                                          for t in traces) > 1)
    top = _MODEBAR_PX + (_TITLE_PX if title else 0) + (_LEGEND_PX if legend else 8)
    margin = {"l": 10, "r": 20, "t": 60, "b": 40, **(layout.pop("margin", None) or {})}
    asked, margin["t"] = margin["t"], max(margin["t"], top)
    return go.Figure(data=traces, layout={
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 18},
                  "xref": "container", "yref": "container", "y": 1, "yanchor": "top",
                  "pad": {"t": _MODEBAR_PX}},
        "font": {"size": 16},
        "height": height + margin["t"] - asked,  # the plot area keeps its height
        "margin": margin,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        "meta": {"headline": headline},
        **{key: {**_AXIS, **axis} for key, axis in axes.items()},
        **layout,
    })


def headline(chart: go.Figure) -> str:
    """The chart's one-sentence headline (its text alternative), as :func:`figure` stored it."""
    meta = chart.layout.meta
    return str(meta.get("headline", "")) if isinstance(meta, dict) else ""


def reference_line(*, x: float | None = None, y: float | None = None, colour: str = REFERENCE,
                   dash: str = "dash", width: float | None = None, text: str = "",
                   text_at: str = "top") -> dict[str, list[dict]]:
    """A vertical (``x``) or horizontal (``y``) line across the plot, with an optional label:
    the shapes and annotations ``add_vline``/``add_hline`` would add, as layout keys."""
    line = {"color": colour, "dash": dash} | ({"width": width} if width is not None else {})
    if x is not None:
        shape = {"type": "line", "xref": "x", "x0": x, "x1": x, "yref": "y domain", "y0": 0,
                 "y1": 1, "line": line}
        note = {"xref": "x", "x": x, "xanchor": "center", "yref": "y domain", "y": 1,
                "yanchor": "bottom"}
    else:
        shape = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": y,
                 "y1": y, "line": line}
        note = {"xref": "x domain", "x": 1, "xanchor": "right", "yref": "y", "y": y,
                "yanchor": "bottom"}
    notes = [{**note, "text": text, "showarrow": False}] if text else []
    return {"shapes": [shape], "annotations": notes}


def _short(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# Label placement for the impact/effort chart, in pixels of an assumed plot area: narrow enough
# for a 1024 px screen with the sidebar open, so labels that fit here fit on wider screens too.
_PLOT_W, _PLOT_H = 480, 340
_CHAR_W, _LINE_H, _MARKER_R = 7.6, 20, 9  # 14 px labels: ~7 px a character
_PLACES = {  # textposition: (dx, dy) of the label box's centre from the point, in box units
    "middle right": (0.5, 0), "middle left": (-0.5, 0), "top center": (0, -0.5),
    "bottom center": (0, 0.5), "top right": (0.5, -0.5), "bottom right": (0.5, 0.5),
    "top left": (-0.5, -0.5), "bottom left": (-0.5, 0.5),
}


def _label_places(points: list[tuple[float, float]], texts: list[list[str]],
                  whiskers: list[tuple[float, float, float, float]] | None = None
                  ) -> list[tuple[str, str]]:
    """(text, textposition) per point: the longest of its candidate texts that fits somewhere
    without overlapping another label, a marker, a range line or the plot's edge. Points (and
    their ranges: x low, x high, y low, y high) are in plot fractions, best-ranked first, so they
    get the best spots."""
    boxes = [(x * _PLOT_W - _MARKER_R, (1 - y) * _PLOT_H - _MARKER_R,
              x * _PLOT_W + _MARKER_R, (1 - y) * _PLOT_H + _MARKER_R) for x, y in points]
    obstacles = list(boxes)
    for (x, y), (x_low, x_high, y_low, y_high) in zip(points, whiskers or [], strict=False):
        obstacles.append((x_low * _PLOT_W, (1 - y) * _PLOT_H - 1, x_high * _PLOT_W,
                          (1 - y) * _PLOT_H + 1))
        obstacles.append((x * _PLOT_W - 1, (1 - y_high) * _PLOT_H, x * _PLOT_W + 1,
                          (1 - y_low) * _PLOT_H))
    placed: list[tuple[float, float, float, float]] = []
    result = []
    for index, ((x, y), candidates) in enumerate(zip(points, texts, strict=True)):
        cx, cy = x * _PLOT_W, (1 - y) * _PLOT_H
        chosen = (candidates[-1], "top center")
        for text in candidates:
            width, height = len(text) * _CHAR_W + 6, _LINE_H
            fits = None
            for place, (dx, dy) in _PLACES.items():
                left = cx + dx * (width + 2 * _MARKER_R) - width / 2
                top = cy + dy * (height + 2 * _MARKER_R) - height / 2
                box = (left, top, left + width, top + height)
                inside = box[0] >= 0 and box[2] <= _PLOT_W and box[1] >= 0 and box[3] <= _PLOT_H
                clear = not any(_overlap(box, other) for other in placed) and not any(
                    _overlap(box, other) for i, other in enumerate(obstacles) if i != index)
                if inside and clear:
                    fits = (place, box)
                    break
            if fits is not None:
                chosen = (text, fits[0])
                placed.append(fits[1])
                break
        result.append(chosen)
    return result


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def impact_effort(plan: Plan) -> go.Figure:
    """Each quantified action at its effort (x, midpoint with its range) and expected impact (y,
    midpoint with its range), numbered by its rank in the plan (as in the exports).

    Both axes come from the data, whatever the unit (hours per month, CTR points, requests…):
    0 to the largest range end plus a margin. Labels read "rank · title", shortened or reduced to
    the rank where they would overlap another label or point; the hover has the full title.
    """
    ranks = {item.id: position for position, item in enumerate(plan.actions, start=1)}
    quantified = [a for a in plan.active if a.impact is not None]
    unit = quantified[0].impact.unit if quantified else ""
    quantified = [a for a in quantified if a.impact.unit == unit]
    widest = max((a.action.effort_days[1] for a in quantified), default=1.0) or 1.0
    highest = max((a.impact.high for a in quantified), default=1.0)
    lowest = min([0.0] + [a.impact.low for a in quantified])
    span = (highest - lowest) or abs(highest) or 1.0
    x_range = [0.0, widest * 1.12]
    y_range = [lowest - 0.06 * span if lowest < 0 else -0.04 * span, highest + 0.12 * span]
    by_rank = sorted(quantified, key=lambda a: ranks[a.id])
    def fx(value: float) -> float:
        return (value - x_range[0]) / (x_range[1] - x_range[0])

    def fy(value: float) -> float:
        return (value - y_range[0]) / (y_range[1] - y_range[0])

    points = [(fx(a.action.effort_mid), fy(a.impact.mid)) for a in by_rank]
    whiskers = [(fx(a.action.effort_days[0]), fx(a.action.effort_days[1]), fy(a.impact.low),
                 fy(a.impact.high)) for a in by_rank]
    texts = [[f"{ranks[a.id]} · {plain(_short(a.action.title, width))}" for width in (30, 16)]
             + [str(ranks[a.id])] for a in by_rank]
    labels = dict(zip((a.id for a in by_rank), _label_places(points, texts, whiskers),
                      strict=True))
    traces = []
    for kind, colour in KIND_COLOURS.items():
        items = [a for a in by_rank if a.action.kind == kind]
        if not items:
            continue
        traces.append(go.Scatter(
            x=[a.action.effort_mid for a in items],
            y=[a.impact.mid for a in items],
            error_x={"type": "data", "symmetric": False, "thickness": 1.5, "width": 0,
                     "array": [a.action.effort_days[1] - a.action.effort_mid for a in items],
                     "arrayminus": [a.action.effort_mid - a.action.effort_days[0] for a in items]},
            error_y={"type": "data", "symmetric": False, "thickness": 1.5, "width": 0,
                     "array": [a.impact.high - a.impact.mid for a in items],
                     "arrayminus": [a.impact.mid - a.impact.low for a in items]},
            mode="markers+text", text=[labels[a.id][0] for a in items],
            textposition=[labels[a.id][1] for a in items],
            textfont={"size": 14},  # the theme's text colour
            name=items[0].kind_label, marker={"color": colour, "size": 16},
            customdata=[[plain(a.action.title), a.impact.text(), ranks[a.id], a.effort_text]
                        for a in items],
            hovertemplate="%{customdata[2]}. %{customdata[0]}<br>effort %{customdata[3]}<br>"
                          "%{customdata[1]}<extra></extra>",
        ))
    # Points whose label had to shrink to the rank are named under the chart, so a number on
    # the chart is never the only way to tell which action it is.
    key = [f"{ranks[a.id]} · {plain(_short(a.action.title, 44))}" for a in by_rank
           if labels[a.id][0] == str(ranks[a.id])]
    rows = ["      ".join(key[i:i + 2]) for i in range(0, len(key), 2)]
    notes = [{"xref": "paper", "yref": "paper", "x": 0, "y": 0, "yshift": -58, "xanchor": "left",
              "yanchor": "top", "align": "left", "showarrow": False, "font": {"size": 14},
              "text": "<br>".join(rows)}] if rows else []
    result = figure(traces, "Impact vs effort — top left first", height=460,
                    headline=_impact_effort_headline(by_rank, ranks),
                    xaxis={"title": "effort (person-days; lines: the range)", "range": x_range},
                    yaxis={"title": f"expected impact ({plain(unit)})", "range": y_range,
                           "tickformat": _tick_format(highest)},
                    annotations=notes)
    if rows:  # room for the key under the axis title, keeping the house margins otherwise
        extra = 20 * len(rows) + 16
        result.layout.margin.b = (result.layout.margin.b or 40) + extra
        result.layout.height = (result.layout.height or 460) + extra
    return result


def _impact_effort_headline(by_rank: list, ranks: dict[str, int]) -> str:
    if not by_rank:
        return "No action on the plan has a quantified impact to chart yet."
    quick = sum(a.action.kind == "quick_win" for a in by_rank)
    best = max(by_rank, key=lambda a: a.score or 0.0)
    return (f"{len(by_rank)} quantified action{'s' if len(by_rank) != 1 else ''} "
            f"({quick} quick win{'s' if quick != 1 else ''}, {len(by_rank) - quick} cross-team); "
            f"most impact per day of effort: {ranks[best.id]}. {best.action.title}, "
            f"{best.impact.text()} for {best.effort_text}.")


def _tick_format(highest: float) -> str:
    """Plain decimals for the impact axis, never '1e-3' or SI suffixes like '500µ'."""
    if highest <= 0 or not math.isfinite(highest):
        return ""
    if highest >= 100:
        return ",.0f"
    return f".{max(0, 1 - math.floor(math.log10(highest / 5)))}f"
