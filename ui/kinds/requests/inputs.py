"""Inputs of the data-access page: a request log or one typical request, SLAs, clock, inventory."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, time

import streamlit as st

from triage.examples import DATA_DIR
from triage.kinds.requests.analysis import (
    DEFAULT_BUSINESS_SLAS,
    DEFAULT_SLAS,
    SLA_INPUTS,
    AccessAnalysis,
    Clock,
    analyse_typed,
    clock_from_inputs,
    default_slas,
    holiday_calendar,
    parse_requests,
    read_inventory,
    sla_text,
    slas_from_inputs,
)
from triage.mapping import INVENTORY, REQUESTS, Contract, effective
from triage.markdown import literal
from triage.session import Session, UploadSummary
from triage.sources.access import detect, to_request_log
from triage.tabular import InputError, header_columns, mapped_csv
from triage.vocabulary import ACCESS_STAGE_LABELS
from ui import cache, column_map, state
from ui.bind import bound, prefix

EXAMPLE_DIR = DATA_DIR / "access"
SAMPLE_TYPICAL = {"owner": 30.0, "approval": 20.0, "provisioning": 60.0, "first_use": 6.0}
SAMPLE_REQUESTS_PER_MONTH = 40.0
TIMEZONES = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
             "Asia/Kolkata", "Asia/Singapore", "Australia/Sydney"]
_FILES = "access_files"  # {"log": (name, digest, bytes), "inventory": ..., "cache": ...}
# "File format" choices: detect, or one of the readers of triage.sources.access.
LOG_FORMATS = {"detect": "Detect from the file", "log": "Our request log (CSV)",
               "jira": "Jira Service Management (CSV)", "servicenow": "ServiceNow sc_req_item (CSV)",
               "entra": "Microsoft Entra (Graph JSON)", "okta": "Okta Identity Governance (JSON)"}
# The optional second file of a tool's export, and the reader option it goes to.
SECOND_FILE = {"jira": "changelog", "servicenow": "approvals"}
_EXTRAS = {"second": "the Jira changelog or ServiceNow approvals", "task_sla": "the task_sla export"}


def ensure_defaults(session: Session) -> None:
    """Fill what is missing; sample and default values are listed in ``inputs["prefilled"]``
    until the team types, confirms or uploads them (a session without the key predates it:
    nothing in it counts as prefilled)."""
    inputs = session.inputs
    inputs.setdefault("source", "typed")
    inputs.setdefault("clock", {"business": False, "start_hour": 9, "end_hour": 17,
                                "timezone": "UTC"})
    inputs.setdefault("as_of", None)
    # How the uploaded file is read; kept in the session, so a link or plan re-reads it alike.
    inputs.setdefault("log_format", {"format": "detect", "dataset_column": "", "timezone": ""})
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
    return state.tab_files(_FILES)


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


def _reading_key(inputs: dict) -> tuple:
    """Everything the reading of the uploaded file depends on besides the file itself."""
    settings = inputs.get("log_format") or {}
    files = _files()
    return (settings.get("format") or "detect", (settings.get("dataset_column") or "").strip(),
            (settings.get("timezone") or "").strip(),
            *(files[kind][1] if kind in files else None for kind in _EXTRAS))


def _convert(name: str, data: bytes, inputs: dict) -> tuple[bytes, str, list[str]]:
    """The file as our request log with the session's format settings and extra files; the
    settings and files a format does not take are named in a note, never silently dropped."""
    settings = inputs.get("log_format") or {}
    chosen = settings.get("format") or "detect"
    fmt = detect(data) if chosen == "detect" else chosen
    files = _files()
    given = {"dataset column": (settings.get("dataset_column") or "").strip(),
             "source time zone": (settings.get("timezone") or "").strip(),
             **{kind: files[kind][0] if kind in files else "" for kind in _EXTRAS}}
    options: dict = {}
    if fmt in SECOND_FILE:
        if given["dataset column"]:
            options["dataset_column"] = given["dataset column"]
        options["timezone"] = given["source time zone"] or "UTC"
        if "second" in files:
            options[SECOND_FILE[fmt]] = files["second"][2]
    if fmt == "servicenow" and "task_sla" in files:
        options["task_sla"] = files["task_sla"][2]
    log, fmt, notes = to_request_log(data, name, fmt, **options)
    taken = {"dataset column", "source time zone", "second"} if fmt in SECOND_FILE else set()
    taken |= {"task_sla"} if fmt == "servicenow" else set()
    unused = [f"{what} {value}" if what in ("dataset column", "source time zone") else value
              for what, value in given.items() if value and what not in taken]
    if unused:
        notes = [*notes, f"not used for a {LOG_FORMATS.get(fmt, fmt)} file: {', '.join(unused)}"]
    return log, fmt, notes


def _request_log(inputs: dict) -> tuple[tuple, bytes, str, list[str]]:
    """(reading key, request-log bytes, format read, notes) of the kept file, cached per tab.
    A setting or extra file it cannot be read with keeps the previous reading in force (the
    page shows the error beside the settings); InputError only when there is none."""
    files = _files()
    log = files["log"]
    key = (log[1], _reading_key(inputs))
    done = files.get("converted")
    if done is not None and done[0] == key:
        return done
    failed = files.get("convert_error")
    if done is not None and failed is not None and failed[0] == key:
        return done
    try:
        converted = _convert(log[0], log[2], inputs)
    except InputError as err:
        files["convert_error"] = (key, str(err))
        if done is None:
            raise
        return done
    files.pop("convert_error", None)
    files["converted"] = done = (key, *converted)
    return done


def reading_error(inputs: dict) -> str | None:
    """Why the kept file cannot be read with the settings now chosen, or None."""
    files = _files()
    failed = files.get("convert_error")
    if "log" not in files or failed is None:
        return None
    return failed[1] if failed[0] == (files["log"][1], _reading_key(inputs)) else None


def _analyse_log(inputs: dict) -> AccessAnalysis:
    """The loaded log's analysis, cached per tab on everything it depends on, so unrelated
    reruns never re-parse the file. The notes start with what reading the tool's export said."""
    files = _files()
    reading, data, fmt, source_notes = _request_log(inputs)
    slas = _slas(inputs)
    inventory = files.get("inventory")
    log_columns = _mapping(inputs, REQUESTS, data, files["log"][0]) if fmt == "log" else {}
    inventory_columns = (_mapping(inputs, INVENTORY, inventory[2], inventory[0]) if inventory
                         else {})
    key = (reading, inventory[1] if inventory else None, tuple(sorted(slas.items())),
           _clock(inputs), inputs.get("as_of"), tuple(sorted(log_columns.items())),
           tuple(sorted(inventory_columns.items())))
    cached = files.get("cache")
    if cached is None or cached[0] != key:
        analysis = cache.access_analysis(
            data, files["log"][0], as_of=_as_of(inputs), slas=slas, clock=_clock(inputs),
            columns=log_columns,
            inventory=(inventory[0], inventory[2], inventory_columns) if inventory else None)
        analysis = replace(analysis, notes=(*source_notes, *analysis.notes))
        files["cache"] = cached = (key, analysis)
    return cached[1]


