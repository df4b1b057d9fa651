"""Drift per feature between a reference sample (training) and a current sample (serving).

The contract is DESIGN.md §2 ("Production underperformance", the drift bullet). Per shared column:

Numeric features
    * ``ks_statistic``, ``ks_pvalue``: two-sided Kolmogorov–Smirnov, equal to
      ``scipy.stats.ks_2samp(ref, cur)`` with its default method: exact when both samples have at most
      10,000 values, else the asymptotic ``kstwo.sf(d, round(n·m/(n+m)))``. The statistic comes from
      one merge of the two sorted samples; the p-value from scipy's own routines, except that the
      O(n) Smirnov sum scipy's ``kstwo`` runs for large n is evaluated here as one vectorised sum in
      log space (same formula; agrees with scipy to ~1e-10 relative, see ``_smirnov_sf``).
    * ``wasserstein_norm``: ``wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)``.
    * ``psi`` and ``js_distance`` on the same bins. Bin edges are the distinct values of the
      reference's 10%, 20%, …, 90% quantiles (numpy's default linear interpolation), outer bins open
      to ±∞; when both samples together hold at most 10 distinct values there is one bin per value.
      **Bins are right-closed**: a value equal to an edge falls in the bin that edge closes,
      ``(e[i-1], e[i]]``, the same rule for both samples (``np.searchsorted(edges, x, side="left")``).
    * ``chi2_pvalue`` and ``linf`` are None.

Categorical features (every column that is not numeric, see below)
    * ``chi2_pvalue``: ``scipy.stats.chi2_contingency`` on the 2×k count table (categories = union).
    * ``psi``, ``js_distance``, ``linf`` (max |share difference|) on category shares; ``unseen``:
      categories present in the current sample only, with their current share.
    * ``ks_statistic``, ``ks_pvalue``, ``wasserstein_norm`` are None.

PSI = Σ (c − r)·ln(c / r) with shares below 1e-4 (empty bins included) counted as 1e-4, for PSI only;
Jensen–Shannon distance = ``scipy.spatial.distance.jensenshannon(r, c)`` (natural log, at most
√ln 2 ≈ 0.833) on the raw shares.

Missing values and types
    * Missing = None, NaN, NaT, pd.NA, or a string that is empty after stripping. Statistics use the
      non-missing values; ``n_reference``/``n_current`` count the values the statistics used.
    * A column is **numeric** when every non-missing value in BOTH samples is a number (numeric
      dtype, or text that ``pd.to_numeric`` parses). In a column whose other values are numbers, the
      texts pandas reads as missing by default (``NA``, ``N/A``, ``NaN``, ``null``, ``None``, ``#N/A``,
      ``<NA>``, …) count as missing too; in a categorical column they stay categories. Booleans are
      categorical.
    * A column that is numeric in one sample and text in the other, or whose values are at least 90%
      but not all numbers, is left out with a problem naming the column and an example bad value.
    * ±inf are left out of the statistics of a numeric feature and counted in its ``note``; they
      are neither missing nor part of ``n_reference``/``n_current``.

Default-value spikes (``default_spike``): one value that a large share of serving rows hold, far
more than in training — the signature of a default filled in when a lookup fails (0 for a
timed-out join, "unknown" for a missing category). Shares are of all rows of each sample (missing
values included in the denominator). A value is a spike when, in the current sample, it holds
    * at least ``SPIKE_MIN_SHARE`` (20%) of the rows: no single value of a many-valued feature
      normally holds a fifth of them, while a default on every failed lookup easily does;
    * at least ``SPIKE_MIN_RATIO`` (2) times and ``SPIKE_MIN_RISE`` (10 points) more than its share
      of the reference rows: a value common in training too is the feature's own mode, not a default;
    * a rise beyond sampling noise: two-proportion z (pooled standard error) of at least
      ``SPIKE_MIN_Z`` (4), so 6 zeros out of 20 serving rows are not called a spike.
  It is looked for in numeric features with more than 10 distinct values (in few-valued
  features, one value gaining share is ordinary drift, shown by the chart) and, in categorical
  features, only for values that read as a default (``DEFAULT_TEXTS``: "unknown", "none", "0", …),
  so a category that simply grew is not called a default. The largest rise wins.

Null band (``null_band``): for each statistic, its 95th percentile over ``splits`` (default 50)
seeded random splits of the reference into k = min(n_current, ⌊n_reference/2⌋) values, playing the
current sample, and the rest, playing the reference; both parts are subsampled to at most 50,000
values. For p-values the band is the **5th** percentile: the p-value chance alone reaches. The splits
keep the feature's bins (fixed by the whole reference) so the band measures sampling noise of the
shares at these sample sizes. Band KS p-values use the same method as the feature's own
(exact up to 10,000 values per side, else asymptotic); since a p-value only falls as the statistic
grows, they are evaluated only at the two order statistics the percentile interpolates between.
Splits depend only on (seed, n_reference, k): a feature's band is reproducible whatever the other
columns are. The band is context for a reader ("what chance alone reaches at these sizes"); the
verdict below does not use it.

The verdict (``drifted``, ``test``, ``p_value``, ``adjusted_p_value``, ``reasons``)
    Each feature gets the tests that fit it (``tests``, each with its raw p-value and effect size):
    * **distribution**: numeric with more than two distinct values — KS, the ``ks_pvalue`` above
      (= ``scipy.stats.ks_2samp``); categorical with three or more categories — chi-square, the
      ``chi2_pvalue`` above (= ``scipy.stats.chi2_contingency``); **binary** (exactly two distinct
      values or categories in the two samples together) — a two-proportion test on the share of the
      value rarer in the reference: the score test (= ``chi2_contingency(correction=False)``) when
      every expected cell count of the 2×2 table is at least 5, else Fisher's exact test
      (``scipy.stats.fisher_exact``, two-sided). One distinct value: no distribution test.
    * **missing**: the missing rate of all rows, reference vs current, with the same two-proportion
      test (only when a value is missing somewhere: a test that cannot reject is not counted).
    * **unseen** (categorical): the share of serving values whose category the reference never holds,
      against the Good–Turing estimate of that share under no change — the share of reference values
      whose category appears there exactly once — with the two-proportion test. Comparing with 0
      would call every id-like feature drifted, since a fresh sample of ids is mostly new ids.
    * **tail** (numeric, more than 10 distinct values, at least 100 reference values): the share of
      values outside the reference's 1st–99th percentile range (numpy's default quantiles, strictly
      outside), reference vs current, with the two-proportion test. KS looks at the largest gap
      between the two CDFs, so ×100 values on 2% of 5,000 rows (KS statistic ~0.02, p ~0.3) pass it;
      this test sees them (2% → ~4%, p ~1e-7).
    Within a feature the p-values are adjusted with **Holm** (the smallest adjusted one, the feature's
    ``p_value``, equals Bonferroni: number of tests × smallest p, at most 1). Across the features that
    have a ``p_value``, ``scipy.stats.false_discovery_control`` (Benjamini–Hochberg) gives
    ``adjusted_p_value``; a feature is beyond chance when it is below ``FDR_Q`` = 0.05, which keeps
    the expected share of false flags among flagged features at most 5%. With t the largest raw
    ``p_value`` BH rejects, a test of a rejected feature is beyond chance when its Holm p ≤ t.
    **Drifted** = beyond chance AND a test beyond chance whose effect reaches its floor (``FLOORS``):
    distribution — Wasserstein/σ ≥ 0.1 or JS distance ≥ 0.05 (numeric), JS ≥ 0.05 (categorical,
    binary); missing — |Δ missing rate| ≥ 0.02; unseen — unseen share − Good–Turing share ≥ 0.01;
    tail — |Δ share outside| ≥ 0.01. At a million rows a 0.01σ shift is beyond chance and harmless:
    the floors keep it from being called drift. ``reasons`` says in words why a feature drifted
    ("missing 0.0% → 39.0% …", "KS p = 3e-12, W/σ = 1.0 …") or why not (within chance; beyond chance
    but below the floors; "too few rows to tell" when an effect reaches its floor but its p-value
    does not clear q). Features without any test (left out, no values) get no verdict and are not
    counted in ``DriftReport.drifted_share``.

Speed: every column is sorted once; KS and Wasserstein come from one merge of the sorted samples,
bin counts from searchsorted on them. The splits are drawn once per (n_reference, k) as sorted
positions into the sorted reference, so a split's two parts come out sorted without sorting, and
the KS path (which part each merged value belongs to) is shared by every feature with the same sizes.
Features run on a small thread pool (numpy releases the GIL in the heavy loops); dot products use
``np.einsum``, not BLAS, whose own threads would fight the pool's. Text columns stay Arrow strings
and are parsed with Arrow's cast. ``benchmarks/bench_drift.py`` measures 1,000,000 rows × 20 numeric
features per side.

This module never imports streamlit.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from triage.tabular import InputError, check_upload_size, is_parquet, read_parquet, read_table

try:  # scipy's exact two-sample KS p-value; private, so keep a fallback (asymptotic) if it moves.
    from scipy.stats._stats_py import _attempt_exact_2kssamp
except ImportError:  # pragma: no cover - only with another scipy version
    _attempt_exact_2kssamp = None

__all__ = [
    "BAND_MAX_ROWS", "DEFAULT_SPLITS", "FDR_Q", "FLOORS", "JS_THRESHOLD", "STATISTICS", "DriftReport",
    "DriftTest", "FeatureDrift", "ValueSpike", "compare", "drift_report", "drift_report_json",
    "p_text", "psi_reading", "read_sample", "two_proportion_test",
]

STATISTICS = ("ks_statistic", "ks_pvalue", "wasserstein_norm", "psi", "js_distance", "chi2_pvalue",
              "linf")
PVALUES = frozenset({"ks_pvalue", "chi2_pvalue"})
NUMERIC_STATISTICS = ("ks_statistic", "ks_pvalue", "wasserstein_norm", "psi", "js_distance")
CATEGORICAL_STATISTICS = ("psi", "js_distance", "chi2_pvalue", "linf")
JS_THRESHOLD = 0.1  # the old JS-only verdict's cut; kept for callers that draw it
FDR_Q = 0.05  # Benjamini–Hochberg level across features
# Effect-size floors a test beyond chance must reach for a feature to be called drifted.
FLOORS = {"wasserstein_norm": 0.1, "js_distance": 0.05, "missing": 0.02, "unseen": 0.01,
          "tail": 0.01}
TAIL_QUANTILES = (0.01, 0.99)
TAIL_MIN_REFERENCE = 100
FISHER_BELOW_EXPECTED = 5.0  # Fisher's exact test when an expected 2×2 count is below this
PSI_FLOOR = 1e-4
STD_FLOOR = 1e-3
MAX_VALUE_BINS = 10
DECILES = np.arange(1, 10) / 10
DEFAULT_SPLITS = 50
BAND_MAX_ROWS = 50_000
BAND_UPPER, BAND_LOWER = 95, 5
EXACT_KS_MAX_N = 10_000  # scipy's ks_2samp 'auto': exact when both sizes are at most this
MOSTLY_NUMERIC = 0.9
MAX_CHART_CATEGORIES = 20
MAX_UNSEEN = 20
MISSING_RATE_NOTE = 0.05
SPIKE_MIN_SHARE = 0.2
SPIKE_MIN_RATIO = 2.0
SPIKE_MIN_RISE = 0.1
SPIKE_MIN_Z = 4.0
# Category texts that read as a filled-in default (compared lower-cased, stripped).
DEFAULT_TEXTS = frozenset({"0", "-1", "-", "?", "unknown", "none", "null", "nan", "n/a", "na",
                           "missing", "default", "other", "undefined", "not set", "(not set)",
                           "empty", "no value"})
# Texts pandas' read_csv treats as missing by default; here only inside otherwise numeric columns.
NA_TEXTS = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
                      "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
_NA_TEXT_LIST = sorted(NA_TEXTS)
# The texts Arrow's (and pandas') float parser accepts, as RE2 matches them all at once.
_NUMBER_TEXT = r"^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$"
_NAME_SEPARATORS = re.compile(r"[\s\-]+")
_FAST_SMIRNOV_MIN_N = 2_000
_MAX_WORKERS = 4


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueSpike:
    """One value held by far more serving rows than training rows (shares of all rows)."""

    value: str
    reference_share: float
    current_share: float


@dataclass(frozen=True)
class DriftTest:
    """One test of a feature: ``name`` is "distribution", "missing", "unseen" or "tail"; ``method``
    the test run; ``effects`` (name, value, floor) the effect sizes its floor is checked on;
    ``holm_p_value`` the p-value after Holm within the feature; ``significant`` is set by the
    verdict across features (BH); ``text`` the numbers in words."""

    name: str
    method: str
    p_value: float
    effects: tuple[tuple[str, float, float], ...]
    text: str
    holm_p_value: float = 1.0
    significant: bool = False

    @property
    def above_floor(self) -> bool:
        return any(value >= floor for _, value, floor in self.effects)


@dataclass(frozen=True)
class FeatureDrift:
    """Drift of one feature. Statistics that do not apply or cannot be computed are None.

    ``null_band`` maps every name in ``STATISTICS`` to its band (95th percentile, 5th for p-values)
    or None. ``bin_labels`` with ``reference_shares``/``current_shares`` are what a chart draws: the
    numeric bins, or the categories (the 20 largest, then "(other)"). ``unseen`` holds up to 20
    categories seen only in the current sample, with their current share. ``default_spike`` is a
    value far more common at serving than in training (see the module notes), or None.
    """

    feature: str
    kind: str  # "numeric", "categorical" or "unknown" (type could not be settled)
    n_reference: int = 0
    n_current: int = 0
    ks_statistic: float | None = None
    ks_pvalue: float | None = None
    wasserstein_norm: float | None = None
    psi: float | None = None
    js_distance: float | None = None
    chi2_pvalue: float | None = None
    linf: float | None = None
    missing_rate_reference: float | None = None
    missing_rate_current: float | None = None
    null_band: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(STATISTICS))
    drifted: bool = False
    unseen: dict[str, float] = field(default_factory=dict)
    default_spike: ValueSpike | None = None
    note: str = ""
    bin_labels: tuple[str, ...] = ()
    reference_shares: tuple[float, ...] = ()
    current_shares: tuple[float, ...] = ()
    tests: tuple[DriftTest, ...] = ()
    test: str = ""  # the distribution test's method, or the tests run when there is none
    p_value: float | None = None  # smallest Holm-adjusted p-value of the feature's tests
    adjusted_p_value: float | None = None  # after Benjamini–Hochberg across features
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class DriftReport:
    """Features ranked by JS distance (largest first; features without one last)."""

    features: tuple[FeatureDrift, ...]
    problems: tuple[str, ...] = ()
    only_in_reference: tuple[str, ...] = ()
    only_in_current: tuple[str, ...] = ()
    q: float = FDR_Q

    @property
    def drifted(self) -> tuple[FeatureDrift, ...]:
        return tuple(feature for feature in self.features if feature.drifted)

    @property
    def tested(self) -> tuple[FeatureDrift, ...]:
        """Features with at least one test (the denominator of ``drifted_share``)."""
        return tuple(feature for feature in self.features if feature.p_value is not None)

    @property
    def drifted_share(self) -> float | None:
        """Drifted features as a share of the tested ones; None when none could be tested."""
        tested = len(self.tested)
        return len(self.drifted) / tested if tested else None

    @property
    def default_spikes(self) -> tuple[FeatureDrift, ...]:
        """Features with a default-value spike, the largest rise first."""
        spiked = [f for f in self.features if f.default_spike is not None]
        return tuple(sorted(spiked, key=lambda f: -(f.default_spike.current_share
                                                    - f.default_spike.reference_share)))

    @property
    def new_categories(self) -> tuple[tuple[str, str, float], ...]:
        """(feature, category, share of serving rows it holds) for every category unseen in
        training, the largest share first."""
        found = [(f.feature, category, share) for f in self.features
                 for category, share in f.unseen.items()]
        return tuple(sorted(found, key=lambda item: -item[2]))


def psi_reading(psi: float | None) -> str:
    """DESIGN.md's reading of a PSI: < 0.1 none, 0.1–0.25 moderate, > 0.25 major."""
    if psi is None or not math.isfinite(psi):
        return "unknown"
    return "none" if psi < 0.1 else "moderate" if psi <= 0.25 else "major"


