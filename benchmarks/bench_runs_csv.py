"""Runs-CSV analysis at scale: ``parse_runs`` on a generated 500,000-row file, bytes to analysis.

The file mimics a scheduler export: ~100k runs × 5 stages, ISO 8601 UTC timestamps ending in
``Z``, a few failed training attempts retried in the same run, hand-off gaps between stages.

    python benchmarks/bench_runs_csv.py [--rows 500000] [--repeat 3] [--seed 7] [--json]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from _common import REPO_ROOT, check, emit, table

from triage.kinds.runs.analysis import RUNS_REQUIRED, RUNS_TIME_COLUMNS, parse_runs
from triage.tabular import read_table

TARGET_SECONDS = 1.5
# Stage name as exported, median hours, lognormal sigma, share of it spent waiting.
STAGES = (
    ("Feature generation", 5.0, 0.5, 0.35),
    ("GPU queue", 1.0, 0.8, 0.9),
    ("Training", 2.5, 0.4, 0.0),
    ("Eval", 1.8, 0.3, 0.1),
    ("Deploy approval", 1.7, 0.9, 0.7),
)
TRAINING = 2  # index in STAGES; a retried run gets a failed training attempt before it
RETRY_SHARE = 0.03
HANDOFF_SHARE = 0.15  # chance of a gap before each stage
EPOCH = np.datetime64("2026-01-01T00:00:00", "s")


# --- the file ----------------------------------------------------------------------------


def generate_runs(rows: int, seed: int) -> pd.DataFrame:
    """Vectorised: one slot per stage plus one for a failed attempt, cumulated per run."""
    rng = np.random.default_rng(seed)
    runs = rows // len(STAGES) + 1
    slots = [*STAGES[:TRAINING], STAGES[TRAINING], *STAGES[TRAINING:]]  # slot 2: failed try
    medians = np.array([s[1] for s in slots])
    sigmas = np.array([s[2] for s in slots])
    hours = medians * np.exp(rng.normal(0.0, sigmas, size=(runs, len(slots))))
    present = np.ones_like(hours, dtype=bool)
    present[:, TRAINING] = rng.random(runs) < RETRY_SHARE
    gaps = np.where(rng.random(hours.shape) < HANDOFF_SHARE, rng.exponential(1.5, hours.shape), 0)
    seconds = np.where(present, np.round((hours + gaps) * 3600), 0).astype(np.int64)
    gap_seconds = np.round(np.where(present, gaps, 0) * 3600).astype(np.int64)
    run_start = rng.integers(0, 300 * 86400, size=runs)
    ends = run_start[:, None] + np.cumsum(seconds, axis=1)
    starts = ends - seconds + gap_seconds
    waits = np.array([s[3] for s in slots]) * (ends - starts) / 3600
    frame = pd.DataFrame({
        "run_id": np.repeat([f"run-{i:06d}" for i in range(runs)], len(slots)),
        "stage": np.tile([s[0] for s in slots], runs),
        "started_at": _iso(starts.ravel()),
        "ended_at": _iso(ends.ravel()),
        "wait_hours": np.floor(waits.ravel() * 100) / 100,
        "status": np.where(np.arange(starts.size) % len(slots) == TRAINING, "failed", "succeeded"),
    })
    return frame[present.ravel()].head(rows)


def _iso(seconds: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(EPOCH + seconds.astype("timedelta64[s]"), timezone="UTC")


def write_csv(frame: pd.DataFrame, path: Path) -> bytes:
    frame.to_csv(path, index=False, float_format="%.2f")
    return path.read_bytes()


# --- timing ------------------------------------------------------------------------------


def timed_runs(action: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def time_cli(path: Path) -> float:
    command = [sys.executable, "-m", "triage", "iteration", str(path), "--json"]
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def run(rows: int, repeat: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "runs.csv"
        data = write_csv(generate_runs(rows, seed), path)
        parse = timed_runs(lambda: parse_runs(data, "runs.csv"), repeat)
        read = timed_runs(lambda: read_table(data, name="runs.csv", required=RUNS_REQUIRED,
                                             any_of=RUNS_TIME_COLUMNS), repeat)
        analysis = parse_runs(data, "runs.csv").analysis
        cli = time_cli(path)
    best, best_read = min(parse), min(read)
    return {
        "rows": rows, "megabytes": round(len(data) / 2**20, 1), "runs": analysis.runs,
        "stages": [s.stage for s in analysis.stages], "skipped_rows": len(analysis.skipped),
        "parse_runs_s": [round(t, 3) for t in parse], "parse_runs_best_s": round(best, 3),
        "read_table_s": [round(t, 3) for t in read], "read_table_best_s": round(best_read, 3),
        "rest_best_s": round(best - best_read, 3), "cli_wall_s": round(cli, 3),
        "checks": [check(f"parse_runs {rows:,} rows (best of {repeat})", best, TARGET_SECONDS,
                         "s")],
    }


def details(result: dict) -> str:
    head = (f"{result['rows']:,} rows, {result['megabytes']} MB, {result['runs']:,} runs, "
            f"stages {', '.join(result['stages'])}; {result['skipped_rows']} rows skipped")
    rows = [
        ["parse_runs (bytes → analysis)", result["parse_runs_best_s"], _each(result["parse_runs_s"])],
        ["  read_table alone", result["read_table_best_s"], _each(result["read_table_s"])],
        ["  the rest (parse, group, stats)", result["rest_best_s"], "best − best"],
        ["CLI iteration --json, wall clock", result["cli_wall_s"], "once, incl. interpreter"],
    ]
    return head + "\n\n" + table(["step", "best s", "each run"], rows)


def _each(times: list[float]) -> str:
    return ", ".join(f"{t:.3f}" for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=500_000, help="rows in the CSV (default 500000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs, best counts (default 3)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--json", action="store_true", help="print a JSON dict")
    args = parser.parse_args()
    result = run(args.rows, args.repeat, args.seed)
    emit(result, args.json, details(result))


if __name__ == "__main__":
    main()
