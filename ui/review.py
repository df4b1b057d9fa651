"""The manager's review: saved plans overdue first, roll-ups, one plan's detail and follow-up."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

import pandas as pd
import streamlit as st

from triage.authors import Author
from triage.authors import label as author_label
from triage.export import read_snapshot
from triage.followup import (
    before_after_chart,
    change_chart,
    compare_requests,
    compare_runs,
    compare_segments,
)
from triage.kinds.registry import declared_kinds
from triage.kinds.requests.analysis import parse_requests
from triage.kinds.runs.analysis import parse_runs
from triage.kinds.segments.gap import read_segments
from triage.mapping import REQUESTS, SEGMENTS, runs_contract
from triage.markdown import literal
from triage.playbook import Playbook
from triage.session import ActionEdit
from triage.sources import FORMATS, mapping_for, read_runs
from triage.sources.options import format_mismatch, read_options, tagged, untagged
from triage.store import AuditEntry, ConflictError, PlanRow, StoredPlan, StoreError
from triage.tabular import InputError, mapped_csv
from triage.vocabulary import STATUSES
from ui import column_map, identity, state
from ui.charts import show_chart
from ui.kinds.runs.formats import format_inputs
from ui.plan_store_ui import plan_store

# The analysis -> the input kind an 'after' measurement is compared on.
_FOLLOW_UP_KIND = {"iteration": "runs", "production": "segments", "access": "requests"}


def follow_up_kind(playbook_id: str) -> str | None:
    """What a plan's follow-up compares, when its playbook collects it."""
    book = state.playbook(playbook_id)
    if book is None:  # a plan of a playbook no longer installed here: nothing to compare on
        return None
    kind = _FOLLOW_UP_KIND.get(book.scenario)
    return kind if kind in declared_kinds(book.inputs) else None


FIELD_LABELS = {"due": "due date", "email": "e-mail"}


def plans_table(rows: list[PlanRow], scenario_titles: Mapping[str, str] | None = None
                ) -> pd.DataFrame:
    """One row per plan, as a manager reads it: playbook titles, not ids (the plan id is in the
    plan's own audit trail); a problem column only when some plan has a problem."""
    titles = scenario_titles or {}
    table = pd.DataFrame([{
        "title": r.title, "team": r.team, "scenario": titles.get(r.scenario, r.scenario),
        "overdue": r.overdue, "todo": r.status_counts.get("todo", 0),
        "doing": r.status_counts.get("doing", 0), "done": r.status_counts.get("done", 0),
        "owners": ", ".join(r.owners), "updated": r.updated_at.strftime("%Y-%m-%d %H:%M"),
        "by": author_label(r.updated_by), "problem": r.problem,
    } for r in rows])
    if not table.empty and not table["problem"].astype(bool).any():
        table = table.drop(columns="problem")
    return table


PLANS_COLUMNS = {"title": st.column_config.TextColumn("title", width="medium"),
                 "scenario": st.column_config.TextColumn("scenario", width="medium")}


def action_names(plan: StoredPlan, book: Playbook | None) -> dict[str, str]:
    """Action id -> title: the playbook's, then the saved plan's own (what the plan showed)."""
    names = {a.id: a.title for a in book.actions.values()} if book else {}
    for section in (plan.session.snapshot or {}).get("sections") or ():
        for item in (section.get("items") or ()) if isinstance(section, dict) else ():
            if isinstance(item, dict) and item.get("id") and item.get("title"):
                names[str(item["id"])] = str(item["title"])
    return names


def _value(text: str) -> str:
    return f"“{text}”" if text else "(not set)"


def audit_line(entry: AuditEntry, names: Mapping[str, str]) -> str:
    """One audit entry in words: the action's title, the field, old → new."""
    field = FIELD_LABELS.get(entry.field, entry.field)
    return (f"{names.get(entry.action_id, entry.action_id)}: {field} {_value(entry.old)} → "
            f"{_value(entry.new)}")


_AUTO_NOTE = re.compile(r"(?P<id>[\w.-]+) (?P<field>\w+): (?P<change>.*)")
_CHANGE_LABEL = re.compile(r"\baction (?P<id>[\w.-]+): (?P<field>\w+)")


