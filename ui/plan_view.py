"""Drawing a plan: the preview on a scenario page and the full plan with editable owners."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from triage import charts
from triage.export import plan_json, plan_markdown, plan_snapshot
from triage.markdown import literal
from triage.plan import HORIZON_TITLES, Plan, PlanAction, sections
from triage.session import ActionEdit, Session
from triage.vocabulary import CONFIDENCES, STATUSES
from ui import state
from ui.frame import PLAN
from ui.learn_views import render_hint

_KIND_TITLES = {
    "quick_win": ":green[:material/bolt:] Quick wins — the team alone, in days",
    "cross_team": ":violet[:material/handshake:] Cross-team — needs another team",
}


def _line(item: PlanAction) -> str:
    badge = ":green[quick win]" if item.action.kind == "quick_win" else ":violet[cross-team]"
    return f"{item.action.title} · **{item.impact_text}** · {item.effort_text} · {badge}"


def render_preview(plan: Plan) -> None:
    """The plan so far side by side (quick wins | cross-team, or now | later), a line each."""
    if not plan.actions:
        st.caption("Answer the questions above; recommended actions collect here.")
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
    st.page_link(PLAN, label="Open the full plan: owners, dates, downloads",
                 icon=":material/arrow_forward:")


def _edit_table(items: list[PlanAction], session: Session, key: str) -> None:
    if not items:
        st.caption("None on this path.")
        return
    base_key = f"{key}:base"
    base = st.session_state.get(base_key)
    if key not in st.session_state or base is None or list(base.index) != [i.id for i in items]:
        st.session_state[base_key] = pd.DataFrame([{
            "id": item.id,
            "action": item.action.title,
            "impact": item.impact_text,
            "effort": item.effort_text,
            "confidence": item.confidence,
            "owner": item.owner,
            "email": item.email,
            "due": date.fromisoformat(item.due) if item.due else None,
            "status": item.status,
        } for item in items]).set_index("id")
    st.data_editor(
        st.session_state[base_key], key=key, hide_index=True, width="stretch",
        disabled=["action", "impact", "effort"], on_change=_apply_edits,
        args=(session, key, base_key, {i.id: i.computed_confidence for i in items}),
        column_config={
            "action": st.column_config.TextColumn("Action", width="large"),
            "impact": st.column_config.TextColumn("Expected impact"),
            "effort": st.column_config.TextColumn("Effort"),
            "confidence": st.column_config.SelectboxColumn("Confidence", options=CONFIDENCES,
                                                           required=True),
            "owner": st.column_config.TextColumn("Owner", max_chars=120),
            "email": st.column_config.TextColumn("E-mail", max_chars=200,
                                                 validate=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"),
            "due": st.column_config.DateColumn("Due", format="YYYY-MM-DD"),
            "status": st.column_config.SelectboxColumn("Status", options=STATUSES,
                                                       required=True),
        },
    )


def _apply_edits(session: Session, key: str, base_key: str, computed: dict[str, str]) -> None:
    """Editor callback: runs before the page, so this run's plan already shows the edit."""
    base = st.session_state[base_key]
    for position, changes in st.session_state[key].get("edited_rows", {}).items():
        action_id = str(base.index[int(position)])
        row = {**base.iloc[int(position)].to_dict(), **changes}
        due = row.get("due")
        if isinstance(due, date):
            due = due.isoformat()
        due = str(due or "")[:10]
        try:
            due = date.fromisoformat(due).isoformat() if due else ""
        except ValueError:
            due = ""
        confidence = row.get("confidence") if row.get("confidence") in CONFIDENCES else ""
        session.set_edit(action_id, ActionEdit(
            owner=str(row.get("owner") or "").strip(),
            email=str(row.get("email") or "").strip(),
            due=due,
            status=row.get("status") if row.get("status") in STATUSES else "todo",
            confidence="" if confidence == computed.get(action_id) else confidence,
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


def render_plan(plan: Plan, session: Session) -> None:
    prefix = f"{session.scenario}:{state.widget_version(session.scenario)}:plan"
    st.markdown("#### For the partner")
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
        st.plotly_chart(charts.impact_effort(plan), key=f"{prefix}:impact_effort")
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

    def snapshot() -> dict:
        return plan_snapshot(plan, session=session) if plan is not None else dict(session.snapshot)

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
            if item.get("why"):
                st.caption(f"**{literal(item['title'], one_line=True)}:** "
                           f"{literal(item['why'], one_line=True)}")
    left, right = st.columns(2)
    with left:
        st.markdown("#### Assumptions")
        for line in snapshot["assumptions"]:
            st.markdown(f"- {literal(line, one_line=True)}")
    with right:
        st.markdown("#### Not promised")
        for line in snapshot["not_promised"]:
            st.markdown(f"- {literal(line, one_line=True)}")
