"""Which column of an uploaded file is which field of our contracts.

People bring files whose columns say the right thing in their own words ("Run ID, Stage, Start,
End, Result"). A ``Contract`` lists the fields one upload kind reads, each with the spellings
teams use for it; ``propose`` matches a file's columns to the fields, and a mapping
(field -> column) chosen on the page or with ``--map COLUMN=FIELD`` is applied by
``triage.tabular.read_table(columns=...)`` before the contract's checks run. Mappings are kept
per file shape (its set of columns), so the next upload of the same export is read the same way.

Aliases are deliberately conservative: a column is proposed only when its name says the field
and its unit. "duration" is not proposed for ``duration_hours`` (it is often seconds).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from triage.tabular import InputError, header_columns, normalise_column

MAX_REMEMBERED = 8  # per kind: enough for the exports one team brings, small in a link


@dataclass(frozen=True)
class Field:
    name: str  # the column name the reader looks for, as read_table normalises it
    label: str
    aliases: tuple[str, ...] = ()  # other normalised spellings, best first
    required: bool = False


@dataclass(frozen=True)
class Contract:
    kind: str
    title: str
    fields: tuple[Field, ...]
    # Alternatives of which one must be complete (runs: start and end times, or a duration).
    any_of: tuple[tuple[str, ...], ...] = ()

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def missing(self, mapping: Mapping[str, str]) -> list[str]:
        """Fields the contract needs that ``mapping`` leaves without a column, in words a
        message can use ("run_id", "started_at + ended_at or duration_hours")."""
        have = {name for name, column in mapping.items() if column}
        gaps = [f.name for f in self.fields if f.required and f.name not in have]
        if self.any_of and not any(set(group) <= have for group in self.any_of):
            gaps.append(" or ".join(" + ".join(group) for group in self.any_of))
        return gaps


def _f(name: str, label: str, *aliases: str, required: bool = False) -> Field:
    return Field(name, label, tuple(aliases), required)


RUNS = Contract("runs", "runs table", (
    _f("run_id", "Run (one iteration)", "run", "iteration", "iteration_id", "pipeline_run",
       "pipeline_run_id", "run_uuid", "dag_run_id", "group", required=True),
    _f("stage", "Stage", "step", "stage_name", "step_name", "phase", "task", "task_id",
       "job_type", required=True),
    _f("started_at", "Start time", "start", "start_time", "started", "begin", "begin_time",
       "start_date", "start_ts"),
    _f("ended_at", "End time", "end", "end_time", "ended", "finish", "finished", "finished_at",
       "finish_time", "end_date", "completed_at", "end_ts"),
    _f("duration_hours", "Duration (hours)", "hours", "duration_h", "duration_hrs",
       "elapsed_hours"),
    _f("wait_hours", "…of which waiting (hours)", "wait_h", "queue_hours", "waiting_hours"),
    _f("status", "Outcome", "result", "state", "outcome"),
), any_of=(("started_at", "ended_at"), ("duration_hours",)))

MLFLOW = Contract("runs:mlflow", "MLflow search_runs export", (
    _f("run_id", "Run id", "run_uuid", required=True),
    _f("status", "Status", "state", required=True),
    _f("start_time", "Start time", "start", "started_at", required=True),
    _f("end_time", "End time", "end", "ended_at", required=True),
    _f("tags.mlflow.runName", "Run name (the stage)", "tags.mlflow.runname", "run_name",
       required=True),
    _f("tags.mlflow.parentRunId", "Parent run id (the iteration)", "tags.mlflow.parentrunid",
       "parent_run_id"),
))

WANDB = Contract("runs:wandb", "W&B runs export", (
    _f("group", "Group (the iteration)", required=True),
    _f("job_type", "Job type (the stage)", required=True),
    _f("state", "State", required=True),
    _f("created_at", "Created at", "created", required=True),
    _f("_runtime", "Runtime (seconds)", "runtime", required=True),
))

AIRFLOW = Contract("runs:airflow", "Airflow task instances", (
    _f("dag_run_id", "DAG run (the iteration)", "run_id", required=True),
    _f("task_id", "Task (the stage)", required=True),
    _f("state", "State", required=True),
    _f("start_date", "Start", required=True),
    _f("end_date", "End", required=True),
    _f("queued_when", "Queued at", "queued_dttm", "queued_at"),
    _f("try_number", "Try number"),
))

SLURM = Contract("runs:slurm", "Slurm sacct --parsable2", (
    _f("jobname", "Job name", required=True),
    _f("submit", "Submit", required=True),
    _f("start", "Start", required=True),
    _f("end", "End", required=True),
    _f("state", "State", required=True),
    _f("eligible", "Eligible"),
    _f("jobid", "Job id"),
    _f("wckey", "WCKey"),
    _f("comment", "Comment"),
))

SEGMENTS = Contract("segments", "segment table", (
    _f("segment", "Segment", "slice", "cohort", "group", "segment_name", required=True),
    _f("expected_share", "Expected traffic share", "baseline_share", "offline_share",
       "training_share", required=True),
    _f("observed_share", "Observed traffic share", "online_share", "serving_share",
       "production_share", required=True),
    _f("expected_metric", "Expected metric", "baseline_metric", "offline_metric",
       required=True),
    _f("observed_metric", "Observed metric", "online_metric", "production_metric",
       required=True),
    _f("fallback_share", "Fallback share", "fallback_rate"),
    _f("fallback_metric", "Fallback metric"),
))

REQUESTS = Contract("requests", "request log", (
    _f("request_id", "Request id", "request", "ticket", "ticket_id", "key", "issue_key",
       "number", "id", required=True),
    _f("dataset", "Dataset", "table", "dataset_name", "resource", "data_product", required=True),
    _f("requested_at", "Requested at", "created", "created_at", "opened_at", "opened",
       "submitted_at", "requested", required=True),
    _f("owner_assigned_at", "Owner assigned at", "assigned_at", "owner_assigned"),
    _f("approved_at", "Approved at", "approved", "approval_at", "approval_set"),
    _f("provisioned_at", "Provisioned at", "granted_at", "provisioned", "fulfilled_at"),
    _f("first_access_at", "First access at", "first_used_at", "first_query_at", "first_access"),
    _f("tier", "Sensitivity tier", "sensitivity", "classification", "data_tier"),
    _f("status", "Status", "state", "resolution"),
    _f("auto_approved", "Auto-approved", "automatic"),
    _f("requester_role", "Requester role", "role"),
    _f("paused_hours", "Paused (hours)", "pause_hours", "on_hold_hours"),
    _f("business_paused_hours", "Paused (business hours)", "business_pause_hours"),
))

INVENTORY = Contract("inventory", "dataset inventory", (
    _f("dataset", "Dataset", "table", "dataset_name", "resource", "data_product", required=True),
    _f("owner", "Owner", "data_owner", "steward", "owner_team", required=True),
    _f("tier", "Sensitivity tier", "sensitivity", "classification", "data_tier"),
    _f("preapproved_path", "Pre-approved path", "preapproved", "self_service"),
    _f("systems", "Systems", "system", "platforms"),
))

# The skew pair joins served and offline rows by request id; every other column is a feature.
# A bare "id" is not proposed: it is as often a row number, and a wrong join looks like skew.
SKEW = Contract("skew", "skew-check file", (
    _f("request_id", "Request id (joins the two files)", "request", "req_id", "event_id",
       "impression_id", "prediction_id", "trace_id", required=True),
))

CONTRACTS = {c.kind: c for c in (RUNS, MLFLOW, WANDB, AIRFLOW, SLURM, SEGMENTS, REQUESTS,
                                 INVENTORY, SKEW)}


def runs_contract(source_format: str) -> Contract:
    """The contract a runs file of ``source_format`` is read by (our runs table by default)."""
    return CONTRACTS.get(f"runs:{source_format}", RUNS)


def shape(columns: Iterable[str]) -> tuple[str, ...]:
    """A file's shape: its normalised column names, sorted (order and case do not matter)."""
    return tuple(sorted({normalise_column(str(c)) for c in columns}))


