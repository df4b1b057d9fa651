"""Inputs of the data-access page: a request log or one typical request, SLAs, clock, inventory."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time

import streamlit as st

from triage.access import AccessAnalysis, Clock, analyse_typed, parse_requests, read_inventory
from triage.examples import DATA_DIR
from triage.markdown import literal
from triage.session import Session, UploadSummary
from triage.tabular import InputError
from triage.vocabulary import ACCESS_STAGE_LABELS
from ui import state
from ui.bind import bound, prefix

EXAMPLE_DIR = DATA_DIR / "access"
DEFAULT_SLAS = {"owner": 24.0, "approval": 48.0, "provisioning": 24.0, "first_use": 72.0}
TIMEZONES = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
             "Asia/Kolkata", "Asia/Singapore", "Australia/Sydney"]
_FILES = "access_files"  # per tab: {"log": (name, digest, bytes), "inventory": ..., "cache": ...}


def ensure_defaults(session: Session) -> None:
    inputs = session.inputs
    inputs.setdefault("source", "typed")
    inputs.setdefault("typical", {"owner": 30.0, "approval": 20.0, "provisioning": 60.0,
                                  "first_use": 6.0})
    inputs.setdefault("slas", dict(DEFAULT_SLAS))
    inputs.setdefault("clock", {"business": False, "start_hour": 9, "end_hour": 17,
                                "timezone": "UTC"})
    inputs.setdefault("as_of", None)
    inputs.setdefault("requests_per_month", 40.0)


def _files() -> dict:
    return st.session_state.setdefault(_FILES, {})


def _remember(session: Session, kind: str, name: str, data: bytes, rows: int, note: str) -> None:
    _files()[kind] = (name, hashlib.sha256(data).hexdigest(), data)
    session.uploads = [u for u in session.uploads if u.kind != kind] + [
        UploadSummary(name=name, kind=kind, rows_read=rows, rows_used=rows, note=note)]


def load_example(session: Session) -> None:
    """The worked example: six months of requests and the dataset inventory."""
    fresh = Session(scenario=session.scenario, playbook_version=session.playbook_version,
                    title="Fraud team: three weeks from 'can we use this table?' to a first query")
    ensure_defaults(fresh)
    fresh.inputs["source"] = "log"
    state.replace_session(fresh)
    _files().clear()
    for kind, file in (("log", "example_requests.csv"), ("inventory", "example_inventory.csv")):
        data = (EXAMPLE_DIR / file).read_bytes()
        _remember(fresh, kind, file, data, data.count(b"\n") - 1, "worked example")


def _clock(inputs: dict) -> Clock:
    raw = inputs["clock"]
    return Clock(business=bool(raw.get("business")), start_hour=int(raw.get("start_hour", 9)),
                 end_hour=int(raw.get("end_hour", 17)), timezone=raw.get("timezone") or "UTC")


def _as_of(inputs: dict) -> datetime | None:
    text = inputs.get("as_of")
    if not text:
        return None
    return datetime.combine(date.fromisoformat(text), time(23, 59, 59), tzinfo=UTC)


def analysis_for(session: Session) -> AccessAnalysis:
    """The log's analysis when one is loaded and chosen, else the typed request; cached per tab
    on everything it depends on, so unrelated reruns never re-parse the file."""
    inputs = session.inputs
    slas = {k: float(v) for k, v in inputs["slas"].items() if v}
    files = _files()
    if inputs.get("source") == "log" and "log" in files:
        inventory = files.get("inventory")
        key = (files["log"][1], inventory[1] if inventory else None, tuple(sorted(slas.items())),
               _clock(inputs), inputs.get("as_of"))
        cached = files.get("cache")
        if cached is None or cached[0] != key:
            frame = read_inventory(inventory[2], inventory[0]) if inventory else None
            analysis = parse_requests(files["log"][2], files["log"][0], as_of=_as_of(inputs),
                                      slas=slas, clock=_clock(inputs), inventory=frame)
            files["cache"] = cached = (key, analysis)
        return cached[1]
    return analyse_typed(inputs["typical"], slas=slas)


def _upload(session: Session, key: str, kind: str, label: str) -> None:
    uploaded = st.file_uploader(label, type=["csv", "txt"], key=f"{key}:{kind}")
    if uploaded is None or st.session_state.get(f"{key}:{kind}:id") == uploaded.file_id:
        return
    st.session_state[f"{key}:{kind}:id"] = uploaded.file_id
    data = uploaded.getvalue()
    try:
        if kind == "log":  # parse once now, so a bad file is reported and never kept
            rows = parse_requests(data, uploaded.name).requests
        else:
            rows = len(read_inventory(data, uploaded.name))
    except InputError as err:
        st.session_state[f"{key}:{kind}:error"] = str(err)
        return
    st.session_state.pop(f"{key}:{kind}:error", None)
    _remember(session, kind, uploaded.name, data, rows, "uploaded")
    if kind == "log":
        session.inputs["source"] = "log"
        st.session_state.pop(f"{key}:source", None)


def _show_upload_state(key: str, kind: str, keeps: str) -> None:
    if error := st.session_state.get(f"{key}:{kind}:error"):
        st.error(f"{literal(error)}\n\n{keeps}", icon=":material/error:")
    elif kind in _files():
        st.caption(f":material/fact_check: Using {_files()[kind][0]}")


def _log_tab(session: Session, key: str) -> None:
    _upload(session, key, "log", "Request log CSV")
    st.caption("Columns: request_id, dataset, requested_at and any of owner_assigned_at, "
               "approved_at, provisioned_at, first_access_at; optional tier, status, "
               "auto_approved, requester_role.")
    _show_upload_state(key, "log", "The earlier log and the typed request are unchanged.")
    left, right = st.columns(2)
    left.download_button("Empty template", "request_id,dataset,requested_at,owner_assigned_at,"
                         "approved_at,provisioned_at,first_access_at,tier,status,auto_approved,"
                         "requester_role\n", file_name="requests_template.csv", mime="text/csv",
                         icon=":material/download:")
    right.button("Load the worked example", on_click=load_example, args=(session,),
                 icon=":material/science:", key=f"{key}:example")
    as_of = session.inputs.get("as_of")
    picked = st.date_input("As of (open requests wait until this day)",
                           value=date.fromisoformat(as_of) if as_of else None, key=f"{key}:as_of",
                           help="Empty: the latest timestamp in the log. Never the wall clock, "
                                "so the numbers do not change while you look at them.")
    session.inputs["as_of"] = picked.isoformat() if picked else None


def _typed_tab(session: Session, key: str) -> None:
    st.caption("One typical request: hours each stage took, as well as anyone remembers.")
    columns = st.columns(4)
    for column, (stage, label) in zip(columns, ACCESS_STAGE_LABELS.items(), strict=True):
        bound(column.number_input, f"{label} (h)", f"{key}:typical:{stage}",
              session.inputs["typical"], stage, None, value=None, min_value=0.0, format="%.1f")
    bound(st.number_input, "Requests per month (the team's)", f"{key}:rpm", session.inputs,
          "requests_per_month", 40.0, min_value=0.0, step=1.0,
          help="Turns hours saved per request into hours per month.")


def _sla_tab(session: Session, key: str) -> None:
    columns = st.columns(4)
    for column, (stage, label) in zip(columns, ACCESS_STAGE_LABELS.items(), strict=True):
        bound(column.number_input, f"{label} SLA (h)", f"{key}:sla:{stage}",
              session.inputs["slas"], stage, DEFAULT_SLAS[stage], min_value=1.0, step=1.0)
    clock = session.inputs["clock"]
    business, start, end, zone = st.columns([2, 1, 1, 2])
    bound(business.toggle, "Count business hours (Mon–Fri)", f"{key}:business", clock,
          "business", False, help="A weekend alone breaks a two-day calendar SLA.")
    bound(start.number_input, "from", f"{key}:start", clock, "start_hour", 9, min_value=0,
          max_value=23, disabled=not clock.get("business"))
    bound(end.number_input, "to", f"{key}:end", clock, "end_hour", 17, min_value=1,
          max_value=24, disabled=not clock.get("business"))
    bound(zone.selectbox, "time zone", f"{key}:zone", clock, "timezone", "UTC",
          options=TIMEZONES, disabled=not clock.get("business"))
    if clock.get("end_hour", 17) <= clock.get("start_hour", 9):
        st.error("Working hours must end after they start; calendar hours are used until fixed.",
                 icon=":material/error:")
        clock["business"] = False


def render_inputs(session: Session) -> AccessAnalysis:
    ensure_defaults(session)
    key = prefix(session.scenario)
    log, typed, slas, inventory = st.tabs(["Request log", "One typical request",
                                           "SLAs and clock", "Dataset inventory"])
    with log:
        _log_tab(session, key)
    with typed:
        _typed_tab(session, key)
    with slas:
        _sla_tab(session, key)
    with inventory:
        _upload(session, key, "inventory", "Dataset inventory CSV (dataset, owner, tier, "
                                           "preapproved_path, systems)")
        _show_upload_state(key, "inventory", "The earlier inventory, if any, is still used.")
    if "log" in _files():
        options = {"log": f"the request log ({_files()['log'][0]})", "typed": "the typed request"}
        bound(st.radio, "Analyse", f"{key}:source", session.inputs, "source", "log",
              options=list(options), format_func=options.get, horizontal=True)
    else:
        session.inputs["source"] = "typed"
    try:
        return analysis_for(session)
    except InputError as err:  # e.g. a new as-of date before every request
        st.error(f"{literal(str(err))}\n\nShowing the typed request instead.",
                 icon=":material/error:")
        return analyse_typed(session.inputs["typical"], slas=session.inputs["slas"])


def requests_per_month(session: Session, analysis: AccessAnalysis) -> float:
    """From the log's span when a log is analysed, else as typed."""
    if analysis.requests > 1 and analysis.monthly:
        return analysis.requests / len(analysis.monthly)
    return float(session.inputs.get("requests_per_month") or 0.0)
