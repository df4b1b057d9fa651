"""Slow-iteration analysis against hand-computed numbers."""

import json
import math

import pytest

from triage.cli import main as cli_main
from triage.iteration import (
    SpeedUp,
    amdahl_ceiling,
    analyse_stage_table,
    headline,
    parse_runs,
    project,
    whatif,
)
from triage.stages import canonical_stage
from triage.tabular import InputError

DURATIONS = b"""run_id,stage,duration_hours
r1,Data prep,2
r1,Training,1
r2,data prep,4
r2,train,3
r3,Feature generation,6
r3,TRAINING,2
r4,data,10
"""


def test_per_stage_percentiles_shares_and_runs_by_hand():
    analysis = parse_runs(DURATIONS).analysis
    data, training = analysis.stage("data"), analysis.stage("training")
    # data per run: 2, 4, 6, 10 -> median 5; p75 at position 2.25 -> 6 + .25*4; p90 at 2.7
    assert (data.median_hours, data.p75_hours, data.p90_hours) == pytest.approx((5, 7, 8.8))
    # training per run: 1, 3, 2 -> sorted 1, 2, 3: median 2, p75 2.5, p90 2.8
    assert (training.median_hours, training.p75_hours, training.p90_hours) == pytest.approx(
        (2, 2.5, 2.8))
    assert (data.runs, training.runs) == (4, 3)
    assert analysis.iteration_hours == pytest.approx(7)
    assert (data.share, training.share) == pytest.approx((5 / 7, 2 / 7))
    assert analysis.bottleneck.stage == "data"
    assert data.variability == pytest.approx(8.8 / 5)
    assert analysis.flow_efficiency is None  # waiting unknown


def test_retries_add_up_and_failed_attempts_are_counted_as_lost_time():
    csv = b"""run_id,stage,duration_hours,status
a,training,1.5,failed
a,training,2,succeeded
a,data,1,succeeded
b,training,3,succeeded
b,data,1,ok
"""
    analysis = parse_runs(csv).analysis
    assert analysis.stage("training").median_hours == pytest.approx((3.5 + 3) / 2)
    assert analysis.stage("training").runs == 2
    assert analysis.failed_hours == pytest.approx(1.5)
    assert analysis.failed_runs == 1
    assert analysis.failed_share == pytest.approx(1.5 / 8.5)


def test_timestamps_time_zones_handoffs_and_waiting():
    csv = b"""run_id,stage,started_at,ended_at,wait_hours
r1,data,2026-03-02T08:00:00Z,2026-03-02T11:00:00Z,1
r1,queue,2026-03-02T13:00:00+02:00,2026-03-02T12:00:00Z,0.5
r1,training,2026-03-02T12:30:00,2026-03-02T14:30:00,0
"""
    # queue starts 13:00+02:00 = 11:00Z right after data; training starts 30 min after queue ends
    runs = parse_runs(csv)
    analysis = runs.analysis
    assert analysis.stage("data").median_hours == pytest.approx(3)
    assert analysis.stage("startup").median_hours == pytest.approx(1)
    assert analysis.stage("training").median_hours == pytest.approx(2)
    assert analysis.stage("handoff").median_hours == pytest.approx(0.5)
    assert analysis.stage("handoff").wait_hours == pytest.approx(0.5)
    assert analysis.naive_timestamps == 2
    assert any("2 timestamps had no time zone and were read as UTC" in n for n in analysis.notes)
    # waiting: 1 + 0.5 + 0 + 0.5 hand-off of 6.5 h
    assert analysis.flow_efficiency == pytest.approx(1 - 2 / 6.5)
    assert [s.stage for s in analysis.stages] == ["data", "startup", "training", "handoff"]


def test_overlapping_stages_are_not_a_handoff():
    csv = b"""run_id,stage,started_at,ended_at
r1,data,2026-03-02T08:00:00Z,2026-03-02T12:00:00Z
r1,eval,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z
r1,deploy,2026-03-02T12:00:00Z,2026-03-02T13:00:00Z
"""
    assert parse_runs(csv).analysis.stage("handoff") is None


def test_bad_rows_are_skipped_with_spreadsheet_row_numbers():
    csv = b"""run_id,stage,started_at,ended_at,duration_hours
r1,data,,,2
r1,training,2026-03-02T10:00:00Z,2026-03-02T09:00:00Z,
r2,data,,,-1
r2,training,,,abc
r3,data,yesterday,today,
r3,eval,,,inf
,data,,,1
r4,data,,,3
"""
    analysis = parse_runs(csv).analysis
    assert [(s.row, s.reason.split(":")[0].split(" (")[0]) for s in analysis.skipped] == [
        (3, "ended_at is before started_at"),
        (4, "duration_hours is negative"),
        (5, "duration_hours is not a finite number"),
        (6, "started_at/ended_at is not an ISO 8601 date-time"),
        (7, "duration_hours is not a finite number"),
        (8, "run_id is empty"),
    ]
    assert analysis.stage("data").median_hours == pytest.approx(2.5)


