"""Access-request exports from ticket and identity tools, turned into our request log.

Each reader takes a tool's export unchanged and writes the request-log CSV that
``triage.kinds.requests.analysis.parse_requests`` analyses (request_id, dataset, requested_at, … ,
status); the analysis itself lives there only. ``to_request_log`` detects the tool from the columns or the
JSON shape, or takes ``source`` ("log", "jira", "entra") to force one.

What each tool can tell:

- **Jira Service Management** issue CSV (``Issue key``, ``Created``, ``Resolved``, ``Status``,
  the dataset in ``Summary`` or a custom field named by ``dataset_column``): only created →
  resolved. A resolved request becomes requested_at → first_access_at: the ticket is resolved
  when access is granted, which is the end of the wait our time to access measures (when the
  requester first queried the data Jira does not know). The log then has no middle step: the
  whole wait, stages unknown. With the issues' changelog (the search API's
  ``expand=changelog`` JSON), each request's first entry into a status mapped by
  ``status_map`` (default ``JIRA_STATUS_MAP``) gives that step's time.
- **Microsoft Entra** access-package assignment requests (Graph JSON ``value[]``): ``id``,
  ``createdDateTime``, ``completedDateTime``, ``state``, ``accessPackage.displayName``; only
  created → completed, written as requested_at → first_access_at for delivered requests.
- **ServiceNow** request items (``sc_req_item`` list export: ``number``, ``opened_at``,
  ``closed_at``, ``state``, ``approval``, ``approval_set``, ``cat_item``), optionally with their
  approvals (``sysapproval_approver``: ``sysapproval``, ``state``, ``sys_created_on``,
  ``sys_updated_on``): opened → approver asked (first approval row created) → approved
  (``approval_set``, else the last approval's update) → closed complete (first_access_at).
  With the items' SLAs (``task_sla``: ``task``, ``pause_duration``, ``business_pause_duration``,
  ``stage``), each item's paused time (the SLA clock stopped, typically awaiting the requester)
  becomes ``paused_hours`` / ``business_paused_hours``, which the analysis subtracts from the
  time to access (it cannot tell which stage a pause fell in).
- **Okta** Identity Governance access requests (``GET /governance/api/v2/requests``: ``id``,
  ``created``, ``lastUpdated``, ``status``, ``requested.resourceId``/``accessScopeId``): the
  request object has no resolution time, so an approved request's ``lastUpdated`` is taken as
  the time access was granted (an assumption the notes state); the whole wait only.
"""

from __future__ import annotations

import csv
import io
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

import pandas as pd

from triage.tabular import InputError, json_document

LOG_COLUMNS = ("request_id", "dataset", "requested_at", "owner_assigned_at", "approved_at",
               "provisioned_at", "first_access_at", "status")
FORMATS = ("log", "jira", "servicenow", "entra", "okta")
WHOLE_WAIT_NOTE = ("this source tells only the whole wait (requested → access granted); "
                   "stages unknown")
# Jira status (lower case) entered → the step of our log it marks (JSM's "Service request with
# approvals" workflow: the request reaches an approver, is approved into the agents' queue).
# Override with status_map; the resolution time is first_access_at unless a status maps there.
JIRA_STATUS_MAP: dict[str, str] = {
    "waiting for approval": "owner_assigned_at",
    "waiting for support": "approved_at",
    "in progress": "approved_at",
}
# Jira statuses (and resolutions) that close a request without access.
_JIRA_DENIED = frozenset({"declined", "rejected", "denied", "won't do", "won't fix"})
_JIRA_CANCELED = frozenset({"canceled", "cancelled", "withdrawn", "duplicate", "cannot reproduce"})
_JIRA_DONE = frozenset({"resolved", "done", "closed", "completed", "fixed"})
# Entra accessPackageAssignmentRequest.state → our status.
_ENTRA_STATES = {
    "delivered": "approved", "partiallydelivered": "approved", "denied": "denied",
    "canceled": "canceled", "deliveryfailed": "closed incomplete", "expired": "expired",
    "submitted": "pending", "pendingapproval": "pending", "accepted": "pending",
    "delivering": "pending", "scheduled": "pending", "pendingapprovalescalated": "pending",
}
_OPTIONS = {"log": set(), "jira": {"dataset_column", "timezone", "changelog", "status_map"},
            "servicenow": {"dataset_column", "timezone", "approvals", "task_sla"}, "entra": set(),
            "okta": set()}
