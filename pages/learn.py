"""Learn: the playbooks as trees, worked examples, practice, how to talk with partners."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui.learn_tree import render_tree  # noqa: E402
from ui.practice_view import render_practice, render_worked_examples  # noqa: E402

st.title("Learn the playbooks")
trees, examples, practice = st.tabs(["Playbooks", "Worked examples", "Practice"])
with trees:
    render_tree()
with examples:
    render_worked_examples()
with practice:
    render_practice()
