"""Issue 17 on Home, Learn and Review, through AppTest (always starting from app.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_text import shown, texts
from triage.playbook import load_catalogue

TIMEOUT = 30
BOOKS = load_catalogue().playbooks
APP = str(Path(__file__).resolve().parent.parent / "app.py")
ROOT = Path(__file__).resolve().parent.parent


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def raw_texts(at: AppTest) -> list[str]:
    return [str(e.value) for e in (*at.markdown, *at.caption, *at.info, *at.warning,
                                   *at.success, *at.error)]


# -- Home --------------------------------------------------------------------------------------

def test_the_gpu_card_starts_its_scenario_and_learn_still_opens_a_tree_by_link(app):
    """A playbook without a page file of its own is a runnable scenario on Home, and Learn's
    ?playbook= link (shared by authors) still opens its tree."""
    starts = [link.proto for link in app.get("page_link")
              if link.proto.label == "Start with your numbers"]
    assert [link.page for link in starts if link.page.endswith("gpu_quota")] == ["gpu_quota"]
    assert not [link for link in app.get("page_link") if link.proto.label == "Browse this playbook"]
    app.query_params["playbook"] = "gpu_quota"
    open_page(app, "pages/learn.py")
    assert app.selectbox(key="learn:playbook").value == "gpu_quota"
    tree = app.get("graphviz_chart")[0].proto.spec
    assert '"know_usage" [label="Do we know how' in tree  # the GPU-quota tree's first box
    assert '"owner_known"' not in tree
    assert "playbook" not in app.query_params  # applied once: the URL no longer forces it
    app.selectbox(key="learn:playbook").set_value("data_access").run()
    app.run()
    assert app.selectbox(key="learn:playbook").value == "data_access"  # a later choice sticks
    # An unknown id is ignored, not an error.
    app.query_params["playbook"] = "no_such_book"
    app.run()
    assert not app.exception and app.selectbox(key="learn:playbook").value == "data_access"


def test_home_has_no_stray_bold(app):
    body = " ".join(raw_texts(app))
    assert "**see**" not in body and "and see where time" in body
    assert not re.search(r"\*\*[a-z]+\*\*", body)  # no lone bold word anywhere on Home


# -- Learn: practice ---------------------------------------------------------------------------

def test_practice_shows_the_examples_story_and_numbers_above_the_questions(app):
    open_page(app, "pages/learn.py")
    app.selectbox(key="practice:book").set_value("production_underperformance").run()
    body = texts(app)
    assert "The example: ranker-v7 does worse online than promised" in body
    assert "Offline and in shadow it promised a CTR of 0.0520" in body  # the story's opening
    assert "route android-app back to ranker-v6" in body  # the rest of it, folded
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["CTR, online vs promised"] == "−0.0069 (−13%)"
    assert metrics["Fallbacks' part of the gap"] == "44%"
    assert "The rest of the story" in [e.label for e in app.expander]
    assert "All the numbers the meeting had" in [e.label for e in app.expander]
    tables = [d.value for d in app.dataframe]
    details = next(t for t in tables if list(t.columns) == ["what", "number"])
    assert dict(zip(details["what"], details["number"], strict=True))[
        "Where the fallback part sits"] == "87% in android-app"
    assert any("segment" in t.columns and "android-app" in set(t["segment"]) for t in tables)

    app.selectbox(key="practice:book").set_value("slow_iteration").run()
    metrics = {m.label: m.value for m in app.metric}
    # the mean of the example's 40 run totals (14.81 h)
    assert metrics["One iteration"] == "14.8 h" and metrics["Runs measured"] == "40"
    assert "40 recent iterations" in texts(app)


# -- Learn: the trees --------------------------------------------------------------------------

def test_learn_trees_are_drawn_at_reading_size_with_a_fit_option(app):
    open_page(app, "pages/learn.py")
    style = " ".join(str(e.proto.body) for e in app.get("html"))
    assert "font-size: 12px" in style and "max-width: none" in style  # natural size
    app.toggle(key="learn:fit").set_value(True).run()
    style = " ".join(str(e.proto.body) for e in app.get("html"))
    assert "font-size: 12px" in style and "max-width: none" not in style


def test_the_walked_path_is_drawn_on_the_tree(app):
    app.button(key="example:slow_iteration").click().run()
    open_page(app, "pages/learn.py")
    assert app.selectbox(key="learn:playbook").value == "slow_iteration"  # the one worked on
    tree = app.get("graphviz_chart")[0].proto.spec
    assert '"know_loop" [label=' in tree and "#D55E00" in tree


# -- Review --------------------------------------------------------------------------------------

def saved_plan(team: str) -> str:
    from triage.session import ActionEdit, from_json
    from triage.store import PlanStore

    store = PlanStore()
    session = from_json((ROOT / "data" / "production" / "example.plan.json").read_text())
    saved = store.save(session, author="Ana", team=team, participants=("Ana",))
    edit = store.latest(saved.plan_id).session.edit_for("fix_timeouts")
    store.update_action(saved.plan_id, "fix_timeouts",
                        ActionEdit(**{**edit.__dict__, "status": "done"}), author="Ben",
                        base_revision=saved.revision)
    return saved.plan_id


@pytest.fixture
def own_store(tmp_path, monkeypatch):
    """A plan store of this test's own: other tests' review pages must not list its plan."""
    from ui.plan_store_ui import plan_store

    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    plan_store.clear()  # the app keeps one store per server
    yield
    plan_store.clear()


def test_review_table_and_audit_trail_show_titles_not_ids(app, own_store):
    plan_id = saved_plan("Review ids team")
    open_page(app, "pages/review.py")
    app.text_input(key="review:team").input("Review ids team").run()
    table = app.dataframe[0].value
    assert table["scenario"].tolist() == ["A launched model underperforms in production"]
    assert "plan" not in table.columns and "problem" not in table.columns
    lines = [shown(c.value) for c in app.caption]
    status = next(line for line in lines if "status" in line and "done" in line)
    title = "Fix the timeouts, raise capacity, tune the fallback trigger"  # rank 1 in the example
    assert f"{title}: status “doing” → “done”" in status
    assert not any("fix_timeouts" in line for line in lines)
    notes = " ".join(shown(m.value) for m in app.markdown if "revision 2" in m.value)
    assert f"{title}: status 'doing' → 'done'" in notes
    assert "fix_timeouts" not in notes and plan_id not in " ".join(lines)
    # The ids are still there for whoever needs them, behind a toggle.
    app.toggle(key=f"review:{plan_id}:ids").set_value(True).run()
    lines = [shown(c.value) for c in app.caption]
    assert any("fix_timeouts: status" in line for line in lines)
    assert any(plan_id in line and "production_underperformance" in line for line in lines)


# -- No stray backslashes on the pages ------------------------------------------------------------

def test_pages_show_numbers_without_stray_backslashes(app):
    """literal() escapes only what Markdown would misread: numbers, ranges, decimals and
    snake_case names reach the page's Markdown without backslashes."""
    seen = []
    for key, title in (("example:slow_iteration", "Model iteration is too slow"),
                       ("example:production_underperformance", "A launched model"),
                       ("example:data_access", "Data access is blocked")):
        open_page(app, "pages/home.py")
        app.button(key=key).click().run()
        assert not app.exception, app.exception
        assert app.title[0].value.startswith(title)  # the scenario's page, with its example
        seen += raw_texts(app)
        open_page(app, "pages/plan.py")
        seen += raw_texts(app)
    text = "\n".join(seen)
    stray = re.findall(r".{0,20}\\[.\-+()=#>:,;'\"/0-9].{0,20}", text)
    assert not stray, stray[:5]
    assert re.search(r"\d\.\d", text)  # decimals are shown, unescaped
    json.dumps(text)
