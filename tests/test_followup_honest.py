"""Follow-ups that cannot be fooled: a shorter 'after' window is not a speed-up, a new traffic
mix is not a closed gap, and run time is compared on means of run totals.

Request logs are built as CSV bytes and read with the app's own parser, so these tests follow
whatever the parser does with open requests.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from triage.followup import (
    IMPROVED,
    NO_CLEAR_CHANGE,
    SMALL_SAMPLE,
    WORSE,
    bootstrap_mean_difference,
    bootstrap_median_difference,
    compare_requests,
    compare_runs,
    compare_segments,
    restricted_mean,
)
from triage.kinds.requests.analysis import parse_requests
from triage.kinds.runs.analysis import parse_runs
from triage.survival import Survival

# --------------------------------------------------------------------------------------------
# Restricted mean and its Greenwood variance, by hand


def test_restricted_mean_and_greenwood_variance_by_hand():
    # Waits 2, 3 (still waiting), 5, 7, 9 (still waiting); horizon 8 h.
    # Events before 8: t=2 (5 at risk), t=5 (3 at risk), t=7 (2 at risk).
    # S: 0.8, 0.8·2/3, 0.8·2/3·1/2.  Area: 2 + 3·0.8 + 2·0.5333 + 1·0.2667 = 5.7333.
    # A at 2, 5, 7: 3.7333, 1.3333, 0.2667.  V = A²·d/(r(r−d)): 3.7333²/20 + 1.3333²/6 + 0.2667²/2.
    hours, ended = [2, 3, 5, 7, 9], [True, False, True, True, False]
    mean, variance = restricted_mean(hours, ended, 8.0)
    s1, s2, s3 = 0.8, 0.8 * 2 / 3, 0.8 * 2 / 3 / 2
    assert mean == pytest.approx(2 + 3 * s1 + 2 * s2 + 1 * s3)
    a1, a2, a3 = 3 * s1 + 2 * s2 + s3, 2 * s2 + s3, s3
    assert variance == pytest.approx(a1 ** 2 / 20 + a2 ** 2 / 6 + a3 ** 2 / 2)
    assert mean == pytest.approx(Survival.of(hours, ended).mean(8.0))


def test_restricted_mean_edge_cases():
    # Nothing censored and the horizon past every wait: the ordinary mean; S ends at 0, so the
    # last step adds no variance, and the variance is the plug-in variance of the mean.
    values = np.array([1.0, 2.0, 4.0, 9.0])
    mean, variance = restricted_mean(values, np.ones(4, bool), 20.0)
    assert mean == pytest.approx(values.mean())
    assert variance == pytest.approx(values.var() / 4)
    # No wait ended before the horizon: μ(τ) = τ, variance 0.
    assert restricted_mean([5.0, 6.0], [False, True], 4.0) == (4.0, 0.0)
    assert restricted_mean([0.0, 0.0], [True, True], 0.0) == (0.0, 0.0)


def test_greenwood_interval_matches_resampling_requests():
    """On 400 censored waits the Greenwood standard error agrees with a bootstrap's within 10%."""
    rng = np.random.default_rng(3)
    waits, censor = rng.exponential(100, 400), rng.uniform(0, 300, 400)
    hours, ended = np.minimum(waits, censor), waits <= censor
    horizon = 250.0
    _, variance = restricted_mean(hours, ended, horizon)
    picks = rng.integers(0, 400, (400, 400))
    means = [restricted_mean(hours[p], ended[p], horizon)[0] for p in picks]
    assert math.sqrt(variance) == pytest.approx(np.std(means), rel=0.10)


# --------------------------------------------------------------------------------------------
# Requests: the same process over a shorter window is not a speed-up

START = np.datetime64("2026-01-05T00:00:00", "s")
HEADER = "request_id,dataset,requested_at,owner_assigned_at,approved_at,provisioned_at,first_access_at\n"
# Stage means (owner, approval, provisioning, first use): 2 + 6 + 8 + 4 = 20 days to access on
# average, so a 40-day window still has many requests waiting at its end.
STAGE_MEANS = np.array([48.0, 144.0, 192.0, 96.0])


