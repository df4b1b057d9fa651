"""Exports: the snapshot, Markdown, self-contained HTML, Jira CSV, plan JSON and the CLI."""

import copy
import csv
import io
import json
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage import palette
from triage.cli import main
from triage.export import (
    JIRA_COLUMNS,
    ExportError,
    impact_effort_svg,
    jira_priority,
    neutralise,
    plan_html,
    plan_jira_csv,
    plan_json,
    plan_markdown,
    plan_snapshot,
    read_snapshot,
)
from triage.kinds.runs.analysis import analyse_stage_table
from triage.kinds.runs.impact import iteration_plan
from triage.session import ActionEdit, Session, from_json, to_json

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "data").glob("**/*.plan.json"))
NOW = datetime(2026, 9, 21, 10, 0, 0, 123456, tzinfo=UTC)
TABLE = [
    {"stage": "data", "hours": 6, "wait_hours": 2},
    {"stage": "queue", "hours": 1, "wait_hours": 0.8},
    {"stage": "training", "hours": 3, "wait_hours": 0},
]
EVIL = "Eve | <script>alert(1)</script>\nsecond line"


def make(mini_book, edits=None):
    session = Session(scenario="mini", playbook_version=3,
                      answers={"measured": "known", "dominant": "data"},
                      inputs={"stage_table": TABLE, "iterations_per_month": 10.0},
                      title="Ranking | loop")
    for action_id, edit in (edits or {}).items():
        session.set_edit(action_id, edit)
    plan = iteration_plan(mini_book, session, analyse_stage_table(TABLE))
    return session, plan, plan_snapshot(plan, now=NOW, session=session)


def items(snapshot):
    return [item for section in snapshot["sections"] for item in section["items"]]


# -- snapshot ----------------------------------------------------------------------------------

def test_snapshot_carries_the_plan_as_plain_data(mini_book):
    session, plan, snap = make(mini_book, {"cache": ActionEdit(owner="Priya", ticket="MLI-7",
                                                               due="2026-10-01")})
    assert json.loads(json.dumps(snap, allow_nan=False)) == snap  # JSON-able as it is
    assert snap["generated_at"] == "2026-09-21T10:00:00+00:00"
    assert snap["title"] == "Ranking | loop"
    assert snap["playbook"] == {"id": "mini", "title": "Mini iteration playbook", "version": 3,
                                "scenario": "iteration", "group_by": "kind"}
    assert snap["summary"] == plan.summary and len(snap["summary"]) == 4
    assert snap["summary"][-1].startswith("In experiments: 2.3 a week now (10 iterations a month")
    assert snap["finding"]["title"] == plan.finding_title
    assert [(s["question"], s["answer"]) for s in snap["steps"]] == [
        (s.question, s.answer) for s in plan.steps]
    assert [s["title"] for s in snap["sections"]] == [
        "Quick wins (the team alone, in days)", "Cross-team work (needs another team)"]
    by_id = {item["id"]: item for item in items(snap)}
    assert [by_id[a.id]["rank"] for a in plan.actions] == [1, 2, 3]
    cache = by_id["cache"]
    assert (cache["impact_low"], cache["impact_high"], cache["impact_unit"]) == pytest.approx(
        (20, 30, "h/month"))
    assert cache["impact_text"] == "20–30 h/month"
    assert (cache["owner"], cache["due"], cache["ticket"], cache["status"]) == (
        "Priya", "2026-10-01", "MLI-7", "todo")
    assert cache["kind"] == "quick_win" and by_id["lane"]["kind"] == "cross_team"
    for key in ("effort_text", "confidence", "confidence_basis", "why", "description",
                "tradeoffs", "wont_fix", "horizon", "email"):
        assert key in cache
    assert snap["combined"]["all"]["low"] == pytest.approx(plan.combined["all"].low)
    assert snap["assumptions"] == plan.assumptions and snap["not_promised"] == plan.not_promised
    assert read_snapshot(snap) == snap  # a fresh snapshot is already in normal form


