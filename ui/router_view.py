"""The router's hand-over: open the scenario the walk points to, with the goal carried over."""

from __future__ import annotations

import streamlit as st

from triage.playbook import Playbook
from triage.session import Session
from ui import state
from ui.frame import LEARN, SCENARIO_PAGES
from ui.learn_tree import PLAYBOOK_PARAM


def _page_running(scenario: str) -> tuple[str, Playbook] | None:
    """The page that runs this kind of analysis (a playbook without a page of its own is
    measured there), with the playbook it runs."""
    for book_id, page in SCENARIO_PAGES.items():
        book = state.playbook(book_id)
        if book is not None and book.scenario == scenario:
            return page, book
    return None


def _open_button(target: Playbook, page: str, session: Session, label: str) -> None:
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
    page = SCENARIO_PAGES.get(target.id)
    if page is not None:
        _open_button(target, page, session, f"Open “{target.title}” with this goal")
        return
    # No page of its own yet: its numbers are measured on the page of its analysis, and its
    # questions are read on Learn.
    running = _page_running(target.scenario)
    st.caption(f"“{target.title}” has no page of its own yet. Its questions rest on the "
               "numbers measured on the page below; its tree is on Learn.")
    if running is not None:
        page, book = running
        _open_button(book, page, session, f"Measure on “{book.title}” with this goal")
    st.page_link(LEARN, label=f"Read “{target.title}” on Learn",
                 icon=":material/school:", query_params={PLAYBOOK_PARAM: target.id})