def _log(rng: np.random.Generator, days: float, per_day: float = 3.0, scale: float = 1.0,
         prefix: str = "R") -> bytes:
    """Requests arriving at random over ``days``; each stage an exponential wait; a step after
    the window's end has not happened yet (blank), so slow requests are still open."""
    n = rng.poisson(days * per_day)
    requested = rng.uniform(0, days * 24, n)
    stages = rng.exponential(STAGE_MEANS * scale, (n, 4))
    hours = np.column_stack([requested, requested[:, None] + np.cumsum(stages, axis=1)])
    stamps = START + (hours * 3600).astype("int64").astype("timedelta64[s]")
    text = np.where(hours <= days * 24, np.char.add(np.datetime_as_string(stamps, unit="s"), "Z"), "")
    rows = [",".join((f"{prefix}{i}", "d", *row)) for i, row in enumerate(text.tolist())]
    return (HEADER + "\n".join(rows) + "\n").encode()


def _pair(rng: np.random.Generator, after_scale: float = 1.0):
    before = parse_requests(_log(rng, 120), "before.csv")
    after = parse_requests(_log(rng, 40, scale=after_scale, prefix="A"), "after.csv")
    return before, after


def _completed(analysis) -> np.ndarray:
    tta = analysis.time_to_access
    return np.asarray(tta.waits_hours)[np.asarray(tta.waits_ended)]


def test_the_same_process_over_a_shorter_window_is_rarely_called_improved():
    rng = np.random.default_rng(2026)
    improved = old_improved = 0
    for rep in range(200):
        before, after = _pair(rng)
        result = compare_requests(before, after)
        improved += result.overall.outcome == IMPROVED
        # What the follow-up used to do: medians of completed waits only.
        old = bootstrap_median_difference(_completed(before), _completed(after), seed=rep,
                                          resamples=200)
        old_improved += old.outcome == IMPROVED
    assert improved / 200 <= 0.05
    assert old_improved / 200 >= 0.5  # the scenario does fool completed-only medians


def test_a_real_halving_of_waits_is_detected():
    rng = np.random.default_rng(11)
    detected = sum(compare_requests(*_pair(rng, after_scale=0.5)).overall.outcome == IMPROVED
                   for _ in range(50))
    assert detected / 50 >= 0.8


def test_the_verdict_names_the_estimator_the_horizon_and_the_open_tail():
    before, after = _pair(np.random.default_rng(5))
    result = compare_requests(before, after)
    horizon = result.horizon_hours
    tta = [Survival.of(a.time_to_access.waits_hours, a.time_to_access.waits_ended) for a in (before, after)]
    # τ: the shorter log's longest follow-up, and both figures are areas up to it.
    assert horizon == pytest.approx(min(c.longest for c in tta))
    assert result.overall.before_median == pytest.approx(tta[0].mean(horizon))
    assert result.overall.after_median == pytest.approx(tta[1].mean(horizon))
    assert f"over the first {horizon / 24:.1f} d (Kaplan–Meier restricted mean)" in result.verdict.sentence
    assert "Greenwood" in result.basis and f"first {horizon / 24:.1f} d" in result.basis
    assert result.waiting_after > 0 and any("still waiting" in n for n in result.notes)
    if result.overall.outcome == NO_CLEAR_CHANGE and result.overall.caveat:
        assert "slow tail is not measured yet" in result.verdict.sentence
    # Every stage is compared over its own common horizon.
    assert [i.key for i in result.items] == ["owner", "approval", "provisioning", "first_use"]
    assert all("restricted mean over the first" in i.difference.statistic for i in result.items)


def test_a_short_window_says_the_slow_tail_is_not_compared():
    rng = np.random.default_rng(8)
    before = parse_requests(_log(rng, 120), "before.csv")
    after = parse_requests(_log(rng, 12, per_day=20, prefix="A"), "after.csv")  # 12 days only
    result = compare_requests(before, after)
    assert result.still_waiting_at_horizon_before > 0.1
    assert "slow tail is not measured yet" in result.overall.caveat
    assert any("slow tail is not measured yet" in n for n in result.notes)


