"""Is the gap real: exact and score tests against scipy and published examples, Welch, wording."""

import json
import math

import numpy as np
import pytest
from scipy import stats

from triage.cli import main
from triage.kinds.segments.gap import MetricInput, gap_vs_noise
from triage.kinds.segments.noise import (
    METHOD_EXACT,
    METHOD_SCORE,
    NoiseError,
    newcombe_interval,
    proportion_test,
    relative_words,
    vs_known,
    vs_measured,
    welch,
    wilson_interval,
)


def wilson_by_hand(x, n, z=1.959963984540054):
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("x, n", [(0, 100), (3, 10), (1, 1), (17138, 380000), (50, 50)])
def test_wilson_matches_the_hand_formula(x, n):
    low, high = wilson_by_hand(x, n)
    assert wilson_interval(x, n) == pytest.approx((max(low, 0), min(high, 1)), abs=1e-12)


def test_wilson_published_values():
    # Newcombe (1998) table I: 81/263 → 0.2553 to 0.3662; 0/10 → 0 to 0.2775
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)


def test_newcombe_published_example():
    # Newcombe (1998), method 10: 56/70 vs 48/80, difference 0.2000, 95% CI 0.0524 to 0.3339
    low, high = newcombe_interval(56, 70, 48, 80)
    assert (low, high) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    result = vs_measured(56, 70, 48, 80)
    assert result.gap == pytest.approx(0.2) and result.interval == (low, high)
    table = [[56, 14], [48, 32]]
    assert result.p_value == pytest.approx(stats.chi2_contingency(table, correction=False).pvalue)
    assert result.method == METHOD_SCORE


@pytest.mark.parametrize("x, n, p0", [(0, 100, 0.01), (3, 10, 0.6), (1, 1, 0.5), (40, 500, 0.05),
                                      (17138, 380000, 0.052)])
def test_exact_binomial_against_scipy(x, n, p0):
    result = vs_known(x, n, p0)
    assert result.p_value == pytest.approx(stats.binomtest(x, n, p0).pvalue)
    low, high = wilson_interval(x, n)
    assert result.interval == pytest.approx((low - p0, high - p0))
    assert result.method == METHOD_EXACT


def test_the_issues_cases():
    # 0/100 against an expected 1%: Wald called it significant; exact p = 0.63
    zero = vs_known(0, 100, 0.01)
    assert zero.p_value == pytest.approx(0.6303, abs=1e-4) and not zero.significant
    # 3/10 against 60%: Wald p = 0.038; exact p = 0.10
    small = vs_known(3, 10, 0.6)
    assert small.p_value == pytest.approx(0.1011, abs=1e-4) and not small.significant
    wald_z = -0.3 / math.sqrt(0.3 * 0.7 / 10)
    assert 2 * stats.norm.sf(abs(wald_z)) == pytest.approx(0.038, abs=1e-3)  # the old answer
    # the interval includes 0 as the test says
    assert small.interval[0] < 0 < small.interval[1]
    # and the same through gap_vs_noise (a known expectation: no n_expected)
    verdict = gap_vs_noise(MetricInput("CTR", expected=0.01, observed=0.0, n_observed=100))
    assert verdict.significant is False and verdict.p_value == pytest.approx(0.6303, abs=1e-4)
    assert verdict.method == METHOD_EXACT and verdict.interval[0] < 0 < verdict.interval[1]


def test_exact_test_keeps_its_size_where_wald_does_not():
    """Computed exactly over every outcome: the probability of calling a true null significant."""
    n, p0 = 30, 0.1
    xs = np.arange(n + 1)
    pmf = stats.binom.pmf(xs, n, p0)
    exact = sum(pmf[x] for x in xs if vs_known(int(x), n, p0).significant)
    wald = sum(pmf[x] for x in xs
               if x not in (0, n) and abs(x / n - p0) / math.sqrt(x / n * (1 - x / n) / n) > 1.96
               or x == 0)  # Wald's SE of 0 at x = 0 calls it significant
    assert exact <= 0.05
    assert wald > 0.05  # what the old test did


def test_score_test_size_on_a_seeded_simulation():
    rng = np.random.default_rng(12)
    n1, n0, p = 2000, 2000, 0.04
    hits = 0
    runs = 2000
    for _ in range(runs):
        x1, x0 = rng.binomial(n1, p), rng.binomial(n0, p)
        hits += vs_measured(int(x1), n1, int(x0), n0).significant
    assert hits / runs == pytest.approx(0.05, abs=0.015)


def test_proportion_rates_become_counts():
    result = proportion_test(0.3, 10, 0.6)
    assert result.p_value == pytest.approx(stats.binomtest(3, 10, 0.6).pvalue)
    measured = proportion_test(0.8, 70, 0.6, 80)
    assert measured.interval == pytest.approx((0.0524, 0.3339), abs=1e-4)


