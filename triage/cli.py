"""Headless use: ``python -m triage validate|iteration|gap|noise|drift|profile|skew|access|export|store``.

Conventions for every command: with ``--json``, strict JSON on stdout (no NaN); on input that
cannot be used at all, exit code 1, one clear line on stderr and nothing on stdout. Never a
traceback for a user's mistake.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from triage.export import ExportError, plan_html, plan_jira_csv, plan_markdown, snapshot_for
from triage.playbook import (
    PlaybookError,
    Problem,
    load_catalogue,
    load_playbook,
    playbook_dir,
    unknown_opens,
)
from triage.session import SessionError, from_json, to_json


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def iteration_report(data: bytes, name: str, **source: Any) -> dict[str, Any]:
    """One iteration from a runs CSV: ``iteration_hours`` is the mean of run totals (the stage
    means added up), the typical iteration the median of run totals; per stage its mean per run
    over all runs (``mean_hours``, 0 where absent, so shares add up to 1) and its median/p75/p90
    over the ``runs`` that have it. ``source`` goes to ``triage.sources.read_runs``: the file may
    be a W&B, Slurm, Airflow or MLflow export (``source_format``, ``timezone``, …).
    ``queue_wait``: the Kaplan–Meier queue wait over every job, pending ones censored at the
    export time (sacct; None for other sources): the runs and stages count finished work only."""
    from triage.sources import read_runs
    runs = read_runs(data, name, **source)
    analysis = runs.analysis
    top = analysis.bottleneck
    return {
        "iteration_hours": analysis.iteration_hours,
        "typical_iteration_hours": _finite_or_none(analysis.typical_iteration_hours),
        "p90_iteration_hours": _finite_or_none(analysis.p90_iteration_hours),
        "bottleneck": top.stage if top else None,
        "flow_efficiency": _finite_or_none(analysis.flow_efficiency),
        "runs": analysis.runs,
        "stages": [
            {
                "stage": s.stage,
                "mean_hours": s.hours,
                "share": s.share,
                "median_hours": _finite_or_none(s.median_hours),
                "p75_hours": _finite_or_none(s.p75_hours),
                "p90_hours": _finite_or_none(s.p90_hours),
                "runs": s.runs,
            }
            for s in analysis.stages
        ],
        "skipped": [{"row": s.row, "reason": s.reason} for s in analysis.skipped],
        "notes": list(analysis.notes),
        "queue_wait": runs.queue_wait.as_json() if runs.queue_wait else None,
    }


def _iteration_build(args: argparse.Namespace):
    """iteration_report with the source options and column mapping given on the command line:
    the mapping proposed from the columns' names, ``--map`` on top (as the page does)."""
    from triage.mapping import parse_map_options, runs_contract
    from triage.sources import detect_format, mapping_for

    def build(data: bytes, name: str) -> dict[str, Any]:
        fmt = detect_format(data, name) if args.format == "detect" else args.format
        chosen = parse_map_options(args.map, runs_contract(fmt))
        _, _, columns = mapping_for(data, name, fmt, chosen)
        return iteration_report(data, name, source_format=args.format, timezone=args.timezone,
                                iteration_from=args.iteration_from,
                                name_pattern=args.job_name_pattern, as_of=args.as_of,
                                columns=columns)

    return build


def gap_report(data: bytes, name: str, mapping: Sequence[str] = ()) -> dict[str, Any]:
    """The segment split; ``mapping`` holds ``--map COLUMN=FIELD`` options."""
    from triage.kinds.segments.gap import decompose, read_segments, segment_rows
    from triage.mapping import SEGMENTS, parse_map_options, table_mapping
    _, columns = table_mapping(data, name, SEGMENTS, parse_map_options(mapping, SEGMENTS))
    result = decompose(segment_rows(read_segments(data, name, columns=columns)))
    return {
        "expected": result.expected_total,
        "observed": result.observed_total,
        "gap": result.change,
        "mix": result.mix,
        "rate": result.rate,
        "fallback": result.fallback,
        "model": result.model,
        "segments": [{"segment": s.segment, "mix": s.mix, "rate": s.rate, "fallback": s.fallback,
                      "model": s.model} for s in result.segments],
        "notes": list(result.notes),
    }


def _print_gap_table(report: dict[str, Any]) -> None:
    print(f"expected {report['expected']:.6g} -> observed {report['observed']:.6g}: "
          f"gap {report['gap']:+.6g}")
    print(f"  traffic mix {report['mix']:+.6g}, fallbacks {report['fallback']:+.6g}, "
          f"model {report['model']:+.6g}")
    print(f"{'segment':<24}{'mix':>12}{'fallback':>12}{'model':>12}")
    for s in report["segments"]:
        print(f"{s['segment']:<24}{s['mix']:>+12.5f}{s['fallback']:>+12.5f}{s['model']:>+12.5f}")
    for note in report["notes"]:
        print(f"note: {note}")


