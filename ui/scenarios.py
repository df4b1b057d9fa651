"""Which page, worked example and plan builder belong to each scenario."""

from __future__ import annotations

from collections.abc import Callable

from triage.kinds.requests.analysis import analyse_typed
from triage.kinds.requests.impact import access_plan
from triage.kinds.runs.analysis import analyse_stage_table
from triage.kinds.runs.impact import iteration_plan, session_analysis
from triage.plan import Plan
from triage.playbook import Playbook
from triage.production import analyse, production_plan
from triage.router import router_plan
from triage.session import Session
from ui import access_inputs, iteration_inputs, production_inputs, state
from ui.reopen import missing_uploads

EXAMPLE_LOADERS: dict[str, Callable[[Session], None]] = {
    "slow_iteration": iteration_inputs.load_example,
    "production_underperformance": production_inputs.load_example,
    "data_access": access_inputs.load_example,
}


def plan_for(book: Playbook, session: Session) -> Plan:
    """The plan of a session, from whatever inputs this browser tab holds for it. When its
    numbers came from an upload this tab lacks, the plan has no numbers rather than the sample
    values that stand in the typed inputs (pages show the saved snapshot when there is one)."""
    missing = {u.kind for u in missing_uploads(session)}
    if book.scenario == "access":
        access_inputs.ensure_defaults(session)
        analysis = (analyse_typed({}) if "log" in missing
                    else access_inputs.analysis_for(session))
        return access_plan(book, session, analysis,
                           access_inputs.requests_per_month(session, analysis))
    if book.scenario == "router":
        return router_plan(book, session)
    if book.scenario == "production":
        return production_plan(book, session,
                               analyse(session.inputs, production_inputs.drift_report()))
    runs = state.runs_data(session.scenario)
    if "runs" in missing:
        return iteration_plan(book, session, analyse_stage_table([]))
    return iteration_plan(book, session, session_analysis(session, runs.analysis if runs else None))
