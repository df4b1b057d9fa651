"""Kaplan–Meier reading (triage.survival): by hand on small logs and against scipy on random ones."""

import numpy as np
import pytest
from scipy import stats

from triage.survival import Survival


def test_no_censoring_gives_the_ordinary_median_and_mean():
    curve = Survival.of([1, 2, 3, 4], [True] * 4)
    assert curve.quantile(0.5).hours == pytest.approx(2.5)  # S(2) = 0.5 exactly: midpoint
    assert curve.quantile(0.9).hours == 4
    assert curve.mean() == pytest.approx(2.5)
    assert not curve.mean_is_lower_bound()
    assert curve.waiting_at(2) == pytest.approx(0.5)
    assert curve.waiting_at(10) == 0.0  # the curve reached 0: it can tell past the longest wait


def test_ties_and_a_censoring_at_the_same_time_as_an_event():
    # Waits 1, 2, 2 ended; 2 (still going), 3 (still going), 5 ended, 8 (still going).
    # By hand: at 1, 7 at risk → 6/7; at 2, 6 at risk (the censored 2 is still at risk) and two
    # end → 6/7 · 4/6 = 4/7; at 5, 2 at risk → 4/7 · 1/2 = 2/7.
    curve = Survival.of([1, 2, 2, 2, 3, 5, 8], [True, True, True, False, False, True, False])
    assert curve.event_times.tolist() == [1, 2, 5]
    assert curve.surviving == pytest.approx([6 / 7, 4 / 7, 2 / 7])
    assert curve.quantile(0.5).hours == 5  # first t with S ≤ 0.5
    p90 = curve.quantile(0.9)
    assert p90.hours is None and p90.lower_bound == 8  # never falls to 0.1: "more than 8 h"
    assert curve.waiting_at(3) == pytest.approx(4 / 7)
    assert curve.waiting_at(9) is None and curve.waiting_at_most(9) == pytest.approx(2 / 7)
    # Area under S up to 8: 1·1 + 1·6/7 + 3·4/7 + 3·2/7
    assert curve.mean() == pytest.approx(1 + 6 / 7 + 12 / 7 + 6 / 7)
    assert curve.mean_is_lower_bound()


def test_all_censored_and_empty():
    curve = Survival.of([4, 9], [False, False])
    assert curve.quantile(0.5).hours is None and curve.quantile(0.5).lower_bound == 9
    assert curve.waiting_at(3) == 1.0 and curve.waiting_at(10) is None
    empty = Survival.of([], [])
    assert empty.quantile(0.5).hours is None and empty.quantile(0.5).lower_bound is None
    assert empty.mean() is None and empty.waiting_at(1) is None


def test_bad_waits_are_refused():
    with pytest.raises(ValueError):
        Survival.of([1, np.inf], [True, True])
    with pytest.raises(ValueError):
        Survival.of([-1], [True])


@pytest.mark.parametrize("seed", range(20))
def test_matches_scipy_ecdf_on_random_logs(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 200))
    hours = np.round(rng.exponential(50, n), int(rng.integers(0, 2)))  # rounding makes ties
    ended = rng.random(n) < rng.uniform(0.3, 1.0)
    ended[0] = True
    curve = Survival.of(hours, ended)
    reference = stats.ecdf(stats.CensoredData(uncensored=hours[ended], right=hours[~ended])).sf
    probe = np.linspace(0, hours.max(), 57)
    for t in probe:
        assert curve.waiting_at(t) == pytest.approx(float(reference.evaluate(t)))
    for q in (0.5, 0.9):
        got = curve.quantile(q)
        crossed = reference.quantiles[reference.probabilities <= 1 - q + 1e-9]
        if crossed.size == 0:
            assert got.hours is None and got.lower_bound == hours.max()
        else:  # survfit: first crossing, or the midpoint to the next event on an exact tie
            assert got.hours is not None and crossed[0] <= got.hours <= hours.max()


def test_seeded_simulation_km_median_is_unbiased_where_completed_only_is_not():
    """Exponential waits (true median 100 h) with 30–40% censored by an as-of date."""
    rng = np.random.default_rng(11)
    true_median = 100 * np.log(2)  # exponential with mean 100 h
    km, completed = [], []
    for _ in range(200):
        waits = rng.exponential(100, 400)
        entered = rng.uniform(0, 260, 400)  # entered the stage up to 260 h before the as-of date
        ended = waits <= entered
        seen = np.where(ended, waits, entered)
        assert 0.28 <= 1 - ended.mean() <= 0.45
        km.append(Survival.of(seen, ended).quantile(0.5).hours)
        completed.append(np.median(seen[ended]))
    assert abs(np.mean(km) / true_median - 1) < 0.10
    assert abs(np.mean(completed) / true_median - 1) > 0.15
