"""Learn page: each playbook as a tree, and what every step is for."""

from __future__ import annotations

import streamlit as st

from triage.dot import playbook_dot
from triage.engine import walk
from ui import state


def render_tree() -> None:
    st.caption("Boxes are questions, green boxes are findings. The orange path is the one your "
               "current session has walked.")
    books = state.catalogue().playbooks
    if not books:
        st.error("No playbook could be loaded; the Home page lists the problems.")
        return
    book_id = st.selectbox("Playbook", list(books), format_func=lambda b: books[b].title,
                           key="learn:playbook")
    book = books[book_id]
    st.write(book.summary)

    active = state.active_session()
    path = walk(book, active.answers).path_ids if active and active.scenario == book.id else ()
    tree, details = st.columns([3, 2])
    with tree:
        st.graphviz_chart(playbook_dot(book, path), width="stretch")
    with details:
        node_id = st.selectbox("Look at a step", list(book.nodes),
                               format_func=lambda n: book.nodes[n].text, key=f"learn:{book.id}:node")
        node = book.nodes[node_id]
        st.markdown(f"#### {node.text}")
        st.markdown(f"**Why it matters:** {node.why}")
        if node.evidence:
            st.markdown(f"**What answers it:** {node.evidence}")
        if node.detail:
            st.write(node.detail)
        for option in node.options:
            titles = ", ".join(book.actions[a].title for a in option.actions)
            st.markdown(f"- **{option.label}** → {book.nodes[option.next].text}"
                        + (f"  \n  _recommends: {titles}_" if titles else ""))
        for action_id in node.actions:
            action = book.actions[action_id]
            with st.expander(f"{action.title} ({action.kind.replace('_', ' ')})"):
                st.write(action.description)
                st.markdown(f"**Trade-offs:** {action.tradeoffs}")
                st.markdown(f"**Will not fix:** {action.wont_fix}")
