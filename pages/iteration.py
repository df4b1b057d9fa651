"""Scenario page: model iteration is too slow. Numbers first, then the questions, then the plan."""

from ui.frame import ensure_frame

ensure_frame()

from ui.scenario_page import render_scenario  # noqa: E402

render_scenario("slow_iteration")
