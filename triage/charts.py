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

import pandas as pd
import plotly.graph_objects as go

from triage.gap import Waterfall
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

_AXIS = {"gridcolor": "#e5e5e5", "zeroline": False}
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
    return go.Figure(data=list(traces), layout={
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 18}},
        "font": {"size": 16},
        "height": height,
        "margin": {"l": 10, "r": 20, "t": 60, "b": 40},
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
    """One iteration, stage by stage, each bar split into working and waiting time."""
    # Horizontal bars read top-down in pipeline order; a stage with no time gets no row.
    stages = [s for s in reversed(analysis.stages) if s.median_hours > 0]
    labels = [plain(s.label) for s in stages]
    working = [s.active_hours if s.wait_hours is not None else 0.0 for s in stages]
    waiting = [s.wait_hours or 0.0 for s in stages]
    unsplit = [s.median_hours if s.wait_hours is None else 0.0 for s in stages]
    traces = [
        go.Bar(y=labels, x=values, name=name, orientation="h", marker_color=colour,
               hovertemplate="%{y}: %{x:.1f} h " + name + "<extra></extra>")
        for name, values, colour in (("working", working, WORKING), ("waiting", waiting, WAITING),
                                     ("not split", unsplit, UNSPLIT))
        if any(v > 0 for v in values)
    ]
    shares = [_share_text(s.share) for s in stages]
    traces.append(go.Scatter(
        y=labels, x=[s.median_hours for s in stages], text=shares, mode="text",
        textposition="middle right", showlegend=False, hoverinfo="skip",
        textfont={"size": 16},
    ))
    longest = max((s.median_hours for s in stages), default=0.0) or 1.0
    return figure(traces, f"One iteration: {analysis.iteration_hours:.1f} h",
                  height=120 + 48 * len(stages), barmode="stack",
                  xaxis={"title": "hours (median per iteration)", "range": [0, longest * 1.18]})


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
        traces, "Share of one iteration, largest first", showlegend=False,
        yaxis={"tickformat": ".0%",
               "range": [0, max(0.01, ordered[0].share * 1.2 if ordered else 0.01)]},
        yaxis2={"overlaying": "y", "side": "right", "range": [0, 1.05], "tickformat": ".0%",
                "tickvals": [0, 0.25, 0.5, 0.75, 1], "showgrid": False},
    )


def stage_distributions(per_run: pd.DataFrame) -> go.Figure:
    """How much each stage varies from run to run: one box per stage over per-run hours."""
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
    """Each stage now and after the what-if speed-ups (stages with no time get no row)."""
    stages = [s for s in reversed(analysis.stages) if s.median_hours > 0]
    labels = [plain(s.label) for s in stages]
    traces = [
        go.Bar(y=labels, x=[s.median_hours for s in stages], name="now", orientation="h",
               marker_color=UNSPLIT),
        go.Bar(y=labels, x=[projection.after_by_stage[s.stage] for s in stages], name="what-if",
               orientation="h", marker_color=WORKING),
    ]
    title = (f"What-if: {projection.before_hours:.1f} h → {projection.after_hours:.1f} h "
             f"({projection.speedup:.2f}× faster)")
    longest = max((s.median_hours for s in stages), default=0.0) or 1.0
    return figure(traces, title, height=140 + 60 * len(stages), barmode="group",
                  xaxis={"title": "hours per iteration", "range": [0, longest * 1.08]})


def _share_text(share: float) -> str:
    """A stage's share as a label: "<1%" rather than a "0%" that reads as no time at all."""
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"


