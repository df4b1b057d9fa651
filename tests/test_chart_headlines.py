"""Every chart says its message in one sentence computed from its numbers (its text alternative),
and leaves background, grid and text colours to the page's theme."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from triage import charts
from triage.followup import Difference, before_after_chart, change_chart
from triage.kinds.requests import charts as requests_charts
from triage.kinds.requests.analysis import parse_requests
from triage.kinds.runs import charts as runs_charts
from triage.kinds.runs.analysis import analyse_stage_table, parse_runs, whatif
from triage.kinds.runs.impact import iteration_plan
from triage.kinds.samples import charts as samples_charts
from triage.kinds.samples.drift import FeatureDrift
from triage.kinds.segments import charts as segments_charts
from triage.kinds.segments.gap import Waterfall
from triage.kinds.serving import charts as serving_charts
from triage.kinds.serving.analysis import HealthCheck
from triage.session import Session

TABLE = [
    {"stage": "data", "hours": 6, "wait_hours": 2},
    {"stage": "queue", "hours": 1, "wait_hours": 0.8},
    {"stage": "training", "hours": 3, "wait_hours": None},
]
HAND_LOG = (Path(__file__).parent / "data" / "access" / "requests_by_hand.csv").read_bytes()


def said(figure) -> str:
    text = charts.headline(figure)
    assert text and text == figure.layout.meta["headline"]
    assert text.endswith(".") and "\n" not in text  # one sentence, ready for a caption
    return text


def test_iteration_headlines_name_the_bottleneck_and_its_share():
    analysis = analyse_stage_table(TABLE)  # 6 + 1 + 3 = 10 h; data 60%; waits 2 + 0.8 h
    assert said(runs_charts.iteration_breakdown(analysis)) == (
        "Data access & features is the largest part, 60% (6.0 h) of the average 10.0 h iteration; "
        "2.8 h of the iteration is waiting.")
    # Shares 60%, 30%, 10%: the top two reach 80%.
    assert said(runs_charts.stage_pareto(analysis)) == (
        "Data access & features alone is 60% of the average iteration; the top 2 stages make up 90%.")
    # Halving data prep: 10 → 7 h, 1.43×; data saves 3 h.
    assert said(runs_charts.whatif_comparison(analysis, whatif(analysis, {"data": 2}, 10))) == (
        "What-if: one iteration goes from 10.0 h to 7.0 h, 1.43× faster; "
        "Data access & features saves the most, 3.0 h.")
    unchanged = runs_charts.whatif_comparison(analysis, whatif(analysis, {}, 10))
    assert said(unchanged).endswith("1.00× faster; no stage is sped up.")


def test_spread_headline_finds_the_stage_that_varies_most():
    # data: 1, 1, 1, 9 h (median 1, p90 6.6 by linear interpolation); train: 2, 2, 3, 3 h.
    rows = [f"{run},data,{h}" for run, h in zip("abcd", (1, 1, 1, 9), strict=True)]
    rows += [f"{run},train,{h}" for run, h in zip("abcd", (2, 2, 3, 3), strict=True)]
    runs = parse_runs(("run_id,stage,duration_hours\n" + "\n".join(rows) + "\n").encode())
    p90 = float(pd.Series([1, 1, 1, 9]).quantile(0.9))
    assert said(runs_charts.stage_distributions(runs.per_run)) == (
        f"Data access & features varies most from run to run: p90 {p90:.1f} h against a median of "
        f"1.0 h ({p90:.1f}×).")


def test_impact_effort_headline_counts_kinds_and_names_the_best_value(mini_book):
    session = Session(scenario="mini", playbook_version=3,
                      answers={"measured": "known", "dominant": "data"},
                      inputs={"iterations_per_month": 10})
    plan = iteration_plan(mini_book, session, analyse_stage_table(TABLE))
    figure = charts.impact_effort(plan)
    points = [(c, x, y) for t in figure.data for c, x, y in zip(t.customdata, t.x, t.y, strict=True)]
    quick = sum(len(t.x) for t in figure.data if t.name == "Quick win")
    best = max(points, key=lambda p: p[2] / p[1])  # impact midpoint per effort midpoint
    text = said(figure)
    assert text.startswith(f"{len(points)} quantified actions ({quick} quick win")
    assert f"{len(points) - quick} cross-team" in text
    assert f"most impact per day of effort: {best[0][2]}. {best[0][0]}, {best[0][1]} for {best[0][3]}." \
        in text


def test_production_headlines_follow_their_numbers():
    waterfall = Waterfall(expected=0.05, observed=0.041,
                          steps=(("traffic mix", -0.002, "m"), ("model: mobile", -0.007, "m")))
    assert said(segments_charts.gap_waterfall(waterfall, "CTR")) == (
        "CTR went from 0.05 expected to 0.041 observed (-0.009); the largest part is model: mobile, "
        "-0.00700.")  # as the bar is labelled
    checks = [HealthCheck("p99 latency", 212.0, 150.0, "ms"), HealthCheck("errors", 0.004, 0.01, "share"),
              HealthCheck("timeouts", 0.02, None, "share")]
    assert said(serving_charts.health_vs_budget(checks)) == (
        "1 of 2 serving-health figures are over budget: p99 latency at 141% of its budget.")
    calm = [HealthCheck("p99 latency", 120.0, 150.0, "ms"), HealthCheck("errors", 0.004, 0.01, "share")]
    assert said(serving_charts.health_vs_budget(calm)) == (
        "All 2 serving-health figures are within budget; the closest is p99 latency at 80%.")
    features = [FeatureDrift("price", "numeric", js_distance=0.3, drifted=True,
                             bin_labels=("low", "mid", "high"), reference_shares=(0.5, 0.3, 0.2),
                             current_shares=(0.2, 0.35, 0.45)),
                FeatureDrift("age", "numeric", js_distance=0.04)]
    assert said(samples_charts.drift_ranking(features)) == (
        "1 of 2 features drifted (price); the largest Jensen–Shannon distance is 0.300, price.")
    assert said(samples_charts.drift_distribution(features[0])) == (
        "price (drifted): the largest change is in low, 50% of training rows against 20% of serving rows.")


def test_access_headlines_follow_their_numbers():
    rates = requests_charts.breach_rates(["Owner", "Approval", "First use"], [0.5, None, 0.1], "t",
                                         [None, 0.3, None])
    assert said(rates) == "Owner has the most requests over their SLA, 50%; 1 of 2 are over 20%."
    aging = requests_charts.pending_aging([("< 1 d", 0), ("1–3 d", 2), ("3–7 d", 0), ("1–2 w", 1)])
    assert said(aging) == "3 requests are still open; the most (2) have waited 1–3 d, the oldest 1–2 w."
    analysis = parse_requests(HAND_LOG)
    stages = list(analysis.stages)
    slowest = max((s for s in stages if s.median_or_bound is not None), key=lambda s: s.median_or_bound)
    text = said(requests_charts.access_stages(stages, 106.0, "Time to access (median): 4.4 d", "x"))
    assert text.startswith(f"{charts_label(slowest.stage)} is the longest wait: median ")
    assert f"{slowest.median_or_bound / 24:.1f} d of" in text and text.endswith("end to end, 4.4 d (median).")
    marked = [s for s in stages if s.breach_rate is not None]
    worst = max(marked, key=lambda s: s.breach_rate)
    assert said(requests_charts.access_distributions(stages)).startswith(
        f"{charts_label(worst.stage)} breaches its SLA most: {worst.breach_rate:.0%} of requests still "
        f"wait after its {worst.sla_hours:g} h SLA")


def charts_label(stage: str) -> str:
    from triage.vocabulary import stage_label

    return stage_label(stage)


def test_followup_headlines_follow_their_numbers():
    good = Difference(14.5, 9.8, -4.7, -6.0, -3.2, -4.7 / 14.5, relative_low=-0.41, relative_high=-0.22)
    text = said(before_after_chart([("whole run", good)], "h", "Iteration time"))
    assert text.startswith("whole run: 14.5 h before, 9.8 h after, ")
    assert said(change_chart([("whole run", good)])) == (
        f"whole run changed {-4.7 / 14.5:+.0%} (95% interval -41% to -22%): {good.outcome}.")


def every_chart(mini_book) -> list:
    analysis = analyse_stage_table(TABLE)
    requests = list(parse_requests(HAND_LOG).stages)
    feature = FeatureDrift("price", "numeric", js_distance=0.3, drifted=True, bin_labels=("a",),
                           reference_shares=(1.0,), current_shares=(1.0,))
    good = Difference(14.5, 9.8, -4.7, -6.0, -3.2, -0.32)
    plan = iteration_plan(mini_book, Session(scenario="mini", playbook_version=3,
                                             answers={"measured": "known", "dominant": "data"},
                                             inputs={"iterations_per_month": 10}), analysis)
    return [
        runs_charts.iteration_breakdown(analysis), runs_charts.stage_pareto(analysis),
        runs_charts.whatif_comparison(analysis, whatif(analysis, {"data": 2}, 10)),
        runs_charts.stage_distributions(parse_runs(b"run_id,stage,duration_hours\na,data,1\n").per_run),
        charts.impact_effort(plan),
        segments_charts.gap_waterfall(Waterfall(0.05, 0.04, (("mix", -0.01, "m"),)), "CTR"),
        serving_charts.health_vs_budget([HealthCheck("p99 latency", 212.0, 150.0, "ms")]),
        samples_charts.drift_ranking([feature]), samples_charts.drift_distribution(feature),
        requests_charts.access_stages(requests), requests_charts.access_distributions(requests),
        requests_charts.breach_rates(["Owner"], [0.5], "t"), requests_charts.pending_aging([("< 1 d", 1)]),
        before_after_chart([("run", good)]), change_chart([("run", good)]),
    ]


def test_every_chart_has_a_headline_and_leaves_colours_of_the_page_to_the_theme(mini_book):
    for figure in every_chart(mini_book):
        said(figure)
        spec = figure.to_plotly_json()
        spec["layout"].pop("template", None)  # plotly's default here; Streamlit's theme in the app
        layout = spec["layout"]
        assert "paper_bgcolor" not in layout and "plot_bgcolor" not in layout, layout["title"]
        assert "color" not in layout.get("font", {})
        for name, axis in layout.items():
            if name.startswith(("xaxis", "yaxis")):
                assert "gridcolor" not in axis and "color" not in axis, (layout["title"], name)
        assert "white" not in str(spec).lower()


@pytest.mark.parametrize("builder", [
    lambda: requests_charts.pending_aging([("< 1 d", 0)]),
    lambda: requests_charts.breach_rates(["Owner"], [None], "t"),
    lambda: samples_charts.drift_ranking([]),
    lambda: serving_charts.health_vs_budget([]),
    lambda: change_chart([]),
])
def test_empty_charts_say_so(builder):
    text = said(builder())
    assert text.startswith("No ")


@pytest.mark.parametrize("example", ["slow_iteration", "production_underperformance", "data_access"])
def test_page_charts_carry_their_headline_as_caption_and_alt_text(app, example):
    """On the page each chart's headline is its accessible name (alt) and the caption under it;
    the theme is Streamlit's, so the chart follows the light or dark page."""
    import json

    from triage.markdown import literal

    app.button(key=f"example:{example}").click().run()
    assert not app.exception, app.exception
    shown = app.get("plotly_chart")
    assert len(shown) >= 2
    captions = {c.value for c in app.caption}
    for chart in shown:
        spec = json.loads(chart.proto.spec)
        text = spec["layout"]["meta"]["headline"]
        assert text and chart.proto.alt == text and chart.proto.theme == "streamlit"
        assert literal(text, one_line=True) in captions
        assert "paper_bgcolor" not in spec["layout"] and "plot_bgcolor" not in spec["layout"]
