"""Warm rerun latency of every page, via AppTest: the iteration page (worked example loaded) under
a mix of interactions, the plan page and each other page.

Each timed interaction is one ``AppTest.run()``: the whole script rerun (frame, page, charts) plus
AppTest's own overhead of building the element tree, which a browser session does not pay.

    python benchmarks/bench_interaction.py [--interactions 60] [--plan-reruns 20] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable

from _common import APP, check, emit, latency_ms, table
from streamlit.testing.v1 import AppTest

from triage.playbook import PLAYBOOK_DIR, Playbook, load_playbook

TARGET_P95_MS = 150.0
WARMUP_RERUNS = 3
IPM_VALUES = (13.0, 20.0, 8.0, 12.0)  # iterations per month, as people try them
SPEEDUPS = (2.0, 1.5, 3.0, 1.0)  # what-if factors for the biggest stage
PLAYBOOK_ID = "slow_iteration"
WHATIF_STAGE = "data"  # the example's bottleneck; its slider comes first


def _ok(at: AppTest) -> AppTest:
    if at.exception:
        raise RuntimeError(f"the app raised: {at.exception[0].message}")
    return at


def start_app() -> AppTest:
    """Home page, then 'Load a worked example', which switches to the iteration page."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    _ok(at.run())
    _ok(at.button(key=f"example:{PLAYBOOK_ID}").click().run())
    if at.title[0].value != "Model iteration is too slow":
        raise RuntimeError(f"expected the iteration page, got {at.title[0].value!r}")
    return at


def _confirm_button(at: AppTest):
    return next((b for b in at.button if b.label == "Confirm answer" and not b.disabled), None)


def _open_choice(at: AppTest):
    """The open question's radio while nothing is chosen yet."""
    return next((r for r in at.radio if r.label == "Your answer" and r.value is None), None)


def _first_option(book: Playbook, radio_key: str) -> str:
    """The radio shows labels; AppTest sets raw option ids (the key ends with the node id)."""
    return book.node(radio_key.rsplit(":", 1)[1]).options[0].id


def _whatif_slider(at: AppTest):
    return next(s for s in at.select_slider if s.key.endswith(f":whatif:{WHATIF_STAGE}"))


def _interactions(at: AppTest) -> itertools.cycle:
    """The realistic mix, in turn: rerun, confirm the open question, iterations/month, what-if."""
    ipm, speedup = itertools.cycle(IPM_VALUES), itertools.cycle(SPEEDUPS)
    book = load_playbook(PLAYBOOK_DIR / f"{PLAYBOOK_ID}.yaml")

    def confirm() -> tuple[str, AppTest]:
        button = _confirm_button(at)
        if button is not None:
            return "confirm answer", button.click().run()
        choice = _open_choice(at)
        if choice is not None:  # no suggestion from the numbers: the room picks an answer first
            return "pick answer", choice.set_value(_first_option(book, choice.key)).run()
        return "rerun", at.run()  # the walk reached a finding

    return itertools.cycle([
        lambda: ("rerun", at.run()),
        confirm,
        lambda: ("iterations/month", _ipm_input(at).set_value(next(ipm)).run()),
        lambda: ("what-if slider", _whatif_slider(at).set_value(next(speedup)).run()),
    ])


def _ipm_input(at: AppTest):
    return next(n for n in at.number_input if n.label == "Iterations per month")


def _time(action: Callable[[], tuple[str, AppTest]]) -> tuple[str, float]:
    start = time.perf_counter()
    kind, at = action()
    elapsed = time.perf_counter() - start
    _ok(at)
    return kind, elapsed


def bench_iteration_page(at: AppTest, count: int) -> dict[str, list[float]]:
    for _ in range(WARMUP_RERUNS):
        _ok(at.run())
    samples: dict[str, list[float]] = {}
    actions = _interactions(at)
    for _ in range(count):
        kind, elapsed = _time(next(actions))
        samples.setdefault(kind, []).append(elapsed)
    return samples


