"""Write one example plan per scenario: ``data/<scenario>/example.plan.json``.

Each plan starts from the scenario's worked example (the same inputs the app's "load a worked
example" button gives) and the partners' goal (``EXAMPLE_GOALS``), and walks the playbook as the
experts in the room would: where a data rule fires, they take its suggestion; where none does,
they give the answer scripted below for that question (``SCRIPTS``), and its note, saved on that
node, says what they knew that the numbers do not show. A question with neither stops the
generator: an example never falls back silently on the first option. The script may override a
firing rule only when it says so (``override``) and its note explains why. Notes are templates
filled with the example's metrics, so they quote the numbers the analyses compute now. Then it
fills in a few owners, due dates, statuses and a ticket as a team would in the meeting, builds the
plan, snapshots it and writes the canonical plan JSON.
Deterministic: fixed timestamps, no randomness (the drift comparison is seeded).

    python data/make_example_plans.py [OUTPUT_DIR]   # default: the data/ folder
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from triage.engine import suggestion_for, walk  # noqa: E402
from triage.examples import (  # noqa: E402
    EXAMPLE_GOALS,
    ITERATION_EXAMPLE_TITLE,
    example_metrics,
    iteration_example_inputs,
    iteration_example_runs,
)
from triage.export import plan_json, plan_snapshot  # noqa: E402
from triage.kinds.requests.analysis import Clock, parse_requests, read_inventory  # noqa: E402
from triage.kinds.requests.impact import access_plan  # noqa: E402
from triage.kinds.runs.impact import iteration_plan  # noqa: E402
from triage.kinds.samples.drift import compare, read_sample  # noqa: E402
from triage.kinds.segments.gap import read_segments  # noqa: E402
from triage.plan import Plan  # noqa: E402
from triage.playbook import Playbook, load_catalogue  # noqa: E402
from triage.production import analyse, production_plan  # noqa: E402
from triage.rules import render_message  # noqa: E402
from triage.session import ActionEdit, Session, UploadSummary, from_json  # noqa: E402

DATA = Path(__file__).resolve().parent
ACCESS_SLAS = {"owner": 24.0, "approval": 48.0, "provisioning": 24.0, "first_use": 72.0}

# Who took what in each example meeting, by rank (1 = the best-ranked action).
PEOPLE = [
    ActionEdit(owner="Priya Raman", email="priya.raman@example.com", due="", status="doing",
               ticket="MLI-412"),
    ActionEdit(owner="Jonas Weber", email="jonas.weber@example.com", due="", status="todo"),
    ActionEdit(owner="Amara Okafor", email="", due="", status="todo"),
]
# Due dates, days after the meeting, by rank.
DUE_AFTER_DAYS = (7, 14, 28)


class ExampleError(RuntimeError):
    """The example's script and its data disagree; the message says where and how to fix it."""


@dataclass(frozen=True)
class Scripted:
    """An expert's answer to a question the data cannot settle, and why (the note on the node).

    ``note`` is a template: ``{metric}`` placeholders are filled with the example's metrics, as
    in a rule's ``say``. ``override`` marks an answer that deliberately differs from a rule that
    fires; its note must say why the room knows better.
    """

    option: str
    note: str
    override: bool = False


# What the experts in each example meeting answered where the numbers say nothing, and why.
SCRIPTS: dict[str, dict[str, Scripted]] = {
    "slow_iteration": {
        "data_reruns": Scripted(
            "rerun",
            "The ML engineer checked the orchestrator: feature generation ran in full in all "
            "{runs} runs, although most of them changed only model code or parameters. Nothing "
            "is reused between runs."),
        "data_incremental": Scripted(
            "incremental",
            "The feature job already appends only the newest day's partitions; its hours go "
            "into recomputing the same features for every experiment, not into the history."),
        "data_dev_data": Scripted(
            "none",
            "The data scientist confirmed that every run, even the first try of a new idea, "
            "trains on the full data."),
    },
    "production_underperformance": {
        "data_drift": Scripted(
            "drift_none",
            "{drifted_features} features drifted beyond chance and the floors, and each is "
            "explained already: device is the traffic mix the decomposition counts (desktop's "
            "share fell), {top_drift_feature} is the zero the app gateway fills in (the skew), "
            "and {new_category_feature} holds the new \"{new_category}\" category "
            "({new_category_share:.1%} of serving), which the plan watches. No broad drift is "
            "left.",
            override=True),
        "labels": Scripted(
            "labels_fine",
            "Clicks are logged within seconds of the impression, and the online CTR uses the "
            "offline definition (clicks per impression, deduplicated per session); a full week "
            "at 100% traffic is far longer than the label delay."),
    },
    "data_access": {
        "request_path": Scripted(
            "undocumented",
            "Only {expired_share:.1%} of requests expired, so the log does not flag it, but the "
            "data scientists said they find approvers by asking in chat, and the "
            "{unowned_share:.0%} of requests on datasets left without an owner had nowhere "
            "written down to go."),
    },
}


