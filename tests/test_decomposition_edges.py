"""Decomposition edge cases: the sum rule on random tables, offsetting parts, f → 1.

Hand computations are in the comments; the property tests are seeded (hypothesis, derandomised).
"""

import math
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.kinds.segments.gap import GapParts, MetricInput, SegmentRow, decompose, gap_parts, waterfall
from triage.production import analyse

# --------------------------------------------------------------------------------------------
# The sum rule over random segment tables

rate = st.floats(0.0, 1.0, allow_nan=False)
share = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def segment_tables(draw):
    n = draw(st.integers(1, 6))
    rows = []
    for i in range(n):
        fallback = draw(st.none() | st.floats(0.0, 1.0))
        rows.append(SegmentRow(f"s{i}", draw(share), draw(share), draw(rate), draw(rate),
                               fallback, draw(rate) if fallback is not None else None))
    # at least some traffic on both sides
    rows[0] = SegmentRow(rows[0].segment, rows[0].expected_share + 0.1,
                         rows[0].observed_share + 0.1, rows[0].expected_metric,
                         rows[0].observed_metric, rows[0].fallback_share,
                         rows[0].fallback_metric)
    return rows


@settings(derandomize=True, max_examples=400, deadline=None)
@given(segment_tables(), st.booleans(), st.booleans())
def test_parts_add_exactly_to_the_gap_and_are_never_clipped(rows, clamp, higher):
    result = decompose(rows, (0.0, 1.0) if clamp else (None, None))
    scale = max(1.0, *(abs(s.mix) + abs(s.fallback) + abs(s.model) for s in result.segments))
    for part in result.segments:
        assert part.fallback + part.model == pytest.approx((part.m1 - part.m0)
                                                           * (part.w0 + part.w1) / 2, abs=1e-12)
        if clamp and part.model_served is not None:
            assert 0.0 <= part.model_served <= 1.0
    assert result.mix + result.fallback + result.model == pytest.approx(result.change,
                                                                         abs=1e-12 * scale)
    split = gap_parts(result, None, higher)
    assert sum(v for _, v in split.parts) == pytest.approx(split.gap, abs=1e-12 * scale)
    shares = split.shares()
    if shares is not None:
        assert not split.offset
        assert all(0.0 <= s <= 1.0 + 1e-9 for s in shares.values())
        assert sum(shares.values()) == pytest.approx(1.0)
    else:
        assert split.offset or abs(split.gap) <= 1e-12 * scale


@settings(derandomize=True, max_examples=200, deadline=None)
@given(segment_tables(), st.floats(-0.5, 0.5), st.booleans())
def test_typed_totals_add_an_unexplained_part_and_the_sum_rule_still_holds(rows, shift, higher):
    result = decompose(rows, (0.0, 1.0))
    typed = MetricInput("m", expected=result.expected_total, observed=result.observed_total + shift,
                        higher_is_better=higher)
    chart = waterfall(result, typed)
    split = gap_parts(result, chart, higher)
    assert sum(v for _, v in split.parts) == pytest.approx(typed.observed - typed.expected,
                                                           abs=1e-9)
    assert sum(v for _, v, _ in chart.steps) == pytest.approx(typed.observed - typed.expected,
                                                              abs=1e-9)


# --------------------------------------------------------------------------------------------
# Sign cases

# The issue's case: shares 50/50 → 80/20. A: 0.05 → 0.04, B: 0.03 → 0.02 (both lose 0.01).
# mix = 0.3·(0.05+0.04)/2 − 0.3·(0.03+0.02)/2 = 0.0135 − 0.0075 = +0.006
# model = −0.01·0.65 − 0.01·0.35 = −0.010; gap = 0.036 − 0.040 = −0.004
ISSUE = [SegmentRow("A", 0.5, 0.8, 0.05, 0.04), SegmentRow("B", 0.5, 0.2, 0.03, 0.02)]


def test_the_issue_case_by_hand():
    result = decompose(ISSUE)
    assert result.mix == pytest.approx(0.006)
    assert result.model == pytest.approx(-0.010)
    assert result.change == pytest.approx(-0.004)
    split = gap_parts(result)
    assert split.offset
    assert split.shares() is None
    assert split.text() == "a mix shift of +0.006 hid a model loss of −0.010"
    assert split.largest() == "model"
    metrics = split.metrics()
    assert metrics["mix_share"] is None and metrics["model_share"] is None
    assert metrics["mix_loss"] == pytest.approx(-0.006)  # it helped
    assert metrics["model_loss"] == pytest.approx(0.010)


