"""One scenario page for every playbook, assembled from what the playbook declares.

A playbook names its analysis (``scenario``) and the input kinds it collects (``inputs``). The
page draws the goal, a section for each declared kind, the analysis' numbers, the walk fed by
those numbers and the plan so far. The built-in scenarios and any playbook dropped into the
playbooks folder are drawn by this same code; what is specific lives with each input kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import streamlit as st

from triage.kinds.registry import ANALYSES, declared_kinds
from triage.kinds.requests.analysis import analyse_typed
from triage.kinds.requests.impact import access_plan
from triage.kinds.runs.analysis import analyse_stage_table
from triage.kinds.runs.impact import iteration_plan, session_analysis
from triage.markdown import literal
from triage.plan import Plan
from triage.playbook import Playbook
from triage.production import analyse, production_plan
from triage.router import router_plan
from triage.session import Session
from ui import state
from ui.bind import prefix
from ui.goal import render_goal
from ui.kinds.requests import inputs as requests_inputs
from ui.kinds.requests.views import render_charts as render_access_charts
from ui.kinds.requests.views import render_headline as render_access_headline
from ui.kinds.requests.views import render_read_summary
from ui.kinds.runs import inputs as runs_inputs
from ui.kinds.runs.views import render_charts, render_headline, render_whatif
from ui.kinds.samples.inputs import TABS as SAMPLES_TABS
from ui.kinds.samples.inputs import drift_report, skew_report
from ui.kinds.samples.views import render_drift, render_skew
from ui.kinds.segments.inputs import TABS as SEGMENTS_TABS
from ui.kinds.segments.inputs import render_metric
from ui.kinds.segments.views import render_gap, render_verdict
from ui.kinds.serving.inputs import TABS as SERVING_TABS
from ui.kinds.serving.views import render_health
from ui.plan_view import render_preview
from ui.reopen import missing_uploads, render_banner, render_saved_numbers, render_saved_preview
from ui.router_view import render_handover
from ui.stepper import render_stepper


@dataclass
class Numbers:
    """What an analysis made of this run's inputs: the metrics its data rules read and the plan
    they lead to."""

    metrics: dict[str, Any] = field(default_factory=dict)
    plan: Callable[[], Plan] | None = None
    samples_shown: bool = False  # the numbers are the app's sample values, not the team's


def _iteration(book: Playbook, session: Session, kinds: tuple[str, ...], saved, heading: str,
               number: Iterator[int]) -> Numbers:
    st.subheader(f"{next(number)} · Your numbers")
    analysis, runs = runs_inputs.render_inputs(session)
    sample = runs_inputs.showing_samples(session, analysis)
    st.subheader(f"{next(number)} · {heading}")
    if saved is not None:
        render_saved_numbers(saved)
    elif analysis.has_data:
        render_headline(analysis, sample)
        render_charts(analysis, runs, f"{session.scenario}:{state.widget_version(session.scenario)}")
        with st.expander("What if a stage were faster? (Amdahl's law)", expanded=bool(session.whatif)):
            render_whatif(session, analysis)
    else:
        st.info("No stage times yet. Type the average hours per iteration of each stage above, "
                "upload a runs CSV, or load the worked example. The questions below still work "
                "without numbers.", icon=":material/edit_note:")
    return Numbers({} if saved is not None or sample else analysis.metrics(),
                   lambda: iteration_plan(book, session, analysis), samples_shown=sample)


# The production analysis' kinds, each as the tabs it draws under the metric.
_PRODUCTION_TABS = {"segments": SEGMENTS_TABS, "serving": SERVING_TABS, "samples": SAMPLES_TABS}


def _production_inputs(session: Session, kinds: tuple[str, ...], key: str) -> None:
    """The metric first (it sizes the gap every other part is a share of), then a tab for each
    part of the kinds the playbook declares."""
    if "segments" in kinds:
        render_metric(session, f"{key}:metric")
    parts = [part for kind in kinds for part in _PRODUCTION_TABS.get(kind, ())]
    for tab, (_, draw) in zip(st.tabs([label for label, _ in parts]), parts, strict=True):
        with tab:
            draw(session, key)


def _production(book: Playbook, session: Session, kinds: tuple[str, ...], saved, heading: str,
                number: Iterator[int]) -> Numbers:
    key = prefix(session.scenario)
    st.subheader(f"{next(number)} · Your numbers")
    _production_inputs(session, kinds, key)
    has_samples = "samples" in kinds
    analysis = analyse(session.inputs, drift_report() if has_samples else None,
                       skew_report() if has_samples else None)
    for problem in analysis.problems:
        st.error(literal(problem), icon=":material/error:")
    st.subheader(f"{next(number)} · {heading}")
    if analysis.verdict is not None:
        render_verdict(analysis)
        render_gap(analysis, key)
    else:
        st.info("Type the expected and observed metric above (or load the worked example) to "
                "size the gap against sampling noise. The questions below work without numbers."
                if "segments" in kinds else
                "This playbook does not collect the metric (no input of kind segments), so the "
                "gap is not sized here; the numbers below come from the inputs it does collect.",
                icon=":material/edit_note:")
    parts = [label for kind, label in (("serving", "Serving health"), ("samples", "drift and skew"))
             if kind in kinds]
    if parts:
        with st.expander(", ".join(parts).capitalize(),
                         expanded=analysis.drift is not None or analysis.skew is not None):
            if "serving" in kinds:
                render_health(analysis, key)
            if has_samples:
                render_drift(analysis, key)
                render_skew(analysis, key)
    return Numbers(analysis.metrics(), lambda: production_plan(book, session, analysis))


def _access(book: Playbook, session: Session, kinds: tuple[str, ...], saved, heading: str,
            number: Iterator[int]) -> Numbers:
    key = prefix(session.scenario)
    st.subheader(f"{next(number)} · Your numbers")
    analysis = requests_inputs.render_inputs(session)
    render_read_summary(analysis)
    st.subheader(f"{next(number)} · {heading}")
    if saved is not None:
        render_saved_numbers(saved)
    else:
        render_access_headline(analysis, session, key)
        render_access_charts(analysis, key, session)
        st.caption(f"Waits in {analysis.clock.describe()}, SLAs on the same clock; "
                   f"{requests_inputs.requests_per_month_note(session, analysis)}.")
    return Numbers({} if saved is not None else analysis.metrics(),
                   lambda: access_plan(book, session, analysis,
                                       requests_inputs.requests_per_month(session, analysis)))


# The analysis a playbook names -> how its inputs and numbers are drawn. An analysis without an
# entry (the router) collects nothing: its walk goes by answers alone.
_VIEWS: dict[str, Callable[..., Numbers]] = {
    "iteration": _iteration, "production": _production, "access": _access,
}


def render_scenario(playbook_id: str) -> None:
    """The whole scenario page of a playbook."""
    number = count(1)  # the page's section numbers: only the sections it draws count
    book, session = state.open_scenario(playbook_id)
    st.title(book.title)
    st.caption(book.summary)
    render_goal(book, session)
    kinds = declared_kinds(book.inputs)
    view = _VIEWS.get(book.scenario) if kinds else None
    numbers, saved = Numbers(), None
    if view is not None:
        saved = render_banner(session)  # the numbers as saved when an upload is missing here
        numbers = view(book, session, kinds, saved, ANALYSES[book.scenario].heading, number)
    st.subheader(f"{next(number)} · Questions to walk together")
    if numbers.samples_shown:
        st.caption(":material/science: Sample values suggest no answers: type or upload your "
                   "numbers and the data will suggest them.")
    walked = render_stepper(book, session, numbers.metrics)
    if walked.finding is not None and walked.finding.opens:
        render_handover(walked.finding.opens, session)
        return
    if view is None and not walked.complete:
        return  # nothing measured: the plan is the walk's, once it ends
    st.subheader(f"{next(number)} · Plan so far")
    if saved is not None:
        render_saved_preview(saved)
    else:
        render_preview(numbers.plan() if numbers.plan else plan_for(book, session))


def plan_for(book: Playbook, session: Session) -> Plan:
    """The plan of a session, from whatever inputs this browser tab holds for it. When its
    numbers came from an upload this tab lacks, the plan has no numbers rather than the sample
    values that stand in the typed inputs (pages show the saved snapshot when there is one)."""
    kinds = declared_kinds(book.inputs)
    missing = {u.kind for u in missing_uploads(session)}
    if book.scenario == "access" and kinds:
        requests_inputs.ensure_defaults(session)
        analysis = (analyse_typed({}) if "log" in missing
                    else requests_inputs.analysis_for(session))
        return access_plan(book, session, analysis,
                           requests_inputs.requests_per_month(session, analysis))
    if book.scenario == "production" and kinds:
        return production_plan(book, session, analyse(
            session.inputs, drift_report() if "samples" in kinds else None))
    if book.scenario == "iteration" and kinds:
        runs = state.runs_data(session.scenario)
        if "runs" in missing:
            return iteration_plan(book, session, analyse_stage_table([]))
        return iteration_plan(book, session,
                              session_analysis(session, runs.analysis if runs else None))
    return router_plan(book, session)
