"""The action plan of the scenario in progress: summary, ranked actions, owners, downloads."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui import state  # noqa: E402
from ui.frame import HOME, scenario_url  # noqa: E402
from ui.plan_io import render_import  # noqa: E402
from ui.plan_store_ui import render_exports, render_save, render_share  # noqa: E402
from ui.plan_view import render_downloads, render_plan, render_saved_plan  # noqa: E402
from ui.reopen import render_banner  # noqa: E402
from ui.scenario_page import plan_for  # noqa: E402

st.title("Action plan")
opened = [s for s in state.open_scenarios() if state.playbook(s)]
if len(opened) > 1:
    active = state.active_scenario()
    choice = st.segmented_control("Scenario", opened, default=active if active in opened else None,
                                  format_func=lambda s: state.playbook(s).title, key="plan:scenario")
    if choice and choice != active:
        state.set_active_scenario(choice)
session = state.active_session()
book = state.playbook(session.scenario) if session else None
if session is None or book is None:
    st.info("No scenario is open yet. Pick one on the Home page, or open a saved plan JSON.",
            icon=":material/info:")
    st.page_link(HOME, label="Go to the scenarios", icon=":material/home:")
    render_import()
    st.stop()

saved = render_banner(session)  # its uploads are missing here: the plan as it was saved
plan = None if saved is not None else plan_for(book, session)

title_key = f"{session.scenario}:{state.widget_version(session.scenario)}:title"
if title_key not in st.session_state:
    st.session_state[title_key] = session.title or book.title
session.title = st.text_input("Plan title", key=title_key, max_chars=200).strip()
st.caption(f"Playbook: {book.title} · version {book.version}")

render_downloads(plan, session)
if plan is None:
    render_saved_plan(saved, session)
else:
    render_plan(plan, session)
st.markdown("#### Keep it")
render_save(plan, session)
render_exports(plan, session)
with st.expander("Share a link that reproduces this session"):
    render_share(plan, session, scenario_url(session.scenario))
with st.expander("Open a saved plan JSON"):
    render_import()