def drift_report_json(report: DriftReport) -> dict[str, Any]:
    """The report as strict JSON-able data: every NaN or ±inf becomes None."""
    features = []
    for item in report.features:
        row: dict[str, Any] = {"feature": item.feature, "kind": item.kind,
                               "n_reference": item.n_reference, "n_current": item.n_current}
        for name in (*STATISTICS, "missing_rate_reference", "missing_rate_current"):
            row[name] = _json_float(getattr(item, name))
        row["null_band"] = {name: _json_float(item.null_band.get(name)) for name in STATISTICS}
        row["drifted"] = bool(item.drifted)
        row["test"] = item.test
        row["p_value"] = _json_float(item.p_value)
        row["adjusted_p_value"] = _json_float(item.adjusted_p_value)
        row["reasons"] = list(item.reasons)
        row["tests"] = [{
            "name": test.name, "method": test.method, "p_value": _json_float(test.p_value),
            "holm_p_value": _json_float(test.holm_p_value), "significant": bool(test.significant),
            "effects": [{"name": name, "value": _json_float(value), "floor": floor}
                        for name, value, floor in test.effects],
            "text": test.text} for test in item.tests]
        row["note"] = item.note
        row["unseen"] = {str(key): _json_float(value) for key, value in item.unseen.items()}
        spike = item.default_spike
        row["default_spike"] = None if spike is None else {
            "value": spike.value, "reference_share": _json_float(spike.reference_share),
            "current_share": _json_float(spike.current_share)}
        row["bin_labels"] = list(item.bin_labels)
        row["reference_shares"] = [_json_float(value) for value in item.reference_shares]
        row["current_shares"] = [_json_float(value) for value in item.current_shares]
        features.append(row)
    return {"features": features, "drifted_count": len(report.drifted),
            "tested_features": len(report.tested),
            "drifted_share": _json_float(report.drifted_share), "q": report.q,
            "floors": dict(FLOORS), "problems": list(report.problems),
            "only_in_reference": list(report.only_in_reference),
            "only_in_current": list(report.only_in_current)}


