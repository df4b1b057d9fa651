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

from triage.engine import walk
from ui import identity, state

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
SCENARIO = "pages/scenario.py"  # any other playbook's scenario page, one url per playbook
PLAN = "pages/plan.py"
LEARN = "pages/learn.py"
REVIEW = "pages/review.py"
# The shipped scenarios keep their own short urls and names in the navigation; every other
# installed playbook is drawn by the same assembly under /<its id>.
_BUILT_IN = {  # playbook id -> page file, url, navigation title, icon
    "not_sure": (ROUTER, "router", "Not sure where the problem is?", ":material/alt_route:"),
    "slow_iteration": (ITERATION, "iteration", "Iteration is too slow", ":material/timer:"),
    "production_underperformance": (PRODUCTION, "production", "Model underperforms",
                                    ":material/trending_down:"),
    "data_access": (ACCESS, "access", "Data access is blocked", ":material/lock_clock:"),
}
_OTHER_PAGES = {"", "plan", "review", "learn"} | {url for _, url, _, _ in _BUILT_IN.values()}


def scenario_url(playbook_id: str) -> str:
    """The url path of a playbook's scenario page ("" for none: the app's root)."""
    if playbook_id in _BUILT_IN:
        return _BUILT_IN[playbook_id][1]
    if state.playbook(playbook_id) is None:
        return ""
    return f"playbook-{playbook_id}" if playbook_id in _OTHER_PAGES else playbook_id


def _other_page(book) -> st.Page:
    return st.Page(SCENARIO, title=book.nav_title or book.title, icon=":material/playlist_play:",
                   url_path=scenario_url(book.id))


def scenario_page(playbook_id: str) -> str | st.Page | None:
    """What ``st.page_link`` and ``st.switch_page`` take to open a playbook's scenario page."""
    if playbook_id in _BUILT_IN:
        return _BUILT_IN[playbook_id][0]
    book = state.playbook(playbook_id)
    return _other_page(book) if book is not None else None


def playbook_at(url_path: str) -> str | None:
    """The playbook whose scenario page has this url path."""
    return next((book_id for book_id in (*_BUILT_IN, *state.catalogue().playbooks)
                 if scenario_url(book_id) == url_path), None) if url_path else None


def scenario_ids() -> list[str]:
    """Every scenario in navigation order: the shipped ones, then the others by title."""
    others = sorted((b for b in state.catalogue().playbooks.values() if b.id not in _BUILT_IN),
                    key=lambda b: (b.scenario != "router", b.title.casefold()))
    return [*_BUILT_IN, *(b.id for b in others)]


def _pages() -> dict[str, list]:
    scenarios = [st.Page(page, title=title, icon=icon, url_path=url)
                 for page, url, title, icon in _BUILT_IN.values()]
    scenarios += [_other_page(state.playbook(book_id)) for book_id in scenario_ids()
                  if book_id not in _BUILT_IN]
    return {
        "": [st.Page(HOME, title="Home", icon=":material/home:", default=True)],
        "Scenarios": scenarios,
        "Plan": [st.Page(PLAN, title="Action plan", icon=":material/checklist:",
                         url_path="plan"),
                 st.Page(REVIEW, title="Review saved plans", icon=":material/fact_check:",
                         url_path="review")],
        "Learn": [st.Page(LEARN, title="Playbooks", icon=":material/school:", url_path="learn")],
    }


def _sidebar() -> None:
    with st.sidebar:
        st.caption("ML triage playbook")
        identity.render_sidebar()
        active = state.active_scenario()
        book = state.playbook(active) if active else None
        if book is None:
            st.caption("No scenario open yet.")
            return
        session = state.session_for(book)
        st.markdown(f"**Working on:** {book.title}")
        st.caption(f"{len(session.answers)} answer(s) · {len(session.notes)} note(s)")
        finding = walk(book, session.answers).finding
        if finding is not None and finding.opens:  # its plan is made on the page it hands to
            st.caption("This walk hands over to another scenario; the plan is made there.")
        else:
            st.page_link(PLAN, label="Open the action plan", icon=":material/checklist:")


def run_frame() -> None:
    st.session_state[_FRAME_MARK] = True
    state.new_run()
    # An emoji favicon is drawn in the browser (a data: SVG); a ":material/…:" one is fetched
    # from fonts.gstatic.com by every viewer, the one outside request the app would make.
    st.set_page_config(page_title="ML triage playbook", page_icon="🔎", layout="wide")
    from ui.plan_store_ui import apply_link, show_link_messages

    apply_link()  # before anything reads the session: a shared link replaces it
    page = st.navigation(_pages())
    st.session_state[_PAGE_PATH] = page.url_path
    if scenario := playbook_at(page.url_path):
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


def current_playbook() -> str:
    """The playbook of the scenario page this run draws."""
    return playbook_at(st.session_state.get(_PAGE_PATH, "")) or ""


def ensure_frame() -> None:
    """Call first in every page: makes sure this run went through the frame."""
    if not st.session_state.pop(_FRAME_MARK, False):
        run_frame()
        st.stop()