def _print_iteration_table(report: dict[str, Any]) -> None:
    def hours(value: float | None, width: int) -> str:
        return f"{'–':>{width}}" if value is None else f"{value:>{width}.2f}"

    print(f"one iteration: {report['iteration_hours']:.2f} h on average (mean of "
          f"{report['runs']} runs); typical (median) {hours(report['typical_iteration_hours'], 0)} h, "
          f"p90 {hours(report['p90_iteration_hours'], 0)} h; bottleneck: {report['bottleneck']}")
    efficiency = report["flow_efficiency"]
    print("flow efficiency: " + ("unknown" if efficiency is None else f"{efficiency:.0%}"))
    print(f"{'stage':<20}{'mean h':>10}{'share':>8}{'median h':>10}{'p75 h':>10}{'p90 h':>10}"
          f"{'runs':>6}")
    for s in report["stages"]:
        print(f"{s['stage']:<20}{s['mean_hours']:>10.2f}{s['share']:>8.0%}"
              f"{hours(s['median_hours'], 10)}{hours(s['p75_hours'], 10)}"
              f"{hours(s['p90_hours'], 10)}{s['runs']:>6}")
    print("means add up to the average iteration; median/p75/p90 are over the runs that have "
          "the stage")
    for skipped in report["skipped"]:
        print(f"skipped row {skipped['row']}: {skipped['reason']}")
    for note in report.get("notes", ()):
        print(f"note: {note}")


def _read_input(path_text: str) -> bytes | None:
    try:
        return sys.stdin.buffer.read() if path_text == "-" else Path(path_text).read_bytes()
    except OSError as err:
        print(f"{path_text}: cannot read the file ({err.strerror or err})", file=sys.stderr)
        return None


def _report_command(build, show):
    """A command that reads one file, builds a report, prints JSON or a table."""

    def run(args: argparse.Namespace) -> int:
        data = _read_input(args.file)
        if data is None:
            return 1
        return _emit(lambda: build(data, Path(args.file).name), show, args.json)

    return run


def _run_iteration(args: argparse.Namespace) -> int:
    """A runs file, or with --mlflow an MLflow experiment read through its client."""
    if args.mlflow is None:
        if args.file is None:
            print("iteration: give a runs file, or --mlflow URI --experiment NAME", file=sys.stderr)
            return 1
        return _report_command(_iteration_build(args), _print_iteration_table)(args)
    if args.file is not None or not args.experiment:
        print("iteration --mlflow: give --experiment NAME (and no runs file)", file=sys.stderr)
        return 1
    from triage.sources.mlflow import read_tracking

    # MLflow's default (7 retries with backoff) hangs minutes on a mistyped host; the user's
    # own setting wins.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")

    def build() -> dict[str, Any]:
        runs = read_tracking(args.mlflow, args.experiment)
        report = iteration_report(runs.raw, f"{args.experiment} ({args.mlflow})")
        report["notes"] = list(runs.analysis.notes)  # MLflow's notes, as its export gives them
        return report

    return _emit(build, _print_iteration_table, args.json)


def _emit(build, show, as_json: bool) -> int:
    """Build a report; print strict JSON or a table; one stderr line on unusable input."""
    from triage.tabular import InputError
    try:
        report = build()
    except InputError as err:
        print(str(err).replace("\n", " "), file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(report, allow_nan=False, indent=2))
    else:
        show(report)
    return 0


def _run_drift(args: argparse.Namespace) -> int:
    from triage.kinds.samples.drift import compare, drift_report_json, read_sample
    from triage.mapping import parse_map_options, rename_serving, samples_contract
    from triage.tabular import InputError
    if _aggregated(args):
        return _run_drift_aggregated(args)
    samples = []
    for path_text in (args.reference, args.current):
        data = _read_input(path_text)
        if data is None:
            return 1
        try:
            samples.append(read_sample(data, Path(path_text).name))
        except InputError as err:
            hint = (" Here, `--engine duckdb` computes drift from aggregates instead, in memory "
                    "that does not grow with the rows (docs/scale.md)."
                    if "more than the limit of" in str(err) else "")
            print(str(err).replace("\n", " ") + hint, file=sys.stderr)
            return 1
    try:
        reference, current = samples
        contract = samples_contract(list(reference.columns), list(current.columns))
        mapping = parse_map_options(args.map, contract)
        missing = [c for c in mapping.values() if c not in current.columns]
        if missing:
            raise InputError(f"--map: {missing[0]!r} is not a column of the serving sample "
                             f"{args.current}.")
    except InputError as err:
        print(str(err).replace("\n", " "), file=sys.stderr)
        return 1
    report = drift_report_json(compare(reference, rename_serving(current, mapping)))
    return _show_drift(args, report)


def _show_drift(args: argparse.Namespace, report: dict[str, Any]) -> int:
    if not report["features"]:  # no column in common, or none left after skipping
        reason = report["problems"][-1] if report["problems"] else "no feature to compare"
        print(f"{args.reference} vs {args.current}: {reason}".replace("\n", " "), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report, allow_nan=False, indent=2))
        return 0
    print(f"{'feature':<28}{'kind':<13}{'JS':>7}{'band':>7}{'PSI':>7}  verdict")
    for feature in report["features"]:
        js, band = feature["js_distance"], feature["null_band"].get("js_distance")
        cells = [f"{v:>7.3f}" if v is not None else f"{'-':>7}" for v in (js, band, feature["psi"])]
        verdict = "DRIFTED" if feature["drifted"] else _quiet_verdict(feature["reasons"])
        print(f"{feature['feature']:<28}{feature['kind']:<13}{''.join(cells)}  {verdict}")
    for problem in report["problems"]:
        print(f"note: {problem}")
    return 0


