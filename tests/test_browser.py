"""The main flow in a real browser: Playwright driving Debian's Chromium against the app."""

from __future__ import annotations

import pytest

from tests.browser_support import (
    ARTIFACTS,
    chromium,
    click_until,
    current,
    shown,
    streamlit_server,
    wait_for_app,
)

pytestmark = pytest.mark.browser
NOTE_AS_TYPED = "$2k now, $5k later: ![pixel](https://example.com/p.png) *as typed*"
GOAL_AS_TYPED = "Ship ranker ideas weekly | before *Black Friday*"


@pytest.fixture(scope="module")
def server():
    with streamlit_server() as url:
        yield url


@pytest.fixture
def page(tmp_path):
    with chromium(tmp_path) as context:
        yield context.new_page()


def shot(page, name: str) -> None:
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"{name}.png"), full_page=True)


def test_deep_link_on_a_fresh_server_gets_the_frame(tmp_path):
    from playwright.sync_api import expect

    with streamlit_server() as url, chromium(tmp_path) as context:
        page = context.new_page()
        page.goto(f"{url}/iteration")
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Model iteration is too slow")).to_be_visible()
        sidebar = page.locator('[data-testid="stSidebar"]')
        expect(sidebar.get_by_text("Scenarios")).to_be_visible()
        expect(sidebar.get_by_text("Working on:")).to_be_visible()


def test_new_user_walks_the_scenario_to_a_markdown_plan(server, page, tmp_path):
    from playwright.sync_api import expect

    page.goto(server)
    wait_for_app(page)
    expect(page.get_by_role("heading", name="ML triage playbook")).to_be_visible()
    shot(page, "home")

    page.get_by_role("button", name="Load a worked example").first.click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Model iteration is too slow")).to_be_visible()
    expect(page.get_by_text("40 runs, 5 stages")).to_be_visible()
    charts = page.locator('[data-testid="stPlotlyChart"]')
    expect(charts.first).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Data access & features is 40% of the average iteration")).to_be_visible()

    # Goal first: typed at the top of the page, it heads the plan as typed.
    goal = current(page).get_by_label("Business goal")
    goal.fill(GOAL_AS_TYPED)
    goal.press("Enter")
    wait_for_app(page)

    # A note with Markdown-like text must reach the plan exactly as typed (triage.markdown).
    note = current(page).get_by_placeholder("What was said, who checks what…").first
    note.fill(NOTE_AS_TYPED)
    note.press("Enter")
    wait_for_app(page)
    current(page).get_by_role("button", name="Confirm answer").click()
    wait_for_app(page)
    # The answer moves the stepper on: the next question opens with the data's suggestion.
    expect(page.get_by_role("heading", name="2. Which stage dominates one iteration?")).to_be_visible()
    wait_for_app(page)
    expect(current(page).get_by_text("Suggested by the numbers:")).to_be_visible()
    shot(page, "iteration")

    page.get_by_role("link", name="Open the full plan").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Action plan")).to_be_visible()
    page.get_by_text("How we got here").click()
    expect(page.get_by_text(f"Note: {NOTE_AS_TYPED}")).to_be_visible()
    expect(page.get_by_text(f"Business goal: {GOAL_AS_TYPED}")).to_be_visible()
    assert page.locator('img[src*="example.com"]').count() == 0
    shot(page, "plan")
    wait_for_app(page)
    download = current(page).get_by_role("button", name="Download Markdown")
    expect(download).to_be_enabled()
    with page.expect_download(timeout=60_000) as download_info:
        download.click()
    target = tmp_path / "plan.md"
    download_info.value.save_as(target)
    text = target.read_text()
    assert text.startswith("# Ranking model retraining")
    assert "## Quick wins" in text and "## Assumptions" in text
    assert "- **Business goal:** Ship ranker ideas weekly \\| before \\*Black Friday\\*" in text


def test_learn_flow_pick_a_playbook_select_a_node_load_its_example(server, page):
    from playwright.sync_api import expect

    page.goto(f"{server}/learn")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Learn the playbooks")).to_be_visible()
    current(page).get_by_role("combobox", name="Playbook").click()
    page.get_by_role("option", name="Model iteration is too slow").click()
    wait_for_app(page)
    expect(page.locator('[data-testid="stGraphVizChart"] svg')).to_be_visible()
    step = current(page).get_by_role("combobox", name="Look at a step")
    step.click()
    step.fill("Which stage dominates")  # long lists are virtualised: filter, then pick
    page.get_by_role("option", name="Which stage dominates one iteration?").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Which stage dominates one iteration?")).to_be_visible()
    expect(shown(current(page), "Why it matters:")).to_be_visible()
    shot(page, "learn")
    page.get_by_role("tab", name="Worked examples").click()
    wait_for_app(page)  # a click during a rerun lands on an element about to be replaced
    page.get_by_text("Model iteration is too slow").last.click()
    wait_for_app(page)
    load = current(page).get_by_role("button", name="Load this example on its page").first
    expect(load).to_be_visible()
    click_until(page, load, page.get_by_role("heading", name="Model iteration is too slow"))
    expect(page.get_by_text("40 runs, 5 stages")).to_be_visible()


