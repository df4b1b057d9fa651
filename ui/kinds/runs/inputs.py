"""Inputs of the slow-iteration page: the typed stage table, a runs upload, iterations per month."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from triage.examples import (
    ITERATION_TEMPLATE,
    ITERATIONS_PER_MONTH,
    iteration_example_inputs,
    iteration_example_runs,
    iterations_from_runs,
    stage_table_from,
)
from triage.kinds.runs.analysis import IterationAnalysis, RunsData, analyse_stage_table
from triage.kinds.runs.impact import FROM_RUNS, SAMPLE_NOTE, iterations_source, prefilled
from triage.mapping import runs_contract
from triage.markdown import literal
from triage.session import Session, UploadSummary
from triage.sources import mapping_for, read_runs
from triage.sources.options import RUNS_READ, options_to_keep, read_options
from triage.tabular import InputError
from ui import column_map, state
from ui.bind import edited_records, render_read_notes
from ui.kinds.runs.formats import format_inputs

_UPLOAD_ID = "iteration_upload_id"
_TABLE_COLUMNS = {
    "stage": st.column_config.TextColumn("Stage", required=True, width="medium"),
    "hours": st.column_config.NumberColumn("Average hours per iteration", min_value=0.0,
                                           format="%.1f",
                                           help="Average hours per iteration in this stage, "
                                                "waiting included: a stage that runs in one "
                                                "iteration out of four counts a quarter of its "
                                                "time. Averages add up to one iteration; "
                                                "medians do not."),
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
    """Fill what the page needs; whatever the app fills is marked prefilled (a sample)."""
    inputs = session.inputs
    filled = prefilled(session)
    if "stage_table" not in inputs:
        inputs["stage_table"] = stage_table_from(_example())
        filled.add("stage_table")
    if "iterations_per_month" not in inputs:
        inputs["iterations_per_month"] = ITERATIONS_PER_MONTH
        filled.add("iterations_per_month")
    inputs.setdefault("source", "table")
    if filled or "prefilled" in inputs:
        inputs["prefilled"] = sorted(filled)


def _unmark(session: Session, name: str) -> None:
    """The team typed, confirmed or uploaded ``name``: it is theirs, no longer a sample."""
    if "prefilled" in session.inputs:
        session.inputs["prefilled"] = sorted(prefilled(session) - {name})


def load_example(session: Session) -> None:
    """Start from the worked example: its runs, a matching typed table, its runs' cadence."""
    runs = _example()
    fresh = Session(scenario=session.scenario, playbook_version=session.playbook_version,
                    title="Ranking model retraining takes two days per iteration")
    fresh.inputs = iteration_example_inputs(runs)
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
    # The editor's edits arrive in its state before it is drawn: any edit makes the table theirs.
    edits = st.session_state.get(key) or {}
    if any(edits.get(part) for part in ("edited_rows", "added_rows", "deleted_rows")):
        _unmark(session, "stage_table")
    if "stage_table" in prefilled(session):
        st.caption(":material/science: **Sample values** from the worked example, not your "
                   "team's: type over them, or upload your runs.")
    st.caption("Type **average hours per iteration** for each stage (means add up; medians "
               "describe a typical run).")
    session.inputs["stage_table"] = edited_records(key, session.inputs["stage_table"],
                                                   _TABLE_COLUMNS, ("hours", "wait_hours"))


def _use_runs_cadence(session: Session, runs: RunsData, ipm_key: str) -> bool:
    """Iterations per month from the runs' dates; True when it was applied."""
    derived = iterations_from_runs(runs)
    if derived is None:
        return False
    session.inputs["iterations_per_month"], session.inputs[FROM_RUNS] = derived
    _unmark(session, "iterations_per_month")
    st.session_state[ipm_key] = derived[0]
    return True


def _typed_iterations(session: Session) -> None:
    _unmark(session, "iterations_per_month")
    session.inputs.pop(FROM_RUNS, None)


def _shape(uploaded, chosen_format: str) -> tuple[str, list[str]]:
    """The file's format and columns, read from its first lines once per file and format."""
    memo = f"{_UPLOAD_ID}:shape"
    held = st.session_state.get(memo)
    if held and held[0] == (uploaded.file_id, chosen_format):
        return held[1], held[2]
    source_format, columns, _ = mapping_for(uploaded.getvalue(), uploaded.name, chosen_format)
    st.session_state[memo] = ((uploaded.file_id, chosen_format), source_format, columns)
    return source_format, columns


