"""Rollback against the previous model's level, label maturity first, offline-predictive fit."""

import math

import pytest
from scipy import stats

from triage.engine import all_paths
from triage.kinds.segments.metric import label_maturity
from triage.kinds.serving.analysis import history_fit
from triage.playbook import Action, load_catalogue
from triage.production import ProductionImpact, analyse

BOOK = load_catalogue().playbooks["production_underperformance"]
METRIC = {"name": "CTR", "kind": "proportion", "higher_is_better": True, "expected": 0.052,
          "observed": 0.0451, "n_expected": 400000, "n_observed": 380000}
ROLLBACK = Action(id="roll_back", title="r", kind="quick_win", effort_days=(0.5, 2),
                  description="", tradeoffs="", wont_fix="", component="all", recovers=(0.8, 1.0))
FIX = Action(id="fix", title="f", kind="quick_win", effort_days=(1, 2), description="",
             tradeoffs="", wont_fix="", component="all", recovers=None)


def test_rollback_without_the_previous_level_is_not_quantified():
    impact = ProductionImpact(analyse({"metric": METRIC, "rollout": {"rollback_available": True}}))
    assert impact.estimate([ROLLBACK]) is None
    assert impact.evidence(ROLLBACK).startswith(
        "not quantified: bring the previous model's online CTR")
    assert impact.confidence(ROLLBACK)[0] == "low"


@pytest.mark.parametrize("key, confidence", [("previous_online", "medium"),
                                             ("control_online", "high")])
def test_rollback_wins_back_the_previous_level_minus_observed(key, confidence):
    analysis = analyse({"metric": METRIC, "rollout": {key: 0.0478}})
    assert analysis.rollback_win_back() == pytest.approx(0.0478 - 0.0451)
    estimate = ProductionImpact(analysis).estimate([ROLLBACK])
    # 80–100% of the 0.0027 win-back, never the 0.0069 gap to the offline promise
    assert (estimate.low, estimate.high) == pytest.approx((0.8 * 0.0027, 0.0027))
    assert ProductionImpact(analysis).confidence(ROLLBACK)[0] == confidence
    assert "0.0478" in ProductionImpact(analysis).evidence(ROLLBACK)


def test_rollback_to_a_worse_previous_model_wins_nothing_and_lower_is_better_flips():
    worse = analyse({"metric": METRIC, "rollout": {"previous_online": 0.044}})
    assert ProductionImpact(worse).estimate([ROLLBACK]).high == 0
    loss = {"name": "rmse", "kind": "other", "higher_is_better": False, "expected": 1.0,
            "observed": 1.2, "se_observed": 0.05}
    rmse = analyse({"metric": loss, "rollout": {"previous_online": 1.1}})
    assert rmse.rollback_win_back() == pytest.approx(0.1)


def test_label_maturity_from_the_delay_and_the_window():
    labels = label_maturity({"label_delay_p90_hours": 24, "window_hours": 168})
    assert labels.mature_share == pytest.approx(1 - 24 / 168) and labels.provisional is True
    assert label_maturity({"mature_share": 0.97}).provisional is False
    assert label_maturity({}) is None
    metrics = analyse({"metric": {**METRIC, "label_delay_p90_hours": 24,
                                  "window_hours": 168}}).metrics()
    assert metrics["labels_provisional"] is True
    assert metrics["mature_label_share"] == pytest.approx(0.857, abs=1e-3)


def test_the_gap_on_mature_cohorts():
    analysis = analyse({"metric": {**METRIC, "observed_mature": 0.0505,
                                   "n_observed_mature": 300000}})
    assert analysis.verdict.gap == pytest.approx(0.0505 - 0.052)
    assert analysis.metrics()["gap_on_mature_cohorts"] is True
    assert analysis.metrics()["labels_provisional"] is False


def test_labels_come_right_after_is_it_serious():
    start = BOOK.nodes[BOOK.start]
    assert start.id == "impact_serious"
    assert {option.next for option in start.options} == {"labels"}
    assert next(o for o in BOOK.nodes["labels"].options if o.id == "labels_fine").next == "gap_real"
    for answers in all_paths(BOOK):
        nodes = list(answers)
        assert nodes[0] == "impact_serious" and nodes[1] == "labels"


def fisher(r, n):
    half = 1.959963984540054 / math.sqrt(n - 3)
    return math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half)


def test_fisher_interval_for_r_070_over_6_launches():
    low, high = fisher(0.70, 6)
    assert (low, high) == pytest.approx((-0.26, 0.96), abs=0.01)
    # the worked example's six launches: r = 0.695, interval −0.27 to 0.96, slope 0.30
    offline = [0.003, 0.004, 0.0015, 0.006, 0.0025, 0.001]
    online = [0.0014, 0.002, 0.0018, 0.0027, 0.0004, 0.0011]
    fit = history_fit([{"offline_delta": a, "online_delta": b} for a, b in zip(offline, online, strict=True)])
    r = stats.pearsonr(offline, online).statistic
    assert fit.r == pytest.approx(r) and (fit.low, fit.high) == pytest.approx(fisher(r, 6))
    assert (round(fit.low, 2), round(fit.high, 2)) == (-0.27, 0.96)
    assert fit.slope == pytest.approx(stats.linregress(offline, online).slope)
    assert round(fit.slope, 2) == 0.30 and fit.agrees is False


def test_history_is_silent_below_five_launches():
    four = [{"offline_delta": x, "online_delta": x / 2} for x in (1, 2, 3, 4)]
    assert history_fit(four) is None
    five = four + [{"offline_delta": 5, "online_delta": 2.4}]
    assert history_fit(five).agrees is True
