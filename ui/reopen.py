"""Sessions whose numbers came from uploads this browser tab does not hold.

A shared link, a re-opened plan JSON or a reloaded tab brings the session back without the files
it was built on (files never travel in links or sessions). Such a session shows the plan as it was
saved — its snapshot — marked as such, and never the built-in sample numbers in its place.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from triage.export import ExportError, read_snapshot
from triage.markdown import literal
from triage.session import Session, UploadSummary
from ui import state
from ui.kinds.samples.inputs import DRIFT

# The per-tab, per-scenario store that holds each upload kind's file once uploaded in this tab.
_ACCESS_FILES = "access_files"


def _held(session: Session, kind: str) -> bool:
    if kind == "runs":
        return state.runs_data(session.scenario) is not None
    if kind in ("log", "inventory", "second", "task_sla"):  # the access log and its extras
        return kind in state.tab_files(_ACCESS_FILES, session.scenario)
    if kind in ("reference", "current"):
        return kind in state.tab_files(DRIFT, session.scenario)
    return True  # a kind this app does not hold per tab: nothing to miss


def _in_use(session: Session, kind: str) -> bool:
    """Whether the session's numbers depend on that upload (a log the room switched away from
    to the typed request does not count)."""
    source = session.inputs.get("source")
    if kind == "runs":
        return source == "runs"
    if kind in ("log", "second", "task_sla"):  # the extras are read with the log only
        return source == "log"
    return True


def forget_uploads(scenario: str) -> None:
    """Drop the files this tab holds for a scenario whose session was just replaced by one from
    a link or a plan JSON: they belong to the tab's earlier meeting, not to the opened one."""
    state.set_runs_data(scenario, None)
    state.forget_files(scenario)


def missing_uploads(session: Session) -> list[UploadSummary]:
    """The uploads this session's numbers came from that this tab does not have."""
    return [u for u in session.uploads if _in_use(session, u.kind) and not _held(session, u.kind)]


def saved_snapshot(session: Session) -> dict[str, Any] | None:
    """The plan as saved, when the session's uploads are missing and it carries one."""
    if session.snapshot is None or not missing_uploads(session):
        return None
    try:
        return read_snapshot(session.snapshot)
    except ExportError:
        return None


def _names(uploads: list[UploadSummary]) -> str:
    names = [f"**{literal(u.name, one_line=True)}**" for u in uploads]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def saved_on(snapshot: dict[str, Any]) -> str:
    stamp = snapshot.get("generated_at") or ""
    return stamp[:16].replace("T", " ") + " UTC" if stamp else "an earlier date"


def render_banner(session: Session) -> dict[str, Any] | None:
    """Say what is missing on every page of the scenario; return the snapshot to show, if any."""
    missing = missing_uploads(session)
    if not missing:
        return None
    snapshot = saved_snapshot(session)
    read = "; ".join(f"{literal(u.name, one_line=True)}: {literal(u.note, one_line=True)}"
                     for u in missing if u.note)
    if snapshot is not None:
        st.warning(f"This meeting's numbers came from {_names(missing)}, which this browser tab "
                   f"does not have. The numbers shown are **as saved on {saved_on(snapshot)}**"
                   f"{f' ({read})' if read else ''}; upload the file again to recompute them.",
                   icon=":material/cloud_off:")
    else:
        st.warning(f"This meeting's numbers came from {_names(missing)}, which this browser tab "
                   "does not have, and no saved copy of its numbers came with it. Upload the "
                   "file again to see them; nothing here stands in for them.",
                   icon=":material/cloud_off:")
    return snapshot


def render_saved_numbers(snapshot: dict[str, Any]) -> None:
    """Where a scenario page draws its numbers: the plan's own summary, as saved."""
    st.caption(f":material/history: As saved on {saved_on(snapshot)}")
    for line in snapshot["summary"]:
        st.markdown(f"##### {literal(line, one_line=True)}")


def render_saved_preview(snapshot: dict[str, Any]) -> None:
    """The plan preview of a scenario page, from the plan as saved."""
    from ui.frame import PLAN

    for section in snapshot["sections"]:
        if section["items"]:
            st.markdown(f"**{literal(section['title'], one_line=True)}**")
            for item in section["items"]:
                st.markdown(f"- {literal(item['title'], one_line=True)} · "
                            f"**{literal(item['impact_text'], one_line=True)}** · "
                            f"{literal(item['effort_text'], one_line=True)}")
    st.page_link(PLAN, label="Open the full plan: owners, dates, downloads",
                 icon=":material/arrow_forward:")
