"""Gap vs noise and the mix / fallback / model decomposition against hand-computed values."""

import math

import pytest
from scipy import stats

from triage.kinds.segments.gap import (
    MetricInput,
    SegmentRow,
    decompose,
    gap_vs_noise,
    metric_problems,
    read_segments,
    segment_rows,
    waterfall,
)
from triage.tabular import InputError

ROWS = [
    SegmentRow("A", 0.6, 0.4, 0.05, 0.05),
    SegmentRow("B", 0.4, 0.6, 0.03, 0.025, fallback_share=0.2, fallback_metric=0.01),
]


def test_decomposition_by_hand_and_the_sum_rule():
    result = decompose(ROWS)
    a, b = result.segments
    assert (result.expected_total, result.observed_total) == pytest.approx((0.042, 0.035))
    assert (a.mix, b.mix) == pytest.approx((-0.01, 0.0055))
    assert (a.rate, b.rate) == pytest.approx((0.0, -0.0025))
    # q = (0.025 - 0.2*0.01)/0.8 = 0.02875, the metric on the requests the model served
    assert b.model_served == pytest.approx(0.02875)
    # the requests that fell back, against the expected metric; then the model-served ones
    assert b.fallback == pytest.approx(0.2 * (0.01 - 0.03) * 0.5)  # -0.002
    assert b.model == pytest.approx(0.8 * (0.02875 - 0.03) * 0.5)  # -0.0005
    assert result.mix + result.fallback + result.model == pytest.approx(result.change, abs=1e-15)
    assert result.change == pytest.approx(-0.007)


def test_fallback_share_of_one_puts_the_whole_rate_change_under_fallback():
    result = decompose([SegmentRow("A", 1, 1, 0.05, 0.03, fallback_share=1.0,
                                   fallback_metric=0.03)])
    (part,) = result.segments
    assert (part.fallback, part.model) == pytest.approx((-0.02, 0.0))


def test_shares_as_counts_are_normalised_and_said():
    result = decompose([SegmentRow("A", 600, 40, 0.05, 0.05), SegmentRow("B", 400, 60, 0.03,
                                                                        0.025)])
    assert [p.w0 for p in result.segments] == pytest.approx([0.6, 0.4])
    assert any("expected shares added up to 1000" in n for n in result.notes)


def test_a_segment_new_online_counts_as_mix_only():
    result = decompose([SegmentRow("old", 1.0, 0.8, 0.05, 0.05),
                        SegmentRow("new", 0.0, 0.2, None, 0.02)])
    new = result.segments[1]
    assert new.new_online and new.rate == 0
    assert new.mix == pytest.approx(0.2 * 0.02)
    assert result.mix + result.rate == pytest.approx(result.change)


def test_simpsons_paradox_is_detected_both_ways():
    paradox = decompose([SegmentRow("A", 0.5, 0.2, 0.05, 0.06),
                         SegmentRow("B", 0.5, 0.8, 0.02, 0.025)])
    assert paradox.change < 0 and paradox.simpson()
    reverse = decompose([SegmentRow("A", 0.5, 0.8, 0.05, 0.04),
                         SegmentRow("B", 0.5, 0.2, 0.02, 0.019)])
    assert reverse.change > 0 and reverse.simpson()
    assert not decompose(ROWS).simpson()


@pytest.mark.parametrize("rows, fragment", [
    ([], "no segments"),
    ([SegmentRow("A", -1, 1, 0.1, 0.1)], "cannot be negative"),
    ([SegmentRow("A", 0, 0, 0.1, 0.1)], "adds up to zero"),
])
def test_unusable_tables(rows, fragment):
    with pytest.raises(InputError, match=fragment):
        decompose(rows)


def test_rows_from_records_name_the_bad_cell():
    with pytest.raises(InputError, match="'B' expected_metric is 'n/a', not a number"):
        segment_rows([{"segment": "B", "expected_share": 1, "observed_share": 1,
                       "expected_metric": "n/a", "observed_metric": 0.1}])
    with pytest.raises(InputError, match="fallback_share is 1.5; it cannot be above 1"):
        segment_rows([{"segment": "B", "expected_share": 1, "observed_share": 1,
                       "expected_metric": 0.1, "observed_metric": 0.1, "fallback_share": 1.5}])
    rows = segment_rows([{"segment": "", "expected_share": None}, {
        "segment": "A", "expected_share": "0,5", "observed_share": "1", "expected_metric": "0.1",
        "observed_metric": "0.2", "fallback_share": "", "fallback_metric": ""}])
    assert rows == [SegmentRow("A", 0.5, 1.0, 0.1, 0.2, None, None)]


def test_segment_csv_is_read_with_optional_columns():
    records = read_segments(b"segment;expected_share;observed_share;expected_metric;"
                            b"observed_metric\nA;0.5;0.5;0.1;0.09\nB;0.5;0.5;0.2;0.2\n")
    assert decompose(segment_rows(records)).change == pytest.approx(-0.005)


