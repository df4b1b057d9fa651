"""Scenario "a launched model underperforms": is the gap real, and where is the metric lost?

Two pure analyses:

* :func:`gap_vs_noise` tests observed − expected against sampling noise (:mod:`triage.noise`):
  for a proportion from n (exact binomial against a known expectation, a two-sample score test
  against one measured with its n); for any other metric from typed standard errors (Welch).
* :func:`decompose` splits the table's total change into traffic mix and per-segment rate, and the
  rate further into fallback and model parts (DESIGN §2, the contract):

      mix_s  = (w1 − w0) · (m0 + m1) / 2          rate_s = (m1 − m0) · (w0 + w1) / 2
      q      = (m1 − f·b) / (1 − f)                the model-served metric inside segment s
      fallback_s = f · (b − q) · (w0 + w1) / 2     model_s = (q − m0) · (w0 + w1) / 2

  Σ mix + Σ rate = M1 − M0 exactly, and fallback_s + model_s = rate_s. The fallback part is taken
  first because fixing timeouts helps today's model whatever else is wrong with it; with f = 1 the
  whole rate change is fallback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from triage.noise import ALPHA, NoiseError, proportion_test, welch
from triage.tabular import InputError, read_table

ALL_FALLBACK_TOLERANCE = 1e-6
SEGMENT_COLUMNS = ("segment", "expected_share", "observed_share", "expected_metric",
                   "observed_metric")
SEGMENT_OPTIONAL = ("fallback_share", "fallback_metric")


# --------------------------------------------------------------------------------------------
# Is the gap real?


@dataclass(frozen=True)
class MetricInput:
    name: str
    expected: float
    observed: float
    kind: str = "proportion"  # "proportion" (noise from n) or "other" (standard errors typed)
    higher_is_better: bool = True
    n_expected: float | None = None
    n_observed: float | None = None
    se_expected: float | None = None
    se_observed: float | None = None


@dataclass(frozen=True)
class GapVerdict:
    """Observed − expected and whether it is beyond sampling noise (see :mod:`triage.noise`).

    ``p_value`` and ``interval`` (95%, of observed − expected) come from the test in ``method``;
    all three are None/empty when noise cannot be judged, and ``why_unknown`` says why.
    """

    gap: float  # observed − expected, signed
    shortfall: float  # how much worse online is (negative when online is better)
    standard_error: float | None  # of the gap as the test uses it; None when undefined
    why_unknown: str = ""
    method: str = ""
    p_value: float | None = None
    interval: tuple[float, float] | None = None
    z: float | None = None  # the test statistic: score z, or Welch's t

    @property
    def noise_known(self) -> bool:
        return self.p_value is not None

    @property
    def significant(self) -> bool | None:
        """True when p < 0.05; None when noise cannot be judged."""
        return None if self.p_value is None else self.p_value < ALPHA


def as_finite(value: Any) -> float | None:
    """A finite float from a typed or parsed value; None for blanks, text, NaN and infinities."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def metric_problems(metric: MetricInput) -> list[str]:
    """What is wrong with the typed metric, in words; empty when it can be used."""
    problems = []
    if metric.kind == "proportion":
        for label, value in (("expected", metric.expected), ("observed", metric.observed)):
            if not 0 <= value <= 1:
                problems.append(f"{metric.name} {label} is {value:g}: a proportion lies between 0 "
                                "and 1 (type 4.5% as 0.045), or choose 'another metric'")
    for label, value in (("n expected", metric.n_expected), ("n observed", metric.n_observed),
                         ("standard error expected", metric.se_expected),
                         ("standard error observed", metric.se_observed)):
        if value is not None and value < 0:
            problems.append(f"{label} cannot be negative ({value:g})")
    return problems


