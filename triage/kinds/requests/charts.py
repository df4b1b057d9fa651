"""Charts of the requests kind: where a request waits, the Kaplan–Meier curves per stage, SLA
breach rates and the open requests' ages (house style from :mod:`triage.charts`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go

from triage.charts import (
    CROSS_TEAM,
    HIGHLIGHT,
    QUICK_WIN,
    REFERENCE,
    UNSPLIT,
    WAITING,
    WORKING,
    figure,
    plain,
    reference_line,
)
from triage.vocabulary import stage_label


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
            marker_line={"color": REFERENCE, "width": 1.5},  # a seam between stages, both themes
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
        extra = reference_line(x=time_to_access_hours, text=plain(marker))
        for note in extra["annotations"]:  # the label left of the line, never cut at the edge
            note["xanchor"] = "right"
        right = max(total, time_to_access_hours)
    title = plain(headline) if headline else "Where a request waits"
    together = ("more than " if more_total else "") + f"{total / 24:.1f} d"
    if slowest is None:
        said = "No stage has a wait to show yet."
    else:
        said = (f"{stage_label(slowest.stage)} is the longest wait: "
                f"{'' if typed else 'median '}{_wait_days(hours_of(slowest), _more(slowest))} of "
                f"{together} across the stages")
        if time_to_access_hours is not None:
            said += f"; end to end, {time_to_access_hours / 24:.1f} d" + (" (median)" if not typed else "")
        said += "."
    return figure(traces, title, height=250, barmode="stack", showlegend=False, headline=said,
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
    if marks:
        worst = max(marks, key=lambda s: s.breach_rate)
        said = (f"{stage_label(worst.stage)} breaches its SLA most: {worst.breach_rate:.0%} of "
                f"requests still wait after its {worst.sla_hours:g} h SLA"
                + (f" ({len(marks)} stages with an SLA mark)." if len(marks) > 1 else "."))
    elif shown:
        said = f"{len(shown)} stage curves of requests still waiting; no stage has an SLA to mark."
    else:
        said = "No stage has waits to draw yet."
    return figure(traces, title, height=380, showlegend=True, headline=said,
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
    measured = [(label, rate) for label, rate, _ in rows if rate is not None]
    if measured:
        label, rate = max(measured, key=lambda row: row[1])
        said = (f"{label} has the most requests over their SLA, {rate:.0%}; "
                f"{sum(r > 0.2 for _, r in measured)} of {len(measured)} are over 20%.")
    else:
        said = "No group has a measured SLA breach rate yet" + (", only upper bounds." if rows else ".")
    return figure([bars], title, height=320, headline=said,
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
    open_now = sum(counts)
    if open_now:
        biggest = max(kept, key=lambda b: b[1])
        said = (f"{open_now} request{'s are' if open_now != 1 else ' is'} still open; the most "
                f"({biggest[1]}) have waited {biggest[0]}, the oldest {kept[-1][0]}.")
    else:
        said = "No request is still open."
    return figure([bars], "Open requests by age", height=320, headline=said,
                  yaxis={"title": "open requests", "range": [0, max([n for _, n in kept] + [1]) * 1.2]})