def test_production_example_to_a_plan_with_the_rollback_first(server, page):
    from playwright.sync_api import expect

    page.goto(server)
    wait_for_app(page)
    page.get_by_role("button", name="Load a worked example").nth(1).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="A launched model underperforms in production")
           ).to_be_visible()
    expect(page.get_by_text("Where CTR is lost")).to_be_visible(timeout=20_000)
    shot(page, "production")
    current(page).get_by_role("button", name="Confirm answer").click()  # serious: act first (suggested)
    wait_for_app(page)
    # Label maturity comes right after "is it serious?": an immature window is checked first.
    expect(page.get_by_role("heading", name="2. Are labels delayed online, or defined "
                                            "differently from the training labels?")
           ).to_be_visible()
    page.get_by_role("link", name="Open the full plan").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Now — stop the bleeding · Quick win")).to_be_visible()
    expect(shown(page, "Roll back, or reduce the new model's exposure")).to_be_visible()
    shot(page, "production_plan")


def test_access_example_shows_the_slow_handoff_and_cross_team_ownership(server, page):
    from playwright.sync_api import expect

    page.goto(server)
    wait_for_app(page)
    page.get_by_role("button", name="Load a worked example").nth(2).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Data access is blocked by approvals, ACLs or "
                                            "governance")).to_be_visible()
    expect(shown(page, "Time to access (median)")).to_be_visible(timeout=20_000)
    expect(shown(page, "Approval is not access")).to_be_visible()
    shot(page, "access")
    answered = page.locator('[data-testid="stSelectbox"]')  # inputs' + one per answered question
    before = answered.count()
    for number in range(1, 13):  # walk on the numbers' suggestions (the first option otherwise)
        wait_for_app(page)
        confirm = current(page).get_by_role("button", name="Confirm answer")
        if confirm.count() == 0:
            break
        if confirm.is_disabled():
            current(page).locator('[data-testid="stRadio"]').last.locator(
                '[data-testid="stRadioOption"]').first.click()
            expect(confirm).to_be_enabled()
        confirm.click()
        expect(answered).to_have_count(before + number)
        wait_for_app(page)
    page.get_by_role("link", name="Open the full plan").click()
    wait_for_app(page)
    cross_team = page.get_by_role("heading", name="Cross-team — needs another team")
    expect(cross_team).to_be_visible()
    # the ownership work sits in the cross-team section (its details expander comes after it)
    ownership = page.locator('[data-testid="stExpander"]').get_by_text(
        "Name an owner for every dataset").first
    expect(ownership).to_be_visible()
    assert ownership.bounding_box()["y"] > cross_team.bounding_box()["y"]
    shot(page, "access_plan")


def test_saved_plan_status_change_survives_a_reload_with_its_audit_entry(server, page):
    from playwright.sync_api import expect

    page.goto(server)
    wait_for_app(page)
    page.get_by_role("button", name="Load a worked example").nth(1).click()  # production
    wait_for_app(page)
    current(page).get_by_role("button", name="Confirm answer").click()  # serious: roll back
    wait_for_app(page)
    expect(shown(current(page), "Roll back, or reduce")).to_be_visible()
    page.get_by_role("link", name="Open the full plan").click()
    wait_for_app(page)
    page.get_by_label("Your name").fill("Ana Reviewer")
    page.get_by_label("Team", exact=True).fill("Ranking")
    page.get_by_role("button", name="Save the plan").click()
    wait_for_app(page)
    expect(current(page).get_by_text("Saved plan")).to_be_visible()

    page.goto(f"{server}/review")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Review saved plans")).to_be_visible()
    page.get_by_label("Your name (recorded with every change)").fill("Bo Manager")
    page.keyboard.press("Enter")
    wait_for_app(page)  # a click during the name's rerun lands on a select about to be replaced
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
    expect(page.get_by_role("combobox", name="Status").first).to_have_value("doing")
    wait_for_app(page)
    shot(page, "review")

    page.reload()
    expect(page.get_by_role("combobox", name="Status").first).to_have_value("doing")
    wait_for_app(page)
    page.get_by_text("Revisions and audit trail").click()
    expect(shown(page, "Bo Manager (not verified):")).to_be_visible()
    expect(shown(page, "status 'todo' → 'doing'")).to_be_visible()


def test_uploads_without_the_xsrf_token_are_refused(server):
    """XSRF protection stays on (.streamlit/config.toml): a cross-site upload gets a 403."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{server}/_stcore/upload_file/some-session/some-file",
                                     data=b"run_id,stage\n", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403 and b"XSRF" in refused.value.read()
