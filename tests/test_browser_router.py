"""'Not sure where the problem is?' in a real browser: from Home to the access page, goal kept."""

from __future__ import annotations

import pytest

from tests.browser_support import ARTIFACTS, chromium, current, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser
GOAL = "Train the churn model on the new billing data this quarter"
METRIC = "Days until training can start"


def shot(page, name: str) -> None:
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"{name}.png"), full_page=True)


def _type(page, label: str, text: str) -> None:
    box = current(page).get_by_label(label)
    box.fill(text)
    box.press("Enter")
    wait_for_app(page)


def test_from_home_the_router_opens_the_access_page_with_the_goal(tmp_path):
    from playwright.sync_api import expect

    with streamlit_server() as url, chromium(tmp_path) as context:
        page = context.new_page()
        page.goto(url)
        wait_for_app(page)
        expect(page.get_by_role("button", name="Load a worked example")).to_have_count(3)
        wait_for_app(page)
        shot(page, "home-with-router")
        page.get_by_role("link", name="Find the right scenario").click()
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Not sure where the problem is?")).to_be_visible()

        _type(page, "Business goal", GOAL)
        _type(page, "Metric that matters most", METRIC)
        current(page).get_by_text("Access to data: approvals, ACLs or owners hold us up").click()
        wait_for_app(page)
        current(page).get_by_role("button", name="Confirm answer").click()
        wait_for_app(page)
        expect(page.get_by_text("Data access is the hold-up; find where requests wait")).to_be_visible()
        shot(page, "router-handover")

        current(page).get_by_role("button", name="with this goal").click()
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Data access is blocked by approvals, ACLs "
                                                "or governance")).to_be_visible()
        expect(page).to_have_url(f"{url}/access")
        expect(current(page).get_by_label("Business goal")).to_have_value(GOAL)
        expect(current(page).get_by_label("Metric that matters most")).to_have_value(METRIC)
