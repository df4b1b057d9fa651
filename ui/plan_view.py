"""Drawing a plan: the preview on a scenario page and the full plan with editable owners."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import streamlit as st

from triage import charts
from triage.authors import Author
from triage.export import current_snapshot, plan_json, plan_markdown
from triage.markdown import literal
from triage.plan import HORIZON_TITLES, Plan, PlanAction, sections
from triage.session import GOAL_LABELS, ActionEdit, Session
from triage.vocabulary import CONFIDENCES, STATUSES
from ui import identity, state
from ui.charts import show_chart
from ui.frame import PLAN
from ui.learn_views import render_hint

_KIND_TITLES = {
    "quick_win": ":green[:material/bolt:] Quick wins — the team alone, in days",
    "cross_team": ":violet[:material/handshake:] Cross-team — needs another team",
}


def _line(item: PlanAction) -> str:
    badge = ":green[quick win]" if item.action.kind == "quick_win" else ":violet[cross-team]"
    return f"{item.action.title} · **{item.impact_text}** · {item.effort_text} · {badge}"


def render_preview(plan: Plan, *, link: bool = True) -> None:
    """The plan so far side by side (quick wins | cross-team, or now | later), a line each.
    ``link`` False leaves out the way to the Action plan page (a tried playbook has none)."""
    if not plan.actions:
        st.caption("Answer the questions above; recommended actions collect here.")
        if link:
            st.page_link(PLAN, label="Open the full plan", icon=":material/arrow_forward:")
        return
    for line in plan.summary:
        st.markdown(f"- {literal(line, one_line=True)}")
    if plan.playbook.group_by == "horizon":
        groups = [(HORIZON_TITLES[h], [a for a in plan.actions if a.action.horizon == h])
                  for h in ("now", "later")]
    else:
        groups = [(_KIND_TITLES[k], plan.by_kind(k)) for k in ("quick_win", "cross_team")]
    for column, (title, items) in zip(st.columns(2), groups, strict=True):
        with column:
            st.markdown(f"**{title}**")
            if not items:
                st.caption("None on this path.")
            for item in items:
                st.markdown(_line(item))
    if link:
        st.page_link(PLAN, label="Open the full plan: owners, dates, downloads",
                     icon=":material/arrow_forward:")


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Column widths of an action row: what | confidence | owner | e-mail | due | status.
_ROW = [3.0, 1.3, 1.5, 1.9, 1.2, 1.1]


def _edit_table(items: list[PlanAction], session: Session, key: str) -> None:
    """Owner, e-mail, due date, status and confidence per action, as native inputs.

    Plain inputs rather than an editable grid: a grid opens its cell editor asynchronously, so
    text typed or pasted and confirmed with Enter at once could be lost; an input keeps every
    keystroke. Each change is written to the session by its callback, before the page reruns.
    """
    if not items:
        st.caption("None on this path.")
        return
    for column, title in zip(st.columns(_ROW), ("Action · impact · effort", "Confidence",
                                                "Owner", "E-mail", "Due", "Status"), strict=True):
        column.caption(title)
    for item in items:
        _edit_row(item, session, f"{key}:{item.id}")


def _edit_row(item: PlanAction, session: Session, key: str) -> None:
    edit = session.edit_for(item.id)
    values = {"confidence": item.confidence, "owner": edit.owner, "email": edit.email,
              "due": date.fromisoformat(edit.due) if edit.due else None, "status": edit.status}
    for field, value in values.items():
        if f"{key}:{field}" not in st.session_state:
            st.session_state[f"{key}:{field}"] = value
    what, confidence, owner, email, due, status = st.columns(_ROW, vertical_alignment="center")
    what.markdown(f"{literal(item.action.title, one_line=True)}  \n"
                  f":gray[{literal(item.impact_text, one_line=True)} · "
                  f"{literal(item.effort_text, one_line=True)}]")
    args = (session, item.id, key, item.computed_confidence)
    confidence.selectbox("Confidence", CONFIDENCES, key=f"{key}:confidence",
                         label_visibility="collapsed", on_change=_store_edit, args=args)
    owner.text_input("Owner", key=f"{key}:owner", max_chars=120, placeholder="owner",
                     label_visibility="collapsed", on_change=_store_edit, args=args)
    email.text_input("E-mail", key=f"{key}:email", max_chars=200, placeholder="e-mail",
                     label_visibility="collapsed", on_change=_store_edit, args=args)
    due.date_input("Due", key=f"{key}:due", format="YYYY-MM-DD", label_visibility="collapsed",
                   on_change=_store_edit, args=args)
    status.selectbox("Status", STATUSES, key=f"{key}:status", label_visibility="collapsed",
                     on_change=_store_edit, args=args)
    typed = str(st.session_state.get(f"{key}:email") or "").strip()
    if typed and not _EMAIL.fullmatch(typed):
        email.caption(":orange[not an e-mail address; kept as typed]")


def _store_edit(session: Session, action_id: str, key: str, computed: str) -> None:
    """Input callback: runs before the page, so this run's plan already shows the edit."""
    due = st.session_state.get(f"{key}:due")
    confidence = st.session_state.get(f"{key}:confidence")
    status = st.session_state.get(f"{key}:status")
    session.set_edit(action_id, ActionEdit(
        owner=str(st.session_state.get(f"{key}:owner") or "").strip(),
        email=str(st.session_state.get(f"{key}:email") or "").strip(),
        due=due.isoformat() if isinstance(due, date) else "",
        status=status if status in STATUSES else "todo",
        confidence="" if confidence == computed or confidence not in CONFIDENCES else confidence,
        ticket=session.edit_for(action_id).ticket,
    ))


