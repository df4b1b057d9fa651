"""How the data-access scenario turns recommended actions into hours of waiting saved.

Actions shorten one stage's median wait by a plausible factor; the slow-iteration Amdahl
machinery applies unchanged on the four stage medians added up (one typical request's way
through the stages): several actions compound, and hours saved per request times requests per
month gives the range. The plan's headline number is the time to access — one definition, from
``triage.access`` (``time_to_access_text``), the same the page shows — and the sum of stage
medians is never called by that name. What changes from the iteration wording: requests and
waits, not iterations and lead time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from triage.access import (
    DEFAULT_SLAS,
    AccessAnalysis,
    OwnerWait,
    days_text,
    time_to_access_basis,
    time_to_access_label,
    time_to_access_text,
)
from triage.engine import walk
from triage.export import where_lost_charts, with_charts
from triage.iteration import amdahl_ceiling
from triage.iteration_plan import IterationImpact, hours_text
from triage.plan import Estimate, Plan, PlanAction, build_plan
from triage.playbook import Action, Playbook
from triage.session import Session

SAMPLE = "sample values, not the team's"


def owner_wait_text(wait: OwnerWait) -> str:
    """'crm_contacts, median 106 h (4.4 d) to find an owner over 37 requests (1 still waiting,
    4 closed without one)'."""
    median = ("more than " if wait.more_than else "") + (
        f"{hours_text(wait.median_hours)} ({days_text(wait.median_hours)})"
        if wait.median_hours is not None else "unknown")
    extra = [f"{wait.waiting} still waiting"] if wait.waiting else []
    extra += [f"{wait.closed} closed without one"] if wait.closed else []
    return (f"{wait.dataset}, median {median} to find an owner over {wait.requests:,} request"
            f"{'s' if wait.requests != 1 else ''}" + (f" ({', '.join(extra)})" if extra else ""))


def shares_text(analysis: AccessAnalysis) -> str | None:
    """'4% denied, 2% expired, 5% still waiting' (None for a typed request or without shares)."""
    shares = analysis.shares
    parts = [f"{share:.0%} {what}" for share, what in ((shares.denied, "denied"),
                                                        (shares.expired, "expired"),
                                                        (shares.pending, "still waiting"))
             if share is not None]
    if analysis.source != "log" or not parts:
        return None
    return ", ".join(parts)


def requests_per_month_basis(access: AccessAnalysis, requests_per_month: float,
                             prefilled: tuple[str, ...] | list[str]) -> str:
    """Where the requests-per-month figure comes from, in words for the plan."""
    from_log = access.requests_per_month
    if from_log is not None and abs(from_log - requests_per_month) < 1e-6:
        return (f"from the log's dates: {access.requests:,} requests over "
                f"{len(access.monthly)} month{'s' if len(access.monthly) != 1 else ''}")
    if "requests_per_month" in prefilled:
        return f"a {SAMPLE.replace('values', 'value')}"
    return "as typed in the meeting"


@dataclass
class AccessImpact(IterationImpact):
    access: AccessAnalysis | None = None
    prefilled: tuple[str, ...] = field(default_factory=tuple)
    rpm_basis: str = "as typed in the meeting"

    whole = "the four stage medians added up"
    runs_noun = "requests"

    def summary(self, quick: list[PlanAction], cross: list[PlanAction], plan: Plan) -> list[str]:
        analysis = self.analysis
        access = self.access
        if not analysis.has_data or access is None:
            return [
                "We do not know yet where access requests wait: no request log or typed request.",
                "Start by writing down one recent request's dates, or export the request log.",
                f"{len(quick)} quick wins and {len(cross)} cross-team items are listed, unranked.",
            ]
        top = analysis.bottleneck
        first = f"{time_to_access_label(access)}: {time_to_access_text(access.time_to_access)}"
        if access.source == "typed":
            first += f", {time_to_access_basis(access)}"
            if "typical" in self.prefilled:
                first += f" ({SAMPLE})"
        else:
            first += f" from request to first use ({access.requests:,} requests"
            first += f"; {shares})" if (shares := shares_text(access)) else ")"
        first += (f"; {top.label.lower()} is the slowest stage, {top.share:.0%} of the four stage "
                  f"medians added up ({days_text(analysis.iteration_hours)})")
        worst = access.slowest_owner_dataset
        if worst is not None and top.stage == "owner":
            first += f"; longest wait for an owner: {owner_wait_text(worst)}"
        lines = [first + "."]
        live_quick = [a for a in quick if a.status != "dropped"]
        lines.append(self._saving_line("the quick wins", live_quick))
        live_cross = [a for a in cross if a.status != "dropped"]
        lines.append(self._saving_line("the cross-team work as well", plan.active)
                     if live_cross else "No cross-team work on this path: the team can act alone.")
        return lines

    def evidence(self, action: Action) -> str:
        stats = self.analysis.stage(action.stage) if action.stage else None
        if stats is None or not self.analysis.has_data:
            return ""
        text = (f"{stats.label} takes a median {hours_text(stats.median_hours)}, {stats.share:.0%} "
                f"of {self.whole} ({hours_text(self.analysis.iteration_hours)})")
        if stats.share < 0.1:
            text += (f"; even removing it entirely makes a typical request's way through the "
                     f"stages at most {amdahl_ceiling(stats.share):.2f}× faster")
        worst = self.access.slowest_owner_dataset if self.access else None
        if action.stage == "owner" and worst is not None:
            text += f"; slowest to find an owner: {owner_wait_text(worst)}"
        return text

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
        access = self.access
        clock = "business hours" if access and access.clock.business else "calendar hours"
        items = [
            "Each action's effect is its playbook speed-up range applied to the measured median "
            "wait of its stage; the ranges are experience, not measurements of your process.",
            f"Waits are counted in {clock}; open requests wait until the as-of date.",
            f"{self.iterations_per_month:.0f} requests per month, {self.rpm_basis}.",
            "Hours saved are waiting time of the people who asked, not approvers' working time.",
        ]
        if access is not None and access.source == "log":
            left_out = access.time_to_access.left_out
            items.append(f"Time to access is the Kaplan–Meier median, {time_to_access_basis(access)}"
                         + (f"; {left_out:,} requests closed without access (denied, expired, "
                            "revoked) are left out." if left_out else "."))
        if access is not None and access.source == "typed" and "typical" in self.prefilled:
            items.append(f"The typical request's stage hours are {SAMPLE}: type the team's "
                         "before relying on any number here.")
        if "slas" in self.prefilled:
            limits = "/".join(f"{DEFAULT_SLAS[s]:.0f}" for s in DEFAULT_SLAS)
            items.append(f"SLAs are the app's defaults ({limits} h for owner/approval/"
                         "provisioning/first use), not SLAs the team agreed.")
        return items

    def not_promised(self) -> list[str]:
        return [
            "Faster access never means fewer controls: every action keeps approval and audit.",
            "Approvers' decisions (and denials) are theirs to make; the plan shortens waiting, "
            "not the review itself.",
            "Re-measure with a new request log before counting the savings.",
        ]


def access_plan(book: Playbook, session: Session, access: AccessAnalysis,
                requests_per_month: float) -> Plan:
    prefilled = tuple(session.inputs.get("prefilled") or ())
    model = AccessImpact(access.as_iteration(), requests_per_month, access=access,
                         prefilled=prefilled,
                         rpm_basis=requests_per_month_basis(access, requests_per_month, prefilled))
    return with_charts(build_plan(book, session, walk(book, session.answers), model),
                       *where_lost_charts(access))
