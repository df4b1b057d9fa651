"""Waits that may still be running: the Kaplan–Meier estimate, and what can honestly be read off it.

A request still in a stage at the as-of date has waited *at least* its age so far: it is
right-censored there, never dropped (that flatters slow stages) and never counted as finished.
The curve is ``scipy.stats.ecdf`` on ``scipy.stats.CensoredData``; this module only reads it:

- **Quantiles** follow R's ``survfit``: the smallest wait t with S(t) ≤ 1 − q, or the midpoint to
  the next event time when S equals 1 − q exactly (so complete data gives the ordinary median).
  When the curve never falls that far the quantile is not known: ``hours`` is None and
  ``lower_bound`` is the longest wait seen ("more than X h").
- **Share still waiting at t** = S(t). Past the longest wait seen the curve says nothing unless it
  already reached 0, so ``waiting_at`` returns None there, with ``waiting_at_most`` as the bound.
- **Mean wait** = area under S up to a horizon (the restricted mean). Up to the longest wait seen
  it is the ordinary mean when nothing is censored; with censoring it is a lower bound on the
  true mean and says so (``mean_is_lower_bound``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Quantile:
    hours: float | None  # None when the curve never falls to 1 − q (or there are no waits)
    lower_bound: float | None = None  # then: the longest wait seen, read "more than"

    @property
    def reached(self) -> bool:
        return self.hours is not None


@dataclass(frozen=True)
class Survival:
    """The Kaplan–Meier curve of one set of waits."""

    event_times: np.ndarray  # distinct times at which some wait ended, ascending
    surviving: np.ndarray  # S just after each of them
    n: int  # waits in all
    ended: int  # waits that ended (the rest are censored)
    longest: float  # the longest wait seen, ended or not (0 without waits)

    @classmethod
    def of(cls, hours, ended) -> Survival:
        """``hours``: each wait so far; ``ended``: True where it ended, False where still going."""
        hours = np.asarray(hours, dtype=float).ravel()
        ended = np.asarray(ended, dtype=bool).ravel()
        if hours.shape != ended.shape:
            raise ValueError("hours and ended must have the same length")
        if hours.size and (not np.isfinite(hours).all() or (hours < 0).any()):
            raise ValueError("waits must be finite numbers of hours ≥ 0")
        longest = float(hours.max()) if hours.size else 0.0
        if not ended.any():
            return cls(np.empty(0), np.empty(0), int(hours.size), 0, longest)
        curve = stats.ecdf(stats.CensoredData(uncensored=hours[ended], right=hours[~ended])).sf
        # scipy lists censoring times too (where S does not move); keep the times a wait ended.
        times, surviving = np.asarray(curve.quantiles), np.asarray(curve.probabilities)
        keep = np.isin(times, hours[ended])
        return cls(times[keep], surviving[keep], int(hours.size), int(ended.sum()), longest)

    @property
    def censored(self) -> int:
        return self.n - self.ended

    @property
    def reaches_zero(self) -> bool:
        return bool(self.surviving.size) and self.surviving[-1] <= _TOLERANCE

    def quantile(self, q: float) -> Quantile:
        if self.n == 0:
            return Quantile(None)
        target = 1.0 - q
        reached = np.flatnonzero(self.surviving <= target + _TOLERANCE)
        if reached.size == 0:
            return Quantile(None, self.longest)
        i = int(reached[0])
        if abs(self.surviving[i] - target) <= _TOLERANCE and i + 1 < self.event_times.size:
            return Quantile(float((self.event_times[i] + self.event_times[i + 1]) / 2))
        return Quantile(float(self.event_times[i]))

    def _at(self, hours: float) -> float:
        """S(hours): the share still waiting after ``hours`` (right-continuous step)."""
        index = int(np.searchsorted(self.event_times, hours, side="right")) - 1
        return 1.0 if index < 0 else float(self.surviving[index])

    def waiting_at(self, hours: float) -> float | None:
        """The share of waits longer than ``hours``; None where the curve cannot tell."""
        if self.n == 0 or (hours > self.longest and not self.reaches_zero):
            return None
        return self._at(hours)

    def waiting_at_most(self, hours: float) -> float | None:
        """An upper bound on the share longer than ``hours``, also past the longest wait seen."""
        return None if self.n == 0 else self._at(min(hours, self.longest))

    def mean(self, horizon: float | None = None) -> float | None:
        """Area under S from 0 to ``horizon`` (default: the longest wait seen)."""
        if self.n == 0:
            return None
        end = self.longest if horizon is None else float(horizon)
        steps = np.concatenate(([0.0], self.event_times[self.event_times < end], [end]))
        levels = np.concatenate(([1.0], self.surviving[self.event_times < end]))
        return float(np.sum(np.diff(steps) * levels))

    def mean_is_lower_bound(self, horizon: float | None = None) -> bool:
        """True when waits may run past the horizon, so the true mean is larger."""
        end = self.longest if horizon is None else float(horizon)
        return self.n > 0 and self._at(end) > _TOLERANCE


@dataclass(frozen=True)
class OpenWaits:
    """One kind of wait over every item, those still waiting at ``as_of`` right-censored there:
    what a reader reports beside a table that can hold only finished work."""

    what: str  # e.g. "queue wait (Eligible to Start)"
    item: str  # what waits, singular: "job"
    curve: Survival
    as_of: str  # the instant open waits are counted up to, ISO 8601
    as_of_label: str  # the same for people, with where it came from
    ended_only_median: float | None  # the median of ended waits alone: what dropping the rest gives

    def _quantile(self, q: float) -> tuple[float | None, float | None]:
        """(hours, None), or (None, the longest wait seen) when the curve never falls that far."""
        found = self.curve.quantile(q)
        return found.hours, found.lower_bound if (found.lower_bound or 0) > 0 else None

    def as_json(self) -> dict:
        (median, median_more), (p90, p90_more) = self._quantile(0.5), self._quantile(0.9)
        return {"what": self.what, "estimator": "Kaplan–Meier", "n": self.curve.n,
                "ended": self.curve.ended, "censored": self.curve.censored,
                "median_hours": median, "median_lower_bound_hours": median_more,
                "p90_hours": p90, "p90_lower_bound_hours": p90_more,
                "ended_only_median_hours": self.ended_only_median, "as_of": self.as_of}

    def read(self, q: float) -> str:
        """'2.5 h', or 'more than 26.0 h' when the curve never falls to 1 − q."""
        hours, more = self._quantile(q)
        if hours is not None:
            return f"{hours:.1f} h"
        return f"more than {more:.1f} h" if more is not None else "unknown"

    def sentence(self) -> str:
        n, censored = self.curve.n, self.curve.censored
        text = (f"{self.what}, Kaplan–Meier over {n} {self.item}{'' if n == 1 else 's'} "
                f"({censored} censored: still waiting at {self.as_of_label}, or gone before "
                f"their wait ended): median "
                f"{self.read(0.5)}, p90 {self.read(0.9)}")
        if censored and self.ended_only_median is not None:
            text += (f"; leaving out those still waiting would say a median of "
                     f"{self.ended_only_median:.1f} h")
        return text
