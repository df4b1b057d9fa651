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
from triage.plan import fmt
from triage.playbook import Playbook
from triage.session import Session, from_json
from triage.vocabulary import ACCESS_STAGE_LABELS, CANONICAL_STAGES, stage_label

EXAMPLE_PLANS = {
    "slow_iteration": DATA_DIR / "iteration" / "example.plan.json",
    "production_underperformance": DATA_DIR / "production" / "example.plan.json",
    "data_access": DATA_DIR / "access" / "example.plan.json",
}
# Each worked example's story: the README beside its data, else one written for Learn.
STORIES = {
    "slow_iteration": (DATA_DIR / "iteration" / "README.md",),
    "production_underperformance": (DATA_DIR / "production" / "README.md",),
    "data_access": (DATA_DIR / "access" / "README.md",),
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
    """ "The numbers say: …" once, however the playbook phrased its suggestion (a suggestion
    that already starts "the numbers say / are / show" is only capitalised)."""
    text = message.strip().rstrip(".")
    if text.lower().startswith(("the numbers say", "the numbers are", "the numbers show")):
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


# --------------------------------------------------------------------------------------------
# What a newcomer practises from: the example's story and its numbers


@dataclass(frozen=True)
class Story:
    title: str  # the story's heading, without "Worked example:"
    opening: str  # the first paragraph: who, what hurts
    rest: str  # everything after it (Markdown, its headings made small)


def example_story(playbook_id: str) -> Story | None:
    """The worked example's story, split into its opening paragraph and the rest."""
    path = next((p for p in STORIES.get(playbook_id, ()) if p.exists()), None)
    if path is None:
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    title = ""
    if lines and lines[0].startswith("# "):
        title = lines.pop(0)[2:].strip()
        title = title.split(":", 1)[1].strip() if title.lower().startswith("worked example:") \
            else title
    paragraphs = "\n".join(lines).strip().split("\n\n")
    rest = "\n\n".join(paragraphs[1:])
    rest = "\n".join("#### " + line.lstrip("#").strip() if line.startswith("#") else line
                     for line in rest.splitlines())
    return Story(title, " ".join(paragraphs[0].split()), rest)


@dataclass(frozen=True)
class ExampleNumbers:
    """The numbers the meeting had: a few headline figures, every other figure the playbook's
    questions rest on, and the inputs as typed or read (caption, rows)."""

    headline: tuple[tuple[str, str], ...]
    details: tuple[tuple[str, str], ...]
    inputs: tuple[tuple[str, tuple[dict[str, str], ...]], ...]


def _pct(value: Any, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}%}"


def _hours(value: Any) -> str:
    return "—" if value is None else f"{float(value):.1f} h"


def _iteration_numbers(m: dict[str, Any], inputs: dict[str, Any]) -> ExampleNumbers:
    top = m.get("bottleneck_label") or stage_label(m.get("bottleneck") or "")
    headline = (("One iteration", _hours(m.get("iteration_hours"))),
                (f"Largest stage: {top}", _pct(m.get("bottleneck_share"))),
                ("Spent waiting", _pct(m.get("wait_share"))),
                ("Runs measured", f"{m.get('runs', 0)}"))
    details = [("One iteration (its stages added up)", _hours(m.get("iteration_hours")))]
    for stage in (*CANONICAL_STAGES, "handoff"):
        share = m.get(f"{stage}_share")
        if share is None:
            continue
        wait = m.get(f"{stage}_wait_share")
        waiting = f", {_pct(wait)} of it waiting" if wait else ""
        details.append((f"{stage_label(stage)}", f"{_pct(share)} of one iteration{waiting}"))
    if m.get("bottleneck_ceiling"):
        details.append((f"{top} taking no time at all",
                        f"at most {m['bottleneck_ceiling']:.2f}× faster"))
    details.append(("Flow efficiency (working time / lead time)", _pct(m.get("flow_efficiency"))))
    if m.get("failed_share") is not None:
        details.append(("Run time spent in failed runs", _pct(m["failed_share"], 1)))
    if m.get("most_variable_stage"):
        details.append(("Least predictable stage (p90 / median)",
                        f"{stage_label(m['most_variable_stage'])}: "
                        f"{m['max_variability']:.1f}×"))
    if m.get("handoff_where_text"):
        details.append(("Where hand-off waiting sits", m["handoff_where_text"]))
    if inputs.get("iterations_per_month"):
        details.append(("Iterations per month", f"{float(inputs['iterations_per_month']):g}"))
    table = tuple({"stage": str(row.get("stage", "")), "hours per iteration": _hours(row.get("hours")),
                   "of which waiting": _hours(row.get("wait_hours"))}
                  for row in inputs.get("stage_table") or ())
    return ExampleNumbers(headline, tuple(details),
                          (("The stages of one iteration, from the runs", table),) if table else ())


