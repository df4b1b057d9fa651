"""The action plan: what the walk recommends, ranked by expected impact over effort.

The plan is generic over scenarios; each scenario supplies an :class:`ImpactModel` that turns an
action into an expected-impact range from the team's own numbers, combines several actions without
adding their ranges, and words the summary in the partner's terms — ending on what the plan
means for their goal (experiments a week, days to a launch decision, days until training starts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

from triage.engine import Walk, recommended_action_ids
from triage.playbook import Action, Playbook
from triage.session import Goal, Session
from triage.vocabulary import CONFIDENCES, KIND_LABELS

# From here on a number is written with an exponent: 1e15 hours or percent is no figure anyone
# counts in a meeting, and 309 digits of 1e308 would fill the screen.
_PLAIN_LIMIT = 1e15


def fmt(value: float, significant: int = 3) -> str:
    """A number for a meeting: a few significant figures (whole numbers from 10), no exponent
    below 1e15. Total over every float: subnormals read 0, huge values get an exponent
    ("1.7e+308"), infinities and NaN read as Python writes them."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    if abs(value) >= _PLAIN_LIMIT:
        return f"{value:.{max(1, significant)}g}"
    if abs(value) >= 10:
        return f"{value:.0f}"
    decimals = max(0, min(8, significant - 1 - int(math.floor(math.log10(abs(value))))))
    text = f"{value:.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class Estimate:
    """An expected-impact range with its unit, e.g. hours of lead time saved per month."""

    low: float
    high: float
    unit: str

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2

    def text(self) -> str:
        """Ranges read at two significant figures: the estimates are not better than that."""
        low, high = fmt(self.low, 2), fmt(self.high, 2)
        return f"{low} {self.unit}" if low == high else f"{low}–{high} {self.unit}"


class ImpactModel(Protocol):
    def estimate(self, actions: list[Action]) -> Estimate | None:
        """The combined impact of these actions taken together (None when not quantifiable)."""

    def confidence(self, action: Action) -> tuple[str, str]:
        """(level, what it rests on)."""

    def evidence(self, action: Action) -> str:
        """The number behind recommending this action, in one sentence."""

    def summary(self, quick: list[PlanAction], cross: list[PlanAction], plan: Plan) -> list[str]:
        """Three lines for the data scientist, in their terms."""

    def partner_terms(self, plan: Plan) -> str | None:
        """One line on what the plan means in the partner's own units, as ranges (None when
        the numbers to say it are missing)."""

    def assumptions(self) -> list[str]: ...

    def not_promised(self) -> list[str]: ...


@dataclass
class PlanAction:
    action: Action
    why: str
    impact: Estimate | None
    confidence: str
    confidence_basis: str
    computed_confidence: str = ""  # what the data says, before any override in the meeting
    owner: str = ""
    email: str = ""
    due: str = ""
    status: str = "todo"

    @property
    def id(self) -> str:
        return self.action.id

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.action.kind]

    @property
    def impact_text(self) -> str:
        return "not quantified" if self.impact is None else self.impact.text()

    @property
    def effort_text(self) -> str:
        low, high = self.action.effort_days
        return f"{low:g}–{high:g} d" if low != high else f"{low:g} d"

    @property
    def score(self) -> float | None:
        """Expected impact (midpoint) per person-day of effort; None when not quantified."""
        if self.impact is None:
            return None
        return self.impact.mid / self.action.effort_mid


@dataclass(frozen=True)
class AnsweredStep:
    question: str
    answer: str
    note: str
    node_id: str


@dataclass
class Plan:
    title: str
    playbook: Playbook
    steps: list[AnsweredStep]
    finding_title: str
    finding_detail: str
    see_also: str
    complete: bool
    actions: list[PlanAction]
    combined: dict[str, Estimate | None] = field(default_factory=dict)  # "quick_win", "all"
    summary: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    not_promised: list[str] = field(default_factory=list)
    goal: Goal = field(default_factory=Goal)  # the partner's goal, which heads the plan
    # Where it is lost, for the exports: plotly figures, or zero-argument callables that make one
    # (or None), drawn only when the plan is exported (see triage.export.with_charts).
    charts: list = field(default_factory=list)

    def by_kind(self, kind: str) -> list[PlanAction]:
        return [a for a in self.actions if a.action.kind == kind]

    @property
    def active(self) -> list[PlanAction]:
        return [a for a in self.actions if a.status != "dropped"]


