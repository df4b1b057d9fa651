"""Drift from aggregates an engine pushes down: the same ``DriftReport`` as ``drift.compare``,
without reading a sample into memory.

Each query returns a few numbers per feature, so what Python holds depends on the number of
features, bins and (capped) categories, never on the number of rows. The engine (``engines.py``:
DuckDB, a SQL database, Spark) does the scans, group-bys and sorts, spilling to disk as it needs.

What the engine computes, per feature and side
    * rows, missing (NULL, NaN, or for text an empty string after trimming spaces), ±inf.
    * Numeric, the reference: its distinct values with their counts, cumulated in value order
      (a window over the group-by: the engine's sort); from it **exact** order statistics at the
      ranks numpy's linear quantile interpolates between (the deciles that fix the bins, the 1st
      and 99th percentile of the tail test) and at ``GRID`` + 1 evenly spaced ranks (the grid a
      profile keeps), the mean and population standard deviation, the number of distinct values,
      the largest tie. Deciles are interpolated the way ``np.quantile`` does, so the edges and the
      per-bin counts equal the in-memory path's.
    * Numeric, both raw samples: **exact KS and Wasserstein** from one merge of the two sides'
      grouped values (a full outer join on the value, cumulative counts in value order):
      KS = max |n_cur·R(v) − n_ref·C(v)| / (n_ref·n_cur) in integers, Wasserstein = Σ |F_ref − F_cur|
      × the gap to the next value.
    * Numeric, a saved reference profile against a raw current sample: KS from counts of the
      current sample at the profile's grid points (≤ g and < g). Between two grid points the CDF
      gap moves by at most the reference mass strictly between them, so
      ``KS_grid ≤ KS ≤ KS_grid + ks_error``, with ``ks_error`` that largest mass (≈ 1/GRID =
      0.001 for untied data). The p-value is taken at KS_grid. Wasserstein then comes from the grid
      by the trapezoid rule (inside the reference's range; outside it exactly, from sums of the
      current values beyond the reference's min and max): an approximation without a bound.
    * Per-bin counts on both sides for the reference's edges; values strictly outside the 1st–99th
      percentile (tail test).
    * Categorical: category counts (text of the value, trimmed), the ``MAX_CATEGORIES`` (100,000)
      most frequent per side; the rest is pooled as "(other)" when a side has more, and then PSI,
      JS, L∞ and chi-square are those of the pooled table (approximate; a note says so). The unseen
      test's two numbers (serving values in categories the reference lacks, reference categories
      seen once) are exact from a join whenever both samples are raw, whatever the count.

The null band comes from counts. Its splits are the in-memory path's (same seed, same positions
in the sorted reference), so PSI and JS bands, which only need the reference's cumulative bin
counts, are **equal** to the in-memory ones, as is the KS band when the reference has no tied
values or at most 10 distinct values. Otherwise, and for the Wasserstein band (values at the
split's positions are interpolated on the grid), the band is an approximation. Categorical bands
are equal in distribution (the positions pick categories by their counts, not by row order).

The verdict (Holm within a feature, Benjamini–Hochberg across features, the floors) is
``drift``'s own, on tests that only need counts.

Kinds come from the column types: numbers are numeric, text and booleans categorical (numbers
stored as text are categories here; the in-memory path parses them).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from triage.kinds.samples import drift as d
from triage.kinds.samples.engines import Engine, Source, engine_for
from triage.tabular import InputError

__all__ = ["GRID", "MAX_CATEGORIES", "PROFILE_FORMAT", "PROFILE_VERSION", "FeatureProfile",
           "Profile", "compare_sources", "load_profile", "profile_sources", "profile_to_json"]

GRID = 1000
MAX_CATEGORIES = 100_000
PROFILE_FORMAT = "triage.drift-profile"
PROFILE_VERSION = 1
_NAME_SEPARATORS = re.compile(r"[\s\-]+")


# --- the reference's aggregates (what a profile saves) -----------------------------------


@dataclass
class FeatureProfile:
    """One feature's aggregates on one side. Numeric fields are None for categorical features."""

    name: str  # normalised ("Feature A" -> "feature_a")
    column: str  # as the source spells it
    kind: str  # "numeric" or "categorical"
    rows: int
    missing: int
    infinite: int = 0
    n: int = 0  # values the statistics use (finite numbers, or non-missing texts)
    distinct: int = 0
    max_tie: int = 0
    mean: float | None = None
    std: float | None = None
    order_stats: dict[int, float] = field(default_factory=dict)  # rank (0-based) -> value
    values: list[tuple[float, int]] | None = None  # all (value, count) when ≤ 10 distinct
    categories: dict[str, int] | None = None  # the most frequent, at most MAX_CATEGORIES
    categories_total: int = 0  # distinct categories, counted by the engine
    singletons: int = 0  # categories seen exactly once
    edges: list[float] | None = None  # decile edges (numeric, > 10 distinct values)
    bin_counts: list[int] | None = None
    tail: tuple[float, float] | None = None  # the 1st and 99th percentile
    tail_outside: int = 0
    grid: list[tuple[float, int, int]] | None = None  # (g, values < g, values ≤ g), profiles only


@dataclass
class Profile:
    source: str
    features: list[FeatureProfile]


def _normal(name: str) -> str:
    return _NAME_SEPARATORS.sub("_", str(name).strip().lower())


def _quantile_ranks(n: int, qs: Iterable[float]) -> set[int]:
    ranks: set[int] = set()
    for q in qs:
        h = (n - 1) * q
        low = int(math.floor(h))
        ranks.update((low, min(low + 1, n - 1)))
    return ranks


def _grid_ranks(n: int) -> set[int]:
    return {int(round(i * (n - 1) / GRID)) for i in range(GRID + 1)} if n else set()


def _quantiles(order: dict[int, float], n: int, qs: np.ndarray) -> np.ndarray:
    """``np.quantile(values, qs)`` (linear) from the order statistics it reads, with numpy's own
    arithmetic (its virtual index and its two-sided lerp), so the result is bit-equal."""
    virtual = qs * (n - 1)
    low = np.floor(virtual)
    gamma = virtual - low
    a = np.array([order[int(i)] for i in low])
    b = np.array([order[min(int(i) + 1, n - 1)] for i in low])
    diff = b - a
    out = a + diff * gamma
    return np.where(gamma >= 0.5, b - diff * (1 - gamma), out)


