"""The data-access page's picture: where the days go, SLAs, tiers, open requests, owners."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from triage.kinds.requests import charts as requests_charts
from triage.kinds.requests.analysis import (
    AS_OF_NOTE,
    TIME_COLUMNS,
    AccessAnalysis,
    breach_text,
    days_text,
    stage_median_text,
    time_to_access_basis,
    time_to_access_label,
    time_to_access_text,
    wait_days_text,
    wait_hours_text,
)
from triage.kinds.requests.impact import owner_wait_text
from triage.markdown import literal
from triage.session import Session
from triage.vocabulary import stage_label
from ui.bind import render_read_notes
from ui.charts import show_chart
from ui.kinds.requests.inputs import clock_text, prefilled, render_sla_default_note, sla_input
from ui.learn_views import glossary_hint

_OWNER_ROWS = 5  # datasets listed under "waiting longest for an owner"
_NO_DELTA = {"delta_color": "off", "delta_arrow": "off", "width": "content"}
_UNTRACKED = tuple(f"no {column} column" for column in TIME_COLUMNS[1:4])
KM_CAPTION = "Kaplan–Meier: requests still waiting count up to the as-of date"


def _sample(session: Session, analysis: AccessAnalysis) -> bool:
    return analysis.source == "typed" and "typical" in prefilled(session)


def _pct(share: float | None) -> str:
    return "unknown" if share is None else f"{share:.0%}"


def render_headline(analysis: AccessAnalysis, session: Session, key: str) -> None:
    tta = analysis.time_to_access
    slowest = analysis.slowest
    default_slas = sla_input(session.inputs) in prefilled(session)
    # A row that wraps on narrow screens, so labels and values are never cut to "Provis…".
    row = st.container(horizontal=True, horizontal_alignment="distribute", gap="medium")
    first = second = third = fourth = row
    if analysis.source == "typed":
        delta = "sample values" if _sample(session, analysis) else "stages added up"
    else:
        delta = f"p90 {time_to_access_text(tta, 'p90')}" if tta.p90_or_bound is not None else None
    first.metric(time_to_access_label(analysis), time_to_access_text(tta), delta, **_NO_DELTA,
                 help=f"From request to first use: {time_to_access_basis(analysis)}. The same "
                      "number is in the chart below and in the plan.")
    typed = analysis.source == "typed"
    if slowest is not None:
        second.metric("Slowest stage", stage_label(slowest.stage),
                      days_text(slowest.median_hours) if typed
                      else "median " + stage_median_text(slowest), **_NO_DELTA,
                      help=None if typed else f"{KM_CAPTION}; 'more than' where fewer than half "
                                               "of the requests have left the stage yet.")
    _sla_metric(third, analysis, default_slas)
    unowned = analysis.shares.unowned
    fourth.metric("Unowned datasets", _pct(unowned),
                  "of requests" if unowned is not None else "needs an inventory", **_NO_DELTA,
                  help="Share of requests for datasets that have no owner in the dataset "
                       "inventory; nobody can approve those quickly.")
    if line := shares_line(analysis):
        st.markdown(line)
    if slowest is not None and (text := slowest_text(analysis)):
        approval, provisioning = analysis.stage("approval"), analysis.stage("provisioning")
        if (approval and provisioning and approval.median_hours and provisioning.median_or_bound
                and provisioning.median_or_bound > approval.median_hours):
            text += (f" Approval is not access: after approval, requests wait another "
                     f"{stage_median_text(provisioning)} (median) to be provisioned.")
        st.markdown(f"##### {literal(text, one_line=True)}")
        glossary_hint("approval_is_not_access")
    if analysis.known_stages:
        render_sla_default_note(session, key, "headline")


def slowest_text(analysis: AccessAnalysis) -> str:
    """'Provisioning is the slowest stage: median 3.0 d (Kaplan–Meier); on average 3.0 d of the
    4.3 d a request waits in the four stages.' Means add up, so the share is of the means."""
    slowest = analysis.slowest
    if slowest is None:
        return ""
    name = stage_label(slowest.stage)
    if analysis.source == "typed":
        total = analysis.typical_hours
        if total <= 0:
            return ""
        return (f"{name} is the slowest stage: {days_text(slowest.median_hours)}, "
                f"{slowest.median_hours / total:.0%} of this request's {days_text(total)}.")
    text = f"{name} is the slowest stage: median {stage_median_text(slowest)} (Kaplan–Meier)"
    mean, total = slowest.mean_hours, analysis.mean_hours
    if mean is not None and total:
        least = "at least " if analysis.mean_is_lower_bound else ""
        measured = sum(s.mean_hours is not None for s in analysis.stages)
        where = ("the four stages" if measured == len(analysis.stages)
                 else f"the {measured} stages measured (the others are unknown)")
        text += (f"; on average {'at least ' if slowest.mean_is_lower_bound else ''}"
                 f"{days_text(mean)} of the {least}{days_text(total)} a request waits in {where}")
    return text + "."


