"""The one model of a working session.

Everything a triage session is — which playbook (and its version), the partner's goal, answers
including remembered off-path ones, notes, typed inputs, summaries of uploads, what-if settings
and plan edits — lives in one versioned, JSON-serialisable object. It is what the plan JSON, the
shareable link and the plan store are made of, so it has exactly one canonical serialisation
(:func:`to_json`).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from triage.vocabulary import CONFIDENCES, STATUSES

# 2: ActionEdit.ticket, Session.snapshot; 3: Session.goal (older documents still open)
SCHEMA_VERSION = 3
MAX_NOTE_CHARS = 4000
# What each goal field holds at most: a sentence or two each, so a goal never crowds a link out.
GOAL_LIMITS = {"business_goal": 300, "pain": 600, "key_metric": 160, "participants": 300}
# The goal's fields in reading order, with the words the page and every export use for them.
GOAL_LABELS = {"business_goal": "Business goal", "pain": "Current pain, in the partner's words",
               "key_metric": "Metric that matters most", "participants": "Participants"}
MAX_SESSION_JSON_BYTES = 2_000_000


class SessionError(ValueError):
    """A session document that cannot be used; the message says what and where."""


@dataclass
class ActionEdit:
    """What the people in the room changed on one recommended action."""

    owner: str = ""
    email: str = ""
    due: str = ""  # ISO date, "" when not set
    status: str = "todo"
    confidence: str = ""  # "" keeps the computed confidence
    ticket: str = ""  # the tracker's key or link once a ticket exists

    def is_default(self) -> bool:
        return self == ActionEdit()


@dataclass(frozen=True)
class Goal:
    """The partnership step every scenario opens with, in the partner's words."""

    business_goal: str = ""
    pain: str = ""  # the current pain, as the partner says it
    key_metric: str = ""  # the metric that matters most to them
    participants: str = ""  # names and roles, as typed

    def is_empty(self) -> bool:
        return self == Goal()

    def is_complete(self) -> bool:
        return all(getattr(self, name) for name in GOAL_LIMITS)

    def filled_from(self, other: Goal) -> Goal:
        """This goal with its blank fields taken from ``other``: what the router carries into a
        scenario never overwrites what was already typed there."""
        return replace(self, **{name: getattr(self, name) or getattr(other, name)
                                for name in GOAL_LIMITS})


def goal_text(name: str, text: str) -> str:
    """A goal field as kept: stripped and cut to its limit."""
    return text.strip()[:GOAL_LIMITS[name]]


@dataclass
class UploadSummary:
    """What was read from an uploaded file; the rows themselves never enter the session document."""

    name: str
    kind: str  # e.g. "runs"
    rows_read: int
    rows_used: int
    note: str = ""


@dataclass
class Session:
    scenario: str  # playbook id
    playbook_version: int
    answers: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    uploads: list[UploadSummary] = field(default_factory=list)
    whatif: dict[str, float] = field(default_factory=dict)  # stage -> speed-up factor
    plan_edits: dict[str, ActionEdit] = field(default_factory=dict)
    title: str = ""
    goal: Goal = field(default_factory=Goal)
    # The plan as it read when saved or exported (summary, actions, finding): lets a plan made
    # with another playbook version open as it was, and lets readers skip recomputation.
    snapshot: dict[str, Any] | None = None
    # The stored plan this session was last saved as or opened from ({"plan_id", "revision"}):
    # a re-opened JSON or link saves as the next revision of that plan, not as a duplicate.
    saved_as: dict[str, Any] | None = None
    schema_version: int = SCHEMA_VERSION

    # -- answers ---------------------------------------------------------------------------
    def answer(self, node_id: str, option_id: str) -> None:
        """Set an answer; answers further down stay remembered even if they leave the path."""
        self.answers[node_id] = option_id

    def clear_answer(self, node_id: str) -> None:
        self.answers.pop(node_id, None)

    def set_note(self, node_id: str, text: str) -> None:
        text = text.strip()[:MAX_NOTE_CHARS]
        if text:
            self.notes[node_id] = text
        else:
            self.notes.pop(node_id, None)

    def set_goal(self, name: str, text: str) -> None:
        self.goal = replace(self.goal, **{name: goal_text(name, text)})

    def edit_for(self, action_id: str) -> ActionEdit:
        return self.plan_edits.get(action_id, ActionEdit())

    def set_edit(self, action_id: str, edit: ActionEdit) -> None:
        if edit.is_default():
            self.plan_edits.pop(action_id, None)
        else:
            self.plan_edits[action_id] = edit

    # -- serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["plan_edits"] = {k: asdict(v) for k, v in sorted(self.plan_edits.items())}
        if data["saved_as"] is None:  # documents of plans never saved stay as they were
            del data["saved_as"]
        if self.goal.is_empty():  # and so do those of sessions without a goal
            del data["goal"]
        return data


def to_json(session: Session) -> str:
    """The canonical serialisation: sorted keys, no NaN, UTF-8 text, stable across runs."""
    return json.dumps(session.to_dict(), sort_keys=True, ensure_ascii=False, allow_nan=False,
                      indent=2) + "\n"


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise SessionError(f"{where}: {message}")