# --- queries -----------------------------------------------------------------------------


def _scan_counts(engine: Engine, side: str, columns: list[tuple[str, str]]) -> dict[str, tuple]:
    """One scan: rows, missing, infinite per column."""
    parts = ["COUNT(*)"]
    for column, kind in columns:
        q = engine.quote(column)
        if kind == "numeric":
            parts += [f"COUNT(CASE WHEN {q} IS NULL OR {engine.is_nan(q)} THEN 1 END)",
                      f"COUNT(CASE WHEN {engine.finite(q)} THEN 1 END)"]
        else:
            parts += [f"COUNT(CASE WHEN {engine.text(q, kind)} IS NULL THEN 1 END)", "0"]
    row = engine.rows(f"SELECT {', '.join(parts)} FROM {engine.relation(side)}")[0]
    rows = int(row[0])
    out = {}
    for i, (column, kind) in enumerate(columns):
        missing, finite = int(row[1 + 2 * i]), int(row[2 + 2 * i])
        if kind == "numeric":
            out[column] = (rows, missing, rows - missing - finite, finite)
        else:
            out[column] = (rows, missing, 0, rows - missing)
    return out


def _numeric_reference(engine: Engine, side: str, column: str, n: int) -> dict[str, Any]:
    """Order statistics, distinct values, largest tie, mean, std of one numeric column."""
    q, rel = engine.quote(column), engine.relation(side)
    grouped = (f"g AS (SELECT CAST({q} AS DOUBLE) AS v, COUNT(*) AS c FROM {rel} "
               f"WHERE {engine.finite(q)} GROUP BY CAST({q} AS DOUBLE)), "
               "w AS (SELECT v, c, SUM(c) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND "
               "CURRENT ROW) AS cum FROM g)")
    # Mean, then the spread around it (no cancellation as in Σx² − n·x̄²), in one query.
    head = engine.rows(f"WITH {grouped}, mu AS (SELECT SUM(c * v) / {n} AS mean FROM w) "
                       "SELECT COUNT(*), MAX(w.c), MAX(mu.mean), "
                       "SUM(w.c * (w.v - mu.mean) * (w.v - mu.mean)) FROM w CROSS JOIN mu")[0]
    distinct, max_tie, mean = int(head[0]), int(head[1]), float(head[2])
    std = math.sqrt(max(float(head[3]) / n, 0.0))
    ranks = _grid_ranks(n) | _quantile_ranks(n, [*d.DECILES, *d.TAIL_QUANTILES])
    table = engine.values_cte("t", "k", [str(int(k)) for k in sorted(ranks)])
    # The value at rank k is that of the group whose ranks [cum − c, cum) hold k: the ranks join
    # the groups' first ranks in one sort, and since values rise with rank, the largest value so
    # far is the one wanted (a range join would compare every rank with every group).
    found = engine.rows(f"WITH {grouped}, {table}, "
                        "u AS (SELECT cum - c AS key, v, 0 AS isr FROM w UNION ALL "
                        "SELECT k, NULL, 1 FROM t), "
                        "s AS (SELECT key, isr, MAX(v) OVER (ORDER BY key, isr ROWS BETWEEN UNBOUNDED "
                        "PRECEDING AND CURRENT ROW) AS val FROM u) SELECT key, val FROM s WHERE isr = 1")
    values = None
    if distinct <= d.MAX_VALUE_BINS:
        values = [(float(v), int(c)) for v, c in engine.rows(f"WITH {grouped} SELECT v, c FROM w "
                                                              "ORDER BY v")]
    return {"distinct": distinct, "max_tie": max_tie, "mean": mean, "std": std,
            "order_stats": {int(k): float(v) for k, v in found}, "values": values}


def _bin_scan(engine: Engine, side: str, wanted: list[tuple[str, list[float], tuple[float, float] | None]]
              ) -> dict[str, tuple[list[int], int]]:
    """One scan of a side: per column, values ≤ each edge, and values outside the tail range."""
    parts, layout = [], []
    for column, edges, tail in wanted:
        q = engine.quote(column)
        finite = engine.finite(q)
        parts += [f"COUNT(CASE WHEN {finite} AND {q} <= {edge!r} THEN 1 END)" for edge in edges]
        if tail is not None:
            parts.append(f"COUNT(CASE WHEN {finite} AND ({q} < {tail[0]!r} OR {q} > {tail[1]!r}) "
                         "THEN 1 END)")
        layout.append((column, len(edges), tail is not None))
    if not parts:
        return {}
    row = engine.rows(f"SELECT {', '.join(parts)} FROM {engine.relation(side)}")[0]
    out, i = {}, 0
    for column, count, has_tail in layout:
        at_most = [int(x) for x in row[i:i + count]]
        i += count
        outside = int(row[i]) if has_tail else 0
        i += int(has_tail)
        out[column] = (at_most, outside)
    return out


def _categories(engine: Engine, side: str, column: str, kind: str) -> tuple[dict[str, int], int, int]:
    """The most frequent categories (at most MAX_CATEGORIES), how many there are, singletons."""
    text = engine.text(engine.quote(column), kind)
    grouped = (f"g AS (SELECT {text} AS v, COUNT(*) AS c FROM {engine.relation(side)} "
               f"WHERE {text} IS NOT NULL GROUP BY {text})")
    total, singles = engine.rows(f"WITH {grouped} SELECT COUNT(*), COUNT(CASE WHEN c = 1 THEN 1 END) "
                                 "FROM g")[0]
    top = engine.rows(f"WITH {grouped} SELECT v, c FROM g ORDER BY c DESC, v LIMIT {MAX_CATEGORIES}")
    return {str(v): int(c) for v, c in top}, int(total), int(singles or 0)