HORIZON_TITLES = {"now": "Now — stop the bleeding", "later": "Later — prevent recurrence",
                  "": "Any time"}


@dataclass(frozen=True)
class Section:
    title: str
    kind: str
    horizon: str | None  # None when the plan is not split by horizon
    items: list[PlanAction]


def sections(plan: Plan) -> list[Section]:
    """The plan's groups in reading order: by kind, or by horizon first (now before later).

    In the 'now' group, actions on the whole shortfall (a rollback, reduced exposure) come first:
    when the impact is serious that decision precedes everything else.
    """
    if plan.playbook.group_by != "horizon":
        return [Section(KIND_LABELS[k], k, None, plan.by_kind(k)) for k in ("quick_win",
                                                                           "cross_team")]
    result = []
    for horizon in ("now", "later", ""):
        for kind in ("quick_win", "cross_team"):
            items = [a for a in plan.by_kind(kind) if a.action.horizon == horizon]
            if horizon == "now":
                items.sort(key=lambda a: a.action.component != "all")
            if items or horizon != "":
                result.append(Section(f"{HORIZON_TITLES[horizon]} · {KIND_LABELS[kind]}", kind,
                                      horizon, items))
    return result


def _why(book: Playbook, walk: Walk, action: Action, evidence: str) -> str:
    reasons = [
        f"“{step.node.text}” → {step.option.label}"
        for step in walk.steps
        if action.id in step.option.actions
    ]
    if walk.finding and action.id in walk.finding.actions:
        reasons.append(f"finding: {walk.finding.text}")
    text = "; ".join(reasons)
    if evidence:
        text = f"{text}. {evidence[:1].upper()}{evidence[1:]}" if text else evidence
    return text.rstrip(".") + "."


def rank_key(item: PlanAction) -> tuple:
    """Quantified actions first by impact per effort (highest first); then the rest by effort."""
    if item.score is None:
        return (1, item.action.effort_mid, item.action.title)
    return (0, -item.score, item.action.title)


def build_plan(book: Playbook, session: Session, walk: Walk, model: ImpactModel) -> Plan:
    actions = []
    for action_id in recommended_action_ids(book, walk):
        action = book.actions[action_id]
        edit = session.edit_for(action_id)
        level, basis = model.confidence(action)
        computed = level
        if edit.confidence in CONFIDENCES and edit.confidence != level:
            basis = f"set to {edit.confidence} in the meeting (computed: {level}; {basis})"
            level = edit.confidence
        actions.append(PlanAction(
            action=action,
            why=_why(book, walk, action, model.evidence(action)),
            impact=model.estimate([action]),
            confidence=level,
            confidence_basis=basis,
            computed_confidence=computed,
            owner=edit.owner, email=edit.email, due=edit.due, status=edit.status,
        ))
    actions.sort(key=rank_key)
    finding = walk.finding
    plan = Plan(
        title=session.title or book.title,
        playbook=book,
        steps=[AnsweredStep(s.node.text, s.option.label, session.notes.get(s.node.id, ""),
                            s.node.id) for s in walk.steps],
        finding_title=finding.text if finding else "",
        finding_detail=finding.detail if finding else "",
        see_also=finding.see_also if finding else "",
        complete=walk.complete,
        actions=actions,
        goal=session.goal,
    )
    live = plan.active
    plan.combined = {
        "quick_win": model.estimate([a.action for a in live if a.action.kind == "quick_win"]),
        "all": model.estimate([a.action for a in live]),
    }
    quick, cross = plan.by_kind("quick_win"), plan.by_kind("cross_team")
    plan.summary = model.summary(quick, cross, plan)
    if terms := model.partner_terms(plan):
        plan.summary.append(terms)
    plan.assumptions = model.assumptions()
    plan.not_promised = model.not_promised()
    return plan