def bench_plan_page(at: AppTest, count: int) -> list[float]:
    _ok(at.switch_page("pages/plan.py").run())
    if at.title[0].value != "Action plan":
        raise RuntimeError(f"expected the plan page, got {at.title[0].value!r}")
    for _ in range(WARMUP_RERUNS):
        _ok(at.run())
    return [_time(lambda: ("rerun", at.run()))[1] for _ in range(count)]


# The other scenario pages: warm reruns with their worked example loaded, then one answer.
# "scenario page" is the page every playbook without a file of its own gets (GPU quota here).
OTHER_PAGES = {"production page": "production_underperformance", "access page": "data_access",
               "router page": None, "scenario page": None, "home page": None,
               "review page": None, "learn page": None}
EXPECTED_TITLES = {"production page": "A launched model underperforms in production",
                   "access page": "Data access is blocked by approvals, ACLs or governance",
                   "router page": "Not sure where the problem is?",
                   "scenario page": "A partner asks for more GPU quota",
                   "home page": "ML triage playbook",
                   "review page": "Review saved plans", "learn page": "Learn the playbooks"}


def bench_other_page(at: AppTest, name: str, playbook_id: str | None, count: int) -> list[float]:
    if playbook_id:
        _ok(at.switch_page("pages/home.py").run())
        _ok(at.button(key=f"example:{playbook_id}").click().run())
    # AppTest reruns the page it last switched to, not one a button switched to: name it.
    _ok(at.switch_page(f"pages/{name.split()[0]}.py").run())
    if playbook_id and (button := _confirm_button(at)) is not None:
        _ok(button.click().run())
    for _ in range(WARMUP_RERUNS):
        _ok(at.run())
    if at.title[0].value != EXPECTED_TITLES[name]:
        raise RuntimeError(f"expected the {name}, got {at.title[0].value!r}")
    return [_time(lambda: ("rerun", at.run()))[1] for _ in range(count)]


def run(interactions: int, plan_reruns: int) -> dict:
    at = start_app()
    by_kind = bench_iteration_page(at, interactions)
    plan = latency_ms(bench_plan_page(at, plan_reruns))
    everything = latency_ms([s for samples in by_kind.values() for s in samples])
    others = {name: latency_ms(bench_other_page(at, name, playbook_id, plan_reruns))
              for name, playbook_id in OTHER_PAGES.items()}
    return {
        "iteration_page": everything,
        "iteration_page_by_kind": {kind: latency_ms(s) for kind, s in by_kind.items()},
        "plan_page": plan,
        "other_pages": others,
        "checks": [
            check("iteration page rerun p95", everything["p95_ms"], TARGET_P95_MS, "ms"),
            check("plan page rerun p95", plan["p95_ms"], TARGET_P95_MS, "ms"),
            *(check(f"{name} rerun p95", stats["p95_ms"], TARGET_P95_MS, "ms")
              for name, stats in others.items()),
        ],
    }


def details(result: dict) -> str:
    rows = [["iteration page, all", *_stats(result["iteration_page"])]]
    rows += [[f"  {kind}", *_stats(stats)]
             for kind, stats in result["iteration_page_by_kind"].items()]
    rows.append(["plan page, rerun", *_stats(result["plan_page"])])
    rows += [[f"{name}, rerun", *_stats(stats)] for name, stats in result["other_pages"].items()]
    return table(["interaction", "n", "p50 ms", "p95 ms", "max ms"], rows)


def _stats(stats: dict) -> list:
    return [stats["n"], stats["p50_ms"], stats["p95_ms"], stats["max_ms"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interactions", type=int, default=60,
                        help="timed interactions on the iteration page (default 60)")
    parser.add_argument("--plan-reruns", type=int, default=20,
                        help="timed reruns of the plan page (default 20)")
    parser.add_argument("--json", action="store_true", help="print a JSON dict")
    args = parser.parse_args()
    result = run(args.interactions, args.plan_reruns)
    emit(result, args.json, details(result))


if __name__ == "__main__":
    main()
