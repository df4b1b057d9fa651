"""Combining several actions on one stage without counting the same waste twice.

Each action on a stage removes some waste from one part of that stage's time (waiting, working
or both). Actions that remove the *same* waste — caching features and computing them
incrementally both remove recomputation of unchanged data — share an overlap group in the
playbook, and only the strongest of them counts: once the recomputation is gone, the second fix
has nothing left to remove. Actions in *different* groups remove different wastes and compound,
each acting on what the others leave (factors multiply).

For each bound (0 = every action at its low factor, 1 = at its high factor) the strongest action
of a group is chosen separately, so a group's low end is its best low and its high end its best
high. A stage part keeps 1 / Π k_g of its time, k_g ≥ 1 the group factors: the combined removal
1 − 1 / Π k_g is between 0 and 100% of that part, never more — a factor below 1 (which the
validator refuses) is read as 1, never as adding time.

An action without an ``overlap`` is a group of its own (``Action.overlap_group``), which keeps
playbooks written before groups existed valid; the shipped playbooks name a group for every
action on a stage or gap component.

``combined_speedups`` is the one place the iteration and access what-ifs combine actions
(``IterationImpact._speedups``, inherited by the access plan). The production win-back applies
the same rule to gap components through ``strongest_per_group``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from triage.kinds.runs.analysis import SpeedUp
from triage.playbook import Action


def strongest_per_group(actions: Iterable[Action], measure: Callable[[Action], float | None],
                        key: Callable[[Action], tuple]) -> list[Action]:
    """One action per overlap group: the one with the largest ``measure`` (the first of equals).

    ``key`` says what a group is counted on (its stage and part, or its gap component), so a
    group used on two parts by mistake — which the validator reports — never merges them.
    Actions whose measure is None are left out.
    """
    best: dict[tuple, tuple[Action, float]] = {}
    for action in actions:
        value = measure(action)
        if value is None:
            continue
        group = (*key(action), action.overlap_group)
        if group not in best or value > best[group][1]:
            best[group] = (action, value)
    return [action for action, _ in best.values()]


def _factor(action: Action, bound: int) -> float | None:
    if not action.stage or action.speedup is None:
        return None
    return max(1.0, float(action.speedup[bound]))


def combined_speedups(actions: Iterable[Action], bound: int) -> dict[str, SpeedUp]:
    """Per stage, the speed-up of these actions together at one bound (0 = low, 1 = high).

    Inside an overlap group only the largest factor counts; across groups on a stage the
    factors compound (multiply) on the part of the time each group works on.
    """
    combined: dict[str, SpeedUp] = {}
    for action in strongest_per_group(actions, lambda a: _factor(a, bound),
                                      lambda a: (a.stage, a.affects)):
        factor = _factor(action, bound)
        assert factor is not None  # strongest_per_group keeps only measurable actions
        step = SpeedUp.on(action.affects, factor)
        combined[action.stage] = combined.get(action.stage, SpeedUp()).then(step)
    return combined


def removed_share(speedup: SpeedUp, part: str) -> float:
    """The share of a stage part ("wait" or "active") a combined speed-up removes: 1 − 1/k,
    clipped to [0, 1] — a stage part never loses more than all of its time."""
    factor = speedup.wait if part == "wait" else speedup.active
    if factor <= 1:
        return 0.0
    return min(1.0, 1.0 - 1.0 / factor)
