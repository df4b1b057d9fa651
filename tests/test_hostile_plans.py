"""Plan JSON and links that used to pass validation and then break pages or exports (issue 18,
parts 4 and 5): lone surrogates, wrong-typed inputs, numbers that overflow, deep nesting, and
stage times that add up to infinity. Each is refused where it enters, with the field named; the
formatting of numbers is total."""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus.make_corpus import token
from triage.cli import main
from triage.export import _axis, _nice_ticks, plan_html, plan_markdown
from triage.kinds.runs.analysis import MAX_STAGE_HOURS, analyse_stage_table, parse_runs
from triage.permalink import LinkError, decode
from triage.plan import fmt
from triage.session import MAX_JSON_DEPTH, SessionError, from_json, nested_too_deeply, to_json

ROOT = Path(__file__).resolve().parent.parent
PLAN = json.loads((ROOT / "data/iteration/example.plan.json").read_text(encoding="utf-8"))
# Without their snapshots, so that a link of them stays under the link's length limit.
ACCESS = {**json.loads((ROOT / "data/access/example.plan.json").read_text(encoding="utf-8")),
          "snapshot": None}
PRODUCTION = {**json.loads((ROOT / "data/production/example.plan.json").read_text(encoding="utf-8")),
              "snapshot": None}


def _with(doc: dict, path: list, value) -> dict:
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