@pytest.mark.parametrize("data, fragment", [
    (b"", "is empty"),
    (b"run_id,stage\n", "has a header but no rows"),
    (b"run_id,duration_hours\nr1,2\n", 'missing column "stage"'),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" + bytes(range(256)), "does not look like a text CSV"),
    (b"run_id,stage,duration_hours\nr1,data,-3\n", "no usable rows"),
])
def test_unusable_files_raise_one_clear_message(data, fragment):
    with pytest.raises(InputError) as caught:
        parse_runs(data, "runs.csv")
    assert fragment in str(caught.value)
    assert str(caught.value).startswith("runs.csv")


def test_encodings_and_separators_read_the_same_numbers():
    text = DURATIONS.decode()
    variants = [
        text.encode("utf-8-sig"),
        text.encode("utf-16"),
        text.replace(",", ";").encode(),
    ]
    for data in variants:
        assert parse_runs(data).analysis.iteration_hours == pytest.approx(7)


def test_stage_names_map_case_insensitively():
    assert [canonical_stage(n) for n in (
        "Data prep", "feature generation", "queue", "Scheduling", "eval", "deploy",
        "Approval", "Fine-tune", "Labelling", "Hand-off waiting")] == [
        "data", "data", "startup", "startup", "evaluation", "deployment", "deployment",
        "training", "Labelling", "handoff"]


def test_typed_table_shares_duplicates_and_bad_rows():
    analysis = analyse_stage_table([
        {"stage": "Data prep", "hours": 6, "wait_hours": 2},
        {"stage": "Training", "hours": "2,5", "wait_hours": None},
        {"stage": "features", "hours": 1, "wait_hours": 1},
        {"stage": "Eval", "hours": -1},
        {"stage": "Deploy", "hours": 2, "wait_hours": 3},
        {"stage": "", "hours": None},
        {"stage": "Labelling", "hours": 0.5},
    ])
    assert [s.stage for s in analysis.stages] == ["data", "training", "Labelling"]
    assert analysis.stage("data").median_hours == pytest.approx(7)
    assert analysis.stage("data").wait_hours == pytest.approx(3)
    assert analysis.stage("training").median_hours == pytest.approx(2.5)
    assert analysis.iteration_hours == pytest.approx(10)
    assert analysis.stage("data").share == pytest.approx(0.7)
    assert [s.row for s in analysis.skipped] == [4, 5]
    assert analysis.flow_efficiency is None and not analysis.wait_known


def test_amdahl_whatif_by_hand():
    analysis = analyse_stage_table([
        {"stage": "data", "hours": 6, "wait_hours": 2},
        {"stage": "training", "hours": 4, "wait_hours": 0},
    ])
    result = whatif(analysis, {"data": 2}, iterations_per_month=10)
    assert result.after_hours == pytest.approx(7)
    assert result.speedup == pytest.approx(10 / 7)
    assert result.saved_per_month == pytest.approx(30)
    assert amdahl_ceiling(0.6) == pytest.approx(2.5)
    assert amdahl_ceiling(1.0) == math.inf
    # Only the waiting part of data (2 h) sped up 4x: 0.5 + 4 + 4 = 8.5 h
    waited = project(analysis, {"data": SpeedUp.on("wait", 4)}, 10)
    assert waited.after_hours == pytest.approx(8.5)
    # Two speed-ups on the same time compound
    both = SpeedUp.on("active", 2).then(SpeedUp.on("active", 2))
    assert project(analysis, {"data": both}, 1).after_hours == pytest.approx(2 + 1 + 4)


def test_unknown_waiting_is_bracketed():
    analysis = analyse_stage_table([{"stage": "data", "hours": 8}, {"stage": "training",
                                                                     "hours": 2}])
    as_waiting = project(analysis, {"data": SpeedUp.on("wait", 2)}, 1, unknown_wait_as=1.0)
    as_working = project(analysis, {"data": SpeedUp.on("wait", 2)}, 1, unknown_wait_as=0.0)
    assert (as_waiting.after_hours, as_working.after_hours) == pytest.approx((6, 10))


def test_headline_says_what_dominates_and_what_cannot_help():
    analysis = analyse_stage_table([
        {"stage": "data", "hours": 6}, {"stage": "queue", "hours": 0.7},
        {"stage": "training", "hours": 3.3},
    ])
    text = headline(analysis)
    assert text.startswith("Data access & features is 60% of one iteration: halving it saves "
                           "3.0 h per iteration (1.43× faster).")
    assert "Job startup & queueing is 7% — even at zero, at most 1.08× faster." in text


def test_cli_iteration_json(tmp_path, capsys):
    path = tmp_path / "runs.csv"
    path.write_bytes(DURATIONS + b"r5,data,,\n")
    assert cli_main(["iteration", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))
    assert report["bottleneck"] == "data"
    assert report["iteration_hours"] == pytest.approx(7)
    assert report["flow_efficiency"] is None
    assert report["stages"][0] == {"stage": "data", "median_hours": 5.0, "p75_hours": 7.0,
                                   "p90_hours": pytest.approx(8.8), "share": pytest.approx(5 / 7),
                                   "runs": 4}
    assert report["skipped"] == [{"row": 9, "reason": "no duration: give duration_hours or "
                                                      "started_at and ended_at"}]


def test_cli_iteration_unusable_input(tmp_path, capsys):
    path = tmp_path / "runs.csv"
    path.write_bytes(b"\x00\x01\x02binary\x00" * 50)
    assert cli_main(["iteration", str(path), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert cli_main(["iteration", str(tmp_path / "nope.csv"), "--json"]) == 1
