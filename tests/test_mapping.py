"""Column mapping: proposed from the columns' names, chosen by hand, applied before the checks,
kept per file shape in the session, the link and the saved plan; --map on the command line."""

from __future__ import annotations

import json

import pytest
from page_text import errors, texts

from triage import permalink
from triage.cli import main
from triage.kinds.runs.analysis import parse_runs
from triage.kinds.segments.gap import read_segments
from triage.mapping import (
    MLFLOW,
    REQUESTS,
    RUNS,
    SEGMENTS,
    combine,
    parse_map_options,
    propose,
    remember,
    remembered,
)
from triage.session import from_json, to_json
from triage.sources import read_runs
from triage.tabular import InputError, read_table

CANONICAL = (b"run_id,stage,started_at,ended_at,status\n"
             b"r1,data,2026-03-02T08:00:00Z,2026-03-02T10:00:00Z,succeeded\n"
             b"r1,train,2026-03-02T10:00:00Z,2026-03-02T15:00:00Z,failed\n"
             b"r1,train,2026-03-02T15:00:00Z,2026-03-02T19:00:00Z,succeeded\n"
             b"r2,data,2026-03-03T08:00:00Z,2026-03-03T09:00:00Z,succeeded\n"
             b"r2,train,2026-03-03T09:30:00Z,2026-03-03T12:30:00Z,succeeded\n")
# The same runs as a team's own export: shuffled columns, their words, an extra column.
WORDS = (b"Stage,Run ID,Owner,Start,End,Result\n"
         b"data,r1,ana,2026-03-02T08:00:00Z,2026-03-02T10:00:00Z,succeeded\n"
         b"train,r1,ana,2026-03-02T10:00:00Z,2026-03-02T15:00:00Z,failed\n"
         b"train,r1,ana,2026-03-02T15:00:00Z,2026-03-02T19:00:00Z,succeeded\n"
         b"data,r2,bo,2026-03-03T08:00:00Z,2026-03-03T09:00:00Z,succeeded\n"
         b"train,r2,bo,2026-03-03T09:30:00Z,2026-03-03T12:30:00Z,succeeded\n")
# Names no alias knows: only a hand mapping reads it.
CRYPTIC = WORDS.replace(b"Stage,Run ID,Owner,Start,End,Result", b"S,RID,O,T0,T1,R")
HAND = {"run_id": "rid", "stage": "s", "started_at": "t0", "ended_at": "t1", "status": "r"}


def _numbers(analysis):
    return (analysis.runs, round(analysis.iteration_hours, 9),
            [(s.stage, round(s.hours, 9)) for s in analysis.stages],
            round(analysis.lost_hours, 9) if hasattr(analysis, "lost_hours") else None)


# --- proposing --------------------------------------------------------------------------------


def test_a_teams_words_are_proposed_as_our_fields():
    columns = read_table(WORDS).frame.columns.tolist()
    assert propose(columns, RUNS) == {"run_id": "run_id", "stage": "stage",
                                      "started_at": "start", "ended_at": "end",
                                      "status": "result"}


def test_an_exact_name_wins_over_an_alias_and_a_column_is_used_once():
    # "start" would be started_at's alias, but started_at is there by name; "state" and "result"
    # both mean status: the earlier alias (result) wins and state stays unmapped.
    mapping = propose(["run_id", "stage", "start", "started_at", "ended_at", "state", "result"],
                      RUNS)
    assert mapping["started_at"] == "started_at" and mapping["status"] == "result"
    assert len(set(mapping.values())) == len(mapping)


def test_a_duration_without_its_unit_is_not_proposed():
    assert "duration_hours" not in propose(["run_id", "stage", "duration"], RUNS)


def test_a_choice_replaces_the_proposal_and_takes_its_column_away():
    proposed = {"run_id": "run_id", "stage": "stage", "status": "result"}
    assert combine(proposed, {"stage": "result", "run_id": ""}) == {"stage": "result"}


