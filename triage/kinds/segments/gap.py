"""Scenario "a launched model underperforms": is the gap real, and where is the metric lost?

Two pure analyses:

* :func:`gap_vs_noise` tests observed − expected against sampling noise (:mod:`triage.kinds.segments.noise`):
  for a proportion from n (exact binomial against a known expectation, a two-sample score test
  against one measured with its n); for any other metric from typed standard errors (Welch).
* :func:`decompose` splits the table's total change into traffic mix and per-segment rate, and the
  rate further into fallback and model parts (DESIGN §2, the contract):

      mix_s  = (w1 − w0) · (m0 + m1) / 2          rate_s = (m1 − m0) · (w0 + w1) / 2
      q      = (m1 − f·b) / (1 − f)                the model-served metric inside segment s
      fallback_s = f · (b − m0) · (w0 + w1) / 2    the requests that fell back
      model_s = (1 − f) · (q − m0) · (w0 + w1) / 2 the requests the model served

  Σ mix + Σ rate = M1 − M0 exactly, and fallback_s + model_s = rate_s; no part is ever clipped.
  The fallback part is taken first (at the expected metric), so the split moves smoothly as
  f → 1 and reaches all-fallback at f = 1; comparing q with m0 assumes the requests that fall
  back are like the rest. :func:`gap_parts` gives percentages of the gap only when every part
  moved the gap's way; otherwise the parts are said in absolute terms.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from triage.kinds.segments.noise import ALPHA, NoiseError, proportion_test, welch
from triage.tabular import AmbiguousNumber, InputError, number_text, read_table, separator_convention

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
    """Observed − expected and whether it is beyond sampling noise (see :mod:`triage.kinds.segments.noise`).

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
    model_served: float | None = None  # (m1 − f·b)/(1 − f), clamped; None without fallbacks

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
    warnings: tuple[str, ...] = ()  # inputs that do not fit together (also among the notes)

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
    """Shares of 1 from shares or counts, and a note when they had to be rescaled.

    Scaled by the largest value before summing, so counts near the float limit (1e308 each,
    whose plain sum is infinite) still give their true shares instead of zeros; the note then
    states the total as a multiple of that value.
    """
    if any(v < 0 for v in values):
        raise InputError(f"segment table: {label} cannot be negative; use shares or counts ≥ 0")
    largest = max(values, default=0.0)
    if largest <= 0:
        raise InputError(f"segment table: the {label} column adds up to zero; give each "
                         "segment's share of traffic (or its count)")
    scaled = [v / largest for v in values]
    total = math.fsum(scaled)  # between 1 and len(values): no overflow, no underflow
    shares = [v / total for v in scaled]
    note = ""
    if abs(total * largest - 1) > 1e-6:
        exact = total * largest
        shown = f"{exact:g}" if math.isfinite(exact) else f"{total:g} times {largest:g}"
        note = f"{label} added up to {shown}; they were normalised to shares of 1"
    return shares, note


# Below this model-served share (1 − fallback_share) a segment's split counts as all fallback:
# a share typed with ~6 significant digits cannot say more, and (m1 − f·b)/(1 − f) would turn
# the digits' rounding into parts of any size (f = 1 − 1e-16 gave parts of ±2.5e305).
MIN_MODEL_SHARE = 1e-6


def _range_text(valid_range: tuple[float | None, float | None]) -> str:
    low, high = valid_range
    if low is not None and high is not None:
        return f"{low:g}–{high:g}"
    return f"≥ {low:g}" if low is not None else f"≤ {high:g}"


