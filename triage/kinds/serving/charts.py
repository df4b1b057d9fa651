"""Charts of the serving kind: serving health against its budgets (house style from
:mod:`triage.charts`).
"""

from __future__ import annotations

import plotly.graph_objects as go

from triage.charts import (
    BETTER,
    WORSE,
    figure,
    reference_line,
)


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
    over = [c for c in budgeted if c.over_budget]
    if not budgeted:
        said = "No serving-health figure has a budget to check."
    elif over:
        said = (f"{len(over)} of {len(budgeted)} serving-health figures are over budget: "
                + ", ".join(f"{c.label} at {c.value / c.budget:.0%} of its budget" for c in over) + ".")
    else:
        closest = max(budgeted, key=lambda c: c.value / c.budget)
        said = (f"All {len(budgeted)} serving-health figures are within budget; the closest is "
                f"{closest.label} at {closest.value / closest.budget:.0%}.")
    return figure([bars], "Serving health against budget", height=360, headline=said,
                  yaxis={"title": "share of budget (dashed: 100%)", "tickformat": ".0%",
                         "range": [0, top * 1.25]},
                  **reference_line(y=1))
