"""Charts are checked by the data they carry, not by how they look."""

import pytest

from triage import charts
from triage.kinds.requests import charts as requests_charts
from triage.kinds.runs import charts as runs_charts
from triage.kinds.runs.analysis import analyse_stage_table, parse_runs, whatif
from triage.kinds.runs.impact import iteration_plan
from triage.kinds.samples import charts as samples_charts
from triage.kinds.segments import charts as segments_charts
from triage.kinds.serving import charts as serving_charts
from triage.session import ActionEdit, Session

TABLE = [
    {"stage": "data", "hours": 6, "wait_hours": 2},
    {"stage": "queue", "hours": 1, "wait_hours": 0.8},
    {"stage": "training", "hours": 3, "wait_hours": None},
]


def trace(figure, name):
    return next(t for t in figure.data if t.name == name)


def test_breakdown_splits_working_waiting_and_unsplit_in_pipeline_order():
    figure = runs_charts.iteration_breakdown(analyse_stage_table(TABLE))
    working, waiting, unsplit = (trace(figure, n) for n in ("working", "waiting", "not split"))
    labels = ["Training", "Job startup & queueing", "Data access & features"]  # bottom-up
    assert list(working.y) == labels
    assert list(working.x) == pytest.approx([0, 0.2, 4])
    assert list(waiting.x) == pytest.approx([0, 0.8, 2])
    assert list(unsplit.x) == pytest.approx([3, 0, 0])
    assert (working.marker.color, waiting.marker.color) == (charts.WORKING, charts.WAITING)
    assert figure.layout.title.text == "One iteration on average: 10.0 h"
    assert figure.layout.xaxis.title.text == "mean hours per iteration"


def test_pareto_sorts_shares_and_accumulates():
    figure = runs_charts.stage_pareto(analyse_stage_table(TABLE))
    bars, line = figure.data
    assert list(bars.x) == ["Data access & features", "Training", "Job startup & queueing"]
    assert list(bars.y) == pytest.approx([0.6, 0.3, 0.1])
    assert list(line.y) == pytest.approx([0.6, 0.9, 1.0])
    assert bars.marker.color[0] == charts.HIGHLIGHT


def test_distributions_have_one_box_per_stage_with_per_run_hours():
    runs = parse_runs(b"run_id,stage,duration_hours\na,data,1\nb,data,3\na,train,2\nb,train,2\n"
                      b"b,train,1\n")
    figure = runs_charts.stage_distributions(runs.per_run)
    boxes = {t.name: sorted(t.x) for t in figure.data}
    assert boxes == {"Data access & features": [1, 3], "Training": [2, 3]}


def test_whatif_chart_carries_before_and_after():
    analysis = analyse_stage_table(TABLE)
    figure = runs_charts.whatif_comparison(analysis, whatif(analysis, {"data": 2}, 10))
    assert list(trace(figure, "now").x) == pytest.approx([3, 1, 6])
    assert list(trace(figure, "what-if").x) == pytest.approx([3, 1, 3])
    assert figure.layout.title.text == "What-if: 10.0 h → 7.0 h (1.43× faster)"


def test_impact_effort_points_are_the_plan_actions(mini_book):
    session = Session(scenario="mini", playbook_version=3,
                      answers={"measured": "known", "dominant": "data"},
                      inputs={"iterations_per_month": 10})
    session.set_edit("lane", ActionEdit(status="dropped"))
    plan = iteration_plan(mini_book, session, analyse_stage_table(TABLE))
    figure = charts.impact_effort(plan)
    assert [t.name for t in figure.data] == ["Quick win"]  # the dropped cross-team item is gone
    points = figure.data[0]
    by_title = {c[0]: (x, y) for c, x, y in zip(points.customdata, points.x, points.y,
                                                 strict=True)}
    assert by_title["Cache features"] == pytest.approx((3, 25))
    assert by_title["Dev sample"] == pytest.approx((2, 25))
    assert points.marker.color == charts.QUICK_WIN


TAGS = '<a href="https://example.com">x</a> <b>y</b>'
SHOWN = '&lt;a href="https://example.com"&gt;x&lt;/a&gt; &lt;b&gt;y&lt;/b&gt;'


