"""MLflow runs read both ways from a REAL tracking store the mlflow package writes (SQLite).

The store: experiment "ranker", three parent runs (iterations), child runs per stage; in the
second iteration a failed training attempt then a retry; in the third a half-hour gap between
data and training. Hours from each parent's start, set with create_run(start_time=...) and
set_terminated(end_time=...):

    it1: data 0-1, training 1-4, evaluation 4-4.5                      total 4.5
    it2: data 0-2, training 2-3 FAILED, training 3-6, evaluation 6-7     total 7.0
    it3: data 0-1, (gap 1-1.5), training 1.5-3.5, evaluation 3.5-4       total 4.0

Means per run over the 3 iterations: data (1+2+1)/3 = 4/3, training (3+4+2)/3 = 3,
evaluation (0.5+1+0.5)/3 = 2/3, handoff 0.5/3 = 1/6; iteration mean 15.5/3 = 5.1667 h (they add
up), median of totals 4.5 h; 1 h lost in one failed attempt.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

mlflow = pytest.importorskip("mlflow")

from mlflow_support import make_store  # noqa: E402

from triage.cli import iteration_report, main  # noqa: E402
from triage.sources.mlflow import read_export, read_tracking, runs_from_frame  # noqa: E402
from triage.tabular import InputError  # noqa: E402


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return make_store(tmp_path_factory.mktemp("mlflow"))


def _stages(analysis):
    return {s.stage: s for s in analysis.stages}


def _check_numbers(analysis):
    stages = _stages(analysis)
    assert analysis.runs == 3
    assert stages["data"].hours == pytest.approx(4 / 3)
    assert stages["training"].hours == pytest.approx(3.0)
    assert stages["evaluation"].hours == pytest.approx(2 / 3)
    assert stages["handoff"].hours == pytest.approx(0.5 / 3)
    assert analysis.iteration_hours == pytest.approx(15.5 / 3)
    assert analysis.typical_iteration_hours == pytest.approx(4.5)
    assert analysis.bottleneck.stage == "training"
    assert analysis.failed_runs == 1
    assert analysis.failed_hours == pytest.approx(1.0)
    assert stages["training"].median_hours == pytest.approx(3.0)  # of 3, 4, 2


def test_client_route_reads_the_store(store):
    runs = read_tracking(store["uri"], "ranker")
    _check_numbers(runs.analysis)
    assert any("RUNNING or SCHEDULED" in n for n in runs.analysis.notes)


def test_experiment_by_id_gives_the_same(store):
    by_id = read_tracking(store["uri"], store["experiment_id"]).analysis
    assert by_id.iteration_hours == pytest.approx(15.5 / 3)


def test_search_runs_export_has_the_documented_columns(store):
    export = store["export"]
    for column in ("run_id", "experiment_id", "status", "start_time", "end_time",
                   "tags.mlflow.runName", "tags.mlflow.parentRunId", "params.lr"):
        assert column in export.columns
    assert set(export["status"]) == {"FINISHED", "FAILED", "RUNNING"}


@pytest.mark.parametrize("kind", ["csv", "parquet", "frame"])
def test_export_route_matches_the_client_route(store, kind):
    export = store["export"].sample(frac=1, random_state=3)  # order must not matter
    path = store["folder"] / f"runs.{kind}"
    if kind == "csv":
        export.to_csv(path, index=False)
        runs = read_export(path.read_bytes(), path.name)
    elif kind == "parquet":
        export.to_parquet(path, index=False)
        runs = read_export(path.read_bytes(), path.name)
    else:
        runs = runs_from_frame(export, "frame")
    _check_numbers(runs.analysis)
    client = iteration_report(read_tracking(store["uri"], "ranker").raw, "x")
    export_report = iteration_report(runs.raw, "x")
    assert export_report == client


def test_epoch_millisecond_csv(store):
    frame = store["export"].copy()
    for column in ("start_time", "end_time"):
        frame[column] = (frame[column].astype("int64") // 1000).where(frame[column].notna())
        frame[column] = frame[column].astype("Int64")
    data = frame.to_csv(index=False).encode()
    _check_numbers(read_export(data, "ms.csv").analysis)


def test_lone_run_is_one_iteration_of_one_stage():
    frame = pd.DataFrame({
        "run_id": ["a", "b"], "experiment_id": ["1", "1"], "status": ["FINISHED", "KILLED"],
        "start_time": ["2026-03-01T00:00:00Z", "2026-03-01T10:00:00Z"],
        "end_time": ["2026-03-01T02:00:00Z", "2026-03-01T11:00:00Z"],
        "tags.mlflow.runName": ["train", "train"],
    })
    analysis = runs_from_frame(frame, "lone").analysis
    assert analysis.runs == 2
    assert analysis.iteration_hours == pytest.approx(1.5)  # (2 + 1) / 2
    assert analysis.failed_hours == pytest.approx(1.0)  # KILLED is a failed attempt


def test_cli_reads_the_store(store, capsys):
    assert main(["iteration", "--mlflow", store["uri"], "--experiment", "ranker", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert math.isclose(report["iteration_hours"], 15.5 / 3)
    assert report["bottleneck"] == "training"
    assert any("RUNNING or SCHEDULED" in note for note in report["notes"])


def test_cli_table(store, capsys):
    assert main(["iteration", "--mlflow", store["uri"], "--experiment", "ranker"]) == 0
    assert "bottleneck: training" in capsys.readouterr().out


def test_bad_inputs_get_one_clear_line(store, capsys, tmp_path):
    assert main(["iteration", "--mlflow", store["uri"], "--experiment", "nope"]) == 1
    err = capsys.readouterr().err
    assert "no experiment named 'nope'" in err and "ranker" in err and len(err.splitlines()) == 1
    missing = f"sqlite:///{tmp_path / 'absent.db'}"
    assert main(["iteration", "--mlflow", missing, "--experiment", "ranker"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "absent.db").exists()  # never creates an empty store
    assert main(["iteration", "--mlflow", store["uri"]]) == 1
    assert "--experiment" in capsys.readouterr().err
    with pytest.raises(InputError, match="missing status, start_time"):
        read_export(b"run_id,tags.mlflow.runName\na,train\n", "x.csv")


def test_bare_db_path_is_the_sqlite_store(store):
    path = store["uri"][len("sqlite:///"):]
    assert read_tracking(path, "ranker").analysis.runs == 3


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_cli_export_file_and_store_print_the_same_json(store, capsys, kind):
    path = store["folder"] / f"cli.{kind}"
    getattr(store["export"], f"to_{kind}")(path, index=False)
    assert main(["iteration", str(path), "--json"]) == 0  # detected from the columns / Parquet
    from_file = capsys.readouterr().out
    assert main(["iteration", "--mlflow", store["uri"], "--experiment", "ranker", "--json"]) == 0
    assert capsys.readouterr().out == from_file
