"""The decision tree as a stepper: earlier answers visible and changeable, one open question.

The session model is the source of truth. Before each widget is drawn its state is set from the
model; change callbacks write back to the model. So answers survive page switches, example loads
and imports, and a changed earlier answer re-routes the walk while remembering the rest.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from triage.engine import Walk, suggestion_for, walk
from triage.markdown import literal
from triage.playbook import Node, Playbook
from triage.session import Session
from ui import state
from ui.frame import scenario_page


def shown_metric(value: str) -> str:
    """A metric filled into a playbook's suggestion (a stage or file name, say), as text."""
    return literal(value, one_line=True)


def _key(scope: str, *parts: str) -> str:
    return ":".join((scope, *parts))


def _set_answer(session: Session, node_id: str, key: str) -> None:
    choice = st.session_state.get(key)
    if choice:
        session.answer(node_id, choice)


def _set_note(session: Session, node_id: str, key: str) -> None:
    session.set_note(node_id, st.session_state.get(key, ""))


def _note(session: Session, node: Node, scope: str) -> None:
    key = _key(scope, "note", node.id)
    if key not in st.session_state:
        st.session_state[key] = session.notes.get(node.id, "")
    st.text_input("Note", key=key, placeholder="What was said, who checks what…",
                  on_change=_set_note, args=(session, node.id, key),
                  label_visibility="collapsed")


def _labels(node: Node) -> dict[str, str]:
    return {o.id: o.label for o in node.options}


def _answered(session: Session, node: Node, chosen: str, number: int,
              metrics: dict[str, Any], scope: str) -> None:
    key = _key(scope, "answer", node.id)
    st.session_state[key] = chosen  # the model wins over stale widget state
    labels = _labels(node)
    with st.container(border=True):
        question, answer = st.columns([3, 2], vertical_alignment="center")
        question.markdown(f"**{number}. {node.text}**")
        answer.selectbox(f"Answer to question {number}", list(labels), key=key,
                         format_func=labels.get, label_visibility="collapsed",
                         on_change=_set_answer, args=(session, node.id, key))
        hint = suggestion_for(node, metrics, shown_metric)
        if hint and hint.option != chosen:
            st.caption(f":material/insights: The numbers suggested “{labels[hint.option]}”: "
                       f"{hint.message}")
        _note(session, node, scope)


def _open_question(session: Session, node: Node, number: int, metrics: dict[str, Any],
                   scope: str) -> None:
    labels = _labels(node)
    key = _key(scope, "open", node.id)
    hint = suggestion_for(node, metrics, shown_metric)
    if key not in st.session_state and hint:
        st.session_state[key] = hint.option
    with st.container(border=True):
        st.markdown(f"#### {number}. {node.text}")
        st.caption(node.why)
        if node.evidence:
            with st.expander("What answers this"):
                st.write(node.evidence)
        if hint:
            st.info(f"**Suggested by the numbers:** {labels[hint.option]} — {hint.message}. "
                    "Confirm it or pick another answer.", icon=":material/insights:")
        st.radio("Your answer", list(labels), key=key, format_func=labels.get, index=None)
        _note(session, node, scope)
        st.button("Confirm answer", type="primary", key=_key(scope, "confirm", node.id),
                  on_click=_set_answer, args=(session, node.id, key),
                  disabled=not st.session_state.get(key))


def _finding(book: Playbook, node: Node) -> None:
    with st.container(border=True):
        st.markdown(f"#### :material/flag: {node.text}")
        if node.detail:
            st.write(node.detail)
        if node.see_also:
            other = state.playbook(node.see_also)
            page = scenario_page(node.see_also)
            if other is not None and page is not None:
                st.page_link(page, label=f"Continue with the playbook: {other.title}",
                             icon=":material/arrow_forward:")
            elif other is not None:
                st.info(f"This points to another playbook: **{other.title}** (see Learn).")
            else:
                st.caption(f"This points to the “{node.see_also}” playbook, which is not "
                           "installed here yet; its actions below still apply.")


def render_stepper(book: Playbook, session: Session, metrics: dict[str, Any], *,
                   scope: str | None = None) -> Walk:
    """Draw the walk so far and the open question; returns where the session stands.

    ``scope`` prefixes the widget keys; by default the scenario and its widget version. A walk
    of a session kept outside the scenario sessions (a playbook tried on Learn, which may share
    an installed playbook's id) passes its own, so neither walk picks up the other's widgets.
    """
    scope = scope or f"{session.scenario}:{state.widget_version(session.scenario)}"
    current = walk(book, session.answers)
    for number, step in enumerate(current.steps, start=1):
        _answered(session, step.node, step.option.id, number, metrics, scope)
    if current.current is not None:
        _open_question(session, current.current, len(current.steps) + 1, metrics, scope)
    if current.finding is not None:
        _finding(book, current.finding)
    if current.remembered:
        st.caption(f"{len(current.remembered)} answer(s) on other branches are remembered and "
                   "come back if you choose those branches again.")
    return current