_URL_PREFIX = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://")


def _aggregated(args: argparse.Namespace) -> bool:
    """Drift from aggregates (an engine) unless both samples are files read into memory: a
    profile, a URL, a folder or a glob goes to the engine. A single CSV or Parquet file is read
    into memory (exact and several times faster), within the readers' stated limits; past them
    the refusal points at ``--engine duckdb``."""
    if args.engine is not None:
        return args.engine != "memory"
    for text in (args.reference, args.current):
        if text == "-":
            continue
        if (_URL_PREFIX.match(text) or text.endswith((".json", "/"))
                or any(ch in text for ch in "*?[") or Path(text).is_dir()):
            return True
    return False


def _drift_source(text: str, table: str | None, query: str | None):
    from triage.kinds.samples.engines import source_from
    from triage.tabular import InputError

    if text == "-":
        raise InputError("stdin (-) cannot be read by an engine: give a path, or --engine memory.")
    return source_from(text, table=table, query=query)


def _reference_or_profile(args: argparse.Namespace):
    from triage.kinds.samples.aggregate import load_profile
    from triage.tabular import InputError

    if args.reference.endswith(".json") and Path(args.reference).is_file():
        try:
            data = Path(args.reference).read_bytes()
        except OSError as err:
            raise InputError(f"{args.reference}: cannot read the file ({err.strerror or err})") from None
        return load_profile(data, args.reference)
    return _drift_source(args.reference, args.ref_table, args.ref_query)


def _renames(options: list[str] | None) -> dict[str, str]:
    from triage.kinds.samples.aggregate import _normal
    from triage.tabular import InputError

    renames = {}
    for option in options or ():
        column, sep, feature = option.partition("=")
        if not sep or not column.strip() or not feature.strip():
            raise InputError(f"--map {option!r}: write COLUMN=FEATURE, e.g. --map \"score v2=score\".")
        renames[_normal(column)] = _normal(feature)
    return renames


def _run_drift_aggregated(args: argparse.Namespace) -> int:
    from triage.kinds.samples.aggregate import compare_sources
    from triage.kinds.samples.drift import drift_report_json
    from triage.tabular import InputError

    def build() -> dict[str, Any]:
        reference = _reference_or_profile(args)
        current = _drift_source(args.current, args.cur_table, args.cur_query)
        options = {"memory_limit": args.memory_limit} if args.engine in (None, "duckdb") and \
            args.memory_limit else {}
        report = compare_sources(reference, current, engine=args.engine, renames=_renames(args.map),
                                 **options)
        return drift_report_json(report)

    try:
        report = build()
    except InputError as err:
        print(str(err).replace("\n", " "), file=sys.stderr)
        return 1
    return _show_drift(args, report)


def _run_profile(args: argparse.Namespace) -> int:
    from triage.kinds.samples.aggregate import profile_sources, profile_to_json
    from triage.tabular import InputError

    try:
        source = _drift_source(args.reference, args.table, args.query)
        options = {"memory_limit": args.memory_limit} if args.engine in (None, "duckdb") and \
            args.memory_limit else {}
        profile = profile_sources(source, engine=args.engine, **options)
    except InputError as err:
        print(str(err).replace("\n", " "), file=sys.stderr)
        return 1
    text = json.dumps(profile_to_json(profile), allow_nan=False)
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as err:
        print(f"{args.output}: cannot write the profile ({err.strerror or err})", file=sys.stderr)
        return 1
    print(f"{args.output}: profile of {len(profile.features)} feature(s) from {profile.source}")
    return 0


def _quiet_verdict(reasons: list[str]) -> str:
    """A non-drifted feature's verdict in a few words: its reason without brackets, up to the
    first colon ("within chance and the floors", "beyond chance but too small to matter")."""
    reason = reasons[0] if reasons else "within chance and the floors"
    return re.sub(r" \([^)]*\)", "", reason).split(":")[0]


def _run_skew(args: argparse.Namespace) -> int:
    from triage.kinds.samples.skew import DEFAULT_ATOL, DEFAULT_RTOL, skew_report, skew_report_json
    from triage.mapping import SKEW, parse_map_options
    served = _read_input(args.served)
    offline = _read_input(args.offline) if args.offline else None
    if served is None or (args.offline and offline is None):
        return 1
    return _emit(lambda: skew_report_json(skew_report(
        served, Path(args.served).name, offline, Path(args.offline or "offline").name,
        atol=DEFAULT_ATOL if args.atol is None else args.atol,
        rtol=DEFAULT_RTOL if args.rtol is None else args.rtol,
        columns=parse_map_options(args.map, SKEW))),
        _print_skew_table, args.json)


