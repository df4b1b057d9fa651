"""A JSON Schema for playbook YAML, generated from the model's vocabulary.

Editors (VS Code with the YAML extension, or anything speaking yaml-language-server) read the
committed ``playbooks/playbook.schema.json`` through the ``# yaml-language-server: $schema=...``
line at the top of each playbook: completion, hover text and red squiggles while typing. The
schema is a first line of defence only; ``python -m triage validate`` is the authority and also
checks what a schema cannot (the graph, references, unique ids, ``{metric}`` placeholders, ranges
with low <= high). Regenerate after changing the vocabulary or the loader:

    python -m triage.schema
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from triage.kinds.registry import KINDS, allowed_kinds
from triage.playbook import MAX_NAV_TITLE
from triage.rules import OPERATORS
from triage.vocabulary import (
    ACCESS_STAGE_LABELS,
    ACTION_KINDS,
    AFFECTS,
    GAP_COMPONENTS,
    HORIZONS,
    KIND_LABELS,
    METRIC_VALUES,
    SCENARIO_METRICS,
    STAGE_LABELS,
)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "playbooks" / "playbook.schema.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_PATTERN = "^[A-Za-z0-9_-]+$"

SCENARIO_LABELS = {
    "iteration": "model iteration is too slow: the stage table or uploaded runs feed the rules",
    "production": "a model underperforms in production: metric gap, segments, health, drift",
    "access": "data access takes too long: a request log or one request's stage waits",
    "router": "not sure where the problem is: no numbers; findings open another playbook (opens)",
    "none": "walked by its answers alone: no numbers, no estimates; the plan lists the actions",
}
SCENARIO_STAGES = {"iteration": STAGE_LABELS, "access": ACCESS_STAGE_LABELS}
HORIZON_LABELS = {"now": "can start this week", "later": "needs planning or other teams first"}
AFFECTS_LABELS = {
    "wait": "the waiting time inside the stage (queues, approvals, people)",
    "active": "the working time inside the stage (compute, hands-on work)",
    "total": "the whole time of the stage (the default)",
}
OPERATOR_LABELS = {
    ">": "greater than", ">=": "at least", "<": "less than", "<=": "at most",
    "==": "equal to", "!=": "not equal to",
}


def _text(description: str) -> dict[str, Any]:
    """Non-empty text; the loader also accepts a bare number and turns it into text."""
    return {"type": ["string", "number"], "pattern": r"\S", "description": description}


def _ident(description: str) -> dict[str, Any]:
    return {"type": "string", "pattern": ID_PATTERN, "description": description}


def _choices(labels: dict[str, str], description: str) -> dict[str, Any]:
    """An enum whose every value carries its own description (shown by editors on hover)."""
    return {
        "type": "string",
        "description": description,
        "enum": sorted(labels),
        "oneOf": [{"const": key, "description": labels[key]} for key in sorted(labels)],
    }


def _range(description: str, *, low: dict[str, Any], high: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "array",
        "description": description + " Written [low, high] with low <= high.",
        "prefixItems": [{"type": "number", **low}, {"type": "number", **high}],
        "items": False,
        "minItems": 2,
        "maxItems": 2,
    }


def _action_ids(description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "description": description,
        "items": _ident("An action id from this playbook's actions list."),
    }


def _condition() -> dict[str, Any]:
    all_metrics = sorted({m for metrics in SCENARIO_METRICS.values() for m in metrics})
    return {
        "type": "object",
        "description": "One comparison of a computed metric with a constant; all conditions must hold.",
        "additionalProperties": False,
        "required": ["metric", "op", "value"],
        "properties": {
            "metric": {
                "type": "string",
                "description": "A metric of this playbook's scenario (see triage/vocabulary.py).",
                "enum": all_metrics,
            },
            "op": _choices({op: OPERATOR_LABELS.get(op, op) for op in OPERATORS},
                           "How the metric is compared with value."),
            "value": {
                "type": ["string", "number", "boolean"],
                "description": "The constant to compare with: a number, true/false, or a stage/part id.",
            },
        },
        "allOf": [
            {
                "if": {"properties": {"metric": {"const": metric}}, "required": ["metric"]},
                "then": {"properties": {"value": {
                    "enum": list(values),
                    "description": f"{metric} takes one of: {', '.join(values)}.",
                }}},
            }
            for metric, values in sorted(METRIC_VALUES.items())
        ],
    }


def _suggestion() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "A data rule: when every condition holds, the app suggests this option and says why.",
        "additionalProperties": False,
        "required": ["option", "when", "say"],
        "properties": {
            "option": _ident("The id of one of this question's options."),
            "when": {
                "type": "array",
                "description": "Conditions that must all hold; rules are tried in order, first fit wins.",
                "minItems": 1,
                "items": {"$ref": "#/$defs/condition"},
            },
            "say": _text(
                "What the app says beside the suggestion. Plain {metric} placeholders with an optional "
                "format, e.g. {bottleneck_share:.0%}; nothing else is evaluated."
            ),
        },
    }


def _option() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "One answer to a question.",
        "additionalProperties": False,
        "required": ["id", "label", "next"],
        "properties": {
            "id": _ident("Unique within the question; data rules and saved sessions refer to it."),
            "label": _text("The answer as the partner would say it."),
            "next": _ident("The id of the node this answer leads to (a question or a finding)."),
            "actions": _action_ids("Actions this answer already recommends, whatever comes later."),
        },
    }


def _question() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "A question: asked in the meeting, answered by choosing one option.",
        "additionalProperties": False,
        "required": ["id", "type", "question", "why", "options"],
        "properties": {
            "id": _ident("Unique node id within the playbook."),
            "type": {"const": "question", "description": "This node asks a question."},
            "question": _text("The question, asked the way you would ask the partner."),
            "why": _text("Why this question matters, in a sentence or two."),
            "evidence": _text("What answers it: which log, chart, table or person."),
            "options": {
                "type": "array",
                "description": "The possible answers; each leads to the next node.",
                "minItems": 1,
                "items": {"$ref": "#/$defs/option"},
            },
            "suggest": {
                "type": "array",
                "description": "Data rules that suggest an answer from the scenario's computed metrics.",
                "minItems": 1,
                "items": {"$ref": "#/$defs/suggestion"},
            },
        },
    }


def _finding() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "A finding: a leaf that says what we learned and what to do about it.",
        "additionalProperties": False,
        "required": ["id", "type", "finding", "why"],
        "properties": {
            "id": _ident("Unique node id within the playbook."),
            "type": {"const": "finding", "description": "This node is a finding (a leaf)."},
            "finding": _text("The finding's headline, as it will appear on the plan."),
            "why": _text("Why this is the conclusion, in a sentence or two."),
            "evidence": _text("What the finding rests on."),
            "detail": _text("The explanation: what is going on and what to do first."),
            "actions": _action_ids("The actions this finding recommends (every finding should have some)."),
            "see_also": _text("The id of another playbook this finding points to."),
            "opens": _ident("A hand-over: the id of the playbook this finding opens, with the "
                            "goal carried over. A hand-over recommends no actions of its own."),
        },
    }


def _action() -> dict[str, Any]:
    all_stages = {**STAGE_LABELS, **ACCESS_STAGE_LABELS}
    kinds = {k: KIND_LABELS.get(k, k) for k in ACTION_KINDS}
    return {
        "type": "object",
        "description": "Something the team can do, with its cost, its likely effect and its limits.",
        "additionalProperties": False,
        "required": ["id", "title", "kind", "effort_days", "description", "tradeoffs", "wont_fix"],
        "dependentRequired": {"stage": ["speedup"], "component": ["recovers"]},
        "properties": {
            "id": _ident("Unique action id; nodes and options refer to it."),
            "title": _text("A short imperative title, e.g. 'Cache reusable datasets'."),
            "kind": _choices(kinds, "Quick win (this team alone) or cross-team work."),
            "horizon": _choices({h: HORIZON_LABELS.get(h, h) for h in HORIZONS},
                                "When it can start; plans grouped by horizon use it."),
            "effort_days": _range(
                "Person-days of effort.", low={"minimum": 0}, high={"exclusiveMinimum": 0}
            ),
            "owner_role": _text("Who would do it, as a role (not a name)."),
            "stage": _choices(
                all_stages,
                "The stage it speeds up (iteration or access stages, per scenario). Needs speedup.",
            ),
            "affects": _choices({a: AFFECTS_LABELS.get(a, a) for a in AFFECTS},
                                "Which part of the stage's time the speed-up applies to."),
            "speedup": _range(
                "Plausible speed-up factor on the affected time of the stage, both >= 1; Amdahl's law "
                "turns it into an overall speed-up range.",
                low={"minimum": 1}, high={"minimum": 1},
            ),
            "component": _choices(
                GAP_COMPONENTS, "The part of a production metric gap it works on. Needs recovers."
            ),
            "recovers": _range(
                "Plausible share of that gap part it wins back, both within [0, 1].",
                low={"minimum": 0, "maximum": 1}, high={"minimum": 0, "maximum": 1},
            ),
            "overlap": _ident(
                "The overlap group of the waste it removes (declared under overlaps). Actions in "
                "one group count once, the strongest; groups compound. A group belongs to one "
                "stage and one affects value, or one component. Without it, the action is a "
                "group of its own."
            ),
            "description": _text("What the action is, concretely enough to start on it."),
            "tradeoffs": _text("What it costs or risks, honestly."),
            "wont_fix": _text("What it will not fix, so nobody expects it to."),
        },
    }


def _input() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "An input the playbook asks for, shown on the page before the questions.",
        "additionalProperties": False,
        "required": ["id", "kind", "label", "description"],
        "properties": {
            "id": _ident("Input id."),
            "kind": _choices({k.id: k.collects for k in KINDS.values()},
                             "The input kind whose page section collects it."),
            "label": _text("Short name shown on the page."),
            "description": _text("What to bring and why it helps."),
        },
    }


def _per_scenario(scenario: str, metrics: dict[str, str]) -> dict[str, Any]:
    """Narrow metric names and action stages to the ones this scenario's analysis knows."""
    stages = SCENARIO_STAGES.get(scenario)
    stage_schema: Any = (
        _choices(stages, f"A stage of the {scenario} scenario.") if stages
        else {"not": {}, "description": f"The {scenario} scenario has no stages."}
    )
    metric: Any = (
        _choices(metrics, f"A metric of the {scenario} scenario.") if metrics
        else {"not": {}, "description": f"The {scenario} scenario has no metrics for data rules."}
    )
    when = {"items": {"properties": {"metric": metric}}}
    kinds = allowed_kinds(scenario)
    kind = {"enum": list(kinds),
            "description": f"The {scenario} analysis reads: {', '.join(kinds)}."}
    return {
        "if": {"properties": {"scenario": {"const": scenario}}, "required": ["scenario"]},
        "then": {
            "properties": {
                "nodes": {"items": {"properties": {"suggest": {"items": {"properties": {"when": when}}}}}},
                "actions": {"items": {"properties": {"stage": stage_schema}}},
                "inputs": {"items": {"properties": {"kind": kind}}},
            }
        },
    }


