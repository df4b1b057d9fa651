"""Charts of the runs kind: the average iteration stage by stage, the stage Pareto, run-to-run
spread and the what-if comparison (house style from :mod:`triage.charts`).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from triage.charts import (
    HIGHLIGHT,
    NEUTRAL,
    REFERENCE,
    UNSPLIT,
    WAITING,
    WORKING,
    figure,
    plain,
)
from triage.kinds.runs.analysis import IterationAnalysis, WhatIf
from triage.vocabulary import stage_label


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
    return figure(traces, title, headline=_breakdown_headline(analysis, stages, one_run),
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
    if ordered:
        reach = next(i for i, c in enumerate(cumulative, start=1) if c >= 0.8 - 1e-9)
        said = (f"{ordered[0].label} alone is {_share_text(ordered[0].share)} of the average "
                f"iteration; " + (f"the top {reach} stages make up {cumulative[reach - 1]:.0%}."
                                  if reach > 1 else "the other stages share the rest."))
    else:
        said = "No stage has any time yet."
    traces = [
        go.Bar(x=labels, y=[s.share for s in ordered], marker_color=colours, name="share",
               text=[_share_text(s.share) for s in ordered], texttemplate="%{text}",
               textposition="outside",
               hovertemplate="%{x}: %{y:.1%}<extra></extra>"),
        go.Scatter(x=labels, y=cumulative, name="cumulative", mode="lines+markers",
                   line={"color": REFERENCE}, yaxis="y2",
                   hovertemplate="%{x}: %{y:.0%} so far<extra></extra>"),
    ]
    return figure(
        traces, "Share of the average iteration, largest first", showlegend=False, headline=said,
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
                  headline=_spread_headline(per_run, list(order.index)),
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
    saved = max(stages, key=lambda s: s.hours - projection.after_by_stage[s.stage], default=None)
    said = (f"What-if: one iteration goes from {projection.before_hours:.1f} h to "
            f"{projection.after_hours:.1f} h, {projection.speedup:.2f}× faster")
    gain = saved.hours - projection.after_by_stage[saved.stage] if saved else 0.0
    said += f"; {saved.label} saves the most, {gain:.1f} h." if gain > 0 else "; no stage is sped up."
    return figure(traces, title, height=140 + 60 * len(stages), barmode="group", headline=said,
                  xaxis={"title": "mean hours per iteration", "range": [0, longest * 1.08]})


def _breakdown_headline(analysis: IterationAnalysis, stages: list, one_run: bool) -> str:
    if not stages:
        return "No stage has any time yet."
    top = max(stages, key=lambda s: s.hours)
    said = (f"{top.label} is the largest part, {_share_text(top.share)} ({top.hours:.1f} h) of "
            f"{'one' if one_run else 'the average'} {analysis.iteration_hours:.1f} h iteration")
    waits = [s.wait_hours for s in stages if s.wait_hours is not None]
    if waits:
        said += f"; {sum(waits):.1f} h of the iteration is waiting"
    return said + "."


def _spread_headline(per_run: pd.DataFrame, stages: list) -> str:
    """The stage whose runs vary most: the largest p90 over median of its hours."""
    spreads = []
    for stage in stages:
        hours = per_run.loc[per_run["stage"] == stage, "hours"]
        median, p90 = float(hours.median()), float(hours.quantile(0.9))
        if median > 0:
            spreads.append((p90 / median, stage, median, p90))
    if not spreads:
        return "No stage has time in the uploaded runs."
    ratio, stage, median, p90 = max(spreads)
    return (f"{stage_label(stage)} varies most from run to run: p90 {p90:.1f} h against a median "
            f"of {median:.1f} h ({ratio:.1f}×).")


def _share_text(share: float) -> str:
    """A stage's share as a label: "<1%" rather than a "0%" that reads as no time at all."""
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"