def _print_skew_table(report: dict[str, Any]) -> None:
    print(report["headline"])
    def rows(n: int) -> str:
        return f"{n:,} row{'' if n == 1 else 's'}"

    print(f"served {rows(report['served_rows'])}, offline {rows(report['offline_rows'])}, "
          f"{report['matched']:,} matched; numeric values differ when |served - offline| > "
          f"{report['atol']:g} + {report['rtol']:g}*|offline|")
    print(f"{'feature':<28}{'kind':<9}{'differs':>9}{'95% Wilson':>17}{'served missing':>16}"
          f"  spikes")
    for f in report["features"]:
        share, (low, high) = f["differs"]["share"], f["differs"]["interval"]
        spikes = []
        if f["default_spike"]:
            spikes.append(f"default {f['default']['value']} on {f['default']['filled']['share']:.1%}")
        if f["missing_spike"]:
            spikes.append(f"missing on {f['missing']['filled']['share']:.1%}")
        print(f"{f['feature']:<28}{f['kind']:<9}{share:>9.1%}{f'{low:.1%}-{high:.1%}':>17}"
              f"{f['served_missing']:>16,}  {'; '.join(spikes) or '-'}")
    for note in report["notes"]:
        print(f"note: {note}")


def _count(text: str, option: str) -> tuple[int, int]:
    """'X/N' → (X, N), integers with 0 ≤ X ≤ N and N ≥ 1."""
    from triage.kinds.segments.noise import NoiseError
    left, _, right = text.partition("/")
    try:
        successes, n = int(left.strip()), int(right.strip())
    except ValueError:
        raise NoiseError(f"{option} {text!r}: write successes/n as whole numbers, e.g. 3/10 "
                         "(or a value with --se for a metric that is not a proportion)") from None
    if n < 1 or not 0 <= successes <= n:
        raise NoiseError(f"{option} {text!r}: successes must lie between 0 and n, with n ≥ 1")
    return successes, n


