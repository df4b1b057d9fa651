"""Content checks for the slow-iteration playbook: every branch ends well, nothing is orphaned."""

from pathlib import Path

from triage.engine import recommended_action_ids, suggestion_for, walk
from triage.vocabulary import ACTION_KINDS

PLAYBOOK = Path(__file__).resolve().parent.parent / "playbooks" / "slow_iteration.yaml"

DATA_HEAVY = {
    "has_data": True,
    "runs": 0,
    "iteration_hours": 20.0,
    "bottleneck": "data",
    "bottleneck_label": "Data access & features",
    "bottleneck_share": 0.62,
    "bottleneck_ceiling": 2.63,
    "wait_share": 0.4,
    "data_wait_share": 0.3,
    "startup_share": 0.07,
}


def test_loads_with_enough_questions_and_actions(book):
    assert book.id == "slow_iteration" and book.scenario == "iteration"
    questions = [n for n in book.nodes.values() if n.is_question]
    assert len(questions) >= 10
    assert len(book.actions) >= 14
    assert {spec.id for spec in book.inputs} >= {"stage_table", "iterations_per_month", "runs_csv"}






def test_waiting_for_access_points_to_the_data_access_playbook(book, walks):
    access = [done for done in walks if done.finding.see_also == "data_access"]
    assert access, "no path reaches the data-access finding"
    for done in access:
        chosen = {step.node.id: step.option.id for step in done.steps}
        assert chosen.get("data_wait_or_work") == "access_wait"
        assert "request_access_owners" in recommended_action_ids(book, done)


def test_both_kinds_present_and_staged_actions_have_speedups(book):
    assert {a.kind for a in book.actions.values()} == ACTION_KINDS
    for action in book.actions.values():
        if action.stage:
            assert action.speedup is not None, action.id
            low, high = action.speedup
            assert 1.0 <= low <= high <= 5.0, f"{action.id}: speed-up {action.speedup} overpromises"
        assert action.tradeoffs and action.wont_fix, action.id


def test_cross_team_work_is_labelled_as_such(book):
    for action_id in ("priority_lane", "deploy_preapproved", "request_access_owners"):
        assert book.actions[action_id].kind == "cross_team", action_id
    assert book.actions["cache_features"].kind == "quick_win"
    assert book.actions["instrument_loop"].stage == ""  # measuring speeds up no stage by itself


def test_dominant_stage_suggestion_from_the_numbers(book):
    node = book.node("which_stage")
    suggested = suggestion_for(node, DATA_HEAVY)
    assert suggested is not None
    assert suggested.option == "data"
    assert "62%" in suggested.message
    assert "2.63×" in suggested.message


def test_balanced_loop_is_suggested_when_no_stage_dominates(book):
    node = book.node("which_stage")
    flat = {**DATA_HEAVY, "bottleneck_share": 0.28, "bottleneck_ceiling": 1.39}
    assert suggestion_for(node, flat).option == "balanced"


def test_no_numbers_means_no_suggestions(book):
    unknown = {"has_data": False}
    for node in book.nodes.values():
        assert suggestion_for(node, unknown) is None, node.id


def test_a_data_heavy_walk_recommends_data_fixes_not_gpu_queues(book):
    answers = {
        "know_loop": "known",
        "which_stage": "data",
        "data_wait_or_work": "compute",
        "data_reruns": "rerun",
        "data_incremental": "full",
        "data_dev_data": "none",
    }
    done = walk(book, answers)
    assert done.finding.id == "finding_data"
    actions = recommended_action_ids(book, done)
    assert "cache_features" in actions and "incremental_features" in actions
    assert "priority_lane" not in actions
