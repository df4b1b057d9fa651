"""The metric the segments kind starts from: expected vs observed as typed, and how complete the
labels behind the observed window are (a gap on labels still arriving is provisional).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triage.kinds.segments.gap import MetricInput, as_finite
from triage.plan import fmt


def metric_input(raw: dict[str, Any]) -> MetricInput | None:
    expected, observed = as_finite(raw.get("expected")), as_finite(raw.get("observed"))
    if expected is None or observed is None:
        return None
    return MetricInput(
        name=str(raw.get("name") or "metric").strip() or "metric",
        expected=expected, observed=observed,
        kind="proportion" if raw.get("kind", "proportion") == "proportion" else "other",
        higher_is_better=bool(raw.get("higher_is_better", True)),
        n_expected=as_finite(raw.get("n_expected")), n_observed=as_finite(raw.get("n_observed")),
        se_expected=as_finite(raw.get("se_expected")), se_observed=as_finite(raw.get("se_observed")),
    )


MATURE_ENOUGH = 0.95  # share of the window with complete labels below which a gap is provisional


@dataclass(frozen=True)
class LabelMaturity:
    """How complete the labels behind the observed metric are.

    ``mature_share`` is the share of the observed window whose labels are complete: typed, or
    1 − (label delay p90) / (window length) for a window that ends now (cohorts younger than the
    delay's p90 still miss more than a tenth of their labels). With the metric typed for mature
    cohorts only (``observed_mature`` and its n), the gap is computed on them.
    """

    mature_share: float | None
    delay_p90_hours: float | None = None
    window_hours: float | None = None
    observed_mature: float | None = None
    n_observed_mature: float | None = None

    @property
    def on_mature_cohorts(self) -> bool:
        return self.observed_mature is not None

    @property
    def provisional(self) -> bool | None:
        """True when the gap rests on labels still arriving; None when nothing says."""
        if self.on_mature_cohorts:
            return False
        if self.mature_share is None:
            return None
        return self.mature_share < MATURE_ENOUGH

    def text(self) -> str:
        if self.on_mature_cohorts:
            n = f" (n = {self.n_observed_mature:,.0f})" if self.n_observed_mature else ""
            return (f"the gap is computed on mature cohorts only: observed {fmt(self.observed_mature)}"
                    f"{n}, on traffic older than the label delay")
        if self.mature_share is None:
            return ""
        basis = (f"the label delay's p90 is {self.delay_p90_hours:g} h of a "
                 f"{self.window_hours:g} h window" if self.delay_p90_hours is not None
                 and self.window_hours else "as typed")
        verdict = ("the gap is provisional: recompute it on mature cohorts"
                   if self.provisional else "labels are complete enough to judge the gap")
        return f"{self.mature_share:.0%} of the window has complete labels ({basis}); {verdict}"


def label_maturity(raw: dict[str, Any]) -> LabelMaturity | None:
    """The labels' completeness from the metric inputs; None when none of them is typed."""
    share = as_finite(raw.get("mature_share"))
    delay, window = as_finite(raw.get("label_delay_p90_hours")), as_finite(raw.get("window_hours"))
    mature, n_mature = as_finite(raw.get("observed_mature")), as_finite(raw.get("n_observed_mature"))
    if share is None and delay is not None and window:
        share = min(max(1 - delay / window, 0.0), 1.0)
    if share is not None:
        share = min(max(share, 0.0), 1.0)
    if share is None and mature is None:
        return None
    return LabelMaturity(share, delay, window, mature, n_mature)