def _key(name: str) -> str:
    return normalise_column(name)


def propose(columns: Sequence[str], contract: Contract) -> dict[str, str]:
    """field -> column for every field a column's name says, each column used once.

    A column named exactly as a field wins over an alias; among aliases the earlier one wins.
    """
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(_key(str(column)), str(column))
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    for rank in range(1 + max((len(f.aliases) for f in contract.fields), default=0)):
        for f in contract.fields:
            if f.name in mapping:
                continue
            spelling = f.name if rank == 0 else (f.aliases[rank - 1] if rank <= len(f.aliases)
                                                 else None)
            column = by_key.get(_key(spelling)) if spelling else None
            if column is not None and column not in taken:
                mapping[f.name] = column
                taken.add(column)
    return mapping


def combine(proposed: Mapping[str, str], chosen: Mapping[str, str] | None) -> dict[str, str]:
    """The proposal with the person's choices on top: a chosen column replaces the proposal for
    its field and takes the column away from any other proposed field; a field chosen as ""
    has no column."""
    chosen = dict(chosen or {})
    taken = {column for column in chosen.values() if column}
    mapping = {k: v for k, v in proposed.items() if k not in chosen and v not in taken}
    mapping.update({k: v for k, v in chosen.items() if v})
    return mapping


def renames(mapping: Mapping[str, str], contract: Contract) -> dict[str, str]:
    """The part of ``mapping`` that changes how a file is read (a field read from a column of
    another name); empty when the file already uses our names."""
    return {name: column for name, column in mapping.items()
            if column and contract.field(name) and _key(column) != _key(name)}


