"""Goal first: the partnership step every scenario page opens with.

The partner's business goal, their pain in their own words, the metric that matters most to them
and who is in the room: four short inputs bound to the session's goal (the model is the truth;
each input's callback writes back, as the stepper's notes do, so nothing typed is lost on reruns,
page switches or a loaded example). Once all four are filled the section folds to a one-line
summary, so the numbers stay near the top of the page.
"""

from __future__ import annotations

import streamlit as st

from triage.examples import EXAMPLE_GOALS
from triage.markdown import literal
from triage.playbook import Playbook
from triage.session import GOAL_LABELS, GOAL_LIMITS, Goal, Session
from ui.bind import prefix

# Two rows of two: what they want and how it is measured, then what hurts and who is here.
_LAYOUT = (("business_goal", "key_metric"), ("pain", "participants"))
_SUMMARY_CHARS = 120


def _store(session: Session, name: str, key: str) -> None:
    session.set_goal(name, str(st.session_state.get(key) or ""))


def summary(goal: Goal) -> str:
    """The section's one line: the goal and its metric once typed, else what to fill in."""
    if not goal.business_goal and not goal.key_metric:
        return "Goal first: the partner's goal, their pain, the metric that matters, who is here"
    text = " · ".join(part for part in (goal.business_goal, goal.key_metric and
                                        f"metric: {goal.key_metric}") if part)
    if len(text) > _SUMMARY_CHARS:
        text = text[:_SUMMARY_CHARS - 1].rstrip() + "…"
    return f"Goal: {literal(text, one_line=True)}"


def render_goal(book: Playbook, session: Session) -> None:
    """The goal section at the top of a scenario page; hints are the worked example's goal."""
    key = f"{prefix(session.scenario)}:goal"
    example = EXAMPLE_GOALS.get(book.scenario)
    with st.expander(summary(session.goal), expanded=not session.goal.is_complete(), key=key,
                     icon=":material/flag:"):
        for row in _LAYOUT:
            for column, name in zip(st.columns(2), row, strict=True):
                field_key = f"{key}:{name}"
                if field_key not in st.session_state:
                    st.session_state[field_key] = getattr(session.goal, name)
                column.text_input(GOAL_LABELS[name], key=field_key, max_chars=GOAL_LIMITS[name],
                                  placeholder=f"e.g. {getattr(example, name)}" if example else None,
                                  on_change=_store, args=(session, name, field_key))
