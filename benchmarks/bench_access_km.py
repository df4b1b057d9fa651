"""Access waits at scale: ``parse_requests`` on 100,000 generated requests, and the Kaplan–Meier
part of it alone (every curve built and read: four stages, time to access, each dataset's owner
wait, each month and tier).

The log mimics six months of requests on 500 datasets with lognormal stage waits, and a backlog:
one request in three gets stuck in one stage, 10 to 200 times its usual wait (days to months),
so as of the latest timestamp about one request in six is still waiting somewhere and the curves
carry real censoring. The Kaplan–Meier time is measured by timing every call into
``triage.survival.Survival`` during one ``parse_requests`` (wrapped, not reimplemented).

    python benchmarks/bench_access_km.py [--requests 100000] [--repeat 3] [--seed 11] [--json]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np
import pandas as pd
from _common import check, emit, table

from triage import survival
from triage.kinds.requests.analysis import TIME_COLUMNS, parse_requests

KM_TARGET_SECONDS = 1.0
DATASETS = 500
MONTHS = 6
# median hours and lognormal sigma of each stage: owner, approval, provisioning, first use
STAGE_WAITS = ((4.0, 1.5), (20.0, 1.0), (60.0, 0.8), (6.0, 1.2))
TIERS = ("public", "internal", "confidential", "restricted")
EPOCH = np.datetime64("2026-01-01T00:00:00", "s")
STUCK_SHARE = 1 / 3


def generate_requests(n: int, seed: int) -> bytes:
    """Vectorised: each request's stage ends cumulated from its request time; a stage that would
    end after the window's end has not happened yet (blank), so the request is still waiting."""
    rng = np.random.default_rng(seed)
    window = MONTHS * 30 * 86400
    requested = np.sort(rng.integers(0, window, n))
    waits = np.column_stack([np.round(m * 3600 * np.exp(rng.normal(0, s, n)))
                             for m, s in STAGE_WAITS]).astype(np.int64)
    stuck = rng.random(n) < STUCK_SHARE  # the backlog: one stage waits 10-200 times longer
    stage = rng.integers(0, len(STAGE_WAITS), n)
    waits[stuck, stage[stuck]] *= rng.integers(10, 200, int(stuck.sum()))
    ends = requested[:, None] + np.cumsum(waits, axis=1)
    happened = ends <= window
    happened = np.logical_and.accumulate(happened, axis=1)
    denied = rng.random(n) < 0.04
    happened[denied, 1:] = False
    columns = {"request_id": [f"R{i:06d}" for i in range(n)],
               "dataset": [f"ds_{i:03d}" for i in rng.integers(0, DATASETS, n)],
               "requested_at": _iso(requested)}
    for k, column in enumerate(TIME_COLUMNS[1:]):
        stamps = _iso(ends[:, k])
        columns[column] = np.where(happened[:, k], stamps, "")
    columns["tier"] = rng.choice(TIERS, n)
    columns["status"] = np.where(denied, "denied", np.where(happened[:, 3], "approved", "pending"))
    return pd.DataFrame(columns).to_csv(index=False).encode()


def _iso(seconds: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(EPOCH + seconds.astype("timedelta64[s]"), timezone="UTC")


@contextmanager
def km_timer(spent: list[float]):
    """Time every call into Survival (construction and reading) while the block runs."""
    originals: dict[str, Callable] = {}

    def timed(function: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent.append(time.perf_counter() - start)
        return wrapper

    names = ("quantile", "waiting_at", "waiting_at_most", "mean", "mean_is_lower_bound")
    originals["of"] = survival.Survival.__dict__["of"]
    survival.Survival.of = classmethod(timed(originals["of"].__func__))
    for name in names:
        originals[name] = getattr(survival.Survival, name)
        setattr(survival.Survival, name, timed(originals[name]))
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(survival.Survival, name, function)


def run(requests: int, repeat: int, seed: int) -> dict:
    data = generate_requests(requests, seed)
    totals, km, calls = [], [], 0
    for _ in range(repeat):
        spent: list[float] = []
        with km_timer(spent):
            start = time.perf_counter()
            analysis = parse_requests(data, "requests.csv")
            totals.append(time.perf_counter() - start)
        # Nested calls (quantile reading the curve) are not double-counted: Survival's methods
        # do not call each other except mean_is_lower_bound -> _at, which is not wrapped.
        km.append(sum(spent))
        calls = len(spent)
    open_share = sum(s.open for s in analysis.stages) / analysis.requests
    best_km, best_total = min(km), min(totals)
    return {
        "requests": requests, "megabytes": round(len(data) / 2**20, 1),
        "open_share": round(open_share, 3), "datasets": len(analysis.owner_waits),
        "months": len(analysis.monthly), "km_calls": calls,
        "parse_requests_s": [round(t, 3) for t in totals], "parse_requests_best_s": round(best_total, 3),
        "kaplan_meier_s": [round(t, 3) for t in km], "kaplan_meier_best_s": round(best_km, 3),
        "stages": {s.stage: {"median_hours": s.median_hours, "completed_median_hours":
                             s.completed_median_hours, "open": s.open} for s in analysis.stages},
        "checks": [check(f"Kaplan–Meier on {requests:,} requests (best of {repeat})", best_km,
                         KM_TARGET_SECONDS, "s")],
    }


def details(result: dict) -> str:
    head = (f"{result['requests']:,} requests, {result['megabytes']} MB, "
            f"{result['open_share']:.0%} still waiting in a stage, {result['datasets']} datasets, "
            f"{result['months']} months; {result['km_calls']:,} calls into Survival per parse")
    rows = [
        ["parse_requests (bytes → analysis)", result["parse_requests_best_s"],
         ", ".join(f"{t:.3f}" for t in result["parse_requests_s"])],
        ["  of which Kaplan–Meier", result["kaplan_meier_best_s"],
         ", ".join(f"{t:.3f}" for t in result["kaplan_meier_s"])],
    ]
    stages = table(["stage", "KM median h", "completed-only h", "open"],
                   [[k, round(v["median_hours"], 1), round(v["completed_median_hours"], 1), v["open"]]
                    for k, v in result["stages"].items()])
    return head + "\n\n" + table(["step", "best s", "each run"], rows) + "\n\n" + stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100_000, help="requests (default 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs, best counts (default 3)")
    parser.add_argument("--seed", type=int, default=11, help="random seed (default 11)")
    parser.add_argument("--json", action="store_true", help="print a JSON dict")
    args = parser.parse_args()
    result = run(args.requests, args.repeat, args.seed)
    emit(result, args.json, details(result))


if __name__ == "__main__":
    main()
