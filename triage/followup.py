"""Follow-up: did the fix help? "After" measurements against the plan's "before", with intervals.

A plan promises that iteration gets faster, that a metric gap closes or that data access gets
quicker. Weeks later the team uploads new data; this module says whether the change is larger
than the noise, so that a lucky week, a shorter window or a new traffic mix is not read as
success.

Statistics (the contract; tests check each of them):

* **Verdict.** "improved" when the whole 95% interval of the change lies on the better side of
  zero, "worse" when it lies on the worse side, "no clear change" when it includes zero (the
  sentence says why: the interval, a window too short to see the slow tail, few values),
  "not judged" when there is no interval (and the sentence says why).
* **Requests** (:func:`compare_requests`): time to access (request → first use) as two
  Kaplan–Meier curves, a request still waiting at its log's as-of date right-censored at its
  age. The curves are compared over the **same horizon** τ, the shorter of the two logs' longest
  follow-up (the longest wait seen in each, ended or not): a log of 40 days cannot say anything
  about waits of 100 days, and a comparison that let it would read immaturity as speed. The
  figure is the **restricted mean** up to τ, μ(τ) = ∫₀^τ S(t) dt (the mean time to access
  counting any wait longer than τ as τ; ``Survival.mean(τ)``). Its variance is the
  Greenwood-type sum Σ_{tᵢ<τ} Aᵢ² dᵢ / (rᵢ (rᵢ − dᵢ)), Aᵢ = ∫_{tᵢ}^τ S (Klein & Moeschberger
  §4.5; R's ``survfit`` ``rmean`` and ``survRM2`` use it); before and after are independent, so
  the change's interval is (μ₁ − μ₀) ± z·√(V₀ + V₁). The relative interval is that interval
  divided by μ₀ (the change as a share of the before figure), so both agree on zero. A side with
  fewer than ``SMALL_SAMPLE`` requests gets no interval: there the variance is too small to
  trust (with no wait ended before τ it is 0). Kaplan–Meier medians are reported beside it,
  "more than X" where a curve never falls to one half. Per stage the same, each stage over its
  own common horizon, from its completed waits (ended) and open ones (censored).
  Why not a bootstrap here: resampling a 10,000-request curve 2,000 times costs about 0.45 s
  per curve, and a comparison has ten curves; at the sizes where that matters the bootstrap
  and the Greenwood variance agree (a test checks it).
* **Runs** (:func:`compare_runs`): a run's total is the sum of its stage hours, retries and
  hand-offs included (:func:`triage.kinds.runs.analysis.run_totals`; hand-offs only when both files show
  them). The headline is the **mean of run totals**: time adds up, so the mean is what the hours
  per month and the iteration time are made of. Per stage: mean hours per run, 0 in runs without
  the stage, so the stage means add up to the mean total. Intervals are percentile bootstraps
  over runs: ``resamples`` resamples of each side's runs (with replacement, seeded with
  ``numpy.random.default_rng(seed)``, before then after), the same resampled runs for the total
  and every stage. Each resampled mean's deviation from the sample mean is scaled by
  √(n/(n − 1)), so the draws' variance is the unbiased s²/n (the plain percentile interval is
  too narrow at small n: 9% false alarms instead of 5% at 40 vs 30 skewed runs, 7.5% after the
  scaling; Welch's t does no better on such skewed totals). The interval of the change is the
  percentile interval of ``mean(after*) − mean(before*)``, the relative one that of
  ``mean(after*) / mean(before*) − 1`` (the same draws, so both agree on whether zero is
  inside). Fewer than two runs on a side give no interval. A stage in few runs that carries much
  of the mean gets a note: the mean rests on those runs. Medians of run totals are reported
  beside it, labelled.
* **Segments** (:func:`compare_segments`): the observed columns of the before and after tables
  are split (Kitagawa, as in :mod:`triage.kinds.segments.gap`) into a traffic-mix part
  Σ (w₁ − w₀)(m₀ + m₁)/2 and a rate part Σ (m₁ − m₀)(w₀ + w₁)/2, which add up to the change of
  the table total. The headline is the **rate part**, shown as the metric at a fixed traffic mix
  (Σ w̄ m₀ before, Σ w̄ m₁ after, w̄ the average share): a change of mix alone moves the table
  total but not this figure, and never counts as closing the gap (``gap_closed`` comes from the
  rate part only). A segment present on one side only is mix. For a proportion with both sample
  sizes the interval is MOVER-Wilson (Zou & Donner 2008; with one segment it is Newcombe's
  hybrid score interval): each segment's n is taken as n × its share of traffic (a segment
  table has no per-segment n; a note says so); the same for each segment's change and for the
  table total (``total``). Otherwise there is no interval and the comparison says why.
* **Medians, bootstrapped** (:func:`bootstrap_median_ci`, :func:`bootstrap_median_difference`):
  kept for describing completed waits. A resampled median is drawn directly instead of building
  the resample: with the values sorted, the k-th smallest resampled value is
  ``sorted[⌊n·U₍ₖ₎⌋]``, where U₍ₖ₎ ~ Beta(k, n − k + 1) is the k-th smallest of n uniforms, and
  for an even n the next one is U₍ₖ₎ + (1 − U₍ₖ₎)·Beta(1, n − k): the same distribution as
  resampling at O(n log n + resamples). Seeded; no wall clock, no global state.

Charts are pure functions returning ``plotly.graph_objects.Figure`` (graph_objects only).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from triage import palette
from triage.charts import figure, plain, reference_line
from triage.kinds.requests.analysis import AccessAnalysis
from triage.kinds.runs.analysis import RunsData, run_totals
from triage.kinds.segments.gap import Decomposition, SegmentRow, decompose, segment_rows
from triage.survival import Survival
from triage.tabular import InputError
from triage.vocabulary import CANONICAL_STAGES, stage_label

BEFORE_COLOUR, AFTER_COLOUR, WORSE_COLOUR = palette.BEFORE, palette.AFTER, palette.WORSE

IMPROVED = "improved"
WORSE = "worse"
NO_CLEAR_CHANGE = "no clear change"
NOT_JUDGED = "not judged"

SMALL_SAMPLE = 5  # fewer values than this on a side: the interval is wide (requests: none), say so
RESAMPLES = 2000
LEVEL = 0.95
RARE_STAGE_SHARE = 0.2  # a stage in at most this share of runs...
RARE_STAGE_WEIGHT = 0.2  # ...carrying at least this share of the mean run: say the mean is fragile
IMMATURE_SHARE = 0.10  # more still waiting than this at the horizon: the slow tail is not compared
_BLOCK_CELLS = 2_000_000  # bootstrap work per block (resamples × values): bounded memory
_MINUS = "\u2212"


# --------------------------------------------------------------------------------------------
# Bootstrap


def _as_values(values: Any) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    if array.size == 0:
        raise ValueError("no values to bootstrap")
    if not np.isfinite(array).all():
        raise ValueError("values must be finite numbers")
    return array


def _check(resamples: int, level: float) -> None:
    if int(resamples) < 1:
        raise ValueError(f"resamples must be at least 1, not {resamples!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, not {level!r}")


def _resampled_medians(values: np.ndarray, rng: np.random.Generator, resamples: int) -> np.ndarray:
    """Medians of ``resamples`` resamples with replacement, drawn via order statistics (module doc).

    A resample's indices are ⌊n·U⌋ for n uniforms U; ⌊n·u⌋ and the sorted values are both
    non-decreasing, so the resample's k-th smallest value is ``ordered[⌊n·U₍ₖ₎⌋]``.
    """
    ordered = np.sort(values)
    n = ordered.size
    k = (n + 1) // 2  # the median's rank (1-based); for an even n also the rank k + 1
    lower_u = rng.beta(k, n - k + 1, size=resamples)
    lower = ordered[np.minimum((lower_u * n).astype(np.int64), n - 1)]
    if n % 2:
        return lower
    # Given U₍ₖ₎ = u, the other n − k uniforms are uniform on (u, 1): the next is their minimum.
    upper_u = lower_u + (1.0 - lower_u) * rng.beta(1, n - k, size=resamples)
    upper = ordered[np.minimum((upper_u * n).astype(np.int64), n - 1)]
    return (lower + upper) / 2


def _percentiles(draws: np.ndarray, level: float) -> tuple[float, float]:
    low, high = np.percentile(draws, [50 * (1 - level), 50 * (1 + level)])
    return float(low), float(high)


def bootstrap_median_ci(values: Sequence[float] | np.ndarray, *, seed: int = 0,
                        resamples: int = RESAMPLES, level: float = LEVEL) -> tuple[float, float, float]:
    """(median, low, high): the sample median and its percentile-bootstrap interval.

    Constant data (or a single value) gives a zero-width interval. Raises ValueError on no values,
    non-finite values or a bad setting.
    """
    _check(resamples, level)
    array = _as_values(values)
    draws = _resampled_medians(array, np.random.default_rng(seed), int(resamples))
    low, high = _percentiles(draws, level)
    return float(np.median(array)), low, high


@dataclass(frozen=True)
class Difference:
    """Before vs after of one quantity; ``change`` = after − before (signed, in the unit).

    ``before_median``/``after_median`` are the point estimates: medians for bootstrapped data,
    the table totals or segment metrics for segment tables (``statistic`` says which). ``low`` and
    ``high`` bound the change; None when there is no interval (``why_no_interval`` says why).
    """

    before_median: float
    after_median: float
    change: float
    low: float | None
    high: float | None
    relative_change: float | None  # change / before; None when before is 0
    relative_low: float | None = None
    relative_high: float | None = None
    before_low: float | None = None  # interval of the before value itself
    before_high: float | None = None
    after_low: float | None = None  # interval of the after value itself (the chart's error bar)
    after_high: float | None = None
    n_before: int | None = None
    n_after: int | None = None
    level: float = LEVEL
    higher_is_better: bool = False
    # "median" | "mean" | "mean per run" | "restricted mean" | "rate part" | "total" | "metric"
    statistic: str = "median"
    why_no_interval: str = ""
    caveat: str = ""  # what the figure cannot see yet (e.g. the slow tail past the horizon)

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def outcome(self) -> str:
        """improved / worse / no clear change (interval includes zero) / not judged (no interval)."""
        if self.low is None or self.high is None:
            return NOT_JUDGED
        if self.low > 0 or self.high < 0:
            better = (self.low > 0) == self.higher_is_better
            return IMPROVED if better else WORSE
        return NO_CLEAR_CHANGE


def _no_interval(why: str) -> dict[str, Any]:
    return {"low": None, "high": None, "relative_low": None, "relative_high": None,
            "why_no_interval": why}


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def _from_draws(before: float, after: float, before_draws: np.ndarray | None,
                after_draws: np.ndarray | None, *, level: float, **fields: Any) -> Difference:
    """A Difference from point estimates and (optionally) bootstrap draws of each side."""
    change = after - before
    extra: dict[str, Any]
    if before_draws is None or after_draws is None:
        extra = {}
    else:
        low, high = _percentiles(after_draws - before_draws, level)
        extra = {"low": low, "high": high}
        extra["before_low"], extra["before_high"] = _percentiles(before_draws, level)
        extra["after_low"], extra["after_high"] = _percentiles(after_draws, level)
        if (before_draws > 0).all():
            extra["relative_low"], extra["relative_high"] = _percentiles(
                after_draws / before_draws - 1, level)
    fields = {"low": None, "high": None, **fields, **extra}
    return Difference(before_median=before, after_median=after, change=change,
                      relative_change=_ratio(change, before), level=level, **fields)


def bootstrap_median_difference(before: Sequence[float] | np.ndarray, after: Sequence[float] | np.ndarray,
                                *, seed: int = 0, resamples: int = RESAMPLES, level: float = LEVEL,
                                higher_is_better: bool = False) -> Difference:
    """Median after − median before with a percentile-bootstrap interval (sides resampled apart).

    ``higher_is_better`` only decides the verdict's direction; the default suits durations.
    With fewer than two values on a side there is no interval.
    """
    _check(resamples, level)
    before_values, after_values = _as_values(before), _as_values(after)
    fields: dict[str, Any] = {"n_before": int(before_values.size), "n_after": int(after_values.size),
                              "higher_is_better": higher_is_better}
    before_median, after_median = float(np.median(before_values)), float(np.median(after_values))
    if min(before_values.size, after_values.size) < 2:
        side = "before" if before_values.size < 2 else "after"
        return _from_draws(before_median, after_median, None, None, level=level, **fields,
                           **_no_interval(f"only one value {side}: one value cannot show noise"))
    rng = np.random.default_rng(seed)
    before_draws = _resampled_medians(before_values, rng, int(resamples))
    after_draws = _resampled_medians(after_values, rng, int(resamples))
    return _from_draws(before_median, after_median, before_draws, after_draws, level=level, **fields)


# --------------------------------------------------------------------------------------------
# Verdict in words


@dataclass(frozen=True)
class Verdict:
    outcome: str  # IMPROVED | WORSE | NO_CLEAR_CHANGE | NOT_JUDGED
    sentence: str


def _minus(text: str) -> str:
    return text.replace("-", _MINUS)


def format_value(value: float, unit: str) -> str:
    """14.5 h, 0.25 h, 4.6% (unit "%": a proportion 0..1), 1,204 (no unit)."""
    if unit == "%":
        return _minus(f"{value:.1%}")
    size = abs(value)
    number = f"{value:,.0f}" if size >= 100 else f"{value:.1f}" if size >= 1 or size == 0 else f"{value:.2g}"
    return _minus(number + (f" {unit}" if unit else ""))


def _signed(value: float, unit: str, relative: bool) -> str:
    if relative:
        return _minus(f"{value:+.0%}")
    if unit == "%":
        return _minus(f"{value * 100:+.1f} points")
    text = format_value(value, unit)
    return text if text.startswith(_MINUS) else "+" + text


def _change_text(diff: Difference, unit: str) -> str:
    """'−32%, 95% interval −41% to −22%' (relative when possible; points for proportions)."""
    relative = unit != "%" and diff.relative_change is not None
    point = _signed(diff.relative_change if relative else diff.change, unit, relative)
    if not diff.has_interval:
        return point
    if relative and diff.relative_low is not None and diff.relative_high is not None:
        low, high = diff.relative_low, diff.relative_high
    else:
        relative = False
        low, high = diff.low, diff.high
    if unit == "%" and not relative:  # "−0.4 to +0.4 points"
        interval = _minus(f"{low * 100:+.1f} to {high * 100:+.1f} points")
    else:
        interval = f"{_signed(low, unit, relative)} to {_signed(high, unit, relative)}"
    return f"{point}, {diff.level:.0%} interval {interval}"


def verdict(diff: Difference, what: str = "median", *, unit: str = "h", n_label: str = "values") -> Verdict:
    """The change in one sentence, e.g. "Median iteration time fell from 14.5 h to 9.8 h (−32%,
    95% interval −41% to −22%)." When the interval includes zero the sentence says it is too early
    to call it a success; when there is no interval it says why.
    """
    outcome = diff.outcome
    before, after = format_value(diff.before_median, unit), format_value(diff.after_median, unit)
    subject = what[:1].upper() + what[1:]
    if diff.change > 0:
        moved = f"rose from {before} to {after}"
    elif diff.change < 0:
        moved = f"fell from {before} to {after}"
    else:
        moved = f"stayed at {after}"
    base = f"{subject} {moved} ({_change_text(diff, unit)})"
    n = f" (n={diff.n_after:,} {n_label} after)" if diff.n_after is not None else ""
    if outcome == IMPROVED:
        return Verdict(outcome, base + ".")
    if outcome == WORSE:
        return Verdict(outcome, f"{base}: worse, beyond the noise{n}.")
    if outcome == NO_CLEAR_CHANGE:
        if diff.change == 0:
            caveat = f"; {diff.caveat}" if diff.caveat else ""
            return Verdict(outcome, f"{base}: no clear change{caveat}{n}.")
        better = diff.change > 0 if diff.higher_is_better else diff.change < 0
        tail = "too early to call it a success" if better else "not clearly worse either"
        caveat = f"; {diff.caveat}" if diff.caveat else ""
        return Verdict(outcome, f"{base}, but the interval includes no change: {tail}{caveat}{n}.")
    why = diff.why_no_interval or "no interval"
    caveat = f"; {diff.caveat}" if diff.caveat else ""
    return Verdict(outcome, f"{base}; no interval ({why}), so it cannot be told apart from "
                            f"noise{caveat}{n}.")


# --------------------------------------------------------------------------------------------
# Scenario comparisons


@dataclass(frozen=True)
class Item:
    key: str  # stage id or segment name
    label: str
    difference: Difference


@dataclass(frozen=True)
class Comparison:
    overall: Difference
    items: tuple[Item, ...]  # per stage or per segment
    notes: tuple[str, ...]
    what: str  # the overall quantity in words, for the verdict
    unit: str  # "h", "%" (a proportion) or "" (a metric in its own unit)
    n_label: str  # what n counts: "runs", "requests"
    overall_label: str
    basis: str = ""  # which estimator, horizon and interval: the page's caption

    @property
    def verdict(self) -> Verdict:
        return verdict(self.overall, self.what, unit=self.unit, n_label=self.n_label)

    def item_verdict(self, item: Item) -> Verdict:
        return verdict(item.difference, f"{item.label} ({item.difference.statistic})", unit=self.unit,
                       n_label=self.n_label)

    def chart_items(self) -> list[tuple[str, Difference]]:
        """The overall first, then each item: what :func:`before_after_chart` draws."""
        return [(self.overall_label, self.overall)] + [(i.label, i.difference) for i in self.items]


@dataclass(frozen=True)
class RunsComparison(Comparison):
    iteration_hours_before: float = 0.0  # the iteration page's figure for each file
    iteration_hours_after: float = 0.0
    typical_hours_before: float | None = None  # median of run totals, to describe
    typical_hours_after: float | None = None


@dataclass(frozen=True)
class SegmentComparison(Comparison):
    gap_before: float = 0.0  # observed − expected total of each table
    gap_after: float = 0.0
    higher_is_better: bool = True
    total: Difference | None = None  # the table totals Σ share × metric, before vs after
    mix: float = 0.0  # the traffic-mix part of the change of the table total
    rate: float = 0.0  # the per-segment rate part (mix + rate = the change of the table total)

    @property
    def gap_closed(self) -> float | None:
        """Share of the before shortfall closed by the rate part (1 = closed, < 0 = widened);
        a change of traffic mix alone closes nothing. None when there was no shortfall."""
        sign = 1 if self.higher_is_better else -1
        shortfall = -sign * self.gap_before
        return sign * self.rate / shortfall if shortfall > 0 else None

    @property
    def gap_text(self) -> str:
        """The gap in one sentence, from the rate part and its verdict."""
        closed = self.gap_closed
        if closed is None:
            return "The before table showed no shortfall against its expectation: no gap to close."
        share = _minus(f"{closed:.0%}")
        outcome = self.overall.outcome
        if outcome == IMPROVED:
            return (f"Per-segment rates closed {share} of the before gap (rate part; traffic mix "
                    "not counted).")
        if outcome == WORSE:
            return (f"Per-segment rates widened the gap by {-closed:.0%} of its before size "
                    "(rate part; traffic mix not counted).")
        mix_only = abs(self.rate) <= 1e-12 and abs(self.mix) > 1e-12
        if mix_only:
            return ("Gap not closed: only the traffic mix changed; per-segment rates are the same "
                    "as before.")
        judged = "cannot be told apart from noise" if outcome == NO_CLEAR_CHANGE else "is not judged"
        return f"Gap not shown closed: the rate part ({share} of the gap) {judged}."


@dataclass(frozen=True)
class RequestsComparison(Comparison):
    time_to_access_before: float | None = None  # Kaplan–Meier median; None when not reached
    time_to_access_after: float | None = None
    time_to_access_before_more_than: float | None = None  # the bound when the median is not reached
    time_to_access_after_more_than: float | None = None
    accessed_before: int = 0  # requests that got access
    accessed_after: int = 0
    waiting_before: int = 0  # requests still waiting at the as-of date (censored)
    waiting_after: int = 0
    horizon_hours: float | None = None  # τ of the headline
    still_waiting_at_horizon_before: float | None = None  # S(τ) of each curve
    still_waiting_at_horizon_after: float | None = None


def _stage_order(stages: Sequence[str]) -> list[str]:
    known = [s for s in CANONICAL_STAGES if s in stages]
    others = [s for s in dict.fromkeys(stages) if s not in CANONICAL_STAGES and s != "handoff"]
    return known + others + (["handoff"] if "handoff" in stages else [])


def _labels(stages: Sequence[str]) -> str:
    names = [stage_label(s) for s in stages]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _and(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _small_sample_notes(items: Sequence[Item], overall: Difference, n_label: str) -> list[str]:
    notes = []
    for side, n in (("before", overall.n_before), ("after", overall.n_after)):
        if n is not None and n < SMALL_SAMPLE:
            width = "the interval is wide" if overall.has_interval else "too few to judge"
            notes.append(f"only {n} {n_label} {side}: {width}; collect more before calling it")
    thin = [i.label for i in items
            if i.difference.n_after is not None and i.difference.n_after < SMALL_SAMPLE]
    if thin:
        notes.append(f"fewer than {SMALL_SAMPLE} {n_label} after for {_and(thin)}: "
                     "their intervals are wide")
    return notes


def _z(level: float) -> float:
    return NormalDist().inv_cdf((1 + level) / 2)


# --------------------------------------------------------------------------------------------
# Runs: means of run totals, bootstrapped over runs


def _bootstrap_means(values: np.ndarray, rng: np.random.Generator, resamples: int) -> np.ndarray:
    """Column means of ``resamples`` resamples of the rows of ``values`` (n × k): resamples × k.

    Each resample counts how often each row was drawn (n draws with replacement) and takes the
    weighted mean; blocks keep memory bounded. The draws' deviations from the sample mean are
    scaled by √(n/(n − 1)), so their variance is the unbiased s²/n rather than the plug-in
    (n − 1)/n of it, which makes small-sample percentile intervals too narrow.
    """
    n = values.shape[0]
    block = max(1, _BLOCK_CELLS // max(n, 1))
    out = []
    for start in range(0, resamples, block):
        size = min(block, resamples - start)
        picks = rng.integers(0, n, size=(size, n))
        counts = np.bincount((picks + n * np.arange(size)[:, None]).ravel(),
                             minlength=size * n).reshape(size, n)
        out.append(counts @ values / n)
    draws = np.concatenate(out)
    centre = values.mean(axis=0)
    return centre + math.sqrt(n / (n - 1)) * (draws - centre) if n > 1 else draws


def bootstrap_mean_difference(before: Sequence[float] | np.ndarray, after: Sequence[float] | np.ndarray,
                              *, seed: int = 0, resamples: int = RESAMPLES, level: float = LEVEL,
                              higher_is_better: bool = False) -> Difference:
    """Mean after − mean before with a percentile-bootstrap interval (sides resampled apart,
    deviations scaled as in the module doc). Fewer than two values on a side: no interval."""
    _check(resamples, level)
    values = [_as_values(before)[:, None], _as_values(after)[:, None]]
    return _mean_differences(values, seed=seed, resamples=resamples, level=level,
                             higher_is_better=higher_is_better, statistic="mean",
                             n_label="values")[0]


def _mean_differences(values: Sequence[np.ndarray], *, seed: int, resamples: int, level: float,
                      higher_is_better: bool, statistic: str, n_label: str,
                      column_statistics: Sequence[str] = ()) -> list[Difference]:
    """One Difference per column of the before and after matrices (rows resampled jointly)."""
    n0, n1 = (v.shape[0] for v in values)
    points = [v.mean(axis=0) for v in values]
    missing: dict[str, Any] = {}
    draws = None
    if min(n0, n1) < 2:
        side = "before" if n0 < 2 else "after"
        missing = _no_interval(f"only one {n_label.rstrip('s')} {side}: one value cannot show noise")
    else:
        rng = np.random.default_rng(seed)
        draws = [_bootstrap_means(v, rng, int(resamples)) for v in values]
    out = []
    for k in range(values[0].shape[1]):
        fields = {"n_before": n0, "n_after": n1, "higher_is_better": higher_is_better,
                  "statistic": (column_statistics[k] if k < len(column_statistics) else statistic),
                  **missing}
        out.append(_from_draws(float(points[0][k]), float(points[1][k]),
                               None if draws is None else draws[0][:, k],
                               None if draws is None else draws[1][:, k], level=level, **fields))
    return out


def _run_matrix(frame: pd.DataFrame, stages: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(run totals, runs × stages hours with 0 where a run lacks the stage), runs in one order."""
    totals = run_totals(frame)
    table = frame.pivot_table(index="run_id", columns="stage", values="hours", aggfunc="sum",
                              fill_value=0.0, sort=False)
    table = table.reindex(index=totals.index, columns=list(stages), fill_value=0.0)
    return totals.to_numpy(dtype=float), table.to_numpy(dtype=float)


