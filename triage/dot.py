"""A playbook's decision tree as Graphviz DOT text (rendered in the browser, no system graphviz)."""

from __future__ import annotations

import textwrap

from triage.playbook import Playbook

QUESTION_FILL = "#DCEBF7"
FINDING_FILL = "#D5F0E6"
PATH_COLOUR = "#D55E00"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _wrap(text: str, width: int = 28) -> str:
    return "\n".join(textwrap.wrap(text, width)[:4])


def playbook_dot(book: Playbook, path: tuple[str, ...] = ()) -> str:
    """Questions as boxes, findings as rounded green boxes; the session's path drawn in orange."""
    on_path = set(path)
    edges_on_path = set(zip(path, path[1:], strict=False))
    lines = [
        "digraph playbook {",
        '  graph [rankdir=TB, nodesep=0.25, ranksep=0.35, fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize=11, style="filled", penwidth=1];',
        '  edge [fontname="Helvetica", fontsize=9, color="#777777"];',
    ]
    for node in book.nodes.values():
        fill = QUESTION_FILL if node.is_question else FINDING_FILL
        shape = "box" if node.is_question else "box, style=\"rounded,filled\""
        border = f', color="{PATH_COLOUR}", penwidth=3' if node.id in on_path else ""
        lines.append(f"  {_quote(node.id)} [label={_quote(_wrap(node.text))}, shape={shape}, "
                     f'fillcolor="{fill}"{border}];')
    for node in book.nodes.values():
        for option in node.options:
            style = (f', color="{PATH_COLOUR}", penwidth=2.5'
                     if (node.id, option.next) in edges_on_path else "")
            lines.append(f"  {_quote(node.id)} -> {_quote(option.next)} "
                         f"[label={_quote(_wrap(option.label, 20))}{style}];")
    lines.append("}")
    return "\n".join(lines)
