"""Playbook content a careful engineer would sign: no overclaims, effort that fits the kind and
horizon, answers for questions whose options can both be true, the queueing rule of thumb stated
for what it is, and rule messages that stay true when their number is 0."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml

from triage import learn
from triage.engine import suggestion_for
from triage.kinds.runs.analysis import analyse_stage_table
from triage.playbook import load_catalogue

PLAYBOOKS = sorted((Path(__file__).resolve().parent.parent / "playbooks").glob("*.yaml"))
CATALOGUE = load_catalogue()
BOOK_IDS = sorted(CATALOGUE.playbooks)

# Thresholds, stated in docs/authoring.md ("Effort, kind and horizon agree"): a quick win is
# something the team does alone in days, so its high effort is at most two working weeks; an
# action for "now" can start this week and finish within about two weeks.
QUICK_WIN_MAX_DAYS = 10
NOW_MAX_DAYS = 10

# Phrases that promise more than anyone can know from the meeting's numbers (issue 12).
OVERCLAIMS = [
    r"most common",  # "the most common reason / waste / false alarm": nobody here counted
    r"\bcommonest\b",
    r"would have caught them at 5%",
    r"hours instead of weeks",
    r"shrink on its own",
    r"keep it from happening again",
    r"happens by chance",
    r"coin flips",
    r"rolling back[^.]*will not help",
]


def _texts(value, where=""):
    """Every string in a parsed playbook, with where it sits."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            name = item.get("id") if isinstance(item, dict) and "id" in item else index
            yield from _texts(item, f"{where}[{name}]")


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: p.stem)
def test_no_overclaims(path):
    raw = path.read_text(encoding="utf-8")
    text = " ".join(raw.split())  # folded YAML wraps lines; a phrase may span two
    found = [phrase for phrase in OVERCLAIMS if re.search(phrase, text, re.IGNORECASE)]
    assert not found, f"{path.name}: overclaims {found}"
    # and in the parsed text the app shows (comments included above)
    for where, value in _texts(yaml.safe_load(raw)):
        for phrase in OVERCLAIMS:
            assert not re.search(phrase, " ".join(value.split()), re.IGNORECASE), (path.name, where)


@pytest.mark.parametrize("book_id", BOOK_IDS)
def test_effort_agrees_with_kind_and_horizon(book_id):
    problems = []
    for action in CATALOGUE.playbooks[book_id].actions.values():
        low, high = action.effort_days
        if action.kind == "quick_win" and high > QUICK_WIN_MAX_DAYS:
            problems.append(f"{action.id}: a quick win of up to {high:g} days "
                            f"(quick wins stay within {QUICK_WIN_MAX_DAYS} days)")
        if action.horizon == "now" and high > NOW_MAX_DAYS:
            problems.append(f"{action.id}: horizon 'now' with up to {high:g} days "
                            f"('now' stays within {NOW_MAX_DAYS} days)")
    assert not problems, problems


def test_the_thresholds_are_documented():
    authoring = (Path(__file__).resolve().parent.parent / "docs" / "authoring.md").read_text()
    assert f"at most {QUICK_WIN_MAX_DAYS} person-days" in authoring
    assert "tests/test_playbook_honesty.py" in authoring


# Questions whose options can both be true, and the option that answers "both" (or several).
NON_EXCLUSIVE = {
    "slow_iteration": {"data_wait_or_work": "both", "startup_wait_or_work": "both",
                       "deploy_manual": "both", "eval_wait": "both", "deploy_wait": "both",
                       "bal_wait": "both", "bal_deploy_manual": "both"},
    "gpu_quota": {"queue_or_compute": "both", "why_queue": "several", "need_shape": "several",
                  "why_idle": "several", "why_fail": "several"},
    # a partial pre-approved path is folded into "no" (the walk's path count stays walkable)
    "data_access": {"preapproved": "missing"},
    "production_underperformance": {"rollout_state": "both", "concept_drift": "concept_and_parts"},
}


@pytest.mark.parametrize("book_id, node_id, option_id",
                         [(b, n, o) for b, nodes in NON_EXCLUSIVE.items() for n, o in nodes.items()])
