"""Pure chart builders: analysis in, ``plotly.graph_objects.Figure`` out.

One visual language on every chart, from the colour-blind-safe Okabe–Ito palette: working time is
blue, waiting time orange, quick wins green, cross-team work purple, the bottleneck vermillion.
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

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from triage.gap import Waterfall, decimals_for, fixed
from triage.iteration import IterationAnalysis, WhatIf
from triage.plan import Plan, fmt
from triage.vocabulary import stage_label

WORKING = "#0072B2"
WAITING = "#E69F00"
UNSPLIT = "#999999"
QUICK_WIN = "#009E73"
CROSS_TEAM = "#CC79A7"
HIGHLIGHT = "#D55E00"
NEUTRAL = "#56B4E9"
KIND_COLOURS = {"quick_win": QUICK_WIN, "cross_team": CROSS_TEAM}

# No "4.49e-05" or "10k" on an axis: plain numbers unless a chart sets its own tickformat.
_AXIS = {"gridcolor": "#e5e5e5", "zeroline": False, "exponentformat": "none"}
# Plotly's toolbar (modebar) sits in the top-right corner, about 30 px high: the title goes
# below it, on its own line, and the legend below the title, so neither is ever covered.
_MODEBAR_PX, _TITLE_PX, _LEGEND_PX = 32, 30, 28
_AXIS_KEY = re.compile(r"[xy]axis\d*")


def plain(text: object) -> str:
    """A name from people or files, safe as Plotly text: Plotly reads a subset of HTML in titles,
    tick labels and hover text (a typed ``<a href=…>`` would become a link, ``a<b>c`` bold).
    Only the angle brackets matter; a bare "&" shows as it is."""
    return str(text).replace("<", "&lt;").replace(">", "&gt;")


def figure(traces: Sequence[Any], title: str, height: int = 380, *, xaxis: dict | None = None,
           yaxis: dict | None = None, **layout: Any) -> go.Figure:
    """The house style around ``traces``, in one call; ``layout`` adds or overrides layout keys
    (every x/y axis, including ``yaxis2``, gets the light grid and no zero line)."""
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
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        **{key: {**_AXIS, **axis} for key, axis in axes.items()},
        **layout,
    })


def reference_line(*, x: float | None = None, y: float | None = None, colour: str = "#444444",
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


def iteration_breakdown(analysis: IterationAnalysis) -> go.Figure:
    """The average iteration, stage by stage (mean hours per run, which add up to the mean of
    run totals), each bar split into working and waiting time."""
    # Horizontal bars read top-down in pipeline order; a stage with no time gets no row.
    stages = [s for s in reversed(analysis.stages) if s.hours > 0]
    labels = [plain(s.label) for s in stages]
    working = [s.active_hours if s.wait_hours is not None else 0.0 for s in stages]
    waiting = [s.wait_hours or 0.0 for s in stages]
    unsplit = [s.hours if s.wait_hours is None else 0.0 for s in stages]
    traces = [
        go.Bar(y=labels, x=values, name=name, orientation="h", marker_color=colour,
               hovertemplate="%{y}: %{x:.1f} h " + name + " on average<extra></extra>")
        for name, values, colour in (("working", working, WORKING), ("waiting", waiting, WAITING),
                                     ("not split", unsplit, UNSPLIT))
        if any(v > 0 for v in values)
    ]
    shares = [_share_text(s.share) for s in stages]
    traces.append(go.Scatter(
        y=labels, x=[s.hours for s in stages], text=shares, mode="text",
        textposition="middle right", showlegend=False, hoverinfo="skip",
        textfont={"size": 16}, cliponaxis=False,  # a narrow plot must not cut the "41%"
    ))
    longest = max((s.hours for s in stages), default=0.0) or 1.0
    one_run = analysis.source == "runs" and analysis.runs == 1
    title = (f"One iteration: {analysis.iteration_hours:.1f} h" if one_run
             else f"One iteration on average: {analysis.iteration_hours:.1f} h")
    if not one_run and analysis.typical_iteration_hours is not None:
        title += f" (typical {analysis.typical_iteration_hours:.1f} h)"
    axis = "hours" if one_run else "mean hours per iteration"
    return figure(traces, title,
                  height=120 + 48 * len(stages), barmode="stack",
                  xaxis={"title": axis, "range": [0, longest * 1.18]},
                  margin={"l": 10, "r": 40, "t": 60, "b": 40})  # room for the last bar's share


def stage_pareto(analysis: IterationAnalysis) -> go.Figure:
    """Stage shares from largest to smallest, with the cumulative share on a second axis."""
    ordered = sorted((s for s in analysis.stages if s.share > 0), key=lambda s: s.share,
                     reverse=True)
    labels = [plain(s.label) for s in ordered]
    cumulative = pd.Series([s.share for s in ordered]).cumsum().tolist()
    top = analysis.bottleneck
    colours = [HIGHLIGHT if top and s.stage == top.stage else NEUTRAL for s in ordered]
    traces = [
        go.Bar(x=labels, y=[s.share for s in ordered], marker_color=colours, name="share",
               text=[_share_text(s.share) for s in ordered], texttemplate="%{text}",
               textposition="outside",
               hovertemplate="%{x}: %{y:.1%}<extra></extra>"),
        go.Scatter(x=labels, y=cumulative, name="cumulative", mode="lines+markers",
                   line={"color": "#444444"}, yaxis="y2",
                   hovertemplate="%{x}: %{y:.0%} so far<extra></extra>"),
    ]
    return figure(
        traces, "Share of the average iteration, largest first", showlegend=False,
        yaxis={"tickformat": ".0%",
               "range": [0, max(0.01, ordered[0].share * 1.2 if ordered else 0.01)]},
        yaxis2={"overlaying": "y", "side": "right", "range": [0, 1.05], "tickformat": ".0%",
                "tickvals": [0, 0.25, 0.5, 0.75, 1], "showgrid": False},
    )


def stage_distributions(per_run: pd.DataFrame) -> go.Figure:
    """How much each stage varies from run to run: one box per stage over the hours of the runs
    that have it (the distribution, not the means that add up)."""
    order = per_run.groupby("stage", sort=False)["hours"].median()
    order = order[per_run.groupby("stage", sort=False)["hours"].max() > 0]  # no all-zero rows
    longest = float(per_run["hours"].max()) if len(per_run) else 0.0
    traces = [go.Box(x=per_run.loc[per_run["stage"] == stage, "hours"],
                     name=plain(stage_label(stage)), marker_color=WORKING, boxpoints="outliers",
                     orientation="h")
              for stage in order.index]
    return figure(traces, "Run-to-run spread per stage", height=120 + 55 * len(order),
                  showlegend=False,
                  xaxis={"title": "hours per run", "range": [0, (longest or 1.0) * 1.05]})


def whatif_comparison(analysis: IterationAnalysis, projection: WhatIf) -> go.Figure:
    """Each stage's mean hours per iteration now and after the what-if speed-ups (stages with no
    time get no row)."""
    stages = [s for s in reversed(analysis.stages) if s.hours > 0]
    labels = [plain(s.label) for s in stages]
    traces = [
        go.Bar(y=labels, x=[s.hours for s in stages], name="now", orientation="h",
               marker_color=UNSPLIT),
        go.Bar(y=labels, x=[projection.after_by_stage[s.stage] for s in stages], name="what-if",
               orientation="h", marker_color=WORKING),
    ]
    title = (f"What-if: {projection.before_hours:.1f} h → {projection.after_hours:.1f} h "
             f"({projection.speedup:.2f}× faster)")
    longest = max((s.hours for s in stages), default=0.0) or 1.0
    return figure(traces, title, height=140 + 60 * len(stages), barmode="group",
                  xaxis={"title": "mean hours per iteration", "range": [0, longest * 1.08]})


def _share_text(share: float) -> str:
    """A stage's share as a label: "<1%" rather than a "0%" that reads as no time at all."""
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"


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
            textfont={"size": 14, "color": "#333333"},
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
                    xaxis={"title": "effort (person-days; lines: the range)", "range": x_range},
                    yaxis={"title": f"expected impact ({plain(unit)})", "range": y_range,
                           "tickformat": _tick_format(highest)},
                    annotations=notes)
    if rows:  # room for the key under the axis title, keeping the house margins otherwise
        extra = 20 * len(rows) + 16
        result.layout.margin.b = (result.layout.margin.b or 40) + extra
        result.layout.height = (result.layout.height or 460) + extra
    return result


