"""Worked examples shipped in data/: realistic inputs a meeting can start from with one click."""

from __future__ import annotations

from pathlib import Path

from triage.kinds.runs.analysis import RunsData, parse_runs
from triage.kinds.runs.impact import FROM_RUNS
from triage.session import Goal
from triage.vocabulary import STAGE_LABELS

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ITERATION_RUNS = DATA_DIR / "iteration" / "example_runs.csv"
ITERATION_TEMPLATE = DATA_DIR / "iteration" / "template_runs.csv"
ITERATION_EXAMPLE_TITLE = "Ranking model retraining takes two days per iteration"
ITERATIONS_PER_MONTH = 12.0  # the sample a fresh page starts from, marked as such until typed


# What the partners in each worked example said first (by scenario kind): the example plans carry
# it, and the goal fields of a fresh page show it as their hints.
EXAMPLE_GOALS = {
    "iteration": Goal(
        business_goal="Try more ranking ideas per week so the listing ranker improves before the "
                      "holiday season",
        pain="Every retrain takes most of a day, so we test four or five ideas a week and most "
             "of the wait is feature generation",
        key_metric="NDCG@10 offline, then add-to-cart rate on the listing page",
        participants="Amara Okafor (data scientist, ranking), Priya Raman (ML-infra engineer)"),
    "production": Goal(
        business_goal="Keep ranker-v7 live and get the click-through uplift it promised offline",
        pain="It beat v6 everywhere offline and in shadow; after a week at full traffic CTR is "
             "13% below what we promised",
        key_metric="CTR: clicks per impression, deduplicated per session",
        participants="Jonas Weber (ML infra, serving), Amara Okafor (data scientist, "
                     "recommendations)"),
    "access": Goal(
        business_goal="Start training the next churn model on the new CRM tables this quarter",
        pain="Approval comes on Tuesday and working access on Friday; every new table costs us "
             "a week",
        key_metric="Days from asking for a table to the first query on it",
        participants="Sofia Marin (data scientist, churn), Priya Raman (ML infra), the CRM data "
                     "owner"),
}


def iteration_example_runs() -> RunsData:
    return parse_runs(ITERATION_RUNS.read_bytes(), ITERATION_RUNS.name)


def stage_table_from(runs: RunsData) -> list[dict[str, object]]:
    """A typed stage table mirroring a runs analysis, rounded as people would type it: average
    hours per iteration (each stage's mean per run), so the typed table adds up to the runs'
    mean iteration."""
    return [
        {
            "stage": stats.label if stats.stage in STAGE_LABELS else stats.stage,
            "hours": round(stats.hours, 1),
            "wait_hours": None if stats.wait_hours is None else round(stats.wait_hours, 1),
        }
        for stats in runs.analysis.stages
    ]


def iterations_from_runs(runs: RunsData) -> tuple[float, str] | None:
    """Iterations per month read from the runs' dates (rounded as a person would write it) and
    how it was read, e.g. (20.8, "40 runs started over 58.5 days"); None without enough dates."""
    cadence = runs.analysis.cadence
    if cadence is None or cadence.per_month is None:
        return None
    return round(cadence.per_month, 1), cadence.basis


def iteration_example_inputs(runs: RunsData) -> dict[str, object]:
    """The worked example's inputs: its runs, a typed table mirroring them and the iterations
    per month its runs' dates imply (the worked example is not a sample: nothing is prefilled)."""
    inputs: dict[str, object] = {"stage_table": stage_table_from(runs),
                                 "iterations_per_month": ITERATIONS_PER_MONTH, "source": "runs"}
    derived = iterations_from_runs(runs)
    if derived is not None:
        inputs["iterations_per_month"], inputs[FROM_RUNS] = derived
    return inputs


def example_metrics(playbook_id: str) -> dict:
    """The numbers a worked example gives the playbook's data rules (what the expert saw)."""
    import json

    if playbook_id == "slow_iteration":
        return iteration_example_runs().analysis.metrics()
    if playbook_id == "production_underperformance":
        from triage.kinds.samples.drift import compare, read_sample
        from triage.kinds.segments.gap import read_segments
        from triage.production import analyse

        folder = DATA_DIR / "production"
        raw = json.loads((folder / "example_inputs.json").read_text())
        inputs = {**raw, "segments": read_segments((folder / "example_segments.csv").read_bytes())}
        drift = compare(*(read_sample((folder / f"example_{side}.csv").read_bytes(), side)
                          for side in ("reference", "current")))
        return analyse(inputs, drift).metrics()
    if playbook_id == "data_access":
        from triage.kinds.requests.analysis import parse_requests, read_inventory

        folder = DATA_DIR / "access"
        inventory = read_inventory((folder / "example_inventory.csv").read_bytes())
        return parse_requests((folder / "example_requests.csv").read_bytes(),
                              inventory=inventory).metrics()
    return {}
