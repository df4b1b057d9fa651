"""The glossary and the communication guide: content loads, is complete, and bad files fail clearly."""

from __future__ import annotations

import ast
import importlib
import os
import textwrap
from pathlib import Path

import pytest

from triage import learn
from triage.learn import HINT_NAMES, LearnContentError, load_glossary, load_guide

REQUIRED_TERMS = [
    "flow_efficiency", "amdahls_law", "speedup_ceiling", "variability", "handoff_wait", "queueing",
    "psi", "wasserstein", "jensen_shannon", "ks_statistic", "null_band", "training_serving_skew",
    "data_drift", "concept_drift", "traffic_mix", "fallback", "simpsons_paradox", "sampling_error",
    "sla", "business_hours", "approval_is_not_access", "quick_win", "cross_team", "horizon",
    "confidence", "bootstrap_interval", "sample_ratio_mismatch",
]
REQUIRED_SECTIONS = [
    "partner_terms", "goal_and_metric", "smallest_step_first", "quick_wins_vs_cross_team",
    "stating_uncertainty", "what_not_to_promise", "blameless_incidents", "closing_the_meeting",
]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# The shipped content


def test_glossary_has_every_required_term():
    ids = {t.id for t in load_glossary()}
    missing = [i for i in REQUIRED_TERMS if i not in ids]
    assert not missing, f"glossary is missing {missing}"


def test_glossary_entries_are_complete_and_links_resolve():
    terms = load_glossary()
    ids = {t.id for t in terms}
    assert len(ids) == len(terms)
    for t in terms:
        assert t.term and t.short and t.explanation
        assert "\n" not in t.short, f"{t.id}: short must be one line"
        assert len(t.short) <= 120, f"{t.id}: short is too long for a caption"
        assert set(t.see_also) <= ids, f"{t.id}: see_also {set(t.see_also) - ids}"


def test_glossary_numbers_match_the_design():
    assert "4×" in learn.term("queueing").explanation
    assert "9×" in learn.term("queueing").explanation
    assert "19×" in learn.term("queueing").explanation
    psi = learn.term("psi").explanation
    assert "0.1" in psi and "0.25" in psi
    assert "0.833" in learn.term("jensen_shannon").explanation
    assert "standard deviation" in learn.term("wasserstein").explanation
    # Kingman: rho / (1 - rho) relative to 50% utilisation.
    assert [round(r / (1 - r)) for r in (0.8, 0.9, 0.95)] == [4, 9, 19]


def test_term_lookup_and_unknown_id():
    assert learn.term("psi").term.startswith("Population stability index")
    with pytest.raises(KeyError, match="no_such_term"):
        learn.term("no_such_term")


def test_guide_sections_are_complete():
    guide = load_guide()
    ids = [s.id for s in guide.sections]
    assert ids == REQUIRED_SECTIONS
    for section in guide.sections:
        assert section.title
        assert section.points, section.id
        assert section.say, section.id
        assert section.avoid, section.id
    assert guide.section("stating_uncertainty").title == "Stating uncertainty"


def test_guide_hints_present():
    guide = load_guide()
    for name in HINT_NAMES:
        assert guide.hints[name]
        assert learn.hint(name) == guide.hints[name]
    with pytest.raises(KeyError, match="nope"):
        learn.hint("nope")


# ---------------------------------------------------------------------------------------------
# Broken files give clear messages naming the file and the entry


GOOD_TERM = """\
- id: alpha
  term: Alpha
  short: The first.
  explanation: Comes first.
  see_also: []
"""


def test_glossary_malformed_yaml_names_file_and_line(tmp_path):
    path = write(tmp_path, "bad.yaml", "- id: a\n  term: [unclosed\n")
    with pytest.raises(LearnContentError) as err:
        load_glossary(path)
    assert "bad.yaml" in str(err.value)
    assert "not valid YAML" in str(err.value)
    assert "line" in str(err.value)


def test_glossary_missing_field_names_entry(tmp_path):
    path = write(tmp_path, "g.yaml", GOOD_TERM + """\
- id: beta
  term: Beta
  explanation: Comes second.
  see_also: [alpha]
""")
    with pytest.raises(LearnContentError) as err:
        load_glossary(path)
    message = str(err.value)
    assert "g.yaml: entry 2 (beta): missing field 'short'" in message


