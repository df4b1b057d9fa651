"""Scenario "a launched model underperforms in production": inputs → one analysis → plan impact.

The session keeps what people typed (metric, segment rows, serving health, rollout facts, history
of past launches); this module turns it into the numbers the page draws, the metrics playbook
rules test, and the plan's expected impact — expressed in the metric's own units, never as a
promise: each action wins back a plausible share of the part of the gap it works on.

Not an input kind itself: it composes three of them, each a folder under ``triage/kinds/`` —
segments (the metric, its labels and the segment table: :mod:`triage.kinds.segments.gap`),
serving (health, rollout, past launches: :mod:`triage.kinds.serving.analysis`) and samples
(drift and the skew check: :mod:`triage.kinds.samples.drift`, :mod:`triage.kinds.samples.skew`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from triage.engine import walk
from triage.export import where_lost_charts, with_charts
from triage.kinds.segments.gap import (
    Concentration,
    Decomposition,
    GapVerdict,
    MetricInput,
    Waterfall,
    as_finite,
    concentration,
    decompose,
    gap_parts,
    gap_vs_noise,
    metric_problems,
    segment_rows,
    waterfall,
)
from triage.kinds.segments.metric import LabelMaturity, label_maturity, metric_input
from triage.kinds.segments.noise import relative_words
from triage.kinds.serving.analysis import (
    HealthCheck,
    HistoryFit,
    health_checks,
    history_correlation,
    history_fit,
    rollout_metrics,
)
from triage.plan import Estimate, Plan, PlanAction, build_plan, fmt
from triage.playbook import Action, Playbook
from triage.session import Session
from triage.tabular import InputError

if TYPE_CHECKING:
    from triage.kinds.samples.drift import DriftReport, ValueSpike
    from triage.kinds.samples.skew import SkewReport


def spike_text(feature: str, spike: ValueSpike) -> str:
    """A default-value spike in words: 'discount_pct is 0 on 40.0% of serving rows against 5.0%
    in training'."""
    return (f"{feature} is {spike.value} on {spike.current_share:.1%} of serving rows against "
            f"{spike.reference_share:.1%} in training")

_EXPLAINS = {"mix": "the traffic mix explains", "fallback": "fallbacks explain",
             "model": "the model itself explains", "unexplained": "an unexplained remainder is"}
COMPONENT_LABELS = {"mix": "traffic mix", "fallback": "fallbacks", "model": "the model itself",
                    "unexplained": "unexplained", "all": "the whole shortfall"}


