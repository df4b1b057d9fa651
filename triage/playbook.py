"""Playbooks are data: a YAML decision tree plus the catalogue of actions it can recommend.

Loading validates everything a content author can get wrong and reports each problem with the
file, the node and the field, so a broken playbook can be shown on the page while the others keep
working. YAML is read only through ``yaml.safe_load``: playbook text is never executed.
"""

from __future__ import annotations

import codecs
import os
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from triage.kinds.registry import KINDS, allowed_kinds
from triage.rules import OPERATORS, Condition, DataRule, Suggestion
from triage.vocabulary import (
    ACCESS_STAGE_LABELS,
    ACTION_KINDS,
    AFFECTS,
    GAP_COMPONENTS,
    HORIZONS,
    METRIC_VALUES,
    SCENARIO_METRICS,
    STAGE_LABELS,
)

PLAYBOOK_DIR = Path(__file__).resolve().parent.parent / "playbooks"  # the shipped playbooks
# A team runs the app on its own folder of playbooks (the shipped ones copied, its own added).
PLAYBOOKS_ENV = "TRIAGE_PLAYBOOKS"


def playbook_dir() -> Path:
    """The folder the app and the CLI read playbooks from: $TRIAGE_PLAYBOOKS, else the shipped."""
    return Path(os.environ.get(PLAYBOOKS_ENV) or PLAYBOOK_DIR)
MAX_PLAYBOOK_BYTES = 1_000_000
MAX_NAV_TITLE = 30  # what the sidebar navigation shows before it cuts a name
MAX_YAML_DEPTH = 32  # nesting of lists and mappings; the shipped playbooks use 6


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a playbook, located precisely enough to fix it without searching."""

    file: str
    node: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.node}: {self.field}: {self.message}"


class PlaybookError(ValueError):
    """A playbook could not be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    next: str
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Node:
    """A question (has options) or a finding (a leaf: what we learned and what to do)."""

    id: str
    kind: str  # "question" | "finding"
    text: str  # the question asked, or the finding's headline
    why: str  # why this matters, in a sentence or two
    evidence: str = ""  # what answers the question / what the finding rests on
    detail: str = ""  # a finding's explanation
    options: tuple[Option, ...] = ()
    actions: tuple[str, ...] = ()  # a finding's recommended actions
    rule: DataRule | None = None
    see_also: str = ""  # another playbook id this finding points to
    opens: str = ""  # a hand-over: the playbook this finding opens (its actions are that one's)

    @property
    def is_question(self) -> bool:
        return self.kind == "question"

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Action:
    id: str
    title: str
    kind: str  # quick_win | cross_team
    effort_days: tuple[float, float]
    description: str
    tradeoffs: str
    wont_fix: str
    owner_role: str = ""
    horizon: str = ""  # now | later, where it matters
    stage: str = ""  # the stage it speeds up, if any
    affects: str = "total"  # wait | active | total time of that stage
    speedup: tuple[float, float] | None = None  # plausible speed-up factor range on that time
    component: str = ""  # the part of a metric gap it works on (production scenario)
    recovers: tuple[float, float] | None = None  # plausible share of that part it wins back
    # The waste it removes: actions in one overlap group remove the same waste, so only the
    # strongest counts (triage.overlap). Empty: the action is a group of its own.
    overlap: str = ""

    @property
    def overlap_group(self) -> str:
        """The group it counts in: its declared overlap, else one of its own (never a valid id,
        so it cannot collide with a declared group)."""
        return self.overlap or f"<{self.id}>"

    @property
    def effort_mid(self) -> float:
        return (self.effort_days[0] + self.effort_days[1]) / 2


@dataclass(frozen=True)
class InputSpec:
    id: str
    label: str
    description: str
    kind: str = ""  # the input kind whose page section collects it (triage.kinds.registry)


@dataclass(frozen=True)
class Overlap:
    """An overlap group: one waste that several actions remove, so it can only be removed once."""

    id: str
    removes: str  # the waste, in words: "recomputing features whose inputs did not change"


