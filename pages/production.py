"""Scenario page: a launched model underperforms. Is the gap real, where is it lost, what now?"""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from triage.markdown import literal  # noqa: E402
from triage.production import analyse, production_plan  # noqa: E402
from ui import state  # noqa: E402
from ui.bind import prefix  # noqa: E402
from ui.goal import render_goal  # noqa: E402
from ui.plan_view import render_preview  # noqa: E402
from ui.production_inputs import drift_report, render_inputs, skew_report  # noqa: E402
from ui.production_views import (  # noqa: E402
    render_drift,
    render_gap,
    render_health,
    render_skew,
    render_verdict,
)
from ui.reopen import render_banner, render_saved_preview  # noqa: E402
from ui.stepper import render_stepper  # noqa: E402

book, session = state.open_scenario("production_underperformance")
key = prefix(session.scenario)

st.title(book.title)
st.caption(book.summary)
render_goal(book, session)
# The typed metric and segments are in the session; only the feature samples can be missing.
saved = render_banner(session)

st.subheader("1 · Your numbers")
render_inputs(session)
analysis = analyse(session.inputs, drift_report(), skew_report())
for problem in analysis.problems:
    st.error(literal(problem), icon=":material/error:")

st.subheader("2 · Where the metric is lost")
if analysis.verdict is not None:
    render_verdict(analysis)
    render_gap(analysis, key)
else:
    st.info("Type the expected and observed metric above (or load the worked example) to size "
            "the gap against sampling noise. The questions below work without numbers.",
            icon=":material/edit_note:")
with st.expander("Serving health, drift and skew",
                 expanded=analysis.drift is not None or analysis.skew is not None):
    render_health(analysis, key)
    render_drift(analysis, key)
    render_skew(analysis, key)

st.subheader("3 · Questions to walk together")
render_stepper(book, session, analysis.metrics())

st.subheader("4 · Plan so far")
if saved is not None:
    render_saved_preview(saved)
else:
    render_preview(production_plan(book, session, analysis))