def _inputs(rows, expected, observed, higher=True, kind="proportion"):
    return {"metric": {"name": "CTR", "kind": kind, "higher_is_better": higher,
                       "expected": expected, "observed": observed, "n_expected": 400000,
                       "n_observed": 380000},
            "segments": [{"segment": r.segment, "expected_share": r.expected_share,
                          "observed_share": r.observed_share,
                          "expected_metric": r.expected_metric,
                          "observed_metric": r.observed_metric,
                          "fallback_share": r.fallback_share,
                          "fallback_metric": r.fallback_metric} for r in rows]}


def test_no_share_is_shown_when_parts_offset():
    metrics = analyse(_inputs(ISSUE, 0.040, 0.036)).metrics()
    assert metrics["parts_offset"] is True
    for name in ("mix_share", "fallback_share", "model_share", "unexplained_share"):
        assert metrics[name] is None, name
    assert metrics["parts_text"] == "a mix shift of +0.006 hid a model loss of −0.010"
    assert metrics["largest_part"] == "model"


def test_the_traffic_mix_rule_says_the_shift_hid_a_loss():
    from pathlib import Path

    from triage.engine import suggestion_for
    from triage.playbook import load_playbook

    book = load_playbook(Path(__file__).resolve().parent.parent / "playbooks"
                         / "production_underperformance.yaml")
    metrics = analyse(_inputs(ISSUE, 0.040, 0.036)).metrics()
    answer = suggestion_for(book.nodes["traffic_mix"], metrics)
    assert answer is not None
    assert "0%" not in answer.message and "%" not in answer.message
    assert "a mix shift of +0.006 hid a model loss of −0.010" in answer.message
    assert answer.option == "mix_hid"


def test_all_parts_with_the_gap_give_shares_that_add_to_one():
    # A: 0.05 → 0.04, B: 0.03 → 0.02 with shares 50/50 → 20/80 (toward the worse segment):
    # mix = −0.3·0.045 + 0.3·0.025 = −0.006, model = −0.01·0.35 − 0.01·0.65 = −0.010
    rows = [SegmentRow("A", 0.5, 0.2, 0.05, 0.04), SegmentRow("B", 0.5, 0.8, 0.03, 0.02)]
    split = gap_parts(decompose(rows))
    assert not split.offset
    assert split.shares() == pytest.approx({"mix": 0.375, "fallback": 0.0, "model": 0.625})
    assert split.text() == "a model loss of −0.010, a mix shift of −0.006"


def test_lower_is_better_reads_a_rise_as_a_loss():
    # rmse per segment: A 0.20 → 0.22, B 0.30 → 0.30; shares 50/50 → 80/20 toward A (lower rmse)
    # mix = 0.3·0.21 − 0.3·0.30 = −0.027 (helps), model = +0.02·0.65 = +0.013 (hurts)
    rows = [SegmentRow("A", 0.5, 0.8, 0.20, 0.22), SegmentRow("B", 0.5, 0.2, 0.30, 0.30)]
    result = decompose(rows)
    split = gap_parts(result, None, higher_is_better=False)
    assert result.change == pytest.approx(-0.014)  # rmse fell overall: online is better
    assert split.offset and split.shares() is None
    assert split.text() == "a mix shift of −0.027 outweighed a model loss of +0.013"
    assert split.loss("model") == pytest.approx(0.013)
    metrics = split.metrics()
    assert metrics["largest_part"] is None  # no shortfall to explain


def test_a_zero_gap_with_parts_that_cancel():
    split = GapParts(0.0, (("mix", 0.005), ("fallback", 0.0), ("model", -0.005)))
    assert split.offset and split.shares() is None
    assert split.text() == "a mix shift of +0.0050 cancelled a model loss of −0.0050"


def test_the_plan_summary_speaks_in_absolute_parts_when_parts_offset():
    from triage.plan import Plan
    from triage.playbook import Playbook
    from triage.production import ProductionImpact

    book = Playbook(id="p", version=1, title="t", summary="s", scenario="production", start="x",
                    nodes={}, actions={}, group_by="horizon")
    plan = Plan(title="t", playbook=book, steps=[], finding_title="", finding_detail="",
                see_also="", complete=False, actions=[])
    lines = ProductionImpact(analyse(_inputs(ISSUE, 0.040, 0.036))).summary([], [], plan)
    text = " ".join(lines)
    assert "a mix shift of +0.006 hid a model loss of −0.010" in text
    # no percentage of the gap (a share of the model's own loss per segment is fine)
    assert lines[1] == ("The 0.004 drop is a net figure: a mix shift of +0.006 hid a model loss "
                        "of −0.010 (the model's own loss: 65% in A).")