def test_typed_names_never_become_plotly_markup():
    """Plotly reads <a>, <b>, <br> in text: a stage, feature or metric someone typed stays text."""
    import pandas as pd

    from triage.kinds.samples.drift import compare
    from triage.kinds.segments.gap import Waterfall

    analysis = analyse_stage_table([{"stage": TAGS, "hours": 2, "wait_hours": 1},
                                    {"stage": "data", "hours": 1, "wait_hours": 0}])
    assert SHOWN in list(runs_charts.iteration_breakdown(analysis).data[0].y)
    assert SHOWN in list(runs_charts.stage_pareto(analysis).data[0].x)
    report = compare(pd.DataFrame({TAGS: [1.0, 2.0, 3.0] * 20}),
                     pd.DataFrame({TAGS: [1.0, 2.0, 9.0] * 20}), seed=1)
    ranking = samples_charts.drift_ranking(report.features)
    assert list(ranking.data[0].y) == [SHOWN]
    assert samples_charts.drift_distribution(report.features[0]).layout.title.text.startswith(SHOWN)
    waterfall = segments_charts.gap_waterfall(Waterfall(expected=0.05, steps=[(TAGS, -0.01, TAGS)],
                                                        observed=0.04), TAGS)
    assert list(waterfall.data[0].x)[1] == SHOWN and waterfall.layout.yaxis.title.text == SHOWN
    assert "<a" not in waterfall.layout.title.text
    assert list(requests_charts.breach_rates([TAGS], [0.5], "t").data[0].x) == [SHOWN]
    assert charts.plain("Data access & features") == "Data access & features"


def test_drift_ranking_puts_the_largest_on_top_with_chance_ticks_and_the_threshold():
    from triage.kinds.samples.drift import FeatureDrift

    features = [FeatureDrift("a", "numeric", js_distance=0.3, drifted=True,
                             null_band={"js_distance": 0.05}),
                FeatureDrift("b", "numeric", js_distance=0.04, null_band={"js_distance": 0.06})]
    figure = samples_charts.drift_ranking(features, threshold=0.1)
    bars, chance = figure.data
    assert list(bars.y) == ["b", "a"] and list(bars.x) == [0.04, 0.3]  # largest drawn on top
    assert list(bars.marker.color) == [charts.NEUTRAL, charts.WORSE]
    assert list(chance.x) == [0.06, 0.05]
    (line,) = figure.layout.shapes
    assert (line.x0, line.x1, line.yref, line.line.dash) == (0.1, 0.1, "y domain", "dot")
    assert "dotted: 0.1" in figure.layout.xaxis.title.text
    assert not figure.layout.annotations  # no label under the legend


def test_health_chart_draws_each_figure_as_a_share_of_its_budget():
    from triage.kinds.serving.analysis import HealthCheck

    checks = [HealthCheck("p99 latency", 212.0, 150.0, "ms"), HealthCheck("errors", 0.004, 0.01,
                                                                         "share"),
              HealthCheck("timeouts", 0.02, None, "share")]  # no budget: not drawn
    figure = serving_charts.health_vs_budget(checks)
    (bars,) = figure.data
    assert list(bars.x) == ["p99 latency", "errors"]
    assert list(bars.y) == pytest.approx([212 / 150, 0.4])
    assert list(bars.marker.color) == [charts.WORSE, charts.BETTER]
    assert list(bars.text) == ["212 ms", "0.4%"]
    (line,) = figure.layout.shapes
    assert (line.y0, line.y1, line.line.dash) == (1, 1, "dash")


def test_titles_sit_below_the_toolbar_and_legends_below_the_titles():
    """Plotly's toolbar takes the top ~30 px on the right: a title (and a legend) under it
    would be covered on a narrow chart, so the shared layout puts them below that band."""
    with_legend = runs_charts.iteration_breakdown(analyse_stage_table(TABLE))  # several series
    alone = charts.figure([charts.go.Bar(x=["a"], y=[1])], "One bar", headline="One bar of 1.")
    for figure, legend in ((with_legend, True), (alone, False)):
        title, margin = figure.layout.title, figure.layout.margin
        assert (title.yref, title.y, title.yanchor, title.x, title.xanchor) == \
            ("container", 1, "top", 0, "left")
        assert title.pad.t >= 30  # the toolbar's band
        # Room for the band, the title's line and, when there is one, the legend's row.
        assert margin.t >= title.pad.t + 24 + (24 if legend else 0)
    # The plot area keeps the height it had: the extra top margin is added, not taken.
    assert alone.layout.height - alone.layout.margin.t == 380 - 60


def test_axes_never_use_scientific_notation_unless_a_chart_sets_a_format():
    figure = charts.figure([charts.go.Bar(x=[1e-5, 2e-5], y=["a", "b"], orientation="h")], "t",
                           headline="", yaxis2={"overlaying": "y"})
    for axis in (figure.layout.xaxis, figure.layout.yaxis, figure.layout.yaxis2):
        assert axis.exponentformat == "none"
    chosen = charts.figure([], "t", headline="", xaxis={"exponentformat": "e"})
    assert chosen.layout.xaxis.exponentformat == "e"
