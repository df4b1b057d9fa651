"""The Review page's follow-up reads the same tools' exports as the iteration page, defaulting to
the format the meeting's runs came from, and says when before and after came from different
tools."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.page_text import errors, texts
from triage.followup import compare_runs
from triage.sources import read_runs
from triage.sources.options import RUNS_READ, format_mismatch, read_options, tagged, untagged

SOURCES = Path(__file__).resolve().parent / "data" / "sources"
BEFORE, AFTER = SOURCES / "wandb_runs.csv", SOURCES / "wandb_runs_after.csv"


def _run(app, page: str | None = None):
    if page:
        app.switch_page(page)
    app.run()
    assert not app.exception, app.exception


def _save_a_wandb_plan(app, team: str) -> None:
    """The meeting: a W&B export on the iteration page, the plan saved; then the Review page."""
    _run(app, "pages/iteration.py")
    app.file_uploader[0].set_value((BEFORE.name, BEFORE.read_bytes(), "text/csv"))
    _run(app)
    session = app.session_state["sessions"]["slow_iteration"]
    assert session.inputs[RUNS_READ]["source_format"] == "wandb"  # detected, then named
    _run(app, "pages/plan.py")
    next(t for t in app.text_input if t.label == "Your name").input("Ana")
    next(t for t in app.text_input if t.label == "Team").input(team)
    next(b for b in app.button if b.label == "Save the plan").click()
    _run(app)
    assert "Saved plan" in texts(app)
    _run(app, "pages/review.py")
    app.text_input(key="review:team").input(team)  # other tests save plans too
    _run(app)


def _format_box(app):
    return next(s for s in app.selectbox if s.label == "File format")


def test_an_after_wandb_export_is_compared_like_the_numbers_computed_directly(app):
    _save_a_wandb_plan(app, "W&B follow-up team")
    assert _format_box(app).value == "wandb"  # the meeting's format, not 'detect'
    app.file_uploader[0].set_value((AFTER.name, AFTER.read_bytes(), "text/csv"))
    _run(app)
    assert not errors(app)
    expected = compare_runs(read_runs(BEFORE.read_bytes(), BEFORE.name),
                            read_runs(AFTER.read_bytes(), AFTER.name))
    body = texts(app)
    assert expected.verdict.sentence in body, body[-1500:]
    assert "fell from 7.2 h to 4.3 h" in body  # the sentence is about these files, not a default
    assert "Before: wandb_runs.csv (W&B runs export) · after: wandb_runs_after.csv (W&B runs " \
           "export)" in body
    assert not app.warning  # same tool on both sides
    bars = json.loads(app.get("plotly_chart")[-2].proto.spec)
    before, after = bars["data"]
    items = expected.chart_items()
    assert before["y"] == pytest.approx([d.before_median for _, d in items])
    assert after["y"] == pytest.approx([d.after_median for _, d in items])
    assert bars["layout"]["title"]["text"].startswith("Before and after (wandb_runs_after.csv)")


def test_an_after_sacct_export_is_read_with_its_zone_and_flagged_as_another_tool(app):
    _save_a_wandb_plan(app, "Mixed-tools follow-up team")
    author = app.text_input(key="review:author")
    author.input("Ben")
    _run(app)
    sacct = (SOURCES / "sacct.txt").read_bytes()
    _format_box(app).set_value("slurm")
    app.file_uploader[0].set_value(("sacct.txt", sacct, "text/plain"))
    _run(app)
    message = errors(app)
    assert "Cluster time zone" in message and "Nothing from this file was kept" in message
    assert "Pick its file format (and for sacct the cluster's time zone) above" in message
    assert "No 'after' measurements yet" in texts(app)  # nothing attached
    assert app.text_input(key="review:author").value == "Ben"  # nothing typed is lost
    next(t for t in app.text_input if t.label == "Cluster time zone (Slurm)").set_value(
        "Europe/Berlin")
    _run(app)
    assert not errors(app)
    warning = " ".join(w.value for w in app.warning)
    assert "read from W&B runs export and the after runs from Slurm sacct --parsable2" in warning
    assert "not like with like" in warning
    expected = compare_runs(read_runs(BEFORE.read_bytes(), BEFORE.name),
                            read_runs(sacct, "sacct.txt", timezone="Europe/Berlin"))
    assert expected.verdict.sentence in texts(app)


def test_read_options_survive_junk_and_tags_round_trip():
    assert read_options({}) == {"source_format": "detect", "timezone": None,
                                "iteration_from": "name", "name_pattern": None}
    junk = {RUNS_READ: {"source_format": "excel", "timezone": 3, "iteration_from": "jobid"}}
    assert read_options(junk)["source_format"] == "detect"
    assert read_options(junk)["timezone"] is None and read_options(junk)["iteration_from"] == "name"
    kept = {RUNS_READ: {"source_format": "slurm", "timezone": " Europe/Berlin ",
                        "iteration_from": "wckey"}}
    assert read_options(kept) == {"source_format": "slurm", "timezone": "Europe/Berlin",
                                  "iteration_from": "wckey", "name_pattern": None}
    assert untagged(tagged("after [v2].csv", "wandb")) == ("after [v2].csv", "wandb")
    assert untagged("after [v2].csv") == ("after [v2].csv", None)
    assert untagged("after.csv [excel]") == ("after.csv [excel]", None)
    assert format_mismatch("wandb", "wandb") is None and format_mismatch(None, "slurm") is None
    assert "Upload the after runs as W&B runs export" in format_mismatch("wandb", "slurm")