def test_missing_names_the_fields_and_the_timing_alternatives():
    assert RUNS.missing({"run_id": "x"}) == ["stage",
                                             "started_at + ended_at or duration_hours"]
    assert RUNS.missing({"run_id": "x", "stage": "y", "duration_hours": "z"}) == []


# --- applying ---------------------------------------------------------------------------------


def test_a_mapped_file_gives_the_numbers_of_the_canonical_one():
    expected = parse_runs(CANONICAL).analysis
    proposed = propose(read_table(WORDS).frame.columns.tolist(), RUNS)
    assert _numbers(parse_runs(WORDS, columns=proposed).analysis) == _numbers(expected)
    assert _numbers(parse_runs(CRYPTIC, columns=HAND).analysis) == _numbers(expected)
    # by hand: r1 = 2 + 5 + 4 = 11 h, r2 = 1 + 3 (+ 0.5 hand-off) = 4.5 h; mean 7.75 h
    assert expected.iteration_hours == pytest.approx(7.75)


def test_the_notes_say_what_was_read_as_what():
    notes = parse_runs(CRYPTIC, columns=HAND).notes
    assert any("rid as run_id" in n and "t0 as started_at" in n for n in notes)


def test_a_mapped_column_displaces_a_column_already_named_like_the_field():
    data = b"run_id,stage,batch,duration_hours\nwrong,x,r1,1\nwrong,y,r2,2\n"
    analysis = parse_runs(data, columns={"run_id": "batch"}).analysis
    assert analysis.runs == 2


def test_without_a_mapping_the_message_names_the_field_and_the_columns_found():
    with pytest.raises(InputError) as err:
        parse_runs(CRYPTIC, "team.csv")
    message = str(err.value)
    assert 'missing columns "run_id", "stage"' in message
    assert "Found: s, rid, o, t0, t1, r" in message and "--map COLUMN=FIELD" in message


def test_a_mapping_to_a_column_that_is_not_there_or_used_twice_is_refused():
    with pytest.raises(InputError, match="'nope' chosen for stage is not in the file"):
        parse_runs(CRYPTIC, "team.csv", columns={**HAND, "stage": "nope"})
    with pytest.raises(InputError, match="chosen for both run_id and stage"):
        parse_runs(CRYPTIC, "team.csv", columns={**HAND, "stage": "rid"})


def test_a_segment_table_in_other_words():
    canonical = (b"segment,expected_share,observed_share,expected_metric,observed_metric\n"
                 b"new,0.2,0.4,0.05,0.04\nreturning,0.8,0.6,0.10,0.09\n")
    words = (b"Cohort,Baseline share,Online share,Offline metric,Online metric\n"
             b"new,0.2,0.4,0.05,0.04\nreturning,0.8,0.6,0.10,0.09\n")
    proposed = propose(read_table(words).frame.columns.tolist(), SEGMENTS)
    assert SEGMENTS.missing(proposed) == []
    assert read_segments(words, columns=proposed) == read_segments(canonical)


def test_an_mlflow_export_with_renamed_columns(tmp_path):
    pytest.importorskip("mlflow")
    from mlflow_support import make_store

    export = make_store(tmp_path)["export"]
    canonical = export.to_csv(index=False).encode()
    renamed = export.rename(columns={"tags.mlflow.runName": "step", "status": "outcome"})
    data = renamed.to_csv(index=False).encode()
    with pytest.raises(InputError, match=r"missing.*tags\.mlflow\.runName"):
        read_runs(data, "export.csv", source_format="mlflow")
    mapped = read_runs(data, "export.csv", source_format="mlflow",
                       columns={"tags.mlflow.runName": "step", "status": "outcome"}).analysis
    assert _numbers(mapped) == _numbers(read_runs(canonical, "export.csv").analysis)
    assert MLFLOW.missing(propose(list(export.columns), MLFLOW)) == []


# --- remembering ------------------------------------------------------------------------------


def test_a_mapping_is_remembered_for_the_same_shape_only():
    store: dict = {}
    remember(store, RUNS, ["S", "RID", "T0", "T1", "R", "O"], HAND)
    assert remembered(store, RUNS, ["rid", "s", "o", "r", "t1", "t0"]) == HAND  # order, case
    assert remembered(store, RUNS, ["rid", "s", "t0", "t1"]) is None
    assert remembered(store, SEGMENTS, ["rid", "s", "o", "r", "t1", "t0"]) is None