def drift_report(reference: bytes, current: bytes, *, reference_name: str = "reference",
                 current_name: str = "current", seed: int = 0,
                 splits: int = DEFAULT_SPLITS) -> dict[str, Any]:
    """Two uploaded samples (CSV or Parquet bytes) in, the strict-JSON report out.

    The entry point for a CLI or a page: ``read_sample`` both, ``compare``, ``drift_report_json``,
    plus ``"notes"``: what had to be guessed to read the files. Raises InputError for unusable files.
    """
    frames = [read_sample(reference, reference_name), read_sample(current, current_name)]
    data = drift_report_json(compare(frames[0], frames[1], seed=seed, splits=splits))
    data["notes"] = [f"{name}: {note}" for name, frame in zip((reference_name, current_name), frames,
                                                                strict=True)
                     for note in frame.attrs.get("notes", ())]
    return data


def _json_float(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


# --- reading -----------------------------------------------------------------------------


def read_sample(data: bytes, name: str) -> pd.DataFrame:
    """A feature sample from CSV bytes (all-string cells) or Parquet bytes (typed columns).

    Parquet is recognised by its magic bytes ``PAR1`` at both ends (``triage.tabular.is_parquet``)
    and refused past the row, column and size limits its footer gives, before it is read. Column
    names are normalised as for CSV ("Feature A" -> "feature_a"). ``frame.attrs["notes"]`` carries
    what had to be guessed to read a CSV. Raises InputError with a message a person can act on.
    """
    if is_parquet(data, name):
        return _read_parquet(data, name)
    result = read_table(data, name=name)
    frame = result.frame
    frame.attrs["notes"] = tuple(result.notes)
    return frame


def _read_parquet(data: bytes, name: str) -> pd.DataFrame:
    import pyarrow as pa  # lazily: only Parquet uploads pay for importing pyarrow

    check_upload_size(data, name)
    try:
        # split_blocks + self_destruct: each column is handed over (zero-copy where it can be)
        # and its Arrow buffer released as it goes, instead of a full second copy of the table.
        frame = read_parquet(data, name).to_pandas(split_blocks=True, self_destruct=True)
    except InputError:  # past a limit, or an unreadable footer: already worded for the user
        raise
    except (pa.ArrowException, OSError, ValueError, TypeError, NotImplementedError) as err:
        raise InputError(
            f"{name} starts like a Parquet file but could not be read ({_shorten(str(err), 160)}). "
            "The file may be truncated or use an unsupported feature: export it again, or upload "
            "the sample as CSV."
        ) from None
    names = [_NAME_SEPARATORS.sub("_", str(column).strip().lower()) for column in frame.columns]
    duplicates = sorted({column for column in names if names.count(column) > 1})
    if duplicates:
        raise InputError(
            f"{name}: column names must be unique, but {_quoted(duplicates)} appear more than once "
            "(names are compared ignoring case, spaces and hyphens). Rename them and upload again."
        )
    if not names:
        raise InputError(f"{name} is a Parquet file without columns: upload a sample with features.")
    if frame.empty:
        raise InputError(f"{name} has columns but no rows: upload a sample with at least one row.")
    frame.columns = names
    frame.attrs["notes"] = ()
    return frame


# --- compare -----------------------------------------------------------------------------


def compare(reference: pd.DataFrame, current: pd.DataFrame, *, seed: int = 0,
            splits: int = DEFAULT_SPLITS) -> DriftReport:
    """Drift of every column the two samples share, ranked by Jensen–Shannon distance.

    ``seed`` (a non-negative integer) fixes the null-band splits; ``splits`` is how many there are.
    Never raises on bad data: unusable columns come back with null statistics and a note, and what
    the meeting should know goes into ``problems``.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(splits, bool) or not isinstance(splits, int | np.integer) or splits < 1:
        raise ValueError(f"splits must be a positive integer, got {splits!r}")
    problems: list[str] = []
    ref_columns = _unique_columns(reference, "reference", problems)
    cur_columns = _unique_columns(current, "current", problems)
    shared, only_ref, only_cur = reconcile_columns(ref_columns, cur_columns, problems)
    for side, frame in (("reference", reference), ("current", current)):
        if len(frame) == 0:
            problems.append(f"The {side} sample has no rows.")

    columns = [_prepare(str(column), reference[column], current[column]) for column in shared]
    problems.extend(column.problem for column in columns if column.problem)
    order = sorted(range(len(columns)), key=lambda i: (columns[i].band_key or (0, 0), i))
    cache = _DrawCache(int(seed), int(splits),
                       Counter(column.band_key for column in columns if column.band_key))
    results: list[FeatureDrift | None] = [None] * len(columns)

    def run(i: int) -> None:
        results[i] = _analyse_safely(columns[i], cache)
        columns[i] = None  # type: ignore[call-overload]  # free the column's arrays early

    workers = min(_MAX_WORKERS, _cpu_count(), len(order))
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, order))
    else:
        for i in order:
            run(i)
    features = [result for result in results if result is not None]
    for feature in features:
        if feature.note.startswith("could not be computed"):
            problems.append(f'column "{feature.feature}": {feature.note}')
    features = _verdicts(features, FDR_Q)
    features.sort(key=lambda f: (f.js_distance is None, -(f.js_distance or 0.0)))
    return DriftReport(tuple(features), tuple(problems), only_ref, only_cur)


def reconcile_columns(ref_columns: list, cur_columns: list, problems: list[str]
                      ) -> tuple[list, tuple[str, ...], tuple[str, ...]]:
    """The columns both samples hold (in the reference's order), and those only one holds, each
    named in ``problems``; also says when nothing is shared."""
    shared = [column for column in ref_columns if column in cur_columns]
    only_ref = tuple(str(column) for column in ref_columns if column not in cur_columns)
    only_cur = tuple(str(column) for column in cur_columns if column not in ref_columns)
    for side, columns in (("reference", only_ref), ("current", only_cur)):
        if columns:
            plural = "s" if len(columns) > 1 else ""
            problems.append(f"{len(columns)} column{plural} only in the {side} sample, left out: "
                            f"{_listing(columns)}.")
    if not shared:
        problems.append("The two samples have no column in common, so nothing can be compared. "
                        "Check that both files hold the same features under the same names.")
    return shared, only_ref, only_cur


def _unique_columns(frame: pd.DataFrame, side: str, problems: list[str]) -> list[Any]:
    seen: list[Any] = []
    duplicated: list[str] = []
    for column in frame.columns:
        if column in seen:
            duplicated.append(str(column))
        else:
            seen.append(column)
    if duplicated:
        problems.append(f"The {side} sample has repeated column names ({_listing(duplicated)}); "
                        "those columns are left out.")
        seen = [column for column in seen if str(column) not in duplicated]
    return seen


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# --- preparing a column ------------------------------------------------------------------


@dataclass(eq=False)
class _Side:
    """One sample's view of a column, before the two samples decide its kind."""

    rows: int
    missing: int
    numbers: np.ndarray | None = None  # floats when the values parse (missing ones excluded)
    numbers_mask: np.ndarray | None = None  # for numeric dtypes: which rows are finite; None = all
    infinite: int = 0
    texts: pd.Series | None = None  # stripped strings of the non-missing values (text columns)
    bad: int = 0  # non-missing values that are not numbers (text columns)
    bad_example: str = ""
    na_texts: int = 0  # values that are NA texts ("NA", "null", ...), missing if numeric

    @property
    def present(self) -> int:
        """Non-missing values when the column is categorical."""
        return self.rows - self.missing

    @property
    def numeric_dtype(self) -> bool:
        return self.texts is None

    @property
    def parsed(self) -> int:
        return self.present - self.bad - self.na_texts if self.texts is not None else self.present


@dataclass(eq=False)
class _Column:
    """A feature ready for statistics: kind decided, values extracted."""

    name: str
    kind: str
    rows: tuple[int, int]
    missing: tuple[int, int]
    reference: np.ndarray | None = None  # numeric: finite floats; categorical: category codes
    current: np.ndarray | None = None
    categories: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    problem: str | None = None

    @property
    def sizes(self) -> tuple[int, int]:
        if self.reference is None or self.current is None:
            return (0, 0)
        return (len(self.reference), len(self.current))

    @property
    def band_key(self) -> tuple[int, int] | None:
        n_ref, n_cur = self.sizes
        k = min(n_cur, n_ref // 2)
        return (n_ref, k) if k >= 1 and self.problem is None else None


def _prepare(name: str, reference: pd.Series, current: pd.Series) -> _Column:
    ref, cur = _side(reference), _side(current)
    rows = (ref.rows, cur.rows)
    sides = (("reference", ref), ("current", cur))
    if all(side.bad == 0 for side in (ref, cur)) and any(side.parsed for side in (ref, cur)):
        return _numeric_column(name, ref, cur)
    if not any(side.parsed or side.bad for side in (ref, cur)):  # nothing but missing values
        kind = "numeric" if any(side.numeric_dtype for side in (ref, cur)) else "unknown"
        column = _Column(name, kind, rows, (ref.missing + ref.na_texts, cur.missing + cur.na_texts))
        column.notes.append("no values in either sample")
        return column
    missing = (ref.missing, cur.missing)
    numeric = [label for label, side in sides if side.bad == 0 and side.parsed]
    text = [(label, side) for label, side in sides if side.bad and not side.parsed]
    parsed = sum(side.parsed for side in (ref, cur))
    share = parsed / sum(side.parsed + side.bad for side in (ref, cur))
    if numeric and (text or share < MOSTLY_NUMERIC):
        label, side = next((label, side) for label, side in sides if side.bad)
        problem = (f'column "{name}" is left out: it holds numbers in the {numeric[0]} sample but '
                   f"text in the {label} sample, where {_bad_values(label, side)}. Make both "
                   "samples use the same type for this column.")
        column = _Column(name, "unknown", rows, missing, problem=problem)
        column.notes.append("left out: numbers in one sample, text in the other")
        return column
    if share >= MOSTLY_NUMERIC:
        details = "; ".join(_bad_values(label, side) for label, side in sides if side.bad)
        problem = (f'column "{name}" is left out: it holds numbers but {details}. Fix or blank '
                   "those cells and upload again.")
        column = _Column(name, "numeric", rows, missing, problem=problem)
        column.notes.append("left out: some values are not numbers")
        return column
    return _categorical_column(name, ref, cur)


def _bad_values(label: str, side: _Side) -> str:
    verb = "is not a number" if side.bad == 1 else "are not numbers"
    return (f"{side.bad:,} of {side.parsed + side.bad:,} values in the {label} sample {verb} "
            f"(e.g. {_shorten(side.bad_example, 40)!r})")


def _side(series: pd.Series) -> _Side:
    """Read one sample's column: numbers straight from a numeric dtype, else parse the text."""
    rows = len(series)
    dtype = series.dtype
    if (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
            and not pd.api.types.is_complex_dtype(dtype)):
        values = series.to_numpy()
        if values.dtype.kind == "O" or not isinstance(values, np.ndarray):
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        if values.dtype.kind in "iu":  # integers cannot be missing or infinite
            return _Side(rows, 0, numbers=values)
        finite = np.isfinite(values)
        n_finite = int(np.count_nonzero(finite))
        if n_finite == rows:
            return _Side(rows, 0, numbers=values)
        missing = int(np.count_nonzero(np.isnan(values)))
        return _Side(rows, missing, numbers=values, numbers_mask=finite,
                     infinite=rows - n_finite - missing)
    if isinstance(dtype, pd.StringDtype):
        texts = series[series.notna()]
    else:  # objects, booleans, categories, dates: their text, as one string dtype
        objects = series.astype(object)
        texts = objects[objects.notna()].astype("str")
    texts = texts.str.strip()
    texts = texts[texts != ""]
    side = _Side(rows, rows - len(texts), texts=texts)
    na_text = texts.isin(_NA_TEXT_LIST).to_numpy()
    side.na_texts = int(np.count_nonzero(na_text))
    candidates = texts[~na_text]
    if pd.api.types.is_bool_dtype(dtype) or not len(candidates):
        side.bad = len(candidates)
        side.bad_example = str(candidates.iloc[0]) if len(candidates) else ""
        return side
    numbers = _parse_numbers(candidates)
    bad = np.isnan(numbers)
    side.bad = int(np.count_nonzero(bad))
    if side.bad:
        side.bad_example = str(candidates.iloc[int(np.argmax(bad))])
    else:
        side.numbers = numbers
    return side


def _parse_numbers(texts: pd.Series) -> np.ndarray:
    """Floats of ``texts``, NaN where a text is not a number.

    Arrow's C++ cast parses what pd.to_numeric parses, ~10× faster, but stops at the first bad
    text. Then a regular expression that accepts exactly the texts that cast accepts (checked in
    the tests) finds the number-like ones, and only those are cast.
    """
    import pyarrow as pa  # pandas' string dtype has loaded it already
    import pyarrow.compute as pc

    array = pa.array(texts)
    try:
        return np.asarray(pc.cast(array, pa.float64()), dtype=np.float64)
    except pa.ArrowInvalid:
        pass
    number_like = pc.match_substring_regex(array, _NUMBER_TEXT, ignore_case=True)
    mask = np.asarray(number_like, dtype=bool)
    numbers = np.full(len(mask), np.nan)
    if mask.any():
        chosen = pc.filter(array, number_like)
        try:
            numbers[mask] = np.asarray(pc.cast(chosen, pa.float64()), dtype=np.float64)
        except pa.ArrowInvalid:  # pragma: no cover - the pattern and the cast disagree
            numbers[mask] = pd.to_numeric(pd.Series(chosen.to_pylist()), errors="coerce")
    return numbers


def _numeric_column(name: str, ref: _Side, cur: _Side) -> _Column:
    arrays = []
    for side in (ref, cur):
        if side.numbers is None:  # a text side with nothing but missing values
            arrays.append(np.empty(0))
            continue
        values = side.numbers
        if side.numbers_mask is not None:
            values = values[side.numbers_mask]
        elif side.texts is not None:  # parsed text: infinities may hide in it
            finite = np.isfinite(values)
            side.infinite = len(values) - int(np.count_nonzero(finite))
            values = values[finite] if side.infinite else values
        arrays.append(values)
    missing = tuple(side.missing + side.na_texts for side in (ref, cur))
    column = _Column(name, "numeric", (ref.rows, cur.rows), missing, arrays[0], arrays[1])
    if ref.infinite or cur.infinite:
        column.notes.append(f"left out infinite values: {ref.infinite:,} in the reference, "
                            f"{cur.infinite:,} in the current sample")
    return column


def _categorical_column(name: str, ref: _Side, cur: _Side) -> _Column:
    empty = pd.Series([], dtype="str")
    texts = pd.concat([ref.texts if ref.texts is not None else empty,
                       cur.texts if cur.texts is not None else empty], ignore_index=True)
    codes, categories = pd.factorize(texts, sort=False)
    split = ref.present
    return _Column(name, "categorical", (ref.rows, cur.rows), (ref.missing, cur.missing),
                   codes[:split], codes[split:], np.asarray(categories, dtype=object))


# --- per-feature analysis ----------------------------------------------------------------


def _analyse_safely(column: _Column, cache: _DrawCache) -> FeatureDrift:
    """Statistics of one feature; an unexpected failure becomes a note, never a crash."""
    key = column.band_key
    try:
        with np.errstate(all="ignore"):  # extreme values may overflow; non-finite results -> None
            return _analyse(column, cache)
    except Exception as err:  # noqa: BLE001 - one bad column must not sink the report
        return FeatureDrift(
            column.name, column.kind, missing_rate_reference=_rate(column.missing[0], column.rows[0]),
            missing_rate_current=_rate(column.missing[1], column.rows[1]),
            note=f"could not be computed ({type(err).__name__}: {_shorten(str(err), 120)})",
        )
    finally:
        if key is not None:
            cache.release(key)


def _analyse(column: _Column, cache: _DrawCache) -> FeatureDrift:
    notes = list(column.notes)
    base: dict[str, Any] = {
        "feature": column.name, "kind": column.kind,
        "missing_rate_reference": _rate(column.missing[0], column.rows[0]),
        "missing_rate_current": _rate(column.missing[1], column.rows[1]),
    }
    rate_ref, rate_cur = base["missing_rate_reference"], base["missing_rate_current"]
    if rate_ref is not None and rate_cur is not None and abs(rate_cur - rate_ref) >= MISSING_RATE_NOTE:
        notes.append(f"missing rate {_percent(rate_ref)} in the reference, {_percent(rate_cur)} in "
                     "the current sample")
    base.update(n_reference=column.rows[0] - column.missing[0],
                n_current=column.rows[1] - column.missing[1])
    if column.problem is not None:
        return FeatureDrift(**base, note="; ".join(notes))
    missing_test = _missing_test(column)
    if column.reference is None or column.current is None:
        return FeatureDrift(**base, note="; ".join(notes), **_holm([missing_test]))
    n_ref, n_cur = column.sizes
    base.update(n_reference=n_ref, n_current=n_cur)
    empty = [label for label, n in (("reference", n_ref), ("current", n_cur)) if n == 0]
    if empty:
        notes.append(f"no values in the {' or '.join(empty)} sample")
        return FeatureDrift(**base, note="; ".join(notes), **_holm([missing_test]))
    if column.kind == "numeric":
        stats_, band, extras = _numeric_feature(column, cache)
    else:
        stats_, band, extras = _categorical_feature(column, cache, notes)
    if (spike := extras.get("default_spike")) is not None:
        notes.append(f"default-value spike: {spike.value} on {_percent(spike.current_share)} of "
                     f"the current rows, {_percent(spike.reference_share)} of the reference rows")
    null_band = dict.fromkeys(STATISTICS)
    if band is None:
        notes.append("the reference needs at least 2 values for a null band, so there is no drift "
                     "verdict")
    else:
        null_band.update(band)
    tests = [*extras.pop("tests"), missing_test]
    return FeatureDrift(**base, **stats_, null_band=null_band, note="; ".join(notes), **extras,
                        **_holm(tests))


def _rate(missing: int, rows: int) -> float | None:
    return missing / rows if rows else None


# --- tests and the verdict ---------------------------------------------------------------


def two_proportion_test(x1: float, n1: float, x2: float, n2: float) -> tuple[float, str]:
    """Two-sided p-value that x1/n1 and x2/n2 share one proportion, and the method used.

    The 2×2 table [[x1, n1 − x1], [x2, n2 − x2]]: the pooled score test (its z² is the chi-square
    statistic without continuity correction, ``chi2_contingency(table, correction=False)``) when
    every expected count is at least 5, else Fisher's exact test. A table with an empty row or
    column has p = 1.
    """
    x1, n1, x2, n2 = float(x1), float(n1), float(x2), float(n2)
    total, events = n1 + n2, x1 + x2
    if n1 <= 0 or n2 <= 0 or events <= 0 or events >= total:
        return 1.0, "score test"
    expected = min(n1, n2) * min(events, total - events) / total
    if expected < FISHER_BELOW_EXPECTED:
        table = np.array([[x1, n1 - x1], [x2, n2 - x2]], dtype=np.int64)
        return float(stats.fisher_exact(table).pvalue), "Fisher exact"
    pooled = events / total
    z = (x2 / n2 - x1 / n1) / math.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(special.chdtrc(1.0, z * z)), "score test"


def _binary_test(value: str, ref_count: float, n: int, cur_count: float, m: int,
                 js: float) -> DriftTest:
    p, method = two_proportion_test(ref_count, n, cur_count, m)
    return DriftTest("distribution", f"two-proportion {method}", p,
                     (("js_distance", js, FLOORS["js_distance"]),),
                     f"share of {_shorten(value, 40)!r} {_percent(ref_count / n)} → "
                     f"{_percent(cur_count / m)} ({method} p {_p(p)}, JS = {js:.3f})")


def _missing_test(column: _Column) -> DriftTest | None:
    (miss_ref, miss_cur), (rows_ref, rows_cur) = column.missing, column.rows
    if not rows_ref or not rows_cur or not (miss_ref + miss_cur):
        return None
    if miss_ref == rows_ref and miss_cur == rows_cur:
        return None
    p, method = two_proportion_test(miss_ref, rows_ref, miss_cur, rows_cur)
    delta = abs(miss_cur / rows_cur - miss_ref / rows_ref)
    return DriftTest("missing", method, p, (("missing", delta, FLOORS["missing"]),),
                     f"missing {_percent(miss_ref / rows_ref)} → {_percent(miss_cur / rows_cur)} "
                     f"({method} p {_p(p)})")


def _unseen_test(unseen: float, singletons: float, n: int, m: int) -> DriftTest | None:
    """Serving values in categories the reference lacks against the Good–Turing share."""
    if not unseen and not singletons:
        return None
    p, method = two_proportion_test(singletons, n, unseen, m)
    excess = unseen / m - singletons / n
    return DriftTest("unseen", method, p, (("unseen", excess, FLOORS["unseen"]),),
                     f"categories unseen in training hold {_percent(unseen / m)} of serving values "
                     f"(no change would give about {_percent(singletons / n)}, the training share "
                     f"of categories seen once; {method} p {_p(p)})")


def _tail_test(ref: np.ndarray, cur: np.ndarray) -> DriftTest:
    """Values strictly outside the reference's 1st–99th percentile, on the sorted samples."""
    low, high = (_sorted_quantile(ref, q) for q in TAIL_QUANTILES)
    outside = [float(np.searchsorted(x, low, side="left") + len(x)
                     - np.searchsorted(x, high, side="right")) for x in (ref, cur)]
    n, m = len(ref), len(cur)
    p, method = two_proportion_test(outside[0], n, outside[1], m)
    delta = abs(outside[1] / m - outside[0] / n)
    return DriftTest("tail", method, p, (("tail", delta, FLOORS["tail"]),),
                     f"outside training's 1st–99th percentile ({_number(low)} to {_number(high)}): "
                     f"{_percent(outside[0] / n)} → {_percent(outside[1] / m)} of values "
                     f"({method} p {_p(p)})")


def _sorted_quantile(values: np.ndarray, q: float) -> float:
    """``np.quantile(values, q)`` (linear interpolation) of an already sorted array, without the
    O(n) partition numpy runs."""
    h = (len(values) - 1) * q
    low = int(math.floor(h))
    high = min(low + 1, len(values) - 1)
    return float(values[low] + (h - low) * (values[high] - values[low]))


def _holm(tests: Iterable[DriftTest | None]) -> dict[str, Any]:
    """The feature's tests with Holm-adjusted p-values; ``p_value`` is the smallest of those."""
    kept = [test for test in tests if test is not None and math.isfinite(test.p_value)]
    if not kept:
        return {}
    order = sorted(range(len(kept)), key=lambda i: kept[i].p_value)
    adjusted = [1.0] * len(kept)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(kept) - rank) * kept[i].p_value))
        adjusted[i] = running
    kept = [replace(test, holm_p_value=adjusted[i]) for i, test in enumerate(kept)]
    distribution = [test.method for test in kept if test.name == "distribution"]
    names = distribution or [f"{test.name} ({test.method})" for test in kept]
    return {"tests": tuple(kept), "test": names[0] if distribution else " + ".join(names),
            "p_value": min(adjusted)}


