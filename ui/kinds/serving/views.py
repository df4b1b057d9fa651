"""The serving kind's picture: serving health against its budgets."""

from __future__ import annotations

from triage.kinds.serving import charts as serving_charts
from triage.production import ProductionAnalysis
from ui.charts import show_chart


def render_health(analysis: ProductionAnalysis, key: str) -> None:
    if any(c.budget for c in analysis.health):
        show_chart(serving_charts.health_vs_budget(list(analysis.health)), key=f"{key}:health")
