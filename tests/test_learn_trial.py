"""Learn: try a playbook before installing it (issue 14, part 3).

An uploaded YAML goes through the validator; a broken one shows its problems by node and field
and changes nothing else; a valid one is browsed, walked and planned in this tab only.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_text import shown, texts
from triage.playbook import PLAYBOOK_DIR, PlaybookError, load_catalogue, load_playbook_bytes
from ui.trial_view import TRIAL, trial_markdown

ROOT = Path(__file__).resolve().parent.parent
UPLOAD = "learn:trial:file"

VALID = textwrap.dedent("""\
    id: notebook_sprawl
    version: 1
    title: Notebooks eat the GPU pool
    summary: Find out whether idle notebooks hold the GPUs the training jobs wait for.
    scenario: iteration
    start: idle
    nodes:
      - id: idle
        type: question
        question: Do notebooks sit idle on GPUs for hours?
        why: An idle notebook holds a GPU that a queued job could use.
        options:
          - {id: often, label: Most afternoons, next: idle_found}
          - {id: rarely, label: Hardly ever, next: not_idle}
      - id: idle_found
        type: finding
        finding: Idle notebooks hold the GPUs
        why: The queue waits on GPUs nobody is using.
        actions: [idle_shutdown, shared_pool]
      - id: not_idle
        type: finding
        finding: Notebooks are not the problem
        why: The GPUs are busy with real work.
        actions: [shared_pool]
    actions:
      - id: idle_shutdown
        title: Stop notebooks idle for two hours
        kind: quick_win
        effort_days: [1, 2]
        description: A culling job stops kernels idle for two hours.
        tradeoffs: Someone loses an unsaved variable now and then.
        wont_fix: A pool that is too small for the real work.
      - id: shared_pool
        title: Agree a shared GPU pool with the platform team
        kind: cross_team
        effort_days: [5, 15]
        description: One pool for notebooks and jobs, with quotas per team.
        tradeoffs: A negotiation and a quota to maintain.
        wont_fix: Jobs that are slow once they run.
    """)
# Three faults of three kinds: an unknown next node, a missing field, a wrong type.
BROKEN = (VALID.replace("next: not_idle}", "next: nowhere}")
          .replace("    why: The queue waits on GPUs nobody is using.\n", "")
          .replace("effort_days: [1, 2]", "effort_days: two days"))


def upload(at: AppTest, name: str, text: str) -> AppTest:
    uploader = next(u for u in at.file_uploader if u.key.startswith(UPLOAD))
    uploader.set_value((name, text.encode(), "application/x-yaml")).run()
    assert not at.exception
    return at


def learn(app: AppTest) -> AppTest:
    app.switch_page("pages/learn.py").run()
    assert not app.exception
    return app


def trial_errors(at: AppTest) -> str:
    """The error shown for the upload (the communication guide's "not this" lines are errors too)."""
    return "\n".join(shown(e.value) for e in at.error if "cannot be tried" in shown(e.value))


def scenario_sessions(at: AppTest) -> dict:
    return at.session_state.get("sessions", {})


def playbook_files() -> list[tuple[str, int]]:
    return sorted((p.name, p.stat().st_mtime_ns) for p in PLAYBOOK_DIR.iterdir())


def test_the_test_playbooks_are_what_they_claim():
    assert load_playbook_bytes(VALID.encode()).id == "notebook_sprawl"
    with pytest.raises(PlaybookError) as caught:
        load_playbook_bytes(BROKEN.encode())
    assert len(caught.value.problems) == 4  # the lost branch is also unreachable


def test_broken_yaml_shows_the_validators_messages_and_breaks_nothing(app):
    app.switch_page("pages/iteration.py").run()
    working = app.session_state["sessions"]["slow_iteration"]
    working.answer("know_loop", "rough")  # the meeting's work in progress on a scenario
    before = playbook_files()
    learn(app)
    upload(app, "notebook_sprawl.yaml", BROKEN)

    shown_error = trial_errors(app)
    assert "4 problems, by node and field" in shown_error
    with pytest.raises(PlaybookError) as caught:
        load_playbook_bytes(BROKEN.encode(), "notebook_sprawl.yaml")
    for problem in caught.value.problems:  # exactly the validator's, each with node and field
        assert f"**{problem.node}** · `{problem.field}`: {problem.message}" in shown_error
    assert "**idle** · `options.rarely.next`: unknown next node 'nowhere'" in shown_error
    assert "**idle_found** · `why`: is required" in shown_error
    assert ("**actions.idle_shutdown** · `effort_days`: must be a list of two numbers"
            in shown_error)
    assert all("Do notebooks sit idle" not in c.proto.spec for c in app.get("graphviz_chart"))
    assert TRIAL in app.session_state and app.session_state[TRIAL].book is None

    # Nothing else moved: the installed playbooks, the other tabs, the scenario session.
    assert playbook_files() == before
    assert "notebook_sprawl" not in load_catalogue().playbooks
    assert "notebook_sprawl" not in app.selectbox(key="learn:playbook").options
    assert app.session_state["sessions"]["slow_iteration"].answers == {"know_loop": "rough"}
    assert list(app.session_state["sessions"]) == ["slow_iteration"]
    app.switch_page("pages/iteration.py").run()
    assert not app.exception
    assert "Model iteration is too slow" in [t.value for t in app.title]


def test_bad_yaml_syntax_is_reported_not_raised(app):
    learn(app)
    upload(app, "half.yaml", "id: half\nnodes: [\n")
    assert "half.yaml" in trial_errors(app) and "not valid YAML" in trial_errors(app)


def test_a_valid_playbook_is_browsed_walked_planned_and_exported(app):
    before = playbook_files()
    learn(app)
    upload(app, "notebook_sprawl.yaml", VALID)
    assert not trial_errors(app)
    page = texts(app)
    assert "Notebooks eat the GPU pool" in page
    assert "Walked here without numbers" in page
    assert "Once the file is installed in playbooks/, the team's stage times feed" in page
    assert "Trying a changed version" not in page

    # Browse: its tree is drawn and any step can be looked at.
    def tried_tree() -> str:
        return next(c.proto.spec for c in app.get("graphviz_chart") if '"idle" -> ' in c.proto.spec)

    unwalked = tried_tree()
    assert '"idle" -> "idle_found" [label="Most afternoons"]' in unwalked
    step = next(s for s in app.selectbox if s.key.endswith(":notebook_sprawl:node"))
    step.set_value("idle_found").run()
    assert "The queue waits on GPUs nobody is using." in texts(app)

    # Walk: its answer, then its finding; the preview lists the finding's actions by kind.
    open_question = next(r for r in app.radio if r.key.endswith(":open:idle"))
    assert open_question.options == ["Most afternoons", "Hardly ever"]
    open_question.set_value("often").run()
    next(b for b in app.button if b.key.endswith(":confirm:idle")).click().run()
    assert not app.exception
    page = texts(app)
    assert "Idle notebooks hold the GPUs" in page
    assert tried_tree() != unwalked  # the walked path is drawn on its tree
    assert "Stop notebooks idle for two hours" in page
    assert "Agree a shared GPU pool with the platform team" in page
    assert "Open the full plan" not in page  # the Action plan page knows nothing of it
    tried = app.session_state[TRIAL]
    assert tried.session.answers == {"idle": "often"}

    markdown = trial_markdown(tried)
    assert markdown.startswith("# Notebooks eat the GPU pool")
    assert "**Finding:** Idle notebooks hold the GPUs" in markdown
    assert "Stop notebooks idle for two hours" in markdown
    assert "Agree a shared GPU pool with the platform team" in markdown

    # Never installed: no file, not in the catalogue, no scenario session for it.
    assert playbook_files() == before
    assert "notebook_sprawl" not in load_catalogue().playbooks
    assert "notebook_sprawl" not in app.selectbox(key="learn:playbook").options
    assert "notebook_sprawl" not in scenario_sessions(app)

    # A second browser tab on the same server sees none of it.
    other = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    other.run()
    learn(other)
    assert TRIAL not in other.session_state
    assert "Notebooks eat the GPU pool" not in texts(other)
    assert "notebook_sprawl" not in other.selectbox(key="learn:playbook").options

    # Switching pages and back keeps the walk; "Stop trying" ends it.
    app.switch_page("pages/home.py").run()
    learn(app)
    assert "Idle notebooks hold the GPUs" in texts(app)
    app.button(key="learn:trial:stop").click().run()
    assert TRIAL not in app.session_state and "Notebooks eat the GPU pool" not in texts(app)
    upload(app, "notebook_sprawl.yaml", VALID)  # the same file again starts a fresh walk
    assert app.session_state[TRIAL].session.answers == {}
    assert any(r.key.endswith(":open:idle") for r in app.radio)
    next(u for u in app.file_uploader if u.key.startswith(UPLOAD)).clear().run()
    assert TRIAL not in app.session_state  # removing the file from the uploader ends it too


def test_a_changed_version_of_an_installed_playbook_never_replaces_it(app):
    installed = load_catalogue().playbooks["gpu_quota"]
    changed = (PLAYBOOK_DIR / "gpu_quota.yaml").read_text(encoding="utf-8").replace(
        f"title: {installed.title}", "title: GPU quota, rewritten")
    assert "GPU quota, rewritten" in changed
    learn(app)
    upload(app, "gpu_quota.yaml", changed)
    page = texts(app)
    assert f"Trying a changed version of {installed.title}" in page.replace("**", "")
    assert "GPU quota, rewritten" in page

    # The installed one stays: in this tab's tree list and scenario sessions, and for others.
    tree = app.selectbox(key="learn:playbook")
    tree.set_value("gpu_quota").run()
    assert installed.summary in texts(app)
    assert app.session_state[TRIAL].book.title == "GPU quota, rewritten"
    assert "gpu_quota" not in scenario_sessions(app)
    other = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    other.run()
    learn(other)
    other.selectbox(key="learn:playbook").set_value("gpu_quota").run()
    assert "GPU quota, rewritten" not in texts(other)
    assert load_catalogue().playbooks["gpu_quota"].title == installed.title