def _verdicts(features: list[FeatureDrift], q: float) -> list[FeatureDrift]:
    """Benjamini–Hochberg across the tested features, then the effect floors, then the reasons."""
    tested = [i for i, feature in enumerate(features) if feature.p_value is not None]
    if not tested:
        return features
    raw = np.array([features[i].p_value for i in tested], dtype=np.float64)
    adjusted = stats.false_discovery_control(raw, method="bh")
    rejected = adjusted < q
    cutoff = float(raw[rejected].max()) if rejected.any() else -1.0
    out = list(features)
    for i, adj, beyond in zip(tested, adjusted, rejected, strict=True):
        feature = features[i]
        tests = tuple(replace(test, significant=bool(beyond and test.holm_p_value <= cutoff))
                      for test in feature.tests)
        drifting = [test for test in tests if test.significant and test.above_floor]
        out[i] = replace(feature, tests=tests, adjusted_p_value=float(adj),
                         drifted=bool(drifting), reasons=_reasons(tests, drifting, float(adj), q))
    return out


def _reasons(tests: tuple[DriftTest, ...], drifting: list[DriftTest], adjusted: float,
             q: float) -> tuple[str, ...]:
    if drifting:
        return tuple(test.text for test in drifting)
    significant = [test for test in tests if test.significant]
    if significant:
        floors = "; ".join(f"{test.text} — below the floor"
                           f"{'s' if len(test.effects) > 1 else ''} "
                           + " / ".join(f"{_EFFECT_NAMES[name]} {floor:g}"
                                        for name, _, floor in test.effects)
                           for test in significant)
        return (f"beyond chance (adjusted p {_p(adjusted)}) but too small to matter: {floors}",)
    large = [test for test in tests if test.above_floor]
    if large:
        return (f"too few rows to tell: adjusted p {_p(adjusted)} does not clear q = {q:g}, "
                f"though the effect reaches its floor ({large[0].text})",)
    return (f"within chance and the floors (adjusted p {_p(adjusted)})",)


