"""Router page: not sure where the problem is? Goal first, one question, then the right scenario."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui import state  # noqa: E402
from ui.goal import render_goal  # noqa: E402
from ui.plan_view import render_preview  # noqa: E402
from ui.router_view import render_handover  # noqa: E402
from ui.scenarios import plan_for  # noqa: E402
from ui.stepper import render_stepper  # noqa: E402

book, session = state.open_scenario("not_sure")

st.title(book.title)
st.caption(book.summary)
render_goal(book, session)

st.subheader("Where it hurts")
walked = render_stepper(book, session, {})
if walked.finding is not None and walked.finding.opens:
    render_handover(walked.finding.opens, session)
elif walked.complete:
    st.subheader("Plan so far")
    render_preview(plan_for(book, session))