def test_a_stored_snapshot_of_the_wrong_shape_is_an_export_error(mini_book):
    _, _, snap = make(mini_book)
    broken = copy.deepcopy(snap)
    broken["sections"][0]["items"][0]["title"] = 5
    with pytest.raises(ExportError, match=r"sections\[0\]\.items\[0\]\.title: must be text"):
        plan_markdown(broken)
    with pytest.raises(ExportError, match="summary: must be a list"):
        plan_html({**snap, "summary": "text"})
    with pytest.raises(ExportError, match="impact_low: must be a number"):
        bad = copy.deepcopy(snap)
        bad["sections"][0]["items"][0]["impact_low"] = "NaN"
        plan_jira_csv(bad)


def test_older_snapshot_renders_exactly_as_saved(mini_book):
    """A plan saved with another playbook version renders from what was stored, not the playbook."""
    _, _, snap = make(mini_book)
    stored = copy.deepcopy(snap)
    stored["playbook"]["version"] = 1
    stored["sections"][0]["items"][0]["title"] = "A title the playbook has since changed"
    text = plan_markdown(stored)
    assert "(version 1)" in text and "A title the playbook has since changed" in text


# -- Markdown ----------------------------------------------------------------------------------

def test_markdown_action_table_and_details(mini_book):
    _, plan, snap = make(mini_book, {"lane": ActionEdit(owner="Jonas", email="j@example.com",
                                                        due="2026-10-05", status="doing",
                                                        ticket="MLI-9")})
    text = plan_markdown(snap)
    assert text.count("| Action | Kind | Owner | Due | Status | Ticket |") == 2
    assert ("| Priority lane | Cross-team | Jonas (j@example.com) | 2026-10-05 | doing | MLI-9 |"
            in text)
    assert "| Cache features | Quick win | (" in text  # unassigned: the owner role
    assert text.index("| Cache features |") < text.index("### Cache features")
    assert "- **Expected impact:** 20–30 h/month" in text
    assert "_Playbook: Mini iteration playbook (version 3) · generated 2026-09-21T10:00:00+00:00_" \
        in text
    assert plan_markdown(plan).replace(plan_snapshot(plan)["generated_at"], "") \
        .startswith("# Ranking \\| loop")  # a Plan is snapshotted first


def test_markdown_escapes_what_users_typed(mini_book):
    session, _, snap = make(mini_book, {"cache": ActionEdit(owner=EVIL, ticket="A|B")})
    text = plan_markdown(snap)
    assert "<script>" not in text
    assert "| Eve \\| \\<script\\>alert(1)\\</script\\> second line |" in text
    assert "| A\\|B |" in text
    for line in text.splitlines():
        if line.startswith("| "):
            assert len(re.findall(r"(?<!\\)\|", line)) == 7  # six cells, never broken


def test_markdown_never_turns_typed_text_into_links_images_html_or_formulas(mini_book):
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    trap = "[x](javascript:alert(1)) ![p](https://example.com/p.png) <b>b</b> $2k or $5k *i*"
    session, _, snap = make(mini_book, {"cache": ActionEdit(owner=trap, email=trap, ticket=trap)})
    snap["title"] = trap
    snap["steps"] = [{"question": "Q", "answer": "A", "note": f"{trap}\n- {trap}"}]
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(dollarmath_plugin)
    tokens = parser.parse(plan_markdown(snap))
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert not kinds & {"link_open", "image", "html_inline", "html_block", "math_inline",
                        "s_open"}, kinds  # the export's own italics aside, trap "*i*" stays text
    shown = "".join(c.content for t in tokens for c in t.children or [] if c.type == "text")
    assert shown.count(trap) >= 5  # title, owner and e-mail, ticket, note (twice)


