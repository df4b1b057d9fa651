"""Readers of tools' own exports (W&B, Slurm, Airflow) -> the runs table, and the status map.

Every expected number below is computed by hand from the fixture's timestamps (comments show
the sums); the fixtures in tests/data/sources/ are shaped like each tool's own export: extra
columns, rows out of order, the tools' own state spellings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage.cli import main as cli_main
from triage.kinds.runs.analysis import parse_runs
from triage.sources import detect_format, read_runs
from triage.sources.status import FAILED, NOT_RUN, SUCCEEDED, UNFINISHED, outcome
from triage.tabular import InputError

DATA_DIR = Path(__file__).parent / "data"
ROOT_DATA = Path(__file__).parent.parent / "data"
SOURCES = DATA_DIR / "sources"
SACCT = SOURCES / "sacct.txt"
WANDB = SOURCES / "wandb_runs.csv"
WANDB_API = SOURCES / "wandb_api_runs.csv"
AIRFLOW_JSON = SOURCES / "airflow_task_instances.json"
AIRFLOW_CSV = SOURCES / "airflow_task_instances.csv"


def _stage(analysis, stage_id):
    found = analysis.stage(stage_id)
    assert found is not None, stage_id
    return found


# --- status map ---------------------------------------------------------------------------

@pytest.mark.parametrize("source, state, expected", [
    ("slurm", "COMPLETED", SUCCEEDED), ("slurm", "FAILED", FAILED),
    ("slurm", "CANCELLED by 1234", FAILED), ("slurm", "CANCELLED+", FAILED),
    ("slurm", "OUT_OF_MEMORY", FAILED), ("slurm", "TIMEOUT", FAILED),
    ("slurm", "PREEMPTED", FAILED), ("slurm", "NODE_FAIL", FAILED),
    ("slurm", "RUNNING", UNFINISHED), ("slurm", "PENDING", UNFINISHED),
    ("wandb", "finished", SUCCEEDED), ("wandb", "failed", FAILED), ("wandb", "crashed", FAILED),
    ("wandb", "killed", FAILED), ("wandb", "running", UNFINISHED),
    ("mlflow", "FINISHED", SUCCEEDED), ("mlflow", "FAILED", FAILED), ("mlflow", "KILLED", FAILED),
    ("mlflow", "RUNNING", UNFINISHED),
    ("airflow", "success", SUCCEEDED), ("airflow", "failed", FAILED),
    ("airflow", "up_for_retry", FAILED), ("airflow", "skipped", NOT_RUN),
    ("airflow", "upstream_failed", NOT_RUN), ("airflow", "running", UNFINISHED),
    ("any", "OOM", FAILED), ("any", "canceled", FAILED), ("any", "cancelled", FAILED),
    ("any", "node-fail", FAILED), ("any", "Timeout", FAILED), ("any", "Preempted", FAILED),
    ("slurm", "WEIRD", None),
])
def test_status_map(source, state, expected):
    assert outcome(source, state) == expected


# --- Slurm --------------------------------------------------------------------------------

def test_slurm_numbers_by_hand():
    runs = read_runs(SACCT.read_bytes(), SACCT.name, timezone="Europe/Berlin")
    a = runs.analysis
    # rank-014: queue 0.5 + features 2 + queue 2 + train 2 (OOM) + hand-off 0.25 + queue 1
    #           + train 6 = 13.75 h
    # rank-015: queue 0.25 + train 1 (CANCELLED by 5012) + queue 0.5 + train 6 (TIMEOUT)
    #           + hand-off 0.25 + queue 0 + eval 1 = 9.0 h
    assert a.runs == 2
    assert a.iteration_hours == pytest.approx((13.75 + 9.0) / 2)
    assert a.failed_hours == pytest.approx(2 + 1 + 6)
    assert a.failed_runs == 2
    assert _stage(a, "startup").hours == pytest.approx((0.5 + 2 + 1 + 0.25 + 0.5 + 0) / 2)
    assert _stage(a, "startup").wait_hours == pytest.approx(_stage(a, "startup").hours)
    assert _stage(a, "training").hours == pytest.approx((8 + 7) / 2)
    assert _stage(a, "training").wait_hours == 0
    assert _stage(a, "handoff").hours == pytest.approx(0.25)
    assert [s.row for s in a.skipped] == [11]  # 'interactive' has no iteration in its name
    assert "interactive" in a.skipped[0].reason
    notes = " ".join(a.notes)
    assert "1 job still running" in notes and "1 job still pending" in notes
    # 1007 is pending (censored at 0 h: it became eligible at the file's latest time); 1008 is
    # running (its 10 min queue wait ended); six finished jobs: 8 waits, 1 censored.
    assert (runs.queue_wait.curve.n, runs.queue_wait.curve.censored) == (8, 1)
    assert "Submit to Eligible, 2.5 h" in notes  # job 1002 held 08:00 -> 10:30
    assert "Europe/Berlin" in notes


def test_slurm_times_are_converted_from_the_stated_zone():
    runs = read_runs(SACCT.read_bytes(), SACCT.name, timezone="Europe/Berlin")
    text = runs.raw.decode()
    # 2026-09-01T08:30:00 in Berlin (CEST, UTC+2) is 06:30 UTC
    assert "rank-014,features,2026-09-01T06:30:00.000000Z,2026-09-01T08:30:00.000000Z" in text
    again = parse_runs(runs.raw, "again.csv").analysis  # the kept bytes re-read the same
    assert again.iteration_hours == pytest.approx(runs.analysis.iteration_hours)


def test_slurm_needs_a_zone():
    with pytest.raises(InputError, match="--timezone on the command line, .Cluster time zone. on the page"):
        read_runs(SACCT.read_bytes(), SACCT.name)
    with pytest.raises(InputError, match="not an IANA time zone"):
        read_runs(SACCT.read_bytes(), SACCT.name, timezone="CEST")


def test_slurm_iteration_from_wckey_and_pattern():
    by_key = read_runs(SACCT.read_bytes(), SACCT.name, timezone="UTC", iteration_from="wckey")
    # the stage is then the whole job name ('rank-014:train' maps to training by its keyword);
    # the interactive job has an empty WCKey and is skipped
    assert by_key.analysis.runs == 2
    assert by_key.analysis.iteration_hours == pytest.approx((13.75 + 9.0) / 2)
    assert [s.reason for s in by_key.analysis.skipped] == ["WCKEY is empty"]
    pattern = read_runs(SACCT.read_bytes(), SACCT.name, timezone="UTC",
                        name_pattern=r"^(?P<iteration>rank-\d+):(?P<stage>\w+)$")
    assert pattern.analysis.iteration_hours == pytest.approx((13.75 + 9.0) / 2)
    with pytest.raises(InputError, match=r"\(\?P<iteration>"):
        read_runs(SACCT.read_bytes(), SACCT.name, timezone="UTC", name_pattern=r"(\w+):(\w+)")
    with pytest.raises(InputError, match="not a valid regular expression"):
        read_runs(SACCT.read_bytes(), SACCT.name, timezone="UTC", name_pattern=r"(?P<iteration>")


def test_slurm_shuffled_lines_give_the_same_numbers():
    header, *lines = SACCT.read_text().splitlines()
    shuffled = "\n".join([header, *reversed(lines)]) + "\n"
    a = read_runs(shuffled.encode(), "shuffled.txt", timezone="Europe/Berlin").analysis
    assert a.iteration_hours == pytest.approx((13.75 + 9.0) / 2)
    assert a.failed_hours == pytest.approx(9.0)


def test_slurm_planned_stands_in_for_eligible():
    text = ("JobID|JobName|Submit|Start|End|State|Planned\n"
            "7|it-1:train|2026-01-10T08:00:00|2026-01-10T11:00:00|2026-01-10T12:00:00|COMPLETED|"
            "01:00:00\n")
    a = read_runs(text.encode(), "s.txt", timezone="UTC").analysis
    # eligible = 11:00 - 1 h = 10:00: queue 1 h; Submit -> Eligible (2 h) is a hold, not added
    assert a.iteration_hours == pytest.approx(2.0)
    assert _stage(a, "startup").hours == pytest.approx(1.0)
    assert "2.0 h in all" in " ".join(a.notes)


def test_slurm_without_eligible_or_planned_queues_from_submit():
    text = ("JobName|Submit|Start|End|State\n"
            "it-1:train|2026-01-10T08:00:00|2026-01-10T11:00:00|2026-01-10T12:00:00|COMPLETED\n")
    a = read_runs(text.encode(), "s.txt", timezone="UTC").analysis
    assert _stage(a, "startup").hours == pytest.approx(3.0)
    assert "includes any dependency hold" in " ".join(a.notes)


def test_slurm_daylight_saving_gap_is_a_clear_skip():
    # 2026-03-29 02:30 does not exist in Berlin (clocks jump 02:00 -> 03:00)
    text = ("JobName|Submit|Eligible|Start|End|State\n"
            "it-1:train|2026-03-29T01:00:00|2026-03-29T01:00:00|2026-03-29T01:30:00|"
            "2026-03-29T04:00:00|COMPLETED\n"
            "it-1:eval|2026-03-29T02:30:00|2026-03-29T02:30:00|2026-03-29T04:00:00|"
            "2026-03-29T05:00:00|COMPLETED\n")
    a = read_runs(text.encode(), "s.txt", timezone="Europe/Berlin").analysis
    # 01:30 CET -> 04:00 CEST is 1.5 h of real time, not 2.5
    assert _stage(a, "training").hours == pytest.approx(1.5)
    assert [s.row for s in a.skipped] == [3]
    assert "daylight-saving" in a.skipped[0].reason


def test_slurm_unknown_state_and_all_pending():
    text = ("JobName|Submit|Eligible|Start|End|State\n"
            "it-1:train|2026-01-10T08:00:00|2026-01-10T08:00:00|Unknown|Unknown|PENDING\n")
    with pytest.raises(InputError, match="no usable rows"):
        read_runs(text.encode(), "s.txt", timezone="UTC")
    weird = text.replace("PENDING", "SPECIAL")
    with pytest.raises(InputError, match="not a Slurm job state"):
        read_runs(weird.encode(), "s.txt", timezone="UTC")


# --- W&B ----------------------------------------------------------------------------------

def test_wandb_ui_export_numbers_by_hand():
    a = read_runs(WANDB.read_bytes(), WANDB.name).analysis
    # exp-1: prep 0.5 + gap 0.5 + train 1 (crashed) + gap 0.5 + train 4 + gap 0.5 + eval 1 = 8.0
    # exp-2: train 6 + eval 0.5 = 6.5; exp-3 is still running and left out
    assert a.runs == 2
    assert a.iteration_hours == pytest.approx((8.0 + 6.5) / 2)
    assert a.failed_hours == pytest.approx(1.0)
    assert _stage(a, "training").hours == pytest.approx((5 + 6) / 2)
    assert _stage(a, "handoff").hours == pytest.approx(1.5 / 2)
    assert _stage(a, "training").wait_hours is None  # W&B does not record queueing
    assert "1 run still running" in " ".join(a.notes)


def test_wandb_api_fields():
    a = read_runs(WANDB_API.read_bytes(), WANDB_API.name).analysis
    # data 1 h + train 7200.5 s + eval 900 s (killed): created_at without zone is UTC
    assert a.iteration_hours == pytest.approx(1 + 7200.5 / 3600 + 0.25)
    assert a.failed_hours == pytest.approx(0.25)
    assert a.naive_timestamps == 0


def test_wandb_bad_rows_and_columns():
    text = ("group,job_type,state,created_at,_runtime\n"
            ",train,finished,2026-05-01T09:00:00Z,60\n"
            "g,train,finished,yesterday,60\n"
            "g,train,finished,2026-05-01T09:00:00Z,1h\n"
            "g,train,finished,2026-05-01T09:00:00Z,3600\n")
    a = read_runs(text.encode(), "w.csv").analysis
    assert [s.row for s in a.skipped] == [2, 3, 4]
    assert "wandb.init(group=" in a.skipped[0].reason
    assert "seconds" in a.skipped[2].reason
    assert a.iteration_hours == pytest.approx(1.0)
    with pytest.raises(InputError, match="missing: job_type"):
        read_runs(b"group,state,_runtime,created_at\ng,finished,1,2026-01-01T00:00:00Z\n",
                  "w.csv", source_format="wandb")


# --- Airflow ------------------------------------------------------------------------------

def test_airflow_api_json_numbers_by_hand():
    a = read_runs(AIRFLOW_JSON.read_bytes(), AIRFLOW_JSON.name).analysis
    # run 06-01: extract queued 00:00 -> end 01:00 (wait 10 min), train 01:00 -> 05:30
    #            (wait 0.5), hand-off 05:30 -> 05:45, evaluate 05:45 -> 06:30 (wait 0.25) = 6.5 h
    # run 06-02: extract 1 h failed; train upstream_failed never ran = 1.0 h
    assert a.runs == 2
    assert a.iteration_hours == pytest.approx((6.5 + 1.0) / 2)
    assert a.failed_hours == pytest.approx(1.0)
    assert _stage(a, "data").wait_hours == pytest.approx((10 / 60) / 2)
    assert _stage(a, "training").wait_hours == pytest.approx(0.5 / 2)
    notes = " ".join(a.notes)
    assert "1 earlier attempt" in notes  # train is on try 2, its first try is not listed
    assert "never ran" in notes


def test_airflow_csv_every_try_adds_up():
    a = read_runs(AIRFLOW_CSV.read_bytes(), AIRFLOW_CSV.name).analysis
    # extract 08:00 -> 09:00 (wait 0.25); train try 1 09:00 -> 10:00 up_for_retry (lost);
    # hand-off 10:00 -> 10:05; train try 2 queued 10:05, 10:30 -> 12:30 (wait 25 min);
    # evaluate queued 12:30, 13:00 -> 13:30 (wait 0.5): 1 + 1 + 1/12 + 145/60 + 1 = 5.5 h
    assert a.runs == 1
    assert a.iteration_hours == pytest.approx(5.5)
    assert a.failed_hours == pytest.approx(1.0)
    assert _stage(a, "training").hours == pytest.approx(1 + 145 / 60)
    assert _stage(a, "training").wait_hours == pytest.approx(25 / 60)
    assert "earlier attempt" not in " ".join(a.notes)


def test_airflow_bad_json():
    with pytest.raises(InputError, match="task_instances"):
        read_runs(b'{"dag_runs": []}', "a.json")
    with pytest.raises(InputError, match="not valid JSON"):
        read_runs(b'{"task_instances": [', "a.json")
    with pytest.raises(InputError, match="missing: end_date"):
        read_runs(json.dumps({"task_instances": [{"dag_run_id": "r", "task_id": "t",
                                                   "state": "success",
                                                   "start_date": "2026-01-01T00:00:00Z"}]})
                  .encode(), "a.json")


# --- detection and the CLI ----------------------------------------------------------------

@pytest.mark.parametrize("path, expected", [
    (SACCT, "slurm"), (WANDB, "wandb"), (WANDB_API, "wandb"), (AIRFLOW_JSON, "airflow"),
    (AIRFLOW_CSV, "airflow"), (ROOT_DATA / "iteration" / "example_runs.csv", "runs"),
])
def test_detect(path, expected):
    assert detect_format(path.read_bytes(), path.name) == expected


def test_unknown_columns_say_what_each_format_needs():
    with pytest.raises(InputError, match="missing columns.*W&B runs export.*sacct"):
        read_runs(b"a,b\n1,2\n", "x.csv")


def test_cli_format_and_timezone(capsys):
    assert cli_main(["iteration", str(SACCT), "--format", "slurm", "--timezone",
                     "Europe/Berlin", "--iteration-from", "wckey", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["iteration_hours"] == pytest.approx(11.375)
    assert report["notes"][0] == "read as a Slurm sacct export"
    assert cli_main(["iteration", str(SACCT), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "--timezone" in captured.err
    assert cli_main(["iteration", str(WANDB)]) == 0
    assert "read as a W&B runs export" in capsys.readouterr().out
    assert cli_main(["iteration", str(WANDB), "--format", "airflow"]) == 1
    assert "task_id" in capsys.readouterr().err


# --- exit codes: nothing usable left is an error, not an empty result --------------------

def test_drift_without_a_common_column_exits_1(tmp_path, capsys):
    reference, current = tmp_path / "ref.csv", tmp_path / "cur.csv"
    reference.write_text("a,b\n1,2\n3,4\n")
    current.write_text("c,d\n1,2\n3,4\n")
    assert cli_main(["drift", str(reference), str(current), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "no column in common" in captured.err


@pytest.mark.parametrize("command, files", [
    ("iteration", {"runs.csv": "run_id,stage,duration_hours\nr1,train,abc\n"}),
    ("access", {"log.csv": "request_id,dataset,requested_at\nr1,d1,not a date\n"}),
    ("gap", {"seg.csv": "segment,expected_share,observed_share,expected_metric,observed_metric\n"
                        "x,abc,1,1,1\n"}),
    ("skew", {"served.csv": "request_id,x\n1,1\n", "offline.csv": "request_id,x\n2,1\n"}),
])
def test_every_row_skipped_exits_1(command, files, tmp_path, capsys):
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        paths.append(str(tmp_path / name))
    assert cli_main([command, *paths, "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
