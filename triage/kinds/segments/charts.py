"""Charts of the segments kind: where the metric is lost, expected → parts → observed (house
style from :mod:`triage.charts`).
"""

from __future__ import annotations

import plotly.graph_objects as go

from triage.charts import (
    BETTER,
    REFERENCE,
    UNSPLIT,
    WORSE,
    figure,
    plain,
)
from triage.kinds.segments.gap import Waterfall, decimals_for, fixed
from triage.plan import fmt


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
        totals={"marker": {"color": UNSPLIT}}, connector={"line": {"color": REFERENCE}},
    )
    low = min(chart.expected, chart.observed)
    running, lows, highs = chart.expected, [low], [max(chart.expected, chart.observed)]
    for _, value, _ in steps:
        running += value
        lows.append(running)
        highs.append(running)
    span = max(highs) - min(lows) or abs(chart.expected) or 1.0
    raw_name, metric_name = metric_name, plain(metric_name)
    signed_gap = ("+" if gap > 0 else "") + fmt(gap)
    said = (f"{raw_name} went from {fmt(chart.expected)} expected to {fmt(chart.observed)} "
            f"observed ({signed_gap})")
    if steps:
        label, value, _ = max(steps, key=lambda step: abs(step[1]))
        said += f"; the largest part is {label}, {fixed(value, decimals, signed=True)}"
    said += "."
    return figure([bars], f"Where {metric_name} is lost: {fmt(chart.expected)} → "
                          f"{fmt(chart.observed)} ({signed_gap})", height=440, showlegend=False,
                  headline=said,
                  yaxis={"title": metric_name,
                         "range": [min(lows) - 0.6 * span, max(highs) + 0.35 * span]})