def gap_vs_noise(metric: MetricInput) -> GapVerdict:
    """The gap and its noise test: exact binomial against a known expectation, a two-sample
    score test against one measured with its n, Welch on typed standard errors otherwise."""
    gap = metric.observed - metric.expected
    shortfall = -gap if metric.higher_is_better else gap
    if metric.kind == "proportion":
        if not metric.n_observed:
            return GapVerdict(gap, shortfall, None, "the online sample size n is missing")
        try:
            # An offline or shadow figure with its own n is noisy too; without n it is exact.
            result = proportion_test(metric.observed, metric.n_observed, metric.expected,
                                     metric.n_expected or None)
        except NoiseError as err:
            return GapVerdict(gap, shortfall, None, str(err))
    else:
        if metric.se_expected is None and metric.se_observed is None:
            return GapVerdict(gap, shortfall, None,
                              f"{metric.name} is not a proportion: type its standard error (or "
                              "an interval) to judge noise")
        try:
            result = welch(metric.observed, metric.se_observed, metric.expected,
                           metric.se_expected, metric.n_observed, metric.n_expected)
        except NoiseError as err:
            return GapVerdict(gap, shortfall, None, str(err))
    return GapVerdict(gap, shortfall, result.standard_error, method=result.method,
                      p_value=result.p_value, interval=result.interval, z=result.statistic)


# --------------------------------------------------------------------------------------------
# Where is the metric lost?


@dataclass(frozen=True)
class SegmentRow:
    segment: str
    expected_share: float
    observed_share: float
    expected_metric: float | None  # None: a segment new online, counted as mix only
    observed_metric: float | None
    fallback_share: float | None = None
    fallback_metric: float | None = None


@dataclass(frozen=True)
class SegmentPart:
    segment: str
    w0: float
    w1: float
    m0: float
    m1: float
    mix: float
    fallback: float
    model: float
    new_online: bool = False

    @property
    def rate(self) -> float:
        return self.fallback + self.model

    @property
    def total(self) -> float:
        return self.mix + self.rate


@dataclass(frozen=True)
class Decomposition:
    segments: tuple[SegmentPart, ...]
    expected_total: float  # Σ w0·m0 of the table
    observed_total: float  # Σ w1·m1 of the table
    notes: tuple[str, ...] = ()

    @property
    def mix(self) -> float:
        return sum(s.mix for s in self.segments)

    @property
    def fallback(self) -> float:
        return sum(s.fallback for s in self.segments)

    @property
    def model(self) -> float:
        return sum(s.model for s in self.segments)

    @property
    def rate(self) -> float:
        return self.fallback + self.model

    @property
    def change(self) -> float:
        return self.observed_total - self.expected_total

    def simpson(self) -> bool:
        """Every segment moved one way (within, by rate) and the total moved the other.

        Symmetric in the metric's direction: it is a paradox whichever way is better.
        """
        moves = [s.m1 - s.m0 for s in self.segments if not s.new_online]
        if not moves or abs(self.change) < 1e-12:
            return False
        all_up = all(m >= 0 for m in moves) and any(m > 0 for m in moves)
        all_down = all(m <= 0 for m in moves) and any(m < 0 for m in moves)
        return (all_up and self.change < 0) or (all_down and self.change > 0)


@dataclass(frozen=True)
class Concentration:
    """Where one part of the loss sits: segments by their share of that part's loss."""

    component: str  # "fallback" or "model"
    loss: float  # the part's loss summed over the segments that lost (metric units, > 0)
    segments: tuple[tuple[str, float], ...]  # (segment, share of ``loss``), largest first

    @property
    def top(self) -> tuple[str, float]:
        return self.segments[0]

    def named(self) -> tuple[tuple[str, float], ...]:
        """The segments worth naming: the largest, and the next one too when the largest holds
        less than half of the loss (then one name alone would mislead)."""
        first = self.segments[:1]
        if first and first[0][1] < 0.5 and len(self.segments) > 1:
            return tuple(self.segments[:2])
        return tuple(first)

    def text(self) -> str:
        """e.g. '85% in partner-api', '45% in ios-app, 42% in android-app' or 'all in web'."""
        named = self.named()
        if len(named) == 1 and named[0][1] >= 0.995:
            return f"all in {named[0][0]}"
        return ", ".join(f"{share:.0%} in {segment}" for segment, share in named)


