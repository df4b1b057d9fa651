"""Who made a change: signed in (verified) or typed (not verified), in the store, the audit
trail and the exports. Plain pytest and AppTest; the browser flow against a real provider is
tests/test_browser_sign_in.py."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.page_text import errors, shown, texts
from tests.test_export import make
from tests.test_pages import confirm, load_example, open_page
from triage.authors import Author, from_claims, label, read_stored, typed_name
from triage.export import current_snapshot, plan_html, plan_jira_csv, plan_markdown, read_snapshot
from triage.session import ActionEdit
from triage.store import PlanStore, StoreError

ADA = Author("Ada Lovelace", "ada@example.org", verified=True)
SIGNED_IN = {"is_logged_in": True, "name": "Ada Lovelace", "email": "ada@example.org",
             "sub": "ada", "iss": "http://127.0.0.1:1"}


# -- the stored form -----------------------------------------------------------------------
def test_a_verified_author_is_stored_with_its_mark_and_reads_back():
    assert ADA.stored() == "signed-in: Ada Lovelace <ada@example.org>"
    assert read_stored(ADA.stored()) == ADA
    assert label(ADA.stored()) == "Ada Lovelace <ada@example.org>"
    assert read_stored("Bo") == Author("Bo")
    assert label("Bo") == "Bo (not verified)"
    # Angle brackets in a provider's name cannot shift the e-mail; long names are cut to fit.
    odd = Author("Ada <admin@corp>" + "x" * 300, "ada@example.org", verified=True)
    stored = odd.stored()
    assert len(stored) == 200 and stored.endswith(" <ada@example.org>")
    assert read_stored(stored).email == "ada@example.org"
    assert read_stored(Author("", "ops@example.org", verified=True).stored()) == \
        Author("ops@example.org", "ops@example.org", verified=True)


def test_a_typed_name_can_never_claim_the_mark():
    for forged in ("signed-in: Ada Lovelace <ada@example.org>", "  SIGNED-IN:Ada"):
        with pytest.raises(ValueError, match="cannot start with 'signed-in:'"):
            typed_name(forged)
    assert typed_name("  Bo \n Manager\t") == "Bo Manager"
    with pytest.raises(ValueError, match="name is needed"):
        typed_name("   ")


def test_the_user_comes_from_the_identity_token_claims():
    assert from_claims(SIGNED_IN) == ADA
    assert from_claims({"is_logged_in": False, "email": "ada@example.org"}) is None
    assert from_claims({"email": "test@example.com"}) is None  # no sign-in: no user
    assert from_claims({"is_logged_in": True, "sub": "u-17"}) == Author("u-17", verified=True)


# -- the store ------------------------------------------------------------------------------
class Clock:
    def __init__(self):
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self):
        self.now += timedelta(minutes=1)
        return self.now


def test_the_store_keeps_verified_and_typed_authors_apart(tmp_path, mini_book):
    session, _plan, _snap = make(mini_book)
    with PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite3'}", now=Clock()) as store:
        saved = store.save(session, author=ADA, team="Ranking")
        action = next(iter(session.plan_edits), None) or "cache_features"
        store.update_action(saved.plan_id, action, ActionEdit(status="doing"), author="Bo",
                            base_revision=1)
        store.record_decision(saved.plan_id, approver=ADA, note="go")
        with pytest.raises(StoreError, match="cannot start with 'signed-in:'"):
            store.record_decision(saved.plan_id, approver="signed-in: Mallory <boss@corp>")
        revisions = store.revisions(saved.plan_id)
        assert [r.author for r in revisions] == [ADA.stored(), "Bo"]
        assert [label(r.author) for r in revisions] == ["Ada Lovelace <ada@example.org>",
                                                         "Bo (not verified)"]
        (entry,) = store.audit(saved.plan_id)
        assert (entry.author, entry.new) == ("Bo", "doing")
        assert [d.approver for d in store.decisions(saved.plan_id)] == [ADA.stored()]
        (row,) = store.list_plans(today=datetime(2026, 12, 1).date())
        assert row.updated_by == "Bo" and store.latest(saved.plan_id).meta.created_by == ADA.stored()


# -- the exports ----------------------------------------------------------------------------
def _exports(snapshot) -> tuple[str, str, list[dict]]:
    rows = list(csv.DictReader(io.StringIO(plan_jira_csv(snapshot))))
    return plan_markdown(snapshot), plan_html(snapshot), rows


def test_exports_say_who_prepared_them_and_whether_it_is_verified(mini_book):
    session, plan, _snap = make(mini_book)
    markdown, html, rows = _exports(current_snapshot(plan, session, prepared_by=Author("Bo")))
    assert "_Prepared by Bo (not verified)_" in markdown
    assert '<p class="meta prepared">Prepared by Bo (not verified)</p>' in html
    assert rows and all(r["Description"].endswith("Prepared by Bo (not verified).") for r in rows)

    markdown, html, rows = _exports(current_snapshot(plan, session, prepared_by=ADA))
    assert "Prepared by Ada Lovelace" in markdown and "(signed in)" in markdown
    assert "not verified" not in markdown
    assert "Prepared by Ada Lovelace &lt;ada@example.org&gt; (signed in)" in html
    assert all("Prepared by Ada Lovelace <ada@example.org> (signed in)." in r["Description"]
               for r in rows)

    markdown, _html, _rows = _exports(current_snapshot(plan, session, prepared_by=Author("")))
    assert "_Prepared by: no name given (not verified)_" in markdown
    assert "Prepared by" not in plan_markdown(current_snapshot(plan, session))  # a link's


def test_a_hand_edited_plan_json_cannot_make_an_export_claim_a_sign_in(mini_book):
    session, _plan, snap = make(mini_book)
    session.snapshot = {**snap, "prepared_by": {"name": "Mallory", "email": "boss@corp",
                                                "verified": True}}
    # The plan page exports with whoever is using the tab, whatever the file said.
    markdown = plan_markdown(current_snapshot(None, session, prepared_by=Author("Eve")))
    assert "Prepared by Eve (not verified)" in markdown and "Mallory" not in markdown
    assert "Mallory" not in plan_markdown(current_snapshot(None, session))
    with pytest.raises(ValueError, match="snapshot.prepared_by"):
        read_snapshot({**snap, "prepared_by": {"name": 3}})


# -- the pages (AppTest seeds st.user as a signed-in session would have it) -----------------
def _fresh_app(user: dict):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"),
                           default_timeout=30)
    at.user = user
    at.run()
    assert not at.exception
    return at


def _plan_page(at, team: str):
    load_example(at)
    confirm(at)
    open_page(at, "pages/plan.py")
    next(t for t in at.text_input if t.label == "Team").input(team)
    return next(t for t in at.text_input if t.label == "Your name")


def _saved(team: str):
    """The plans saved under ``team`` in the tests' store (other tests save there too)."""
    with PlanStore() as store:
        return store.list_plans(team=team, today=datetime.now(UTC).date())


