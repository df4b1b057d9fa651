"""Slurm jobs still pending at export time: their queue wait is right-censored, never dropped.

The fixture tests/data/sources/sacct_pending.txt is shaped like ``sacct -X --parsable2`` output
(a job step, "Unknown"/"None" times, "CANCELLED by 5012"). Queue waits (Eligible to Start), by
hand from its timestamps, export time 2026-09-10 12:00 UTC:

- started (events): 2001 1 h, 2002 2 h, 2003 2 h (FAILED: it did start), 2004 4 h, 2005 6 h,
  2006 3 h (RUNNING: it started, so its wait is complete);
- censored: 2007 2 h (cancelled while pending, 00:00 -> 02:00), 2008 5 h (pending since 07:00),
  2009 10 h (pending since 02:00);
- 2010 has no Eligible (held on a dependency): it is not queueing, so it is left out.

Kaplan–Meier over 1e 2e 2e 2c 3e 4e 5c 6e 10c (n = 9):
S(1) = 8/9; S(2) = 8/9 · 6/8 = 2/3 (the wait censored at 2 h is still at risk at 2 h);
S(3) = 2/3 · 4/5 = 8/15; S(4) = 8/15 · 3/4 = 2/5; S(6) = 2/5 · 1/2 = 1/5.
Median: the first t with S(t) ≤ 1/2 is 4 h. p90 needs S ≤ 0.1, never reached: more than 10 h.
The finished jobs alone (1, 2, 2, 3, 4, 6) give a median of 2.5 h: dropping the pending ones
flatters the queue.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from triage.cli import main as cli_main
from triage.sources import read_runs
from triage.tabular import InputError

SACCT = Path(__file__).parent / "data" / "sources" / "sacct_pending.txt"
AS_OF = "2026-09-10T12:00:00"


def _read(**options):
    return read_runs(SACCT.read_bytes(), SACCT.name, timezone="UTC", **options)


def test_pending_jobs_are_censored_at_the_export_time_by_hand():
    queue = _read(as_of=AS_OF).queue_wait
    curve = queue.curve
    assert (curve.n, curve.ended, curve.censored) == (9, 6, 3)
    assert curve.event_times.tolist() == [1, 2, 3, 4, 6]
    assert curve.surviving == pytest.approx([8 / 9, 2 / 3, 8 / 15, 2 / 5, 1 / 5])
    figures = queue.as_json()
    assert figures["median_hours"] == pytest.approx(4.0)
    assert figures["p90_hours"] is None and figures["p90_lower_bound_hours"] == pytest.approx(10)
    assert figures["ended_only_median_hours"] == pytest.approx(2.5)
    assert figures["as_of"] == "2026-09-10T12:00:00+00:00"
    sentence = queue.sentence()
    assert "median 4.0 h, p90 more than 10.0 h" in sentence
    assert "3 censored" in sentence and "2026-09-10 12:00 UTC, as given" in sentence


def test_the_curve_matches_scipy_ecdf_directly():
    curve = _read(as_of=AS_OF).queue_wait.curve
    direct = stats.ecdf(stats.CensoredData(uncensored=[1, 2, 2, 3, 4, 6], right=[2, 5, 10])).sf
    grid = np.array([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.9, 4, 5, 6, 9.9])
    ours = [curve.waiting_at(t) for t in grid]
    assert ours == pytest.approx(direct.evaluate(grid))


def test_the_runs_table_still_counts_finished_work_only():
    runs = _read(as_of=AS_OF)
    a = runs.analysis
    # it-1: queue 1 + features 2 + queue 2 + train 6 + queue 2 + eval 1 (failed) = 14 h
    # it-2: queue 4 + features 2 + queue 6 + train 6 = 18 h (its eval is still running)
    # it-3 and it-4 have no finished job: no run at all
    assert a.runs == 2
    assert a.iteration_hours == pytest.approx((14 + 18) / 2)
    notes = " ".join(a.notes)
    assert "1 job still running" in notes and "run time is censored (7.0 h so far" in notes
    assert "2 jobs still pending at the export time and 1 job cancelled while pending" in notes
    assert "censored (at least that long), not dropped" in notes
    assert "1 job that never became eligible" in notes
    assert runs.queue_wait.sentence() in a.notes


def test_without_an_export_time_the_latest_time_in_the_file_stands_in_and_says_so():
    queue = _read().queue_wait
    # latest time in the file: 2008's Submit/Eligible 07:00, so 2008 waited 0 h and 2009 5 h.
    # 0c 1e 2e 2e 2c 3e 4e 5c 6e: S(1) = 7/8, S(2) = 7/8 · 5/7 = 5/8, S(3) = 5/8 · 3/4 = 15/32.
    assert queue.as_of == "2026-09-10T07:00:00+00:00"
    assert queue.curve.surviving[:3] == pytest.approx([7 / 8, 5 / 8, 15 / 32])
    assert queue.as_json()["median_hours"] == pytest.approx(3.0)
    assert "the latest time in the file; give the export time for the real one" in queue.sentence()


def test_an_export_time_in_the_cluster_zone_and_bad_ones():
    berlin = read_runs(SACCT.read_bytes(), SACCT.name, timezone="Europe/Berlin",
                       as_of="2026-09-10T14:00:00").queue_wait  # 12:00 UTC, the file read in Berlin
    assert berlin.as_of == "2026-09-10T12:00:00+00:00"
    with pytest.raises(InputError, match="--as-of on the command line, 'Export time' on the "
                                         "page.*not an ISO 8601"):
        _read(as_of="yesterday")
    with pytest.raises(InputError, match="before the latest time in sacct_pending.txt"):
        _read(as_of="2026-09-10T06:00:00")


def test_iteration_json_carries_the_censored_queue_figure(tmp_path, capsys):
    code = cli_main(["iteration", str(SACCT), "--timezone", "UTC", "--as-of", AS_OF, "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    queue = report["queue_wait"]
    assert (queue["n"], queue["ended"], queue["censored"]) == (9, 6, 3)
    assert queue["median_hours"] == pytest.approx(4.0)
    assert queue["p90_hours"] is None and queue["p90_lower_bound_hours"] == pytest.approx(10)
    assert report["runs"] == 2  # the runs and stages stay finished work
    assert any("Kaplan–Meier over 9 jobs" in note for note in report["notes"])
    runs_csv = tmp_path / "runs.csv"
    runs_csv.write_text("run_id,stage,duration_hours\nr1,training,2\n")
    assert cli_main(["iteration", str(runs_csv), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["queue_wait"] is None


def _simulated_sacct(rng: np.random.Generator, jobs: int, days: float, export: pd.Timestamp
                     ) -> str:
    """Jobs eligible uniformly over ``days`` before ``export``, lognormal queue waits (median
    12 h), one hour of running; what sacct would print at ``export``."""
    eligible = export - pd.to_timedelta(rng.uniform(0, days * 24, jobs), unit="h")
    waits = pd.to_timedelta(rng.lognormal(np.log(12), 1.0, jobs), unit="h")
    lines = ["JobID|JobName|Submit|Eligible|Start|End|State"]
    stamp = "%Y-%m-%dT%H:%M:%S"
    for k in range(jobs):
        start, end = eligible[k] + waits[k], eligible[k] + waits[k] + pd.Timedelta(hours=1)
        if start > export:
            times, state = ("Unknown", "Unknown"), "PENDING"
        elif end > export:
            times, state = (start.strftime(stamp), "Unknown"), "RUNNING"
        else:
            times, state = (start.strftime(stamp), end.strftime(stamp)), "COMPLETED"
        lines.append(f"{k}|it-{k}:train|{eligible[k]:{stamp}}|{eligible[k]:{stamp}}|"
                     f"{times[0]}|{times[1]}|{state}")
    return "\n".join(lines) + "\n"


def test_simulation_dropping_pending_jobs_biases_the_median_low_and_censoring_does_not():
    rng = np.random.default_rng(20260910)
    export = pd.Timestamp("2026-09-10T12:00:00")
    true_median = 12.0  # the lognormal's median
    km, dropped = [], []
    for _ in range(20):
        text = _simulated_sacct(rng, 300, days=2, export=export)
        queue = read_runs(text.encode(), "sim.txt", timezone="UTC",
                          as_of=export.isoformat()).queue_wait
        assert queue.curve.censored > 30  # the window is short enough that many still wait
        km.append(queue.as_json()["median_hours"])
        dropped.append(queue.as_json()["ended_only_median_hours"])
    assert np.mean(km) == pytest.approx(true_median, rel=0.1)
    assert np.mean(dropped) < 0.75 * true_median