_JIRA_TIME_FORMATS = ("%d/%b/%y %I:%M %p", "%d/%b/%Y %I:%M %p", "%d/%b/%y %H:%M", "%Y-%m-%d %H:%M")


def _norm(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def to_request_log(data: bytes, name: str, source: str | None = None,
                   **options: Any) -> tuple[bytes, str, list[str]]:
    """(request-log CSV bytes, the source read, notes). ``source`` None detects it."""
    fmt = (source or detect(data)).strip().lower()
    if fmt not in FORMATS:
        raise InputError(f"Unknown access-request format '{source}': use one of {', '.join(FORMATS)}.")
    extra = sorted(set(options) - _OPTIONS[fmt])
    if extra:
        raise InputError(f"{', '.join(o.replace('_', '-') for o in extra)} do not apply to a {fmt} "
                         f"export (detected from its columns; --format forces another)"
                         if source is None else
                         f"{', '.join(o.replace('_', '-') for o in extra)} do not apply to --format {fmt}")
    if fmt == "log":
        return data, "log", []
    if "timezone" in options:
        options["timezone"] = check_source_timezone(options["timezone"])
    reader = {"jira": read_jira, "servicenow": read_servicenow, "entra": read_entra,
              "okta": read_okta}[fmt]
    frame, notes = reader(data, name, **options)
    out = io.StringIO()
    frame.to_csv(out, index=False)
    return out.getvalue().encode(), fmt, notes


def check_source_timezone(zone: str | None) -> str:
    """The IANA zone an export's local dates are written in ("UTC" when not given);
    InputError naming both places to fix it otherwise."""
    text = (zone or "").strip() or "UTC"
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(f"Unknown time zone '{text}' for the export's dates: use the IANA name of "
                         "the exporting user's zone, e.g. Europe/Berlin or America/New_York "
                         "(CLI: --source-timezone; page: Source time zone).") from None
    return text


def detect(data: bytes) -> str:
    """The source a file looks like: JSON with Graph's ``value[]`` of ``createdDateTime`` →
    entra; a CSV header with ``Issue key`` and ``Created`` → jira; anything else → log."""
    text = data.decode("utf-8-sig", errors="replace").lstrip()
    if text[:1] in "{[":
        try:
            payload = json_document(text)
        except ValueError:
            return "log"
        items = payload.get("value") if isinstance(payload, dict) else payload
        if isinstance(items, list) and items and isinstance(items[0], dict) and "createdDateTime" in items[0]:
            return "entra"
        items = _okta_items(payload)
        if items and {"created", "status", "requested"} <= set(items[0]):
            return "okta"
        return "log"
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    names = {_norm(h) for h in header}
    if {"issue_key", "created"} <= names:
        return "jira"
    if {"number", "opened_at"} <= names:
        return "servicenow"
    return "log"


# --------------------------------------------------------------------------------------------
# Jira Service Management


def _csv_rows(data: bytes, name: str) -> tuple[list[str], list[list[str]]]:
    """Header (normalised) and rows; Jira repeats headers (Labels, Watchers…): first one wins."""
    text = data.decode("utf-8-sig", errors="replace")
    rows = [r for r in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in r)]
    if not rows:
        raise InputError(f"{name} is empty: export the issues as CSV (Filters → Export → CSV).")
    return [_norm(h) for h in rows[0]], rows[1:]


def _jira_times(raw: pd.Series, column: str, zone: str, name: str) -> pd.Series:
    """Jira's CSV writes the exporting user's date format and zone ("02/Mar/26 9:30 AM"); ISO
    8601 is read too. Returns ISO strings in UTC ("" where empty)."""
    out = pd.Series("", index=raw.index, dtype=object)
    filled = raw.str.strip() != ""
    parsed = pd.to_datetime(raw.where(filled), format="ISO8601", errors="coerce", utc=False)
    for fmt in _JIRA_TIME_FORMATS:
        missing = filled & parsed.isna()
        if not missing.any():
            break
        parsed = parsed.where(~missing, pd.to_datetime(raw.where(missing), format=fmt, errors="coerce"))
    bad = filled & parsed.isna()
    if bad.any():
        first = raw[bad].iloc[0]
        raise InputError(f"{name}: {column} '{first}' is not a date Jira writes (e.g. 02/Mar/26 9:30 AM "
                         "or 2026-03-02T09:30:00+01:00); set the export's date format to one of "
                         "these or to ISO 8601.")
    stamps = []
    for value in parsed:
        if pd.isna(value):
            stamps.append("")
            continue
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_localize(zone) if stamp.tzinfo is None else stamp
        stamps.append(stamp.tz_convert("UTC").isoformat().replace("+00:00", "Z"))
    out[:] = stamps
    return out