def _signed(value: float) -> str:
    return ("−" if value < 0 else "+") + fmt(abs(value))


def _production_numbers(m: dict[str, Any], inputs: dict[str, Any]) -> ExampleNumbers:
    name = m.get("metric_name") or "metric"
    gap = m.get("gap")
    gap_text = "—" if gap is None else (f"{_signed(gap)} ({_signed(-m['shortfall_relative'] * 100)}%)"
                                        if m.get("shortfall_relative") is not None
                                        else _signed(gap))
    headline = ((f"{name}, online vs promised", gap_text),
                ("Fallbacks' part of the gap", _pct(m.get("fallback_share"))),
                ("The model's own part", _pct(m.get("model_share"))),
                ("Traffic mix part", _pct(m.get("mix_share"))))
    details = [(f"{name} gap", gap_text)]
    if m.get("gap_z") is not None:
        details.append(("Beyond sampling noise?", ("yes" if m.get("gap_significant") else "no")
                        + f" (z = {m['gap_z']:.1f})".replace("-", "−")))
    if m.get("unexplained_share") is not None:
        details.append(("Unexplained part", _pct(m["unexplained_share"])))
    if m.get("fallback_segments_text"):
        details.append(("Where the fallback part sits", m["fallback_segments_text"]))
    if m.get("model_segments_text"):
        details.append(("Where the model's part sits", m["model_segments_text"]))
    if m.get("has_health"):
        details.append(("Serving-health figures over budget", f"{m.get('health_breaches', 0)}"))
        for key, label in (("timeout_rate", "Timeout rate"), ("fallback_rate", "Fallback rate"),
                           ("error_rate", "Error rate")):
            if m.get(key) is not None:
                details.append((label, _pct(m[key], 1)))
    if m.get("has_rollout"):
        versions = ("no" if m.get("model_version_mismatch") or m.get("pipeline_version_mismatch")
                    else "yes")
        details.append(("Expected model and pipeline versions serving", versions))
        details.append(("Rollback available", "yes" if m.get("rollback_available") else "no"))
    if m.get("has_drift"):
        details.append(("Features that drifted", f"{m.get('drifted_features', 0)}"))
        if m.get("top_drift_feature"):
            details.append(("Largest drift (Jensen–Shannon distance)",
                            f"{m['top_drift_feature']}: {m['top_drift_js']:.2f}"))
        if m.get("default_spike_feature"):
            details.append(("A default value spiking at serving",
                            f"{m['default_spike_feature']} = {m['default_spike_value']}: "
                            f"{_pct(m['default_spike_current_share'])} of serving rows, "
                            f"{_pct(m['default_spike_reference_share'])} in training"))
        if m.get("new_category"):
            details.append(("A category unseen in training",
                            f"{m['new_category_feature']} = {m['new_category']}: "
                            f"{_pct(m['new_category_share'], 1)} of serving rows"))
    if m.get("offline_online_correlation") is not None:
        details.append(("Past launches: offline vs online uplift (correlation)",
                        f"{m['offline_online_correlation']:.2f}"))
    tables = []
    metric = inputs.get("metric") or {}
    if metric:
        tables.append((f"{name}: promised and measured", ({
            "": "promised (offline / shadow)", "value": fmt(float(metric["expected"])),
            "n": f"{int(metric['n_expected']):,}" if metric.get("n_expected") else "—"}, {
            "": "measured online", "value": fmt(float(metric["observed"])),
            "n": f"{int(metric['n_observed']):,}" if metric.get("n_observed") else "—"})))
    segments = tuple({
        "segment": str(row.get("segment", "")),
        "share promised": _pct(float(row["expected_share"]), 1),
        "share online": _pct(float(row["observed_share"]), 1),
        f"{name} promised": fmt(float(row["expected_metric"])),
        f"{name} online": fmt(float(row["observed_metric"])),
        "fallback share": _pct(float(row.get("fallback_share") or 0), 1),
    } for row in inputs.get("segments") or ())
    if segments:
        tables.append(("Segments", segments))
    return ExampleNumbers(headline, tuple(details), tuple(tables))


