"""Decompression bombs through the real CLI: refused fast, with bounded memory.

Before the limits in triage/tabular.py, `python -m triage drift` on the 200M-row Parquet file below
(30 KB here; the red team's was 870 KB) peaked at 8.3 GB RSS after 53 s, and on the 2 MB CSV of
one 1,000,000-column row it was still parsing after 4 minutes at 2.7 GB. Each run here is a child of
a small wrapper that reports the child's peak RSS through getrusage, so nothing else this test
process ever started counts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.corpus.make_corpus import (
    parquet_dictionary_bomb,
    parquet_rows_bomb,
    parquet_unpacked_bomb,
    wide_csv,
)
from triage import tabular

ROOT = Path(__file__).resolve().parent.parent
CURRENT = ROOT / "data" / "production" / "example_current.csv"
RSS_BOUND_MB = 600  # the CLI's imports alone are about 180 MB
TIME_BOUND_S = 60  # imports under load take seconds; the old runs took 53 s and > 240 s

_WRAPPER = (
    "import json, resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, timeout=300)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux\n"
    "print(json.dumps({'code': done.returncode, 'peak_kib': peak,\n"
    "                  'stdout': done.stdout.decode(), 'stderr': done.stderr.decode()}))\n"
)


def _cli(*args: str) -> dict:
    started = time.monotonic()
    wrapped = subprocess.run([sys.executable, "-c", _WRAPPER, sys.executable, "-m", "triage", *args],
                             cwd=ROOT, capture_output=True, timeout=320, check=True)
    result = json.loads(wrapped.stdout)
    result["seconds"] = time.monotonic() - started
    return result


BOMBS = {
    "parquet_200m_rows": ("bomb.parquet", lambda: parquet_rows_bomb(200_000_000),
                          "has 200,000,000 rows, more than the limit of 5,000,000 rows"),
    "parquet_1gib_text": ("text.parquet", parquet_unpacked_bomb, "1 GiB uncompressed"),
    # Before the dictionary count: 1.6 MB in, 2.9 GB peak RSS, and read.
    "parquet_dictionary_text": ("dictionary.parquet", parquet_dictionary_bomb,
                                "repeat long values that the file stores once"),
    "csv_1m_columns": ("wide.csv", lambda: wide_csv(1_000_000),
                       "has 1,000,000 columns, more than the limit of 1,000 columns"),
}


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_drift_refuses_bombs_fast_with_bounded_memory(bomb, tmp_path):
    name, make, words = BOMBS[bomb]
    path = tmp_path / name
    path.write_bytes(make())
    assert path.stat().st_size < 2_100_000
    result = _cli("drift", str(path), str(CURRENT), "--json")
    assert result["code"] == 1, result
    assert result["stdout"] == "" and "Traceback" not in result["stderr"]
    lines = result["stderr"].strip().splitlines()
    assert len(lines) == 1 and words in lines[0], lines
    assert "random sample" in lines[0] and "only the columns" in lines[0]
    assert result["peak_kib"] / 1024 < RSS_BOUND_MB, result["peak_kib"]
    assert result["seconds"] < TIME_BOUND_S


def test_a_sample_under_the_limits_is_still_read(tmp_path):
    """The limits leave room: 1,000,000 rows (the drift benchmark's size) are analysed."""
    path = tmp_path / "million.parquet"
    path.write_bytes(parquet_rows_bomb(1_000_000))
    result = _cli("drift", str(path), str(CURRENT), "--json")
    assert result["code"] == 0, result["stderr"]
    price = next(f for f in json.loads(result["stdout"])["features"] if f["feature"] == "price")
    assert price["n_reference"] == 1_000_000


def test_limits_are_what_the_messages_and_docs_say():
    assert (tabular.MAX_ROWS, tabular.MAX_COLUMNS, tabular.MAX_CELLS,
            tabular.MAX_UNCOMPRESSED_BYTES) == (5_000_000, 1_000, 50_000_000, 2**30)
