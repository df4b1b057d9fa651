"""Walking a playbook's tree from a session's answers.

Answers are a plain mapping node id -> option id. The path is recomputed from the start node every
time, so changing an earlier answer re-routes the walk; answers to nodes that fall off the path stay
in the mapping ("remembered") and come back into force if their branch is chosen again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from triage.playbook import Node, Option, Playbook
from triage.rules import SuggestedAnswer, suggest


@dataclass(frozen=True)
class Step:
    node: Node
    option: Option


@dataclass(frozen=True)
class Walk:
    """Where a session stands in a playbook."""

    steps: tuple[Step, ...]  # answered questions on the path, in order
    current: Node | None  # the next question to answer; None once a finding is reached
    finding: Node | None  # the leaf reached, if any
    remembered: tuple[str, ...]  # answered node ids that are not on the path

    @property
    def complete(self) -> bool:
        return self.finding is not None

    @property
    def path_ids(self) -> tuple[str, ...]:
        ids = tuple(step.node.id for step in self.steps)
        end = self.finding or self.current
        return ids + ((end.id,) if end else ())


def walk(book: Playbook, answers: dict[str, str]) -> Walk:
    steps: list[Step] = []
    node = book.node(book.start)
    seen: set[str] = set()
    while node.is_question and node.id not in seen:
        seen.add(node.id)
        option = node.option(answers.get(node.id, ""))
        if option is None:
            break
        steps.append(Step(node, option))
        node = book.node(option.next)
    on_path = {step.node.id for step in steps}
    remembered = tuple(n for n in answers if n not in on_path and n in book.nodes)
    if node.is_question:
        return Walk(tuple(steps), node, None, remembered)
    return Walk(tuple(steps), None, node, remembered)


def recommended_action_ids(book: Playbook, current: Walk) -> list[str]:
    """Actions from the chosen options along the path and from the finding, first mention first."""
    ordered: list[str] = []
    for step in current.steps:
        ordered.extend(step.option.actions)
    if current.finding:
        ordered.extend(current.finding.actions)
    return list(dict.fromkeys(a for a in ordered if a in book.actions))


def suggestion_for(node: Node, metrics: dict[str, Any],
                   text: Callable[[str], str] | None = None) -> SuggestedAnswer | None:
    """The data's suggestion for ``node``; ``text`` escapes the values filled into its message
    (a page passes ``triage.markdown.literal``: metrics can be names from uploaded files)."""
    return suggest(node.rule, metrics, text) if node.is_question else None


def all_paths(book: Playbook) -> Iterator[dict[str, str]]:
    """Every complete set of answers from the start to a finding (the tree is validated acyclic),
    in depth-first order; iterative, so a chain of thousands of questions cannot exhaust the stack."""
    pending: list[tuple[str, dict[str, str]]] = [(book.start, {})]
    while pending:
        node_id, answers = pending.pop()
        node = book.node(node_id)
        if not node.is_question:
            yield answers
            continue
        pending.extend((option.next, {**answers, node.id: option.id})
                       for option in reversed(node.options))