@dataclass(frozen=True)
class Playbook:
    id: str
    version: int
    title: str
    summary: str
    scenario: str  # which analysis feeds its data rules
    start: str
    nodes: dict[str, Node]
    actions: dict[str, Action]
    inputs: tuple[InputSpec, ...] = ()
    source: str = ""
    group_by: str = "kind"  # plan sections: "kind" (quick win / cross-team) or "horizon" first
    overlaps: dict[str, Overlap] = field(default_factory=dict)
    nav_title: str = ""  # a short name for the navigation; the title when empty

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]


@dataclass
class Catalogue:
    """Every playbook found in a folder: the good ones usable, the broken ones with their problems."""

    playbooks: dict[str, Playbook] = field(default_factory=dict)
    broken: dict[str, list[Problem]] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Reading raw YAML into the model, collecting problems instead of stopping at the first.


class _Reader:
    """Typed access to a raw mapping that records a Problem for every missing or wrong field."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, node: str, field_name: str, message: str) -> None:
        self.problems.append(Problem(self.file, node, field_name, message))

    def text(self, raw: dict, key: str, node: str, *, required: bool = True) -> str:
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(node, key, "is required and must be non-empty text")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(node, key, f"must be text, got {type(value).__name__}")
            return ""
        return str(value).strip()

    def ident(self, raw: dict, key: str, node: str) -> str:
        value = self.text(raw, key, node)
        if value and not _is_identifier(value):
            self.problem(node, key, f"'{value}' must use only letters, digits, _ and -")
        return value

    def id_list(self, raw: dict, key: str, node: str) -> tuple[str, ...]:
        value = raw.get(key, [])
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(node, key, "must be a list of action ids")
            return ()
        return tuple(value)

    def number_range(self, raw: dict, key: str, node: str, *, minimum: float) -> tuple | None:
        value = raw.get(key)
        if value is None:
            return None
        ok = (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        )
        if not ok:
            self.problem(node, key, "must be a list of two numbers [low, high]")
            return None
        low, high = float(value[0]), float(value[1])
        if not (minimum <= low <= high) or high == float("inf"):
            self.problem(node, key, f"needs {minimum} <= low <= high and finite, got {value}")
            return None
        return (low, high)

    def choice(self, raw: dict, key: str, node: str, allowed, *, required: bool) -> str:
        value = self.text(raw, key, node, required=required)
        if value and value not in allowed:
            self.problem(node, key, f"'{value}' is not one of: {', '.join(sorted(allowed))}")
            return ""
        return value


def _is_identifier(value: str) -> bool:
    return bool(value) and all(c.isalnum() or c in "_-" for c in value) and value.isascii()


def _mapping_list(reader: _Reader, raw: Any, where: str, key: str) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        reader.problem(where, key, "must be a non-empty list")
        return []
    good = []
    for index, item in enumerate(raw):
        if isinstance(item, dict):
            good.append(item)
        else:
            reader.problem(where, f"{key}[{index}]", "must be a mapping with an id")
    return good


def _template_fields(template: str) -> list[str] | None:
    """Field names of a message template, or None when it uses anything beyond {name[:spec]}."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return None
    names = []
    for _, field_name, _, conversion in parsed:
        if field_name is None:
            continue
        if conversion or not field_name.isidentifier():
            return None
        names.append(field_name)
    return names