def readable(text: str, names: Mapping[str, str]) -> str:
    """A revision note or conflict line with action titles in place of their ids: the notes
    the store writes itself ("roll_back status: 'todo' → 'doing'") and its change labels
    ("action roll_back: owner"); anything else stays as written."""
    parts = []
    for part in text.split("; "):
        auto = _AUTO_NOTE.fullmatch(part)
        if auto and auto["id"] in names:
            field = FIELD_LABELS.get(auto["field"], auto["field"])
            part = f"{names[auto['id']]}: {field} {auto['change']}"
        parts.append(part)
    return _CHANGE_LABEL.sub(
        lambda m: (f"{names[m['id']]}: {FIELD_LABELS.get(m['field'], m['field'])}"
                   if m["id"] in names else m[0]), "; ".join(parts))


def render_rollups(rows: list[PlanRow], stored: dict[str, StoredPlan]) -> None:
    open_quick = sum(1 for r in rows for a in r.actions
                     if a.kind == "quick_win" and a.status in ("todo", "doing"))
    waiting = sum(1 for r in rows for a in r.actions
                  if a.kind == "cross_team" and a.status in ("todo", "doing"))
    low = high = 0.0
    sized = 0
    for plan in stored.values():
        combined = ((plan.session.snapshot or {}).get("combined") or {}).get("all")
        if combined and combined.get("unit") == "h/month":
            low, high, sized = low + combined["low"], high + combined["high"], sized + 1
    # Two a row: on a 1024 px screen four columns cut the labels and the range.
    first, second = st.columns(2)
    third, fourth = st.columns(2)
    first.metric("Plans", len(rows))
    second.metric("Open quick wins", open_quick)
    third.metric("Cross-team items waiting", waiting)
    fourth.metric("Iteration lead time saved, if done",
                  f"{low:.0f}–{high:.0f} h/month" if sized else "no iteration plans",
                  help="Each plan's combined what-if (never the sum of its actions' ranges), "
                       "added across plans.")


def _notice_key(plan: StoredPlan) -> str:
    return f"review:{plan.plan_id}:not_saved"


def _apply_edit(plan: StoredPlan, action_id: str, field: str, value: str, author: Author,
                names: Mapping[str, str]) -> None:
    """Save one edit as the next revision. A refusal is kept for the rerun that follows (which
    shows the latest revision), so the person sees that their change was not applied and why."""
    edit = plan.session.edit_for(action_id)
    changed = ActionEdit(**{**edit.__dict__, field: value})
    attempted = (f"{names.get(action_id, action_id)}: {FIELD_LABELS.get(field, field)} → "
                 f"{_value(value)}")
    try:
        plan_store().update_action(plan.plan_id, action_id, changed, author=author,
                                   base_revision=plan.revision)
    except ConflictError as err:
        latest = err.latest
        st.session_state[_notice_key(plan)] = (
            f"Not saved: {literal(attempted, one_line=True)}. "
            f"{literal(author_label(latest.author), one_line=True)} saved revision {latest.revision} at "
            f"{latest.at:%Y-%m-%d %H:%M} UTC after revision {plan.revision}, the one you were "
            "looking at. Nothing was overwritten; this page now shows the latest revision — make "
            "your change again if it still applies. Changed meanwhile:\n\n"
            + "\n".join(f"- {literal(readable(c, names), one_line=True)}" for c in err.changes[:10]))
    except StoreError as err:
        st.session_state[_notice_key(plan)] = (f"Not saved: {literal(attempted, one_line=True)}. "
                                               f"{literal(str(err))}")


def _widget_value(field: str, value) -> str:
    if field == "owner":
        return (value or "").strip()
    if field == "due":
        return value.isoformat() if value else ""
    return value


def _edited(plan: StoredPlan, action_id: str, field: str, key: str,
            names: Mapping[str, str]) -> None:
    """A status, owner or due-date widget changed. This runs before the rerun reads the store
    again, so the edit is saved over the revision the person was looking at: a save by someone
    else in between (another tab, another server) is a conflict they are told about, never a
    change silently dropped because the page now shows the newer revision."""
    value = _widget_value(field, st.session_state.get(key))
    if identity.sign_in_enabled():
        author = identity.signed_in()
    else:  # the name field as it is now: this callback runs before the page redraws it
        typed = str(st.session_state.get("review:author") or "").strip()
        author = Author(typed) if typed else None
    if author is not None and value != getattr(plan.session.edit_for(action_id), field):
        _apply_edit(plan, action_id, field, value, author, names)