def _upload(session: Session, key: str, ipm_key: str) -> None:
    uploaded = st.file_uploader("Runs CSV", type=["csv", "txt", "tsv", "json", "parquet"], key=key,
                                help="One row per stage of a run: run_id, stage, and either "
                                     "started_at + ended_at (ISO 8601) or duration_hours; "
                                     "optional status, wait_hours.")
    options = format_inputs(key, read_options(session.inputs))
    left, right = st.columns(2)
    left.download_button("Empty template", ITERATION_TEMPLATE.read_bytes(),
                         file_name="runs_template.csv", mime="text/csv",
                         icon=":material/download:")
    right.button("Load the worked example", on_click=load_example, args=(session,),
                 icon=":material/science:", key=f"{key}:example")
    if uploaded is None:  # the file was removed: its error goes with it
        st.session_state.pop(_UPLOAD_ID, None)
        st.session_state.pop(f"{key}:error", None)
        return
    try:
        source_format, columns = _shape(uploaded, options["source_format"])
    except InputError as err:
        st.session_state[f"{key}:error"] = str(err)
        return
    mapping = column_map.editor(session, runs_contract(source_format), columns, key,
                                uploaded.name)
    # A new format, zone or mapping re-reads the same file (the first try may have failed for
    # want of it).
    upload_id = (uploaded.file_id, *options.values(), tuple(sorted(mapping.items())))
    if st.session_state.get(_UPLOAD_ID) == upload_id:
        return
    st.session_state[_UPLOAD_ID] = upload_id
    name = literal(uploaded.name, one_line=True)
    with st.status(f"Reading {name}…", expanded=False) as status:
        st.write(f"Reading {uploaded.size / 1024:,.0f} KB and checking each row…")
        try:
            runs = read_runs(uploaded.getvalue(), uploaded.name, **options, columns=mapping)
        except InputError as err:
            st.session_state[f"{key}:error"] = str(err)
            status.update(label=f"Could not use {name}", state="error")
            return
        analysis = runs.analysis
        st.write(f"Checked {runs.rows_read:,} rows: {len(analysis.skipped):,} skipped, "
                 f"{analysis.clamped_waits:,} waits clamped.")
        st.write(f"Analysed {analysis.runs:,} runs over {len(analysis.stages)} stages.")
        st.session_state.pop(f"{key}:error", None)
        state.set_runs_data(session.scenario, runs)
        session.inputs[RUNS_READ] = options_to_keep(runs, options)
        session.uploads = [u for u in session.uploads if u.kind != "runs"] + [_summary(runs)]
        session.inputs["source"] = "runs"
        st.session_state.pop(key.replace(":upload", ":source"), None)  # show the new source
        source, _ = iterations_source(session)
        if source != "typed" and _use_runs_cadence(session, runs, ipm_key):
            st.write(f"Iterations per month from the runs' dates: "
                     f"{session.inputs['iterations_per_month']:g}.")
        status.update(label=f"Read {name}: {analysis.runs:,} runs", state="complete")


def _source_choice(session: Session, runs: RunsData | None, key: str) -> str:
    if runs is None:  # runs named in the session but not in this tab: the page's banner says so
        return "table"
    # Radio options render Markdown: the file's name is shown as typed, never as markup.
    options = {"runs": f"uploaded runs ({literal(runs.name, one_line=True)})",
               "table": "typed stage table"}
    if key not in st.session_state:
        st.session_state[key] = session.inputs.get("source", "runs")
    choice = st.radio("Analyse", list(options), format_func=options.get, key=key,
                      horizontal=True)
    session.inputs["source"] = choice
    return choice


def _read_summary(analysis: IterationAnalysis, runs: RunsData | None, sample: bool) -> str:
    stage_count = len([s for s in analysis.stages if s.stage != "handoff"])
    if analysis.source == "runs" and runs is not None:
        text = f"{analysis.runs} runs, {stage_count} stages"
        if analysis.stage("handoff"):
            text += " + hand-off waits between them"
    elif sample:
        text = f"{stage_count} stages, sample values, not the team's: type over them or upload runs"
    else:
        text = f"{stage_count} stages typed in"
    if analysis.clamped_waits:
        rows = "row" if analysis.clamped_waits == 1 else "rows"
        text += f"; {analysis.clamped_waits} {rows}: wait a hair above duration, clamped"
    if analysis.skipped:
        reasons = sorted({s.reason for s in analysis.skipped})
        text += f", {len(analysis.skipped)} rows skipped: {'; '.join(reasons[:2])}"
        if len(reasons) > 2:
            text += " …"
    return text


