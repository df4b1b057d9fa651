"""The input kinds' layout: one folder per kind under triage/kinds/, metrics gathered unchanged."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from triage.kinds.requests.metrics import ACCESS_METRICS
from triage.kinds.runs.metrics import ITERATION_METRICS
from triage.kinds.samples.metrics import SAMPLE_METRICS
from triage.kinds.segments.metrics import SEGMENT_METRICS
from triage.kinds.serving.metrics import SERVING_METRICS
from triage.vocabulary import PRODUCTION_METRICS, SCENARIO_METRICS

KINDS = Path(__file__).resolve().parent.parent / "triage" / "kinds"

# The production metrics in the order playbook validation, the schema and docs list them.
PRODUCTION_ORDER = ["has_metric", "metric_name", "gap", "shortfall", "shortfall_relative", "noise_known",
    "gap_significant", "gap_z", "has_segments", "mix_share", "fallback_share", "model_share",
    "unexplained_share", "largest_part", "parts_offset", "parts_text", "mix_loss",
    "fallback_loss", "model_loss", "unexplained_loss", "simpson", "worst_segment",
    "has_rollout", "model_version_mismatch", "pipeline_version_mismatch",
    "traffic_share_shortfall", "rollback_available", "has_health", "health_breaches",
    "latency_over_budget", "timeout_rate", "error_rate", "fallback_rate", "has_drift",
    "drifted_features", "top_drift_feature", "top_drift_js", "has_history",
    "offline_online_correlation", "offline_online_correlation_low",
    "offline_online_correlation_high", "offline_online_agree", "offline_online_slope",
    "history_launches", "labels_provisional", "mature_label_share", "gap_on_mature_cohorts",
    "gap_p_value", "gap_method", "rollback_win_back", "fallback_top_segment",
    "fallback_top_segment_share", "fallback_segments_text", "model_top_segment",
    "model_top_segment_share", "model_segments_text", "default_spikes", "default_spike_feature",
    "default_spike_value", "default_spike_reference_share", "default_spike_current_share",
    "new_categories", "new_category_feature", "new_category", "new_category_share",
    "skew_measured", "skew_matched_rows", "skewed_features", "skew_max_share",
    "skew_max_share_low", "skew_worst_feature", "skew_default_spike",
    "skew_default_spike_feature", "skew_default_spike_value", "skew_default_spike_share",
    "skew_missing_spike", "skew_missing_spike_feature", "skew_missing_spike_share"]


def test_production_metrics_keep_their_order():
    assert list(PRODUCTION_METRICS) == PRODUCTION_ORDER


def test_production_metrics_are_the_three_kinds_without_overlap():
    parts = [SEGMENT_METRICS, SERVING_METRICS, SAMPLE_METRICS]
    assert sum(len(part) for part in parts) == len(PRODUCTION_METRICS)
    assert PRODUCTION_METRICS == {**SEGMENT_METRICS, **SERVING_METRICS, **SAMPLE_METRICS}


def test_scenarios_offer_their_kinds_metrics():
    assert SCENARIO_METRICS["iteration"] is ITERATION_METRICS
    assert SCENARIO_METRICS["access"] is ACCESS_METRICS
    assert SCENARIO_METRICS["production"] is PRODUCTION_METRICS


@pytest.mark.parametrize("path", sorted(KINDS.glob("*/metrics.py")), ids=lambda p: p.parent.name)
def test_kind_metrics_import_nothing(path):
    """Plain dicts: triage.vocabulary imports them, so they must not import triage back."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]


@pytest.mark.parametrize("old", ["iteration", "iteration_plan", "stages", "access", "access_plan",
                                 "gap", "noise", "drift", "skew"])
def test_old_module_paths_are_gone(old):
    """No shims: the modules that moved into a kind's folder are gone from triage/."""
    assert importlib.util.find_spec(f"triage.{old}") is None