def test_waterfall_runs_between_typed_totals_with_an_unexplained_bar():
    typed = MetricInput("CTR", expected=0.0425, observed=0.0350)
    chart = waterfall(decompose(ROWS), typed)
    labels = [label for label, _, _ in chart.steps]
    assert labels == ["traffic mix", "fallbacks", "model: A", "model: B", "unexplained"]
    assert sum(v for _, v, _ in chart.steps) == pytest.approx(typed.observed - typed.expected)
    assert chart.unexplained == pytest.approx(-0.0005)
    plain = waterfall(decompose(ROWS))
    assert plain.unexplained == 0 and plain.expected == pytest.approx(0.042)


def test_proportion_gap_against_sampling_error():
    """A measured expectation (with its n): the two-sample score test, i.e. Pearson's chi-square
    on the 2×2 table without continuity correction; Newcombe's interval for the difference."""
    metric = MetricInput("CTR", expected=0.052, observed=0.0451, n_expected=400_000,
                         n_observed=380_000)
    verdict = gap_vs_noise(metric)
    x1, x0 = round(0.0451 * 380_000), round(0.052 * 400_000)
    pooled = (x1 + x0) / 780_000
    se = math.sqrt(pooled * (1 - pooled) * (1 / 380_000 + 1 / 400_000))
    assert verdict.standard_error == pytest.approx(se)
    assert verdict.gap == pytest.approx(-0.0069)
    assert verdict.shortfall == pytest.approx(0.0069)
    assert verdict.significant is True
    table = [[x1, 380_000 - x1], [x0, 400_000 - x0]]
    assert verdict.p_value == pytest.approx(
        stats.chi2_contingency(table, correction=False).pvalue, rel=1e-6)
    assert verdict.method.startswith("two-sample score test")
    low, high = verdict.interval
    assert low < -0.0069 < high and high - low == pytest.approx(2 * 1.96 * 0.000486, rel=0.01)


def test_small_samples_are_noise_and_other_metrics_need_a_standard_error():
    small = gap_vs_noise(MetricInput("CTR", 0.052, 0.045, n_observed=300))
    assert small.significant is False
    auc = gap_vs_noise(MetricInput("AUC", 0.81, 0.79, kind="other"))
    assert auc.significant is None and "standard error" in auc.why_unknown
    auc = gap_vs_noise(MetricInput("AUC", 0.81, 0.79, kind="other", se_expected=0.003,
                                   se_observed=0.004))
    assert auc.standard_error == pytest.approx(0.005) and auc.significant is True
    lower_better = gap_vs_noise(MetricInput("latency", 100, 120, kind="other",
                                            higher_is_better=False, se_observed=1))
    assert lower_better.shortfall == pytest.approx(20)


def test_proportions_outside_zero_one_are_explained():
    problems = metric_problems(MetricInput("CTR", expected=4.5, observed=0.04))
    assert problems and "type 4.5% as 0.045" in problems[0]


def test_cli_gap_json(tmp_path, capsys):
    import json

    from triage.cli import main as cli_main

    path = tmp_path / "segments.csv"
    path.write_text("segment,expected_share,observed_share,expected_metric,observed_metric,"
                    "fallback_share,fallback_metric\nA,0.6,0.4,0.05,0.05,,\n"
                    "B,0.4,0.6,0.03,0.025,0.2,0.01\n")
    assert cli_main(["gap", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["gap"] == pytest.approx(-0.007)
    assert report["rate"] == pytest.approx(report["fallback"] + report["model"])
    assert report["segments"][1]["fallback"] == pytest.approx(0.2 * (0.01 - 0.03) * 0.5)
    path.write_text("segment,expected_share\nA,1\n")
    assert cli_main(["gap", str(path), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and 'missing column' in captured.err


def test_cli_drift_json_is_strict_and_ranked(tmp_path, capsys):
    import json

    from triage.cli import main as cli_main
    from triage.examples import DATA_DIR

    reference = DATA_DIR / "production" / "example_reference.csv"
    current = DATA_DIR / "production" / "example_current.csv"
    assert cli_main(["drift", str(reference), str(current), "--json"]) == 0
    report = json.loads(capsys.readouterr().out,
                        parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))
    names = [f["feature"] for f in report["features"]]
    assert names[0] == "days_since_last_visit" and report["features"][0]["drifted"] is True
    js = [f["js_distance"] for f in report["features"]]
    assert js == sorted(js, reverse=True)
    categorical = next(f for f in report["features"] if f["kind"] == "categorical")
    assert categorical["ks_statistic"] is None and categorical["chi2_pvalue"] is not None
    assert set(report["features"][0]["null_band"]) >= {"ks_statistic", "psi", "js_distance"}
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01binary\x00" * 20)
    assert cli_main(["drift", str(bad), str(current), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