@dataclass(frozen=True)
class ProductionAnalysis:
    metric: MetricInput | None
    problems: tuple[str, ...] = ()
    verdict: GapVerdict | None = None
    decomposition: Decomposition | None = None
    chart: Waterfall | None = None
    health: tuple[HealthCheck, ...] = ()
    rollout: dict[str, Any] = field(default_factory=dict)
    drift: DriftReport | None = None
    skew: SkewReport | None = None  # served values joined to offline recomputation by request id
    correlation: float | None = None
    history_size: int = 0
    prefilled: tuple[str, ...] = ()  # inputs the page filled in, not yet set by the team
    history_fit: HistoryFit | None = None  # past launches: r with its interval, slope
    labels: LabelMaturity | None = None  # how complete the observed window's labels are

    @property
    def sign(self) -> int:
        """+1 when higher is better: a part's loss is −sign × part."""
        return 1 if self.metric is None or self.metric.higher_is_better else -1

    def loss(self, component: str) -> float:
        """How much of the shortfall a part explains (positive: it made things worse)."""
        if self.verdict is None:
            return 0.0
        if component == "all":
            return max(self.verdict.shortfall, 0.0)
        if self.chart is None or self.decomposition is None:
            return 0.0
        value = {"mix": self.decomposition.mix, "fallback": self.decomposition.fallback,
                 "model": self.decomposition.model, "unexplained": self.chart.unexplained}[component]
        return max(-self.sign * value, 0.0)

    def concentration(self, component: str) -> Concentration | None:
        """Which segments hold the fallback or model part of the loss (None without a table)."""
        if self.decomposition is None or component not in ("fallback", "model"):
            return None
        higher = self.metric.higher_is_better if self.metric else True
        return concentration(self.decomposition, component, higher)

    def culprits(self) -> list[str]:
        """The named culprits in words: where the fallback and model loss sit, default-value
        spikes and categories training never saw. Empty when the data names none."""
        lines = []
        for component, label in (("fallback", "fallback"), ("model", "model's own")):
            where = self.concentration(component)
            if where is not None and self.loss(component) > 0:
                lines.append(f"the {label} loss: {where.text()}")
        if self.drift is not None:
            lines.extend(self.feature_culprits())
        return lines

    def feature_culprits(self, *, spikes_only: bool = False) -> list[str]:
        """Default-value spikes and categories training never saw, in words (at most 3 each)."""
        if self.drift is None:
            return []
        lines = []
        spikes = self.drift.default_spikes
        for feature in spikes[:3]:
            lines.append(f"{spike_text(feature.feature, feature.default_spike)} "
                         "(a default-value spike)")
        if len(spikes) > 3:
            lines.append(f"{len(spikes) - 3} more default-value spikes")
        new = () if spikes_only else self.drift.new_categories
        for feature, category, share in new[:3]:
            lines.append(f'"{category}" in {feature} is a new category, unseen in training '
                         f"({share:.1%} of the serving sample)")
        if len(new) > 3:
            lines.append(f"{len(new) - 3} more new categories")
        return lines

    def _labels_and_history_metrics(self) -> dict[str, Any]:
        labels, fit = self.labels, self.history_fit
        return {
            "labels_provisional": labels.provisional if labels else None,
            "mature_label_share": labels.mature_share if labels else None,
            "gap_on_mature_cohorts": labels.on_mature_cohorts if labels else False,
            "history_launches": fit.n if fit else None,
            "offline_online_correlation_low": fit.low if fit else None,
            "offline_online_correlation_high": fit.high if fit else None,
            "offline_online_slope": fit.slope if fit else None,
            "offline_online_agree": fit.agrees if fit else None,
            "gap_p_value": self.verdict.p_value if self.verdict else None,
            "gap_method": self.verdict.method or None if self.verdict else None,
            "rollback_win_back": (self.rollback_win_back() if self.verdict is not None
                                  else None),
        }

    def previous_level(self) -> tuple[float, str] | None:
        """The previous model's online level and where it comes from: a control arm measured
        now, else a level typed from before the launch. None when neither is typed."""
        for key, source in (("control_online", "measured on a control arm"),
                            ("previous_online", "the previous model's online level")):
            value = as_finite(self.rollout.get(key))
            if value is not None:
                return value, source
        return None

    def rollback_win_back(self) -> float | None:
        """What a rollback wins back: the previous model's online level − observed, in the
        better direction (negative when the new model is already better). None when unknown."""
        previous = self.previous_level()
        if previous is None or self.metric is None:
            return None
        return self.sign * (previous[0] - self.metric.observed)

    def metrics(self) -> dict[str, Any]:
        metrics: dict[str, Any] = {name: None for name in _METRIC_NAMES}
        metrics.update(has_metric=self.verdict is not None, has_segments=self.chart is not None,
                       has_rollout=bool(self.rollout), has_health=bool(self.health),
                       has_drift=self.drift is not None, has_history=self.correlation is not None)
        if self.verdict is not None and self.metric is not None:
            shortfall = self.verdict.shortfall
            metrics.update(
                metric_name=self.metric.name, gap=self.verdict.gap, shortfall=shortfall,
                shortfall_relative=shortfall / abs(self.metric.expected)
                if self.metric.expected else None,
                noise_known=self.verdict.noise_known, gap_significant=self.verdict.significant,
                gap_z=self.verdict.z,
            )
            if self.chart is not None and self.decomposition is not None:
                # Signed, unclipped parts; shares of the gap only when no part offsets another.
                metrics.update(gap_parts(self.decomposition, self.chart,
                                         self.metric.higher_is_better).metrics())
        if self.decomposition is not None:
            metrics["simpson"] = self.decomposition.simpson()
            # By rate (fallback + model): a segment's mix term alone says little about it.
            worst = max(self.decomposition.segments, key=lambda s: -self.sign * s.rate)
            metrics["worst_segment"] = worst.segment
            for component in ("fallback", "model"):
                where = self.concentration(component)
                if where is not None:
                    metrics[f"{component}_top_segment"] = where.top[0]
                    metrics[f"{component}_top_segment_share"] = where.top[1]
                    metrics[f"{component}_segments_text"] = where.text()
        metrics.update(rollout_metrics(self.rollout))
        metrics.update(self._labels_and_history_metrics())
        if self.health:
            by_label = {c.label: c for c in self.health}
            metrics["health_breaches"] = sum(c.over_budget for c in self.health)
            metrics["latency_over_budget"] = (by_label["p99 latency"].over_budget
                                              if "p99 latency" in by_label else None)
            for label, key in (("timeouts", "timeout_rate"), ("errors", "error_rate"),
                               ("fallbacks", "fallback_rate")):
                metrics[key] = by_label[label].value if label in by_label else None
        if self.drift is not None:
            drifted = [f for f in self.drift.features if f.drifted]
            metrics["drifted_features"] = len(drifted)
            if self.drift.features:
                top = self.drift.features[0]
                metrics["top_drift_feature"] = top.feature
                metrics["top_drift_js"] = top.js_distance
            spikes = self.drift.default_spikes
            metrics["default_spikes"] = len(spikes)
            if spikes:
                spike = spikes[0].default_spike
                metrics.update(default_spike_feature=spikes[0].feature,
                               default_spike_value=spike.value,
                               default_spike_reference_share=spike.reference_share,
                               default_spike_current_share=spike.current_share)
            new = self.drift.new_categories
            metrics["new_categories"] = len(new)
            if new:
                metrics.update(new_category_feature=new[0][0], new_category=new[0][1],
                               new_category_share=new[0][2])
        metrics["offline_online_correlation"] = self.correlation
        from triage.kinds.samples.skew import skew_metrics

        metrics.update(skew_metrics(self.skew))
        return metrics