def test_markdown_golden():
    snap = {
        "generated_at": "2026-01-02T03:04:05+00:00", "title": "T",
        "playbook": {"id": "p", "title": "P", "version": 2, "scenario": "iteration",
                     "group_by": "kind"},
        "summary": ["One.", "Two."], "finding": {"title": "F", "detail": "D"}, "complete": True,
        "steps": [{"question": "Q?", "answer": "A", "note": "n"}],
        "sections": [{"title": "Quick wins", "kind": "quick_win", "items": [{
            "id": "a", "rank": 1, "title": "Do it", "kind": "quick_win", "kind_label": "Quick win",
            "impact_text": "1–2 h/month", "effort_text": "1 d", "confidence": "high",
            "confidence_basis": "b", "why": "w", "description": "d", "tradeoffs": "t",
            "wont_fix": "x", "owner_role": "ML engineer", "status": "todo"}]},
            {"title": "Cross-team", "kind": "cross_team", "items": []}],
        "assumptions": ["As."], "not_promised": ["Np."],
    }
    assert plan_markdown(snap) == "\n".join([
        "# T", "", "_Playbook: P (version 2) · generated 2026-01-02T03:04:05+00:00_", "",
        "> One.", ">", "> Two.", "", "**Finding:** F", "", "D", "",
        "## Quick wins", "", "| Action | Kind | Owner | Due | Status | Ticket |",
        "|---|---|---|---|---|---|", "| Do it | Quick win | (ML engineer) | — | todo | — |", "",
        "### Do it", "", "- **Why:** w", "- **What to do:** d",
        "- **Expected impact:** 1–2 h/month (confidence high: b)", "- **Effort:** 1 d",
        "- **Trade-offs:** t", "- **Will not fix:** x", "",
        "## Cross-team", "", "None on this path.", "",
        "## How we got here", "", "1. Q? **A** — _n_", "",
        "## Assumptions", "", "- As.", "", "## Not promised", "", "- Np.", ""])


# -- HTML --------------------------------------------------------------------------------------

