"""Tools' own exports on the iteration page: detected, or read with the format and zone chosen."""

from pathlib import Path

from page_text import errors, texts

SOURCES = Path(__file__).resolve().parent / "data" / "sources"


def open_page(app, page: str) -> None:
    app.switch_page(page).run()
    assert not app.exception, app.exception


def _zone_input(app):
    return next(t for t in app.text_input if t.label == "Cluster time zone (Slurm)")


def _upload(app, name: str) -> None:
    app.file_uploader[0].set_value((name, (SOURCES / name).read_bytes(), "text/csv")).run()
    assert not app.exception


def test_a_wandb_export_is_detected_and_analysed(app):
    from triage.sources import read_runs

    open_page(app, "pages/iteration.py")
    _upload(app, "wandb_runs.csv")
    expected = read_runs((SOURCES / "wandb_runs.csv").read_bytes(), "wandb_runs.csv").analysis
    session = app.session_state["sessions"]["slow_iteration"]
    assert session.inputs["source"] == "runs"
    assert f"{expected.runs} runs" in texts(app)
    assert f"{expected.iteration_hours:.1f} h" in texts(app)


def test_a_sacct_file_asks_for_the_zone_then_reads_with_it(app):
    from triage.sources import read_runs

    open_page(app, "pages/iteration.py")
    _upload(app, "sacct.txt")
    assert "Cluster time zone" in errors(app)  # detected as Slurm, but local times need a zone
    _zone_input(app).set_value("Europe/Berlin").run()
    assert not app.exception and not errors(app)
    expected = read_runs((SOURCES / "sacct.txt").read_bytes(), "sacct.txt",
                         timezone="Europe/Berlin").analysis
    assert f"{expected.iteration_hours:.1f} h" in texts(app)


def test_pending_sacct_jobs_give_a_censored_queue_wait_at_the_typed_export_time(app):
    open_page(app, "pages/iteration.py")
    _zone_input(app).set_value("UTC")
    next(t for t in app.text_input if t.label == "Export time (Slurm)").set_value(
        "2026-09-10T12:00:00")
    _upload(app, "sacct_pending.txt")
    assert not errors(app)
    # by hand in tests/test_sources_slurm_pending.py: median 4 h, p90 beyond the longest wait
    queue = next(m for m in app.metric if m.label.startswith("Queue wait, every job"))
    assert queue.value == "4.0 h"
    assert "p90 more than 10.0 h · 3 of 9 jobs censored (not started)" in queue.proto.delta
    assert "2026-09-10 12:00 UTC, as given" in texts(app)
    session = app.session_state["sessions"]["slow_iteration"]
    assert session.inputs["runs_read"]["source_format"] == "slurm"
    assert session.inputs["runs_read"]["timezone"] == "UTC"
