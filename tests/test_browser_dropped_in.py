"""A playbook dropped into the playbooks folder, in a real browser: started from Home, walked by
its visible answers to its finding, and its plan lists its actions (issue 14)."""

from __future__ import annotations

import pytest

from tests.browser_support import ARTIFACTS, chromium, current, shown, streamlit_server, wait_for_app
from tests.playbook_factory import generate, install
from triage.playbook import PLAYBOOKS_ENV

pytestmark = pytest.mark.browser
SHIPPED = ("slow_iteration", "production_underperformance", "data_access", "gpu_quota",
           "not_sure")


def _confirm(page, label: str) -> None:
    current(page).get_by_text(label, exact=True).click()
    wait_for_app(page)
    current(page).get_by_role("button", name="Confirm answer").click()
    wait_for_app(page)


def test_a_dropped_in_playbook_is_started_from_home_and_walked_to_its_plan(tmp_path):
    from playwright.sync_api import expect

    raw = generate("iteration", seed=21)
    raw["nav_title"] = "Team pipeline"
    folder = install(tmp_path / "playbooks", raw, shipped=SHIPPED)
    topic = raw["nodes"][0]["options"][0]["label"].removeprefix("Yes, ")
    with (streamlit_server({PLAYBOOKS_ENV: str(folder)}) as url,
          chromium(tmp_path / "profile") as context):
        page = context.new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(url)
        wait_for_app(page)
        # The card: the innermost block holding its title (blocks nest in document order).
        card = page.get_by_test_id("stVerticalBlock").filter(
            has=page.get_by_role("heading", name=raw["title"])).last
        card.get_by_role("link", name="Start with your numbers").click()
        wait_for_app(page)
        expect(page).to_have_url(f"{url}/{raw['id']}")
        expect(page.get_by_role("heading", name=raw["title"])).to_be_visible()
        expect(page.get_by_role("heading", name="1 · Your numbers")).to_be_visible()
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav.get_by_role("link", name="Team pipeline")).to_be_visible()  # its nav_title
        expect(nav.get_by_role("link", name="More GPU quota")).to_be_visible()

        _confirm(page, f"Yes, {topic}")
        _confirm(page, "Every week")
        expect(page.get_by_role("heading", name=f"{topic.capitalize()} need an owner")) \
            .to_be_visible()
        preview = page.get_by_text(f"Name an owner for {topic}")
        expect(preview.first).to_be_visible()
        (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "screenshots" / "dropped-in-scenario.png"),
                        full_page=True)

        page.get_by_role("link", name="Open the action plan").click()
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Action plan")).to_be_visible()
        for title in (f"Name an owner for {topic}", f"Automate {topic} with the platform team"):
            expect(shown(page, title)).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "screenshots" / "dropped-in-plan.png"),
                        full_page=True)