def test_non_exclusive_questions_have_a_both_answer(book_id, node_id, option_id):
    node = CATALOGUE.playbooks[book_id].node(node_id)
    option = next((o for o in node.options if o.id == option_id), None)
    assert option is not None, (book_id, node_id, [o.id for o in node.options])
    assert re.search(r"\b(both|several|more than one|a mix|or only for some)\b",
                     option.label, re.IGNORECASE), (book_id, node_id, option.label)


def test_the_sensitivity_question_says_which_tier_to_answer_for():
    node = CATALOGUE.playbooks["data_access"].node("sensitivity")
    assert "answer for the most sensitive one" in " ".join(node.text.split())


def _zero_possible(rule, metric: str) -> bool:
    """Whether a rule's conditions let ``metric`` be 0 when it fires."""
    for cond in rule.when:
        if cond.metric != metric or isinstance(cond.value, bool):
            continue
        value = cond.value
        if isinstance(value, (int, float)):
            holds = {">": value < 0, ">=": value <= 0, "<": value > 0, "<=": value >= 0,
                     "==": value == 0, "!=": value != 0}[cond.op]
            if not holds:
                return False
    return True


@pytest.mark.parametrize("book_id", BOOK_IDS)
def test_no_only_before_a_number_that_can_be_zero(book_id):
    """'only 0 features drifted' is the template's fault: where the number can be 0, the message
    must read true at 0 ('only' promises some)."""
    problems = []
    for node in CATALOGUE.playbooks[book_id].nodes.values():
        rules = node.rule.suggestions if node.rule else ()
        for index, rule in enumerate(rules):
            for metric in re.findall(r"\bonly \{(\w+)", rule.say, re.IGNORECASE):
                if _zero_possible(rule, metric):
                    problems.append(f"{node.id}: suggest[{index}]: 'only {{{metric}}}'")
    assert not problems, problems


def test_drift_messages_read_true_at_zero_features():
    book = CATALOGUE.playbooks["production_underperformance"]
    metrics = {"has_drift": True, "drifted_features": 0, "top_drift_feature": "price",
               "top_drift_js": 0.01, "new_categories": 0}
    for node in book.nodes.values():
        suggested = suggestion_for(node, metrics)
        if suggested is not None:
            assert "only 0" not in suggested.message.lower(), (node.id, suggested.message)


def _erlang_c_wait(servers: int, rho: float) -> float:
    """Mean queue wait in mean job times for an M/M/c queue at utilisation rho (Erlang C)."""
    a = servers * rho
    head = sum(a ** k / math.factorial(k) for k in range(servers))
    tail = a ** servers / math.factorial(servers) / (1 - rho)
    return tail / (head + tail) / (servers * (1 - rho))


def test_queueing_rule_of_thumb_is_single_server_with_the_pool_caveat():
    # every playbook text that quotes rho/(1-rho) says it is the single-server rule and that a
    # pool waits less (Erlang C)
    for path in PLAYBOOKS:
        for where, value in _texts(yaml.safe_load(path.read_text(encoding="utf-8"))):
            if "ρ/(1−ρ)" in value or "ρ / (1 − ρ)" in value:
                lowered = value.lower()
                assert "m/m/1" in lowered or "single server" in lowered or "one server" in lowered, (
                    path.name, where)
                assert "erlang c" in lowered, (path.name, where)
    term = learn.term("queueing")
    text = " ".join(term.explanation.split())
    assert "M/M/1" in text and "Erlang C" in text
    # the M/M/1 figures: rho/(1-rho) job times
    assert [round(r / (1 - r)) for r in (0.8, 0.9, 0.95)] == [4, 9, 19]
    assert "4× at 80%" in text and "9× at 90%" in text and "19× at 95%" in text
    # the pool figures quoted (8 slots), checked against Erlang C
    assert [round(_erlang_c_wait(8, r), 1) for r in (0.8, 0.9, 0.95)] == [0.3, 0.9, 2.1]
    assert "for 8 slots, about 0.3×, 0.9× and 2.1×" in text
    assert _erlang_c_wait(1, 0.9) == pytest.approx(9.0)  # Erlang C with one server is M/M/1


