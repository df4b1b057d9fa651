"""Router page: not sure where the problem is? Goal first, one question, then the right scenario."""

from ui.frame import ensure_frame

ensure_frame()

from ui.scenario_page import render_scenario  # noqa: E402

render_scenario("not_sure")
