"""What the plan store says when it fails or refuses, as the page and the CLI show it.

A store error never shows where the database is (its file path, host, port, database name or
URL): those are for the server's log. A status edit on the Review page that lost a race with
another save says so after the rerun that shows the latest revision, instead of vanishing.
"""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_text import texts
from tests.test_pages import APP, TIMEOUT, confirm, load_example, open_page
from triage.cli import main
from triage.session import ActionEdit
from triage.store import PlanStore, StoreError
from ui.plan_store_ui import plan_store

SECRET_DIR = "hidden-db-folder-7f3a"


def _not_a_database(tmp_path):
    folder = tmp_path / SECRET_DIR
    folder.mkdir()
    path = folder / "plans.sqlite3"
    path.write_bytes(b"this is not a SQLite file" * 100)
    return path


def _assert_hidden(message: str, *fragments: str) -> None:
    for fragment in (SECRET_DIR, "sqlite:", *fragments):
        assert fragment not in message, message


def test_store_errors_never_name_the_database_file(tmp_path):
    path = _not_a_database(tmp_path)
    with PlanStore(f"sqlite:///{path}") as store, pytest.raises(StoreError) as caught:
        store.list_plans(today=date(2026, 12, 2))
    assert "The plan database could not be used" in str(caught.value)
    _assert_hidden(str(caught.value), "plans.sqlite3")

    blocked = tmp_path / SECRET_DIR / "a-file"
    blocked.write_text("")
    with PlanStore(f"sqlite:///{blocked / 'plans.sqlite3'}") as store, \
            pytest.raises(StoreError) as caught:
        store.upgrade()
    assert "folder for the plan database cannot be created" in str(caught.value)
    _assert_hidden(str(caught.value), "a-file")


def test_an_unreachable_server_is_not_named_either():
    url = "postgresql+psycopg://triage:s3cret@127.0.0.1:1/plans_db_name?connect_timeout=2"
    with PlanStore(url) as store, pytest.raises(StoreError) as caught:
        store.latest("abcdefgh")
    assert "could not be reached" in str(caught.value)
    _assert_hidden(str(caught.value), "127.0.0.1", "plans_db_name", "s3cret", "port")


def test_the_cli_says_what_failed_without_the_path(tmp_path, capsys):
    path = _not_a_database(tmp_path)
    assert main(["store", "upgrade", "--url", f"sqlite:///{path}"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("store upgrade: The plan database could not be used")
    assert "--verbose" in captured.err and "Traceback" not in captured.err
    _assert_hidden(captured.err, "plans.sqlite3")


@pytest.fixture
def broken_store(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_DATABASE_URL", f"sqlite:///{_not_a_database(tmp_path)}")
    plan_store.clear()
    yield
    plan_store.clear()


def test_the_pages_show_a_store_failure_without_the_path(broken_store):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    load_example(at)
    confirm(at)
    open_page(at, "pages/plan.py")
    next(t for t in at.text_input if t.label == "Your name").input("Ana")
    next(b for b in at.button if b.label == "Save the plan").click().run()
    assert not at.exception, at.exception
    assert any(e.value.startswith("Not saved: The plan database could not be used")
               for e in at.error)
    _assert_hidden(texts(at), "plans.sqlite3")

    open_page(at, "pages/review.py")
    shown = " ".join(e.value for e in at.error)
    assert "The plan store cannot be read: The plan database could not be used" in shown
    _assert_hidden(texts(at), "plans.sqlite3")


@pytest.fixture
def own_store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'plans.sqlite3'}"
    monkeypatch.setenv("TRIAGE_DATABASE_URL", url)
    plan_store.clear()
    yield url
    plan_store.clear()


def _status_boxes(at: AppTest):
    return [s for s in at.selectbox if str(s.key).endswith(":status") and str(s.key).count(":") == 4]


def test_a_status_edit_that_lost_a_race_says_so_after_the_rerun(own_store):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.button(key="example:production_underperformance").click().run()
    confirm(at)  # serious: roll back, so the plan has actions to edit
    open_page(at, "pages/plan.py")
    next(t for t in at.text_input if t.label == "Your name").input("Ana")
    next(b for b in at.button if b.label == "Save the plan").click().run()
    assert "Saved plan" in texts(at)
    open_page(at, "pages/review.py")
    at.text_input(key="review:author").input("Bo").run()
    box = _status_boxes(at)[0]
    _, plan_id, revision, action_id, _ = box.key.split(":")
    assert (revision, box.value) == ("1", "todo")

    # Another server saves over revision 1 while this page still shows it.
    with PlanStore(own_store) as other:
        other.update_action(plan_id, action_id, ActionEdit(status="done"), author="Zed",
                            base_revision=1)
    box.set_value("dropped").run()
    assert not at.exception, at.exception
    notice = " ".join(e.value for e in at.error)
    assert "Not saved:" in notice and "→ “dropped”" in notice
    assert "Zed (not verified) saved revision 2" in notice
    assert "after revision 1, the one you were looking at" in notice
    assert "status 'todo' → 'done' (by Zed" in notice  # what changed meanwhile
    box = _status_boxes(at)[0]
    assert box.key.split(":")[2] == "2" and box.value == "done"  # the latest is on screen now
    with PlanStore(own_store) as check:
        assert [(r.revision, r.author) for r in check.revisions(plan_id)] == [(1, "Ana"), (2, "Zed")]
        assert check.latest(plan_id).session.edit_for(action_id).status == "done"
    at.run()  # the notice was for that one rerun
    assert "Not saved:" not in " ".join(e.value for e in at.error)
