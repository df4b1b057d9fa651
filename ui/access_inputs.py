"""Inputs of the data-access page: a request log or one typical request, SLAs, clock, inventory."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time

import streamlit as st

from triage.access import (
    DEFAULT_BUSINESS_SLAS,
    DEFAULT_SLAS,
    SLA_INPUTS,
    AccessAnalysis,
    Clock,
    analyse_typed,
    clock_from_inputs,
    default_slas,
    latest_timestamp,
    parse_requests,
    read_inventory,
    sla_text,
    slas_from_inputs,
)
from triage.examples import DATA_DIR
from triage.markdown import literal
from triage.session import Session, UploadSummary
from triage.tabular import InputError
from triage.vocabulary import ACCESS_STAGE_LABELS
from ui import state
from ui.bind import bound, prefix

EXAMPLE_DIR = DATA_DIR / "access"
SAMPLE_TYPICAL = {"owner": 30.0, "approval": 20.0, "provisioning": 60.0, "first_use": 6.0}
SAMPLE_REQUESTS_PER_MONTH = 40.0
TIMEZONES = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
             "Asia/Kolkata", "Asia/Singapore", "Australia/Sydney"]
_FILES = "access_files"  # per tab: {"log": (name, digest, bytes), "inventory": ..., "cache": ...}


def ensure_defaults(session: Session) -> None:
    """Fill what is missing; sample and default values are listed in ``inputs["prefilled"]``
    until the team types, confirms or uploads them (a session without the key predates it:
    nothing in it counts as prefilled)."""
    inputs = session.inputs
    inputs.setdefault("source", "typed")
    inputs.setdefault("clock", {"business": False, "start_hour": 9, "end_hour": 17,
                                "timezone": "UTC"})
    inputs.setdefault("as_of", None)
    filled = []
    # SLAs belong to a clock: calendar-hour ones in "slas" (what older sessions hold), business-
    # hour ones in "business_slas"; each starts at its own clock's defaults.
    for name, value in (("typical", dict(SAMPLE_TYPICAL)), ("slas", dict(DEFAULT_SLAS)),
                        ("business_slas", dict(DEFAULT_BUSINESS_SLAS)),
                        ("requests_per_month", SAMPLE_REQUESTS_PER_MONTH)):
        if name not in inputs:
            inputs[name] = value
            filled.append(name)
    if filled:
        inputs["prefilled"] = sorted(set(inputs.get("prefilled") or ()) | set(filled))


def prefilled(session: Session) -> set[str]:
    return set(session.inputs.get("prefilled") or ())


def confirm(session: Session, name: str) -> None:
    """The team typed or confirmed ``name``: it is no longer a sample or default."""
    names = prefilled(session) - {name}
    if "prefilled" in session.inputs:
        session.inputs["prefilled"] = sorted(names)


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
    fresh.inputs["prefilled"] = []  # the worked example is labelled as such, not as samples
    fresh.inputs["source"] = "log"
    state.replace_session(fresh)
    _files().clear()
    for kind, file in (("log", "example_requests.csv"), ("inventory", "example_inventory.csv")):
        data = (EXAMPLE_DIR / file).read_bytes()
        _remember(fresh, kind, file, data, data.count(b"\n") - 1, "worked example")


def _clock(inputs: dict) -> Clock:
    return clock_from_inputs(inputs)


def sla_input(inputs: dict) -> str:
    """The session input holding the SLAs of the clock in force ("slas" or "business_slas")."""
    return SLA_INPUTS[_clock(inputs).business]


def _as_of(inputs: dict) -> datetime | None:
    text = inputs.get("as_of")
    if not text:
        return None
    return datetime.combine(date.fromisoformat(text), time(23, 59, 59), tzinfo=UTC)


def _slas(inputs: dict) -> dict:
    """The SLAs of the clock in force, never the other clock's."""
    return slas_from_inputs(inputs)


def _typed(inputs: dict) -> AccessAnalysis:
    return analyse_typed(inputs["typical"], slas=_slas(inputs), clock=_clock(inputs))


