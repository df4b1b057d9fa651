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
import re
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
# How deeply objects and lists may nest in a session document: the app writes at most 9 levels
# (a chart's data inside the plan snapshot); 40 leaves room for plotly's richest figures and is
# checked on the text before parsing, far below where Python's recursion limit would be reached.
MAX_JSON_DEPTH = 40
# The largest magnitude a number in a session may have. No plan quantity comes near it (the
# longest stage is 1e6 h), and products of a few such numbers stay finite, so no total, range or
# chart axis can overflow to infinity.
MAX_NUMBER = 1e100


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


_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')
_SURROGATE = re.compile("[\ud800-\udfff]")


def nested_too_deeply(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON ``text`` nests objects and lists more than ``limit`` deep, found by
    scanning its brackets outside strings, before anything is parsed."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _field(path: str, key: str) -> str:
    shown = key if len(key) <= 60 else key[:57] + "..."
    return f"{path}.{shown}" if path else shown


def check_document(raw: Any) -> None:
    """Every value of a decoded session document is something the app can hold and write back:
    no lone surrogate (a half of a UTF-16 pair, which UTF-8 cannot write) in any text or key,
    no number beyond ±:data:`MAX_NUMBER` (``1e400`` reads as infinity), nesting within
    :data:`MAX_JSON_DEPTH`. Walks without recursion; the error names the field."""
    stack: list[tuple[Any, str, int]] = [(raw, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        where = path or "session"
        if isinstance(value, str):
            bad = _SURROGATE.search(value) if not value.isascii() else None
            _require(bad is None, where,
                     f"holds a lone surrogate ({ascii(bad.group())[1:-1] if bad else ''}), a "
                     "character no UTF-8 file can hold; remove it or export the plan again")
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int | float):
            _require(isinstance(value, int) or math.isfinite(value), where,
                     "is too large a number (it reads as infinity); numbers in a plan must be "
                     f"within ±{MAX_NUMBER:g}")
            _require(abs(value) <= MAX_NUMBER, where,
                     f"is too large a number; numbers in a plan must be within ±{MAX_NUMBER:g}")
        elif isinstance(value, dict | list):
            _require(depth < MAX_JSON_DEPTH, where,
                     f"nested too deeply (more than {MAX_JSON_DEPTH} levels) to be a plan")
            if isinstance(value, dict):
                for key, item in value.items():
                    key_text = str(key)
                    bad = _SURROGATE.search(key_text)
                    _require(bad is None, _field(path, ascii(key_text)[1:-1]),
                             "the field name holds a lone surrogate, a character no UTF-8 file "
                             "can hold; remove it or export the plan again")
                    stack.append((item, _field(path, key_text), depth + 1))
            else:
                stack.extend((item, f"{where}[{index}]", depth + 1)
                             for index, item in enumerate(value))
        else:  # only reachable from a dict built in code, never from JSON
            raise SessionError(f"{where}: {type(value).__name__} is not a JSON value")


_SCALAR = (str, int, float, bool, type(None))
# Each input field a page or an analysis reads, with the shape it must have:
#   "records": a list of objects (a table's rows); "values": an object; "maps": the remembered
#   column mappings; "number": a number or null; "text": text; "text?": text or null;
#   "texts": a list of text.
INPUT_SHAPES = {
    "stage_table": "records", "segments": "records", "history": "records",
    "metric": "values", "health": "values", "rollout": "values", "clock": "values",
    "slas": "values", "business_slas": "values", "typical": "values", "log_format": "values",
    "runs_read": "values", "column_maps": "maps",
    "iterations_per_month": "number", "requests_per_month": "number",
    "source": "text", "iterations_per_month_from": "text", "as_of": "date?", "prefilled": "texts",
}
# Inside rows and objects: the type of each value, by field name ("*" for any other field).
# "cell" is text, a number or null (a table cell the editor reads as a number); "number",
# "text" and "bool" also allow null, "plain" is any of them. A widget given a value of another
# type fails on every rerun, so these are checked before a session is used.
INPUT_VALUES: dict[str, dict[str, str]] = {
    "stage_table": {"stage": "text", "*": "cell"},
    "segments": {"segment": "text", "*": "cell"},
    "history": {"launch": "text", "*": "cell"},
    "metric": {"name": "text", "kind": "text", "higher_is_better": "bool", "*": "number"},
    "health": {"*": "number"},
    "rollout": {"expected_model_version": "text", "serving_model_version": "text",
                "expected_pipeline_version": "text", "serving_pipeline_version": "text",
                "rollback_available": "bool", "*": "number"},
    "clock": {"business": "bool", "start_hour": "hour", "end_hour": "hour", "timezone": "text",
              "holidays": "text", "*": "plain"},
    "slas": {"*": "number"}, "business_slas": {"*": "number"}, "typical": {"*": "number"},
    "log_format": {"*": "text"}, "runs_read": {"*": "text"},
}
_SHAPE_WORDS = {
    "records": "a list of rows (objects)", "values": "an object",
    "maps": "an object of lists of column mappings",
    "number": "a number or null", "text": "text", "text?": "text or null", "texts": "a list of text",
    "date?": "a date (YYYY-MM-DD) or null",
}
_VALUE_WORDS = {"cell": "text, a number or null", "number": "a number or null",
                "text": "text or null", "bool": "true, false or null",
                "hour": "a whole number of hours from 0 to 24, or null",
                "plain": "text, a number, true/false or null"}


def _value_ok(kind: str, value: Any) -> bool:
    if value is None:
        return True
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return {"cell": number or isinstance(value, str), "number": number,
            "text": isinstance(value, str), "bool": isinstance(value, bool),
            "hour": number and value == int(value) and 0 <= value <= 24,
            "plain": isinstance(value, _SCALAR)}[kind]


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _values_problem(name: str, where: str, values: dict[str, Any]) -> tuple[str, str] | None:
    kinds = INPUT_VALUES.get(name, {})
    for key, cell in values.items():
        kind = kinds.get(str(key), kinds.get("*", "plain"))
        if not _value_ok(kind, cell):
            return _field(where, str(key)), f"must be {_VALUE_WORDS[kind]}, not {_json_type(cell)}"
    return None


def _shape_problem(name: str, shape: str, value: Any) -> tuple[str, str] | None:
    """(field, what is wrong) for the first part of ``value`` not in ``shape``, else None."""
    where = f"inputs.{name}"
    wrong = (where, f"must be {_SHAPE_WORDS[shape]}, not {_json_type(value)}")
    if shape in ("records", "texts", "maps") and not isinstance(value, list if shape != "maps"
                                                                 else dict):
        return wrong
    if shape == "records":
        for index, row in enumerate(value):
            if not isinstance(row, dict):
                return f"{where}[{index}]", f"must be an object (one row), not {_json_type(row)}"
            problem = _values_problem(name, f"{where}[{index}]", row)
            if problem:
                return problem
        return None
    if shape == "values":
        if not isinstance(value, dict):
            return wrong
        return _values_problem(name, where, value)
    if shape == "maps":
        for kind, entries in value.items():
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                return _field(where, str(kind)), "must be a list of column mappings (objects)"
        return None
    if shape == "texts":
        for index, item in enumerate(value):
            if not isinstance(item, str):
                return f"{where}[{index}]", f"must be text, not {_json_type(item)}"
        return None
    ok = {"number": value is None or (isinstance(value, int | float) and not isinstance(value, bool)),
          "text": isinstance(value, str), "text?": value is None or isinstance(value, str),
          "date?": value is None or (isinstance(value, str) and _is_date(value))}[shape]
    return None if ok else wrong


def check_inputs(inputs: Any) -> dict[str, Any]:
    """The ``inputs`` object of a session document, every field the app reads in its shape
    (:data:`INPUT_SHAPES`); the error names the field (down to the row and column) and says
    what it must be. Fields the app does not read are kept as they are (a newer app's, say)."""
    _require(isinstance(inputs, dict), "inputs", "must be an object")
    for name, shape in INPUT_SHAPES.items():
        if name in inputs:
            problem = _shape_problem(name, shape, inputs[name])
            if problem:
                raise SessionError(f"{problem[0]}: {problem[1]}")
    return inputs


def _json_type(value: Any) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    return "a list" if isinstance(value, list) else "an object"


def session_from_dict(raw: Any) -> Session:
    """Validate a decoded session document; every problem names the field it is in."""
    _require(isinstance(raw, dict), "session", "must be a JSON object")
    check_document(raw)
    _require("schema_version" in raw, "schema_version", "is missing")
    version = raw["schema_version"]
    _require(isinstance(version, int) and not isinstance(version, bool) and version >= 1,
             "schema_version", f"is {json.dumps(version)}; it must be a whole number from 1 to "
             f"{SCHEMA_VERSION}")
    _require(version <= SCHEMA_VERSION, "schema_version",
             f"{version} is newer than this app understands ({SCHEMA_VERSION}); update the app")
    _require(isinstance(raw.get("scenario"), str) and raw["scenario"], "scenario", "is missing")
    pv = raw.get("playbook_version")
    _require(_finite(pv) and int(pv) == pv and pv >= 1, "playbook_version",
             "must be a whole number >= 1")
    inputs = check_inputs(raw.get("inputs", {}))
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
    if nested_too_deeply(text):
        raise SessionError(f"plan file: nested too deeply (more than {MAX_JSON_DEPTH} levels of "
                           "objects and lists) to be a plan JSON; export the plan again")
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
