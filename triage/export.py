"""Exports of a plan: Markdown to paste into a doc or ticket, JSON that imports back.

The JSON export is the session model itself (see triage.session.to_json): importing it rebuilds
the same plan from the same answers, inputs and edits.
"""

from __future__ import annotations

from triage.plan import Plan, PlanAction, sections
from triage.session import Session, to_json

SECTION_HINTS = {"Quick win": "Quick wins (the team alone, in days)",
                 "Cross-team": "Cross-team work (needs another team)"}


def _cell(text: str) -> str:
    """Table-safe Markdown: no pipes or newlines breaking the row, no raw HTML."""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
            .replace("<", "&lt;").replace(">", "&gt;"))


def _owner(item: PlanAction) -> str:
    if item.owner and item.email:
        return f"{item.owner} <{item.email}>"
    return item.owner or item.email or f"({item.action.owner_role or 'unassigned'})"


def _section(title: str, items: list[PlanAction]) -> list[str]:
    lines = [f"## {title}", ""]
    if not items:
        return [*lines, "None on this path.", ""]
    lines += ["| # | Action | Impact | Effort | Confidence | Owner | Due | Status |",
              "|---|---|---|---|---|---|---|---|"]
    for number, item in enumerate(items, start=1):
        lines.append("| " + " | ".join(_cell(c) for c in (
            str(number), item.action.title, item.impact_text, item.effort_text, item.confidence,
            _owner(item), item.due or "—", item.status)) + " |")
    lines.append("")
    for item in items:
        lines += [
            f"### {_cell(item.action.title)}",
            "",
            f"- **Why:** {_cell(item.why)}",
            f"- **What to do:** {_cell(item.action.description)}",
            f"- **Expected impact:** {item.impact_text} (confidence {item.confidence}: "
            f"{_cell(item.confidence_basis)})",
            f"- **Trade-offs:** {_cell(item.action.tradeoffs)}",
            f"- **Will not fix:** {_cell(item.action.wont_fix)}",
            "",
        ]
    return lines


def plan_markdown(plan: Plan) -> str:
    book = plan.playbook
    lines = [f"# {_cell(plan.title)}", "",
             f"_Playbook: {_cell(book.title)} (version {book.version})_", ""]
    lines += [f"> {_cell(line)}" for line in plan.summary] + [""]
    if plan.finding_title:
        lines += [f"**Finding:** {_cell(plan.finding_title)}", ""]
        if plan.finding_detail:
            lines += [_cell(plan.finding_detail), ""]
    elif not plan.complete:
        lines += ["_The decision tree was not finished; actions so far are listed._", ""]
    for section in sections(plan):
        lines += _section(SECTION_HINTS.get(section.title, section.title), section.items)
    if plan.steps:
        lines += ["## How we got here", ""]
        for number, step in enumerate(plan.steps, start=1):
            note = f" — _{_cell(step.note)}_" if step.note else ""
            lines.append(f"{number}. {_cell(step.question)} **{_cell(step.answer)}**{note}")
        lines.append("")
    lines += ["## Assumptions", ""] + [f"- {_cell(a)}" for a in plan.assumptions] + [""]
    lines += ["## Not promised", ""] + [f"- {_cell(a)}" for a in plan.not_promised] + [""]
    return "\n".join(lines)


def plan_json(session: Session) -> str:
    return to_json(session)