# --------------------------------------------------------------------------------------------
# The fallback split as f → 1

def _segment_at(f, m1=0.0301, b=0.03, m0=0.05):
    result = decompose([SegmentRow("A", 1, 1, m0, m1, f, b)], (0.0, 1.0))
    return result.segments[0], result.notes


@pytest.mark.parametrize("m1", [0.0301, 0.03, 0.0299])  # observed rounded to 4 decimals
def test_fallback_split_moves_in_small_steps_as_f_goes_to_one(m1):
    steps = [_segment_at(f, m1) for f in (0.99, 0.999, 0.9999, 1.0)]
    rate_change = m1 - 0.05
    for part, _ in steps:
        assert part.fallback + part.model == pytest.approx(rate_change, abs=1e-15)
        if part.model_served is not None:
            assert 0.0 <= part.model_served <= 1.0
    # the model part is bounded by (1 − f)·(range): 0.01, 0.001, 0.0001, 0
    for (part, _), f in zip(steps, (0.99, 0.999, 0.9999, 1.0), strict=True):
        assert abs(part.model) <= (1 - f) * 1.0 + 1e-12
    models = [part.model for part, _ in steps]
    assert all(abs(a - b) <= 0.01 for a, b in pairwise(models))
    assert models[-1] == 0.0 and steps[-1][0].fallback == pytest.approx(rate_change)
    # the fallback part dominates as f → 1, never flipping to all-model
    assert all(abs(part.fallback) >= abs(part.model) for part, _ in steps)


def test_the_issue_case_at_f_9999_is_clamped_with_the_assumption_named():
    # q = (0.0301 − 0.9999·0.03)/0.0001 = 1.03: outside 0..1, clamped to 1
    part, notes = _segment_at(0.9999)
    assert part.model_served == 1.0
    assert part.model == pytest.approx(0.0001 * (1.0 - 0.05))
    assert part.fallback == pytest.approx((0.0301 - 0.05) - 0.0001 * 0.95)
    assert any("1.03" in n and "clamped to 1" in n and "fall back are like the rest" in n
               for n in notes)


def test_consistent_data_needs_no_clamp_and_matches_the_hand_formula():
    # f = 0.2, b = 0.01, m0 = 0.03, m1 = 0.025: q = 0.02875, in range
    part, notes = (lambda r: (r.segments[0], r.notes))(
        decompose([SegmentRow("B", 1, 1, 0.03, 0.025, 0.2, 0.01)], (0.0, 1.0)))
    assert notes == ()
    assert part.model_served == pytest.approx(0.02875)
    assert part.fallback == pytest.approx(0.2 * (0.01 - 0.03))
    assert part.model == pytest.approx(0.8 * (0.02875 - 0.03))


def test_continuity_over_a_fine_grid_of_f():
    # consistent inputs: the model serves at 0.06, fallbacks at 0.01, expected 0.05
    previous = None
    for i in range(0, 1001):
        f = i / 1000
        m1 = round(f * 0.01 + (1 - f) * 0.06, 4)  # as a person would type it
        part, _ = _segment_at(f, m1=m1, b=0.01)
        share_model = part.model / (m1 - 0.05) if abs(m1 - 0.05) > 1e-9 else None
        if previous is not None:
            assert abs(part.model - previous.model) < 0.0011
            assert abs(part.fallback - previous.fallback) < 0.0011
        assert math.isfinite(part.model) and (share_model is None or math.isfinite(share_model))
        previous = part


def test_without_a_valid_range_nothing_is_clamped():
    part, notes = (lambda r: (r.segments[0], r.notes))(
        decompose([SegmentRow("A", 1, 1, 0.05, 0.0301, 0.9999, 0.03)]))
    assert part.model_served == pytest.approx(1.03)
    assert notes == ()
    assert part.model == pytest.approx(0.0301 - 0.9999 * 0.03 - 0.0001 * 0.05)