def concentration(decomposition: Decomposition, component: str, higher_is_better: bool = True
                  ) -> Concentration | None:
    """The segments holding the ``component`` ("fallback" or "model") part of the loss.

    A segment's loss is −sign × its part (sign +1 when higher is better); shares are of the loss
    summed over the segments that lost, so they lie in 0..1 and add up to 1 even when another
    segment gained. None when no segment lost on that part.
    """
    sign = 1 if higher_is_better else -1
    losses = [(s.segment, max(-sign * getattr(s, component), 0.0))
              for s in decomposition.segments]
    total = sum(loss for _, loss in losses)
    if total <= 1e-15:
        return None
    ranked = sorted(((name, loss / total) for name, loss in losses if loss > 0),
                    key=lambda item: -item[1])
    return Concentration(component, total, tuple(ranked))


def decimals_for(scale: float, significant: int = 3) -> int:
    """Fixed decimals that show ``scale`` (e.g. the gap) with ``significant`` digits: 0.0069 → 5.

    One number of decimals per table or chart keeps columns comparable and never falls into
    scientific notation (−4.49e-05 reads as −0.00004 next to a 0.0069 gap).
    """
    if not scale or not math.isfinite(scale):
        return 4
    return int(min(10, max(0, significant - 1 - math.floor(math.log10(abs(scale))))))


def fixed(value: float, decimals: int, signed: bool = False) -> str:
    """``value`` with ``decimals`` fixed decimals; a value that rounds to zero reads 0, unsigned."""
    text = f"{value:+.{decimals}f}" if signed else f"{value:.{decimals}f}"
    if float(text) == 0:
        text = f"{0:.{decimals}f}"
    return text


def _normalised(values: Sequence[float], label: str) -> tuple[list[float], str]:
    total = sum(values)
    if any(v < 0 for v in values):
        raise InputError(f"segment table: {label} cannot be negative; use shares or counts ≥ 0")
    if total <= 0:
        raise InputError(f"segment table: the {label} column adds up to zero; give each "
                         "segment's share of traffic (or its count)")
    note = ""
    if abs(total - 1) > 1e-6:
        note = f"{label} added up to {total:g}; they were normalised to shares of 1"
    return [v / total for v in values], note


def decompose(rows: Sequence[SegmentRow]) -> Decomposition:
    """Mix, fallback and model parts per segment; raises InputError on an unusable table."""
    if not rows:
        raise InputError("segment table: no segments; add one row per segment")
    w0s, note0 = _normalised([r.expected_share for r in rows], "expected shares")
    w1s, note1 = _normalised([r.observed_share for r in rows], "observed shares")
    notes = [n for n in (note0, note1) if n]
    parts = []
    for row, w0, w1 in zip(rows, w0s, w1s, strict=True):
        # A segment with no online traffic may lack observed_metric: it only leaves the mix.
        if row.observed_metric is None and w1 > 0:
            raise InputError(f"segment table: '{row.segment}' has online traffic but no "
                             "observed_metric")
        m1 = row.observed_metric if row.observed_metric is not None else row.expected_metric
        new_online = row.expected_metric is None
        m0 = m1 if new_online else row.expected_metric
        if m0 is None or m1 is None:
            raise InputError(f"segment table: '{row.segment}' needs at least one metric")
        if new_online:
            notes.append(f"'{row.segment}' has no expected metric: counted as traffic mix only")
        weight = (w0 + w1) / 2
        mix = (w1 - w0) * (m0 + m1) / 2
        fallback = 0.0
        model = (m1 - m0) * weight
        f, b = row.fallback_share, row.fallback_metric
        if f is not None and f > 0 and b is not None and not new_online:
            # q = (m1 − f·b)/(1 − f) is ill-conditioned as f → 1 (the model serves almost
            # nothing): below one-in-a-million model traffic, treat the segment as all fallback.
            if f >= 1 - ALL_FALLBACK_TOLERANCE:
                fallback, model = model, 0.0  # all traffic fell back: the rate change is fallback
            else:
                q = (m1 - f * b) / (1 - f)
                fallback = f * (b - q) * weight
                model = (q - m0) * weight
        parts.append(SegmentPart(row.segment, w0, w1, m0, m1, mix, fallback, model, new_online))
    expected_total = sum(p.w0 * p.m0 for p in parts)
    observed_total = sum(p.w1 * p.m1 for p in parts)
    return Decomposition(tuple(parts), expected_total, observed_total, tuple(notes))


