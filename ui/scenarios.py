"""The worked examples a scenario can load, by playbook id (each rests on that playbook's data)."""

from __future__ import annotations

from collections.abc import Callable

from triage.session import Session
from ui import access_inputs, iteration_inputs, production_inputs

EXAMPLE_LOADERS: dict[str, Callable[[Session], None]] = {
    "slow_iteration": iteration_inputs.load_example,
    "production_underperformance": production_inputs.load_example,
    "data_access": access_inputs.load_example,
}