def _joint_unseen(engine: Engine, ref: tuple[str, str], cur: tuple[str, str]) -> tuple[int, int]:
    """Serving values whose category the reference lacks, and how many categories that is."""
    texts = [engine.text(engine.quote(column), kind) for column, kind in (ref, cur)]
    sql = (f"WITH r AS (SELECT DISTINCT {texts[0]} AS v FROM {engine.relation('ref')}), "
           f"k AS (SELECT {texts[1]} AS v, COUNT(*) AS c FROM {engine.relation('cur')} "
           f"WHERE {texts[1]} IS NOT NULL GROUP BY {texts[1]}) "
           "SELECT SUM(k.c), COUNT(*) FROM k LEFT JOIN r ON k.v = r.v WHERE r.v IS NULL")
    row = engine.rows(sql)[0]
    return int(row[0] or 0), int(row[1] or 0)


def _joint_numeric(engine: Engine, ref_column: str, cur_column: str, n: int, m: int
                   ) -> dict[str, Any]:
    """Exact KS (integers) and Wasserstein from the merge of both sides' grouped values, the
    distinct values of both together, and (value, ref count, cur count) of the values that may
    be bins (≤ 10 distinct) or a default spike."""
    qr, qc = engine.quote(ref_column), engine.quote(cur_column)
    cte = (f"r AS (SELECT CAST({qr} AS DOUBLE) AS v, COUNT(*) AS c FROM {engine.relation('ref')} "
           f"WHERE {engine.finite(qr)} GROUP BY CAST({qr} AS DOUBLE)), "
           f"k AS (SELECT CAST({qc} AS DOUBLE) AS v, COUNT(*) AS c FROM {engine.relation('cur')} "
           f"WHERE {engine.finite(qc)} GROUP BY CAST({qc} AS DOUBLE)), "
           "j AS (SELECT COALESCE(r.v, k.v) AS v, COALESCE(r.c, 0) AS rc, COALESCE(k.c, 0) AS kc "
           "FROM r FULL OUTER JOIN k ON r.v = k.v), "
           "w AS (SELECT v, rc, kc, "
           "SUM(rc) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS rcum, "
           "SUM(kc) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS kcum, "
           "LEAD(v) OVER (ORDER BY v) AS nv FROM j)")
    gap = f"ABS(CAST(rcum AS BIGINT) * {m} - CAST(kcum AS BIGINT) * {n})"
    spike = f"{d.SPIKE_MIN_SHARE!r} * (SELECT COUNT(*) FROM {engine.relation('cur')})"
    row = engine.rows(f"WITH {cte} SELECT COUNT(*), MAX({gap}), "
                      f"SUM(CASE WHEN nv IS NULL THEN 0 ELSE CAST({gap} AS DOUBLE) * (nv - v) END), "
                      f"COUNT(CASE WHEN kc >= {spike} THEN 1 END) FROM w")[0]
    distinct, ks_gap, w_sum = int(row[0]), int(row[1] or 0), float(row[2] or 0.0)
    picked = []
    if distinct <= d.MAX_VALUE_BINS or int(row[3] or 0):  # only then are values needed
        picked = engine.rows(f"WITH {cte} SELECT v, rc, kc FROM j WHERE {distinct} <= "
                             f"{d.MAX_VALUE_BINS} OR kc >= {spike} ORDER BY v")
    return {"distinct": distinct, "ks": ks_gap / (n * m), "wasserstein": w_sum / (n * m),
            "values": [(float(v), int(rc), int(kc)) for v, rc, kc in picked]}


def _counts_at(engine: Engine, side: str, column: str, points: Iterable[float]
              ) -> dict[float, tuple[int, int]]:
    """Values ≤ g and < g at each point g: the points join the grouped values in one sort."""
    q, rel = engine.quote(column), engine.relation(side)
    table = engine.values_cte("p", "g", [f"CAST({value!r} AS DOUBLE)" for value in sorted(set(points))])
    sql = (f"WITH k AS (SELECT CAST({q} AS DOUBLE) AS v, COUNT(*) AS c FROM {rel} "
           f"WHERE {engine.finite(q)} GROUP BY CAST({q} AS DOUBLE)), {table}, "
           "u AS (SELECT v, c, 0 AS isg FROM k UNION ALL SELECT g, 0, 1 FROM p), "
           "s AS (SELECT v, isg, SUM(c) OVER (ORDER BY v, isg ROWS BETWEEN UNBOUNDED PRECEDING AND "
           "CURRENT ROW) AS le, SUM(c) OVER (PARTITION BY v) AS eq FROM u) "
           "SELECT v, le, le - eq FROM s WHERE isg = 1")
    return {float(g): (int(le), int(lt)) for g, le, lt in engine.rows(sql)}


def _grid_numeric(engine: Engine, column: str, grid: list[tuple[float, int, int]], low: float,
                  high: float) -> dict[str, Any]:
    """Counts of the current sample at the profile's grid points (≤ g, < g), the sums of its
    values below the reference's min and above its max (Wasserstein outside the range), and its
    values that may be bins (≤ 10 distinct) or a default spike."""
    q, rel = engine.quote(column), engine.relation("cur")
    counts = _counts_at(engine, "cur", column, [g for g, _, _ in grid])
    tails = engine.rows(f"SELECT COUNT(CASE WHEN {q} < {low!r} THEN 1 END), "
                        f"SUM(CASE WHEN {q} < {low!r} THEN {q} END), "
                        f"COUNT(CASE WHEN {q} > {high!r} THEN 1 END), "
                        f"SUM(CASE WHEN {q} > {high!r} THEN {q} END), COUNT(DISTINCT {q}) FROM {rel} "
                        f"WHERE {engine.finite(q)}")[0]
    small = engine.rows(f"WITH k AS (SELECT CAST({q} AS DOUBLE) AS v, COUNT(*) AS c FROM {rel} "
                        f"WHERE {engine.finite(q)} GROUP BY CAST({q} AS DOUBLE)) "
                        f"SELECT v, c FROM k WHERE (SELECT COUNT(*) FROM k) <= {d.MAX_VALUE_BINS} "
                        f"OR c >= {d.SPIKE_MIN_SHARE!r} * (SELECT COUNT(*) FROM {rel}) ORDER BY v")
    return {"counts": counts, "below": (int(tails[0]), float(tails[1] or 0.0)),
            "above": (int(tails[2]), float(tails[3] or 0.0)), "distinct": int(tails[4]),
            "values": [(float(v), int(c)) for v, c in small]}


