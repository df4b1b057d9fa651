"""Trying a playbook on Learn in a real browser: a broken file's validator messages, then a
valid one walked to its plan."""

from __future__ import annotations

import pytest

from tests.browser_support import chromium, current, shown, streamlit_server, wait_for_app
from tests.test_browser import shot
from tests.test_learn_trial import BROKEN, VALID

pytestmark = pytest.mark.browser
UPLOADER = '[data-testid="stFileUploaderDropzoneInput"]'


def test_try_a_broken_then_a_valid_playbook_on_learn(tmp_path):
    from playwright.sync_api import expect

    broken, valid = tmp_path / "broken.yaml", tmp_path / "notebook_sprawl.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    valid.write_text(VALID, encoding="utf-8")
    with streamlit_server() as url, chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.goto(f"{url}/learn")
        wait_for_app(page)
        page.get_by_role("tab", name="Try your playbook").click()
        page.locator(UPLOADER).first.set_input_files(str(broken))
        wait_for_app(page)
        alert = current(page).get_by_text("broken.yaml cannot be tried: 4 problems")
        expect(alert).to_be_visible()
        for message in ("unknown next node 'nowhere'", "is required and must be non-empty text",
                        "must be a list of two numbers [low, high]",
                        "unreachable from the start node"):
            expect(current(page).get_by_text(message)).to_be_visible()
        expect(current(page).get_by_text("options.rarely.next")).to_be_visible()
        shot(page, "learn_trial_broken")

        # The other tabs still work.
        page.get_by_role("tab", name="Playbooks").click()
        expect(page.locator('[data-testid="stGraphVizChart"] svg').first).to_be_visible()

        page.get_by_role("tab", name="Try your playbook").click()
        page.locator(UPLOADER).first.set_input_files(str(valid))
        wait_for_app(page)
        expect(current(page).get_by_role("heading", name="Notebooks eat the GPU pool")) \
            .to_be_visible()
        page.get_by_role("tab", name="Walk it to a plan").click()
        page.get_by_role("radiogroup", name="Your answer").get_by_text("Most afternoons").click()
        wait_for_app(page)
        current(page).get_by_role("button", name="Confirm answer").click()
        wait_for_app(page)
        expect(shown(current(page), "Idle notebooks hold the GPUs")).to_be_visible()
        expect(current(page).get_by_text("Stop notebooks idle for two hours").first) \
            .to_be_visible()
        with page.expect_download() as download_info:
            current(page).get_by_role("button", name="Download Markdown").click()
        target = tmp_path / "plan.md"
        download_info.value.save_as(target)
        text = target.read_text()
        assert "Stop notebooks idle for two hours" in text
        assert "Agree a shared GPU pool with the platform team" in text
        shot(page, "learn_trial_walked")
        page.get_by_role("tab", name="The tree").click()
        wait_for_app(page)
        shot(page, "learn_trial_tree")