def remembered(store: Mapping[str, object] | None, contract: Contract,
               columns: Iterable[str]) -> dict[str, str] | None:
    """The mapping chosen earlier for a file of the same shape, if any (from session inputs)."""
    entries = (store or {}).get(contract.kind) if isinstance(store, Mapping) else None
    if not isinstance(entries, list):
        return None
    wanted = list(shape(columns))
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("columns") == wanted \
                and isinstance(entry.get("fields"), Mapping):
            return {str(k): str(v) for k, v in entry["fields"].items()
                    if contract.field(str(k)) and v}
    return None


def remember(store: dict, contract: Contract, columns: Iterable[str],
             mapping: Mapping[str, str]) -> None:
    """Keep ``mapping`` for files of this shape, newest first; a few shapes per kind."""
    wanted = list(shape(columns))
    entries = [e for e in store.get(contract.kind, []) if isinstance(e, Mapping)
               and e.get("columns") != wanted]
    fields = {k: v for k, v in mapping.items() if v}
    store[contract.kind] = [{"columns": wanted, "fields": fields}, *entries][:MAX_REMEMBERED]


_MAP_OPTION = re.compile(r"^(?P<column>.+?)=(?P<field>[^=]+)$")


def parse_map_options(options: Sequence[str] | None, contract: Contract) -> dict[str, str]:
    """``--map COLUMN=FIELD`` options as field -> column; unknown fields are refused by name."""
    mapping: dict[str, str] = {}
    for option in options or ():
        match = _MAP_OPTION.match(option.strip())
        if not match:
            raise InputError(f"--map {option!r}: write COLUMN=FIELD, e.g. --map \"Run ID=run_id\".")
        column, name = match["column"].strip(), match["field"].strip()
        known = contract.field(name) or next((f for f in contract.fields
                                              if _key(f.name) == _key(name)), None)
        if known is None:
            raise InputError(f"--map {option!r}: {name!r} is not a field of the "
                             f"{contract.title}; its fields are {', '.join(contract.names)}.")
        if known.name in mapping:
            raise InputError(f"--map: field {known.name} is given twice ({mapping[known.name]!r} "
                             f"and {column!r}); map one column to it.")
        mapping[known.name] = column
    return mapping


def table_mapping(data: bytes, name: str, contract: Contract,
                  chosen: Mapping[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
    """(the CSV's columns, field -> column): proposed from the header, ``chosen`` on top."""
    columns = header_columns(data, name)
    return columns, combine(propose(columns, contract), chosen)


def samples_contract(reference: Sequence[str], current: Sequence[str]) -> Contract:
    """Drift samples: every training feature the serving sample lacks is a field that a serving
    column (one the training sample lacks) can be mapped to, e.g. a feature renamed at serving.
    Nothing is required: an unmapped feature is reported as missing from serving."""
    serving = set(current)
    return Contract("samples", "serving sample", tuple(
        Field(str(c), str(c)) for c in reference if c not in serving))


def unmatched(reference: Sequence[str], current: Sequence[str]) -> list[str]:
    """Serving columns the training sample lacks: what a training feature can be mapped from."""
    training = set(reference)
    return [str(c) for c in current if c not in training]


def rename_serving(frame, mapping: Mapping[str, str]):
    """The serving sample with each mapped column under its training feature's name."""
    moved = {column: feature for feature, column in mapping.items() if column in frame.columns}
    return frame.rename(columns=moved) if moved else frame


def effective(store: Mapping[str, object] | None, contract: Contract,
              columns: Sequence[str]) -> dict[str, str]:
    """The mapping a file of these columns is read with: the proposal, with the choice kept for
    its shape on top. The page's editor shows and changes exactly this."""
    return combine(propose(columns, contract), remembered(store, contract, columns))