# --- the command line -------------------------------------------------------------------------


def _cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_map_reads_a_file_no_alias_knows(tmp_path, capsys):
    path = tmp_path / "team.csv"
    path.write_bytes(CRYPTIC)
    code, _, err = _cli(capsys, "iteration", str(path), "--json")
    assert code == 1 and err.count("\n") == 1 and "Found: s, rid" in err
    maps = [f"--map={column}={field}" for field, column in HAND.items()]
    code, out, _ = _cli(capsys, "iteration", str(path), "--json", *maps)
    assert code == 0
    report = json.loads(out)
    assert report["iteration_hours"] == pytest.approx(7.75)
    assert report["runs"] == 2


def test_cli_proposes_the_teams_words_itself(tmp_path, capsys):
    path = tmp_path / "words.csv"
    path.write_bytes(WORDS)
    code, out, _ = _cli(capsys, "iteration", str(path), "--json")
    assert code == 0 and json.loads(out)["iteration_hours"] == pytest.approx(7.75)


@pytest.mark.parametrize("option, message", [
    ("rid", "write COLUMN=FIELD"),
    ("rid=run", "'run' is not a field of the runs table"),
])
def test_cli_bad_map_options_get_one_line(tmp_path, capsys, option, message):
    path = tmp_path / "team.csv"
    path.write_bytes(CRYPTIC)
    code, _, err = _cli(capsys, "iteration", str(path), "--map", option)
    assert code == 1 and message in err and err.count("\n") == 1


def test_parse_map_options_refuses_a_field_given_twice():
    with pytest.raises(InputError, match="given twice"):
        parse_map_options(["a=stage", "b=stage"], RUNS)
    assert parse_map_options(["Run ID=RUN_ID"], RUNS) == {"run_id": "Run ID"}


def test_cli_gap_and_access_take_map(tmp_path, capsys):
    segments = tmp_path / "seg.csv"
    segments.write_bytes(b"c,e_s,o_s,e_m,o_m\nnew,0.2,0.4,0.05,0.04\nold,0.8,0.6,0.10,0.09\n")
    maps = ["--map=c=segment", "--map=e_s=expected_share", "--map=o_s=observed_share",
            "--map=e_m=expected_metric", "--map=o_m=observed_metric"]
    code, out, _ = _cli(capsys, "gap", str(segments), "--json", *maps)
    assert code == 0
    # expected 0.2*0.05 + 0.8*0.10 = 0.09; observed 0.4*0.04 + 0.6*0.09 = 0.07
    report = json.loads(out)
    assert report["expected"] == pytest.approx(0.09) and report["observed"] == pytest.approx(0.07)
    log = tmp_path / "log.csv"
    log.write_bytes(b"Ticket,Table,Opened,first_access_at\n"
                    b"T-1,crm,2026-03-02T08:00:00Z,2026-03-03T08:00:00Z\n"
                    b"T-2,crm,2026-03-02T08:00:00Z,2026-03-04T08:00:00Z\n")
    code, out, err = _cli(capsys, "access", str(log), "--json", "--map=Opened=requested_at")
    assert code == 0, err
    assert json.loads(out)["requests"] == 2
    assert REQUESTS.missing({"request_id": "ticket", "dataset": "table",
                             "requested_at": "opened"}) == []


def test_cli_access_map_does_not_apply_to_a_tools_export(tmp_path, capsys):
    jira = tmp_path / "jira.csv"
    jira.write_bytes(b"Issue key,Summary,Created,Resolved,Status\n"
                     b"DA-1,Access to crm,02/Mar/26 9:00 AM,03/Mar/26 9:00 AM,Done\n")
    code, _, err = _cli(capsys, "access", str(jira), "--map=Summary=dataset")
    assert code == 1 and "--map applies to our request log" in err


# --- the page ---------------------------------------------------------------------------------