def _cell(value: Any, column: str, segment: str, *, low: float | None = None,
          high: float | None = None) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    number = as_finite(value.replace(",", ".") if isinstance(value, str) else value)
    if number is None:
        raise InputError(f"segment table: '{segment}' {column} is '{value}', not a number")
    if low is not None and number < low:
        raise InputError(f"segment table: '{segment}' {column} is {number:g}; it cannot be "
                         f"below {low:g}")
    if high is not None and number > high:
        raise InputError(f"segment table: '{segment}' {column} is {number:g}; it cannot be "
                         f"above {high:g}")
    return number


def segment_rows(records: Sequence[Mapping[str, Any]]) -> list[SegmentRow]:
    """Typed or uploaded rows → SegmentRow; blank rows are ignored, bad cells named."""
    rows = []
    for index, record in enumerate(records, start=1):
        name = str(record.get("segment") or "").strip()
        values = [record.get(c) for c in SEGMENT_COLUMNS[1:] + SEGMENT_OPTIONAL]
        if not name and all(v in (None, "") or (isinstance(v, float) and math.isnan(v))
                            for v in values):
            continue
        name = name or f"row {index}"
        w0 = _cell(record.get("expected_share"), "expected_share", name, low=0)
        w1 = _cell(record.get("observed_share"), "observed_share", name, low=0)
        rows.append(SegmentRow(
            segment=name,
            expected_share=w0 or 0.0,
            observed_share=w1 or 0.0,
            expected_metric=_cell(record.get("expected_metric"), "expected_metric", name),
            observed_metric=_cell(record.get("observed_metric"), "observed_metric", name),
            fallback_share=_cell(record.get("fallback_share"), "fallback_share", name, low=0,
                                 high=1),
            fallback_metric=_cell(record.get("fallback_metric"), "fallback_metric", name),
        ))
    return rows


def read_segments(data: bytes, name: str = "segments.csv") -> list[dict[str, Any]]:
    """A segment CSV as records (strings); validated later by :func:`segment_rows`."""
    table = read_table(data, name=name, required=SEGMENT_COLUMNS)
    columns = [c for c in SEGMENT_COLUMNS + SEGMENT_OPTIONAL if c in table.frame]
    return table.frame[columns].to_dict("records")


@dataclass(frozen=True)
class Waterfall:
    """The gap drawn from expected to observed, bar by bar; the bars sum to the gap."""

    expected: float
    observed: float
    steps: tuple[tuple[str, float, str], ...]  # (label, value, meaning)

    @property
    def unexplained(self) -> float:
        return next((v for label, v, _ in self.steps if label == "unexplained"), 0.0)


def waterfall(decomposition: Decomposition, typed: MetricInput | None = None) -> Waterfall:
    """Expected → traffic mix → fallbacks → model per segment → (unexplained) → observed.

    With typed totals the waterfall runs between them, and whatever the table does not explain
    of the typed gap becomes an 'unexplained' bar.
    """
    expected = typed.expected if typed else decomposition.expected_total
    observed = typed.observed if typed else decomposition.observed_total
    steps: list[tuple[str, float, str]] = [
        ("traffic mix", decomposition.mix, "segments' shares of traffic changed"),
        ("fallbacks", decomposition.fallback, "traffic served by fallbacks instead of the model"),
    ]
    for part in decomposition.segments:
        if not part.new_online:
            steps.append((f"model: {part.segment}", part.model,
                          f"the model's own metric in {part.segment}"))
    remainder = (observed - expected) - decomposition.change
    if typed is not None and abs(remainder) > 1e-12:
        steps.append(("unexplained", remainder,
                      "typed totals differ from the segment table's Σ share × metric"))
    return Waterfall(expected, observed, tuple(steps))
