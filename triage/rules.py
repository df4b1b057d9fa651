"""Declarative data rules: a question's suggested answer from the scenario's computed metrics.

Conditions compare one metric with a constant. No expression is ever evaluated: the operator is
looked up in a fixed table, and message templates accept only plain ``{metric}`` placeholders.
"""

from __future__ import annotations

import math
import operator
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OPERATORS = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True)
class Condition:
    metric: str
    op: str
    value: Any

    def holds(self, metrics: dict[str, Any]) -> bool:
        """False when the metric is unknown (None/NaN) or of an incomparable type."""
        actual = metrics.get(self.metric)
        if actual is None or (isinstance(actual, float) and math.isnan(actual)):
            return False
        try:
            return bool(OPERATORS[self.op](actual, self.value))
        except (TypeError, KeyError):
            return False


@dataclass(frozen=True)
class Suggestion:
    option: str
    when: tuple[Condition, ...]
    say: str


@dataclass(frozen=True)
class DataRule:
    """Suggestions tried in order; the first whose conditions all hold wins."""

    suggestions: tuple[Suggestion, ...]


@dataclass(frozen=True)
class SuggestedAnswer:
    option: str
    message: str


def suggest(rule: DataRule | None, metrics: dict[str, Any],
            text: Callable[[str], str] | None = None) -> SuggestedAnswer | None:
    """The first suggestion whose conditions hold; ``text`` (see :func:`render_message`) is
    applied to each metric as written into the message."""
    if rule is None:
        return None
    for suggestion in rule.suggestions:
        if all(cond.holds(metrics) for cond in suggestion.when):
            return SuggestedAnswer(suggestion.option,
                                   render_message(suggestion.say, metrics, text))
    return None


def render_message(template: str, metrics: dict[str, Any],
                   text: Callable[[str], str] | None = None) -> str:
    """Fill {metric[:spec]} placeholders; a metric that cannot be formatted reads as 'unknown'.
    The template is the playbook's (authored Markdown); ``text`` is applied to each filled-in
    value, so a page can escape names that came from a file (``triage.markdown.literal``)."""
    parts = []
    for literal, name, spec, _ in string.Formatter().parse(template):
        parts.append(literal)
        if name is None:
            continue
        value = metrics.get(name)
        try:
            filled = "unknown" if value is None else format(value, spec or "")
        except (ValueError, TypeError):
            filled = str(value)
        parts.append(text(filled) if text else filled)
    return "".join(parts)