def _access_numbers(m: dict[str, Any], inputs: dict[str, Any]) -> ExampleNumbers:
    slowest = m.get("slowest_stage_label") or ""
    worst = m.get("worst_breach_stage")
    headline = (("Time to access (median)", m.get("time_to_access_text") or "—"),
                (f"{slowest}: share of the wait", _pct(m.get("slowest_share"))),
                (f"Over SLA at {ACCESS_STAGE_LABELS.get(worst, worst or '').lower()}",
                 _pct(m.get("worst_breach_rate"))),
                ("Requests on unowned datasets", _pct(m.get("unowned_share"))))
    details = [("Requests analysed", f"{m.get('requests', 0):,}")]
    for stage, label in ACCESS_STAGE_LABELS.items():
        median = m.get(f"{stage}_median_hours")
        if median is not None:
            details.append((f"{label}: median wait", f"{_hours(median)}, "
                            f"{_pct(m.get(f'{stage}_breach_rate'))} over SLA"))
    for key, label in (("auto_approved_share", "Approved automatically"),
                       ("denied_share", "Denied"), ("expired_share", "Expired"),
                       ("pending_share", "Still pending"),
                       ("restricted_share", "On restricted datasets"),
                       ("preapproved_share", "With a pre-approved path")):
        if m.get(key) is not None:
            details.append((label, _pct(m[key], 1)))
    if m.get("owner_slowest_dataset"):
        details.append(("Longest wait for an owner",
                        f"{m['owner_slowest_dataset']}: {_hours(m['owner_slowest_dataset_hours'])} "
                        f"median over {m['owner_slowest_dataset_requests']} requests"))
    if inputs.get("requests_per_month"):
        details.append(("Requests per month", f"{float(inputs['requests_per_month']):g}"))
    slas = inputs.get("slas") or {}
    typical = inputs.get("typical") or {}
    table = tuple({"stage": label, "typical wait": _hours(typical.get(stage)),
                   "SLA": _hours(slas.get(stage))}
                  for stage, label in ACCESS_STAGE_LABELS.items() if stage in typical or stage in slas)
    return ExampleNumbers(headline, tuple(details),
                          (("A typical request, stage by stage", table),) if table else ())


def example_numbers(playbook_id: str, metrics: dict[str, Any],
                    inputs: dict[str, Any] | None = None) -> ExampleNumbers | None:
    """The worked example's numbers as the meeting saw them (``metrics`` from
    ``triage.examples.example_metrics``, ``inputs`` from the expert session)."""
    builders = {"slow_iteration": _iteration_numbers,
                "production_underperformance": _production_numbers,
                "data_access": _access_numbers}
    build = builders.get(playbook_id)
    if build is None or not metrics:
        return None
    return build(metrics, inputs or {})