HALF = "\ud800"
# (document text, words the message must contain: the field and what is wrong)
BAD = {
    "surrogate in a note": (json.dumps(_with(PLAN, ["notes"], {"know_loop": f"a{HALF}b"})),
                            "notes.know_loop: holds a lone surrogate (\\ud800)"),
    "surrogate in the title": (json.dumps(_with(PLAN, ["title"], HALF)), "title: holds a lone"),
    "surrogate in a key": (json.dumps(_with(PLAN, ["answers"], {HALF: "x"})),
                           "answers.\\ud800: the field name holds a lone surrogate"),
    "surrogate in an owner": (json.dumps(_with(PLAN, ["plan_edits"], {"a": {"owner": HALF}})),
                              "plan_edits.a.owner: holds a lone surrogate"),
    "surrogate in the snapshot": (json.dumps(_with(PLAN, ["snapshot", "title"], HALF)),
                                  "snapshot.title: holds a lone surrogate"),
    "stage_table is text": (json.dumps(_with(PLAN, ["inputs", "stage_table"], "oops")),
                            "inputs.stage_table: must be a list of rows (objects), not text"),
    "a row is a number": (json.dumps(_with(PLAN, ["inputs", "stage_table"], [3])),
                          "inputs.stage_table[0]: must be an object (one row), not a number"),
    "a cell is a list": (json.dumps(_with(PLAN, ["inputs", "stage_table"], [{"hours": [1]}])),
                         "inputs.stage_table[0].hours: must be text, a number or null, not a list"),
    "a stage name is a number": (json.dumps(_with(PLAN, ["inputs", "stage_table"],
                                                  [{"stage": 5, "hours": 1}])),
                                 "inputs.stage_table[0].stage: must be text or null, not a number"),
    "iterations are text": (json.dumps(_with(PLAN, ["inputs", "iterations_per_month"], "many")),
                            "inputs.iterations_per_month: must be a number or null, not text"),
    "segments are an object": (json.dumps(_with(PRODUCTION, ["inputs", "segments"], {"a": 1})),
                               "inputs.segments: must be a list of rows (objects), not an object"),
    "metric value is text": (json.dumps(_with(PRODUCTION, ["inputs", "metric", "observed"], "x")),
                             "inputs.metric.observed: must be a number or null, not text"),
    "health is a list": (json.dumps(_with(PRODUCTION, ["inputs", "health"], [1])),
                         "inputs.health: must be an object, not a list"),
    "rollback is text": (json.dumps(_with(PRODUCTION, ["inputs", "rollout", "rollback_available"],
                                          "maybe")),
                         "inputs.rollout.rollback_available: must be true, false or null"),
    "clock hour out of range": (json.dumps(_with(ACCESS, ["inputs", "clock", "start_hour"], 30)),
                                "inputs.clock.start_hour: must be a whole number of hours"),
    "typical wait is text": (json.dumps(_with(ACCESS, ["inputs", "typical", "owner"], "soon")),
                             "inputs.typical.owner: must be a number or null, not text"),
    "as-of is not a date": (json.dumps(_with(ACCESS, ["inputs", "as_of"], "yesterday")),
                            "inputs.as_of: must be a date (YYYY-MM-DD) or null, not text"),
    "prefilled holds a number": (json.dumps(_with(ACCESS, ["inputs", "prefilled"], ["typical", 3])),
                                 "inputs.prefilled[1]: must be text, not a number"),
    "column maps are a list": (json.dumps(_with(PLAN, ["inputs", "column_maps"], [1])),
                               "inputs.column_maps: must be an object of lists of column mappings"),
    "1e400": (json.dumps(PLAN).replace('"iterations_per_month": 20.8',
                                       '"iterations_per_month": 1e400'),
              "inputs.iterations_per_month: is too large a number (it reads as infinity)"),
    "-1e400 in the snapshot": (json.dumps(_with(PLAN, ["snapshot", "format"], "HUGE"))
                               .replace('"HUGE"', "-1e400"),
                               "snapshot.format: is too large a number (it reads as infinity)"),
    "1e308": (json.dumps(_with(PLAN, ["whatif"], {"data": 1e308})),
              "whatif.data: is too large a number; numbers in a plan must be within ±1e+100"),
    "a huge whole number": (json.dumps(_with(PLAN, ["inputs", "iterations_per_month"], 10 ** 200)),
                            "inputs.iterations_per_month: is too large a number"),
    "600 levels": (json.dumps(_with(PLAN, ["snapshot"], "DEEP")).replace(
        '"DEEP"', "[" * 600 + "]" * 600), f"nested too deeply (more than {MAX_JSON_DEPTH} levels"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_import_refuses_and_names_the_field(name):
    text, words = BAD[name]
    with pytest.raises(SessionError) as err:
        from_json(text.encode("utf-8"))
    assert words in str(err.value)


@pytest.mark.parametrize("name", list(BAD))
def test_a_link_refuses_and_names_the_field(name):
    text, words = BAD[name]
    with pytest.raises(LinkError) as err:
        decode(token(text.encode("utf-8")))
    assert words in str(err.value)


@pytest.mark.parametrize("name", list(BAD))
def test_cli_export_is_one_line_naming_the_field(name, tmp_path, capsys):
    text, words = BAD[name]
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    for fmt_name in ("json", "html", "md", "jira"):
        assert main(["export", str(path), "--format", fmt_name]) == 1
        captured = capsys.readouterr()
        assert captured.out == "" and "Traceback" not in captured.err
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], captured.err


def test_cli_export_in_a_real_process_refuses_a_surrogate(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(BAD["surrogate in a note"][0], encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "triage", "export", str(path), "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().endswith(
        "notes.know_loop: holds a lone surrogate (\\ud800), a character no UTF-8 file can hold; "
        "remove it or export the plan again"), done.stderr


def test_every_shipped_plan_still_opens_and_round_trips():
    for path in sorted((ROOT / "data").glob("**/*.plan.json")):
        session = from_json(path.read_bytes())
        assert from_json(to_json(session)) == session


def test_the_depth_scan_reads_brackets_outside_strings_only():
    assert not nested_too_deeply('{"a": "' + "[" * 500 + '"}')
    assert not nested_too_deeply('{"a": "\\"' + "[" * 500 + '"}')  # an escaped quote stays inside
    assert nested_too_deeply("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert not nested_too_deeply("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)


def test_a_subnormal_number_is_kept():
    text = json.dumps(PLAN).replace('"iterations_per_month": 20.8', '"iterations_per_month": 5e-324')
    assert from_json(text).inputs["iterations_per_month"] == 5e-324


# ------------------------------------------------------------------------- non-finite numbers


def test_stage_times_that_would_sum_to_infinity_are_skipped_with_the_column_named(capsys, tmp_path):
    data = b"run_id,stage,duration_hours\nr1,data,1e308\nr1,training,1e308\nr2,data,1\nr2,training,2\n"
    runs = parse_runs(data, "runs.csv")
    assert runs.analysis.iteration_hours == pytest.approx(3.0)  # r2 alone: 1 h + 2 h
    reasons = [s.reason for s in runs.analysis.skipped]
    assert [s.row for s in runs.analysis.skipped] == [2, 3]
    assert all("duration_hours" in r and f"over {MAX_STAGE_HOURS:,} h" in r for r in reasons)
    path = tmp_path / "runs.csv"
    path.write_bytes(data)
    assert main(["iteration", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(c))
    assert out["iteration_hours"] == pytest.approx(3.0) and len(out["skipped"]) == 2
    # Just under the limit is kept: 2 × 1e6 h stays finite.
    kept = parse_runs(b"run_id,stage,duration_hours\nr1,data,1000000\nr1,training,1000000\n")
    assert kept.analysis.iteration_hours == 2_000_000 and not kept.analysis.skipped


def test_a_typed_stage_over_the_limit_is_skipped_and_the_rest_kept():
    analysis = analyse_stage_table([{"stage": "data", "hours": 1e308},
                                    {"stage": "training", "hours": 1e308},
                                    {"stage": "evaluation", "hours": 2}])
    assert analysis.iteration_hours == 2
    assert [s.row for s in analysis.skipped] == [1, 2]
    assert "over 1,000,000 h" in analysis.skipped[0].reason


@pytest.mark.parametrize("value, text", [
    (5e-324, "0"), (-5e-324, "0"), (1e-310, "0"), (0.0, "0"), (12.5, "12"), (0.01234, "0.0123"),
    (1e15, "1e+15"), (1.7976931348623157e308, "1.8e+308"), (-1e300, "-1e+300"),
    (math.inf, "inf"), (999_999_999_999_999.0, "999999999999999"),
])
def test_fmt_is_total(value, text):
    assert fmt(value) == text


@pytest.mark.parametrize("top", [0.0, 5e-324, 1e-310, 2.2e-308, 1.0, 1e308, 1.7976931348623157e308,
                                 math.inf])
def test_axes_are_finite_for_every_top(top):
    axis_max, ticks = _axis(top)
    assert math.isfinite(axis_max) and axis_max > 0 and ticks[0] == 0 and 2 <= len(ticks) <= 7
    if math.isfinite(top) and top > 0 and top < 1e307:
        assert axis_max >= top


@pytest.mark.parametrize("low, high", [(0.0, 5e-324), (-1.7e308, 1.7e308), (0.0, 1e308),
                                       (1e-320, 2e-320)])
def test_chart_ticks_are_finite(low, high):
    ticks = _nice_ticks(low, high)
    assert ticks and all(math.isfinite(t) for t in ticks) and len(ticks) <= 8


@pytest.mark.parametrize("value", [5e-324, 1.7976931348623157e308, 1e-310, 1e100])
def test_html_and_markdown_exports_render_extreme_numbers(value):
    snapshot = copy.deepcopy(PLAN["snapshot"])
    for section in snapshot["sections"]:
        for item in section["items"]:
            for key in ("impact_low", "impact_high", "effort_low", "effort_high"):
                item[key] = value
    html = plan_html(snapshot)
    assert "<svg" in html and "nan" not in html.lower().replace("nanc", "")
    assert plan_markdown(snapshot).startswith("#")
