"""Slow-iteration analysis against hand-computed numbers."""

import json
import math

import pytest

from triage.cli import main as cli_main
from triage.kinds.runs.analysis import (
    SpeedUp,
    amdahl_ceiling,
    analyse_stage_table,
    headline,
    parse_runs,
    project,
    whatif,
)
from triage.kinds.runs.stages import canonical_stage
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
    # Means per run over all 4 runs (training absent from r4 counts 0): data 22/4, training 6/4.
    assert (data.mean_hours, training.mean_hours) == pytest.approx((5.5, 1.5))
    # Run totals 3, 7, 8, 10: mean 7 (= 5.5 + 1.5), median 7.5, p90 at position 2.7 -> 9.4
    assert analysis.iteration_hours == pytest.approx(7)
    assert analysis.typical_iteration_hours == pytest.approx(7.5)
    assert analysis.p90_iteration_hours == pytest.approx(9.4)
    assert (data.share, training.share) == pytest.approx((5.5 / 7, 1.5 / 7))
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
    assert analysis.stage("training").mean_hours == pytest.approx((3.5 + 3) / 2)
    assert analysis.stage("training").runs == 2
    assert analysis.iteration_hours == pytest.approx((4.5 + 4) / 2)  # retries inside totals
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
    # Typed hours are average hours per iteration: means; the quantiles are unknown.
    assert analysis.stage("data").mean_hours == pytest.approx(7)
    assert analysis.stage("data").median_hours is None
    assert analysis.stage("data").wait_hours == pytest.approx(3)
    assert analysis.stage("training").hours == pytest.approx(2.5)
    assert analysis.typical_iteration_hours is None
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
    assert text.startswith("One iteration takes 10.0 h on average (the stage table's average "
                           "hours per iteration, added up). Data access & features is 60% of "
                           "the average iteration: halving it saves 3.0 h per iteration "
                           "(1.43× faster).")
    assert "Job startup & queueing is 7% — even at zero, at most 1.08× faster." in text


def test_cli_iteration_json(tmp_path, capsys):
    path = tmp_path / "runs.csv"
    path.write_bytes(DURATIONS + b"r5,data,,\n")
    assert cli_main(["iteration", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))
    assert report["bottleneck"] == "data"
    # r5 is skipped: runs r1-r4 total 3, 7, 8, 10 h
    assert report["iteration_hours"] == pytest.approx(7)
    assert report["typical_iteration_hours"] == pytest.approx(7.5)
    assert report["p90_iteration_hours"] == pytest.approx(9.4)
    assert report["flow_efficiency"] is None
    assert report["stages"][0] == {"stage": "data", "mean_hours": 5.5, "median_hours": 5.0,
                                   "p75_hours": 7.0, "p90_hours": pytest.approx(8.8),
                                   "share": pytest.approx(5.5 / 7), "runs": 4}
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


# ---------------------------------------------------------------------------------------------
# Issue 17: rounding tolerance on wait_hours, hand-off transitions, iterations per month


def _one_row(duration: str, wait: str) -> bytes:
    return (f"run_id,stage,duration_hours,wait_hours\nr1,queue,{duration},{wait}\n"
            "r1,training,2,0\n").encode()


@pytest.mark.parametrize("duration, wait, kept", [
    # 10 h: 1% is 0.1 h (360 s), larger than 60 s
    ("10", "10.1", True),  # exactly 1% above
    ("10", "10.1003", False),  # 1% + ~1 s above
    # 1 h: 1% is 36 s, so 60 s is the allowance
    ("1", str(1 + 60 / 3600), True),  # exactly 60 s above
    ("1", str(1 + 59 / 3600), True),
    ("1", str(1 + 61 / 3600), False),  # 61 s above
    ("1", "1", True),  # equal: nothing to clamp
])
def test_wait_a_hair_above_the_duration_is_clamped_beyond_it_skipped(duration, wait, kept):
    analysis = parse_runs(_one_row(duration, wait)).analysis
    queue = analysis.stage("startup")
    if kept:
        assert analysis.skipped == ()
        assert queue.wait_hours == pytest.approx(float(duration))  # clamped to the duration
        assert analysis.clamped_waits == (0 if wait == duration else 1)
    else:
        assert queue is None and analysis.clamped_waits == 0
        assert [(s.row, s.reason) for s in analysis.skipped] == [
            (2, "wait_hours is longer than the stage itself (more than 1% or 60 s above its "
                "duration): check which column holds what")]


