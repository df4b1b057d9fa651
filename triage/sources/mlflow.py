"""MLflow runs as the runs table, from a ``search_runs`` export or straight from a tracking store.

One parent run is one iteration; each of its child runs (``tags.mlflow.parentRunId``) is one
stage attempt, named by its ``tags.mlflow.runName`` (mapped with ``canonical_stage`` later, by
``parse_runs``). A run with no parent and no children is an iteration of one stage named by its
own run name. ``FINISHED`` is a succeeded attempt; ``FAILED`` and ``KILLED`` are failed attempts
(lost time; a retry adds up after it); ``RUNNING``/``SCHEDULED`` runs have no end yet and are left
out with a note. Times are UTC: epoch milliseconds (the client, ``MlflowClient.search_runs``) or
ISO 8601 (``mlflow.search_runs`` writes pandas timestamps; a stamp without a zone is read as UTC).

Both routes build the same DataFrame (the columns of ``mlflow.search_runs``) and go through
``runs_from_frame``, so they give the same analysis for the same store.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pandas as pd

from triage.kinds.runs.analysis import RunsData, parse_runs
from triage.sources.status import FAILED, UNFINISHED, outcome
from triage.tabular import InputError, check_csv, check_upload_size, is_parquet, read_parquet, rename_columns

RUN_NAME = "tags.mlflow.runName"
PARENT = "tags.mlflow.parentRunId"
REQUIRED = ("run_id", "status", "start_time", "end_time")
INSTALL_HINT = ("reading MLflow needs the mlflow client: pip install mlflow-skinny==3.17.2 "
                "alembic==1.20.1 (see requirements.txt)")


def _instants(column: pd.Series) -> pd.Series:
    """Epoch milliseconds or ISO 8601 to UTC instants; blanks give NaT."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return column.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(column.dtype):
        return column.dt.tz_localize("UTC")
    if pd.api.types.is_numeric_dtype(column.dtype):
        return pd.to_datetime(column.astype("Float64"), unit="ms", utc=True)
    text = column.astype("string").str.strip()
    text = text.where(~text.fillna("").isin(["", "nan", "NaN", "NaT", "None"]))
    numbers = pd.to_numeric(text, errors="coerce")
    if text.notna().any() and numbers[text.notna()].notna().all():
        return pd.to_datetime(numbers, unit="ms", utc=True)
    return pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")


def _iso(stamp) -> str:
    return "" if pd.isna(stamp) else stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def runs_from_frame(frame: pd.DataFrame, name: str) -> RunsData:
    """The runs table from a ``mlflow.search_runs`` DataFrame (one row per MLflow run)."""
    missing = [c for c in (*REQUIRED, RUN_NAME) if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns[:12])) or "none"
        raise InputError(f"{name}: not an MLflow search_runs export: missing {', '.join(missing)} "
                         f"(columns found: {found}). Export with mlflow.search_runs("
                         "experiment_names=[...]).to_csv(path, index=False).")
    frame = frame.reset_index(drop=True)
    ids = frame["run_id"].astype("string").str.strip().fillna("")
    parent = (frame[PARENT].astype("string").str.strip().fillna("") if PARENT in frame
              else pd.Series("", index=frame.index, dtype="string"))
    parent = parent.where(parent != "nan", "")
    run_name = frame[RUN_NAME].astype("string").str.strip().fillna("")
    status = frame["status"].astype("string").str.strip().fillna("")
    start, end = _instants(frame["start_time"]), _instants(frame["end_time"])

    parent_of = dict(zip(ids, parent, strict=True))
    known = set(ids)
    has_children = set(parent[parent != ""])

    def root(run: str) -> str:
        seen = {run}
        while parent_of.get(run) and parent_of[run] in known and parent_of[run] not in seen:
            run = parent_of[run]
            seen.add(run)
        return run

    notes: list[str] = []
    rows: list[list[str]] = []
    unfinished = unknown = deeper = orphans = 0
    unknown_states: set[str] = set()
    for i in frame.index:
        run, up = ids[i], parent[i]
        if run == "":
            continue
        if run in has_children:
            continue  # an iteration (or a grouping run): its children are the stages
        if up and up not in known:
            orphans += 1
            iteration = up  # the parent was not exported: still group by its id
        elif up:
            iteration = root(run)
            deeper += parent_of.get(up, "") != ""
        else:
            iteration = run  # a lone run: one iteration of one stage
        result = outcome("mlflow", str(status[i]))
        if result == UNFINISHED:
            unfinished += 1
            continue
        if result is None:
            unknown += 1
            unknown_states.add(str(status[i]))
            continue
        rows.append([iteration, run_name[i] or run, _iso(start[i]), _iso(end[i]),
                     "failed" if result == FAILED else "succeeded"])
    if unfinished:
        notes.append(f"{unfinished} MLflow runs still RUNNING or SCHEDULED were left out (no end "
                     "time yet)")
    if unknown:
        notes.append(f"{unknown} MLflow runs with an unknown status were left out "
                     f"({', '.join(sorted(unknown_states)[:3])})")
    if deeper:
        notes.append(f"{deeper} runs nested below a child run count as stages of their top-level "
                     "parent run")
    if orphans:
        notes.append(f"{orphans} child runs name a parent run that is not in the export; they are "
                     "grouped by that parent's id")
    if not rows:
        raise InputError(f"{name}: no finished, failed or killed MLflow runs to analyse"
                         + (f" ({'; '.join(notes)})" if notes else "") + ".")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["run_id", "stage", "started_at", "ended_at", "status"])
    writer.writerows(rows)
    runs = parse_runs(out.getvalue().encode("utf-8"), name)
    all_notes = ("read as MLflow runs: parent run = iteration, child run name = stage",
                 *notes, *runs.analysis.notes)
    return replace(runs, notes=all_notes, analysis=replace(runs.analysis, notes=all_notes))


