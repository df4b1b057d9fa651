"""One iteration on means: run totals, stage means over all runs, and which figure is which.

A stage that appears in few runs is where sums of medians go wrong: labelling of 30 h in 4 runs
out of 40 has a median of 30 h over its runs but adds 3 h to the average run. Every expected
number below is worked out by hand in the comment beside it, or by numpy on the raw values.
"""

import json

import numpy as np
import pytest

from triage.cli import iteration_report
from triage.cli import main as cli_main
from triage.kinds.runs.analysis import (
    analyse_stage_table,
    headline,
    iteration_sentence,
    parse_runs,
    run_totals,
    whatif,
)
from triage.kinds.runs.impact import IterationImpact
from triage.playbook import Action


def few_runs_csv() -> bytes:
    """40 runs of data 2 h, queue 1 h, training 5 h, evaluation 1 h (9 h); runs r00-r03 also
    spend 30 h in labelling (39 h)."""
    lines = ["run_id,stage,duration_hours"]
    for i in range(40):
        run = f"r{i:02d}"
        lines += [f"{run},data,2", f"{run},queue,1", f"{run},training,5", f"{run},eval,1"]
        if i < 4:
            lines.append(f"{run},Labelling,30")
    return ("\n".join(lines) + "\n").encode()


FEW = parse_runs(few_runs_csv()).analysis


def test_one_iteration_is_the_mean_of_run_totals_not_the_sum_of_medians():
    # totals: 36 runs of 9 h, 4 of 39 h -> mean (36*9 + 4*39) / 40 = 480 / 40 = 12
    assert FEW.iteration_hours == pytest.approx(12.0)
    # the sum of stage medians would say 2 + 1 + 5 + 1 + 30 = 39 h
    assert sum(s.median_hours for s in FEW.stages) == pytest.approx(39.0)
    # typical: median of totals = 9; p90 at position 0.9 * 39 = 35.1 -> 9 + 0.1 * (39 - 9) = 12
    assert FEW.typical_iteration_hours == pytest.approx(9.0)
    assert FEW.p90_iteration_hours == pytest.approx(12.0)
    totals = np.array([39.0] * 4 + [9.0] * 36)
    assert FEW.iteration_hours == pytest.approx(np.mean(totals))
    assert FEW.p90_iteration_hours == pytest.approx(np.quantile(totals, 0.9))


def test_stage_means_count_zero_where_a_stage_is_absent_and_shares_add_to_one():
    labelling, training = FEW.stage("Labelling"), FEW.stage("training")
    # labelling: 4 * 30 h over 40 runs = 3 h per run on average; its median over its 4 runs 30 h
    assert (labelling.mean_hours, labelling.median_hours, labelling.runs) == (
        pytest.approx(3.0), pytest.approx(30.0), 4)
    assert (labelling.p75_hours, labelling.p90_hours) == pytest.approx((30.0, 30.0))
    assert labelling.share == pytest.approx(3 / 12)
    assert training.share == pytest.approx(5 / 12)
    assert sum(s.share for s in FEW.stages) == pytest.approx(1.0)
    assert sum(s.hours for s in FEW.stages) == pytest.approx(FEW.iteration_hours)
    # the bottleneck is training (42%), not labelling (which the medians made 77%)
    assert FEW.bottleneck.stage == "training"
    assert FEW.metrics()["bottleneck_share"] == pytest.approx(5 / 12)
    assert FEW.metrics()["bottleneck_ceiling"] == pytest.approx(1 / (1 - 5 / 12))
    # variability stays on the descriptive quantiles over the runs with the stage
    assert labelling.variability == pytest.approx(1.0)


def test_headline_says_which_figure_is_which_and_names_the_rare_stage():
    text = headline(FEW)
    assert text.startswith(
        "A typical iteration takes 9.0 h (median of 40 runs); on average 12.0 h, because "
        "Labelling adds 30.0 h to 4 of 40 runs. Training is 42% of the average iteration: "
        # halving training's 5 h saves 2.5 h: 12 / 9.5 = 1.26x
        "halving it saves 2.5 h per iteration (1.26× faster).")
    # queueing: 1 / 12 = 8%; at zero 12 / 11 = 1.09x
    assert "Job startup & queueing is 8% — even at zero, at most 1.09× faster." in text


