"""Run every benchmark, each in its own interpreter, and print one pass/miss table.

    python benchmarks/run_all.py [--json]

Exit code 1 when any benchmark misses its target (or fails to run).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from _common import checks_table

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bench_interaction.py", "bench_runs_csv.py", "bench_startup.py", "bench_drift.py",
           "bench_analyses.py", "bench_access_km.py")


def run_script(script: str) -> dict:
    """One benchmark in a fresh process, so imports and caches of one do not warm another."""
    done = subprocess.run([sys.executable, str(HERE / script), "--json"], capture_output=True,
                          text=True)
    if done.returncode:
        error = done.stderr.strip().splitlines()[-1:] or ["no output"]
        failed = {"name": script, "measured": float("nan"), "target": float("nan"), "unit": "",
                  "passed": False}
        return {"error": error[0], "checks": [failed]}
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print every script's JSON dict")
    args = parser.parse_args()
    results = {}
    for script in SCRIPTS:
        print(f"running {script} …", file=sys.stderr, flush=True)
        results[script] = run_script(script)
    checks = [c for result in results.values() for c in result["checks"]]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(checks_table(checks))
        for script, result in results.items():
            if "error" in result:
                print(f"{script} failed: {result['error']}")
    return 0 if all(c["passed"] for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
