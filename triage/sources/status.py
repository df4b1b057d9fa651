"""What each tool's run or job states mean for the runs table, in one place.

Every reader (W&B, Slurm, Airflow, MLflow) maps its tool's own spelling through ``outcome``:

- ``SUCCEEDED``: the attempt did its work; its time is iteration time.
- ``FAILED``: the attempt ended without its result (error, out of memory, time limit, preempted,
  cancelled, killed, crashed, node failure); its time is lost time, and a retry adds up after it.
- ``UNFINISHED``: still queued or running when exported; no end, so no duration yet.
- ``NOT_RUN``: never ran (Airflow ``skipped``/``removed``); no time to count.

States not listed give ``None``: the reader says so rather than guess.
"""

from __future__ import annotations

SUCCEEDED = "succeeded"
FAILED = "failed"
UNFINISHED = "unfinished"
NOT_RUN = "not_run"

# Spellings shared by several tools, lower case, "-" and " " read as "_".
_COMMON = {
    "succeeded": SUCCEEDED, "success": SUCCEEDED, "completed": SUCCEEDED, "finished": SUCCEEDED,
    "failed": FAILED, "failure": FAILED, "error": FAILED, "errored": FAILED,
    "oom": FAILED, "out_of_memory": FAILED, "timeout": FAILED, "timed_out": FAILED,
    "preempted": FAILED, "cancelled": FAILED, "canceled": FAILED, "killed": FAILED,
    "crashed": FAILED, "node_fail": FAILED,
    "running": UNFINISHED, "pending": UNFINISHED, "queued": UNFINISHED,
}

STATUS_MAPS: dict[str, dict[str, str]] = {
    # W&B run.state: https://docs.wandb.ai/ref/python/public-api/run (finished, failed, crashed,
    # killed, running, pending, preempting, preempted)
    "wandb": {
        "finished": SUCCEEDED, "failed": FAILED, "crashed": FAILED, "killed": FAILED,
        "preempted": FAILED, "running": UNFINISHED, "pending": UNFINISHED,
        "preempting": UNFINISHED,
    },
    # MLflow RunStatus: FINISHED, FAILED, KILLED, RUNNING, SCHEDULED
    "mlflow": {
        "finished": SUCCEEDED, "failed": FAILED, "killed": FAILED, "running": UNFINISHED,
        "scheduled": UNFINISHED,
    },
    # Slurm job states (sacct --helpformat / man sacct, "JOB STATE CODES"); "CANCELLED by 123"
    # and a truncated "CANCELLED+" are read by their first word.
    "slurm": {
        "completed": SUCCEEDED, "failed": FAILED, "cancelled": FAILED, "timeout": FAILED,
        "out_of_memory": FAILED, "preempted": FAILED, "node_fail": FAILED, "boot_fail": FAILED,
        "deadline": FAILED, "pending": UNFINISHED, "running": UNFINISHED,
        "requeued": UNFINISHED, "resizing": UNFINISHED, "suspended": UNFINISHED,
    },
    # Airflow TaskInstanceState; an attempt that failed and will be retried is up_for_retry.
    "airflow": {
        "success": SUCCEEDED, "failed": FAILED, "upstream_failed": NOT_RUN,
        "up_for_retry": FAILED, "skipped": NOT_RUN, "removed": NOT_RUN,
        "running": UNFINISHED, "queued": UNFINISHED, "scheduled": UNFINISHED,
        "deferred": UNFINISHED, "restarting": UNFINISHED, "up_for_reschedule": UNFINISHED,
        "none": UNFINISHED, "": UNFINISHED,
    },
}


def _key(state: str) -> str:
    text = str(state).strip()
    first = text.split()[0] if text.split() else ""
    return first.rstrip("+").lower().replace("-", "_")


def outcome(source: str, state: str) -> str | None:
    """SUCCEEDED / FAILED / UNFINISHED / NOT_RUN for one tool's state, or None if unknown.

    >>> outcome("slurm", "CANCELLED by 1234"), outcome("wandb", "crashed"), outcome("mlflow", "KILLED")
    ('failed', 'failed', 'failed')
    """
    key = _key(state)
    table = STATUS_MAPS.get(source, {})
    if key in table:
        return table[key]
    return _COMMON.get(key)