def test_a_rare_bottleneck_says_in_how_many_runs_it_appears():
    # labelling 60 h in 4 of 40 runs: mean 6 h per run, the largest stage (6 of 15 h)
    csv = few_runs_csv().replace(b"Labelling,30", b"Labelling,60")
    analysis = parse_runs(csv).analysis
    assert analysis.bottleneck.stage == "Labelling"
    assert analysis.iteration_hours == pytest.approx(15.0)
    text = headline(analysis)
    assert "because Labelling adds 60.0 h to 4 of 40 runs" in text
    assert "Labelling (in 4 of 40 runs) is 40% of the average iteration: halving it saves 3.0 h" in text
    assert _plan(analysis).summary[0] == (
        "One iteration takes on average 15.0 h (mean of 40 runs; a typical one 9.0 h); "
        "labelling (in 4 of 40 runs) is 40% of it.")


def test_mean_close_to_median_a_heavy_tail_and_short_runs_are_worded_truthfully():
    same = parse_runs(b"run_id,stage,duration_hours\na,data,4\nb,data,5\nc,data,6\n").analysis
    assert iteration_sentence(same) == ("One iteration takes 5.0 h on average (mean of 3 runs); "
                                        "a typical one 5.0 h (median).")
    # one slow run in every stage at once: no rare stage to blame
    tail = parse_runs(b"run_id,stage,duration_hours\n" + b"".join(
        f"r{i},data,{h}\n".encode() for i, h in enumerate([2, 2, 2, 2, 2, 2, 2, 2, 2, 20]))).analysis
    # mean 38 / 10 = 3.8; median 2; p90 at position 8.1 -> 2 + 0.1 * 18 = 3.8
    assert iteration_sentence(tail) == ("A typical iteration takes 2.0 h (median of 10 runs); on "
                                        "average 3.8 h: the slowest runs pull the mean up (p90 of "
                                        "run totals 3.8 h).")
    short = parse_runs(b"run_id,stage,duration_hours\n" + b"".join(
        f"r{i},data,{h}\n".encode() for i, h in enumerate([10] * 9 + [0.5]))).analysis
    # mean 90.5 / 10 = 9.05, median 10
    assert iteration_sentence(short) == ("A typical iteration takes 10.0 h (median of 10 runs); on "
                                         "average 9.1 h: a few much shorter runs pull the mean "
                                         "down.")


def test_retries_and_hand_offs_are_inside_run_totals():
    csv = b"""run_id,stage,started_at,ended_at,duration_hours,status
a,data,2026-03-02T08:00:00Z,2026-03-02T10:00:00Z,,succeeded
a,training,2026-03-02T10:00:00Z,2026-03-02T11:00:00Z,,failed
a,training,2026-03-02T11:30:00Z,2026-03-02T13:30:00Z,,succeeded
a,eval,2026-03-02T14:00:00Z,2026-03-02T15:00:00Z,,succeeded
b,data,2026-03-03T08:00:00Z,2026-03-03T09:00:00Z,,succeeded
b,training,2026-03-03T09:00:00Z,2026-03-03T11:00:00Z,,succeeded
b,eval,2026-03-03T11:00:00Z,2026-03-03T12:00:00Z,,succeeded
c,data,,,1,succeeded
c,training,,,1,succeeded
"""
    runs = parse_runs(csv)
    analysis = runs.analysis
    # a: 08:00 -> 15:00 = 7 h (data 2, training 1 + 2, eval 1, two half-hour gaps);
    # b: 08:00 -> 12:00 = 4 h, no gaps; c: 2 h from durations, no timestamps for gaps
    assert run_totals(runs.per_run).sort_index().tolist() == pytest.approx([7.0, 4.0, 2.0])
    assert analysis.iteration_hours == pytest.approx(13 / 3)
    assert analysis.typical_iteration_hours == pytest.approx(4.0)
    assert analysis.stage("training").mean_hours == pytest.approx((3 + 2 + 1) / 3)
    handoff = analysis.stage("handoff")
    # gaps only in runs a (1 h) and b (0 h): mean over all 3 runs 1/3 h, all of it waiting
    assert (handoff.mean_hours, handoff.runs, handoff.wait_hours) == (
        pytest.approx(1 / 3), 2, pytest.approx(1 / 3))
    assert analysis.failed_hours == pytest.approx(1.0)


