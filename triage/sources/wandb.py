"""Weights & Biases runs export -> the runs table.

Either the CSV the runs table's "Export as CSV" gives (columns Name, State, Created, Runtime,
Group, Job Type, …) or a frame built from ``wandb.Api().runs(path)`` with ``group``,
``job_type``, ``state``, ``created_at`` and ``summary["_runtime"]`` (seconds). One W&B run is one
stage attempt: ``group`` is the iteration (run_id), ``job_type`` the stage; it starts at
``created_at`` (UTC; W&B reports it without a zone) and lasts ``_runtime`` seconds. W&B records
no queue time, so waiting is unknown except the gaps between runs of a group (hand-off).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from triage.kinds.runs.analysis import RunsData
from triage.sources import status
from triage.sources.common import Converted, count, finish, iso, parse_instants
from triage.tabular import InputError, read_table

WHAT = "a W&B runs export"
ALIASES = {"group": ("group",), "stage": ("job_type",), "state": ("state",),
           "created": ("created_at", "created"), "runtime": ("_runtime", "runtime")}


def columns_of(frame: pd.DataFrame) -> dict[str, str | None]:
    return {key: next((c for c in names if c in frame), None) for key, names in ALIASES.items()}


def read_wandb(data: bytes, name: str = "wandb_runs.csv",
               columns: Mapping[str, str] | None = None) -> RunsData:
    frame = read_table(data, name=name, columns=columns).frame
    found = columns_of(frame)
    missing = [ALIASES[k][0] for k, v in found.items() if v is None]
    if missing:
        raise InputError(f"{name}: a W&B runs export needs the columns group, job_type, state, "
                         f"created_at and _runtime (or the UI's Group, Job Type, State, Created, "
                         f"Runtime); missing: {', '.join(missing)}. Add them as columns in the "
                         "runs table before exporting.")
    rows = pd.Series(frame.index.to_numpy() + 2, index=frame.index)
    created = parse_instants(frame[found["created"]], "UTC")
    runtime = pd.to_numeric(frame[found["runtime"]].str.replace(",", ".", regex=False),
                            errors="coerce")
    out = Converted()
    unfinished = 0
    for index in frame.index:
        row, state = int(rows[index]), frame.at[index, found["state"]]
        result = status.outcome("wandb", state)
        if result is None:
            out.skip(row, f"state {state!r} is not a W&B run state (finished, failed, crashed, "
                     "killed, running)")
            continue
        if result == status.UNFINISHED:
            unfinished += 1
            continue
        group, stage = frame.at[index, found["group"]], frame.at[index, found["stage"]]
        if not group:
            out.skip(row, "group is empty: runs of one iteration need a common W&B group "
                     "(wandb.init(group=...))")
            continue
        if not stage:
            out.skip(row, "job_type is empty: the stage comes from wandb.init(job_type=...)")
            continue
        if pd.isna(created[index]):
            out.skip(row, f"{found['created']} is not an ISO 8601 date-time")
            continue
        seconds = runtime[index]
        if pd.isna(seconds) or seconds < 0:
            out.skip(row, f"{found['runtime']} must be seconds (a number of 0 or more)")
            continue
        start = created[index]
        end = start + pd.Timedelta(seconds=float(seconds))
        out.rows.append({"run_id": group, "stage": stage, "started_at": iso(start),
                         "ended_at": iso(end), "source_row": row,
                         "status": "failed" if result == status.FAILED else "succeeded"})
    if unfinished:
        out.notes.append(f"{count(unfinished, 'run')} still running or pending are left out")
    out.notes.append("W&B records no queue time: waiting is known only as hand-off between runs")
    return finish(out, name, WHAT, len(frame))
