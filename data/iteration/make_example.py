"""Regenerate example_runs.csv: 40 iterations of a ranking model's retraining loop.

Seeded, so the committed file is reproducible: `python data/iteration/make_example.py`.
Shape of the story: feature generation dominates and half of it waits on a shared warehouse;
GPU queueing is modest; evaluation is a manual notebook comparison; deployment waits for a
weekly approval slot; a few training attempts fail and are retried.
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

STAGES = [
    # name as the team's tracker writes it, (active low, high), (wait low, high) in hours
    ("Feature generation", (2.5, 4.5), (1.0, 3.5)),
    ("GPU queue", (0.1, 0.3), (0.2, 1.6)),
    ("Training", (1.8, 2.8), (0.0, 0.0)),
    ("Eval", (0.6, 1.4), (0.2, 1.2)),
    ("Deploy approval", (0.3, 0.6), (0.5, 2.5)),
]


# Six weeks after the plan: features cached and a small development sample in place.
STAGES_AFTER = [("Feature generation", (1.0, 2.0), (0.3, 1.2)), *STAGES[1:]]


def main(path: Path, runs: int = 40, seed: int = 7, stages=STAGES,
         start: datetime = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)) -> None:
    rng = random.Random(seed)
    rows = []
    for number in range(1, runs + 1):
        run_id = f"rank-{number:03d}"
        clock = start + timedelta(days=number * 1.5, hours=rng.uniform(0, 3))
        for name, (act_lo, act_hi), (wait_lo, wait_hi) in stages:
            attempts = 2 if name == "Training" and rng.random() < 0.12 else 1
            for attempt in range(attempts):
                wait = rng.uniform(wait_lo, wait_hi)
                active = rng.uniform(act_lo, act_hi)
                failed = attempt < attempts - 1
                if failed:
                    active *= rng.uniform(0.3, 0.8)  # crashed part-way through
                ended = clock + timedelta(hours=wait + active)
                rows.append({
                    "run_id": run_id,
                    "stage": name,
                    "started_at": clock.isoformat(timespec="minutes").replace("+00:00", "Z"),
                    "ended_at": ended.isoformat(timespec="minutes").replace("+00:00", "Z"),
                    "wait_hours": f"{wait:.2f}",
                    "status": "failed" if failed else "succeeded",
                })
                # Hand-off: someone has to notice the stage finished and start the next one.
                clock = ended + timedelta(hours=rng.choice([0, 0, 0.25, 0.5, 1.5]))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main(Path(__file__).with_name("example_runs.csv"))
    main(Path(__file__).with_name("example_runs_after.csv"), runs=24, seed=8, stages=STAGES_AFTER,
         start=datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
