"""Practice mode: comparing a newcomer's walk with the expert's, explained."""

import pytest

from triage.engine import suggestion_for, walk
from triage.examples import example_metrics
from triage.playbook import load_catalogue
from triage.practice import compare, expert_session

CATALOGUE = load_catalogue()


@pytest.mark.parametrize("book_id", ["slow_iteration", "production_underperformance",
                                     "data_access"])
def test_expert_walk_of_every_example_reaches_a_finding(book_id):
    book = CATALOGUE.playbooks[book_id]
    expert = expert_session(book_id)
    assert expert is not None and walk(book, expert.answers).finding is not None
    result = compare(book, expert.answers, expert.answers, example_metrics(book_id))
    assert result.agreement == 1.0 and not result.only_mine and not result.only_expert


def test_a_different_answer_is_explained_with_the_numbers():
    book = CATALOGUE.playbooks["slow_iteration"]
    expert = expert_session("slow_iteration").answers
    metrics = example_metrics("slow_iteration")
    mine = {**expert, "which_stage": "startup"}  # blames GPU queueing
    result = compare(book, mine, expert, metrics)
    step = next(s for s in result.steps if s.node_id == "which_stage")
    assert not step.agrees and step.mine != step.expert
    hint = suggestion_for(book.node("which_stage"), metrics)
    assert hint.message[1:] in step.explanation and "41%" in step.explanation
    off_path = [s for s in result.steps if s.expert is None or s.mine is None]
    assert off_path and all("never" in s.explanation for s in off_path)
    assert result.only_expert  # the expert's data-access work is missing from mine
    assert 0 < result.agreement < 1
