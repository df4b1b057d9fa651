"""Exports of a plan: Markdown, self-contained HTML, Jira CSV and the plan JSON.

Every export renders from a *snapshot*: a plain, JSON-able dict made by :func:`plan_snapshot`
from a built :class:`~triage.plan.Plan`. The snapshot is stored in the session
(``Session.snapshot``), so a plan saved or exported with an older playbook renders exactly as it
was saved, and readers never need the playbook or the uploaded data again.

The JSON export is the session model itself with its snapshot filled (:func:`plan_json`):
importing it gives back the same session. The partner's goal heads every export. Everything
users typed is escaped for the format it lands in: Markdown (pipes, newlines, HTML), HTML
(``html.escape``), CSV (formula cells).
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

from triage import palette
from triage.authors import Author, from_snapshot, prepared_line, snapshot_entry
from triage.markdown import literal
from triage.plan import Estimate, Plan, PlanAction, fmt, sections
from triage.playbook import Catalogue, Playbook, load_catalogue
from triage.session import GOAL_LABELS, GOAL_LIMITS, Session, to_json
from triage.vocabulary import KIND_LABELS

SNAPSHOT_FORMAT = 1
SECTION_HINTS = {"Quick win": "Quick wins (the team alone, in days)",
                 "Cross-team": "Cross-team work (needs another team)"}
KIND_COLOURS = palette.KIND_COLOURS  # the app's colours for the same meaning
_OTHER_COLOUR = palette.REFERENCE


class ExportError(ValueError):
    """A plan that cannot be exported (e.g. a stored snapshot of the wrong shape)."""


# --------------------------------------------------------------------------------------------
# Snapshot: the plan as plain data


def _number(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _estimate(estimate: Estimate | None) -> dict[str, Any] | None:
    if estimate is None or _number(estimate.low) is None or _number(estimate.high) is None:
        return None
    return {"low": float(estimate.low), "high": float(estimate.high), "unit": estimate.unit,
            "text": estimate.text()}


def _item(item: PlanAction, rank: int, ticket: str) -> dict[str, Any]:
    action, impact = item.action, item.impact
    quantified = _estimate(impact) is not None
    return {
        "id": action.id,
        "rank": rank,
        "title": action.title,
        "kind": action.kind,
        "kind_label": KIND_LABELS.get(action.kind, action.kind),
        "horizon": action.horizon,
        "stage": action.stage,
        "component": action.component,
        "impact_text": item.impact_text if quantified or impact is None else "not quantified",
        "impact_low": float(impact.low) if quantified else None,
        "impact_high": float(impact.high) if quantified else None,
        "impact_unit": impact.unit if quantified else None,
        "effort_text": item.effort_text,
        "effort_low": float(action.effort_days[0]),
        "effort_high": float(action.effort_days[1]),
        "confidence": item.confidence,
        "computed_confidence": item.computed_confidence or item.confidence,
        "confidence_basis": item.confidence_basis,
        "why": item.why,
        "description": action.description,
        "tradeoffs": action.tradeoffs,
        "wont_fix": action.wont_fix,
        "owner_role": action.owner_role,
        "owner": item.owner,
        "email": item.email,
        "due": item.due,
        "status": item.status,
        "ticket": ticket,
    }


def plan_snapshot(plan: Plan, *, now: datetime | None = None,
                  session: Session | None = None, charts: bool = True) -> dict[str, Any]:
    """The plan as plain JSON-able data, everything an export shows.

    ``now`` stamps ``generated_at`` (ISO 8601, seconds); the wall clock when omitted. ``session``
    supplies what the plan does not carry itself (each action's ticket). ``charts`` adds the
    plan's "where it is lost" charts (``plan.charts``) as compact figure data, drawn by
    :func:`plan_html`; a caller that needs no chart (a link) saves their cost with False.
    """
    stamp = (now or datetime.now(UTC)).replace(microsecond=0)
    ranks = {item.id: position for position, item in enumerate(plan.actions, start=1)}
    edits = session.plan_edits if session is not None else {}

    def ticket(item: PlanAction) -> str:
        own = getattr(item, "ticket", "")
        return own or (edits[item.id].ticket if item.id in edits else "")

    book = plan.playbook
    return {
        "format": SNAPSHOT_FORMAT,
        "generated_at": stamp.isoformat(),
        "title": plan.title,
        "goal": asdict(plan.goal),
        "playbook": {"id": book.id, "title": book.title, "version": book.version,
                     "scenario": book.scenario, "group_by": book.group_by},
        "summary": list(plan.summary),
        "finding": {"title": plan.finding_title, "detail": plan.finding_detail,
                    "see_also": plan.see_also},
        "complete": plan.complete,
        "steps": [{"node_id": s.node_id, "question": s.question, "answer": s.answer,
                   "note": s.note} for s in plan.steps],
        "combined": {key: _estimate(value) for key, value in sorted(plan.combined.items())},
        "sections": [
            {"title": SECTION_HINTS.get(section.title, section.title), "kind": section.kind,
             "horizon": section.horizon,
             "items": [_item(item, ranks[item.id], ticket(item)) for item in section.items]}
            for section in sections(plan)
        ],
        "assumptions": list(plan.assumptions),
        "not_promised": list(plan.not_promised),
        **({"charts": chart_entries(plan)} if charts and getattr(plan, "charts", None) else {}),
    }


def session_snapshot(session: Session, book: Playbook, *,
                     now: datetime | None = None) -> dict[str, Any]:
    """Rebuild a session's plan from its playbook and typed inputs alone, and snapshot it.

    Uploaded files are not part of a session: an iteration session falls back to its typed stage
    table, an access session to its typed typical request. Raises ExportError when the typed
    inputs cannot be used (a hand-edited file, a wrong type somewhere).
    """
    try:
        plan = rebuild_plan(session, book)
    except ValueError as err:  # InputError and friends already say what is wrong
        raise ExportError(f"the plan cannot be rebuilt from its typed inputs: {err}") from None
    except (TypeError, AttributeError, KeyError, IndexError) as err:
        raise ExportError("the plan cannot be rebuilt from its typed inputs: a field has the "
                          f"wrong type ({type(err).__name__}: {err})") from None
    return plan_snapshot(plan, now=now, session=session)


def rebuild_plan(session: Session, book: Playbook) -> Plan:
    """The plan from the playbook and the typed inputs alone (no uploads): what an export
    rebuilds, and a tried playbook's plan, walked without numbers, on Learn."""
    if book.scenario == "access":
        from triage.kinds.requests.analysis import analyse_typed, clock_from_inputs, slas_from_inputs
        from triage.kinds.requests.impact import access_plan

        inputs = session.inputs
        clock = clock_from_inputs(inputs)  # SLAs belong to a clock: the one the session chose
        analysis = analyse_typed(inputs.get("typical") or {}, slas=slas_from_inputs(inputs, clock),
                                 clock=clock)
        return access_plan(book, session, analysis, float(inputs.get("requests_per_month") or 0))
    if book.scenario == "production":
        from triage.production import analyse, production_plan

        return production_plan(book, session, analyse(session.inputs))
    if book.scenario in ("router", "none"):
        from triage.router import router_plan

        return router_plan(book, session)
    from triage.kinds.runs.impact import iteration_plan, session_analysis

    return iteration_plan(book, session, session_analysis(session, None))


def snapshot_for(session: Session, catalogue: Catalogue | None, *,
                 now: datetime | None = None) -> tuple[dict[str, Any], str]:
    """The session's stored snapshot, else one rebuilt from the installed playbooks (the shipped
    catalogue when none is given); with a notice (empty when there is nothing to say). Raises
    ExportError when the playbook is missing or the stored snapshot is malformed."""
    if session.snapshot is not None:
        return with_goal(read_snapshot(session.snapshot), session), ""
    book = (catalogue or load_catalogue()).playbooks.get(session.scenario)
    if book is None:
        raise ExportError(f"the plan is for the playbook '{session.scenario}', which is not "
                          "installed here, and it carries no saved rendering to export")
    notice = ""
    if session.playbook_version != book.version:
        notice = (f"this plan was made with version {session.playbook_version} of the playbook; "
                  f"it was rebuilt with version {book.version}, so answers to changed questions "
                  "may not apply")
    return session_snapshot(session, book, now=now), notice


def with_goal(snapshot: Mapping[str, Any], session: Session) -> dict[str, Any]:
    """A saved snapshot with the session's goal laid over it: the numbers stay as saved, but
    the goal is the meeting's and can still be edited when the uploads behind them are gone."""
    return {**snapshot, "goal": asdict(session.goal)}


def current_snapshot(plan: Plan | None, session: Session, *, charts: bool = True,
                     prepared_by: Author | None = None) -> dict[str, Any]:
    """The plan as it reads now; the saved snapshot (with today's goal) when its uploads are
    missing here and ``plan`` is None.

    ``prepared_by`` is whoever makes this export or save (signed in, or a typed name that is
    marked not verified); it replaces whatever a saved snapshot said, so a plan JSON edited by
    hand cannot make an export claim a sign-in. Without it the snapshot names nobody."""
    if plan is None:
        snap = with_goal(session.snapshot or {}, session)
    else:
        snap = plan_snapshot(plan, session=session, charts=charts)
    snap.pop("prepared_by", None)
    if prepared_by is not None:
        snap["prepared_by"] = snapshot_entry(prepared_by)
    return snap


# --------------------------------------------------------------------------------------------
# Reading a snapshot back: stored data is checked, never trusted to have the right shape

_ITEM_FIELDS: dict[str, str] = {
    "id": "str", "rank": "num?", "title": "str", "kind": "str", "kind_label": "str",
    "horizon": "str?", "stage": "str", "component": "str", "impact_text": "str",
    "impact_low": "num?", "impact_high": "num?", "impact_unit": "str?", "effort_text": "str",
    "effort_low": "num?", "effort_high": "num?", "confidence": "str",
    "computed_confidence": "str", "confidence_basis": "str", "why": "str", "description": "str",
    "tradeoffs": "str", "wont_fix": "str", "owner_role": "str", "owner": "str", "email": "str",
    "due": "str", "status": "str", "ticket": "str",
}
_TEXT_LISTS = ("summary", "assumptions", "not_promised")


def _need(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise ExportError(f"snapshot.{where}: {message}" if where else f"snapshot: {message}")


def _text(raw: Mapping[str, Any], key: str, where: str, nullable: bool = False) -> str | None:
    value = raw.get(key)
    if value is None:
        return None if nullable else ""
    _need(isinstance(value, str), f"{where}{key}", "must be text")
    return value


def _num(raw: Mapping[str, Any], key: str, where: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    _need(isinstance(value, int | float) and not isinstance(value, bool)
          and math.isfinite(value), f"{where}{key}", "must be a number")
    return value


def _object(raw: Any, where: str) -> dict[str, Any]:
    _need(isinstance(raw, dict), where, "must be an object")
    return raw


def _list(raw: Any, where: str) -> list[Any]:
    if raw is None:
        return []
    _need(isinstance(raw, list), where, "must be a list")
    return raw


def read_snapshot(raw: Any) -> dict[str, Any]:
    """A checked, normalised copy of a stored snapshot (missing fields get empty defaults);
    ExportError names the first field of the wrong type."""
    if raw is None:
        raise ExportError("the plan carries no snapshot to render")
    if not isinstance(raw, dict):
        raise ExportError("snapshot: must be an object")
    snap: dict[str, Any] = {"format": _num(raw, "format", "") or SNAPSHOT_FORMAT}
    for key in ("generated_at", "title"):
        snap[key] = _text(raw, key, "")
    goal = _object(raw.get("goal") or {}, "goal")
    snap["goal"] = {key: (_text(goal, key, "goal.") or "")[:limit]
                    for key, limit in GOAL_LIMITS.items()}
    book = _object(raw.get("playbook") or {}, "playbook")
    snap["playbook"] = {"id": _text(book, "id", "playbook."),
                        "title": _text(book, "title", "playbook."),
                        "version": _num(book, "version", "playbook."),
                        "scenario": _text(book, "scenario", "playbook."),
                        "group_by": _text(book, "group_by", "playbook.")}
    for key in _TEXT_LISTS:
        items = _list(raw.get(key), key)
        for index, line in enumerate(items):
            _need(isinstance(line, str), f"{key}[{index}]", "must be text")
        snap[key] = list(items)
    finding = _object(raw.get("finding") or {}, "finding")
    snap["finding"] = {k: _text(finding, k, "finding.") for k in ("title", "detail", "see_also")}
    complete = raw.get("complete", True)
    _need(isinstance(complete, bool), "complete", "must be true or false")
    snap["complete"] = complete
    snap["steps"] = []
    for index, step in enumerate(_list(raw.get("steps"), "steps")):
        where = f"steps[{index}]."
        step = _object(step, where[:-1])
        snap["steps"].append({k: _text(step, k, where)
                              for k in ("node_id", "question", "answer", "note")})
    combined = _object(raw.get("combined") or {}, "combined")
    snap["combined"] = {}
    for key, estimate in combined.items():
        if estimate is not None:
            estimate = _object(estimate, f"combined.{key}")
            estimate = {"low": _num(estimate, "low", f"combined.{key}."),
                        "high": _num(estimate, "high", f"combined.{key}."),
                        "unit": _text(estimate, "unit", f"combined.{key}."),
                        "text": _text(estimate, "text", f"combined.{key}.")}
        snap["combined"][key] = estimate
    try:
        author = from_snapshot(raw.get("prepared_by"))
    except ValueError as err:
        raise ExportError(f"snapshot.prepared_by: {err}") from None
    if author is not None:
        snap["prepared_by"] = author.as_dict()
    snap["charts"] = []
    for index, chart in enumerate(_list(raw.get("charts"), "charts")):
        chart = _object(chart, f"charts[{index}]")
        figure = _object(chart.get("figure"), f"charts[{index}].figure")
        _list(figure.get("data"), f"charts[{index}].figure.data")
        _object(figure.get("layout") or {}, f"charts[{index}].figure.layout")
        snap["charts"].append({"title": _text(chart, "title", f"charts[{index}]."),
                               "figure": figure})
    snap["sections"] = []
    for s_index, section in enumerate(_list(raw.get("sections"), "sections")):
        where = f"sections[{s_index}]"
        section = _object(section, where)
        items = []
        for i_index, item in enumerate(_list(section.get("items"), f"{where}.items")):
            item_where = f"{where}.items[{i_index}]."
            item = _object(item, item_where[:-1])
            items.append({key: _num(item, key, item_where) if kind == "num?"
                          else _text(item, key, item_where, nullable=kind == "str?")
                          for key, kind in _ITEM_FIELDS.items()})
        snap["sections"].append({"title": _text(section, "title", f"{where}."),
                                 "kind": _text(section, "kind", f"{where}."),
                                 "horizon": _text(section, "horizon", f"{where}.", nullable=True),
                                 "items": items})
    return snap


def _items(snap: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every action in reading order (section by section)."""
    return [item for section in snap["sections"] for item in section["items"]]


def _as_snapshot(plan_or_snapshot: Plan | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(plan_or_snapshot, Plan):
        return read_snapshot(plan_snapshot(plan_or_snapshot))
    return read_snapshot(plan_or_snapshot)


def _version(snap: Mapping[str, Any]) -> str:
    version = snap["playbook"]["version"]
    return "?" if version is None else f"{version:g}"


# --------------------------------------------------------------------------------------------
# Markdown


def _prepared(snap: Mapping[str, Any]) -> str:
    """Who prepared the plan, for an export; "" when the snapshot does not say."""
    return prepared_line(from_snapshot(snap.get("prepared_by")))


def _cell(text: str) -> str:
    """Literal, one-line Markdown: no pipe or newline breaking a row, no raw HTML, no link,
    image or formula made from what someone typed."""
    return literal(text, one_line=True)


def _owner(item: Mapping[str, Any]) -> str:
    if item["owner"] and item["email"]:
        return f"{item['owner']} ({item['email']})"
    return item["owner"] or item["email"] or f"({item['owner_role'] or 'unassigned'})"


def _md_section(title: str, items: list[dict[str, Any]]) -> list[str]:
    lines = [f"## {_cell(title)}", ""]
    if not items:
        return [*lines, "None on this path.", ""]
    lines += ["| Action | Kind | Owner | Due | Status | Ticket |",
              "|---|---|---|---|---|---|"]
    for item in items:
        lines.append("| " + " | ".join(_cell(c) for c in (
            item["title"], item["kind_label"], _owner(item), item["due"] or "—", item["status"],
            item["ticket"] or "—")) + " |")
    lines.append("")
    for item in items:
        lines += [
            f"### {_cell(item['title'])}",
            "",
            f"- **Why:** {_cell(item['why'])}",
            f"- **What to do:** {_cell(item['description'])}",
            f"- **Expected impact:** {_cell(item['impact_text'])} (confidence "
            f"{_cell(item['confidence'])}: {_cell(item['confidence_basis'])})",
            f"- **Effort:** {_cell(item['effort_text'])}",
            f"- **Trade-offs:** {_cell(item['tradeoffs'])}",
            f"- **Will not fix:** {_cell(item['wont_fix'])}",
            "",
        ]
    return lines


def goal_lines(snap: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) for each goal field typed, in reading order."""
    goal = snap.get("goal") or {}
    return [(label, goal[key]) for key, label in GOAL_LABELS.items() if goal.get(key)]


def plan_markdown(plan_or_snapshot: Plan | Mapping[str, Any]) -> str:
    """Markdown to paste into a doc or a ticket: the partner's goal, summary, finding, per group
    an action-item table (action, kind, owner, due, status, ticket) then each action's details."""
    snap = _as_snapshot(plan_or_snapshot)
    book = snap["playbook"]
    stamp = f" · generated {_cell(snap['generated_at'])}" if snap["generated_at"] else ""
    lines = [f"# {_cell(snap['title'] or book['title'])}", "",
             f"_Playbook: {_cell(book['title'])} (version {_version(snap)}){stamp}_", ""]
    if prepared := _prepared(snap):
        lines += [f"_{_cell(prepared)}_", ""]
    if goal := goal_lines(snap):
        lines += ["## Goal", "", *(f"- **{label}:** {_cell(text)}" for label, text in goal), ""]
    for line in snap["summary"]:
        lines += [f"> {_cell(line)}", ">"]
    if snap["summary"]:
        lines[-1] = ""
    finding = snap["finding"]
    if finding["title"]:
        lines += [f"**Finding:** {_cell(finding['title'])}", ""]
        if finding["detail"]:
            lines += [_cell(finding["detail"]), ""]
    elif not snap["complete"]:
        lines += ["_The decision tree was not finished; actions so far are listed._", ""]
    for section in snap["sections"]:
        lines += _md_section(section["title"], section["items"])
    if snap["steps"]:
        lines += ["## How we got here", ""]
        for number, step in enumerate(snap["steps"], start=1):
            note = f" — _{_cell(step['note'])}_" if step["note"] else ""
            lines.append(f"{number}. {_cell(step['question'])} **{_cell(step['answer'])}**{note}")
        lines.append("")
    lines += ["## Assumptions", ""] + [f"- {_cell(a)}" for a in snap["assumptions"]] + [""]
    lines += ["## Not promised", ""] + [f"- {_cell(a)}" for a in snap["not_promised"]] + [""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# JSON


def plan_json(session: Session, snapshot: Mapping[str, Any] | None = None) -> str:
    """The plan JSON: the session model with its snapshot filled (the session's own snapshot
    when none is given). Importing it (``from_json``) gives back exactly this session."""
    if snapshot is None:
        return to_json(session)
    return to_json(replace(session, snapshot=dict(snapshot)))


# --------------------------------------------------------------------------------------------
# Impact/effort chart, drawn here as inline SVG so the HTML needs nothing from outside

_W, _H = 640, 380
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 24, 20, 56


def _nice_step(raw: float) -> float:
    """The smallest 1-2-2.5-5 step (times a power of ten) at least ``raw``. Total over every
    positive float: a subnormal ``raw`` gets the smallest normal step, and no step exceeds
    1e308 (the largest power of ten a float holds)."""
    raw = min(max(raw, sys.float_info.min), 1e308)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if raw <= m * magnitude * (1 + 1e-9))


def _axis(top: float) -> tuple[float, list[float]]:
    """A 'nice' axis from 0 covering top: (axis maximum, tick values). Total: a top of 0,
    a subnormal, a huge one or infinity still gives a finite axis (values beyond it are drawn
    at its edge)."""
    if math.isnan(top) or top <= 0:
        top = 1.0
    top = min(top, sys.float_info.max / 4)
    step = _nice_step(top / 5)
    count = max(1, math.ceil(top / step - 1e-9))
    return count * step, [i * step for i in range(count + 1)]


def _fraction(value: float, top: float) -> float:
    """Where ``value`` sits on an axis from 0 to ``top``, kept inside the plot."""
    return min(1.0, max(0.0, value / top))


def _mid(low: float, high: float) -> float:
    return low / 2 + high / 2  # (low + high) / 2 overflows for values near the largest float


def _coordinate(value: float) -> str:
    return f"{value:.1f}"


def impact_effort_svg(snapshot: Mapping[str, Any]) -> str:
    """The impact/effort chart: one point per quantified, not-dropped action at (effort midpoint,
    impact midpoint), whiskers for both ranges, numbered by rank, coloured by kind. Top left is
    best. Empty string when no action is quantified."""
    snap = read_snapshot(snapshot)
    points = [i for i in _items(snap) if i["status"] != "dropped" and i["impact_low"] is not None
              and i["impact_high"] is not None and i["effort_low"] is not None
              and i["effort_high"] is not None]
    if not points:
        return ""
    unit = points[0]["impact_unit"] or ""
    points = [p for p in points if (p["impact_unit"] or "") == unit]
    x_max, x_ticks = _axis(max(p["effort_high"] for p in points) * 1.08)  # inf is fine here
    y_max, y_ticks = _axis(max(p["impact_high"] for p in points) * 1.08)
    width, height = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def x(value: float) -> float:
        return _LEFT + width * _fraction(value, x_max)

    def y(value: float) -> float:
        return _TOP + height * (1 - _fraction(value, y_max))

    esc = html.escape
    parts = [
        f'<svg class="chart" viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" role="img" '
        f'aria-label="Expected impact against effort for {len(points)} actions">',
        f'<rect x="{_LEFT}" y="{_TOP}" width="{width}" height="{height}" fill="#fafafa" '
        'stroke="#cccccc"/>',
    ]
    for tick in x_ticks:
        parts.append(f'<line x1="{_coordinate(x(tick))}" y1="{_TOP}" x2="{_coordinate(x(tick))}" '
                     f'y2="{_TOP + height}" stroke="#e6e6e6"/>'
                     f'<text x="{_coordinate(x(tick))}" y="{_TOP + height + 18}" '
                     f'text-anchor="middle" class="tick">{esc(fmt(tick))}</text>')
    for tick in y_ticks:
        parts.append(f'<line x1="{_LEFT}" y1="{_coordinate(y(tick))}" x2="{_LEFT + width}" '
                     f'y2="{_coordinate(y(tick))}" stroke="#e6e6e6"/>'
                     f'<text x="{_LEFT - 8}" y="{_coordinate(y(tick) + 4)}" text-anchor="end" '
                     f'class="tick">{esc(fmt(tick))}</text>')
    parts.append(f'<text x="{_LEFT + width / 2}" y="{_H - 12}" text-anchor="middle" '
                 'class="axis">Effort (person-days)</text>')
    parts.append(f'<text x="16" y="{_TOP + height / 2}" text-anchor="middle" class="axis" '
                 f'transform="rotate(-90 16 {_TOP + height / 2})">Expected impact '
                 f'({esc(unit)})</text>')
    for point in sorted(points, key=lambda p: -(p["rank"] or 0)):  # best ranks drawn on top
        colour = KIND_COLOURS.get(point["kind"], _OTHER_COLOUR)
        effort_mid = _mid(point["effort_low"], point["effort_high"])
        impact_mid = _mid(point["impact_low"], point["impact_high"])
        cx, cy = x(effort_mid), y(impact_mid)
        label = "" if point["rank"] is None else f"{point['rank']:g}"
        tip = (f"{label}. {point['title']}: {point['impact_text']} for {point['effort_text']} "
               f"({point['kind_label']})")
        parts.append(
            f'<g class="point" data-action="{esc(point["id"])}" data-kind="{esc(point["kind"])}" '
            f'data-effort="{effort_mid:g}" data-impact="{impact_mid:g}">'
            f"<title>{esc(tip)}</title>"
            f'<line x1="{_coordinate(cx)}" y1="{_coordinate(y(point["impact_low"]))}" '
            f'x2="{_coordinate(cx)}" y2="{_coordinate(y(point["impact_high"]))}" '
            f'stroke="{colour}" stroke-width="3" stroke-opacity="0.45"/>'
            f'<line x1="{_coordinate(x(point["effort_low"]))}" y1="{_coordinate(cy)}" '
            f'x2="{_coordinate(x(point["effort_high"]))}" y2="{_coordinate(cy)}" '
            f'stroke="{colour}" stroke-width="3" stroke-opacity="0.45"/>'
            f'<circle cx="{_coordinate(cx)}" cy="{_coordinate(cy)}" r="12" fill="{colour}" '
            'stroke="#ffffff" stroke-width="1.5"/>'
            f'<text x="{_coordinate(cx)}" y="{_coordinate(cy + 4.5)}" text-anchor="middle" '
            f'class="num">{esc(label)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# "Where it is lost" charts: the plan builders attach figures, the snapshot keeps their data,
# the HTML draws them again as inline SVG (no plotly.js, nothing loaded from anywhere)


def with_charts(plan: Plan, *figures: Any) -> Plan:
    """``plan`` with the charts its exports show: plotly figures, or zero-argument callables
    that make one (or None, for a chart the data cannot draw). Callables run only when the plan
    is exported, so a page that rebuilds its plan on every rerun pays nothing for them."""
    plan.charts = [figure for figure in figures if figure is not None]
    return plan


def where_lost_charts(analysis: Any) -> list[Callable[[], Any]]:
    """The scenario's main "where it is lost" charts for an analysis, as callables for
    :func:`with_charts`: one iteration's breakdown and the stage Pareto; the production gap's
    waterfall and, when feature samples were compared, the drift ranking; the access stages."""
    from triage.kinds.requests import charts as requests_charts
    from triage.kinds.requests.analysis import AccessAnalysis
    from triage.kinds.runs import charts as runs_charts
    from triage.kinds.runs.analysis import IterationAnalysis
    from triage.kinds.samples import charts as samples_charts
    from triage.kinds.segments import charts as segments_charts

    if isinstance(analysis, IterationAnalysis):
        if not analysis.has_data:
            return []
        return [lambda: runs_charts.iteration_breakdown(analysis),
                lambda: runs_charts.stage_pareto(analysis)]
    if isinstance(analysis, AccessAnalysis):
        stages = [s for s in analysis.stages if s.median_hours is not None]
        return [lambda: requests_charts.access_stages(stages)] if stages else []
    made: list[Callable[[], Any]] = []
    chart, metric = getattr(analysis, "chart", None), getattr(analysis, "metric", None)
    if chart is not None:
        made.append(lambda: segments_charts.gap_waterfall(chart, metric.name if metric else "metric",
                                                          metric.higher_is_better if metric else True))
    report = getattr(analysis, "drift", None)
    computed = [f for f in getattr(report, "features", ()) if f.js_distance is not None]
    if computed:
        made.append(lambda: samples_charts.drift_ranking(computed))
    return made


_TRACE_KEYS = ("type", "name", "orientation", "x", "y", "text", "texttemplate", "measure",
               "mode", "yaxis", "showlegend", "textposition")
_AXIS_KEYS = ("tickformat", "range", "type", "tickvals")
_MAX_POINTS = 500


def _plain_data(value: Any, depth: int = 0) -> Any:
    """Plotly's values as JSON: numpy arrays and tuples become lists (at most 500 items),
    numpy numbers Python numbers, NaN and infinities None."""
    if depth > 6:
        return None
    if isinstance(value, str | bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain_data(v, depth + 1) for k, v in value.items()}
    if hasattr(value, "tolist") and not isinstance(value, int | float):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [_plain_data(v, depth + 1) for v in list(value)[:_MAX_POINTS]]
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            return None
        return int(value) if isinstance(value, int) else number
    return str(value)


def _axis_title(axis: Any) -> str:
    title = getattr(axis, "title", None)
    return str(getattr(title, "text", None) or "")


def figure_data(figure: Any) -> dict[str, Any]:
    """A plotly figure's drawable content as compact JSON: the traces' values, names, colours
    and labels, the axes' titles, formats and ranges, and reference lines; no template."""
    data = []
    for trace in figure.data:
        raw = trace.to_plotly_json()
        item = {key: _plain_data(raw[key]) for key in _TRACE_KEYS if raw.get(key) is not None}
        colour = (raw.get("marker") or {}).get("color")
        if colour is not None:
            item["marker"] = {"color": _plain_data(colour)}
        for part in ("increasing", "decreasing", "totals"):
            colour = ((raw.get(part) or {}).get("marker") or {}).get("color")
            if colour is not None:
                item[part] = {"marker": {"color": _plain_data(colour)}}
        data.append(item)
    layout = figure.layout
    out: dict[str, Any] = {"title": str(layout.title.text or "")}
    if layout.barmode:
        out["barmode"] = layout.barmode
    if layout.showlegend is not None:
        out["showlegend"] = bool(layout.showlegend)
    for name in ("xaxis", "yaxis", "yaxis2"):
        axis = getattr(layout, name, None)
        if axis is None:
            continue
        raw = axis.to_plotly_json()
        entry = {key: _plain_data(raw[key]) for key in _AXIS_KEYS if raw.get(key) is not None}
        if _axis_title(axis):
            entry["title"] = _axis_title(axis)
        if entry:
            out[name] = entry
    shapes = [_plain_data({k: v for k, v in shape.to_plotly_json().items()
                           if k in ("type", "xref", "yref", "x0", "x1", "y0", "y1", "line")})
              for shape in layout.shapes or ()]
    if shapes:
        out["shapes"] = shapes
    return {"data": data, "layout": out}


def chart_entries(plan: Plan) -> list[dict[str, Any]]:
    """``plan.charts`` as snapshot entries ``{"title", "figure"}`` (callables are called now;
    a callable that gives None is left out)."""
    entries = []
    for chart in getattr(plan, "charts", None) or ():
        figure = chart() if callable(chart) else chart
        if figure is None:
            continue
        data = figure_data(figure)
        entries.append({"title": data["layout"]["title"], "figure": data})
    return entries


# -- drawing a snapshot chart as inline SVG ----------------------------------------------------

_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9., ]{5,40}\)")
_TAG = re.compile(r"<[^>]*>")
_SVG_W = 640
_CHAR_PX = 6.6  # 11-12 px text


def _plain_text(text: Any) -> str:
    """Plotly text as plain text: line breaks to " · ", other tags dropped, entities read."""
    return html.unescape(_TAG.sub("", re.sub(r"<br\s*/?>", " · ", str(text or ""),
                                             flags=re.IGNORECASE)))


def _lines(text: Any) -> list[str]:
    return [html.unescape(_TAG.sub("", part))
            for part in re.split(r"<br\s*/?>", str(text or ""), flags=re.IGNORECASE)]


def _colour(value: Any, fallback: str = _OTHER_COLOUR) -> str:
    return value if isinstance(value, str) and _COLOUR.fullmatch(value) else fallback


def _number_or_none(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _seq(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _pick(value: Any, index: int) -> Any:
    """A per-point attribute: the list's item, or the one value for all points."""
    if isinstance(value, list):
        return value[index] if index < len(value) else None
    return value


def _nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    span = high / count - low / count  # per tick, never overflowing for finite ends
    if not span > 0:
        return [low]
    step = _nice_step(span)
    first = math.ceil(low / step - 1e-9)  # in steps: i * step alone could overflow
    return [(first + i) * step for i in range(int(high / step - first + 1e-9) + 1)]


def _tick_text(value: float, tickformat: Any) -> str:
    match = re.fullmatch(r"\.(\d)%", tickformat) if isinstance(tickformat, str) else None
    if match:
        return f"{value:.{match.group(1)}%}"
    return fmt(round(value, 12))


def _bar_label(trace: Mapping[str, Any], index: int, value: float, tickformat: Any) -> str:
    text = _pick(trace.get("text"), index)
    if text not in (None, ""):
        return " · ".join(line for line in _lines(text) if line)
    if trace.get("texttemplate"):
        template = str(trace["texttemplate"])
        percent = re.search(r"%\{[xy]:\.(\d)%\}", template)
        return f"{value:.{percent.group(1)}%}" if percent else _tick_text(value, tickformat)
    return ""


def chart_svg(entry: Mapping[str, Any]) -> str:
    """A snapshot chart (bars, stacked or grouped, horizontal or vertical; a waterfall; text,
    marker and line overlays; reference lines) as inline SVG. Each bar carries its category,
    series and value in data attributes and a tooltip. Empty string when nothing is drawable."""
    try:
        return _chart_svg(entry)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError):
        return ""  # a stored chart of an unexpected shape: the page says it could not be drawn


def _chart_svg(entry: Mapping[str, Any]) -> str:
    figure = entry.get("figure") if isinstance(entry, Mapping) else None
    if not isinstance(figure, Mapping):
        return ""
    traces = [t for t in _seq(figure.get("data")) if isinstance(t, Mapping)]
    layout = figure.get("layout") if isinstance(figure.get("layout"), Mapping) else {}
    bars = [t for t in traces if t.get("type") in ("bar", "waterfall")]
    if not bars:
        return ""
    horizontal = bars[0].get("orientation") == "h"
    cat_key, val_key = ("y", "x") if horizontal else ("x", "y")
    value_axis = layout.get("xaxis" if horizontal else "yaxis") or {}
    value_axis = value_axis if isinstance(value_axis, Mapping) else {}
    tickformat = value_axis.get("tickformat")

    categories: list[str] = []
    for trace in traces:
        for label in _seq(trace.get(cat_key)):
            name = _plain_text(label)
            if name not in categories:
                categories.append(name)
    if not categories:
        return ""
    slot = {name: i for i, name in enumerate(categories)}

    # Segments: (category index, series index, low, high, colour, label, series name)
    segments: list[tuple[int, int, float, float, str, str, str]] = []
    stack = layout.get("barmode") == "stack"
    bar_series = [t for t in bars if t.get("type") == "bar"]
    positive = [0.0] * len(categories)
    negative = [0.0] * len(categories)
    for series, trace in enumerate(bars):
        cats, values = _seq(trace.get(cat_key)), _seq(trace.get(val_key))
        colours = (trace.get("marker") or {}).get("color") if isinstance(trace.get("marker"),
                                                                           Mapping) else None
        name = _plain_text(trace.get("name") or "")
        if trace.get("type") == "waterfall":
            measures = _seq(trace.get("measure"))
            parts = {k: ((trace.get(k) or {}).get("marker") or {}).get("color")
                     for k in ("increasing", "decreasing", "totals")
                     if isinstance(trace.get(k), Mapping)}
            running = 0.0
            for i, (label, raw) in enumerate(zip(cats, values, strict=False)):
                value = _number_or_none(raw)
                if value is None:
                    continue
                measure = measures[i] if i < len(measures) else "relative"
                if measure == "absolute":
                    low, high, running, kind = 0.0, value, value, "totals"
                elif measure == "total":
                    low, high, kind = 0.0, running, "totals"
                else:
                    low, high = running, running + value
                    running += value
                    kind = "increasing" if value >= 0 else "decreasing"
                segments.append((slot[_plain_text(label)], series, min(low, high), max(low, high),
                                 _colour(parts.get(kind)), _bar_label(trace, i, value, tickformat),
                                 name))
            continue
        for i, (label, raw) in enumerate(zip(cats, values, strict=False)):
            value = _number_or_none(raw)
            if value is None:
                continue
            where = slot[_plain_text(label)]
            if stack:
                base = positive[where] if value >= 0 else negative[where]
                low, high = (base, base + value) if value >= 0 else (base + value, base)
                if value >= 0:
                    positive[where] += value
                else:
                    negative[where] += value
            else:
                low, high = min(0.0, value), max(0.0, value)
            segments.append((where, series, low, high, _colour(_pick(colours, i)),
                             _bar_label(trace, i, value, tickformat), name))

    # Overlays from scatter traces: text labels, tick marks, and lines (maybe on a second axis).
    overlays = [t for t in traces if t.get("type") in ("scatter", None)]
    values = [v for seg in segments for v in (seg[2], seg[3])]
    for trace in overlays:
        if trace.get("yaxis") not in (None, "y"):
            continue
        values += [v for v in map(_number_or_none, _seq(trace.get(val_key))) if v is not None]
    for shape in _seq(layout.get("shapes")):
        if isinstance(shape, Mapping):
            key = "x0" if horizontal else "y0"
            if _number_or_none(shape.get(key)) is not None and shape.get(
                    "xref" if horizontal else "yref") in ("x", "y"):
                values.append(float(shape[key]))
    span = value_axis.get("range")
    if (isinstance(span, list) and len(span) == 2
            and all(_number_or_none(v) is not None for v in span) and span[1] > span[0]):
        low_value, high_value = float(span[0]), float(span[1])
    else:
        low_value = min([0.0, *values])
        high_value = max([0.0, *values]) * 1.12 or 1.0
        if high_value <= low_value:
            high_value = low_value + 1.0

    # Geometry
    label_px = max(len(c) for c in categories) * _CHAR_PX
    n = len(categories)
    legend = [(t.get("name"), _colour(_pick((t.get("marker") or {}).get("color"), 0)
                                      if isinstance(t.get("marker"), Mapping) else None))
              for t in traces if t.get("name") and t.get("showlegend") is not False
              and t.get("type") in ("bar", "scatter")]
    show_legend = len(legend) >= 2 and layout.get("showlegend") is not False
    top = 34 if show_legend else 12
    value_title = _plain_text(value_axis.get("title") or "")
    second = layout.get("yaxis2") if isinstance(layout.get("yaxis2"), Mapping) else None
    if horizontal:
        left = min(230, 14 + label_px)
        right = 24
        band = 30
        plot_h = band * n
        bottom = 46 if value_title else 28
        rotate = False
    else:
        left = 64
        right = 56 if second else 20
        band = (_SVG_W - left - right) / n
        rotate = label_px > band - 6
        bottom = (min(150, 24 + label_px * 0.6) if rotate else 30) + (20 if value_title else 0)
        plot_h = 250
    plot_w = _SVG_W - left - right
    height = top + plot_h + bottom

    def scale(value: float) -> float:
        fraction = (value - low_value) / (high_value - low_value)
        fraction = min(1.0, max(0.0, fraction))
        return left + plot_w * fraction if horizontal else top + plot_h * (1 - fraction)

    def centre(index: int) -> float:  # a category's middle, along the category axis
        return top + band * (n - index - 0.5) if horizontal else left + band * (index + 0.5)

    esc = html.escape
    title = _plain_text(entry.get("title") or layout.get("title") or "chart")
    parts = [f'<svg class="chart" viewBox="0 0 {_SVG_W} {height:.0f}" width="{_SVG_W}" '
             f'height="{height:.0f}" role="img" aria-label="{esc(title)}">',
             f'<rect x="{left}" y="{top}" width="{plot_w:.1f}" height="{plot_h:.1f}" '
             'fill="#fafafa" stroke="#cccccc"/>']
    for tick in _nice_ticks(low_value, high_value):
        at = scale(tick)
        text = esc(_tick_text(tick, tickformat))
        if horizontal:
            parts.append(f'<line x1="{at:.1f}" y1="{top}" x2="{at:.1f}" y2="{top + plot_h:.1f}" '
                         f'stroke="#e6e6e6"/><text x="{at:.1f}" y="{top + plot_h + 16:.1f}" '
                         f'text-anchor="middle" class="tick">{text}</text>')
        else:
            parts.append(f'<line x1="{left}" y1="{at:.1f}" x2="{left + plot_w:.1f}" '
                         f'y2="{at:.1f}" stroke="#e6e6e6"/><text x="{left - 6}" '
                         f'y="{at + 4:.1f}" text-anchor="end" class="tick">{text}</text>')
    for index, name in enumerate(categories):
        at = centre(index)
        shown = name if len(name) <= 34 else name[:33] + "…"
        if horizontal:
            parts.append(f'<text x="{left - 6}" y="{at + 4:.1f}" text-anchor="end" class="tick">'
                         f"<title>{esc(name)}</title>{esc(shown)}</text>")
        elif rotate:
            y = top + plot_h + 12
            parts.append(f'<text x="{at:.1f}" y="{y:.1f}" text-anchor="end" class="tick" '
                         f'transform="rotate(-35 {at:.1f} {y:.1f})"><title>{esc(name)}</title>'
                         f"{esc(shown)}</text>")
        else:
            parts.append(f'<text x="{at:.1f}" y="{top + plot_h + 16:.1f}" text-anchor="middle" '
                         f'class="tick">{esc(shown)}</text>')
    if value_title:
        if horizontal:
            parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 8:.1f}" '
                         f'text-anchor="middle" class="axis">{esc(value_title)}</text>')
        else:
            parts.append(f'<text x="14" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
                         f'class="axis" transform="rotate(-90 14 {top + plot_h / 2:.1f})">'
                         f"{esc(value_title)}</text>")

    grouped = len(bar_series) > 1 and not stack
    thickness = band * 0.7 / (len(bar_series) if grouped else 1)
    for where, series, low, high, colour, label, name in segments:
        offset = (series - (len(bar_series) - 1) / 2) * thickness if grouped else 0.0
        middle = centre(where) + offset
        category = categories[where]
        value = high - low if stack or bars[series].get("type") == "waterfall" else (
            high if high else low)
        tip = f"{category}{' · ' + name if name else ''}: {label or fmt(value)}"
        if horizontal:
            x0, x1 = scale(low), scale(high)
            y0 = middle - thickness / 2
            rect = (f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{max(0.5, x1 - x0):.1f}" '
                    f'height="{thickness:.1f}" fill="{colour}"/>')
        else:
            y1, y0 = scale(low), scale(high)
            x0 = middle - thickness / 2
            rect = (f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{thickness:.1f}" '
                    f'height="{max(0.5, y1 - y0):.1f}" fill="{colour}"/>')
        text = ""
        if label:
            if horizontal and stack:
                width = scale(high) - scale(low)
                if width >= len(label) * _CHAR_PX + 6:
                    text = (f'<text x="{(scale(low) + scale(high)) / 2:.1f}" y="{middle + 4:.1f}" '
                            f'text-anchor="middle" class="num">{esc(label)}</text>')
            elif horizontal:
                text = (f'<text x="{scale(high) + 4:.1f}" y="{middle + 4:.1f}" class="tick">'
                        f"{esc(label)}</text>")
            else:
                text = (f'<text x="{middle:.1f}" y="{scale(high) - 4:.1f}" text-anchor="middle" '
                        f'class="tick">{esc(label)}</text>')
        parts.append(f'<g class="bar" data-category="{esc(category)}" data-series="{esc(name)}" '
                     f'data-value="{value:.6g}"><title>{esc(tip)}</title>{rect}{text}</g>')

    for trace in overlays:
        mode = str(trace.get("mode") or "")
        cats, raw_values = _seq(trace.get(cat_key)), _seq(trace.get(val_key))
        on_second = trace.get("yaxis") == "y2" and second is not None and not horizontal
        if on_second:
            rng = second.get("range")
            s_low, s_high = ((float(rng[0]), float(rng[1])) if isinstance(rng, list)
                             and len(rng) == 2 and rng[1] > rng[0] else (0.0, 1.0))

            def value_at(v: float, s_low: float = s_low, s_high: float = s_high) -> float:
                return top + plot_h * (1 - min(1.0, max(0.0, (v - s_low) / (s_high - s_low))))
        else:
            value_at = scale
        points = []
        for i, (label, raw) in enumerate(zip(cats, raw_values, strict=False)):
            value = _number_or_none(raw)
            name = _plain_text(label)
            if value is None or name not in slot:
                continue
            along, across = value_at(value), centre(slot[name])
            x, y = (along, across) if horizontal else (across, along)
            points.append((x, y, value, i))
        colour = _colour((trace.get("marker") or {}).get("color")
                         if isinstance(trace.get("marker"), Mapping) else None, "#222222")
        name = _plain_text(trace.get("name") or "")
        if "lines" in mode and len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="#444444" '
                         'stroke-width="2"/>')
        for x, y, value, i in points:
            label = _pick(trace.get("text"), i)
            if "markers" in mode:
                if horizontal:
                    mark = (f'<line x1="{x:.1f}" y1="{y - band * 0.38:.1f}" x2="{x:.1f}" '
                            f'y2="{y + band * 0.38:.1f}" stroke="{colour}" stroke-width="3"/>')
                else:
                    mark = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#444444"/>'
                tip = f"{categories[slot[_plain_text(cats[i])]]} · {name}: {fmt(value)}"
                parts.append(f'<g class="mark" data-series="{esc(name)}" data-value="{value:.6g}">'
                             f"<title>{esc(tip)}</title>{mark}</g>")
            if "text" in mode and label not in (None, ""):
                parts.append(f'<text x="{x + 6:.1f}" y="{y + 4:.1f}" class="tick">'
                             f"{esc(_plain_text(label))}</text>")
    if second is not None and not horizontal:
        ticks = [v for v in map(_number_or_none, _seq(second.get("tickvals"))) if v is not None]
        rng = second.get("range")
        s_low, s_high = ((float(rng[0]), float(rng[1])) if isinstance(rng, list) and len(rng) == 2
                         and rng[1] > rng[0] else (0.0, 1.0))
        for tick in ticks or _nice_ticks(s_low, s_high):
            y = top + plot_h * (1 - (tick - s_low) / (s_high - s_low))
            parts.append(f'<text x="{left + plot_w + 6:.1f}" y="{y + 4:.1f}" class="tick">'
                         f"{esc(_tick_text(tick, second.get('tickformat')))}</text>")
    for shape in _seq(layout.get("shapes")):
        if not isinstance(shape, Mapping) or shape.get("type") != "line":
            continue
        line = shape.get("line") if isinstance(shape.get("line"), Mapping) else {}
        dash = {"dot": ' stroke-dasharray="2,3"', "dash": ' stroke-dasharray="6,4"'}.get(
            line.get("dash"), "")
        stroke = _colour(line.get("color"), "#444444")
        at = _number_or_none(shape.get("x0" if horizontal else "y0"))
        if at is None or shape.get("xref" if horizontal else "yref") not in ("x", "y"):
            continue
        where = scale(at)
        coords = (f'x1="{where:.1f}" y1="{top}" x2="{where:.1f}" y2="{top + plot_h:.1f}"'
                  if horizontal else
                  f'x1="{left}" y1="{where:.1f}" x2="{left + plot_w:.1f}" y2="{where:.1f}"')
        parts.append(f'<line class="reference" data-value="{at:.6g}" {coords} stroke="{stroke}" '
                     f'stroke-width="2"{dash}/>')
    if show_legend:
        x = left
        for name, colour in legend:
            text = _plain_text(name)
            parts.append(f'<rect x="{x}" y="8" width="11" height="11" fill="{colour}"/>'
                         f'<text x="{x + 16}" y="18" class="tick">{esc(text)}</text>')
            x += 30 + len(text) * _CHAR_PX
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# HTML

_CSS = """
:root { --quick: @QUICK@; --cross: @CROSS@; --ink: #1f2328; --muted: #59636e; --rule: #d0d7de; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color: var(--ink); line-height: 1.45; margin: 0 auto; padding: 24px 32px;
       max-width: 960px; font-size: 15px; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.25em; margin: 28px 0 8px; border-bottom: 2px solid var(--rule);
     padding-bottom: 4px; }
h3 { font-size: 1.05em; margin: 0 0 6px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.summary { background: #f6f8fa; border-left: 4px solid @WORKING@; padding: 10px 16px;
           margin: 12px 0; }
.summary p { margin: 4px 0; font-size: 1.05em; }
.finding { margin: 12px 0; }
.goal dl { display: grid; grid-template-columns: 16em 1fr; gap: 2px 12px; margin: 6px 0 0; }
.goal dt { font-weight: 600; color: var(--muted); }
.goal dd { margin: 0; white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 0.92em; }
th, td { border: 1px solid var(--rule); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; white-space: nowrap; }
td.title { min-width: 14em; }
td.owner { overflow-wrap: anywhere; min-width: 7em; }
.email { color: var(--muted); font-size: 0.9em; }
.kind { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff;
        font-size: 0.85em; white-space: nowrap; }
.kind.quick_win { background: var(--quick); }
.kind.cross_team { background: var(--cross); }
.status { white-space: nowrap; }
.status.dropped, tr.dropped td { color: var(--muted); text-decoration: line-through; }
.action { border: 1px solid var(--rule); border-left: 6px solid #777; border-radius: 4px;
          padding: 10px 14px; margin: 10px 0; }
.action.quick_win { border-left-color: var(--quick); }
.action.cross_team { border-left-color: var(--cross); }
.action dl { display: grid; grid-template-columns: 9.5em 1fr; gap: 2px 12px; margin: 6px 0 0; }
.action dt { font-weight: 600; color: var(--muted); }
.action dd { margin: 0; white-space: pre-wrap; }
figure { margin: 12px 0; }
figcaption { color: var(--muted); font-size: 0.9em; }
svg.chart { max-width: 100%; height: auto; font-family: inherit; }
svg .tick { font-size: 11px; fill: var(--muted); }
svg .axis { font-size: 12px; fill: var(--ink); }
svg .num { font-size: 11px; font-weight: 700; fill: #fff; }
.legend span { display: inline-block; margin-right: 16px; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 50%;
          margin-right: 5px; vertical-align: -1px; }
.empty { color: var(--muted); font-style: italic; }
ol.steps li { margin: 3px 0; }
.note { color: var(--muted); font-style: italic; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  body { font-size: 10.5pt; padding: 0; max-width: none; }
  table { font-size: 8.5pt; }
  th, td { padding: 3px 5px; }
  td.title { min-width: 10em; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .action, figure, tr, .summary { break-inside: avoid; page-break-inside: avoid; }
  .kind, .swatch, .summary, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
_CSS = (_CSS.replace("@QUICK@", palette.QUICK_WIN).replace("@CROSS@", palette.CROSS_TEAM)
        .replace("@WORKING@", palette.WORKING))

_EXTERNAL = re.compile(r"<\s*script|(?:src|href|xlink:href)\s*=\s*[\"']?\s*(?:https?:|//)|"
                       r"url\(\s*[\"']?\s*(?:https?:|//)|@import", re.IGNORECASE)


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _html_action_row(item: Mapping[str, Any]) -> str:
    dropped = ' class="dropped"' if item["status"] == "dropped" else ""
    rank = "" if item["rank"] is None else f"{item['rank']:g}"
    owner = (f"{_e(item['owner'])}<br><span class=\"email\">{_e(item['email'])}</span>"
             if item["owner"] and item["email"] else _e(_owner(item)))
    return (f"<tr{dropped}><td class=\"num\">{rank}</td><td class=\"title\">{_e(item['title'])}</td>"
            f"<td><span class=\"kind {_e(item['kind'])}\">{_e(item['kind_label'])}</span></td>"
            f"<td>{_e(item['impact_text'])}</td><td class=\"num\">{_e(item['effort_text'])}</td>"
            f"<td>{_e(item['confidence'])}</td><td class=\"owner\">{owner}</td>"
            f"<td class=\"num\">{_e(item['due'] or '—')}</td>"
            f"<td class=\"status {_e(item['status'])}\">{_e(item['status'])}</td>"
            f"<td>{_e(item['ticket'] or '—')}</td></tr>")


def _html_action_card(item: Mapping[str, Any]) -> str:
    rows = [("Why", item["why"]), ("What to do", item["description"]),
            ("Expected impact", f"{item['impact_text']} (confidence {item['confidence']}: "
                                f"{item['confidence_basis']})"),
            ("Effort", item["effort_text"]), ("Trade-offs", item["tradeoffs"]),
            ("Will not fix", item["wont_fix"]), ("Owner", _owner(item)),
            ("Due", item["due"] or "—"), ("Status", item["status"]),
            ("Ticket", item["ticket"] or "—")]
    rank = "" if item["rank"] is None else f"{item['rank']:g}. "
    body = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows if v)
    return (f'<section class="action {_e(item["kind"])}" id="action-{_e(item["id"])}">'
            f"<h3>{_e(rank)}{_e(item['title'])}</h3><dl>{body}</dl></section>")


def plan_html(snapshot: Mapping[str, Any] | Plan, charts: Mapping[str, str] | None = None) -> str:
    """A self-contained HTML page of the plan (inline CSS and SVG, no request to anywhere) that
    prints well to PDF from a browser (A4, an action never split across pages).

    ``charts`` maps a caption to an extra inline SVG/HTML fragment made by the caller (inserted
    as is, after the impact/effort chart); fragments that would load anything from outside the
    page or run a script are refused with ExportError.
    """
    snap = _as_snapshot(snapshot)
    book = snap["playbook"]
    title = snap["title"] or book["title"]
    stamp = f" · generated {_e(snap['generated_at'])}" if snap["generated_at"] else ""
    prepared = _prepared(snap)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
           f"<header><h1>{_e(title)}</h1><p class=\"meta\">Playbook: {_e(book['title'])} "
           f"(version {_e(_version(snap))}){stamp}</p>"
           + (f'<p class="meta prepared">{_e(prepared)}</p>' if prepared else "")
           + "</header>"]
    if goal := goal_lines(snap):
        out.append('<section class="goal"><h2>Goal</h2><dl>'
                   + "".join(f"<dt>{_e(label)}</dt><dd>{_e(text)}</dd>" for label, text in goal)
                   + "</dl></section>")
    if snap["summary"]:
        out.append('<div class="summary">' + "".join(f"<p>{_e(line)}</p>"
                                                    for line in snap["summary"]) + "</div>")
    finding = snap["finding"]
    if finding["title"]:
        detail = f"<p>{_e(finding['detail'])}</p>" if finding["detail"] else ""
        out.append(f'<div class="finding"><p><strong>Finding:</strong> {_e(finding["title"])}'
                   f"</p>{detail}</div>")
    elif not snap["complete"]:
        out.append('<p class="empty">The decision tree was not finished; actions so far are '
                   "listed.</p>")
    drawn = [(entry["title"], chart_svg(entry)) for entry in snap["charts"]]
    if drawn:
        out.append("<h2>Where it is lost</h2>")
        for caption, svg in drawn:
            body = svg or ('<p class="empty">This chart could not be drawn from the saved '
                           "data.</p>")
            out.append(f"<figure><h3>{_e(_plain_text(caption))}</h3>{body}</figure>")
    chart = impact_effort_svg(snap)
    out.append("<h2>Impact and effort</h2>")
    if chart:
        out.append(
            f"<figure>{chart}<figcaption><span class=\"legend\">"
            f'<span><i class="swatch" style="background:{KIND_COLOURS["quick_win"]}"></i>'
            "Quick win</span>"
            f'<span><i class="swatch" style="background:{KIND_COLOURS["cross_team"]}"></i>'
            "Cross-team</span></span> Numbers are the actions' ranks (expected impact per "
            "person-day); whiskers show the ranges. Top left is best.</figcaption></figure>")
    else:
        out.append('<p class="empty">No action\'s impact could be quantified from the numbers '
                   "given, so there is no chart.</p>")
    for caption, fragment in (charts or {}).items():
        if _EXTERNAL.search(fragment):
            raise ExportError(f"chart '{caption}' refers to something outside the page or holds "
                              "a script; only self-contained SVG or HTML can be embedded")
        out.append(f"<figure>{fragment}<figcaption>{_e(caption)}</figcaption></figure>")
    for section in snap["sections"]:
        out.append(f"<h2>{_e(section['title'])}</h2>")
        if not section["items"]:
            out.append('<p class="empty">None on this path.</p>')
            continue
        out.append("<table><thead><tr><th>#</th><th>Action</th><th>Kind</th><th>Impact</th>"
                   "<th>Effort</th><th>Confidence</th><th>Owner</th><th>Due</th><th>Status</th>"
                   "<th>Ticket</th></tr></thead><tbody>"
                   + "".join(_html_action_row(item) for item in section["items"])
                   + "</tbody></table>")
        out.extend(_html_action_card(item) for item in section["items"])
    if snap["steps"]:
        out.append('<h2>How we got here</h2><ol class="steps">')
        for step in snap["steps"]:
            note = f' <span class="note">— {_e(step["note"])}</span>' if step["note"] else ""
            out.append(f"<li>{_e(step['question'])} <strong>{_e(step['answer'])}</strong>"
                       f"{note}</li>")
        out.append("</ol>")
    for heading, key in (("Assumptions", "assumptions"), ("Not promised", "not_promised")):
        out.append(f"<h2>{heading}</h2><ul>" + "".join(f"<li>{_e(line)}</li>"
                                                      for line in snap[key]) + "</ul>")
    out.append("</body></html>\n")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# Jira CSV

JIRA_COLUMNS = ("Summary", "Description", "Issue Type", "Priority", "Labels", "Due Date",
                "Assignee")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset("=+-@")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SUMMARY_LIMIT = 255  # Jira's limit on a summary
_DESCRIPTION_LIMIT = 32_000  # Jira's limit on a text field is 32,767 characters


def _ignorable(char: str) -> bool:
    """A character a spreadsheet may skip or a person not see before a formula: any Unicode
    white space (newline, no-break space, ideographic space…), control or format character
    (zero-width space, joiners, direction marks, byte-order mark)."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP's advice): a cell gets a
    leading single quote when it starts with tab or CR, or when its first character that is not
    white space, a control or a format character is = + - @ (or a compatibility form of one,
    such as the full-width ＝)."""
    if cell.lstrip(" ").startswith(_FORMULA_START):
        return "'" + cell
    for char in cell:
        if _ignorable(char):
            continue
        if unicodedata.normalize("NFKC", char)[:1] in _FORMULA_CHARS:
            return "'" + cell
        break
    return cell


def jira_priority(position: int, confidence: str) -> str:
    """Priority from an action's rank among the exported actions and its confidence.

    - **High**: one of the three best-ranked actions (expected impact per effort) with medium or
      high confidence;
    - **Low**: low confidence outside the top three;
    - **Medium**: everything else (a top-three action with low confidence, or a medium/high
      confidence action further down).
    """
    top = position <= 3
    if top and confidence in ("medium", "high"):
        return "High"
    if not top and confidence not in ("medium", "high"):
        return "Low"
    return "Medium"


def _label(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def _assignee(item: Mapping[str, Any], emails: Mapping[str, str]) -> str:
    lookup = {str(k).strip().casefold(): str(v).strip() for k, v in emails.items()}
    for candidate in (item["email"].strip(), lookup.get(item["owner"].strip().casefold(), ""),
                      lookup.get(item["id"].casefold(), "")):
        if candidate and _EMAIL.fullmatch(candidate):
            return candidate
    return ""


def _jira_description(snap: Mapping[str, Any], item: Mapping[str, Any], assignee: str) -> str:
    book = snap["playbook"]
    goal = [f"{label}: {text}" for label, text in goal_lines(snap)]
    lines = [*goal, *([""] if goal else []), item["why"], "", f"What to do: {item['description']}",
             f"Expected impact: {item['impact_text']} (confidence {item['confidence']}: "
             f"{item['confidence_basis']})",
             f"Effort: {item['effort_text']}", f"Trade-offs: {item['tradeoffs']}",
             f"Will not fix: {item['wont_fix']}"]
    if item["owner_role"]:
        lines.append(f"Owner role: {item['owner_role']}")
    if item["owner"] and not assignee:
        lines.append(f"Owner: {item['owner']}")
    if item["ticket"]:
        lines.append(f"Existing ticket: {item['ticket']}")
    lines += ["", f"From the triage plan “{snap['title'] or book['title']}” ({book['title']}, "
                  f"playbook version {_version(snap)}), generated {snap['generated_at'] or '—'}."]
    if prepared := _prepared(snap):
        lines.append(f"{prepared}.")
    text = "\n".join(lines)
    return text if len(text) <= _DESCRIPTION_LIMIT else text[:_DESCRIPTION_LIMIT - 1] + "…"


def plan_jira_csv(snapshot: Mapping[str, Any] | Plan, *,
                  emails: Mapping[str, str] | None = None) -> str:
    """A CSV for Jira's issue import: one Task per action that is not dropped, in the plan's
    reading order. Each description opens with the partner's goal, so a ticket read alone still
    says what it is for.

    Assignee is the action's e-mail, else ``emails`` looked up by the owner's name or the action
    id (case-insensitive), else empty. Labels (space-separated): ``ml-triage``, ``quick-win`` or
    ``cross-team``, the playbook (scenario) id and ``now``/``later`` where set. Due Date is
    ISO ``yyyy-MM-dd``: pick that date format in Jira's import wizard. Priority: see
    :func:`jira_priority`. Every cell is neutralised against spreadsheet formulas.
    """
    snap = _as_snapshot(snapshot)
    items = [item for item in _items(snap) if item["status"] != "dropped"]
    by_rank = sorted(range(len(items)), key=lambda i: (items[i]["rank"] is None,
                                                       items[i]["rank"] or 0, i))
    position = {index: place for place, index in enumerate(by_rank, start=1)}
    scenario = _label(snap["playbook"]["id"] or "")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(JIRA_COLUMNS)
    for index, item in enumerate(items):
        assignee = _assignee(item, emails or {})
        labels = ["ml-triage", _label(item["kind"].replace("_", "-")), scenario,
                  _label(item["horizon"] or "")]
        summary = item["title"].replace("\r", " ").replace("\n", " ")
        if len(summary) > _SUMMARY_LIMIT:
            summary = summary[:_SUMMARY_LIMIT - 1] + "…"
        row = [summary, _jira_description(snap, item, assignee), "Task",
               jira_priority(position[index], item["confidence"]),
               " ".join(dict.fromkeys(label for label in labels if label)), item["due"], assignee]
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()
