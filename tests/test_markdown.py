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


@pytest.mark.parametrize("text", [
    "0.5–1 d", "1.2×", "12.5 h", "-4.49e-05", "+12%", "R&D, 3 > 2, 2 < 3", "started_at",
    "Job startup & queueing → Training: 31%", "cache_features", "p90 = 12 h", "#3 on the list",
    "14.6 h, data 41%", "v1.2.3 (beta)", "C:\\temp\\runs", "e-mail: ana@example.com",
])
def test_ordinary_numbers_ranges_and_names_need_no_escapes(text):
    """Nothing Markdown would misread, so nothing is escaped: the export reads clean as text."""
    assert literal(text) == text
    assert rendered_text(literal(text)) == text


@pytest.mark.parametrize("text, escaped", [
    ("3. item", "3\\. item"),
    ("12) twelve", "12\\) twelve"),
    ("1.", "1\\."),
    ("- item", "\\- item"),
    ("+ item", "\\+ item"),
    ("# heading", "\\# heading"),
    ("> quote", "\\> quote"),
    ("---", "\\---"),
    ("===", "\\==="),
    ("a_b_", "a_b\\_"),
    ("_x_", "\\_x\\_"),
    ("<b>", "\\<b\\>"),
    ("&amp;", "\\&amp;"),
    ("$2k", "\\$2k"),
    ("ends with \\", "ends with \\\\"),
])
def test_what_markdown_would_misread_is_escaped(text, escaped):
    assert literal(text) == escaped
    assert rendered_text(literal(text)) == text


@pytest.mark.parametrize("text", ["3. item", "0.5–1 d", "1.2× faster", "12.5 h"])
def test_line_starts_are_literal_on_every_line_and_inside_list_items(text):
    """Each line of a note, and text a caller puts after "- " (a list item's own start)."""
    assert rendered_text(literal(f"first\n{text}")) == f"first\n{text}"
    tokens = MARKDOWN.parse(f"- {literal(text, one_line=True)}")
    assert [t.type for t in tokens].count("list_item_open") == 1
    assert "ordered_list_open" not in [t.type for t in tokens]
    inline = next(t for t in tokens if t.type == "inline")
    assert "".join(c.content for c in inline.children) == text


def test_text_next_to_the_callers_own_markup_stays_inside_it():
    """A trailing backslash or an underscore at the edge never eats the caller's bold/italics."""
    for text in ("name\\", "_lead", "trail_", "a_b"):
        tokens = MARKDOWN.parse(f"**{literal(text)}** and _{literal(text)}_")
        kinds = [c.type for c in tokens[1].children]
        assert kinds.count("strong_open") == 1 and kinds.count("em_open") == 1, (text, kinds)