def _number(text: str | None, option: str) -> float | None:
    from triage.kinds.segments.noise import NoiseError
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise NoiseError(f"{option} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise NoiseError(f"{option} {text!r} is not a finite number")
    return value


def noise_report(args: argparse.Namespace) -> dict[str, Any]:
    """The noise test the page uses: exact binomial (known expectation), two-sample score test
    (expectation measured with --expected-n) or Welch (--se / --expected-se)."""
    from triage.kinds.segments.noise import (
        NoiseError,
        successes_from,
        verdict_sentence,
        vs_known,
        vs_measured,
        welch,
    )
    if args.se is not None or args.expected_se is not None:
        if "/" in args.observed:
            raise NoiseError("--observed X/N is a proportion: drop --se/--expected-se, or give "
                             "the observed value itself with --se")
        result = welch(_number(args.observed, "--observed"), _number(args.se, "--se"),
                       _number(args.expected, "--expected"),
                       _number(args.expected_se, "--expected-se"),
                       _number(args.observed_n, "--observed-n"),
                       _number(args.expected_n, "--expected-n"))
    else:
        if "/" not in args.observed:
            raise NoiseError(f"--observed {args.observed!r}: a proportion is successes/n (e.g. "
                             "3/10); for another metric give its standard error with --se")
        successes, n = _count(args.observed, "--observed")
        if "/" in args.expected:
            x0, n0 = _count(args.expected, "--expected")
            if args.expected_n is not None:
                raise NoiseError("--expected X0/N0 already has its n: drop --expected-n")
            result = vs_measured(successes, n, x0, n0)
        else:
            expected = _number(args.expected, "--expected")
            n0 = _number(args.expected_n, "--expected-n")
            if n0 is None:
                result = vs_known(successes, n, expected)
            else:
                result = vs_measured(successes, n, successes_from(expected, n0, "--expected"),
                                     int(round(n0)))
    higher = not args.lower_is_better
    return {**result.as_json(), "higher_is_better": higher,
            "sentence": verdict_sentence(args.name, result, higher)}


def _run_noise(args: argparse.Namespace) -> int:
    return _emit(lambda: noise_report(args), _print_noise, args.json)


def _print_noise(report: dict[str, Any]) -> None:
    low, high = report["interval"]
    print(report["sentence"])
    print(f"method: {report['method']}")
    print(f"p_value {report['p_value']:.4g}, significant (p < 0.05): "
          f"{'yes' if report['significant'] else 'no'}; 95% interval of observed - expected: "
          f"{low:+.6g} to {high:+.6g}")


def _print_access_table(report: dict[str, Any]) -> None:
    for note in report.get("source_notes", ()):
        print(f"{report['source']}: {note}")
    tta = report["time_to_access"]
    print(f"{report['requests']} requests as of {report['as_of']}, in {report['clock_description']}; "
          f"time to access (Kaplan–Meier) median {_km(tta, 'median')}, p90 {_km(tta, 'p90')} h")
    if report.get("whole_wait_only"):
        print("stages unknown: the source tells only the whole wait, so only the time to access "
              "is measured")
    paused = report.get("paused")
    if paused and paused["requests"]:
        print(f"paused (waiting on the requester): {paused['hours_subtracted']:.1f} h over "
              f"{paused['requests']} requests, subtracted from the time to access only")
    print(f"{'stage':<14}{'median h':>12}{'p90 h':>12}{'done-only':>10}{'mean h':>10}"
          f"{'SLA h':>8}{'breach':>9}{'n':>7}{'open':>6}")
    for s in report["stages"]:
        if s["breach_rate"] is not None:
            breach = f"{s['breach_rate']:.0%}"
        elif s["breach_rate_upper_bound"] is not None:
            breach = f"<={s['breach_rate_upper_bound']:.0%}"
        else:
            breach = "-"
        mean = _hours(s["mean_hours"]) + ("+" if s["mean_is_lower_bound"] else "")
        print(f"{s['stage']:<14}{_km(s, 'median'):>12}{_km(s, 'p90'):>12}"
              f"{_hours(s['completed_median_hours']):>10}{mean:>10}{s['sla_hours']:>8g}"
              f"{breach:>9}{s['n']:>7}{s['open']:>6}")
    clock = "business" if report["clock"] == "business" else "calendar"
    defaults = [s["stage"] for s in report["stages"] if s["sla_is_default"]]
    print(f"Kaplan–Meier: requests still waiting count up to the as-of date; '>' = the curve "
          f"never falls that far (more than); mean '+' = a lower bound; breach = share of waits "
          f"longer than the SLA, '<=' = at most. SLAs in {clock} hours"
          + (f" (app defaults for {', '.join(defaults)})" if defaults else "") + ".")
    for skipped in report["skipped"][:_SKIPPED_SHOWN]:
        print(f"skipped row {skipped['row']}: {skipped['reason']}")
    if len(report["skipped"]) > _SKIPPED_SHOWN:
        print(f"... and {len(report['skipped']) - _SKIPPED_SHOWN} more skipped rows (--json lists all)")


_SKIPPED_SHOWN = 10


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _km(item: dict[str, Any], which: str) -> str:
    """A Kaplan–Meier quantile from the report: '130.0', or '>505.0' when not reached."""
    if item[f"{which}_hours"] is None and item[f"{which}_lower_bound_hours"] is not None:
        return ">" + _hours(item[f"{which}_lower_bound_hours"])
    return _hours(item[f"{which}_hours"])


def _run_access(args: argparse.Namespace) -> int:
    from triage.kinds.requests.analysis import access_report, parse_sla_option
    from triage.mapping import REQUESTS, parse_map_options
    from triage.tabular import InputError
    try:
        slas = dict(parse_sla_option(text) for text in args.sla or ())
    except InputError as err:
        print(str(err).replace("\n", " "), file=sys.stderr)
        return 1
    data = _read_input(args.file)
    inventory = _read_input(args.inventory) if args.inventory else None
    changelog = _read_input(args.changelog) if args.changelog else None
    approvals = _read_input(args.approvals) if args.approvals else None
    task_sla = _read_input(args.task_sla) if args.task_sla else None
    missing = [path for path, read in ((args.inventory, inventory), (args.changelog, changelog),
                                       (args.approvals, approvals), (args.task_sla, task_sla))
               if path and read is None]
    if data is None or missing:
        return 1
    if args.holidays and not args.business_hours:
        print("--holidays applies to business hours: add --business-hours", file=sys.stderr)
        return 1
    options = {key: value for key, value in (("dataset_column", args.dataset_column),
                                             ("timezone", args.source_timezone),
                                             ("changelog", changelog),
                                             ("approvals", approvals),
                                             ("task_sla", task_sla)) if value is not None}
    return _emit(lambda: access_report(data, Path(args.file).name,
                                       business_hours=args.business_hours,
                                       as_of=args.as_of, slas=slas,
                                       timezone=args.timezone, inventory=inventory,
                                       inventory_name=Path(args.inventory or "inventory.csv").name,
                                       holidays=args.holidays or "", source=args.format,
                                       source_options=options,
                                       columns=parse_map_options(args.map, REQUESTS)),
                 _print_access_table, args.json)


def _playbook_files(paths: list[str]) -> tuple[list[Path], list[Problem]]:
    files, problems = [], []
    for raw in paths or [str(playbook_dir())]:
        path = Path(raw)
        if path.is_dir():
            found = sorted(path.glob("*.y*ml"))
            if not found:
                problems.append(Problem(raw, "<folder>", "<files>", "no .yaml playbooks found"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(raw, "<file>", "<path>", "no such file or folder"))
    return files, problems


def _run_validate(args: argparse.Namespace) -> int:
    files, problems = _playbook_files(args.paths)
    ids: dict[str, str] = {}
    books = []
    for path in files:
        try:
            book = load_playbook(path)
        except PlaybookError as err:
            problems.extend(err.problems)
            continue
        if book.id in ids:
            problems.append(Problem(path.name, "<playbook>", "id",
                                    f"duplicate playbook id '{book.id}', also in {ids[book.id]}"))
        ids.setdefault(book.id, path.name)
        books.append((path, book))
    # A hand-over may name a playbook beside the file as well as one validated with it.
    for path, book in books:
        known = set(ids) | set(load_catalogue(path.parent).playbooks)
        problems.extend(unknown_opens(book, known))
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{len(files)} playbook(s) valid")
    return 1 if problems else 0


EXPORT_FORMATS = {"md": plan_markdown, "html": plan_html, "jira": plan_jira_csv}


def _write_stdout(text: str) -> None:
    """UTF-8 on stdout whatever the locale says: exports carry typed names and dashes."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
    else:
        buffer.write(text.encode("utf-8"))
        buffer.flush()


def _run_export(args: argparse.Namespace) -> int:
    data = _read_input(args.file)
    if data is None:
        return 1
    try:
        session = from_json(data)
    except SessionError as err:
        print(f"{args.file}: {err}".replace("\n", " "), file=sys.stderr)
        return 1
    except (TypeError, RecursionError):  # shapes the session validator does not name yet
        print(f"{args.file}: not a plan JSON (a field has the wrong type or nesting); export the "
              "plan JSON again", file=sys.stderr)
        return 1
    if args.format == "json":  # the same document back, in its one canonical form
        _write_stdout(to_json(session))
        return 0
    try:
        snapshot, notice = snapshot_for(session, None)
        text = EXPORT_FORMATS[args.format](snapshot)
    except ExportError as err:
        print(f"{args.file}: {err}".replace("\n", " "), file=sys.stderr)
        return 1
    if notice:
        print(f"note: {notice}", file=sys.stderr)
    _write_stdout(text)
    return 0


def _run_store_upgrade(args: argparse.Namespace) -> int:
    """Bring the plan database to the schema this version of the app needs (what every server
    also does when it first opens the database). Messages never show the database's URL."""
    import logging

    from triage.store import PlanStore, StoreError

    store_log = logging.getLogger("triage.store")
    # The store logs failures with the database's location and the driver's words, for a
    # server's log; here they reach the terminal only when asked for.
    handler = logging.StreamHandler(sys.stderr) if args.verbose else logging.NullHandler()
    store_log.addHandler(handler)
    try:
        with PlanStore(args.url) as store:
            before, after = store.upgrade()
            kind = "SQLite" if store.is_sqlite else "PostgreSQL"
    except StoreError as err:
        hint = "" if args.verbose else " Run it again with --verbose for the database's own message."
        print(f"store upgrade: {err}{hint}", file=sys.stderr)
        return 1
    finally:
        store_log.removeHandler(handler)
    if before == after:
        print(f"The {kind} plan database is already at schema revision {after}; nothing to do.")
    else:
        print(f"Upgraded the {kind} plan database from {before or 'no schema'} to schema "
              f"revision {after}.")
    return 0


def _map_option(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument("--map", action="append", metavar="COLUMN=FIELD",
                         help=f"read the file's COLUMN as the {what} field FIELD (repeatable); "
                         "columns named in words teams use (Run ID, Start, End, Result, …) are "
                         "mapped without it, and the notes say what was read as what")


SKEW_ATOL, SKEW_RTOL = "1e-08", "1e-05"


class _SourceFormats:
    """``triage.sources.FORMATS`` as argparse choices, imported only when a value is checked (the
    module loads pandas and scipy; ``--help`` should not)."""

    def _names(self) -> list[str]:
        from triage.sources import FORMATS

        return list(FORMATS)

    def __contains__(self, value: object) -> bool:
        return value in self._names()

    def __iter__(self):
        return iter(self._names())


def _engine_options(command: argparse.ArgumentParser, memory: bool = True) -> None:
    choices = ["memory", "duckdb", "sql", "spark"] if memory else ["duckdb", "sql", "spark"]
    command.add_argument("--engine", choices=choices, help="where the statistics are computed: "
                         + ("memory (both samples read in; CSV), " if memory else "")
                         + "duckdb (Parquet, embedded), sql (the database of SQL sources), spark "
                         "(a SparkSession; see docs/scale.md); default: from the sources")
    command.add_argument("--memory-limit", metavar="SIZE", default="1GB",
                         help="DuckDB's memory limit before it spills to disk (default 1GB)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m triage", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check playbooks; exit 1 on any problem")
    validate.add_argument("paths", nargs="*", help="files or folders (default: playbooks/)")
    validate.set_defaults(run=_run_validate)
    iteration = commands.add_parser("iteration", help="where one iteration's time goes")
    iteration.add_argument("file", metavar="RUNS", nargs="?", help="runs CSV (run_id, stage, "
                           "started_at/ended_at or duration_hours); - reads stdin")
    iteration.add_argument("--json", action="store_true", help="strict JSON on stdout")
    iteration.add_argument("--format", choices=_SourceFormats(), metavar="FORMAT", default="detect",
                           help="the file's tool: detect (from its columns), runs (our CSV), "
                           "wandb, slurm (sacct --parsable2), airflow (CSV or API JSON), mlflow "
                           "(search_runs export); default: detect")
    iteration.add_argument("--timezone", help="Slurm: the IANA zone sacct's local times are in "
                           "(e.g. Europe/Berlin); required for sacct files")
    iteration.add_argument("--iteration-from", choices=["name", "wckey", "comment"],
                           default="name", help="Slurm: where the iteration id is: the job name "
                           "(see --job-name-pattern), the WCKey or the Comment field; default: name")
    iteration.add_argument("--job-name-pattern", metavar="REGEX", help="Slurm: regex with a "
                           "named group (?P<iteration>...) and optionally (?P<stage>...); default "
                           "'iteration:step' or 'iteration/step'")
    iteration.add_argument("--as-of", metavar="ISO", help="Slurm: when sacct was run (e.g. "
                           "2026-09-03T12:00:00, in --timezone unless it names a zone); pending "
                           "jobs' queue waits count up to it; default: the latest time in the file")
    iteration.add_argument("--mlflow", metavar="URI", help="read runs from an MLflow tracking "
                           "server or store instead of a file (e.g. sqlite:///mlflow.db, "
                           "http://host:5000): parent run = iteration, child run name = stage")
    iteration.add_argument("--experiment", metavar="NAME", help="MLflow experiment name or id "
                           "(with --mlflow)")
    _map_option(iteration, "runs")
    iteration.set_defaults(run=_run_iteration)
    gap = commands.add_parser("gap", help="where a production metric is lost, by segment")
    gap.add_argument("file", metavar="SEGMENTS", help="segment CSV (segment, expected_share, "
                     "observed_share, expected_metric, observed_metric[, fallback_share, "
                     "fallback_metric]); - reads stdin")
    gap.add_argument("--json", action="store_true", help="strict JSON on stdout")
    _map_option(gap, "segment")
    gap.set_defaults(run=lambda args: _report_command(
        lambda data, name: gap_report(data, name, args.map), _print_gap_table)(args))
    drift = commands.add_parser("drift", help="drift per feature, training vs serving sample")
    drift.add_argument("reference", help="training sample: CSV, Parquet file, folder of Parquet "
                       "(hive partitions) or glob, a SQLAlchemy URL (with --ref-table/--ref-query "
                       "or URL#table), or a profile saved by 'profile' (.json)")
    drift.add_argument("current", help="serving sample, the same kinds of source")
    drift.add_argument("--json", action="store_true", help="strict JSON on stdout")
    drift.add_argument("--map", action="append", metavar="COLUMN=FEATURE",
                       help="compare the serving sample's COLUMN with the training feature "
                       "FEATURE, e.g. a feature renamed at serving (repeatable)")
    _engine_options(drift)
    for side, what in (("ref", "training"), ("cur", "serving")):
        drift.add_argument(f"--{side}-table", metavar="TABLE", help=f"SQL: the {what} table")
        drift.add_argument(f"--{side}-query", metavar="SQL", help=f"SQL: a query giving the {what} "
                           "sample")
    drift.set_defaults(run=_run_drift)
    profile = commands.add_parser("profile", help="save a training sample's aggregates once, for "
                                  "later 'drift PROFILE CUR' runs")
    profile.add_argument("reference", help="Parquet file, folder or glob, or a SQLAlchemy URL")
    profile.add_argument("-o", "--output", required=True, metavar="FILE",
                         help="where to write the profile (JSON), e.g. ref.profile.json")
    profile.add_argument("--table", help="SQL: the table")
    profile.add_argument("--query", help="SQL: a query giving the sample")
    _engine_options(profile, memory=False)
    profile.set_defaults(run=_run_profile)
    skew = commands.add_parser("skew", help="training-serving skew: served feature values "
                               "against offline recomputation for the same requests")
    skew.add_argument("served", help="served values, CSV or Parquet: request_id and one column "
                      "per feature (or also <feature>_offline columns, without OFFLINE); - reads "
                      "stdin")
    skew.add_argument("offline", nargs="?", help="values recomputed offline for the same "
                      "requests: request_id and the same feature columns")
    # Defaults are the skew module's (filled in by _run_skew, so --help does not import it);
    # the numbers in the help are checked against them by the tests.
    skew.add_argument("--atol", type=float, help=f"absolute tolerance for numbers (default {SKEW_ATOL})")
    skew.add_argument("--rtol", type=float, help=f"relative tolerance for numbers (default {SKEW_RTOL})")
    skew.add_argument("--json", action="store_true", help="strict JSON on stdout")
    _map_option(skew, "skew-check (request_id)")
    skew.set_defaults(run=_run_skew)
    noise = commands.add_parser(
        "noise", help="is a gap beyond sampling noise (exact binomial, score test or Welch)",
        description="Proportions: --observed X/N --expected P gives the exact binomial test "
                    "(Wilson interval); with --expected-n N0 (or --expected X0/N0) the "
                    "expectation is measured too: two-sample score test (Newcombe interval). "
                    "Other metrics: --observed VALUE --se SE --expected VALUE [--expected-se "
                    "SE]: Welch (t with Welch-Satterthwaite df when --observed-n and "
                    "--expected-n are given, normal otherwise); standard errors must be > 0. "
                    "The interval is 95%, of observed - expected; significant means p < 0.05.")
    noise.add_argument("--observed", required=True, help="X/N for a proportion, else a value")
    noise.add_argument("--expected", required=True, help="P (a proportion), X0/N0, or a value")
    noise.add_argument("--expected-n", help="sample size behind --expected (a measured "
                       "expectation: shadow, control, offline test set)")
    noise.add_argument("--observed-n", help="sample size behind the observed value (Welch df)")
    noise.add_argument("--se", help="standard error of the observed value (not a proportion)")
    noise.add_argument("--expected-se", help="standard error of the expected value")
    noise.add_argument("--lower-is-better", action="store_true",
                       help="the metric is a loss (RMSE, latency): higher is worse")
    noise.add_argument("--name", default="the metric", help="the metric's name in the sentence")
    noise.add_argument("--json", action="store_true", help="strict JSON on stdout")
    noise.set_defaults(run=_run_noise)
    access = commands.add_parser("access", help="where data-access requests wait")
    access.add_argument("file", metavar="REQUESTS", help="request-log CSV (request_id, dataset, "
                        "requested_at, owner_assigned_at, approved_at, provisioned_at, "
                        "first_access_at, ...); - reads stdin")
    access.add_argument("--json", action="store_true", help="strict JSON on stdout")
    access.add_argument("--business-hours", action="store_true",
                        help="count Mon-Fri 09:00-17:00 only (default: calendar hours); SLAs "
                             "are then business hours too (defaults 8/16/8/24)")
    access.add_argument("--timezone", default="UTC", help="IANA zone for business hours")
    access.add_argument("--holidays", metavar="COUNTRY", help="public holidays off in business "
                        "hours, by country code (DE, FR, US; DE-BY for a subdivision)")
    access.add_argument("--format", choices=("log", "jira", "servicenow", "entra", "okta"),
                        help="the export's tool (default: detected from the columns or JSON): "
                             "log = our request log, jira = Jira Service Management issue CSV, "
                             "servicenow = sc_req_item CSV, "
                             "entra = Microsoft Graph access-package assignment requests JSON, "
                             "okta = Okta Identity Governance requests JSON")
    access.add_argument("--dataset-column", metavar="COLUMN", help="jira, servicenow: the column "
                        "naming the dataset (default: jira 'Custom field (Dataset)' if present, "
                        "else Summary; servicenow cat_item)")
    access.add_argument("--approvals", metavar="CSV", help="servicenow: the sysapproval_approver "
                        "export (sysapproval, state, sys_created_on, sys_updated_on)")
    access.add_argument("--task-sla", metavar="CSV", help="servicenow: the items' task_sla export "
                        "(task, pause_duration, business_pause_duration, stage); paused time is "
                        "subtracted from the time to access")
    access.add_argument("--source-timezone", metavar="ZONE", help="jira, servicenow: the IANA zone the "
                        "export's dates are written in (the exporting user's profile; default UTC)")
    access.add_argument("--changelog", metavar="JSON", help="jira: the issues' changelog "
                        "(/rest/api/3/search?jql=...&expand=changelog) for stage times")
    access.add_argument("--as-of", metavar="ISO", help="the instant waits are measured at, ISO "
                        "8601 (e.g. 2026-03-01T12:00:00Z; default: the latest timestamp in the "
                        "file); rows with a later timestamp are skipped")
    access.add_argument("--sla", action="append", metavar="STAGE=HOURS",
                        help="an SLA in hours on the chosen clock, repeatable (stages: owner, "
                             "approval, provisioning, first_use; defaults 24/48/24/72 calendar "
                             "or 8/16/8/24 business hours)")
    access.add_argument("--inventory", help="dataset inventory CSV (dataset, owner, ...), "
                        "needed for unowned_share")
    _map_option(access, "request-log")
    access.set_defaults(run=_run_access)
    export = commands.add_parser("export", help="a saved plan as Markdown, HTML, JSON or Jira CSV")
    export.add_argument("file", metavar="PLAN.json", help="plan JSON from the app; - reads stdin")
    export.add_argument("--format", choices=["md", "html", "json", "jira"], default="md",
                        help="md: to paste into a doc or ticket; html: self-contained, prints to "
                             "PDF; json: the same plan JSON, canonical; jira: CSV for Jira's "
                             "issue import (default: md)")
    export.set_defaults(run=_run_export)
    store = commands.add_parser("store", help="the plan database: schema upgrades")
    store_commands = store.add_subparsers(dest="store_command", required=True)
    upgrade = store_commands.add_parser(
        "upgrade", help="apply the schema migrations the plan database lacks (safe to repeat, "
                        "safe while servers run)")
    upgrade.add_argument("--url", help="the database URL (default: TRIAGE_DATABASE_URL, else the "
                         "SQLite file in TRIAGE_DATA_DIR)")
    upgrade.add_argument("--verbose", action="store_true", help="on failure, also print the "
                         "database's own message and where it is (no password)")
    upgrade.set_defaults(run=_run_store_upgrade)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse already printed one usage line
        return int(exit_.code or 0) and 1
    return args.run(args)