def test_mean_waiting_per_run_and_flow_efficiency():
    csv = b"""run_id,stage,duration_hours,wait_hours
a,queue,4,3
a,training,6,0
b,training,2,0
"""
    analysis = parse_runs(csv).analysis
    queue = analysis.stage("startup")
    # queue in 1 of 2 runs: mean 2 h, of which 1.5 h waiting; iteration mean (10 + 2) / 2 = 6
    assert (queue.mean_hours, queue.wait_hours, queue.active_hours) == pytest.approx((2, 1.5, 0.5))
    assert analysis.flow_efficiency == pytest.approx(1 - 1.5 / 6)
    assert analysis.metrics()["startup_wait_share"] == pytest.approx(0.75)


def test_one_run_is_worded_as_one_run():
    analysis = parse_runs(b"run_id,stage,duration_hours\nr1,data,3\nr1,training,2\n").analysis
    assert (analysis.iteration_hours, analysis.typical_iteration_hours,
            analysis.p90_iteration_hours) == pytest.approx((5, 5, 5))
    assert headline(analysis).startswith(
        "The one run measured took 5.0 h. Data access & features is 60% of the iteration: "
        "halving it saves 1.5 h per iteration (1.43× faster).")
    impact = IterationImpact(analysis, 10)
    assert impact._iteration_text() == "One iteration took 5.0 h (one run measured)"
    action = _action("data")
    assert impact.evidence(action) == "Data access & features is 60% of one iteration (3.0 h of 5.0 h)"


def test_typed_table_holds_average_hours_per_iteration():
    analysis = analyse_stage_table([{"stage": "data", "hours": 6, "wait_hours": 2},
                                    {"stage": "training", "hours": 4}])
    data = analysis.stage("data")
    assert (data.mean_hours, data.hours, data.median_hours, data.p75_hours, data.p90_hours) == (
        6, 6, None, None, None)
    assert data.variability is None and data.runs is None
    assert analysis.typical_iteration_hours is None and analysis.p90_iteration_hours is None
    assert analysis.iteration_hours == pytest.approx(10)
    assert headline(analysis).startswith(
        "One iteration takes 10.0 h on average (the stage table's average hours per iteration, "
        "added up). Data access & features is 60% of the average iteration")
    impact = IterationImpact(analysis, 10)
    assert impact._iteration_text() == ("One iteration takes on average 10.0 h (the stage table's "
                                        "average hours per iteration)")
    assert any("typed average hours per iteration" in a for a in impact.assumptions())


def test_the_typed_table_column_says_average_hours_per_iteration():
    from ui.kinds.runs.inputs import _TABLE_COLUMNS

    column = _TABLE_COLUMNS["hours"]
    assert column["label"] == "Average hours per iteration"
    assert "Average hours per iteration" in column["help"]


def test_a_caller_that_knows_only_medians_still_adds_up():
    from triage.kinds.runs.analysis import IterationAnalysis, StageStats

    stages = (StageStats(stage="owner", median_hours=10.0, share=0.25, wait_hours=10.0),
              StageStats(stage="approval", median_hours=30.0, share=0.75, wait_hours=30.0))
    analysis = IterationAnalysis(stages=stages, source="table")
    assert [s.hours for s in stages] == [10.0, 30.0]
    assert analysis.iteration_hours == 40.0 and analysis.bottleneck.stage == "approval"
    assert stages[0].active_hours == 0.0
    with_mean = StageStats(stage="owner", median_hours=10.0, mean_hours=14.0, share=1.0)
    assert with_mean.hours == 14.0