def _short(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def impact_effort(plan: Plan) -> go.Figure:
    """Each quantified action by effort (x) and expected impact (y, midpoint with its range)."""
    traces = []
    quantified = [a for a in plan.active if a.impact is not None]
    for kind, colour in KIND_COLOURS.items():
        items = [a for a in quantified if a.action.kind == kind]
        if not items:
            continue
        traces.append(go.Scatter(
            x=[a.action.effort_mid for a in items],
            y=[a.impact.mid for a in items],
            error_y={"type": "data", "symmetric": False,
                     "array": [a.impact.high - a.impact.mid for a in items],
                     "arrayminus": [a.impact.mid - a.impact.low for a in items]},
            mode="markers+text", text=[_short(a.action.title) for a in items],
            textposition="middle right", name=items[0].kind_label,
            marker={"color": colour, "size": 16},
            customdata=[[a.action.title, a.impact.text()] for a in items],
            hovertemplate="%{customdata[0]}<br>effort %{x:.1f} person-days<br>"
                          "%{customdata[1]}<extra></extra>",
        ))
    widest = max((a.action.effort_mid for a in quantified), default=1.0)
    highest = max((a.impact.high for a in quantified), default=1.0)
    unit = quantified[0].impact.unit if quantified else ""
    return figure(traces, "Impact vs effort — top left first", height=460,
                  xaxis={"title": "effort (person-days)", "range": [0, widest * 1.6 + 0.5]},
                  yaxis={"title": f"expected impact ({unit})", "range": [0, highest * 1.1 + 0.1]})


# --------------------------------------------------------------------------------------------
# Production underperformance

WORSE = HIGHLIGHT
BETTER = WORKING


def gap_waterfall(chart: Waterfall, metric_name: str, higher_is_better: bool = True) -> go.Figure:
    """Expected → each part of the change → observed; worse-direction bars in vermillion."""
    labels = ["expected", *(plain(label) for label, _, _ in chart.steps), "observed"]
    values = [chart.expected, *(value for _, value, _ in chart.steps), chart.observed]
    meanings = ["what offline or shadow promised", *(plain(m) for _, _, m in chart.steps),
                "what production shows"]
    down, up = (WORSE, BETTER) if higher_is_better else (BETTER, WORSE)
    gap = chart.observed - chart.expected
    # Step labels share one number of decimals, two digits finer than the gap itself.
    decimals = max(0, 2 - int(math.floor(math.log10(abs(gap))))) if gap else 4
    bars = go.Waterfall(
        x=labels, y=values, measure=["absolute", *["relative"] * len(chart.steps), "total"],
        text=[fmt(v) if i in (0, len(values) - 1) else f"{v:+.{decimals}f}"
              for i, v in enumerate(values)],
        textposition="outside", customdata=meanings,
        hovertemplate="%{x}: %{y:.4g}<br>%{customdata}<extra></extra>",
        decreasing={"marker": {"color": down}}, increasing={"marker": {"color": up}},
        totals={"marker": {"color": UNSPLIT}}, connector={"line": {"color": "#bbbbbb"}},
    )
    low = min(chart.expected, chart.observed)
    running, lows, highs = chart.expected, [low], [max(chart.expected, chart.observed)]
    for _, value, _ in chart.steps:
        running += value
        lows.append(running)
        highs.append(running)
    span = max(highs) - min(lows) or abs(chart.expected) or 1.0
    metric_name = plain(metric_name)
    return figure([bars], f"Where {metric_name} is lost: {fmt(chart.expected)} → "
                          f"{fmt(chart.observed)} ({gap:+.4g})", height=440, showlegend=False,
                  yaxis={"title": metric_name,
                         "range": [min(lows) - 0.6 * span, max(highs) + 0.35 * span]})


def health_vs_budget(checks: list) -> go.Figure:
    """Each serving-health figure as a share of its budget; above 1 is over budget."""
    budgeted = [c for c in checks if c.budget]
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


def drift_ranking(features: list, threshold: float = 0.1) -> go.Figure:
    """Jensen–Shannon distance per feature with what chance alone reaches (the null band)."""
    ranked = list(reversed(features))  # largest at the top
    names = [plain(f.feature) for f in ranked]
    traces = [go.Bar(
        y=names, x=[f.js_distance or 0 for f in ranked], orientation="h", name="JS distance",
        marker_color=[WORSE if f.drifted else NEUTRAL for f in ranked],
        hovertemplate="%{y}: %{x:.3f}<extra></extra>",
    ), go.Scatter(
        y=names, x=[(f.null_band or {}).get("js_distance") for f in ranked], mode="markers",
        name="chance (95th pct, no drift)", marker={"symbol": "line-ns-open", "size": 22,
                                                   "color": "#222222", "line": {"width": 3}},
        hovertemplate="%{y}: chance reaches %{x:.3f}<extra></extra>",
    )]
    widest = max([threshold * 1.5] + [(f.js_distance or 0) * 1.15 for f in features])
    # The threshold is named in the axis title: a label on the line would sit under the legend.
    return figure(traces, "Drift per feature, ranked", height=140 + 38 * len(features),
                  xaxis={"title": f"Jensen–Shannon distance (0 = same, 0.83 = disjoint; "
                                  f"dotted: {threshold:g})", "range": [0, widest]},
                  **reference_line(x=threshold, dash="dot"))


def drift_distribution(feature) -> go.Figure:
    """Reference (training) vs current (serving) shares on the bins the statistics used."""
    bins = [plain(b) for b in feature.bin_labels]
    traces = [
        go.Bar(x=bins, y=list(feature.reference_shares), name="training", marker_color=UNSPLIT),
        go.Bar(x=bins, y=list(feature.current_shares), name="serving",
               marker_color=WORSE if feature.drifted else BETTER),
    ]
    return figure(traces, f"{plain(feature.feature)}: training vs serving", height=340,
                  barmode="group", yaxis={"tickformat": ".0%", "title": "share of rows"})


# --------------------------------------------------------------------------------------------
# Data access


def access_stages(stages: list, time_to_access_hours: float | None = None,
                  headline: str = "", marker: str = "", typed: bool = False) -> go.Figure:
    """Where a request waits: one bar of each stage's median wait, the slowest in vermillion.

    ``headline`` (e.g. "Time to access (median): 5.9 d") titles the chart; when
    ``time_to_access_hours`` is given, a dashed line marks it on the same axis, labelled
    ``marker``: stage medians do not add up to the end-to-end median, and the chart says so
    rather than calling their sum the time to access. Stages without a median are not drawn.
    ``typed``: one typed request, whose stages are its own hours, not medians.
    """
    shown = [s for s in stages if s.median_hours is not None]
    slowest = max(shown, key=lambda s: s.median_hours, default=None)
    traces = []
    for stage in shown:
        hours = stage.median_hours
        label = plain(stage_label(stage.stage))
        traces.append(go.Bar(
            y=["stages"], x=[hours], orientation="h", name=label, textangle=0,
            marker_color=HIGHLIGHT if stage is slowest else WAITING,
            marker_line={"color": "white", "width": 2},
            text=[f"{label}<br>{hours / 24:.1f} d"], textposition="inside",
            insidetextanchor="middle",
            hovertemplate="%{fullData.name}: %{x:.0f} h" + ("" if typed else " median") + "<extra></extra>",
        ))
    total = sum(s.median_hours for s in shown)
    extra: dict[str, Any] = {}
    right = total
    if time_to_access_hours is not None and abs(time_to_access_hours - total) > 0.005 * max(total, 1):
        extra = reference_line(x=time_to_access_hours, colour="#444444", text=plain(marker))
        for note in extra["annotations"]:  # the label left of the line, never cut at the edge
            note["xanchor"] = "right"
        right = max(total, time_to_access_hours)
    title = plain(headline) if headline else "Where a request waits"
    return figure(traces, title, height=250, barmode="stack", showlegend=False,
                  uniformtext={"minsize": 12, "mode": "hide"},
                  xaxis={"title": (f"hours in each stage (together {total / 24:.1f} d)" if typed else
                                   f"hours: each stage's median (together {total / 24:.1f} d)"),
                         "range": [0, max(right, 1.0) * 1.04]},
                  yaxis={"showticklabels": False}, margin={"l": 10, "r": 20, "t": 80, "b": 40},
                  **extra)


_WAIT_TICKS = ((0.1, "6 min"), (1, "1 h"), (4, "4 h"), (24, "1 d"), (72, "3 d"), (168, "1 w"),
               (336, "2 w"), (720, "30 d"), (2160, "90 d"), (8760, "1 y"))


def access_distributions(stages: list, sla_note: str = "") -> go.Figure:
    """Each stage's completed waits, with its SLA marked; log hours keep days and weeks readable.
    The axis runs from the data: the shortest typical waits (5th percentile, at least six minutes:
    auto-approvals would stretch a log axis over decades of nothing) to the longest wait or SLA."""
    shown = [s for s in stages if len(s.durations)]
    traces = [go.Box(x=list(stage.durations), name=plain(stage_label(stage.stage)),
                     marker_color=WAITING, boxpoints=False, orientation="h") for stage in shown]
    traces.append(go.Scatter(
        x=[s.sla_hours for s in shown], y=[plain(stage_label(s.stage)) for s in shown],
        mode="markers",
        name="SLA", marker={"symbol": "line-ns-open", "size": 26, "color": HIGHLIGHT,
                            "line": {"width": 3}},
        hovertemplate="%{y}: SLA %{x:.0f} h<extra></extra>",
    ))
    values = [v for s in shown for v in s.durations]
    longest = max(values + [s.sla_hours for s in shown] + [1.0])
    low = sorted(values)[len(values) // 20] if values else 1.0
    low = min([max(low, 0.1)] + [s.sla_hours for s in shown if s.sla_hours > 0])
    title = "Waits per stage against the SLA (red mark)" + (f", {plain(sla_note)}" if sla_note else "")
    ticks = [(h, text) for h, text in _WAIT_TICKS if low / 1.5 <= h <= longest * 1.3]
    return figure(traces, title, height=140 + 60 * max(1, len(shown)), showlegend=False,
                  xaxis={"type": "log", "title": "wait (log scale)",
                         "tickvals": [h for h, _ in ticks], "ticktext": [t for _, t in ticks],
                         "range": [math.log10(low) - 0.15, math.log10(longest) + 0.1]})


def breach_rates(labels: list[str], rates: list[float | None], title: str) -> go.Figure:
    """Share of requests over their SLA, one bar each (stages or sensitivity tiers). A group
    without a rate (nothing completed, nothing open past its SLA) has no bar; 0% keeps its bar
    label, since "nobody over the SLA" is news."""
    pairs = [(label, rate) for label, rate in zip(labels, rates, strict=True) if rate is not None]
    values = [rate for _, rate in pairs]
    bars = go.Bar(
        x=[plain(label) for label, _ in pairs], y=values,
        marker_color=[HIGHLIGHT if v > 0.2 else WAITING for v in values],
        text=[f"{v:.0%}" for v in values], textposition="outside", cliponaxis=False,
        hovertemplate="%{x}: %{y:.0%} over SLA<extra></extra>",
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