def compare_runs(before: RunsData, after: RunsData, *, seed: int = 0, resamples: int = RESAMPLES,
                 level: float = LEVEL) -> RunsComparison:
    """Mean of run totals before vs after (overall), and per stage the mean hours per run."""
    _check(resamples, level)
    notes: list[str] = []
    frames = [before.per_run, after.per_run]
    with_handoff = ["handoff" in set(f["stage"]) for f in frames]
    if any(with_handoff) and not all(with_handoff):
        side = "before" if with_handoff[0] else "after"
        notes.append(f"only the {side} runs show hand-off gaps (the other file shows none: no "
                     "start and end times, or no gaps): hand-offs are left out of the run totals on "
                     "both sides")
        frames = [f[f["stage"] != "handoff"] for f in frames]
    if any(f.empty for f in frames):
        side = "before" if frames[0].empty else "after"
        raise InputError(f"The {side} file has no run with stage hours: nothing to compare.")
    stages_before, stages_after = (list(dict.fromkeys(f["stage"])) for f in frames)
    stages = _stage_order(stages_before + stages_after)
    sides = [_run_matrix(f, stages) for f in frames]
    n0, n1 = (len(totals) for totals, _ in sides)
    # Column 0: the run total; then one column per stage (their means add up to the total's).
    diffs = _mean_differences([np.column_stack([totals, per_stage]) for totals, per_stage in sides],
                              seed=seed, resamples=resamples, level=level, higher_is_better=False,
                              statistic="mean per run", n_label="runs",
                              column_statistics=("mean",))
    overall = diffs[0]
    items = [Item(stage, stage_label(stage), diff) for stage, diff in zip(stages, diffs[1:], strict=True)]
    for side, (totals, per_stage) in zip(("before", "after"), sides, strict=True):
        mean_total = totals.mean()
        for k, stage in enumerate(stages):
            present = int((per_stage[:, k] > 0).sum())
            share = per_stage[:, k].mean() / mean_total if mean_total > 0 else 0.0
            if 0 < present <= RARE_STAGE_SHARE * len(totals) and share >= RARE_STAGE_WEIGHT:
                notes.append(f"{stage_label(stage)} is in {present} of {len(totals)} runs {side}, yet "
                             f"{share:.0%} of the mean run: the mean rests on those few runs, so "
                             "its interval may be optimistic; collect more runs before calling it")
    for side, own, other in (("before", stages_before, stages_after),
                             ("after", stages_after, stages_before)):
        missing_stages = [s for s in _stage_order(own) if s not in other]
        if missing_stages:
            other_side = "after" if side == "before" else "before"
            notes.append(f"{_labels(missing_stages)} only in the {side} runs: 0 h per run "
                         f"{other_side}")
    typical = [float(np.median(totals)) for totals, _ in sides]
    notes.append(f"typical run (median of run totals, to describe; the verdict is on the mean): "
                 f"{format_value(typical[0], 'h')} before, {format_value(typical[1], 'h')} after")
    notes.extend(_small_sample_notes([], overall, "runs"))
    basis = ("Mean of run totals (each run's stage times, retries and hand-offs added), per stage "
             "mean hours per run (0 in runs without it); 95% interval: percentile bootstrap over "
             f"runs ({int(resamples):,} resamples, seeded, small-sample variance correction). "
             f"{n0:,} runs before, {n1:,} after.")
    return RunsComparison(
        overall=overall, items=tuple(items), notes=tuple(notes),
        what="mean iteration time (mean of run totals)", unit="h", n_label="runs",
        overall_label="whole run (mean)", basis=basis,
        iteration_hours_before=before.analysis.iteration_hours,
        iteration_hours_after=after.analysis.iteration_hours,
        typical_hours_before=typical[0], typical_hours_after=typical[1],
    )


