"""Learn page: worked examples stepped through with "why this answer", and practice mode."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from triage.engine import suggestion_for, walk
from triage.examples import example_metrics
from triage.playbook import Playbook
from triage.practice import (
    EXAMPLE_PLANS,
    ExampleNumbers,
    compare,
    evidence_sentence,
    example_numbers,
    example_story,
    expert_session,
)
from ui import state
from ui.frame import scenario_page
from ui.scenarios import EXAMPLE_LOADERS
from ui.stepper import shown_metric

_PRACTICE = "practice_answers"  # playbook id -> the newcomer's answers (this tab only)



@st.cache_data(show_spinner=False)
def _metrics(playbook_id: str) -> dict:
    """The worked example's numbers; the same for everyone, so shared across sessions."""
    return example_metrics(playbook_id)


@st.cache_data(show_spinner=False)
def _numbers(playbook_id: str) -> ExampleNumbers | None:
    expert = expert_session(playbook_id)
    return example_numbers(playbook_id, _metrics(playbook_id), expert.inputs if expert else {})


def _narrative(playbook_id: str) -> str:
    story = example_story(playbook_id)
    if story is None:
        return ""
    return f"{story.opening}\n\n{story.rest}"


def _table(frame: pd.DataFrame) -> None:
    """A short table shown whole (no scrolling inside it)."""
    st.dataframe(frame, hide_index=True, width="stretch", height=36 * (len(frame) + 1) + 3)


def render_example_brief(playbook_id: str) -> None:
    """What the meeting knew: the story's opening, the headline numbers, and, folded, the rest
    of the story, every number the questions rest on and the inputs as the team gave them."""
    story, numbers = example_story(playbook_id), _numbers(playbook_id)
    if story is None and numbers is None:
        return
    with st.container(border=True):
        if story is not None:
            st.markdown(f"##### The example: {story.title}" if story.title else "##### The example")
            st.markdown(story.opening)
        if numbers is not None:
            figures = list(numbers.headline)
            for start in range(0, len(figures), 2):  # two a row: labels stay whole at 1024 px
                for column, (label, value) in zip(st.columns(2), figures[start:start + 2],
                                                  strict=False):
                    column.metric(label, value)
        if story is not None and story.rest:
            with st.expander("The rest of the story"):
                st.markdown(story.rest)
        if numbers is not None:
            with st.expander("All the numbers the meeting had"):
                _table(pd.DataFrame(numbers.details, columns=["what", "number"]))
                for caption, rows in numbers.inputs:
                    st.markdown(f"**{caption}**")
                    _table(pd.DataFrame(list(rows)))


def _examples() -> list[Playbook]:
    books = state.catalogue().playbooks
    return [books[b] for b in EXAMPLE_PLANS if b in books]


def render_worked_examples() -> None:
    for book in _examples():
        with st.expander(book.title, expanded=False):
            st.markdown(_narrative(book.id))
            expert = expert_session(book.id)
            if expert is None:
                continue
            metrics = _metrics(book.id)
            st.markdown("**The expert's walk, step by step**")
            for number, step in enumerate(walk(book, expert.answers).steps, start=1):
                hint = suggestion_for(step.node, metrics, shown_metric)
                why = step.node.why + (f" {evidence_sentence(hint.message)}" if hint else "")
                st.markdown(f"{number}. {step.node.text} → **{step.option.label}**  \n"
                            f":gray[Why this answer: {why}]")
            if st.button("Load this example on its page", key=f"learn:load:{book.id}",
                         icon=":material/science:"):
                EXAMPLE_LOADERS[book.id](state.session_for(book))
                st.switch_page(scenario_page(book.id))


def _set(playbook_id: str, node_id: str, key: str) -> None:
    if st.session_state.get(key):
        st.session_state.setdefault(_PRACTICE, {}).setdefault(playbook_id, {})[node_id] = \
            st.session_state[key]


def render_practice() -> None:
    books = {b.id: b for b in _examples()}
    if not books:
        return
    book_id = st.selectbox("Practise on", list(books), format_func=lambda b: books[b].title,
                           key="practice:book")
    book = books[book_id]
    render_example_brief(book_id)
    st.caption("Answer as you would in the meeting, from the example's story and numbers above "
               "— no suggestions here. Then compare with the expert's walk.")
    answers = st.session_state.setdefault(_PRACTICE, {}).setdefault(book_id, {})
    current = walk(book, answers)
    for step in current.steps:
        labels = {o.id: o.label for o in step.node.options}
        key = f"practice:{book_id}:{step.node.id}"
        st.session_state[key] = step.option.id
        st.selectbox(step.node.text, list(labels), format_func=labels.get, key=key,
                     on_change=_set, args=(book_id, step.node.id, key))
    if current.current is not None:
        node = current.current
        labels = {o.id: o.label for o in node.options}
        key = f"practice:{book_id}:open:{node.id}"
        st.radio(f"**{node.text}**", list(labels), format_func=labels.get, index=None, key=key,
                 on_change=_set, args=(book_id, node.id, key))
        return
    st.success(f"Your finding: {current.finding.text}", icon=":material/flag:")
    expert = expert_session(book_id)
    if expert is None or not st.button("Compare with the expert", type="primary",
                                       key=f"practice:{book_id}:compare"):
        return
    result = compare(book, answers, expert.answers, _metrics(book_id))
    st.metric("Same answers where both walks asked", f"{result.agreement:.0%}")
    for step in result.steps:
        mark = ":green[same]" if step.agrees else ":orange[different]"
        st.markdown(f"**{step.question}** {mark}  \nyou: {step.mine or '—'} · expert: "
                    f"{step.expert or '—'}  \n:gray[{step.explanation}]")
    left, right = st.columns(2)
    left.markdown("**Only in your plan**\n\n" + ("\n".join(f"- {t}" for t in result.only_mine)
                                                 or "nothing"))
    right.markdown("**Only in the expert's plan**\n\n"
                   + ("\n".join(f"- {t}" for t in result.only_expert) or "nothing"))
    if st.button("Try again", key=f"practice:{book_id}:reset"):
        st.session_state[_PRACTICE][book_id] = {}
        st.rerun()
