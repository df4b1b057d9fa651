"""Production analysis: metrics for data rules and the plan's win-back estimates."""

import pytest
from scipy import stats

from triage.kinds.serving.analysis import history_correlation
from triage.playbook import Action
from triage.production import ProductionImpact, analyse

INPUTS = {
    "metric": {"name": "CTR", "kind": "proportion", "higher_is_better": True, "expected": 0.0425,
               "observed": 0.0350, "n_expected": 400000, "n_observed": 380000},
    "segments": [
        {"segment": "A", "expected_share": 0.6, "observed_share": 0.4, "expected_metric": 0.05,
         "observed_metric": 0.05},
        {"segment": "B", "expected_share": 0.4, "observed_share": 0.6, "expected_metric": 0.03,
         "observed_metric": 0.025, "fallback_share": 0.2, "fallback_metric": 0.01},
    ],
    "health": {"latency_p99_ms": 480, "latency_budget_p99_ms": 300, "timeout_rate": 0.01,
               "timeout_budget": 0.02},
    "rollout": {"expected_model_version": "v7", "serving_model_version": "v7",
                "expected_traffic_share": 1.0, "observed_traffic_share": 0.9,
                "rollback_available": True},
    "history": [{"launch": "a", "offline_delta": 0.01, "online_delta": 0.008},
                {"launch": "b", "offline_delta": 0.02, "online_delta": 0.011},
                {"launch": "c", "offline_delta": -0.005, "online_delta": -0.001}],
}


def action(component, recovers, action_id="x"):
    return Action(id=action_id, title=action_id, kind="quick_win", effort_days=(1, 2),
                  description="", tradeoffs="", wont_fix="", component=component,
                  recovers=recovers)


def test_metrics_for_rules():
    metrics = analyse(INPUTS).metrics()
    assert metrics["has_metric"] and metrics["gap_significant"]
    assert metrics["shortfall"] == pytest.approx(0.0075)
    assert metrics["shortfall_relative"] == pytest.approx(0.0075 / 0.0425)
    # parts of the 0.0075 drop: mix 0.0045, fallback 0.2·(0.03 − 0.01)·0.5 = 0.002, model
    # 0.8·(0.03 − 0.02875)·0.5 = 0.0005, unexplained 0.0005; all losses, so shares are given
    assert metrics["parts_offset"] is False
    assert metrics["mix_share"] == pytest.approx(0.0045 / 0.0075)
    assert metrics["fallback_share"] == pytest.approx(0.002 / 0.0075)
    assert metrics["model_share"] == pytest.approx(0.0005 / 0.0075)
    assert metrics["unexplained_share"] == pytest.approx(0.0005 / 0.0075)
    assert metrics["largest_part"] == "mix"
    assert metrics["model_version_mismatch"] is False
    assert metrics["pipeline_version_mismatch"] is None  # not typed
    assert metrics["traffic_share_shortfall"] == pytest.approx(0.1)
    assert metrics["health_breaches"] == 1 and metrics["latency_over_budget"] is True
    assert metrics["has_drift"] is False and metrics["drifted_features"] is None
    # three past launches say nothing about whether offline predicts online: silent below five
    assert metrics["offline_online_correlation"] is None and metrics["has_history"] is False


def test_win_back_compounds_on_a_part_and_never_exceeds_the_shortfall():
    impact = ProductionImpact(analyse(INPUTS))
    fallback = impact.estimate([action("fallback", (0.5, 1.0))])
    assert (fallback.low, fallback.high) == pytest.approx((0.001, 0.002))
    both = impact.estimate([action("fallback", (0.5, 0.5)), action("fallback", (0.5, 0.5), "y")])
    assert both.low == pytest.approx(0.002 * 0.75)  # 1 - (1-0.5)(1-0.5)
    # a rollback and fixing the new model are alternatives: the better one, not the sum
    # without the previous model's online level a rollback is not quantified: only the fix counts
    rollback_or_fix = impact.estimate([action("all", (0.8, 0.8)), action("mix", (1, 1), "y")])
    assert rollback_or_fix.low == pytest.approx(0.0045)
    assert impact.estimate([action("all", (0.8, 1.0))]) is None
    assert impact.estimate([action("", None)]) is None
    # Only segment B has fallbacks (f = 0.2), so all of the fallback loss sits there.
    assert impact.evidence(action("fallback", (0.5, 1.0))) == (
        "fallbacks explain 0.002 of the 0.0075 drop in CTR, all in B")


def test_summary_states_the_gap_and_its_parts():
    from triage.plan import Plan
    from triage.playbook import Playbook

    book = Playbook(id="p", version=1, title="t", summary="s", scenario="production", start="x",
                    nodes={}, actions={}, group_by="horizon")
    impact = ProductionImpact(analyse(INPUTS))
    plan = Plan(title="t", playbook=book, steps=[], finding_title="", finding_detail="",
                see_also="", complete=False, actions=[])
    lines = impact.summary([], [], plan)
    x1, x0 = round(0.035 * 380000), round(0.0425 * 400000)
    p_value = stats.chi2_contingency([[x1, 380000 - x1], [x0, 400000 - x0]],
                                     correction=False).pvalue
    assert lines[0] == ("Online CTR is 0.035 against 0.0425 expected, 0.0075 apart: 17.6% worse "
                        "than expected (lower), beyond sampling noise (two-sample score test, "
                        f"p = {p_value:.2g}).")
    # A's metric did not move, so B holds all of the fallback and all of the model part.
    assert lines[1] == ("Of the 0.0075 drop: traffic mix 0.0045, fallbacks 0.002 (all in B), "
                        "the model itself 0.0005 (all in B), unexplained 0.0005.")


def test_bad_typed_values_become_problems_not_crashes():
    broken = {**INPUTS, "metric": {**INPUTS["metric"], "expected": 4.25},
              "segments": [{"segment": "A", "expected_share": -1, "observed_share": 1,
                            "expected_metric": 0.1, "observed_metric": 0.1}]}
    analysis = analyse(broken)
    assert analysis.verdict is None and analysis.chart is None
    assert any("proportion lies between 0 and 1" in p for p in analysis.problems)
    assert any("expected_share is -1; it cannot be below 0" in p for p in analysis.problems)
    assert analysis.metrics()["has_metric"] is False


def test_history_needs_three_launches_and_variation():
    assert history_correlation([{"offline_delta": 1, "online_delta": 1}]) is None
    assert history_correlation([{"offline_delta": 1, "online_delta": 2}] * 3) is None
