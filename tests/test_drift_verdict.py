"""The drift verdict: a test that fits each feature, Holm within it, Benjamini–Hochberg across
features, effect-size floors; checked against scipy, by hand, and on seeded simulations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from triage.kinds.samples import drift
from triage.kinds.samples.drift import FDR_Q, FLOORS, compare, drift_report_json, two_proportion_test


def feature(report: drift.DriftReport, name: str) -> drift.FeatureDrift:
    return next(item for item in report.features if item.feature == name)


def one_test(item: drift.FeatureDrift, name: str) -> drift.DriftTest:
    return next(test for test in item.tests if test.name == name)


# --- each test's p-value against scipy ----------------------------------------------------


@pytest.mark.parametrize("x1,n1,x2,n2", [(500, 5000, 1000, 5000), (30, 200, 45, 210),
                                         (0, 1000, 390, 1000), (12, 40, 3, 30)])
def test_two_proportion_score_test_is_chi_square_without_correction(x1, n1, x2, n2) -> None:
    p, method = two_proportion_test(x1, n1, x2, n2)
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    assert method == "score test"
    want = stats.chi2_contingency(table, correction=False).pvalue
    assert p == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("x1,n1,x2,n2", [(0, 6, 4, 4), (1, 50, 4, 20), (2, 1_000_000, 3, 10)])
def test_two_proportion_uses_fisher_exact_at_small_expected_counts(x1, n1, x2, n2) -> None:
    p, method = two_proportion_test(x1, n1, x2, n2)
    assert method == "Fisher exact"
    want = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue
    assert p == pytest.approx(want, rel=1e-9)


def test_two_proportion_without_events_is_one() -> None:
    assert two_proportion_test(0, 10, 0, 20) == (1.0, "score test")
    assert two_proportion_test(10, 10, 20, 20)[0] == 1.0


def test_binary_ten_to_twenty_percent_at_5000_rows() -> None:
    """The issue's case: chi-square p ≈ 1e-50, called drift (the old JS ≥ 0.1 rule missed it)."""
    ref = pd.DataFrame({"flag": np.r_[np.ones(500), np.zeros(4500)]})
    cur = pd.DataFrame({"flag": np.r_[np.ones(1000), np.zeros(4000)]})
    item = feature(compare(ref, cur, splits=10), "flag")
    want = stats.chi2_contingency([[500, 4500], [1000, 4000]], correction=False).pvalue
    assert want < 1e-40  # 1.5e-44 (the issue rounded it to "about 1e-50")
    dist = one_test(item, "distribution")
    assert dist.method == "two-proportion score test" and item.test == "two-proportion score test"
    assert dist.p_value == pytest.approx(want, rel=1e-9)
    assert item.p_value == pytest.approx(want, rel=1e-9)  # the only test: no missing values
    assert item.js_distance == pytest.approx(0.0998, abs=1e-3) and item.js_distance < 0.1
    assert item.drifted and "10.0% → 20.0%" in item.reasons[0]


def test_categorical_binary_and_chi_square_p_values_equal_scipy() -> None:
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({"two": rng.choice(["x", "y"], 300, p=[0.7, 0.3]),
                        "three": rng.choice(["a", "b", "c"], 300, p=[0.5, 0.3, 0.2])})
    cur = pd.DataFrame({"two": rng.choice(["x", "y"], 200, p=[0.6, 0.4]),
                        "three": rng.choice(["a", "b", "c"], 200, p=[0.4, 0.3, 0.3])})
    report = compare(ref, cur, splits=10)
    two, three = feature(report, "two"), feature(report, "three")
    counts = [[np.sum(ref["two"] == v) for v in "xy"], [np.sum(cur["two"] == v) for v in "xy"]]
    assert one_test(two, "distribution").p_value == pytest.approx(
        stats.chi2_contingency(counts, correction=False).pvalue, rel=1e-9)
    table = [[np.sum(ref["three"] == v) for v in "abc"], [np.sum(cur["three"] == v) for v in "abc"]]
    assert one_test(three, "distribution").p_value == pytest.approx(
        stats.chi2_contingency(table).pvalue, rel=1e-9)
    assert three.test == "chi-square"


def test_ks_p_value_is_scipy_and_holm_multiplies_the_smallest() -> None:
    rng = np.random.default_rng(1)
    ref, cur = rng.normal(0, 1, 1000), rng.normal(1, 1, 30)
    item = feature(compare(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur}), splits=10), "x")
    ks = one_test(item, "distribution")
    assert ks.method == "KS" and ks.p_value == pytest.approx(stats.ks_2samp(ref, cur).pvalue,
                                                             rel=1e-9)
    assert [test.name for test in item.tests] == ["distribution", "tail"]  # nothing missing
    tail = one_test(item, "tail")
    low, high = np.quantile(ref, [0.01, 0.99])
    out_ref, out_cur = np.sum((ref < low) | (ref > high)), np.sum((cur < low) | (cur > high))
    assert tail.p_value == pytest.approx(two_proportion_test(out_ref, 1000, out_cur, 30)[0])
    # Holm over two tests: the smallest p doubled (it is the KS one here), the other max'ed with it.
    assert ks.p_value < tail.p_value
    assert item.p_value == pytest.approx(2 * ks.p_value, rel=1e-12)
    assert tail.holm_p_value == pytest.approx(max(2 * ks.p_value, tail.p_value), rel=1e-12)