_EFFECT_NAMES = {"wasserstein_norm": "W/σ", "js_distance": "JS", "missing": "|Δ missing|",
                 "unseen": "unseen excess", "tail": "|Δ tail share|"}


def p_text(p: float) -> str:
    """A p-value in two significant digits (0.031, 3e-12), "< 1e-300" where it underflows to 0."""
    return "< 1e-300" if p <= 0.0 else f"{p:.2g}"


def _p(p: float) -> str:
    """What follows "p" in a sentence: "= 0.031", "= 3e-12" or "< 1e-300"."""
    text = p_text(p)
    return text if text.startswith("<") else f"= {text}"


# --- numeric statistics ------------------------------------------------------------------


def _numeric_feature(column: _Column, cache: _DrawCache
                     ) -> tuple[dict[str, Any], dict[str, float | None] | None, dict[str, Any]]:
    ref = np.sort(np.asarray(column.reference, dtype=np.float64))
    cur = np.sort(np.asarray(column.current, dtype=np.float64))
    column.reference = column.current = None
    n, m = len(ref), len(cur)
    merged, gaps, step = _merge(ref, cur)
    distinct = 1 + int(np.count_nonzero(step))
    if distinct <= MAX_VALUE_BINS:
        values = np.append(merged[:-1][step > 0], merged[-1])
        edges = values[:-1]
        labels = tuple(_number(value) for value in values)
    else:
        edges = np.unique(np.quantile(ref, DECILES))
        labels = _interval_labels(edges)
    del merged
    spike = (_numeric_spike(ref, cur, column.rows) if distinct > MAX_VALUE_BINS else None)
    wasserstein = float(np.einsum("i,i->", gaps, step)) / (n * m)  # einsum: no BLAS threads
    gaps *= step > 0  # only where the next value differs are both ECDFs complete
    ks = float(gaps.max(initial=0.0)) / (n * m)
    del gaps, step
    ref_counts = _bin_counts(ref, edges)
    cur_counts = _bin_counts(cur, edges)
    ref_shares, cur_shares = ref_counts / n, cur_counts / m
    result = {
        "ks_statistic": ks,
        "ks_pvalue": _ks_pvalue(ks, n, m),
        "wasserstein_norm": wasserstein / max(float(np.std(ref)), STD_FLOOR),
        "psi": float(_psi(ref_shares, cur_shares)),
        "js_distance": float(_js(ref_shares, cur_shares)),
    }
    tests: list[DriftTest | None] = []
    if distinct == 2:
        rarer = int(np.argmin(ref_counts))
        tests.append(_binary_test(labels[rarer], ref_counts[rarer], n, cur_counts[rarer], m,
                                  result["js_distance"]))
    elif distinct > 2:
        effects = (("wasserstein_norm", result["wasserstein_norm"], FLOORS["wasserstein_norm"]),
                   ("js_distance", result["js_distance"], FLOORS["js_distance"]))
        tests.append(DriftTest("distribution", "KS", result["ks_pvalue"], effects,
                               f"KS p {_p(result['ks_pvalue'])}, W/σ = "
                               f"{result['wasserstein_norm']:.2g}, JS = {result['js_distance']:.3f}"))
    if distinct > MAX_VALUE_BINS and n >= TAIL_MIN_REFERENCE:
        tests.append(_tail_test(ref, cur))
    extras = {"bin_labels": labels, "reference_shares": tuple(map(float, ref_shares)),
              "current_shares": tuple(map(float, cur_shares)), "default_spike": spike,
              "tests": tests}
    key = (n, min(m, n // 2))  # == column.band_key, which the cache counted
    band = _numeric_band(ref, cache.acquire(key), edges) if key[1] >= 1 else None
    return result, band, extras


def _numeric_spike(ref: np.ndarray, cur: np.ndarray, rows: tuple[int, int]) -> ValueSpike | None:
    """The most risen value among those holding ``SPIKE_MIN_SHARE`` of the current rows (at most
    five), from the sorted samples: run lengths of ``cur``, counts in ``ref`` by searchsorted."""
    if not len(cur) or not rows[1]:
        return None
    starts = np.flatnonzero(np.concatenate(([True], cur[1:] != cur[:-1])))
    counts = np.diff(np.append(starts, len(cur)))
    large = np.flatnonzero(counts >= SPIKE_MIN_SHARE * rows[1])
    candidates = []
    for index in large:
        value = cur[starts[index]]
        in_ref = int(np.searchsorted(ref, value, side="right") - np.searchsorted(ref, value))
        candidates.append((_number(float(value)), in_ref, int(counts[index])))
    return _best_spike(candidates, rows)


def _best_spike(candidates: Iterable[tuple[str, int, int]], rows: tuple[int, int]
                ) -> ValueSpike | None:
    """(value, reference count, current count) → the spike with the largest rise, if any."""
    best = None
    n_ref, n_cur = rows
    if not n_ref or not n_cur:
        return None
    for value, ref_count, cur_count in candidates:
        r, c = ref_count / n_ref, cur_count / n_cur
        pooled = (ref_count + cur_count) / (n_ref + n_cur)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n_ref + 1 / n_cur))
        if (c >= SPIKE_MIN_SHARE and c >= SPIKE_MIN_RATIO * r and c - r >= SPIKE_MIN_RISE
                and se > 0 and (c - r) / se >= SPIKE_MIN_Z
                and (best is None or c - r > best.current_share - best.reference_share)):
            best = ValueSpike(value, r, c)
    return best