def _tick_format(highest: float) -> str:
    """Plain decimals for the impact axis, never '1e-3' or SI suffixes like '500µ'."""
    if highest <= 0 or not math.isfinite(highest):
        return ""
    if highest >= 100:
        return ",.0f"
    return f".{max(0, 1 - math.floor(math.log10(highest / 5)))}f"


# --------------------------------------------------------------------------------------------
# Production underperformance

WORSE = HIGHLIGHT
BETTER = WORKING


def gap_waterfall(chart: Waterfall, metric_name: str, higher_is_better: bool = True) -> go.Figure:
    """Expected → each part of the change → observed; worse-direction bars in vermillion.

    A part that is exactly zero (no fallback columns, an unchanged mix) draws no bar: it says
    nothing and would only crowd the axis. Every value shows with one number of fixed decimals,
    three significant digits of the gap, never in scientific notation.
    """
    steps = [step for step in chart.steps if abs(step[1]) > 1e-15]
    labels = ["expected", *(plain(label) for label, _, _ in steps), "observed"]
    values = [chart.expected, *(value for _, value, _ in steps), chart.observed]
    meanings = ["what offline or shadow promised", *(plain(m) for _, _, m in steps),
                "what production shows"]
    down, up = (WORSE, BETTER) if higher_is_better else (BETTER, WORSE)
    gap = chart.observed - chart.expected
    # Step labels share one number of decimals, two digits finer than the gap itself.
    decimals = decimals_for(gap)
    bars = go.Waterfall(
        x=labels, y=values, measure=["absolute", *["relative"] * len(steps), "total"],
        text=[fmt(v) if i in (0, len(values) - 1) else fixed(v, decimals, signed=True)
              for i, v in enumerate(values)],
        textposition="outside", customdata=meanings,
        hovertemplate=f"%{{x}}: %{{y:.{decimals}f}}<br>%{{customdata}}<extra></extra>",
        decreasing={"marker": {"color": down}}, increasing={"marker": {"color": up}},
        totals={"marker": {"color": UNSPLIT}}, connector={"line": {"color": "#bbbbbb"}},
    )
    low = min(chart.expected, chart.observed)
    running, lows, highs = chart.expected, [low], [max(chart.expected, chart.observed)]
    for _, value, _ in steps:
        running += value
        lows.append(running)
        highs.append(running)
    span = max(highs) - min(lows) or abs(chart.expected) or 1.0
    metric_name = plain(metric_name)
    signed_gap = ("+" if gap > 0 else "") + fmt(gap)
    return figure([bars], f"Where {metric_name} is lost: {fmt(chart.expected)} → "
                          f"{fmt(chart.observed)} ({signed_gap})", height=440, showlegend=False,
                  yaxis={"title": metric_name,
                         "range": [min(lows) - 0.6 * span, max(highs) + 0.35 * span]})


