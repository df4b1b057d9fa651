"""How the data-access scenario turns recommended actions into hours of waiting saved.

A request's time to access is the sum of its stages' median waits, so the slow-iteration Amdahl
machinery applies unchanged: an action shortens one stage's wait by a plausible factor, several
actions compound, and hours saved per request times requests per month gives the range. What
changes is the wording: requests and waits, not iterations and lead time.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.access import AccessAnalysis
from triage.engine import walk
from triage.iteration_plan import IterationImpact
from triage.plan import Estimate, Plan, PlanAction, build_plan
from triage.playbook import Playbook
from triage.session import Session


@dataclass
class AccessImpact(IterationImpact):
    access: AccessAnalysis | None = None

    whole = "the time to access"
    runs_noun = "requests"

    def summary(self, quick: list[PlanAction], cross: list[PlanAction], plan: Plan) -> list[str]:
        analysis = self.analysis
        if not analysis.has_data:
            return [
                "We do not know yet where access requests wait: no request log or typed request.",
                "Start by writing down one recent request's dates, or export the request log.",
                f"{len(quick)} quick wins and {len(cross)} cross-team items are listed, unranked.",
            ]
        top = analysis.bottleneck
        end_to_end = self.access.time_to_access.median_hours if self.access else None
        if analysis.runs > 1 and end_to_end is not None:
            first = (f"Getting access takes a median of {end_to_end / 24:.1f} days from request "
                     f"to first use ({analysis.runs:,} requests)")
        else:
            first = (f"A typical request waits about {analysis.iteration_hours / 24:.1f} days "
                     "from request to first use")
        lines = [f"{first}; {top.label.lower()} is {top.share:.0%} of a typical request's wait."]
        live_quick = [a for a in quick if a.status != "dropped"]
        lines.append(self._saving_line("the quick wins", live_quick))
        live_cross = [a for a in cross if a.status != "dropped"]
        lines.append(self._saving_line("the cross-team work as well", plan.active)
                     if live_cross else "No cross-team work on this path: the team can act alone.")
        return lines

    def estimate(self, actions):
        """Waiting saved across all requests in a month, in request-days (hours would read as
        thousands and invite comparison with people's working time)."""
        hours = super().estimate(actions)
        if hours is None:
            return None
        return Estimate(hours.low / 24, hours.high / 24, "request-days/month")

    def _saving_line(self, what: str, items: list[PlanAction]) -> str:
        saved = self.saved_per_iteration([a.action for a in items])
        if saved is None:
            return f"With {what}: not measurable in hours; their value is in safer, clearer access."
        low, high = saved
        per_month = self.iterations_per_month
        return (f"With {what}: {low:.1f}–{high:.1f} h less waiting per request, about "
                f"{low * per_month / 24:.0f}–{high * per_month / 24:.0f} request-days a month "
                f"over {per_month:.0f} requests.")

    def assumptions(self) -> list[str]:
        clock = "business hours" if self.access and self.access.clock.business else "calendar hours"
        return [
            "Each action's effect is its playbook speed-up range applied to the measured median "
            "wait of its stage; the ranges are experience, not measurements of your process.",
            f"Waits are counted in {clock}; open requests wait until the as-of date.",
            f"{self.iterations_per_month:g} requests per month.",
            "Hours saved are waiting time of the people who asked, not approvers' working time.",
        ]

    def not_promised(self) -> list[str]:
        return [
            "Faster access never means fewer controls: every action keeps approval and audit.",
            "Approvers' decisions (and denials) are theirs to make; the plan shortens waiting, "
            "not the review itself.",
            "Re-measure with a new request log before counting the savings.",
        ]


def access_plan(book: Playbook, session: Session, access: AccessAnalysis,
                requests_per_month: float) -> Plan:
    model = AccessImpact(access.as_iteration(), requests_per_month, access=access)
    return build_plan(book, session, walk(book, session.answers), model)
