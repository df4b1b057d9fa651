"""Training–serving skew measured on the same requests: served feature values against the values
recomputed offline for those requests, joined by request id.

Why a join: comparing a training sample with a serving sample measures *drift*, and a change in
the population (new users, a campaign, a new category) moves it as much as a bug does. Skew is
the same request getting a different value at serving than the offline pipeline computes for it;
only a join on the request tells the two apart.

Input. Two files (CSV or Parquet), the easiest for a team to export:

* ``served``: ``request_id`` and one column per feature, the values the model received (from the
  serving log or the feature-logging table);
* ``offline``: ``request_id`` and the same feature columns, recomputed by the training pipeline
  for those requests (same ids, same names).

Column names are normalised as for every upload ("Request ID" → ``request_id``). Features are the
columns both files share; a column in only one file is listed, not compared. One file works too:
``request_id``, then for each feature ``<name>`` (or ``<name>_served``) and ``<name>_offline``.
Ids are compared as text ("00123" is not "123"); an integer-valued number column reads as its
integer. Rows without an id are left out and counted; an id twice in one file is an error.

Per feature, over the matched requests (``n`` = ids in both files):

* **differs**: the request's two values differ. Numeric features (every present value on both
  sides is a number): |served − offline| > ``atol`` + ``rtol``·|offline|, the rule of
  ``numpy.isclose`` with its defaults (``DEFAULT_ATOL`` = 1e-8, ``DEFAULT_RTOL`` = 1e-5), so a
  float32 round trip does not count. Otherwise the stripped texts must be equal (case matters:
  "US" and "us" are different inputs to the model). One side missing and the other present
  differs; both missing agree. The share is differing / n with a 95% Wilson score interval.
  A feature is **skewed** when at least ``SKEWED_MIN_SHARE`` (1%) of matched requests differ.
* **default-value spike**: a value that reads as a filled-in default (0 and −1 for numbers;
  "unknown", "none", "0", … — ``triage.kinds.samples.drift.DEFAULT_TEXTS`` — for text) served where
  the offline value is something else. With ``b`` = requests served the default while offline has
  another value or none, and ``c`` = the reverse, it is a spike when b / n ≥ ``SPIKE_MIN_SHARE``
  (1%), the served share of the value is at least ``SPIKE_MIN_RATIO`` (2) times the offline share,
  and the exact one-sided McNemar test (b of b + c under p = ½) gives p < ``SPIKE_ALPHA`` (0.05).
  Five requests out of five are a spike; three are not (p = 0.125).
* **missing spike**: the same test for "served missing, offline has a value" against the reverse.

Missing: an empty cell (or a null in Parquet); in a numeric feature also the usual NA texts
("NA", "null", "NaN", … — ``triage.kinds.samples.drift.NA_TEXTS``). An empty string cannot be told from a
missing value in a CSV, so "" counts as missing, not as a default.

No streamlit here: the page, the CLI and the production analysis call these functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from triage.kinds.samples.drift import DEFAULT_TEXTS, NA_TEXTS, read_sample
from triage.tabular import InputError, rename_columns

__all__ = [
    "DEFAULT_ATOL", "DEFAULT_RTOL", "SKEWED_MIN_SHARE", "SPIKE_ALPHA", "SPIKE_MIN_RATIO",
    "SPIKE_MIN_SHARE", "FeatureSkew", "Share", "SkewReport", "Spike", "check_skew",
    "read_joined", "skew_metrics", "split_joined", "skew_report", "skew_report_json", "wilson",
]

ID_COLUMN = "request_id"
DEFAULT_ATOL = 1e-8
DEFAULT_RTOL = 1e-5
SKEWED_MIN_SHARE = 0.01
SPIKE_MIN_SHARE = 0.01
SPIKE_MIN_RATIO = 2.0
SPIKE_ALPHA = 0.05
NUMERIC_DEFAULTS = (0.0, -1.0)
MAX_EXAMPLES = 3
MAX_LISTED = 5
_Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)
_NA_TEXT_LIST = sorted(NA_TEXTS)
_FORMAT_HINT = (
    "Upload two files, each with a request_id column and the same feature columns: the values "
    "served, and the values recomputed offline for the same requests (or one file with "
    "request_id, <feature> and <feature>_offline columns)."
)


# --- intervals and tests ------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """k of n with its 95% Wilson score interval (0 of 0: share and interval unknown)."""

    k: int
    n: int

    @property
    def share(self) -> float | None:
        return self.k / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.k, self.n) if self.n else None

    def text(self) -> str:
        """'12 of 2,000 (0.6%, 95% interval 0.3%–1.0%)'."""
        if not self.n:
            return "0 of 0"
        low, high = self.interval
        return (f"{self.k:,} of {self.n:,} ({self.share:.1%}, 95% Wilson interval "
                f"{low:.1%}–{high:.1%})")


def wilson(k: int, n: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval of k successes in n trials (n ≥ 1); exact 0 and 1 at the ends."""
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def mcnemar_greater(b: int, c: int) -> float:
    """Exact one-sided McNemar p-value: P(X ≥ b) for X ~ Binomial(b + c, ½); 1 when b + c = 0."""
    if b + c == 0:
        return 1.0
    from scipy.stats import binom

    return float(binom.sf(b - 1, b + c, 0.5))


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spike:
    """A served value (a default, or missing) on requests whose offline value is different.

    ``filled``: requests served it where offline has another value (or, for a default, none);
    ``reverse``: the opposite direction; ``served_share``/``offline_share``: of the matched rows.
    """

    value: str | None  # None: missing
    filled: Share
    reverse: int
    served_share: float
    offline_share: float
    p_value: float
    over_missing: int = 0  # of ``filled``: requests whose offline value is missing

    @property
    def is_spike(self) -> bool:
        share = self.filled.share or 0.0
        return (share >= SPIKE_MIN_SHARE and self.served_share >= SPIKE_MIN_RATIO * self.offline_share
                and self.p_value < SPIKE_ALPHA)

    def text(self, feature: str) -> str:
        what = "missing" if self.value is None else f"{self.value}"
        if self.value is None:
            other = "has a value"
        elif not self.over_missing:
            other = "has another value"
        elif self.over_missing == self.filled.k:
            other = "has none"
        else:
            other = f"has another value or ({self.over_missing:,} of them) none"
        return (f"{feature} is {what} at serving on {self.filled.k:,} of {self.filled.n:,} matched "
                f"requests ({self.filled.share:.1%}) where the offline recomputation {other}; "
                f"{self.served_share:.1%} of served rows against {self.offline_share:.1%} offline")


