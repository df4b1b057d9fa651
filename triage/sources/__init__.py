"""Readers that turn a tool's own export (W&B, Slurm, Airflow, MLflow, …) into the runs table.

Each reader takes the export unchanged and writes our runs CSV (run_id, stage, started_at,
ended_at, wait_hours, status; docs/runs_csv.md), which ``triage.kinds.runs.analysis.parse_runs`` then
checks and analyses, so every source gets the same checks and the same arithmetic. What each
tool's states mean lives in ``triage.sources.status``. ``read_runs`` picks the reader from the
file's columns, or the one named by ``source_format``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from triage.kinds.runs.analysis import RUNS_REQUIRED, RunsData, parse_runs
from triage.tabular import InputError, header_columns, is_parquet

FORMATS = {
    "detect": "detect from the columns",
    "runs": "our runs CSV",
    "wandb": "W&B runs export",
    "slurm": "Slurm sacct --parsable2",
    "airflow": "Airflow task instances (CSV or API JSON)",
    "mlflow": "MLflow search_runs export",
}

OTHER_FORMATS = (
    "Nor is it an export this app reads: a W&B runs export (group, job_type, state, "
    "created_at, _runtime), sacct --parsable2 (JobName, Submit, Start, End, State), Airflow "
    "task instances (dag_run_id, task_id, start_date, end_date, state) or an MLflow "
    "search_runs export (run_id, status, start_time, end_time)."
)


def file_columns(data: bytes, name: str) -> list[str]:
    """The file's column names in order, from its first lines where they can be read alone (the
    whole file is parsed once, by the reader detection picks). JSON and Parquet exports have no
    header to map: an empty list."""
    from triage.sources.airflow import is_json

    if is_json(data) or is_parquet(data, name):
        return []
    return header_columns(data, name)


def _columns(data: bytes, name: str) -> set[str]:
    return set(file_columns(data, name))


def mapping_for(data: bytes, name: str, source_format: str, chosen: Mapping[str, str] | None = None,
                ) -> tuple[str, list[str], dict[str, str]]:
    """(format, the file's columns, field -> column): the detected (or given) format, and the
    mapping proposed from the columns' names with ``chosen`` fields overriding it. What the
    page shows and the CLI applies, so both read a file the same way."""
    from triage.mapping import combine, propose, runs_contract

    fmt = detect_format(data, name) if source_format == "detect" else source_format
    columns = file_columns(data, name)
    return fmt, columns, combine(propose(columns, runs_contract(fmt)), chosen)


def detect_format(data: bytes, name: str = "the file") -> str:
    """The export's tool from its columns: runs, wandb, slurm, airflow or mlflow.

    Columns that match none of the tools' exports are read as our runs CSV, whose checks then
    say what is missing (``read_runs`` adds what the other formats need).
    """
    from triage.sources.airflow import is_json

    if is_json(data):
        return "airflow"
    if is_parquet(data, name):  # of the tools read here, only MLflow's search_runs export is Parquet
        return "mlflow"
    columns = _columns(data, name)
    if set(RUNS_REQUIRED) <= columns:
        return "runs"
    if "task_id" in columns and "start_date" in columns:
        return "airflow"
    if {"jobname", "submit", "start", "end", "state"} <= columns:
        return "slurm"
    if "state" in columns and ({"job_type", "group"} & columns) and (
            {"_runtime", "runtime"} & columns):
        return "wandb"
    if {"run_id", "status", "start_time"} <= columns:
        return "mlflow"
    return "runs"


def read_runs(data: bytes, name: str = "runs.csv", *, source_format: str = "detect",
              timezone: str | None = None, iteration_from: str = "name",
              name_pattern: str | None = None, as_of: str | None = None,
              columns: Mapping[str, str] | None = None) -> RunsData:
    """A runs table from any supported export, its ``source_format`` the reader used.
    ``timezone``, ``iteration_from``, ``name_pattern`` and ``as_of`` (the export time) apply to
    Slurm (sacct prints local times without a zone, and no export time). ``columns`` maps the
    fields of the chosen format's contract (``triage.mapping.runs_contract``) to the file's
    columns."""
    if source_format not in FORMATS:
        raise InputError(f"unknown format {source_format!r}; use one of {', '.join(FORMATS)}.")
    chosen = detect_format(data, name) if source_format == "detect" else source_format
    return replace(_read(data, name, chosen, source_format == "detect", timezone=timezone,
                         iteration_from=iteration_from, name_pattern=name_pattern, as_of=as_of,
                         columns=columns),
                   source_format=chosen)


def _read(data: bytes, name: str, chosen: str, detected: bool, *, timezone: str | None,
          iteration_from: str, name_pattern: str | None, as_of: str | None,
          columns: Mapping[str, str] | None) -> RunsData:
    if chosen == "runs":
        try:
            return parse_runs(data, name, columns=columns)
        except InputError as err:
            if detected and "missing column" in str(err):
                raise InputError(f"{err} {OTHER_FORMATS}") from None
            raise
    if chosen == "wandb":
        from triage.sources.wandb import read_wandb
        return read_wandb(data, name, columns=columns)
    if chosen == "slurm":
        from triage.sources.slurm import read_slurm
        return read_slurm(data, name, timezone=timezone, iteration_from=iteration_from,
                          name_pattern=name_pattern, as_of=as_of, columns=columns)
    if chosen == "airflow":
        from triage.sources.airflow import read_airflow
        return read_airflow(data, name, columns=columns)
    try:
        from triage.sources.mlflow import read_export
    except ImportError:
        raise InputError(f"{name}: reading an MLflow export is not available in this "
                         "installation.") from None
    return read_export(data, name, columns=columns)