def _action(stage: str, speedup=(2.0, 2.0), affects: str = "total") -> Action:
    return Action(id=f"fix_{stage}", title=f"Fix {stage}", kind="quick_win",
                  effort_days=(1.0, 2.0), description="", tradeoffs="", wont_fix="",
                  stage=stage, affects=affects, speedup=speedup)


def test_whatif_hours_per_month_are_saved_mean_hours_times_iterations():
    # halving training: its mean 5 h -> 2.5 h, so 2.5 h saved per iteration; 10 a month -> 25 h
    halved = whatif(FEW, {"training": 2}, iterations_per_month=10)
    assert halved.saved_per_iteration == pytest.approx(2.5)
    assert halved.saved_per_month == pytest.approx(25.0)
    assert halved.speedup == pytest.approx(12 / 9.5)
    # labelling 3x faster: its mean 3 h -> 1 h, 2 h saved per iteration (not 20 h off a 30 h
    # median); 10 a month -> 20 h
    labelling = whatif(FEW, {"Labelling": 3}, iterations_per_month=10)
    assert labelling.saved_per_iteration == pytest.approx(2.0)
    assert labelling.saved_per_month == pytest.approx(20.0)
    impact = IterationImpact(FEW, 10)
    estimate = impact.estimate([_action("training", speedup=(1.25, 2.0))])
    # 5 h / 1.25 = 4 h (1 h saved) to 5 h / 2 = 2.5 h (2.5 h saved), × 10 per month
    assert (estimate.low, estimate.high) == pytest.approx((10.0, 25.0))


def test_plan_texts_say_means_and_typical():
    impact = IterationImpact(FEW, 10)
    assert impact._iteration_text() == ("One iteration takes on average 12.0 h (mean of 40 runs; "
                                        "a typical one 9.0 h)")
    assumptions = " ".join(impact.assumptions())
    assert "Stage times are means per run over 40 runs (0 in runs without the stage)" in assumptions
    assert "medians and p90 describe" in assumptions
    assert impact.evidence(_action("training")) == (
        "Training is 42% of one iteration (5.0 h of 12.0 h on average)")
    assert impact.evidence(_action("Labelling")) == (
        "Labelling is 25% of one iteration (3.0 h of 12.0 h on average); it appears in 4 of 40 "
        "runs, 30.0 h each time on average")


def _plan(analysis):
    from triage.kinds.runs.impact import iteration_plan
    from triage.playbook import load_catalogue
    from triage.session import Session

    book = load_catalogue().playbooks["slow_iteration"]
    session = Session(scenario=book.id, playbook_version=book.version,
                      inputs={"iterations_per_month": 10.0, "source": "runs"})
    return iteration_plan(book, session, analysis)


def test_plan_summary_opens_with_the_mean_and_the_typical_iteration():
    assert _plan(FEW).summary[0] == ("One iteration takes on average 12.0 h (mean of 40 runs; a typical "
                               "one 9.0 h); training is 42% of it.")


def test_cli_json_carries_means_medians_and_run_counts(tmp_path, capsys):
    path = tmp_path / "runs.csv"
    path.write_bytes(few_runs_csv())
    assert cli_main(["iteration", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out,
                        parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))
    assert report["iteration_hours"] == pytest.approx(12.0)
    assert report["typical_iteration_hours"] == pytest.approx(9.0)
    assert report["p90_iteration_hours"] == pytest.approx(12.0)
    assert report["bottleneck"] == "training"
    assert report["runs"] == 40 and report["skipped"] == [] and report["flow_efficiency"] is None
    stages = {s["stage"]: s for s in report["stages"]}
    assert list(stages) == ["data", "startup", "training", "evaluation", "Labelling"]
    assert stages["Labelling"] == {"stage": "Labelling", "mean_hours": pytest.approx(3.0),
                                   "share": pytest.approx(0.25), "median_hours": 30.0,
                                   "p75_hours": 30.0, "p90_hours": 30.0, "runs": 4}
    assert sum(s["share"] for s in report["stages"]) == pytest.approx(1.0)
    assert cli_main(["iteration", str(path)]) == 0
    table = capsys.readouterr().out
    assert table.startswith("one iteration: 12.00 h on average (mean of 40 runs); typical "
                            "(median) 9.00 h, p90 12.00 h; bottleneck: training")
    assert "mean h" in table and "median h" in table
    assert "Labelling                 3.00     25%     30.00" in table


