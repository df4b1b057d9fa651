"""Which page, worked example and plan builder belong to each scenario."""

from __future__ import annotations

from collections.abc import Callable

from triage.access_plan import access_plan
from triage.iteration_plan import iteration_plan, session_analysis
from triage.plan import Plan
from triage.playbook import Playbook
from triage.production import analyse, production_plan
from triage.session import Session
from ui import access_inputs, iteration_inputs, production_inputs, state

EXAMPLE_LOADERS: dict[str, Callable[[Session], None]] = {
    "slow_iteration": iteration_inputs.load_example,
    "production_underperformance": production_inputs.load_example,
    "data_access": access_inputs.load_example,
}


def plan_for(book: Playbook, session: Session) -> Plan:
    """The plan of a session, from whatever inputs this browser tab holds for it."""
    if book.scenario == "access":
        access_inputs.ensure_defaults(session)
        analysis = access_inputs.analysis_for(session)
        return access_plan(book, session, analysis,
                           access_inputs.requests_per_month(session, analysis))
    if book.scenario == "production":
        return production_plan(book, session,
                               analyse(session.inputs, production_inputs.drift_report()))
    runs = state.runs_data(session.scenario)
    return iteration_plan(book, session, session_analysis(session, runs.analysis if runs else None))
