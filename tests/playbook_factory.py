"""Generate a new valid playbook for any analysis, as a team would write one from
docs/authoring.md: the app must run it with no code change (issue 14)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import yaml

from triage.playbook import PLAYBOOK_DIR

# Per analysis: the input kinds a team's playbook declares, a data rule its first question
# carries, and what its actions work on (a stage and speed-up, or a gap component).
_SHAPES = {
    "iteration": {"inputs": [("runs_csv", "runs", "Past runs",
                              "One row per stage per run, from the scheduler.")],
                  "rule": {"metric": "bottleneck_share", "op": ">=", "value": 0.3},
                  "say": "the bottleneck takes {bottleneck_share:.0%} of an iteration",
                  "work": [{"stage": "training", "speedup": [1.1, 1.4]},
                           {"stage": "startup", "affects": "wait", "speedup": [1.5, 3.0]}]},
    "production": {"inputs": [("metric", "segments", "The metric",
                               "Expected and observed, with the sample sizes.")],
                   "rule": {"metric": "has_metric", "op": "==", "value": True},
                   "say": "the metric is typed in",
                   "work": [{"component": "fallback", "recovers": [0.2, 0.5]},
                            {"component": "model", "recovers": [0.1, 0.3]}]},
    "access": {"inputs": [("request_log", "requests", "Request log",
                           "One row per request with its stage timestamps.")],
               "rule": {"metric": "has_data", "op": "==", "value": True},
               "say": "a request is in",
               "work": [{"stage": "approval", "speedup": [1.5, 4.0]},
                        {"stage": "owner", "speedup": [1.2, 2.0]}]},
    "none": {"inputs": [], "rule": None, "say": "", "work": [{}, {}]},
}
_TOPICS = ["checkpoint uploads", "feature backfills", "label queues", "canary reviews",
           "shadow traffic", "eval sign-off", "quota tickets", "schema changes"]


def generate(analysis: str, seed: int) -> dict:
    """A playbook: a first question (with a data rule where the analysis has numbers), a second
    question on one branch, three findings; a quick win and a cross-team action."""
    rng = random.Random(seed)
    topic = rng.choice(_TOPICS)
    shape = _SHAPES[analysis]
    book_id = f"team_{analysis}_{seed}"
    first = {"id": "where", "type": "question",
             "question": f"Is most of the delay in {topic}?",
             "why": f"If {topic} hold most of the time, that is where a fix pays.",
             "evidence": "The last month's records.",
             "options": [{"id": "yes", "label": f"Yes, {topic}", "next": "how_often"},
                         {"id": "no", "label": "No, elsewhere", "next": "elsewhere"}]}
    if shape["rule"]:
        first["suggest"] = [{"option": "yes", "when": [shape["rule"]], "say": shape["say"]}]
    nodes = [first,
             {"id": "how_often", "type": "question", "question": f"Do {topic} fail weekly?",
              "why": "A weekly failure is a process problem, not bad luck.",
              "options": [{"id": "weekly", "label": "Every week", "next": "process",
                           "actions": ["own_it"]},
                          {"id": "rarely", "label": "Once a quarter", "next": "tooling"}]},
             {"id": "process", "type": "finding", "finding": f"{topic.capitalize()} need an owner",
              "why": "Nobody owns the step, so each failure waits for a volunteer.",
              "actions": ["own_it", "automate"]},
             {"id": "tooling", "type": "finding", "finding": f"Automate {topic}",
              "why": "The step is rare but slow by hand.", "actions": ["automate"]},
             {"id": "elsewhere", "type": "finding", "finding": "Look at the other stages",
              "why": f"{topic.capitalize()} are not the delay.", "actions": ["own_it"]}]
    quick, cross = shape["work"]
    actions = [{"id": "own_it", "title": f"Name an owner for {topic}", "kind": "quick_win",
                "effort_days": [0.5, 1], "description": f"One person answers for {topic}.",
                "tradeoffs": "Someone's time.", "wont_fix": "A slow tool.", **quick},
               {"id": "automate", "title": f"Automate {topic} with the platform team",
                "kind": "cross_team", "effort_days": [5, 12], "owner_role": "Platform team",
                "description": f"A pipeline step replaces the manual {topic}.",
                "tradeoffs": "A quarter's roadmap slot.", "wont_fix": "Missing ownership.",
                **cross}]
    book = {"id": book_id, "version": 1,
            "title": f"Our {topic} are slow ({analysis}, {seed})",
            "summary": f"Find out whether {topic} cost the team time, and what to do first.",
            "scenario": analysis, "start": "where", "nodes": nodes, "actions": actions}
    if shape["inputs"]:
        book["inputs"] = [{"id": i, "kind": k, "label": label, "description": text}
                          for i, k, label, text in shape["inputs"]]
    return book


def install(folder: Path, *books: dict, shipped: tuple[str, ...] = ()) -> Path:
    """A playbooks folder holding the given shipped playbooks and the generated ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in shipped:
        shutil.copy(PLAYBOOK_DIR / f"{name}.yaml", folder / f"{name}.yaml")
    for book in books:
        (folder / f"{book['id']}.yaml").write_text(yaml.safe_dump(book, sort_keys=False),
                                                   encoding="utf-8")
    return folder
