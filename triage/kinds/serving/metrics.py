"""The metrics the serving kind (serving health, rollout facts, past launches) offers to playbook
data rules."""

# Plain dicts: this module imports nothing, so triage.vocabulary can build the scenarios' metric
# lists from it without an import cycle.
SERVING_METRICS: dict[str, str] = {
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
    "has_history": "true when offline-vs-online history of past launches is typed in",
    "offline_online_correlation": "Pearson r of past offline and online deltas (5+ launches), "
                                  "-1 to 1",
    "offline_online_correlation_low": "lower end of r's Fisher-z 95% interval",
    "offline_online_correlation_high": "upper end of r's Fisher-z 95% interval",
    "offline_online_agree": "true when r's 95% interval lies above 0",
    "offline_online_slope": "least-squares slope of online on offline deltas (online change per "
                            "unit of offline change)",
    "history_launches": "number of past launches with both deltas",
    "rollback_win_back": "previous model's online level - observed, in the better direction "
                         "(None when that level is not typed or measured)",
}