# --------------------------------------------------------------------------------------------
# Segments: the rate part of a Kitagawa split, MOVER-Wilson intervals


def _wilson(p: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score interval of a proportion p observed on n (n may be fractional)."""
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(max(p * (1 - p) / n + z * z / (4 * n * n), 0.0))
    return max(0.0, centre - half), min(1.0, centre + half)


def _mover(terms: Sequence[tuple[float, float, float]], z: float) -> tuple[float, float, float]:
    """(estimate, low, high) of Σ c·p over independent proportions, each term (c, p, n):
    MOVER with Wilson limits (Zou & Donner 2008). The lower limit subtracts
    √Σ (c·p − c·l)², l the limit of p that lowers c·p; the upper one adds √Σ (c·u − c·p)²."""
    estimate = down = up = 0.0
    for c, p, n in terms:
        low, high = _wilson(p, n, z)
        lower, upper = (low, high) if c >= 0 else (high, low)
        estimate += c * p
        down += (c * (p - lower)) ** 2
        up += (c * (upper - p)) ** 2
    return estimate, estimate - math.sqrt(down), estimate + math.sqrt(up)


def _mover_difference(before: Sequence[tuple[float, float, float]],
                      after: Sequence[tuple[float, float, float]], level: float) -> dict[str, Any]:
    """Interval fields of Σ w·p after − Σ w·p before; each term (w, p, n)."""
    z = _z(level)
    _, low, high = _mover([*after, *((-w, p, n) for w, p, n in before)], z)
    b, b_low, b_high = _mover(before, z)
    _, a_low, a_high = _mover(after, z)
    fields: dict[str, Any] = {"low": low, "high": high, "before_low": b_low, "before_high": b_high,
                              "after_low": a_low, "after_high": a_high}
    if b > 0:  # the change as a share of the before figure
        fields["relative_low"], fields["relative_high"] = low / b, high / b
    return fields


def _count(value: float | None, label: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"The sample size {label} must be a number, not {value!r}.") from None
    if not math.isfinite(number) or number <= 0:
        raise InputError(f"The sample size {label} must be a positive number, not {value!r}.")
    return number


def _observed(table: Decomposition, rows: Sequence[SegmentRow]) -> dict[str, tuple[str, float, float]]:
    """Segment key → (name, share, metric) of the table's observed columns, segments with traffic."""
    return {row.segment.strip().casefold(): (row.segment, part.w1, part.m1)
            for row, part in zip(rows, table.segments, strict=True)
            if part.w1 > 0 and row.observed_metric is not None}


def _split(before: dict[str, tuple[str, float, float]],
           after: dict[str, tuple[str, float, float]]) -> Decomposition:
    """Kitagawa split of before → after observed columns; one-sided segments are mix only."""
    rows = []
    for key in list(before) + [k for k in after if k not in before]:
        name = (before.get(key) or after[key])[0]
        _, w0, m0 = before.get(key, (name, 0.0, None))
        _, w1, m1 = after.get(key, (name, 0.0, None))
        rows.append(SegmentRow(name, expected_share=w0, observed_share=w1, expected_metric=m0,
                               observed_metric=m1))
    return decompose(rows)


def compare_segments(before_records: Sequence[dict[str, Any]], after_records: Sequence[dict[str, Any]], *,
                     metric_kind: str = "proportion", n_before: float | None = None,
                     n_after: float | None = None, higher_is_better: bool = True,
                     metric_name: str = "the metric", level: float = LEVEL) -> SegmentComparison:
    """The rate part of the before → after change (the metric at a fixed traffic mix), the mix
    part beside it, the table totals and each segment's metric.

    Records as typed or read by :func:`triage.kinds.segments.gap.read_segments`; InputError on an
    unusable table.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, not {level!r}")
    rows_before, rows_after = segment_rows(before_records), segment_rows(after_records)
    tables = [decompose(rows_before), decompose(rows_after)]
    p0, p1 = (t.observed_total for t in tables)
    n0, n1 = _count(n_before, "before"), _count(n_after, "after")
    proportion = metric_kind == "proportion"
    if proportion:
        for side, total in (("before", p0), ("after", p1)):
            if not 0 <= total <= 1:
                raise InputError(f"segment table {side}: the total Σ share × metric is {total:g}, not "
                                 "a proportion between 0 and 1 (type 4.5% as 0.045), or choose "
                                 "'another metric'")
    observed = (_observed(tables[0], rows_before), _observed(tables[1], rows_after))
    split = _split(*observed)
    common = [k for k in observed[0] if k in observed[1]]
    # The metric at a fixed mix: each segment in both tables weighted by its average share.
    weights = {k: (observed[0][k][1] + observed[1][k][1]) / 2 for k in common}
    fixed_before = sum(weights[k] * observed[0][k][2] for k in common)
    fixed_after = sum(weights[k] * observed[1][k][2] for k in common)

    judged = proportion and n0 is not None and n1 is not None
    if not proportion:
        why = (f"{metric_name} is not a proportion: a segment table carries no measure of its noise, "
               "so the change is shown without an interval")
    elif not judged:
        why = ("the sample sizes n before and after are needed for an interval of a difference of "
               "proportions")
    else:
        why = ""
    sizes = (n0, n1)

    def terms(side: int, keys: Sequence[str], weight: dict[str, float] | None = None
              ) -> list[tuple[float, float, float]]:
        """(weight, metric, n × share) of each segment: what the MOVER interval adds up."""
        return [((weight or {}).get(k, observed[side][k][1]), observed[side][k][2],
                 sizes[side] * observed[side][k][1]) for k in keys]

    def difference(before: float, after: float, statistic: str,
                   pair: tuple[list, list] | None, no_interval: str = "") -> Difference:
        fields: dict[str, Any] = {"higher_is_better": higher_is_better, "level": level,
                                  "statistic": statistic,
                                  "n_before": None if n0 is None else int(n0),
                                  "n_after": None if n1 is None else int(n1)}
        if no_interval or not judged or pair is None:
            fields.update(_no_interval(no_interval or why))
        else:
            fields.update(_mover_difference(*pair, level))
        return Difference(before_median=before, after_median=after, change=after - before,
                          relative_change=_ratio(after - before, before), **fields)

    if common:
        overall = difference(fixed_before, fixed_after, "rate part",
                             (terms(0, common, weights), terms(1, common, weights)) if judged else None)
    else:
        overall = difference(fixed_before, fixed_after, "rate part", None, "no segment has traffic "
                             "in both tables: there is no per-segment rate to compare")
    total = difference(p0, p1, "total",
                       (terms(0, list(observed[0])), terms(1, list(observed[1]))) if judged else None)
    items = []
    for key in common:
        (name, w0, m0), (_, w1, m1) = observed[0][key], observed[1][key]
        pair = ([(1.0, m0, sizes[0] * w0)], [(1.0, m1, sizes[1] * w1)]) if judged else None
        items.append(Item(name, name, difference(m0, m1, "metric", pair)))

    unit = "%" if proportion else ""
    notes = [f"the table total moved {_signed(p1 - p0, unit, False)}: "
             f"{_signed(split.mix, unit, False)} from the traffic mix, "
             f"{_signed(split.rate, unit, False)} from per-segment rates; only the rate part counts "
             "as closing the gap"]
    if why:
        notes.append(why)
    elif common:
        notes.append("each segment's sample size is taken as n × its share of traffic (a segment "
                     "table has no per-segment n)")
        rough = any(min(c, n - c) < 5 for side in (0, 1)
                    for _, m, n in terms(side, common) for c in (n * m,))
        if rough:
            notes.append("fewer than 5 successes or failures in a segment (n × share × metric): "
                         "its interval is rough")
    only_before = [observed[0][k][0] for k in observed[0] if k not in observed[1]]
    only_after = [observed[1][k][0] for k in observed[1] if k not in observed[0]]
    for side, names in (("before", only_before), ("after", only_after)):
        if names:
            notes.append(f"{', '.join(names)} only in the {side} table: counted as traffic mix, not "
                         "compared segment by segment")
    if n1 is not None and n1 < SMALL_SAMPLE:
        notes.append(f"only {int(n1)} observations after: the interval is wide")
    for side, table in (("before", tables[0]), ("after", tables[1])):
        notes.extend(f"{side}: {note}" for note in table.notes)
    interval = ("95% interval: MOVER-Wilson (Newcombe's score method), each segment's n taken as "
                "n × its share" if judged else f"no interval ({why})")
    basis = ("Rate part of a Kitagawa split between the before and after tables: "
             f"{metric_name} at a fixed traffic mix (each segment weighted by its average share "
             f"before and after), so a change of mix alone is not a change; {interval}.")
    return SegmentComparison(
        overall=overall, items=tuple(items), notes=tuple(notes),
        what=f"{metric_name} at a fixed traffic mix (rate part)", unit=unit,
        n_label="observations", overall_label="fixed mix (rate)", basis=basis,
        gap_before=tables[0].observed_total - tables[0].expected_total,
        gap_after=tables[1].observed_total - tables[1].expected_total,
        higher_is_better=higher_is_better, total=total, mix=split.mix, rate=split.rate,
    )


# --------------------------------------------------------------------------------------------
# Requests: Kaplan–Meier restricted means over a common horizon


def restricted_mean(hours: Sequence[float] | np.ndarray, ended: Sequence[bool] | np.ndarray,
                    horizon: float) -> tuple[float, float]:
    """(μ(τ), variance): the Kaplan–Meier area ∫₀^τ S(t) dt and its Greenwood-type variance.

    ``hours``: each wait so far; ``ended``: True where it ended, False where still going
    (right-censored). Variance Σ_{tᵢ<τ} Aᵢ² dᵢ / (rᵢ (rᵢ − dᵢ)) with Aᵢ = ∫_{tᵢ}^τ S, dᵢ waits
    ending at tᵢ and rᵢ still waiting just before it; a step where everyone left ends (S = 0)
    adds nothing, since Aᵢ = 0 there. The area equals ``Survival.of(hours, ended).mean(τ)``.
    """
    hours = np.asarray(hours, dtype=float).ravel()
    ended = np.asarray(ended, dtype=bool).ravel()
    if hours.shape != ended.shape:
        raise ValueError("hours and ended must have the same length")
    if hours.size == 0:
        raise ValueError("no waits")
    ordered = np.sort(hours)
    times, done = np.unique(hours[ended & (hours < horizon)], return_counts=True)
    at_risk = ordered.size - np.searchsorted(ordered, times, side="left")
    levels = np.concatenate(([1.0], np.cumprod(1.0 - done / at_risk)))
    widths = np.diff(np.concatenate(([0.0], times, [float(horizon)])))
    area = float(levels @ widths)
    beyond = np.cumsum((levels[1:] * widths[1:])[::-1])[::-1]  # Aᵢ = ∫_{tᵢ}^τ S
    left = at_risk - done
    terms = np.divide(beyond ** 2 * done, at_risk * left, out=np.zeros_like(beyond),
                      where=left > 0)
    return area, float(terms.sum())


def restricted_mean_difference(before: tuple[np.ndarray, np.ndarray], after: tuple[np.ndarray, np.ndarray],
                               horizon: float, *, level: float = LEVEL, n_label: str = "requests",
                               statistic: str = "restricted mean") -> Difference:
    """μ₁(τ) − μ₀(τ) with the interval (μ₁ − μ₀) ± z·√(V₀ + V₁); each side (hours, ended).

    Fewer than ``SMALL_SAMPLE`` waits on a side: no interval (the variance is too small to trust).
    """
    (b_mean, b_var), (a_mean, a_var) = (restricted_mean(*side, horizon) for side in (before, after))
    n0, n1 = len(before[0]), len(after[0])
    fields: dict[str, Any] = {"n_before": n0, "n_after": n1, "statistic": statistic}
    if min(n0, n1) < SMALL_SAMPLE:
        side, n = ("before", n0) if n0 < SMALL_SAMPLE else ("after", n1)
        fields.update(_no_interval(f"only {n} {n_label} {side}: too few for a Kaplan–Meier "
                                   f"interval (at least {SMALL_SAMPLE} a side)"))
    else:
        z = _z(level)
        change = a_mean - b_mean
        half = z * math.sqrt(b_var + a_var)
        fields.update(low=change - half, high=change + half,
                      before_low=b_mean - z * math.sqrt(b_var), before_high=b_mean + z * math.sqrt(b_var),
                      after_low=a_mean - z * math.sqrt(a_var), after_high=a_mean + z * math.sqrt(a_var))
        if b_mean > 0:  # the change as a share of the before figure
            fields.update(relative_low=(change - half) / b_mean, relative_high=(change + half) / b_mean)
    return Difference(before_median=b_mean, after_median=a_mean, change=a_mean - b_mean,
                      relative_change=_ratio(a_mean - b_mean, b_mean), level=level,
                      **{"low": None, "high": None, **fields})


def _span(hours: float) -> str:
    """A horizon as people say it: '38.0 d', or '30.0 h' below two days."""
    return f"{hours / 24:.1f} d" if hours >= 48 else format_value(hours, "h")


def _median_text(curve: Survival) -> str:
    median = curve.quantile(0.5)
    if median.hours is not None:
        return _span(median.hours)
    return "unknown" if median.lower_bound is None else f"more than {_span(median.lower_bound)}"


def _immature(curves: tuple[Survival, Survival], horizon: float, what: str) -> str:
    """'' or why the slow tail is not compared: too many still waiting at the horizon."""
    waiting = [c.waiting_at_most(horizon) or 0.0 for c in curves]
    if max(waiting) <= IMMATURE_SHARE:
        return ""
    return (f"only the first {_span(horizon)} of each wait is compared, and {waiting[0]:.0%} of "
            f"{what} before and {waiting[1]:.0%} after waited longer: a change in the slow tail "
            "is not measured yet")


def _compared(before: tuple[np.ndarray, np.ndarray], after: tuple[np.ndarray, np.ndarray], *,
              level: float, what: str, statistic: str) -> tuple[Difference, float, tuple[Survival, Survival]]:
    curves = (Survival.of(*before), Survival.of(*after))
    horizon = min(c.longest for c in curves)
    diff = restricted_mean_difference(before, after, horizon, level=level,
                                      statistic=f"{statistic} over the first {_span(horizon)}")
    caveat = _immature(curves, horizon, what)
    if caveat:
        diff = Difference(**{**diff.__dict__, "caveat": caveat})
    return diff, horizon, curves


def _stage_waits(stage) -> tuple[np.ndarray, np.ndarray]:
    done, waiting = np.asarray(stage.durations, dtype=float), np.asarray(stage.open_ages_hours, dtype=float)
    return (np.concatenate((done, waiting)),
            np.concatenate((np.ones(done.size, bool), np.zeros(waiting.size, bool))))


def _as_of_text(analysis: AccessAnalysis) -> str:
    return "no as-of date" if analysis.as_of is None else f"as of {analysis.as_of:%Y-%m-%d %H:%M}"


def compare_requests(before: AccessAnalysis, after: AccessAnalysis, *,
                     level: float = LEVEL) -> RequestsComparison:
    """Time to access before vs after: Kaplan–Meier restricted means over the same horizon,
    overall and per stage (see the module doc). InputError when the logs cannot be compared."""
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, not {level!r}")
    if before.clock != after.clock:
        raise InputError(f"The before log is counted in {before.clock.describe()}, the after log in "
                         f"{after.clock.describe()}: analyse both with the same clock to compare them.")
    sides = []
    for side, analysis in (("before", before), ("after", after)):
        tta = analysis.time_to_access
        if analysis.source == "typed":
            raise InputError(f"The {side} figures are one typed request, not a log: a follow-up "
                             "compares two request logs.")
        if not tta.waits_hours:
            raise InputError(f"No request in the {side} log got access or is still waiting for it "
                             "(all were closed): there is no time to access to compare.")
        sides.append((np.asarray(tta.waits_hours, dtype=float), np.asarray(tta.waits_ended, dtype=bool)))
    overall, horizon, curves = _compared(sides[0], sides[1], level=level, what="requests",
                                         statistic="restricted mean")
    notes = [f"Kaplan–Meier median time to access: {_median_text(curves[0])} before, "
             f"{_median_text(curves[1])} after (to describe; the verdict is on the restricted "
             "mean)"]
    if overall.caveat:
        notes.append(overall.caveat)
    waiting = [int((~ended).sum()) for _, ended in sides]
    if any(waiting):
        notes.append(f"{waiting[0]:,} requests before and {waiting[1]:,} after were still waiting at "
                     "their log's as-of date: counted up to it (censored), not dropped")

    items = []
    for stage in before.stages:
        other = after.stage(stage.stage)
        none = (np.empty(0), np.empty(0, bool))
        waits = [_stage_waits(stage), _stage_waits(other) if other is not None else none]
        if not all(w[0].size for w in waits):
            if any(w[0].size for w in waits):
                side = "before" if waits[0][0].size else "after"
                notes.append(f"{stage.label}: waits only in the {side} log; not compared")
            continue
        diff, _, _ = _compared(waits[0], waits[1], level=level, what="them",
                               statistic="restricted mean")
        items.append(Item(stage.stage, stage.label, diff))
    notes.extend(_small_sample_notes(items, overall, "requests"))
    basis = (f"Kaplan–Meier restricted mean time to access (request → first use, the area under "
             f"the share still waiting) over the first {_span(horizon)}: the shorter log's longest "
             f"follow-up (before {_as_of_text(before)}, after {_as_of_text(after)}), so both "
             "curves are read over the same span. Requests still waiting count up to the as-of "
             "date (censored); those closed without access are left out. 95% interval: Greenwood "
             "variance, normal approximation. Each stage the same, over its own common follow-up; "
             f"{before.clock.describe()}.")
    medians = [c.quantile(0.5) for c in curves]
    return RequestsComparison(
        overall=overall, items=tuple(items), notes=tuple(notes),
        what=f"mean time to access over the first {_span(horizon)} (Kaplan–Meier restricted mean)",
        unit="h", n_label="requests", overall_label="time to access", basis=basis,
        time_to_access_before=medians[0].hours, time_to_access_after=medians[1].hours,
        time_to_access_before_more_than=None if medians[0].reached else medians[0].lower_bound,
        time_to_access_after_more_than=None if medians[1].reached else medians[1].lower_bound,
        accessed_before=int(sides[0][1].sum()), accessed_after=int(sides[1][1].sum()),
        waiting_before=waiting[0], waiting_after=waiting[1], horizon_hours=horizon,
        still_waiting_at_horizon_before=curves[0].waiting_at_most(horizon),
        still_waiting_at_horizon_after=curves[1].waiting_at_most(horizon),
    )


# --------------------------------------------------------------------------------------------
# Charts (pure: data in, Figure out)


def _outcome_colour(outcome: str) -> str:
    return {IMPROVED: AFTER_COLOUR, WORSE: WORSE_COLOUR}.get(outcome, BEFORE_COLOUR)


def _hours_axis(statistic: str) -> str:
    """The y axis of hours, naming the estimator the bars show."""
    if statistic.startswith("restricted mean"):
        return "hours (Kaplan–Meier restricted mean)"
    if statistic.startswith("mean"):
        return "hours (mean per run)"
    return f"hours ({statistic or 'median'})"


def before_after_chart(items: Sequence[tuple[str, Difference]], unit: str = "h",
                       title: str = "Before and after") -> go.Figure:
    """Per item a before bar (grey) and an after bar (blue; vermillion when worse) whose error bar is
    the after value's interval. The title ends with the first item's verdict (put the headline first).
    """
    labels = [plain(label) for label, _ in items]
    diffs = [diff for _, diff in items]
    after = [d.after_median for d in diffs]
    plus = [d.after_high - d.after_median if d.after_high is not None else 0.0 for d in diffs]
    minus = [d.after_median - d.after_low if d.after_low is not None else 0.0 for d in diffs]
    changes = [_change_text(d, unit) + ("" if d.has_interval else " (no interval)") for d in diffs]
    value_format = ".1%" if unit == "%" else ".1f"
    suffix = "" if unit in ("%", "") else f" {unit}"
    traces = [go.Bar(
        x=labels, y=[d.before_median for d in diffs], name="before", marker_color=BEFORE_COLOUR,
        hovertemplate=f"%{{x}} before: %{{y:{value_format}}}{suffix}<extra></extra>",
    ), go.Bar(
        x=labels, y=after, name="after",
        marker_color=[WORSE_COLOUR if d.outcome == WORSE else AFTER_COLOUR for d in diffs],
        error_y={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus,
                 "visible": True, "color": palette.REFERENCE, "thickness": 1.5},
        customdata=[[c, d.outcome] for c, d in zip(changes, diffs, strict=True)],
        hovertemplate=(f"%{{x}} after: %{{y:{value_format}}}{suffix}<br>change %{{customdata[0]}}"
                       "<br>%{customdata[1]}<extra></extra>"),
    )]
    axis = {"%": "share", "": "value"}.get(unit) or _hours_axis(diffs[0].statistic if diffs else "")
    title = plain(title)
    heading = f"{title}: {diffs[0].outcome}" if diffs else title
    said = (f"{items[0][0]}: {diffs[0].before_median:{value_format}}{suffix} before, "
            f"{diffs[0].after_median:{value_format}}{suffix} after, {changes[0]}, {diffs[0].outcome}"
            + (f"; {len(diffs) - 1} more measure{'s' if len(diffs) > 2 else ''} beside it." if len(diffs) > 1
               else ".")) if diffs else "Nothing measured before and after yet."
    return figure(traces, heading, height=380, barmode="group", headline=said,
                  yaxis={"title": axis, "rangemode": "tozero"}
                  | ({"tickformat": ".0%"} if unit == "%" else {}))


def change_chart(items: Sequence[tuple[str, Difference]], title: str = "Change, with its interval",
                 *, relative: bool = True, unit: str = "h") -> go.Figure:
    """Forest plot: each item's change (relative by default) with its interval, and a zero line.

    Items without the chosen kind of change (relative needs a non-zero before) are left out;
    items without an interval show a point without whiskers.
    """
    rows = []
    for label, d in items:
        point = d.relative_change if relative else d.change
        if point is None:
            continue
        low, high = (d.relative_low, d.relative_high) if relative else (d.low, d.high)
        rows.append((plain(label), point, low, high, d.outcome))
    rows.reverse()  # the first item on top
    plus = [high - point if high is not None else 0.0 for _, point, _, high, _ in rows]
    minus = [point - low if low is not None else 0.0 for _, point, low, _, _ in rows]
    points = go.Scatter(
        x=[r[1] for r in rows], y=[r[0] for r in rows], mode="markers", showlegend=False,
        marker={"size": 12, "color": [_outcome_colour(r[4]) for r in rows]},
        error_x={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus,
                 "visible": True, "color": palette.REFERENCE, "thickness": 1.5},
        customdata=[[r[4]] for r in rows],
        hovertemplate="%{y}: %{x:+.1%}<br>%{customdata[0]}<extra></extra>" if relative
        else "%{y}: %{x:+.2f}<br>%{customdata[0]}<extra></extra>",
    )
    better = "higher is better" if items and items[0][1].higher_is_better else "lower is better"
    if relative:
        xaxis = {"title": f"change vs before ({better})", "tickformat": "+.0%"}
    else:
        xaxis = {"title": f"change{f' ({unit})' if unit and unit != '%' else ''} ({better})"}
        xaxis |= {"tickformat": "+.1%"} if unit == "%" else {}
    if rows:
        name, point, low, high, outcome = rows[-1]  # the first item
        shown = (lambda v: f"{v:+.0%}") if relative or unit == "%" else (lambda v: f"{v:+.2f}")
        said = (f"{items[0][0]} changed {shown(point)}"
                + (f" (95% interval {shown(low)} to {shown(high)})" if low is not None and high is not None
                   else " (no interval)") + f": {outcome}.")
    else:
        said = "No change to show: nothing has a before value to compare with."
    return figure([points], plain(title), height=120 + 48 * max(len(rows), 1), xaxis=xaxis,
                  headline=said, **reference_line(x=0, width=1.5))