def _analyse_log(inputs: dict) -> AccessAnalysis:
    """The loaded log's analysis, cached per tab on everything it depends on, so unrelated
    reruns never re-parse the file."""
    files = _files()
    slas = _slas(inputs)
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


def analysis_for(session: Session) -> AccessAnalysis:
    """The log's analysis when one is loaded and chosen, else the typed request."""
    inputs = session.inputs
    if inputs.get("source") == "log" and "log" in _files():
        return _analyse_log(inputs)
    return _typed(inputs)


def _upload(session: Session, key: str, kind: str, label: str) -> None:
    uploaded = st.file_uploader(label, type=["csv", "txt"], key=f"{key}:{kind}")
    if uploaded is None or st.session_state.get(f"{key}:{kind}:id") == uploaded.file_id:
        return
    st.session_state[f"{key}:{kind}:id"] = uploaded.file_id
    data = uploaded.getvalue()
    name = literal(uploaded.name, one_line=True)
    with st.status(f"Reading {name}…", expanded=False) as status:
        st.write(f"Reading {len(data) / 1024:,.0f} KB…")
        try:
            if kind == "log":  # analyse now, so a bad file is reported and never kept
                analysis = _check_log(session, data, uploaded.name)
                rows = analysis.requests
                st.write(f"Checked: {rows:,} requests usable, {len(analysis.skipped):,} "
                         "rows or stages skipped.")
            else:
                rows = len(read_inventory(data, uploaded.name))
                st.write(f"Checked: {rows:,} datasets.")
        except InputError as err:
            st.session_state[f"{key}:{kind}:error"] = str(err)
            status.update(label=f"{name} could not be used", state="error")
            return
        st.session_state.pop(f"{key}:{kind}:error", None)
        _remember(session, kind, uploaded.name, data, rows, "uploaded")
        if kind == "log":
            session.inputs["source"] = "log"
            st.session_state.pop(f"{key}:source", None)
            st.session_state.pop(f"{key}:as_of", None)  # re-read: the new log's latest date
            _files()["cache"] = None
            try:
                _analyse_log(session.inputs)  # the first analysis, cached for this run
                st.write("Analysed the waits per stage, tier and month.")
            except InputError:  # a setting the new file cannot use: the page says which
                pass
        status.update(label=f"Read {name}: {rows:,} {'requests' if kind == 'log' else 'datasets'}",
                      state="complete")


def _check_log(session: Session, data: bytes, name: str) -> AccessAnalysis:
    """The log analysed with the session's settings; an as-of date or clock the file cannot
    use falls back to the defaults rather than rejecting a good file."""
    inputs = session.inputs
    try:
        return parse_requests(data, name, as_of=_as_of(inputs), slas=_slas(inputs),
                              clock=_clock(inputs))
    except InputError:
        return parse_requests(data, name)


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
    _as_of_input(session, key)


def _latest_date() -> date | None:
    """The date of the loaded log's latest timestamp (cached per file), or None."""
    files = _files()
    log = files.get("log")
    if log is None:
        return None
    cached = files.get("latest")
    if cached is None or cached[0] != log[1]:
        try:
            latest = latest_timestamp(log[2], log[0])
        except InputError:
            latest = None
        files["latest"] = cached = (log[1], latest)
    return cached[1].date() if cached[1] is not None else None


def _pick_as_of(session: Session, widget: str) -> None:
    picked = st.session_state.get(widget)
    session.inputs["as_of"] = picked.isoformat() if picked else None


def _latest_as_of(session: Session, widget: str) -> None:
    session.inputs["as_of"] = None
    st.session_state[widget] = _latest_date()


