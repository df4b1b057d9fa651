"""Hostile inputs from the second red-team round (issue 18): request-log dates outside what
nanosecond timestamps hold, playbook graphs and YAML deeper than Python's stack, keys that are
lists. Each must give a message naming the problem, never an exception."""

from __future__ import annotations

import math
import sys

import pytest

from tests.corpus.make_corpus import chain_playbook
from triage.dot import playbook_dot, ranks
from triage.engine import all_paths, walk
from triage.kinds.requests.analysis import parse_requests
from triage.kinds.segments.gap import SegmentRow, decompose, segment_rows
from triage.playbook import MAX_YAML_DEPTH, PlaybookError, load_playbook_text
from triage.tabular import (
    AmbiguousNumber,
    InputError,
    json_document,
    number_text,
    separator_convention,
    typed_number,
)

LOG_HEAD = "request_id,dataset,requested_at,owner_assigned_at,approved_at,tier,status\n"
GOOD = ("R1,crm,2026-03-02T09:00:00Z,2026-03-02T12:00:00Z,2026-03-03T09:00:00Z,internal,approved\n"
        "R2,crm,2026-03-03T09:00:00Z,2026-03-03T10:00:00Z,2026-03-04T09:00:00Z,internal,approved\n")


def _problems(text: str) -> list[str]:
    with pytest.raises(PlaybookError) as caught:
        load_playbook_text(text, "x.yaml")
    return [str(p) for p in caught.value.problems]


# --- request-log dates -------------------------------------------------------------------


def test_dates_outside_1900_to_2100_skip_their_row_and_say_why():
    log = (LOG_HEAD + GOOD + "R3,crm,1500-03-04T09:00:00Z,,,internal,pending\n"
           "R4,crm,2026-03-04T09:00:00Z,9999-12-31T00:00:00Z,,internal,pending\n")
    analysis = parse_requests(log.encode(), "log.csv")
    assert analysis.requests == 2
    assert [(s.row, s.reason) for s in analysis.skipped] == [
        (4, "requested_at '1500-03-04T09:00:00Z' is outside the years 1900 to 2100 this analysis "
            "reads dates in; check the year; the row is skipped"),
        (5, "owner_assigned_at '9999-12-31T00:00:00Z' is outside the years 1900 to 2100 this "
            "analysis reads dates in; check the year; the row is skipped")]


def test_dates_at_the_ends_of_the_range_are_read_and_their_waits_do_not_overflow():
    # 1677..2262 fit nanoseconds, but a wait from 1678 to 2262 (584 years) would not.
    log = LOG_HEAD + GOOD + "R3,crm,1900-01-01T00:00:00Z,1900-01-02T00:00:00Z,,internal,pending\n"
    analysis = parse_requests(log.encode(), "log.csv", as_of="2100-12-31T23:00:00Z")
    assert analysis.requests == 3 and not analysis.skipped
    owner = next(stage for stage in analysis.stages if stage.stage == "owner")
    assert owner.median_hours == pytest.approx(3.0)  # R1 3 h, R2 1 h, R3 24 h


def test_an_as_of_date_outside_the_range_is_an_input_error():
    with pytest.raises(InputError, match="as-of date '1500-01-01' is outside the years 1900 to 2100"):
        parse_requests((LOG_HEAD + GOOD).encode(), "log.csv", as_of="1500-01-01")


# --- playbook graphs deeper than the stack ----------------------------------------------------


def test_a_3000_question_chain_validates_walks_and_draws():
    assert sys.getrecursionlimit() < 3_000
    book = load_playbook_text(chain_playbook(3_000).replace(
        "actions: []", "actions:\n- {id: x, title: X, kind: quick_win, effort_days: [1, 2], "
        "description: d, tradeoffs: t, wont_fix: w}"), "chain.yaml")
    paths = list(all_paths(book))
    assert len(paths) == 1 and len(paths[0]) == 3_000
    assert walk(book, paths[0]).finding.id == "end"
    assert ranks(book)["end"] == 3_000
    assert playbook_dot(book).count(" -> ") == 3_000


def test_a_2000_question_cycle_is_reported_once_with_its_ends_named():
    problems = _problems(chain_playbook(2_000, cycle=True))
    cycles = [p for p in problems if "cycle" in p]
    assert cycles == ["x.yaml: q1999: options.a.next: cycle: q0 -> q1 -> q2 -> q3 -> q4 -> q5 -> "
                      "… 1,989 more … -> q1995 -> q1996 -> q1997 -> q1998 -> q1999 -> q0"]


def test_short_cycles_and_unreachable_nodes_are_still_found():
    text = chain_playbook(3, cycle=True) + "\n"
    text = text.replace("actions: []\n", "- {id: lost, type: finding, finding: f, why: w}\nactions: []\n")
    problems = _problems(text)
    assert "x.yaml: q2: options.a.next: cycle: q0 -> q1 -> q2 -> q0" in problems
    assert "x.yaml: lost: id: unreachable from the start node" in problems


# --- YAML shape ---------------------------------------------------------------------------


@pytest.mark.parametrize("nested", [
    "[" * 5_000 + "]" * 5_000,
    "{a: " * 5_000 + "1" + "}" * 5_000,
    "\n" + "".join("  " * i + "-\n" for i in range(1, 600)),
])
def test_deep_nesting_is_refused_before_it_recurses(nested):
    problems = _problems("id: x\nsummary: " + nested + "\n")
    assert len(problems) == 1
    assert f"nested more than {MAX_YAML_DEPTH} levels deep" in problems[0]
    assert problems[0].startswith("x.yaml: line ")


