"""Scenario page of any installed playbook without a page of its own, found by its url."""

from ui.frame import current_playbook, ensure_frame

ensure_frame()

from ui.scenario_page import render_scenario  # noqa: E402

render_scenario(current_playbook())
