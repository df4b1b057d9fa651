"""What an upload leaves behind in the server process after its session is gone.

Module-level caches outlive every session; the one that saw uploaded text (stage names) holds only
short names, a bounded number of them, so a 5 MB stage name is not kept once the upload is dropped.
"""

from __future__ import annotations

import gc
import tracemalloc

from triage.kinds.runs import stages
from triage.kinds.runs.analysis import parse_runs


def _runs_with_stage(name: str) -> bytes:
    return (f"run_id,stage,duration_hours\nr1,{name},2\nr1,training,3\nr2,{name},1\n").encode()


def test_a_huge_uploaded_stage_name_is_not_kept_after_the_upload_is_dropped():
    huge = "x" * 5_000_000
    parse_runs(_runs_with_stage("warm up"), "warm.csv")  # imports and first-use caches first
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        runs = parse_runs(_runs_with_stage(huge), "huge.csv")
        assert huge in {stage.stage for stage in runs.analysis.stages}
        del runs
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 1_000_000, f"{kept:,} bytes still held after the upload was dropped"


def test_the_stage_name_cache_is_bounded_in_entries_and_characters():
    for i in range(stages.STAGE_CACHE_SIZE + 500):
        stages.canonical_stage(f"custom stage {i} " + "y" * (i % 300))
    info = stages._cached_stage.cache_info()
    assert info.currsize <= stages.STAGE_CACHE_SIZE == info.maxsize
    assert stages.canonical_stage("z" * 10_000) == "z" * 10_000
    assert stages.canonical_stage("  Feature generation ") == "data"
    assert stages._cached_stage.cache_info().currsize <= stages.STAGE_CACHE_SIZE
    # at most 4,096 names of at most 200 characters: under 1 MB of keys however many uploads
    assert stages.STAGE_CACHE_SIZE * stages.STAGE_CACHE_NAME_CHARS < 1_000_000
