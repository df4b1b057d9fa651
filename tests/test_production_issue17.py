"""Issue 17, production scenario: readable impact/effort chart, culprits by name, readable numbers,
labelled defaults, plain words after a rejected upload, progress for uploads.

Numbers are hand-computed from the tables below (the arithmetic is written out next to them).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.page_text import errors as error_text
from tests.page_text import shown, texts
from triage import charts
from triage.engine import suggestion_for
from triage.kinds.runs.analysis import analyse_stage_table
from triage.kinds.runs.impact import iteration_plan
from triage.kinds.samples import charts as samples_charts
from triage.kinds.samples.drift import FeatureDrift, compare, drift_report_json, read_sample
from triage.kinds.segments import charts as segments_charts
from triage.kinds.segments.gap import concentration, decimals_for, decompose, fixed, segment_rows, waterfall
from triage.playbook import load_catalogue
from triage.production import analyse, production_plan
from triage.session import Session

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
EXAMPLE = ROOT / "data" / "production"
BOOK = load_catalogue().playbooks["production_underperformance"]
TIMEOUT = 30
KEY = "production_underperformance"


# ---------------------------------------------------------------------------------------------
# A small hand-made launch: partner-api falls back a lot, discount_pct defaults to 0 at serving,
# and a payment method ("klarna") appears that training never saw.

SEGMENTS = [
    {"segment": "web", "expected_share": 0.5, "observed_share": 0.5, "expected_metric": 0.05,
     "observed_metric": 0.049, "fallback_share": 0.02, "fallback_metric": 0.01},
    {"segment": "partner-api", "expected_share": 0.3, "observed_share": 0.3,
     "expected_metric": 0.04, "observed_metric": 0.031, "fallback_share": 0.3,
     "fallback_metric": 0.01},
    {"segment": "ios", "expected_share": 0.2, "observed_share": 0.2, "expected_metric": 0.06,
     "observed_metric": 0.059},
]
# Fallback part f·(b − m0)·(w0 + w1)/2, the requests that fell back against the expected metric:
#   web:         0.02·(0.01 − 0.05)·0.5 = −0.0004
#   partner-api: 0.3·(0.01 − 0.04)·0.3  = −0.0027
#   ios:         no fallback columns → 0
WEB_FALLBACK = 0.02 * (0.01 - 0.05) * 0.5
PARTNER_FALLBACK = 0.3 * (0.01 - 0.04) * 0.3
PARTNER_SHARE = PARTNER_FALLBACK / (PARTNER_FALLBACK + WEB_FALLBACK)  # 0.0027/0.0031 = 0.8710…
METRIC = {"name": "CTR", "kind": "proportion", "higher_is_better": True, "expected": 0.05,
          "observed": 0.0453, "n_expected": 200000, "n_observed": 200000}


def hand_made_samples() -> tuple[pd.DataFrame, pd.DataFrame]:
    """100 training rows: discount_pct 0 on 5 of them (5%); 100 serving rows: 0 on 40 (40%).
    payment_method: card/paypal in training; 'klarna' on 20 of 100 serving rows (20%)."""
    reference = pd.DataFrame({
        "discount_pct": [0.0] * 5 + [float(v) for v in range(1, 96)],
        "payment_method": ["card"] * 60 + ["paypal"] * 40,
    })
    current = pd.DataFrame({
        "discount_pct": [0.0] * 40 + [float(v) for v in range(1, 61)],
        "payment_method": ["card"] * 50 + ["paypal"] * 30 + ["klarna"] * 20,
    })
    return reference, current


def hand_made_analysis():
    reference, current = hand_made_samples()
    inputs = {"metric": METRIC, "segments": SEGMENTS}
    return analyse(inputs, compare(reference, current, splits=20))


def test_default_value_spike_on_the_hand_made_case():
    reference, current = hand_made_samples()
    report = compare(reference, current, splits=20)
    spiked = [f.feature for f in report.default_spikes]
    assert spiked == ["discount_pct"]
    spike = report.default_spikes[0].default_spike
    assert spike.value == "0"
    assert spike.reference_share == pytest.approx(5 / 100)
    assert spike.current_share == pytest.approx(40 / 100)
    assert "default-value spike: 0 on 40.0% of the current rows, 5.0% of the reference rows" in (
        report.default_spikes[0].note)
    assert drift_report_json(report)["features"][[f.feature for f in report.features].index(
        "discount_pct")]["default_spike"] == {"value": "0", "reference_share": 0.05,
                                              "current_share": 0.4}
    assert report.new_categories == (("payment_method", "klarna", pytest.approx(0.2)),)


def test_default_value_spike_on_the_worked_example():
    reference = pd.read_csv(EXAMPLE / "example_reference.csv")
    current = pd.read_csv(EXAMPLE / "example_current.csv")
    zeros_ref = int((reference["days_since_last_visit"] == 0).sum())  # 327 of 4,000
    zeros_cur = int((current["days_since_last_visit"] == 0).sum())  # 1,787 of 4,000
    report = compare(*(read_sample((EXAMPLE / f"example_{side}.csv").read_bytes(), side)
                       for side in ("reference", "current")))
    assert [f.feature for f in report.default_spikes] == ["days_since_last_visit"]
    spike = report.default_spikes[0].default_spike
    assert (zeros_ref, zeros_cur) == (327, 1787)
    assert spike.value == "0"
    assert spike.reference_share == pytest.approx(zeros_ref / len(reference))  # 0.08175
    assert spike.current_share == pytest.approx(zeros_cur / len(current))  # 0.44675
    assert [(f, c) for f, c, _ in report.new_categories] == [("category", "pet-supplies")]


@pytest.mark.parametrize(("reference", "current", "why"), [
    # a binary flag whose 0 share grows from 30% to 60%: ordinary drift among two values
    ([0] * 30 + [1] * 70, [0] * 60 + [1] * 40, "few values"),
    # a category that grew (not a default text): a mix change, not a default
    (["web"] * 30 + ["app"] * 70, ["web"] * 60 + ["app"] * 40, "not a default text"),
    # 6 zeros among 20 serving rows against 5 in 100: rise 0.25, but z = 3.5 < 4
    ([0.0] * 5 + list(np.arange(1.0, 96.0)), [0.0] * 6 + list(np.arange(1.0, 15.0)), "noise"),
    # 0 on 25% of both samples: the feature's own mode, not a default filled in
    ([0.0] * 25 + list(np.arange(1.0, 76.0)), [0.0] * 25 + list(np.arange(1.0, 76.0)), "no rise"),
])
def test_no_spike_where_one_value_is_not_a_default(reference, current, why):
    report = compare(pd.DataFrame({"x": reference}), pd.DataFrame({"x": current}), splits=5)
    assert report.default_spikes == (), why


def test_default_texts_spike_in_a_categorical_feature_and_missing_rows_count():
    reference = pd.DataFrame({"country": ["de"] * 50 + ["fr"] * 45 + ["unknown"] * 5})
    # 10 missing rows stay in the denominator: 'unknown' on 35 of 100 rows, not 35 of 90.
    current = pd.DataFrame({"country": ["de"] * 30 + ["fr"] * 25 + ["unknown"] * 35
                            + [None] * 10})
    spike = compare(reference, current, splits=5).default_spikes[0].default_spike
    assert (spike.value, spike.reference_share, spike.current_share) == (
        "unknown", pytest.approx(0.05), pytest.approx(0.35))


def test_segment_with_the_largest_part_of_the_fallback_loss():
    parts = decompose(segment_rows(SEGMENTS))
    assert parts.segments[1].fallback == pytest.approx(PARTNER_FALLBACK)  # −0.0027
    where = concentration(parts, "fallback")
    assert where.top == ("partner-api", pytest.approx(PARTNER_SHARE))
    assert round(PARTNER_SHARE, 5) == 0.87097
    assert where.text() == "87% in partner-api"
    # lower is better: the same table's fallbacks *help*, so nobody holds a fallback loss
    assert concentration(parts, "fallback", higher_is_better=False) is None


def test_worked_example_names_android_app_for_87_percent_of_the_fallback_loss():
    with (EXAMPLE / "example_segments.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    # By hand, observed shares normalised by their sum 0.999:
    total = sum(float(r["observed_share"]) for r in rows)
    by_hand = {}
    for r in rows:
        w0, w1 = float(r["expected_share"]), float(r["observed_share"]) / total
        f, b, m0 = float(r["fallback_share"]), float(r["fallback_metric"]), float(
            r["expected_metric"])
        by_hand[r["segment"]] = -f * (b - m0) * (w0 + w1) / 2
    android = by_hand["android-app"] / sum(by_hand.values())
    where = concentration(decompose(segment_rows(rows)), "fallback")
    assert where.top == ("android-app", pytest.approx(android))
    assert android == pytest.approx(0.8656, abs=1e-4)
    assert where.text() == "87% in android-app"


def test_culprits_by_name_in_the_suggestions_and_the_plan():
    analysis = hand_made_analysis()
    metrics = analysis.metrics()
    assert metrics["fallback_top_segment"] == "partner-api"
    assert metrics["fallback_top_segment_share"] == pytest.approx(PARTNER_SHARE)
    assert (metrics["default_spike_feature"], metrics["default_spike_value"]) == ("discount_pct",
                                                                                  "0")
    assert (metrics["new_category_feature"], metrics["new_category"]) == ("payment_method",
                                                                          "klarna")
    health = suggestion_for(BOOK.node("serving_health"), metrics)
    assert "87% in partner-api" in health.message
    skew = suggestion_for(BOOK.node("skew"), metrics)
    assert skew.option in ("skew_main", "skew_part")
    assert ("discount_pct is 0 on 40% of serving rows against 5% in training, a default-value "
            "spike") in skew.message
    drift = suggestion_for(BOOK.node("data_drift"), metrics)
    assert '"klarna"' in drift.message and "payment_method" in drift.message

    session = Session(scenario=BOOK.id, playbook_version=BOOK.version,
                      answers={"impact_serious": "serious", "labels": "labels_fine", "gap_real": "real",
                               "rollout_state": "as_expected", "serving_health": "fallbacks_part",
                               "skew": "skew_part"},
                      inputs={"metric": METRIC, "segments": SEGMENTS})
    plan = production_plan(BOOK, session, analysis)
    summary = "\n".join(plan.summary)
    assert "fallbacks 0.0031 (87% in partner-api)" in summary  # 0.0027 + 0.000398 = 0.0031
    assert ("discount_pct is 0 on 40.0% of serving rows against 5.0% in training (a "
            "default-value spike)") in summary
    assert ('"klarna" in payment_method is a new category, unseen in training (20.0% of the '
            "serving sample)") in summary
    why = {item.id: item.why for item in plan.actions}
    assert "87% in partner-api" in why["fix_timeouts"]
    assert "discount_pct is 0 on 40.0% of serving rows" in why["fix_skewed_feature"]


def test_the_worked_example_walk_now_follows_the_spike():
    plan = json.loads((EXAMPLE / "example.plan.json").read_text())
    assert plan["answers"]["skew"] == "skew_part"
    summary = " ".join(plan["snapshot"]["summary"])
    assert "fallbacks 0.00307 (87% in android-app)" in summary
    assert "days_since_last_visit is 0 on 44.7% of serving rows against 8.2% in training" in summary
    assert '"pet-supplies"' in summary


# ---------------------------------------------------------------------------------------------
# Numbers without scientific notation


def test_fixed_decimals_follow_the_gap():
    assert decimals_for(0.0069) == 5  # three significant digits of the gap
    assert decimals_for(-0.25) == 3 and decimals_for(42.0) == 1
    assert fixed(-4.49e-05, 5, signed=True) == "-0.00004"
    assert fixed(-9.359e-06, 5, signed=True) == "-0.00001"
    assert fixed(-1e-9, 5, signed=True) == "0.00000"  # no "-0.00000"
    assert fixed(0.0575, 5) == "0.05750"


def test_waterfall_draws_no_bar_for_a_part_that_is_zero():
    table = [{k: v for k, v in row.items() if not k.startswith("fallback")} for row in SEGMENTS]
    figure = segments_charts.gap_waterfall(waterfall(decompose(segment_rows(table))), "CTR")
    bars = figure.data[0]
    assert "fallbacks" not in bars.x and "traffic mix" not in bars.x  # both exactly 0 here
    assert all("e-" not in text for text in bars.text)
    # the bars still add up to the change: 0.5·−0.001 + 0.3·−0.009 + 0.2·−0.001 = −0.0034
    assert sum(bars.y[1:-1]) == pytest.approx(-0.0034)


def test_drift_distribution_leaves_out_bins_empty_on_both_sides():
    feature = FeatureDrift("x", "categorical", js_distance=0.2, bin_labels=("a", "b", "c"),
                           reference_shares=(0.5, 0.0, 0.5), current_shares=(0.7, 0.0, 0.3))
    figure = samples_charts.drift_distribution(feature)
    assert list(figure.data[0].x) == ["a", "c"]
    assert list(figure.data[1].y) == pytest.approx([0.7, 0.3])
    assert figure.layout.yaxis.range[1] == pytest.approx(0.7 * 1.12)


# ---------------------------------------------------------------------------------------------
# The impact/effort chart: ranges from the data, for every unit


def chart_points(figure):
    points = []
    for trace in figure.data:
        for x, y, ex_hi, ex_lo, ey_hi, ey_lo, text, place in zip(
                trace.x, trace.y, trace.error_x.array, trace.error_x.arrayminus,
                trace.error_y.array, trace.error_y.arrayminus, trace.text, trace.textposition,
                strict=True):
            points.append({"x_low": x - ex_lo, "x_high": x + ex_hi, "y_low": y - ey_lo,
                           "y_high": y + ey_hi, "text": text, "place": place})
    return points


def assert_ranges_cover_with_margin(figure, points):
    x0, x1 = figure.layout.xaxis.range
    y0, y1 = figure.layout.yaxis.range
    highest = max(p["y_high"] for p in points)
    assert x0 <= min(p["x_low"] for p in points)
    assert x1 >= 1.05 * max(p["x_high"] for p in points)
    assert y0 < min(p["y_low"] for p in points) and y0 <= 0
    assert 1.05 * highest <= y1 <= 1.3 * highest  # a margin, not an axis ten times too tall


def production_example_plan():
    session_doc = (EXAMPLE / "example.plan.json").read_text()
    from triage.session import from_json

    session = from_json(session_doc)
    report = compare(*(read_sample((EXAMPLE / f"example_{side}.csv").read_bytes(), side)
                       for side in ("reference", "current")))
    return production_plan(BOOK, session, analyse(session.inputs, report))


def test_impact_axis_fits_a_metric_plan():
    plan = production_example_plan()
    figure = charts.impact_effort(plan)
    points = chart_points(figure)
    quantified = [a for a in plan.active if a.impact is not None]
    # the rollback is not quantified (no previous online level in the example): three are sized
    assert len(points) == len(quantified) >= 3
    assert_ranges_cover_with_margin(figure, points)
    # The bug: impacts of ~0.007 CTR on an axis to 0.1. Now the top is 0.0069 + 12% of the span.
    assert figure.layout.yaxis.range[1] < 0.008
    # fixed decimals for the scale (0.0010 or 0.00100…), never 1e-3 or 500µ
    assert figure.layout.yaxis.tickformat in (".4f", ".5f")
    assert figure.layout.yaxis.title.text == "expected impact (CTR)"


def test_impact_axis_fits_an_hours_plan(mini_book):
    table = [{"stage": "data", "hours": 6, "wait_hours": 2},
             {"stage": "queue", "hours": 1, "wait_hours": 0.8},
             {"stage": "training", "hours": 3, "wait_hours": None}]
    session = Session(scenario="mini", playbook_version=3,
                      answers={"measured": "known", "dominant": "data"},
                      inputs={"iterations_per_month": 10})
    plan = iteration_plan(mini_book, session, analyse_stage_table(table))
    figure = charts.impact_effort(plan)
    points = chart_points(figure)
    assert len(points) >= 2
    assert_ranges_cover_with_margin(figure, points)


def test_labels_carry_the_plan_rank_and_crowded_ones_are_named_under_the_chart():
    plan = production_example_plan()
    figure = charts.impact_effort(plan)
    ranks = {item.action.title: rank for rank, item in enumerate(plan.actions, start=1)}
    labels = {}
    for trace in figure.data:
        for custom, text in zip(trace.customdata, trace.text, strict=True):
            title, rank = custom[0], custom[2]
            assert rank == ranks[title]
            labels[rank] = (title, text)
            assert text == str(rank) or text.startswith(f"{rank} · ")
    key = " ".join(a.text for a in figure.layout.annotations)
    for rank, (title, text) in labels.items():
        if text == str(rank):  # shrunk to the number on the chart: named in the key
            assert f"{rank} · {title[:20]}" in key


def test_two_points_on_the_same_spot_do_not_get_the_same_label_place():
    places = charts._label_places([(0.3, 0.5), (0.3, 0.5)],
                                  [["1 · Fix the timeouts", "1"], ["2 · Fix the skew", "2"]])
    assert places[0] == ("1 · Fix the timeouts", "middle right")
    assert places[1] != ("2 · Fix the skew", "middle right")


# ---------------------------------------------------------------------------------------------
# The page (AppTest from app.py)


def open_production(at: AppTest) -> AppTest:
    at.switch_page("pages/production.py").run()
    assert not at.exception, at.exception
    return at


def load_example(at: AppTest) -> AppTest:
    at.button(key=f"example:{KEY}").click().run()
    assert not at.exception, at.exception
    return at


def session_of(at: AppTest) -> Session:
    return at.session_state["sessions"][KEY]


def test_page_names_the_culprits_in_words(app):
    load_example(app)
    body = texts(app).replace("**", "")
    assert "Fallback loss: 87% in android-app" in body
    assert "The model's own loss: 53% in ios-app" in body
    assert ("Default-value spike: days_since_last_visit is 0 on 44.7% of serving rows against "
            "8.2% in training") in body
    assert "New category: “pet-supplies” in category, unseen in training (3.5%" in body
    # the worked example pre-fills nothing: it is the example, labelled as such
    assert not session_of(app).inputs.get("prefilled")
    assert "Default settings" not in body


def test_contribution_table_has_no_scientific_notation(app):
    load_example(app)
    table = next(d.value for d in app.dataframe if "traffic mix" in d.value.columns)
    cells = [str(v) for v in table.drop(columns=["segment"]).to_numpy().ravel()]
    assert not [c for c in cells if "e-" in c or "e+" in c]
    other = table.set_index("segment").loc["other-clients"]
    # −9.36e-06 and −1.04e-05 before; five decimals, three significant digits of the 0.0069 gap
    assert (other["fallbacks"], other["model"]) == ("-0.00001", "-0.00001")
    assert table.set_index("segment").loc["web-desktop", "traffic mix"] == "-0.00540"
    metrics = {m.label: m.value for m in app.metric}
    # Newcombe's interval of observed − expected: −0.00785 to −0.00595
    assert metrics["95% interval of the gap"] == "-0.0079 to -0.0059"


def test_fresh_page_marks_default_settings_until_the_team_confirms(app):
    open_production(app)
    session = session_of(app)
    assert session.inputs["prefilled"] == ["metric_settings"]
    assert app.text_input(key=f"{KEY}:0:metric:name").value == ""  # no "CTR" nobody typed
    assert "Default settings, not yet yours" in texts(app)
    for field, value in (("expected", 0.05), ("observed", 0.045), ("n_observed", 100000)):
        app.number_input(key=f"{KEY}:0:metric:{field}").set_value(value).run()
    analysis = analyse(session_of(app).inputs)
    plan = production_plan(BOOK, session_of(app), analysis)
    assert plan.assumptions[0] == ("metric is read as a proportion where higher is better: the "
                                   "page's default settings, not confirmed in the meeting.")
    app.button(key=f"{KEY}:0:metric:settings_ok").click().run()
    assert session_of(app).inputs["prefilled"] == []
    assert "Default settings" not in texts(app)
    plan = production_plan(BOOK, session_of(app), analyse(session_of(app).inputs))
    assert not any("default settings" in line for line in plan.assumptions)


def test_changing_the_direction_confirms_the_settings(app):
    open_production(app)
    app.toggle(key=f"{KEY}:0:metric:higher").set_value(False).run()
    assert session_of(app).inputs["prefilled"] == []
    assert session_of(app).inputs["metric"]["higher_is_better"] is False


def test_rejected_segment_csv_says_which_table_is_shown(app):
    load_example(app)
    key = f"{KEY}:1:segments:csv"
    app.file_uploader(key=key).set_value(
        ("mine.csv", b"segment,expected_share\nA,1\n", "text/csv")).run()
    message = error_text(app)
    assert 'missing columns "observed_share"' in message
    assert ("the segment table below is unchanged. The page still shows the earlier table "
            "(5 segments, from the worked example (example_segments.csv), with any edits made "
            "since)") in message


def test_rejected_sample_says_which_sample_drift_uses_and_uploads_show_progress(app):
    load_example(app)
    assert not app.status  # the worked example's samples are read without a status box
    key = f"{KEY}:1:samples:reference"
    app.file_uploader(key=key).set_value(("broken.csv", b"", "text/csv")).run()
    assert not app.exception
    message = error_text(app)
    assert ("Nothing was read from this file. Drift below still uses the earlier training "
            "sample (the worked example's), example_reference.csv (4,000 rows).") in message
    assert [(s.label, s.state) for s in app.status] == [("broken.csv could not be read", "error")]
    good = (EXAMPLE / "example_reference.csv").read_bytes()
    app.file_uploader(key=key).set_value(("training.csv", good, "text/csv")).run()
    assert not app.exception
    labels = [(shown(s.label), s.state) for s in app.status]
    assert ("Read training.csv: 4,000 rows", "complete") in labels
    # device, days_since_last_visit, category: beyond chance (BH) and past an effect floor
    assert ("Compared 7 features: 3 drifted", "complete") in labels
    assert "still uses the earlier" not in error_text(app)