def _read_rule(reader: _Reader, raw: Any, node_id: str, scenario: str, option_ids) -> DataRule:
    known_metrics = SCENARIO_METRICS.get(scenario, {})
    suggestions = []
    for index, item in enumerate(_mapping_list(reader, raw, node_id, "suggest")):
        where = f"suggest[{index}]"
        option = reader.text(item, "option", node_id)
        if option and option not in option_ids:
            reader.problem(node_id, f"{where}.option", f"'{option}' is not an option of this node")
        say = reader.text(item, "say", node_id)
        fields = _template_fields(say) if say else []
        if fields is None:
            reader.problem(node_id, f"{where}.say", "placeholders must be plain {metric} names")
            fields = []
        for name in fields:
            if name not in known_metrics:
                reader.problem(node_id, f"{where}.say", f"unknown metric '{name}'")
        conditions = []
        raw_when = item.get("when")
        for c_index, cond in enumerate(_mapping_list(reader, raw_when, node_id, f"{where}.when")):
            c_where = f"{where}.when[{c_index}]"
            metric = reader.text(cond, "metric", node_id)
            if metric and metric not in known_metrics:
                reader.problem(
                    node_id,
                    f"{c_where}.metric",
                    f"unknown metric '{metric}' for scenario '{scenario}'; "
                    f"known: {', '.join(sorted(known_metrics))}",
                )
            op = reader.text(cond, "op", node_id)
            if op and op not in OPERATORS:
                reader.problem(node_id, f"{c_where}.op", f"'{op}' is not one of {sorted(OPERATORS)}")
            if "value" not in cond:
                reader.problem(node_id, f"{c_where}.value", "is required")
            value = cond.get("value")
            if not isinstance(value, str | int | float | bool) or value is None:
                reader.problem(node_id, f"{c_where}.value", "must be a number, text or true/false")
            elif metric in METRIC_VALUES and value not in METRIC_VALUES[metric]:
                reader.problem(node_id, f"{c_where}.value", f"'{value}' is not one of "
                               f"{metric}'s values: {', '.join(METRIC_VALUES[metric])}")
            conditions.append(Condition(metric, op, value))
        suggestions.append(Suggestion(option, tuple(conditions), say))
    return DataRule(tuple(suggestions))


def _read_node(reader: _Reader, raw: dict, scenario: str) -> Node | None:
    node_id = reader.ident(raw, "id", "<node>")
    where = node_id or "<node>"
    kind = reader.choice(raw, "type", where, {"question", "finding"}, required=True)
    why = reader.text(raw, "why", where)
    if kind == "question":
        text = reader.text(raw, "question", where)
        options = []
        seen = set()
        for index, item in enumerate(_mapping_list(reader, raw.get("options"), where, "options")):
            option_id = reader.ident(item, "id", f"{where}.options[{index}]")
            if option_id in seen:
                reader.problem(where, f"options[{index}].id", f"duplicate option id '{option_id}'")
            seen.add(option_id)
            options.append(
                Option(
                    id=option_id,
                    label=reader.text(item, "label", where),
                    next=reader.text(item, "next", where),
                    actions=reader.id_list(item, "actions", where),
                )
            )
        rule = None
        if raw.get("suggest") is not None:
            rule = _read_rule(reader, raw["suggest"], where, scenario, seen)
        return Node(
            id=node_id,
            kind=kind,
            text=text,
            why=why,
            evidence=reader.text(raw, "evidence", where, required=False),
            options=tuple(options),
            rule=rule,
        )
    if kind == "finding":
        for key in ("options", "suggest"):
            if key in raw:
                reader.problem(where, key, "a finding is a leaf: it has no options or suggestions")
        opens = reader.ident(raw, "opens", where) if raw.get("opens") is not None else ""
        if opens and raw.get("actions"):
            reader.problem(where, "actions", f"a finding that opens '{opens}' hands the meeting "
                           "over to that playbook, whose own walk recommends the actions: "
                           "remove actions here, or remove opens")
        return Node(
            id=node_id,
            kind=kind,
            text=reader.text(raw, "finding", where),
            why=why,
            evidence=reader.text(raw, "evidence", where, required=False),
            detail=reader.text(raw, "detail", where, required=False),
            actions=reader.id_list(raw, "actions", where),
            see_also=reader.text(raw, "see_also", where, required=False),
            opens=opens,
        )
    return None


