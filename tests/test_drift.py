"""Drift statistics against scipy, hand-computed bins, the null band and every degenerate input."""

from __future__ import annotations

import io
import json
import math
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats
from scipy.spatial import distance

from triage.kinds.samples import drift
from triage.kinds.samples.drift import STATISTICS, compare, drift_report_json, psi_reading, read_sample
from triage.tabular import InputError

TOL = 1e-9


def feature(report: drift.DriftReport, name: str) -> drift.FeatureDrift:
    return next(item for item in report.features if item.feature == name)


def strict_json(report: drift.DriftReport) -> dict:
    data = drift_report_json(report)
    json.dumps(data, allow_nan=False)  # raises on NaN or inf anywhere
    return data


def decile_shares(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Independent bins: np.quantile edges, right-closed via np.digitize(right=True)."""
    edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
    ref_counts = np.bincount(np.digitize(ref, edges, right=True), minlength=len(edges) + 1)
    cur_counts = np.bincount(np.digitize(cur, edges, right=True), minlength=len(edges) + 1)
    return ref_counts / len(ref), cur_counts / len(cur)


def psi_by_formula(r: np.ndarray, c: np.ndarray) -> float:
    r, c = np.maximum(r, 1e-4), np.maximum(c, 1e-4)
    return float(sum((ci - ri) * math.log(ci / ri) for ri, ci in zip(r, c, strict=True)))


# --- numeric statistics against scipy ----------------------------------------------------

SAMPLES = [
    # (n_reference, n_current, shift, integer-valued) — exact KS up to 10,000 per side
    pytest.param(40, 25, 0.0, False, id="exact-small-unequal"),
    pytest.param(300, 300, 0.3, False, id="exact-equal-sizes"),
    pytest.param(2000, 1500, 0.0, True, id="exact-ties"),
    pytest.param(4000, 2500, 0.1, False, id="exact-unequal"),
    pytest.param(12000, 15000, 0.0, False, id="asymptotic-no-shift"),
    pytest.param(12000, 11000, 0.08, False, id="asymptotic-smirnov-branch"),
    pytest.param(15000, 30000, 0.5, True, id="asymptotic-ties-big-shift"),
]


@pytest.mark.parametrize(("n_ref", "n_cur", "shift", "integers"), SAMPLES)
def test_numeric_statistics_equal_scipy(n_ref: int, n_cur: int, shift: float, integers: bool) -> None:
    rng = np.random.default_rng(n_ref + n_cur)
    ref = rng.normal(10, 2, n_ref)
    cur = rng.normal(10 + 2 * shift, 2.2, n_cur)
    if integers:
        ref, cur = np.round(ref * 3), np.round(cur * 3)  # ~60 distinct values, many ties
    report = compare(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur}), splits=3)
    got = feature(report, "x")
    expected = stats.ks_2samp(ref, cur)
    assert got.kind == "numeric"
    assert (got.n_reference, got.n_current) == (n_ref, n_cur)
    assert got.ks_statistic == pytest.approx(float(expected.statistic), abs=TOL)
    assert got.ks_pvalue == pytest.approx(float(expected.pvalue), abs=TOL, rel=1e-8)
    want_w = stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)
    assert got.wasserstein_norm == pytest.approx(want_w, abs=TOL, rel=1e-12)
    r, c = decile_shares(ref, cur)
    assert got.reference_shares == pytest.approx(tuple(r), abs=1e-15)
    assert got.current_shares == pytest.approx(tuple(c), abs=1e-15)
    assert got.js_distance == pytest.approx(float(distance.jensenshannon(r, c)), abs=TOL)
    assert got.psi == pytest.approx(psi_by_formula(r, c), abs=TOL)
    assert got.chi2_pvalue is None and got.linf is None
    strict_json(report)


@pytest.mark.parametrize("n", [2500, 9000, 60000])
def test_kstwo_sf_matches_scipy_including_the_smirnov_branch(n: int) -> None:
    for d in (0.5 / n, 0.4 / math.sqrt(n), 1.0 / math.sqrt(n), 1.6 / math.sqrt(n),
              3.0 / math.sqrt(n), 8.0 / math.sqrt(n), 0.3, 0.6):
        assert drift._kstwo_sf(d, n) == pytest.approx(float(stats.kstwo.sf(d, n)), abs=TOL, rel=1e-8)


def test_wasserstein_uses_population_std_floored_at_0_001() -> None:
    ref = np.full(50, 3.0)
    cur = np.full(40, 3.002)
    got = feature(compare(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur})), "x")
    assert got.wasserstein_norm == pytest.approx(0.002 / 0.001)
    ref = np.array([1.0, 2.0, 3.0, 4.0])
    cur = np.array([2.0, 3.0, 4.0, 5.0])
    got = feature(compare(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur})), "x")
    assert got.wasserstein_norm == pytest.approx(1.0 / np.std(ref))  # ddof=0: std = 1.118


# --- bins, PSI and JS by hand --------------------------------------------------------------


def test_decile_bins_psi_and_js_by_hand() -> None:
    # Reference 0..10: deciles at exactly 1, 2, ..., 9, so the bins are (-inf, 1], (1, 2], ...,
    # (8, 9], (9, inf) with 2, 1, 1, 1, 1, 1, 1, 1, 1, 1 reference values.
    ref = np.arange(11, dtype=float)
    # Current values on the edges 1, 2, 5, 9 fall in the bin the edge closes (right-closed bins).
    cur = np.array([0.5, 1, 1, 2, 5, 5, 9, 9.5, 12, 12])
    got = feature(compare(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur})), "x")
    p = [2 / 11] + [1 / 11] * 9
    q = [0.3, 0.1, 0.0, 0.0, 0.2, 0.0, 0.0, 0.0, 0.1, 0.3]
    assert got.bin_labels == ("≤ 1", "(1, 2]", "(2, 3]", "(3, 4]", "(4, 5]", "(5, 6]", "(6, 7]",
                              "(7, 8]", "(8, 9]", "> 9")
    assert got.reference_shares == pytest.approx(p)
    assert got.current_shares == pytest.approx(q)
    floor = 1e-4  # the five empty current bins count as 1e-4 in PSI
    psi = ((0.3 - 2 / 11) * math.log(0.3 / (2 / 11)) + (0.1 - 1 / 11) * math.log(0.1 / (1 / 11))
           + 5 * (floor - 1 / 11) * math.log(floor / (1 / 11))
           + (0.2 - 1 / 11) * math.log(0.2 / (1 / 11)) + (0.1 - 1 / 11) * math.log(0.1 / (1 / 11))
           + (0.3 - 1 / 11) * math.log(0.3 / (1 / 11)))
    assert got.psi == pytest.approx(psi, abs=1e-12)
    # JS with raw shares: m = (p + q) / 2; empty current bins contribute only to KL(p || m).
    m = [(a + b) / 2 for a, b in zip(p, q, strict=True)]
    kl_p = sum(a * math.log(a / c) for a, c in zip(p, m, strict=True) if a)
    kl_q = sum(b * math.log(b / c) for b, c in zip(q, m, strict=True) if b)
    assert got.js_distance == pytest.approx(math.sqrt((kl_p + kl_q) / 2), abs=1e-12)
    assert got.js_distance == pytest.approx(float(distance.jensenshannon(p, q)), abs=1e-12)


def test_one_bin_per_value_when_at_most_ten_distinct_values() -> None:
    ref = pd.DataFrame({"x": [1, 1, 2, 3, 3, 3]})
    cur = pd.DataFrame({"x": [2, 2, 4]})
    got = feature(compare(ref, cur), "x")
    assert got.bin_labels == ("1", "2", "3", "4")
    assert got.reference_shares == pytest.approx((2 / 6, 1 / 6, 3 / 6, 0))
    assert got.current_shares == pytest.approx((0, 2 / 3, 0, 1 / 3))
    p, q = np.array([2, 1, 3, 0]) / 6, np.array([0, 2, 0, 1]) / 3
    assert got.js_distance == pytest.approx(float(distance.jensenshannon(p, q)))
    assert got.psi == pytest.approx(psi_by_formula(p, q))


def test_eleven_distinct_values_use_reference_deciles() -> None:
    ref = pd.DataFrame({"x": np.arange(10.0)})  # 10 distinct
    cur = pd.DataFrame({"x": np.arange(1.0, 11.0)})  # adds an 11th
    got = feature(compare(ref, cur), "x")
    assert got.bin_labels[0].startswith("≤ ") and got.bin_labels[-1].startswith("> ")
    r, c = decile_shares(ref["x"].to_numpy(), cur["x"].to_numpy())
    assert got.current_shares == pytest.approx(tuple(c))
    assert got.reference_shares == pytest.approx(tuple(r))


def test_constant_reference_gives_two_bins_around_its_value() -> None:
    ref = pd.DataFrame({"x": np.full(30, 5.0)})
    cur = pd.DataFrame({"x": np.linspace(0, 10, 30)})  # 30 distinct values in the union
    got = feature(compare(ref, cur), "x")
    assert got.bin_labels == ("≤ 5", "> 5")
    assert got.reference_shares == pytest.approx((1.0, 0.0))
    assert got.current_shares == pytest.approx((0.5, 0.5))


def test_psi_floor_applies_to_psi_only() -> None:
    p, q = np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])
    assert drift._psi(p, q) == pytest.approx(2 * (0.5 - 1e-4) * math.log(0.5 / 1e-4))
    assert drift._js(p, q) == pytest.approx(float(distance.jensenshannon(p, q)))
    assert drift._js(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(math.sqrt(math.log(2)))


def test_psi_reading() -> None:
    assert [psi_reading(v) for v in (0.05, 0.1, 0.25, 0.3, None)] == [
        "none", "moderate", "moderate", "major", "unknown"]


# --- categorical ---------------------------------------------------------------------------


def test_categorical_statistics_and_unseen_categories() -> None:
    ref = pd.DataFrame({"plan": ["a"] * 50 + ["b"] * 30 + ["c"] * 20})
    cur = pd.DataFrame({"plan": ["a"] * 40 + ["b"] * 20 + ["d"] * 40})
    report = compare(ref, cur)
    got = feature(report, "plan")
    p, q = np.array([0.5, 0.3, 0.2, 0.0]), np.array([0.4, 0.2, 0.0, 0.4])
    table = np.array([[50, 30, 20, 0], [40, 20, 0, 40]])
    assert got.kind == "categorical"
    assert got.chi2_pvalue == pytest.approx(float(stats.chi2_contingency(table).pvalue), abs=TOL)
    assert got.js_distance == pytest.approx(float(distance.jensenshannon(p, q)), abs=TOL)
    assert got.psi == pytest.approx(psi_by_formula(p, q), abs=TOL)
    assert got.linf == pytest.approx(0.4)
    assert got.unseen == {"d": pytest.approx(0.4)}
    assert "1 category unseen in the reference (40.0% of the current sample)" in got.note
    assert got.ks_statistic is None and got.ks_pvalue is None and got.wasserstein_norm is None
    assert got.null_band["ks_statistic"] is None and got.null_band["chi2_pvalue"] is not None
    assert dict(zip(got.bin_labels, got.current_shares, strict=True)) == pytest.approx(
        {"a": 0.4, "b": 0.2, "c": 0.0, "d": 0.4})
    assert got.drifted
    strict_json(report)


def test_categorical_chi2_with_two_categories_uses_yates_like_scipy() -> None:
    ref = pd.DataFrame({"c": ["x"] * 30 + ["y"] * 10})
    cur = pd.DataFrame({"c": ["x"] * 12 + ["y"] * 13})
    got = feature(compare(ref, cur), "c")
    want = stats.chi2_contingency(np.array([[30, 10], [12, 13]])).pvalue
    assert got.chi2_pvalue == pytest.approx(float(want), abs=TOL)


def test_single_category_everywhere_has_no_drift() -> None:
    got = feature(compare(pd.DataFrame({"c": ["x"] * 5}), pd.DataFrame({"c": ["x"] * 3})), "c")
    assert (got.chi2_pvalue, got.psi, got.js_distance, got.linf) == (1.0, 0.0, 0.0, 0.0)
    assert got.drifted is False


def test_many_categories_are_capped_for_charts() -> None:
    ref = pd.DataFrame({"id": [f"u{i}" for i in range(200)]})
    cur = pd.DataFrame({"id": [f"v{i}" for i in range(100)]})
    got = feature(compare(ref, cur, splits=5), "id")
    assert len(got.bin_labels) == 21 and got.bin_labels[-1] == "(other)"
    assert sum(got.reference_shares) == pytest.approx(1.0)
    assert len(got.unseen) == 20
    assert "100 categories unseen" in got.note


# --- null band -------------------------------------------------------------------------------


def frames(n_ref: int, n_cur: int, shift: float, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame({"num": rng.normal(0, 1, n_ref),
                        "cat": rng.choice(["a", "b", "c", "d"], n_ref, p=[0.4, 0.3, 0.2, 0.1])})
    cur = pd.DataFrame({"num": rng.normal(shift, 1, n_cur),
                        "cat": rng.choice(["a", "b", "c", "d"], n_cur,
                                          p=[0.4 - shift / 4, 0.3, 0.2, 0.1 + shift / 4])})
    return ref, cur


def test_no_drift_is_not_called_drift_even_on_few_rows() -> None:
    for n_ref, n_cur in ((3000, 2000), (400, 60)):
        report = compare(*frames(n_ref, n_cur, 0.0, seed=n_cur))
        assert not report.drifted, [(f.feature, f.js_distance, f.null_band) for f in report.features]
        for item in report.features:
            assert item.js_distance <= item.null_band["js_distance"] * 1.5


def test_small_samples_get_a_wide_band() -> None:
    """A 0.12 on a few dozen rows is noise: the band is above it."""
    report = compare(*frames(400, 30, 0.0, seed=3))
    assert feature(report, "num").null_band["js_distance"] > 0.12


def test_shift_is_drift() -> None:
    report = compare(*frames(3000, 2000, 1.0))
    assert {item.feature for item in report.drifted} == {"num", "cat"}
    num = feature(report, "num")
    assert num.js_distance > num.null_band["js_distance"]
    assert num.ks_pvalue < num.null_band["ks_pvalue"]
    assert [item.js_distance for item in report.features] == sorted(
        (item.js_distance for item in report.features), reverse=True)


def test_band_is_reproducible_and_depends_on_the_seed() -> None:
    ref, cur = frames(2000, 500, 0.2)
    first, again = compare(ref, cur, seed=7), compare(ref, cur, seed=7)
    other = compare(ref, cur, seed=8)
    assert drift_report_json(first) == drift_report_json(again)
    assert feature(first, "num").null_band != feature(other, "num").null_band
    # A feature's band does not depend on the other columns.
    alone = compare(ref[["num"]], cur[["num"]], seed=7)
    assert feature(alone, "num").null_band == feature(first, "num").null_band


def test_band_of_one_split_equals_scipy_on_that_split() -> None:
    rng = np.random.default_rng(5)
    ref = np.round(rng.normal(0, 1, 600), 1)  # ties
    cur = rng.normal(0, 1, 150)
    got = feature(compare(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur}), seed=3, splits=1), "x")
    draws = drift._make_draws(600, 150, 3, 1)
    picked = np.sort(ref)[draws.positions[0]]
    part_cur, part_ref = picked[draws.in_current[0]], picked[~draws.in_current[0]]
    assert (len(part_cur), len(part_ref)) == (150, 450)
    ks = stats.ks_2samp(part_ref, part_cur)
    band = got.null_band
    assert band["ks_statistic"] == pytest.approx(float(ks.statistic), abs=TOL)
    assert band["ks_pvalue"] == pytest.approx(float(ks.pvalue), abs=TOL)
    want_w = stats.wasserstein_distance(part_ref, part_cur) / max(np.std(part_ref), 0.001)
    assert band["wasserstein_norm"] == pytest.approx(want_w, abs=TOL)
    edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))  # the feature's own bins
    r = np.bincount(np.digitize(part_ref, edges, right=True), minlength=len(edges) + 1) / 450
    c = np.bincount(np.digitize(part_cur, edges, right=True), minlength=len(edges) + 1) / 150
    assert band["js_distance"] == pytest.approx(float(distance.jensenshannon(r, c)), abs=TOL)
    assert band["psi"] == pytest.approx(psi_by_formula(r, c), abs=TOL)
    assert band["chi2_pvalue"] is None and band["linf"] is None


def test_categorical_band_of_one_split_equals_scipy_on_that_split() -> None:
    rng = np.random.default_rng(6)
    ref = rng.choice(["a", "b", "c"], 300)
    got = feature(compare(pd.DataFrame({"c": ref}), pd.DataFrame({"c": ["a"] * 80}), splits=1), "c")
    draws = drift._make_draws(300, 80, 0, 1)
    codes, uniques = pd.factorize(ref)
    picked = codes[draws.positions[0]]
    cur_counts = np.bincount(picked[draws.in_current[0]], minlength=3)
    ref_counts = np.bincount(picked[~draws.in_current[0]], minlength=3)
    r, c = ref_counts / 220, cur_counts / 80
    band = got.null_band
    assert band["chi2_pvalue"] == pytest.approx(
        float(stats.chi2_contingency(np.vstack([ref_counts, cur_counts])).pvalue), abs=TOL)
    assert band["js_distance"] == pytest.approx(float(distance.jensenshannon(r, c)), abs=TOL)
    assert band["linf"] == pytest.approx(float(np.max(np.abs(r - c))), abs=TOL)
    assert band["psi"] == pytest.approx(psi_by_formula(r, c), abs=TOL)


def test_split_sizes_follow_k_and_the_50000_cap() -> None:
    small = drift._make_draws(11, 4, 0, 5)
    assert (small.a, small.b) == (4, 7)
    assert (small.in_current.sum(axis=1) == 4).all()
    assert all(len(set(row)) == 11 and list(row) == sorted(row) for row in small.positions)
    big = drift._make_draws(300_000, 120_000, 0, 2)
    assert (big.a, big.b) == (50_000, 50_000)
    assert (np.diff(big.positions, axis=1) > 0).all() and big.positions.max() < 300_000
    # k = min(n_current, n_reference // 2)
    got = feature(compare(pd.DataFrame({"x": np.arange(9.0)}), pd.DataFrame({"x": np.arange(100.0)}),
                          splits=2), "x")
    assert got.null_band["ks_statistic"] is not None  # k = 4 of 9 reference values


def test_pvalue_band_from_two_order_statistics_equals_the_full_percentile() -> None:
    rng = np.random.default_rng(0)
    for count in (1, 2, 20, 50, 51):
        values = rng.uniform(0, 0.1, count)
        values[: count // 3] = values[0]  # ties

        def pvalue(d: float) -> float:
            return math.exp(-40 * d)

        want = np.percentile([pvalue(v) for v in values], 5)
        assert drift._monotone_lower(values, pvalue) == pytest.approx(want, rel=1e-12)


# --- degenerate inputs -----------------------------------------------------------------------


def test_degenerate_inputs_never_produce_nan_or_crash() -> None:
    ref = pd.DataFrame({
        "constant": [7.0] * 6,
        "cur_missing": [1.0, 2, 3, 4, 5, 6],
        "ref_missing": [None] * 6,
        "all_missing": [np.nan] * 6,
        "with_inf": [1.0, np.inf, 2, 3, -np.inf, 4],
        "only_ref": [1, 2, 3, 4, 5, 6],
        "mostly_numbers": ["1", "2", "3", "4", "5", "6"],
        "empty_text": ["", " ", "", "", "", ""],
        "flag": [True, False, True, True, False, True],
    })
    cur = pd.DataFrame({
        "constant": [7.0] * 4,
        "cur_missing": [np.nan] * 4,
        "ref_missing": [1.0, 2, 3, 4],
        "all_missing": [None] * 4,
        "with_inf": [1.0, 2, 3, np.inf],
        "only_cur": ["a", "b", "c", "d"],
        "mostly_numbers": ["1", "2", "x", "4"],
        "empty_text": ["", "", "", ""],
        "flag": [False, False, True, False],
    })
    report = compare(ref, cur)
    data = strict_json(report)
    assert report.only_in_reference == ("only_ref",) and report.only_in_current == ("only_cur",)
    assert any('only in the reference sample, left out: "only_ref"' in p for p in report.problems)
    assert any('"only_cur"' in p for p in report.problems)

    constant = feature(report, "constant")
    assert (constant.js_distance, constant.psi, constant.ks_statistic) == (0.0, 0.0, 0.0)
    assert constant.wasserstein_norm == 0.0 and constant.drifted is False

    for name, side in (("cur_missing", "current"), ("ref_missing", "reference")):
        item = feature(report, name)
        assert item.js_distance is None and f"no values in the {side} sample" in item.note
        # A feature that empties on one side is the plainest drift there is: the missing-rate
        # test, 0 of 6 against 4 of 4 (or 6 of 6 against 0 of 4), Fisher exact p = 1 / C(10, 4).
        assert [test.name for test in item.tests] == ["missing"]
        assert item.p_value == pytest.approx(1 / math.comb(10, 4), rel=1e-9)
        assert item.drifted is True and item.reasons[0].startswith("missing ")
    assert feature(report, "cur_missing").missing_rate_current == 1.0
    assert feature(report, "ref_missing").missing_rate_reference == 1.0
    assert "no values in either sample" in feature(report, "all_missing").note
    assert "no values in either sample" in feature(report, "empty_text").note

    inf = feature(report, "with_inf")
    assert (inf.n_reference, inf.n_current) == (4, 3)
    assert "left out infinite values: 2 in the reference, 1 in the current sample" in inf.note
    assert inf.missing_rate_reference == 0.0

    mostly = feature(report, "mostly_numbers")
    assert mostly.js_distance is None and mostly.drifted is False
    assert any('column "mostly_numbers" is left out' in p and "'x'" in p for p in report.problems)

    flag = feature(report, "flag")
    assert flag.kind == "categorical" and flag.bin_labels[:2] in (("True", "False"), ("False", "True"))

    for row in data["features"]:
        assert set(row["null_band"]) == set(STATISTICS)
        assert isinstance(row["drifted"], bool)


def test_single_row_each_side() -> None:
    report = compare(pd.DataFrame({"x": [1.0], "c": ["a"]}), pd.DataFrame({"x": [2.0], "c": ["b"]}))
    strict_json(report)
    x = feature(report, "x")
    assert x.ks_statistic == 1.0 and x.ks_pvalue == pytest.approx(stats.ks_2samp([1.0], [2.0]).pvalue)
    assert x.wasserstein_norm == pytest.approx(1.0 / 0.001)
    assert x.drifted is False and "at least 2 values for a null band" in x.note
    assert all(value is None for value in x.null_band.values())
    assert feature(report, "c").drifted is False


def test_two_reference_rows_give_a_band_from_one_against_one() -> None:
    report = compare(pd.DataFrame({"x": [1.0, 2.0]}), pd.DataFrame({"x": [5.0]}))
    x = feature(report, "x")
    assert x.null_band["ks_statistic"] == 1.0 and x.drifted is False


def test_text_in_a_numeric_column_is_a_problem_with_an_example() -> None:
    values = [str(i) for i in range(95)] + ["n.a.", "?"] + ["", "NA", "null"]
    ref = pd.DataFrame({"age": values})
    cur = pd.DataFrame({"age": [str(i) for i in range(50)]})
    report = compare(ref, cur)
    item = feature(report, "age")
    assert item.kind == "numeric" and item.ks_statistic is None and item.drifted is False
    [problem] = [p for p in report.problems if '"age"' in p]
    assert "2 of 97 values in the reference sample are not numbers (e.g. 'n.a.')" in problem


def test_numbers_in_one_sample_and_text_in_the_other() -> None:
    ref = pd.DataFrame({"zone": np.arange(40.0)})
    cur = pd.DataFrame({"zone": ["north", "south"] * 20})
    report = compare(ref, cur)
    item = feature(report, "zone")
    assert item.kind == "unknown" and item.js_distance is None
    [problem] = [p for p in report.problems if '"zone"' in p]
    assert "numbers in the reference sample but text in the current sample" in problem
    assert "'north'" in problem
    strict_json(report)


def test_mixed_text_columns_are_categorical() -> None:
    ref = pd.DataFrame({"code": ["1", "2", "A7", "B2"] * 10})
    cur = pd.DataFrame({"code": ["1", "A7", "A7", "C9"] * 10})
    item = feature(compare(ref, cur), "code")
    assert item.kind == "categorical" and item.unseen == {"C9": 0.25}


def test_na_texts_are_missing_in_numeric_columns_only() -> None:
    report = compare(pd.DataFrame({"x": ["1", "NA", "3", "null"], "c": ["NA", "eu", "eu", "us"]}),
                     pd.DataFrame({"x": ["2", "", "N/A", "4"], "c": ["NA", "NA", "us", "eu"]}))
    x, c = feature(report, "x"), feature(report, "c")
    assert x.kind == "numeric" and (x.n_reference, x.n_current) == (2, 2)
    assert (x.missing_rate_reference, x.missing_rate_current) == (0.5, 0.5)
    assert c.kind == "categorical" and "NA" in c.bin_labels and c.missing_rate_reference == 0.0


def test_no_shared_columns_and_empty_samples() -> None:
    report = compare(pd.DataFrame({"a": [1.0]}), pd.DataFrame({"b": [1.0]}))
    assert report.features == () and any("no column in common" in p for p in report.problems)
    strict_json(report)
    empty = compare(pd.DataFrame({"a": pd.Series([], dtype=float)}), pd.DataFrame({"a": [1.0, 2.0]}))
    item = feature(empty, "a")
    assert item.missing_rate_reference is None and item.js_distance is None
    assert any("reference sample has no rows" in p for p in empty.problems)
    strict_json(empty)


def test_parquet_typed_and_csv_text_samples_compare() -> None:
    rng = np.random.default_rng(2)
    typed = pd.DataFrame({"Amount EUR": rng.gamma(2, 10, 500), "Country": rng.choice(["de", "fr"], 500),
                          "items": rng.integers(1, 5, 500)})
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(typed), buffer)
    reference = read_sample(buffer.getvalue(), "train.parquet")
    assert list(reference.columns) == ["amount_eur", "country", "items"]
    csv = typed.sample(200, random_state=1).to_csv(index=False).encode()
    current = read_sample(csv, "serving.csv")
    assert current["amount_eur"].dtype == object or str(current["amount_eur"].dtype) == "str"
    report = compare(reference, current)
    assert {item.feature: item.kind for item in report.features} == {
        "amount_eur": "numeric", "country": "categorical", "items": "numeric"}
    assert not report.problems and not report.drifted
    amount = feature(report, "amount_eur")
    want = stats.ks_2samp(reference["amount_eur"], pd.to_numeric(current["amount_eur"]))
    assert amount.ks_statistic == pytest.approx(float(want.statistic), abs=TOL)


def test_read_sample_errors_are_input_errors() -> None:
    with pytest.raises(InputError, match="starts like a Parquet file but could not be read"):
        read_sample(b"PAR1 this is not really parquet", "broken.parquet")
    with pytest.raises(InputError, match="empty"):
        read_sample(b"", "empty.csv")
    buffer = io.BytesIO()
    pq.write_table(pa.table({"A": [1], "a": [2]}), buffer)
    with pytest.raises(InputError, match="unique"):
        read_sample(buffer.getvalue(), "dupes.parquet")
    buffer = io.BytesIO()
    pq.write_table(pa.table({"a": pa.array([], pa.float64())}), buffer)
    with pytest.raises(InputError, match="no rows"):
        read_sample(buffer.getvalue(), "norows.parquet")


def test_nullable_and_integer_dtypes() -> None:
    ref = pd.DataFrame({"n": pd.array([1, 2, None, 4, 5, 6], dtype="Int64"),
                        "f": pd.array([0.5, None, 1.5, 2.5, 3.0, 1.0], dtype="Float64")})
    cur = pd.DataFrame({"n": np.array([1, 2, 3], dtype=np.uint8), "f": [1.0, 2.0, 3.0]})
    report = compare(ref, cur)
    strict_json(report)
    n = feature(report, "n")
    assert n.kind == "numeric" and n.n_reference == 5 and n.missing_rate_reference == pytest.approx(1 / 6)
    assert feature(report, "f").n_reference == 5


def test_report_json_shape() -> None:
    data = strict_json(compare(*frames(200, 100, 0.5)))
    row = data["features"][0]
    for key in ("feature", "kind", "n_reference", "n_current", *STATISTICS, "missing_rate_reference",
                "missing_rate_current", "null_band", "drifted"):
        assert key in row
    assert set(data) >= {"features", "problems"}


def test_arguments_are_validated() -> None:
    ref, cur = frames(20, 10, 0.0)
    with pytest.raises(ValueError, match="seed"):
        compare(ref, cur, seed=-1)
    with pytest.raises(ValueError, match="splits"):
        compare(ref, cur, splits=0)


NUMBER_TEXTS = ["2", "+3", "-0", ".5", "5.", "00012", "1e5", "1E+05", "-.5e-3", "1.5e400", "1e-400",
                "inf", "Inf", "+inf", "-Infinity", "nan", "NAN", "-nan", "1_000", "0x10", "１２", "٣",
                "1,5", "1 000", "1.2.3", "1e", "e5", ".", "+", "1d5", "0b1", "1.5f", "abc", ""]


def test_number_pattern_accepts_exactly_what_arrow_parses() -> None:
    import pyarrow.compute as pc

    matched = pc.match_substring_regex(pa.array(NUMBER_TEXTS), drift._NUMBER_TEXT,
                                       ignore_case=True).to_pylist()
    for text, match in zip(NUMBER_TEXTS, matched, strict=True):
        try:
            pc.cast(pa.array([text]), pa.float64())
            parses = True
        except pa.ArrowInvalid:
            parses = False
        assert match == parses, text


def test_parse_numbers_marks_every_bad_text() -> None:
    texts = pd.Series(["1", "2.5", "x", "1_000", "-inf", "nan"], dtype="str")
    got = drift._parse_numbers(texts)
    assert got[:2].tolist() == [1.0, 2.5] and got[4] == -np.inf
    assert np.isnan(got[[2, 3, 5]]).all()


def test_exotic_dtypes_do_not_crash() -> None:
    n = 40
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({
        "ts": pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC"),
        "cat": pd.Categorical(rng.choice(["x", "y"], n)),
        "arrow": pd.array(rng.normal(size=n), dtype="double[pyarrow]"),
        "mixed": [1, "a", 2.5, None] * (n // 4),
        "lists": [[1, 2]] * n,
        "cplx": rng.normal(size=n) + 1j,
    })
    cur = ref.copy()
    cur.loc[::3, "arrow"] = None
    report = compare(ref, cur)
    strict_json(report)
    kinds = {item.feature: item.kind for item in report.features}
    assert kinds == {"ts": "categorical", "cat": "categorical", "arrow": "numeric",
                     "mixed": "categorical", "lists": "categorical", "cplx": "categorical"}
    assert feature(report, "arrow").missing_rate_current == pytest.approx(14 / 40)
    assert not report.problems


def test_extreme_values_give_no_warnings_and_strict_json() -> None:
    ref = pd.DataFrame({"x": [1e308, -1e308, 0.0, 5.0] * 5})
    cur = pd.DataFrame({"x": [1e308, 1e308, -1e308, 3.0] * 5})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = compare(ref, cur)
    strict_json(report)
    assert feature(report, "x").js_distance is not None


def test_drift_report_from_bytes() -> None:
    ref, cur = frames(300, 200, 1.0)
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(ref, preserve_index=False), buffer)
    data = drift.drift_report(buffer.getvalue(), cur.to_csv(index=False, sep=";").encode(),
                              reference_name="train.parquet", current_name="serving.csv")
    json.dumps(data, allow_nan=False)
    assert {row["feature"] for row in data["features"] if row["drifted"]} == {"num", "cat"}
    assert data["notes"] == ["serving.csv: semicolon-separated"]
    with pytest.raises(InputError):
        drift.drift_report(b"", b"a\n1\n")
