"""Worked examples shipped in data/: realistic inputs a meeting can start from with one click."""

from __future__ import annotations

from pathlib import Path

from triage.iteration import RunsData, parse_runs
from triage.vocabulary import STAGE_LABELS

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ITERATION_RUNS = DATA_DIR / "iteration" / "example_runs.csv"
ITERATION_TEMPLATE = DATA_DIR / "iteration" / "template_runs.csv"
ITERATION_EXAMPLE_TITLE = "Ranking model retraining takes two days per iteration"
ITERATIONS_PER_MONTH = 12.0


def iteration_example_runs() -> RunsData:
    return parse_runs(ITERATION_RUNS.read_bytes(), ITERATION_RUNS.name)


def stage_table_from(runs: RunsData) -> list[dict[str, object]]:
    """A typed stage table mirroring a runs analysis, rounded as people would type it."""
    return [
        {
            "stage": stats.label if stats.stage in STAGE_LABELS else stats.stage,
            "hours": round(stats.median_hours, 1),
            "wait_hours": None if stats.wait_hours is None else round(stats.wait_hours, 1),
        }
        for stats in runs.analysis.stages
    ]