def test_negative_or_text_wait_is_skipped_with_its_own_reason():
    analysis = parse_runs(b"run_id,stage,duration_hours,wait_hours\nr1,data,2,-1\nr1,train,2,x\n"
                          b"r2,data,2,1\n").analysis
    assert [(s.row, s.reason) for s in analysis.skipped] == [
        (2, "wait_hours must be a number of 0 or more"),
        (3, "wait_hours must be a number of 0 or more")]


def _slurm_like() -> bytes:
    """20 runs x (data, queue, training) = 60 rows, as the docs' Slurm recipe describes: the
    queue row is all waiting. In odd runs the queue took 59 min 50 s but its wait was written
    rounded to 2 decimals (1.00 h, 10 s above the duration)."""
    lines = ["run_id,stage,started_at,ended_at,wait_hours"]
    for i in range(20):
        day = f"2026-09-{i + 1:02d}"
        queue_end = "10:59:50" if i % 2 else "11:00:00"
        train_end = "13:59:50" if i % 2 else "14:00:00"
        lines += [f"r{i},data,{day}T08:00:00Z,{day}T10:00:00Z,0.5",
                  f"r{i},queue,{day}T10:00:00Z,{day}T{queue_end}Z,1.00",
                  f"r{i},training,{day}T{queue_end}Z,{day}T{train_end}Z,0"]
    return ("\n".join(lines) + "\n").encode()


def test_slurm_like_queue_rows_keep_their_share_instead_of_becoming_handoffs():
    runs = parse_runs(_slurm_like())
    analysis = runs.analysis
    assert runs.rows_read == 60 and analysis.skipped == () and analysis.clamped_waits == 10
    assert analysis.stage("handoff") is None and analysis.transitions == ()
    # queue: ten runs of 1 h and ten of 3590 s -> median (1 + 3590/3600) / 2; data 2 h; train 3 h
    queue = (1 + 3590 / 3600) / 2
    total = 2 + queue + 3
    assert analysis.iteration_hours == pytest.approx(total)
    assert analysis.stage("startup").share == pytest.approx(queue / total)  # 16.6%
    assert analysis.stage("data").share == pytest.approx(2 / total)
    assert analysis.stage("training").share == pytest.approx(3 / total)
    # the queue is all waiting once clamped; data waits 0.5 of 2 h; training 0
    assert analysis.stage("startup").wait_hours == pytest.approx(queue)
    assert analysis.flow_efficiency == pytest.approx(1 - (queue + 0.5) / total)


HANDOFFS = b"""run_id,stage,started_at,ended_at
a,data,2026-03-02T08:00:00Z,2026-03-02T10:00:00Z
a,training,2026-03-02T11:00:00Z,2026-03-02T13:00:00Z
a,eval,2026-03-02T13:30:00Z,2026-03-02T14:00:00Z
a,deploy,2026-03-02T16:00:00Z,2026-03-02T17:00:00Z
b,data,2026-03-03T08:00:00Z,2026-03-03T10:00:00Z
b,training,2026-03-03T10:00:00Z,2026-03-03T12:00:00Z
b,eval,2026-03-03T12:00:00Z,2026-03-03T13:00:00Z
b,deploy,2026-03-03T17:00:00Z,2026-03-03T18:00:00Z
"""


