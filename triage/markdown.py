"""Text from people and uploaded files, shown through Markdown exactly as it was typed.

Notes, names, titles, metric and segment names reach the page (Streamlit renders Markdown) and
the exported ``.md`` file. Read as Markdown, "$2k now, $5k later" becomes a formula in Streamlit,
``a*b*c`` turns italic, a pipe breaks a table row, and ``![x](https://…)`` becomes an image that
every viewer's browser fetches from somewhere else. CommonMark lets any ASCII punctuation be
escaped with a backslash, so escaping each character that can open Markdown syntax — plus the
line starts that make lists, quotes and headings — shows the text literally in any CommonMark
viewer. ``$`` (Streamlit's maths) and ``[`` (its ``:red[...]`` colours) are covered by the same
escapes.
"""

from __future__ import annotations

import re

# Characters that can open or close Markdown syntax anywhere in a line. "(" and ")" only matter
# after "]", "!" only before "[", so escaping "[" and "]" defuses links and images.
_ACTIVE = re.compile(r"([\\`*_\[\]<>|$~#&])")
# At a line start: list markers, setext underlines and "1." / "1)" ordered-list numbers.
_LIST_MARK = re.compile(r"^[-+=]")
_ORDERED = re.compile(r"^(\d+)([.)])")
_NEWLINE = re.compile(r"\r\n|\r|\n")


def literal(text: str, *, one_line: bool = False) -> str:
    """``text`` escaped so Markdown shows it as typed.

    ``one_line`` puts everything on one line (table cells, list items); otherwise each line
    break becomes a Markdown hard break, so a multi-line note keeps its lines. Spaces around
    each line and blank lines go: four leading spaces would start a code block and a blank line
    a new paragraph (which ends a table cell or list item).
    """
    lines = []
    for line in filter(None, (part.strip() for part in _NEWLINE.split(str(text)))):
        line = _ACTIVE.sub(r"\\\1", line)
        lines.append(_ORDERED.sub(r"\1\\\2", _LIST_MARK.sub(r"\\\g<0>", line)))
    return (" " if one_line else "  \n").join(lines)
