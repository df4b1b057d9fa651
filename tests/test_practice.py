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
    assert hint.message[1:] in step.explanation and "40%" in step.explanation
    off_path = [s for s in result.steps if s.expert is None or s.mine is None]
    assert off_path and all("never" in s.explanation for s in off_path)
    assert result.only_expert  # the expert's data-access work is missing from mine
    assert 0 < result.agreement < 1


def test_each_example_has_a_story_with_an_opening_and_the_rest_folded():
    from triage.practice import example_story

    for book_id in ("slow_iteration", "production_underperformance", "data_access"):
        story = example_story(book_id)
        assert story is not None and story.title and len(story.opening) > 150
        assert "\n" not in story.opening and story.rest  # one paragraph up front
        assert not any(line.startswith(("# ", "## ")) for line in story.rest.splitlines())
    production = example_story("production_underperformance")
    assert production.title == "ranker-v7 does worse online than promised"
    assert "0.0520" in production.opening and "0.0451" in production.opening
    assert example_story("gpu_quota") is None


def test_example_numbers_are_the_analysis_numbers_as_the_page_words_them():
    from triage.practice import example_numbers

    iteration = example_metrics("slow_iteration")
    numbers = example_numbers("slow_iteration", iteration,
                              expert_session("slow_iteration").inputs)
    headline = dict(numbers.headline)
    # the mean of the 40 run totals and data's mean per run over it: 5.850 / 14.805 = 0.395…
    assert headline["One iteration"] == f"{iteration['iteration_hours']:.1f} h" == "14.8 h"
    assert headline["Largest stage: Data access & features"] == "40%"
    assert headline["Spent waiting"] == "48%" and headline["Runs measured"] == "40"
    details = dict(numbers.details)
    assert details["Job startup & queueing"] == "7% of one iteration, 82% of it waiting"
    assert details["Data access & features taking no time at all"] == "at most 1.65× faster"  # 1/(1−0.395)
    caption, table = numbers.inputs[0]
    # the typed table mirrors the runs' stage means, rounded as people type them: data 5.8504 h -> 5.9 h
    assert table[0] == {"stage": "Data access & features", "hours per iteration": "5.9 h",
                        "of which waiting": "2.3 h"}

    production = example_metrics("production_underperformance")
    numbers = example_numbers("production_underperformance", production,
                              expert_session("production_underperformance").inputs)
    headline = dict(numbers.headline)
    # 0.0451 − 0.0520 = −0.0069, −13.3% of the promise; parts from the decomposition.
    assert headline["CTR, online vs promised"] == "−0.0069 (−13%)"
    assert headline["Fallbacks' part of the gap"] == "44%"
    assert headline["The model's own part"] == "31%" and headline["Traffic mix part"] == "16%"
    details = dict(numbers.details)
    assert details["Where the fallback part sits"] == "87% in android-app"
    assert details["Beyond sampling noise?"].startswith("yes (z = −14.")
    segments = dict(numbers.inputs)["Segments"]
    assert len(segments) == 5 and segments[0]["segment"] == "web-desktop"

    access = example_metrics("data_access")
    numbers = example_numbers("data_access", access, expert_session("data_access").inputs)
    headline = dict(numbers.headline)
    assert headline["Time to access (median)"] == access["time_to_access_text"] == "5.9 d"
    assert headline["Provisioning: share of the wait"] == "70%"
    assert headline["Over SLA at provisioning"] == "79%"
    assert headline["Requests on unowned datasets"] == "14%"
    details = dict(numbers.details)
    assert details["Denied"] == "4.4%" and details["Still pending"] == "5.4%"
    # Kaplan–Meier, the 20 requests still in provisioning counted up to the as-of date (the
    # completed-only median would be 71.9 h)
    assert details["Provisioning: median wait"] == "72.0 h, 79% over SLA"
    assert example_numbers("gpu_quota", {"runs": 1}) is None


@pytest.mark.parametrize("message, sentence", [
    ("data is 41% of one iteration", "The numbers say: data is 41% of one iteration."),
    ("the numbers say data is 41%.", "The numbers say data is 41%."),
    ("the numbers are in: one iteration takes 14.5 h", "The numbers are in: one iteration takes "
                                                       "14.5 h."),
])
def test_evidence_is_introduced_once(message, sentence):
    from triage.practice import evidence_sentence

    assert evidence_sentence(message) == sentence