def answer_by_suggestion(book: Playbook, session: Session, metrics: dict[str, Any],
                         script: Mapping[str, Scripted] | None = None) -> None:
    """Walk to a finding: the data's suggestion where a rule fires, else the scripted expert
    answer with its note. A question with neither raises ExampleError, as does a script that
    contradicts a firing rule without saying so, or names a question off the path."""
    script = dict(script or {})
    used: set[str] = set()
    while (current := walk(book, session.answers).current) is not None:
        suggestion = suggestion_for(current, metrics)
        suggested = suggestion.option if suggestion and current.option(suggestion.option) else None
        scripted = script.get(current.id)
        where = f"{book.id}: {current.id}"
        if scripted is not None:
            used.add(current.id)
            if current.option(scripted.option) is None:
                raise ExampleError(f"{where}: scripted answer '{scripted.option}' is not an option "
                                   f"({', '.join(o.id for o in current.options)})")
            if suggested and suggested != scripted.option and not scripted.override:
                raise ExampleError(
                    f"{where}: the data suggests '{suggested}' but the script answers "
                    f"'{scripted.option}'; take the suggestion (drop the scripted answer) or mark "
                    "it override=True with a note that explains why")
            session.answer(current.id, scripted.option)
            session.set_note(current.id, render_message(scripted.note, metrics))
        elif suggested:
            session.answer(current.id, suggested)
        else:
            raise ExampleError(
                f"{where}: no data rule fires on this example's numbers and the script has no "
                f"answer; add one to SCRIPTS['{book.id}'] with a note saying why")
    unused = sorted(set(script) - used)
    if unused:
        raise ExampleError(f"{book.id}: scripted answers for questions off this example's path: "
                           f"{', '.join(unused)}; the numbers changed the path, so update SCRIPTS")


def _same_metrics(mine: Mapping[str, Any], reference: Mapping[str, Any]) -> bool:
    def same(a: Any, b: Any) -> bool:
        if isinstance(a, float) and isinstance(b, float):
            return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b))
        return a == b

    return set(mine) == set(reference) and all(same(mine[k], reference[k]) for k in mine)


def walk_example(book: Playbook, session: Session, metrics: dict[str, Any]) -> None:
    """Answer the example's questions from its metrics and its script. The metrics must be the
    ones ``triage.examples.example_metrics`` gives, which the tests (and the Learn page) read."""
    if not _same_metrics(metrics, example_metrics(book.id)):
        raise ExampleError(f"{book.id}: the example's metrics differ from "
                           "triage.examples.example_metrics; build both from the same inputs")
    answer_by_suggestion(book, session, metrics, SCRIPTS.get(book.id, {}))


def assign(session: Session, plan: Plan, meeting: datetime) -> None:
    """Owners, dues and statuses for the three best-ranked actions, as a meeting would set them."""
    for item, edit, days in zip(plan.actions, PEOPLE, DUE_AFTER_DAYS, strict=False):
        due = datetime.fromordinal(meeting.toordinal() + days).date().isoformat()
        session.set_edit(item.id, ActionEdit(owner=edit.owner, email=edit.email, due=due,
                                             status=edit.status, ticket=edit.ticket))


def iteration_example(book: Playbook) -> tuple[Session, Callable[[Session], Plan]]:
    runs = iteration_example_runs()
    analysis = runs.analysis
    session = Session(scenario=book.id, playbook_version=book.version,
                      title=ITERATION_EXAMPLE_TITLE)
    session.inputs = iteration_example_inputs(runs)  # the same inputs as the app's example
    session.uploads = [UploadSummary(name=runs.name, kind="runs", rows_read=runs.rows_read,
                                     rows_used=runs.rows_read - len(analysis.skipped),
                                     note=f"{analysis.runs} runs, {len(analysis.stages)} stages")]
    walk_example(book, session, analysis.metrics())
    return session, lambda s: iteration_plan(book, s, analysis)


