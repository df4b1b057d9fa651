"""The data-access page's picture: where the days go, SLAs, tiers, open requests, owners."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from triage import charts
from triage.access import (
    AccessAnalysis,
    days_text,
    time_to_access_basis,
    time_to_access_label,
    time_to_access_text,
)
from triage.access_plan import owner_wait_text
from triage.markdown import literal
from triage.session import Session
from triage.vocabulary import stage_label
from ui.access_inputs import prefilled, render_sla_default_note
from ui.bind import render_read_notes
from ui.learn_views import glossary_hint

_OWNER_ROWS = 5  # datasets listed under "waiting longest for an owner"
_NO_DELTA = {"delta_color": "off", "delta_arrow": "off", "width": "content"}


def _sample(session: Session, analysis: AccessAnalysis) -> bool:
    return analysis.source == "typed" and "typical" in prefilled(session)


def _pct(share: float | None) -> str:
    return "unknown" if share is None else f"{share:.0%}"


def render_headline(analysis: AccessAnalysis, session: Session, key: str) -> None:
    tta = analysis.time_to_access
    slowest = analysis.slowest
    total = analysis.typical_hours
    default_slas = "slas" in prefilled(session)
    # A row that wraps on narrow screens, so labels and values are never cut to "Provis…".
    row = st.container(horizontal=True, horizontal_alignment="distribute", gap="medium")
    first = second = third = fourth = row
    if analysis.source == "typed":
        delta = "sample values" if _sample(session, analysis) else "stages added up"
    else:
        delta = f"p90 {time_to_access_text(tta, 'p90')}" if tta.p90_hours is not None else None
    first.metric(time_to_access_label(analysis), time_to_access_text(tta), delta, **_NO_DELTA,
                 help=f"From request to first use: {time_to_access_basis(analysis)}. The same "
                      "number is in the chart below and in the plan.")
    typed = analysis.source == "typed"
    if slowest is not None:
        second.metric("Slowest stage", stage_label(slowest.stage),
                      ("" if typed else "median ") + days_text(slowest.median_hours), **_NO_DELTA)
    _sla_metric(third, analysis, default_slas)
    unowned = analysis.shares.unowned
    fourth.metric("Unowned datasets", _pct(unowned),
                  "of requests" if unowned is not None else "needs an inventory", **_NO_DELTA,
                  help="Share of requests for datasets that have no owner in the dataset "
                       "inventory; nobody can approve those quickly.")
    if line := shares_line(analysis):
        st.markdown(line)
    if slowest is not None and total > 0:
        text = (f"{stage_label(slowest.stage)} is the slowest stage: "
                + (f"{days_text(slowest.median_hours)}, {slowest.median_hours / total:.0%} of this "
                   f"request's {days_text(total)}." if typed else
                   f"median {days_text(slowest.median_hours)}, {slowest.median_hours / total:.0%} "
                   f"of the four stage medians ({days_text(total)} together)."))
        approval, provisioning = analysis.stage("approval"), analysis.stage("provisioning")
        if (approval and provisioning and approval.median_hours and provisioning.median_hours
                and provisioning.median_hours > approval.median_hours):
            text += (f" Approval is not access: after approval, requests wait another "
                     f"{days_text(provisioning.median_hours)} to be provisioned.")
        st.markdown(f"##### {literal(text, one_line=True)}")
        glossary_hint("approval_is_not_access")
    if analysis.known_stages:
        render_sla_default_note(session, key, "headline")


def _sla_metric(column, analysis: AccessAnalysis, default_slas: bool) -> None:
    rated = [s for s in analysis.stages if s.breach_rate is not None]
    if not rated:
        return
    note = " · default SLA" if default_slas else ""
    if analysis.source == "typed":  # one request is over or within, never a rate
        over = [s for s in rated if s.breach_rate > 0]
        column.metric("Over SLA (this one request)", f"{len(over)} of {len(rated)} stages",
                      (", ".join(stage_label(s.stage) for s in over) or "none") + note,
                      **_NO_DELTA)
        return
    worst = max(rated, key=lambda s: s.breach_rate)
    column.metric("Worst SLA breach rate", f"{worst.breach_rate:.0%}",
                  stage_label(worst.stage) + note, **_NO_DELTA,
                  help="Requests over the stage's SLA, completed or still open past it.")


def shares_line(analysis: AccessAnalysis) -> str:
    """'Of 1,000 requests: **4%** denied · **2%** expired · **5%** still waiting · …'."""
    if analysis.source != "log":
        return ""
    shares = analysis.shares
    parts = [(shares.denied, "denied"), (shares.expired, "expired"),
             (shares.pending, "still waiting"), (shares.auto_approved, "approved automatically")]
    shown = [f"**{share:.0%}** {what}" for share, what in parts if share is not None]
    if not shown:
        return ""
    return f"Of {analysis.requests:,} requests: " + " · ".join(shown)


def _one_request_slas(analysis: AccessAnalysis, default_slas: bool) -> None:
    rated = [s for s in analysis.stages if s.breach_rate is not None]
    if not rated:
        return
    def item(s) -> str:
        return f"{stage_label(s.stage)} ({s.median_hours:.0f} h, SLA {s.sla_hours:.0f} h)"
    over = [item(s) for s in rated if s.breach_rate > 0]
    within = [item(s) for s in rated if s.breach_rate == 0]
    parts = ([f"over SLA: {', '.join(over)}"] if over else []) + (
        [f"within SLA: {', '.join(within)}"] if within else [])
    which = "default SLAs" if default_slas else "SLAs"
    st.markdown(f"**This one request against the {which}:** " + "; ".join(parts) + ".")


def render_charts(analysis: AccessAnalysis, key: str, session: Session) -> None:
    stages = list(analysis.known_stages)
    if not stages:
        return
    default_slas = "slas" in prefilled(session)
    tta = analysis.time_to_access
    tta_text = time_to_access_text(tta)
    headline = f"{time_to_access_label(analysis)}: {tta_text} · " + (
        "sample values" if _sample(session, analysis) else "by stage")
    st.plotly_chart(charts.access_stages(stages, tta.median_hours, headline,
                                         f"time to access {tta_text}",
                                         typed=analysis.source == "typed"), key=f"{key}:stages")
    if analysis.source == "log" and tta.median_hours is not None:
        st.caption(f"The bar adds up each stage's median ({days_text(analysis.typical_hours)}); "
                   f"the dashed line is the time to access, measured end to end: "
                   f"{time_to_access_basis(analysis)}. Medians do not add up.")
    sla_note = "default SLAs" if default_slas else ""
    if any(len(s.durations) > 1 for s in stages):
        st.plotly_chart(charts.access_distributions(stages, sla_note), key=f"{key}:spread")
    if analysis.source == "typed":
        _one_request_slas(analysis, default_slas)
    else:
        suffix = " (default SLAs)" if default_slas else ""
        left, right = st.columns(2)
        left.plotly_chart(charts.breach_rates([stage_label(s.stage) for s in analysis.stages],
                                              [s.breach_rate for s in analysis.stages],
                                              "Over SLA, by stage" + suffix),
                          key=f"{key}:breach_stage")
        if any(t.breach_rate is not None for t in analysis.by_tier):
            right.plotly_chart(charts.breach_rates([t.tier for t in analysis.by_tier],
                                                   [t.breach_rate for t in analysis.by_tier],
                                                   "Over SLA, by sensitivity tier" + suffix),
                               key=f"{key}:breach_tier")
    if any(count for _, count in analysis.pending_aging):
        st.plotly_chart(charts.pending_aging(list(analysis.pending_aging)), key=f"{key}:aging")
    render_owner_waits(analysis)
    if analysis.monthly:
        with st.expander("Month by month"):
            st.dataframe(month_table(analysis), hide_index=True)


def owner_table(analysis: AccessAnalysis, rows: int = _OWNER_ROWS) -> pd.DataFrame:
    """The datasets whose requests waited longest for an owner, worst first."""
    waits = [w for w in analysis.owner_waits if w.median_hours is not None][:rows]
    return pd.DataFrame([{
        "Dataset": w.dataset,
        "Requests": w.requests,
        "Median wait for an owner": ("more than " if w.more_than else "") + days_text(w.median_hours),
        "Owner found": w.found,
        "Still waiting": w.waiting,
        "Closed without an owner": w.closed,
    } for w in waits])


def render_owner_waits(analysis: AccessAnalysis) -> None:
    if analysis.source != "log" or not any(w.median_hours is not None for w in analysis.owner_waits):
        return
    st.markdown("##### Datasets waiting longest for an owner")
    st.dataframe(owner_table(analysis), hide_index=True)
    worst = analysis.slowest_owner_dataset
    st.caption("From the request log alone, no inventory needed: median time from request to "
               "an assigned owner; requests still waiting count up to the as-of date (Kaplan–Meier), "
               "requests closed without an owner are counted apart. "
               + (f"Worst with enough requests to judge: {literal(owner_wait_text(worst), one_line=True)}."
                  if worst else ""))


def month_table(analysis: AccessAnalysis) -> pd.DataFrame:
    """One row per month of requested_at, labelled and rounded for people."""
    return pd.DataFrame([{
        "Month": m.month,
        "Requests": m.requests,
        "Got access": m.accessed,
        "Time to access (median)": ("more than " if m.time_to_access_more_than else "")
                                   + days_text(m.time_to_access_median_hours),
        "Over SLA": _pct(m.breach_rate),
        "Still waiting": m.pending,
    } for m in analysis.monthly])


def render_read_summary(analysis: AccessAnalysis) -> None:
    text = f"{analysis.requests:,} request(s) analysed"
    if analysis.skipped:
        reasons = sorted({s.reason for s in analysis.skipped})
        text += f", {len(analysis.skipped)} skipped: {'; '.join(reasons[:2])}"
    render_read_notes(text, analysis.notes, analysis.skipped)