def _upload(app, name: str, data: bytes) -> None:
    app.file_uploader[0].set_value((name, data, "text/csv")).run()
    assert not app.exception


def _choose(app, label: str, column: str) -> None:
    next(s for s in app.selectbox if s.label == label).set_value(column).run()
    assert not app.exception


def test_the_page_proposes_a_mapping_and_reads_the_teams_words(app):
    app.switch_page("pages/iteration.py").run()
    _upload(app, "words.csv", WORDS)
    assert not errors(app)
    assert "2 runs" in texts(app) and "7.8 h" in texts(app)
    assert "Columns of words.csv: 3 read under another name" in [e.label for e in app.expander]
    session = app.session_state["sessions"]["slow_iteration"]
    assert "column_maps" not in session.inputs  # the proposal needs no storing


def test_a_hand_mapping_is_kept_and_travels_with_the_link_and_the_plan(app):
    app.switch_page("pages/iteration.py").run()
    _upload(app, "team.csv", CRYPTIC)
    assert "missing columns" in errors(app)
    expander = next(e.label for e in app.expander if e.label.startswith("Columns:"))
    assert "run_id, stage" in expander
    for field, label in (("run_id", "Run (one iteration) (required)"),
                         ("stage", "Stage (required)"), ("started_at", "Start time"),
                         ("ended_at", "End time"), ("status", "Outcome")):
        _choose(app, label, HAND[field])
    assert not errors(app) and "2 runs" in texts(app)
    session = app.session_state["sessions"]["slow_iteration"]
    kept = session.inputs["column_maps"]["runs"]
    assert kept == [{"columns": ["o", "r", "rid", "s", "t0", "t1"], "fields": HAND}]
    assert permalink.decode(permalink.encode(session)).inputs["column_maps"]["runs"] == kept
    assert from_json(to_json(session)).inputs["column_maps"]["runs"] == kept


def test_the_next_file_of_the_same_shape_is_read_with_the_kept_mapping(app):
    app.switch_page("pages/iteration.py").run()
    session = app.session_state["sessions"]["slow_iteration"]
    remember(session.inputs.setdefault("column_maps", {}), RUNS, list(HAND.values()) + ["o"],
             HAND)
    later = CRYPTIC.replace(b"r2,bo,2026-03-03T08:00:00Z", b"r3,bo,2026-03-03T08:00:00Z")
    _upload(app, "team_later.csv", later)
    assert not errors(app)
    assert "3 runs" in texts(app)  # r1, r2 (its data row) and r3 (its training row)
    assert next(s for s in app.selectbox if s.label == "Stage (required)").value == "s"


def test_segments_on_the_production_page_in_other_words(app):
    app.switch_page("pages/production.py").run()
    words = (b"Cohort,Baseline share,Online share,Offline metric,Online metric\n"
             b"new,0.2,0.4,0.05,0.04\nreturning,0.8,0.6,0.10,0.09\n")
    uploader = next(u for u in app.get("file_uploader")
                    if "segment CSV" in u.proto.label)
    uploader.set_value(("cohorts.csv", words, "text/csv")).run()
    assert not app.exception and not errors(app)
    session = app.session_state["sessions"]["production_underperformance"]
    assert [r["segment"] for r in session.inputs["segments"]] == ["new", "returning"]
    assert float(session.inputs["segments"][0]["expected_share"]) == 0.2


# --- drift samples: a feature renamed at serving ----------------------------------------------

TRAINING = b"age,country\n" + b"".join(f"{20 + i % 30},{'de' if i % 3 else 'fr'}\n".encode()
                                      for i in range(300))
SERVING = b"user_age,country\n" + b"".join(f"{25 + i % 30},{'de' if i % 3 else 'fr'}\n".encode()
                                          for i in range(300))


