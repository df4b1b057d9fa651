"""Text from people and uploaded files, shown through Markdown exactly as it was typed.

Notes, names, titles, metric and segment names reach the page (Streamlit renders Markdown) and
the exported ``.md`` file. Read as Markdown, "$2k now, $5k later" becomes a formula in Streamlit,
``a*b*c`` turns italic, a pipe breaks a table row, and ``![x](https://…)`` becomes an image that
every viewer's browser fetches from somewhere else. CommonMark lets any ASCII punctuation be
escaped with a backslash, so a backslash before each character that *would* open Markdown syntax
where it stands shows the text literally in any CommonMark viewer.

Only those characters are escaped: the exported file is read as plain text too (pasted into a
ticket, opened in an editor), where every needless backslash is clutter. So "0.5–1 d", "1.2×",
"12.5 h", "-4.5%", "R&D" and ``started_at`` stay as they are, while "3. item" at the start of a
line (a numbered list), ``<b>`` (HTML), ``[x](…)`` (a link), ``$…$`` (Streamlit's maths) and
``:red[…]`` (its colours) are escaped. The rules, per character:

- always: `` ` `` (code), ``*`` (emphasis), ``[`` ``]`` (links, images, footnotes and Streamlit's
  ``:colour[…]``), ``|`` (table cells), ``$`` (maths), ``~`` (strikethrough, single or double);
- ``_`` unless between two letters or digits (there CommonMark never reads it as emphasis);
- ``<`` unless followed by a space (then it cannot open a tag or an autolink), ``>`` unless
  after a space (then it cannot close one), so no ``<script>`` is left for a lax reader;
- ``&`` only where it starts an entity reference (``&amp;``, ``&#38;``);
- ``\\`` before ASCII punctuation and at the end of the text (a hard line break, or an escape
  of whatever the caller writes next);
- at the start of a line (where a block can begin): ``#`` headings, ``>`` quotes, ``-`` / ``+``
  list items, ``1.`` / ``1)`` numbered items (only followed by a space or nothing, as CommonMark
  requires), and lines of only ``-`` or ``=`` (rules and heading underlines).
"""

from __future__ import annotations

import re

_ALWAYS = frozenset("`*[]|$~")
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]*);")
# At a line start: ATX headings, quotes, bullet items, numbered items, rules and setext lines.
_HEADING = re.compile(r"#{1,6}(?=[ \t]|$)")
_BULLET = re.compile(r"[-+](?=[ \t]|$)")
_ORDERED = re.compile(r"(\d{1,9})([.)])(?=[ \t]|$)")
_RULE = re.compile(r"(?:-[ \t]*)+$|=+[ \t]*$")
_NEWLINE = re.compile(r"\r\n|\r|\n")


def _inline(line: str) -> str:
    """Escape the characters that would open inline syntax where they stand in ``line``."""
    out = []
    last = len(line) - 1
    for index, char in enumerate(line):
        before = line[index - 1] if index else ""
        after = line[index + 1] if index < last else ""
        if char in _ALWAYS:
            escape = True
        elif char == "_":
            escape = not (before.isalnum() and after.isalnum())
        elif char == "<":
            escape = not after.isspace() if after else True
        elif char == ">":
            escape = not before.isspace() if before else True
        elif char == "&":
            escape = bool(_ENTITY.match(line, index))
        elif char == "\\":
            escape = after in _ASCII_PUNCTUATION or not after
        else:
            escape = False
        out.append("\\" + char if escape else char)
    return "".join(out)


def _block_start(line: str) -> str:
    """Escape what would start a block (heading, quote, list, rule) at the start of ``line``.
    ``line`` is already escaped inline, so a leading backslash means it is literal already."""
    if line.startswith("\\"):
        return line
    if line.startswith(">") or _HEADING.match(line) or _BULLET.match(line) or _RULE.match(line):
        return "\\" + line
    ordered = _ORDERED.match(line)
    if ordered:
        return f"{ordered.group(1)}\\{ordered.group(2)}{line[ordered.end():]}"
    return line


def literal(text: str, *, one_line: bool = False) -> str:
    """``text`` escaped so Markdown shows it as typed.

    ``one_line`` puts everything on one line (table cells, list items); otherwise each line
    break becomes a Markdown hard break, so a multi-line note keeps its lines. Spaces around
    each line and blank lines go: four leading spaces would start a code block and a blank line
    a new paragraph (which ends a table cell or list item). Every line, joined or not, is
    treated as a line start: a caller may put the text at the start of a line or list item.
    """
    lines = [_block_start(_inline(part))
             for part in filter(None, (piece.strip() for piece in _NEWLINE.split(str(text))))]
    return (" " if one_line else "  \n").join(lines)
