"""Follow-up: before/after with bootstrap intervals, verdicts in words, scenario comparisons, charts."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.stats

from triage.followup import (
    AFTER_COLOUR,
    BEFORE_COLOUR,
    IMPROVED,
    NO_CLEAR_CHANGE,
    NOT_JUDGED,
    WORSE,
    WORSE_COLOUR,
    Difference,
    before_after_chart,
    bootstrap_median_ci,
    bootstrap_median_difference,
    change_chart,
    compare_requests,
    compare_runs,
    compare_segments,
    format_value,
    verdict,
)
from triage.kinds.requests.analysis import Clock, parse_requests
from triage.kinds.runs.analysis import parse_runs
from triage.tabular import InputError

FAST = 400  # resamples in tests: enough for the hand-checked bounds, quick to run

# --------------------------------------------------------------------------------------------
# Bootstrap


def test_constant_data_gives_a_zero_width_interval():
    assert bootstrap_median_ci([3.0] * 7, resamples=FAST) == (3.0, 3.0, 3.0)
    assert bootstrap_median_ci([5.0], resamples=FAST) == (5.0, 5.0, 5.0)


def test_two_values_give_their_range():
    # Resampled medians of [1, 2] are 1, 1.5 or 2 (1/4, 1/2, 1/4): the 2.5% and 97.5% points are 1 and 2.
    assert bootstrap_median_ci([1.0, 2.0], resamples=2000) == (1.5, 1.0, 2.0)


def test_seeded_result_is_stable_and_the_seed_matters():
    values = np.random.default_rng(7).exponential(3.0, size=24)
    first = bootstrap_median_ci(values, seed=3, resamples=FAST)
    assert bootstrap_median_ci(values, seed=3, resamples=FAST) == first
    assert bootstrap_median_ci(list(values), seed=3, resamples=FAST) == first
    assert first[1] <= first[0] <= first[2]
    assert bootstrap_median_ci(values, seed=4, resamples=FAST) != first


def test_percentile_interval_matches_scipy_bootstrap():
    values = np.random.default_rng(1).lognormal(1.0, 0.5, size=41)
    median, low, high = bootstrap_median_ci(values, seed=11, resamples=2000)
    ref = scipy.stats.bootstrap((values,), np.median, method="percentile", n_resamples=2000,
                                rng=np.random.default_rng(99)).confidence_interval
    width = ref.high - ref.low
    assert median == pytest.approx(np.median(values))
    assert low == pytest.approx(ref.low, abs=0.15 * width)
    assert high == pytest.approx(ref.high, abs=0.15 * width)


@pytest.mark.parametrize("values", [[1.0, 2.0, 4.0], [1.0, 2.0, 2.0, 7.0], [3.0, 1.0, 4.0, 1.0, 5.0],
                                    [0.5, 9.0, 2.0, 6.0, 6.0, 3.0]])
def test_resampled_medians_follow_the_exact_bootstrap_distribution(values):
    """Against every one of the n^n equally likely resamples, enumerated."""
    import itertools
    from collections import Counter

    from triage.followup import _resampled_medians

    n = len(values)
    exact = Counter(float(np.median([values[i] for i in pick]))
                    for pick in itertools.product(range(n), repeat=n))
    draws = 200_000
    drawn = Counter(_resampled_medians(np.array(values), np.random.default_rng(3), draws).tolist())
    assert set(drawn) <= set(exact)
    for median, count in exact.items():
        assert drawn[median] / draws == pytest.approx(count / n ** n, abs=0.004), median


def test_resampled_medians_match_resampling_on_large_samples():
    """Two-sample KS between our medians and medians of explicit resamples (odd and even n)."""
    from triage.followup import _resampled_medians

    for n in (301, 400):
        values = np.random.default_rng(n).lognormal(2.0, 1.0, size=n)
        ours = _resampled_medians(values, np.random.default_rng(1), 4000)
        explicit = np.median(values[np.random.default_rng(2).integers(0, n, (4000, n))], axis=1)
        assert scipy.stats.ks_2samp(ours, explicit).pvalue > 0.01


@pytest.mark.parametrize("values", [[], [1.0, math.nan], [1.0, math.inf]])
def test_unusable_values_raise(values):
    with pytest.raises(ValueError):
        bootstrap_median_ci(values)


@pytest.mark.parametrize("settings", [{"level": 1.0}, {"level": 0.0}, {"resamples": 0}])
def test_bad_settings_raise(settings):
    with pytest.raises(ValueError):
        bootstrap_median_ci([1.0, 2.0], **settings)


def test_difference_hand_checkable_bounds():
    # Before medians lie in [6, 8], after medians in [3, 5]: the change lies in [-5, -1].
    diff = bootstrap_median_difference([6.0, 8.0, 8.0], [3.0, 4.0, 4.0, 5.0], resamples=FAST)
    assert (diff.before_median, diff.after_median, diff.change) == (8.0, 4.0, -4.0)
    assert diff.relative_change == pytest.approx(-0.5)
    assert -5.0 <= diff.low <= diff.high <= -1.0
    assert 3 / 8 - 1 <= diff.relative_low <= diff.relative_high <= 5 / 6 - 1  # after*/before* − 1
    assert 6.0 <= diff.before_low <= diff.before_high <= 8.0
    assert 3.0 <= diff.after_low <= diff.after_high <= 5.0
    assert (diff.n_before, diff.n_after) == (3, 4)
    assert diff.outcome == IMPROVED


def test_difference_relative_and_absolute_intervals_agree_on_zero():
    rng = np.random.default_rng(5)
    before, after = rng.normal(10, 3, 30), rng.normal(9.5, 3, 12)
    diff = bootstrap_median_difference(before, after, seed=2, resamples=FAST)
    assert diff.low < 0 < diff.high
    assert diff.relative_low < 0 < diff.relative_high
    assert diff.outcome == NO_CLEAR_CHANGE


def test_difference_without_noise_has_no_interval():
    diff = bootstrap_median_difference([4.0], [2.0, 3.0, 4.0], resamples=FAST)
    assert diff.low is None and diff.high is None
    assert diff.outcome == NOT_JUDGED
    assert "one value before" in diff.why_no_interval


def test_higher_is_better_flips_the_outcome():
    diff = bootstrap_median_difference([1.0, 1.0, 2.0], [5.0, 6.0, 6.0], resamples=FAST,
                                       higher_is_better=True)
    assert diff.outcome == IMPROVED
    diff = bootstrap_median_difference([1.0, 1.0, 2.0], [5.0, 6.0, 6.0], resamples=FAST)
    assert diff.outcome == WORSE


# --------------------------------------------------------------------------------------------
# Verdict in words


def _diff(before, after, low, high, rel_low, rel_high, **extra):
    return Difference(before, after, after - before, low, high, (after - before) / before,
                      relative_low=rel_low, relative_high=rel_high, **extra)


def test_verdict_improved():
    diff = _diff(14.5, 9.8, -6.0, -3.2, -0.41, -0.22, n_after=8)
    result = verdict(diff, "median iteration time", unit="h", n_label="runs")
    assert result.outcome == IMPROVED
    assert result.sentence == ("Median iteration time fell from 14.5 h to 9.8 h "
                               "(−32%, 95% interval −41% to −22%).")


def test_verdict_worse():
    diff = _diff(30.0, 45.0, 6.0, 24.0, 0.2, 0.8, n_after=12)
    result = verdict(diff, "median time to access", n_label="requests")
    assert result.outcome == WORSE
    assert result.sentence == ("Median time to access rose from 30.0 h to 45.0 h (+50%, 95% interval "
                               "+20% to +80%): worse, beyond the noise (n=12 requests after).")


def test_verdict_no_clear_change_in_the_better_direction():
    diff = _diff(14.5, 13.9, -2.9, 1.7, -0.2, 0.12, n_after=8)
    result = verdict(diff, "median iteration time", n_label="runs")
    assert result.outcome == NO_CLEAR_CHANGE
    assert result.sentence == ("Median iteration time fell from 14.5 h to 13.9 h (−4%, 95% interval "
                               "−20% to +12%), but the interval includes no change: too early to "
                               "call it a success (n=8 runs after).")


def test_verdict_no_clear_change_in_the_worse_direction_and_none_at_all():
    worse_ish = verdict(_diff(10.0, 11.0, -1.0, 3.0, -0.1, 0.3, n_after=6), "median run")
    assert worse_ish.outcome == NO_CLEAR_CHANGE
    assert "not clearly worse either (n=6 values after)" in worse_ish.sentence
    same = verdict(_diff(10.0, 10.0, -1.0, 1.0, -0.1, 0.1), "median run")
    assert same.sentence == "Median run stayed at 10.0 h (+0%, 95% interval −10% to +10%): no clear change."


def test_verdict_for_a_proportion_speaks_in_points_and_respects_direction():
    diff = Difference(0.05, 0.06, 0.01, 0.004, 0.016, 0.2, higher_is_better=True, n_after=10_000)
    result = verdict(diff, "conversion", unit="%")
    assert result.outcome == IMPROVED
    assert result.sentence == ("Conversion rose from 5.0% to 6.0% (+1.0 points, 95% interval +0.4 to "
                               "+1.6 points).")


def test_verdict_without_interval_says_why():
    diff = Difference(0.8, 0.9, 0.1, None, None, 0.125, why_no_interval="no sample size",
                      higher_is_better=True)
    result = verdict(diff, "AUC", unit="")
    assert result.outcome == NOT_JUDGED
    assert result.sentence.startswith("AUC rose from 0.8 to 0.9 (+12%); no interval (no sample size)")


def test_format_value():
    assert format_value(14.5, "h") == "14.5 h"
    assert format_value(0.25, "h") == "0.25 h"
    assert format_value(1204.0, "h") == "1,204 h"
    assert format_value(-3.0, "h") == "−3.0 h"
    assert format_value(0.046, "%") == "4.6%"


# --------------------------------------------------------------------------------------------
# Runs

RUNS_BEFORE = b"""run_id,stage,duration_hours
r1,training,4
r1,evaluation,2
r2,training,6
r2,evaluation,2
r3,training,5
r3,evaluation,3
"""
RUNS_AFTER = b"""run_id,stage,duration_hours
a1,training,2
a1,evaluation,1
a2,training,3
a2,evaluation,1
a3,training,2
a3,evaluation,2
a4,training,4
a4,evaluation,1
"""


def test_compare_runs_on_handmade_csvs():
    before, after = parse_runs(RUNS_BEFORE, "before.csv"), parse_runs(RUNS_AFTER, "after.csv")
    result = compare_runs(before, after, resamples=FAST)
    # Run totals: before 6, 8, 8 (mean 22/3, median 8); after 3, 4, 4, 5 (mean 4, median 4).
    overall = result.overall
    assert overall.before_median == pytest.approx(22 / 3)
    assert (overall.after_median, overall.statistic) == (4.0, "mean")
    assert overall.change == pytest.approx(4 - 22 / 3)
    assert overall.relative_change == pytest.approx(4 / (22 / 3) - 1)
    # Resampled means lie in [6, 8] before and [3, 5] after; their deviations from the means
    # are scaled by √(3/2) and √(4/3): before in [5.70, 8.15], after in [2.85, 5.15], so the
    # change lies in [−5.31, −0.55].
    b_scale, a_scale = math.sqrt(3 / 2), math.sqrt(4 / 3)
    b_range = (22 / 3 - b_scale * (22 / 3 - 6), 22 / 3 + b_scale * (8 - 22 / 3))
    a_range = (4 - a_scale, 4 + a_scale)
    assert a_range[0] - b_range[1] <= overall.low <= overall.high <= a_range[1] - b_range[0] < 0
    assert b_range[0] <= overall.before_low <= overall.before_high <= b_range[1]
    assert (overall.n_before, overall.n_after) == (3, 4)
    assert overall.outcome == IMPROVED
    stages = {item.key: item.difference for item in result.items}
    assert list(stages) == ["training", "evaluation"]
    # Mean hours per run: training (4 + 6 + 5)/3 = 5 and (2 + 3 + 2 + 4)/4 = 2.75;
    # evaluation (2 + 2 + 3)/3 = 7/3 and (1 + 1 + 2 + 1)/4 = 1.25. They add up to the totals.
    assert (stages["training"].before_median, stages["training"].after_median) == (5.0, 2.75)
    assert stages["evaluation"].before_median == pytest.approx(7 / 3)
    assert stages["evaluation"].after_median == 1.25
    assert stages["training"].statistic == "mean per run"
    assert result.iteration_hours_before == before.analysis.iteration_hours
    assert (result.typical_hours_before, result.typical_hours_after) == (8.0, 4.0)
    assert result.verdict.outcome == IMPROVED
    assert result.verdict.sentence.startswith(
        "Mean iteration time (mean of run totals) fell from 7.3 h to 4.0 h (−45%")
    assert any("median of run totals" in n and "8.0 h before, 4.0 h after" in n for n in result.notes)
    assert any("only 3 runs before" in n for n in result.notes)
    assert any("only 4 runs after" in n for n in result.notes)
    assert "percentile bootstrap over runs" in result.basis
    assert result.chart_items()[0] == ("whole run (mean)", overall)


def test_compare_runs_counts_a_stage_on_one_side_as_zero_and_is_reproducible():
    before = parse_runs(RUNS_BEFORE + b"r1,deployment,1\n", "before.csv")
    after = parse_runs(RUNS_AFTER, "after.csv")
    result = compare_runs(before, after, resamples=FAST, seed=4)
    assert [i.key for i in result.items] == ["training", "evaluation", "deployment"]
    deployment = result.items[2].difference
    assert (deployment.before_median, deployment.after_median) == (pytest.approx(1 / 3), 0.0)
    assert any("Deployment & approval only in the before runs: 0 h per run after" in n
               for n in result.notes)
    assert result.overall.before_median == pytest.approx(23 / 3)  # totals 7, 8, 8
    assert compare_runs(before, after, resamples=FAST, seed=4) == result


def test_compare_runs_drops_handoffs_when_only_one_side_has_them():
    timed = b"""run_id,stage,started_at,ended_at
