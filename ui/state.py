"""Per-tab working state in ``st.session_state``, and the shared read-only playbook catalogue.

User data never goes into module globals or cached objects: every session's model lives in its own
``st.session_state``. The catalogue is cached once per set of playbook files and never mutated.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from triage.kinds.runs.analysis import RunsData
from triage.playbook import Catalogue, Playbook, load_catalogue, playbook_dir
from triage.session import Goal, Session

_SESSIONS = "sessions"  # scenario id -> Session
_ACTIVE = "active_scenario"
_RUNS = "runs_data"  # scenario id -> RunsData (uploaded rows stay out of the session model)
_VERSION = "widget_version"  # scenario id -> int, bumped when the model is replaced wholesale
_CATALOGUE_THIS_RUN = "catalogue_this_run"  # the shared, read-only catalogue this run uses


@st.cache_resource(show_spinner=False)
def _load_catalogue(fingerprint: tuple) -> Catalogue:
    return load_catalogue(Path(fingerprint[0]))


def catalogue() -> Catalogue:
    """Playbooks reload when a file changes (authors edit YAML while the app runs). The folder
    is looked at once per run of the app (``new_run``), not at each of the run's dozen calls."""
    in_run = get_script_run_ctx() is not None  # not e.g. a format_func a test harness calls
    checked = st.session_state.get(_CATALOGUE_THIS_RUN) if in_run else None
    if checked is not None:
        return checked
    folder = playbook_dir()
    fingerprint = (str(folder), *(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.y*ml"))))
    found = _load_catalogue(fingerprint)
    if in_run:
        st.session_state[_CATALOGUE_THIS_RUN] = found
    return found


def new_run() -> None:
    """A run of the whole app starts: the playbook folder is looked at again."""
    st.session_state.pop(_CATALOGUE_THIS_RUN, None)


def playbook(playbook_id: str) -> Playbook | None:
    return catalogue().playbooks.get(playbook_id)


def open_scenario(playbook_id: str) -> tuple[Playbook, Session]:
    """The playbook and this tab's session for a scenario page; a clear stop if it is broken."""
    book = playbook(playbook_id)
    if book is None:
        st.error(f"The playbook '{playbook_id}' could not be loaded; the Home page lists the "
                 "problems found in it.", icon=":material/error:")
        st.stop()
    return book, session_for(book)


def session_for(book: Playbook) -> Session:
    sessions: dict[str, Session] = st.session_state.setdefault(_SESSIONS, {})
    if book.id not in sessions:
        sessions[book.id] = Session(scenario=book.id, playbook_version=book.version)
    st.session_state[_ACTIVE] = book.id
    return sessions[book.id]


def replace_session(session: Session) -> None:
    """Swap in a whole new model (example, import); widgets re-initialise from it.

    A model that brings no goal (a worked example, a plan made before goals were recorded)
    keeps the goal typed in this tab: the goal is the meeting's, the numbers are what was loaded.
    """
    sessions = st.session_state.setdefault(_SESSIONS, {})
    previous = sessions.get(session.scenario)
    if session.goal.is_empty() and previous is not None:
        session.goal = previous.goal
    sessions[session.scenario] = session
    st.session_state[_ACTIVE] = session.scenario
    _bump_version(session.scenario)


def _bump_version(scenario: str) -> None:
    versions = st.session_state.setdefault(_VERSION, {})
    versions[scenario] = versions.get(scenario, 0) + 1


def carry_goal(book: Playbook, goal: Goal) -> Session:
    """The session a router hands over to, starting with the goal typed there: blank fields are
    filled, typed ones kept. Its widgets re-read the model when anything changed."""
    sessions: dict[str, Session] = st.session_state.setdefault(_SESSIONS, {})
    session = sessions.setdefault(book.id, Session(scenario=book.id,
                                                   playbook_version=book.version))
    carried = session.goal.filled_from(goal)
    if carried != session.goal:
        session.goal = carried
        _bump_version(book.id)
    return session


def widget_version(scenario: str) -> int:
    return st.session_state.get(_VERSION, {}).get(scenario, 0)


def active_scenario() -> str | None:
    return st.session_state.get(_ACTIVE)


def set_active_scenario(scenario: str) -> None:
    st.session_state[_ACTIVE] = scenario


def active_session() -> Session | None:
    scenario = st.session_state.get(_ACTIVE)
    return st.session_state.get(_SESSIONS, {}).get(scenario) if scenario else None


def tab_files(store: str, scenario: str | None = None) -> dict:
    """This tab's uploads of one kind for one scenario (by default the page being drawn): two
    playbooks of the same analysis never show each other's files, whose summaries are listed in
    the other session only."""
    owner = scenario if scenario is not None else st.session_state.get(_ACTIVE) or ""
    return st.session_state.setdefault(f"{store}@{owner}", {})


def forget_files(scenario: str) -> None:
    """Drop every upload store this tab holds for one scenario."""
    for name in [k for k in st.session_state if isinstance(k, str) and k.endswith(f"@{scenario}")]:
        del st.session_state[name]


def open_scenarios() -> list[str]:
    """Scenarios this tab has a working session for, in the order they were opened."""
    return list(st.session_state.get(_SESSIONS, {}))


def runs_data(scenario: str) -> RunsData | None:
    return st.session_state.get(_RUNS, {}).get(scenario)


def set_runs_data(scenario: str, runs: RunsData | None) -> None:
    store = st.session_state.setdefault(_RUNS, {})
    if runs is None:
        store.pop(scenario, None)
    else:
        store[scenario] = runs


def data_path(*parts: str) -> Path:
    return Path(__file__).resolve().parent.parent.joinpath("data", *parts)
