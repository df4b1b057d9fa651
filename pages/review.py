"""Review saved plans: what was decided, who owns what, what is overdue, did it help."""

from ui.frame import ensure_frame

ensure_frame()

from datetime import date  # noqa: E402

import streamlit as st  # noqa: E402

from triage.authors import label as author_label  # noqa: E402
from triage.markdown import literal  # noqa: E402
from triage.store import StoreError  # noqa: E402
from ui import identity, state  # noqa: E402
from ui.plan_store_ui import plan_store  # noqa: E402
from ui.review import (  # noqa: E402
    PLANS_COLUMNS,
    plans_table,
    render_actions,
    render_decisions,
    render_followup,
    render_history,
    render_rollups,
)

st.title("Review saved plans")
books = state.catalogue().playbooks
scenario, team, status, owner = st.columns(4)
chosen_scenario = scenario.selectbox("Scenario", [None, *books], key="review:scenario",
                                     format_func=lambda b: "all" if b is None else books[b].title)
chosen_team = team.text_input("Team", key="review:team").strip() or None
chosen_status = status.selectbox("Has actions that are", [None, "todo", "doing", "done", "dropped"],
                                 format_func=lambda s: "any status" if s is None else s,
                                 key="review:status")
chosen_owner = owner.text_input("Owner", key="review:owner").strip() or None
try:
    rows = plan_store().list_plans(scenario=chosen_scenario, team=chosen_team,
                                   status=chosen_status, owner=chosen_owner, today=date.today())
    stored = {r.plan_id: plan_store().latest(r.plan_id) for r in rows if not r.problem}
except StoreError as err:
    st.error(f"The plan store cannot be read: {literal(str(err))}", icon=":material/error:")
    st.stop()
if not rows:
    st.info("No saved plans match. Plans are saved from the Action plan page.",
            icon=":material/inbox:")
    st.stop()

render_rollups(rows, stored)
picked = st.dataframe(plans_table(rows, {b: book.title for b, book in books.items()}),
                      hide_index=True, on_select="rerun", column_config=PLANS_COLUMNS,
                      selection_mode="single-row", key="review:table")
selection = picked.selection.rows if picked else []
plan_id = rows[selection[0]].plan_id if selection else rows[0].plan_id
plan = stored.get(plan_id)
if plan is None:
    problem = rows[selection[0] if selection else 0].problem
    st.error(f"Plan {plan_id} cannot be read: {literal(problem)}")
    st.stop()

st.subheader(literal(plan.meta.title or plan_id, one_line=True))
people = literal(", ".join(plan.meta.participants) or "no participants", one_line=True)
st.caption(f"Team {literal(plan.meta.team or '—', one_line=True)} · {people} · revision "
           f"{plan.revision} by {literal(author_label(plan.meta.updated_by), one_line=True)} on "
           f"{plan.meta.updated_at:%Y-%m-%d %H:%M}")
author = identity.name_field("Your name (recorded with every change)", key="review:author")
identity.remember(author)
render_actions(plan, author, books.get(plan.session.scenario))
with st.expander("Decision record"):
    render_decisions(plan)
with st.expander("Follow-up: did it help?", expanded=True):
    render_followup(plan, author)
with st.expander("Revisions and audit trail"):
    render_history(plan, books.get(plan.session.scenario))