r1,training,2026-01-01T00:00Z,2026-01-01T04:00Z
r1,evaluation,2026-01-01T05:00Z,2026-01-01T07:00Z
r2,training,2026-01-02T00:00Z,2026-01-02T06:00Z
r2,evaluation,2026-01-02T08:00Z,2026-01-02T10:00Z
"""
    before, after = parse_runs(timed, "before.csv"), parse_runs(RUNS_AFTER, "after.csv")
    assert "handoff" in set(before.per_run["stage"])
    result = compare_runs(before, after, resamples=FAST)
    assert result.overall.before_median == 7.0  # 6 and 8 without the 1 h and 2 h hand-offs
    assert "handoff" not in [i.key for i in result.items]
    assert any("hand-offs are left out" in n for n in result.notes)


# --------------------------------------------------------------------------------------------
# Segments


def _segments(a_metric, b_metric, a_share=0.5, b_share=0.5):
    return [
        {"segment": "A", "expected_share": 0.5, "observed_share": a_share, "expected_metric": 0.05,
         "observed_metric": a_metric},
        {"segment": "B", "expected_share": 0.5, "observed_share": b_share, "expected_metric": 0.07,
         "observed_metric": b_metric},
    ]


Z = 1.959963984540054


def _wilson(p, n):
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return centre - half, centre + half


def test_compare_segments_rate_part_with_a_mover_wilson_interval_by_hand():
    before, after = _segments(0.04, 0.06), _segments(0.05, 0.07)
    result = compare_segments(before, after, n_before=10_000, n_after=10_000)
    overall = result.overall
    # Shares unchanged: the whole change is rate; at the fixed mix (0.5, 0.5) 5% → 6%.
    assert overall.statistic == "rate part"
    assert overall.before_median == pytest.approx(0.05)
    assert overall.after_median == pytest.approx(0.06)
    assert overall.change == pytest.approx(0.01)
    assert (result.mix, result.rate) == (pytest.approx(0.0, abs=1e-15), pytest.approx(0.01))
    # MOVER: each segment's n = 10,000 × 0.5; weights 0.5.
    limits = {p: _wilson(p, 5000) for p in (0.04, 0.06, 0.05, 0.07)}
    down = sum((0.5 * (p - limits[p][0])) ** 2 for p in (0.05, 0.07)) + sum(
        (0.5 * (limits[p][1] - p)) ** 2 for p in (0.04, 0.06))
    up = sum((0.5 * (limits[p][1] - p)) ** 2 for p in (0.05, 0.07)) + sum(
        (0.5 * (p - limits[p][0])) ** 2 for p in (0.04, 0.06))
    assert overall.low == pytest.approx(0.01 - math.sqrt(down))
    assert overall.high == pytest.approx(0.01 + math.sqrt(up))
    assert overall.relative_low == pytest.approx((0.01 - math.sqrt(down)) / 0.05)
    assert overall.outcome == IMPROVED
    assert result.verdict.sentence.startswith(
        "The metric at a fixed traffic mix (rate part) rose from 5.0% to 6.0% (+1.0 points")
    assert result.total.statistic == "total" and result.total.change == pytest.approx(0.01)
    # The gap (observed − expected = 0.05 − 0.06 before) is closed by the rate part.
    assert result.gap_before == pytest.approx(-0.01)
    assert result.gap_after == pytest.approx(0.0, abs=1e-12)
    assert result.gap_closed == pytest.approx(1.0)
    assert result.gap_text.startswith("Per-segment rates closed 100% of the before gap")
    segments = {i.key: i.difference for i in result.items}
    assert segments["A"].change == pytest.approx(0.01)
    low_a = 0.01 - math.sqrt((0.05 - limits[0.05][0]) ** 2 + (limits[0.04][1] - 0.04) ** 2)
    assert segments["A"].low == pytest.approx(low_a)
    assert any("n × its share of traffic" in n for n in result.notes)
    assert "Kitagawa" in result.basis


def test_one_segment_gives_newcombes_published_interval():
    """Newcombe (1998), Stat Med 17:873, example (a): 56/70 − 48/80, method 10: 0.0524 to 0.3339."""
    before = [{"segment": "all", "expected_share": 1, "observed_share": 1, "expected_metric": 0.6,
               "observed_metric": 48 / 80}]
    after = [{"segment": "all", "expected_share": 1, "observed_share": 1, "expected_metric": 0.6,
              "observed_metric": 56 / 70}]
    overall = compare_segments(before, after, n_before=80, n_after=70).overall
    assert overall.change == pytest.approx(0.2)
    assert (overall.low, overall.high) == (pytest.approx(0.0524, abs=5e-5), pytest.approx(0.3339, abs=5e-5))


def test_compare_segments_without_n_or_for_another_metric_gives_no_interval():
    before, after = _segments(0.04, 0.06), _segments(0.05, 0.07)
    result = compare_segments(before, after)
    assert result.overall.low is None and result.overall.outcome == NOT_JUDGED
    assert any("sample sizes n before and after" in n for n in result.notes)
    other = compare_segments(_segments(2.0, 3.0), _segments(2.5, 3.0), metric_kind="other",
                             metric_name="revenue per visit", higher_is_better=True)
    assert other.overall.change == pytest.approx(0.25)
    assert other.overall.outcome == NOT_JUDGED
    assert "revenue per visit is not a proportion" in other.overall.why_no_interval
    assert other.unit == ""


def test_compare_segments_checks_inputs_and_reports_unmatched_segments():
    with pytest.raises(InputError, match="not a proportion"):
        compare_segments(_segments(2.0, 3.0), _segments(2.5, 3.0), n_before=10, n_after=10)
    with pytest.raises(InputError, match="positive number"):
        compare_segments(_segments(0.04, 0.06), _segments(0.05, 0.07), n_before=0, n_after=10)
    after = _segments(0.05, 0.07) + [{"segment": "C", "expected_share": 0, "observed_share": 0.2,
                                      "expected_metric": None, "observed_metric": 0.03}]
    result = compare_segments(_segments(0.04, 0.06), after, n_before=100, n_after=3)
    assert any("C only in the after table: counted as traffic mix" in n for n in result.notes)
    assert any("only 3 observations after" in n for n in result.notes)
    assert any("its interval is rough" in n for n in result.notes)
    # C is mix only. After shares are normalised (0.5, 0.5, 0.2 → /1.2), so A and B weigh
    # (0.5 + 0.5/1.2)/2 each in the rate part, and both rose by 1 point.
    assert result.mix + result.rate == pytest.approx(result.total.change)
    assert result.rate == pytest.approx(2 * 0.01 * (0.5 + 0.5 / 1.2) / 2)


# --------------------------------------------------------------------------------------------
# Requests

HEADER = "request_id,dataset,requested_at,owner_assigned_at,approved_at,provisioned_at,first_access_at\n"


def _log(day: str, stage_hours: list[tuple[float, ...]], prefix: str) -> bytes:
    """One request per tuple of stage hours, all requested at midnight of ``day`` (UTC)."""
    start = np.datetime64(f"{day}T00:00")
    lines = [HEADER]
    for number, hours in enumerate(stage_hours, start=1):
        stamps = [start + np.timedelta64(int(sum(hours[:k]) * 60), "m") for k in range(len(hours) + 1)]
        lines.append(",".join([f"{prefix}{number}", "d", *(f"{t}Z" for t in stamps)]) + "\n")
    return "".join(lines).encode()


# Stage hours (owner, approval, provisioning, first use); time to access 21, 35, 49 h before and
# 11, 14, 17 h after.
REQUESTS_BEFORE = _log("2026-03-02", [(2, 8, 10, 1), (4, 10, 20, 1), (6, 12, 30, 1)], "R")
REQUESTS_AFTER = _log("2026-04-01", [(1, 4, 5, 1), (2, 5, 6, 1), (3, 6, 7, 1)], "A")


def test_compare_requests_on_tiny_logs_reads_the_same_horizon_and_does_not_judge_three():
    before = parse_requests(REQUESTS_BEFORE, "before.csv")
    after = parse_requests(REQUESTS_AFTER, "after.csv")
    result = compare_requests(before, after)
    # Common horizon: the after log's longest wait, 17 h. Before, no request got access by then:
    # μ(17) = 17. After: 11 + 3 × 2/3 + 3 × 1/3 = 14.
    assert result.horizon_hours == 17.0
    overall = result.overall
    assert (overall.before_median, overall.after_median, overall.change) == (17.0, 14.0, -3.0)
    assert overall.statistic == "restricted mean over the first 17.0 h"
    assert overall.outcome == NOT_JUDGED  # 3 requests a side: too few for an interval
    assert "only 3 requests before" in overall.why_no_interval
    stages = {i.key: i.difference for i in result.items}
    assert list(stages) == ["owner", "approval", "provisioning", "first_use"]
    # Owner: 2, 4, 6 before and 1, 2, 3 after, horizon 3 h: 2 + 1 × 2/3 before, 1 + 2/3 + 1/3 after.
    assert stages["owner"].before_median == pytest.approx(2 + 2 / 3)
    assert stages["owner"].after_median == pytest.approx(2.0)
    assert stages["first_use"].change == 0.0
    # Kaplan–Meier medians, to describe: 35 and 14 h (nothing censored: the ordinary medians).
    assert (result.time_to_access_before, result.time_to_access_after) == (35.0, 14.0)
    assert (result.accessed_before, result.accessed_after) == (3, 3)
    assert any("median time to access: 35.0 h before, 14.0 h after" in n for n in result.notes)
    assert any("only 3 requests after" in n for n in result.notes)
    assert "first 17.0 h" in result.basis and "Greenwood" in result.basis
    assert compare_requests(before, after) == result


def test_compare_requests_counts_open_requests_and_refuses_mixed_clocks():
    waiting = REQUESTS_AFTER + b"A4,d,2026-04-01T12:00:00Z,2026-04-01T13:00:00Z,,,\n"
    before = parse_requests(REQUESTS_BEFORE, "before.csv")
    result = compare_requests(before, parse_requests(waiting, "after.csv"))
    assert result.waiting_after == 1 and result.overall.n_after == 4
    assert any("0 requests before and 1 after were still waiting" in n for n in result.notes)
    business = parse_requests(REQUESTS_AFTER, "after.csv", clock=Clock(business=True))
    with pytest.raises(InputError, match="same clock"):
        compare_requests(before, business)


# --------------------------------------------------------------------------------------------
# Charts


def test_before_after_chart_carries_the_numbers():
    good = _diff(14.5, 9.8, -6.0, -3.2, -0.41, -0.22, after_low=8.9, after_high=11.0)
    bad = _diff(2.0, 3.0, 0.5, 1.5, 0.25, 0.75, after_low=2.6, after_high=3.3)
    figure = before_after_chart([("whole run", good), ("training", bad)], "h", "Iteration time")
    before, after = figure.data
    assert list(before.x) == ["whole run", "training"] and list(before.y) == [14.5, 2.0]
    assert before.marker.color == BEFORE_COLOUR
    assert list(after.y) == [9.8, 3.0]
    assert list(after.error_y.array) == pytest.approx([11.0 - 9.8, 3.3 - 3.0])
    assert list(after.error_y.arrayminus) == pytest.approx([9.8 - 8.9, 3.0 - 2.6])
    assert list(after.marker.color) == [AFTER_COLOUR, WORSE_COLOUR]
    assert figure.layout.title.text == "Iteration time: improved"


def test_before_after_chart_without_intervals_and_for_proportions():
    diff = Difference(0.05, 0.06, 0.01, None, None, 0.2, higher_is_better=True)
    figure = before_after_chart([("table total", diff)], "%", "Conversion")
    assert list(figure.data[1].error_y.array) == [0.0]
    assert figure.layout.yaxis.tickformat == ".0%"
    assert figure.layout.title.text == "Conversion: not judged"


def test_change_chart_plots_relative_changes_with_intervals_and_a_zero_line():
    good = _diff(14.5, 9.8, -6.0, -3.2, -0.41, -0.22)
    unclear = _diff(2.0, 2.2, -0.4, 0.8, -0.2, 0.4)
    no_base = Difference(0.0, 1.0, 1.0, 0.5, 1.5, None)
    figure = change_chart([("whole run", good), ("training", unclear), ("new", no_base)])
    (points,) = figure.data
    assert list(points.y) == ["training", "whole run"]  # first item on top; no relative change: left out
    assert list(points.x) == pytest.approx([0.1, (9.8 - 14.5) / 14.5])
    assert list(points.error_x.array) == pytest.approx([0.3, -0.22 - (9.8 - 14.5) / 14.5])
    assert list(points.error_x.arrayminus) == pytest.approx([0.3, (9.8 - 14.5) / 14.5 + 0.41])
    assert list(points.marker.color) == [BEFORE_COLOUR, AFTER_COLOUR]
    (line,) = figure.layout.shapes
    assert (line.x0, line.x1) == (0, 0)
    absolute = change_chart([("whole run", good)], relative=False)
    assert list(absolute.data[0].x) == pytest.approx([9.8 - 14.5])


def test_followup_never_imports_streamlit():
    source = Path(__file__).parent.parent / "triage" / "followup.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.split(".")[0] == "streamlit" for name in imported)