def _split_rate(row: SegmentRow, m0: float, m1: float, weight: float,
                valid_range: tuple[float | None, float | None], warnings: list[str]
                ) -> tuple[float, float, float | None]:
    """(fallback, model, model-served metric) of one segment's rate part (m1 − m0)·weight.

    The model part is the change on the requests the model served, (1 − f)·(q − m0), and the
    fallback part the requests that fell back, f·(b − m0); they add up to m1 − m0. With
    q = (m1 − f·b)/(1 − f) the model part is m1 − f·b − (1 − f)·m0: no division, so the split
    moves smoothly as f → 1 and reaches all-fallback at f = 1. q is clamped to the metric's
    valid range; the fallback part then takes the rest, so the sum stays exact.
    """
    rate = (m1 - m0) * weight
    f, b = row.fallback_share, row.fallback_metric
    if f is None or f <= 0 or b is None:
        return 0.0, rate, None
    if f < 1 and 1 - f < MIN_MODEL_SHARE:  # the model served almost nothing
        warnings.append(
            f"'{row.segment}': fallback_share {f} leaves less than {MIN_MODEL_SHARE:g} of "
            "the requests to the model; the metric on those (m1 − f·b)/(1 − f) would be "
            "rounding noise magnified by 1/(1 − f), so the segment is read as all fallbacks "
            "and its whole rate change is counted as fallback")
        return rate, 0.0, None
    if f >= 1:
        if abs(m1 - b) > 1e-9 * max(abs(m1), abs(b), 1e-12):
            warnings.append(f"'{row.segment}': every request fell back (fallback_share 1) yet "
                         f"observed_metric {m1:g} differs from fallback_metric {b:g}; the whole "
                         "rate change is counted as fallbacks")
        return rate, 0.0, None
    served = (m1 - f * b) / (1 - f)
    low, high = valid_range
    clamped = min(max(served, low if low is not None else served),
                  high if high is not None else served)
    if clamped != served:
        warnings.append(
            f"'{row.segment}': the model-served metric (m1 − f·b)/(1 − f) works out to "
            f"{served:.4g}, outside the metric's range {_range_text(valid_range)}; it is clamped "
            f"to {clamped:g}, so observed_metric, fallback_share and fallback_metric do not fit "
            "together (check them, e.g. for rounding). The split assumes the requests that fall "
            "back are like the rest; the fallback part takes what the clamp leaves over.")
    # Unclamped, m1 − f·b − (1 − f)·m0 directly: no division by the small 1 − f.
    model = ((m1 - f * b - (1 - f) * m0) if clamped == served else (1 - f) * (clamped - m0)
             ) * weight
    return rate - model, model, clamped


def decompose(rows: Sequence[SegmentRow],
              valid_range: tuple[float | None, float | None] = (None, None)) -> Decomposition:
    """Mix, fallback and model parts per segment; raises InputError on an unusable table.

    ``valid_range`` bounds the metric (``(0, 1)`` for a rate): a model-served metric outside it
    is clamped, with a note naming the assumption.
    """
    if not rows:
        raise InputError("segment table: no segments; add one row per segment")
    w0s, note0 = _normalised([r.expected_share for r in rows], "expected shares")
    w1s, note1 = _normalised([r.observed_share for r in rows], "observed shares")
    notes = [n for n in (note0, note1) if n]
    warnings: list[str] = []
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
        if new_online:
            fallback, model, served = 0.0, 0.0, None
        else:
            fallback, model, served = _split_rate(row, m0, m1, weight, valid_range, warnings)
        parts.append(SegmentPart(row.segment, w0, w1, m0, m1, mix, fallback, model, new_online,
                                 served))
    expected_total = sum(p.w0 * p.m0 for p in parts)
    observed_total = sum(p.w1 * p.m1 for p in parts)
    return Decomposition(tuple(parts), expected_total, observed_total,
                         tuple(notes + warnings), tuple(warnings))


