"""Slurm job accounting (``sacct --parsable2``) -> the runs table.

One sacct line per job (``-X``; job steps such as ``123.batch`` are left out) gives two rows of
one iteration:

- ``queue before <step>`` (Eligible -> Start): waiting for resources, all waiting; maps to the
  job startup and queueing stage;
- ``<step>`` (Start -> End): the job running, no waiting; failed when its state is a failure
  (see ``triage.sources.status``).

Without an Eligible column, Planned (Slurm 24+) or Reserved (older; both are the time from
eligible to start) place Eligible = Start - Planned; with none of them the queue row runs from
Submit and includes any dependency hold (a note says so).

The dependency hold (Submit -> Eligible: waiting for ``--dependency`` or ``--begin``) is a wait
too, but not a stage of its own: a job held on its upstream job waits exactly while that job
queues and runs, so adding the hold would count the upstream's time twice. The hold that no job
of the iteration covers shows up as hand-off (the gap between one job's end and the next job's
queue start); the read notes give the hold's total.

Jobs without an End (pending, running) are not rows: the table holds finished work. Their
queue wait is not dropped either (that leaves out exactly the long waits): ``queue_wait`` is the
Kaplan–Meier curve of every job's Eligible -> Start, a pending job censored at the export time
(``as_of``, else the file's latest time: sacct prints none), one cancelled while pending at its
cancellation; a running job's wait ended when it started.

sacct prints local times without a zone, so the cluster's zone is required.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from triage.kinds.runs.analysis import RunsData
from triage.sources import status
from triage.sources.common import Converted, count, finish, hours_between, iso, parse_instants
from triage.survival import OpenWaits, Survival
from triage.tabular import InputError, read_table

WHAT = "a Slurm sacct export"
REQUIRED = ("jobname", "submit", "start", "end", "state")
ITERATION_FROM = ("name", "wckey", "comment")
# "rank-014:train", "rank-014/train": iteration before the first ':' or '/', step after it.
DEFAULT_NAME_PATTERN = r"^(?P<iteration>[^:/]+)[:/](?P<stage>.+)$"
_ELAPSED = re.compile(r"^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")


def _zone(timezone: str | None, name: str) -> str:
    if not timezone:
        raise InputError(
            f"{name}: sacct prints local times without a time zone: give the cluster's zone "
            "(--timezone on the command line, 'Cluster time zone' on the page), e.g. "
            "Europe/Berlin, or UTC if the cluster runs on UTC."
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"Time zone {timezone!r} is not an IANA time zone; use a name such as "
                         "Europe/Berlin, America/New_York or UTC.") from None
    return timezone


def _elapsed(text: str) -> pd.Timedelta | None:
    """sacct's [DD-][HH:]MM:SS as a duration; None for blanks and 'INVALID'."""
    match = _ELAPSED.match(str(text).strip())
    if not match:
        return None
    days, hrs, mins, secs = match.groups()
    return pd.Timedelta(days=int(days or 0), hours=int(hrs or 0), minutes=int(mins),
                        seconds=float(secs))


def _as_of(as_of: str | None, zone: str, latest: pd.Timestamp, name: str
           ) -> tuple[pd.Timestamp, str]:
    """The export time, and where it came from: sacct prints no such column, so the one given,
    else the latest time in the file (the export was made no earlier than that)."""
    if as_of is None or not str(as_of).strip():
        return latest, "the latest time in the file; give the export time for the real one"
    stamp = parse_instants(pd.Series([str(as_of).strip()]), zone).iloc[0]
    if pd.isna(stamp):
        raise InputError(f"export time {as_of!r} (--as-of on the command line, 'Export time' on "
                         "the page) is not an ISO 8601 date-time such as 2026-09-03T12:00:00; "
                         f"a time without a zone is read in {zone}.")
    if pd.notna(latest) and stamp < latest:
        raise InputError(f"export time {as_of!r} is before the latest time in {name} "
                         f"({_local(latest, zone)}): sacct ran after that; give the time the "
                         "export was made (--as-of, 'Export time' on the page), or leave it empty.")
    return stamp, "as given"


