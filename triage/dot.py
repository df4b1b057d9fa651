"""A playbook's decision tree as Graphviz DOT text (rendered in the browser, no system graphviz).

Readable on a shared screen: every question and answer is shown whole, wrapped at word
boundaries onto as many lines as it needs (never cut), each box sized to its text, with a font
that stays legible once the browser scales the drawing to the page. The wrap width follows the
tree's shape: a tree with many boxes side by side gets narrower boxes, so it fits a wide screen
instead of shrinking its text to nothing.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Mapping

from triage import palette
from triage.playbook import Playbook

QUESTION_FILL = "#DCEBF7"
FINDING_FILL = "#D5F0E6"
PATH_COLOUR = palette.HIGHLIGHT  # the walked path: the same vermillion as a bottleneck
# Answer labels sit on the page itself (the drawing's background is transparent, so a dark page
# shows through): dark grey as drawn, which the Learn page's style turns into the theme's text
# colour. No single colour reads as text (4.5:1) on both a white and a dark page.
EDGE_TEXT = "#333333"
# Graphviz lays out in points: drawn at its natural size (1 pt = 4/3 px) 12 pt is 16 px on
# screen, the app's body text, and answer labels 10 pt are 13 px.
NODE_FONT_SIZE = 12
EDGE_FONT_SIZE = 10


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def wrap(text: str, width: int) -> str:
    """``text`` on lines of at most ``width`` characters, broken only between words (a word
    longer than ``width`` keeps its own line whole); nothing is dropped."""
    return "\n".join(textwrap.wrap(" ".join(text.split()), width, break_long_words=False,
                                   break_on_hyphens=False)) or " "


def ranks(book: Playbook) -> dict[str, int]:
    """Each node's depth: the longest way to it from the start (the rank Graphviz gives it).

    Linear time, no recursion: the nodes reachable from the start, then longest paths in
    topological order (a node is placed once every arrow into it is counted). Nodes on a cycle,
    which a validated playbook has none of, keep their breadth-first depth.
    """
    depth = {book.start: 0}
    order = [book.start]
    incoming: Counter[str] = Counter()
    for node_id in order:  # breadth first: what is reachable, and how many arrows reach it
        for option in book.nodes[node_id].options:
            incoming[option.next] += 1
            if option.next not in depth:
                depth[option.next] = depth[node_id] + 1
                order.append(option.next)
    ready = [book.start]
    while ready:
        node_id = ready.pop()
        for option in book.nodes[node_id].options:
            depth[option.next] = max(depth[option.next], depth[node_id] + 1)
            incoming[option.next] -= 1
            if not incoming[option.next]:
                ready.append(option.next)
    return depth


def widths(book: Playbook) -> tuple[int, int]:
    """Wrap widths (characters) for boxes and for answer labels, from the widest rank: about
    the same drawing width whether a rank holds two boxes or nine."""
    widest = max(Counter(ranks(book).values()).values(), default=1)
    if widest <= 3:
        return 26, 20
    if widest <= 5:
        return 20, 16
    return 16, 14


def playbook_dot(book: Playbook, path: tuple[str, ...] = (),
                 answers: Mapping[str, str] | None = None) -> str:
    """Questions as boxes, findings as rounded green boxes; the session's path drawn in orange
    (thicker borders and arrows, answer labels in bold orange). With ``answers`` (node id ->
    option id) only the chosen answer's arrow is marked where two answers lead to the same box."""
    on_path = set(path)
    edges_on_path = set(zip(path, path[1:], strict=False))

    def walked(node_id: str, option_id: str, target: str) -> bool:
        if (node_id, target) not in edges_on_path:
            return False
        return answers is None or answers.get(node_id) == option_id
    node_width, edge_width = widths(book)
    lines = [
        "digraph playbook {",
        '  graph [rankdir=TB, nodesep=0.15, ranksep=0.35, pad=0.2, fontname="Helvetica", '
        'newrank=true, bgcolor="transparent"];',
        f'  node [fontname="Helvetica", fontsize={NODE_FONT_SIZE}, shape=box, style="filled", '
        'penwidth=1.2, margin="0.12,0.06", color="#4a5a6a"];',
        f'  edge [fontname="Helvetica", fontsize={EDGE_FONT_SIZE}, color="{palette.REFERENCE}", '
        f'fontcolor="{EDGE_TEXT}", arrowsize=0.8];',
    ]
    for node in book.nodes.values():
        fill = QUESTION_FILL if node.is_question else FINDING_FILL
        style = "" if node.is_question else ', style="rounded,filled"'
        border = f', color="{PATH_COLOUR}", penwidth=3.5' if node.id in on_path else ""
        lines.append(f"  {_quote(node.id)} [label={_quote(wrap(node.text, node_width))}"
                     f'{style}, fillcolor="{fill}"{border}];')
    for node in book.nodes.values():
        questions_next = {o.next for o in node.options if book.nodes[o.next].is_question}
        for option in node.options:
            style = (f', color="{PATH_COLOUR}", fontcolor="{PATH_COLOUR}", penwidth=3, '
                     'fontname="Helvetica-Bold"'
                     if walked(node.id, option.id, option.next) else "")
            # A question leading on to one further question pulls that edge straight: the walk
            # reads down a spine with the findings to its sides, instead of drifting into a
            # staircase wider than the page.
            weight = ", weight=4" if questions_next == {option.next} else ""
            lines.append(f"  {_quote(node.id)} -> {_quote(option.next)} "
                         f"[label={_quote(wrap(option.label, edge_width))}{weight}{style}];")
    lines.append("}")
    return "\n".join(lines)