def test_cli_report_is_strict_json_for_one_run():
    report = iteration_report(b"run_id,stage,duration_hours\nr1,data,3\n", "one.csv")
    json.dumps(report, allow_nan=False)
    assert report["typical_iteration_hours"] == report["iteration_hours"] == 3.0


def test_example_table_mirrors_the_runs_mean_hours():
    from triage.examples import iteration_example_runs, stage_table_from

    runs = iteration_example_runs()
    table = stage_table_from(runs)
    means = {s.label: s.mean_hours for s in runs.analysis.stages}
    assert [row["hours"] for row in table] == [round(means[row["stage"]], 1) for row in table]
    # the example's 40 run totals, added up by pandas, over 40
    totals = runs.per_run.groupby("run_id")["hours"].sum()
    assert runs.analysis.iteration_hours == pytest.approx(totals.mean())
    assert runs.analysis.typical_iteration_hours == pytest.approx(totals.median())
    typed = analyse_stage_table(table)
    assert typed.iteration_hours == pytest.approx(runs.analysis.iteration_hours, abs=0.3)


def test_charts_draw_means_and_keep_the_spread():
    from triage.kinds.runs import charts as runs_charts

    breakdown = runs_charts.iteration_breakdown(FEW)
    unsplit = next(t for t in breakdown.data if t.name == "not split")
    # bottom-up: Labelling, evaluation, training, queueing, data
    assert list(unsplit.x) == pytest.approx([3, 1, 5, 1, 2])
    assert breakdown.layout.title.text == "One iteration on average: 12.0 h (typical 9.0 h)"
    pareto = runs_charts.stage_pareto(FEW)
    assert list(pareto.data[0].y) == pytest.approx([5 / 12, 3 / 12, 2 / 12, 1 / 12, 1 / 12])
    projection = whatif(FEW, {"Labelling": 3}, 10)
    compared = runs_charts.whatif_comparison(FEW, projection)
    assert list(next(t for t in compared.data if t.name == "what-if").x)[0] == pytest.approx(1.0)
    spread = runs_charts.stage_distributions(parse_runs(few_runs_csv()).per_run)
    boxes = {t.name: list(t.x) for t in spread.data}
    assert boxes["Labelling"] == [30.0] * 4  # only the runs that have it


def test_seeded_simulation_means_find_the_truth_where_medians_miss_it():
    """Rare heavy stage (labelling in 1 run in 10, exponential with mean 30 h) on top of
    lognormal training: the mean of run totals lands on the expected iteration; the sum of
    stage medians is biased far above it."""
    rng = np.random.default_rng(11)
    n = 4000
    lines = ["run_id,stage,duration_hours"]
    training = rng.lognormal(mean=np.log(4), sigma=0.5, size=n)
    labelled = rng.random(n) < 0.1
    labelling = rng.exponential(30, size=n)
    for i in range(n):
        lines += [f"r{i},data,2", f"r{i},training,{training[i]:.6f}"]
        if labelled[i]:
            lines.append(f"r{i},Labelling,{labelling[i]:.6f}")
    analysis = parse_runs(("\n".join(lines) + "\n").encode()).analysis
    truth = 2 + 4 * np.exp(0.5 ** 2 / 2) + 0.1 * 30  # 2 + 4.53 + 3 = 9.53 h
    assert analysis.iteration_hours == pytest.approx(truth, rel=0.05)
    sum_of_medians = sum(s.median_hours for s in analysis.stages)  # ~ 2 + 4 + 20.8
    assert sum_of_medians > 2 * truth
    assert sum(s.share for s in analysis.stages) == pytest.approx(1.0)
    assert analysis.bottleneck.stage == "training"
