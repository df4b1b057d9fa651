"""Opening a plan JSON exported earlier: validated, then it replaces the session for its scenario."""

from __future__ import annotations

import streamlit as st

from triage.markdown import literal
from triage.session import SessionError, from_json
from ui import state
from ui.reopen import forget_uploads

_IMPORTED = "plan_import_id"


def render_import() -> None:
    uploaded = st.file_uploader("Plan JSON", type=["json"], key="plan_import",
                                help="A file from “Download plan JSON”. It restores answers, "
                                     "notes, typed numbers, what-ifs and owners.")
    if uploaded is None or st.session_state.get(_IMPORTED) == uploaded.file_id:
        return
    st.session_state[_IMPORTED] = uploaded.file_id
    try:
        session = from_json(uploaded.getvalue())
    except SessionError as err:
        st.error(f"{literal(uploaded.name)} could not be opened: {literal(str(err))}. Your "
                 "current session is "
                 "unchanged.", icon=":material/error:")
        return
    book = state.playbook(session.scenario)
    if book is None:
        st.error(f"{literal(uploaded.name)} is a plan for the playbook "
                 f"'{literal(session.scenario)}', which is "
                 "not installed here. Your current session is unchanged.",
                 icon=":material/error:")
        return
    if session.playbook_version != book.version:
        st.warning(f"This plan was made with version {session.playbook_version} of the "
                   f"playbook; this app has version {book.version}. Answers to questions that "
                   "changed may not apply.", icon=":material/history:")
    state.replace_session(session)
    forget_uploads(session.scenario)
    st.success(f"Opened “{literal(session.title or book.title)}”.",
               icon=":material/check_circle:")
    st.rerun()
