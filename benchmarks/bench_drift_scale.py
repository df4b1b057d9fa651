"""Drift where the data lives: ``python -m triage drift REF/ CUR/`` on N rows × 20 numeric
features per side, read from hive-partitioned Parquet folders, beside the floor: DuckDB merely
reading the same columns (one ``MIN`` and ``MAX`` per column and side, which touches every value).

Both samples are generated (seeded) in chunks of at most 1,000,000 rows, one ``part=k`` partition
per chunk, so generating 100M rows never holds more than a chunk. Each measured command runs in
its own process; wall time is the process's, peak RSS its ``ru_maxrss`` from ``os.wait4`` (the
child alone, not the benchmark).

    python benchmarks/bench_drift_scale.py [--rows 1000000] [--features 20] [--keep DIR] [--json]

Target (issue 16): the command's peak RSS ≤ 2 GB at 100M rows; its time next to the floor is
reported (the issue's goal is ≤ 1.5× a read-and-sort floor).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401 - puts the repository root on sys.path
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CHUNK = 1_000_000
RSS_TARGET_MB = 2048


def write_side(folder: Path, rows: int, features: int, seed: int, shift: float) -> None:
    rng = np.random.default_rng(seed)
    done, part = 0, 0
    while done < rows:
        size = min(CHUNK, rows - done)
        columns = {}
        for j in range(features):
            values = rng.normal(shift * (j % 4 == 0), 1.0 + 0.2 * (j % 5 == 3), size)
            values[rng.random(size) < 0.01] = np.nan
            columns[f"feature_{j:02d}"] = values
        target = folder / f"part={part}"
        target.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(columns), target / "data.parquet", row_group_size=256_000)
        done, part = done + size, part + 1


def measure(command: list[str]) -> dict[str, float]:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command[:4])}… failed:\n{stderr}")
    return {"seconds": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


FLOOR = """
import sys, duckdb
db = duckdb.connect()
db.execute("SET memory_limit = '1GB'")
for folder in sys.argv[1:3]:
    source = f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
    names = [r[0] for r in db.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
             if r[0].startswith("feature_")]
    parts = ", ".join(f"MIN({n}), MAX({n})" for n in names)
    db.execute(f"SELECT {parts} FROM {source}").fetchall()
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="write the data here and keep it (reused if there)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="drift-scale-"))
    ref, cur = base / f"ref-{args.rows}", base / f"cur-{args.rows}"
    started = time.perf_counter()
    for folder, seed, shift in ((ref, 1, 0.0), (cur, 2, 0.05)):
        if not folder.exists():
            write_side(folder, args.rows, args.features, seed, shift)
    generated = time.perf_counter() - started
    floor = measure([sys.executable, "-c", FLOOR, str(ref), str(cur)])
    drift = measure([sys.executable, "-m", "triage", "drift", str(ref), str(cur), "--json"])
    result = {"rows_per_side": args.rows, "features": args.features,
              "generate_seconds": round(generated, 1), "floor_duckdb_read": floor,
              "triage_drift": drift, "ratio_to_floor": round(drift["seconds"] / floor["seconds"], 2),
              "rss_target_mb": RSS_TARGET_MB, "rss_ok": drift["peak_rss_mb"] <= RSS_TARGET_MB}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{args.rows:,} rows × {args.features} features per side (data made in {generated:.1f} s)")
        print(f"  floor (DuckDB reads the columns): {floor['seconds']:.2f} s, {floor['peak_rss_mb']:.0f} MB")
        print(f"  python -m triage drift:           {drift['seconds']:.2f} s, {drift['peak_rss_mb']:.0f} MB "
              f"(×{result['ratio_to_floor']} the floor; RSS target ≤ {RSS_TARGET_MB} MB: "
              f"{'met' if result['rss_ok'] else 'MISSED'})")
    return 0 if result["rss_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
