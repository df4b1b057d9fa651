"""Every playbook × every path × each kind of input → a valid plan (traingenerator-style)."""

import json

import pytest

from triage.engine import all_paths, walk
from triage.examples import DATA_DIR, iteration_example_runs, stage_table_from
from triage.export import plan_markdown
from triage.kinds.requests.analysis import analyse_typed, parse_requests, read_inventory
from triage.kinds.requests.impact import access_plan
from triage.kinds.runs.analysis import analyse_stage_table
from triage.kinds.runs.impact import iteration_plan
from triage.kinds.segments.gap import read_segments
from triage.playbook import load_catalogue
from triage.production import analyse, production_plan
from triage.router import router_plan
from triage.session import Session, from_json, to_json

CATALOGUE = load_catalogue()
RUNS = iteration_example_runs()
EXAMPLE = json.loads((DATA_DIR / "production" / "example_inputs.json").read_text())
SEGMENTS = read_segments((DATA_DIR / "production" / "example_segments.csv").read_bytes())
PRODUCTION_INPUTS = {"metric": EXAMPLE["metric"], "segments": SEGMENTS, "health": EXAMPLE["health"],
                     "rollout": EXAMPLE["rollout"], "history": EXAMPLE["history"]}

ACCESS_LOG = parse_requests((DATA_DIR / "access" / "example_requests.csv").read_bytes(),
                            inventory=read_inventory(
                                (DATA_DIR / "access" / "example_inventory.csv").read_bytes()))

# scenario -> {input label: (session inputs, plan builder)}
CASES = {
    "iteration": {
        "no numbers": ({"iterations_per_month": 12.0},
                       lambda b, s: iteration_plan(b, s, analyse_stage_table([]))),
        "typed table": ({"iterations_per_month": 12.0},
                        lambda b, s: iteration_plan(b, s, analyse_stage_table(stage_table_from(RUNS)))),
        "uploaded runs": ({"iterations_per_month": 12.0},
                          lambda b, s: iteration_plan(b, s, RUNS.analysis)),
    },
    "access": {
        "no numbers": ({}, lambda b, s: access_plan(b, s, analyse_typed({}), 40)),
        "typed request": ({}, lambda b, s: access_plan(
            b, s, analyse_typed({"owner": 30, "approval": 20, "provisioning": 60}), 40)),
        "worked example": ({}, lambda b, s: access_plan(b, s, ACCESS_LOG, 160)),
    },
    "production": {
        "no numbers": ({}, lambda b, s: production_plan(b, s, analyse({}))),
        "worked example": (PRODUCTION_INPUTS,
                           lambda b, s: production_plan(b, s, analyse(PRODUCTION_INPUTS))),
    },
    "router": {"no numbers": ({}, router_plan)},  # a router collects none
}
PARAMS = [(book_id, label) for book_id, book in sorted(CATALOGUE.playbooks.items())
          for label in CASES[book.scenario]]


def test_every_shipped_playbook_loads():
    assert not CATALOGUE.broken, CATALOGUE.broken
    assert {"slow_iteration", "production_underperformance", "data_access"} <= set(CATALOGUE.playbooks)


@pytest.mark.parametrize("book_id, label", PARAMS)
def test_every_path_reaches_a_finding_and_builds_a_plan(book_id, label):
    book = CATALOGUE.playbooks[book_id]
    inputs, build = CASES[book.scenario][label]
    count = 0
    for answers in all_paths(book):
        session = Session(scenario=book.id, playbook_version=book.version, answers=answers,
                          inputs=dict(inputs))
        finding = walk(book, answers).finding
        assert finding is not None
        plan = build(book, session)
        # three lines, and a fourth in the partner's units when the numbers allow it; a
        # hand-over (opens) plans nothing itself: the playbook it opens does
        assert plan.complete and len(plan.summary) in (3, 4)
        assert bool(plan.actions) != bool(finding.opens), finding.id
        for item in plan.actions:
            assert item.why and item.confidence in ("low", "medium", "high")
            if item.impact is not None:
                assert 0 <= item.impact.low <= item.impact.high
        combined = plan.combined["all"]
        if combined is not None:
            # combined through the model: never below the best single action
            assert combined.high >= max(a.impact.high for a in plan.actions if a.impact) - 1e-12
        count += 1
        if count % 97 == 1:  # exports on a sample keep the suite fast
            assert plan.finding_title in plan_markdown(plan)
            assert from_json(to_json(session)) == session
    assert count > 0
