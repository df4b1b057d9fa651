"""Every page through AppTest, always starting from app.py so the frame runs on every rerun."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_text import errors as error_text
from tests.page_text import shown, texts
from triage.examples import ITERATION_RUNS
from triage.playbook import load_catalogue

TIMEOUT = 30
BOOKS = load_catalogue().playbooks
ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


def sidebar_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.sidebar.markdown) + " ".join(
        c.value for c in at.sidebar.caption)


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert "ML triage playbook" in sidebar_text(at), "the frame's sidebar is missing"
    return at


def load_example(at: AppTest) -> AppTest:
    at.button(key="example:slow_iteration").click().run()
    assert not at.exception, at.exception
    return at


def test_home_lists_the_scenarios_and_broken_playbooks_never_crash(app):
    assert app.title[0].value == "ML triage playbook"
    assert any("Model iteration is too slow" in m.value for m in app.markdown)
    assert not app.error
    assert "ML triage playbook" in sidebar_text(app)


def test_every_page_renders_with_the_frame(app):
    pages = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
    assert "pages/scenario.py" in pages and len(pages) == 9  # a new page file is covered here
    for page in pages:
        open_page(app, page)
        app.run()  # a plain rerun keeps the frame too
        assert "ML triage playbook" in sidebar_text(app)


def test_worked_example_fills_the_iteration_page(app):
    load_example(app)
    assert app.title[0].value == "Model iteration is too slow"
    body = texts(app)
    assert "Read: 40 runs, 5 stages + hand-off waits between them" in body
    # mean of the 40 run totals 14.81 h, their median 14.56 h; data's mean 5.85 h is 40%
    assert ("One iteration takes 14.8 h on average (mean of 40 runs); a typical one 14.6 h "
            "(median).") in body
    assert "Data access & features is 40% of the average iteration" in body
    metrics = {m.label: (m.value, m.delta) for m in app.metric}
    assert metrics["One iteration, on average"] == ("14.8 h", "typical 14.6 h (median of 40 runs)")
    assert metrics["Flow efficiency"][0] == "52%"  # 1 − mean waiting 7.08 h / 14.81 h
    charts = app.get("plotly_chart")
    breakdown = json.loads(charts[0].proto.spec)
    assert breakdown["layout"]["title"]["text"] == "One iteration on average: 14.8 h (typical 14.6 h)"
    working = next(t for t in breakdown["data"] if t.get("name") == "working")
    assert working["y"][-1] == "Data access & features"  # pipeline order, top-down
    # data over the 40 runs: 234.02 h in all, 91.28 h of it waiting -> means 5.850 and 2.282
    assert working["x"][-1] == pytest.approx(5.8504 - 2.2820, abs=1e-3)
    assert "**Working on:** Model iteration is too slow" in sidebar_text(app)


def test_suggested_answer_is_preselected_and_confirmed(app):
    load_example(app)
    assert "Suggested by the numbers" in texts(app)
    radio = app.radio[-1]
    assert radio.value is not None
    app.button(key=next(b.key for b in app.button if b.label == "Confirm answer")).click().run()
    assert not app.exception
    assert app.session_state["sessions"]["slow_iteration"].answers


def test_typed_table_edit_changes_the_analysis_and_survives_page_switches(app):
    open_page(app, "pages/iteration.py")
    editor_key = "slow_iteration:0:table"
    app.session_state[editor_key] = {"edited_rows": {"0": {"hours": 30.0}}, "added_rows": [],
                                     "deleted_rows": []}
    app.run()
    assert not app.exception
    table = app.session_state["sessions"]["slow_iteration"].inputs["stage_table"]
    assert table[0]["hours"] == 30.0
    open_page(app, "pages/plan.py")
    open_page(app, "pages/iteration.py")
    table = app.session_state["sessions"]["slow_iteration"].inputs["stage_table"]
    assert table[0]["hours"] == 30.0


@pytest.mark.parametrize("name, content, fragment", [
    ("runs.csv", b"", "runs.csv is empty"),
    ("runs.csv", b"run_id,duration_hours\nr1,2\n", 'missing column "stage"'),
    ("runs.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "does not look like a text"),
])
def test_bad_upload_shows_a_message_and_keeps_the_typed_table(app, name, content, fragment):
    open_page(app, "pages/iteration.py")
    before = list(app.session_state["sessions"]["slow_iteration"].inputs["stage_table"])
    app.file_uploader[0].set_value((name, content, "text/csv")).run()
    assert not app.exception
    errors = error_text(app)
    assert fragment in errors and "typed stage table and earlier data are unchanged" in errors
    assert app.session_state["sessions"]["slow_iteration"].inputs["stage_table"] == before


def test_good_upload_with_skipped_rows_is_summarised(app):
    open_page(app, "pages/iteration.py")
    content = ITERATION_RUNS.read_bytes() + b"rank-999,Training,2026-10-01T10:00Z,2026-10-01T09:00Z,,\n"
    app.file_uploader[0].set_value(("runs.csv", content, "text/csv")).run()
    assert not app.exception
    assert "1 rows skipped: ended_at is before started_at" in texts(app)


def test_plan_page_shows_groups_and_downloads(app):
    load_example(app)
    open_page(app, "pages/plan.py")
    assert app.title[0].value == "Action plan"
    body = texts(app)
    assert "For the partner" in body
    assert "One iteration takes on average 14.8 h (mean of 40 runs; a typical one 14.6 h)" in body
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["Download Markdown", "Download plan JSON (re-opens here)",
                      "Printable HTML (save as PDF)", "Jira CSV import"]


def test_plan_json_import_restores_and_bad_json_is_explained(app):
    from triage.session import Session, to_json

    open_page(app, "pages/plan.py")
    app.file_uploader[0].set_value(("plan.json", b'{"schema_version": 1,', "application/json"))
    app.run()
    assert "could not be opened: plan file: not valid JSON" in error_text(app)
    session = Session(scenario="slow_iteration", playbook_version=1, title="Imported plan",
                      inputs={"stage_table": [{"stage": "data", "hours": 5.0,
                                               "wait_hours": 1.0}],
                              "iterations_per_month": 4.0, "source": "table"})
    app.file_uploader[0].set_value(("plan.json", to_json(session).encode(), "application/json"))
    app.run()
    assert not app.exception
    restored = app.session_state["sessions"]["slow_iteration"]
    assert restored.title == "Imported plan" and restored.inputs["iterations_per_month"] == 4.0


@pytest.mark.parametrize("content, message", [
    (b'{"schema_version": 2, "scenario": "slow_iteration", "playbook_version": NaN}',
     "NaN is not allowed in a plan JSON"),
    (b"{" + b" " * (2 * 1024 * 1024 + 1) + b"}", "larger than 2 MB"),
])
def test_nan_or_oversized_plan_json_is_refused_and_the_session_kept(app, content, message):
    load_example(app)
    before = app.session_state["sessions"]["slow_iteration"].inputs
    open_page(app, "pages/plan.py")
    app.file_uploader[0].set_value(("plan.json", content, "application/json"))
    app.run()
    assert not app.exception
    assert message in error_text(app)
    assert app.session_state["sessions"]["slow_iteration"].inputs == before


def test_a_bug_on_a_page_shows_a_reference_not_a_traceback_and_keeps_the_session(
        app, monkeypatch, caplog):
    import ui.plan_view

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    load_example(app)
    before = app.session_state["sessions"]["slow_iteration"].inputs
    monkeypatch.setenv("TRIAGE_STRICT_ERRORS", "0")
    monkeypatch.setattr(ui.plan_view, "render_plan", broken)
    open_page(app, "pages/plan.py")
    [error] = [shown(e.value) for e in app.error]
    assert "unexpected error (reference " in error and "simulated bug" not in error
    reference = error.split("reference ")[1][:8]
    logged = [r for r in caplog.records if r.name == "triage.app"]
    assert reference in logged[0].getMessage() and "simulated bug" in str(logged[0].exc_info[1])
    monkeypatch.undo()
    open_page(app, "pages/plan.py")
    assert not app.error and "For the partner" in texts(app)
    assert app.session_state["sessions"]["slow_iteration"].inputs == before


def test_learn_page_draws_every_playbook(app):
    open_page(app, "pages/learn.py")
    chart = app.get("graphviz_chart")[0]
    assert chart.proto.spec.startswith("digraph playbook {")


def confirm(at: AppTest) -> AppTest:
    at.button(key=next(b.key for b in at.button if b.label == "Confirm answer")).click().run()
    assert not at.exception, at.exception
    return at


def test_changing_an_earlier_answer_reroutes_and_remembers_the_branch(app):
    load_example(app)
    confirm(app)  # 1: we know the loop (suggested)
    confirm(app)  # 2: data dominates (suggested)
    answers = app.session_state["sessions"]["slow_iteration"].answers
    assert answers == {"know_loop": "known", "which_stage": "data"}
    first = app.selectbox(key="slow_iteration:1:answer:know_loop")
    first.set_value("unknown").run()
    assert "Measure the loop before changing it" in texts(app)
    assert "1 answer(s) on other branches are remembered" in texts(app)
    app.selectbox(key="slow_iteration:1:answer:know_loop").set_value("known").run()
    second = app.selectbox(key="slow_iteration:1:answer:which_stage")
    assert second.value == "data"


def test_notes_are_kept_in_the_session(app):
    load_example(app)
    app.text_input(key="slow_iteration:1:note:know_loop").input("From the orchestrator export").run()
    assert app.session_state["sessions"]["slow_iteration"].notes == {
        "know_loop": "From the orchestrator export"}


def load_production_example(at: AppTest) -> AppTest:
    at.button(key="example:production_underperformance").click().run()
    assert not at.exception, at.exception
    return at


def test_production_example_sizes_and_splits_the_gap(app):
    load_production_example(app)
    assert app.title[0].value == "A launched model underperforms in production"
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["CTR: online vs expected"] == "-0.0069"
    assert metrics["Beyond noise?"] == "yes"
    assert metrics["Largest part of the drop"] == "fallbacks"
    waterfall = json.loads(app.get("plotly_chart")[0].proto.spec)["data"][0]
    assert waterfall["type"] == "waterfall"
    assert waterfall["x"][0] == "expected" and waterfall["x"][-1] == "observed"
    steps = waterfall["y"][1:-1]
    assert sum(steps) == pytest.approx(0.0451 - 0.052)
    assert "observed shares added up to 0.999" in texts(app)
    assert "**Drifted.**" in texts(app)
    assert "Suggested by the numbers" in texts(app)


def test_production_plan_puts_the_rollback_first(app):
    load_production_example(app)
    confirm(app)  # serious: roll back or reduce exposure (suggested)
    open_page(app, "pages/plan.py")
    body = texts(app)
    assert "Now — stop the bleeding · Quick win" in body
    assert "Online CTR is 0.0451 against 0.052 expected" in body
    session = app.session_state["sessions"]["production_underperformance"]
    assert session.answers and next(iter(session.answers.values())) == "serious"
    assert body.index("Now — stop the bleeding") < body.index("Later — prevent recurrence")
    first_action = body.index("Roll back, or reduce")  # first row of the first section
    assert body.index("Now — stop the bleeding · Quick win") < first_action
    assert first_action < body.index("Later — prevent recurrence")


def test_owner_and_email_typed_on_the_plan_stay_in_the_session(app):
    load_production_example(app)
    confirm(app)
    open_page(app, "pages/plan.py")
    owner = next(t for t in app.text_input if t.placeholder == "owner")
    owner.input("Priya Natarajan").run()
    email = next(t for t in app.text_input if t.placeholder == "e-mail")
    email.input("priya@example.com").run()
    assert not app.exception
    session = app.session_state["sessions"]["production_underperformance"]
    edit = next(iter(session.plan_edits.values()))
    assert (edit.owner, edit.email) == ("Priya Natarajan", "priya@example.com")
    open_page(app, "pages/home.py")
    open_page(app, "pages/plan.py")  # the inputs re-initialise from the session
    assert next(t for t in app.text_input if t.placeholder == "owner").value == "Priya Natarajan"


def test_bad_typed_metric_and_segment_csv_are_explained(app):
    open_page(app, "pages/production.py")
    app.number_input(key="production_underperformance:0:metric:expected").set_value(4.5).run()
    app.number_input(key="production_underperformance:0:metric:observed").set_value(0.04).run()
    assert not app.exception
    assert "a proportion lies between 0 and 1" in error_text(app)
    app.file_uploader(key="production_underperformance:0:segments:csv").set_value(
        ("segments.csv", b"segment,expected_share\nA,1\n", "text/csv")).run()
    errors = error_text(app)
    assert 'missing columns "observed_share"' in errors and "segment table below is unchanged" in errors
    metric = app.session_state["sessions"]["production_underperformance"].inputs["metric"]
    assert metric["expected"] == 4.5  # what was typed is kept, not silently dropped


def test_plan_page_switches_between_open_scenarios(app):
    load_example(app)
    open_page(app, "pages/home.py")
    load_production_example(app)
    open_page(app, "pages/plan.py")
    assert "Online CTR is 0.0451" in texts(app)
    app.get("button_group")[0].set_value("slow_iteration").run()
    assert not app.exception
    assert "One iteration takes on average 14.8 h" in texts(app)


def test_access_example_shows_provisioning_as_the_slowest_stage(app):
    app.button(key="example:data_access").click().run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Data access is blocked by approvals, ACLs or governance"
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Slowest stage"] == "Provisioning"
    assert metrics["Unowned datasets"] == "14%"
    bar = json.loads(app.get("plotly_chart")[0].proto.spec)
    medians = {t["name"]: t["x"][0] for t in bar["data"]}
    assert max(medians, key=medians.get).startswith("Provisioning")
    assert "Approval is not access" in texts(app)


def test_access_business_hours_and_bad_log_keep_the_session(app):
    app.button(key="example:data_access").click().run()
    calendar = {m.label: m.value for m in app.metric}["Time to access (median)"]
    app.toggle(key="data_access:1:business").set_value(True).run()
    assert not app.exception
    business = {m.label: m.value for m in app.metric}["Time to access (median)"]
    assert business != calendar
    app.file_uploader(key="data_access:1:log").set_value(
        ("requests.csv", b"request_id,dataset\nr1,d\n", "text/csv")).run()
    errors = error_text(app)
    assert "requested_at" in errors and "earlier log and the typed request are unchanged" in errors
    assert {m.label: m.value for m in app.metric}["Time to access (median)"] == business


def test_save_share_review_and_follow_up(app):
    load_example(app)
    confirm(app)
    open_page(app, "pages/plan.py")
    form_button = next(b for b in app.button if b.label == "Save the plan")
    name_box = next(t for t in app.text_input if t.label == "Your name")
    name_box.input("Ana")
    next(t for t in app.text_input if t.label == "Team").input("Ranking share test")
    form_button.click().run()
    assert not app.exception, app.exception
    assert "Saved plan" in texts(app)
    link = app.code[0].value
    assert "/iteration?s=v1." in link
    open_page(app, "pages/review.py")
    app.text_input(key="review:team").input("Ranking share test").run()  # other tests save too
    table = app.dataframe[0].value
    assert table["title"].iloc[0].startswith("Ranking model retraining")
    assert table["team"].iloc[0] == "Ranking share test"
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Plans"] == "1"
    assert "Follow-up: did it help?" in " ".join(e.label for e in app.expander)


def test_follow_up_compares_after_runs_with_the_saved_before(app):
    from triage.examples import DATA_DIR

    load_example(app)
    open_page(app, "pages/plan.py")
    next(t for t in app.text_input if t.label == "Your name").input("Ana")
    next(t for t in app.text_input if t.label == "Team").input("Follow-up test team")
    next(b for b in app.button if b.label == "Save the plan").click().run()
    open_page(app, "pages/review.py")
    app.text_input(key="review:team").input("Follow-up test team").run()  # others save too
    after = (DATA_DIR / "iteration" / "example_runs_after.csv").read_bytes()
    app.file_uploader[0].set_value(("after.csv", after, "text/csv")).run()
    assert not app.exception, app.exception
    body = texts(app)
    assert "fell from" in body, body[-800:]
    assert "Mean iteration time (mean of run totals)" in body
    assert "How this is measured: Mean of run totals" in body
    bars, change = (json.loads(c.proto.spec) for c in app.get("plotly_chart")[-2:])
    assert bars["data"][0]["name"] == "before"
    assert change["layout"]["title"]["text"] == "Change, with its 95% interval"


def test_review_table_counts_the_saved_plans_actions(app):
    app.button(key="example:production_underperformance").click().run()
    confirm(app)
    open_page(app, "pages/plan.py")
    next(t for t in app.text_input if t.label == "Your name").input("Ana")
    next(t for t in app.text_input if t.label == "Team").input("Ranker team")
    next(b for b in app.button if b.label == "Save the plan").click().run()
    open_page(app, "pages/review.py")
    app.text_input(key="review:team").input("Ranker team").run()
    table = app.dataframe[0].value
    assert table["todo"].iloc[0] >= 1 and table["team"].iloc[0] == "Ranker team"
    assert {m.label: m.value for m in app.metric}["Open quick wins"] != "0"


def test_learn_practice_compares_with_the_expert(app):
    open_page(app, "pages/learn.py")
    app.selectbox(key="practice:book").set_value("slow_iteration").run()
    for _ in range(12):  # always pick the first option, whatever the example says
        open_questions = [r for r in app.radio if r.key and r.key.startswith("practice:")]
        if not open_questions:
            break
        radio = open_questions[0]
        node_id = radio.key.rsplit(":", 1)[-1]
        radio.set_value(BOOKS["slow_iteration"].node(node_id).options[0].id).run()
        assert not app.exception, app.exception
    app.button(key="practice:slow_iteration:compare").click().run()
    assert not app.exception, app.exception
    assert "Same answers where both walks asked" in [m.label for m in app.metric]
    assert "expert:" in texts(app)


def test_learn_worked_examples_explain_each_expert_answer(app):
    open_page(app, "pages/learn.py")
    body = texts(app)
    assert "Why this answer:" in body
    assert "The numbers say:" in body and "numbers said: the numbers say" not in body.lower()
