"""Structural checks every shipped playbook must pass (each playbook file's own content tests
check what is particular to it)."""

import pytest

from triage.engine import all_paths, recommended_action_ids, walk
from triage.playbook import load_catalogue

CATALOGUE = load_catalogue()
WALKS = {book_id: [walk(book, answers) for answers in all_paths(book)]
         for book_id, book in CATALOGUE.playbooks.items()}


@pytest.fixture(params=sorted(CATALOGUE.playbooks))
def book_and_walks(request):
    return CATALOGUE.playbooks[request.param], WALKS[request.param]


def test_path_count_stays_walkable(book_and_walks):
    _, walks = book_and_walks
    assert 0 < len(walks) < 3000


def test_every_path_ends_at_a_finding_with_actions(book_and_walks):
    book, walks = book_and_walks
    for done in walks:
        assert done.complete, done.path_ids
        assert done.finding.kind == "finding"
        if done.finding.opens:  # a hand-over: the playbook it opens recommends the actions
            assert done.finding.opens in CATALOGUE.playbooks, done.finding.id
            assert not recommended_action_ids(book, done), done.path_ids
            continue
        assert done.finding.actions, f"finding {done.finding.id} recommends nothing"
        assert recommended_action_ids(book, done), done.path_ids


def test_every_action_is_recommended_by_some_path(book_and_walks):
    book, walks = book_and_walks
    recommended = set()
    for done in walks:
        recommended.update(recommended_action_ids(book, done))
    assert set(book.actions) - recommended == set()


def test_every_finding_is_reached(book_and_walks):
    book, walks = book_and_walks
    findings = {n.id for n in book.nodes.values() if not n.is_question}
    assert findings == {done.finding.id for done in walks}