def test_welch_against_scipy_and_the_normal():
    # with n on both sides: Welch–Satterthwaite df, the same as scipy's Welch t-test
    s1, n1, s0, n0 = 2.0, 12, 3.0, 15
    result = welch(10.0, s1 / math.sqrt(n1), 12.0, s0 / math.sqrt(n0), n1, n0)
    ref = stats.ttest_ind_from_stats(10.0, s1, n1, 12.0, s0, n0, equal_var=False)
    assert result.p_value == pytest.approx(ref.pvalue) and result.statistic == pytest.approx(
        ref.statistic)
    assert "Welch–Satterthwaite" in result.method
    # without n: normal approximation, said so
    auc = welch(0.79, 0.004, 0.81, 0.003)
    assert auc.standard_error == pytest.approx(0.005)
    assert auc.p_value == pytest.approx(2 * stats.norm.sf(0.02 / 0.005))
    assert auc.interval == pytest.approx((-0.02 - 1.959964 * 0.005, -0.02 + 1.959964 * 0.005))
    assert "normal approximation" in auc.method
    # an exact expectation: one-sample
    assert welch(0.79, 0.004, 0.81, None).standard_error == pytest.approx(0.004)


@pytest.mark.parametrize("se_observed, se_expected", [(0, None), (0.004, 0), (-1, 0.003)])
def test_a_standard_error_of_zero_gets_a_message_not_significance(se_observed, se_expected):
    with pytest.raises(NoiseError, match="must be above 0"):
        welch(0.79, se_observed, 0.81, se_expected)
    verdict = gap_vs_noise(MetricInput("AUC", 0.81, 0.79, kind="other", se_observed=se_observed,
                                       se_expected=se_expected))
    assert verdict.significant is None and verdict.noise_known is False
    assert "must be above 0" in verdict.why_unknown


def test_lower_is_better_wording():
    assert relative_words(1.2, 1.0, higher_is_better=False) == "20.0% worse than expected (higher)"
    assert relative_words(0.8, 1.0, higher_is_better=False) == "20.0% better than expected (lower)"
    assert relative_words(0.0451, 0.052) == "13.3% worse than expected (lower)"
    assert relative_words(0.06, 0.05) == "20.0% better than expected (higher)"
    assert relative_words(1.0, 1.0) == "at the expected level"
    rmse = gap_vs_noise(MetricInput("rmse", 1.0, 1.2, kind="other", higher_is_better=False,
                                    se_observed=0.05))
    assert rmse.shortfall == pytest.approx(0.2) and rmse.significant is True


def test_n_equals_one_is_a_sentence_too():
    one = vs_known(1, 1, 0.5)
    assert one.p_value == pytest.approx(1.0) and not one.significant
    assert one.interval[0] < 0 < one.interval[1]
    both_zero = vs_measured(0, 10, 0, 10)
    assert both_zero.p_value == 1.0 and both_zero.statistic is None


def run_cli(capsys, *argv):
    code = main(["noise", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_exact_and_json(capsys):
    code, out, err = run_cli(capsys, "--observed", "3/10", "--expected", "0.6", "--json")
    assert code == 0 and not err
    report = json.loads(out)
    assert report["p_value"] == pytest.approx(stats.binomtest(3, 10, 0.6).pvalue)
    assert report["significant"] is False and report["method"] == METHOD_EXACT
    low, high = wilson_interval(3, 10)
    assert report["interval"] == pytest.approx([low - 0.6, high - 0.6])


def test_cli_measured_expectation(capsys):
    code, out, _ = run_cli(capsys, "--observed", "56/70", "--expected", "0.6", "--expected-n",
                           "80", "--json")
    report = json.loads(out)
    assert code == 0 and report["method"] == METHOD_SCORE
    assert report["interval"] == pytest.approx([0.0524, 0.3339], abs=1e-4)
    code, out, _ = run_cli(capsys, "--observed", "56/70", "--expected", "48/80", "--json")
    assert json.loads(out)["interval"] == report["interval"]


def test_cli_welch_lower_is_better_text(capsys):
    code, out, _ = run_cli(capsys, "--observed", "1.2", "--se", "0.05", "--expected", "1.0",
                           "--lower-is-better", "--name", "rmse")
    assert code == 0
    assert "rmse is 20.0% worse than expected (higher)" in out and "below" not in out


@pytest.mark.parametrize("argv, words", [
    (["--observed", "1.2", "--se", "0", "--expected", "1.0"], "must be above 0"),
    (["--observed", "3/x", "--expected", "0.5"], "whole numbers"),
    (["--observed", "11/10", "--expected", "0.5"], "between 0 and n"),
    (["--observed", "0.3", "--expected", "0.5"], "successes/n"),
    (["--observed", "3/10", "--expected", "1.5"], "between 0 and 1"),
    (["--observed", "3/10"], "required"),
])
def test_cli_bad_input_is_one_line(capsys, argv, words):
    code, out, err = run_cli(capsys, *argv)
    assert code == 1 and not out
    assert words in err and "Traceback" not in err
    lines = err.strip().splitlines()
    if words == "required":  # argparse's own usage text, then its one error line
        assert lines[-1].startswith("python -m triage noise: error:")
    else:
        assert len(lines) == 1