def _mapping(inputs: dict, contract: Contract, data: bytes, name: str) -> dict[str, str]:
    """The columns a CSV is read with (``triage.mapping.effective``); its header is read once
    per file content."""
    digest = hashlib.sha256(data).hexdigest()
    headers = st.session_state.setdefault("access_headers", {})
    if digest not in headers:
        try:
            headers[digest] = header_columns(data, name)
        except InputError:
            headers[digest] = []  # unreadable: the full read names the problem
    return effective(inputs.get(column_map.STORE), contract, headers[digest])


def kept_log(inputs: dict) -> tuple[str, bytes] | None:
    """(name, bytes) of the loaded log as our request log under our column names, whatever tool
    or mapping it was read with: what a saved plan keeps for its follow-up."""
    if "log" not in _files():
        return None
    try:
        _, data, fmt, _ = _request_log(inputs)
        name = _files()["log"][0]
        columns = _mapping(inputs, REQUESTS, data, name) if fmt == "log" else {}
        return name, mapped_csv(data, name, columns)
    except InputError:
        return None


def analysis_for(session: Session) -> AccessAnalysis:
    """The log's analysis when one is loaded and chosen, else the typed request."""
    inputs = session.inputs
    if inputs.get("source") == "log" and "log" in _files():
        return _analyse_log(inputs)
    return _typed(inputs)


_DRAW = object()  # _upload draws its own uploader


def _reads_as_log(inputs: dict, uploaded) -> bool:
    """Whether the file in the box is read as our request log (so its columns can be mapped);
    a tool's export is read by its own names. Detection runs once per file."""
    chosen = (inputs.get("log_format") or {}).get("format") or "detect"
    if chosen != "detect":
        return chosen == "log"
    detected = st.session_state.setdefault("access_detected", {})
    if uploaded.file_id not in detected:
        detected[uploaded.file_id] = detect(uploaded.getvalue())
    return detected[uploaded.file_id] == "log"