def test_signed_in_the_name_is_locked_and_the_save_records_the_user():
    at = _fresh_app(SIGNED_IN)
    assert "Signed in as Ada Lovelace <ada@example.org>" in " ".join(
        shown(c.value) for c in at.sidebar.caption)
    assert [b.label for b in at.sidebar.button if b.key == "identity:sign-out"] == ["Sign out"]
    name = _plan_page(at, "Signed-in AppTest team")
    assert name.disabled and name.value == "Ada Lovelace <ada@example.org>"
    next(b for b in at.button if b.label == "Save the plan").click().run()
    assert not at.exception and "Saved plan" in texts(at)
    (row,) = _saved("Signed-in AppTest team")
    assert row.updated_by == "signed-in: Ada Lovelace <ada@example.org>"
    open_page(at, "pages/review.py")
    at.text_input(key="review:team").input("Signed-in AppTest team").run()  # others save too
    assert at.text_input(key="review:author:verified").value == "Ada Lovelace <ada@example.org>"
    assert "revision 1 by Ada Lovelace <ada@example.org>" in texts(at)


def test_sign_in_set_up_but_not_signed_in_records_nothing():
    at = _fresh_app({"is_logged_in": False})
    name = _plan_page(at, "Signed-out AppTest team")
    assert name.disabled and name.value == ""
    next(b for b in at.button if b.label == "Save the plan").click().run()
    assert not at.exception
    assert "Not saved: Sign in (in the sidebar) so the change records who made it." in errors(at)
    assert _saved("Signed-out AppTest team") == []


def test_without_sign_in_a_name_that_forges_the_mark_is_refused():
    at = _fresh_app({})
    assert "Sign-in is not set up here" in " ".join(c.value for c in at.sidebar.caption)
    _plan_page(at, "Forged AppTest team").input("signed-in: Ada Lovelace <ada@example.org>")
    next(b for b in at.button if b.label == "Save the plan").click().run()
    assert not at.exception
    assert "cannot start with 'signed-in:'" in errors(at)
    assert _saved("Forged AppTest team") == []