_METRIC_NAMES = (
    "has_metric", "metric_name", "gap", "shortfall", "shortfall_relative", "noise_known",
    "gap_significant", "gap_z", "has_segments", "mix_share", "fallback_share", "model_share",
    "unexplained_share", "largest_part", "parts_offset", "parts_text", "mix_loss",
    "fallback_loss", "model_loss", "unexplained_loss", "simpson", "worst_segment", "has_rollout",
    "model_version_mismatch", "pipeline_version_mismatch", "traffic_share_shortfall",
    "rollback_available", "has_health", "health_breaches", "latency_over_budget", "timeout_rate",
    "error_rate", "fallback_rate", "has_drift", "drifted_features", "top_drift_feature",
    "top_drift_js", "has_history", "offline_online_correlation",
    "fallback_top_segment", "fallback_top_segment_share", "fallback_segments_text",
    "model_top_segment", "model_top_segment_share", "model_segments_text",
    "default_spikes", "default_spike_feature", "default_spike_value",
    "default_spike_reference_share", "default_spike_current_share",
    "new_categories", "new_category_feature", "new_category", "new_category_share",
)
_METRIC_NAMES += (
    "labels_provisional", "mature_label_share", "gap_on_mature_cohorts", "history_launches",
    "offline_online_correlation_low", "offline_online_correlation_high", "offline_online_slope",
    "offline_online_agree", "gap_p_value", "gap_method", "rollback_win_back",
)


