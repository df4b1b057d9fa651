"""User text through Markdown stays literal: checked against an independent CommonMark parser.

markdown-it-py (CommonMark, with tables, strikethrough and dollar maths switched on, as Streamlit
and GitHub render them) parses what :func:`triage.markdown.literal` returns; the result must be
one paragraph of plain text and line breaks whose characters are exactly the typed ones.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from triage.markdown import literal

MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(dollarmath_plugin)
PLAIN_INLINE = {"text", "softbreak", "hardbreak"}


def rendered_text(source: str) -> str:
    """The characters a reader sees; fails on anything that is not a plain paragraph."""
    tokens = MARKDOWN.parse(source)
    assert [t.type for t in tokens if t.type != "inline"] in (
        [], ["paragraph_open", "paragraph_close"]), [t.type for t in tokens]
    seen = []
    for token in tokens:
        for child in token.children or []:
            assert child.type in PLAIN_INLINE, (child.type, source)
            seen.append("\n" if child.type.endswith("break") else child.content)
    return "".join(seen)


def typed(text: str) -> str:
    """What literal() promises to keep: each line without surrounding spaces, blank lines gone
    (Markdown has no empty line inside a paragraph)."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


@pytest.mark.parametrize("text", [
    "$2k now, $5k later",
    "a*b*c and _x_ and ~~struck~~",
    "[click](javascript:alert(1)) ![pixel](https://example.com/p.png)",
    "<b>bold</b> &amp; <script>alert(1)</script>",
    "a | b | c",
    "`code` and ``more``",
    ":red[coloured] :material/home:",
    "- item\n+ item\n1. one\n2) two\n# heading\n> quote\n===\n---",
    "    four spaces would be code",
    "trailing backslash \\",
    "https://example.com/a_b_c",
])
def test_markdown_syntax_is_shown_as_typed(text):
    assert rendered_text(literal(text)) == typed(text)


def test_one_line_keeps_tables_and_list_items_whole():
    cell = literal("first line\n- second | third", one_line=True)
    assert "\n" not in cell
    row = MARKDOWN.parse(f"| a |\n|---|\n| {cell} |")
    cells = [t for t in row if t.type == "td_open"]
    assert len(cells) == 1
    assert rendered_text(cell) == "first line - second | third"


@settings(deadline=None, derandomize=True, max_examples=300, database=None)
@given(st.text(alphabet=st.sampled_from(list("ab 1.-+=#>*_[]()!<>&|$~`\\:\n\t")), max_size=40))
def test_any_punctuation_soup_renders_literally(text):
    assert rendered_text(literal(text)) == typed(text)


@settings(deadline=None, derandomize=True, max_examples=200, database=None)
@given(st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=60))
def test_any_printable_text_renders_literally(text):
    assert rendered_text(literal(text)) == typed(text)
