"""Every analysis of the app at ten times its worked example: parse, analyse, plan, compare, export.

The data come from the worked examples' own seeded generators (``data/*/make_example.py``), run
into a temporary folder with ``--scale`` times the example's size: 400 runs instead of 40, 50
segments instead of 5, 40,000 feature rows per side instead of 4,000, 10,000 access requests
instead of 1,000. The sessions (answers, owners, inputs) are the shipped example plans
(``data/*/example.plan.json``). Nothing is written into ``data/``.

Each step is timed ``--repeat`` times after one untimed warm-up (a running server has imported
everything); a step slower than ``--budget`` seconds in all stops early, after at least one timed
call. p50 is checked against the step's target: 150 ms for what runs on a page rerun (or a click)
without caching, 1 s for an upload's parse + analysis, which the page caches.

    python benchmarks/bench_analyses.py [--scale 10] [--repeat 5] [--budget 2] [--seed 7] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from _common import REPO_ROOT, check, emit, percentile, table

from triage.export import plan_html, plan_jira_csv, plan_json, plan_markdown, plan_snapshot
from triage.followup import before_after_chart, compare_requests, compare_runs, compare_segments
from triage.kinds.requests.analysis import Clock, parse_requests, read_inventory
from triage.kinds.requests.impact import access_plan
from triage.kinds.runs.analysis import parse_runs
from triage.kinds.runs.impact import iteration_plan, session_analysis
from triage.kinds.samples.drift import compare, read_sample
from triage.kinds.segments.gap import read_segments
from triage.playbook import load_catalogue
from triage.production import analyse, production_plan
from triage.session import Session, from_json

RERUN_MS = 150.0  # the interaction budget: a page rerun or a click, nothing cached
UPLOAD_MS = 1000.0  # an upload's parse + analysis, cached by the page afterwards
DATA = REPO_ROOT / "data"
AFTER_START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # as data/iteration/make_example.py
FIXED_FALLBACK = 0.02  # the follow-up's "after" segment table: android-app timeouts fixed


# --- the data: the examples' generators at --scale ---------------------------------------


def generator(folder: str) -> ModuleType:
    """A private instance of ``data/<folder>/make_example.py``: setting its size constants here
    changes nobody else's copy."""
    path = DATA / folder / "make_example.py"
    spec = importlib.util.spec_from_file_location(f"_bench_make_{folder}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example_session(folder: str) -> Session:
    return from_json((DATA / folder / "example.plan.json").read_text(encoding="utf-8"))


def runs_files(folder: Path, scale: int) -> dict[str, Any]:
    """Before and after runs CSVs: ``scale`` times the example's 40 and 24 runs, same recipe."""
    make = generator("iteration")
    base = {side: parse_runs((DATA / "iteration" / f"example_{side}.csv").read_bytes()).analysis.runs
            for side in ("runs", "runs_after")}
    make.main(folder / "runs.csv", runs=base["runs"] * scale)
    make.main(folder / "runs_after.csv", runs=base["runs_after"] * scale, seed=8,
              stages=make.STAGES_AFTER, start=AFTER_START)
    return {"example_runs": base["runs"], "example_runs_after": base["runs_after"],
            "before": (folder / "runs.csv").read_bytes(),
            "after": (folder / "runs_after.csv").read_bytes()}


def split_segments(make: ModuleType, segments: list[tuple], parts: int, seed: int) -> list[dict]:
    """Each example segment split into ``parts`` regions: shares by a seeded Dirichlet (so every
    segment keeps its share and the totals their sums), metrics jittered ±3% around its own, the
    observed metric mixed with the fallback list exactly as the generator does."""
    rng = np.random.default_rng(seed)
    fallback_ctr = make.POPULARITY_FALLBACK_CTR
    rows = []
    for name, w0, w1, m0, served, fallback in segments:
        for k, weight in enumerate(rng.dirichlet(np.full(parts, 4.0)), start=1):
            jitter = float(rng.normal(1.0, 0.03))
            rows.append({
                "segment": f"{name}/region-{k:02d}",
                "expected_share": round(w0 * weight, 6), "observed_share": round(w1 * weight, 6),
                "expected_metric": round(m0 * jitter, 4),
                "observed_metric": round((1 - fallback) * served * jitter + fallback * fallback_ctr, 4),
                "fallback_share": fallback, "fallback_metric": fallback_ctr,
            })
    return rows


def production_files(folder: Path, scale: int, seed: int) -> dict[str, Any]:
    """Segment tables (before, and after the fallback fix) and training/serving samples."""
    make = generator("production")
    example_rows = make.ROWS
    make.ROWS *= scale
    fixed = [(*s[:5], FIXED_FALLBACK if s[0] == "android-app" else s[5]) for s in make.SEGMENTS]
    files = {}
    for name, rows in (("segments", split_segments(make, make.SEGMENTS, scale, seed)),
                       ("segments_after", split_segments(make, fixed, scale, seed + 1))):
        make.write_csv(folder / f"{name}.csv", {c: [r[c] for r in rows] for c in rows[0]})
        files[name] = (folder / f"{name}.csv").read_bytes()
    make.write_csv(folder / "reference.csv", make.feature_sample(20240901, serving=False))
    make.write_csv(folder / "current.csv", make.feature_sample(20241015, serving=True))
    files.update({side: (folder / f"{side}.csv").read_bytes() for side in ("reference", "current")})
    return {**files, "example_segments": len(make.SEGMENTS), "example_rows": example_rows}


def access_files(folder: Path, scale: int, seed: int) -> dict[str, Any]:
    """Request logs of ``scale`` times the example's requests, over the same six months: the
    example's seed, and for the follow-up's "after" log the same recipe with another seed."""
    make = generator("access")
    example = make.REQUESTS
    make.REQUESTS *= scale
    files = {}
    for name, build_seed in (("requests", make.SEED), ("requests_after", make.SEED + seed)):
        requests, _ = make.build(build_seed)
        make._write(folder / f"{name}.csv", requests, make.COLUMNS)
        files[name] = (folder / f"{name}.csv").read_bytes()
    return {**files, "example_requests": example,
            "inventory": (DATA / "access" / "example_inventory.csv").read_bytes()}


# --- timing ------------------------------------------------------------------------------


def timed(action: Callable[[], object], repeat: int, budget_s: float) -> list[float]:
    """One untimed warm-up, then up to ``repeat`` timed calls in seconds; a slow step stops once
    its timed calls add up to ``budget_s`` (at least one call), to keep the whole run short."""
    action()
    times: list[float] = []
    while len(times) < repeat and (not times or sum(times) < budget_s):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


class Steps:
    """Timed steps in order: each a row of the details table, some also a check."""

    def __init__(self, repeat: int, budget_s: float) -> None:
        self.repeat, self.budget_s = repeat, budget_s
        self.rows: list[dict[str, Any]] = []

    def time(self, name: str, action: Callable[[], object], target_ms: float | None = None,
             why: str = "") -> dict[str, Any]:
        times = timed(action, self.repeat, self.budget_s)
        row = {"step": name, "target_ms": target_ms, "why": why, "n": len(times),
               "p50_ms": round(percentile(times, 50) * 1000, 2),
               "best_ms": round(min(times) * 1000, 2), "each_ms": [round(t * 1000, 2) for t in times]}
        self.rows.append(row)
        return row

    def checks(self) -> list[dict[str, Any]]:
        return [check(f"{row['step']} (p50 of {row['n']})", row["p50_ms"], row["target_ms"], "ms")
                for row in self.rows if row["target_ms"] is not None]


# --- the steps ---------------------------------------------------------------------------


def snapshot_step(steps: Steps, scenario: str, plan: Any, session: Session) -> None:
    """A download click runs ``plan_snapshot`` before the file's own export (ui/plan_view.py)."""
    steps.time(f"{scenario}: plan_snapshot of that plan", lambda: plan_snapshot(plan, session=session),
               RERUN_MS, "each download click, before the export below")


def bench_iteration(steps: Steps, runs: dict[str, Any]) -> dict[str, Any]:
    session = example_session("iteration")
    book = load_catalogue().playbooks[session.scenario]
    data = parse_runs(runs["before"], "runs.csv")

    def rerun() -> object:  # what the iteration and plan pages do with the stored upload
        analysis = session_analysis(session, data.analysis)
        analysis.metrics()
        return iteration_plan(book, session, analysis)

    size = f"{data.analysis.runs:,} runs"
    steps.time(f"iteration: parse_runs, {size}", lambda: parse_runs(runs["before"], "runs.csv"),
               UPLOAD_MS, "upload; the page keeps the parsed runs")
    steps.time(f"iteration: metrics + plan, {size}", rerun, RERUN_MS, "every rerun of both pages")
    plan = rerun()
    snapshot_step(steps, "iteration", plan, session)
    return {"runs": data.analysis.runs, "rows": data.rows_read, "plan_actions": len(plan.actions)}


def bench_production(steps: Steps, files: dict[str, Any]) -> dict[str, Any]:
    session = example_session("production")
    book = load_catalogue().playbooks[session.scenario]
    records = read_segments(files["segments"], "segments.csv")
    session.inputs["segments"] = records
    samples = {side: read_sample(files[side], f"{side}.csv") for side in ("reference", "current")}
    drift = compare(samples["reference"], samples["current"])

    def rerun() -> object:  # pages/production.py and the plan page, drift report cached
        analysis = analyse(session.inputs, drift)
        analysis.metrics()
        return production_plan(book, session, analysis)

    rows, features = len(samples["reference"]), len(samples["reference"].columns)
    steps.time(f"production: read_segments, {len(records)} segments",
               lambda: read_segments(files["segments"], "segments.csv"), UPLOAD_MS, "upload")
    steps.time(f"production: gap analysis + plan, {len(records)} segments", rerun, RERUN_MS,
               "every rerun: analyse() decomposes the table each time")
    steps.time(f"production: read_sample, {rows:,} rows × {features}, both sides",
               lambda: [read_sample(files[side], side) for side in ("reference", "current")])
    steps.time(f"production: drift compare, {rows:,} rows × {features}",
               lambda: compare(samples["reference"], samples["current"]))
    steps.time(f"production: drift upload, read both + compare, {rows:,} rows",
               lambda: compare(*(read_sample(files[side], side) for side in ("reference", "current"))),
               UPLOAD_MS, "upload; cached per pair of files")
    plan = rerun()
    snapshot_step(steps, "production", plan, session)
    return {"segments": len(records), "sample_rows": rows, "features": features,
            "drifted": [f.feature for f in drift.drifted], "plan_actions": len(plan.actions)}


def bench_access(steps: Steps, files: dict[str, Any]) -> dict[str, Any]:
    session = example_session("access")
    book = load_catalogue().playbooks[session.scenario]
    slas = {k: float(v) for k, v in session.inputs["slas"].items() if v}

    def parse(business: bool) -> Any:  # ui/kinds/requests/inputs.analysis_for on a cache miss
        inventory = read_inventory(files["inventory"], "inventory.csv")
        return parse_requests(files["requests"], "requests.csv", slas=slas,
                              clock=Clock(business=business), inventory=inventory)

    analysis = parse(False)

    def rerun() -> object:  # the access and plan pages with the analysis cached
        analysis.metrics()
        per_month = analysis.requests / len(analysis.monthly)  # ui.kinds.requests.inputs.requests_per_month
        return access_plan(book, session, analysis, per_month)

    size = f"{analysis.requests:,} requests"
    why = "upload, or a clock/SLA/as-of change (cached on those)"
    steps.time(f"access: parse_requests, {size}, calendar hours", lambda: parse(False), UPLOAD_MS, why)
    steps.time(f"access: parse_requests, {size}, business hours", lambda: parse(True), UPLOAD_MS, why)
    steps.time(f"access: metrics + plan, {size}", rerun, RERUN_MS, "every rerun of both pages")
    plan = rerun()
    snapshot_step(steps, "access", plan, session)
    return {"requests": analysis.requests, "skipped": len(analysis.skipped),
            "months": len(analysis.monthly), "plan_actions": len(plan.actions)}


def bench_followup(steps: Steps, runs: dict[str, Any], production: dict[str, Any],
                   access: dict[str, Any]) -> dict[str, Any]:
    """ui/review.render_followup: on every rerun of the review page it parses the stored files,
    compares (2,000 bootstrap resamples) and draws the chart, nothing cached."""
    before_runs, after_runs = parse_runs(runs["before"], "before.csv"), parse_runs(runs["after"], "after.csv")
    before_log = parse_requests(access["requests"], "before.csv")
    after_log = parse_requests(access["requests_after"], "after.csv")
    plan_segments = read_segments(production["segments"], "segments.csv")
    metric = example_session("production").inputs["metric"]

    def segments() -> Any:
        new = read_segments(production["segments_after"], "after.csv")
        return compare_segments(plan_segments, new, metric_kind=metric.get("kind", "proportion"),
                                higher_is_better=bool(metric.get("higher_is_better", True)),
                                metric_name=metric.get("name") or "the metric")

    def page(parse_compare: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            result = parse_compare()
            before_after_chart(result.chart_items(), result.unit, "Before and after (after.csv)")
            return result
        return run

    runs_size = f"{before_runs.analysis.runs} vs {after_runs.analysis.runs} runs"
    log_size = f"{before_log.requests:,} vs {after_log.requests:,} requests"
    rerun = "every rerun of the review page with the plan open"
    steps.time(f"follow-up runs: parse both files, {runs_size}",
               lambda: (parse_runs(runs["before"], "before.csv"), parse_runs(runs["after"], "after.csv")))
    steps.time(f"follow-up runs: compare_runs only, {runs_size}",
               lambda: compare_runs(before_runs, after_runs))
    steps.time(f"follow-up runs: parse both + compare + chart, {runs_size}",
               page(lambda: compare_runs(parse_runs(runs["before"], "before.csv"),
                                         parse_runs(runs["after"], "after.csv"))), RERUN_MS, rerun)
    steps.time(f"follow-up segments: read + compare + chart, {len(plan_segments)} segments",
               page(segments), RERUN_MS, rerun)
    steps.time(f"follow-up requests: parse both logs, {log_size}",
               lambda: (parse_requests(access["requests"], "before.csv"),
                        parse_requests(access["requests_after"], "after.csv")))
    steps.time(f"follow-up requests: compare_requests only, {log_size}",
               lambda: compare_requests(before_log, after_log))
    steps.time(f"follow-up requests: parse both + compare + chart, {log_size}",
               page(lambda: compare_requests(parse_requests(access["requests"], "before.csv"),
                                             parse_requests(access["requests_after"], "after.csv"))),
               RERUN_MS, rerun)
    outcome = {"runs": compare_runs(before_runs, after_runs), "segments": segments(),
               "requests": compare_requests(before_log, after_log)}
    return {kind: result.verdict.sentence for kind, result in outcome.items()}


def bench_exports(steps: Steps) -> dict[str, Any]:
    """The plan downloads build their file when clicked (lazy ``data=``): a click's budget. Each
    step renders one format for all three example plans, so it is an upper bound for one click."""
    sessions = [example_session(folder) for folder in ("iteration", "production", "access")]
    formats = {"markdown": lambda se: plan_markdown(se.snapshot), "html": lambda se: plan_html(se.snapshot),
               "jira csv": lambda se: plan_jira_csv(se.snapshot),
               "json": lambda se: plan_json(se, se.snapshot)}
    for name, export in formats.items():
        steps.time(f"export {name}, the 3 example plans", lambda e=export: [e(se) for se in sessions],
                   RERUN_MS, "a click on the download renders one")
    return {f"{name} {se.scenario}": len(export(se)) for name, export in formats.items() for se in sessions}


def run(scale: int, repeat: int, budget_s: float, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        runs = runs_files(folder, scale)
        production = production_files(folder, scale, seed)
        access = access_files(folder, scale, seed)
    generated = time.perf_counter() - started
    steps = Steps(repeat, budget_s)
    result: dict[str, Any] = {
        "scale": scale, "repeat": repeat, "generate_s": round(generated, 2),
        "iteration": bench_iteration(steps, runs),
        "production": bench_production(steps, production),
        "access": bench_access(steps, access),
        "followup_verdicts": bench_followup(steps, runs, production, access),
        "export_chars": bench_exports(steps),
    }
    result["example_sizes"] = {"runs": runs["example_runs"], "runs_after": runs["example_runs_after"],
                               "segments": production["example_segments"],
                               "feature_rows": production["example_rows"],
                               "requests": access["example_requests"]}
    result["steps"] = steps.rows
    result["total_s"] = round(time.perf_counter() - started, 1)
    result["checks"] = steps.checks()
    return result


def details(result: dict[str, Any]) -> str:
    base = result["example_sizes"]
    head = (f"{result['scale']}× the worked examples (runs {base['runs']}/{base['runs_after']}, "
            f"{base['segments']} segments, {base['feature_rows']:,} feature rows per side, "
            f"{base['requests']:,} requests); data generated in {result['generate_s']} s, "
            f"whole benchmark {result['total_s']} s")
    rows = [[row["step"], row["p50_ms"], row["best_ms"],
             f"≤ {row['target_ms']:g}" if row["target_ms"] is not None else "—", row["why"]]
            for row in result["steps"]]
    verdicts = [f"  {kind}: {sentence}" for kind, sentence in result["followup_verdicts"].items()]
    return "\n".join([head, "", table(["step", "p50 ms", "best ms", "target ms", "budget"], rows), "",
                      "follow-up verdicts on the generated data:", *verdicts])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=10, help="times the worked examples (default 10)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per step (default 5)")
    parser.add_argument("--budget", type=float, default=2.0,
                        help="seconds of timed calls after which a slow step stops (default 2)")
    parser.add_argument("--seed", type=int, default=7,
                        help="seed of the segment split and the 'after' request log (default 7)")
    parser.add_argument("--json", action="store_true", help="print a JSON dict")
    args = parser.parse_args()
    result = run(args.scale, args.repeat, args.budget, args.seed)
    emit(result, args.json, details(result))


if __name__ == "__main__":
    main()
