"""Routers: playbooks that find out which scenario a problem belongs to, and hand over to it.

A router (``scenario: router``) has no numbers. Its hand-over findings name the playbook they
open (``opens``); its other findings, such as a decision nobody makes, recommend process actions
that a plan lists without an hours estimate, because nothing was measured to size them.
"""

from __future__ import annotations

from triage.engine import walk
from triage.plan import Estimate, Plan, PlanAction, build_plan
from triage.playbook import Action, Playbook
from triage.session import Session


def _titles(items: list[PlanAction]) -> str:
    return "; ".join(item.action.title for item in items)


class RouterImpact:
    """Process steps: listed and ranked by effort, never given an impact number."""

    def estimate(self, actions: list[Action]) -> Estimate | None:
        return None

    def confidence(self, action: Action) -> tuple[str, str]:
        return ("medium", "a process step from experience; its effect depends on the people "
                          "named agreeing to it, and nothing here was measured")

    def evidence(self, action: Action) -> str:
        return ""

    def summary(self, quick: list[PlanAction], cross: list[PlanAction], plan: Plan) -> list[str]:
        if not plan.complete:
            return ["Where the problem is has not been settled yet: answer the questions first.",
                    "No actions yet.", "Nothing on this path needs another team yet."]
        if not plan.actions:
            return [f"Where the problem is: {plan.finding_title}.",
                    "The actions come from that playbook's walk, with the goal carried over.",
                    "Nothing is planned here."]
        return [f"Where the problem is: {plan.finding_title}.",
                f"This week, the team alone: {_titles(quick)}." if quick
                else "No quick wins on this path.",
                f"With the other teams' agreement: {_titles(cross)}." if cross
                else "Nothing on this path needs another team."]

    def partner_terms(self, plan: Plan) -> str | None:
        metric = plan.goal.key_metric
        if not metric or not plan.actions:
            return None
        return (f"None of this moves {metric} by itself: it gets a dated decision, so the work "
                "that can move it starts, or stops, on purpose.")

    def assumptions(self) -> list[str]:
        return ["These are process steps: their benefit is a decision made by a date, not hours "
                "saved, so the plan gives no impact range for them.",
                "Effort is person-days of focused work, meetings included, not calendar time."]

    def not_promised(self) -> list[str]:
        return ["A named owner and a written record make a decision possible by a date; they do "
                "not make it the right decision.",
                "No infrastructure change is sized here; once decided, walk the scenario "
                "playbook that fits for that."]


def router_plan(book: Playbook, session: Session) -> Plan:
    return build_plan(book, session, walk(book, session.answers), RouterImpact())