def _upload(session: Session, key: str, kind: str, label: str, uploaded=_DRAW) -> None:
    """Read a new file (for the log: also the file in the box again when a reading setting
    changed and the box holds a file that was not kept, e.g. one that needed that setting)."""
    if uploaded is _DRAW:
        uploaded = st.file_uploader(label, type=["csv", "txt"], key=f"{key}:{kind}")
    if uploaded is None:
        return
    contract = REQUESTS if kind == "log" else INVENTORY
    # A new mapping retries a file that was refused for want of a column.
    shown = (column_map.for_upload(session, contract, uploaded, f"{key}:{kind}")
             if kind == "inventory" or _reads_as_log(session.inputs, uploaded) else {})
    upload_id = (uploaded.file_id, _reading_key(session.inputs) if kind == "log" else None,
                 tuple(sorted(shown.items())))
    before = st.session_state.get(f"{key}:{kind}:id")
    if before == upload_id:
        return
    st.session_state[f"{key}:{kind}:id"] = upload_id
    data = uploaded.getvalue()
    kept = _files().get(kind)
    if (kind == "log" and before is not None and before[0] == uploaded.file_id and kept
            and kept[1] == hashlib.sha256(data).hexdigest()):
        return  # only a setting changed: the kept file is re-read with it (_request_log)
    name = literal(uploaded.name, one_line=True)
    with st.status(f"Reading {name}…", expanded=False) as status:
        st.write(f"Reading {len(data) / 1024:,.0f} KB…")
        try:
            if kind == "log":  # analyse now, so a bad file is reported and never kept
                converted = _convert(uploaded.name, data, session.inputs)
                st.write(f"Read as {LOG_FORMATS[converted[1]]}.")
                analysis = _check_log(session, converted[0], uploaded.name,
                                      _mapping(session.inputs, REQUESTS, converted[0],
                                               uploaded.name) if converted[1] == "log" else {})
                rows = analysis.requests
                st.write(f"Checked: {rows:,} requests usable, {len(analysis.skipped):,} "
                         "rows or stages skipped.")
            else:
                rows = len(read_inventory(data, uploaded.name, columns=_mapping(
                    session.inputs, INVENTORY, data, uploaded.name)))
                st.write(f"Checked: {rows:,} datasets.")
        except InputError as err:
            st.session_state[f"{key}:{kind}:error"] = str(err)
            status.update(label=f"{name} could not be used", state="error")
            return
        st.session_state.pop(f"{key}:{kind}:error", None)
        _remember(session, kind, uploaded.name, data, rows,
                  f"uploaded, read as {LOG_FORMATS[converted[1]]}" if kind == "log" else "uploaded")
        if kind == "log":
            session.inputs["source"] = "log"
            st.session_state.pop(f"{key}:source", None)
            st.session_state.pop(f"{key}:as_of", None)  # re-read: the new log's latest date
            files = _files()
            files["cache"] = None
            files.pop("convert_error", None)
            files["converted"] = ((files["log"][1], _reading_key(session.inputs)), *converted)
            try:
                _analyse_log(session.inputs)  # the first analysis, cached for this run
                st.write("Analysed the waits per stage, tier and month.")
            except InputError:  # a setting the new file cannot use: the page says which
                pass
        status.update(label=f"Read {name}: {rows:,} {'requests' if kind == 'log' else 'datasets'}",
                      state="complete")


def _check_log(session: Session, data: bytes, name: str,
               columns: dict[str, str]) -> AccessAnalysis:
    """The log analysed with the session's settings; an as-of date or clock the file cannot
    use falls back to the defaults rather than rejecting a good file."""
    inputs = session.inputs
    try:
        return parse_requests(data, name, as_of=_as_of(inputs), slas=_slas(inputs),
                              clock=_clock(inputs), columns=columns)
    except InputError:
        return parse_requests(data, name, columns=columns)


def _show_upload_state(key: str, kind: str, keeps: str) -> None:
    if error := st.session_state.get(f"{key}:{kind}:error"):
        st.error(f"{literal(error)}\n\n{keeps}", icon=":material/error:")
    elif kind in _files():
        st.caption(f":material/fact_check: Using {literal(_files()[kind][0], one_line=True)}")