def showing_samples(session: Session, analysis: IterationAnalysis) -> bool:
    """Whether the numbers on the page are the app's sample stage table."""
    return analysis.source == "table" and "stage_table" in prefilled(session)


def _shown_now(session: Session, analysis: IterationAnalysis, runs: RunsData | None) -> str:
    if analysis.source == "runs" and runs is not None:
        return (f"The page still shows the runs read earlier from "
                f"**{literal(runs.name, one_line=True)}** ({analysis.runs} runs).")
    if showing_samples(session, analysis):
        return f"The page shows the **sample stage table** ({SAMPLE_NOTE})."
    return "The page shows **your typed stage table**."


def _iterations_caption(session: Session, runs: RunsData | None, ipm_key: str) -> None:
    source, basis = iterations_source(session)
    if source == "sample":
        hint = "the runs have no dates to read it from" if runs is not None else "or upload dated runs"
        st.caption(f":material/science: **Sample value** — type yours ({hint}).")
    elif source == "runs":
        st.caption(f":material/calendar_month: From the runs' dates: {literal(basis)} "
                   "(type a number to override).")
    else:
        st.caption(":material/edit: As typed.")
        derived = iterations_from_runs(runs) if runs is not None else None
        if derived and abs(derived[0] - float(session.inputs["iterations_per_month"])) >= 0.05:
            st.button(f"Use {derived[0]:g} from the runs' dates", key=f"{ipm_key}:from_runs",
                      help=f"{derived[1]}: dated runs / (days spanned / 30.44)",
                      on_click=_use_runs_cadence, args=(session, runs, ipm_key))


def render_inputs(session: Session) -> tuple[IterationAnalysis, RunsData | None]:
    """Draw the inputs; return the analysis of whichever source the room chose."""
    ensure_defaults(session)
    version = state.widget_version(session.scenario)
    prefix = f"{session.scenario}:{version}"
    ipm_key = f"{prefix}:ipm"
    typed, upload = st.tabs(["Type stage times", "Upload runs CSV"])
    with upload:
        _upload(session, f"{prefix}:upload", ipm_key)
        error_slot = st.empty()
    with typed:
        _stage_table(session, f"{prefix}:table")
    runs = state.runs_data(session.scenario)
    left, right = st.columns([3, 1])
    with right:
        if ipm_key not in st.session_state:
            st.session_state[ipm_key] = float(session.inputs["iterations_per_month"])
        session.inputs["iterations_per_month"] = st.number_input(
            "Iterations per month", min_value=0.0, max_value=10_000.0, step=1.0, key=ipm_key,
            on_change=_typed_iterations, args=(session,),
            help="How many full iterations the team runs in a month: turns hours per "
                 "iteration into hours per month. With uploaded runs it is read from their "
                 "dates: dated runs / (days from the first start to the last / 30.44).")
        _iterations_caption(session, runs, ipm_key)
    with left:
        source = _source_choice(session, runs, f"{prefix}:source")
    analysis = (runs.analysis if source == "runs" and runs is not None
                else analyse_stage_table(session.inputs["stage_table"]))
    error = st.session_state.get(f"{prefix}:upload:error")
    if error:
        error_slot.error(f"{literal(error)}\n\nNothing from this file was used; the typed stage "
                         "table and earlier data are unchanged. "
                         f"{_shown_now(session, analysis, runs)}", icon=":material/error:")
    if runs is None and session.inputs.get("source") == "runs" and session.uploads:
        # Re-opened without its runs: the banner above shows the numbers as saved.
        st.caption(f":material/fact_check: Read: nothing yet in this tab; the meeting's numbers "
                   f"came from {literal(session.uploads[-1].name, one_line=True)} "
                   f"({literal(session.uploads[-1].note, one_line=True)}).")
        return analysis, runs
    render_read_notes(_read_summary(analysis, runs, showing_samples(session, analysis)),
                      analysis.notes, analysis.skipped)
    return analysis, runs
