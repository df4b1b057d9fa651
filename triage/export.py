"""Exports of a plan: Markdown, self-contained HTML, Jira CSV and the plan JSON.

Every export renders from a *snapshot*: a plain, JSON-able dict made by :func:`plan_snapshot`
from a built :class:`~triage.plan.Plan`. The snapshot is stored in the session
(``Session.snapshot``), so a plan saved or exported with an older playbook renders exactly as it
was saved, and readers never need the playbook or the uploaded data again.

The JSON export is the session model itself with its snapshot filled (:func:`plan_json`):
importing it gives back the same session. Everything users typed is escaped for the format it
lands in: Markdown (pipes, newlines, HTML), HTML (``html.escape``), CSV (formula cells).
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from triage.markdown import literal
from triage.plan import Estimate, Plan, PlanAction, fmt, sections
from triage.playbook import Catalogue, Playbook, load_catalogue
from triage.session import Session, to_json
from triage.vocabulary import KIND_LABELS

SNAPSHOT_FORMAT = 1
SECTION_HINTS = {"Quick win": "Quick wins (the team alone, in days)",
                 "Cross-team": "Cross-team work (needs another team)"}
KIND_COLOURS = {"quick_win": "#009E73", "cross_team": "#CC79A7"}  # Okabe-Ito, colour-blind safe
_OTHER_COLOUR = "#777777"


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
                  session: Session | None = None) -> dict[str, Any]:
    """The plan as plain JSON-able data, everything an export shows.

    ``now`` stamps ``generated_at`` (ISO 8601, seconds); the wall clock when omitted. ``session``
    supplies what the plan does not carry itself (each action's ticket).
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
    }


def session_snapshot(session: Session, book: Playbook, *,
                     now: datetime | None = None) -> dict[str, Any]:
    """Rebuild a session's plan from its playbook and typed inputs alone, and snapshot it.

    Uploaded files are not part of a session: an iteration session falls back to its typed stage
    table, an access session to its typed typical request. Raises ExportError when the typed
    inputs cannot be used (a hand-edited file, a wrong type somewhere).
    """
    try:
        plan = _rebuild(session, book)
    except ValueError as err:  # InputError and friends already say what is wrong
        raise ExportError(f"the plan cannot be rebuilt from its typed inputs: {err}") from None
    except (TypeError, AttributeError, KeyError, IndexError) as err:
        raise ExportError("the plan cannot be rebuilt from its typed inputs: a field has the "
                          f"wrong type ({type(err).__name__}: {err})") from None
    return plan_snapshot(plan, now=now, session=session)


def _rebuild(session: Session, book: Playbook) -> Plan:
    if book.scenario == "access":
        from triage.access import analyse_typed
        from triage.access_plan import access_plan

        inputs = session.inputs
        slas = {k: float(v) for k, v in (inputs.get("slas") or {}).items() if v}
        analysis = analyse_typed(inputs.get("typical") or {}, slas=slas)
        return access_plan(book, session, analysis, float(inputs.get("requests_per_month") or 0))
    if book.scenario == "production":
        from triage.production import analyse, production_plan

        return production_plan(book, session, analyse(session.inputs))
    from triage.iteration_plan import iteration_plan, session_analysis

    return iteration_plan(book, session, session_analysis(session, None))


def snapshot_for(session: Session, catalogue: Catalogue | None, *,
                 now: datetime | None = None) -> tuple[dict[str, Any], str]:
    """The session's stored snapshot, else one rebuilt from the installed playbooks (the shipped
    catalogue when none is given); with a notice (empty when there is nothing to say). Raises
    ExportError when the playbook is missing or the stored snapshot is malformed."""
    if session.snapshot is not None:
        return read_snapshot(session.snapshot), ""
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


def plan_markdown(plan_or_snapshot: Plan | Mapping[str, Any]) -> str:
    """Markdown to paste into a doc or a ticket: summary, finding, per group an action-item
    table (action, kind, owner, due, status, ticket) then each action's details."""
    snap = _as_snapshot(plan_or_snapshot)
    book = snap["playbook"]
    stamp = f" · generated {_cell(snap['generated_at'])}" if snap["generated_at"] else ""
    lines = [f"# {_cell(snap['title'] or book['title'])}", "",
             f"_Playbook: {_cell(book['title'])} (version {_version(snap)}){stamp}_", ""]
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


def _axis(top: float) -> tuple[float, list[float]]:
    """A 'nice' axis from 0 covering top: (axis maximum, tick values)."""
    top = top if top > 0 else 1.0
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if raw <= m * magnitude * (1 + 1e-9))
    count = max(1, math.ceil(top / step - 1e-9))
    return count * step, [i * step for i in range(count + 1)]


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
    x_max, x_ticks = _axis(max(p["effort_high"] for p in points) * 1.08)
    y_max, y_ticks = _axis(max(p["impact_high"] for p in points) * 1.08)
    width, height = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def x(value: float) -> float:
        return _LEFT + width * value / x_max

    def y(value: float) -> float:
        return _TOP + height * (1 - value / y_max)

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
        effort_mid = (point["effort_low"] + point["effort_high"]) / 2
        impact_mid = (point["impact_low"] + point["impact_high"]) / 2
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
# HTML

_CSS = """
:root { --quick: #009E73; --cross: #CC79A7; --ink: #1f2328; --muted: #59636e; --rule: #d0d7de; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color: var(--ink); line-height: 1.45; margin: 0 auto; padding: 24px 32px;
       max-width: 960px; font-size: 15px; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.25em; margin: 28px 0 8px; border-bottom: 2px solid var(--rule);
     padding-bottom: 4px; }
h3 { font-size: 1.05em; margin: 0 0 6px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.summary { background: #f6f8fa; border-left: 4px solid #0072B2; padding: 10px 16px;
           margin: 12px 0; }
.summary p { margin: 4px 0; font-size: 1.05em; }
.finding { margin: 12px 0; }
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
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
           f"<header><h1>{_e(title)}</h1><p class=\"meta\">Playbook: {_e(book['title'])} "
           f"(version {_e(_version(snap))}){stamp}</p></header>"]
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
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SUMMARY_LIMIT = 255  # Jira's limit on a summary
_DESCRIPTION_LIMIT = 32_000  # Jira's limit on a text field is 32,767 characters


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula: cells starting with = + - @ tab or CR
    (after any leading spaces) get a leading single quote (OWASP's advice)."""
    return "'" + cell if cell.lstrip(" ").startswith(_FORMULA_START) else cell


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
    lines = [item["why"], "", f"What to do: {item['description']}",
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
    text = "\n".join(lines)
    return text if len(text) <= _DESCRIPTION_LIMIT else text[:_DESCRIPTION_LIMIT - 1] + "…"


def plan_jira_csv(snapshot: Mapping[str, Any] | Plan, *,
                  emails: Mapping[str, str] | None = None) -> str:
    """A CSV for Jira's issue import: one Task per action that is not dropped, in the plan's
    reading order.

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