def render_actions(plan: StoredPlan, author: Author | None, book: Playbook | None = None) -> None:
    """Status, owner, due date and ticket per action; each change is a revision with an audit."""
    try:
        snapshot = read_snapshot(plan.session.snapshot) if plan.session.snapshot else None
    except ValueError as err:
        st.error(f"This revision's stored plan cannot be shown: {literal(str(err))}")
        return
    if snapshot is None:
        st.info("This revision has no rendered plan; open it on the Plan page via its JSON.")
        return
    if notice := st.session_state.pop(_notice_key(plan), None):
        st.error(notice, icon=":material/sync_problem:")
    for line in snapshot["summary"]:
        st.markdown(f"- {literal(line, one_line=True)}")
    today = date.today().isoformat()
    names = action_names(plan, book)
    for section in snapshot["sections"]:
        if not section["items"]:
            continue
        st.markdown(f"**{literal(section['title'], one_line=True)}**")
        for item in section["items"]:
            edit = plan.session.edit_for(item["id"])
            overdue = edit.due and edit.due < today and edit.status not in ("done", "dropped")
            title, status, owner, due = st.columns([2.6, 1.3, 1.5, 1.8])
            detail = literal(f"{item['impact_text']} · {item['effort_text']}", one_line=True)
            title.markdown(literal(item["title"], one_line=True)
                           + (" · :red[overdue]" if overdue else "") + f"  \n:gray[{detail}]")
            key = f"review:{plan.plan_id}:{plan.revision}:{item['id']}"

            def on_change(field: str, action_id: str = item["id"], key: str = key) -> dict:
                return {"on_change": _edited, "key": f"{key}:{field}",
                        "args": (plan, action_id, field, f"{key}:{field}", names)}

            new_status = status.selectbox("Status", STATUSES, index=STATUSES.index(edit.status),
                                          label_visibility="collapsed", **on_change("status"))
            new_owner = owner.text_input("Owner", edit.owner, label_visibility="collapsed",
                                         placeholder="owner", **on_change("owner"))
            new_due = due.date_input("Due", date.fromisoformat(edit.due) if edit.due else None,
                                     label_visibility="collapsed", **on_change("due"))
            changes = {"status": new_status, "owner": _widget_value("owner", new_owner),
                       "due": _widget_value("due", new_due)}
            # An edit made before the name was typed is saved once it is (the widget keeps it).
            for field, value in changes.items():
                if value != getattr(edit, field):
                    if author is None:
                        st.warning(identity.needed_message(), icon=":material/person:")
                        return
                    _apply_edit(plan, item["id"], field, value, author, names)
                    st.rerun()


# A fragment: the ids toggle redraws only the trail.
@st.fragment
def render_history(plan: StoredPlan, book: Playbook | None) -> None:
    """Revisions and the audit trail in words; the ids behind them behind a toggle, for
    whoever has to trace a change in the database."""
    names = action_names(plan, book)
    raw = st.toggle("Show internal ids", key=f"review:{plan.plan_id}:ids",
                    help="The plan id, and action ids as stored, for tracing a change.")
    if raw:
        st.caption(f"Plan id: `{literal(plan.plan_id, one_line=True)}` · playbook "
                   f"`{literal(plan.session.scenario, one_line=True)}`")
    for revision in reversed(plan_store().revisions(plan.plan_id)):
        note = revision.note if raw else readable(revision.note, names)
        note = f": {literal(note, one_line=True)}" if note else ""
        who = literal(author_label(revision.author), one_line=True)
        st.markdown(f"- revision {revision.revision} by {who} on {revision.at:%Y-%m-%d %H:%M}{note}")
    for entry in reversed(plan_store().audit(plan.plan_id)):
        text = entry.text if raw else audit_line(entry, names)
        st.caption(f"{entry.at:%Y-%m-%d %H:%M} {literal(author_label(entry.author), one_line=True)}: "
                   f"{literal(text, one_line=True)}")


# A fragment: a refused decision (no approver) redraws only the form; a recorded one
# reruns the page (st.rerun), whose trail shows it.
@st.fragment
def render_decisions(plan: StoredPlan) -> None:
    for decision in plan_store().decisions(plan.plan_id):
        note = f": {literal(decision.note, one_line=True)}" if decision.note else ""
        st.markdown(f"- **{literal(author_label(decision.approver), one_line=True)}** approved revision "
                    f"{decision.revision} on {decision.decided_at:%Y-%m-%d %H:%M}{note}")
    with st.form(f"decision:{plan.plan_id}"):
        approver, note = st.columns([1, 3])
        who = identity.name_field("Approved by", container=approver)
        what = note.text_input("Decision note", max_chars=500)
        if st.form_submit_button("Record the decision", icon=":material/gavel:"):
            if who is None:
                st.error(f"Not recorded: {identity.needed_message()}", icon=":material/error:")
                return
            try:
                plan_store().record_decision(plan.plan_id, approver=who, note=what)
            except StoreError as err:
                st.error(f"The decision was not recorded: {literal(str(err))}",
                         icon=":material/error:")
                return
            identity.remember(who)
            st.rerun()