def _sla_metric(column, analysis: AccessAnalysis, default_slas: bool) -> None:
    rated = [s for s in analysis.stages if s.breach_rate is not None]
    if not rated:
        return
    clock = "business-hour" if analysis.clock.business else "calendar-hour"
    note = f" · default {clock} SLA" if default_slas else f" · {clock} SLA"
    if analysis.source == "typed":  # one request is over or within, never a rate
        over = [s for s in rated if s.breach_rate > 0]
        column.metric("Over SLA (this one request)", f"{len(over)} of {len(rated)} stages",
                      (", ".join(stage_label(s.stage) for s in over) or "none") + note,
                      **_NO_DELTA)
        return
    worst = max(rated, key=lambda s: s.breach_rate)
    column.metric("Worst SLA breach rate", f"{worst.breach_rate:.0%}",
                  stage_label(worst.stage) + note, **_NO_DELTA,
                  help=f"Share of waits in the stage longer than its SLA ({worst.sla_hours:g} h "
                       f"in {clock_text(analysis.clock)}), read off the stage's curve. "
                       f"{KM_CAPTION}.")


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
    unit = "business h" if analysis.clock.business else "h"

    def item(s) -> str:
        return f"{stage_label(s.stage)} ({s.median_hours:.0f} {unit}, SLA {s.sla_hours:.0f} {unit})"
    over = [item(s) for s in rated if s.breach_rate > 0]
    within = [item(s) for s in rated if s.breach_rate == 0]
    parts = ([f"over SLA: {', '.join(over)}"] if over else []) + (
        [f"within SLA: {', '.join(within)}"] if within else [])
    which = (f"default {clock_text(analysis.clock)} SLAs" if default_slas
             else f"SLAs in {clock_text(analysis.clock)}")
    st.markdown(f"**This one request against the {which}:** " + "; ".join(parts) + ".")


def whole_wait_text(analysis: AccessAnalysis) -> str:
    """What a log that tells only request → access can and cannot say, in words."""
    tta = analysis.time_to_access
    p90 = f", p90 {time_to_access_text(tta, 'p90')}" if tta.p90_or_bound is not None else ""
    return (f"**Stages unknown.** This source tells only the whole wait, from request to access: "
            f"the split into finding an owner, approval, provisioning and first use is not in "
            f"it, so no stage chart is drawn. Only the time to access is measured: median "
            f"{time_to_access_text(tta)}{p90}, {time_to_access_basis(analysis)}. The tool's "
            "step times (Jira's changelog, ServiceNow's approvals) split it.")


def render_charts(analysis: AccessAnalysis, key: str, session: Session) -> None:
    if analysis.whole_wait_only:
        st.info(whole_wait_text(analysis), icon=":material/help:")
    elif analysis.known_stages:
        _stage_charts(analysis, key, session)
    else:
        return
    if analysis.paused_requests:
        st.caption(f":material/pause_circle: The time to access leaves out "
                   f"{wait_hours_text(analysis.paused_hours)} paused waiting on the requester "
                   f"({analysis.paused_requests:,} requests, from the source's pause records); "
                   "the stage waits still include it, as a pause's stage is not known.")
    if any(count for _, count in analysis.pending_aging):
        show_chart(requests_charts.pending_aging(list(analysis.pending_aging)), key=f"{key}:aging")
    render_owner_waits(analysis)
    if analysis.monthly:
        with st.expander("Month by month"):
            st.dataframe(month_table(analysis), hide_index=True)
            st.caption(f"{KM_CAPTION}. Recent months look faster than they are until their slow "
                       "requests finish: see 'Still waiting'.")


