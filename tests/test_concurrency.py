"""Several people on one server at once: no session ever sees another session's inputs.

Each thread drives its own AppTest (its own ``st.session_state``) in this one process, so module
globals, ``st.cache_resource`` / ``st.cache_data`` objects and ``lru_cache`` results are shared
exactly as they are between browser tabs on a real server. A barrier makes the sessions interact
at the same time. Every session types values no other session uses (stage hours, a note, a plan
title, a choice of answer) and afterwards holds only its own.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from unittest.mock import MagicMock

import pytest
from streamlit import config
from streamlit.components.v2.component_manager import BidiComponentManager
from streamlit.runtime import Runtime
from streamlit.runtime.caching.storage.dummy_cache_storage import MemoryCacheStorageManager
from streamlit.runtime.dataframe_source_manager import DataframeSourceManager
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test
from streamlit.testing.v1.util import build_mock_config_get_option

from triage.engine import walk
from triage.examples import iteration_example_runs, stage_table_from
from triage.playbook import load_catalogue
from ui.kinds.runs.inputs import _example as cached_example  # the st.cache_resource shared by all

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60
# 12 in the suite; benchmarks/bench_sessions.py runs the same test with 30 (TRIAGE_SESSIONS).
SESSIONS = int(os.environ.get("TRIAGE_SESSIONS", "12"))
BOOKS = load_catalogue().playbooks
# Session i follows plan i % 4: type the iteration table, or load one of three worked examples.
KINDS = ("typed_iteration", "production_underperformance", "data_access", "slow_iteration")


@pytest.fixture
def one_server(monkeypatch):
    return share_one_runtime(monkeypatch)


def share_one_runtime(monkeypatch: pytest.MonkeyPatch):
    """One runtime for every session, as on a real server (also used by benchmarks/bench_sessions.py).

    AppTest is written for one session at a time: each run installs its own mock Runtime as the
    process-wide instance, clears it when done and patches ``config.get_option`` around the run.
    With runs overlapping in threads, one run's clean-up would pull the runtime out from under
    another; and each run compiles the page scripts afresh, which on CPython 3.11 races in the AST
    module ("AST constructor recursion depth mismatch"). So the whole test shares one runtime, one
    config patch, one component registry and one script cache (compiling under its lock), as a
    real server does. The app's own shared state (module globals, st.cache_resource /
    st.cache_data, lru_cache) is untouched.
    """
    runtime = MagicMock(spec=Runtime)
    runtime.media_file_mgr = MediaFileManager(MemoryMediaFileStorage("/mock/media"))
    runtime.dataframe_source_mgr = DataframeSourceManager()
    runtime.cache_storage_manager = MemoryCacheStorageManager()
    components = BidiComponentManager()
    components.discover_and_register_components(start_file_watching=False)
    runtime.bidi_component_registry = components
    # A server scans the installed packages for components once, at start; each AppTest would
    # scan them again on its first run (~60 ms of CPU per new session that no browser tab pays).
    monkeypatch.setattr(components, "discover_and_register_components", lambda **_: None)
    monkeypatch.setattr(app_test, "BidiComponentManager", lambda: components)
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: runtime))
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    monkeypatch.setattr(config, "get_option", build_mock_config_get_option({"global.appTest": True}))
    monkeypatch.setattr(app_test, "patch_config_options", lambda overrides: contextlib.nullcontext())
    scripts = ScriptCache()
    monkeypatch.setattr(app_test, "ScriptCache", lambda: scripts)
    return runtime


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _marker(i: int) -> str:
    return f"session-{i:02d}-marker"


def _answer_open_question(at: AppTest, scenario: str, i: int) -> tuple[str, str]:
    """Pick option i mod n on the open question, write a note, confirm; returns (node, option)."""
    model = at.session_state["sessions"][scenario]
    node = walk(BOOKS[scenario], model.answers).current
    assert node is not None, f"{scenario} has no open question"
    option = node.options[i % len(node.options)].id
    prefix = f"{scenario}:{at.session_state['widget_version'][scenario]}"
    at.radio(key=f"{prefix}:open:{node.id}").set_value(option)
    at.text_input(key=f"{prefix}:note:{node.id}").input(f"note {_marker(i)}")
    _ok(at.run())
    _ok(at.button(key=f"{prefix}:confirm:{node.id}").click().run())
    return node.id, option


def _drive(i: int, barrier: threading.Barrier, results: dict,
           latencies: list[tuple[str, float]]) -> None:
    kind = KINDS[i % len(KINDS)]
    scenario = "slow_iteration" if kind == "typed_iteration" else kind
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)

    def step(action, phase: str) -> None:
        started = time.perf_counter()
        action()
        latencies.append((phase, time.perf_counter() - started))

    step(lambda: _ok(at.run()), "first visit")
    barrier.wait()  # everyone has a session; from here on they interact at the same time
    expected: dict = {"scenario": scenario, "title": f"Plan of {_marker(i)}"}
    if kind == "typed_iteration":
        step(lambda: _ok(at.switch_page("pages/iteration.py").run()), "inputs")
        at.session_state["slow_iteration:0:table"] = {
            "edited_rows": {"0": {"hours": 100.0 + i}}, "added_rows": [], "deleted_rows": []}
        step(lambda: _ok(at.run()), "inputs")
        expected["hours"] = 100.0 + i
    else:
        step(lambda: _ok(at.button(key=f"example:{kind}").click().run()), "inputs")
        expected["answer"] = _answer_open_question(at, scenario, i)
    barrier.wait()  # all inputs typed; now everyone names their plan at once
    step(lambda: _ok(at.switch_page("pages/plan.py").run()), "plan")
    title = next(t for t in at.text_input if t.label == "Plan title")
    step(lambda: _ok(title.input(expected["title"]).run()), "plan")
    barrier.wait()  # nobody re-reads state until everyone has written theirs
    step(lambda: _ok(at.switch_page("pages/home.py").run()), "home again")
    results[i] = (expected, at)


def test_simultaneous_sessions_keep_their_own_inputs(one_server):
    barrier = threading.Barrier(SESSIONS, timeout=5 * TIMEOUT)
    results: dict[int, tuple[dict, AppTest]] = {}
    errors: dict[int, BaseException] = {}
    latencies: list[tuple[str, float]] = []

    def run(i: int) -> None:
        try:
            _drive(i, barrier, results, latencies)
        except BaseException as exc:  # reported below with the session number
            errors[i] = exc
            barrier.abort()  # release the others instead of leaving them waiting

    threads = [threading.Thread(target=run, args=(i,), name=f"session-{i}") for i in range(SESSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10 * TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a session hung"
    first_error = next((e for e in errors.values() if not isinstance(e, threading.BrokenBarrierError)),
                       None)
    assert not errors, f"sessions failed: {sorted(errors)}: {first_error!r}"
    assert sorted(results) == list(range(SESSIONS))

    for i, (expected, at) in results.items():
        sessions = at.session_state["sessions"]
        scenario = expected["scenario"]
        assert set(sessions) == {scenario}, f"session {i} holds other scenarios: {set(sessions)}"
        model = sessions[scenario]
        assert model.title == expected["title"], (i, model.title)
        if "hours" in expected:
            assert model.inputs["stage_table"][0]["hours"] == expected["hours"], i
            assert model.answers == {}, (i, model.answers)
        else:
            node, option = expected["answer"]
            assert model.answers == {node: option}, (i, model.answers)
            assert model.notes == {node: f"note {_marker(i)}"}, (i, model.notes)
        # No other session's marker or typed hours anywhere in this session's model.
        text = repr(model)
        for j in range(SESSIONS):
            if j != i:
                assert _marker(j) not in text, f"session {i} holds data typed in session {j}"
        others = {100.0 + j for j in range(SESSIONS) if j != i}
        if scenario == "slow_iteration":
            hours = {row["hours"] for row in model.inputs["stage_table"]}
            assert not hours & others, f"session {i} holds hours typed in another session"

    # The server-wide cached worked example was not changed by anyone's typing.
    assert stage_table_from(cached_example()) == stage_table_from(iteration_example_runs())
    assert cached_example().per_run.equals(iteration_example_runs().per_run)
    def p95(seconds: list[float]) -> float:
        ordered = sorted(seconds)
        return ordered[int(0.95 * (len(ordered) - 1))] * 1000

    print(f"{SESSIONS} sessions, {len(latencies)} interactions, "
          f"p95 {p95([s for _, s in latencies]):.0f} ms under load")
    phases = dict.fromkeys(phase for phase, _ in latencies)
    print("by phase: " + ", ".join(
        f"{phase} p95 {p95([s for p, s in latencies if p == phase]):.0f} ms" for phase in phases))
