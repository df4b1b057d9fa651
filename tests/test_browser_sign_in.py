"""Sign-in end to end: Chromium, the app, and a real OpenID Connect provider on 127.0.0.1.

The provider (oidc-provider, tests/oidc/) serves discovery, its own login and consent pages,
the code flow and RP-initiated logout; the app reads it from a temporary secrets.toml. The
same save and status change without an [auth] section are recorded as typed names, marked
"not verified".
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.browser_support import chromium, current, free_port, shown, streamlit_server, wait_for_app
from tests.oidc_support import auth_secrets, oidc_provider

pytestmark = pytest.mark.browser
ADA = {"name": "Ada Lovelace", "email": "ada@example.org"}
ADA_LABEL = "Ada Lovelace <ada@example.org>"


def review_name(page):
    return page.get_by_role("textbox", name="Your name (recorded with every change)")


def _save_the_production_example(page, server: str, team: str, name: str | None) -> None:
    """Walk the production example to its plan and save it (typing ``name`` when given)."""
    from playwright.sync_api import expect

    page.goto(server)
    wait_for_app(page)
    page.get_by_role("button", name="Load a worked example").nth(1).click()  # production
    wait_for_app(page)
    current(page).get_by_role("button", name="Confirm answer").click()
    wait_for_app(page)
    page.get_by_role("link", name="Open the full plan").click()
    wait_for_app(page)
    name_box = page.get_by_role("textbox", name="Your name", exact=True)
    if name is None:
        expect(name_box).to_be_disabled()
        expect(name_box).to_have_value(ADA_LABEL)
    else:
        name_box.fill(name)
    page.get_by_label("Team", exact=True).fill(team)
    page.get_by_role("button", name="Save the plan").click()
    wait_for_app(page)
    expect(current(page).get_by_text("Saved plan")).to_be_visible()


def _set_first_status_to_doing(page, team: str) -> None:
    from playwright.sync_api import expect

    page.get_by_role("link", name="Review saved plans").click()  # the same session
    wait_for_app(page)
    page.get_by_label("Team", exact=True).fill(team)
    page.keyboard.press("Enter")
    wait_for_app(page)
    status = current(page).get_by_role("combobox", name="Status").first
    expect(status).to_have_value("todo")
    status.click()
    option = page.get_by_role("option", name="doing")
    try:
        expect(option).to_be_visible(timeout=5_000)
    except AssertionError:  # the list closed when a late rerun redrew the select: reopen it
        wait_for_app(page)
        current(page).get_by_role("combobox", name="Status").first.click()
    option.click()
    wait_for_app(page)
    # The rerun that saved the change shows revision 2 (a check on the select alone could pass
    # on the old element before that rerun has started).
    expect(shown(current(page), "revision 2 by")).to_be_visible()
    wait_for_app(page)
    expect(current(page).get_by_role("combobox", name="Status").first).to_have_value("doing")
    page.get_by_text("Revisions and audit trail").click()


def test_sign_in_with_the_provider_records_the_verified_user(tmp_path):
    from playwright.sync_api import expect

    from triage.store import PlanStore

    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with oidc_provider(redirect_uri, {"ada": ADA}) as provider, \
            streamlit_server({"TRIAGE_DATA_DIR": str(data_dir)}, port=port,
                             secrets=auth_secrets(tmp_path / "secrets.toml", provider,
                                                  redirect_uri)) as server, \
            chromium(tmp_path) as context:
        page = context.new_page()
        page.goto(server)
        wait_for_app(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_role("button", name="Sign in").click()

        # The provider's own pages: its login form, then its consent screen.
        page.wait_for_url(f"{provider.issuer}/interaction/**")
        page.locator('input[name="login"]').fill("ada")
        page.locator('input[name="password"]').fill("any password: the test provider takes it")
        page.get_by_role("button", name="Sign-in").click()
        page.get_by_role("button", name="Continue").click()

        page.wait_for_url(f"{server}/**")  # back through /oauth2callback to the app
        wait_for_app(page)
        expect(sidebar.get_by_text(f"Signed in as {ADA_LABEL}")).to_be_visible()

        _save_the_production_example(page, server, "Sign-in team", name=None)
        _set_first_status_to_doing(page, "Sign-in team")
        expect(review_name(page)).to_have_value(ADA_LABEL)
        expect(shown(page, f"revision 2 by {ADA_LABEL}")).to_be_visible()
        expect(shown(page, f"{ADA_LABEL}: ")).to_be_visible()  # the status change's audit entry
        expect(page.get_by_text("not verified")).to_have_count(0)

        # What the store holds: the verified form, on the revisions and on the audit entry.
        with PlanStore(f"sqlite:///{data_dir / 'plans.sqlite3'}") as store:
            (row,) = store.list_plans(team="Sign-in team", today=date.today())
            assert [r.author for r in store.revisions(row.plan_id)] == [
                "signed-in: Ada Lovelace <ada@example.org>"] * 2
            (entry,) = store.audit(row.plan_id)
            assert (entry.field, entry.old, entry.new) == ("status", "todo", "doing")
            assert entry.author == "signed-in: Ada Lovelace <ada@example.org>"

        # Sign out: through the provider's logout, back to the app with nobody signed in.
        sidebar.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{provider.issuer}/session/end**")
        page.get_by_role("button", name="Yes, sign me out").click()
        page.wait_for_url(f"{server}/**")
        wait_for_app(page)
        expect(sidebar.get_by_role("button", name="Sign in")).to_be_visible()
        page.goto(f"{server}/review")
        wait_for_app(page)
        expect(review_name(page)).to_be_disabled()
        expect(review_name(page)).to_have_value("")


def test_without_sign_in_the_typed_name_is_marked_not_verified(tmp_path):
    from playwright.sync_api import expect

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    no_auth = tmp_path / "secrets.toml"
    no_auth.write_text("", encoding="utf-8")  # a secrets file without an [auth] section
    with streamlit_server({"TRIAGE_DATA_DIR": str(data_dir)}, secrets=no_auth) as server, \
            chromium(tmp_path) as context:
        page = context.new_page()
        page.goto(server)
        wait_for_app(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        expect(sidebar.get_by_text("Sign-in is not set up here")).to_be_visible()
        expect(sidebar.get_by_role("button", name="Sign in")).to_have_count(0)
        _save_the_production_example(page, server, "Typed team", name="Ana Typed")
        _set_first_status_to_doing(page, "Typed team")
        # The review page offers the name typed on the plan page; the changes carry the mark.
        expect(review_name(page)).to_have_value("Ana Typed")
        expect(shown(page, "revision 2 by Ana Typed (not verified)")).to_be_visible()
        expect(shown(page, "Ana Typed (not verified): ")).to_be_visible()