def analyse(inputs: dict[str, Any], drift: DriftReport | None = None,
            skew: SkewReport | None = None) -> ProductionAnalysis:
    """Everything the page shows, from what the session holds; problems are collected, not raised."""
    problems: list[str] = []
    metric = metric_input(inputs.get("metric", {}))
    labels = label_maturity(inputs.get("metric") or {})
    if metric is not None and labels is not None and labels.on_mature_cohorts:
        # Judge the gap on cohorts whose labels are complete, not on a window still filling.
        metric = replace(metric, observed=labels.observed_mature,
                         n_observed=labels.n_observed_mature)
    verdict = None
    if metric is not None:
        issues = metric_problems(metric)
        problems.extend(issues)
        verdict = None if issues else gap_vs_noise(metric)
    decomposition = chart = None
    records = inputs.get("segments") or []
    if records:
        try:
            decomposition = decompose(segment_rows(records), (0.0, 1.0) if metric is not None
                                      and metric.kind == "proportion" else (None, None))
        except InputError as err:
            problems.append(str(err))
        else:
            chart = waterfall(decomposition, metric if verdict is not None else None)
    history = inputs.get("history") or []
    return ProductionAnalysis(
        metric=metric, problems=tuple(problems), verdict=verdict, decomposition=decomposition,
        chart=chart, health=tuple(health_checks(inputs.get("health") or {})),
        rollout=dict(inputs.get("rollout") or {}), drift=drift, skew=skew,
        correlation=history_correlation(history), history_size=len(history),
        prefilled=tuple(str(name) for name in inputs.get("prefilled") or ()),
        history_fit=history_fit(history), labels=labels,
    )


# --------------------------------------------------------------------------------------------
# Plan impact: each action wins back a share of the part of the gap it works on.


