"""Any valid playbook is a scenario (issue 14, parts 1–2): a playbook generated into a playbooks
folder is offered on Home and in the navigation, walked on every path to a plan with its
analysis feeding its rules, exported, saved and reopened from a link — with no code change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_text import texts
from tests.playbook_factory import generate, install
from triage.engine import all_paths
from triage.examples import DATA_DIR
from triage.export import plan_html, plan_jira_csv, plan_markdown, session_snapshot
from triage.kinds.registry import declared_kinds
from triage.playbook import PLAYBOOKS_ENV, PlaybookError, load_catalogue, parse_playbook
from triage.session import to_json
from triage.store import PlanStore

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SCENARIO = "pages/scenario.py"
RUNS = DATA_DIR / "iteration" / "sample_runs_durations.csv"


def started(folder: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv(PLAYBOOKS_ENV, str(folder))
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def go(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def prefix(at: AppTest, book_id: str) -> str:
    """The stepper's widget scope: the playbook and its widget version (ui.stepper)."""
    state = at.session_state
    versions = state["widget_version"] if "widget_version" in state else {}  # noqa: SIM401
    return f"{book_id}:{versions.get(book_id, 0)}"


def answer(at: AppTest, book_id: str, node: str, option: str) -> None:
    key = prefix(at, book_id)
    at.radio(key=f"{key}:open:{node}").set_value(option).run()
    at.button(key=f"{key}:confirm:{node}").click().run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("analysis", ["iteration", "production", "access", "none"])
def test_a_generated_playbook_is_offered_and_walked_on_every_path(analysis, tmp_path,
                                                                   monkeypatch):
    raw = generate(analysis, seed=11)
    book = parse_playbook(raw, f"{raw['id']}.yaml")  # valid, as written
    folder = install(tmp_path / "playbooks", raw, shipped=("slow_iteration",))
    at = started(folder, monkeypatch)
    # Offered on Home as a runnable scenario, linked to its own page.
    links = {link.proto.page for link in at.get("page_link")
             if link.proto.label in ("Start with your numbers", "Walk it together")}
    assert raw["id"] in links and "iteration" in links
    assert raw["title"] in texts(at)

    go(at, SCENARIO)
    body = texts(at)
    assert raw["title"] in [t.value for t in at.title]
    headings = [h.value for h in at.subheader]
    if declared_kinds(book.inputs):
        assert headings[0] == "1 · Your numbers" and headings[2] == "3 · Questions to walk together"
    else:  # nothing to collect: the walk comes first
        assert headings == ["1 · Questions to walk together"]
    assert "Is most of the delay in" in body

    paths = list(all_paths(book))
    assert len(paths) == 3
    for path in paths:
        at.session_state["sessions"][raw["id"]].answers.clear()
        at.run()
        for node, option in path.items():
            answer(at, raw["id"], node, option)
        finding = next(n for n in book.nodes.values() if n.kind == "finding" and n.text in texts(at))
        shown = texts(at)
        assert "Plan so far" in " ".join(h.value for h in at.subheader)
        for action_id in finding.actions:
            assert book.actions[action_id].title in shown  # the plan preview lists its actions
    assert not at.exception


