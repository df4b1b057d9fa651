"""The worked examples a scenario can load, by playbook id (each rests on that playbook's data)."""

from __future__ import annotations

import json
from collections.abc import Callable

from triage.session import Session
from ui import cache, state
from ui.kinds.requests import inputs as requests_inputs
from ui.kinds.runs import inputs as runs_inputs
from ui.kinds.samples import inputs as samples_inputs
from ui.kinds.segments.inputs import SEGMENTS_SOURCE


def load_production_example(session: Session) -> None:
    """The worked launch: metric, segments, health, rollout, history and feature samples."""
    folder = samples_inputs.EXAMPLE_DIR
    inputs = json.loads((folder / "example_inputs.json").read_text())
    fresh = Session(scenario=session.scenario, playbook_version=session.playbook_version,
                    title=inputs.get("title", ""))
    records = cache.segments((folder / "example_segments.csv").read_bytes(),
                             "example_segments.csv")
    fresh.inputs = {"metric": inputs["metric"], "segments": records, "health": inputs["health"],
                    "rollout": inputs["rollout"], "history": inputs["history"]}
    state.replace_session(fresh)
    state.tab_files(SEGMENTS_SOURCE, fresh.scenario)["name"] = "the worked example (example_segments.csv)"
    store = state.tab_files(samples_inputs.DRIFT, fresh.scenario)
    store.clear()
    for side in ("reference", "current"):
        path = folder / f"example_{side}.csv"
        samples_inputs.remember_sample(fresh, side, path.name, path.read_bytes())
    store[samples_inputs.EXAMPLE_SIDES] = {"reference", "current"}


EXAMPLE_LOADERS: dict[str, Callable[[Session], None]] = {
    "slow_iteration": runs_inputs.load_example,
    "production_underperformance": load_production_example,
    "data_access": requests_inputs.load_example,
}
