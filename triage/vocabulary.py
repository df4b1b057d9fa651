"""Canonical ids shared by code, JSON, the CLI and tests (DESIGN §2b), and human labels for them."""

from __future__ import annotations

from triage.kinds.requests.metrics import ACCESS_METRICS
from triage.kinds.runs.metrics import ITERATION_METRICS
from triage.kinds.samples.metrics import SAMPLE_METRICS
from triage.kinds.segments.metrics import SEGMENT_METRICS
from triage.kinds.serving.metrics import SERVING_METRICS

# Iteration stages in pipeline order; `handoff` is the gap between one stage's end and the next
# stage's start in the same run.
STAGE_LABELS: dict[str, str] = {
    "data": "Data access & features",
    "startup": "Job startup & queueing",
    "training": "Training",
    "evaluation": "Evaluation & comparison",
    "deployment": "Deployment & approval",
    "handoff": "Hand-off waiting",
}
CANONICAL_STAGES = ("data", "startup", "training", "evaluation", "deployment")

ACTION_KINDS = {"quick_win", "cross_team"}
KIND_LABELS = {"quick_win": "Quick win", "cross_team": "Cross-team"}
HORIZONS = {"now", "later"}
STATUSES = ("todo", "doing", "done", "dropped")
CONFIDENCES = ("low", "medium", "high")
AFFECTS = {"wait", "active", "total"}

# Data-access request lifecycle: requested → owner found → approved → provisioned → first use.
ACCESS_STAGE_LABELS: dict[str, str] = {
    "owner": "Finding an owner",
    "approval": "Approval",
    "provisioning": "Provisioning",
    "first_use": "First use",
}
TIERS = ("public", "internal", "confidential", "restricted")

# Parts of a production metric gap (see triage.kinds.segments.gap): what an action can win back.
GAP_COMPONENTS = {
    "all": "the whole shortfall (e.g. a rollback restores the expected model)",
    "mix": "traffic or user-mix change",
    "fallback": "traffic served by fallbacks (timeouts, errors)",
    "model": "the model's own metric within segments (skew, drift, a wrong version)",
    "unexplained": "the part of the typed totals the segment table does not explain",
}

# The production scenario offers the metrics of three kinds (segments, serving, samples), listed
# in the order rules and docs have always shown them (the kinds interleave).
_PRODUCTION_ORDER = (
    "has_metric", "metric_name", "gap", "shortfall", "shortfall_relative", "noise_known",
    "gap_significant", "gap_z", "has_segments", "mix_share", "fallback_share", "model_share",
    "unexplained_share", "largest_part", "parts_offset", "parts_text", "mix_loss", "fallback_loss",
    "model_loss", "unexplained_loss", "simpson", "worst_segment", "has_rollout",
    "model_version_mismatch", "pipeline_version_mismatch", "traffic_share_shortfall",
    "rollback_available", "has_health", "health_breaches", "latency_over_budget", "timeout_rate",
    "error_rate", "fallback_rate", "has_drift", "drifted_features", "top_drift_feature",
    "top_drift_js", "has_history", "offline_online_correlation", "offline_online_correlation_low",
    "offline_online_correlation_high", "offline_online_agree", "offline_online_slope",
    "history_launches", "labels_provisional", "mature_label_share", "gap_on_mature_cohorts",
    "gap_p_value", "gap_method", "rollback_win_back", "fallback_top_segment",
    "fallback_top_segment_share", "fallback_segments_text", "model_top_segment",
    "model_top_segment_share", "model_segments_text", "default_spikes", "default_spike_feature",
    "default_spike_value", "default_spike_reference_share", "default_spike_current_share",
    "new_categories", "new_category_feature", "new_category", "new_category_share",
    "skew_measured", "skew_matched_rows", "skewed_features", "skew_max_share",
    "skew_max_share_low", "skew_worst_feature", "skew_default_spike", "skew_default_spike_feature",
    "skew_default_spike_value", "skew_default_spike_share", "skew_missing_spike",
    "skew_missing_spike_feature", "skew_missing_spike_share",
)
_PRODUCTION_PARTS = {**SEGMENT_METRICS, **SERVING_METRICS, **SAMPLE_METRICS}
PRODUCTION_METRICS: dict[str, str] = {
    **{name: _PRODUCTION_PARTS[name] for name in _PRODUCTION_ORDER},
    **_PRODUCTION_PARTS,  # a metric added to a kind but not to the order comes last
}

# Metrics whose values come from a fixed set: a rule comparing them must name a known value.
METRIC_VALUES: dict[str, tuple[str, ...]] = {
    "bottleneck": tuple(STAGE_LABELS),
    "most_variable_stage": tuple(STAGE_LABELS),
    "largest_part": ("mix", "fallback", "model", "unexplained"),
    "slowest_stage": tuple(ACCESS_STAGE_LABELS),
    "worst_breach_stage": tuple(ACCESS_STAGE_LABELS),
}

# The metrics each scenario's analysis exposes to playbook data rules, with what they mean: each
# comes from the kinds the scenario collects (triage/kinds/<kind>/metrics.py). A playbook's rules
# may only name these; the validator says so when they do not.
SCENARIO_METRICS: dict[str, dict[str, str]] = {
    "iteration": ITERATION_METRICS,
    "production": PRODUCTION_METRICS,
    "access": ACCESS_METRICS,
    # A router asks where the problem is and opens the scenario that analyses it: no numbers.
    "router": {},
    # A playbook walked by its answers alone: no analysis, no estimates.
    "none": {},
}


def stage_label(stage: str) -> str:
    """Human name of a stage (iteration or access); unknown stages keep the name they were given."""
    return STAGE_LABELS.get(stage) or ACCESS_STAGE_LABELS.get(stage, stage)
