"""Every playbook × every path × (no numbers, typed table, worked-example runs) → a valid plan."""

import pytest

from triage.engine import all_paths, walk
from triage.examples import iteration_example_runs, stage_table_from
from triage.export import plan_markdown
from triage.iteration import analyse_stage_table
from triage.iteration_plan import iteration_plan
from triage.playbook import load_catalogue
from triage.session import Session, from_json, to_json

CATALOGUE = load_catalogue()
RUNS = iteration_example_runs()
ANALYSES = {
    "no numbers": analyse_stage_table([]),
    "typed table": analyse_stage_table(stage_table_from(RUNS)),
    "uploaded runs": RUNS.analysis,
}


def test_every_shipped_playbook_loads():
    assert not CATALOGUE.broken, CATALOGUE.broken
    assert "slow_iteration" in CATALOGUE.playbooks


@pytest.mark.parametrize("book_id", sorted(CATALOGUE.playbooks))
@pytest.mark.parametrize("source", sorted(ANALYSES))
def test_every_path_reaches_a_finding_and_builds_a_plan(book_id, source):
    book = CATALOGUE.playbooks[book_id]
    analysis = ANALYSES[source]
    count = 0
    for answers in all_paths(book):
        session = Session(scenario=book.id, playbook_version=book.version, answers=answers,
                          inputs={"iterations_per_month": 12.0})
        assert walk(book, answers).finding is not None
        plan = iteration_plan(book, session, analysis)
        assert plan.complete and plan.actions and len(plan.summary) == 3
        for item in plan.actions:
            assert item.why and item.confidence in ("low", "medium", "high")
            if item.impact is not None:
                assert 0 <= item.impact.low <= item.impact.high
        if plan.combined["all"] is not None:
            biggest = max(a.impact.high for a in plan.actions if a.impact is not None)
            # combined through the what-if: never below the best single action
            assert plan.combined["all"].high >= biggest - 1e-9
            # and never more than the whole loop's time per month
            assert plan.combined["all"].high <= analysis.iteration_hours * 12 + 1e-9
        count += 1
        if count % 50 == 1:  # exports on a sample keep the suite fast
            assert plan.finding_title in plan_markdown(plan)
            assert from_json(to_json(session)) == session
    assert count > 0
