"""The session model: one canonical JSON, validated on the way in."""

import json

import pytest

from triage.session import ActionEdit, Session, SessionError, UploadSummary, from_json, to_json


def sample() -> Session:
    session = Session(scenario="slow_iteration", playbook_version=2, title="Ranking loop")
    session.answer("know_loop", "known")
    session.answer("orphan", "x")
    session.set_note("know_loop", "  Measured from the tracker  ")
    session.inputs = {"stage_table": [{"stage": "Data", "hours": 6.0, "wait_hours": None}],
                      "iterations_per_month": 12.0, "source": "table"}
    session.uploads = [UploadSummary("runs.csv", "runs", 200, 198, "40 runs")]
    session.whatif = {"data": 2.0}
    session.set_edit("cache", ActionEdit(owner="Ana", email="ana@example.com", due="2026-12-15",
                                         status="doing"))
    return session


def test_round_trip_is_exact_and_canonical():
    text = to_json(sample())
    again = from_json(text)
    assert again == sample()
    assert to_json(again) == text
    assert json.loads(text)["schema_version"] == 3
    assert json.loads(text)["notes"] == {"know_loop": "Measured from the tracker"}


def test_default_edits_are_not_stored():
    session = sample()
    session.set_edit("cache", ActionEdit())
    assert "cache" not in session.plan_edits


@pytest.mark.parametrize("text, fragment", [
    ('{"schema_version": 1, "scenario": "s", "playbook_version": 1', "not valid JSON at line 1"),
    ("[]", "session: must be a JSON object"),
    ('{"scenario": "s", "playbook_version": 1}', "schema_version: is missing"),
    ('{"schema_version": 99, "scenario": "s", "playbook_version": 1}', "newer than this app"),
    ('{"schema_version": 1, "scenario": "s", "playbook_version": 1, "whatif": {"data": NaN}}',
     "NaN is not allowed"),
    ('{"schema_version": 1, "scenario": "s", "playbook_version": 1, "answers": {"a": 3}}',
     "answers.a: must be text"),
    ('{"schema_version": 1, "scenario": "s", "playbook_version": 1, '
     '"plan_edits": {"x": {"status": "someday"}}}', "plan_edits.x.status: must be one of"),
    ('{"schema_version": 1, "scenario": "s", "playbook_version": 1, '
     '"plan_edits": {"x": {"due": "next week"}}}', "is not a date"),
])
def test_bad_documents_name_the_problem(text, fragment):
    with pytest.raises(SessionError) as caught:
        from_json(text)
    assert fragment in str(caught.value)


def test_binary_and_huge_files_are_refused():
    with pytest.raises(SessionError, match="not UTF-8"):
        from_json(b"\xff\xfe\x00garbage")
    with pytest.raises(SessionError, match="larger than 2 MB"):
        from_json(b" " * 3_000_000)


def test_version_one_documents_still_open():
    old = ('{"schema_version": 1, "scenario": "slow_iteration", "playbook_version": 1, '
           '"plan_edits": {"cache": {"owner": "Ana", "status": "doing"}}}')
    session = from_json(old)
    assert session.schema_version == 3 and session.plan_edits["cache"].ticket == ""
    assert session.snapshot is None


@pytest.mark.parametrize("text, fragment", [
    ('{"schema_version": 2, "scenario": "s", "playbook_version": 1, "uploads": "x"}',
     "uploads: must be a list"),
    ('{"schema_version": 2, "scenario": "s", "playbook_version": 1, "uploads": '
     '[{"name": 1, "kind": "runs", "rows_read": 1, "rows_used": 1}]}', "must be text"),
    ('{"schema_version": 2, "scenario": "s", "playbook_version": 1, "notes": ' + "[" * 5000
     + "]" * 5000 + "}", "nested too deeply"),
])
def test_malformed_uploads_and_deep_nesting_are_explained(text, fragment):
    with pytest.raises(SessionError, match=fragment):
        from_json(text)


@pytest.mark.parametrize("version, said", [
    ("1.5", "schema_version: is 1.5; it must be a whole number from 1 to"),
    ('"2"', 'schema_version: is "2"; it must be a whole number from 1 to'),
    ("-7", "schema_version: is -7; it must be a whole number from 1 to"),
    ("true", "schema_version: is true; it must be a whole number from 1 to"),
])
def test_a_wrong_schema_version_is_named_as_wrong_not_as_missing(version, said):
    text = f'{{"schema_version": {version}, "scenario": "slow_iteration", "playbook_version": 1}}'
    with pytest.raises(ValueError) as caught:
        from_json(text)
    assert said in str(caught.value) and "missing" not in str(caught.value)
    with pytest.raises(ValueError, match="schema_version: is missing"):
        from_json('{"scenario": "slow_iteration", "playbook_version": 1}')
