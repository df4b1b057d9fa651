"""Learn page: each playbook as a tree, and what every step is for."""

from __future__ import annotations

import streamlit as st

from triage.dot import EDGE_FONT_SIZE, EDGE_TEXT, NODE_FONT_SIZE, playbook_dot
from triage.engine import walk
from triage.playbook import Playbook
from ui import state

PLAYBOOK_PARAM = "playbook"  # ?playbook=<id> on the Learn page opens that playbook's tree
_CHOSEN = "learn:playbook"
# Streamlit draws every text of a Graphviz chart at 0.6rem whatever the DOT says, and shrinks
# the drawing to the column: a wide tree's text ends up a few pixels high. Give the text back
# the sizes the layout was made for (in the drawing's own units, so they scale with it) and,
# unless the whole tree is asked for, draw it at its natural size: wide trees scroll sideways.
# Each rule is scoped to one tree's container ({tree} is its class), so an installed tree and a
# tried one on the same page keep their own "fit" choice. Answer labels off the walked path take
# the theme's text colour (the drawing has no background of its own), light or dark.
_TEXT_CSS = f"""
{{tree}} [data-testid="stGraphVizChart"] svg g.node text {{{{ font-size: {NODE_FONT_SIZE}px; }}}}
{{tree}} [data-testid="stGraphVizChart"] svg g.edge text {{{{ font-size: {EDGE_FONT_SIZE}px; }}}}
{{tree}} [data-testid="stGraphVizChart"] svg g.edge text[fill="{EDGE_TEXT}"] {{{{ fill: currentColor; }}}}"""
_NATURAL_CSS = """
{tree} [data-testid="stGraphVizChart"] {{ overflow-x: auto; justify-content: flex-start; }}
{tree} [data-testid="stGraphVizChart"] svg {{ max-width: none; width: auto; height: auto; }}"""


def _apply_link(books: dict) -> None:
    """A link such as Home's "Browse this playbook" names the playbook to show; it preselects
    the tree once and leaves the URL, so choosing another playbook afterwards sticks."""
    wanted = st.query_params.get(PLAYBOOK_PARAM)
    if wanted is None:
        return
    if wanted in books:
        st.session_state[_CHOSEN] = wanted
    del st.query_params[PLAYBOOK_PARAM]


def render_tree() -> None:
    st.caption("Boxes are questions, green boxes are findings. The orange path is the one your "
               "current session has walked. A tree wider than the page scrolls sideways.")
    books = state.catalogue().playbooks
    if not books:
        st.error("No playbook could be loaded; the Home page lists the problems.")
        return
    _apply_link(books)
    active = state.active_session()
    if _CHOSEN not in st.session_state and active is not None and active.scenario in books:
        st.session_state[_CHOSEN] = active.scenario  # the playbook being worked on, its path shown
    book_id = st.selectbox("Playbook", list(books), format_func=lambda b: books[b].title,
                           key=_CHOSEN)
    book = books[book_id]
    st.write(book.summary)

    mine = active is not None and active.scenario == book.id
    render_book(book, active.answers if mine else None, "learn")


def render_book(book: Playbook, answers: dict[str, str] | None, scope: str) -> None:
    """One playbook's tree with the path of ``answers`` drawn on it, and a look at any step.
    ``scope`` prefixes the widget keys (an installed tree and a tried one share the page)."""
    fit = st.toggle("Fit the whole tree on the screen", key=f"{scope}:fit",
                    help="Off: the tree at reading size; a wide one scrolls sideways. On: all "
                         "of it at once, with smaller text. The chart's full-screen button "
                         "shows it larger still.")
    with st.container(key=f"{scope}-tree"):
        css = _TEXT_CSS + ("" if fit else _NATURAL_CSS)
        st.html(f"<style>{css.format(tree=f'.st-key-{scope}-tree')}</style>")
        path = walk(book, answers).path_ids if answers is not None else ()
        st.graphviz_chart(playbook_dot(book, path, answers), width="stretch")
    node_id = st.selectbox("Look at a step", list(book.nodes),
                           format_func=lambda n: book.nodes[n].text, key=f"{scope}:{book.id}:node")
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