@dataclass(frozen=True)
class FeatureSkew:
    feature: str
    kind: str  # "numeric" or "text"
    differs: Share  # of matched requests
    value_differs: int  # both present, different beyond tolerance
    served_missing: int  # served missing, offline present
    offline_missing: int  # served present, offline missing
    both_missing: int
    default: Spike | None  # the default value most often filled in at serving, if any
    missing: Spike
    median_abs_difference: float | None  # numeric: over the pairs that differ, both present
    examples: tuple[tuple[str, str, str], ...] = ()  # (request_id, served, offline)
    note: str = ""

    @property
    def skewed(self) -> bool:
        return (self.differs.share or 0.0) >= SKEWED_MIN_SHARE

    @property
    def default_spike(self) -> bool:
        return self.default is not None and self.default.is_spike

    @property
    def missing_spike(self) -> bool:
        return self.missing.is_spike


@dataclass(frozen=True)
class SkewReport:
    served_name: str
    offline_name: str
    served_rows: int
    offline_rows: int
    matched: int
    unmatched_served: int
    unmatched_offline: int
    features: tuple[FeatureSkew, ...]  # most-differing first
    atol: float = DEFAULT_ATOL
    rtol: float = DEFAULT_RTOL
    unmatched_examples: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    only_served: tuple[str, ...] = ()
    only_offline: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def skewed(self) -> tuple[FeatureSkew, ...]:
        return tuple(f for f in self.features if f.skewed)

    @property
    def worst(self) -> tuple[FeatureSkew, ...]:
        """Up to three skewed features, most-differing first."""
        return self.skewed[:3]

    @property
    def default_spikes(self) -> tuple[FeatureSkew, ...]:
        spiked = [f for f in self.features if f.default_spike]
        return tuple(sorted(spiked, key=lambda f: (-f.default.filled.k, f.feature)))

    @property
    def missing_spikes(self) -> tuple[FeatureSkew, ...]:
        spiked = [f for f in self.features if f.missing_spike]
        return tuple(sorted(spiked, key=lambda f: (-f.missing.filled.k, f.feature)))

    def headline(self) -> str:
        """One sentence for the page and the CLI, true for n = 1."""
        checked = (f"{self.matched:,} request{'' if self.matched == 1 else 's'} matched by "
                   f"request id, {len(self.features)} feature{'' if len(self.features) == 1 else 's'}"
                   " compared")
        if not self.skewed:
            top = self.features[0] if self.features else None
            tail = (f"; the most is {top.feature}, {top.differs.text()}"
                    if top is not None and top.differs.k else "; every value agrees")
            return (f"{checked}: no feature differs on {SKEWED_MIN_SHARE:.0%} or more of them"
                    f"{tail}.")
        names = ", ".join(f"{f.feature} ({f.differs.share:.1%})" for f in self.worst)
        more = len(self.skewed) - len(self.worst)
        verb = "differs" if len(self.skewed) == 1 else "differ"
        return (f"{checked}: {len(self.skewed)} {verb} on {SKEWED_MIN_SHARE:.0%} or more of them "
                f"— {names}" + (f" and {more} more" if more > 0 else "") + ".")