def _merge(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The merged sorted values, |n·m·(F_ref − F_cur)| after each one, and the step to the next.

    ``gaps[i]`` is exact (integers below 2^53 in float64) and taken after ``merged[i]``; where
    ``step[i] == 0`` the next value ties with this one, so the ECDFs are not yet complete there.
    """
    n, m = len(ref), len(cur)
    both = np.concatenate([ref, cur])
    order = np.argsort(both, kind="stable")  # a merge of two sorted runs: linear time
    merged = both[order]
    del both
    gaps = np.where(order[:-1] < n, float(m), float(-n))
    del order
    np.cumsum(gaps, out=gaps)
    np.abs(gaps, out=gaps)
    return merged, gaps, np.diff(merged)


def _bin_counts(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts per right-closed bin (−∞, e0], (e0, e1], …, (e_last, ∞) of a sorted array."""
    at_most = np.searchsorted(sorted_values, edges, side="right")
    return np.diff(np.concatenate([[0], at_most, [len(sorted_values)]])).astype(np.float64)


def _psi(ref_shares: np.ndarray, cur_shares: np.ndarray) -> np.ndarray:
    """Σ (c − r)·ln(c/r) over the last axis, shares floored at 1e-4."""
    r = np.maximum(ref_shares, PSI_FLOOR)
    c = np.maximum(cur_shares, PSI_FLOOR)
    return np.sum((c - r) * np.log(c / r), axis=-1)


def _js(ref_shares: np.ndarray, cur_shares: np.ndarray) -> np.ndarray:
    """scipy.spatial.distance.jensenshannon over the last axis, never NaN from rounding."""
    p = ref_shares / np.sum(ref_shares, axis=-1, keepdims=True)
    q = cur_shares / np.sum(cur_shares, axis=-1, keepdims=True)
    mid = (p + q) / 2.0
    js = np.sum(special.rel_entr(p, mid), axis=-1) + np.sum(special.rel_entr(q, mid), axis=-1)
    return np.sqrt(np.maximum(js / 2.0, 0.0))


def _interval_labels(edges: np.ndarray) -> tuple[str, ...]:
    if not len(edges):
        return ("all values",)
    text = [_number(edge) for edge in edges]
    middle = [f"({low}, {high}]" for low, high in zip(text[:-1], text[1:], strict=True)]
    return (f"≤ {text[0]}", *middle, f"> {text[-1]}")


def _number(value: float) -> str:
    return f"{value:.6g}"


# --- KS p-value --------------------------------------------------------------------------


def _ks_pvalue(d: float, n1: int, n2: int) -> float:
    """The p-value ``scipy.stats.ks_2samp`` (two-sided, method 'auto') gives for statistic ``d``."""
    if max(n1, n2) <= EXACT_KS_MAX_N and _attempt_exact_2kssamp is not None:
        success, _, prob = _attempt_exact_2kssamp(n1, n2, math.gcd(n1, n2), d, "two-sided")
        if success:
            return float(np.clip(prob, 0.0, 1.0))
    big, small = sorted([float(n1), float(n2)], reverse=True)
    en = big * small / (big + small)
    return float(np.clip(_kstwo_sf(d, int(np.round(en))), 0.0, 1.0))


def _kstwo_sf(d: float, n: int) -> float:
    """``scipy.stats.kstwo.sf(d, n)``; its O(n) one-sided Smirnov branch evaluated vectorised.

    scipy computes 2·smirnov(n, d) when n > 140, d < 0.5 and 2.2 ≤ n·d² < 370, with a scalar loop
    that takes ~0.5 s at n = 500,000. The same exact sum, done in log space with numpy, takes ~25 ms.
    """
    if n > _FAST_SMIRNOV_MIN_N and 0.0 < d < 0.5:
        t = n * d
        if 1.0 < t < n - 1 and 2.2 <= t * d < 370.0:
            return float(np.clip(2.0 * _smirnov_sf(n, d), 0.0, 1.0))
    return float(stats.kstwo.sf(d, n))


def _smirnov_sf(n: int, x: float) -> float:
    """P(D⁺ₙ ≥ x) = x·Σⱼ C(n, j)·(x + j/n)^(j−1)·(1 − x − j/n)^(n−j), j = 0…⌊n(1 − x)⌋.

    The exact one-sided Smirnov formula scipy.special.smirnov evaluates; here all terms at once in
    log space (every term is positive, so the sum has no cancellation). Relative error ~1e-10 at
    n = 500,000 from lgamma's rounding.
    """
    last = int(math.floor(n * (1.0 - x)))
    j = np.arange(last + 1, dtype=np.float64)
    p = x + j / n
    with np.errstate(divide="ignore"):
        log_terms = (special.gammaln(n + 1.0) - special.gammaln(j + 1.0) - special.gammaln(n - j + 1.0)
                     + (j - 1.0) * np.log(p) + (n - j) * np.log1p(-p))
    return float(x * np.sum(np.exp(log_terms)))


# --- categorical statistics --------------------------------------------------------------


def _categorical_feature(column: _Column, cache: _DrawCache, notes: list[str]
                         ) -> tuple[dict[str, Any], dict[str, float | None] | None, dict[str, Any]]:
    ref_codes, cur_codes = column.reference, column.current
    categories = column.categories
    assert ref_codes is not None and cur_codes is not None and categories is not None
    size = len(categories)
    ref_counts = np.bincount(ref_codes, minlength=size).astype(np.float64)
    cur_counts = np.bincount(cur_codes, minlength=size).astype(np.float64)
    n, m = len(ref_codes), len(cur_codes)
    ref_shares, cur_shares = ref_counts / n, cur_counts / m
    result = {
        "chi2_pvalue": _chi2_pvalue(ref_counts, cur_counts),
        "psi": float(_psi(ref_shares, cur_shares)),
        "js_distance": float(_js(ref_shares, cur_shares)),
        "linf": float(np.max(np.abs(ref_shares - cur_shares))),
    }
    unseen_mask = (ref_counts == 0) & (cur_counts > 0)
    unseen_order = np.argsort(-cur_shares[unseen_mask], kind="stable")
    unseen_index = np.flatnonzero(unseen_mask)[unseen_order]
    unseen = {str(categories[i]): float(cur_shares[i]) for i in unseen_index[:MAX_UNSEEN]}
    if len(unseen_index):
        notes.append(f"{len(unseen_index):,} categor{'y' if len(unseen_index) == 1 else 'ies'} unseen "
                     f"in the reference ({_percent(float(cur_shares[unseen_index].sum()))} of the "
                     "current sample)")
    defaults = [i for i in np.flatnonzero(cur_counts >= SPIKE_MIN_SHARE * column.rows[1])
                if str(categories[i]).strip().lower() in DEFAULT_TEXTS]
    spike = _best_spike(((str(categories[i]), int(ref_counts[i]), int(cur_counts[i]))
                         for i in defaults), column.rows)
    present = np.flatnonzero((ref_counts + cur_counts) > 0)
    tests: list[DriftTest | None] = []
    if len(present) == 2:
        rarer = present[int(np.argmin(ref_counts[present]))]
        tests.append(_binary_test(str(categories[rarer]), ref_counts[rarer], n, cur_counts[rarer],
                                  m, result["js_distance"]))
    elif len(present) > 2 and result["chi2_pvalue"] is not None:
        tests.append(DriftTest("distribution", "chi-square", result["chi2_pvalue"],
                               (("js_distance", result["js_distance"], FLOORS["js_distance"]),),
                               f"χ² p {_p(result['chi2_pvalue'])}, JS = "
                               f"{result['js_distance']:.3f}"))
    tests.append(_unseen_test(float(cur_counts[unseen_mask].sum()),
                              float(np.count_nonzero(ref_counts == 1)), n, m))
    extras = {"unseen": unseen, "default_spike": spike, "tests": tests,
              **_category_chart(categories, ref_shares, cur_shares)}
    key = (n, min(m, n // 2))
    band = _categorical_band(ref_codes, size, cache.acquire(key)) if key[1] >= 1 else None
    return result, band, extras


def _chi2_pvalue(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float | None:
    """chi2_contingency's p-value on the categories present in either row."""
    present = (ref_counts + cur_counts) > 0
    table = np.vstack([ref_counts[present], cur_counts[present]])
    if table.shape[1] == 0 or table.sum(axis=1).min() == 0:
        return None
    return float(stats.chi2_contingency(table).pvalue)


def _category_chart(categories: np.ndarray, ref_shares: np.ndarray, cur_shares: np.ndarray
                    ) -> dict[str, Any]:
    """The largest categories (by their larger share) in that order, the rest as "(other)"."""
    order = np.argsort(-np.maximum(ref_shares, cur_shares), kind="stable")
    top, rest = order[:MAX_CHART_CATEGORIES], order[MAX_CHART_CATEGORIES:]
    labels = [str(categories[i]) for i in top]
    ref_part, cur_part = list(ref_shares[top]), list(cur_shares[top])
    if len(rest):
        labels.append("(other)")
        ref_part.append(ref_shares[rest].sum())
        cur_part.append(cur_shares[rest].sum())
    return {"bin_labels": tuple(labels), "reference_shares": tuple(map(float, ref_part)),
            "current_shares": tuple(map(float, cur_part))}


# --- null band ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Draws:
    """``splits`` random splits of n reference values into a current-sized part and the rest.

    Row s picks ``a + b`` distinct positions (sorted ascending) of the sorted reference:
    ``in_current`` marks the a playing the current sample, the others play the reference.
    ``path[s, i]`` = a·b·(F_cur − F_ref) after the first i + 1 picks (exact integers in float64), so
    the number of current picks among them is (path + (i + 1)·a) / (a + b). ``ks_no_ties`` is each
    split's KS statistic when the reference has no tied values: then it depends on the positions only.
    """

    a: int
    b: int
    positions: np.ndarray  # (splits, a + b), each row sorted
    in_current: np.ndarray  # (splits, a + b) bool
    path: np.ndarray  # (splits, a + b - 1) float64
    ks_no_ties: np.ndarray  # (splits,)

    def current_at_most(self, split: int, picked: np.ndarray) -> np.ndarray:
        """Current picks among the first ``picked`` picks of a split (vectorised over ``picked``)."""
        picks = self.a + self.b
        inside = np.clip(picked - 1, 0, picks - 2)
        counts = np.rint((self.path[split, inside] + picked * self.a) / picks)
        return np.where(picked <= 0, 0.0, np.where(picked >= picks, float(self.a), counts))


def _make_draws(n: int, k: int, seed: int, splits: int) -> _Draws:
    a, b = min(k, BAND_MAX_ROWS), min(n - k, BAND_MAX_ROWS)
    picks = a + b
    rng = np.random.default_rng([seed, n, k])
    positions = np.empty((splits, picks), dtype=np.int32 if n < 2**31 else np.int64)
    in_current = np.zeros((splits, picks), dtype=bool)
    for s in range(splits):
        # A uniform random subset of the reference, then a uniform random a of it as "current":
        # together a uniform random split. Unshuffled choice + sort is the cheapest sorted subset.
        positions[s] = np.sort(rng.choice(n, picks, replace=False, shuffle=False))
        in_current[s, rng.choice(picks, a, replace=False, shuffle=False)] = True
    path = np.cumsum(in_current[:, :-1], axis=1, dtype=np.float64)
    path *= picks
    path -= np.arange(1, picks, dtype=np.float64) * a
    ks_no_ties = np.abs(path).max(axis=1, initial=0.0) / (a * b)
    return _Draws(a, b, positions, in_current, path, ks_no_ties)


class _DrawCache:
    """Draws shared by the features with the same (n_reference, k), dropped after their last use."""

    def __init__(self, seed: int, splits: int, uses: Counter[tuple[int, int]]) -> None:
        self._seed, self._splits = seed, splits
        self._uses = dict(uses)
        self._lock = threading.Lock()
        self._entries: dict[tuple[int, int], _Once] = {}

    def acquire(self, key: tuple[int, int]) -> _Draws:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Once(
                    lambda: _make_draws(key[0], key[1], self._seed, self._splits))
        return entry.get()

    def release(self, key: tuple[int, int]) -> None:
        with self._lock:
            self._uses[key] = self._uses.get(key, 1) - 1
            if self._uses[key] <= 0:
                self._entries.pop(key, None)


class _Once:
    def __init__(self, make: Callable[[], _Draws]) -> None:
        self._make, self._value, self._lock = make, None, threading.Lock()

    def get(self) -> _Draws:
        with self._lock:
            if self._value is None:
                self._value = self._make()
            return self._value


def _numeric_band(ref: np.ndarray, draws: _Draws, edges: np.ndarray) -> dict[str, float | None]:
    """Statistics of each split, one split at a time so its ~100,000 values stay in cache."""
    a, b = draws.a, draws.b
    splits = draws.positions.shape[0]
    has_ties = bool(np.any(ref[1:] == ref[:-1]))
    ks = np.empty(splits) if has_ties else draws.ks_no_ties
    wasserstein = np.empty(splits)
    at_most = np.searchsorted(ref, edges, side="right")  # positions holding values ≤ each edge
    cur_le = np.empty((splits, len(edges)))
    ref_le = np.empty((splits, len(edges)))
    for s in range(splits):
        positions = draws.positions[s]
        values = np.take(ref, positions)  # sorted positions: the split comes out sorted
        gaps = np.abs(draws.path[s])
        # ∫|F_cur − F_ref| = Σ gaps[i]·(v[i+1] − v[i]) / (a·b), as two dot products (einsum, not
        # np.dot: BLAS would start its own threads inside ours).
        distance = (np.einsum("i,i->", values[1:], gaps)
                    - np.einsum("i,i->", values[:-1], gaps)) / (a * b)
        if has_ties:  # only where the next value differs are both ECDFs complete
            gaps *= values[1:] != values[:-1]  # (a masked max(where=...) is ~5× slower)
            ks[s] = gaps.max(initial=0.0) / (a * b)
        wasserstein[s] = distance / max(_weighted_std(values, ~draws.in_current[s], b), STD_FLOOR)
        picked = np.searchsorted(positions, at_most, side="left")
        cur_le[s] = draws.current_at_most(s, picked)
        ref_le[s] = picked - cur_le[s]
    cur_shares = _counts_from_cumulative(cur_le, a) / a
    ref_shares = _counts_from_cumulative(ref_le, b) / b
    return {
        "ks_statistic": _upper(ks),
        "ks_pvalue": _monotone_lower(ks, lambda d: _ks_pvalue(d, a, b)),
        "wasserstein_norm": _upper(wasserstein),
        "psi": _upper(_psi(ref_shares, cur_shares)),
        "js_distance": _upper(_js(ref_shares, cur_shares)),
    }


def _weighted_std(values: np.ndarray, chosen: np.ndarray, count: int) -> float:
    """np.std(values[chosen]) without boolean indexing (slow on random masks): weighted sums of
    the values shifted by their middle one, so a constant part gives exactly 0."""
    shifted = values - values[len(values) // 2]
    shifted *= chosen
    mean = shifted.sum() / count
    return math.sqrt(max(np.einsum("i,i->", shifted, shifted) / count - mean * mean, 0.0))


def _counts_from_cumulative(at_most: np.ndarray, total: int) -> np.ndarray:
    rows = at_most.shape[0]
    full = np.hstack([np.zeros((rows, 1)), at_most, np.full((rows, 1), float(total))])
    return np.diff(full, axis=1)


def _categorical_band(codes: np.ndarray, size: int, draws: _Draws) -> dict[str, float | None]:
    a, b = draws.a, draws.b
    splits = draws.positions.shape[0]
    psi, js, linf, chi2 = (np.empty(splits) for _ in range(4))
    for s in range(splits):
        picked = np.take(codes, draws.positions[s])
        both = np.bincount(picked, minlength=size)
        present = both > 0  # categories absent from a split add nothing to any statistic
        cur_counts = np.bincount(picked, weights=draws.in_current[s], minlength=size)[present]
        ref_counts = both[present] - cur_counts
        ref_shares, cur_shares = ref_counts / b, cur_counts / a
        psi[s] = _psi(ref_shares, cur_shares)
        js[s] = _js(ref_shares, cur_shares)
        linf[s] = np.max(np.abs(ref_shares - cur_shares))
        p = _chi2_pvalue(ref_counts, cur_counts)
        chi2[s] = np.nan if p is None else p
    return {"psi": _upper(psi), "js_distance": _upper(js), "linf": _upper(linf),
            "chi2_pvalue": _lower(chi2)}


def _upper(values: np.ndarray) -> float | None:
    return _finite_percentile(values, BAND_UPPER)


def _lower(values: np.ndarray) -> float | None:
    return _finite_percentile(values, BAND_LOWER)


def _finite_percentile(values: np.ndarray, pct: float) -> float | None:
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    return float(np.percentile(values, pct)) if len(values) else None


def _monotone_lower(statistics: np.ndarray, pvalue: Callable[[float], float]) -> float | None:
    """5th percentile of ``pvalue(d)`` over ``statistics``, computing only the p-values it uses.

    A p-value never rises with the statistic, so the p-values in ascending order are those of the
    statistics in descending order, and numpy's linear percentile only reads the two at
    ``floor(h)`` and ``floor(h) + 1`` with h = (count − 1)·5/100.
    """
    descending = np.sort(np.asarray(statistics, dtype=np.float64))[::-1]
    count = len(descending)
    if not count:
        return None
    low = int(math.floor((count - 1) * BAND_LOWER / 100))
    high = min(low + 1, count - 1)
    p_low = pvalue(float(descending[low]))
    p_high = p_low if descending[high] == descending[low] else pvalue(float(descending[high]))
    ascending = np.where(np.arange(count) <= low, p_low, p_high)
    return float(np.percentile(ascending, BAND_LOWER))


# --- text helpers ------------------------------------------------------------------------


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quoted(items: Iterable[str]) -> str:
    return ", ".join(f'"{item}"' for item in items)


def _listing(items: Iterable[str], limit: int = 12) -> str:
    items = list(items)
    shown = _quoted(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown

