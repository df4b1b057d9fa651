"""Learn page: try a playbook before installing it.

An author uploads a YAML file; it goes through the same validator as ``python -m triage
validate``. A valid one is browsed, walked and planned here, without numbers. It lives in this
tab's ``st.session_state`` only: never in ``playbooks/``, the shared catalogue or the scenario
sessions, so other users, the installed playbook of the same id and this tab's scenario work
never see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from triage.export import current_snapshot, plan_markdown, rebuild_plan
from triage.markdown import literal
from triage.playbook import Playbook, PlaybookError, Problem, load_playbook_bytes
from triage.session import Session
from ui import state
from ui.learn_tree import render_book
from ui.plan_view import render_preview
from ui.stepper import render_stepper

TRIAL = "learn:trial"  # the Trial of this tab, once a file was uploaded
_UPLOAD = "learn:trial:file"  # + ":<n>": a new key empties the uploader when a trial stops
_UPLOADER = "learn:trial:uploader"  # that n
_UPLOADS = "learn:trial:uploads"  # how many valid files this tab has tried
# What each scenario's analysis reads, for the "numbers once installed" line.
ANALYSES = {"iteration": "the team's stage times", "production": "the metric gap and its parts",
            "access": "the request log's waits"}


@dataclass
class Trial:
    """One uploaded file: its playbook and this tab's walk of it, or what is wrong with it."""

    name: str
    book: Playbook | None = None
    problems: list[Problem] = field(default_factory=list)
    session: Session | None = None


def _uploader_key() -> str:
    return f"{_UPLOAD}:{st.session_state.get(_UPLOADER, 0)}"


def _stop() -> None:
    st.session_state.pop(TRIAL, None)
    st.session_state[_UPLOADER] = st.session_state.get(_UPLOADER, 0) + 1


def _read_upload() -> None:
    """Uploader callback: runs only when the file changes, so the trial survives page switches
    (the uploader itself comes back empty)."""
    uploaded = st.session_state.get(_uploader_key())
    if uploaded is None:
        st.session_state.pop(TRIAL, None)
        return
    try:
        book = load_playbook_bytes(uploaded.getvalue(), uploaded.name)
    except PlaybookError as err:
        st.session_state[TRIAL] = Trial(uploaded.name, problems=err.problems)
        return
    # A new file starts a new walk: its widgets are keyed per upload, so none carries over.
    st.session_state[TRIAL] = Trial(uploaded.name, book,
                                    session=Session(scenario=book.id, playbook_version=book.version))
    st.session_state[_UPLOADS] = st.session_state.get(_UPLOADS, 0) + 1


def trial_markdown(trial: Trial) -> str:
    """The tried playbook's plan as the Markdown export, built when the download is clicked."""
    return plan_markdown(current_snapshot(rebuild_plan(trial.session, trial.book), trial.session))


def _problems(trial: Trial) -> None:
    count = len(trial.problems)
    lines = "\n".join(f"- **{literal(p.node, one_line=True)}** · "
                      f"`{p.field.replace('`', '')}`: {literal(p.message, one_line=True)}"
                      for p in trial.problems)
    st.error(f"**{literal(trial.name, one_line=True)}** cannot be tried: {count} "
             f"problem{'' if count == 1 else 's'}, by node and field. Fix them and upload the "
             f"file again; nothing else changed.\n\n{lines}", icon=":material/error:")


def _heading(book: Playbook) -> None:
    installed = state.playbook(book.id)
    st.markdown(f"### {book.title}")
    st.caption(f"{book.summary}  \n:material/check_circle: Valid (as `python -m triage "
               f"validate` checks it) · `{book.id}` · version {book.version} · "
               f"{len(book.nodes)} steps · {len(book.actions)} actions")
    if installed is not None:
        st.info(f"Trying a changed version of **{installed.title}** (installed as "
                f"`{book.id}`, version {installed.version}). The installed playbook stays as "
                "it is, for everyone and everywhere else in this tab; this version lives on "
                "this tab of Learn only.", icon=":material/difference:")


def render_trial() -> None:
    st.caption("Upload a playbook YAML to check it and walk it before installing it. It stays "
               "in this browser tab: nothing is written to playbooks/, and nobody else sees it.")
    st.file_uploader("Playbook YAML", type=["yaml", "yml"], key=_uploader_key(),
                     on_change=_read_upload)
    trial: Trial | None = st.session_state.get(TRIAL)
    if trial is None:
        return
    st.button(f"Stop trying {literal(trial.name, one_line=True)}", key="learn:trial:stop", on_click=_stop,
              icon=":material/close:", type="tertiary")
    if trial.book is None:
        _problems(trial)
        return
    book, session = trial.book, trial.session
    scope = f"trial{st.session_state.get(_UPLOADS, 0)}"  # also a CSS class: no colon
    _heading(book)
    st.caption(f"Walked here without numbers: no answer is suggested and no impact estimated. "
               f"Once the file is installed in playbooks/, {ANALYSES[book.scenario]} feed its data "
               "rules and ranges.")
    tree, walk_tab = st.tabs(["The tree", "Walk it to a plan"])
    with tree:
        render_book(book, session.answers, scope)
    with walk_tab:
        render_stepper(book, session, {}, scope=scope)
        plan = rebuild_plan(session, book)
        st.markdown("#### Plan preview")
        render_preview(plan, link=False)
        if plan.actions:
            st.download_button("Download Markdown",
                               data=lambda: trial_markdown(trial),
                               file_name=f"{book.id.replace('_', '-')}-trial-plan.md",
                               mime="text/markdown", icon=":material/description:",
                               on_click="ignore", key=f"{scope}:markdown")