def _cell(value: Any, column: str, segment: str, *, low: float | None = None,
          high: float | None = None, convention: str | None = None) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        number = as_finite(number_text(value, convention) if isinstance(value, str) else value)
    except AmbiguousNumber as err:
        raise InputError(f"segment table: '{segment}' {column} {err}") from None
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
    """Typed or uploaded rows → SegmentRow; blank rows are ignored, bad cells named.

    Thousands separators and decimal commas are read as ``triage.tabular.number_text`` says;
    an ambiguous "1,500" follows the other cells of its column (else of the table: a "0.5"
    anywhere means commas group thousands), and is refused when they do not tell."""
    records = list(records)
    numeric = SEGMENT_COLUMNS[1:] + SEGMENT_OPTIONAL
    table_wide = separator_convention([r.get(column) for r in records for column in numeric])
    conventions = {column: separator_convention([r.get(column) for r in records]) or table_wide
                   for column in numeric}
    rows = []
    for index, record in enumerate(records, start=1):
        name = str(record.get("segment") or "").strip()
        values = [record.get(c) for c in SEGMENT_COLUMNS[1:] + SEGMENT_OPTIONAL]
        if not name and all(v in (None, "") or (isinstance(v, float) and math.isnan(v))
                            for v in values):
            continue
        name = name or f"row {index}"

        def cell(column: str, **bounds: float) -> float | None:
            return _cell(record.get(column), column, name, convention=conventions[column],  # noqa: B023
                         **bounds)

        rows.append(SegmentRow(
            segment=name,
            expected_share=cell("expected_share", low=0) or 0.0,
            observed_share=cell("observed_share", low=0) or 0.0,
            expected_metric=cell("expected_metric"),
            observed_metric=cell("observed_metric"),
            fallback_share=cell("fallback_share", low=0, high=1),
            fallback_metric=cell("fallback_metric"),
        ))
    return rows


