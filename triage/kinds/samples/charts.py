"""Charts of the samples kind: drift per feature and one feature's distributions (house style
from :mod:`triage.charts`).
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from triage.charts import (
    BETTER,
    NEUTRAL,
    REFERENCE,
    UNSPLIT,
    WORSE,
    figure,
    plain,
    reference_line,
)


def drift_ranking(features: list, threshold: float = 0.05) -> go.Figure:
    """Jensen–Shannon distance per feature with what chance alone reaches (the null band).

    Bars are red for drifted features (the tested verdict, see ``triage.kinds.samples.drift``); the
    dotted line is the JS floor (``triage.kinds.samples.drift.FLOORS``), one of the effect sizes the
    verdict checks.
    """
    from triage.kinds.samples.drift import p_text

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
                                                   "color": REFERENCE, "line": {"width": 3}},
        hovertemplate="%{y}: chance reaches %{x:.3f}<extra></extra>",
    )]
    bands = [(f.null_band or {}).get("js_distance") or 0 for f in features]
    widest = max([threshold * 1.5] + [max(f.js_distance or 0, band) * 1.15
                                      for f, band in zip(features, bands, strict=True)])
    # The threshold is named in the axis title: a label on the line would sit under the legend.
    # Short axis title and legend names: on a 1024 px screen this chart is ~430 px wide.
    drifted = [f.feature for f in features if f.drifted]
    largest = max(features, key=lambda f: f.js_distance or 0, default=None)
    if not features:
        said = "No feature to compare."
    else:
        said = (f"{len(drifted)} of {len(features)} features drifted"
                + (f" ({', '.join(drifted[:3])}{', …' if len(drifted) > 3 else ''})" if drifted else "")
                + f"; the largest Jensen–Shannon distance is {largest.js_distance or 0:.3f}, "
                  f"{largest.feature}.")
    return figure(traces, "Drift per feature, ranked", height=140 + 38 * len(features), headline=said,
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
    if kept:
        moved = max(range(len(kept)), key=lambda i: abs(current[i] - reference[i]))
        said = (f"{feature.feature} ({'drifted' if feature.drifted else 'not drifted'}): the largest "
                f"change is in {feature.bin_labels[kept[moved]]}, {reference[moved]:.0%} of training "
                f"rows against {current[moved]:.0%} of serving rows.")
    else:
        said = f"{feature.feature}: no rows to compare."
    return figure(traces, plain(feature.feature), height=340, barmode="group", headline=said,
                  yaxis={"tickformat": ".0%", "title": "share of rows", "range": [0, top * 1.12]})