def _read_action(reader: _Reader, raw: dict, scenario: str) -> Action:
    action_id = reader.ident(raw, "id", "<action>")
    where = f"actions.{action_id or '<action>'}"
    stage = reader.text(raw, "stage", where, required=False)
    stages = {"iteration": STAGE_LABELS, "access": ACCESS_STAGE_LABELS}.get(scenario, {})
    if stage and stage not in stages:
        reader.problem(where, "stage", f"'{stage}' is not a stage of this scenario: "
                       f"{', '.join(stages) or 'none'}")
    speedup = reader.number_range(raw, "speedup", where, minimum=1.0)
    if stage and speedup is None and "speedup" not in raw:
        reader.problem(where, "speedup", "an action on a stage needs a speed-up range [low, high]")
    component = reader.text(raw, "component", where, required=False)
    if component and component not in GAP_COMPONENTS:
        reader.problem(where, "component",
                       f"'{component}' is not a gap component: {', '.join(GAP_COMPONENTS)}")
    recovers = reader.number_range(raw, "recovers", where, minimum=0.0)
    if recovers is not None and recovers[1] > 1:
        reader.problem(where, "recovers", "is a share of the loss: both numbers within [0, 1]")
        recovers = None
    if component and recovers is None and "recovers" not in raw:
        reader.problem(where, "recovers", "an action on a gap component needs a range [low, high]")
    effort = reader.number_range(raw, "effort_days", where, minimum=0.0)
    if effort is None and "effort_days" not in raw:
        reader.problem(where, "effort_days", "is required: [low, high] person-days")
    if effort is not None and effort[1] <= 0:
        reader.problem(where, "effort_days", "must be above zero")
    overlap = reader.text(raw, "overlap", where, required=False)
    if overlap and not _is_identifier(overlap):
        reader.problem(where, "overlap", f"'{overlap}' must use only letters, digits, _ and -")
        overlap = ""
    if overlap and not stage and not component:
        reader.problem(where, "overlap", "an overlap group names the waste an action removes from "
                       "a stage or a gap component; this action has neither, so it has nothing "
                       "to overlap on: add stage (or component) or remove overlap")
    return Action(
        id=action_id,
        title=reader.text(raw, "title", where),
        kind=reader.choice(raw, "kind", where, ACTION_KINDS, required=True),
        effort_days=effort or (1.0, 1.0),
        description=reader.text(raw, "description", where),
        tradeoffs=reader.text(raw, "tradeoffs", where),
        wont_fix=reader.text(raw, "wont_fix", where),
        owner_role=reader.text(raw, "owner_role", where, required=False),
        horizon=reader.choice(raw, "horizon", where, HORIZONS, required=False),
        stage=stage,
        affects=reader.choice(raw, "affects", where, AFFECTS, required=False) or "total",
        speedup=speedup,
        component=component,
        recovers=recovers,
        overlap=overlap,
    )


def _read_overlaps(reader: _Reader, raw: Any) -> dict[str, Overlap]:
    if raw is None:
        return {}
    groups: dict[str, Overlap] = {}
    for index, item in enumerate(_mapping_list(reader, raw, "overlaps", "overlaps")):
        group_id = reader.ident(item, "id", f"overlaps[{index}]")
        if not group_id:
            continue
        where = f"overlaps.{group_id}"
        removes = reader.text(item, "removes", where)
        if group_id in groups:
            reader.problem(where, "id", "duplicate overlap group id")
            continue
        groups[group_id] = Overlap(group_id, removes)
    return groups


def _part(action: Action) -> str:
    """What an overlap group removes its waste from, in the validator's words."""
    if action.stage:
        return f"stage '{action.stage}', affects '{action.affects}'"
    return f"component '{action.component}'"


