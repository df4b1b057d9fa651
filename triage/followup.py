"""Follow-up: did the fix help? "After" measurements against the plan's "before", with intervals.

A plan promises that iteration gets faster, that a metric gap closes or that data access gets
quicker. Weeks later the team uploads new data; this module says whether the change is larger
than the noise, so that a lucky week is not read as success.

Statistics (the contract; tests check each of them):

* **Medians with a percentile bootstrap.** :func:`bootstrap_median_ci` takes ``resamples``
  medians of resamples with replacement and the ``(1 − level)/2`` and ``(1 + level)/2``
  percentiles of them (numpy's linear interpolation). A resampled median is drawn directly
  instead of building the resample: with the values sorted, the k-th smallest resampled value is
  ``sorted[⌊n·U₍ₖ₎⌋]``, where U₍ₖ₎ ~ Beta(k, n − k + 1) is the k-th smallest of n uniforms, and
  for an even n the next one is U₍ₖ₎ + (1 − U₍ₖ₎)·Beta(1, n − k). That is the same distribution
  as resampling (tests compare with exhaustive enumeration and with scipy's bootstrap) at
  O(n log n + resamples) instead of O(n · resamples): 10,000 waits per side in milliseconds.
  :func:`bootstrap_median_difference` resamples before and after independently; the interval
  of the change is the percentile interval of ``median(after*) − median(before*)``, the relative
  interval that of
  ``median(after*) / median(before*) − 1``. Both come from the same resamples, so they agree on
  whether zero is inside. Fewer than two values on a side give no interval (one value cannot
  show noise). Seeded with ``numpy.random.default_rng(seed)``: same input, same numbers; no wall
  clock, no global state.
* **Verdict.** "improved" when the whole interval of the change lies on the better side of zero,
  "worse" when it lies on the worse side, "no clear change" when it includes zero, "not judged"
  when there is no interval (and the sentence says why).
* **Runs** (:func:`compare_runs`): a run's total is the sum of its stage hours (retries included,
  hand-offs too when both files show them). The headline is the median run total — it can be
  bootstrapped over runs — which is close to, but not the same as, the page's iteration time
  (the sum of stage medians); both are reported. Per stage: the per-run hours of runs that have
  the stage. Lower is better.
* **Segments** (:func:`compare_segments`): the table total Σ share × metric of each table
  (``decompose(...).observed_total``). For a proportion with both sample sizes the interval is
  the normal approximation of a difference of two proportions,
  ``(p₁ − p₀) ± z·√(p₀(1−p₀)/n₀ + p₁(1−p₁)/n₁)``; otherwise the change has no interval and the
  comparison says why. Per segment: the change of its observed metric (no interval: a segment
  table has no per-segment sample size).
* **Requests** (:func:`compare_requests`): :class:`~triage.access.AccessAnalysis` exposes each
  stage's completed waits (``durations``) but not the per-request time to access (only its
  median). So per stage the waits are bootstrapped; the headline is the typical request — the
  sum of the stage medians over the stages measured on both sides — whose interval comes from
  bootstrapping each stage's median independently (stage k draws from the stream
  ``default_rng([seed, k])``) and summing them per resample. Independence
  ignores that one slow request is often slow in several stages, so the interval may be a
  little narrow; the medians of time to access are reported alongside, without an interval.
  Lower is better.

Charts are pure functions returning ``plotly.graph_objects.Figure`` (graph_objects only).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import plotly.graph_objects as go

from triage.access import AccessAnalysis
from triage.charts import figure, plain, reference_line
from triage.gap import decompose, segment_rows
from triage.iteration import RunsData
from triage.tabular import InputError
from triage.vocabulary import CANONICAL_STAGES, stage_label

BEFORE_COLOUR = "#999999"
AFTER_COLOUR = "#0072B2"
WORSE_COLOUR = "#D55E00"

IMPROVED = "improved"
WORSE = "worse"
NO_CLEAR_CHANGE = "no clear change"
NOT_JUDGED = "not judged"

SMALL_SAMPLE = 5  # fewer values than this after the change: the interval is wide, say so
RESAMPLES = 2000
LEVEL = 0.95
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
    statistic: str = "median"  # "median" | "sum of medians" | "total" | "metric"
    why_no_interval: str = ""

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
            return Verdict(outcome, f"{base}: no clear change{n}.")
        better = diff.change > 0 if diff.higher_is_better else diff.change < 0
        tail = "too early to call it a success" if better else "not clearly worse either"
        return Verdict(outcome, f"{base}, but the interval includes no change: {tail}{n}.")
    why = diff.why_no_interval or "no interval"
    return Verdict(outcome, f"{base}; no interval ({why}), so it cannot be told apart from noise{n}.")


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
    n_label: str  # what n counts: "runs", "completed requests"
    overall_label: str

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
    iteration_hours_before: float = 0.0  # the page's figure: the sum of stage medians
    iteration_hours_after: float = 0.0


@dataclass(frozen=True)
class SegmentComparison(Comparison):
    gap_before: float = 0.0  # observed − expected total of each table
    gap_after: float = 0.0
    higher_is_better: bool = True

    @property
    def gap_closed(self) -> float | None:
        """Share of the before shortfall that is gone (1 = closed, < 0 = widened); None if none."""
        sign = 1 if self.higher_is_better else -1
        before, after = -sign * self.gap_before, -sign * self.gap_after
        return 1 - after / before if before > 0 else None


@dataclass(frozen=True)
class RequestsComparison(Comparison):
    time_to_access_before: float | None = None  # median over requests that got access
    time_to_access_after: float | None = None
    accessed_before: int = 0
    accessed_after: int = 0


def _stage_order(stages: Sequence[str]) -> list[str]:
    known = [s for s in CANONICAL_STAGES if s in stages]
    others = [s for s in dict.fromkeys(stages) if s not in CANONICAL_STAGES and s != "handoff"]
    return known + others + (["handoff"] if "handoff" in stages else [])


def _labels(stages: Sequence[str]) -> str:
    names = [stage_label(s) for s in stages]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _small_sample_notes(items: Sequence[Item], overall: Difference, n_label: str) -> list[str]:
    notes = []
    for side, n in (("before", overall.n_before), ("after", overall.n_after)):
        if n is not None and n < SMALL_SAMPLE:
            notes.append(f"only {n} {n_label} {side}: the interval is wide; collect more before "
                         "calling it")
    thin = [i.key for i in items if i.difference.n_after is not None and i.difference.n_after < SMALL_SAMPLE]
    if thin:
        notes.append(f"fewer than {SMALL_SAMPLE} {n_label} after for {_labels(thin)}: "
                     "their intervals are wide")
    return notes


def compare_runs(before: RunsData, after: RunsData, *, seed: int = 0, resamples: int = RESAMPLES,
                 level: float = LEVEL) -> RunsComparison:
    """Per-run total hours before vs after (overall), and per stage the per-run hours."""
    notes: list[str] = []
    frames = [before.per_run, after.per_run]
    with_handoff = ["handoff" in set(f["stage"]) for f in frames]
    if any(with_handoff) and not all(with_handoff):
        side = "before" if with_handoff[0] else "after"
        notes.append(f"only the {side} runs show hand-off gaps (the other file shows none: no "
                     "start and end times, or no gaps): hand-offs are left out of the run totals on "
                     "both sides")
        frames = [f[f["stage"] != "handoff"] for f in frames]
    totals = [f.groupby("run_id")["hours"].sum().to_numpy() for f in frames]
    overall = bootstrap_median_difference(*totals, seed=seed, resamples=resamples, level=level)
    stages_before, stages_after = (list(dict.fromkeys(f["stage"])) for f in frames)
    items = []
    for stage in _stage_order(stages_before + stages_after):
        values = [f.loc[f["stage"] == stage, "hours"].to_numpy() for f in frames]
        if not all(v.size for v in values):
            continue
        items.append(Item(stage, stage_label(stage), bootstrap_median_difference(
            *values, seed=seed, resamples=resamples, level=level)))
    for side, own, other in (("before", stages_before, stages_after),
                             ("after", stages_after, stages_before)):
        missing = [s for s in _stage_order(own) if s not in other]
        if missing:
            notes.append(f"{_labels(missing)} only in the {side} runs: not compared stage by stage")
    notes.extend(_small_sample_notes(items, overall, "runs"))
    return RunsComparison(
        overall=overall, items=tuple(items), notes=tuple(notes), what="median iteration time",
        unit="h", n_label="runs", overall_label="whole run",
        iteration_hours_before=before.analysis.iteration_hours,
        iteration_hours_after=after.analysis.iteration_hours,
    )


def _proportion_interval(p0: float, n0: float, p1: float, n1: float, level: float) -> dict[str, Any]:
    z = NormalDist().inv_cdf((1 + level) / 2)
    var0, var1 = p0 * (1 - p0) / n0, p1 * (1 - p1) / n1
    half = z * math.sqrt(var0 + var1)
    change = p1 - p0
    fields: dict[str, Any] = {
        "low": change - half, "high": change + half,
        "before_low": p0 - z * math.sqrt(var0), "before_high": p0 + z * math.sqrt(var0),
        "after_low": p1 - z * math.sqrt(var1), "after_high": p1 + z * math.sqrt(var1),
    }
    if p0 > 0:  # relative to the before total, taken as fixed
        fields["relative_low"], fields["relative_high"] = (change - half) / p0, (change + half) / p0
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


def compare_segments(before_records: Sequence[dict[str, Any]], after_records: Sequence[dict[str, Any]], *,
                     metric_kind: str = "proportion", n_before: float | None = None,
                     n_after: float | None = None, higher_is_better: bool = True,
                     metric_name: str = "the metric", level: float = LEVEL) -> SegmentComparison:
    """Table total Σ share × metric of the before and after segment tables, and per segment.

    Records as typed or read by :func:`triage.gap.read_segments`; InputError on an unusable table.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, not {level!r}")
    rows_before, rows_after = segment_rows(before_records), segment_rows(after_records)
    tables = [decompose(rows_before), decompose(rows_after)]
    p0, p1 = (t.observed_total for t in tables)
    n0, n1 = _count(n_before, "before"), _count(n_after, "after")
    proportion = metric_kind == "proportion"
    notes: list[str] = []
    if proportion:
        for side, total in (("before", p0), ("after", p1)):
            if not 0 <= total <= 1:
                raise InputError(f"segment table {side}: the total Σ share × metric is {total:g}, not "
                                 "a proportion between 0 and 1 (type 4.5% as 0.045), or choose "
                                 "'another metric'")
    fields: dict[str, Any] = {"higher_is_better": higher_is_better, "statistic": "total",
                              "n_before": None if n0 is None else int(n0),
                              "n_after": None if n1 is None else int(n1)}
    if not proportion:
        why = (f"{metric_name} is not a proportion: a segment table carries no measure of its noise, "
               "so the change is shown without an interval")
        fields.update(_no_interval(why))
    elif n0 is None or n1 is None:
        fields.update(_no_interval("the sample sizes n before and after are needed for an interval "
                                   "of a difference of two proportions"))
    else:
        fields.update(_proportion_interval(p0, n0, p1, n1, level))
        if min(n0 * min(p0, 1 - p0), n1 * min(p1, 1 - p1)) < 5:
            notes.append("fewer than 5 successes or failures on a side: the normal approximation "
                         "of the interval is rough")
    if fields.get("why_no_interval"):
        notes.append(fields["why_no_interval"])
    overall = Difference(before_median=p0, after_median=p1, change=p1 - p0,
                         relative_change=_ratio(p1 - p0, p0), level=level, **fields)

    after_by_name = {r.segment.strip().casefold(): r for r in rows_after}
    items = []
    for row in rows_before:
        match = after_by_name.get(row.segment.strip().casefold())
        if match is None or row.observed_metric is None or match.observed_metric is None:
            continue
        m0, m1 = row.observed_metric, match.observed_metric
        items.append(Item(row.segment, row.segment, Difference(
            before_median=m0, after_median=m1, change=m1 - m0, relative_change=_ratio(m1 - m0, m0),
            level=level, higher_is_better=higher_is_better, statistic="metric",
            **_no_interval("a segment table has no per-segment sample size"))))
    names_before = {r.segment.strip().casefold() for r in rows_before}
    only_before = [r.segment for r in rows_before if r.segment.strip().casefold() not in after_by_name]
    only_after = [r.segment for r in rows_after if r.segment.strip().casefold() not in names_before]
    for side, names in (("before", only_before), ("after", only_after)):
        if names:
            notes.append(f"{', '.join(names)} only in the {side} table: not compared segment by segment")
    if n1 is not None and n1 < SMALL_SAMPLE:
        notes.append(f"only {int(n1)} observations after: the interval is wide")
    for side, table in (("before", tables[0]), ("after", tables[1])):
        notes.extend(f"{side}: {note}" for note in table.notes)
    unit = "%" if proportion else ""
    return SegmentComparison(
        overall=overall, items=tuple(items), notes=tuple(notes), what=f"{metric_name} (table total)",
        unit=unit, n_label="observations", overall_label="table total",
        gap_before=tables[0].observed_total - tables[0].expected_total,
        gap_after=tables[1].observed_total - tables[1].expected_total,
        higher_is_better=higher_is_better,
    )


