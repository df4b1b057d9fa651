"""Learn: the playbooks as trees, worked examples, practice, trying a new playbook, how to talk
with partners."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui.learn_tree import render_tree  # noqa: E402
from ui.learn_views import focused_term, render_communication_guide, render_glossary  # noqa: E402
from ui.practice_view import render_practice, render_worked_examples  # noqa: E402
from ui.trial_view import render_trial  # noqa: E402

st.title("Learn the playbooks")
tabs = ["Playbooks", "Worked examples", "Practice", "Try your playbook", "Talking with partners",
        "Glossary"]
trees, examples, practice, trial, talking, glossary = st.tabs(
    tabs, default="Glossary" if focused_term() else None)
with trees:
    render_tree()
with examples:
    render_worked_examples()
with practice:
    render_practice()
with trial:
    render_trial()
with talking:
    render_communication_guide()
with glossary:
    render_glossary()