def _check_overlaps(reader: _Reader, book: Playbook) -> None:
    """Every overlap names a declared group; a group's actions work on one stage and one part of
    its time (or one gap component); every declared group is used."""
    first: dict[str, Action] = {}
    for action in book.actions.values():
        group = action.overlap
        if not group or not (action.stage or action.component):
            continue
        where = f"actions.{action.id}"
        if group not in book.overlaps:
            declared = ", ".join(sorted(book.overlaps)) or "none"
            reader.problem(where, "overlap", f"unknown overlap group '{group}'; declare it under "
                           f"overlaps (id and removes). Declared: {declared}")
            continue
        if group not in first:
            first[group] = action
            continue
        lead = first[group]
        if (action.stage, action.affects, action.component) != (
                lead.stage, lead.affects, lead.component):
            reader.problem(where, "overlap", f"group '{group}' is on {_part(lead)} "
                           f"(actions.{lead.id}), but this action is on {_part(action)}: a group "
                           "belongs to one stage and one part of its time (or one gap component); "
                           "use another group")
    for group in book.overlaps:
        if group not in first:
            reader.problem(f"overlaps.{group}", "id", "no action names this overlap group")


def _read_inputs(reader: _Reader, raw: Any, scenario: str) -> tuple[InputSpec, ...]:
    if raw is None:
        return ()
    allowed = allowed_kinds(scenario)
    specs = []
    for item in _mapping_list(reader, raw, "inputs", "inputs"):
        input_id = reader.ident(item, "id", "inputs")
        where = f"inputs.{input_id}" if input_id else "inputs"
        kind = reader.text(item, "kind", where)
        if kind and scenario and kind not in allowed:
            known = "is not an input kind" if kind not in KINDS else \
                f"is not read by the {scenario} analysis"
            reader.problem(where, "kind", f"'{kind}' {known}; the {scenario} analysis reads: "
                           + ", ".join(f"{k} ({KINDS[k].label.lower()})" for k in allowed))
            kind = ""
        specs.append(InputSpec(id=input_id, label=reader.text(item, "label", where),
                               description=reader.text(item, "description", where), kind=kind))
    return tuple(specs)


def _check_graph(reader: _Reader, book: Playbook) -> None:
    """Every next exists, every node is reachable, no cycles, every leaf is a finding."""
    nodes = book.nodes
    if book.start not in nodes:
        reader.problem("<playbook>", "start", f"'{book.start}' is not a node")
        return
    for node in nodes.values():
        for option in node.options:
            if option.next and option.next not in nodes:
                reader.problem(
                    node.id, f"options.{option.id}.next", f"unknown next node '{option.next}'"
                )
    # Depth-first walk from the start, iterative (a chain of thousands of nodes must not exhaust
    # Python's stack): colours find cycles, the visited set finds orphans.
    state: dict[str, int] = {book.start: 1}  # 1 = on the current path, 2 = done
    path = [book.start]
    on_path = {book.start: 0}  # node id -> its position in path
    pending = [iter(nodes[book.start].options)]
    while pending:
        node_id = path[-1]
        for option in pending[-1]:
            target = option.next
            if target not in nodes:
                continue
            if state.get(target) == 1:
                loop = _loop_text([*path[on_path[target]:], target])
                reader.problem(node_id, f"options.{option.id}.next", f"cycle: {loop}")
            elif target not in state:
                state[target] = 1
                on_path[target] = len(path)
                path.append(target)
                pending.append(iter(nodes[target].options))
                break
        else:  # every option of node_id is explored
            state[node_id] = 2
            del on_path[node_id]
            path.pop()
            pending.pop()
    for node_id in nodes:
        if node_id not in state:
            reader.problem(node_id, "id", "unreachable from the start node")


_LOOP_SHOWN = 6  # nodes named at each end of a long cycle


def _loop_text(loop: list[str]) -> str:
    """"a -> b -> a"; a cycle through thousands of nodes names its ends and counts the rest."""
    if len(loop) <= 2 * _LOOP_SHOWN + 1:
        return " -> ".join(loop)
    hidden = len(loop) - 2 * _LOOP_SHOWN
    return " -> ".join([*loop[:_LOOP_SHOWN], f"… {hidden:,} more …", *loop[-_LOOP_SHOWN:]])


def _check_references(reader: _Reader, book: Playbook) -> None:
    for node in book.nodes.values():
        refs = [("actions", a) for a in node.actions]
        refs += [(f"options.{o.id}.actions", a) for o in node.options for a in o.actions]
        for field_name, action_id in refs:
            if action_id not in book.actions:
                reader.problem(node.id, field_name, f"action '{action_id}' is not defined")