def test_handoff_time_is_named_by_the_transition_it_sits_in():
    from triage.kinds.runs.analysis import handoff_where

    analysis = parse_runs(HANDOFFS).analysis
    # gaps: a: data->training 1 h, training->eval 0.5 h, eval->deploy 2 h; b: eval->deploy 4 h
    # hand-off total 7.5 h: eval->deploy 6 h = 80%, data->training 1 h, training->eval 0.5 h
    found = [(t.after, t.before, t.hours, t.runs) for t in analysis.transitions]
    assert found == [("evaluation", "deployment", 6.0, 2), ("data", "training", 1.0, 1),
                     ("training", "evaluation", 0.5, 1)]
    assert [t.share for t in analysis.transitions] == pytest.approx([0.8, 1 / 7.5, 0.5 / 7.5])
    assert handoff_where(analysis) == ("Evaluation & comparison → Deployment & approval: 80% "
                                       "of hand-off time")
    # hand-off per run 3.5 and 4 h -> median 3.75 h, the largest stage
    assert analysis.stage("handoff").median_hours == pytest.approx(3.75)
    assert analysis.bottleneck.stage == "handoff"
    # stages: data 2, training 2, eval median(0.5, 1) = 0.75, deploy 1, hand-off 3.75 -> 9.5 h
    assert analysis.iteration_hours == pytest.approx(9.5)
    assert headline(analysis).endswith("Hand-off waiting is 39%: most of it (80%) between "
                                       "Evaluation & comparison and Deployment & approval.")
    metrics = analysis.metrics()
    assert metrics["handoff_top_transition_share"] == pytest.approx(0.8)
    assert metrics["handoff_top_transition"] == "Evaluation & comparison → Deployment & approval"


def test_a_gap_after_parallel_work_counts_after_the_stage_that_ended_last():
    analysis = parse_runs(b"""run_id,stage,started_at,ended_at
r1,data,2026-03-02T08:00:00Z,2026-03-02T12:00:00Z
r1,eval,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z
r1,deploy,2026-03-02T13:00:00Z,2026-03-02T14:00:00Z
r2,training,2026-03-03T08:00:00Z,2026-03-03T09:00:00Z
r2,deploy,2026-03-03T11:00:00Z,2026-03-03T12:00:00Z
r2,training,2026-03-03T12:30:00Z,2026-03-03T13:00:00Z
""").analysis
    # r1: deploy starts 1 h after data (which ended last, not eval); r2: training -> deploy 2 h,
    # deploy -> training 0.5 h. Total 3.5 h.
    assert [(t.after, t.before, t.hours) for t in analysis.transitions] == [
        ("training", "deployment", 2.0), ("data", "deployment", 1.0),
        ("deployment", "training", 0.5)]
    from triage.kinds.runs.analysis import handoff_where
    # 57% + 29% covers 86% >= 60%: two named
    assert handoff_where(analysis) == ("Training → Deployment & approval: 57% of hand-off "
                                       "time; Data access & features → Deployment & approval: 29%")


def test_hand_off_transition_reaches_the_suggestion_and_the_plans_why_line():
    from triage.engine import suggestion_for
    from triage.kinds.runs.impact import iteration_plan
    from triage.playbook import load_catalogue
    from triage.session import Session

    book = load_catalogue().playbooks["slow_iteration"]
    analysis = parse_runs(HANDOFFS).analysis
    hint = suggestion_for(book.node("which_stage"), analysis.metrics())
    assert hint.option == "handoff"
    assert hint.message.endswith("where it sits: Evaluation & comparison → Deployment & "
                                 "approval: 80% of hand-off time")
    session = Session(scenario=book.id, playbook_version=book.version,
                      answers={"know_loop": "known", "which_stage": "handoff",
                               "handoff_chained": "manual"},
                      inputs={"iterations_per_month": 10.0, "source": "runs"})
    plan = iteration_plan(book, session, analysis)
    chain = next(a for a in plan.actions if a.id == "chain_stages")
    # run totals 9 h and 10 h; hand-offs 3.5 h and 4 h: mean 3.75 of 9.5
    assert chain.why.endswith("Hand-off waiting is 39% of one iteration (3.8 h of 9.5 h on "
                              "average), of which 3.8 h waiting; where it sits: Evaluation & comparison → "
                              "Deployment & approval: 80% of hand-off time.")
    assert len(plan.summary) == 4 and plan.summary[-1].startswith("In experiments: 2.3 a week now")
    assert plan.summary[0].endswith("Hand-off waiting between stages is 39% of it; where it "
                                    "sits: Evaluation & comparison → Deployment & approval: 80% "
                                    "of hand-off time.")