def _format_inputs(session: Session, key: str) -> None:
    """How the file is read: its tool (detected by default) and what Jira and ServiceNow
    exports need besides the file. Bound to the session, so links and plans keep them."""
    settings = session.inputs["log_format"]
    chosen, column, zone = st.columns(3)
    bound(chosen.selectbox, "File format", f"{key}:log_format", settings, "format", "detect",
          options=list(LOG_FORMATS), format_func=LOG_FORMATS.get,
          help="Exports of Jira, ServiceNow, Microsoft Entra and Okta go in as they are; "
               "docs/importing.md says how to export each.")
    bound(column.text_input, "Dataset column (Jira, ServiceNow)", f"{key}:dataset_column",
          settings, "dataset_column", "", placeholder="Custom field (Dataset) / cat_item",
          help="The export's column naming the dataset. Empty: Jira's 'Custom field (Dataset)' "
               "if present, else Summary; ServiceNow's cat_item.")
    bound(zone.text_input, "Source time zone (Jira, ServiceNow)", f"{key}:source_timezone",
          settings, "timezone", "", placeholder="UTC, e.g. Europe/Berlin",
          help="Jira and ServiceNow write local times without a zone, in the exporting user's "
               "profile zone: its IANA name. Empty: UTC.")
    with st.expander("More files from the tool (optional)", expanded=any(k in _files() for k in _EXTRAS)):
        _extra_upload(session, key, "second", "Jira changelog (JSON) or ServiceNow approvals "
                      "(sysapproval_approver CSV)", ["json", "csv", "txt"],
                      "Splits the whole wait into stages: the changelog's status moves, or when "
                      "approvers were asked and approved.")
        _extra_upload(session, key, "task_sla", "ServiceNow task_sla (CSV)", ["csv", "txt"],
                      "Each item's paused time (pause_duration, business_pause_duration) is "
                      "subtracted from its time to access.")


def _extra_upload(session: Session, key: str, kind: str, label: str, types: list[str],
                  what: str) -> None:
    """An extra file of the export: kept as it is; the reading of the log checks it."""
    uploaded = st.file_uploader(label, type=types, key=f"{key}:{kind}", help=what)
    if uploaded is not None and st.session_state.get(f"{key}:{kind}:id") != uploaded.file_id:
        st.session_state[f"{key}:{kind}:id"] = uploaded.file_id
        _files()[kind] = (uploaded.name, hashlib.sha256(uploaded.getvalue()).hexdigest(),
                          uploaded.getvalue())
        session.uploads = [u for u in session.uploads if u.kind != kind] + [
            UploadSummary(name=uploaded.name, kind=kind, rows_read=0, rows_used=0,
                          note=f"{_EXTRAS[kind]}, read with the request log")]
    if kind in _files():
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.caption(f":material/attach_file: Using {literal(_files()[kind][0], one_line=True)}")
        right.button("Stop using it", key=f"{key}:{kind}:drop", on_click=_drop_extra,
                     args=(session, kind), icon=":material/close:")


def _drop_extra(session: Session, kind: str) -> None:
    _files().pop(kind, None)
    session.uploads = [u for u in session.uploads if u.kind != kind]


def _show_reading_error(session: Session) -> None:
    if "log" in _files():
        # Read the kept file with this run's settings (cached) to report on them; a file
        # that cannot be read at all is reported by the analysis below.
        with contextlib.suppress(InputError):
            _request_log(session.inputs)
    error = reading_error(session.inputs)
    if error is None:
        return
    files = _files()
    earlier = files.get("converted")
    shown = (f"The page still shows {literal(files['log'][0], one_line=True)} as read before "
             f"({LOG_FORMATS[earlier[2]]}, with the earlier settings and files)"
             if earlier else "The page shows the typed request")
    st.error(f"{literal(error)}\n\n{shown}. Change the setting back, or fix it as the message "
             "says.", icon=":material/error:")


def _log_tab(session: Session, key: str) -> None:
    uploaded = st.file_uploader("Request log or tool export", type=["csv", "txt", "json"],
                                key=f"{key}:log")
    _format_inputs(session, key)
    _upload(session, key, "log", "", uploaded)  # after the settings: it reads with them
    st.caption("Our log's columns: request_id, dataset, requested_at and any of "
               "owner_assigned_at, approved_at, provisioned_at, first_access_at; optional tier, "
               "status, auto_approved, requester_role, paused_hours. Tool exports: "
               "docs/importing.md.")
    _show_upload_state(key, "log", "The earlier log and the typed request are unchanged.")
    _show_reading_error(session)
    left, right = st.columns(2)
    left.download_button("Empty template", "request_id,dataset,requested_at,owner_assigned_at,"
                         "approved_at,provisioned_at,first_access_at,tier,status,auto_approved,"
                         "requester_role\n", file_name="requests_template.csv", mime="text/csv",
                         icon=":material/download:")
    right.button("Load the worked example", on_click=load_example, args=(session,),
                 icon=":material/science:", key=f"{key}:example")
    _as_of_input(session, key)


