"""Making a plan outlive the meeting: save it (with revisions), share a link, open links."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from triage.authors import Author
from triage.export import current_snapshot, plan_html, plan_jira_csv
from triage.markdown import literal
from triage.permalink import LinkError, decode, encode, link_notes, share_url
from triage.plan import Plan
from triage.session import Session
from triage.sources.options import tagged
from triage.store import ConflictError, PlanStore, StoreError
from ui import identity, state
from ui.frame import app_root
from ui.kinds.requests import inputs as requests_inputs
from ui.reopen import forget_uploads

_LINK = "applied_link"
LINK_PARAM = "s"


@st.cache_resource(show_spinner=False)
def plan_store() -> PlanStore:
    """One store (an engine and its connection pool) per server; it holds no user data."""
    return PlanStore()


def saved_ref(session: Session) -> tuple[str, int] | None:
    """The stored plan this session saves into: the one it was saved as or opened from, when
    this server's store has it (a JSON from another server starts a new plan here)."""
    ref = session.saved_as
    if not ref:
        return None
    try:
        plan_store().latest(ref["plan_id"])
    except StoreError:
        return None
    return ref["plan_id"], ref["revision"]


def remember_saved(session: Session, plan_id: str, revision: int) -> None:
    session.saved_as = {"plan_id": plan_id, "revision": revision}


def _uploads_to_keep(session: Session) -> list[tuple[str, str, bytes]]:
    """The meeting's uploaded 'before' data, kept with the plan for follow-up comparisons."""
    kept = []
    runs = state.runs_data(session.scenario)
    if runs is not None and getattr(runs, "raw", None):
        # Our runs CSV whatever the tool, named with it: the follow-up reads and compares it.
        kept.append(("runs", tagged(runs.name, runs.source_format), runs.raw))
    book = state.playbook(session.scenario)
    if book is not None and book.scenario == "access" and (
            log := requests_inputs.kept_log(session.inputs)):
        kept.append(("requests", *log))
    return kept


def render_save(plan: Plan | None, session: Session) -> None:
    ref = saved_ref(session)
    with st.form(f"save:{session.scenario}", border=True):
        st.markdown("**Save this plan** — every save is a new revision; nothing is overwritten.")
        left, middle, right = st.columns(3)
        author = identity.name_field("Your name", container=left)
        team = middle.text_input("Team", max_chars=120)
        people = right.text_input("Participants (comma-separated)", max_chars=500)
        note = st.text_input("What changed (optional)", max_chars=300)
        # One label whatever was saved before: a label that changes after the first save gives
        # the button a new identity, and a click on the old one would be lost.
        submitted = st.form_submit_button("Save the plan", type="primary", icon=":material/save:")
    if not submitted:
        if ref:
            st.caption(f"Saved as plan `{ref[0]}`, revision {ref[1]}: saving again adds a "
                       "revision to that plan.")
        return
    if author is None:
        st.error(f"Not saved: {identity.needed_message()}", icon=":material/error:")
        return
    identity.remember(author)
    session.snapshot = current_snapshot(plan, session, prepared_by=author)
    names = [p.strip() for p in people.split(",") if p.strip()]
    try:
        # On a new revision, fields left empty keep what the plan already has.
        saved = plan_store().save(
            session, author=author, note=note,
            team=(team or None) if ref else team, participants=(names or None) if ref else names,
            plan_id=ref[0] if ref else None, base_revision=ref[1] if ref else None)
    except ConflictError as err:
        st.error(f"Not saved: someone saved revision {err.latest.revision} of this plan after "
                 "the one you started from. Nothing was overwritten.\n\n"
                 + "\n".join(f"- {literal(c, one_line=True)}" for c in err.changes[:15])
                 + "\n\nOpen the latest revision on the Review page and apply your changes "
                   "there.", icon=":material/sync_problem:")
        return
    except StoreError as err:
        st.error(f"Not saved: {literal(str(err))}", icon=":material/error:")
        return
    remember_saved(session, saved.plan_id, saved.revision)
    if saved.unchanged:
        st.info(f"Nothing changed since revision {saved.revision} of plan `{saved.plan_id}`, so "
                "no new revision was added.", icon=":material/check_circle:")
        return
    if not ref:
        for kind, name, data in _uploads_to_keep(session):
            plan_store().attach_followup(saved.plan_id, kind=kind, name=f"before: {name}",
                                         data=data, author=author)
    st.success(f"Saved plan `{saved.plan_id}`, revision {saved.revision}.",
               icon=":material/check_circle:")


def render_share(plan: Plan | None, session: Session, url_path: str) -> None:
    if session.uploads:  # the files cannot travel: the numbers they gave travel instead
        # Links leave the chart data out, so it is not built on every rerun either.
        session = replace(session, snapshot=current_snapshot(plan, session, charts=False))
    try:
        token = encode(session)
    except LinkError as err:
        st.warning(literal(str(err)), icon=":material/link_off:")
        return
    st.code(share_url(app_root(), url_path, token, LINK_PARAM), language=None, wrap_lines=True)
    for note in link_notes(session, token):
        st.caption(f":material/info: {literal(note)}")


def render_exports(plan: Plan | None, session: Session) -> None:
    stem = session.scenario.replace("_", "-")
    who = identity.current_author() or Author("")  # read now: the file is built after this run

    def snapshot() -> dict:
        return current_snapshot(plan, session, prepared_by=who)

    left, right = st.columns(2)
    # on_click="ignore": a click must not rerun the page, or a second quick click would ask for
    # a file the rerun has already replaced.
    left.download_button("Printable HTML (save as PDF)", icon=":material/print:",
                         data=lambda: plan_html(snapshot()),
                         file_name=f"{stem}-plan.html", mime="text/html", on_click="ignore")
    right.download_button("Jira CSV import", icon=":material/confirmation_number:",
                          data=lambda: plan_jira_csv(snapshot()),
                          file_name=f"{stem}-jira.csv", mime="text/csv", on_click="ignore")


def apply_link() -> None:
    """Open a shared link once per token: its session replaces this tab's for that scenario."""
    token = st.query_params.get(LINK_PARAM)
    if not token or st.session_state.get(_LINK) == token:
        return
    st.session_state[_LINK] = token
    try:
        session = decode(token)
    except LinkError as err:
        st.toast(f"The link could not be opened: {literal(str(err), one_line=True)}",
                 icon=":material/link_off:")
        st.session_state["link_error"] = str(err)
        return
    book = state.playbook(session.scenario)
    if book is None:
        st.session_state["link_error"] = (f"The link is for the playbook '{session.scenario}', "
                                          "which is not installed here.")
        return
    if session.playbook_version != book.version:
        st.session_state["link_notice"] = (
            f"This link was made with version {session.playbook_version} of the playbook; this "
            f"app has version {book.version}. Answers to questions that changed may not apply.")
    state.replace_session(session)
    forget_uploads(session.scenario)
    st.session_state.pop("link_error", None)


def show_link_messages() -> None:
    if error := st.session_state.pop("link_error", None):
        st.error(f"The shared link could not be opened: {literal(error)}",
                 icon=":material/link_off:")
    if notice := st.session_state.pop("link_notice", None):
        st.warning(notice, icon=":material/history:")
