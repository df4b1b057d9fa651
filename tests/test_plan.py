"""Plan building: ranking by impact over effort, combining through the what-if, confidence."""

import pytest

from triage.engine import all_paths
from triage.export import plan_markdown
from triage.kinds.runs.analysis import analyse_stage_table
from triage.kinds.runs.impact import iteration_plan
from triage.session import ActionEdit, Session

TABLE = [
    {"stage": "data", "hours": 6, "wait_hours": 2},
    {"stage": "queue", "hours": 1, "wait_hours": 0.8},
    {"stage": "training", "hours": 3, "wait_hours": 0},
]


def make(mini_book, answers, table=TABLE, ipm=10.0):
    session = Session(scenario="mini", playbook_version=3, answers=dict(answers),
                      inputs={"stage_table": table, "iterations_per_month": ipm})
    return session, iteration_plan(mini_book, session, analyse_stage_table(table))


def test_ranking_and_ranges_by_hand(mini_book):
    _, plan = make(mini_book, {"measured": "known", "dominant": "data"})
    assert [a.id for a in plan.actions] == ["dev_sample", "cache", "lane"]
    impacts = {a.id: (a.impact.low, a.impact.high) for a in plan.actions}
    # dev_sample: data 6 h at 1.5-2x -> 2-3 h per iteration, x10 per month
    assert impacts["dev_sample"] == pytest.approx((20, 30))
    # cache: data's 4 working hours at 2-4x -> 2-3 h per iteration
    assert impacts["cache"] == pytest.approx((20, 30))
    # lane: queue's 0.8 waiting hours at 1.5-3x
    assert impacts["lane"] == pytest.approx((8 / 3, 16 / 3))
    assert plan.actions[0].score == pytest.approx(25 / 2)
    assert plan.actions[1].score == pytest.approx(25 / 3)


def test_actions_on_one_stage_combine_through_the_whatif_not_by_adding(mini_book):
    _, plan = make(mini_book, {"measured": "known", "dominant": "data"})
    # low: data 2/1.5 + 4/3 = 2.667 (saves 3.333); queue saves 0.2667 -> 3.6 h x 10
    assert (plan.combined["all"].low, plan.combined["all"].high) == pytest.approx((36, 50 + 1 / 3))
    assert (plan.combined["quick_win"].low, plan.combined["quick_win"].high) == pytest.approx(
        (100 / 3, 45))
    added = sum(a.impact.low for a in plan.actions)
    assert plan.combined["all"].low < added


def test_dropped_actions_leave_the_combined_impact(mini_book):
    session, _ = make(mini_book, {"measured": "known", "dominant": "data"})
    session.set_edit("lane", ActionEdit(status="dropped"))
    plan = iteration_plan(mini_book, session, analyse_stage_table(TABLE))
    assert plan.combined["all"].low == pytest.approx(plan.combined["quick_win"].low)


def test_small_stage_ranks_low_and_says_why(mini_book):
    _, plan = make(mini_book, {"measured": "known", "dominant": "data"})
    lane = next(a for a in plan.actions if a.id == "lane")
    assert "Job startup & queueing is 10% of one iteration (1.0 h of 10.0 h on average)" in lane.why
    assert "at most 1.11× faster" not in lane.why  # 10% is not below the 10% warning line
    table = [*TABLE[:1], {"stage": "queue", "hours": 0.5, "wait_hours": 0.5}, TABLE[2]]
    _, plan = make(mini_book, {"measured": "known", "dominant": "data"}, table=table)
    lane = next(a for a in plan.actions if a.id == "lane")
    assert "at most 1.06× faster" in lane.why  # 1 / (1 - 0.5/9.5)
    assert plan.actions[-1].id == "lane"


def test_confidence_rests_on_the_data(mini_book):
    _, plan = make(mini_book, {"measured": "known", "dominant": "data"})
    cache = next(a for a in plan.actions if a.id == "cache")
    assert cache.confidence == "medium"
    assert "typed in the meeting" in cache.confidence_basis
    _, plan = make(mini_book, {"measured": "unknown"}, table=[])
    instrument = plan.actions[0]
    assert (instrument.confidence, instrument.impact) == ("low", None)
    assert plan.summary[0] == "Nobody knows yet how long one iteration takes, stage by stage."


def test_confidence_override_is_kept_with_the_computed_one(mini_book):
    session, _ = make(mini_book, {"measured": "known", "dominant": "data"})
    session.set_edit("cache", ActionEdit(confidence="high"))
    plan = iteration_plan(mini_book, session, analyse_stage_table(TABLE))
    cache = next(a for a in plan.actions if a.id == "cache")
    assert (cache.confidence, cache.computed_confidence) == ("high", "medium")
    assert "set to high in the meeting (computed: medium" in cache.confidence_basis


def test_summary_in_the_partners_terms(mini_book):
    _, plan = make(mini_book, {"measured": "known", "dominant": "data"})
    assert plan.summary[0] == ("One iteration takes on average 10.0 h (the stage table's average "
                               "hours per iteration); "
                               "data access & features is 60% of it.")
    assert plan.summary[1].startswith("With the quick wins: 5.5–6.7 h per iteration "
                                      "(1.50–1.82× faster), 33.3–45.0 h less waiting")
    assert plan.summary[2].startswith("With all actions, including cross-team work:")


def test_every_path_of_the_fixture_builds_a_plan_and_markdown(mini_book):
    for answers in all_paths(mini_book):
        _, plan = make(mini_book, answers)
        assert plan.complete and plan.actions
        text = plan_markdown(plan)
        assert plan.finding_title in text and "## Assumptions" in text