def test_too_few_requests_get_no_interval():
    rng = np.random.default_rng(4)
    before = parse_requests(_log(rng, 120), "before.csv")
    small = _log(rng, 40, prefix="A").splitlines()[: SMALL_SAMPLE]  # header + 4 requests
    after = parse_requests(b"\n".join(small) + b"\n", "after.csv")
    result = compare_requests(before, after)
    assert result.overall.low is None and result.overall.outcome == "not judged"
    assert f"only {SMALL_SAMPLE - 1} requests after" in result.verdict.sentence


# --------------------------------------------------------------------------------------------
# Runs: means of run totals with a bootstrap over runs


def _runs(rng: np.random.Generator, n: int, prefix: str, training: float = 6.0,
          labelling: bool = True) -> bytes:
    lines = ["run_id,stage,duration_hours"]
    for i in range(n):
        lines.append(f"{prefix}{i},training,{rng.exponential(training):.4f}")
        lines.append(f"{prefix}{i},evaluation,{rng.exponential(2.0):.4f}")
        if labelling and rng.random() < 0.1:  # labelling in 1 run in 10, long when it happens
            lines.append(f"{prefix}{i},labelling,{rng.exponential(30.0):.4f}")
    return ("\n".join(lines) + "\n").encode()


def test_run_means_by_hand():
    before = parse_runs(b"run_id,stage,duration_hours\nr1,training,4\nr1,labelling,30\nr2,training,6\n"
                        b"r3,training,5\nr4,training,5\n", "before.csv")
    after = parse_runs(b"run_id,stage,duration_hours\na1,training,4\na2,training,5\n", "after.csv")
    result = compare_runs(before, after, resamples=500)
    # Totals 34, 6, 5, 5: mean 12.5 (the median, 5.5, hides the labelling run); after 4, 5: 4.5.
    assert result.overall.before_median == 12.5 and result.overall.after_median == 4.5
    assert (result.typical_hours_before, result.typical_hours_after) == (5.5, 4.5)
    stages = {i.key: i.difference for i in result.items}
    # Labelling: 30 h in 1 of 4 runs is 7.5 h per run; 0 after. Stage means add up to the total.
    assert stages["labelling"].before_median == 7.5 and stages["labelling"].after_median == 0.0
    assert sum(d.before_median for d in stages.values()) == pytest.approx(12.5)


def test_run_bootstrap_excludes_zero_for_a_clear_change_and_not_for_the_same_process():
    rng = np.random.default_rng(21)
    same = compare_runs(parse_runs(_runs(rng, 60, "b"), "b.csv"), parse_runs(_runs(rng, 40, "a"), "a.csv"))
    assert same.overall.low < 0 < same.overall.high
    assert same.overall.outcome == NO_CLEAR_CHANGE
    faster = compare_runs(parse_runs(_runs(rng, 60, "b", training=12.0, labelling=False), "b.csv"),
                          parse_runs(_runs(rng, 40, "a", training=3.0, labelling=False), "a.csv"))
    assert faster.overall.high < 0 and faster.overall.outcome == IMPROVED
    assert faster.overall.relative_high < 0  # both intervals agree on zero
    training = next(i.difference for i in faster.items if i.key == "training")
    assert training.outcome == IMPROVED
    assert "percentile bootstrap over runs" in faster.basis


def test_a_rare_heavy_stage_is_named_as_what_the_mean_rests_on():
    lines = ["run_id,stage,duration_hours"] + [f"r{i},training,5" for i in range(40)]
    lines += [f"r{i},labelling,30" for i in range(4)]  # 4 of 40 runs: 3 h of a 8 h mean run
    before = parse_runs(("\n".join(lines) + "\n").encode(), "before.csv")
    result = compare_runs(before, before, resamples=200)
    assert any(n.startswith("labelling is in 4 of 40 runs before, yet 38% of the mean run")
               for n in result.notes)