# --- profiles of one side ----------------------------------------------------------------


def _columns(engine: Engine, side: str, label: str, renames: dict[str, str] | None = None
             ) -> list[tuple[str, str, str]]:
    """(normalised name, column, kind) of a side, with repeated names refused; ``renames`` maps
    a normalised name to the feature it stands for (``--map``)."""
    out, seen = [], Counter()
    renames = renames or {}
    for column, kind in engine.columns(side):
        name = renames.get(_normal(column), _normal(column))
        out.append((name, column, kind))
        seen[name] += 1
    repeated = sorted(name for name, count in seen.items() if count > 1)
    if repeated:
        raise InputError(f"{label}: column names must be unique, but {', '.join(repeated)} appear "
                         "more than once (names are compared ignoring case, spaces and hyphens).")
    if not out:
        raise InputError(f"{label} has no columns.")
    return out


def _profile_side(engine: Engine, side: str, label: str, only: set[str] | None = None,
                  renames: dict[str, str] | None = None, reference: bool = True
                  ) -> list[FeatureProfile]:
    """A side's aggregates; the current side (``reference=False``) needs only counts of its
    numeric columns (its KS, bins and values come from the joint queries)."""
    columns = [c for c in _columns(engine, side, label, renames) if only is None or c[0] in only]
    counts = _scan_counts(engine, side, [(column, kind) for _, column, kind in columns])
    features = []
    for name, column, kind in columns:
        rows, missing, infinite, n = counts[column]
        if kind == "numeric":
            feature = FeatureProfile(name, column, "numeric", rows, missing, infinite, n)
            if n and reference:
                info = _numeric_reference(engine, side, column, n)
                feature.distinct, feature.max_tie = info["distinct"], info["max_tie"]
                feature.mean, feature.std = info["mean"], info["std"]
                feature.order_stats, feature.values = info["order_stats"], info["values"]
                # Decile edges even for ≤ 10 distinct values: the other sample may hold more.
                feature.edges = [float(e) for e in np.unique(_quantiles(feature.order_stats, n,
                                                                        d.DECILES))]
                if n >= d.TAIL_MIN_REFERENCE:  # the tail test runs when both hold > 10 values
                    low, high = _quantiles(feature.order_stats, n, np.array(d.TAIL_QUANTILES))
                    feature.tail = (float(low), float(high))
        else:
            feature = FeatureProfile(name, column, "categorical", rows, missing, 0, n)
            if n:
                feature.categories, feature.categories_total, feature.singletons = _categories(
                    engine, side, column, kind)
                feature.distinct = feature.categories_total
        features.append(feature)
    wanted = [(f.column, f.edges, f.tail) for f in features if f.edges is not None]
    for column, (at_most, outside) in _bin_scan(engine, side, wanted).items():
        feature = next(f for f in features if f.column == column)
        feature.bin_counts = _counts(at_most, feature.n)
        feature.tail_outside = outside
    return features


def _counts(at_most: list[int], n: int) -> list[int]:
    return [int(x) for x in np.diff(np.concatenate([[0], at_most, [n]]))]


def profile_sources(reference: Source, *, engine: str | None = None, **options: Any) -> Profile:
    """A reference's aggregates, computed once (``python -m triage profile``)."""
    db = engine_for({"ref": reference}, engine, **options)
    try:
        features = _profile_side(db, "ref", reference.label)
        for feature in features:
            if feature.kind == "numeric" and feature.n:
                points = [feature.order_stats[k] for k in sorted(_grid_ranks(feature.n))]
                at = _counts_at(db, "ref", feature.column, points)
                feature.grid = [(g, lt, le) for g, (le, lt) in sorted(at.items())]
        return Profile(reference.label, features)
    finally:
        db.close()


# --- profile files -----------------------------------------------------------------------


def profile_to_json(profile: Profile) -> dict[str, Any]:
    features = []
    for feature in profile.features:
        row = asdict(feature)
        row["order_stats"] = [[k, v] for k, v in sorted(feature.order_stats.items())]
        features.append(row)
    return {"format": PROFILE_FORMAT, "version": PROFILE_VERSION, "source": profile.source,
            "grid": GRID, "max_categories": MAX_CATEGORIES, "features": features}


def load_profile(data: bytes | str, name: str) -> Profile:
    """A profile file back, checked field by field; InputError says what is wrong and where."""
    def bad(where: str, what: str) -> InputError:
        return InputError(f"{name}: not a usable drift profile: {where} {what}. Make it again with "
                          "'python -m triage profile REF -o FILE'.")

    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError) as err:
        raise bad("the file", f"is not JSON ({err})") from None
    if not isinstance(raw, dict) or raw.get("format") != PROFILE_FORMAT:
        raise bad("the file", f"lacks \"format\": \"{PROFILE_FORMAT}\"")
    if raw.get("version") != PROFILE_VERSION:
        raise bad("\"version\"", f"is {raw.get('version')!r}; this version reads {PROFILE_VERSION}")
    if raw.get("grid") != GRID:
        raise bad("\"grid\"", f"is {raw.get('grid')!r}, expected {GRID}")
    features = raw.get("features")
    if not isinstance(features, list) or not features:
        raise bad("\"features\"", "must be a non-empty list")
    out = []
    for i, item in enumerate(features):
        where = f"features[{i}]"
        if not isinstance(item, dict):
            raise bad(where, "is not an object")
        try:
            feature = _feature_from(item)
        except (KeyError, TypeError, ValueError) as err:
            raise bad(where, f"has a missing or wrong field ({type(err).__name__}: {err})") from None
        problem = _check(feature)
        if problem:
            raise bad(f"{where} ({feature.name})", problem)
        out.append(feature)
    return Profile(str(raw.get("source", name)), out)


