"""Scenario page: data access is blocked. Where do requests wait, and what fixes the process?"""

from ui.frame import ensure_frame

ensure_frame()

from ui.scenario_page import render_scenario  # noqa: E402

render_scenario("data_access")