def _str_map(raw: Any, where: str) -> dict[str, str]:
    _require(isinstance(raw, dict), where, "must be an object of text values")
    for key, value in raw.items():
        _require(isinstance(value, str), f"{where}.{key}", "must be text")
    return dict(raw)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _edit_from(raw: Any, where: str) -> ActionEdit:
    _require(isinstance(raw, dict), where, "must be an object")
    unknown = set(raw) - set(ActionEdit.__dataclass_fields__)
    _require(not unknown, where, f"unknown field(s): {', '.join(sorted(unknown))}")
    edit = ActionEdit(**{k: v for k, v in raw.items()})
    for name in ("owner", "email", "due", "status", "confidence", "ticket"):
        _require(isinstance(getattr(edit, name), str), f"{where}.{name}", "must be text")
    _require(edit.status in STATUSES, f"{where}.status", f"must be one of {', '.join(STATUSES)}")
    _require(edit.confidence in ("", *CONFIDENCES), f"{where}.confidence",
             f"must be one of {', '.join(CONFIDENCES)}")
    if edit.due:
        try:
            date.fromisoformat(edit.due)
        except ValueError:
            raise SessionError(f"{where}.due: '{edit.due}' is not a date (YYYY-MM-DD)") from None
    return edit


def session_from_dict(raw: Any) -> Session:
    """Validate a decoded session document; every problem names the field it is in."""
    _require(isinstance(raw, dict), "session", "must be a JSON object")
    version = raw.get("schema_version")
    _require(_finite(version) and int(version) == version, "schema_version", "is missing")
    _require(version <= SCHEMA_VERSION, "schema_version",
             f"{version} is newer than this app understands ({SCHEMA_VERSION}); update the app")
    _require(isinstance(raw.get("scenario"), str) and raw["scenario"], "scenario", "is missing")
    pv = raw.get("playbook_version")
    _require(_finite(pv) and int(pv) == pv and pv >= 1, "playbook_version",
             "must be a whole number >= 1")
    inputs = raw.get("inputs", {})
    _require(isinstance(inputs, dict), "inputs", "must be an object")
    whatif = raw.get("whatif", {})
    _require(isinstance(whatif, dict), "whatif", "must be an object")
    for stage, factor in whatif.items():
        _require(_finite(factor) and factor >= 1, f"whatif.{stage}", "must be a number >= 1")
    uploads = []
    _require(isinstance(raw.get("uploads", []), list), "uploads", "must be a list")
    for index, item in enumerate(raw.get("uploads", [])):
        where = f"uploads[{index}]"
        _require(isinstance(item, dict), where, "must be an object")
        try:
            upload = UploadSummary(**item)
        except TypeError as err:
            raise SessionError(f"{where}: {err}") from None
        _require(isinstance(upload.name, str) and isinstance(upload.kind, str)
                 and isinstance(upload.note, str), where, "name, kind and note must be text")
        _require(all(isinstance(n, int) and not isinstance(n, bool)
                     for n in (upload.rows_read, upload.rows_used)), where,
                 "rows_read and rows_used must be whole numbers")
        uploads.append(upload)
    edits_raw = raw.get("plan_edits", {})
    _require(isinstance(edits_raw, dict), "plan_edits", "must be an object")
    notes = _str_map(raw.get("notes", {}), "notes")
    return Session(
        scenario=raw["scenario"],
        playbook_version=int(pv),
        answers=_str_map(raw.get("answers", {}), "answers"),
        notes={k: v[:MAX_NOTE_CHARS] for k, v in notes.items()},
        inputs=inputs,
        uploads=uploads,
        whatif={k: float(v) for k, v in whatif.items()},
        plan_edits={k: _edit_from(v, f"plan_edits.{k}") for k, v in edits_raw.items()},
        title=raw.get("title", "") if isinstance(raw.get("title", ""), str) else "",
        goal=_goal(raw.get("goal")),
        snapshot=_snapshot(raw.get("snapshot")),
        saved_as=_saved_as(raw.get("saved_as")),
        schema_version=SCHEMA_VERSION,
    )


def _saved_as(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    _require(isinstance(raw, dict) and set(raw) == {"plan_id", "revision"}, "saved_as",
             "must be an object with plan_id and revision")
    _require(isinstance(raw["plan_id"], str) and 0 < len(raw["plan_id"]) <= 64,
             "saved_as.plan_id", "must be a plan id")
    _require(isinstance(raw["revision"], int) and not isinstance(raw["revision"], bool)
             and raw["revision"] >= 1, "saved_as.revision", "must be a whole number >= 1")
    return {"plan_id": raw["plan_id"], "revision": raw["revision"]}


def _goal(raw: Any) -> Goal:
    """The goal of a document; documents made before goals were recorded have none."""
    if raw is None:
        return Goal()
    _require(isinstance(raw, dict), "goal", "must be an object of text values")
    unknown = set(raw) - set(GOAL_LIMITS)
    _require(not unknown, "goal", f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
    for name, value in raw.items():
        _require(isinstance(value, str), f"goal.{name}", "must be text")
    return Goal(**{name: goal_text(name, value) for name, value in raw.items()})


def _snapshot(raw: Any) -> dict[str, Any] | None:
    _require(raw is None or isinstance(raw, dict), "snapshot", "must be an object")
    return raw


def from_json(text: str | bytes) -> Session:
    if isinstance(text, bytes):
        if len(text) > MAX_SESSION_JSON_BYTES:
            raise SessionError("plan file: larger than 2 MB; is this really a plan JSON?")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SessionError("plan file: not UTF-8 text; export the plan JSON again") from None
    if len(text) > MAX_SESSION_JSON_BYTES:
        raise SessionError("plan file: larger than 2 MB; is this really a plan JSON?")
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise SessionError(
            f"plan file: not valid JSON at line {err.lineno}, column {err.colno} ({err.msg}); "
            "it may be truncated — download it again"
        ) from None
    except ValueError as err:
        raise SessionError(f"plan file: {err}") from None
    except RecursionError:
        raise SessionError("plan file: nested too deeply to be a plan JSON") from None
    return session_from_dict(raw)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a plan JSON")