def _feature_from(item: dict[str, Any]) -> FeatureProfile:
    def integer(key: str) -> int:
        value = item[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{key} must be a non-negative integer")
        return value

    def number(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return float(value)

    def optional(key: str) -> float | None:
        return None if item.get(key) is None else number(item[key])

    kind = item["kind"]
    if kind not in ("numeric", "categorical"):
        raise ValueError(f"kind must be numeric or categorical, not {kind!r}")
    feature = FeatureProfile(str(item["name"]), str(item["column"]), kind, integer("rows"),
                             integer("missing"), integer("infinite"), integer("n"), integer("distinct"),
                             integer("max_tie"), optional("mean"), optional("std"))
    feature.order_stats = {int(k): number(v) for k, v in item.get("order_stats") or []}
    if item.get("values") is not None:
        feature.values = [(number(v), int(c)) for v, c in item["values"]]
    if item.get("categories") is not None:
        feature.categories = {str(k): int(v) for k, v in dict(item["categories"]).items()}
    feature.categories_total, feature.singletons = integer("categories_total"), integer("singletons")
    if item.get("edges") is not None:
        feature.edges = [number(e) for e in item["edges"]]
        feature.bin_counts = [int(c) for c in item["bin_counts"]]
    if item.get("tail") is not None:
        low, high = item["tail"]
        feature.tail = (number(low), number(high))
    feature.tail_outside = integer("tail_outside")
    if item.get("grid") is not None:
        feature.grid = [(number(g), int(lt), int(le)) for g, lt, le in item["grid"]]
    return feature


def _check(feature: FeatureProfile) -> str | None:
    if feature.missing + feature.infinite + feature.n != feature.rows:
        return "has counts that do not add up (missing + infinite + n ≠ rows)"
    if feature.kind == "numeric" and feature.n:
        if feature.std is None or feature.mean is None:
            return "lacks its mean or standard deviation"
        needed = _grid_ranks(feature.n) | _quantile_ranks(feature.n, [*d.DECILES, *d.TAIL_QUANTILES])
        if not needed <= set(feature.order_stats):
            return "lacks order statistics"
        if feature.edges is not None and (feature.bin_counts is None
                                          or len(feature.bin_counts) != len(feature.edges) + 1
                                          or sum(feature.bin_counts) != feature.n):
            return "has bin counts that do not match its edges"
        if feature.distinct <= d.MAX_VALUE_BINS and (feature.values is None or
                                                    sum(c for _, c in feature.values) != feature.n):
            return "lacks its value counts"
        if not feature.grid or len({g for g, _, _ in feature.grid}) != len(feature.grid):
            return "lacks its grid counts"
    if feature.kind == "categorical" and feature.n and feature.categories is None:
        return "lacks its category counts"
    return None


# --- the report --------------------------------------------------------------------------


def compare_sources(reference: Source | Profile, current: Source, *, engine: str | None = None,
                    seed: int = 0, splits: int = d.DEFAULT_SPLITS,
                    renames: dict[str, str] | None = None, **options: Any) -> d.DriftReport:
    """Drift of every shared column, as ``drift.compare`` reports it, from aggregates.

    ``reference`` is a source or a saved ``Profile``; ``engine`` "duckdb" (default for Parquet),
    "sql" (default for SQL sources) or "spark"; ``options`` go to the engine (``spark=`` a
    session, ``memory_limit=`` for DuckDB); ``renames`` maps a current column (normalised) to the
    reference feature it stands for."""
    profile = reference if isinstance(reference, Profile) else None
    sources = {"cur": current} if profile else {"ref": reference, "cur": current}
    db = engine_for(sources, engine, **options)
    try:
        return _compare(db, profile, reference, current, seed, splits, renames or {})
    finally:
        db.close()


def _compare(db: Engine, profile: Profile | None, reference: Any, current: Source, seed: int,
             splits: int, renames: dict[str, str]) -> d.DriftReport:
    problems: list[str] = []
    cur_columns = _columns(db, "cur", current.label, renames)
    cur_names = {name for name, _, _ in cur_columns}
    if profile is None:
        ref_columns = _columns(db, "ref", reference.label)
        ref_names = [name for name, _, _ in ref_columns]
        ref_features = _profile_side(db, "ref", reference.label, set(ref_names) & cur_names)
    else:
        ref_names = [f.name for f in profile.features]
        ref_features = [f for f in profile.features if f.name in cur_names]
    shared, only_ref, only_cur = d.reconcile_columns(
        ref_names, [name for name, _, _ in cur_columns], problems)
    cur_features = {f.name: f for f in _profile_side(db, "cur", current.label, set(shared), renames,
                                                     reference=False)}
    ref_by_name = {f.name: f for f in ref_features}
    # Current bin counts for the reference's edges, in one scan of the current sample.
    wanted = [(cur_features[n].column, ref_by_name[n].edges, ref_by_name[n].tail) for n in shared
              if ref_by_name[n].kind == "numeric" and cur_features[n].kind == "numeric"
              and ref_by_name[n].edges is not None and cur_features[n].n]
    cur_bins = _bin_scan(db, "cur", wanted)
    keys = Counter()
    for name in shared:
        ref, cur = ref_by_name[name], cur_features[name]
        if ref.kind == cur.kind and ref.n and cur.n:
            keys[(ref.n, min(cur.n, ref.n // 2))] += 1
    cache = d._DrawCache(int(seed), int(splits), keys)
    features = []
    for name in shared:
        ref, cur = ref_by_name[name], cur_features[name]
        try:
            with np.errstate(all="ignore"):
                features.append(_feature(db, profile is not None, ref, cur, cur_bins, cache, problems))
        except InputError:
            raise
        except Exception as err:  # noqa: BLE001 - one bad column must not sink the report
            features.append(d.FeatureDrift(name, ref.kind, note=f"could not be computed "
                                           f"({type(err).__name__}: {d._shorten(str(err), 120)})"))
            problems.append(f'column "{name}": {features[-1].note}')
    features = d._verdicts(features, d.FDR_Q)
    features.sort(key=lambda f: (f.js_distance is None, -(f.js_distance or 0.0)))
    return d.DriftReport(tuple(features), tuple(problems), only_ref, only_cur)


def _feature(db: Engine, from_profile: bool, ref: FeatureProfile, cur: FeatureProfile,
             cur_bins: dict, cache: d._DrawCache, problems: list[str]) -> d.FeatureDrift:
    name = ref.name
    notes: list[str] = []
    base: dict[str, Any] = {
        "feature": name, "kind": ref.kind,
        "missing_rate_reference": d._rate(ref.missing, ref.rows),
        "missing_rate_current": d._rate(cur.missing, cur.rows),
    }
    rate_ref, rate_cur = base["missing_rate_reference"], base["missing_rate_current"]
    if rate_ref is not None and rate_cur is not None and abs(rate_cur - rate_ref) >= d.MISSING_RATE_NOTE:
        notes.append(f"missing rate {d._percent(rate_ref)} in the reference, {d._percent(rate_cur)} "
                     "in the current sample")
    if ref.kind != cur.kind:
        which = ("reference", "current") if ref.kind == "numeric" else ("current", "reference")
        problems.append(f'column "{name}" is left out: it holds numbers in the {which[0]} sample but '
                        f"text in the {which[1]} sample. Make both samples use the same type for "
                        "this column.")
        notes.append("left out: numbers in one sample, text in the other")
        return d.FeatureDrift(name, "unknown", ref.rows - ref.missing, cur.rows - cur.missing,
                              missing_rate_reference=rate_ref, missing_rate_current=rate_cur,
                              note="; ".join(notes))
    if ref.infinite or cur.infinite:
        notes.append(f"left out infinite values: {ref.infinite:,} in the reference, "
                     f"{cur.infinite:,} in the current sample")
    missing_test = _missing_test(ref, cur)
    n, m = ref.n, cur.n
    base.update(n_reference=n, n_current=m)
    if not n and not m:
        notes.append("no values in either sample")
        return d.FeatureDrift(**base, note="; ".join(notes), **d._holm([missing_test]))
    empty = [label for label, count in (("reference", n), ("current", m)) if count == 0]
    if empty:
        notes.append(f"no values in the {' or '.join(empty)} sample")
        return d.FeatureDrift(**base, note="; ".join(notes), **d._holm([missing_test]))
    key = (n, min(m, n // 2))
    try:
        if ref.kind == "numeric":
            stats_, band, extras = _numeric(db, from_profile, ref, cur, cur_bins, cache, notes)
        else:
            stats_, band, extras = _categorical(db, from_profile, ref, cur, cache, notes)
    finally:
        cache.release(key)
    if (spike := extras.get("default_spike")) is not None:
        notes.append(f"default-value spike: {spike.value} on {d._percent(spike.current_share)} of "
                     f"the current rows, {d._percent(spike.reference_share)} of the reference rows")
    null_band = dict.fromkeys(d.STATISTICS)
    if band is None:
        notes.append("the reference needs at least 2 values for a null band, so there is no drift "
                     "verdict")
    else:
        null_band.update(band)
    tests = [*extras.pop("tests"), missing_test]
    return d.FeatureDrift(**base, **stats_, null_band=null_band, note="; ".join(notes), **extras,
                          **d._holm(tests))


def _missing_test(ref: FeatureProfile, cur: FeatureProfile) -> d.DriftTest | None:
    if not ref.rows or not cur.rows or not (ref.missing + cur.missing):
        return None
    if ref.missing == ref.rows and cur.missing == cur.rows:
        return None
    p, method = d.two_proportion_test(ref.missing, ref.rows, cur.missing, cur.rows)
    delta = abs(cur.missing / cur.rows - ref.missing / ref.rows)
    return d.DriftTest("missing", method, p, (("missing", delta, d.FLOORS["missing"]),),
                       f"missing {d._percent(ref.missing / ref.rows)} → "
                       f"{d._percent(cur.missing / cur.rows)} ({method} p {d._p(p)})")


def _numeric(db: Engine, from_profile: bool, ref: FeatureProfile, cur: FeatureProfile,
             cur_bins: dict, cache: d._DrawCache, notes: list[str]
             ) -> tuple[dict[str, Any], dict[str, float | None] | None, dict[str, Any]]:
    n, m = ref.n, cur.n
    ks_error = 0.0
    if not from_profile:
        joint = _joint_numeric(db, ref.column, cur.column, n, m)
        distinct, ks, wasserstein = joint["distinct"], joint["ks"], joint["wasserstein"]
        pairs = [(v, rc, kc) for v, rc, kc in joint["values"]]
    else:
        low, high = ref.order_stats[0], ref.order_stats[n - 1]
        info = _grid_numeric(db, cur.column, ref.grid or [], low, high)
        ks, ks_error, wasserstein = _grid_ks_wasserstein(ref, info, n, m)
        ref_values = dict(ref.values or [])
        cur_values = dict(info["values"])
        if ref.values is not None and info["distinct"] <= d.MAX_VALUE_BINS:
            distinct = len(set(ref_values) | set(cur_values))
        else:
            distinct = max(ref.distinct, d.MAX_VALUE_BINS + 1)
        pairs = [(v, ref_values.get(v, _ref_count_at(ref, v)), c) for v, c in info["values"]]
        if distinct <= d.MAX_VALUE_BINS:
            pairs = [(v, ref_values.get(v, 0), cur_values.get(v, 0))
                     for v in sorted(set(ref_values) | set(cur_values))]
        notes.append(f"KS from the reference profile's grid: the exact statistic lies in "
                     f"[{ks:.4g}, {ks + ks_error:.4g}]")
    if distinct <= d.MAX_VALUE_BINS:
        values = np.array([v for v, _, _ in pairs])
        edges = values[:-1]
        labels = tuple(d._number(v) for v in values)
        ref_counts = np.array([rc for _, rc, _ in pairs], dtype=np.float64)
        cur_counts = np.array([kc for _, _, kc in pairs], dtype=np.float64)
        spike = None
    else:
        edges = np.array(ref.edges)
        labels = d._interval_labels(edges)
        ref_counts = np.array(ref.bin_counts, dtype=np.float64)
        cur_counts = np.array(_counts(cur_bins[cur.column][0], m), dtype=np.float64)
        candidates = [(d._number(v), rc, kc) for v, rc, kc in pairs
                      if kc >= d.SPIKE_MIN_SHARE * cur.rows]
        spike = d._best_spike(candidates, (ref.rows, cur.rows))
    ref_shares, cur_shares = ref_counts / n, cur_counts / m
    result = {
        "ks_statistic": ks,
        "ks_pvalue": d._ks_pvalue(ks, n, m),
        "wasserstein_norm": wasserstein / max(float(ref.std), d.STD_FLOOR),
        "psi": float(d._psi(ref_shares, cur_shares)),
        "js_distance": float(d._js(ref_shares, cur_shares)),
    }
    tests: list[d.DriftTest | None] = []
    if distinct == 2:
        rarer = int(np.argmin(ref_counts))
        tests.append(d._binary_test(labels[rarer], ref_counts[rarer], n, cur_counts[rarer], m,
                                    result["js_distance"]))
    elif distinct > 2:
        effects = (("wasserstein_norm", result["wasserstein_norm"], d.FLOORS["wasserstein_norm"]),
                   ("js_distance", result["js_distance"], d.FLOORS["js_distance"]))
        tests.append(d.DriftTest("distribution", "KS", result["ks_pvalue"], effects,
                                 f"KS p {d._p(result['ks_pvalue'])}, W/σ = "
                                 f"{result['wasserstein_norm']:.2g}, JS = {result['js_distance']:.3f}"))
    if distinct > d.MAX_VALUE_BINS and n >= d.TAIL_MIN_REFERENCE and ref.tail is not None:
        low, high = ref.tail
        outside = (float(ref.tail_outside), float(cur_bins[cur.column][1]))
        p, method = d.two_proportion_test(outside[0], n, outside[1], m)
        delta = abs(outside[1] / m - outside[0] / n)
        tests.append(d.DriftTest("tail", method, p, (("tail", delta, d.FLOORS["tail"]),),
                                 f"outside training's 1st–99th percentile ({d._number(low)} to "
                                 f"{d._number(high)}): {d._percent(outside[0] / n)} → "
                                 f"{d._percent(outside[1] / m)} of values ({method} p {d._p(p)})"))
    extras = {"bin_labels": labels, "reference_shares": tuple(map(float, ref_shares)),
              "current_shares": tuple(map(float, cur_shares)), "default_spike": spike,
              "tests": tests}
    key = (n, min(m, n // 2))
    band = None
    if key[1] >= 1:
        value_bins = distinct <= d.MAX_VALUE_BINS
        band = _numeric_band(ref, ref_counts, cache.acquire(key), value_bins,
                             np.array([v for v, _, _ in pairs]) if value_bins else None)
    return result, band, extras


def _ref_count_at(ref: FeatureProfile, value: float) -> int:
    """How many reference values equal ``value``, from the profile (0 when the grid cannot tell:
    only a spike candidate asks, and a value the grid misses is rare in the reference)."""
    if ref.values is not None:
        return dict(ref.values).get(value, 0)
    ranks = sorted(k for k, v in ref.order_stats.items() if v == value)
    return ranks[-1] - ranks[0] + 1 if ranks else 0


def _grid_ks_wasserstein(ref: FeatureProfile, info: dict[str, Any], n: int, m: int
                         ) -> tuple[float, float, float]:
    """KS at the grid points (D at g and just below g, both exact) with its error bound (the
    largest reference share strictly between two grid points), and the trapezoid Wasserstein."""
    grid = ref.grid or []
    ks_grid, inside = 0.0, 0.0
    d_le, d_lt = [], []
    for g, ref_lt, ref_le in grid:
        cur_le, cur_lt = info["counts"][g]
        d_le.append(abs(ref_le * m - cur_le * n) / (n * m))  # integers: exact gaps
        d_lt.append(abs(ref_lt * m - cur_lt * n) / (n * m))
        ks_grid = max(ks_grid, d_le[-1], d_lt[-1])
    for i in range(len(grid) - 1):
        inside = max(inside, (grid[i + 1][1] - grid[i][2]) / n)
    w = sum(0.5 * (d_le[i] + d_lt[i + 1]) * (grid[i + 1][0] - grid[i][0]) for i in range(len(grid) - 1))
    low, high = grid[0][0], grid[-1][0]
    below_count, below_sum = info["below"]
    above_count, above_sum = info["above"]
    w += (below_count * low - below_sum) / m + (above_sum - above_count * high) / m
    return float(ks_grid), float(inside), float(w)


def _numeric_band(ref: FeatureProfile, ref_counts: np.ndarray, draws: Any, value_bins: bool,
                  bin_values: np.ndarray | None) -> dict[str, float | None]:
    """``drift._numeric_band`` from counts: bins from the reference's cumulative bin counts; KS
    exact without ties (positions only) or with value bins (ties = bins); Wasserstein from values
    interpolated on the order-statistic grid."""
    a, b = draws.a, draws.b
    splits = draws.positions.shape[0]
    cumulative = np.cumsum(ref_counts)[:-1].astype(np.int64)  # positions holding values ≤ each edge
    grid_ranks = np.array(sorted(ref.order_stats), dtype=np.float64)
    grid_values = np.array([ref.order_stats[int(k)] for k in grid_ranks])
    ks = np.empty(splits) if (ref.max_tie > 1) else draws.ks_no_ties
    wasserstein = np.empty(splits)
    cur_le = np.empty((splits, len(cumulative)))
    ref_le = np.empty((splits, len(cumulative)))
    for s in range(splits):
        positions = draws.positions[s]
        if value_bins:
            values = bin_values[np.searchsorted(np.cumsum(ref_counts), positions, side="right")]
        else:
            values = np.interp(positions, grid_ranks, grid_values)
        gaps = np.abs(draws.path[s])
        distance = (np.einsum("i,i->", values[1:], gaps) - np.einsum("i,i->", values[:-1], gaps)) / (a * b)
        if ref.max_tie > 1:
            gaps *= values[1:] != values[:-1]
            ks[s] = gaps.max(initial=0.0) / (a * b)
        wasserstein[s] = distance / max(d._weighted_std(values, ~draws.in_current[s], b), d.STD_FLOOR)
        picked = np.searchsorted(positions, cumulative, side="left")
        cur_le[s] = draws.current_at_most(s, picked)
        ref_le[s] = picked - cur_le[s]
    cur_shares = d._counts_from_cumulative(cur_le, a) / a
    ref_shares = d._counts_from_cumulative(ref_le, b) / b
    return {
        "ks_statistic": d._upper(ks),
        "ks_pvalue": d._monotone_lower(ks, lambda x: d._ks_pvalue(x, a, b)),
        "wasserstein_norm": d._upper(wasserstein),
        "psi": d._upper(d._psi(ref_shares, cur_shares)),
        "js_distance": d._upper(d._js(ref_shares, cur_shares)),
    }


def _categorical(db: Engine, from_profile: bool, ref: FeatureProfile, cur: FeatureProfile,
                 cache: d._DrawCache, notes: list[str]
                 ) -> tuple[dict[str, Any], dict[str, float | None] | None, dict[str, Any]]:
    n, m = ref.n, cur.n
    ref_cats, cur_cats = ref.categories or {}, cur.categories or {}
    names = list(dict.fromkeys([*ref_cats, *cur_cats]))
    ref_counts = np.array([ref_cats.get(c, 0) for c in names], dtype=np.float64)
    cur_counts = np.array([cur_cats.get(c, 0) for c in names], dtype=np.float64)
    pooled = ref.categories_total > len(ref_cats) or cur.categories_total > len(cur_cats)
    if pooled:
        names.append("(other)")
        ref_counts = np.append(ref_counts, n - ref_counts.sum())
        cur_counts = np.append(cur_counts, m - cur_counts.sum())
        notes.append(f"more than {MAX_CATEGORIES:,} categories: the rarest are pooled as "
                     "\"(other)\" for PSI, JS, L∞ and chi-square")
    categories = np.array(names, dtype=object)
    ref_shares, cur_shares = ref_counts / n, cur_counts / m
    result = {
        "chi2_pvalue": d._chi2_pvalue(ref_counts, cur_counts),
        "psi": float(d._psi(ref_shares, cur_shares)),
        "js_distance": float(d._js(ref_shares, cur_shares)),
        "linf": float(np.max(np.abs(ref_shares - cur_shares))),
    }
    unseen_mask = (ref_counts == 0) & (cur_counts > 0)
    if pooled:
        unseen_mask[-1] = False
    unseen_order = np.argsort(-cur_shares[unseen_mask], kind="stable")
    unseen_index = np.flatnonzero(unseen_mask)[unseen_order]
    unseen = {str(categories[i]): float(cur_shares[i]) for i in unseen_index[:d.MAX_UNSEEN]}
    if pooled and not from_profile:
        unseen_values, unseen_categories = _joint_unseen(db, (ref.column, "text"), (cur.column, "text"))
    elif pooled:
        unseen_values, unseen_categories = None, None
        notes.append("the unseen-category test needs every reference category; the profile "
                     f"keeps {MAX_CATEGORIES:,}, so it is not run")
    else:
        unseen_values = float(cur_counts[unseen_mask].sum())
        unseen_categories = len(unseen_index)
    if unseen_categories:
        notes.append(f"{unseen_categories:,} categor{'y' if unseen_categories == 1 else 'ies'} unseen "
                     f"in the reference ({d._percent(unseen_values / m)} of the current sample)")
    defaults = [i for i in np.flatnonzero(cur_counts >= d.SPIKE_MIN_SHARE * cur.rows)
                if str(categories[i]).strip().lower() in d.DEFAULT_TEXTS]
    spike = d._best_spike(((str(categories[i]), int(ref_counts[i]), int(cur_counts[i]))
                           for i in defaults), (ref.rows, cur.rows))
    present = np.flatnonzero((ref_counts + cur_counts) > 0)
    tests: list[d.DriftTest | None] = []
    if len(present) == 2:
        rarer = present[int(np.argmin(ref_counts[present]))]
        tests.append(d._binary_test(str(categories[rarer]), ref_counts[rarer], n, cur_counts[rarer],
                                    m, result["js_distance"]))
    elif len(present) > 2 and result["chi2_pvalue"] is not None:
        tests.append(d.DriftTest("distribution", "chi-square", result["chi2_pvalue"],
                                 (("js_distance", result["js_distance"], d.FLOORS["js_distance"]),),
                                 f"χ² p {d._p(result['chi2_pvalue'])}, JS = "
                                 f"{result['js_distance']:.3f}"))
    if unseen_values is not None:
        tests.append(d._unseen_test(float(unseen_values), float(ref.singletons), n, m))
    extras = {"unseen": unseen, "default_spike": spike, "tests": tests,
              **d._category_chart(categories, ref_shares, cur_shares)}
    key = (n, min(m, n // 2))
    band = None
    if key[1] >= 1:
        band = _categorical_band(ref_counts, cache.acquire(key))
    return result, band, extras


def _categorical_band(ref_counts: np.ndarray, draws: Any) -> dict[str, float | None]:
    """``drift._categorical_band`` with the reference's rows in category order: a position's
    category comes from the cumulative counts, so nothing of the reference's size is built."""
    a, b = draws.a, draws.b
    size = len(ref_counts)
    ends = np.cumsum(ref_counts)
    splits = draws.positions.shape[0]
    psi, js, linf, chi2 = (np.empty(splits) for _ in range(4))
    for s in range(splits):
        picked = np.searchsorted(ends, draws.positions[s], side="right")
        both = np.bincount(picked, minlength=size)
        present = both > 0
        cur_counts = np.bincount(picked, weights=draws.in_current[s], minlength=size)[present]
        ref_counts_s = both[present] - cur_counts
        ref_shares, cur_shares = ref_counts_s / b, cur_counts / a
        psi[s] = d._psi(ref_shares, cur_shares)
        js[s] = d._js(ref_shares, cur_shares)
        linf[s] = np.max(np.abs(ref_shares - cur_shares))
        p = d._chi2_pvalue(ref_counts_s, cur_counts)
        chi2[s] = np.nan if p is None else p
    return {"psi": d._upper(psi), "js_distance": d._upper(js), "linf": d._upper(linf),
            "chi2_pvalue": d._lower(chi2)}
