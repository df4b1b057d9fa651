"""Fragments in a real browser: AppTest always reruns the whole script, so only a browser sends
the fragment-only reruns that a what-if slider makes (issue 15, bursts)."""

from __future__ import annotations

import pytest

from tests.browser_support import chromium, current, shown, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser


def test_the_what_if_slider_redraws_its_section_and_the_rest_stays_right(tmp_path):
    from playwright.sync_api import expect

    with streamlit_server() as url, chromium(tmp_path) as context:
        page = context.new_page()
        page.goto(url)
        wait_for_app(page)
        page.get_by_role("button", name="Load a worked example").first.click()
        wait_for_app(page)
        headline = "Data access & features is 40% of the average iteration"
        expect(shown(page, headline)).to_be_visible(timeout=20_000)
        page.get_by_text("What if a stage were faster?").click()
        expect(shown(page, "1.00× faster")).to_be_visible()

        # Data prep (40% of the loop) 1.25× faster: T' = 0.6·T + 0.4·T/1.25 = 0.92·T, 1.09×.
        slider = page.get_by_role("slider").first
        slider.focus()
        page.keyboard.press("ArrowRight")
        wait_for_app(page)
        expect(shown(page, "1.09× faster")).to_be_visible(timeout=20_000)
        page.keyboard.press("ArrowRight")  # 1.5×: 0.6 + 0.4/1.5 = 0.867, 1.15×
        wait_for_app(page)
        expect(shown(page, "1.15× faster")).to_be_visible(timeout=20_000)
        # Outside the fragment nothing went stale or missing: the numbers and the plan preview.
        expect(shown(page, headline)).to_be_visible()
        expect(current(page).get_by_text("Plan so far").first).to_be_visible()
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)

        # The factor lives in the session: a whole-page rerun (another page and back) keeps it.
        page.get_by_role("link", name="Open the action plan").click()
        wait_for_app(page)
        page.go_back()
        wait_for_app(page)
        page.get_by_text("What if a stage were faster?").click()
        expect(shown(page, "1.15× faster")).to_be_visible(timeout=20_000)