def playbook_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a playbook file, built from the vocabulary."""
    scenarios = {s: SCENARIO_LABELS.get(s, s) for s in SCENARIO_METRICS}
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": "playbook.schema.json",
        "title": "Triage playbook",
        "description": (
            "A decision tree of questions and findings plus the actions it can recommend. Generated "
            "by `python -m triage.schema`; `python -m triage validate` checks the rest."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "version", "title", "summary", "scenario", "start", "nodes", "actions"],
        "properties": {
            "id": _ident("Unique playbook id; saved sessions refer to it."),
            "version": {
                "type": "integer",
                "minimum": 1,
                "description": "Whole number >= 1; raise it when a change alters paths or meanings.",
            },
            "title": _text("The situation in the partner's words, e.g. 'Model iteration is too slow'."),
            "nav_title": {**_text("Optional short name for the navigation (the title when absent)."),
                          "maxLength": MAX_NAV_TITLE},
            "summary": _text("Two or three sentences: what the playbook finds out and what it yields."),
            "scenario": _choices(scenarios, "Which analysis feeds the data rules and the plan's estimates."),
            "start": _ident("The id of the first question."),
            "group_by": _choices(
                {"kind": "quick wins, then cross-team work (the default)",
                 "horizon": "now, then later"},
                "How the plan groups actions.",
            ),
            "inputs": {
                "type": "array",
                "description": "Inputs the playbook asks for (shown before the questions).",
                "minItems": 1,
                "items": {"$ref": "#/$defs/input"},
            },
            "nodes": {
                "type": "array",
                "description": "Questions and findings. Every node reachable from start; no cycles.",
                "minItems": 1,
                "items": {"$ref": "#/$defs/node"},
            },
            "actions": {
                "type": "array",
                "description": "Every action this playbook can recommend.",
                "minItems": 1,
                "items": {"$ref": "#/$defs/action"},
            },
            "overlaps": {
                "type": "array",
                "description": (
                    "Overlap groups: wastes that several actions remove. Actions naming the same "
                    "group count once in a combined estimate, the strongest."
                ),
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "removes"],
                    "properties": {
                        "id": _ident("Group id; actions name it in overlap."),
                        "removes": _text("The waste its actions remove, e.g. 'recomputing "
                                         "features whose inputs did not change'."),
                    },
                },
            },
        },
        "allOf": [_per_scenario(s, SCENARIO_METRICS[s]) for s in sorted(SCENARIO_METRICS)],
        "$defs": {
            "node": {
                "description": "A question (type: question) or a finding (type: finding).",
                "type": "object",
                "required": ["type"],
                "properties": {"type": {
                    "enum": ["finding", "question"],
                    "description": "question: asks and branches; finding: a leaf with actions.",
                }},
                # if/then rather than oneOf: an editor then reports the actual wrong field.
                "allOf": [
                    {"if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
                     "then": {"$ref": f"#/$defs/{kind}"}}
                    for kind in ("question", "finding")
                ],
            },
            "question": _question(),
            "finding": _finding(),
            "option": _option(),
            "suggestion": _suggestion(),
            "condition": _condition(),
            "action": _action(),
            "input": _input(),
        },
    }


def schema_text() -> str:
    """The schema exactly as committed: sorted keys, two-space indent, trailing newline."""
    return json.dumps(playbook_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(path: Path = SCHEMA_PATH) -> int:
    path.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
