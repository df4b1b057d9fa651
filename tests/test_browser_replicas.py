"""Two Streamlit servers (two OS processes) on one PostgreSQL database, driven in Chromium.

A plan saved on server 1 is reviewed and edited on server 2; then a status edit is made on both
servers at the same moment, over the same revision. Exactly one becomes the next revision; the
other page says that its change was not saved, who saved what instead, and shows the latest
revision. Nothing is lost or duplicated. The database is a schema of its own on the server in
TRIAGE_TEST_POSTGRES_URL (required under CI); both servers migrate it when they first open it.
"""

from __future__ import annotations

import urllib.request
from datetime import date

import pytest

from tests.browser_support import chromium, current, shown, streamlit_server, wait_for_app
from tests.test_store import throwaway_schema
from triage import migrations
from triage.store import PlanStore

pytestmark = pytest.mark.browser
TITLE = "Replica review team"


@pytest.fixture
def shared_database():
    with throwaway_schema("triage_replicas_") as url:
        yield url


def choose_status(page, value: str) -> None:
    """Pick a status in the first action's select (without waiting for the rerun it starts)."""
    from playwright.sync_api import expect

    page.bring_to_front()  # a background tab gets no animation frames: clicks never settle
    status = current(page).get_by_role("combobox", name="Status").first
    status.click()
    option = page.get_by_role("option", name=value, exact=True)
    try:
        expect(option).to_be_visible(timeout=5_000)
    except AssertionError:  # a late rerun redrew the select and closed its list: reopen it
        wait_for_app(page)
        current(page).get_by_role("combobox", name="Status").first.click()
    option.click()


def open_review(page, server: str | None, who: str) -> None:
    """The Review page: in a new tab at ``server``, or (None) through the open tab's navigation."""
    from playwright.sync_api import expect

    page.bring_to_front()
    if server:
        page.goto(f"{server}/review")
    else:
        page.get_by_role("link", name="Review saved plans").click()
    wait_for_app(page)
    expect(shown(page, TITLE)).to_be_visible()
    page.get_by_label("Your name (recorded with every change)").fill(who)
    page.keyboard.press("Enter")
    wait_for_app(page)


def test_two_servers_share_plans_and_a_simultaneous_edit_is_one_revision_or_a_conflict(
        shared_database, tmp_path):
    from playwright.sync_api import expect

    env = {"TRIAGE_DATABASE_URL": shared_database}
    with streamlit_server(env) as one, streamlit_server(env) as two, chromium(tmp_path) as context:
        for server in (one, two):  # the proxy's health check, on each replica
            with urllib.request.urlopen(f"{server}/_stcore/health", timeout=10) as answer:
                assert answer.status == 200 and answer.read() == b"ok"
        first, second = context.new_page(), context.new_page()

        # Server 1: a meeting saves its plan.
        first.goto(one)
        wait_for_app(first)
        first.get_by_role("button", name="Load a worked example").nth(1).click()  # production
        wait_for_app(first)
        current(first).get_by_role("button", name="Confirm answer").click()  # serious: roll back
        wait_for_app(first)
        first.get_by_role("link", name="Open the full plan").click()
        wait_for_app(first)
        first.get_by_label("Your name").fill("Ana")
        first.get_by_label("Team", exact=True).fill(TITLE)
        first.get_by_role("button", name="Save the plan").click()
        wait_for_app(first)
        expect(current(first).get_by_text("Saved plan")).to_be_visible()

        with PlanStore(shared_database) as store:
            assert store.schema_revision() == migrations.head()
            (row,) = store.list_plans(today=date.today())
            plan_id = row.plan_id
            assert (row.team, row.revision, row.updated_by) == (TITLE, 1, "Ana")
            action_id = row.actions[0].action_id
            assert row.actions[0].status == "todo"

        # Server 2: a manager reviews it and moves the first action on.
        open_review(second, two, "Bo")
        expect(current(second).get_by_role("combobox", name="Status").first).to_have_value("todo")
        choose_status(second, "doing")
        wait_for_app(second)
        expect(current(second).get_by_role("combobox", name="Status").first).to_have_value("doing")
        with PlanStore(shared_database) as store:
            assert [(r.revision, r.author) for r in store.revisions(plan_id)] == [(1, "Ana"), (2, "Bo")]
            assert store.latest(plan_id).session.edit_for(action_id).status == "doing"

        # Server 1 sees the manager's edit; both pages now show revision 2.
        open_review(first, None, "Ana")
        expect(current(first).get_by_role("combobox", name="Status").first).to_have_value("doing")

        # Both edit the same action at once, each over revision 2.
        choose_status(first, "done")
        choose_status(second, "dropped")
        wait_for_app(first)
        wait_for_app(second)

        with PlanStore(shared_database) as store:
            revisions = store.revisions(plan_id)
            final = store.latest(plan_id).session.edit_for(action_id).status
            third = [a for a in store.audit(plan_id) if a.revision == 3]
        assert [r.revision for r in revisions] == [1, 2, 3]  # one revision, not two, none lost
        winner = revisions[-1].author
        assert winner in ("Ana", "Bo")
        won, lost = (first, second) if winner == "Ana" else (second, first)
        wanted = {"Ana": "done", "Bo": "dropped"}
        assert final == wanted[winner]
        assert [(a.author, a.field, a.old, a.new) for a in third] == [
            (winner, "status", "doing", wanted[winner])]
        loser = "Bo" if winner == "Ana" else "Ana"
        notice = current(lost).locator('[data-testid="stAlert"]').filter(has_text="Not saved:")
        expect(notice).to_be_visible()
        text = notice.inner_text()
        assert f"status → “{wanted[loser]}”" in text
        assert f"{winner} (not verified) saved revision 3" in text and "after revision 2" in text
        assert f"status 'doing' → '{wanted[winner]}' (by {winner}" in text
        # The refused page now shows the latest revision; the winning page kept its value.
        expect(current(lost).get_by_role("combobox", name="Status").first).to_have_value(
            wanted[winner])
        expect(current(won).get_by_role("combobox", name="Status").first).to_have_value(
            wanted[winner])
        assert current(won).locator('[data-testid="stAlert"]').filter(has_text="Not saved:").count() == 0