def _local(stamp: pd.Timestamp, zone: str) -> str:
    return f"{stamp.tz_convert(zone):%Y-%m-%d %H:%M} {zone}"


def read_slurm(data: bytes, name: str = "sacct.txt", *, timezone: str | None = None,
               iteration_from: str = "name", name_pattern: str | None = None,
               columns: Mapping[str, str] | None = None, as_of: str | None = None) -> RunsData:
    """``as_of``: when sacct was run (ISO 8601; without a zone, in ``timezone``); pending jobs'
    queue waits are counted up to it. Default: the latest time in the file. ``columns`` maps
    the Slurm contract's fields to the file's columns (``triage.mapping.SLURM``)."""
    zone = _zone(timezone, name)
    if iteration_from not in ITERATION_FROM:
        raise InputError(f"--iteration-from must be one of {', '.join(ITERATION_FROM)}, "
                         f"not {iteration_from!r}.")
    pattern = None
    if iteration_from == "name":
        try:
            pattern = re.compile(name_pattern or DEFAULT_NAME_PATTERN)
        except re.error as err:
            raise InputError(f"the job-name pattern is not a valid regular expression ({err}).") \
                from None
        if "iteration" not in pattern.groupindex:
            raise InputError("the job-name pattern needs a named group (?P<iteration>...) for the "
                             "iteration; (?P<stage>...) for the step is optional.")
    table = read_table(data, name=name, required=REQUIRED, columns=columns)
    frame = table.frame
    if iteration_from != "name" and iteration_from not in frame:
        raise InputError(f"{name}: --iteration-from {iteration_from} needs a {iteration_from.upper()}"
                         f" column; add it to sacct's --format (e.g. --format=JobID,JobName,Submit,"
                         "Eligible,Start,End,State,WCKey,Comment).")
    if "jobid" in frame:  # job steps (123.batch, 123.extern, 123.0) repeat their job
        steps = frame["jobid"].str.contains(".", regex=False)
        frame = frame[~steps]
    rows = pd.Series(frame.index.to_numpy() + 2, index=frame.index)
    submit = parse_instants(frame["submit"], zone)
    start = parse_instants(frame["start"], zone)
    end = parse_instants(frame["end"], zone)
    eligible = parse_instants(frame["eligible"], zone) if "eligible" in frame else None
    planned_column = next((c for c in ("planned", "reserved") if c in frame), None)
    out = Converted()
    stamps = [c for c in (submit, eligible, start, end) if c is not None]
    export, basis = _as_of(as_of, zone, pd.concat(stamps).max(), name)
    # The queue wait of every job of an iteration, in hours: ended when the job started,
    # censored at the export time while it is still pending (or at its cancellation).
    waits: list[float] = []
    started_waits: list[bool] = []
    running_hours: list[float] = []
    pending = cancelled_pending = not_eligible = 0
    queue_from_submit = held = 0
    held_hours = 0.0
    for index in frame.index:
        row = int(rows[index])
        job = frame.loc[index]
        state = job["state"]
        result = status.outcome("slurm", state)
        if result is None:
            out.skip(row, f"State {state!r} is not a Slurm job state this reader knows")
            continue
        if iteration_from == "name":
            match = pattern.search(job["jobname"])
            if not match or not match.group("iteration"):
                out.skip(row, f"JobName {job['jobname']!r} does not match the job-name pattern "
                         f"{pattern.pattern!r}")
                continue
            run_id = match.group("iteration")
            stage = match.groupdict().get("stage") or job["jobname"]
        else:
            run_id, stage = job[iteration_from], job["jobname"]
            if not run_id:
                out.skip(row, f"{iteration_from.upper()} is empty")
                continue
        bad = [c for c, v in (("Submit", submit), ("Start", start), ("End", end))
               if pd.isna(v[index]) and str(job[c.lower()]).strip().lower()
               not in ("", "unknown", "none")]
        if bad:
            out.skip(row, f"{'/'.join(bad)} is not a date-time sacct prints (2026-09-01T08:00:00)"
                     f" or a local time that does not exist or occurs twice in {zone} "
                     "(a daylight-saving change)")
            continue
        began = start[index]
        queued = submit[index]
        if eligible is not None and pd.notna(eligible[index]):
            queued = eligible[index]
        elif eligible is not None and pd.isna(began):
            not_eligible += 1  # held on a dependency or --begin: it never queued
            continue
        elif (planned_column is not None and pd.notna(began)
              and _elapsed(job[planned_column]) is not None):
            queued = began - _elapsed(job[planned_column])
        else:
            queue_from_submit += 1
        if pd.isna(queued):
            continue
        if pd.isna(began):  # never started: still pending, or cancelled while pending
            left = export if result == status.UNFINISHED else end[index]
            if pd.notna(left) and left >= queued:
                waits.append(hours_between(queued, left))
                started_waits.append(False)
                if result == status.UNFINISHED:
                    pending += 1
                else:
                    cancelled_pending += 1
            continue
        if queued <= began:
            waits.append(hours_between(queued, began))
            started_waits.append(True)
        if result == status.UNFINISHED or pd.isna(end[index]):
            running_hours.append(hours_between(began, max(export, began)))
            continue
        if pd.notna(submit[index]) and submit[index] < queued <= began:
            held += 1
            held_hours += hours_between(submit[index], queued)
        if queued <= began:
            out.rows.append({"run_id": run_id, "stage": f"queue before {stage}",
                             "started_at": iso(queued), "ended_at": iso(began),
                             "status": "succeeded", "source_row": row,
                             "wait_hours": hours_between(queued, began)})
        out.rows.append({"run_id": run_id, "stage": stage, "started_at": iso(began),
                         "ended_at": iso(end[index]), "wait_hours": 0, "source_row": row,
                         "status": "failed" if result == status.FAILED else "succeeded"})
    if running_hours:
        low, high = min(running_hours), max(running_hours)
        so_far = f"{low:.1f} h" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f} to {high:.1f} h"
        out.notes.append(f"{count(len(running_hours), 'job')} still running (no End yet): the "
                         "queue wait counts as finished in the queue-wait estimate (the job "
                         f"started), but the run time is censored ({so_far} so far and still "
                         "growing), so it is not in the runs table, which counts finished work")
    if pending or cancelled_pending:
        which = [text for n, text in ((pending, f"{count(pending, 'job')} still pending at the "
                                                "export time"),
                                      (cancelled_pending, f"{count(cancelled_pending, 'job')} "
                                                          "cancelled while pending")) if n]
        out.notes.append(f"{' and '.join(which)}: not in the runs table, which counts finished "
                         "work; the queue wait so far counts in the queue-wait estimate as "
                         "censored (at least that long), not dropped")
    if not_eligible:
        out.notes.append(f"{count(not_eligible, 'job')} that never became eligible (held on a "
                         "dependency or begin time, no Eligible) left out: not queueing yet")
    if queue_from_submit:
        out.notes.append(f"{count(queue_from_submit, 'job')} without an Eligible time: their queue row runs "
                         "from Submit and includes any dependency hold; add Eligible to sacct's "
                         "--format to tell them apart")
    if held:
        out.notes.append(f"{count(held, 'job')} held for a dependency or begin time before they "
                         f"could queue (Submit to Eligible, {held_hours:.1f} h in all); that hold "
                         "is not added as a stage because it mostly overlaps the jobs it waits "
                         "for; the part no job of the iteration covers shows as hand-off")
    queue_wait = None
    if waits:
        ended = np.asarray(started_waits)
        queue_wait = OpenWaits(
            what="queue wait (Eligible to Start)", item="job",
            curve=Survival.of(waits, ended), as_of=export.isoformat(),
            as_of_label=f"{_local(export, zone)}, {basis}",
            ended_only_median=float(np.median(np.asarray(waits)[ended])) if ended.any() else None)
        out.notes.append(queue_wait.sentence())
    out.notes.append(f"times read as local time in {zone}")
    runs = finish(out, name, WHAT, len(frame))
    return replace(runs, queue_wait=queue_wait)
