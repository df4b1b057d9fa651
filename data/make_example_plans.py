"""Write one example plan per scenario: ``data/<scenario>/example.plan.json``.

Each plan starts from the scenario's worked example (the same inputs the app's "load a worked
example" button gives), walks the playbook taking the data's suggestion at every question (the
first option where the data suggests nothing), fills in a few owners, due dates, statuses and a
ticket as a team would in the meeting, builds the plan, snapshots it and writes the canonical plan
JSON. Deterministic: fixed timestamps, no randomness (the drift comparison is seeded).

    python data/make_example_plans.py [OUTPUT_DIR]   # default: the data/ folder
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from triage.access import Clock, parse_requests, read_inventory  # noqa: E402
from triage.access_plan import access_plan  # noqa: E402
from triage.drift import compare, read_sample  # noqa: E402
from triage.engine import suggestion_for, walk  # noqa: E402
from triage.examples import (  # noqa: E402
    ITERATION_EXAMPLE_TITLE,
    iteration_example_inputs,
    iteration_example_runs,
)
from triage.export import plan_json, plan_snapshot  # noqa: E402
from triage.gap import read_segments  # noqa: E402
from triage.iteration_plan import iteration_plan  # noqa: E402
from triage.plan import Plan  # noqa: E402
from triage.playbook import Playbook, load_catalogue  # noqa: E402
from triage.production import analyse, production_plan  # noqa: E402
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


def answer_by_suggestion(book: Playbook, session: Session, metrics: dict[str, Any]) -> None:
    """Walk to a finding, taking the data's suggestion at each question (else the first option)."""
    while (current := walk(book, session.answers).current) is not None:
        suggestion = suggestion_for(current, metrics)
        option = suggestion.option if suggestion and current.option(suggestion.option) else None
        session.answer(current.id, option or current.options[0].id)


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
    answer_by_suggestion(book, session, analysis.metrics())
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
    answer_by_suggestion(book, session, analysis.metrics())
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
    answer_by_suggestion(book, session, analysis.metrics())
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