def test_nesting_within_the_bound_is_fine():
    inner = MAX_YAML_DEPTH - 1  # the top-level mapping is the first level
    problems = _problems("id: x\nsummary: " + "[" * inner + "]" * inner + "\n")
    assert not any("nested" in p for p in problems) and any("summary" in p for p in problems)
    assert any("nested" in p for p in _problems("id: x\nsummary: " + "[" * (inner + 1)
                                                 + "]" * (inner + 1) + "\n"))


@pytest.mark.parametrize(("text", "line"), [
    ("id: x\n? [a, b]\n: c\n", 2),
    ("id: x\nextra: {[1]: 2}\n", 2),
    ("id: x\nnodes:\n  - ? {a: 1}\n    : c\n", 3),
])
def test_a_list_or_mapping_as_a_key_is_refused_with_its_line(text, line):
    assert _problems(text) == [f"x.yaml: line {line}: <yaml>: not valid YAML: a key must be plain "
                               "text (a name), not a list or a mapping"]


# --- numbers that were silently wrong -------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("1,500,000", 1_500_000.0), ("1,500.25", 1500.25), ("1.500,25", 1500.25), ("2,5", 2.5),
    ("0,125", 0.125), ("12,50", 12.5), ("-1,234,567", -1_234_567.0), ("7", 7.0),
])
def test_thousands_separators_and_decimal_commas_read_as_meant(text, expected):
    assert typed_number(text) == expected


def test_an_ambiguous_comma_is_refused_unless_the_column_tells():
    with pytest.raises(AmbiguousNumber, match="'1,500' could be 1500 .* or 1.500"):
        typed_number("1,500")
    assert number_text("1,500", "thousands") == "1500"
    assert number_text("1,500", "decimal") == "1.500"
    assert separator_convention(["1,500", "1,200,000"]) == "thousands"
    assert separator_convention(["1,500", "0.5"]) == "thousands"
    assert separator_convention(["1,500", "0,5"]) == "decimal"
    assert separator_convention(["1,500", "2,000", "7"]) is None
    assert separator_convention(["0,5", "0.5"]) is None


def test_segment_counts_with_thousands_separators_are_counts():
    records = [{"segment": "web", "expected_share": "1,500", "observed_share": "1,200,000",
                "expected_metric": "0.06", "observed_metric": "0.055"},
               {"segment": "ios", "expected_share": "500", "observed_share": "800,000",
                "expected_metric": "0.05", "observed_metric": "0.045"}]
    rows = segment_rows(records)
    assert [(r.expected_share, r.observed_share) for r in rows] == [(1500, 1_200_000), (500, 800_000)]
    ambiguous = [{**r, "expected_metric": "6", "observed_metric": "5", "observed_share": "1"}
                 for r in records]
    with pytest.raises(InputError, match="'web' expected_share '1,500' could be 1500"):
        segment_rows(ambiguous)


def test_shares_near_the_float_limit_keep_their_proportions_and_the_note_is_true():
    rows = [SegmentRow("a", 1e308, 1e308, 0.06, 0.05), SegmentRow("b", 1e308, 5e307, 0.05, 0.04),
            SegmentRow("c", 5e-324, 5e-324, 0.05, 0.05)]
    parts = decompose(rows)
    assert [p.w0 for p in parts.segments] == pytest.approx([0.5, 0.5, 0.0])
    assert [p.w1 for p in parts.segments] == pytest.approx([2 / 3, 1 / 3, 0.0])
    assert math.fsum(p.w0 for p in parts.segments) == pytest.approx(1.0, abs=1e-12)
    assert "expected shares added up to 2 times 1e+308; they were normalised to shares of 1" \
        in parts.notes
    tiny = decompose([SegmentRow("a", 5e-324, 5e-324, 0.06, 0.05),
                      SegmentRow("b", 5e-324, 5e-324, 0.05, 0.04)])
    assert [p.w0 for p in tiny.segments] == [0.5, 0.5]


def test_a_fallback_share_of_nearly_one_counts_as_all_fallback():
    nearly = SegmentRow("web", 1.0, 1.0, 0.06, 0.055, fallback_share=1 - 1e-16 * 1.1,
                        fallback_metric=1e300)
    parts = decompose([nearly])
    web = parts.segments[0]
    assert (web.fallback, web.model) == (pytest.approx(-0.005), 0.0)
    assert any("read as all fallbacks" in w for w in parts.warnings)
    ordinary = decompose([SegmentRow("web", 1.0, 1.0, 0.06, 0.055, fallback_share=0.5,
                                     fallback_metric=0.02)]).segments[0]
    assert ordinary.fallback + ordinary.model == pytest.approx(-0.005)
    assert ordinary.model == pytest.approx(0.055 - 0.5 * 0.02 - 0.5 * 0.06)


# --- JSON exports nested deeper than the stack ------------------------------------------------


@pytest.mark.parametrize("reader", ["okta", "entra"])
def test_deeply_nested_access_exports_are_input_errors(reader):
    from triage.sources.access import read_entra, read_okta

    read = {"okta": read_okta, "entra": read_entra}[reader]
    with pytest.raises(InputError, match="nested too deeply"):
        read(("[" * 100_000 + "]" * 100_000).encode(), "export.json")


def test_json_document_reads_plain_json_and_names_deep_nesting():
    assert json_document(b'\xef\xbb\xbf{"a": [1, 2]}') == {"a": [1, 2]}
    with pytest.raises(ValueError, match="nested too deeply"):
        json_document("[" * 100_000 + "]" * 100_000)
