"""Every playbook draws as a tree; every worked example reaches the plan its JSON documents."""

import json

import pytest

from triage.dot import FINDING_FILL, PATH_COLOUR, QUESTION_FILL, playbook_dot
from triage.engine import walk
from triage.examples import DATA_DIR, iteration_example_runs
from triage.kinds.requests.analysis import parse_requests, read_inventory
from triage.kinds.requests.impact import access_plan
from triage.kinds.runs.impact import iteration_plan
from triage.kinds.samples.drift import compare, read_sample
from triage.kinds.segments.gap import read_segments
from triage.playbook import load_catalogue
from triage.practice import expert_session
from triage.production import analyse, production_plan

CATALOGUE = load_catalogue()


@pytest.mark.parametrize("book_id", sorted(CATALOGUE.playbooks))
def test_every_playbook_draws_with_its_path_highlighted(book_id):
    book = CATALOGUE.playbooks[book_id]
    first = book.node(book.start)
    answers = {first.id: first.options[0].id}
    dot = playbook_dot(book, walk(book, answers).path_ids)
    assert dot.startswith("digraph playbook {") and dot.rstrip().endswith("}")
    for node_id in book.nodes:
        assert f'"{node_id}" [label=' in dot
    edges = sum(len(n.options) for n in book.nodes.values())
    assert dot.count(" -> ") == edges
    assert QUESTION_FILL in dot and FINDING_FILL in dot
    assert f'"{first.id}" -> "{first.options[0].next}"' in dot and PATH_COLOUR in dot


def _plan_for(book_id, session):
    book = CATALOGUE.playbooks[book_id]
    if book_id == "slow_iteration":
        return iteration_plan(book, session, iteration_example_runs().analysis)
    if book_id == "production_underperformance":
        folder = DATA_DIR / "production"
        inputs = {**json.loads((folder / "example_inputs.json").read_text()),
                  "segments": read_segments((folder / "example_segments.csv").read_bytes())}
        drift = compare(*(read_sample((folder / f"example_{s}.csv").read_bytes(), s)
                          for s in ("reference", "current")))
        return production_plan(book, session, analyse(inputs, drift))
    folder = DATA_DIR / "access"
    log = parse_requests((folder / "example_requests.csv").read_bytes(),
                         inventory=read_inventory((folder / "example_inventory.csv").read_bytes()))
    return access_plan(book, session, log, log.requests / len(log.monthly))


@pytest.mark.parametrize("book_id", ["slow_iteration", "production_underperformance",
                                     "data_access"])
def test_every_worked_example_reaches_its_documented_plan(book_id):
    expert = expert_session(book_id)
    documented = [item["id"] for section in expert.snapshot["sections"]
                  for item in section["items"]]
    plan = _plan_for(book_id, expert)
    assert plan.complete
    assert sorted(a.id for a in plan.actions) == sorted(documented)
    assert plan.finding_title == expert.snapshot["finding"]["title"]
