"""Airflow task instances -> the runs table.

Either the REST API's JSON (``GET /api/v1/dags/{dag_id}/dagRuns/~/taskInstances`` returns
``{"task_instances": [...]}``; Airflow 3's ``/api/v2`` the same shape) or a CSV of the task
instance list (the UI's Browse → Task Instances, or a query of the ``task_instance`` table).
``dag_run_id`` (``run_id`` in the table) is the iteration, ``task_id`` the stage. A task
instance's row runs from ``queued_when`` (API) / ``queued_dttm`` (table) to ``end_date``; its
waiting part is ``start_date − queued``: the time it waited for a worker slot or a pool. Without
a queued time the row starts at ``start_date`` and its waiting is unknown.

Each row is one attempt. The task instance list holds only each task's latest attempt, so a
task on ``try_number`` 3 there had two earlier attempts whose time the list does not show
(a note counts them); rows for every attempt (the API's ``/tries`` endpoint, or the
``task_instance_history`` table) add up as retries, the failed ones as lost time.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from triage.kinds.runs.analysis import RunsData
from triage.sources import status
from triage.sources.common import Converted, count, finish, hours_between, iso, parse_instants
from triage.tabular import InputError, json_document, read_table, rename_columns

WHAT = "an Airflow task-instance export"
ALIASES = {"run": ("dag_run_id", "run_id"), "task": ("task_id",), "state": ("state",),
           "start": ("start_date",), "end": ("end_date",),
           "queued": ("queued_when", "queued_dttm", "queued_at"), "try": ("try_number",),
           "map": ("map_index",)}


def _json_frame(data: bytes, name: str) -> pd.DataFrame:
    try:
        document = json_document(data)
    except ValueError as err:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise InputError(f"{name}: not valid JSON ({err}); export the API's response as it "
                         "comes, or the task list as CSV.") from None
    items = document.get("task_instances") if isinstance(document, dict) else document
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InputError(f"{name}: expected the Airflow API's {{\"task_instances\": [...]}}; "
                         "this JSON has no such list.")
    if not items:
        raise InputError(f"{name}: the task_instances list is empty.")
    frame = pd.DataFrame(items).astype(object)
    frame = frame.where(frame.notna(), "").astype(str)
    frame.columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
    return frame


def is_json(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def read_airflow(data: bytes, name: str = "task_instances.json",
                 columns: Mapping[str, str] | None = None) -> RunsData:
    if is_json(data):
        frame, _ = rename_columns(_json_frame(data, name), columns, name)
    else:
        frame = read_table(data, name=name, columns=columns).frame
    found = {key: next((c for c in names if c in frame), None) for key, names in ALIASES.items()}
    missing = [ALIASES[k][0] for k in ("run", "task", "state", "start", "end") if found[k] is None]
    if missing:
        raise InputError(f"{name}: an Airflow task-instance export needs dag_run_id (or run_id), "
                         f"task_id, state, start_date and end_date; missing: {', '.join(missing)}.")
    rows = pd.Series(frame.index.to_numpy() + 2, index=frame.index)
    start = parse_instants(frame[found["start"]], "UTC")
    end = parse_instants(frame[found["end"]], "UTC")
    queued = parse_instants(frame[found["queued"]], "UTC") if found["queued"] else None
    tries = (pd.to_numeric(frame[found["try"]], errors="coerce") if found["try"]
             else pd.Series(1, index=frame.index))
    out = Converted()
    unfinished = not_run = 0
    kept: list[int] = []
    for index in frame.index:
        row, state = int(rows[index]), frame.at[index, found["state"]]
        result = status.outcome("airflow", state)
        if result is None:
            out.skip(row, f"state {state!r} is not an Airflow task state")
            continue
        if result == status.NOT_RUN:
            not_run += 1
            continue
        if result == status.UNFINISHED or pd.isna(end[index]):
            unfinished += 1
            continue
        run_id, task = frame.at[index, found["run"]], frame.at[index, found["task"]]
        if not run_id or not task:
            out.skip(row, f"{found['run'] if not run_id else 'task_id'} is empty")
            continue
        if pd.isna(start[index]):
            out.skip(row, "start_date is not an ISO 8601 date-time")
            continue
        began, ended = start[index], end[index]
        record = {"run_id": run_id, "stage": task, "ended_at": iso(ended), "source_row": row,
                  "status": "failed" if result == status.FAILED else "succeeded"}
        waited = queued[index] if queued is not None else pd.NaT
        if pd.notna(waited) and waited <= began:
            record.update(started_at=iso(waited), wait_hours=hours_between(waited, began))
        else:
            record.update(started_at=iso(began))
        out.rows.append(record)
        kept.append(index)
    if kept:
        keys = [found["run"], found["task"]] + ([found["map"]] if found["map"] else [])
        listed = frame.loc[kept].groupby(keys)[found["run"]].transform("size")
        hidden = (tries[kept] - listed).clip(lower=0)
        missing_tries = int(hidden[hidden > 0].sum()) if hidden.notna().any() else 0
        if missing_tries:
            out.notes.append(f"{count(missing_tries, 'earlier attempt')} (try_number above the attempts "
                             "listed) are not in this export; their time is missing. Export "
                             "every try to count retries")
        if queued is None:
            out.notes.append("no queued time (queued_when / queued_dttm): waiting for a worker "
                             "slot is unknown")
    if unfinished:
        out.notes.append(f"{count(unfinished, 'task instance')} still queued or running are left out")
    if not_run:
        out.notes.append(f"{count(not_run, 'task instance')} that never ran (skipped, upstream_failed, "
                         "removed) are left out")
    return finish(out, name, WHAT, len(frame))
