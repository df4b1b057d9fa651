"""Regenerate the production worked example: a ranking model that does worse online than promised.

Seeded, so the committed files are reproducible: `python data/production/make_example.py`.

The story (see README.md): ranker-v7, the product-listing ranker of an e-commerce site, promised a
CTR of 0.0520 offline and in shadow; online it measures 0.0451. Three things went wrong at once:

* android-app requests time out against the ranking service's latency budget, and 40% of them
  are served the popularity fallback list (CTR about 0.020);
* the app gateway fills ``days_since_last_visit`` with a default 0 when its join to the
  user-activity table times out: training never saw that, so the model ranks worse in the app
  segments (training/serving skew from a serving bug);
* more of the traffic now comes from phones (web-mobile, android-app) and less from desktop,
  which has the highest CTR: a traffic-mix change.

Files written next to this script:

* ``example_segments.csv``: one row per client segment, expected (offline evaluation traffic)
  vs observed (online) shares and CTR, with the fallback share and the fallback list's CTR.
  Observed shares are rounded and add up to 0.999, so the page shows its "normalised" note.
* ``example_reference.csv`` / ``example_current.csv``: 4,000 training and 4,000 serving rows of
  the ranker's features. Only ``days_since_last_visit`` (the bug), ``device`` (the mix) and
  ``category`` (a new category online) differ; the other features come from the same generator
  with a different seed, so they must come out as not drifted.
* ``example_inputs.json``: the metric, serving health, rollout facts and past launches.

Standard library and numpy only.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROWS = 4000
POPULARITY_FALLBACK_CTR = 0.020

# segment, expected share, observed share, expected CTR, model-served CTR online, fallback share.
# The observed CTR (what the dashboard shows) mixes model-served and fallback traffic:
# observed = (1 - f) * model_served + f * fallback, rounded to 4 decimals as a dashboard would.
SEGMENTS = [
    ("web-desktop", 0.320, 0.225, 0.0575, 0.0569, 0.012),
    ("web-mobile", 0.250, 0.285, 0.0465, 0.0458, 0.020),
    ("ios-app", 0.190, 0.200, 0.0555, 0.0496, 0.020),
    ("android-app", 0.190, 0.260, 0.0495, 0.0446, 0.400),
    ("other-clients", 0.050, 0.029, 0.0400, 0.0397, 0.012),
]
APP_SEGMENTS = {"ios-app", "android-app"}
# Share of app requests whose user-activity join times out, so the feature arrives as 0.
SKEWED_APP_SHARE = 0.85

CATEGORIES = {
    "fashion": 0.25, "electronics": 0.22, "home": 0.20, "sports": 0.12, "books": 0.11,
    "beauty": 0.10,
}
NEW_CATEGORY = ("pet-supplies", 0.03)  # launched after the training snapshot

METRIC = {
    "name": "CTR", "kind": "proportion", "higher_is_better": True,
    "expected": 0.052, "n_expected": 400000, "observed": 0.0451, "n_observed": 380000,
    "se_expected": None, "se_observed": None,
}
ROLLOUT = {
    "expected_model_version": "ranker-v7", "serving_model_version": "ranker-v7",
    "expected_pipeline_version": "features-3.4.1", "serving_pipeline_version": "features-3.4.1",
    "expected_traffic_share": 1.0, "observed_traffic_share": 1.0, "rollback_available": True,
}
# Past launches of this ranker: offline CTR uplift on the evaluation set vs online A/B uplift.
# Online uplifts are smaller than promised, but they rank the launches much as offline did.
HISTORY = [
    {"launch": "ranker-v2", "offline_delta": 0.0030, "online_delta": 0.0014},
    {"launch": "ranker-v3", "offline_delta": 0.0040, "online_delta": 0.0020},
    {"launch": "ranker-v4", "offline_delta": 0.0015, "online_delta": 0.0018},
    {"launch": "ranker-v5", "offline_delta": 0.0060, "online_delta": 0.0027},
    {"launch": "ranker-v6", "offline_delta": 0.0025, "online_delta": 0.0004},
    {"launch": "ranker-v6.1", "offline_delta": 0.0010, "online_delta": 0.0011},
]


def segment_rows() -> list[dict[str, object]]:
    rows = []
    for name, w0, w1, m0, model_served, f in SEGMENTS:
        observed = round((1 - f) * model_served + f * POPULARITY_FALLBACK_CTR, 4)
        rows.append({
            "segment": name, "expected_share": w0, "observed_share": w1, "expected_metric": m0,
            "observed_metric": observed, "fallback_share": f,
            "fallback_metric": POPULARITY_FALLBACK_CTR,
        })
    return rows


def fallback_rate(rows: list[dict[str, object]]) -> float:
    """Overall share of requests served by the fallback, from the segment table."""
    total = sum(float(r["observed_share"]) for r in rows)
    return sum(float(r["observed_share"]) * float(r["fallback_share"]) for r in rows) / total


def health(rows: list[dict[str, object]]) -> dict[str, float]:
    fallbacks = round(fallback_rate(rows), 4)
    errors = 0.004
    return {
        "latency_p50_ms": 41, "latency_p95_ms": 118, "latency_p99_ms": 212,
        "latency_budget_p99_ms": 150,
        # A request falls back when it times out or errors: timeouts are the rest of fallbacks.
        "timeout_rate": round(fallbacks - errors, 4), "timeout_budget": 0.01,
        "error_rate": errors, "error_budget": 0.005,
        "fallback_rate": fallbacks, "fallback_budget": 0.02,
    }


def _with_missing(rng: np.random.Generator, values: np.ndarray, rate: float) -> list:
    out: list = values.tolist()
    for index in np.flatnonzero(rng.random(len(out)) < rate):
        out[index] = None
    return out


def feature_sample(seed: int, *, serving: bool) -> dict[str, list]:
    """One sample of the ranker's features; ``serving`` adds the three online differences."""
    rng = np.random.default_rng(seed)
    names = [s[0] for s in SEGMENTS]
    shares = np.array([s[2] if serving else s[1] for s in SEGMENTS], dtype=float)
    device = rng.choice(names, size=ROWS, p=shares / shares.sum())

    categories = dict(CATEGORIES)
    if serving:
        scale = 1 - NEW_CATEGORY[1]
        categories = {k: v * scale for k, v in categories.items()}
        categories[NEW_CATEGORY[0]] = NEW_CATEGORY[1]
    weights = np.array(list(categories.values()))
    category = rng.choice(list(categories), size=ROWS, p=weights / weights.sum())

    price = np.round(rng.lognormal(mean=3.4, sigma=0.8, size=ROWS), 2)
    # Same-day return visits are real zeros (about 8%); otherwise days since the last visit.
    days = np.where(rng.random(ROWS) < 0.08, 0, 1 + np.floor(rng.exponential(9.0, ROWS)))
    if serving:
        join_timed_out = np.isin(device, list(APP_SEGMENTS)) & (rng.random(ROWS) < SKEWED_APP_SHARE)
        days = np.where(join_timed_out, 0, days)  # the gateway's default when the join times out
    session = np.round(rng.lognormal(mean=5.0, sigma=0.9, size=ROWS), 1)
    popularity = np.round(rng.beta(0.8, 6.0, size=ROWS), 4)
    tenure = np.floor(rng.exponential(420.0, ROWS)).astype(int)

    return {
        "price": _with_missing(rng, price, 0.005),
        "days_since_last_visit": days.astype(int).tolist(),
        "session_length_s": _with_missing(rng, session, 0.01),
        "item_popularity": popularity.tolist(),
        "user_tenure_days": tenure.tolist(),
        "device": device.tolist(),
        "category": _with_missing(rng, category.astype(object), 0.003),
    }


def write_csv(path: Path, columns: dict[str, list]) -> None:
    names = list(columns)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for row in zip(*(columns[n] for n in names), strict=True):
            writer.writerow("" if v is None else v for v in row)


def main(folder: Path = HERE) -> None:
    rows = segment_rows()
    with (folder / "example_segments.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    write_csv(folder / "example_reference.csv", feature_sample(20240901, serving=False))
    write_csv(folder / "example_current.csv", feature_sample(20241015, serving=True))
    inputs = {
        "title": "ranker-v7 launched: online CTR 0.0451 against 0.0520 promised",
        "metric": METRIC,
        "health": health(rows),
        "rollout": ROLLOUT,
        "history": HISTORY,
    }
    (folder / "example_inputs.json").write_text(json.dumps(inputs, indent=2) + "\n")


if __name__ == "__main__":
    main()