def health_vs_budget(checks: list) -> go.Figure:
    """Each serving-health figure as a share of its budget; above 1 is over budget."""
    budgeted = [c for c in checks if c.budget]  # a figure without a budget has nothing to meet
    bars = go.Bar(
        x=[c.label for c in budgeted], y=[c.value / c.budget for c in budgeted],
        marker_color=[WORSE if c.over_budget else BETTER for c in budgeted],
        text=[f"{c.value:g} ms" if c.unit == "ms" else f"{c.value:.1%}" for c in budgeted],
        textposition="outside",
        customdata=[f"{c.budget:g} ms" if c.unit == "ms" else f"{c.budget:.1%}" for c in budgeted],
        hovertemplate="%{x}: %{text} (budget %{customdata})<extra></extra>",
    )
    top = max([c.value / c.budget for c in budgeted] + [1.0])
    # The line is labelled in the axis title: a label on the line hides behind the tallest bar.
    return figure([bars], "Serving health against budget", height=360,
                  yaxis={"title": "share of budget (dashed: 100%)", "tickformat": ".0%",
                         "range": [0, top * 1.25]},
                  **reference_line(y=1))


def drift_ranking(features: list, threshold: float = 0.05) -> go.Figure:
    """Jensen–Shannon distance per feature with what chance alone reaches (the null band).

    Bars are red for drifted features (the tested verdict, see ``triage.drift``); the dotted line
    is the JS floor (``triage.drift.FLOORS``), one of the effect sizes the verdict checks.
    """
    from triage.drift import p_text

    ranked = list(reversed(features))  # largest at the top
    names = [plain(f.feature) for f in ranked]

    def verdict(f: Any) -> str:
        adjusted = getattr(f, "adjusted_p_value", None)
        text = "drifted" if f.drifted else "not drifted"
        return f"{text}, adjusted p {p_text(adjusted)}" if adjusted is not None else text

    traces = [go.Bar(
        y=names, x=[f.js_distance or 0 for f in ranked], orientation="h", name="JS distance",
        marker_color=[WORSE if f.drifted else NEUTRAL for f in ranked],
        customdata=[verdict(f) for f in ranked],
        hovertemplate="%{y}: %{x:.3f} (%{customdata})<extra></extra>",
    ), go.Scatter(
        y=names, x=[(f.null_band or {}).get("js_distance") for f in ranked], mode="markers",
        name="chance alone (95th pct)", marker={"symbol": "line-ns-open", "size": 22,
                                                   "color": "#222222", "line": {"width": 3}},
        hovertemplate="%{y}: chance reaches %{x:.3f}<extra></extra>",
    )]
    bands = [(f.null_band or {}).get("js_distance") or 0 for f in features]
    widest = max([threshold * 1.5] + [max(f.js_distance or 0, band) * 1.15
                                      for f, band in zip(features, bands, strict=True)])
    # The threshold is named in the axis title: a label on the line would sit under the legend.
    # Short axis title and legend names: on a 1024 px screen this chart is ~430 px wide.
    return figure(traces, "Drift per feature, ranked", height=140 + 38 * len(features),
                  xaxis={"title": f"JS distance (0 same, 0.83 disjoint; dotted: {threshold:g} "
                                  "floor)",
                         "range": [0, widest]},
                  **reference_line(x=threshold, dash="dot"))


