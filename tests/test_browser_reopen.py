"""What a meeting shares must re-open as the meeting's own, in a real browser: a share link opened
in a fresh browser on a freshly started server, a plan JSON re-opened after an upload, and owners
typed at full speed."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser_support import ARTIFACTS, chromium, current, shown, streamlit_server, wait_for_app
from triage.examples import DATA_DIR

pytestmark = pytest.mark.browser

# (home card index, scenario heading, a number of the worked example's plan)
SCENARIOS = {
    "iteration": (0, "Model iteration is too slow", "14.8 h"),
    "production": (1, "A launched model underperforms in production", "0.0451"),
    "access": (2, "Data access is blocked by approvals, ACLs or governance", "request-days/month"),
}


def shot(page, name: str) -> None:
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"{name}.png"), full_page=True)


def confirm_first_answer(page) -> str:
    """Confirm the first question's pre-selected answer; return the question's heading text."""
    from playwright.sync_api import expect

    heading = current(page).locator("h4").filter(has_text="1. ").first
    question = heading.inner_text().split("1. ", 1)[1].strip()
    confirm = current(page).get_by_role("button", name="Confirm answer")
    if confirm.is_disabled():
        current(page).locator('[data-testid="stRadio"]').last.locator(
            '[data-testid="stRadioOption"]').first.click()
        expect(confirm).to_be_enabled()
    confirm.click()
    wait_for_app(page)
    return question


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_share_link_opens_in_a_fresh_browser_on_a_fresh_server(scenario, tmp_path):
    from playwright.sync_api import expect

    card, heading, number = SCENARIOS[scenario]
    with streamlit_server() as url, chromium(tmp_path / "made") as context:
        page = context.new_page()
        page.goto(url)
        wait_for_app(page)
        page.get_by_role("button", name="Load a worked example").nth(card).click()
        wait_for_app(page)
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        question = confirm_first_answer(page)
        page.get_by_role("link", name="Open the full plan").click()
        wait_for_app(page)
        expect(shown(page, number)).to_be_visible()
        page.get_by_text("Share a link that reproduces this session").click()
        link = current(page).locator('[data-testid="stCode"] code').first.inner_text()
        link = "".join(link.split())
    assert urlparse(link).path == f"/{scenario}", link

    with streamlit_server() as fresh, chromium(tmp_path / "opened") as context:
        page = context.new_page()
        page.goto(fresh + link[len(link.split(f"/{scenario}?")[0]):])
        wait_for_app(page)
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        expect(shown(page, "as saved on")).to_be_visible()
        expect(shown(page, f"1. {question}")).to_be_visible()  # answered
        expect(page.get_by_role("heading", name="2. ").first).to_be_visible()  # and moved on
        shot(page, f"link_{scenario}")
        page.get_by_role("link", name="Open the full plan").first.click()
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Action plan")).to_be_visible()
        expect(shown(page, number)).to_be_visible()
        expect(shown(page, "as saved on")).to_be_visible()


def test_a_plan_json_reopens_after_an_upload_with_the_teams_numbers(tmp_path):
    from playwright.sync_api import expect

    runs = DATA_DIR / "iteration" / "sample_runs_durations.csv"
    with streamlit_server() as url, chromium(tmp_path / "made") as context:
        page = context.new_page()
        page.goto(f"{url}/iteration")
        wait_for_app(page)
        page.get_by_role("tab", name="Upload runs CSV").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
            str(runs))
        wait_for_app(page)
        expect(shown(page, "12 runs")).to_be_visible()
        page.get_by_role("link", name="Open the full plan").first.click()
        wait_for_app(page)
        expect(shown(page, "18.2 h")).to_be_visible()
        with page.expect_download() as download:
            current(page).get_by_role("button", name="Download plan JSON (re-opens here)").click()
        saved = tmp_path / "plan.json"
        download.value.save_as(saved)

    with streamlit_server() as fresh, chromium(tmp_path / "opened") as context:
        page = context.new_page()
        page.goto(f"{fresh}/plan")
        wait_for_app(page)
        page.get_by_text("Open a saved plan JSON").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').last.set_input_files(
            str(saved))
        wait_for_app(page)
        expect(shown(page, "18.2 h")).to_be_visible()
        expect(shown(page, "sample_runs_durations.csv")).to_be_visible()
        expect(shown(page, "as saved on")).to_be_visible()
        assert page.get_by_text("14.9 h").count() == 0  # never the built-in sample
        shot(page, "plan_reopened")


def _download(page, label: str):
    """Click a download button until its file comes. Under CI load the e-mail's Enter can start
    a rerun after the page looked idle; a click then lands on a button that rerun replaces. The
    downloaded file is still checked for the edits, so a lost edit fails the test."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(2):
        try:
            with page.expect_download(timeout=20_000) as download:
                current(page).get_by_role("button", name=label).click()
            return download.value
        except PlaywrightTimeout:
            if attempt:
                raise
            wait_for_app(page)


def test_owner_and_email_pasted_and_confirmed_at_once_are_kept(tmp_path):
    from playwright.sync_api import expect

    with streamlit_server() as url, chromium(tmp_path) as context:
        page = context.new_page()
        page.goto(url)
        wait_for_app(page)
        page.get_by_role("button", name="Load a worked example").nth(1).click()  # production
        wait_for_app(page)
        confirm_first_answer(page)
        page.get_by_role("link", name="Open the full plan").click()
        wait_for_app(page)
        owner = current(page).get_by_placeholder("owner").first
        owner.click()
        page.keyboard.insert_text("Priya Natarajan")  # a paste: no key events, all at once
        page.keyboard.press("Enter")
        email = current(page).get_by_placeholder("e-mail").first
        email.click()
        page.keyboard.insert_text("priya@example.com")
        page.keyboard.press("Enter")
        wait_for_app(page)
        expect(current(page).get_by_placeholder("owner").first).to_have_value("Priya Natarajan")
        expect(current(page).get_by_placeholder("e-mail").first).to_have_value(
            "priya@example.com")
        target = Path(tmp_path / "plan.md")
        _download(page, "Download Markdown").save_as(target)
        assert "Priya Natarajan (priya@example.com)" in target.read_text()
        # Two quick clicks both download (a click no longer reruns the page).
        button = current(page).get_by_role("button", name="Download Markdown")
        with page.expect_download() as first:
            button.click()
        with page.expect_download() as second:
            button.click()
        assert first.value.suggested_filename == second.value.suggested_filename