def test_the_waterfall_carries_the_unclipped_parts():
    result = decompose(ISSUE)
    chart = waterfall(result)
    values = dict((label, value) for label, value, _ in chart.steps)
    assert values["traffic mix"] == pytest.approx(0.006)
    assert values["model: A"] == pytest.approx(-0.0065)
    assert values["model: B"] == pytest.approx(-0.0035)
    assert sum(values.values()) == pytest.approx(chart.observed - chart.expected)


# --------------------------------------------------------------------------------------------
# The page: the gap section and the headline


def test_the_gap_section_says_parts_offset_and_warns_about_a_clamp():
    from streamlit.testing.v1 import AppTest

    def script():
        from triage.production import analyse
        from ui.kinds.segments.views import render_gap, render_verdict

        segments = [
            {"segment": "A", "expected_share": 0.5, "observed_share": 0.8,
             "expected_metric": 0.05, "observed_metric": 0.04},
            {"segment": "B", "expected_share": 0.5, "observed_share": 0.2,
             "expected_metric": 0.03, "observed_metric": 0.02},
            {"segment": "C", "expected_share": 0.0, "observed_share": 0.0,
             "expected_metric": 0.05, "observed_metric": 0.0301, "fallback_share": 0.9999,
             "fallback_metric": 0.03},
        ]
        analysis = analyse({"metric": {"name": "CTR", "kind": "proportion", "expected": 0.040,
                                       "observed": 0.036, "n_expected": 400000,
                                       "n_observed": 380000},
                            "segments": segments})
        render_verdict(analysis)
        render_gap(analysis, "t")

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception
    infos = " ".join(i.value for i in at.info)
    assert "a mix shift of +0.006 hid a model loss of −0.010" in infos
    warnings = " ".join(w.value for w in at.warning)
    assert "clamped to 1" in warnings and "like the rest" in warnings
    largest = [m for m in at.metric if m.label == "Largest part of the drop"]
    assert largest and "%" not in str(largest[0].delta) and "parts offset" in str(largest[0].delta)


def test_the_waterfall_figure_draws_the_unclipped_parts():
    from triage.kinds.segments import charts as segments_charts

    result = decompose(ISSUE)
    figure = segments_charts.gap_waterfall(waterfall(result), "CTR")
    bars = figure.data[0]
    values = dict(zip(bars.x, bars.y, strict=True))
    assert values["traffic mix"] == pytest.approx(0.006)  # drawn upward, not clipped to 0
    assert values["model: A"] == pytest.approx(-0.0065)
    assert sum(bars.y[1:-1]) == pytest.approx(bars.y[-1] - bars.y[0])


@settings(derandomize=True, max_examples=300, deadline=None)
@given(rate, rate, rate, st.integers(3, 8), st.floats(0.0, 0.1))
def test_the_split_is_lipschitz_in_f_for_typed_rates(m0, b, served, digits, step):
    """With m1 = f·b + (1 − f)·q rounded as typed, the model part never exceeds (1 − f) of the
    metric's range and moves by at most about Δf between nearby fallback shares: no jump to
    all-model near f = 1."""
    previous = None
    for f in (0.9, 0.99, 0.999, 0.9999, 1.0 - step * 1e-3, 1.0):
        m1 = round(f * b + (1 - f) * served, digits)
        part = decompose([SegmentRow("A", 1, 1, m0, m1, f, b)], (0.0, 1.0)).segments[0]
        assert abs(part.model) <= (1 - f) + 1e-12
        assert part.fallback + part.model == pytest.approx(m1 - m0, abs=1e-12)
        if previous is not None:
            previous_f, previous_model = previous
            assert abs(part.model - previous_model) <= abs(f - previous_f) + (1 - previous_f) + 1e-12
        previous = (f, part.model)


def test_an_action_s_evidence_says_the_parts_when_they_offset():
    from triage.playbook import Action
    from triage.production import ProductionImpact

    impact = ProductionImpact(analyse(_inputs(ISSUE, 0.040, 0.036)))

    def evidence(component):
        return impact.evidence(Action(id="x", title="x", kind="quick_win", effort_days=(1, 2),
                                      description="", tradeoffs="", wont_fix="",
                                      component=component, recovers=(0.5, 1.0)))

    assert evidence("model") == ("a mix shift of +0.006 hid a model loss of −0.010 (a net 0.004 "
                                 "drop in CTR); the model's own loss: 65% in A")
    # never 'the traffic mix explains 0 of the 0.004 drop' for a part that helped
    assert evidence("mix") == ("a mix shift of +0.006 hid a model loss of −0.010 (a net 0.004 "
                               "drop in CTR)")