# --- gpu_quota: the share rule sees queueing and training together; variability is the queue's

def _gpu_metrics(rows):
    return analyse_stage_table(rows).metrics()


def test_gpu_quota_counts_queueing_and_training_together():
    book = CATALOGUE.playbooks["gpu_quota"]
    node = book.node("queue_or_compute")
    # data is the largest single stage, but GPU time (startup + training) is 60% of the loop
    rows = [{"stage": "data", "hours": 4.0}, {"stage": "startup", "hours": 3.0},
            {"stage": "training", "hours": 3.0}]
    metrics = _gpu_metrics(rows)
    assert metrics["bottleneck"] == "data"
    assert metrics["startup_training_share"] == pytest.approx(0.6)
    suggested = suggestion_for(node, metrics)
    assert suggested.option == "both"
    assert "together 60%" in suggested.message
    # GPU time a minority: the GPUs are not where the time goes
    rows = [{"stage": "data", "hours": 6.0}, {"stage": "startup", "hours": 2.0},
            {"stage": "training", "hours": 2.0}]
    suggested = suggestion_for(node, _gpu_metrics(rows))
    assert suggested.option == "elsewhere" and "together 40%" in suggested.message
    # queueing with a little training
    rows = [{"stage": "startup", "hours": 6.0}, {"stage": "training", "hours": 1.0},
            {"stage": "data", "hours": 3.0}]
    assert suggestion_for(node, _gpu_metrics(rows)).option == "queue"
    rows = [{"stage": "startup", "hours": 1.0}, {"stage": "training", "hours": 6.0},
            {"stage": "data", "hours": 3.0}]
    assert suggestion_for(node, _gpu_metrics(rows)).option == "compute"


def test_gpu_quota_peak_rule_reads_the_queue_variability_only():
    node = CATALOGUE.playbooks["gpu_quota"].node("need_shape")
    base = {"has_data": True}
    # a wildly variable data stage says nothing about queue peaks
    assert suggestion_for(node, {**base, "max_variability": 5.0, "most_variable_stage": "data",
                                 "startup_variability": 1.2}) is None
    peak = suggestion_for(node, {**base, "max_variability": 3.5, "most_variable_stage": "startup",
                                 "startup_variability": 3.5})
    assert peak.option == "peak" and "3.5×" in peak.message


# --- confidence: what is measured and what is experience

def test_iteration_confidence_separates_measured_stage_times_from_the_speedup_range():
    from triage.kinds.runs.impact import IterationImpact

    book = CATALOGUE.playbooks["slow_iteration"]
    analysis = analyse_stage_table([{"stage": "data", "hours": 6.0, "wait_hours": 1.0},
                                    {"stage": "training", "hours": 4.0, "wait_hours": 0.0}])
    impact = IterationImpact(analysis, 12.0)
    level, basis = impact.confidence(book.actions["cache_features"])  # speed-up 1.5–4×
    assert basis.startswith("stage times typed in the meeting, not measured")
    assert "the 1.5–4× speed-up is a range from experience, not measured, and wide" in basis
    assert level == "low"  # typed (medium), lowered once for the wide range
    level, basis = impact.confidence(book.actions["profile_feature_jobs"])  # 1.2–2×
    assert basis.endswith("the 1.2–2× speed-up is a range from experience, not measured")
    assert level == "medium"


def test_production_confidence_says_the_win_back_share_is_experience():
    from triage.production import ProductionImpact, analyse

    book = CATALOGUE.playbooks["production_underperformance"]
    analysis = analyse({"metric": {"name": "CTR", "expected": 0.05, "observed": 0.045,
                                   "n_expected": 200_000, "n_observed": 200_000}})
    impact = ProductionImpact(analysis)
    _, basis = impact.confidence(book.actions["fix_skewed_feature"])  # recovers 30–80%
    assert "the 30%–80% win-back share is a range from experience, not measured" in basis