def test_glossary_duplicate_ids_and_unknown_see_also_all_reported(tmp_path):
    path = write(tmp_path, "g.yaml", GOOD_TERM + GOOD_TERM + """\
- id: gamma
  term: Gamma
  short: The third.
  explanation: Comes third.
  see_also: [alpha, delta]
""")
    with pytest.raises(LearnContentError) as err:
        load_glossary(path)
    problems = err.value.problems
    assert "entry 2 (alpha): duplicate id 'alpha' (first used by entry 1)" in problems
    assert "entry 3 (gamma): see_also refers to unknown id 'delta'" in problems
    assert err.value.path.name == "g.yaml"


def test_glossary_wrong_shapes(tmp_path):
    with pytest.raises(LearnContentError, match="non-empty list of terms"):
        load_glossary(write(tmp_path, "g.yaml", "id: alpha\n"))
    with pytest.raises(LearnContentError, match=r"entry 1: expected a mapping"):
        load_glossary(write(tmp_path, "g.yaml", "- just a string\n"))
    with pytest.raises(LearnContentError, match=r"entry 1 \(alpha\): unknown field\(s\) 'colour'"):
        load_glossary(write(tmp_path, "g.yaml", GOOD_TERM + "  colour: red\n"))
    with pytest.raises(LearnContentError, match=r"cannot read the file"):
        load_glossary(tmp_path / "absent.yaml")


GOOD_HINTS = """\
hints:
  plan_summary: a
  impact_range: b
  rollback: c
  waiting_vs_working: d
"""


def test_guide_missing_fields_name_section(tmp_path):
    path = write(tmp_path, "c.yaml", """\
sections:
  - id: one
    title: One
    points: [p]
    say: [s]
  - id: two
    title: Two
    points: []
    say: [s]
    avoid: [a]
""" + GOOD_HINTS)
    with pytest.raises(LearnContentError) as err:
        load_guide(path)
    problems = err.value.problems
    assert "section 1 (one): missing field 'avoid'" in problems
    assert "section 2 (two): field 'points' must not be empty" in problems
    assert "c.yaml: section 1 (one)" in str(err.value)


def test_guide_duplicate_section_and_missing_hint(tmp_path):
    section = "  - id: one\n    title: One\n    points: [p]\n    say: [s]\n    avoid: [a]\n"
    path = write(tmp_path, "c.yaml", "sections:\n" + section + section
                 + "hints:\n  plan_summary: a\n  rollback: ''\n")
    with pytest.raises(LearnContentError) as err:
        load_guide(path)
    problems = err.value.problems
    assert "section 2 (one): duplicate id 'one' (first used by section 1)" in problems
    assert "hints: missing hint 'impact_range'" in problems
    assert "hints: hint 'rollback' must be non-empty text" in problems


def test_guide_wrong_top_level(tmp_path):
    with pytest.raises(LearnContentError, match=r"c.yaml: expected a mapping"):
        load_guide(write(tmp_path, "c.yaml", "- a\n- b\n"))
    with pytest.raises(LearnContentError, match=r"'sections' must be a non-empty list"):
        load_guide(write(tmp_path, "c.yaml", "sections: []\n" + GOOD_HINTS))