def _stage_charts(analysis: AccessAnalysis, key: str, session: Session) -> None:
    """Where the waiting is, stage by stage: only for a log (or typed request) with stages."""
    stages = list(analysis.known_stages)
    default_slas = sla_input(session.inputs) in prefilled(session)
    tta = analysis.time_to_access
    tta_text = time_to_access_text(tta)
    headline = f"{time_to_access_label(analysis)}: {tta_text} · " + (
        "sample values" if _sample(session, analysis) else "by stage")
    show_chart(requests_charts.access_stages(stages, tta.median_or_bound, headline,
                                             f"time to access {tta_text}",
                                             typed=analysis.source == "typed"), key=f"{key}:stages")
    if analysis.source == "log" and tta.median_or_bound is not None:
        together = ("more than " if analysis.typical_more_than else "") + days_text(analysis.typical_hours)
        st.caption(f"The bar adds up each stage's median ({together}); the dashed line is the "
                   f"time to access, measured end to end: {time_to_access_basis(analysis)}. "
                   f"Medians do not add up; the plan sizes savings on means. {KM_CAPTION}.")
    sla_note = (f"default {clock_text(analysis.clock)} SLAs" if default_slas
                else f"SLAs in {clock_text(analysis.clock)}")
    if analysis.source == "log" and any(s.curve is not None and s.curve.n > 1 for s in stages):
        show_chart(requests_charts.access_distributions(stages, sla_note), key=f"{key}:spread")
        st.caption(f"{KM_CAPTION}. Each line is the share of requests still in the stage after "
                   "so many hours; a red mark sits at the stage's SLA, its height the share of "
                   "waits longer than the SLA (the breach rate).")
        glossary_hint("kaplan_meier")
    if analysis.source == "typed":
        _one_request_slas(analysis, default_slas)
    else:
        suffix = f" ({sla_note})"
        left, right = st.columns(2)
        show_chart(requests_charts.breach_rates([stage_label(s.stage) for s in analysis.stages],
                                                [s.breach_rate for s in analysis.stages],
                                                "Over SLA, by stage" + suffix,
                                                [s.breach_rate_upper_bound for s in analysis.stages]),
                   key=f"{key}:breach_stage", where=left)
        if any(t.breach_rate is not None or t.breach_rate_upper_bound is not None
               for t in analysis.by_tier):
            show_chart(requests_charts.breach_rates([t.tier for t in analysis.by_tier],
                                                    [t.breach_rate for t in analysis.by_tier],
                                                    "Over SLA, by sensitivity tier" + suffix,
                                                    [t.breach_rate_upper_bound
                                                     for t in analysis.by_tier]),
                       key=f"{key}:breach_tier", where=right)
        unknown = [s for s in analysis.stages
                   if s.breach_rate is None and s.breach_rate_upper_bound is not None]
        beyond = ("A grey bar (≤) means the SLA is beyond the longest wait seen while some "
                  "requests still wait: the data cannot tell the rate, only that it is at most "
                  "that." if unknown else "")
        st.caption("Over SLA = the share of waits longer than the SLA, read off each stage's "
                   f"curve ({KM_CAPTION}). {beyond}")
        with st.expander("Per stage: Kaplan–Meier median, p90 and mean"):
            st.dataframe(stage_table(analysis), hide_index=True)
            st.caption(f"{KM_CAPTION}. 'More than' where the curve never falls that far. The "
                       "mean is the area under the curve up to the longest wait seen (a lower "
                       "bound, '≥', when requests were still waiting then); means add up, "
                       "medians describe. The completed-only median leaves out requests still "
                       "waiting, so it flatters slow stages; it is shown only for contrast.")


def stage_table(analysis: AccessAnalysis) -> pd.DataFrame:
    """One row per stage with its Kaplan–Meier figures, for people (hours)."""
    rows = []
    for s in analysis.stages:
        mean = "unknown" if s.mean_hours is None else (
            ("≥ " if s.mean_is_lower_bound else "") + wait_hours_text(s.mean_hours))
        rows.append({
            "Stage": stage_label(s.stage),
            "Median": wait_hours_text(s.median_hours, s.median_lower_bound_hours),
            "p90": wait_hours_text(s.p90_hours, s.p90_lower_bound_hours),
            "Mean": mean,
            "Median, completed only": wait_hours_text(s.completed_median_hours),
            "Completed": s.n,
            "Still in it": s.open,
            "SLA": f"{s.sla_hours:g} {'business h' if analysis.clock.business else 'h'}",
            "Over SLA": breach_text(s.breach_rate, s.breach_rate_upper_bound),
        })
    return pd.DataFrame(rows)


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
        "Time to access (median)": wait_days_text(m.time_to_access_median_hours,
                                                  m.time_to_access_lower_bound_hours),
        "Over SLA": breach_text(m.breach_rate, m.breach_rate_upper_bound),
        "Still waiting": m.pending,
    } for m in analysis.monthly])


def render_read_summary(analysis: AccessAnalysis) -> None:
    text = f"{analysis.requests:,} request(s) analysed"
    if analysis.skipped:
        reasons = sorted({s.reason for s in analysis.skipped})
        text += f", {len(analysis.skipped)} skipped: {'; '.join(reasons[:2])}"
    # The as-of date and clock have their own caption above; the same note again is clutter.
    notes = tuple(n for n in analysis.notes if not n.startswith(AS_OF_NOTE))
    if analysis.whole_wait_only:  # the "Stages unknown" box says it once for the missing steps
        notes = tuple(n for n in notes if not n.startswith(_UNTRACKED))
    render_read_notes(text, notes, analysis.skipped)
