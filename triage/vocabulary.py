"""Canonical ids shared by code, JSON, the CLI and tests (DESIGN §2b), and human labels for them."""

from __future__ import annotations

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

# The metrics each scenario's analysis exposes to playbook data rules, with what they mean.
# A playbook's rules may only name these; the validator says so when they do not.
ITERATION_METRICS: dict[str, str] = {
    "has_data": "true when stage durations were typed in or runs were uploaded",
    "runs": "number of runs (iterations) uploaded; 0 for a typed stage table",
    "iteration_hours": "hours of one iteration on average: the mean of run totals, stage means added up",
    "bottleneck": "stage id with the largest share of the iteration",
    "bottleneck_label": "human name of that stage",
    "bottleneck_share": "that stage's share of the iteration, 0 to 1",
    "bottleneck_ceiling": "overall speed-up if the bottleneck took no time at all: 1/(1-p)",
    "wait_known": "true when waiting time is known for every stage",
    "wait_share": "share of the iteration spent waiting, 0 to 1 (unknown: rule does not fire)",
    "flow_efficiency": "active time / total lead time, 0 to 1",
    "data_wait_share": "share of the data stage spent waiting, 0 to 1",
    "startup_wait_share": "share of job startup spent waiting (queueing), 0 to 1",
    "training_wait_share": "share of training spent waiting, 0 to 1",
    "evaluation_wait_share": "share of evaluation spent waiting (for people, reviews), 0 to 1",
    "deployment_wait_share": "share of deployment spent waiting (approvals), 0 to 1",
    "startup_share": "share of the iteration spent in job startup and queueing",
    "evaluation_share": "share of the iteration spent in evaluation and comparison",
    "deployment_share": "share of the iteration spent in deployment and approval",
    "training_share": "share of the iteration spent training",
    "data_share": "share of the iteration spent on data access and features",
    "handoff_share": "share of the iteration lost between stages",
    "handoff_top_transition": "the transition holding most hand-off time, e.g. 'Evaluation & "
                              "comparison → Deployment & approval' (runs with timestamps only)",
    "handoff_top_transition_share": "its share of all hand-off time, 0 to 1",
    "handoff_where_text": "where hand-off time sits, e.g. 'Evaluation & comparison → Deployment "
                          "& approval: 80% of hand-off time'",
    "failed_share": "share of all recorded run hours spent in failed runs",
    "max_variability": "largest p90/median ratio over stages (runs only)",
    "most_variable_stage": "stage id with that ratio",
    "startup_training_share": "share of the iteration in job startup and queueing plus training "
                              "(waiting for GPUs and running on them), 0 to 1",
    "startup_variability": "job startup and queueing's p90/median ratio (runs only)",
}

# Data-access request lifecycle: requested → owner found → approved → provisioned → first use.
ACCESS_STAGE_LABELS: dict[str, str] = {
    "owner": "Finding an owner",
    "approval": "Approval",
    "provisioning": "Provisioning",
    "first_use": "First use",
}
TIERS = ("public", "internal", "confidential", "restricted")

ACCESS_METRICS: dict[str, str] = {
    "has_data": "true when a request log was uploaded or one request's stages typed in",
    "requests": "number of requests analysed",
    "business_hours": "true when waits are counted in business hours, false for calendar hours",
    "slowest_stage": "access stage id with the largest median wait: owner, approval, provisioning, "
                     "first_use",
    "slowest_stage_label": "human name of that stage",
    "slowest_share": "that stage's share of the four stage medians added up (not of the time to "
                     "access, which is measured end to end)",
    "time_to_access_median_hours": "median hours from request to first access (Kaplan–Meier: "
                                   "requests still waiting count up to the as-of date)",
    "time_to_access_text": "the time to access as the page shows it, e.g. '5.9 d' or 'more than "
                           "7.0 d'",
    "owner_slowest_dataset": "the dataset whose requests wait longest for an owner (median, at "
                             "least 3 requests when any dataset has that many)",
    "owner_slowest_dataset_hours": "that dataset's median wait for an owner, hours",
    "owner_slowest_dataset_requests": "number of requests on that dataset",
    "owner_median_hours": "median hours to find an owner",
    "approval_median_hours": "median hours from owner found to approval",
    "provisioning_median_hours": "median hours from approval to working access",
    "first_use_median_hours": "median hours from working access to first use",
    "owner_breach_rate": "share of requests over the owner SLA, 0 to 1",
    "approval_breach_rate": "share of requests over the approval SLA, 0 to 1",
    "provisioning_breach_rate": "share of requests over the provisioning SLA, 0 to 1",
    "first_use_breach_rate": "share of requests over the first-use SLA, 0 to 1",
    "worst_breach_rate": "the highest breach rate of any stage",
    "worst_breach_stage": "the stage with that breach rate",
    "provisioning_to_approval": "provisioning median / approval median (above 1: the hand-off "
                                "after approval is the bigger wait)",
    "unowned_share": "share of requests on datasets without a known owner, 0 to 1",
    "auto_approved_share": "share of requests approved automatically, 0 to 1",
    "denied_share": "share of requests denied, 0 to 1",
    "expired_share": "share of requests that expired unanswered, 0 to 1",
    "pending_share": "share of requests still open, 0 to 1",
    "restricted_share": "share of requests on restricted or confidential data, 0 to 1",
    "has_inventory": "true when a dataset inventory was uploaded",
    "preapproved_share": "share of requested datasets with a pre-approved access path, 0 to 1",
}