def drift_distribution(feature) -> go.Figure:
    """Reference (training) vs current (serving) shares on the bins the statistics used.

    Bins empty on both sides carry no information and are left out.
    """
    kept = [i for i, (r, c) in enumerate(zip(feature.reference_shares, feature.current_shares,
                                             strict=True)) if r > 0 or c > 0]
    bins = [plain(feature.bin_labels[i]) for i in kept]
    reference = [feature.reference_shares[i] for i in kept]
    current = [feature.current_shares[i] for i in kept]
    traces = [
        go.Bar(x=bins, y=reference, name="training", marker_color=UNSPLIT,
               hovertemplate="%{x}: %{y:.1%} of training rows<extra></extra>"),
        go.Bar(x=bins, y=current, name="serving",
               marker_color=WORSE if feature.drifted else BETTER,
               hovertemplate="%{x}: %{y:.1%} of serving rows<extra></extra>"),
    ]
    top = max(reference + current + [0.01])
    # The feature's name alone: the chart is narrow beside the ranking, and the legend says
    # training and serving (a spike's value and shares are in words just above the charts).
    return figure(traces, plain(feature.feature), height=340, barmode="group",
                  yaxis={"tickformat": ".0%", "title": "share of rows", "range": [0, top * 1.12]})


# --------------------------------------------------------------------------------------------
# Data access


def _more(stage: Any) -> bool:
    return bool(getattr(stage, "median_more_than", False))


def _wait_days(hours: float, more: bool) -> str:
    return ("> " if more else "") + f"{hours / 24:.1f} d"