def _latest_date(inputs: dict) -> date | None:
    """The date of the loaded log's latest timestamp (cached per file), or None."""
    files = _files()
    log = files.get("log")
    if log is None:
        return None
    try:
        reading, data, fmt, _ = _request_log(inputs)
    except InputError:
        return None
    columns = _mapping(inputs, REQUESTS, data, log[0]) if fmt == "log" else {}
    key = (reading, tuple(sorted(columns.items())))
    cached = files.get("latest")
    if cached is None or cached[0] != key:
        try:
            latest = cache.latest_log_timestamp(data, log[0], columns)
        except InputError:
            latest = None
        files["latest"] = cached = (key, latest)
    return cached[1].date() if cached[1] is not None else None


def _pick_as_of(session: Session, widget: str) -> None:
    picked = st.session_state.get(widget)
    session.inputs["as_of"] = picked.isoformat() if picked else None


def _latest_as_of(session: Session, widget: str) -> None:
    session.inputs["as_of"] = None
    st.session_state[widget] = _latest_date(session.inputs)


def _as_of_input(session: Session, key: str) -> None:
    """The as-of date: by default the latest timestamp in the log (shown as its date); a date
    picked here means the end of that day, UTC. Never the wall clock."""
    widget = f"{key}:as_of"
    chosen = session.inputs.get("as_of")
    if not chosen and _latest_date(session.inputs) is None:
        return  # no log yet: an empty date box would ask for something that has no use
    if widget not in st.session_state:
        st.session_state[widget] = date.fromisoformat(chosen) if chosen else _latest_date(session.inputs)
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
    business, start, end, zone, calendar = st.columns([2, 1, 1, 2, 2])
    bound(business.toggle, "Count business hours (Mon–Fri)", f"{key}:business", clock,
          "business", False, help="A weekend alone breaks a two-day calendar SLA. Business-hour "
                                  "SLAs are set separately from calendar-hour ones.")
    bound(start.number_input, "from", f"{key}:start", clock, "start_hour", 9, min_value=0,
          max_value=23, disabled=not clock.get("business"))
    bound(end.number_input, "to", f"{key}:end", clock, "end_hour", 17, min_value=1,
          max_value=24, disabled=not clock.get("business"))
    bound(zone.selectbox, "time zone", f"{key}:zone", clock, "timezone", "UTC",
          options=TIMEZONES, disabled=not clock.get("business"))
    holiday_error = _holidays_input(clock, key, calendar)
    if holiday_error:
        st.error(f"{literal(holiday_error)}\n\nThe clock still uses "
                 f"{_holidays_text(clock.get('holidays'))}; fix the code or clear the field.",
                 icon=":material/error:")
    if clock.get("end_hour", 17) <= clock.get("start_hour", 9):
        st.error("Working hours must end after they start; calendar hours are used until fixed.",
                 icon=":material/error:")
        clock["business"] = False
    in_force = _clock(session.inputs)
    name = sla_input(session.inputs)
    unit = "business h" if in_force.business else "h"
    st.caption(f"SLAs in **{clock_text(in_force)}**" + (
        f" ({in_force.start_hour:02d}:00–{in_force.end_hour:02d}:00 {in_force.timezone}, Mon–Fri"
        f"{', ' + in_force.holidays + ' public holidays off' if in_force.holidays else ''}; "
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


def _holidays_text(code: str | None) -> str:
    return f"the {code} public holidays" if code else "no holiday calendar"


def _holidays_input(clock: dict, key: str, column) -> str | None:
    """The holiday calendar's code; a code the ``holidays`` package does not know is refused
    (its message returned) and the clock keeps the calendar it had, so the numbers stay."""
    widget = f"{key}:holidays"
    if widget not in st.session_state:
        st.session_state[widget] = clock.get("holidays") or ""
    typed = column.text_input("public holidays", key=widget, placeholder="e.g. DE or DE-BE",
                              disabled=not clock.get("business"),
                              help="A country code (DE, FR, US), optionally with a subdivision "
                                   "(DE-BE, US-CA): that calendar's public holidays are not "
                                   "working days. Empty: no holidays off.")
    if typed.strip().upper() == (clock.get("holidays") or ""):
        return None
    try:
        code = holiday_calendar(typed)
    except InputError as err:
        return str(err)
    clock["holidays"] = code
    return None


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
        # Radio options render Markdown: the file's name is shown as typed, never as markup.
        options = {"log": f"the request log ({literal(_files()['log'][0], one_line=True)})",
                   "typed": "the typed request"}
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