def test_iterations_per_month_from_the_runs_dates():
    from datetime import datetime, timedelta

    from triage.kinds.runs.analysis import cadence_of

    first = datetime(2026, 9, 1, 8)
    # 40 runs whose starts span 52 days (the last on day 52), any order
    starts = [first + timedelta(days=52 * i / 39) for i in range(40)][::-1]
    cadence = cadence_of(starts)
    assert (cadence.dated_runs, cadence.days) == (40, pytest.approx(52))
    assert cadence.per_month == pytest.approx(40 / (52 / 30.44))  # 23.4
    assert cadence.basis == "40 runs started over 52.0 days"
    short = cadence_of([first, first + timedelta(days=6.9)])
    assert short.per_month is None and "6.9 days" in short.reason
    assert cadence_of([first + timedelta(days=7)] + [first]).per_month == pytest.approx(
        2 / (7 / 30.44))
    assert cadence_of([first]).per_month is None


def test_run_starts_are_each_runs_earliest_timestamp():
    analysis = parse_runs(HANDOFFS + b"c,data,2026-03-12T09:00:00Z,2026-03-12T10:00:00Z\n"
                          b"c,training,2026-03-12T07:00:00Z,2026-03-12T08:00:00Z\n").analysis
    # run starts: a 03-02 08:00, b 03-03 08:00, c 03-12 07:00 -> 9 days 23 h
    days = 9 + 23 / 24
    assert analysis.cadence.days == pytest.approx(days)
    assert analysis.cadence.per_month == pytest.approx(3 / (days / 30.44))
    assert parse_runs(DURATIONS).analysis.cadence.per_month is None  # no dates at all


@pytest.mark.parametrize("inputs, line", [
    ({"iterations_per_month": 12.0, "prefilled": ["iterations_per_month", "stage_table"]},
     "12 iterations per month: a sample value, not the team's; type the real number on the "
     "iteration page and the hours per month follow."),
    ({"iterations_per_month": 23.4, "iterations_per_month_from": "40 runs started over 52.0 days",
      "prefilled": []},
     "23.4 iterations per month, from the runs' dates: 40 runs started over 52.0 days."),
    ({"iterations_per_month": 9.0, "prefilled": []}, "9 iterations per month, as typed in the "
                                                      "meeting."),
    ({"iterations_per_month": 9.0}, "9 iterations per month, as typed in the meeting."),  # older
])
def test_plan_says_where_iterations_per_month_came_from(inputs, line):
    from triage.kinds.runs.impact import iteration_plan
    from triage.playbook import load_catalogue
    from triage.session import Session

    book = load_catalogue().playbooks["slow_iteration"]
    table = [{"stage": "data", "hours": 6, "wait_hours": 2}, {"stage": "training", "hours": 4}]
    session = Session(scenario=book.id, playbook_version=book.version,
                      inputs={**inputs, "stage_table": table, "source": "table"})
    plan = iteration_plan(book, session, analyse_stage_table(table))
    assert line in plan.assumptions
    assert ("as typed" in " ".join(plan.assumptions)) == ("as typed" in line)
    sample = "stage_table" in inputs.get("prefilled", [])
    assert ("sample stage table's average hours per iteration — sample values, not the team's"
            in plan.summary[0]) == sample
    assert plan.summary[0].startswith("One iteration takes on average 10.0 h (the ")


@pytest.mark.parametrize("other, expected", [
    ("0.5", [1500.0, 0.5]),  # a dot decimal in the column: the comma groups thousands
    ('"0,5"', [1.5, 0.5]),   # a decimal comma in the column: it is one
    ('"1,200.5"', [1500.0, 1200.5]),  # a comma and a dot: it groups thousands
])
def test_a_comma_in_a_duration_follows_the_columns_other_cells(other, expected):
    data = f'run_id,stage,duration_hours\nr1,training,"1,500"\nr1,evaluation,{other}\n'.encode()
    assert parse_runs(data).per_run["hours"].tolist() == expected


def test_a_duration_that_reads_as_1500_or_as_1_5_is_refused_with_its_row():
    data = b'run_id,stage,duration_hours\nr1,training,2\nr1,evaluation,"1,500"\n'
    with pytest.raises(InputError, match=r"duration_hours, row 3: '1,500' could be 1500"):
        parse_runs(data)