def test_html_is_self_contained_and_escapes_what_users_typed(mini_book):
    session, _, snap = make(mini_book, {"cache": ActionEdit(owner=EVIL, ticket="<img src=x>")})
    snap["steps"][0]["note"] = "<script>alert('note')</script>"
    page = plan_html(snap)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<[^>]*\b(src|href)\s*=|url\(|@import|<link|<script", page, re.IGNORECASE)
    assert "Eve | &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#x27;note&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x&gt;" in page
    assert "<svg" in page and "@page { size: A4" in page and "break-inside: avoid" in page


def test_impact_effort_chart_carries_the_actions(mini_book):
    _, plan, snap = make(mini_book, {"lane": ActionEdit(status="dropped")})
    svg = impact_effort_svg(snap)
    points = re.findall(r'<g class="point" data-action="(\w+)" data-kind="(\w+)" '
                        r'data-effort="([\d.]+)" data-impact="([\d.]+)"', svg)
    shown = {a: (kind, float(effort), float(impact)) for a, kind, effort, impact in points}
    assert set(shown) == {"cache", "dev_sample"}  # quantified and not dropped
    for item in plan.actions:
        if item.id in shown:
            assert shown[item.id] == pytest.approx(
                (item.action.kind, item.action.effort_mid, item.impact.mid))
    assert f'fill="{palette.QUICK_WIN}"' in svg and "Effort (person-days)" in svg and "h/month" in svg
    _, _, all_in = make(mini_book)
    assert f'fill="{palette.CROSS_TEAM}"' in impact_effort_svg(all_in)


def test_html_without_quantified_actions_says_so(mini_book):
    _, _, snap = make(mini_book)
    for item in items(snap):
        item["impact_low"] = item["impact_high"] = None
    assert impact_effort_svg(snap) == ""
    assert "no chart" in plan_html(snap)


def test_html_takes_extra_charts_but_only_self_contained_ones(mini_book):
    _, _, snap = make(mini_book)
    page = plan_html(snap, charts={"Where the time goes <1>": "<svg><rect width='5'/></svg>"})
    assert "<svg><rect width='5'/></svg>" in page and "Where the time goes &lt;1&gt;" in page
    for fragment in ('<img src="https://example.org/x.png">', "<script>1</script>",
                     "<div style=\"background:url('//cdn.example/x')\"></div>"):
        with pytest.raises(ExportError, match="outside the page"):
            plan_html(snap, charts={"c": fragment})


# -- Jira CSV ----------------------------------------------------------------------------------

def read_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_jira_csv_rows_labels_priority_and_assignee(mini_book):
    _, plan, snap = make(mini_book, {
        "cache": ActionEdit(owner="Priya", email="priya@example.com", due="2026-10-01"),
        "dev_sample": ActionEdit(owner="Jonas"),
        "lane": ActionEdit(owner="Amara", status="dropped"),
    })
    text = plan_jira_csv(snap, emails={"jonas": "jonas@example.com"})
    assert text.splitlines()[0] == ",".join(JIRA_COLUMNS)
    rows = read_csv(text)
    assert [r["Summary"] for r in rows] == ["Dev sample", "Cache features"]  # lane dropped
    dev, cache = rows
    assert cache["Assignee"] == "priya@example.com" and cache["Due Date"] == "2026-10-01"
    assert dev["Assignee"] == "jonas@example.com"  # from the e-mail directory, by name
    assert {r["Issue Type"] for r in rows} == {"Task"}
    assert cache["Labels"] == "ml-triage quick-win mini"
    assert "What to do:" in cache["Description"] and "Expected impact: 20–30 h/month" in \
        cache["Description"]
    confidence = {a.id: a.confidence for a in plan.actions}
    assert dev["Priority"] == jira_priority(1, confidence["dev_sample"])
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert list(frame.columns) == list(JIRA_COLUMNS) and len(frame) == 2


def test_jira_assignee_empty_when_unknown_or_not_an_email(mini_book):
    _, _, snap = make(mini_book, {"cache": ActionEdit(owner="Priya", email="priya at work")})
    rows = {r["Summary"]: r for r in read_csv(plan_jira_csv(snap))}
    assert rows["Cache features"]["Assignee"] == ""
    assert "Owner: Priya" in rows["Cache features"]["Description"]  # not lost


def test_jira_cells_are_neutralised_against_formulas(mini_book):
    _, _, snap = make(mini_book)
    first, second, third = items(snap)
    first.update(title="=cmd|' /C calc'!A0", why="-2+3 is not a formula", due="+1",
                 email="=evil@example.com")
    second.update(title="@SUM(A1:A2)", why="\tindented", due="2026-10-01")
    third.update(title="  +1 leading spaces", why="plain")
    rows = read_csv(plan_jira_csv(snap))
    cells = [cell for row in rows for cell in row.values()]
    assert all(not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    by_summary = {r["Summary"]: r for r in rows}
    evil = by_summary["'=cmd|' /C calc'!A0"]
    assert evil["Description"].startswith("'-2+3") and evil["Due Date"] == "'+1"
    assert evil["Assignee"] == "'=evil@example.com"
    assert by_summary["'@SUM(A1:A2)"]["Description"].startswith("'\tindented")
    assert "'  +1 leading spaces" in by_summary


@pytest.mark.parametrize("cell, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), (" =x", "' =x"), ("a=b", "a=b"), ("", ""), ("2026-10-01", "2026-10-01"),
])
def test_neutralise(cell, expected):
    assert neutralise(cell) == expected


def test_priority_rule():
    assert [jira_priority(1, c) for c in ("high", "medium", "low")] == ["High", "High", "Medium"]
    assert [jira_priority(4, c) for c in ("high", "medium", "low")] == ["Medium", "Medium", "Low"]


# -- plan JSON ---------------------------------------------------------------------------------

def test_plan_json_is_the_session_with_its_snapshot_and_round_trips(mini_book):
    session, _, snap = make(mini_book, {"cache": ActionEdit(owner=EVIL, ticket="T-1")})
    text = plan_json(session, snap)
    back = from_json(text)
    assert back.snapshot == snap and back.answers == session.answers
    assert back == session.__class__(**{**session.__dict__, "snapshot": snap})
    assert plan_json(back) == text and to_json(back) == text
    assert session.snapshot is None  # the session itself is not changed


# -- example plans -----------------------------------------------------------------------------

def test_there_is_an_example_plan_per_scenario():
    assert {p.parent.name for p in EXAMPLES} >= {"iteration", "production", "access"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_plans_load_re_export_and_render(path):
    text = path.read_text(encoding="utf-8")
    session = from_json(text)
    assert plan_json(session) == text  # stored in the canonical form
    snap = read_snapshot(session.snapshot)
    assert snap["generated_at"] and items(snap)
    assert any(item["owner"] for item in items(snap))
    markdown, page, jira = plan_markdown(snap), plan_html(snap), plan_jira_csv(snap)
    assert snap["finding"]["title"] in markdown and "<svg" in page and "https://" not in page
    assert len(read_csv(jira)) == sum(item["status"] != "dropped" for item in items(snap))


# -- CLI ---------------------------------------------------------------------------------------

@pytest.fixture
def example_plan():
    return next(p for p in EXAMPLES if p.parent.name == "production")


@pytest.mark.parametrize("fmt, check", [
    ("md", lambda out: out.startswith("# ") and "| Action | Kind | Owner |" in out),
    ("html", lambda out: out.startswith("<!DOCTYPE html>") and "<svg" in out),
    ("jira", lambda out: out.startswith("Summary,Description,Issue Type,")),
    ("json", lambda out: from_json(out).snapshot is not None),
])
def test_cli_export_every_format(example_plan, capsys, fmt, check):
    assert main(["export", str(example_plan), "--format", fmt]) == 0
    captured = capsys.readouterr()
    assert check(captured.out) and captured.err == ""


def test_cli_json_export_gives_back_the_same_document(example_plan, tmp_path, capsys):
    original = example_plan.read_text(encoding="utf-8")
    assert main(["export", str(example_plan), "--format", "json"]) == 0
    assert capsys.readouterr().out == original  # byte-identical
    messy = tmp_path / "messy.json"  # same document, other whitespace and key order
    raw = json.loads(original)
    messy.write_text(json.dumps(dict(reversed(list(raw.items()))), ensure_ascii=True))
    assert main(["export", str(messy), "--format", "json"]) == 0
    assert capsys.readouterr().out == original


def test_cli_rebuilds_a_plan_without_snapshot(tmp_path, capsys):
    session = Session(scenario="slow_iteration", playbook_version=1,
                      answers={"know_loop": "known"},
                      inputs={"stage_table": [{"stage": "data", "hours": 6, "wait_hours": 4},
                                              {"stage": "training", "hours": 3}],
                              "iterations_per_month": 10})
    path = tmp_path / "plan.json"
    path.write_text(to_json(session))
    assert main(["export", str(path), "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Model iteration is too slow") and "## How we got here" in out
    for scenario, inputs in (("production_underperformance", {}),
                             ("data_access", {"typical": {"owner": 30, "approval": 20},
                                              "requests_per_month": 40})):
        path.write_text(to_json(Session(scenario=scenario, playbook_version=1, inputs=inputs)))
        assert main(["export", str(path), "--format", "jira"]) == 0
        assert capsys.readouterr().out.startswith("Summary,")


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"schema_version": 2, "playbook_version": 1}', "scenario: is missing"),
    ('{"schema_version": 2, "scenario": "nope", "playbook_version": 1}', "not installed"),
    ('{"schema_version": 2, "scenario": "x", "playbook_version": 1, "snapshot": {"summary": 1}}',
     "snapshot.summary: must be a list"),
    ('{"schema_version": 2, "scenario": "x", "playbook_version": 1, "uploads": 5}',
     "uploads: must be a list"),
    ('{"schema_version": 2, "scenario": "data_access", "playbook_version": 1, '
     '"inputs": {"slas": {"owner": "soon"}}}', "inputs.slas.owner: must be a number"),
    ('{"schema_version": 2, "scenario": "data_access", "playbook_version": 1, '
     '"inputs": {"typical": {"owner": -3}}}', "cannot be rebuilt from its typed inputs"),
    ('{"schema_version": 2, "scenario": "production_underperformance", "playbook_version": 1, '
     '"inputs": {"metric": 5, "segments": "abc"}}', "inputs.segments: must be a list of rows"),
    ('{"schema_version": 2, "scenario": "slow_iteration", "playbook_version": 1, '
     '"inputs": {"stage_table": 7}}', "inputs.stage_table: must be a list of rows"),
])
def test_cli_bad_plan_file_is_one_line_on_stderr(tmp_path, capsys, content, message):
    path = tmp_path / "plan.json"
    path.write_text(content)
    assert main(["export", str(path), "--format", "md"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and message in captured.err


def test_cli_notes_a_rebuild_with_another_playbook_version(tmp_path, capsys):
    path = tmp_path / "plan.json"
    path.write_text(to_json(Session(scenario="slow_iteration", playbook_version=7)))
    assert main(["export", str(path), "--format", "md"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("# ")
    assert captured.err.startswith("note: this plan was made with version 7 of the playbook")


def test_cli_missing_file(tmp_path, capsys):
    assert main(["export", str(tmp_path / "missing.json")]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "cannot read the file" in captured.err


# -- "where it is lost" charts in the HTML -----------------------------------------------------

def bars(page):
    """(category, series, value) of every bar the HTML draws, in drawing order."""
    return [(html_unescape(c), html_unescape(s), float(v)) for c, s, v in re.findall(
        r'<g class="bar" data-category="([^"]*)" data-series="([^"]*)" data-value="([^"]*)"',
        page)]


def html_unescape(text):
    import html

    return html.unescape(text)


def test_iteration_html_draws_the_breakdown_and_the_pareto_from_the_snapshot(mini_book):
    session, plan, snap = make(mini_book)
    assert [c["title"] for c in snap["charts"]] == [
        "One iteration on average: 10.0 h", "Share of the average iteration, largest first"]
    json.dumps(snap)  # plain JSON, stored with the plan
    page = plan_html(snap)
    assert "<h2>Where it is lost</h2>" in page
    drawn = bars(page)
    # Hand-computed from TABLE: working = hours - wait, waiting = wait.
    assert ("Data access & features", "working", 4.0) in drawn
    assert ("Data access & features", "waiting", 2.0) in drawn
    assert ("Job startup & queueing", "working", pytest.approx(0.2)) in drawn
    assert ("Job startup & queueing", "waiting", 0.8) in drawn
    # Training's wait is 0: all working.
    assert ("Training", "working", 3.0) in drawn
    shares = [(c, v) for c, s, v in drawn if s == "share"]
    assert shares == [("Data access & features", 0.6), ("Training", 0.3),
                      ("Job startup & queueing", 0.1)]
    assert ">60%<" in page and ">30%<" in page and ">10%<" in page  # the bars' labels
    assert not re.search(r"<[^>]*\b(src|href)\s*=|url\(|<script", page, re.IGNORECASE)


def test_charts_are_made_only_when_the_plan_is_exported(mini_book):
    from triage.export import with_charts

    session, plan, _ = make(mini_book)
    calls = []
    with_charts(plan, lambda: calls.append(1), None)  # a factory giving None is left out
    assert calls == []
    snap = plan_snapshot(plan, now=NOW, session=session)
    assert calls == [1] and snap["charts"] == []
    assert "charts" not in plan_snapshot(make(mini_book)[1], charts=False)


def production_plan_for(drift=True, segment="android-app"):
    from triage.examples import DATA_DIR
    from triage.kinds.samples.drift import compare, read_sample
    from triage.kinds.segments.gap import read_segments
    from triage.playbook import load_catalogue
    from triage.production import analyse, production_plan

    folder = DATA_DIR / "production"
    inputs = {**json.loads((folder / "example_inputs.json").read_text()),
              "segments": read_segments((folder / "example_segments.csv").read_bytes())}
    for row in inputs["segments"]:
        if row["segment"] == "android-app":
            row["segment"] = segment
    report = compare(*(read_sample((folder / f"example_{s}.csv").read_bytes(), s)
                       for s in ("reference", "current"))) if drift else None
    analysis = analyse(inputs, report)
    book = load_catalogue().playbooks["production_underperformance"]
    session = Session(scenario=book.id, playbook_version=book.version, inputs=inputs)
    return analysis, production_plan(book, session, analysis)


def test_production_html_draws_the_gap_waterfall_and_the_drift_ranking():
    analysis, plan = production_plan_for()
    page = plan_html(plan_snapshot(plan, now=NOW))
    drawn = bars(page)
    steps = {c: v for c, s, v in drawn if s == ""}
    # Every part of the waterfall, as the decomposition computed it (bar heights are |part|).
    for label, value, _ in analysis.chart.steps:
        assert steps[label] == pytest.approx(abs(value), rel=1e-5), label
    assert steps["expected"] == pytest.approx(analysis.chart.expected, rel=1e-5)
    assert steps["observed"] == pytest.approx(analysis.chart.observed, rel=1e-5)
    drift = {c: v for c, s, v in drawn if s == "JS distance"}
    computed = {f.feature: f.js_distance for f in analysis.drift.features
                if f.js_distance is not None}
    assert drift == pytest.approx(computed, rel=1e-5)
    assert 'class="reference" data-value="0.05"' in page  # the JS floor of the drift verdict


def test_production_html_without_drift_samples_has_no_drift_chart():
    _, plan = production_plan_for(drift=False)
    snap = plan_snapshot(plan, now=NOW)
    assert [c["title"].startswith("Where") for c in snap["charts"]] == [True]
    assert "JS distance" not in plan_html(snap)


def test_names_from_files_are_escaped_in_the_charts():
    _, plan = production_plan_for(drift=False, segment="<script>x</script>")
    page = plan_html(plan_snapshot(plan, now=NOW))
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_access_html_draws_each_stages_median_wait():
    from triage.examples import DATA_DIR
    from triage.kinds.requests.analysis import parse_requests, read_inventory
    from triage.kinds.requests.impact import access_plan
    from triage.playbook import load_catalogue

    folder = DATA_DIR / "access"
    log = parse_requests((folder / "example_requests.csv").read_bytes(),
                         inventory=read_inventory((folder / "example_inventory.csv").read_bytes()))
    book = load_catalogue().playbooks["data_access"]
    plan = access_plan(book, Session(scenario=book.id, playbook_version=book.version), log, 100.0)
    drawn = bars(plan_html(plan_snapshot(plan, now=NOW)))
    medians = {s.stage: s.median_hours for s in log.stages}
    assert len(drawn) == 4
    for (_, series, value), stage in zip(drawn, ("owner", "approval", "provisioning",
                                                 "first_use"), strict=True):
        assert value == pytest.approx(medians[stage], rel=1e-5), series


def test_stored_charts_of_the_wrong_shape_are_refused_or_skipped(mini_book):
    _, _, snap = make(mini_book)
    with pytest.raises(ExportError, match="snapshot.charts: must be a list"):
        read_snapshot({**snap, "charts": {"x": 1}})
    with pytest.raises(ExportError, match=r"charts\[0\].figure: must be an object"):
        read_snapshot({**snap, "charts": [{"title": "t", "figure": 3}]})
    junk = {**snap, "charts": [{"title": "Junk &lt;b&gt; <i>x</i>", "figure": {"data": [
        {"type": "bar", "x": ["a", {"b": 1}], "y": [1, "NaN"], "marker": {"color": "url(x)"}}],
        "layout": {"xaxis": {"range": "wide"}}}}]}
    page = plan_html(junk)  # drawn from what is usable, never a crash or an injected attribute
    assert "Junk &lt;b&gt; x" in page and "url(" not in page  # Plotly text: tags dropped


def test_markdown_numbers_ranges_and_decimals_read_clean(mini_book):
    _, _, snap = make(mini_book)
    item = items(snap)[0]
    item.update(effort_text="0.5–1 d", impact_text="12.5 h/month", why="1.2× faster; 3. item",
                title="3. item first")
    text = plan_markdown(snap)
    assert "- **Effort:** 0.5–1 d" in text and "- **Expected impact:** 12.5 h/month" in text
    assert "1.2× faster; 3. item" in text  # mid-line: nothing Markdown would misread
    assert "### 3\\. item first" in text  # a line start that would begin a numbered list
    assert "\\." not in text.replace("3\\. item first", "")


# Characters a spreadsheet may skip, or a reader not see, before a formula: every Unicode white
# space, control and format character (newline, no-break space, zero-width space, joiners,
# direction marks, byte-order mark, ideographic space…).
_INVISIBLE = [chr(c) for c in range(0x3000 + 1)
              if chr(c).isspace() or unicodedata.category(chr(c)) in ("Cc", "Cf", "Zs", "Zl", "Zp")]
_INVISIBLE += ["\ufeff", "\u200b", "\u200d", "\u2060", "\u202e", "\U000e0001"]


@pytest.mark.parametrize("cell", ["\n=1+1", "\u00a0=1+1", "\u200b=1+1", "\ufeff@SUM(A1)",
                                  "\u3000+1", "\r\n-1", "\u2028=x", "\uff1dcmd()", "\u202e=x"])
def test_neutralise_sees_through_invisible_characters(cell):
    assert neutralise(cell) == "'" + cell


@settings(max_examples=400, derandomize=True, deadline=None)
@given(prefix=st.lists(st.sampled_from(_INVISIBLE), max_size=6).map("".join),
       start=st.sampled_from("=+-@\uff1d\uff0b\uff0d\uff20"), rest=st.text(max_size=20))
def test_neutralise_property_formula_after_any_invisible_prefix(prefix, start, rest):
    cell = prefix + start + rest
    assert neutralise(cell) == "'" + cell


@settings(max_examples=400, derandomize=True, deadline=None)
@given(cell=st.text(max_size=30))
def test_neutralise_property_any_text(cell):
    out = neutralise(cell)
    assert out in (cell, "'" + cell)  # only ever a leading quote, never a changed text
    if out == cell:  # left alone: what a spreadsheet reads first is not a formula start
        visible = cell.lstrip("".join(_INVISIBLE))
        first = unicodedata.normalize("NFKC", visible[:1])[:1]
        assert first not in set("=+-@"), repr(cell)
        assert not cell.lstrip(" ").startswith(("\t", "\r"))


def test_jira_cells_with_invisible_prefixes_are_neutralised(mini_book):
    _, _, snap = make(mini_book)
    first, second, third = items(snap)
    first.update(title="\n=HYPERLINK(\"http://x\")", why="\u00a0=1+1")
    second.update(title="\u200b=cmd|' /C calc'!A0", why="\u2060@SUM(A1)")
    third.update(title="\u3000+1", why="plain")
    rows = read_csv(plan_jira_csv(snap))
    for row in rows:
        for column in ("Summary", "Description"):
            cell = row[column]
            visible = cell.lstrip("".join(_INVISIBLE))
            assert cell.startswith("'") or visible[:1] not in set("=+-@"), (column, repr(cell))
    summaries = {r["Summary"] for r in rows}
    assert "'\u200b=cmd|' /C calc'!A0" in summaries and "'\u3000+1" in summaries