# --- reading ----------------------------------------------------------------------------------


def read_joined(served: bytes, served_name: str, offline: bytes | None = None,
                offline_name: str = "offline", columns: Mapping[str, str] | None = None,
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The served and offline frames, from two files or one with ``_offline`` columns. Each
    file's request id is found by name ("Request ID", "event_id", …; ``triage.mapping.SKEW``)
    or by ``columns`` ({"request_id": COLUMN}, as ``--map COLUMN=request_id`` gives)."""
    served_frame = _with_id(read_sample(served, served_name), served_name, columns)
    if offline is not None:
        return served_frame, _with_id(read_sample(offline, offline_name), offline_name, columns)
    return split_joined(served_frame, served_name)


def _with_id(frame: pd.DataFrame, name: str, columns: Mapping[str, str] | None) -> pd.DataFrame:
    from triage.mapping import SKEW, combine, propose

    chosen = {k: v for k, v in (columns or {}).items() if v in frame.columns}
    mapping = combine(propose([str(c) for c in frame.columns], SKEW), chosen)
    return rename_columns(frame, mapping, name)[0]


def split_joined(frame: pd.DataFrame, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One file with ``<feature>`` (or ``<feature>_served``) and ``<feature>_offline`` columns
    → the served and the offline frame, each with ``request_id`` and the feature names."""
    _require_id(frame, name)
    offline_columns = {c.removesuffix("_offline"): c for c in frame.columns
                       if c.endswith("_offline") and c != "_offline"}
    pairs = []
    for feature, offline_column in offline_columns.items():
        for candidate in (feature, f"{feature}_served"):
            if candidate in frame.columns:
                pairs.append((feature, candidate, offline_column))
                break
    if not pairs:
        raise InputError(
            f"{name} has no pair of <feature> and <feature>_offline columns, so there is "
            f"nothing to compare. {_FORMAT_HINT}"
        )
    left = frame[[ID_COLUMN] + [s for _, s, _ in pairs]].copy()
    left.columns = [ID_COLUMN] + [f for f, _, _ in pairs]
    right = frame[[ID_COLUMN] + [o for _, _, o in pairs]].copy()
    right.columns = [ID_COLUMN] + [f for f, _, _ in pairs]
    return left, right


def skew_report(served: bytes, served_name: str, offline: bytes | None = None,
                offline_name: str = "offline", *, atol: float = DEFAULT_ATOL,
                rtol: float = DEFAULT_RTOL, columns: Mapping[str, str] | None = None,
                ) -> SkewReport:
    served_frame, offline_frame = read_joined(served, served_name, offline, offline_name,
                                              columns)
    return check_skew(served_frame, offline_frame, served_name=served_name,
                      offline_name=offline_name if offline is not None else f"{served_name} "
                      "(_offline columns)", atol=atol, rtol=rtol)


def _require_id(frame: pd.DataFrame, name: str) -> None:
    if ID_COLUMN not in frame.columns:
        shown = ", ".join(map(str, list(frame.columns)[:8]))
        raise InputError(
            f"{name} has no request_id column (its columns: {shown}). Add a column named "
            "request_id holding the id both files share, so each served row can be matched to "
            "its offline recomputation."
        )


def _ids(frame: pd.DataFrame, name: str, notes: list[str]) -> pd.DataFrame:
    """Frame indexed by the request id as text; rows without an id dropped; duplicates refused."""
    _require_id(frame, name)
    raw = frame[ID_COLUMN]
    if pd.api.types.is_float_dtype(raw.dtype) and np.all(
            np.isnan(raw) | (np.mod(raw.fillna(0), 1) == 0)):
        ids = raw.astype("Int64").astype("string")
    else:
        ids = raw.astype("string").str.strip()
    present = ids.notna() & (ids != "")
    dropped = int((~present).sum())
    if dropped and not present.any():
        raise InputError(f"{name}: every request_id is empty. Fill in the request ids and upload "
                         "again.")
    if dropped:
        rows = [int(i) + 2 for i in frame.index[~present.to_numpy()][:MAX_LISTED]]
        notes.append(f"{name}: {dropped:,} row{'' if dropped == 1 else 's'} without a request_id "
                     f"left out (row{'' if dropped == 1 else 's'} {', '.join(map(str, rows))}"
                     + (", …" if dropped > MAX_LISTED else "") + ")")
    kept = frame.loc[present.to_numpy()].copy()
    kept.index = pd.Index(ids[present].to_numpy(dtype=object), name=ID_COLUMN)
    kept = kept.drop(columns=[ID_COLUMN])
    duplicated = kept.index.duplicated(keep=False)
    if duplicated.any():
        counts = pd.Series(kept.index[duplicated]).value_counts()
        first, times = str(counts.index[0]), int(counts.iloc[0])
        others = len(counts) - 1
        raise InputError(
            f"{name}: request_id '{first}' appears {times} times"
            + (f", and {others:,} more id{'' if others == 1 else 's'} repeat" if others else "")
            + ". Each request must appear once per file: keep one row per request (for served "
            "values, the one the model scored) and upload again."
        )
    return kept


# --- the check ------------------------------------------------------------------------------


def check_skew(served: pd.DataFrame, offline: pd.DataFrame, *, served_name: str = "served",
               offline_name: str = "offline", atol: float = DEFAULT_ATOL,
               rtol: float = DEFAULT_RTOL) -> SkewReport:
    if not (math.isfinite(atol) and math.isfinite(rtol)) or atol < 0 or rtol < 0:
        raise InputError(f"Tolerances must be numbers ≥ 0 (got atol {atol}, rtol {rtol}).")
    notes: list[str] = []
    left, right = _ids(served, served_name, notes), _ids(offline, offline_name, notes)
    shared = [c for c in left.columns if c in set(right.columns)]
    only_served = tuple(c for c in left.columns if c not in set(right.columns))
    only_offline = tuple(c for c in right.columns if c not in set(left.columns))
    if not shared:
        raise InputError(
            f"{served_name} and {offline_name} share no feature column besides request_id "
            f"(served: {_listed(only_served)}; offline: {_listed(only_offline)}). Name each "
            "feature the same in both files."
        )
    matched_ids = left.index.intersection(right.index, sort=False)
    if not len(matched_ids):
        raise InputError(
            f"None of the {len(left):,} request ids in {served_name} appears in {offline_name} "
            f"({len(right):,} ids; e.g. '{left.index[0]}' against '{right.index[0]}'). Export both "
            "for the same requests, with ids written the same way (leading zeros, prefixes)."
        )
    unmatched_served = left.index.difference(matched_ids, sort=False)
    unmatched_offline = right.index.difference(matched_ids, sort=False)
    if len(unmatched_served) or len(unmatched_offline):
        notes.append(
            f"{len(unmatched_served):,} served request id{'' if len(unmatched_served) == 1 else 's'}"
            f" without an offline row and {len(unmatched_offline):,} offline id"
            f"{'' if len(unmatched_offline) == 1 else 's'} without a served row are left out; the "
            f"shares below are of the {len(matched_ids):,} matched requests")
    if only_served or only_offline:
        notes.append("Not compared, in one file only: "
                     + "; ".join(part for part in (
                         f"served {_listed(only_served)}" if only_served else "",
                         f"offline {_listed(only_offline)}" if only_offline else "") if part))
    a, b = left.loc[matched_ids, shared], right.loc[matched_ids, shared]
    ids = np.asarray(matched_ids, dtype=object)
    features = [_feature(name, a[name], b[name], ids, atol, rtol) for name in shared]
    features.sort(key=lambda f: (-f.differs.k, f.feature))
    return SkewReport(
        served_name=served_name, offline_name=offline_name, served_rows=len(left),
        offline_rows=len(right), matched=len(matched_ids), unmatched_served=len(unmatched_served),
        unmatched_offline=len(unmatched_offline), features=tuple(features), atol=atol, rtol=rtol,
        unmatched_examples=(tuple(map(str, unmatched_served[:MAX_LISTED])),
                            tuple(map(str, unmatched_offline[:MAX_LISTED]))),
        only_served=only_served, only_offline=only_offline, notes=tuple(notes))


def _listed(names: Sequence[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


@dataclass
class _Values:
    missing: np.ndarray  # bool
    numbers: np.ndarray | None  # float, NaN where missing; None when some value is not a number
    texts: np.ndarray | None  # object: stripped text ("" where missing); None for a number dtype
    not_a_number: str = ""  # an example, when numbers is None


def _values(series: pd.Series) -> _Values:
    dtype = series.dtype
    if (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
            and not pd.api.types.is_complex_dtype(dtype)):
        numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return _Values(np.isnan(numbers), numbers, None)
    objects = series.astype(object)
    absent = objects.isna().to_numpy()
    texts = objects.where(~absent, "").astype(str).str.strip().to_numpy(dtype=object)
    missing = absent | (texts == "")
    na_text = pd.Series(texts).isin(_NA_TEXT_LIST).to_numpy() & ~missing
    candidates = ~missing & ~na_text
    head = texts[candidates][:200]  # a text feature fails here, without parsing every row
    head_parsed = pd.to_numeric(pd.Series(head, dtype=object), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan)
    if np.isnan(head_parsed).any() or pd.api.types.is_bool_dtype(dtype):
        example = str(head[int(np.argmax(np.isnan(head_parsed)))]) if len(head) else ""
        return _Values(missing, None, texts, example)
    parsed = pd.to_numeric(pd.Series(texts).where(candidates, None), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan)
    bad = candidates & np.isnan(parsed)
    if bad.any() or pd.api.types.is_bool_dtype(dtype):
        example = str(texts[int(np.argmax(bad))]) if bad.any() else str(texts[0])
        return _Values(missing, None, texts, example)
    return _Values(missing | na_text, parsed, texts)


def _number(value: float) -> str:
    if math.isnan(value):
        return ""
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(float(value))


def _feature(name: str, served: pd.Series, offline: pd.Series, ids: np.ndarray, atol: float,
             rtol: float) -> FeatureSkew:
    s, o = _values(served), _values(offline)
    n = len(ids)
    note = ""
    numeric = s.numbers is not None and o.numbers is not None
    both = ~s.missing & ~o.missing
    if numeric:
        x, y = s.numbers, o.numbers
        with np.errstate(invalid="ignore", over="ignore"):
            close = (x == y) | (np.abs(x - y) <= atol + rtol * np.abs(y))
        value_differs = both & ~close
        s_texts = o_texts = None
    else:
        s_texts = np.where(s.missing, "", _texts(s))
        o_texts = np.where(o.missing, "", _texts(o))
        value_differs = both & (s_texts != o_texts)
        bad = s.not_a_number or o.not_a_number
        if (s.numbers is None) != (o.numbers is None):
            side = "served" if s.numbers is None else "offline"
            note = f"compared as text: the {side} values are not all numbers (e.g. {bad!r})"
    served_missing = s.missing & ~o.missing
    offline_missing = ~s.missing & o.missing
    differs = value_differs | served_missing | offline_missing
    k = int(np.count_nonzero(differs))
    median = None
    if numeric and value_differs.any():
        with np.errstate(invalid="ignore", over="ignore"):
            gaps = np.abs(s.numbers[value_differs] - o.numbers[value_differs])
        finite = gaps[np.isfinite(gaps)]
        median = float(np.median(finite)) if len(finite) else None
    missing = _spike(None, s.missing, o.missing, n)
    default = _default_spike(numeric, s, o, s_texts, o_texts, n)
    picked = np.flatnonzero(differs)[:MAX_EXAMPLES]
    examples = tuple((str(ids[i]), _shown(_at(s, s_texts, i)), _shown(_at(o, o_texts, i)))
                     for i in picked)
    return FeatureSkew(
        feature=name, kind="numeric" if numeric else "text", differs=Share(k, n),
        value_differs=int(np.count_nonzero(value_differs)),
        served_missing=int(np.count_nonzero(served_missing)),
        offline_missing=int(np.count_nonzero(offline_missing)),
        both_missing=int(np.count_nonzero(s.missing & o.missing)), default=default,
        missing=missing, median_abs_difference=median, examples=examples, note=note)


def _texts(values: _Values) -> np.ndarray:
    if values.texts is not None:
        return values.texts
    return np.array([_number(v) for v in values.numbers], dtype=object)


def _at(values: _Values, texts: np.ndarray | None, i: int) -> str:
    if texts is not None:
        return str(texts[i])
    return "" if values.missing[i] else _number(float(values.numbers[i]))


def _shown(text: str) -> str:
    return text if text != "" else "(missing)"


def _spike(value: str | None, served_is: np.ndarray, offline_is: np.ndarray, n: int,
           offline_missing: np.ndarray | None = None) -> Spike:
    filled = served_is & ~offline_is
    b = int(np.count_nonzero(filled))
    c = int(np.count_nonzero(offline_is & ~served_is))
    over_missing = (int(np.count_nonzero(filled & offline_missing))
                    if offline_missing is not None else 0)
    return Spike(value, Share(b, n), c, float(np.count_nonzero(served_is)) / n,
                 float(np.count_nonzero(offline_is)) / n, mcnemar_greater(b, c), over_missing)


def _default_spike(numeric: bool, s: _Values, o: _Values, s_texts: np.ndarray,
                   o_texts: np.ndarray, n: int) -> Spike | None:
    """The default value served most often where offline differs (the spike, if one is)."""
    candidates: list[tuple[str, np.ndarray, np.ndarray]] = []
    if numeric:
        for value in NUMERIC_DEFAULTS:
            candidates.append((_number(value), ~s.missing & (s.numbers == value),
                               ~o.missing & (o.numbers == value)))
    else:
        lowered = pd.Series(s_texts).str.lower()
        for text in sorted(set(s_texts[lowered.isin(DEFAULT_TEXTS).to_numpy()])):
            candidates.append((text, s_texts == text, o_texts == text))
    best = None
    for value, served_is, offline_is in candidates:
        spike = _spike(value, served_is, offline_is, n, o.missing)
        if not spike.filled.k:
            continue
        rank = (spike.is_spike, spike.filled.k)
        if best is None or rank > (best.is_spike, best.filled.k):
            best = spike
    return best


# --- outputs --------------------------------------------------------------------------------


def _share_json(share: Share) -> dict[str, Any]:
    interval = share.interval
    return {"count": share.k, "of": share.n, "share": share.share,
            "interval": list(interval) if interval is not None else None}


def _spike_json(spike: Spike | None) -> dict[str, Any] | None:
    if spike is None:
        return None
    return {"value": spike.value, "filled": _share_json(spike.filled), "reverse": spike.reverse,
            "served_share": spike.served_share, "offline_share": spike.offline_share,
            "p_value": spike.p_value, "over_missing": spike.over_missing, "spike": spike.is_spike}


def skew_report_json(report: SkewReport) -> dict[str, Any]:
    """Strict-JSON-safe dict (no NaN) for the CLI."""
    return {
        "served": report.served_name, "offline": report.offline_name,
        "served_rows": report.served_rows, "offline_rows": report.offline_rows,
        "matched": report.matched, "unmatched_served": report.unmatched_served,
        "unmatched_offline": report.unmatched_offline,
        "unmatched_served_examples": list(report.unmatched_examples[0]),
        "unmatched_offline_examples": list(report.unmatched_examples[1]),
        "atol": report.atol, "rtol": report.rtol, "skewed_min_share": SKEWED_MIN_SHARE,
        "interval_method": "Wilson score, 95%",
        "headline": report.headline(),
        "worst_features": [f.feature for f in report.worst],
        "features": [{
            "feature": f.feature, "kind": f.kind, "differs": _share_json(f.differs),
            "skewed": f.skewed, "value_differs": f.value_differs,
            "served_missing": f.served_missing, "offline_missing": f.offline_missing,
            "both_missing": f.both_missing, "median_abs_difference": f.median_abs_difference,
            "default": _spike_json(f.default), "default_spike": f.default_spike,
            "missing": _spike_json(f.missing), "missing_spike": f.missing_spike,
            "examples": [{"request_id": r, "served": a, "offline": b} for r, a, b in f.examples],
            "note": f.note,
        } for f in report.features],
        "only_served": list(report.only_served), "only_offline": list(report.only_offline),
        "notes": list(report.notes),
    }


SKEW_METRIC_NAMES = (
    "skew_measured", "skew_matched_rows", "skewed_features", "skew_max_share",
    "skew_max_share_low", "skew_worst_feature", "skew_default_spike",
    "skew_default_spike_feature", "skew_default_spike_value", "skew_default_spike_share",
    "skew_missing_spike", "skew_missing_spike_feature", "skew_missing_spike_share",
)


def skew_metrics(report: SkewReport | None) -> dict[str, Any]:
    """The rule metrics (see triage.vocabulary); without a join only ``skew_measured`` is known."""
    metrics: dict[str, Any] = dict.fromkeys(SKEW_METRIC_NAMES)
    metrics["skew_measured"] = report is not None and bool(report.features)
    if not metrics["skew_measured"]:
        return metrics
    top = report.features[0]
    metrics.update(skew_matched_rows=report.matched, skewed_features=len(report.skewed),
                   skew_max_share=top.differs.share, skew_max_share_low=top.differs.interval[0],
                   skew_worst_feature=top.feature,
                   skew_default_spike=bool(report.default_spikes),
                   skew_missing_spike=bool(report.missing_spikes))
    if spikes := report.default_spikes:
        metrics.update(skew_default_spike_feature=spikes[0].feature,
                       skew_default_spike_value=spikes[0].default.value,
                       skew_default_spike_share=spikes[0].default.filled.share)
    if spikes := report.missing_spikes:
        metrics.update(skew_missing_spike_feature=spikes[0].feature,
                       skew_missing_spike_share=spikes[0].missing.filled.share)
    return metrics