def access_stages(stages: list, time_to_access_hours: float | None = None,
                  headline: str = "", marker: str = "", typed: bool = False) -> go.Figure:
    """Where a request waits: one bar of each stage's Kaplan–Meier median wait, the slowest in
    vermillion; a stage whose curve never falls to one half is drawn at its lower bound and
    labelled "> X d" (more than).

    ``headline`` (e.g. "Time to access (median): 5.9 d") titles the chart; when
    ``time_to_access_hours`` is given, a dashed line marks it on the same axis, labelled
    ``marker``: stage medians do not add up to the end-to-end median, and the chart says so
    rather than calling their sum the time to access. Stages without a median or bound are not
    drawn. ``typed``: one typed request, whose stages are its own hours, not medians.
    """
    def hours_of(stage: Any) -> float | None:
        return getattr(stage, "median_or_bound", stage.median_hours)

    shown = [s for s in stages if hours_of(s) is not None]
    slowest = max(shown, key=hours_of, default=None)
    traces = []
    for stage in shown:
        hours, more = hours_of(stage), _more(stage)
        label = plain(stage_label(stage.stage))
        what = "" if typed else (" median, more than (still waiting)" if more else " median (Kaplan–Meier)")
        traces.append(go.Bar(
            y=["stages"], x=[hours], orientation="h", name=label, textangle=0,
            marker_color=HIGHLIGHT if stage is slowest else WAITING,
            marker_line={"color": "white", "width": 2},
            marker_pattern={"shape": "/" if more else ""},
            text=[f"{label}<br>{_wait_days(hours, more)}"], textposition="inside",
            insidetextanchor="middle",
            hovertemplate="%{fullData.name}: " + (">" if more else "") + "%{x:.0f} h" + what
                          + "<extra></extra>",
        ))
    total = sum(hours_of(s) for s in shown)
    more_total = any(_more(s) for s in shown)
    extra: dict[str, Any] = {}
    right = total
    if time_to_access_hours is not None and abs(time_to_access_hours - total) > 0.005 * max(total, 1):
        extra = reference_line(x=time_to_access_hours, colour="#444444", text=plain(marker))
        for note in extra["annotations"]:  # the label left of the line, never cut at the edge
            note["xanchor"] = "right"
        right = max(total, time_to_access_hours)
    title = plain(headline) if headline else "Where a request waits"
    together = ("more than " if more_total else "") + f"{total / 24:.1f} d"
    return figure(traces, title, height=250, barmode="stack", showlegend=False,
                  uniformtext={"minsize": 12, "mode": "hide"},
                  xaxis={"title": (f"hours in each stage (together {together})" if typed else
                                   f"hours: each stage's median, Kaplan–Meier (together {together})"),
                         "range": [0, max(right, 1.0) * 1.04]},
                  yaxis={"showticklabels": False}, margin={"l": 10, "r": 20, "t": 80, "b": 40},
                  **extra)


_WAIT_TICKS = ((0.1, "6 min"), (1, "1 h"), (4, "4 h"), (24, "1 d"), (72, "3 d"), (168, "1 w"),
               (336, "2 w"), (720, "30 d"), (2160, "90 d"), (8760, "1 y"))
_CURVE_COLOURS = (WAITING, WORKING, QUICK_WIN, CROSS_TEAM)
_MIN_CURVE_HOURS = 0.1  # a log axis cannot start at 0: waits shorter than 6 min are drawn there
_MAX_STEPS = 300


