"""The router: 'not sure where the problem is?' hands over to the right scenario with the goal,
and a decision nobody makes ends in its own plan."""

from __future__ import annotations

import shutil

import pytest
import yaml

from tests.page_text import texts
from triage.cli import main as cli_main
from triage.engine import walk
from triage.export import plan_markdown
from triage.playbook import PLAYBOOK_DIR, PlaybookError, load_catalogue, parse_playbook
from triage.router import router_plan
from triage.session import Goal, Session

CATALOGUE = load_catalogue()
ROUTER = CATALOGUE.playbooks["not_sure"]
GOAL = {"business_goal": "Launch the fraud model before the audit",
        "pain": "We keep waiting and nobody can say on what",
        "key_metric": "Fraud caught per 1,000 orders",
        "participants": "Lena (data scientist), Omar (ML infra)"}

# pain answer -> the playbook whose page opens and whose session carries the goal
ROUTES = {
    "iteration": "slow_iteration",
    "production": "production_underperformance",
    "data_access": "data_access",
    # gpu_quota has no page file of its own: it runs on the page every other playbook gets
    "compute": "gpu_quota",
}


def test_each_pain_but_the_decision_hands_over_to_its_playbook():
    walks = {option.id: walk(ROUTER, {"where_it_hurts": option.id})
             for option in ROUTER.node("where_it_hurts").options}
    opened = {pain: done.finding.opens for pain, done in walks.items() if done.finding}
    assert opened == {"iteration": "slow_iteration", "production": "production_underperformance",
                      "data_access": "data_access", "compute": "gpu_quota"}
    assert walks["decision"].current.id == "what_blocks"  # its own questions, no hand-over


def _router_session(**answers: str) -> Session:
    session = Session(scenario="not_sure", playbook_version=ROUTER.version,
                      answers={"where_it_hurts": "decision", **answers}, goal=Goal(**GOAL))
    return session


@pytest.mark.parametrize("cause, finding", [("no_owner", "no_owner"),
                                             ("no_evidence", "no_evidence"),
                                             ("reopened", "reopened")])
def test_a_decision_nobody_makes_ends_in_decision_findings_not_infrastructure(cause, finding):
    session = _router_session(what_blocks=cause)
    plan = router_plan(ROUTER, session)
    assert walk(ROUTER, session.answers).finding.id == finding
    ids = [a.id for a in plan.actions]
    assert "write_decision_record" in ids and "agree_daci_roles" in ids
    assert all(a.action.stage == "" and a.action.component == "" for a in plan.actions)
    assert all(a.impact is None for a in plan.actions)  # nothing measured: no hours promised
    assert plan.combined == {"quick_win": None, "all": None}


def test_the_decision_plan_exports_its_daci_actions_to_markdown():
    session = _router_session(what_blocks="no_owner")
    text = plan_markdown(router_plan(ROUTER, session))
    assert "The decision has no owner; name one before anyone builds anything" in text
    for title in ("Name one decision owner with a deadline", "Write a one-page decision record",
                  "Agree DACI roles for the decision"):
        assert title in text
    for role in ("Driver", "Approver", "Contributors", "Informed"):
        assert role in text
    assert "Launch the fraud model before the audit" in text  # the goal heads it
    assert "None of this moves Fraud caught per 1,000 orders by itself" in text


def test_goal_fills_only_blank_fields():
    typed = Goal(business_goal="typed on the page")
    carried = typed.filled_from(Goal(**GOAL))
    assert carried.business_goal == "typed on the page"
    assert carried.key_metric == GOAL["key_metric"]


# -- validator -------------------------------------------------------------------------------

def _raw_router() -> dict:
    return yaml.safe_load((PLAYBOOK_DIR / "not_sure.yaml").read_text())


def _node(raw: dict, node_id: str) -> dict:
    return next(n for n in raw["nodes"] if n["id"] == node_id)


def test_an_unknown_opens_is_a_problem_naming_node_and_field(tmp_path):
    for path in PLAYBOOK_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    raw = _raw_router()
    _node(raw, "open_access")["opens"] = "data_acess"
    (tmp_path / "not_sure.yaml").write_text(yaml.safe_dump(raw))
    catalogue = load_catalogue(tmp_path)
    assert "not_sure" not in catalogue.playbooks
    assert {"slow_iteration", "data_access", "gpu_quota"} <= set(catalogue.playbooks)
    [problem] = catalogue.broken["not_sure.yaml"]
    assert (problem.node, problem.field) == ("open_access", "opens")
    assert "unknown playbook 'data_acess'" in problem.message and "data_access" in problem.message