def test_cli_drift_map_compares_a_renamed_feature(tmp_path, capsys):
    from triage.kinds.samples.drift import compare, drift_report_json, read_sample

    reference, current = tmp_path / "train.csv", tmp_path / "serve.csv"
    reference.write_bytes(TRAINING)
    current.write_bytes(SERVING)
    code, out, _ = _cli(capsys, "drift", str(reference), str(current), "--json")
    assert code == 0 and [f["feature"] for f in json.loads(out)["features"]] == ["country"]
    code, out, _ = _cli(capsys, "drift", str(reference), str(current), "--json",
                        "--map", "user_age=age")
    assert code == 0
    mapped = json.loads(out)
    by_hand = drift_report_json(compare(read_sample(TRAINING, "t"),
                                        read_sample(SERVING.replace(b"user_age", b"age"), "s")))
    assert mapped["features"] == by_hand["features"]
    code, _, err = _cli(capsys, "drift", str(reference), str(current), "--map", "nope=age")
    assert code == 1 and "'nope' is not a column of the serving sample" in err


def test_the_production_page_matches_a_renamed_serving_feature(app):
    app.switch_page("pages/production.py").run()
    uploaders = {u.proto.label: u for u in app.get("file_uploader")}
    uploaders["Training sample (reference)"].set_value(("train.csv", TRAINING, "text/csv")).run()
    uploaders = {u.proto.label: u for u in app.get("file_uploader")}
    uploaders["Serving sample (current)"].set_value(("serve.csv", SERVING, "text/csv")).run()
    assert not app.exception
    assert any(e.label.startswith("Serving columns: 1 training feature not found by name")
               for e in app.expander)
    _choose(app, "age", "user_age")
    session = app.session_state["sessions"]["production_underperformance"]
    assert session.inputs["column_maps"]["samples"][0]["fields"] == {"age": "user_age"}
    report = app.session_state["production_drift@production_underperformance"]["report"][1]
    assert [f.feature for f in report.features] == ["age", "country"]


# --- the access page: a request log and an inventory in other words -------------------------

LOG_WORDS = (b"Ticket,Table,Opened,Approved,Got data\n"
             b"T-1,crm,2026-03-02T08:00:00Z,2026-03-02T20:00:00Z,2026-03-03T08:00:00Z\n"
             b"T-2,crm,2026-03-02T08:00:00Z,2026-03-03T08:00:00Z,2026-03-04T08:00:00Z\n"
             b"T-3,web,2026-03-03T08:00:00Z,,\n")
LOG_CANONICAL = LOG_WORDS.replace(b"Ticket,Table,Opened,Approved,Got data",
                                  b"request_id,dataset,requested_at,approved_at,first_access_at")


def _access_upload(app, suffix: str, name: str, data: bytes) -> None:
    uploader = next(u for u in app.file_uploader if u.key.endswith(suffix))
    uploader.set_value((name, data, "text/csv")).run()
    assert not app.exception, app.exception


def test_a_request_log_in_other_words_needs_one_hand_choice(app):
    from triage.kinds.requests.analysis import access_report

    app.switch_page("pages/access.py").run()
    _access_upload(app, ":log", "tickets.csv", LOG_WORDS)
    # Ticket, Table, Opened and Approved are proposed; "Got data" is no known spelling: read
    # without it first (first access unknown), then with it once chosen.
    assert not errors(app)
    session = app.session_state["sessions"]["data_access"]
    _choose(app, "First access at", "got_data")
    assert not errors(app)
    expected = access_report(LOG_CANONICAL, "tickets.csv")["time_to_access"]["median_hours"]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Time to access (median)"] == f"{expected / 24:.1f} d"
    assert session.inputs["column_maps"]["requests"][0]["fields"]["first_access_at"] == "got_data"


def test_an_inventory_in_other_words(app):
    app.switch_page("pages/access.py").run()
    _access_upload(app, ":log", "requests.csv", LOG_CANONICAL)
    _access_upload(app, ":inventory", "owners.csv", b"Table,Data owner\ncrm,ana\nweb,bo\n")
    assert not errors(app)
    assert "Using owners.csv" in texts(app)


# --- the skew pair: a request id under another name ---------------------------------------------

SERVED = b"Event ID,price\ne1,1.0\ne2,2.0\ne3,3.0\ne4,4.0\n"
OFFLINE = b"trace,price\ne1,1.0\ne2,2.5\ne3,3.0\ne4,4.0\n"


