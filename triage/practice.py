"""Practice mode: a newcomer walks a worked example alone, then compares with the expert's walk.

The expert walk is the one stored in the example's plan JSON (``data/*/example.plan.json``).
Each place where the two walks part is explained with what the question is for, what the
numbers said, and what each choice leads to — differences are teaching material, not a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triage.engine import recommended_action_ids, suggestion_for, walk
from triage.examples import DATA_DIR
from triage.playbook import Playbook
from triage.session import Session, from_json

EXAMPLE_PLANS = {
    "slow_iteration": DATA_DIR / "iteration" / "example.plan.json",
    "production_underperformance": DATA_DIR / "production" / "example.plan.json",
    "data_access": DATA_DIR / "access" / "example.plan.json",
}


def expert_session(playbook_id: str) -> Session | None:
    path = EXAMPLE_PLANS.get(playbook_id)
    return from_json(path.read_text(encoding="utf-8")) if path and path.exists() else None


@dataclass(frozen=True)
class StepComparison:
    node_id: str
    question: str
    mine: str | None  # option label, None when the newcomer never reached this question
    expert: str | None  # None when the expert never reached it
    agrees: bool
    explanation: str


@dataclass(frozen=True)
class PracticeResult:
    steps: tuple[StepComparison, ...]
    my_finding: str
    expert_finding: str
    only_mine: tuple[str, ...]  # action titles only in the newcomer's plan
    only_expert: tuple[str, ...]
    shared: tuple[str, ...]

    @property
    def agreement(self) -> float:
        both = [s for s in self.steps if s.mine is not None and s.expert is not None]
        return sum(s.agrees for s in both) / len(both) if both else 0.0


def evidence_sentence(message: str) -> str:
    """ "The numbers say: …" once, however the playbook phrased its suggestion."""
    text = message.strip().rstrip(".")
    prefix = "the numbers say"
    if text.lower().startswith(prefix):
        return text[:1].upper() + text[1:] + "."
    return f"The numbers say: {text}."


def _label(book: Playbook, node_id: str, option_id: str | None) -> str | None:
    if option_id is None:
        return None
    option = book.node(node_id).option(option_id)
    return option.label if option else None


def compare(book: Playbook, mine: dict[str, str], expert: dict[str, str],
            metrics: dict[str, Any]) -> PracticeResult:
    """Walk both answer sets; explain every question where they differ or only one arrived."""
    my_walk, expert_walk = walk(book, mine), walk(book, expert)
    my_path = {s.node.id: s.option.id for s in my_walk.steps}
    expert_path = {s.node.id: s.option.id for s in expert_walk.steps}
    order = list(dict.fromkeys([*expert_path, *my_path]))
    steps = []
    for node_id in order:
        node = book.node(node_id)
        chosen, expected = my_path.get(node_id), expert_path.get(node_id)
        hint = suggestion_for(node, metrics)
        if chosen == expected:
            explanation = f"Same answer. {node.why}"
        elif expected is None:
            explanation = ("The expert's walk never asked this: an earlier answer took it "
                           f"elsewhere. {node.why}")
        elif chosen is None:
            explanation = ("Your walk never reached this question: an earlier answer took you "
                           f"elsewhere. {node.why}")
        else:
            evidence = f" {evidence_sentence(hint.message)}" if hint else ""
            explanation = f"{node.why}{evidence}"
        steps.append(StepComparison(node_id, node.text, _label(book, node_id, chosen),
                                    _label(book, node_id, expected), chosen == expected,
                                    explanation))
    titles = {a: book.actions[a].title for a in book.actions}
    my_actions = set(recommended_action_ids(book, my_walk))
    expert_actions = set(recommended_action_ids(book, expert_walk))
    return PracticeResult(
        steps=tuple(steps),
        my_finding=my_walk.finding.text if my_walk.finding else "",
        expert_finding=expert_walk.finding.text if expert_walk.finding else "",
        only_mine=tuple(sorted(titles[a] for a in my_actions - expert_actions)),
        only_expert=tuple(sorted(titles[a] for a in expert_actions - my_actions)),
        shared=tuple(sorted(titles[a] for a in my_actions & expert_actions)),
    )
