"""Inputs of the slow-iteration page: the typed stage table, a runs upload, iterations per month."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from triage.examples import (
    ITERATION_TEMPLATE,
    ITERATIONS_PER_MONTH,
    iteration_example_runs,
    stage_table_from,
)
from triage.iteration import IterationAnalysis, RunsData, analyse_stage_table, parse_runs
from triage.markdown import literal
from triage.session import Session, UploadSummary
from triage.tabular import InputError
from ui import state
from ui.bind import edited_records, render_read_notes

_UPLOAD_ID = "iteration_upload_id"
_TABLE_COLUMNS = {
    "stage": st.column_config.TextColumn("Stage", required=True, width="medium"),
    "hours": st.column_config.NumberColumn("Typical hours", min_value=0.0, format="%.1f",
                                           help="One iteration's typical (median) time in "
                                                "this stage, waiting included"),
    "wait_hours": st.column_config.NumberColumn("…of which waiting", min_value=0.0,
                                                format="%.1f",
                                                help="Queues, approvals, hand-offs. Leave "
                                                     "empty if nobody knows."),
}


@st.cache_resource(show_spinner=False)
def _example() -> RunsData:
    """Shared and never mutated: the shipped example, parsed once per server."""
    return iteration_example_runs()


def ensure_defaults(session: Session) -> None:
    inputs = session.inputs
    inputs.setdefault("stage_table", stage_table_from(_example()))
    inputs.setdefault("iterations_per_month", ITERATIONS_PER_MONTH)
    inputs.setdefault("source", "table")


def load_example(session: Session) -> None:
    """Start from the worked example: its runs, a matching typed table, sensible defaults."""
    runs = _example()
    fresh = Session(scenario=session.scenario, playbook_version=session.playbook_version,
                    title="Ranking model retraining takes two days per iteration")
    fresh.inputs = {"stage_table": stage_table_from(runs),
                    "iterations_per_month": ITERATIONS_PER_MONTH, "source": "runs"}
    fresh.uploads = [_summary(runs)]
    state.replace_session(fresh)
    # The cached example is shared by every session: each gets its own copy of the table.
    state.set_runs_data(session.scenario, replace(runs, per_run=runs.per_run.copy()))


def _summary(runs: RunsData) -> UploadSummary:
    analysis = runs.analysis
    return UploadSummary(name=runs.name, kind="runs", rows_read=runs.rows_read,
                         rows_used=runs.rows_read - len(analysis.skipped),
                         note=f"{analysis.runs} runs, {len(analysis.stages)} stages")


def _stage_table(session: Session, key: str) -> None:
    session.inputs["stage_table"] = edited_records(key, session.inputs["stage_table"],
                                                   _TABLE_COLUMNS, ("hours", "wait_hours"))


def _upload(session: Session, key: str) -> None:
    uploaded = st.file_uploader("Runs CSV", type=["csv", "txt", "tsv"], key=key,
                                help="One row per stage of a run: run_id, stage, and either "
                                     "started_at + ended_at (ISO 8601) or duration_hours; "
                                     "optional status, wait_hours.")
    left, right = st.columns(2)
    left.download_button("Empty template", ITERATION_TEMPLATE.read_bytes(),
                         file_name="runs_template.csv", mime="text/csv",
                         icon=":material/download:")
    right.button("Load the worked example", on_click=load_example, args=(session,),
                 icon=":material/science:", key=f"{key}:example")
    if uploaded is None or st.session_state.get(_UPLOAD_ID) == uploaded.file_id:
        return
    st.session_state[_UPLOAD_ID] = uploaded.file_id
    try:
        runs = parse_runs(uploaded.getvalue(), uploaded.name)
    except InputError as err:
        st.session_state[f"{key}:error"] = str(err)
        return
    st.session_state.pop(f"{key}:error", None)
    state.set_runs_data(session.scenario, runs)
    session.uploads = [u for u in session.uploads if u.kind != "runs"] + [_summary(runs)]
    session.inputs["source"] = "runs"
    st.session_state.pop(key.replace(":upload", ":source"), None)  # show the new source


def _source_choice(session: Session, runs: RunsData | None, key: str) -> str:
    if runs is None:  # runs named in the session but not in this tab: the page's banner says so
        return "table"
    options = {"runs": f"uploaded runs ({runs.name})", "table": "typed stage table"}
    if key not in st.session_state:
        st.session_state[key] = session.inputs.get("source", "runs")
    choice = st.radio("Analyse", list(options), format_func=options.get, key=key,
                      horizontal=True)
    session.inputs["source"] = choice
    return choice


def _read_summary(analysis: IterationAnalysis, runs: RunsData | None) -> str:
    stage_count = len([s for s in analysis.stages if s.stage != "handoff"])
    if analysis.source == "runs" and runs is not None:
        text = f"{analysis.runs} runs, {stage_count} stages"
        if analysis.stage("handoff"):
            text += " + hand-off waits between them"
    else:
        text = f"{stage_count} stages typed in"
    if analysis.skipped:
        reasons = sorted({s.reason for s in analysis.skipped})
        text += f", {len(analysis.skipped)} rows skipped: {'; '.join(reasons[:2])}"
        if len(reasons) > 2:
            text += " …"
    return text


def render_inputs(session: Session) -> tuple[IterationAnalysis, RunsData | None]:
    """Draw the inputs; return the analysis of whichever source the room chose."""
    ensure_defaults(session)
    version = state.widget_version(session.scenario)
    prefix = f"{session.scenario}:{version}"
    typed, upload = st.tabs(["Type stage times", "Upload runs CSV"])
    with upload:
        _upload(session, f"{prefix}:upload")
        error = st.session_state.get(f"{prefix}:upload:error")
        if error:
            st.error(f"{literal(error)}\n\nThe typed stage table and earlier data are unchanged.",
                     icon=":material/error:")
    with typed:
        _stage_table(session, f"{prefix}:table")
    runs = state.runs_data(session.scenario)
    left, right = st.columns([3, 1])
    with right:
        ipm_key = f"{prefix}:ipm"
        if ipm_key not in st.session_state:
            st.session_state[ipm_key] = float(session.inputs["iterations_per_month"])
        session.inputs["iterations_per_month"] = st.number_input(
            "Iterations per month", min_value=0.0, max_value=10_000.0, step=1.0, key=ipm_key,
            help="How many full iterations the team runs in a month: turns hours per "
                 "iteration into hours per month.")
    with left:
        source = _source_choice(session, runs, f"{prefix}:source")
    analysis = (runs.analysis if source == "runs" and runs is not None
                else analyse_stage_table(session.inputs["stage_table"]))
    render_read_notes(_read_summary(analysis, runs), analysis.notes, analysis.skipped)
    return analysis, runs
