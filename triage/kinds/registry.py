"""Which input kinds exist, and which kinds each analysis reads.

A playbook names its analysis (``scenario: iteration``) and the input kinds it collects
(``inputs: [{kind: runs, ...}]``). The scenario page draws one section per declared kind, feeds
what they collect to the analysis, and the analysis feeds the playbook's data rules and plan. A
new playbook is therefore runnable with no code: it picks an analysis and the kinds that analysis
reads. A new kind is a folder (``triage/kinds/<kind>/``), its page section
(``ui/kinds/<kind>.py``) and an entry here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class InputKind:
    id: str
    label: str  # section heading on the scenario page
    collects: str  # what its section asks for, in a sentence (Learn, docs, validator messages)


@dataclass(frozen=True)
class Analysis:
    """What a playbook's ``scenario`` names: the analysis behind its data rules and estimates."""

    id: str
    label: str
    kinds: tuple[str, ...]  # the input kinds it reads, in the order the page draws them
    heading: str = ""  # the numbers section's heading ("Where the time goes")


KINDS: dict[str, InputKind] = {kind.id: kind for kind in (
    InputKind("runs", "Stage times and runs",
              "a stage table typed in the meeting, or past runs from a tracker or scheduler "
              "export (MLflow, W&B, Airflow, Slurm or our runs CSV)"),
    InputKind("segments", "Metric and segments",
              "the expected and observed metric with their sample sizes, and a segment table "
              "(traffic share, metric and fallback share per segment, before and after)"),
    InputKind("serving", "Serving health and rollout",
              "serving latency, timeouts, errors and fallbacks against budget, the rollout facts "
              "(versions, traffic share, rollback) and past launches' offline vs online change"),
    InputKind("samples", "Feature samples",
              "training and serving feature samples (drift), and optionally the same requests "
              "served and recomputed offline (skew)"),
    InputKind("requests", "Request log and inventory",
              "an access request log (ours or a Jira, ServiceNow, Entra or Okta export), or one "
              "typical request typed in; SLAs; optionally the dataset inventory"),
    InputKind("none", "No numbers", "nothing: the walk goes by answers alone"),
)}

ANALYSES: dict[str, Analysis] = {analysis.id: analysis for analysis in (
    Analysis("iteration", "Iteration time", ("runs",), "Where the time goes"),
    Analysis("production", "Production metric gap", ("segments", "serving", "samples"),
             "Where the metric is lost"),
    Analysis("access", "Data access waits", ("requests",), "Where requests wait"),
    Analysis("router", "Routing to a scenario", ("none",)),
    Analysis("none", "Answers only", ("none",)),
)}


def allowed_kinds(scenario: str) -> tuple[str, ...]:
    """The kinds a playbook of this analysis may declare ("none" always)."""
    analysis = ANALYSES.get(scenario)
    reads = analysis.kinds if analysis else ()
    return reads + (() if "none" in reads else ("none",))


def declared_kinds(inputs: Iterable[Any]) -> tuple[str, ...]:
    """The kinds a playbook's inputs (anything with a ``kind``) collect, once each, in the order
    first declared; "none" is no section."""
    seen: list[str] = []
    for spec in inputs:
        if spec.kind and spec.kind != "none" and spec.kind not in seen:
            seen.append(spec.kind)
    return tuple(seen)
