"""Headless use: ``python -m triage validate [PATH ...]`` and ``python -m triage iteration RUNS.csv``.

Conventions for every command: with ``--json``, strict JSON on stdout (no NaN); on input that
cannot be used at all, exit code 1, one clear line on stderr and nothing on stdout. Never a
traceback for a user's mistake.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from triage.iteration import parse_runs
from triage.playbook import PLAYBOOK_DIR, PlaybookError, Problem, load_playbook
from triage.tabular import InputError


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def iteration_report(data: bytes, name: str) -> dict[str, Any]:
    analysis = parse_runs(data, name).analysis
    top = analysis.bottleneck
    return {
        "iteration_hours": analysis.iteration_hours,
        "bottleneck": top.stage if top else None,
        "flow_efficiency": _finite_or_none(analysis.flow_efficiency),
        "runs": analysis.runs,
        "stages": [
            {
                "stage": s.stage,
                "median_hours": s.median_hours,
                "p75_hours": _finite_or_none(s.p75_hours),
                "p90_hours": _finite_or_none(s.p90_hours),
                "share": s.share,
                "runs": s.runs,
            }
            for s in analysis.stages
        ],
        "skipped": [{"row": s.row, "reason": s.reason} for s in analysis.skipped],
    }


def _print_iteration_table(report: dict[str, Any]) -> None:
    print(f"one iteration: {report['iteration_hours']:.2f} h over {report['runs']} runs; "
          f"bottleneck: {report['bottleneck']}")
    efficiency = report["flow_efficiency"]
    print("flow efficiency: " + ("unknown" if efficiency is None else f"{efficiency:.0%}"))
    print(f"{'stage':<20}{'median h':>10}{'p75 h':>10}{'p90 h':>10}{'share':>8}{'runs':>6}")
    for s in report["stages"]:
        print(f"{s['stage']:<20}{s['median_hours']:>10.2f}{s['p75_hours']:>10.2f}"
              f"{s['p90_hours']:>10.2f}{s['share']:>8.0%}{s['runs']:>6}")
    for skipped in report["skipped"]:
        print(f"skipped row {skipped['row']}: {skipped['reason']}")


def _run_iteration(args: argparse.Namespace) -> int:
    path = Path(args.runs)
    try:
        data = sys.stdin.buffer.read() if args.runs == "-" else path.read_bytes()
    except OSError as err:
        print(f"{args.runs}: cannot read the file ({err.strerror or err})", file=sys.stderr)
        return 1
    try:
        report = iteration_report(data, path.name)
    except InputError as err:
        print(str(err).replace("\n", " "), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report, allow_nan=False, indent=2))
    else:
        _print_iteration_table(report)
    return 0


def _playbook_files(paths: list[str]) -> tuple[list[Path], list[Problem]]:
    files, problems = [], []
    for raw in paths or [str(PLAYBOOK_DIR)]:
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
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{len(files)} playbook(s) valid")
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m triage", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check playbooks; exit 1 on any problem")
    validate.add_argument("paths", nargs="*", help="files or folders (default: playbooks/)")
    validate.set_defaults(run=_run_validate)
    iteration = commands.add_parser("iteration", help="where one iteration's time goes")
    iteration.add_argument("runs", help="runs CSV (run_id, stage, started_at/ended_at or "
                                        "duration_hours); - reads stdin")
    iteration.add_argument("--json", action="store_true", help="strict JSON on stdout")
    iteration.set_defaults(run=_run_iteration)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse already printed one usage line
        return int(exit_.code or 0) and 1
    return args.run(args)