def test_edited_file_is_reread(tmp_path):
    path = write(tmp_path, "g.yaml", GOOD_TERM)
    assert learn.term("alpha", path).short == "The first."
    path.write_text(GOOD_TERM.replace("The first.", "Edited."), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert learn.term("alpha", path).short == "Edited."


# ---------------------------------------------------------------------------------------------
# The UI module


def test_learn_package_does_not_import_streamlit():
    tree = ast.parse(Path(learn.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if m.split(".")[0] == "streamlit"}


def test_learn_views_imports():
    views = importlib.import_module("ui.learn_views")
    for name in ("render_glossary", "render_communication_guide", "glossary_hint", "render_hint"):
        assert callable(getattr(views, name))


def test_learn_views_render_without_errors():
    from streamlit.testing.v1 import AppTest

    def script():
        from ui.learn_views import glossary_hint, render_communication_guide, render_glossary, render_hint

        render_glossary()
        render_communication_guide()
        glossary_hint("psi")
        render_hint("plan_summary")

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception
    headers = [h.value for h in at.subheader]
    assert "Population stability index (PSI)" in headers
    assert "Stating uncertainty" in headers
    assert any("Population stability index" in c.value for c in at.caption)
    assert at.info and "partner" in at.info[0].value

    at.text_input(key="learn:glossary_search").input("drift").run()
    assert not at.exception
    shown = {h.value for h in at.subheader}
    assert "Concept drift" in shown and "Fallback" not in shown


# ---------------------------------------------------------------------------------------------
# The tree diagrams (triage/dot.py)

def _labels(dot: str) -> dict[str, list[str]]:
    """Every label in the DOT text, keyed by node id or 'a -> b' (in order: two answers may lead
    to the same box), with line breaks as newlines."""
    import re

    found: dict[str, list[str]] = {}
    for match in re.finditer(r'^\s*"([^"]+)"(?: -> "([^"]+)")? \[label="((?:[^"\\]|\\.)*)"', dot,
                             re.MULTILINE):
        key = match[1] if match[2] is None else f"{match[1]} -> {match[2]}"
        text = match[3].replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
        found.setdefault(key, []).append(text)
    return found


@pytest.mark.parametrize("book_id", sorted(
    __import__("triage.playbook", fromlist=["load_catalogue"]).load_catalogue().playbooks))
def test_tree_labels_are_wrapped_whole_never_cut(book_id):
    from triage.dot import playbook_dot, widths
    from triage.playbook import load_catalogue

    book = load_catalogue().playbooks[book_id]
    labels = _labels(playbook_dot(book))
    node_width, edge_width = widths(book)
    for node in book.nodes.values():
        (label,) = labels[node.id]
        assert label.split() == node.text.split(), node.id  # every word, in order, nothing cut
        assert "…" not in label or "…" in node.text
        for line in label.split("\n"):  # wrapped at word boundaries, to the width
            assert len(line) <= node_width or " " not in line, (node.id, line)
    for node in book.nodes.values():
        for option in node.options:
            label = labels[f"{node.id} -> {option.next}"].pop(0)
            assert label.split() == option.label.split()
            assert all(len(line) <= edge_width or " " not in line for line in label.split("\n"))
    long = [label for (label,) in (labels[n] for n in book.nodes) if len(label) > 40]
    assert long and all("\n" in label for label in long)  # long texts do wrap


def test_tree_is_sized_for_a_shared_screen():
    from triage.dot import EDGE_FONT_SIZE, NODE_FONT_SIZE, playbook_dot, ranks, widths
    from triage.playbook import load_catalogue

    books = load_catalogue().playbooks
    dot = playbook_dot(books["gpu_quota"])
    # 12 pt is 16 px on screen at the drawing's natural size (Graphviz works in points).
    assert f"fontsize={NODE_FONT_SIZE}" in dot and NODE_FONT_SIZE >= 12 and EDGE_FONT_SIZE >= 10
    assert "rankdir=TB" in dot and "nodesep=" in dot and "ranksep=" in dot
    assert "fixedsize" not in dot  # boxes grow with their text
    # Wide trees get narrower boxes: slow_iteration has nine boxes on one rank, data_access three.
    assert max(__import__("collections").Counter(ranks(books["slow_iteration"]).values())
               .values()) == 9
    assert widths(books["slow_iteration"])[0] < widths(books["data_access"])[0]


def test_tree_highlights_the_walked_path():
    from triage.dot import PATH_COLOUR, playbook_dot
    from triage.engine import walk
    from triage.playbook import load_catalogue

    book = load_catalogue().playbooks["gpu_quota"]
    first = book.node(book.start)
    answers = {first.id: first.options[0].id}
    path = walk(book, answers).path_ids
    dot = playbook_dot(book, path, answers)
    on_path = [line for line in dot.splitlines() if PATH_COLOUR in line]
    # The nodes and the chosen answers' arrows: not the other answer that leads to the same box.
    assert len(on_path) == 2 * len(path) - 1
    assert len([line for line in playbook_dot(book, path).splitlines()
                if PATH_COLOUR in line]) == len(on_path) + 1  # without answers: both arrows
    assert any(line.strip().startswith(f'"{path[0]}" -> "{path[1]}"') and "penwidth=3" in line
               for line in on_path)
    assert PATH_COLOUR not in playbook_dot(book)
