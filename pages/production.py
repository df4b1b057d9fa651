"""Scenario page: a launched model underperforms. Is the gap real, where is it lost, what now?"""

from ui.frame import ensure_frame

ensure_frame()

from ui.scenario_page import render_scenario  # noqa: E402

render_scenario("production_underperformance")