def read_segments(data: bytes, name: str = "segments.csv",
                  columns: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """A segment CSV as records (strings); validated later by :func:`segment_rows`.
    ``columns`` maps fields to the file's columns (``triage.mapping``)."""
    table = read_table(data, name=name, required=SEGMENT_COLUMNS, columns=columns)
    columns = [c for c in SEGMENT_COLUMNS + SEGMENT_OPTIONAL if c in table.frame]
    records = table.frame[columns].to_dict("records")
    return _plain_numbers(records)


def _plain_numbers(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Number cells rewritten as float() reads them ("1,500,000" -> "1500000", "0,45" -> "0.45"),
    so a table editor that parses plain numbers shows the values ``segment_rows`` reads; a cell
    that cannot be settled is kept as written for ``segment_rows`` to name."""
    numeric = [c for c in SEGMENT_COLUMNS[1:] + SEGMENT_OPTIONAL if records and c in records[0]]
    table_wide = separator_convention([r[c] for r in records for c in numeric])
    for column in numeric:
        convention = separator_convention([r[column] for r in records]) or table_wide
        for record in records:
            value = record[column]
            if isinstance(value, str) and "," in value:
                with contextlib.suppress(AmbiguousNumber):  # segment_rows names it
                    record[column] = number_text(value, convention)
    return records


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


# --------------------------------------------------------------------------------------------
# The parts of the gap, signed and unclipped: shares only when they do not offset.

PART_NAMES = ("mix", "fallback", "model", "unexplained")
_PART_NOUNS = {"mix": "mix shift", "fallback": "fallback {kind}", "model": "model {kind}",
               "unexplained": "unexplained remainder"}


def _minus(text: str) -> str:
    return text.replace("-", "−")


@dataclass(frozen=True)
class GapParts:
    """The gap's parts (traffic mix, fallbacks, the model itself, an unexplained remainder), in
    the metric's units, signed and never clipped: they add up to the gap exactly.

    Percentages of the gap are only meaningful when every part moved the way the gap did; when
    parts offset each other (a mix shift that hid a model loss) a share would read 250% or −150%,
    so :meth:`shares` is None and the parts are said in absolute terms (:meth:`text`).
    """

    gap: float  # observed − expected, signed (typed totals when given, else the table's)
    parts: tuple[tuple[str, float], ...]  # (name, signed value) in PART_NAMES order
    higher_is_better: bool = True

    @property
    def sign(self) -> int:
        return 1 if self.higher_is_better else -1

    def value(self, name: str) -> float:
        return dict(self.parts).get(name, 0.0)

    def loss(self, name: str) -> float:
        """How much worse a part made the metric (negative: it helped), unclipped."""
        return -self.sign * self.value(name)

    @property
    def shortfall(self) -> float:
        return -self.sign * self.gap

    def _tolerance(self) -> float:
        return 1e-12 * max([abs(self.gap), *(abs(v) for _, v in self.parts)])

    def _nonzero(self) -> list[tuple[str, float]]:
        return [(n, v) for n, v in self.parts if abs(v) > self._tolerance()]

    @property
    def offset(self) -> bool:
        """True when some part moved against the gap (or the gap is zero but parts are not)."""
        parts = self._nonzero()
        if abs(self.gap) <= self._tolerance():
            return bool(parts)
        return any(v * self.gap < 0 for _, v in parts)

    def shares(self) -> dict[str, float] | None:
        """Each part's share of the gap, 0..1, adding to 1; None when parts offset or the gap
        is zero."""
        if self.offset or abs(self.gap) <= self._tolerance():
            return None
        return {n: max(v / self.gap, 0.0) for n, v in self.parts}

    def largest(self) -> str | None:
        """The part that lost most (by :meth:`loss`); None when no part made things worse."""
        losing = [(self.loss(n), n) for n, _ in self._nonzero() if self.loss(n) > 0]
        return max(losing)[1] if losing else None

    def _decimals(self) -> int:
        return decimals_for(max(abs(v) for _, v in self.parts) if self.parts else self.gap, 2)

    def phrase(self, name: str, decimals: int | None = None) -> str:
        """e.g. 'a mix shift of +0.006', 'a model loss of −0.010' (lower-is-better aware)."""
        value = self.value(name)
        kind = "loss" if self.loss(name) > 0 else "gain"
        noun = _PART_NOUNS[name].format(kind=kind)
        article = "an" if noun[0] in "aeiou" else "a"
        places = self._decimals() if decimals is None else decimals
        return f"{article} {noun} of {_minus(fixed(value, places, signed=True))}"

    def text(self) -> str:
        """The parts in words. Offsetting: 'a mix shift of +0.006 hid a model loss of −0.010'
        (when online is better: '… outweighed …'); otherwise the parts, largest first."""
        parts = sorted(self._nonzero(), key=lambda item: -abs(item[1]))
        if not parts:
            return "no part moved"
        if not self.offset:
            return ", ".join(self.phrase(n) for n, _ in parts)
        helped = " and ".join(self.phrase(n) for n, _ in parts if self.loss(n) < 0)
        hurt = " and ".join(self.phrase(n) for n, _ in parts if self.loss(n) > 0)
        verb = ("hid" if self.shortfall > self._tolerance() else
                "outweighed" if self.shortfall < -self._tolerance() else "cancelled")
        return f"{helped} {verb} {hurt}"

    def metrics(self) -> dict[str, Any]:
        """The playbook metrics: ``<part>_share`` (None when offsetting or not a shortfall),
        ``<part>_loss`` (signed, metric units), ``parts_offset``, ``parts_text``,
        ``largest_part``."""
        shares = self.shares() if self.shortfall > 0 else None
        out: dict[str, Any] = {f"{n}_share": shares.get(n) if shares else None
                               for n in PART_NAMES}
        out.update({f"{n}_loss": self.loss(n) if abs(self.value(n)) > self._tolerance() else 0.0
                    for n in PART_NAMES})
        out.update(parts_offset=self.offset, parts_text=self.text(),
                   largest_part=self.largest() if self.shortfall > 0 else None)
        return out


def gap_parts(decomposition: Decomposition, chart: Waterfall | None = None,
              higher_is_better: bool = True) -> GapParts:
    """The gap's parts from a decomposition and (for typed totals) its waterfall's remainder."""
    unexplained = chart.unexplained if chart is not None else 0.0
    gap = (chart.observed - chart.expected) if chart is not None else decomposition.change
    parts = [("mix", decomposition.mix), ("fallback", decomposition.fallback),
             ("model", decomposition.model)]
    if chart is not None and any(label == "unexplained" for label, _, _ in chart.steps):
        parts.append(("unexplained", unexplained))
    return GapParts(gap, tuple(parts), higher_is_better)
