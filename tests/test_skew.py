"""The skew check: served feature values joined by request id to offline recomputation.

Every number is counted by hand from the small joins below (the arithmetic is next to it) or taken
from scipy (Wilson intervals, binomial tails); the worked example's pair is recounted with a plain
pandas merge.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from tests.page_text import errors as error_text
from tests.page_text import texts
from triage.cli import main
from triage.engine import suggestion_for
from triage.kinds.samples.skew import (
    DEFAULT_ATOL,
    DEFAULT_RTOL,
    check_skew,
    skew_metrics,
    skew_report,
    skew_report_json,
    wilson,
)
from triage.playbook import load_catalogue
from triage.production import analyse
from triage.tabular import InputError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "data" / "production"
BOOK = load_catalogue().playbooks["production_underperformance"]
KEY = "production_underperformance"


def csv(rows: list[list[object]]) -> bytes:
    return "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows).encode()


def frame(columns: dict[str, list]) -> pd.DataFrame:
    return pd.DataFrame(columns)


def feature(report, name):
    return next(f for f in report.features if f.feature == name)


# --- intervals and the tolerance --------------------------------------------------------------


@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (0, 10), (3, 10), (2, 4), (708, 1989), (50, 50)])
def test_wilson_interval_matches_scipy(k, n):
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson(k, n) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_numbers_differ_beyond_atol_plus_rtol_times_offline():
    served = frame({"request_id": ["a", "b", "c", "d"], "x": [1 + 1e-9, 100.0009, 1e-7, 5.0001]})
    offline = frame({"request_id": ["a", "b", "c", "d"], "x": [1.0, 100.0, 0.0, 5.0]})
    # a: |1e-9| <= 1e-8 + 1e-5·1 = 1.001e-5, agrees;   b: 9e-4 <= 1e-8 + 1e-3, agrees;
    # c: 1e-7 > 1e-8 + 0, differs;                    d: 1e-4 > 1e-8 + 5e-5, differs.
    x = feature(check_skew(served, offline), "x")
    assert (x.kind, x.differs.k, x.differs.n, x.value_differs) == ("numeric", 2, 4, 2)
    assert x.differs.share == 0.5
    assert x.differs.interval == pytest.approx(wilson(2, 4))
    assert x.median_abs_difference == pytest.approx(np.median([1e-7, 1e-4]))
    # the same rule as numpy.isclose with its defaults
    assert (DEFAULT_ATOL, DEFAULT_RTOL) == (1e-8, 1e-5)
    assert x.differs.k == int((~np.isclose(served.x, offline.x)).sum())
    assert [e[0] for e in x.examples] == ["c", "d"]
    # a looser tolerance: |d| 1e-4 <= 0 + 1e-3·5; |c| 1e-7 <= 1e-6 → nothing differs
    loose = feature(check_skew(served, offline, atol=1e-6, rtol=1e-3), "x")
    assert loose.differs.k == 0 and not loose.skewed


def test_csv_texts_compare_as_numbers_and_float32_round_trips_agree():
    served = csv([["request_id", "x", "y"], ["1", "3", "121.59999847412109"], ["2", "1e3", "7"]])
    offline = csv([["request_id", "x", "y"], ["1", "3.0", "121.6"], ["2", "1000", "7.00"]])
    report = skew_report(served, "served.csv", offline, "offline.csv")
    assert [(f.feature, f.kind, f.differs.k) for f in report.features] == [
        ("x", "numeric", 0), ("y", "numeric", 0)]


def test_texts_are_stripped_but_case_matters():
    served = frame({"request_id": ["1", "2", "3"], "country": [" US", "us", "DE"]})
    offline = frame({"request_id": ["1", "2", "3"], "country": ["US", "US", "DE"]})
    c = feature(check_skew(served, offline), "country")
    assert (c.kind, c.differs.k, c.examples) == ("text", 1, (("2", "us", "US"),))


def test_missing_on_one_side_differs_and_both_missing_agree():
    served = frame({"request_id": list("abcde"), "x": [None, None, 3.0, 4.0, 5.0]})
    offline = frame({"request_id": list("abcde"), "x": [None, 2.0, None, 4.0, 5.0]})
    x = feature(check_skew(served, offline), "x")
    # a: both missing (agree); b: served missing; c: offline missing; d, e agree → 2 of 5
    assert (x.both_missing, x.served_missing, x.offline_missing, x.value_differs) == (1, 1, 1, 0)
    assert (x.differs.k, x.differs.n) == (2, 5)
    assert x.missing.filled.k == 1 and x.missing.reverse == 1 and not x.missing_spike


# --- default and missing spikes -------------------------------------------------------------


def test_default_spike_counts_defaults_filled_in_where_offline_has_a_value():
    n = 100
    offline = [float(v) for v in range(1, n + 1)]
    offline[98:] = [0.0, 0.0]  # two requests really are 0, and served 0 too
    served = list(offline)
    served[:20] = [0.0] * 20  # 20 requests served 0 where offline has 1..20
    ids = [f"r{i}" for i in range(n)]
    x = feature(check_skew(frame({"request_id": ids, "x": served}),
                           frame({"request_id": ids, "x": offline})), "x")
    spike = x.default
    # b = 20 (served 0, offline not), c = 0; served share 22/100 against 2/100 offline
    assert (spike.value, spike.filled.k, spike.reverse) == ("0", 20, 0)
    assert (spike.served_share, spike.offline_share) == (0.22, 0.02)
    assert spike.p_value == pytest.approx(binomtest(20, 20, 0.5, alternative="greater").pvalue)
    assert spike.p_value == pytest.approx(0.5 ** 20)
    assert x.default_spike and x.differs.k == 20
    assert spike.text("x") == ("x is 0 at serving on 20 of 100 matched requests (20.0%) where the "
                               "offline recomputation has another value; 22.0% of served "
                               "rows against 2.0% offline")


def test_a_default_over_a_missing_offline_value_is_said_so():
    ids = [str(i) for i in range(10)]
    offline = [None] * 4 + [5.0] * 6
    served = [0.0] * 6 + [5.0] * 4  # 4 over missing, 2 over 5.0
    x = feature(check_skew(frame({"request_id": ids, "x": served}),
                           frame({"request_id": ids, "x": offline})), "x")
    assert (x.default.filled.k, x.default.over_missing) == (6, 4)
    assert "has another value or (4 of them) none" in x.default.text("x")
    assert x.differs.k == 6 and x.offline_missing == 4 and x.value_differs == 2


@pytest.mark.parametrize("defaulted,expected", [(3, False), (5, True)])
def test_a_few_defaults_are_a_spike_only_beyond_chance(defaulted, expected):
    # all served -1 where offline has a value: p = 0.5**3 = 0.125 (no), 0.5**5 = 0.03125 (yes)
    ids = [str(i) for i in range(defaulted)]
    x = feature(check_skew(frame({"request_id": ids, "x": [-1] * defaulted}),
                           frame({"request_id": ids, "x": list(range(10, 10 + defaulted))})), "x")
    assert x.default.value == "-1" and x.default.p_value == 0.5 ** defaulted
    assert x.default_spike is expected


def test_a_default_as_common_offline_is_not_a_spike():
    # 10 served 0 where offline is 7, 10 served 7 where offline is 0: b = c, no spike
    ids = [str(i) for i in range(40)]
    served = [0] * 10 + [7] * 10 + [3] * 20
    offline = [7] * 10 + [0] * 10 + [3] * 20
    x = feature(check_skew(frame({"request_id": ids, "x": served}),
                           frame({"request_id": ids, "x": offline})), "x")
    assert x.differs.k == 20 and x.skewed
    assert x.default.filled.k == 10 and x.default.reverse == 10 and not x.default_spike


def test_text_default_spike_reads_the_default_texts():
    ids = [str(i) for i in range(30)]
    served = ["unknown"] * 12 + ["shoes"] * 18
    offline = ["books"] * 12 + ["shoes"] * 18
    report = check_skew(frame({"request_id": ids, "category": served}),
                        frame({"request_id": ids, "category": offline}))
    c = feature(report, "category")
    assert (c.default.value, c.default.filled.k, c.default_spike) == ("unknown", 12, True)
    assert report.default_spikes == (c,)


def test_missing_spike():
    ids = [str(i) for i in range(50)]
    served = [None] * 10 + [1.5] * 40
    offline = [2.5] * 10 + [1.5] * 40
    report = check_skew(frame({"request_id": ids, "x": served}),
                        frame({"request_id": ids, "x": offline}))
    x = feature(report, "x")
    assert (x.missing.filled.k, x.missing.reverse, x.missing.served_share) == (10, 0, 0.2)
    assert x.missing.p_value == 0.5 ** 10 and x.missing_spike
    assert report.missing_spikes == (x,)
    metrics = skew_metrics(report)
    assert metrics["skew_missing_spike"] is True
    assert (metrics["skew_missing_spike_feature"], metrics["skew_missing_spike_share"]) == ("x", 0.2)


def test_independent_noise_is_rarely_called_a_spike():
    """Served and offline drawn independently from the same distribution (0 on 10% of rows each):
    a spike would be a false alarm. Over 200 seeds the exact McNemar test at 0.05 one-sided
    keeps them at or below 5%."""
    flagged = 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        n = 400
        served = np.where(rng.random(n) < 0.1, 0, rng.integers(1, 50, n))
        offline = np.where(rng.random(n) < 0.1, 0, rng.integers(1, 50, n))
        ids = [str(i) for i in range(n)]
        x = check_skew(frame({"request_id": ids, "x": served}),
                       frame({"request_id": ids, "x": offline})).features[0]
        flagged += x.default_spike
    assert flagged / 200 <= 0.05


def test_wilson_interval_covers_the_true_share_in_a_seeded_simulation():
    rng = np.random.default_rng(7)
    p, n = 0.02, 200
    ks = rng.binomial(n, p, 2000)
    covered = np.mean([low <= p <= high for low, high in (wilson(int(k), n) for k in ks)])
    assert 0.93 <= covered <= 0.97


# --- the join --------------------------------------------------------------------------------


def test_unmatched_ids_are_counted_named_and_left_out():
    served = csv([["request_id", "x"], *[[f"r{i}", i] for i in range(1, 6)]])
    offline = csv([["request_id", "x"], *[[f"r{i}", i] for i in range(3, 9)]])
    report = skew_report(served, "served.csv", offline, "offline.csv")
    assert (report.served_rows, report.offline_rows, report.matched) == (5, 6, 3)
    assert (report.unmatched_served, report.unmatched_offline) == (2, 3)
    assert report.unmatched_examples == (("r1", "r2"), ("r6", "r7", "r8"))
    assert ("2 served request ids without an offline row and 3 offline ids without a served row "
            "are left out; the shares below are of the 3 matched requests") in report.notes
    assert report.features[0].differs.n == 3


def test_columns_in_one_file_only_are_listed_not_compared():
    served = frame({"request_id": ["1"], "a": [1], "b": [2]})
    offline = frame({"request_id": ["1"], "a": [1], "c": [3]})
    report = check_skew(served, offline)
    assert [f.feature for f in report.features] == ["a"]
    assert (report.only_served, report.only_offline) == (("b",), ("c",))
    assert "Not compared, in one file only: served b; offline c" in report.notes


def test_rows_without_an_id_are_left_out_with_their_rows():
    served = csv([["request_id", "x"], ["1", "5"], ["", "6"], ["2", "7"]])
    offline = csv([["request_id", "x"], ["1", "5"], ["2", "7"]])
    report = skew_report(served, "served.csv", offline, "offline.csv")
    assert report.matched == 2
    assert "served.csv: 1 row without a request_id left out (row 3)" in report.notes


def test_one_file_with_offline_columns():
    data = csv([["request_id", "x", "x_offline", "tier_served", "tier_offline", "note"],
                ["1", "0", "4", "gold", "gold", "a"], ["2", "3", "3", "gold", "silver", "b"]])
    report = skew_report(data, "joined.csv")
    assert [(f.feature, f.differs.k) for f in report.features] == [("tier", 1), ("x", 1)]
    assert report.offline_name == "joined.csv (_offline columns)"


def test_parquet_ids_written_as_floats_match_csv_ids():
    buffer = io.BytesIO()
    pd.DataFrame({"request_id": [1.0, 2.0], "x": [0.5, 0.25]}).to_parquet(buffer)
    offline = csv([["request_id", "x"], ["1", "0.5"], ["2", "0.75"]])
    report = skew_report(buffer.getvalue(), "served.parquet", offline, "offline.csv")
    assert report.matched == 2 and report.features[0].differs.k == 1


@pytest.mark.parametrize("served,offline,fragment", [
    (csv([["id", "x"], ["1", "2"]]), csv([["request_id", "x"], ["1", "2"]]),
     "served.csv has no request_id column (its columns: id, x). Add a column named request_id"),
    (csv([["request_id", "a"], ["1", "2"]]), csv([["request_id", "b"], ["1", "2"]]),
     "served.csv and offline.csv share no feature column besides request_id (served: a; "
     "offline: b). Name each feature the same in both files."),
    (csv([["request_id", "x"], ["r1", "1"], ["r1", "2"], ["r2", "1"], ["r2", "1"], ["r1", "3"]]),
     csv([["request_id", "x"], ["r1", "2"]]),
     "served.csv: request_id 'r1' appears 3 times, and 1 more id repeat. Each request must "
     "appear once per file"),
    (csv([["request_id", "x"], ["1", "2"]]), csv([["request_id", "x"], ["01", "2"]]),
     "None of the 1 request ids in served.csv appears in offline.csv (1 ids; e.g. '1' against "
     "'01'). Export both for the same requests, with ids written the same way"),
    (csv([["request_id", "x"], ["", "2"]]), csv([["request_id", "x"], ["1", "2"]]),
     "served.csv: every request_id is empty."),
    (b"", csv([["request_id", "x"], ["1", "2"]]), "served.csv"),
])
def test_bad_inputs_say_what_and_how_to_fix(served, offline, fragment):
    with pytest.raises(InputError) as err:
        skew_report(served, "served.csv", offline, "offline.csv")
    assert fragment in str(err.value)


def test_one_file_without_offline_columns_says_which_formats_work():
    with pytest.raises(InputError, match="no pair of <feature> and <feature>_offline columns"):
        skew_report(csv([["request_id", "x"], ["1", "2"]]), "served.csv")


def test_negative_tolerance_is_refused():
    with pytest.raises(InputError, match="Tolerances must be numbers ≥ 0"):
        check_skew(frame({"request_id": ["1"], "x": [1]}), frame({"request_id": ["1"], "x": [1]}),
                   atol=-1)


def test_one_request_reads_true():
    report = check_skew(frame({"request_id": ["1"], "x": [0]}), frame({"request_id": ["1"], "x": [3]}))
    x = report.features[0]
    assert (x.differs.k, x.differs.n, x.skewed) == (1, 1, True)
    assert x.differs.interval == pytest.approx(wilson(1, 1)) and x.differs.interval[1] == 1.0
    assert not x.default_spike  # one request: p = 0.5
    assert report.headline() == ("1 request matched by request id, 1 feature compared: 1 differs "
                                 "on 1% or more of them — x (100.0%).")


# --- the worked example's pair ------------------------------------------------------------


def example_report():
    return skew_report((EXAMPLE / "example_served.csv").read_bytes(), "example_served.csv",
                       (EXAMPLE / "example_offline.csv").read_bytes(), "example_offline.csv")


def test_example_pair_recounted_with_pandas():
    served = pd.read_csv(EXAMPLE / "example_served.csv")
    offline = pd.read_csv(EXAMPLE / "example_offline.csv")
    joined = served.merge(offline, on="request_id", suffixes=("_s", "_o"))
    days_s, days_o = joined["days_since_last_visit_s"], joined["days_since_last_visit_o"]
    differ = int((days_s != days_o).sum())
    report = example_report()
    assert (report.served_rows, report.offline_rows, report.matched) == (2000, 1993, len(joined))
    assert len(joined) == 1989 and (report.unmatched_served, report.unmatched_offline) == (11, 4)
    days = report.features[0]
    assert days.feature == "days_since_last_visit" and days.differs.k == differ == 708
    assert days.default_spike and days.default.value == "0"
    assert days.default.filled.k == int(((days_s == 0) & (days_o != 0)).sum()) == 708
    assert days.default.served_share == pytest.approx((days_s == 0).mean())
    assert days.default.offline_share == pytest.approx((days_o == 0).mean())
    # everything else agrees request by request, float32 session lengths included; device and
    # category drift against training but are not skewed
    assert [f.feature for f in report.skewed] == ["days_since_last_visit"]
    assert all(f.differs.k == 0 for f in report.features[1:])
    metrics = skew_metrics(report)
    assert metrics["skew_worst_feature"] == "days_since_last_visit"
    assert metrics["skew_max_share"] == pytest.approx(708 / 1989)
    assert metrics["skew_max_share_low"] == pytest.approx(wilson(708, 1989)[0])


def test_example_generator_is_reproducible(tmp_path):
    import runpy

    runpy.run_path(str(EXAMPLE / "make_skew_example.py"), run_name="skew_example")["main"](tmp_path)
    for name in ("example_served.csv", "example_offline.csv"):
        assert (tmp_path / name).read_bytes() == (EXAMPLE / name).read_bytes()


# --- metrics, rules and the analysis ----------------------------------------------------------


def test_without_a_join_only_skew_measured_is_known():
    metrics = skew_metrics(None)
    assert metrics.pop("skew_measured") is False
    assert set(metrics.values()) == {None}
    assert analyse({}).metrics()["skew_measured"] is False


def test_the_analysis_carries_the_check_into_the_rules():
    metrics = analyse({}, None, example_report()).metrics()
    assert metrics["skew_measured"] is True and metrics["skewed_features"] == 1
    assert metrics["skew_default_spike_feature"] == "days_since_last_visit"
    assert metrics["skew_default_spike_share"] == pytest.approx(708 / 1989)
    suggestion = suggestion_for(BOOK.node("skew"), metrics)
    assert suggestion.option == "skew_part"
    assert suggestion.message.startswith(
        "the joined check says: days_since_last_visit is served as 0 on 35.6% of 1989 matched "
        "requests where the offline recomputation has another value")
    shape = suggestion_for(BOOK.node("skew_shape"), metrics)
    assert shape.option == "one_feature"


def test_rules_say_no_skew_only_from_the_join():
    agree = check_skew(frame({"request_id": ["1", "2"], "x": [1, 2]}),
                       frame({"request_id": ["1", "2"], "x": [1, 2]}))
    metrics = analyse({}, None, agree).metrics()
    assert suggestion_for(BOOK.node("skew"), metrics).option == "no_skew"
    # samples without a spike or a sharp jump: drift cannot say "no skew"
    drift_only = dict(skew_metrics(None), has_drift=True, drifted_features=0, default_spikes=0)
    suggestion = suggestion_for(BOOK.node("skew"), drift_only)
    assert suggestion.option == "not_logged"
    assert "only served values joined to recomputed ones by request id can tell" in suggestion.message
    nothing = dict(skew_metrics(None), has_drift=False)
    assert suggestion_for(BOOK.node("skew"), nothing).option == "not_logged"


def test_drift_based_suggestions_say_they_are_drift():
    metrics = dict(skew_metrics(None), has_drift=True, default_spikes=1, model_share=0.3,
                   default_spike_feature="discount_pct", default_spike_value="0",
                   default_spike_current_share=0.4, default_spike_reference_share=0.05,
                   model_segments_text="80% in web")
    suggestion = suggestion_for(BOOK.node("skew"), metrics)
    assert suggestion.option == "skew_part"
    assert "That is drift between two samples, not skew measured on the same requests" in (
        suggestion.message)


def test_not_logged_plans_the_join():
    option = BOOK.node("skew").option("not_logged")
    assert "join_served_offline" in option.actions


# --- CLI -------------------------------------------------------------------------------------


def test_cli_json_is_strict_and_matches_the_report(capsys):
    served, offline = str(EXAMPLE / "example_served.csv"), str(EXAMPLE / "example_offline.csv")
    assert main(["skew", served, offline, "--json"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))
    assert report == json.loads(json.dumps(skew_report_json(example_report())))
    assert report["matched"] == 1989 and report["worst_features"] == ["days_since_last_visit"]
    assert report["features"][0]["differs"]["count"] == 708


def test_cli_table_and_one_file(capsys, tmp_path):
    path = tmp_path / "joined.csv"
    path.write_bytes(csv([["request_id", "x", "x_offline"], ["1", "0", "4"]]))
    assert main(["skew", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 request matched by request id, 1 feature compared: 1 differs")
    assert "served 1 row, offline 1 row, 1 matched" in out


def test_cli_bad_input_exits_1_with_one_line(capsys, tmp_path):
    served, offline = tmp_path / "s.csv", tmp_path / "o.csv"
    served.write_bytes(csv([["id", "x"], ["1", "2"]]))
    offline.write_bytes(csv([["request_id", "x"], ["1", "2"]]))
    assert main(["skew", str(served), str(offline), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("s.csv has no request_id column") and captured.err.count("\n") == 1
    assert main(["skew", str(tmp_path / "absent.csv"), str(offline)]) == 1
    assert "cannot read the file" in capsys.readouterr().err


# --- the page ----------------------------------------------------------------------------------


def open_production(at):
    at.switch_page("pages/production.py").run()
    assert not at.exception, at.exception
    return at


def test_page_without_the_join_says_the_comparison_is_drift(app):
    open_production(app)
    assert ("The training-vs-serving comparison above is drift: it cannot tell skew (the same "
            "request getting a different value at serving) from a change in the population.") in (
        texts(app))


def test_page_uploads_the_pair_and_shows_the_check(app):
    open_production(app)
    for side in ("served", "offline"):
        path = EXAMPLE / f"example_{side}.csv"
        app.file_uploader(key=f"{KEY}:0:skew:{side}").set_value(
            (path.name, path.read_bytes(), "text/csv")).run()
        assert not app.exception, app.exception
    body = texts(app)
    assert ("1,989 requests matched by request id, 7 features compared: 1 differs on 1% or more "
            "of them — days_since_last_visit (35.6%).") in body
    assert ("Default filled in at serving: days_since_last_visit is 0 at serving on 708 of 1,989 "
            "matched requests (35.6%) where the offline recomputation has another value;") in (
        body.replace("**", ""))
    assert "|served − offline| > 1e-8 + 1e-5·|offline|" in body
    assert "Training/serving skew: The same feature computed differently" in body.replace("**", "")
    assert "11 served request ids without an offline row and 4 offline ids" in body
    assert "cannot tell skew" not in body
    table = next(d.value for d in app.dataframe if "95% interval" in d.value.columns)
    assert table.iloc[0]["feature"] == "days_since_last_visit"
    assert table.iloc[0]["95% interval"] == "{:.1%}–{:.1%}".format(*wilson(708, 1989))


def test_page_rejects_duplicate_ids_in_words(app):
    open_production(app)
    served = csv([["request_id", "x"], ["r1", "1"], ["r1", "2"]])
    app.file_uploader(key=f"{KEY}:0:skew:served").set_value(("served.csv", served, "text/csv")).run()
    app.file_uploader(key=f"{KEY}:0:skew:offline").set_value(
        ("offline.csv", csv([["request_id", "x"], ["r1", "1"]]), "text/csv")).run()
    assert not app.exception
    message = error_text(app)
    assert "served.csv: request_id 'r1' appears 2 times" in message
    assert "The skew check is not computed until the pair can be joined." in message


def test_page_example_pair_button(app):
    open_production(app)
    app.button(key=f"{KEY}:0:skew:example").click().run()
    assert not app.exception
    assert "days_since_last_visit (35.6%)" in texts(app)


def test_a_fresh_session_does_not_keep_the_last_sessions_pair(app):
    app.button(key=f"example:{KEY}").click().run()  # the worked example, session 1
    app.button(key=f"{KEY}:1:skew:example").click().run()
    assert not app.exception
    assert "days_since_last_visit (35.6%)" in texts(app)
    app.switch_page("pages/home.py").run()
    app.button(key=f"example:{KEY}").click().run()  # loaded again: a new session
    assert not app.exception
    assert "days_since_last_visit (35.6%)" not in texts(app)
    assert "cannot tell skew" in texts(app)


def test_the_readme_quotes_the_example_pairs_numbers():
    report = example_report()
    days = report.features[0]
    low, high = days.differs.interval
    text = " ".join((EXAMPLE / "README.md").read_text(encoding="utf-8").split())
    assert (f"`days_since_last_visit` differs on {days.differs.k} of the {report.matched:,} "
            f"({days.differs.share:.1%}, 95% Wilson interval {low:.1%}–{high:.1%})") in text
    assert (f"skipped {report.unmatched_served} requests and recomputed "
            f"{report.unmatched_offline} whose serving log line was lost, so {report.matched:,} "
            "match") in text
    assert days.default.filled.k == days.differs.k  # "every one of them served as 0"