@dataclass
class ProductionImpact:
    analysis: ProductionAnalysis

    @property
    def unit(self) -> str:
        return self.analysis.metric.name if self.analysis.metric else "metric"

    def _recovered(self, actions: list[Action], bound: int) -> float | None:
        """Several actions on one part compound (each wins back a share of what is left), except
        those removing the same cause (one overlap group): only the strongest counts. Parts add
        up because the decomposition is additive; never more than the shortfall."""
        from triage.overlap import strongest_per_group

        left: dict[str, float] = {}
        for action in strongest_per_group(
                actions, lambda a: a.recovers[bound] if a.component and a.recovers else None,
                lambda a: (a.component,)):
            if action.component and action.recovers:
                left[action.component] = left.get(action.component, 1.0) * (
                    1 - action.recovers[bound])
        if not left or self.analysis.verdict is None:
            return None
        shortfall = self.analysis.loss("all")
        # A rollback returns to the previous model's online level, not to the offline promise:
        # its win-back is that level − observed, typed or measured on a control arm; unknown
        # without it, and then no total includes it.
        rollback = left.pop("all", None)
        win_back = self.analysis.rollback_win_back()
        restored = (None if rollback is None or win_back is None
                    else max(win_back, 0.0) * (1 - rollback))
        fixed = sum(self.analysis.loss(c) * (1 - remaining) for c, remaining in left.items())
        if restored is None:
            return min(fixed, shortfall) if left else None
        # A rollback and fixing the new model are alternatives: the better of the two, never
        # their sum; a previous model better than the promise may win back more than the gap.
        return min(max(restored, fixed), max(shortfall, restored))

    def estimate(self, actions: list[Action]) -> Estimate | None:
        low, high = self._recovered(actions, 0), self._recovered(actions, 1)
        if low is None or high is None:
            return None
        return Estimate(low, high, self.unit)

    def confidence(self, action: Action) -> tuple[str, str]:
        analysis = self.analysis
        if analysis.verdict is None:
            return "low", "no expected vs observed metric typed in yet"
        if action.component == "all":
            return self._rollback_confidence()
        basis = []
        level = 1
        if analysis.verdict.significant:
            level += 1
            basis.append("the gap is beyond sampling noise")
        elif analysis.verdict.significant is None:
            basis.append("noise cannot be judged")
            level -= 1
        else:
            basis.append("the gap is within sampling noise")
            level -= 1
        if action.component and action.component != "all":
            if analysis.chart is None:
                level -= 1
                basis.append("no segment table splits the gap")
            else:
                basis.append(f"{COMPONENT_LABELS[action.component]} measured in the segment table")
        if action.recovers:
            # the part of the gap is measured; the share an action wins back is experience
            low, high = action.recovers
            basis.append(f"the {low:.0%}–{high:.0%} win-back share is a range from experience, "
                         "not measured" + (", and wide" if high - low > 0.5 else ""))
            if high - low > 0.5:
                level -= 1
        level = max(0, min(level, 2))
        return ("low", "medium", "high")[level], "; ".join(basis)

    def _rollback_confidence(self) -> tuple[str, str]:
        previous = self.analysis.previous_level()
        if previous is None:
            return "low", ("not quantified: the previous model's online metric is not typed in "
                           "(rollout facts) or measured on a control arm")
        if "control" in previous[1]:
            return "high", "the previous model's level is measured on a control arm, now"
        return "medium", ("the previous model's online level is typed from before the launch; "
                          "traffic and season may have moved since")

    def evidence(self, action: Action) -> str:
        analysis = self.analysis
        if not action.component or analysis.verdict is None:
            return ""
        shortfall = analysis.loss("all")
        loss = analysis.loss(action.component)
        if action.component == "all":
            previous = analysis.previous_level()
            if previous is None:
                return (f"not quantified: bring the previous model's online {self.unit} (rollout "
                        "facts, or a control arm measured now); a rollback returns to that "
                        f"level, not to the offline promise the {fmt(shortfall)} shortfall is "
                        "measured against")
            win_back = analysis.rollback_win_back() or 0.0
            moved = ("wins back " + fmt(win_back) if win_back > 0 else
                     "wins nothing back: the new model is at or above it")
            return (f"{previous[1]} is {fmt(previous[0])} {self.unit} against "
                    f"{fmt(analysis.metric.observed)} observed: a rollback {moved} (the shortfall "
                    f"against the offline promise is {fmt(shortfall)})")
        if analysis.chart is None:
            return ""
        split = gap_parts(analysis.decomposition, analysis.chart, analysis.metric.higher_is_better)
        if split.offset:  # not "explains 0 of" a part that helped, nor "0.01 of the 0.004 drop"
            text = f"{split.text()} (a net {fmt(shortfall)} drop in {self.unit})"
            where = analysis.concentration(action.component)
            if where is not None and loss > 0:
                label = {"fallback": "fallback", "model": "model's own"}[action.component]
                text += f"; the {label} loss: {where.text()}"
            return text
        text = f"{_EXPLAINS[action.component]} {fmt(loss)} of the {fmt(shortfall)} drop in {self.unit}"
        where = analysis.concentration(action.component)
        if where is not None and loss > 0:
            text += f", {where.text()}"
        # A default filled in at serving is what a fix to the model's inputs works on.
        if action.component == "model" and (features := analysis.feature_culprits(
                spikes_only=True)):
            text += "; " + "; ".join(features)
        return text

    def summary(self, quick: list[PlanAction], cross: list[PlanAction], plan: Plan) -> list[str]:
        analysis = self.analysis
        metric, verdict = analysis.metric, analysis.verdict
        if metric is None or verdict is None:
            return ["No expected and observed metric yet: type them in to size the gap.",
                    "The questions still work; the plan lists what to check and in what order.",
                    f"{len(quick)} quick wins and {len(cross)} cross-team items so far."]
        words = relative_words(metric.observed, metric.expected, metric.higher_is_better)
        test = f"{verdict.method.split(' (')[0]}, p = {verdict.p_value:.2g}" if (
            verdict.noise_known) else ""
        noise = ("noise cannot be judged: " + verdict.why_unknown if not verdict.noise_known
                 else (f"beyond sampling noise ({test})" if verdict.significant else
                       f"within sampling noise ({test}): it may not be real"))
        first = (f"Online {metric.name} is {fmt(metric.observed)} against {fmt(metric.expected)} "
                 f"expected, {fmt(abs(verdict.gap))} apart: {words}, {noise}.")
        if analysis.labels is not None and analysis.labels.text():
            first += f" Labels: {analysis.labels.text()}."
        lines = [first]
        split = (gap_parts(analysis.decomposition, analysis.chart, metric.higher_is_better)
                 if analysis.chart is not None and analysis.decomposition is not None else None)
        if split is not None and split.offset and verdict.shortfall > 0:
            # Parts that offset each other are said as they are, not as parts of the drop.
            where = [f"the {label} loss: {found.text()}"
                     for component, label in (("fallback", "fallback"), ("model", "model's own"))
                     if split.loss(component) > 0
                     and (found := analysis.concentration(component)) is not None]
            lines.append(f"The {fmt(verdict.shortfall)} drop is a net figure: {split.text()}"
                         + (f" ({'; '.join(where)})" if where else "") + ".")
        elif analysis.chart is not None and verdict.shortfall > 0:
            parts = []
            for component in ("mix", "fallback", "model", "unexplained"):
                if analysis.loss(component) <= 0:
                    continue
                where = analysis.concentration(component)
                parts.append(f"{COMPONENT_LABELS[component]} {fmt(analysis.loss(component))}"
                             + (f" ({where.text()})" if where is not None else ""))
            lines.append(f"Of the {fmt(verdict.shortfall)} drop: {', '.join(parts)}.")
        else:
            lines.append("No segment table yet, so the gap is not split into causes.")
        if features := analysis.feature_culprits():
            lines.append("In the features: " + "; ".join(features) + ".")
        now = [a.action for a in plan.active if a.action.horizon == "now"]
        estimate = self.estimate(now)
        unsized_rollback = (any(a.component == "all" and a.recovers for a in now)
                            and analysis.rollback_win_back() is None)
        rollback_note = (" A rollback is not quantified: bring the previous model's online "
                         f"{metric.name}." if unsized_rollback else "")
        if estimate is not None:
            lines.append(f"The 'now' actions could win back {fmt(estimate.low)}–{fmt(estimate.high)} "
                         f"{metric.name}" + (" (the rollback not counted)" if unsized_rollback
                                             else "")
                         + "; the 'later' ones work on the causes." + rollback_note)
        elif unsized_rollback:
            lines.append("Verify first: no 'now' action is sized against the gap." + rollback_note)
        else:
            lines.append("Verify first: none of the actions so far is sized against the gap.")
        return lines

    def partner_terms(self, plan: Plan) -> str | None:
        """The 'now' checks as days to a launch decision: side by side the longest sets the
        pace, one person in turn adds them up; effort is person-days, never a calendar date."""
        checks = [a.action for a in plan.active if a.action.horizon == "now"
                  and not a.action.component and a.status != "done"]
        if not checks:
            return None
        lows, highs = [a.effort_days[0] for a in checks], [a.effort_days[1] for a in checks]
        metric = plan.goal.key_metric or (self.analysis.metric.name if self.analysis.metric
                                          else "")
        side, turn = _days(max(lows), max(highs)), _days(sum(lows), sum(highs))
        count = ("the one 'now' check takes " + side if len(checks) == 1 else
                 f"{side} if the {len(checks)} 'now' checks run side by side, {turn} if one "
                 "person does them in turn")
        line = (f"Days to a launch decision{f' on {metric}' if metric else ''} (keep, reduce "
                f"exposure or roll back): {count}; person-days of work, not a promised date.")
        if any(a.action.component == "all" for a in plan.active):
            line += " Reducing exposure need not wait for them."
        return line

    def assumptions(self) -> list[str]:
        items = [
            "Win-back ranges are experience from similar incidents, applied to the part of the "
            "gap each action works on; they are not measurements of this system.",
            "The fallback part is taken first: fixing timeouts helps today's model whatever else "
            "is wrong with it.",
            "Actions on the same part compound; the total never exceeds the shortfall.",
        ]
        metric = self.analysis.metric
        if metric is not None and "metric_settings" in self.analysis.prefilled:
            kind = "a proportion" if metric.kind == "proportion" else "another kind of metric"
            better = "higher" if metric.higher_is_better else "lower"
            items.insert(0, f"{metric.name} is read as {kind} where {better} is better: the "
                            "page's default settings, not confirmed in the meeting.")
        if self.analysis.metric and self.analysis.metric.kind == "proportion":
            items.append("Noise of a proportion from n, assuming independent impressions; "
                         "clustered traffic (per user, per session) makes the real interval wider.")
        return items

    def not_promised(self) -> list[str]:
        return [
            "A rollback restores the previous model's level, not the offline promise.",
            "Matching the offline number online: the offline metric may never have been reachable.",
            "Re-measure after each change, on the same segments, before counting the gain.",
        ]


def _days(low: float, high: float) -> str:
    return f"{low:g} d" if low == high else f"{low:g}–{high:g} d"


def production_plan(book: Playbook, session: Session, analysis: ProductionAnalysis) -> Plan:
    return with_charts(build_plan(book, session, walk(book, session.answers),
                                  ProductionImpact(analysis)), *where_lost_charts(analysis))
