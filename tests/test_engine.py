"""Walking, changing answers, remembered branches, data rules."""

from triage.engine import all_paths, recommended_action_ids, suggestion_for, walk
from triage.rules import render_message


def test_walk_stops_at_the_first_unanswered_question(mini_book):
    start = walk(mini_book, {})
    assert start.current.id == "measured" and not start.steps and not start.complete
    halfway = walk(mini_book, {"measured": "known"})
    assert halfway.current.id == "dominant"
    assert halfway.path_ids == ("measured", "dominant")


def test_changing_an_answer_reroutes_and_remembers(mini_book):
    answers = {"measured": "known", "dominant": "data"}
    assert walk(mini_book, answers).finding.id == "data_found"
    answers["measured"] = "unknown"
    rerouted = walk(mini_book, answers)
    assert rerouted.finding.id == "instrument"
    assert rerouted.remembered == ("dominant",)
    answers["measured"] = "known"  # the old branch comes back with its answer
    assert walk(mini_book, answers).finding.id == "data_found"


def test_unknown_answers_are_ignored(mini_book):
    assert walk(mini_book, {"measured": "maybe"}).current.id == "measured"


def test_actions_collect_from_options_and_finding_without_duplicates(mini_book):
    done = walk(mini_book, {"measured": "known", "dominant": "data"})
    assert recommended_action_ids(mini_book, done) == ["cache", "dev_sample", "lane"]
    measured = walk(mini_book, {"measured": "unknown"})
    assert recommended_action_ids(mini_book, measured) == ["instrument"]


def test_data_rules_suggest_in_order(mini_book):
    node = mini_book.node("dominant")
    data = suggestion_for(node, {"bottleneck": "data", "bottleneck_share": 0.62,
                                 "bottleneck_label": "Data access & features"})
    assert data.option == "data"
    assert data.message == "the numbers say: Data access & features is 62% of the loop"
    small = suggestion_for(node, {"bottleneck": "data", "bottleneck_share": 0.2})
    assert small is None
    assert suggestion_for(node, {"bottleneck": "training"}).option == "training"
    assert suggestion_for(node, {}) is None  # unknown metrics never fire


def test_rule_conditions_tolerate_wrong_types_and_nan(mini_book):
    node = mini_book.node("dominant")
    assert suggestion_for(node, {"bottleneck": "data", "bottleneck_share": "lots"}) is None
    assert suggestion_for(node, {"bottleneck": "data", "bottleneck_share": float("nan")}) is None


def test_message_rendering_is_safe():
    assert render_message("{x:.0%} of {y}", {"x": 0.5, "y": None}) == "50% of unknown"
    assert render_message("{x:.1f}", {"x": "text"}) == "text"


def test_all_paths_enumerates_every_leaf(mini_book):
    leaves = sorted(walk(mini_book, answers).finding.id for answers in all_paths(mini_book))
    assert leaves == ["data_found", "instrument", "training_found"]
