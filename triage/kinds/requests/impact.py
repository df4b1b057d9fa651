"""How the data-access scenario turns recommended actions into hours of waiting saved.

Time adds up in means, so the sizing runs on them: each stage's mean wait is its Kaplan–Meier
restricted mean (area under the share-still-waiting curve up to the longest wait seen, requests
still waiting counted up to the as-of date), and the four stage means added up are the mean wait
of a request that goes through every stage. Actions shorten one stage's mean wait by a plausible
factor; the slow-iteration Amdahl machinery applies unchanged: several actions compound, and
hours saved per request times requests per month gives the request-days. Medians describe (a
typical request), never size. When some requests were still waiting at the longest wait seen,
the means are lower bounds and the plan says so.

The plan's headline number is the time to access — one definition, from ``triage.kinds.requests.analysis``
(``time_to_access_text``), the same the page shows — and neither a sum of stage medians nor of
stage means is called by that name. What changes from the iteration wording: requests and waits,
not iterations and lead time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from triage.engine import walk
from triage.export import where_lost_charts, with_charts
from triage.kinds.requests.analysis import (
    AccessAnalysis,
    OwnerWait,
    days_text,
    default_slas,
    sla_text,
    stage_median_text,
    time_to_access_basis,
    time_to_access_label,
    time_to_access_text,
    wait_hours_text,
)
from triage.kinds.runs.analysis import amdahl_ceiling
from triage.kinds.runs.impact import IterationImpact, hours_text
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

    whole = "the mean wait through the four stages"
    runs_noun = "requests"

    @property
    def _at_least(self) -> str:
        """"at least " when some stage's mean is a lower bound (waits still open at its horizon)."""
        return "at least " if self.access is not None and self.access.mean_is_lower_bound else ""

    def summary(self, quick: list[PlanAction], cross: list[PlanAction], plan: Plan) -> list[str]:
        analysis = self.analysis
        access = self.access
        if access is not None and access.whole_wait_only:
            # Measured end to end, split nowhere: say both, and rank nothing by stage.
            shares = shares_text(access)
            return [
                f"{time_to_access_label(access)}: {time_to_access_text(access.time_to_access)} "
                f"from request to access ({access.requests:,} requests{'; ' + shares if shares else ''}"
                "); the stage split is unknown: the source tells only the whole wait, so no "
                "stage can be named as the slowest.",
                "To see where requests wait, add the tool's step times (Jira's changelog, "
                "ServiceNow's approvals) or a log with one timestamp per step.",
                f"{len(quick)} quick wins and {len(cross)} cross-team items are listed, unranked.",
            ]
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
        first += "; " + self._top_text(top)
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

    def partner_terms(self, plan: Plan) -> str | None:
        """Time to access as the days before training can start on data asked for today: the
        mean wait through the four stages (means add up; the median time to access does not
        shrink by the hours an action saves), before and with the actions."""
        access = self.access
        if not self.analysis.has_data or access is None:
            return None
        before = self.analysis.iteration_hours
        basis = ("the typed request's four stages" if access.source == "typed"
                 else "request to first use, Kaplan–Meier means of the four stages")
        parts = [f"{(before - high) / 24:.1f}–{(before - low) / 24:.1f} d {what}"
                 for what, (low, high) in self.savings(plan, "with the cross-team work as well")]
        line = (f"Days until training can start on newly requested data: {self._at_least}"
                f"{days_text(before)} on average today ({basis})")
        if self._at_least:
            line += "; lower bounds, as some requests still wait"
        return line + (f"; {', '.join(parts)}." if parts else ".")

    def _top_text(self, top) -> str:
        """'provisioning holds the most waiting: on average 3.0 d of the 4.3 d a request waits in
        the four stages (means; its median 2.9 d)'."""
        if self.access is not None and self.access.source == "typed":
            return (f"{top.label.lower()} is the slowest stage, {top.share:.0%} of the four stages "
                    f"added up ({days_text(self.analysis.iteration_hours)})")
        stage = self.access.stage(top.stage) if self.access else None
        median = f"; its median {stage_median_text(stage)}" if stage is not None else ""
        lower = ", lower bounds: some requests still wait" if self._at_least else ""
        return (f"{top.label.lower()} holds the most waiting: on average "
                f"{days_text(top.hours)} of the {days_text(self.analysis.iteration_hours)} a "
                f"request waits in the four stages (Kaplan–Meier means{lower}{median})")

    def evidence(self, action: Action) -> str:
        stats = self.analysis.stage(action.stage) if action.stage else None
        if stats is None or not self.analysis.has_data:
            return ""
        stage = self.access.stage(action.stage) if self.access else None
        if self.access is not None and self.access.source == "typed":
            text = (f"{stats.label} takes {hours_text(stats.hours)} in the typed request, "
                    f"{stats.share:.0%} of its four stages ({hours_text(self.analysis.iteration_hours)})")
        else:
            lower = stage is not None and stage.mean_is_lower_bound
            median = (f"; median {stage_median_text(stage)}" if stage is not None else "")
            text = (f"{stats.label} takes on average {self._at_least if lower else ''}"
                    f"{hours_text(stats.hours)}, {stats.share:.0%} of {self.whole} "
                    f"({hours_text(self.analysis.iteration_hours)}; Kaplan–Meier means{median})")
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
        per_request = "per request" if self.access is None or self.access.source == "typed" else (
            "per request on average")
        lower = (" (at least: the mean waits are lower bounds)" if self._at_least else "")
        return (f"With {what}: {low:.1f}–{high:.1f} h less waiting {per_request}, about "
                f"{low * per_month / 24:.0f}–{high * per_month / 24:.0f} request-days a month "
                f"over {per_month:.0f} requests{lower}.")

    def assumptions(self) -> list[str]:
        access = self.access
        log = access is not None and access.source == "log"
        clock = access.clock.describe() if access is not None else "calendar hours"
        items = [
            ("Each action's effect is its playbook speed-up range applied to the mean wait of "
             "its stage (Kaplan–Meier restricted mean: the area under the share still waiting, "
             "up to the longest wait seen); means add up to request-days, medians describe a "
             "typical request and do not add up. The ranges are experience, not measurements "
             "of your process." if log else
             "Each action's effect is its playbook speed-up range applied to the typed hours of "
             "its stage; the ranges are experience, not measurements of your process."),
            (f"Waits and SLAs are counted in {clock}; requests still waiting count up to the "
             f"as-of date{_as_of_text(access)}." if log else f"Hours are {clock}."),
            f"{self.iterations_per_month:.0f} requests per month, {self.rpm_basis}.",
            "Hours saved are waiting time of the people who asked, not approvers' working time.",
        ]
        if log and access.mean_is_lower_bound:
            items.append("Some requests were still waiting at the longest wait seen in their "
                         "stage, so those stage means, and the request-days built on them, are "
                         "lower bounds: the true waits are longer.")
        if log:
            left_out = access.time_to_access.left_out
            items.append(f"Time to access is the Kaplan–Meier median, {time_to_access_basis(access)}"
                         + (f"; {left_out:,} requests closed without access (denied, expired, "
                            "revoked) are left out." if left_out else "."))
            if access.paused_requests:
                items.append(f"The time to access leaves out {wait_hours_text(access.paused_hours)} "
                             f"paused waiting on the requester over {access.paused_requests:,} "
                             "requests (the source's pause records); the stage waits still "
                             "include it.")
            if access.whole_wait_only:
                items.append("The source tells only the whole wait (request to access): the "
                             "stage split is unknown, so no stage's share is measured.")
        if access is not None and access.source == "typed" and "typical" in self.prefilled:
            items.append(f"The typical request's stage hours are {SAMPLE}: type the team's "
                         "before relying on any number here.")
        business = access is not None and access.clock.business
        if ("business_slas" if business else "slas") in self.prefilled:
            limits = sla_text(default_slas(access.clock if access else None),
                              access.clock if access else None)
            items.append(f"SLAs are the app's defaults ({limits} for owner/approval/"
                         "provisioning/first use), not SLAs the team agreed.")
        return items

    def not_promised(self) -> list[str]:
        return [
            "Faster access never means fewer controls: every action keeps approval and audit.",
            "Approvers' decisions (and denials) are theirs to make; the plan shortens waiting, "
            "not the review itself.",
            "Re-measure with a new request log before counting the savings.",
        ]


def _as_of_text(access: AccessAnalysis | None) -> str:
    if access is None or access.as_of is None:
        return ""
    text = f" {access.as_of:%Y-%m-%d %H:%M} UTC"
    return text + (" (the latest timestamp in the log)" if access.as_of_default else "")


def access_plan(book: Playbook, session: Session, access: AccessAnalysis,
                requests_per_month: float) -> Plan:
    prefilled = tuple(session.inputs.get("prefilled") or ())
    model = AccessImpact(access.as_iteration(), requests_per_month, access=access,
                         prefilled=prefilled,
                         rpm_basis=requests_per_month_basis(access, requests_per_month, prefilled))
    return with_charts(build_plan(book, session, walk(book, session.answers), model),
                       *where_lost_charts(access))
