"""Scenario page: model iteration is too slow. Numbers first, then the questions, then the plan."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from triage.kinds.runs.impact import iteration_plan  # noqa: E402
from ui import state  # noqa: E402
from ui.goal import render_goal  # noqa: E402
from ui.iteration_inputs import render_inputs, showing_samples  # noqa: E402
from ui.iteration_views import render_charts, render_headline, render_whatif  # noqa: E402
from ui.plan_view import render_preview  # noqa: E402
from ui.reopen import render_banner, render_saved_numbers, render_saved_preview  # noqa: E402
from ui.stepper import render_stepper  # noqa: E402

book, session = state.open_scenario("slow_iteration")

st.title(book.title)
st.caption(book.summary)
render_goal(book, session)
saved = render_banner(session)  # the numbers as saved when the runs are missing here

st.subheader("1 · Your numbers")
analysis, runs = render_inputs(session)
sample = showing_samples(session, analysis)  # the app's sample table, not the team's numbers

st.subheader("2 · Where the time goes")
if saved is not None:
    render_saved_numbers(saved)
elif analysis.has_data:
    render_headline(analysis, sample)
    render_charts(analysis, runs, f"{session.scenario}:{state.widget_version(session.scenario)}")
    with st.expander("What if a stage were faster? (Amdahl's law)", expanded=bool(session.whatif)):
        render_whatif(session, analysis)
else:
    st.info("No stage times yet. Type the average hours per iteration of each stage above, "
            "upload a runs CSV, or "
            "load the worked example. The questions below still work without numbers.",
            icon=":material/edit_note:")

st.subheader("3 · Questions to walk together")
if sample:
    st.caption(":material/science: Sample values suggest no answers: type or upload your "
               "numbers and the data will suggest them.")
render_stepper(book, session, {} if saved is not None or sample else analysis.metrics())

st.subheader("4 · Plan so far")
if saved is not None:
    render_saved_preview(saved)
else:
    render_preview(iteration_plan(book, session, analysis))