def access_distributions(stages: list, sla_note: str = "") -> go.Figure:
    """Each stage's Kaplan–Meier curve: the share of requests still in the stage after t hours
    (completed waits end it, requests still waiting count up to their age at the as-of date), a
    step line per stage on log hours, and a red mark at each SLA whose height is the breach rate
    (the share still waiting at the SLA). Stages without a curve (a typed request) are not
    drawn; a curve of more than 300 steps is drawn on 300 log-spaced hours. The axis runs from
    the shortest typical waits (5th percentile of the stages' event times, at least six minutes:
    auto-approvals would stretch a log axis over decades of nothing) to the longest wait or SLA."""
    shown = [s for s in stages if getattr(s, "curve", None) is not None and s.curve.n]
    traces, lows, longest = [], [], 1.0
    for i, stage in enumerate(shown):
        curve, label = stage.curve, plain(stage_label(stage.stage))
        times = [float(t) for t in curve.event_times]
        if len(times) > _MAX_STEPS:
            grid = np.geomspace(max(times[0], _MIN_CURVE_HOURS), max(curve.longest, _MIN_CURVE_HOURS * 2),
                                _MAX_STEPS)
            x = [_MIN_CURVE_HOURS] + [float(t) for t in grid]
            y = [1.0] + [curve.waiting_at_most(float(t)) for t in grid]
        else:
            x = [_MIN_CURVE_HOURS] + [max(t, _MIN_CURVE_HOURS) for t in times]
            y = [1.0] + [float(v) for v in curve.surviving]
            if curve.longest > (times[-1] if times else 0.0):  # runs on to the longest wait seen
                x.append(max(curve.longest, _MIN_CURVE_HOURS))
                y.append(y[-1])
        traces.append(go.Scatter(
            x=x, y=y, mode="lines", line={"shape": "hv", "color": _CURVE_COLOURS[i % 4], "width": 2.5},
            name=label, hovertemplate=label + ": %{y:.0%} still waiting after %{x:.0f} h<extra></extra>",
        ))
        if times:
            lows.append(times[min(len(times) - 1, len(times) // 20)])
        longest = max(longest, curve.longest, stage.sla_hours)
    marks = [s for s in shown if s.breach_rate is not None]
    if marks:
        traces.append(go.Scatter(
            x=[s.sla_hours for s in marks], y=[s.breach_rate for s in marks], mode="markers",
            name="SLA", marker={"symbol": "line-ns-open", "size": 22, "color": HIGHLIGHT,
                                "line": {"width": 3}},
            text=[plain(stage_label(s.stage)) for s in marks],
            hovertemplate="%{text}: SLA %{x:.0f} h, %{y:.0%} wait longer<extra></extra>",
        ))
    low = min(lows) if lows else 1.0
    low = min([max(low, _MIN_CURVE_HOURS)] + [s.sla_hours for s in shown if s.sla_hours > 0])
    title = ("Share still waiting, by stage (Kaplan–Meier; red mark: SLA)"
             + (f", {plain(sla_note)}" if sla_note else ""))
    ticks = [(h, text) for h, text in _WAIT_TICKS if low / 1.5 <= h <= longest * 1.3]
    return figure(traces, title, height=380, showlegend=True,
                  xaxis={"type": "log", "title": "wait (log scale)",
                         "tickvals": [h for h, _ in ticks], "ticktext": [t for _, t in ticks],
                         "range": [math.log10(low) - 0.15, math.log10(longest) + 0.1]},
                  yaxis={"tickformat": ".0%", "range": [0, 1.04], "title": "still waiting"})


def breach_rates(labels: list[str], rates: list[float | None], title: str,
                 upper_bounds: list[float | None] | None = None) -> go.Figure:
    """Share of requests over their SLA (Kaplan–Meier: the share still waiting at the SLA), one
    bar each (stages or sensitivity tiers). A group whose SLA lies beyond its longest wait seen
    has no rate, only an upper bound: a grey outlined bar labelled "≤ X%". A group with neither
    has no bar; 0% keeps its bar label, since "nobody over the SLA" is news."""
    bounds = upper_bounds or [None] * len(labels)
    rows = [(label, rate, bound) for label, rate, bound in zip(labels, rates, bounds, strict=True)
            if rate is not None or bound is not None]
    values = [rate if rate is not None else bound for _, rate, bound in rows]
    bars = go.Bar(
        x=[plain(label) for label, _, _ in rows], y=values,
        marker_color=[UNSPLIT if rate is None else HIGHLIGHT if rate > 0.2 else WAITING
                      for _, rate, _ in rows],
        marker_pattern={"shape": ["/" if rate is None else "" for _, rate, _ in rows]},
        text=[f"≤ {v:.0%}" if rate is None else f"{v:.0%}"
              for (_, rate, _), v in zip(rows, values, strict=True)],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{x}: %{text} over SLA<extra></extra>",
    )
    return figure([bars], title, height=320,
                  yaxis={"tickformat": ".0%", "range": [0, max(values + [0.05]) * 1.2],
                         "title": "over SLA"})


def pending_aging(buckets: list[tuple[str, int]]) -> go.Figure:
    """How long the requests still open have been waiting; empty age groups before the first
    and after the last open request are not drawn (the ones between keep the scale honest)."""
    counts = [n for _, n in buckets]
    used = [i for i, n in enumerate(counts) if n]
    kept = buckets[used[0]:used[-1] + 1] if used else []
    bars = go.Bar(x=[b for b, _ in kept], y=[n for _, n in kept], marker_color=WAITING,
                  text=[n if n else "" for _, n in kept], textposition="outside", cliponaxis=False)
    return figure([bars], "Open requests by age", height=320,
                  yaxis={"title": "open requests", "range": [0, max([n for _, n in kept] + [1]) * 1.2]})
