"""The serving kind: serving health against its budgets, rollout facts and past launches.

What the team types in about the serving side of a launched model, turned into what the
production page draws and its playbook rules test: each health figure against its budget, the
rollout facts' mismatches, and whether past launches' offline change predicted their online change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from triage.kinds.segments.gap import as_finite
from triage.kinds.segments.noise import Z95


@dataclass(frozen=True)
class HealthCheck:
    label: str
    value: float
    budget: float | None
    unit: str  # "ms" or "share"

    @property
    def over_budget(self) -> bool:
        return self.budget is not None and self.value > self.budget


_HEALTH = (
    ("p99 latency", "latency_p99_ms", "latency_budget_p99_ms", "ms"),
    ("timeouts", "timeout_rate", "timeout_budget", "share"),
    ("errors", "error_rate", "error_budget", "share"),
    ("fallbacks", "fallback_rate", "fallback_budget", "share"),
)


def health_checks(health: dict[str, Any]) -> list[HealthCheck]:
    checks = []
    for label, key, budget_key, unit in _HEALTH:
        value = as_finite(health.get(key))
        if value is not None:
            checks.append(HealthCheck(label, value, as_finite(health.get(budget_key)), unit))
    return checks


MIN_LAUNCHES = 5  # fewer past launches say nothing about whether offline predicts online


@dataclass(frozen=True)
class HistoryFit:
    """Past launches' online change against their offline change.

    ``r`` is Pearson's correlation with a Fisher-z 95% interval (tanh(atanh r ± 1.96/√(n − 3)));
    ``slope`` the least-squares slope of online on offline deltas (with an intercept): how much
    online change each unit of offline change has come with. The offline metric "agrees" with
    online only when the interval's lower end is above 0, i.e. the correlation is positive beyond
    what chance gives on this many launches.
    """

    n: int
    r: float
    low: float
    high: float
    slope: float

    @property
    def agrees(self) -> bool:
        return self.low > 0


def history_fit(history: list[dict[str, Any]]) -> HistoryFit | None:
    """The fit over launches with both deltas; None (silent) below 5 launches or on a constant."""
    pairs = [(as_finite(h.get("offline_delta")), as_finite(h.get("online_delta"))) for h in history]
    pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
    if len(pairs) < MIN_LAUNCHES:
        return None
    offline, online = np.array(pairs).T
    if offline.std() == 0 or online.std() == 0:
        return None
    n = len(pairs)
    r = float(np.clip(np.corrcoef(offline, online)[0, 1], -1.0, 1.0))
    half = Z95 / math.sqrt(n - 3)
    centre = math.atanh(min(max(r, -1 + 1e-15), 1 - 1e-15))
    offline_centred = offline - offline.mean()
    slope = float(offline_centred @ (online - online.mean()) / (offline_centred @ offline_centred))
    return HistoryFit(n, r, math.tanh(centre - half), math.tanh(centre + half), slope)


def history_correlation(history: list[dict[str, Any]]) -> float | None:
    """Pearson correlation of past launches' offline and online deltas (5+ launches)."""
    fit = history_fit(history)
    return None if fit is None else fit.r


def rollout_metrics(rollout: dict[str, Any]) -> dict[str, Any]:
    """The rollout facts' metrics for playbook rules: version mismatches, the traffic share
    shortfall and whether a rollback exists (empty without rollout facts)."""
    if not rollout:
        return {}

    def differs(a: str, b: str) -> bool | None:
        left, right = str(rollout.get(a) or "").strip(), str(rollout.get(b) or "").strip()
        return (left != right) if left and right else None

    expected, observed = (as_finite(rollout.get("expected_traffic_share")),
                          as_finite(rollout.get("observed_traffic_share")))
    available = rollout.get("rollback_available")
    return {
        "model_version_mismatch": differs("expected_model_version", "serving_model_version"),
        "pipeline_version_mismatch": differs("expected_pipeline_version",
                                             "serving_pipeline_version"),
        "traffic_share_shortfall": (expected - observed
                                    if expected is not None and observed is not None else None),
        "rollback_available": available if isinstance(available, bool) else None,
    }
