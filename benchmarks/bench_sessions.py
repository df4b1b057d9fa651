"""Many people on one server: p95 interaction latency and memory per session.

Runs tests/test_concurrency.py (sessions overlapping in threads, each proving it keeps only its
own data) with 30 sessions in a child process, and reads the child's p95 and peak memory.

    python benchmarks/bench_sessions.py [--sessions 30] [--json]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys

from _common import REPO_ROOT, check, emit, table

TARGET_P95_MS = 150.0


def _run(sessions: int) -> tuple[float, float, str]:
    """(p95 ms, peak RSS MB of the child, its output) for one run with this many sessions."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    env = {**os.environ, "TRIAGE_SESSIONS": str(sessions)}
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/test_concurrency.py", "-q", "-s",
                           "-p", "no:cacheprovider"], cwd=REPO_ROOT, env=env, text=True,
                          capture_output=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"the concurrency test failed with {sessions} sessions:\n{done.stdout}")
    match = re.search(r"p95 (\d+) ms under load", done.stdout)
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    return float(match[1]) if match else float("nan"), peak, done.stdout


def run(sessions: int) -> dict:
    one_p95, one_rss, _ = _run(1)
    many_p95, many_rss, _ = _run(sessions)
    per_session = (many_rss - one_rss) / max(sessions - 1, 1)
    return {
        "sessions": sessions,
        "p95_ms_one_session": one_p95,
        "p95_ms_all_sessions": many_p95,
        "peak_rss_mb_one_session": one_rss,
        "peak_rss_mb_all_sessions": many_rss,
        "rss_mb_per_extra_session": per_session,
        "checks": [check(f"p95 with {sessions} sessions at once (2 cores)", many_p95,
                         TARGET_P95_MS, "ms")],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.sessions)
    rows = [["1 session", result["p95_ms_one_session"], f"{result['peak_rss_mb_one_session']:.0f}"],
            [f"{args.sessions} sessions", result["p95_ms_all_sessions"],
             f"{result['peak_rss_mb_all_sessions']:.0f}"]]
    emit(result, args.json, table(["load", "p95 ms", "peak RSS MB"], rows)
         + f"\nabout {result['rss_mb_per_extra_session']:.1f} MB per extra session")


if __name__ == "__main__":
    main()