def test_the_cli_checks_opens_against_the_folder(tmp_path, capsys):
    raw = _raw_router()
    _node(raw, "open_compute")["opens"] = "gpu"
    path = tmp_path / "router.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert cli_main(["validate", str(path)]) == 1
    assert "router.yaml: open_compute: opens: unknown playbook 'gpu'" in capsys.readouterr().out


def test_a_hand_over_with_actions_or_to_itself_is_refused():
    raw = _raw_router()
    _node(raw, "open_iteration")["actions"] = ["write_decision_record"]
    _node(raw, "open_access")["opens"] = "not_sure"
    with pytest.raises(PlaybookError) as err:
        parse_playbook(raw, "not_sure.yaml")
    located = {(p.node, p.field) for p in err.value.problems}
    assert ("open_iteration", "actions") in located and ("open_access", "opens") in located


# -- the app ---------------------------------------------------------------------------------

def _walk_router(at, pain: str):
    at.switch_page("pages/router.py").run()
    for name, value in GOAL.items():
        at.text_input(key=f"not_sure:0:goal:{name}").input(value).run()
    at.radio[0].set_value(pain).run()
    at.button(key="not_sure:0:confirm:where_it_hurts").click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("pain", sorted(ROUTES))
def test_the_router_opens_the_right_page_with_the_goal(app, pain):
    book_id = ROUTES[pain]
    at = _walk_router(app, pain)
    at.button(key=f"router:open:{book_id}").click().run()
    assert not at.exception, at.exception
    book = CATALOGUE.playbooks[book_id]
    assert at.title[0].value == book.title
    session = at.session_state["sessions"][book_id]
    assert session.goal == Goal(**GOAL)
    assert at.session_state["active_scenario"] == book_id
    # the page's goal section shows what was typed on the router
    assert at.text_input(key=f"{book_id}:1:goal:key_metric").value == GOAL["key_metric"]


def test_compute_opens_the_gpu_scenario_with_its_runs_section(app):
    at = _walk_router(app, "compute")
    at.button(key="router:open:gpu_quota").click().run()
    assert not at.exception, at.exception
    assert [h.value for h in at.subheader][:2] == ["1 · Your numbers", "2 · Where the time goes"]
    assert "has no page of its own" not in texts(at)


def test_a_goal_already_typed_in_the_scenario_is_kept(app):
    app.switch_page("pages/access.py").run()
    app.text_input(key="data_access:0:goal:business_goal").input("Typed on the access page").run()
    at = _walk_router(app, "data_access")
    at.button(key="router:open:data_access").click().run()
    goal = at.session_state["sessions"]["data_access"].goal
    assert goal.business_goal == "Typed on the access page"
    assert goal.participants == GOAL["participants"]


def test_the_decision_path_plans_on_the_page_and_on_the_plan_page(app):
    at = _walk_router(app, "decision")
    at.radio[0].set_value("no_owner").run()
    at.button(key="not_sure:0:confirm:what_blocks").click().run()
    assert not at.exception, at.exception
    body = texts(at)
    assert "The decision has no owner; name one before anyone builds anything" in body
    assert "Agree DACI roles for the decision" in body
    at.switch_page("pages/plan.py").run()
    assert not at.exception, at.exception
    assert "Name one decision owner with a deadline" in texts(at)


def test_home_offers_the_router_as_its_own_entry(app):
    # a strip of its own above the scenario cards, not one of them
    entries = [m.value for m in app.markdown]
    assert entries.index("**Not sure where the problem is?**") < entries.index(
        "### Model iteration is too slow")
    assert "### Not sure where the problem is?" not in entries


def test_on_a_hand_over_the_sidebar_does_not_offer_an_empty_plan(app):
    at = _walk_router(app, "data_access")
    captions = [c.value for c in at.sidebar.caption]
    assert "This walk hands over to another scenario; the plan is made there." in captions
    assert not [link for link in at.sidebar.get("page_link")
                if link.proto.label == "Open the action plan"]
    at.button(key="router:open:data_access").click().run()
    assert [link.proto.label for link in at.sidebar.get("page_link")] == ["Open the action plan"]