def _parse(kind: str, data: bytes, name: str):
    """A stored follow-up file: runs are kept as our runs CSV whatever tool they came from."""
    if kind == "runs":
        return parse_runs(data, untagged(name)[0])
    if kind == "requests":
        return parse_requests(data, name)
    return read_segments(data, name)


def _to_keep(kind: str, data: bytes, name: str, options: Mapping,
             columns: Mapping[str, str]) -> tuple[str, bytes]:
    """The name and bytes to store for an uploaded 'after' file; InputError when it is unusable.
    Runs are read with the chosen format and kept as our runs CSV, as the plan's before is,
    named with the tool they came from so the comparison can tell whether both sides match.
    Every file is kept under our column names (``columns`` is its mapping)."""
    if kind == "runs":
        runs = read_runs(data, name, **options, columns=columns)
        return tagged(name, runs.source_format), runs.raw
    data = mapped_csv(data, name, columns)
    _parse(kind, data, name)
    return name, data


def _mapping(plan: StoredPlan, kind: str, uploaded, options: Mapping, key: str) -> dict:
    """The after file's column mapping, drawn under its upload like every upload's."""
    if uploaded is None:
        return {}
    if kind != "runs":
        contract = REQUESTS if kind == "requests" else SEGMENTS
        return column_map.for_upload(plan.session, contract, uploaded, key)
    memo = f"{key}:shape"
    held = st.session_state.get(memo)
    if not held or held[0] != (uploaded.file_id, options["source_format"]):
        try:
            fmt, columns, _ = mapping_for(uploaded.getvalue(), uploaded.name,
                                          options["source_format"])
        except InputError:
            return {}  # unreadable: the read names the problem
        st.session_state[memo] = held = ((uploaded.file_id, options["source_format"]), fmt,
                                         columns)
    return column_map.editor(plan.session, runs_contract(held[1]), held[2], key, uploaded.name)


def _runs_formats(plan: StoredPlan, before, latest) -> tuple[str | None, str | None]:
    """The tools the before and after runs were read from; None where the store does not say
    (files kept before formats were recorded)."""
    session_format = read_options(plan.session.inputs)["source_format"]
    before_format = untagged(before.name)[1] or (None if session_format == "detect"
                                                 else session_format)
    return before_format, untagged(latest.name)[1]


def _comparison(kind: str, plan: StoredPlan, before, latest, n_after: float | None = None):
    """The before/after comparison, computed once per tab for a plan revision and pair of files:
    stored follow-up files never change, and every status edit on this page reruns it."""
    cache = st.session_state.setdefault("followup:results", {})
    key = (plan.plan_id, plan.revision, before.id if before else None, latest.id, n_after)
    if key not in cache:
        new = _parse(kind, plan_store().followup_data(latest.id), latest.name)
        if kind == "segments":
            metric = plan.session.inputs.get("metric", {})
            cache[key] = compare_segments(
                plan.session.inputs.get("segments", []), new,
                metric_kind=metric.get("kind", "proportion"),
                n_before=_positive(metric.get("n_observed")), n_after=n_after,
                higher_is_better=bool(metric.get("higher_is_better", True)),
                metric_name=metric.get("name") or "the metric")
        else:
            old = _parse(kind, plan_store().followup_data(before.id), before.name)
            cache[key] = compare_runs(old, new) if kind == "runs" else compare_requests(old, new)
    return cache[key]