def _as_of_input(session: Session, key: str) -> None:
    """The as-of date: by default the latest timestamp in the log (shown as its date); a date
    picked here means the end of that day, UTC. Never the wall clock."""
    widget = f"{key}:as_of"
    chosen = session.inputs.get("as_of")
    if not chosen and _latest_date() is None:
        return  # no log yet: an empty date box would ask for something that has no use
    if widget not in st.session_state:
        st.session_state[widget] = date.fromisoformat(chosen) if chosen else _latest_date()
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    left.date_input("As of: requests still waiting count up to this date", key=widget,
                    on_change=_pick_as_of, args=(session, widget),
                    help="By default the latest timestamp in the log. A date you pick means the "
                         "end of that day (UTC); requests with a later timestamp are skipped. "
                         "Never the wall clock, so the numbers do not change while you look.")
    if chosen:
        right.button("Use the latest timestamp", key=f"{key}:as_of_latest", on_click=_latest_as_of,
                     args=(session, widget), icon=":material/restart_alt:")


def _typed_tab(session: Session, key: str) -> None:
    if "typical" in prefilled(session):
        st.caption(":material/science: **Sample values, not the team's:** type how long a "
                   "recent request spent in each stage, as well as anyone remembers.")
    else:
        st.caption("One typical request: hours each stage took, as well as anyone remembers.")
    columns = st.columns(4)
    for column, (stage, label) in zip(columns, ACCESS_STAGE_LABELS.items(), strict=True):
        bound(column.number_input, f"{label} (h)", f"{key}:typical:{stage}",
              session.inputs["typical"], stage, None, value=None, min_value=0.0, format="%.1f",
              on_change=confirm, args=(session, "typical"))
    bound(st.number_input, "Requests per month (the team's)", f"{key}:rpm", session.inputs,
          "requests_per_month", SAMPLE_REQUESTS_PER_MONTH, min_value=0.0, step=1.0,
          on_change=confirm, args=(session, "requests_per_month"),
          help="Turns hours saved per request into hours per month. When a request log is "
               "analysed, its dates give this number instead.")
    if "requests_per_month" in prefilled(session):
        st.caption(f":material/science: {SAMPLE_REQUESTS_PER_MONTH:.0f} requests per month is a "
                   "sample value, not the team's.")


def default_slas_text(clock: Clock | None = None) -> str:
    """'24/48/24/72 h' or '8/16/8/24 business h'."""
    return sla_text(default_slas(clock), clock)


def clock_text(clock: Clock) -> str:
    return "business hours" if clock.business else "calendar hours"


def render_sla_default_note(session: Session, key: str, where: str) -> None:
    """While nobody set the SLAs of the clock in force: say they are the app's defaults, with a
    one-click confirm."""
    inputs = session.inputs
    name = sla_input(inputs)
    if name not in prefilled(session):
        return
    clock = _clock(inputs)
    days = " (1, 2, 1 and 3 working days of 8 h)" if clock.business else ""
    st.caption(f":material/rule: **Default SLAs in {clock_text(clock)}** "
               f"({default_slas_text(clock)}{days} for owner, approval, provisioning, first "
               "use): the app's, not the team's. Breaches are judged against them until you "
               "confirm them or set your own under *SLAs and clock*.")
    st.button("Use these SLAs", key=f"{key}:confirm_slas:{where}", on_click=confirm,
              args=(session, name), icon=":material/check:")