def _details(item: PlanAction) -> None:
    with st.expander(f"{item.action.title} — {item.impact_text}"):
        st.markdown(f"**Why:** {literal(item.why, one_line=True)}")
        st.markdown(f"**What to do:** {item.action.description}")
        st.markdown(f"**Confidence {item.confidence}:** "
                    f"{literal(item.confidence_basis, one_line=True)}")
        st.markdown(f"**Trade-offs:** {item.action.tradeoffs}")
        st.markdown(f"**Will not fix:** {item.action.wont_fix}")
        if item.action.owner_role:
            st.caption(f"Usual owner: {item.action.owner_role}")


def _render_goal(session: Session) -> None:
    """The partner's goal heads the plan, in their words (it is edited on the scenario page)."""
    lines = [f"**{label}:** {literal(text, one_line=True)}"
             for name, label in GOAL_LABELS.items() if (text := getattr(session.goal, name))]
    if lines:
        with st.container(border=True):
            st.markdown("  \n".join(lines))
    else:
        st.caption(":material/flag: No goal recorded yet: fill in “Goal first” at the top of the "
                   "scenario page, so the plan says what it is for.")


def render_plan(plan: Plan, session: Session) -> None:
    prefix = f"{session.scenario}:{state.widget_version(session.scenario)}:plan"
    st.markdown("#### For the partner")
    _render_goal(session)
    for line in plan.summary:
        st.markdown(f"- {literal(line, one_line=True)}")
    render_hint("plan_summary")
    if plan.finding_title:
        st.success(f"**Finding:** {plan.finding_title}", icon=":material/flag:")
    elif not plan.complete:
        st.warning("The questions are not finished yet; the plan lists the actions so far.",
                   icon=":material/pending:")
    if plan.steps:
        count = len(plan.steps)
        with st.expander(f"How we got here ({count} answer{'' if count == 1 else 's'})"):
            for number, step in enumerate(plan.steps, start=1):
                note = f"  \n  _Note: {literal(step.note, one_line=True)}_" if step.note else ""
                st.markdown(f"{number}. {step.question} **{step.answer}**{note}")
    for number, section in enumerate(sections(plan)):
        title = _KIND_TITLES[section.kind] if section.horizon is None else section.title
        st.markdown(f"#### {title}")
        _edit_table(section.items, session, f"{prefix}:{number}")
        for item in section.items:
            _details(item)
    if any(a.impact is not None for a in plan.active):
        show_chart(charts.impact_effort(plan), key=f"{prefix}:impact_effort")
    left, right = st.columns(2)
    with left:
        st.markdown("#### Assumptions")
        for line in plan.assumptions:
            st.markdown(f"- {literal(line, one_line=True)}")
    with right:
        st.markdown("#### Not promised")
        for line in plan.not_promised:
            st.markdown(f"- {literal(line, one_line=True)}")