def read_jira(data: bytes, name: str = "jira.csv", *, dataset_column: str | None = None,
              timezone: str = "UTC", changelog: bytes | None = None,
              status_map: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """A Jira Service Management issue CSV (and optionally its changelog JSON) → request log.

    ``dataset_column`` names the column holding the dataset (default: a ``Custom field
    (Dataset)`` column if present, else ``Summary``); ``timezone`` is the zone of the exporting
    user's profile, in which Jira writes the dates.
    """
    header, rows = _csv_rows(data, name)
    needed = ["issue_key", "created", "status"]
    missing = [c for c in needed if c not in header]
    if missing:
        raise InputError(f"{name}: a Jira export needs the columns Issue key, Created and Status; "
                         f"missing {', '.join(missing)} (found {', '.join(header[:12])}). Export with "
                         "'CSV (all fields)' or add the columns to the filter's view.")
    first = {}
    for i, h in enumerate(header):
        first.setdefault(h, i)
    frame = pd.DataFrame({h: [r[i].strip() if i < len(r) else "" for r in rows]
                          for h, i in first.items()}, dtype=object)
    dataset_key = _norm(dataset_column) if dataset_column else (
        "custom_field_(dataset)" if "custom_field_(dataset)" in frame else "summary")
    if dataset_key not in frame:
        raise InputError(f"{name}: no column '{dataset_column or 'Summary'}' to name the dataset; "
                         f"pass dataset_column (CLI: --dataset-column) naming one of: "
                         f"{', '.join(header[:12])}.")
    status = frame["status"].str.lower()
    resolution = (frame["resolution"].str.lower() if "resolution" in frame
                  else pd.Series("", index=frame.index))
    ours = pd.Series("pending", index=frame.index, dtype=object)
    # The status decides; a done status with a resolution such as Won't Do or Duplicate closed
    # the request without access.
    done_status = status.isin(_JIRA_DONE)
    denied = status.isin(_JIRA_DENIED) | (done_status & resolution.isin(_JIRA_DENIED))
    canceled = (status.isin(_JIRA_CANCELED) | (done_status & resolution.isin(_JIRA_CANCELED))) & ~denied
    done = done_status & ~denied & ~canceled
    ours[done] = "approved"
    ours[denied] = "denied"
    ours[canceled] = "canceled"
    log = pd.DataFrame({"request_id": frame["issue_key"], "dataset": frame[dataset_key],
                        "requested_at": _jira_times(frame["created"], "Created", timezone, name)})
    if "resolved" not in frame:
        raise InputError(f"{name}: a Jira export needs the Resolved column to tell when access was "
                         "granted; export with 'CSV (all fields)' or add Resolved to the view.")
    resolved = _jira_times(frame["resolved"], "Resolved", timezone, name)
    notes = [f"read as a Jira Service Management export; dates read in {timezone}"]
    if changelog is not None:
        steps = _jira_changelog(log["request_id"], changelog, status_map or JIRA_STATUS_MAP)
        for column in LOG_COLUMNS[3:6]:
            if (steps[column] != "").any():
                log[column] = steps[column].where(~denied & ~canceled | (steps[column] != ""), "")
        first = steps["first_access_at"].where(steps["first_access_at"] != "", resolved)
        notes.append("stage times from the issues' changelog (first entry into each mapped status)")
    else:
        first = resolved
        notes.append(WHOLE_WAIT_NOTE)
    log["first_access_at"] = first.where(done, "")
    log["status"] = ours
    return log, notes


def _jira_changelog(keys: pd.Series, data: bytes, status_map: Mapping[str, str]) -> pd.DataFrame:
    """Stage times from ``GET /rest/api/3/search?jql=…&expand=changelog`` JSON: per issue, the
    earliest history entry whose status item moved into a mapped status sets that step."""
    try:
        payload = json_document(data)
    except ValueError as err:
        raise InputError(f"The Jira changelog is not JSON ({err}); save the search API's response "
                         "with expand=changelog.") from None
    issues = payload.get("issues") if isinstance(payload, dict) else None
    if not isinstance(issues, list):
        raise InputError("The Jira changelog has no 'issues' list: save the response of "
                         "/rest/api/3/search?jql=...&expand=changelog unchanged.")
    mapping = {k.strip().lower(): v for k, v in status_map.items()}
    unknown = set(mapping.values()) - set(LOG_COLUMNS[3:7])
    if unknown:
        raise InputError(f"Status map targets {', '.join(sorted(unknown))}: map statuses to "
                         "owner_assigned_at, approved_at, provisioned_at or first_access_at.")
    times: dict[str, dict[str, pd.Timestamp]] = {}
    for issue in issues:
        key = str(issue.get("key", ""))
        for history in (issue.get("changelog") or {}).get("histories", []):
            when = pd.Timestamp(history.get("created")).tz_convert("UTC")
            for item in history.get("items", []):
                if item.get("field") != "status":
                    continue
                step = mapping.get(str(item.get("toString", "")).strip().lower())
                if step:
                    seen = times.setdefault(key, {})
                    seen[step] = min(seen.get(step, when), when)
    out = pd.DataFrame(index=keys.index)
    for column in LOG_COLUMNS[3:7]:
        values = [times.get(k, {}).get(column) for k in keys]
        out[column] = pd.Series([v.isoformat().replace("+00:00", "Z") if v is not None else ""
                                 for v in values], index=keys.index, dtype=object)
    return out


# --------------------------------------------------------------------------------------------
# Microsoft Entra


def read_entra(data: bytes, name: str = "assignmentRequests.json",
               **_: Any) -> tuple[pd.DataFrame, list[str]]:
    """Graph ``GET /identityGovernance/entitlementManagement/assignmentRequests?$expand=
    accessPackage`` JSON (``value[]``; a bare list, or several pages' responses concatenated in
    a list, are read too) → request log."""
    try:
        payload = json_document(data)
    except ValueError as err:
        raise InputError(f"{name} is not JSON ({err}): save the Graph response unchanged.") from None
    pages = payload if isinstance(payload, list) and payload and isinstance(payload[0], dict) \
        and "value" in payload[0] else [payload]
    items: list[dict[str, Any]] = []
    for page in pages:
        value = page.get("value") if isinstance(page, dict) else page
        if not isinstance(value, list):
            raise InputError(f"{name}: no 'value' list; save the response of GET /identityGovernance/"
                             "entitlementManagement/assignmentRequests?$expand=accessPackage.")
        items.extend(v for v in value if isinstance(v, dict))
    if not items:
        raise InputError(f"{name}: the 'value' list is empty: no assignment requests to read.")
    notes = ["read as Microsoft Entra access-package assignment requests", WHOLE_WAIT_NOTE]
    removals = [i for i in items if str(i.get("requestType", "")).lower() in ("userremove", "adminremove")]
    if removals:
        notes.append(f"{len(removals)} removal requests (requestType userRemove/adminRemove) left out")
        items = [i for i in items if i not in removals]
    rows = []
    unknown: set[str] = set()
    for item in items:
        status = _our_status(item.get("state"), _ENTRA_STATES, unknown)
        package = item.get("accessPackage") or {}
        rows.append({"request_id": str(item.get("id") or ""),
                     "dataset": str(package.get("displayName") or package.get("id") or ""),
                     "requested_at": str(item.get("createdDateTime") or ""),
                     "first_access_at": (str(item.get("completedDateTime") or "")
                                         if status == "approved" else ""),
                     "status": status})
    if unknown:
        notes.append(f"states not known ({', '.join(sorted(unknown))}): their timestamps decide "
                     "whether they are open")
    if not any(r["dataset"] for r in rows):
        notes.append("no accessPackage.displayName: add $expand=accessPackage to the request")
    columns = ["request_id", "dataset", "requested_at", "first_access_at", "status"]
    return pd.DataFrame(rows, columns=columns), notes


# --------------------------------------------------------------------------------------------
# ServiceNow

_SN_CLOSED = {"closed complete": "approved", "closed incomplete": "closed incomplete",
              "closed skipped": "closed skipped", "closed cancelled": "canceled",
              "closed canceled": "canceled", "cancelled": "canceled", "canceled": "canceled",
              # the numeric values an export of raw values writes (sc_req_item.state choices)
              "3": "approved", "4": "closed incomplete", "7": "closed skipped"}


def _sn_frame(data: bytes, name: str, needed: tuple[str, ...], table: str) -> pd.DataFrame:
    header, rows = _csv_rows(data, name)
    missing = [c for c in needed if c not in header]
    if missing:
        raise InputError(f"{name}: a ServiceNow {table} export needs the columns {', '.join(needed)}; "
                         f"missing {', '.join(missing)} (found {', '.join(header[:12])}). Add them to "
                         "the list view (or sysparm_fields) before exporting.")
    first: dict[str, int] = {}
    for i, h in enumerate(header):
        first.setdefault(h, i)
    return pd.DataFrame({h: [r[i].strip() if i < len(r) else "" for r in rows]
                         for h, i in first.items()}, dtype=object)


def _sn_times(raw: pd.Series, column: str, zone: str, name: str) -> pd.Series:
    """ServiceNow lists write ``2026-03-02 09:00:00`` in the exporting user's zone."""
    filled = raw != ""
    parsed = pd.to_datetime(raw.where(filled), format="ISO8601", errors="coerce")
    bad = filled & parsed.isna()
    if bad.any():
        raise InputError(f"{name}: {column} '{raw[bad].iloc[0]}' is not a date-time "
                         "(ServiceNow writes 2026-03-02 09:00:00); export with the system date "
                         "format (yyyy-MM-dd HH:mm:ss).")
    index = pd.DatetimeIndex(parsed)
    index = index.tz_localize(zone) if index.tz is None else index
    text = index.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    return pd.Series(text, index=raw.index, dtype=object).where(filled, "")


def read_servicenow(data: bytes, name: str = "sc_req_item.csv", *, dataset_column: str | None = None,
                    timezone: str = "UTC", approvals: bytes | None = None,
                    task_sla: bytes | None = None, **_: Any) -> tuple[pd.DataFrame, list[str]]:
    """A ServiceNow ``sc_req_item`` CSV (and optionally ``sysapproval_approver`` and
    ``task_sla``) → request log.

    ``dataset_column`` names the column holding the dataset (default ``cat_item``, the catalog
    item; a variable column such as ``variables.dataset`` is better when the form has one);
    ``timezone`` is the exporting user's zone, in which the list writes its dates; ``task_sla``
    adds each item's paused hours (``read_task_sla``).
    """
    frame = _sn_frame(data, name, ("number", "opened_at", "closed_at", "state"), "sc_req_item")
    key = _norm(dataset_column) if dataset_column else "cat_item"
    if key not in frame:
        raise InputError(f"{name}: no column '{dataset_column or 'cat_item'}' to name the dataset; "
                         "pass dataset_column (CLI: --dataset-column) naming one of: "
                         f"{', '.join(list(frame.columns)[:12])}.")
    state = frame["state"].str.lower()
    approval = frame["approval"].str.lower() if "approval" in frame else pd.Series("", index=frame.index)
    ours = state.map(_SN_CLOSED).fillna("pending")
    ours[approval.isin(["rejected", "denied"])] = "denied"
    done = ours == "approved"
    log = pd.DataFrame({"request_id": frame["number"], "dataset": frame[key],
                        "requested_at": _sn_times(frame["opened_at"], "opened_at", timezone, name)})
    notes = [f"read as a ServiceNow sc_req_item export; dates read in {timezone}"]
    approved = (_sn_times(frame["approval_set"], "approval_set", timezone, name)
                if "approval_set" in frame else pd.Series("", index=frame.index, dtype=object))
    asked = pd.Series("", index=frame.index, dtype=object)
    if approvals is not None:
        rows = _sn_frame(approvals, "the approvals", ("sysapproval", "state", "sys_updated_on"),
                         "sysapproval_approver")
        rows["updated"] = _sn_times(rows["sys_updated_on"], "sys_updated_on", timezone, "the approvals")
        rows["created"] = (_sn_times(rows["sys_created_on"], "sys_created_on", timezone, "the approvals")
                           if "sys_created_on" in rows else "")
        ok = rows[rows["state"].str.lower() == "approved"]
        last_ok = ok.groupby("sysapproval")["updated"].max()
        from_approvals = frame["number"].map(last_ok).fillna("")
        approved = approved.where(approved != "", from_approvals)
        if (rows["created"] != "").any():
            first_asked = rows[rows["created"] != ""].groupby("sysapproval")["created"].min()
            asked = frame["number"].map(first_asked).fillna("")
        notes.append("approval times from sysapproval_approver (the last approval's update; the "
                     "approver was asked when the first approval record was created)")
    if (asked != "").any():
        log["owner_assigned_at"] = asked
    if (approved != "").any():
        log["approved_at"] = approved.where(~ours.isin(["denied"]), "")
        if "owner_assigned_at" not in log:
            notes.append("no time the approver was asked (sysapproval_approver.sys_created_on): "
                         "owner and approval stages are one unknown wait")
    else:
        notes.append(WHOLE_WAIT_NOTE)
    log["first_access_at"] = _sn_times(frame["closed_at"], "closed_at", timezone, name).where(done, "")
    log["status"] = ours
    if task_sla is not None:
        paused, sla_notes = read_task_sla(task_sla, frame["number"])
        for column in paused.columns:
            log[column] = paused[column]
        notes.extend(sla_notes)
    return log, notes


# ServiceNow writes a duration's display value as "1 Day 2 Hours 3 Minutes" (units in English,
# singular or plural; seconds when under a minute's precision matters), its raw value as the
# offset from the epoch ("1970-01-02 02:03:00"), and REST or ODBC exports often as seconds.
_SN_UNITS = {"day": 86_400, "hour": 3_600, "minute": 60, "second": 1}
_SN_DISPLAY = re.compile(r"^(?:\s*\d+\s+(?:day|hour|minute|second)s?\b)+\s*$", re.IGNORECASE)
_SN_PART = re.compile(r"(\d+)\s+(day|hour|minute|second)s?\b", re.IGNORECASE)
_SN_EPOCH = re.compile(r"^1970-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$")
_SN_SECONDS = re.compile(r"^\d+(?:\.\d+)?$")


def sn_duration_hours(text: str) -> float | None:
    """A ServiceNow duration in hours: "1 Day 2 Hours 3 Minutes", "1970-01-02 02:03:00" or
    seconds ("93780"); 0 for an empty value (never paused); None when it is none of these."""
    text = text.strip()
    if not text:
        return 0.0
    if _SN_SECONDS.match(text):
        return float(text) / 3600
    if _SN_EPOCH.match(text):
        try:
            return (pd.Timestamp(text) - pd.Timestamp("1970-01-01")).total_seconds() / 3600
        except ValueError:  # "1970-02-31 …": not a date, so not a duration either
            return None
    if _SN_DISPLAY.match(text):
        return sum(int(n) * _SN_UNITS[unit.lower()] for n, unit in _SN_PART.findall(text)) / 3600
    return None


def read_task_sla(data: bytes, numbers: pd.Series,
                  name: str = "the task_sla export") -> tuple[pd.DataFrame, list[str]]:
    """Per request item (``numbers``, in their order): ``paused_hours`` from ``pause_duration``
    and, when exported, ``business_paused_hours`` from ``business_pause_duration`` ("" for an
    item without an SLA record). An item with several SLA records (a response and a resolution
    SLA) gets the largest pause of them: their clocks pause over the same waiting on the
    requester, so adding them would count it twice. Cancelled SLA records (a definition that
    stopped applying) are left out. InputError when no record names one of the items."""
    frame = _sn_frame(data, name, ("task", "pause_duration"), "task_sla")
    notes = []
    if "stage" in frame:
        cancelled = frame["stage"].str.lower().isin(["cancelled", "canceled"])
        if cancelled.any():
            notes.append(f"{int(cancelled.sum())} cancelled task_sla records left out")
            frame = frame[~cancelled]
    known = set(numbers)
    frame = frame[frame["task"].isin(known)]
    if frame.empty:
        shown = ", ".join(sorted(known)[:3])
        raise InputError(f"{name}: no usable SLA record names a request item of the export "
                         f"(task should hold the item's number, e.g. {shown}). Export task_sla "
                         "with display values, filtered to these items, and leave out only "
                         "cancelled records.")
    out = pd.DataFrame(index=numbers.index)
    columns = [("pause_duration", "paused_hours")]
    if "business_pause_duration" in frame:
        columns.append(("business_pause_duration", "business_paused_hours"))
    for source, target in columns:
        hours = frame[source].map(sn_duration_hours)
        bad = hours.isna()
        if bad.any():
            first = frame.index[bad][0]
            raise InputError(f"{name}: {source} '{frame.loc[first, source]}' of {frame.loc[first, 'task']} "
                             "is not a ServiceNow duration (e.g. 1 Day 2 Hours 3 Minutes, "
                             "1970-01-02 02:03:00 or seconds); export the list unchanged.")
        most = hours.groupby(frame["task"]).max()
        out[target] = [f"{most[n]:.6g}" if n in most.index else "" for n in numbers]
    paused = int((pd.to_numeric(out["paused_hours"], errors="coerce") > 0).sum())
    missing = int((out["paused_hours"] == "").sum())
    read = ", ".join(source for source, _ in columns)
    notes.append(f"paused time from task_sla ({read}): {paused} request items were paused; an "
                 "item with several SLAs takes the largest pause")
    if missing:
        notes.append(f"{missing} request items have no task_sla record: nothing is subtracted "
                     "from their wait")
    return out, notes


# --------------------------------------------------------------------------------------------
# Okta Identity Governance

# Okta request status (upper case in the API) → our status.
_OKTA_STATUSES = {"approved": "approved", "resolved": "approved", "denied": "denied",
                  "rejected": "denied", "canceled": "canceled", "cancelled": "canceled",
                  "expired": "expired", "submitted": "pending", "pending": "pending",
                  "open": "pending"}


def _okta_items(payload: Any) -> list[dict[str, Any]]:
    """The request objects of a list response: ``{"data": [...]}`` (v2), a bare list (v1), or
    a list of several pages' responses."""
    if isinstance(payload, dict):
        payload = payload.get("data")
    if not isinstance(payload, list):
        return []
    if payload and all(isinstance(p, dict) and isinstance(p.get("data"), list) for p in payload):
        return [item for page in payload for item in page["data"] if isinstance(item, dict)]
    return [item for item in payload if isinstance(item, dict)]


def read_okta(data: bytes, name: str = "requests.json", **_: Any) -> tuple[pd.DataFrame, list[str]]:
    """``GET /governance/api/v2/requests`` JSON → request log (the whole wait only)."""
    try:
        payload = json_document(data)
    except ValueError as err:
        raise InputError(f"{name} is not JSON ({err}): save the Okta API response unchanged.") from None
    items = _okta_items(payload)
    if not items:
        raise InputError(f"{name}: no access requests (expected the response of GET "
                         "/governance/api/v2/requests: a 'data' list of requests).")
    missing = sorted({"id", "created", "status"} - set(items[0]))
    if missing:
        raise InputError(f"{name}: an Okta request needs id, created and status; the first one "
                         f"lacks {', '.join(missing)}.")
    rows, unknown = [], set()
    for item in items:
        status = _our_status(item.get("status"), _OKTA_STATUSES, unknown)
        requested = item.get("requested") or {}
        dataset = (requested.get("accessScopeId") or requested.get("resourceId")
                   or requested.get("entryId") or "")
        rows.append({"request_id": str(item.get("id") or ""), "dataset": str(dataset),
                     "requested_at": str(item.get("created") or ""),
                     "first_access_at": (str(item.get("lastUpdated") or "")
                                         if status == "approved" else ""),
                     "status": status})
    notes = ["read as Okta Identity Governance access requests", WHOLE_WAIT_NOTE,
             "Okta's request has no resolution time: an approved request's lastUpdated is taken "
             "as the time access was granted (a later edit would lengthen its wait)",
             "datasets are Okta ids (requested.accessScopeId, else resourceId)"]
    if unknown:
        notes.append(f"statuses not known ({', '.join(sorted(unknown))}): their timestamps decide "
                     "whether they are open")
    columns = ["request_id", "dataset", "requested_at", "first_access_at", "status"]
    return pd.DataFrame(rows, columns=columns), notes


def _our_status(raw: object, table: dict[str, str], unknown: set[str]) -> str:
    """A tool's state in our words ("" when not known, and the spelling is kept in ``unknown``
    for the note that lists them)."""
    text = str(raw or "")
    status = table.get(text.lower())
    if status is None:
        unknown.add(text)
        return ""
    return status
