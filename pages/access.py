"""Scenario page: data access is blocked. Where do requests wait, and what fixes the process?"""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui import state  # noqa: E402
from ui.access_inputs import render_inputs, requests_per_month_note  # noqa: E402
from ui.access_views import render_charts, render_headline, render_read_summary  # noqa: E402
from ui.bind import prefix  # noqa: E402
from ui.goal import render_goal  # noqa: E402
from ui.plan_view import render_preview  # noqa: E402
from ui.reopen import render_banner, render_saved_numbers, render_saved_preview  # noqa: E402
from ui.scenarios import plan_for  # noqa: E402
from ui.stepper import render_stepper  # noqa: E402

book, session = state.open_scenario("data_access")

st.title(book.title)
st.caption(book.summary)
render_goal(book, session)
saved = render_banner(session)  # the numbers as saved when the log is missing here

st.subheader("1 · Your numbers")
analysis = render_inputs(session)
render_read_summary(analysis)

st.subheader("2 · Where requests wait")
if saved is not None:
    render_saved_numbers(saved)
else:
    render_headline(analysis, session, prefix(session.scenario))
    render_charts(analysis, prefix(session.scenario), session)
    st.caption(f"Waits in {analysis.clock.describe()}, SLAs "
               f"on the same clock; {requests_per_month_note(session, analysis)}.")

st.subheader("3 · Questions to walk together")
render_stepper(book, session, {} if saved is not None else analysis.metrics())

st.subheader("4 · Plan so far")
if saved is not None:
    render_saved_preview(saved)
else:
    render_preview(plan_for(book, session))