def test_mean_bootstrap_by_hand_and_its_false_alarm_rate():
    # Resampled means of [1, 3] are 1, 2 or 3; scaled by √2 about 2 they span 2 ± √2.
    diff = bootstrap_mean_difference([1.0, 3.0], [2.0, 2.0, 2.0], resamples=4000)
    assert diff.before_median == 2.0 and diff.change == 0.0
    assert diff.before_low == pytest.approx(2 - math.sqrt(2))
    assert diff.before_high == pytest.approx(2 + math.sqrt(2))
    assert bootstrap_mean_difference([4.0], [1.0, 2.0]).outcome == "not judged"
    # Same process, skewed totals (exponential hours), 40 vs 30 runs: "improved" or "worse"
    # about as often as a 95% interval allows.
    rng = np.random.default_rng(9)
    calls = [bootstrap_mean_difference(rng.exponential(8, 40), rng.exponential(8, 30), seed=k,
                                       resamples=500).outcome for k in range(400)]
    assert (calls.count(IMPROVED) + calls.count(WORSE)) / 400 <= 0.08


# --------------------------------------------------------------------------------------------
# Segments: a new traffic mix is not a closed gap


def _table(shares, metrics, expected=(0.06, 0.10)):
    return [{"segment": name, "expected_share": 0.5, "observed_share": w, "expected_metric": e,
             "observed_metric": m}
            for name, w, m, e in zip(("web", "app"), shares, metrics, expected, strict=True)]


def test_a_mix_only_change_is_not_gap_closed():
    # Same per-segment metrics (web 4%, app 8%; expected 8% overall); traffic moves from web to
    # app: the table total rises from 6.0% to 7.2%, and the old total-based reading called 60%
    # of the gap closed.
    before, after = _table((0.5, 0.5), (0.04, 0.08)), _table((0.2, 0.8), (0.04, 0.08))
    result = compare_segments(before, after, n_before=20_000, n_after=20_000)
    assert result.total.change == pytest.approx(0.012)
    assert result.total.outcome == IMPROVED  # the total did move beyond noise...
    assert result.rate == pytest.approx(0.0, abs=1e-15)  # ...but only through the mix
    assert result.mix == pytest.approx(0.012)
    assert result.overall.change == pytest.approx(0.0, abs=1e-15)
    assert result.overall.outcome == NO_CLEAR_CHANGE
    assert result.gap_closed == pytest.approx(0.0, abs=1e-12)
    assert result.gap_text.startswith("Gap not closed: only the traffic mix changed")
    assert any("+1.2 points from the traffic mix, +0.0 points from per-segment rates" in n
               for n in result.notes)


def test_a_rate_change_closes_the_gap():
    # Web rises from 4% to 6% at unchanged shares: the expected 7% (0.5·0.06 + 0.5·0.08) is met.
    expected = (0.06, 0.08)
    before = _table((0.5, 0.5), (0.04, 0.08), expected)
    after = _table((0.5, 0.5), (0.06, 0.08), expected)
    result = compare_segments(before, after, n_before=20_000, n_after=20_000)
    assert result.rate == pytest.approx(0.01) and result.mix == pytest.approx(0.0, abs=1e-15)
    assert result.overall.outcome == IMPROVED
    assert result.gap_closed == pytest.approx(1.0)
    assert result.gap_text.startswith("Per-segment rates closed 100%")


def test_mix_and_rate_together_only_the_rate_counts():
    expected = (0.06, 0.08)
    before = _table((0.5, 0.5), (0.04, 0.08), expected)
    after = _table((0.3, 0.7), (0.05, 0.08), expected)  # web +1 point, and traffic moved to app
    result = compare_segments(before, after, n_before=50_000, n_after=50_000)
    # Rate: (0.05 − 0.04)·(0.5 + 0.3)/2 = 0.004. Mix: (0.3 − 0.5)(0.045) + (0.7 − 0.5)(0.08) = 0.007.
    assert result.rate == pytest.approx(0.004)
    assert result.mix == pytest.approx(0.007)
    assert result.total.change == pytest.approx(0.011)
    assert result.gap_before == pytest.approx(-0.01)
    assert result.gap_closed == pytest.approx(0.4)  # not 1.1, which the total would claim


