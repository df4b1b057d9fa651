"""Helpers shared by the benchmark scripts: paths, timing statistics, checks, output.

Importing this module puts the repository root first on ``sys.path`` so the scripts can import
``triage`` and ``ui`` however they are started (``python benchmarks/bench_x.py`` from anywhere).
"""

from __future__ import annotations

import json
import socket
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "app.py"
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def percentile(samples: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), ``pct`` in 0..100."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / max of durations given in seconds, in milliseconds."""
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 1),
        "p95_ms": round(percentile(seconds, 95) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
    }


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def check(name: str, measured: float, target: float, unit: str) -> dict[str, Any]:
    """One line of the summary: a measurement against its (upper-bound) target."""
    return {"name": name, "measured": round(measured, 3), "target": target, "unit": unit,
            "passed": measured <= target}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain fixed-width table; numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    aligned = [[isinstance(v, int | float) for v in row] for row in rows]

    def line(values: Sequence[str], right: Sequence[bool]) -> str:
        return "  ".join(v.rjust(w) if r else v.ljust(w)
                         for v, w, r in zip(values, widths, right, strict=True)).rstrip()

    out = [line(headers, [False] * len(headers)), "  ".join("-" * w for w in widths)]
    out += [line(row, right) for row, right in zip(cells, aligned, strict=True)]
    return "\n".join(out)


def checks_table(checks: Sequence[dict[str, Any]]) -> str:
    return table(
        ["benchmark", "measured", "target", "result"],
        [[c["name"], f"{c['measured']:g} {c['unit']}", f"≤ {c['target']:g} {c['unit']}",
          "pass" if c["passed"] else "MISS"] for c in checks],
    )


def emit(result: dict[str, Any], as_json: bool, details: str) -> None:
    """Print ``result`` as JSON (for run_all) or the human tables: ``details`` then the checks."""
    if as_json:
        print(json.dumps(result, indent=2))
        return
    print(details)
    print()
    print(checks_table(result["checks"]))


def _cell(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