def test_missing_rate_test_equals_scipy() -> None:
    values = np.arange(1000, dtype=float)
    cur = values.copy()
    cur[:390] = np.nan
    item = feature(compare(pd.DataFrame({"x": values}), pd.DataFrame({"x": cur}), splits=10), "x")
    missing = one_test(item, "missing")
    assert missing.p_value == pytest.approx(
        stats.chi2_contingency([[0, 1000], [390, 610]], correction=False).pvalue, rel=1e-9)


# --- power: what the old verdict missed ----------------------------------------------------


def test_a_field_missing_on_39_percent_of_serving_rows_is_drift() -> None:
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 5000)})
    values = rng.normal(0, 1, 5000)
    values[rng.choice(5000, 1950, replace=False)] = np.nan
    item = feature(compare(ref, pd.DataFrame({"x": values}), splits=10), "x")
    assert item.drifted
    assert any(reason.startswith("missing 0.0% → 39.0%") for reason in item.reasons)
    assert item.js_distance < 0.1  # the present values did not move: the old rule saw nothing


def test_times_100_on_2_percent_of_rows_is_drift_through_the_tail_test() -> None:
    rng = np.random.default_rng(3)
    ref = rng.lognormal(3, 0.5, 5000)
    cur = rng.lognormal(3, 0.5, 5000)
    cur[rng.choice(5000, 100, replace=False)] *= 100
    item = feature(compare(pd.DataFrame({"amount": ref}), pd.DataFrame({"amount": cur}),
                           splits=10), "amount")
    assert stats.ks_2samp(ref, cur).pvalue > 0.05  # KS alone cannot see it at this size
    tail = one_test(item, "tail")
    assert tail.significant and tail.p_value < 1e-5  # 2.0% → 3.8%, p = 1.4e-7
    assert item.drifted and any("1st–99th percentile" in reason for reason in item.reasons)


def test_one_sigma_shift_on_30_serving_rows_is_drift() -> None:
    """The test decides: KS p ≈ 1e-4 on 30 rows against 1,000, W/σ ≈ 1."""
    flagged = 0
    for seed in range(20):
        rng = np.random.default_rng([seed, 30])
        report = compare(pd.DataFrame({"x": rng.normal(0, 1, 1000)}),
                         pd.DataFrame({"x": rng.normal(1, 1, 30)}), splits=10)
        flagged += feature(report, "x").drifted
    assert flagged >= 18  # power of KS here is ~0.98; a seed or two may miss


def test_an_effect_on_too_few_rows_is_said_to_be_too_few_to_tell() -> None:
    report = compare(pd.DataFrame({"x": [0.1, -0.4, 0.3, 1.2, -1.0, 0.5, -0.2, 0.8]}),
                     pd.DataFrame({"x": [0.9, 1.5]}), splits=10)
    item = feature(report, "x")
    assert not item.drifted and item.adjusted_p_value >= FDR_Q
    assert item.reasons[0].startswith("too few rows to tell")


def test_beyond_chance_but_below_the_floors_is_not_drift() -> None:
    rng = np.random.default_rng(5)
    ref, cur = rng.normal(0, 1, 200_000), rng.normal(0.03, 1, 200_000)
    item = feature(compare(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur}), splits=5), "x")
    assert item.adjusted_p_value < 1e-6 and item.wasserstein_norm < FLOORS["wasserstein_norm"]
    assert not item.drifted and "too small to matter" in item.reasons[0]


def test_new_category_against_good_turing_and_id_like_features() -> None:
    rng = np.random.default_rng(6)
    ref = pd.DataFrame({"plan": rng.choice(["a", "b", "c"], 2000),
                        "user": [f"u{i}" for i in range(2000)]})
    cur = pd.DataFrame({"plan": np.r_[rng.choice(["a", "b", "c"], 1960), ["d"] * 40],
                        "user": [f"u{i}" for i in range(5000, 7000)]})
    report = compare(ref, cur, splits=10)
    plan, user = feature(report, "plan"), feature(report, "user")
    unseen = one_test(plan, "unseen")
    assert unseen.p_value == pytest.approx(two_proportion_test(0, 2000, 40, 2000)[0])
    assert plan.drifted and any("unseen in training hold 2.0%" in r for r in plan.reasons)
    # Every user id is new, but in training every id was seen once too: no change to report.
    assert one_test(user, "unseen").p_value == 1.0 and not user.drifted