def _sla_tab(session: Session, key: str) -> None:
    # The clock first: the SLA fields below belong to it, so they must be drawn for the clock
    # chosen in this run, never the other clock's numbers.
    clock = session.inputs["clock"]
    business, start, end, zone = st.columns([2, 1, 1, 2])
    bound(business.toggle, "Count business hours (Mon–Fri)", f"{key}:business", clock,
          "business", False, help="A weekend alone breaks a two-day calendar SLA. Business-hour "
                                  "SLAs are set separately from calendar-hour ones.")
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
    in_force = _clock(session.inputs)
    name = sla_input(session.inputs)
    unit = "business h" if in_force.business else "h"
    st.caption(f"SLAs in **{clock_text(in_force)}**" + (
        f" ({in_force.start_hour:02d}:00–{in_force.end_hour:02d}:00 {in_force.timezone}, Mon–Fri; "
        f"one working day = {in_force.end_hour - in_force.start_hour} business h). Calendar-hour "
        "SLAs are kept apart and come back when you switch back."
        if in_force.business else ". Business-hour SLAs are set separately when you switch the clock."))
    render_sla_default_note(session, key, "tab")
    columns = st.columns(4)
    defaults = default_slas(in_force)
    for column, (stage, label) in zip(columns, ACCESS_STAGE_LABELS.items(), strict=True):
        bound(column.number_input, f"{label} SLA ({unit})", f"{key}:{name}:{stage}",
              session.inputs[name], stage, defaults[stage], min_value=1.0, step=1.0,
              on_change=confirm, args=(session, name))


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
    elif not any(u.kind == "log" for u in session.uploads):
        # A log named in the session but not in this tab (a link, a plan JSON) stays the
        # source: the page shows the numbers as saved until the log is uploaded again.
        session.inputs["source"] = "typed"
    try:
        analysis = analysis_for(session)
        failed = False
    except InputError as err:  # e.g. a new as-of date before every request
        st.error(f"{literal(str(err))}\n\nShowing the typed request instead.",
                 icon=":material/error:")
        analysis, failed = _typed(session.inputs), True
    st.markdown(f":material/visibility: **Showing:** {showing_text(session, analysis, failed)}")
    st.caption(measured_text(session, analysis))
    return analysis


def measured_text(session: Session, analysis: AccessAnalysis) -> str:
    """'Waits as of 2026-08-31 17:59 UTC (the latest timestamp in the log), in calendar hours;
    SLAs in calendar hours (the app's defaults).' — which as-of date and clock are in force."""
    clock = clock_text(analysis.clock)
    defaults = " (the app's defaults)" if sla_input(session.inputs) in prefilled(session) else ""
    if analysis.source != "log" or analysis.as_of is None:
        return f":material/schedule: Hours typed as {clock}; SLAs in {clock}{defaults}."
    when = f"{analysis.as_of:%Y-%m-%d %H:%M} UTC"
    why = (" (the latest timestamp in the log)" if analysis.as_of_default
           else " (the end of the day you chose)")
    return (f":material/schedule: Waits as of **{when}**{why}, in {clock}; requests still "
            f"waiting count up to then. SLAs in {clock}{defaults}.")


def showing_text(session: Session, analysis: AccessAnalysis, log_failed: bool = False) -> str:
    """Which data the page's numbers come from, in words (Markdown-safe)."""
    if analysis.source == "log" and "log" in _files():
        log = next((u for u in session.uploads if u.kind == "log"), None)
        text = (f"{literal(_files()['log'][0], one_line=True)}, {analysis.requests:,} requests"
                + (" (the worked example)" if log and log.note == "worked example" else ""))
        if analysis.has_inventory and "inventory" in _files():
            text += f", with the inventory {literal(_files()['inventory'][0], one_line=True)}"
        return text
    text = "the typed typical request"
    if "typical" in prefilled(session):
        text += " (sample values, not the team's: type yours under *One typical request*)"
    if log_failed:
        text += "; the request log could not be analysed with these settings"
    return text


def requests_per_month(session: Session, analysis: AccessAnalysis) -> float:
    """From the log's dates when a log is analysed, else the typed (or sample) number."""
    from_log = analysis.requests_per_month
    if from_log is not None:
        return from_log
    return float(session.inputs.get("requests_per_month") or 0.0)


def requests_per_month_note(session: Session, analysis: AccessAnalysis) -> str:
    """'167 requests per month (from the log's dates)', '40 … (sample value, not the team's)'."""
    per_month = requests_per_month(session, analysis)
    if analysis.requests_per_month is not None:
        months = len(analysis.monthly)
        basis = f"from the log's dates: {analysis.requests:,} requests over {months} month" + (
            "s" if months != 1 else "")
    elif "requests_per_month" in prefilled(session):
        basis = "sample value, not the team's: type it under *One typical request*"
    else:
        basis = "as typed"
    return f"{per_month:.0f} requests per month ({basis})"