def parse_playbook(raw: Any, file: str = "<playbook>") -> Playbook:
    """Build a Playbook from already-parsed YAML, or raise PlaybookError listing every problem."""
    reader = _Reader(file)
    if not isinstance(raw, dict):
        reader.problem("<playbook>", "<top>", "must be a mapping with id, title, nodes, actions")
        raise PlaybookError(reader.problems)
    top = "<playbook>"
    book_id = reader.ident(raw, "id", top)
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        reader.problem(top, "version", "must be a whole number >= 1")
        version = 1
    scenario = reader.choice(raw, "scenario", top, set(SCENARIO_METRICS), required=True)

    nodes: dict[str, Node] = {}
    for item in _mapping_list(reader, raw.get("nodes"), top, "nodes"):
        node = _read_node(reader, item, scenario)
        if node is None or not node.id:
            continue
        if node.id in nodes:
            reader.problem(node.id, "id", "duplicate node id")
            continue
        nodes[node.id] = node
    actions: dict[str, Action] = {}
    for item in _mapping_list(reader, raw.get("actions"), top, "actions"):
        action = _read_action(reader, item, scenario)
        if not action.id:
            continue
        if action.id in actions:
            reader.problem(f"actions.{action.id}", "id", "duplicate action id")
            continue
        actions[action.id] = action

    book = Playbook(
        id=book_id,
        version=version,
        title=reader.text(raw, "title", top),
        summary=reader.text(raw, "summary", top),
        scenario=scenario,
        start=reader.text(raw, "start", top),
        nodes=nodes,
        actions=actions,
        inputs=_read_inputs(reader, raw.get("inputs"), scenario),
        source=file,
        group_by=reader.choice(raw, "group_by", top, {"kind", "horizon"}, required=False) or "kind",
        overlaps=_read_overlaps(reader, raw.get("overlaps")),
        nav_title=_read_nav_title(reader, raw, top),
    )
    if nodes and book.start:
        _check_graph(reader, book)
    _check_references(reader, book)
    _check_overlaps(reader, book)
    for node in nodes.values():
        if node.opens and node.opens == book.id:
            reader.problem(node.id, "opens", "a playbook cannot open itself")
    if reader.problems:
        raise PlaybookError(reader.problems)
    return book


def _read_nav_title(reader: _Reader, raw: dict, top: str) -> str:
    name = reader.text(raw, "nav_title", top, required=False)
    if len(name) > MAX_NAV_TITLE:
        reader.problem(top, "nav_title", f"is {len(name)} characters; the navigation shows about "
                       f"{MAX_NAV_TITLE}, so keep it to {MAX_NAV_TITLE} or fewer")
    return name


class _AliasRefused(yaml.YAMLError):
    """An anchor or alias in a playbook: refused before anything is expanded (billion laughs)."""

    def __init__(self, mark: yaml.Mark | None):
        super().__init__("aliases (&/*) are not allowed in playbooks")
        self.problem_mark = mark


