"""How a runs file was read (its tool's format and the Slurm options), kept with the session and
with stored follow-up files, so weeks later the same tool's export is read the same way and a
before/after comparison can say when the two sides came from different tools."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from triage.kinds.runs.analysis import RunsData
from triage.sources import FORMATS
from triage.sources.slurm import ITERATION_FROM

RUNS_READ = "runs_read"  # session.inputs key: the read_runs options of the session's runs upload

# What each tool can and cannot see (docs/importing.md): why two tools' runs differ by more
# than the fix.
_SEES = {
    "runs": "what the team wrote into the runs CSV",
    "wandb": "W&B runs only: no queue time, gaps between runs as hand-off",
    "slurm": "Slurm jobs: queue waits from Eligible to Start, no steps outside Slurm",
    "airflow": "Airflow tasks: waits for a worker slot, each task's latest attempt only unless "
               "every try is exported",
    "mlflow": "MLflow runs only: no queue time, gaps between child runs as hand-off",
}
_TAG = re.compile(r"^(?P<name>.*) \[(?P<format>[a-z]+)\]$")


def read_options(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """``read_runs`` keyword arguments as a session's runs upload used them (not the export time:
    a later export was made later). Sessions arrive from files and links: anything malformed
    falls back to the default."""
    kept = inputs.get(RUNS_READ)
    kept = kept if isinstance(kept, Mapping) else {}

    def text(key: str) -> str | None:
        value = kept.get(key)
        return value.strip() or None if isinstance(value, str) else None

    chosen = text("source_format")
    iteration_from = text("iteration_from")
    return {"source_format": chosen if chosen in FORMATS else "detect",
            "timezone": text("timezone"),
            "iteration_from": iteration_from if iteration_from in ITERATION_FROM else "name",
            "name_pattern": text("name_pattern")}


def options_to_keep(runs: RunsData, options: Mapping[str, Any]) -> dict[str, Any]:
    """What ``session.inputs[RUNS_READ]`` keeps after ``runs`` were read with ``options``: the
    format the reader used (a detected one named), and the Slurm options."""
    return {"source_format": runs.source_format,
            **{key: options.get(key) for key in ("timezone", "iteration_from", "name_pattern")}}


def tagged(name: str, source_format: str) -> str:
    """A stored file's name with the format it was read as: 'after.csv [wandb]'."""
    return f"{name[:200]} [{source_format}]"


def untagged(name: str) -> tuple[str, str | None]:
    """('after.csv', 'wandb') from 'after.csv [wandb]'; (name, None) for a name without a tag."""
    match = _TAG.match(name)
    if match and match["format"] in FORMATS:
        return match["name"], match["format"]
    return name, None


def format_mismatch(before: str | None, after: str | None) -> str | None:
    """Why the comparison is not like with like when before and after came from different tools;
    None when they match or either is unknown."""
    if before is None or after is None or before == after:
        return None
    return (f"The before runs were read from {FORMATS[before]} and the after runs from "
            f"{FORMATS[after]}: not like with like. They record different things (before: "
            f"{_SEES[before]}; after: {_SEES[after]}), so part of any change may be the tool, "
            f"not the fix. Upload the after runs as {FORMATS[before]} to compare the same "
            "measurements.")