def read_export(data: bytes, name: str, columns: Mapping[str, str] | None = None) -> RunsData:
    """A ``mlflow.search_runs(...)`` DataFrame saved as CSV or Parquet."""
    parquet = is_parquet(data, name)
    if parquet:  # the limits first, from the footer or a cheap scan of the text
        check_upload_size(data, name)
    else:
        check_csv(data, name)
    try:
        if parquet:
            frame = read_parquet(data, name).to_pandas()
        else:
            frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except InputError:  # past a limit: already worded for the user
        raise
    except Exception as err:  # noqa: BLE001 - any reader failure is a bad file for the user
        raise InputError(f"{name}: cannot read as CSV or Parquet ({type(err).__name__}: "
                         f"{str(err).splitlines()[0] if str(err) else ''}).") from None
    frame, _ = rename_columns(frame, columns, name)
    return runs_from_frame(frame, name)


def _tracking_uri(uri: str) -> str:
    """A bare path to an existing ``.db`` file is the sqlite store it holds."""
    if "://" not in uri:
        if Path(uri).is_file():
            return f"sqlite:///{Path(uri).resolve()}"
        raise InputError(f"{uri}: not a tracking URI or an existing .db file. Give "
                         "sqlite:///path/to/mlflow.db or http://host:5000; a ./mlruns folder "
                         "store is refused by MLflow 3.13+, migrate it to SQLite first "
                         "(mlflow migrate-filestore).")
    if uri.startswith("sqlite:///"):
        path = uri[len("sqlite:///"):]
        if path and not Path(path).is_file():
            raise InputError(f"{uri}: no such SQLite tracking store (the file {path} does not "
                             "exist); give the path of the mlflow.db the runs were logged to.")
    return uri


def search_frame(uri: str, experiment: str) -> pd.DataFrame:
    """Every run of one experiment (by name, else by id) through ``MlflowClient.search_runs``,
    as the columns ``mlflow.search_runs`` gives (times in epoch milliseconds)."""
    try:
        from mlflow.exceptions import MlflowException
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise InputError(INSTALL_HINT) from None
    target = _tracking_uri(uri)
    try:
        client = MlflowClient(tracking_uri=target)
        found = client.get_experiment_by_name(experiment)
        if found is None and experiment.isdigit():
            found = client.get_experiment(experiment)
        if found is None:
            names = [e.name for e in client.search_experiments(max_results=20)]
            raise InputError(f"{uri}: no experiment named {experiment!r} (experiments found: "
                             f"{', '.join(names) or 'none'}).")
        records, token = [], None
        while True:
            page = client.search_runs([found.experiment_id], max_results=1000, page_token=token)
            for run in page:
                tags = run.data.tags
                records.append({
                    "run_id": run.info.run_id, "experiment_id": run.info.experiment_id,
                    "status": run.info.status, "start_time": run.info.start_time,
                    "end_time": run.info.end_time,
                    RUN_NAME: tags.get("mlflow.runName", run.info.run_name),
                    PARENT: tags.get("mlflow.parentRunId", ""),
                })
            token = page.token
            if not token:
                break
    except (MlflowException, OSError) as err:  # OSError: requests' connection errors too
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"{uri}: the MLflow tracking store could not be read ({first[:300]}).") \
            from None
    if not records:
        raise InputError(f"{uri}: experiment {experiment!r} has no runs.")
    frame = pd.DataFrame.from_records(records)
    frame["start_time"] = frame["start_time"].astype("Float64")
    frame["end_time"] = frame["end_time"].astype("Float64")
    return frame


def read_tracking(uri: str, experiment: str) -> RunsData:
    """The runs table straight from a tracking server or local store, by URI and experiment."""
    return runs_from_frame(search_frame(uri, experiment), f"{experiment} ({uri})")