def test_a_rate_drop_widens_the_gap():
    expected = (0.06, 0.08)
    before = _table((0.5, 0.5), (0.05, 0.08), expected)
    after = _table((0.5, 0.5), (0.04, 0.08), expected)
    result = compare_segments(before, after, n_before=50_000, n_after=50_000)
    assert result.overall.outcome == WORSE
    assert result.gap_closed == pytest.approx(-1.0)  # the 0.5-point shortfall doubled
    assert result.gap_text.startswith("Per-segment rates widened the gap by 100% of its before size")


# --------------------------------------------------------------------------------------------
# The Review page says which estimator and horizon it used


def _save_and_review(app, example: str, team: str):
    from tests.page_text import texts

    app.button(key=f"example:{example}").click().run()
    app.switch_page("pages/plan.py").run()
    next(t for t in app.text_input if t.label == "Your name").input("Ana")
    next(t for t in app.text_input if t.label == "Team").input(team)
    next(b for b in app.button if b.label == "Save the plan").click().run()
    assert not app.exception, app.exception
    app.switch_page("pages/review.py").run()
    app.text_input(key="review:team").input(team).run()  # other tests save plans too
    assert not app.exception, app.exception
    return texts


def test_review_page_requests_follow_up_names_the_restricted_mean_and_horizon(app):
    texts = _save_and_review(app, "data_access", "Honest follow-up requests team")
    after = _log(np.random.default_rng(12), 40, per_day=6, prefix="A")
    app.file_uploader[0].set_value(("after.csv", after, "text/csv")).run()
    assert not app.exception, app.exception
    body = texts(app)
    assert "(Kaplan–Meier restricted mean)" in body, body[-1500:]
    assert "How this is measured: Kaplan–Meier restricted mean time to access" in body
    assert "the shorter log's longest follow-up" in body
    assert "Kaplan–Meier median time to access:" in body
    charts = app.get("plotly_chart")
    assert len(charts) >= 2


def test_review_page_segments_follow_up_judges_the_rate_part(app):
    texts = _save_and_review(app, "production_underperformance", "Honest follow-up segments team")
    after = (b"segment,expected_share,observed_share,expected_metric,observed_metric\n"
             b"web-desktop,0.32,0.1,0.0575,0.0565\nweb-mobile,0.25,0.1,0.0465,0.0453\n"
             b"ios-app,0.19,0.1,0.0555,0.049\nandroid-app,0.19,0.7,0.0495,0.0348\n"
             b"partner-api,0.05,0.0,0.05,0.05\n")
    app.file_uploader[0].set_value(("after.csv", after, "text/csv")).run()
    assert not app.exception, app.exception
    body = texts(app)
    assert "at a fixed traffic mix (rate part)" in body, body[-1500:]
    assert "no interval" in body  # no n for the after table yet
    app.number_input(key=next(n.key for n in app.number_input if n.key.endswith(":n_after"))).set_value(
        380_000).run()
    assert not app.exception, app.exception
    body = texts(app)
    assert "MOVER-Wilson" in body
    assert "from the traffic mix" in body


def test_a_segment_only_in_the_before_table_is_mix():
    before = _table((0.5, 0.5), (0.04, 0.08)) + [
        {"segment": "partner", "expected_share": 0.0, "observed_share": 0.25, "expected_metric": 0.05,
         "observed_metric": 0.02}]
    after = _table((0.5, 0.5), (0.04, 0.08))
    result = compare_segments(before, after, n_before=10_000, n_after=10_000)
    # web and app keep their rates: no rate change; dropping partner (2%) lifts the total by mix.
    assert result.rate == pytest.approx(0.0, abs=1e-15)
    assert result.total.change == pytest.approx(0.06 - (0.5 * 0.04 + 0.5 * 0.08 + 0.25 * 0.02) / 1.25)
    assert result.mix == pytest.approx(result.total.change)
    assert any("partner only in the before table: counted as traffic mix" in n for n in result.notes)
