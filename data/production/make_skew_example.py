"""Regenerate the worked example's skew check: served feature values of ranker-v7 joined by request
id to the values the training pipeline recomputes offline for the same requests.

Seeded, so the committed files are reproducible: `python data/production/make_skew_example.py`.

Writes ``example_served.csv`` (what the model received, from the serving feature log) and
``example_offline.csv`` (the same requests, recomputed by the training pipeline). The story is the
worked example's (see README.md):

* ``days_since_last_visit``: on ios-app and android-app requests the gateway's join to the
  user-activity table times out for 85% of them and sends 0; offline the join never times out,
  so those requests carry the real value. That is the skew, and a default-value spike.
* ``session_length_s`` is served as float32: it differs from the offline float64 by about 1e-8
  relative, inside the default tolerance, so it must come out as agreeing.
* ``device`` and ``category`` agree request by request, although both drift against training
  (a new traffic mix, a category launched after the training snapshot): drift, not skew.
* The offline job skipped 11 served requests (users deleted since) and recomputed 4 requests whose
  serving log lines were lost: unmatched ids on both sides, reported and left out.

Standard library and numpy only.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REQUESTS = 2000
SEED = 20241016
SEGMENT_SHARES = {"web-desktop": 0.225, "web-mobile": 0.285, "ios-app": 0.200,
                  "android-app": 0.260, "other-clients": 0.029}  # online shares, as make_example
APP_SEGMENTS = {"ios-app", "android-app"}
JOIN_TIMEOUT_SHARE = 0.85
CATEGORIES = {"fashion": 0.25, "electronics": 0.22, "home": 0.20, "sports": 0.12, "books": 0.11,
              "beauty": 0.10}
NEW_CATEGORY = ("pet-supplies", 0.03)
SKIPPED_OFFLINE = 11  # served requests the offline job could not recompute
LOST_SERVING_LOGS = 4  # requests recomputed offline whose serving log line was lost


def _with_missing(rng: np.random.Generator, values: list, rate: float) -> list:
    return [None if drop else v for v, drop in zip(values, rng.random(len(values)) < rate,
                                                   strict=True)]


def requests(rng: np.random.Generator, n: int) -> dict[str, list]:
    """The features as the offline pipeline computes them (the truth for these requests)."""
    names = list(SEGMENT_SHARES)
    shares = np.array(list(SEGMENT_SHARES.values()))
    device = rng.choice(names, size=n, p=shares / shares.sum())
    categories = {k: v * (1 - NEW_CATEGORY[1]) for k, v in CATEGORIES.items()}
    categories[NEW_CATEGORY[0]] = NEW_CATEGORY[1]
    weights = np.array(list(categories.values()))
    category = rng.choice(list(categories), size=n, p=weights / weights.sum())
    price = np.round(rng.lognormal(3.4, 0.8, n), 2)
    days = np.where(rng.random(n) < 0.08, 0, 1 + np.floor(rng.exponential(9.0, n))).astype(int)
    session = np.round(rng.lognormal(5.0, 0.9, n), 1)
    popularity = np.round(rng.beta(0.8, 6.0, n), 4)
    tenure = np.floor(rng.exponential(420.0, n)).astype(int)
    return {
        "price": _with_missing(rng, price.tolist(), 0.005),
        "days_since_last_visit": days.tolist(),
        "session_length_s": _with_missing(rng, session.tolist(), 0.01),
        "item_popularity": popularity.tolist(),
        "user_tenure_days": tenure.tolist(),
        "device": device.tolist(),
        "category": category.tolist(),
    }


def served_from(rng: np.random.Generator, offline: dict[str, list]) -> dict[str, list]:
    """What the model received: the join default on app requests, session length as float32."""
    served = {name: list(values) for name, values in offline.items()}
    app = np.isin(np.array(offline["device"]), list(APP_SEGMENTS))
    timed_out = app & (rng.random(len(app)) < JOIN_TIMEOUT_SHARE)
    served["days_since_last_visit"] = [0 if t else v for v, t in
                                       zip(offline["days_since_last_visit"], timed_out, strict=True)]
    served["session_length_s"] = [None if v is None else float(np.float32(v))
                                  for v in offline["session_length_s"]]
    return served


def write(path: Path, ids: list[str], columns: dict[str, list], rows: list[int]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["request_id", *columns])
        for i in rows:
            writer.writerow([ids[i], *("" if columns[c][i] is None else columns[c][i]
                                       for c in columns)])


def main(folder: Path = HERE) -> None:
    rng = np.random.default_rng(SEED)
    total = REQUESTS + LOST_SERVING_LOGS
    ids = [f"req-{i:06d}" for i in rng.choice(900_000, size=total, replace=False) + 100_000]
    offline = requests(rng, total)
    served = served_from(rng, offline)
    order = list(range(total))
    lost = set(order[REQUESTS:])  # in the offline file only
    skipped = set(rng.choice(REQUESTS, size=SKIPPED_OFFLINE, replace=False).tolist())
    write(folder / "example_served.csv", ids, served, [i for i in order if i not in lost])
    offline_rows = [i for i in order if i not in skipped]
    rng.shuffle(offline_rows)  # the offline job writes in its own order: the join is by id
    write(folder / "example_offline.csv", ids, offline, offline_rows)


if __name__ == "__main__":
    main()