# --- false flags on pure noise --------------------------------------------------------------


def noise_frames(seed: int, features: int = 100, n_ref: int = 2000, n_cur: int = 500
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Numeric, binary, categorical and sometimes-missing features, same law on both sides."""
    rng = np.random.default_rng([seed, 12])
    frames = []
    for n in (n_ref, n_cur):
        columns = {}
        for i in range(features):
            kind = i % 4
            if kind == 0:
                values = rng.normal(0, 1, n)
            elif kind == 1:
                values = (rng.random(n) < 0.1).astype(float)
            elif kind == 2:
                values = rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1])
            else:
                values = np.round(rng.lognormal(1, 1, n), 1)
                values[rng.random(n) < 0.05] = np.nan
            columns[f"f{i:03d}"] = values
        frames.append(pd.DataFrame(columns))
    return frames[0], frames[1]


def test_benjamini_hochberg_keeps_false_flags_under_5_percent_on_noise() -> None:
    flags, wide = [], 0
    for seed in range(6):
        report = compare(*noise_frames(seed), splits=2)
        assert len(report.tested) == 100
        flags.append(len(report.drifted))
        wide += len(report.drifted) >= 3
    assert np.mean(flags) <= 0.05 * 100
    assert wide == 0  # the 'wide drift' rule (3 or more) never fires on noise here


def test_verdict_uses_scipy_bh_across_features() -> None:
    report = compare(*noise_frames(0, features=12, n_ref=300, n_cur=100), splits=2)
    tested = [f for f in report.features if f.p_value is not None]
    want = stats.false_discovery_control([f.p_value for f in tested], method="bh")
    assert [f.adjusted_p_value for f in tested] == pytest.approx(list(want), rel=1e-12)


# --- the report ------------------------------------------------------------------------------


def test_report_json_carries_test_p_values_reasons_and_the_share() -> None:
    ref = pd.DataFrame({"flag": np.r_[np.ones(500), np.zeros(4500)], "same": np.arange(5000.0)})
    cur = pd.DataFrame({"flag": np.r_[np.ones(1000), np.zeros(4000)], "same": np.arange(5000.0)})
    report = compare(ref, cur, splits=5)
    data = drift_report_json(report)
    json.dumps(data, allow_nan=False)
    assert data["drifted_count"] == 1 and data["tested_features"] == 2
    assert data["drifted_share"] == 0.5 == report.drifted_share
    assert data["q"] == FDR_Q and data["floors"] == FLOORS
    row = next(r for r in data["features"] if r["feature"] == "flag")
    for key in ("test", "p_value", "adjusted_p_value", "reasons", "tests"):
        assert key in row
    assert row["drifted"] and row["reasons"] and row["tests"][0]["significant"]
    same = next(r for r in data["features"] if r["feature"] == "same")
    assert same["reasons"][0].startswith("within chance and the floors")
    assert not any("only 0" in reason for r in data["features"] for reason in r["reasons"])


def test_features_without_a_test_get_no_verdict() -> None:
    report = compare(pd.DataFrame({"c": ["x"] * 5, "n": [1.0] * 5}),
                     pd.DataFrame({"c": ["x"] * 3, "n": [1.0] * 3}))
    for item in report.features:
        assert item.tests == () and item.p_value is None and not item.drifted
    assert report.drifted_share is None


# --- the page --------------------------------------------------------------------------------


def test_production_page_shows_the_verdict_table_with_test_adjusted_p_and_reasons(app):
    app.button(key="example:production_underperformance").click().run()
    assert not app.exception, app.exception
    table = next(frame.value for frame in app.dataframe
                 if "adjusted p (BH)" in list(frame.value.columns))
    assert list(table.columns) == ["feature", "test", "p (Holm)", "adjusted p (BH)", "drifted",
                                   "reasons"]
    top = table.iloc[0]
    assert top["drifted"] == "yes" and top["test"] in ("KS", "chi-square")
    assert top["reasons"]
    captions = " ".join(c.value for c in app.caption)
    assert "Benjamini–Hochberg" in captions and "W/σ ≥ 0.1 or JS ≥ 0.05" in captions
    assert "only 0 features" not in captions


def test_sorted_quantile_is_numpy_quantile() -> None:
    rng = np.random.default_rng(9)
    for n in (1, 2, 7, 100, 1001):
        values = np.sort(np.round(rng.normal(0, 1, n), 2))
        for q in (0.0, 0.01, 0.5, 0.99, 1.0):
            assert drift._sorted_quantile(values, q) == pytest.approx(np.quantile(values, q),
                                                                      abs=1e-12)
