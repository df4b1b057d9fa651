"""Re-opening a meeting whose numbers came from an upload: a plan JSON, a shared link, a second
save. The team's numbers come back as saved — never the built-in sample values — and saving a
re-opened plan adds a revision to it instead of a duplicate plan."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_text import texts
from triage.examples import DATA_DIR
from triage.session import from_json, to_json
from triage.store import PlanStore

APP = str(Path(__file__).resolve().parent.parent / "app.py")
RUNS = DATA_DIR / "iteration" / "sample_runs_durations.csv"  # not the built-in example
# its 12 run totals: mean 219 / 12 = 18.25 h (shown 18.2), median 17.4 h
TEAM_NUMBERS = "One iteration takes on average 18.2 h (mean of 12 runs; a typical one 17.4 h)"


def fresh_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception
    return at


def go(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def team_session_on_the_plan_page() -> AppTest:
    at = go(fresh_app(), "pages/iteration.py")
    at.file_uploader[0].set_value(("churn_runs.csv", RUNS.read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    go(at, "pages/plan.py")
    assert TEAM_NUMBERS in texts(at)
    return at


def save(at: AppTest, author: str, team: str = "") -> str:
    next(t for t in at.text_input if t.label == "Your name").input(author)
    if team:
        next(t for t in at.text_input if t.label == "Team").input(team)
    next(b for b in at.button if b.label == "Save the plan").click().run()
    assert not at.exception, at.exception
    return texts(at)


def plans_of(team: str) -> list:
    return PlanStore().list_plans(team=team, today=date.today())


def test_a_plan_json_reopens_with_the_teams_numbers_and_says_the_upload_is_missing():
    team = f"reopen-{uuid.uuid4().hex[:8]}"
    first = team_session_on_the_plan_page()
    assert "Saved plan" in save(first, "Ana", team)
    document = to_json(first.session_state["sessions"]["slow_iteration"]).encode()

    second = go(fresh_app(), "pages/plan.py")
    second.file_uploader[0].set_value(("churn-plan.json", document, "application/json")).run()
    assert not second.exception, second.exception
    body = texts(second)
    assert "churn_runs.csv" in body and "as saved on" in body
    assert TEAM_NUMBERS in body
    # the built-in sample table (14.9 h on average) never stands in for the team's numbers
    assert "14.9 h" not in body

    # Saving the re-opened plan adds a revision to the same plan (once something changed).
    assert "Nothing changed since revision 1" in save(second, "Ben")
    next(t for t in second.text_input if t.label == "Plan title").input("Churn loop").run()
    assert "revision 2" in save(second, "Ben")
    assert len(plans_of(team)) == 1


def test_a_shared_link_carries_the_numbers_of_an_uploaded_session():
    first = team_session_on_the_plan_page()
    link = first.code[0].value
    assert urlparse(link).path.endswith("/iteration")
    token = parse_qs(urlparse(link).query)["s"][0]

    opened = fresh_app()
    opened.query_params["s"] = token
    opened.run()
    assert not opened.exception
    go(opened, "pages/plan.py")
    body = texts(opened)
    assert TEAM_NUMBERS in body and "as saved on" in body
    assert "14.9 h" not in body
    go(opened, "pages/iteration.py")
    body = texts(opened)
    assert "as saved on" in body and TEAM_NUMBERS in body
    assert "Read: nothing yet in this tab" in body and "stages typed in" not in body


def test_saving_twice_adds_no_duplicate_and_no_empty_revision():
    team = f"twice-{uuid.uuid4().hex[:8]}"
    at = team_session_on_the_plan_page()
    assert "Saved plan" in save(at, "Ana", team)
    assert "Nothing changed since revision 1" in save(at, "Ana")
    next(t for t in at.text_input if t.label == "Plan title").input("Churn retraining").run()
    assert "revision 2" in save(at, "Ana")
    plans = plans_of(team)
    assert len(plans) == 1
    revisions = PlanStore().revisions(plans[0].plan_id)
    assert [r.revision for r in revisions] == [1, 2]


def test_the_store_reports_an_unchanged_save_without_adding_a_revision(tmp_path):
    store = PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite3'}")
    session = from_json((DATA_DIR / "iteration" / "example.plan.json").read_text())
    first = store.save(session, author="Ana", team="t")
    again = store.save(session, author="Ana", plan_id=first.plan_id, base_revision=1)
    assert again.unchanged and again.revision == 1
    session.title = "changed"
    assert store.save(session, author="Ana", plan_id=first.plan_id, base_revision=1).revision == 2
    assert len(store.revisions(first.plan_id)) == 2


@pytest.mark.parametrize("scenario, example", [
    ("production_underperformance", "production"), ("data_access", "access")])
def test_every_uploaded_scenario_reopens_from_its_snapshot(scenario, example):
    document = (DATA_DIR / example / "example.plan.json").read_text()
    saved = from_json(document).snapshot
    at = go(fresh_app(), "pages/plan.py")
    at.file_uploader[0].set_value(("plan.json", document.encode(), "application/json")).run()
    assert not at.exception, at.exception
    body = texts(at)
    assert "as saved on" in body
    for line in saved["summary"]:
        assert line in body