def _positive(value) -> float | None:
    """The plan's online n if it is a usable count; anything else means 'not known'."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 and number != float("inf") else None


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


# A fragment: the 'after' n, the format and mapping choices redraw only the follow-up; an
# attached file reruns the page (st.rerun).
@st.fragment
def render_followup(plan: StoredPlan, author: Author | None) -> None:
    kind = follow_up_kind(plan.session.scenario)
    if kind is None:
        return
    attached = plan_store().followups(plan.plan_id)
    before = next((f for f in attached if f.name.startswith("before:")), None)
    after = [f for f in attached if not f.name.startswith("before:")]
    upload_key = f"followup:{plan.plan_id}"
    locked = author is None and identity.sign_in_enabled()  # nobody to record it under
    if locked:
        st.caption(f"{identity.needed_message()} Then 'after' measurements can be attached.")
    if kind == "runs":
        uploaded = st.file_uploader("Attach 'after' runs (runs CSV, or the same tool's export as "
                                    "the meeting's: W&B, sacct, Airflow, MLflow)",
                                    type=["csv", "txt", "tsv", "json", "parquet"], key=upload_key,
                                    disabled=locked)
        options = format_inputs(upload_key, read_options(plan.session.inputs))
    else:
        uploaded = st.file_uploader(f"Attach 'after' measurements ({kind} CSV)",
                                    type=["csv", "txt"], key=upload_key, disabled=locked)
        options = {}
    error_key = f"{upload_key}:error"
    columns = _mapping(plan, kind, uploaded, options, f"{upload_key}:map")
    if uploaded is None:  # the file was removed: its error goes with it
        st.session_state.pop(error_key, None)
    # A new format, zone or mapping re-reads the same file (the first try may have failed for
    # want of it).
    elif st.session_state.get("followup:last") != (attempt := (
            uploaded.file_id, *options.values(), tuple(sorted(columns.items())))):
        st.session_state["followup:last"] = attempt
        try:
            name, data = _to_keep(kind, uploaded.getvalue(), uploaded.name, options, columns)
            plan_store().attach_followup(plan.plan_id, kind=kind, name=name, data=data,
                                         author=author or "unknown")
        except (InputError, StoreError) as err:
            st.session_state[error_key] = f"{uploaded.name} was not attached: {err}"
        else:
            st.session_state.pop(error_key, None)
            st.rerun()
    if st.session_state.get(error_key):
        fix = (" Pick its file format (and for sacct the cluster's time zone) above and it is "
               "read again." if kind == "runs" else "")
        st.error(f"{literal(st.session_state[error_key])}\n\nNothing from this file was kept; "
                 f"the follow-up files already attached are unchanged.{fix}",
                 icon=":material/error:")
    if not after:
        st.caption("No 'after' measurements yet. Attach them once the changes have run for a "
                   "while, on comparable work.")
        return
    latest = after[-1]
    if kind != "segments" and before is None:
        st.info("The plan was saved without its 'before' file, so there is nothing to "
                "compare against.")
        return
    n_after = None
    if kind == "segments":
        n_after = st.number_input(
            "Observations behind the 'after' table (n)", min_value=1, value=None, step=1000,
            key=f"followup:{plan.plan_id}:n_after",
            help="How many requests or impressions the after table's metrics were measured on. "
                 "With it (and the plan's own n) the change gets a 95% interval; without it the "
                 "change is shown but not judged.")
    try:
        result = _comparison(kind, plan, before, latest, float(n_after) if n_after else None)
    except (InputError, StoreError, ValueError) as err:
        st.error(f"The follow-up could not be compared: {literal(str(err))}",
                 icon=":material/error:")
        return
    if kind == "runs":
        formats = _runs_formats(plan, before, latest)
        st.caption(" · ".join(
            f"{side}: {literal(untagged(f.name.removeprefix('before: '))[0], one_line=True)}"
            + (f" ({FORMATS[tool]})" if tool else "")
            for side, f, tool in (("Before", before, formats[0]), ("after", latest, formats[1]))))
        mismatch = format_mismatch(*formats)
        if mismatch:
            st.warning(literal(mismatch), icon=":material/compare_arrows:")
    st.markdown(f"**{literal(result.verdict.sentence, one_line=True)}**")
    st.caption(f"How this is measured: {literal(result.basis, one_line=True)}")
    if kind == "segments":
        st.markdown(literal(result.gap_text, one_line=True))
    show_chart(before_after_chart(result.chart_items(), result.unit,
                                  f"Before and after ({untagged(latest.name)[0]})"),
               key=f"followup:{plan.plan_id}:chart")
    proportion = result.unit == "%"
    show_chart(change_chart(result.chart_items(), "Change, with its 95% interval",
                            relative=not proportion, unit=result.unit),
               key=f"followup:{plan.plan_id}:change")
    for note in result.notes:
        st.caption(f":material/info: {literal(_sentence(note))}")