def test_cli_skew_finds_the_request_id_by_name_or_by_map(tmp_path, capsys):
    served, offline = tmp_path / "served.csv", tmp_path / "offline.csv"
    served.write_bytes(SERVED)
    offline.write_bytes(OFFLINE)
    code, _, err = _cli(capsys, "skew", str(served), str(offline), "--json")
    assert code == 1 and "offline.csv has no request_id column" in err  # "trace" is no alias
    code, out, _ = _cli(capsys, "skew", str(served), str(offline), "--json",
                        "--map", "trace=request_id")
    assert code == 0
    report = json.loads(out)
    assert report["matched"] == 4
    assert report["features"][0]["differs"]["share"] == pytest.approx(0.25)  # e2 of 4


def test_the_skew_pair_maps_a_renamed_request_id_on_the_page(app):
    app.switch_page("pages/production.py").run()
    uploaders = {u.proto.label: u for u in app.get("file_uploader")}
    uploaders["Served values (what the model received)"].set_value(
        ("served.csv", SERVED, "text/csv")).run()
    uploaders = {u.proto.label: u for u in app.get("file_uploader")}
    uploaders["Recomputed offline (same request ids)"].set_value(
        ("offline.csv", OFFLINE, "text/csv")).run()
    assert "has no request_id column" in errors(app)
    next(s for s in app.selectbox if s.label == "Request id (joins the two files) (required)"
         and s.value == "").set_value("trace").run()
    assert not app.exception and "has no request_id column" not in errors(app)
    report = app.session_state["production_skew@production_underperformance"]["report"][1]
    assert report.matched == 4


# --- what is kept of a mapped upload --------------------------------------------------------------


def test_a_mapped_upload_is_kept_under_our_names():
    from triage.tabular import mapped_csv

    runs = parse_runs(CRYPTIC, columns=HAND)
    assert _numbers(parse_runs(runs.raw).analysis) == _numbers(runs.analysis)  # no mapping needed
    assert parse_runs(CANONICAL).raw == CANONICAL  # an unmapped file is kept as it came
    log = mapped_csv(LOG_WORDS, "t.csv", {"request_id": "ticket", "dataset": "table",
                                          "requested_at": "opened", "first_access_at": "got_data"})
    assert log.startswith(b"request_id,dataset,requested_at,approved,first_access_at\n")
    assert mapped_csv(LOG_CANONICAL, "t.csv", {"request_id": "request_id"}) == LOG_CANONICAL


def test_a_plan_from_a_mapped_file_is_followed_up_with_a_mapped_file(app):
    from triage.followup import compare_runs

    app.switch_page("pages/iteration.py").run()
    _upload(app, "team.csv", CRYPTIC)
    for field, label in (("run_id", "Run (one iteration) (required)"),
                         ("stage", "Stage (required)"), ("started_at", "Start time"),
                         ("ended_at", "End time"), ("status", "Outcome")):
        _choose(app, label, HAND[field])
    app.switch_page("pages/plan.py").run()
    next(t for t in app.text_input if t.label == "Your name").input("Ana")
    next(t for t in app.text_input if t.label == "Team").input("Mapped follow-up team")
    next(b for b in app.button if b.label == "Save the plan").click().run()
    assert "Saved plan" in texts(app)
    app.switch_page("pages/review.py").run()
    app.text_input(key="review:team").input("Mapped follow-up team").run()
    # Six weeks later, the same export: the same shape, so the kept mapping reads it.
    later = CRYPTIC.replace(b"2026-03-02T15:00:00Z,2026-03-02T19:00:00Z",
                            b"2026-03-02T15:00:00Z,2026-03-02T17:00:00Z")
    app.file_uploader[0].set_value(("team_after.csv", later, "text/csv")).run()
    assert not app.exception and not errors(app)
    expected = compare_runs(parse_runs(CRYPTIC, columns=HAND), parse_runs(later, columns=HAND))
    assert expected.verdict.sentence in texts(app)
