"""The slow-iteration page's picture: headline numbers, where the time goes, the what-if."""

from __future__ import annotations

import streamlit as st

from triage.kinds.runs import charts as runs_charts
from triage.kinds.runs.analysis import IterationAnalysis, RunsData, handoff_where, headline, whatif
from triage.markdown import literal
from triage.session import Session
from ui import state
from ui.charts import show_chart
from ui.learn_views import glossary_hint

SPEEDUP_STEPS = [1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 10.0]


def render_headline(analysis: IterationAnalysis, sample: bool = False) -> None:
    top = analysis.bottleneck
    if sample:
        st.caption(":material/science: **Sample values, not the team's** — the numbers below "
                   "show how the page reads; type your stage times or upload runs to see yours.")
    first, second, third, fourth = st.columns(4)
    one_run = analysis.source == "runs" and analysis.runs == 1
    typical = analysis.typical_iteration_hours
    below = ("sample values" if sample
             else f"typical {typical:.1f} h (median of {analysis.runs} runs)"
             if typical is not None and not one_run
             else "one run measured" if one_run else "typed average hours, added up")
    first.metric("One iteration" if one_run else "One iteration, on average",
                 f"{analysis.iteration_hours:.1f} h", below, delta_color="off", delta_arrow="off",
                 help="The mean of the runs' totals (each run's stage times, retries and "
                      "hand-offs added up): the figure hours per month and shares rest on. The "
                      "typical run is the median of the totals.")
    second.metric("Biggest stage", f"{top.share:.0%}", literal(top.label, one_line=True),
                  delta_color="off",
                  delta_arrow="off", help="Its mean time per run over the mean iteration.")
    efficiency = analysis.flow_efficiency
    third.metric("Flow efficiency", "unknown" if efficiency is None else f"{efficiency:.0%}",
                 help="Working time / total lead time. Unknown until every stage says how "
                      "long it waited.")
    if analysis.source == "runs" and analysis.failed_share is not None:
        fourth.metric("Lost in failed attempts", f"{analysis.failed_hours:.0f} h",
                      f"{analysis.failed_share:.0%} of recorded time", delta_color="off",
                      delta_arrow="off")
    else:
        fourth.metric("At most, by fixing it", f"{1 / max(1e-9, 1 - top.share):.2f}×",
                      "if that stage took no time", delta_color="off", delta_arrow="off")
    st.markdown(f"##### {literal(headline(analysis), one_line=True)}")
    if analysis.source == "runs" and analysis.runs > 1:
        st.caption("Means add up; medians describe a typical run. Shares, the what-if and hours "
                   "per month use each stage's mean per run; the typical iteration is the median "
                   "of the runs' totals.")


def _render_transitions(analysis: IterationAnalysis) -> None:
    """Where the hand-off bar's time sits: between which stages, from the runs' timestamps."""
    total = sum(t.hours for t in analysis.transitions)
    with st.expander(f"Where hand-off waiting sits: "
                     f"{literal(handoff_where(analysis), one_line=True)}"):
        st.dataframe([{"between": t.label, "hours (all runs)": f"{t.hours:.1f}",
                       "share of hand-off time": f"{t.share:.0%}", "runs": t.runs}
                      for t in analysis.transitions], hide_index=True)
        st.caption(f"{total:.1f} h of gaps between one stage's end and the next stage's start, "
                   "summed over all runs; a gap counts after the stage that ended last.")


def render_queue_wait(runs: RunsData | None) -> None:
    """Sacct's queue wait over every job, pending ones censored: beside the runs, which count
    finished work only, so the queue is not flattered by leaving the waiting jobs out."""
    queue = runs.queue_wait if runs is not None else None
    if queue is None:
        return
    curve = queue.curve
    st.metric("Queue wait, every job (Kaplan–Meier median)", queue.read(0.5),
              f"p90 {queue.read(0.9)} · {curve.censored} of {curve.n} jobs censored (not started)",
              delta_color="off", delta_arrow="off",
              help="Eligible to Start for every job of the iterations: a job still pending counts "
                   "as waiting at least until the export time (censored), not dropped. The runs "
                   "and stage figures above count finished work only.")


def render_charts(analysis: IterationAnalysis, runs: RunsData | None, key: str) -> None:
    if analysis.source == "runs":
        render_queue_wait(runs)
    left, right = st.columns(2)
    show_chart(runs_charts.iteration_breakdown(analysis), key=f"{key}:breakdown", where=left)
    show_chart(runs_charts.stage_pareto(analysis), key=f"{key}:pareto", where=right)
    if analysis.transitions:
        _render_transitions(analysis)
    if analysis.source == "runs" and runs is not None:
        with st.expander("Run-to-run spread per stage (p90 / median above 2 is hard to plan "
                         "around)"):
            show_chart(runs_charts.stage_distributions(runs.per_run), key=f"{key}:spread")
            st.dataframe(_stage_table(analysis), hide_index=True)
            st.caption(MEANS_CAPTION)


MEANS_CAPTION = ("Means add up; medians describe a typical run. \"mean h\" is a stage's time per "
                 "run over all runs (0 in runs without it): the means add up to the average "
                 "iteration, and shares, the what-if and hours per month use them. Median, p75 "
                 "and p90 are over the runs that have the stage.")


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _stage_table(analysis: IterationAnalysis) -> list[dict]:
    return [{
        "stage": s.label, "mean h": round(s.hours, 2), "share": f"{s.share:.0%}",
        "median h": _rounded(s.median_hours), "p75 h": _rounded(s.p75_hours),
        "p90 h": _rounded(s.p90_hours), "p90/median": _rounded(s.variability),
        "runs": s.runs,
    } for s in analysis.stages]


def _store_factor(session: Session, stage: str, key: str) -> None:
    factor = float(st.session_state.get(key, 1.0))
    if factor > 1:
        session.whatif[stage] = factor
    else:
        session.whatif.pop(stage, None)


# A fragment: moving a slider redraws only the what-if (nothing else on the page reads it; the
# plan's numbers come from the stage table, not from these factors).
@st.fragment
def render_whatif(session: Session, analysis: IterationAnalysis) -> None:
    prefix = f"{session.scenario}:{state.widget_version(session.scenario)}:whatif"
    controls, picture = st.columns([1, 2])
    with controls:
        st.caption("How much faster could each stage be? (1× = unchanged)")
        for stats in [s for s in analysis.stages if s.hours > 0]:
            key = f"{prefix}:{stats.stage}"
            if key not in st.session_state:
                st.session_state[key] = _nearest(session.whatif.get(stats.stage, 1.0))
            # A widget label renders Markdown; stage names come from files and typing.
            st.select_slider(f"{literal(stats.label, one_line=True)} ({stats.share:.0%})",
                             SPEEDUP_STEPS, key=key,
                             format_func=lambda f: f"{f:g}×", on_change=_store_factor,
                             args=(session, stats.stage, key))
    glossary_hint("amdahls_law")
    projection = whatif(analysis, session.whatif, session.inputs["iterations_per_month"])
    with picture:
        show_chart(runs_charts.whatif_comparison(analysis, projection), key=f"{prefix}:chart")
        st.markdown(
            f"**{projection.speedup:.2f}× faster**: {projection.saved_per_iteration:.1f} h less "
            f"per iteration on average, **{projection.saved_per_month:.0f} h per month** of "
            "waiting for results — lead time, not people's working hours.")
        st.caption("On stage means, which add up: hours per month = mean hours saved per "
                   "iteration × iterations per month.")


def _nearest(factor: float) -> float:
    return min(SPEEDUP_STEPS, key=lambda step: abs(step - factor))
