"""The router's hand-over: open the scenario the walk points to, with the goal carried over."""

from __future__ import annotations

import streamlit as st

from triage.playbook import Playbook
from triage.session import Session
from ui import state
from ui.frame import scenario_page


def _open_button(target: Playbook, page, session: Session, label: str) -> None:
    if st.button(label, type="primary", icon=":material/arrow_forward:",
                 key=f"router:open:{target.id}"):
        state.carry_goal(target, session.goal)
        st.switch_page(page)


def render_handover(target_id: str, session: Session) -> None:
    target = state.playbook(target_id)
    if target is None:  # the catalogue refuses unknown ids; a file removed while the app runs
        st.warning(f"The playbook '{target_id}' is not installed here any more.",
                   icon=":material/warning:")
        return
    _open_button(target, scenario_page(target.id), session,
                 f"Open “{target.title}” with this goal")