def compare_requests(before: AccessAnalysis, after: AccessAnalysis, *, seed: int = 0,
                     resamples: int = RESAMPLES, level: float = LEVEL) -> RequestsComparison:
    """Per stage: completed waits before vs after; overall: the sum of stage medians (see module doc)."""
    _check(resamples, level)
    if before.clock != after.clock:
        raise InputError(f"The before log is counted in {before.clock.describe()}, the after log in "
                         f"{after.clock.describe()}: analyse both with the same clock to compare them.")
    notes: list[str] = []
    items, common = [], []
    for stage in before.stages:
        other = after.stage(stage.stage)
        if other is None or not stage.durations or not other.durations:
            if stage.durations or (other is not None and other.durations):
                side = "before" if stage.durations else "after"
                notes.append(f"{stage.label}: completed waits only {side}; not compared and left "
                             "out of the typical request")
            continue
        common.append((stage, other))
        items.append(Item(stage.stage, stage.label, bootstrap_median_difference(
            stage.durations, other.durations, seed=seed, resamples=resamples, level=level)))
    if not common:
        raise InputError("No stage has completed waits both before and after: nothing to compare yet.")

    fields: dict[str, Any] = {"statistic": "sum of medians",
                              "n_before": min(len(s.durations) for s, _ in common),
                              "n_after": min(len(o.durations) for _, o in common)}
    before_point = float(sum(np.median(s.durations) for s, _ in common))
    after_point = float(sum(np.median(o.durations) for _, o in common))
    if min(fields["n_before"], fields["n_after"]) < 2:
        overall = _from_draws(before_point, after_point, None, None, level=level, **fields,
                              **_no_interval("a stage has a single completed wait on one side"))
    else:
        sums = [np.zeros(int(resamples)), np.zeros(int(resamples))]
        for k, pair in enumerate(common):
            # Each stage its own stream (seed, k): stages are resampled independently, and the
            # index patterns of two stages with the same n never coincide.
            rng = np.random.default_rng([seed, k])
            for side, stage in enumerate(pair):
                sums[side] += _resampled_medians(np.asarray(stage.durations, dtype=float), rng,
                                                 int(resamples))
        overall = _from_draws(before_point, after_point, sums[0], sums[1], level=level, **fields)
    if len(common) < len(before.stages):
        notes.append(f"the typical request adds the medians of {len(common)} of {len(before.stages)} "
                     "stages: those measured on both sides")
    waiting = sum(s.open for s in after.stages)
    if waiting:
        notes.append(f"{waiting} requests are still waiting in the after log: their waits are not "
                     "in the medians yet, so the after figures may look faster than they will end up")
    notes.extend(_small_sample_notes(items, overall, "completed requests"))
    return RequestsComparison(
        overall=overall, items=tuple(items), notes=tuple(notes),
        what="typical time to access (sum of stage medians)", unit="h", n_label="completed requests",
        overall_label="typical request",
        time_to_access_before=before.time_to_access.median_hours,
        time_to_access_after=after.time_to_access.median_hours,
        accessed_before=before.time_to_access.n, accessed_after=after.time_to_access.n,
    )


# --------------------------------------------------------------------------------------------
# Charts (pure: data in, Figure out)


def _outcome_colour(outcome: str) -> str:
    return {IMPROVED: AFTER_COLOUR, WORSE: WORSE_COLOUR}.get(outcome, BEFORE_COLOUR)


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
                 "visible": True, "color": "#333333", "thickness": 1.5},
        customdata=[[c, d.outcome] for c, d in zip(changes, diffs, strict=True)],
        hovertemplate=(f"%{{x}} after: %{{y:{value_format}}}{suffix}<br>change %{{customdata[0]}}"
                       "<br>%{customdata[1]}<extra></extra>"),
    )]
    axis = {"%": "share", "": "value", "h": "hours (median)"}.get(unit, unit)
    title = plain(title)
    headline = f"{title}: {diffs[0].outcome}" if diffs else title
    return figure(traces, headline, height=380, barmode="group",
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
                 "visible": True, "color": "#333333", "thickness": 1.5},
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
    return figure([points], plain(title), height=120 + 48 * max(len(rows), 1), xaxis=xaxis,
                  **reference_line(x=0, colour="#333333", width=1.5))