class _TooDeep(yaml.YAMLError):
    """Lists or mappings nested deeper than any playbook needs."""

    def __init__(self, mark: yaml.Mark | None):
        super().__init__(f"lists and mappings are nested more than {MAX_YAML_DEPTH} levels deep; "
                         "a playbook needs about 6: check the brackets and indentation")
        self.problem_mark = mark


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys: a silently overwritten field is a bug.

    It also refuses every anchor and alias: playbooks never need them, and expanding nested
    aliases ("billion laughs") would take exponential time and memory.
    """

    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _AliasRefused(event.start_mark)
        if isinstance(event, yaml.CollectionStartEvent):
            # Bounded before the nested collection is composed: composing and constructing
            # recurse once per level, so deep nesting would exhaust Python's stack.
            if self._depth >= MAX_YAML_DEPTH:
                raise _TooDeep(event.start_mark)
            self._depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep=False):
    seen = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):  # ? [a, b]: c or {[1]: 2}
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be plain text (a name), not a list or a mapping",
                key_node.start_mark)
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def load_playbook_text(text: str, file: str = "<playbook>") -> Playbook:
    if len(text.encode("utf-8", "ignore")) > MAX_PLAYBOOK_BYTES:
        raise PlaybookError([Problem(file, "<file>", "<size>", "larger than 1 MB")])
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except (_AliasRefused, _TooDeep) as err:
        where = f"line {err.problem_mark.line + 1}" if err.problem_mark else "<yaml>"
        raise PlaybookError([Problem(file, where, "<yaml>", str(err))]) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "<yaml>"
        reason = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise PlaybookError([Problem(file, where, "<yaml>", f"not valid YAML: {reason}")]) from None
    return parse_playbook(raw, file)


def _looks_utf16(data: bytes) -> bool:
    """A UTF-16 byte-order mark, or mostly-ASCII UTF-16: a NUL in every other byte."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = data[:4096]
    even, odd = sample[0::2], sample[1::2]
    if len(odd) < 2:
        return False
    shares = sorted((even.count(0) / len(even), odd.count(0) / len(odd)))
    return shares[0] < 0.1 and shares[1] > 0.7


def load_playbook_bytes(data: bytes, file: str = "<playbook>") -> Playbook:
    """A playbook from raw bytes: a file on disk, or one uploaded to try it before installing."""
    if len(data) > MAX_PLAYBOOK_BYTES:  # before decoding: a huge upload is never read whole
        raise PlaybookError([Problem(file, "<file>", "<size>", "larger than 1 MB")])
    if _looks_utf16(data):
        # UTF-16 (Windows' "Unicode"), with or without its byte-order mark: its NUL bytes are
        # valid UTF-8, so decoding alone would pass them on to a baffling YAML error.
        raise PlaybookError([Problem(file, "<file>", "<encoding>",
                                     "looks like UTF-16 text (every other byte is zero), not UTF-8; "
                                     "save the playbook as UTF-8")])
    if b"\x00" in data:
        raise PlaybookError([Problem(file, "<file>", "<encoding>",
                                     "has NUL bytes, which text never has: not UTF-8 text; save the "
                                     "playbook as UTF-8")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PlaybookError([Problem(file, "<file>", "<encoding>",
                                     "not UTF-8 text; save the playbook as UTF-8")]) from None
    return load_playbook_text(text, file)


def load_playbook(path: Path) -> Playbook:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise PlaybookError([Problem(path.name, "<file>", "<read>",
                                     err.strerror or str(err))]) from None
    return load_playbook_bytes(data, path.name)


def unknown_opens(book: Playbook, known: set[str] | dict) -> list[Problem]:
    """Hand-overs to playbooks that are not installed: checked once the whole folder is read,
    since one file cannot know its neighbours."""
    return [Problem(book.source, node.id, "opens",
                    f"unknown playbook '{node.opens}'; installed: {', '.join(sorted(known))}")
            for node in book.nodes.values() if node.opens and node.opens not in known]


def load_catalogue(folder: Path | None = None) -> Catalogue:
    """Load every *.yaml in folder; a broken file is reported, never hides the others."""
    catalogue = Catalogue()
    for path in sorted((folder or playbook_dir()).glob("*.y*ml")):
        try:
            book = load_playbook(path)
        except PlaybookError as err:
            catalogue.broken[path.name] = err.problems
            continue
        if book.id in catalogue.playbooks:
            other = catalogue.playbooks[book.id].source
            catalogue.broken[path.name] = [
                Problem(path.name, "<playbook>", "id", f"duplicate playbook id, also in {other}")
            ]
            continue
        catalogue.playbooks[book.id] = book
    for book in list(catalogue.playbooks.values()):
        if problems := unknown_opens(book, catalogue.playbooks):
            catalogue.broken[book.source] = problems
            del catalogue.playbooks[book.id]
    return catalogue