def render_downloads(plan: Plan | None, session: Session) -> None:
    """Files are built when clicked, from the plan as it stands after this run's edits (or the
    plan as saved, when its uploads are missing and ``plan`` is None)."""
    stem = session.scenario.replace("_", "-")
    who = identity.current_author() or Author("")  # read now: the file is built after this run

    def snapshot() -> dict:
        return current_snapshot(plan, session, prepared_by=who)

    left, right = st.columns(2)
    # on_click="ignore": no rerun on click, so a second quick click still finds its file.
    left.download_button("Download Markdown", data=lambda: plan_markdown(snapshot()),
                         file_name=f"{stem}-plan.md", mime="text/markdown",
                         icon=":material/description:", type="primary", on_click="ignore")
    right.download_button("Download plan JSON (re-opens here)",
                          data=lambda: plan_json(session, snapshot()),
                          file_name=f"{stem}-plan.json", mime="application/json",
                          icon=":material/data_object:", on_click="ignore")


def render_saved_plan(snapshot: dict, session: Session) -> None:
    """The plan exactly as saved (its uploads are missing here): read-only, with today's
    owner and status edits of this session laid over it."""
    st.markdown("#### For the partner")
    _render_goal(session)
    for line in snapshot["summary"]:
        st.markdown(f"- {literal(line, one_line=True)}")
    finding = snapshot["finding"]
    if finding.get("title"):
        st.success(f"**Finding:** {literal(finding['title'], one_line=True)}",
                   icon=":material/flag:")
    if snapshot["steps"]:
        count = len(snapshot["steps"])
        with st.expander(f"How we got here ({count} answer{'' if count == 1 else 's'})"):
            for number, step in enumerate(snapshot["steps"], start=1):
                note = (f"  \n  _Note: {literal(step['note'], one_line=True)}_"
                        if step.get("note") else "")
                st.markdown(f"{number}. {literal(step['question'], one_line=True)} "
                            f"**{literal(step['answer'], one_line=True)}**{note}")
    for section in snapshot["sections"]:
        if not section["items"]:
            continue
        st.markdown(f"#### {literal(section['title'], one_line=True)}")
        rows = []
        for item in section["items"]:
            edit = session.plan_edits.get(item["id"])
            rows.append({"Action": item["title"], "Expected impact": item["impact_text"],
                         "Effort": item["effort_text"], "Confidence": item["confidence"],
                         "Owner": edit.owner if edit else item["owner"],
                         "E-mail": edit.email if edit else item["email"],
                         "Due": edit.due if edit else item["due"],
                         "Status": edit.status if edit else item["status"]})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        for item in section["items"]:
            why = f" — {literal(item['why'], one_line=True)}" if item.get("why") else ""
            st.caption(f"**{literal(item['title'], one_line=True)}** · "
                       f"{literal(item['impact_text'], one_line=True)}{why}")
    left, right = st.columns(2)
    with left:
        st.markdown("#### Assumptions")
        for line in snapshot["assumptions"]:
            st.markdown(f"- {literal(line, one_line=True)}")
    with right:
        st.markdown("#### Not promised")
        for line in snapshot["not_promised"]:
            st.markdown(f"- {literal(line, one_line=True)}")
