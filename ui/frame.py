"""The frame every page shares: page config, navigation, sidebar — and the deep-link guard.

On a freshly started server Streamlit runs a deep-linked page file (``/iteration``) directly,
skipping ``app.py``; AppTest does the same on reruns. Each page therefore calls
:func:`ensure_frame` first: when this run did not come through the frame, it runs the frame itself
(which routes back to the same page) and stops the outer run.
"""

from __future__ import annotations

import logging
import os
import secrets

import streamlit as st

from ui import state

_FRAME_MARK = "_frame_active"
_PAGE_PATH = "_page_url_path"  # the url path of the page this run draws ("" for Home)
# Tests set this to "1" so a bug fails them instead of being turned into a friendly message.
STRICT_ERRORS_ENV = "TRIAGE_STRICT_ERRORS"
log = logging.getLogger("triage.app")

HOME = "pages/home.py"
ITERATION = "pages/iteration.py"
PRODUCTION = "pages/production.py"
ACCESS = "pages/access.py"
ROUTER = "pages/router.py"
PLAN = "pages/plan.py"
LEARN = "pages/learn.py"
REVIEW = "pages/review.py"
# Playbook id -> the page that runs its scenario; other playbooks are browsable on Learn.
SCENARIO_PAGES = {"slow_iteration": ITERATION, "production_underperformance": PRODUCTION,
                  "data_access": ACCESS, "not_sure": ROUTER}
_SCENARIO_URLS = {"slow_iteration": "iteration", "production_underperformance": "production",
                  "data_access": "access", "not_sure": "router"}


def scenario_url(playbook_id: str) -> str:
    return _SCENARIO_URLS.get(playbook_id, "")


def _pages() -> dict[str, list]:
    return {
        "": [st.Page(HOME, title="Home", icon=":material/home:", default=True)],
        "Scenarios": [
            st.Page(ROUTER, title="Not sure where the problem is?", icon=":material/alt_route:",
                    url_path=_SCENARIO_URLS["not_sure"]),
            st.Page(ITERATION, title="Iteration is too slow", icon=":material/timer:",
                    url_path=_SCENARIO_URLS["slow_iteration"]),
            st.Page(PRODUCTION, title="Model underperforms", icon=":material/trending_down:",
                    url_path=_SCENARIO_URLS["production_underperformance"]),
            st.Page(ACCESS, title="Data access is blocked", icon=":material/lock_clock:",
                    url_path=_SCENARIO_URLS["data_access"]),
        ],
        "Plan": [st.Page(PLAN, title="Action plan", icon=":material/checklist:",
                         url_path="plan"),
                 st.Page(REVIEW, title="Review saved plans", icon=":material/fact_check:",
                         url_path="review")],
        "Learn": [st.Page(LEARN, title="Playbooks", icon=":material/school:", url_path="learn")],
    }


def _sidebar() -> None:
    with st.sidebar:
        st.caption("ML triage playbook")
        active = state.active_scenario()
        book = state.playbook(active) if active else None
        if book is None:
            st.caption("No scenario open yet.")
            return
        session = state.session_for(book)
        st.markdown(f"**Working on:** {book.title}")
        st.caption(f"{len(session.answers)} answer(s) · {len(session.notes)} note(s)")
        st.page_link(PLAN, label="Open the action plan", icon=":material/checklist:")


def run_frame() -> None:
    st.session_state[_FRAME_MARK] = True
    st.set_page_config(page_title="ML triage playbook", page_icon=":material/troubleshoot:",
                       layout="wide")
    from ui.plan_store_ui import apply_link, show_link_messages

    apply_link()  # before anything reads the session: a shared link replaces it
    page = st.navigation(_pages())
    st.session_state[_PAGE_PATH] = page.url_path
    scenario = {url: book for book, url in _SCENARIO_URLS.items()}.get(page.url_path)
    if scenario:
        state.set_active_scenario(scenario)
    _sidebar()
    show_link_messages()
    _run_guarded(page)


def _run_guarded(page) -> None:
    """Last line of defence: a bug on one page shows a message with a reference instead of a
    traceback, and the session (kept in session_state, outside the failed run) is untouched."""
    try:
        page.run()
    except Exception:
        if os.environ.get(STRICT_ERRORS_ENV) == "1":
            raise
        reference = secrets.token_hex(4)
        log.exception("unexpected error on page /%s (reference %s)", page.url_path, reference)
        st.error(f"This page hit an unexpected error (reference {reference}). It is a bug in the "
                 "app, not a problem with what you entered, and everything you entered is kept: "
                 "change a value or open another page to go on, or download the plan JSON from "
                 "the Action plan page. Please send the reference to whoever runs this app.",
                 icon=":material/bug_report:")


def app_root() -> str:
    """The app's root URL as this browser reaches it, whichever page it is on."""
    from triage.permalink import app_root as root_of

    return root_of(st.context.url or "", st.session_state.get(_PAGE_PATH, ""))


def ensure_frame() -> None:
    """Call first in every page: makes sure this run went through the frame."""
    if not st.session_state.pop(_FRAME_MARK, False):
        run_frame()
        st.stop()
