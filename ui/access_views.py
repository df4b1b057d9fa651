"""The data-access page's picture: where the days go, SLAs, tiers, open requests."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from triage import charts
from triage.access import AccessAnalysis
from triage.markdown import literal
from triage.vocabulary import stage_label
from ui.bind import render_read_notes
from ui.learn_views import glossary_hint


def _days(hours: float | None) -> str:
    return "unknown" if hours is None else f"{hours / 24:.1f} d"


def render_headline(analysis: AccessAnalysis) -> None:
    stages = [s for s in analysis.stages if s.median_hours is not None]
    slowest = max(stages, key=lambda s: s.median_hours, default=None)
    total = sum(s.median_hours for s in stages)
    first, second, third, fourth = st.columns(4)
    first.metric("Time to access (median)", _days(analysis.time_to_access.median_hours),
                 f"p90 {_days(analysis.time_to_access.p90_hours)}"
                 if analysis.time_to_access.p90_hours is not None else None,
                 delta_color="off", delta_arrow="off")
    if slowest is not None and total > 0:
        second.metric("Slowest stage", stage_label(slowest.stage),
                      f"{slowest.median_hours / total:.0%} of the wait", delta_color="off",
                      delta_arrow="off")
    rated = [s for s in analysis.stages if s.breach_rate is not None]
    if rated:
        worst = max(rated, key=lambda s: s.breach_rate)
        third.metric("Worst SLA breach rate", f"{worst.breach_rate:.0%}", stage_label(worst.stage),
                     delta_color="off", delta_arrow="off")
    unowned = analysis.shares.unowned
    fourth.metric("Unowned datasets", "unknown" if unowned is None else f"{unowned:.0%}",
                  "of requests" if unowned is not None else "needs an inventory",
                  delta_color="off", delta_arrow="off",
                  help="Share of requests for datasets that have no owner in the dataset "
                       "inventory; nobody can approve those quickly.")
    if slowest is not None and total > 0:
        text = (f"{stage_label(slowest.stage)} is {slowest.median_hours / total:.0%} of a typical "
                f"request's wait ({_days(slowest.median_hours)} of {_days(total)}).")
        approval, provisioning = analysis.stage("approval"), analysis.stage("provisioning")
        if (approval and provisioning and approval.median_hours and provisioning.median_hours
                and provisioning.median_hours > approval.median_hours):
            text += (f" Approval is not access: after approval, requests wait another "
                     f"{_days(provisioning.median_hours)} to be provisioned.")
        st.markdown(f"##### {literal(text, one_line=True)}")
        glossary_hint("approval_is_not_access")


def render_charts(analysis: AccessAnalysis, key: str) -> None:
    stages = [s for s in analysis.stages if s.median_hours is not None]
    if not stages:
        return
    st.plotly_chart(charts.access_stages(stages), key=f"{key}:stages")
    if any(len(s.durations) > 1 for s in stages):
        st.plotly_chart(charts.access_distributions(stages), key=f"{key}:spread")
    left, right = st.columns(2)
    left.plotly_chart(charts.breach_rates([stage_label(s.stage) for s in analysis.stages],
                                          [s.breach_rate for s in analysis.stages],
                                          "Over SLA, by stage"), key=f"{key}:breach_stage")
    if analysis.by_tier:
        right.plotly_chart(charts.breach_rates([t.tier for t in analysis.by_tier],
                                               [t.breach_rate for t in analysis.by_tier],
                                               "Over SLA, by sensitivity tier"),
                           key=f"{key}:breach_tier")
    if any(count for _, count in analysis.pending_aging):
        st.plotly_chart(charts.pending_aging(list(analysis.pending_aging)), key=f"{key}:aging")
    if analysis.monthly:
        with st.expander("Month by month"):
            st.dataframe(pd.DataFrame([vars(m) if hasattr(m, "__dict__") else m
                                       for m in analysis.monthly]), hide_index=True)


def render_read_summary(analysis: AccessAnalysis) -> None:
    text = f"{analysis.requests:,} request(s) analysed"
    if analysis.skipped:
        reasons = sorted({s.reason for s in analysis.skipped})
        text += f", {len(analysis.skipped)} skipped: {'; '.join(reasons[:2])}"
    render_read_notes(text, analysis.notes, analysis.skipped)
