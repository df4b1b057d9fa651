"""Issue 17, slow-iteration scenario, through the page: samples labelled as samples, iterations
per month from the runs' dates, waits a hair above their duration counted, plain words after a
rejected upload, progress for uploads, hand-off transitions named, no 0% rows in the charts.

Numbers are hand-computed from the files below (the arithmetic is written out next to them).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_text import errors as error_text
from tests.page_text import shown, texts
from triage.kinds.runs import charts as runs_charts
from triage.kinds.runs.analysis import analyse_stage_table, parse_runs, whatif

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 30
KEY = "slow_iteration"


def _forty_runs(extra: str = "") -> bytes:
    """40 runs, one every 32 h: the starts span 39 x 32 h = 1248 h = 52 days.
    Each run: data 2 h (0.5 h waiting), training 1 h right after (no hand-off)."""
    first = datetime(2026, 9, 1, 8, tzinfo=UTC)
    lines = ["run_id,stage,started_at,ended_at,wait_hours"]
    for i in range(40):
        start = first + timedelta(hours=32 * i)
        stamps = [start + timedelta(hours=h) for h in (0, 2, 3)]
        iso = [s.strftime("%Y-%m-%dT%H:%M:%SZ") for s in stamps]
        lines += [f"r{i:02d},data,{iso[0]},{iso[1]},0.5", f"r{i:02d},training,{iso[1]},{iso[2]},0"]
    return ("\n".join(lines) + "\n" + extra).encode()


RATE = round(40 / (52 / 30.44), 1)  # 23.415… -> 23.4


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def session(at: AppTest):
    return at.session_state["sessions"][KEY]


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, content, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def captions(at: AppTest) -> str:
    return "\n".join(shown(c.value) for c in at.caption)


def plan_text(at: AppTest) -> str:
    open_page(at, "pages/plan.py")
    body = texts(at)
    open_page(at, "pages/iteration.py")
    return body


# ---------------------------------------------------------------------------------------------
# Samples


def test_a_fresh_page_marks_every_prefilled_value_as_a_sample(app):
    open_page(app, "pages/iteration.py")
    assert session(app).inputs["prefilled"] == ["iterations_per_month", "stage_table"]
    body = texts(app)
    assert "Read: 5 stages, sample values, not the team's: type over them or upload runs" in body
    assert "typed in" not in body
    assert "**Sample values** from the worked example, not your team's" in captions(app)
    assert "**Sample value** — type yours (or upload dated runs)." in captions(app)
    metrics = {m.label: (m.value, m.delta) for m in app.metric}
    # the sample table mirrors the example's stage means, rounded: 5.9+1.0+2.6+1.7+1.8+1.9
    assert metrics["One iteration, on average"] == ("14.9 h", "sample values")
    assert "Sample values suggest no answers" in captions(app)
    assert "Suggested by the numbers" not in body and app.radio[-1].value is None
    plan = plan_text(app)
    assert ("One iteration takes on average 14.9 h (the sample stage table's average hours per "
            "iteration — sample values, not the team's)") in plan
    assert ("12 iterations per month: a sample value, not the team's; type the real number on "
            "the iteration page and the hours per month follow.") in plan
    assert "as typed" not in plan


def test_typing_makes_the_table_and_the_iterations_the_teams(app):
    open_page(app, "pages/iteration.py")
    app.session_state[f"{KEY}:0:table"] = {"edited_rows": {"0": {"hours": 8.0}},
                                           "added_rows": [], "deleted_rows": []}
    app.run()
    assert session(app).inputs["prefilled"] == ["iterations_per_month"]
    body = texts(app)
    assert "Read: 5 stages typed in" in body and "sample values" not in body.split("Read:")[1]
    assert "Sample values" not in captions(app)
    assert ({m.label: m.delta for m in app.metric}["One iteration, on average"]
            == "typed average hours, added up")
    assert "Suggested by the numbers" in texts(app)  # the team's numbers suggest answers
    app.number_input(key=f"{KEY}:0:ipm").set_value(8.0).run()
    assert session(app).inputs["prefilled"] == []
    assert "As typed." in captions(app)
    plan = plan_text(app)
    assert "8 iterations per month, as typed in the meeting." in plan
    assert "sample" not in plan


def test_uploaded_runs_give_iterations_per_month_from_their_dates(app):
    open_page(app, "pages/iteration.py")
    upload(app, "runs.csv", _forty_runs())
    inputs = session(app).inputs
    assert inputs["iterations_per_month"] == RATE == 23.4
    assert inputs["iterations_per_month_from"] == "40 runs started over 52.0 days"
    assert inputs["prefilled"] == ["stage_table"]  # the table is still the sample, unused now
    assert app.number_input(key=f"{KEY}:0:ipm").value == 23.4
    assert "From the runs' dates: 40 runs started over 52.0 days" in captions(app)
    assert "Read: 40 runs, 2 stages" in texts(app)
    # the team's runs: every run is 3 h, so mean and median agree
    assert ({m.label: m.delta for m in app.metric}["One iteration, on average"]
            == "typical 3.0 h (median of 40 runs)")
    status = app.status[0]
    assert (status.label, status.state) == ("Read runs.csv: 40 runs", "complete")
    plan = plan_text(app)
    assert ("23.4 iterations per month, from the runs' dates: 40 runs started over 52.0 days."
            in plan)
    assert "as typed" not in plan and "sample" not in plan


def test_a_typed_rate_survives_an_upload_and_the_runs_rate_is_offered(app):
    open_page(app, "pages/iteration.py")
    app.number_input(key=f"{KEY}:0:ipm").set_value(8.0).run()
    upload(app, "runs.csv", _forty_runs())
    assert session(app).inputs["iterations_per_month"] == 8.0
    assert "8 iterations per month, as typed in the meeting." in plan_text(app)
    offer = next(b for b in app.button if b.label == "Use 23.4 from the runs' dates")
    offer.click().run()
    assert session(app).inputs["iterations_per_month"] == 23.4
    assert app.number_input(key=f"{KEY}:0:ipm").value == 23.4
    assert "from the runs' dates: 40 runs started over 52.0 days" in plan_text(app)


def test_the_worked_example_reads_its_rate_from_its_runs_and_names_the_hand_offs(app):
    app.button(key="example:slow_iteration").click().run()
    assert not app.exception
    inputs = session(app).inputs
    assert "prefilled" not in inputs  # a worked example is not a sample
    # 40 runs, first start 2026-09-02 20:58, last 58.53 days later: 40 / (58.53 / 30.44) = 20.8
    assert inputs["iterations_per_month"] == 20.8
    assert "From the runs' dates: 40 runs started over 58.5 days" in captions(app)
    labels = [e.label for e in app.expander]
    assert ("Where hand-off waiting sits: Job startup & queueing → Training: 31% of hand-off "
            "time; Evaluation & comparison → Deployment & approval: 25%") in [shown(x)
                                                                              for x in labels]
    # hand-offs: 1.86 h of the mean iteration's 14.81 h
    assert ("Hand-off waiting is 13%: the largest part (31%) between Job startup & queueing "
            "and Training.") in texts(app)
    assert not app.status  # the cached example is no upload: no progress box


# ---------------------------------------------------------------------------------------------
# Rounding tolerance


def test_waits_a_hair_above_their_duration_are_counted_in_the_read_summary(app):
    open_page(app, "pages/iteration.py")
    # three queue rows of 59 min 59 s written as 1.00 h waiting (1 s above: clamped), one of
    # 1 h written as 1.02 (72 s above 1 h, over both 1% and 60 s: skipped)
    extra = "".join(f"q{i},queue,2026-12-01T08:00:00Z,2026-12-01T08:59:59Z,1.00\n"
                    for i in range(3)) + "q3,queue,2026-12-01T08:00:00Z,2026-12-01T09:00:00Z,1.02\n"
    upload(app, "runs.csv", _forty_runs(extra))
    body = texts(app)
    assert ("Read: 43 runs, 3 stages; 3 rows: wait a hair above duration, clamped, 1 rows "
            "skipped: wait_hours is longer than the stage itself") in body


# ---------------------------------------------------------------------------------------------
# Rejected uploads say which data is shown


def test_a_rejected_first_upload_says_the_page_shows_the_sample(app):
    open_page(app, "pages/iteration.py")
    upload(app, "bad.csv", b"run_id,duration_hours\nr1,2\n")
    errors = error_text(app)
    assert 'missing column "stage"' in errors
    assert "Nothing from this file was used" in errors
    assert "The page shows the **sample stage table** (sample values, not the team's)." in errors
    assert app.status[0].state == "error" and app.status[0].label == "Could not use bad.csv"


def test_a_rejected_upload_after_good_runs_says_the_earlier_runs_are_shown(app):
    open_page(app, "pages/iteration.py")
    upload(app, "good.csv", _forty_runs())
    upload(app, "broken.csv", b"")
    errors = error_text(app)
    assert "broken.csv is empty" in errors
    assert "The page still shows the runs read earlier from **good.csv** (40 runs)." in errors
    assert "Read: 40 runs, 2 stages" in texts(app)


def test_a_rejected_upload_over_a_typed_table_says_the_typed_table_is_shown(app):
    open_page(app, "pages/iteration.py")
    app.session_state[f"{KEY}:0:table"] = {"edited_rows": {"1": {"hours": 3.0}},
                                           "added_rows": [], "deleted_rows": []}
    app.run()
    upload(app, "bad.csv", b"run_id,duration_hours\nr1,2\n")
    assert "The page shows **your typed stage table**." in error_text(app)


# ---------------------------------------------------------------------------------------------
# Charts: no rows for stages without time; ranges from the data

TABLE = [{"stage": "data", "hours": 6, "wait_hours": 2}, {"stage": "queue", "hours": 0},
         {"stage": "training", "hours": 4, "wait_hours": 0}, {"stage": "eval", "hours": 0.02}]


def test_iteration_charts_draw_no_row_for_a_stage_without_time():
    analysis = analyse_stage_table(TABLE)
    breakdown = runs_charts.iteration_breakdown(analysis)
    drawn = {y for trace in breakdown.data for y in trace.y}
    assert drawn == {"Data access & features", "Training", "Evaluation & comparison"}
    shares = next(t for t in breakdown.data if t.type == "scatter")
    # eval 0.02 of 10.02 h is 0.2%: "<1%", never a "0%" that reads as nothing
    assert list(shares.text) == ["<1%", "40%", "60%"]
    assert list(breakdown.layout.xaxis.range) == pytest.approx([0, 6 * 1.18])
    pareto = runs_charts.stage_pareto(analysis)
    assert list(pareto.data[0].x) == ["Data access & features", "Training",
                                      "Evaluation & comparison"]
    assert list(pareto.data[0].text) == ["60%", "40%", "<1%"]
    assert pareto.layout.yaxis.range[1] == pytest.approx(6 / 10.02 * 1.2)
    comparison = runs_charts.whatif_comparison(analysis, whatif(analysis, {"data": 2}, 10))
    now = next(t for t in comparison.data if t.name == "now")
    assert list(now.y) == ["Evaluation & comparison", "Training", "Data access & features"]
    assert list(comparison.layout.xaxis.range) == pytest.approx([0, 6 * 1.08])


def test_run_spread_chart_drops_stages_that_never_took_time():
    runs = parse_runs(b"run_id,stage,duration_hours\na,data,1\nb,data,3\na,queue,0\nb,queue,0\n"
                      b"a,train,2\n")
    figure = runs_charts.stage_distributions(runs.per_run)
    assert [t.name for t in figure.data] == ["Data access & features", "Training"]
    assert list(figure.layout.xaxis.range) == pytest.approx([0, 3 * 1.05])


def test_the_page_draws_no_row_for_a_stage_typed_as_zero(app):
    open_page(app, "pages/iteration.py")
    app.session_state[f"{KEY}:0:table"] = {"edited_rows": {"1": {"hours": 0.0,
                                                                 "wait_hours": 0.0}},
                                           "added_rows": [], "deleted_rows": []}
    app.run()
    assert not app.exception
    breakdown = json.loads(app.get("plotly_chart")[0].proto.spec)
    labels = {y for trace in breakdown["data"] for y in trace["y"]}
    assert "Job startup & queueing" not in labels and "Training" in labels
    sliders = [s.label for s in app.select_slider]
    assert not any(label.startswith("Job startup") for label in sliders)