# Parts of a production metric gap (see triage.gap): what an action can win back.
GAP_COMPONENTS = {
    "all": "the whole shortfall (e.g. a rollback restores the expected model)",
    "mix": "traffic or user-mix change",
    "fallback": "traffic served by fallbacks (timeouts, errors)",
    "model": "the model's own metric within segments (skew, drift, a wrong version)",
    "unexplained": "the part of the typed totals the segment table does not explain",
}

PRODUCTION_METRICS: dict[str, str] = {
    "has_metric": "true when expected and observed values are typed in",
    "metric_name": "the metric's name, e.g. CTR",
    "gap": "observed - expected, signed",
    "shortfall": "how much worse online is, in the metric's units (negative: better)",
    "shortfall_relative": "shortfall / expected, 0 to 1",
    "noise_known": "true when the sampling error of the gap can be judged",
    "gap_significant": "true when the 95% interval of the gap excludes zero",
    "gap_z": "gap / its standard error",
    "has_segments": "true when a segment table is in",
    "mix_share": "share of the shortfall explained by the traffic mix, 0 to 1; unknown when "
                 "parts offset each other (see parts_offset)",
    "fallback_share": "share of the shortfall explained by fallbacks, 0 to 1; unknown when parts "
                      "offset each other",
    "model_share": "share of the shortfall explained by the model within segments, 0 to 1; "
                   "unknown when parts offset each other",
    "unexplained_share": "share of the shortfall the segment table does not explain, 0 to 1; "
                         "unknown when parts offset each other",
    "largest_part": "which part lost most: mix, fallback, model, unexplained",
    "parts_offset": "true when a part of the gap moved against it (e.g. a mix shift towards "
                    "better segments hid a model loss): shares of the gap are then not given",
    "parts_text": "the parts in words, e.g. 'a mix shift of +0.006 hid a model loss of -0.010'",
    "mix_loss": "how much worse the traffic mix made the metric, in its units (negative: it "
                "helped)",
    "fallback_loss": "how much worse fallbacks made the metric, in its units (negative: better)",
    "model_loss": "how much worse the model within segments made the metric, in its units "
                  "(negative: better)",
    "unexplained_loss": "how much worse the unexplained remainder is, in the metric's units",
    "simpson": "true when every segment moved one way and the total the other",
    "worst_segment": "the segment contributing most to the shortfall",
    "has_rollout": "true when rollout facts are typed in",
    "model_version_mismatch": "serving model version differs from the expected one",
    "pipeline_version_mismatch": "serving feature-pipeline version differs from the expected one",
    "traffic_share_shortfall": "expected minus observed share of traffic on the new model",
    "rollback_available": "true when a rollback path exists",
    "has_health": "true when serving health numbers are typed in",
    "health_breaches": "number of serving-health figures over their budget",
    "latency_over_budget": "true when p99 latency exceeds its budget",
    "timeout_rate": "share of requests that time out",
    "error_rate": "share of requests that fail",
    "fallback_rate": "share of requests served by a fallback",
    "has_drift": "true when training and serving feature samples are in",
    "drifted_features": "number of features drifted: beyond chance (Benjamini–Hochberg) and above "
                        "an effect floor",
    "top_drift_feature": "feature with the largest Jensen-Shannon distance",
    "top_drift_js": "its Jensen-Shannon distance, 0 to 0.833",
    "has_history": "true when offline-vs-online history of past launches is typed in",
    "offline_online_correlation": "Pearson r of past offline and online deltas (5+ launches), "
                                  "-1 to 1",
    "offline_online_correlation_low": "lower end of r's Fisher-z 95% interval",
    "offline_online_correlation_high": "upper end of r's Fisher-z 95% interval",
    "offline_online_agree": "true when r's 95% interval lies above 0",
    "offline_online_slope": "least-squares slope of online on offline deltas (online change per "
                            "unit of offline change)",
    "history_launches": "number of past launches with both deltas",
    "labels_provisional": "true when under 95% of the observed window has complete labels",
    "mature_label_share": "share of the observed window with complete labels, 0 to 1",
    "gap_on_mature_cohorts": "true when the gap is computed on cohorts older than the label delay",
    "gap_p_value": "p-value of the noise test (exact binomial, score test or Welch)",
    "gap_method": "the noise test used, in words",
    "rollback_win_back": "previous model's online level - observed, in the better direction "
                         "(None when that level is not typed or measured)",
    "fallback_top_segment": "the segment holding the largest part of the fallback loss",
    "fallback_top_segment_share": "its share of the fallback loss, 0 to 1",
    "fallback_segments_text": "where the fallback loss sits, e.g. '85% in partner-api'",
    "model_top_segment": "the segment holding the largest part of the model's own loss",
    "model_top_segment_share": "its share of the model's own loss, 0 to 1",
    "model_segments_text": "where the model's own loss sits, e.g. '45% in ios, 42% in android'",
    "default_spikes": "number of features with a default-value spike (one value on far more "
                      "serving rows than training rows)",
    "default_spike_feature": "the feature with the largest default-value spike",
    "default_spike_value": "its spiking value, as text (e.g. 0)",
    "default_spike_reference_share": "share of training rows holding that value, 0 to 1",
    "default_spike_current_share": "share of serving rows holding that value, 0 to 1",
    "new_categories": "number of categories in the serving sample unseen in training",
    "new_category_feature": "the feature of the largest new category",
    "new_category": "the largest category unseen in training",
    "new_category_share": "its share of the serving sample, 0 to 1",
    "skew_measured": "true when served feature values are joined by request id to the values "
                     "recomputed offline for the same requests (the skew check; drift between "
                     "samples cannot tell skew from a population change)",
    "skew_matched_rows": "number of requests in both the served and the offline file",
    "skewed_features": "number of features whose served and offline values differ on at least "
                       "1% of matched requests",
    "skew_max_share": "the largest share of matched requests on which one feature differs "
                      "beyond tolerance, 0 to 1",
    "skew_max_share_low": "the lower end of that share's 95% Wilson interval, 0 to 1",
    "skew_worst_feature": "the feature with that largest share",
    "skew_default_spike": "true when some feature is served as a default (0, -1, 'unknown', ...) "
                          "on requests whose offline value differs, beyond chance",
    "skew_default_spike_feature": "the feature with the largest such default spike",
    "skew_default_spike_value": "its served default, as text (e.g. 0)",
    "skew_default_spike_share": "share of matched requests served that default where offline "
                                "had another value, 0 to 1",
    "skew_missing_spike": "true when some feature is missing at serving on requests whose "
                          "offline value exists, beyond chance",
    "skew_missing_spike_feature": "the feature most often missing at serving against offline",
    "skew_missing_spike_share": "share of matched requests where it is missing at serving and "
                                "present offline, 0 to 1",
}

# Metrics whose values come from a fixed set: a rule comparing them must name a known value.
METRIC_VALUES: dict[str, tuple[str, ...]] = {
    "bottleneck": tuple(STAGE_LABELS),
    "most_variable_stage": tuple(STAGE_LABELS),
    "largest_part": ("mix", "fallback", "model", "unexplained"),
    "slowest_stage": tuple(ACCESS_STAGE_LABELS),
    "worst_breach_stage": tuple(ACCESS_STAGE_LABELS),
}

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