def production_example(book: Playbook) -> tuple[Session, Callable[[Session], Plan]]:
    folder = DATA / "production"
    raw = json.loads((folder / "example_inputs.json").read_text(encoding="utf-8"))
    segments = read_segments((folder / "example_segments.csv").read_bytes(),
                             "example_segments.csv")
    session = Session(scenario=book.id, playbook_version=book.version, title=raw.get("title", ""))
    session.inputs = {"metric": raw["metric"], "segments": segments, "health": raw["health"],
                      "rollout": raw["rollout"], "history": raw["history"]}
    samples = {side: read_sample((folder / f"example_{side}.csv").read_bytes(),
                                 f"example_{side}.csv") for side in ("reference", "current")}
    session.uploads = [UploadSummary(name=f"example_{side}.csv", kind=side, rows_read=len(frame),
                                     rows_used=len(frame), note=f"{len(frame.columns)} features")
                       for side, frame in samples.items()]
    analysis = analyse(session.inputs, compare(samples["reference"], samples["current"]))
    walk_example(book, session, analysis.metrics())
    return session, lambda s: production_plan(book, s, analysis)


def access_example(book: Playbook) -> tuple[Session, Callable[[Session], Plan]]:
    folder = DATA / "access"
    inventory = read_inventory((folder / "example_inventory.csv").read_bytes(),
                               "example_inventory.csv")
    analysis = parse_requests((folder / "example_requests.csv").read_bytes(),
                              "example_requests.csv", slas=ACCESS_SLAS, clock=Clock(),
                              inventory=inventory)
    per_month = analysis.requests / len(analysis.monthly)
    session = Session(scenario=book.id, playbook_version=book.version,
                      title="Fraud team: three weeks from 'can we use this table?' to a first query")
    # The typed fields mirror the log (rounded as people would type them), so that opening the
    # plan without the uploaded files still tells the same story.
    session.inputs = {
        "source": "log",
        "typical": {s.stage: round(s.median_hours, 1) for s in analysis.stages
                    if s.median_hours is not None},
        "slas": dict(ACCESS_SLAS),
        "clock": {"business": False, "start_hour": 9, "end_hour": 17, "timezone": "UTC"},
        "as_of": None,
        "requests_per_month": round(per_month, 1),
    }
    session.uploads = [
        UploadSummary(name="example_requests.csv", kind="log", rows_read=analysis.requests,
                      rows_used=analysis.requests - len(analysis.skipped), note="worked example"),
        UploadSummary(name="example_inventory.csv", kind="inventory", rows_read=len(inventory),
                      rows_used=len(inventory), note="worked example"),
    ]
    walk_example(book, session, analysis.metrics())
    return session, lambda s: access_plan(book, s, analysis, per_month)


EXAMPLES = {
    # folder: (playbook id, builder, meeting time, note on the first question)
    "iteration": ("slow_iteration", iteration_example, datetime(2026, 9, 21, 10, 0, tzinfo=UTC),
                  "Stage times exported from the orchestrator's run history."),
    "production": ("production_underperformance", production_example,
                   datetime(2026, 6, 9, 15, 30, tzinfo=UTC),
                   "Online numbers from the first full week at 100% traffic."),
    "access": ("data_access", access_example, datetime(2026, 9, 3, 11, 0, tzinfo=UTC),
               "Six months of requests from the access-request tracker."),
}


def build(folder: str) -> str:
    """The canonical plan JSON of one scenario's example."""
    book_id, make, meeting, note = EXAMPLES[folder]
    book = load_catalogue().playbooks[book_id]
    session, plan_of = make(book)
    session.goal = EXAMPLE_GOALS[book.scenario]  # what the partners said first
    if session.notes.get(book.start):
        raise ExampleError(f"{book_id}: the start question has a scripted note and a meeting note")
    session.set_note(book.start, note)
    assign(session, plan_of(session), meeting)
    plan = plan_of(session)  # rebuilt: owners and dues are part of the plan
    text = plan_json(session, plan_snapshot(plan, now=meeting, session=session))
    assert plan_json(from_json(text)) == text, "the example must round-trip exactly"
    return text


def main(out_dir: Path = DATA) -> None:
    for folder in EXAMPLES:
        path = out_dir / folder / "example.plan.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(build(folder), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA)