def test_a_dropped_in_runs_playbook_feeds_its_rule_exports_saves_and_reopens_from_a_link(
        tmp_path, monkeypatch):
    raw = generate("iteration", seed=3)
    folder = install(tmp_path / "playbooks", raw, shipped=("slow_iteration",))
    at = go(started(folder, monkeypatch), SCENARIO)
    # Its runs section reads an upload and the analysis feeds its own data rule.
    at.file_uploader[0].set_value(("team_runs.csv", RUNS.read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    body = texts(at)
    assert "Suggested by the numbers:" in body and "the bottleneck takes" in body
    answer(at, raw["id"], "where", "yes")
    answer(at, raw["id"], "how_often", "weekly")
    go(at, "pages/plan.py")
    body = texts(at)
    assert "Name an owner for" in body and "Automate" in body

    # Exports, from the session as it is.
    session = at.session_state["sessions"][raw["id"]]
    catalogue = load_catalogue(folder)
    snapshot = session_snapshot(session, catalogue.playbooks[raw["id"]])
    titles = [item["title"] for section in snapshot["sections"] for item in section["items"]]
    assert any(t.startswith("Name an owner") for t in titles)
    assert raw["title"] in plan_markdown(snapshot) and raw["title"] in plan_html(snapshot)
    assert any(row["Summary"] in titles for row in _rows(plan_jira_csv(snapshot)))
    # The CLI reads the same folder: no code knows this playbook either.
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(to_json(session), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "triage", "export", str(plan_file),
                           "--format", "md"], capture_output=True, text=True, cwd=ROOT,
                          env={**_env(), PLAYBOOKS_ENV: str(folder)}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Automate" in done.stdout

    # Saved, then reopened from its link on its own page.
    team = f"dropped-{raw['id']}"
    next(t for t in at.text_input if t.label == "Your name").input("Ana")
    next(t for t in at.text_input if t.label == "Team").input(team)
    next(b for b in at.button if b.label == "Save the plan").click().run()
    assert not at.exception and "Saved plan" in texts(at)
    from datetime import date

    stored = PlanStore().list_plans(team=team, today=date.today())
    assert [p.scenario for p in stored] == [raw["id"]]
    link = at.code[0].value
    # Reviewed later: listed under its own title, and its follow-up compares runs, as the
    # analysis it names does.
    go(at, "pages/review.py")
    at.text_input(key="review:team").input(team).run()
    assert not at.exception, at.exception
    assert raw["title"] in at.dataframe[0].value["scenario"].tolist()
    faster = RUNS.read_bytes()
    at.file_uploader[0].set_value(("after_runs.csv", faster, "text/csv")).run()
    assert not at.exception, at.exception
    assert "How this is measured:" in texts(at)

    assert urlparse(link).path.endswith(f"/{raw['id']}")
    token = parse_qs(urlparse(link).query)["s"][0]
    opened = started(folder, monkeypatch)
    opened.query_params["s"] = token
    opened.run()
    go(opened, SCENARIO)
    reopened = texts(opened)
    assert "Do " in reopened and "fail weekly?" in reopened  # the walk as saved
    assert "team_runs.csv" in reopened and "as saved on" in reopened  # the numbers, as saved
    go(opened, "pages/plan.py")
    assert "Automate" in texts(opened)

    # The team's folder is unset again: Review still opens the plan of a playbook not installed.
    monkeypatch.delenv(PLAYBOOKS_ENV)
    later = go(AppTest.from_file(APP, default_timeout=30).run(), "pages/review.py")
    later.text_input(key="review:team").input(team).run()
    assert not later.exception, later.exception
    assert raw["id"] in later.dataframe[0].value["scenario"].tolist()  # its id: no title here


def test_gpu_quota_runs_with_the_runs_input(app):
    go(app, SCENARIO)
    assert [t.value for t in app.title] == ["A partner asks for more GPU quota"]
    app.file_uploader[0].set_value(("gpu_runs.csv", RUNS.read_bytes(), "text/csv")).run()
    assert not app.exception
    body = texts(app)
    # Its own first rule reads the runs analysis: 12 runs, 219 h in all, 18.25 h each.
    assert ("Suggested by the numbers:** Yes, we have queue times, run times and utilisation — "
            "the numbers are in: one iteration takes 18.2 h on average") in body


def test_an_input_kind_its_analysis_does_not_read_is_refused_by_name():
    raw = generate("iteration", seed=5)
    raw["inputs"][0]["kind"] = "requests"
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(raw, "team.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "team.yaml: inputs.runs_csv: kind: 'requests' is not read by the iteration analysis; "
        "the iteration analysis reads: runs (stage times and runs), none (no numbers)"]
    raw["inputs"][0]["kind"] = "spreadsheet"
    with pytest.raises(PlaybookError, match="'spreadsheet' is not an input kind"):
        parse_playbook(raw, "team.yaml")
    del raw["inputs"][0]["kind"]
    with pytest.raises(PlaybookError, match="inputs.runs_csv: kind: is required"):
        parse_playbook(raw, "team.yaml")


def _rows(csv_text: str) -> list[dict]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(csv_text)))


def _env() -> dict:
    import os

    return dict(os.environ)


def test_a_production_playbook_without_the_metric_does_not_ask_for_it(tmp_path, monkeypatch):
    raw = generate("production", seed=4)
    raw["inputs"] = [{"id": "health", "kind": "serving", "label": "Serving health",
                      "description": "Latency, timeouts, errors and fallbacks against budget."}]
    folder = install(tmp_path / "playbooks", raw, shipped=("slow_iteration",))
    at = go(started(folder, monkeypatch), SCENARIO)
    assert [t.label for t in at.tabs] == ["Serving health", "Rollout", "Past launches"]
    body = texts(at)
    assert "does not collect the metric (no input of kind segments)" in body
    assert "Type the expected and observed metric above" not in body


def test_a_playbooks_folder_that_does_not_exist_is_said_on_home(tmp_path, monkeypatch):
    at = started(tmp_path / "no_such_folder", monkeypatch)
    assert "does not exist, so no scenario is offered" in at.error[0].value
    assert PLAYBOOKS_ENV in at.error[0].value


def test_two_playbooks_of_one_analysis_never_show_each_others_uploads(tmp_path, monkeypatch):
    """Each scenario holds its own uploaded files: samples uploaded on the shipped production
    page are listed in that session only, so a team's production playbook opened next in the
    same tab must not compare them as if they were its own."""
    sample = DATA_DIR / "production" / "example_reference.csv"
    raw = generate("production", seed=4)
    raw["inputs"].append({"id": "samples", "kind": "samples", "label": "Feature samples",
                          "description": "Training and serving samples of the same features."})
    folder = install(tmp_path / "playbooks", raw, shipped=("production_underperformance",))
    at = go(started(folder, monkeypatch), "pages/production.py")
    for label in ("Training sample (reference)", "Serving sample (current)"):
        uploader = next(u for u in at.get("file_uploader") if u.proto.label == label)
        uploader.set_value(("sample.csv", sample.read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    assert "drifted" in texts(at)

    go(at, SCENARIO)
    own = at.session_state["sessions"][raw["id"]]
    assert own.uploads == []
    body = texts(at)
    assert "Upload a training and a serving feature sample to rank drift per feature." in body
    assert "features drifted" not in body and "feature drifted" not in body

    go(at, "pages/production.py")  # and the shipped page still has its pair
    assert "drifted" in texts(at)
