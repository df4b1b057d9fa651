"""Access waits with requests still waiting: Kaplan–Meier per stage, breach rates read off the
same curve, means for request-days, SLAs that belong to a clock, the as-of date on the page and
the CLI. Every number is computed by hand in a comment, or against scipy.stats.ecdf."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.page_text import texts
from triage.cli import main as cli_main
from triage.kinds.requests.analysis import (
    DEFAULT_BUSINESS_SLAS,
    DEFAULT_SLAS,
    Clock,
    access_report,
    analyse_typed,
    clock_from_inputs,
    parse_requests,
    slas_from_inputs,
    time_to_access_text,
)
from triage.kinds.requests.impact import AccessImpact
from triage.playbook import Action
from triage.tabular import InputError

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "data" / "access" / "example_requests.csv"
HEADER = ("request_id,dataset,requested_at,owner_assigned_at,approved_at,provisioned_at,"
          "first_access_at,status\n")
T0 = pd.Timestamp("2026-03-02T00:00:00Z")  # a Monday


def _at(hours: float) -> str:
    return (T0 + pd.to_timedelta(hours, unit="h")).strftime("%Y-%m-%dT%H:%M:%SZ")


def _owner_log(waits: list[float | None], ages: list[float] | None = None) -> tuple[bytes, datetime]:
    """Requests that wait for an owner: ``waits`` ended after so many hours (None: still
    waiting), each request made at T0 - age, so a still-waiting one has waited ``age`` hours at
    the as-of date T0 + 1000 h. Returns (CSV, as-of)."""
    ages = ages or [0.0] * len(waits)
    rows = []
    for i, (wait, age) in enumerate(zip(waits, ages, strict=True)):
        start = 1000.0 - age
        owner = _at(start + wait) if wait is not None else ""
        rows.append(f"R{i},ds,{_at(start)},{owner},,,,pending")
    return (HEADER + "\n".join(rows) + "\n").encode(), (T0 + pd.Timedelta(hours=1000)).to_pydatetime()


# ---------------------------------------------------------------------------------------------
# Kaplan–Meier per stage by hand, through parse_requests


def test_ties_between_ended_waits():
    log, as_of = _owner_log([10, 10, 20, 30], [100] * 4)
    owner = parse_requests(log, as_of=as_of).stage("owner")
    # At risk 4 at 10 h, two end: S(10) = 2/4 = 1/2 exactly -> median (10 + 20) / 2 = 15.
    # S(20) = 1/2 * 1/2 = 1/4, S(30) = 0 -> p90 = 30. Nothing open: the mean is the plain mean.
    assert (owner.median_hours, owner.p90_hours, owner.n, owner.open) == (15.0, 30.0, 4, 0)
    assert owner.mean_hours == pytest.approx(17.5) and not owner.mean_is_lower_bound
    assert owner.completed_median_hours == 15.0


def test_a_censoring_at_the_same_time_as_an_event():
    # Ended at 10, 20 and 40 h; one still waiting after exactly 20 h (made 20 h before as-of).
    log, as_of = _owner_log([10, 20, None, 40], [100, 100, 20, 100])
    owner = parse_requests(log, as_of=as_of).stage("owner")
    # A request censored at 20 h was still waiting at 20 h: at risk there. S(10) = 3/4,
    # S(20) = 3/4 * (1 - 1/3) = 1/2 exactly -> median (20 + 40) / 2 = 30; S(40) = 0 -> p90 40.
    assert (owner.n, owner.open, owner.open_ages_hours) == (3, 1, (20.0,))
    assert (owner.median_hours, owner.p90_hours) == (30.0, 40.0)
    # Completed only (10, 20, 40) the median would be 20 h.
    assert owner.completed_median_hours == 20.0
    # Mean = 10 * 1 + 10 * 3/4 + 20 * 1/2 = 27.5; the curve reached 0: not a bound.
    assert owner.mean_hours == pytest.approx(27.5) and not owner.mean_is_lower_bound


def test_all_censored_gives_bounds_never_numbers():
    log, as_of = _owner_log([None, None, None], [5, 10, 30])
    analysis = parse_requests(log, as_of=as_of)
    owner = analysis.stage("owner")
    assert (owner.n, owner.open, owner.median_hours, owner.p90_hours) == (0, 3, None, None)
    assert (owner.median_lower_bound_hours, owner.p90_lower_bound_hours) == (30.0, 30.0)
    assert owner.median_more_than and owner.completed_median_hours is None
    # Nothing ended: S = 1 up to 30 h. 30 h > 24 h SLA is known to be over: S(24) = 1.
    assert owner.breach_rate == 1.0
    # The mean up to 30 h is 30 h, and more: a lower bound.
    assert owner.mean_hours == pytest.approx(30) and owner.mean_is_lower_bound
    # A 48 h SLA lies beyond every wait seen: the rate is not known, at most 100%.
    wide = parse_requests(log, as_of=as_of, slas={"owner": 48}).stage("owner")
    assert (wide.breach_rate, wide.breach_rate_upper_bound) == (None, 1.0)
    report = access_report(log, "owner.csv", as_of=as_of.isoformat())
    stage = report["stages"][0]
    assert (stage["median_hours"], stage["median_lower_bound_hours"]) == (None, 30.0)
    assert stage["completed_median_hours"] is None


def test_none_censored_is_the_ordinary_median():
    log, as_of = _owner_log([1, 2, 3, 4, 5], [100] * 5)
    owner = parse_requests(log, as_of=as_of).stage("owner")
    # S = 4/5, 3/5, 2/5 (<= 1/2 at 3 h) -> median 3; S(4) = 1/5, S(5) = 0 (<= 0.1) -> p90 5.
    assert (owner.median_hours, owner.p90_hours) == (3.0, 5.0)
    assert owner.median_hours == np.median([1, 2, 3, 4, 5]) == owner.completed_median_hours
    assert owner.mean_hours == pytest.approx(3.0) and not owner.mean_is_lower_bound
    assert owner.median_lower_bound_hours is None and owner.p90_lower_bound_hours is None


def _survfit_quantile(times: np.ndarray, surviving: np.ndarray, q: float) -> float | None:
    """R's survfit quantile on scipy's curve (event times only), written out independently."""
    target = 1 - q
    below = np.flatnonzero(surviving <= target + 1e-9)
    if below.size == 0:
        return None
    i = int(below[0])
    if abs(surviving[i] - target) <= 1e-9 and i + 1 < len(times):
        return float((times[i] + times[i + 1]) / 2)
    return float(times[i])


@pytest.mark.parametrize("seed", range(6))
def test_stages_match_scipy_ecdf_on_random_logs(seed):
    """Random logs: each request stops after a random number of steps; some of the stopped ones
    are still waiting (pending), the rest closed (denied). The expected figures come straight
    from scipy.stats.ecdf on the waits written out here."""
    rng = np.random.default_rng(seed)
    n = 300
    as_of = 5000.0
    rows, waits = [], {k: ([], []) for k in range(4)}  # stage -> (hours, ended)
    for i in range(n):
        start = rng.uniform(0, 3000)
        steps = int(rng.integers(0, 5))  # timestamps after requested_at
        times = [start]
        for _ in range(steps):
            times.append(times[-1] + float(np.round(rng.exponential(40), 1)))
        if times[-1] > as_of:
            steps, times = 0, [start]
        pending = steps < 4 and rng.random() < 0.7
        for k in range(steps):
            waits[k][0].append(times[k + 1] - times[k])
            waits[k][1].append(True)
        if pending:
            waits[steps][0].append(as_of - times[-1])
            waits[steps][1].append(False)
        cells = [_at(t) for t in times] + [""] * (4 - steps)
        rows.append(f"R{i},ds,{','.join(cells)},{'pending' if pending or steps == 4 else 'denied'}")
    log = (HEADER + "\n".join(rows) + "\n").encode()
    analysis = parse_requests(log, as_of=(T0 + pd.Timedelta(hours=as_of)).to_pydatetime())
    for k, stage in enumerate(analysis.stages):
        hours, ended = np.array(waits[k][0]), np.array(waits[k][1])
        assert (stage.n, stage.open) == (int(ended.sum()), int((~ended).sum()))
        sf = stats.ecdf(stats.CensoredData(uncensored=hours[ended], right=hours[~ended])).sf
        keep = np.isin(sf.quantiles, hours[ended])
        times, surviving = sf.quantiles[keep], sf.probabilities[keep]
        for q, got, bound in ((0.5, stage.median_hours, stage.median_lower_bound_hours),
                              (0.9, stage.p90_hours, stage.p90_lower_bound_hours)):
            expected = _survfit_quantile(times, surviving, q)
            if expected is None:
                assert got is None and bound == pytest.approx(hours.max())
            else:
                assert got == pytest.approx(expected, abs=1e-6)
        sla = stage.sla_hours
        if sla <= hours.max() or surviving[-1] < 1e-9:
            assert stage.breach_rate == pytest.approx(float(sf.evaluate(sla)), abs=1e-9)
        grid = np.linspace(0, hours.max(), 20001)
        area = np.trapezoid(sf.evaluate(grid), grid)  # the step curve, finely sampled
        assert stage.mean_hours == pytest.approx(area, rel=2e-3)


# ---------------------------------------------------------------------------------------------
# The bias this fixes: a seeded simulation


def _simulated(seed: int, n: int = 1500, mean: float = 100.0) -> tuple[object, float]:
    """Requests arrive uniformly over 2.7 mean waits; provisioning takes an exponential wait;
    as of the end of the window a third of them are still being provisioned."""
    rng = np.random.default_rng(seed)
    window = 2.7 * mean
    requested = rng.uniform(0, window, n)
    approved = requested + 2.0
    provisioned = approved + rng.exponential(mean, n)
    as_of = window + 2.0
    done = provisioned <= as_of
    frame = pd.DataFrame({
        "request_id": [f"R{i}" for i in range(n)], "dataset": "d",
        "requested_at": [_at(h) for h in requested],
        "owner_assigned_at": [_at(h + 1.0) for h in requested],
        "approved_at": [_at(h) for h in approved],
        "provisioned_at": [_at(h) if d else "" for h, d in zip(provisioned, done, strict=True)],
        "first_access_at": "", "status": "approved"})
    analysis = parse_requests(frame.to_csv(index=False).encode(),
                              as_of=(T0 + pd.Timedelta(hours=as_of)).to_pydatetime())
    return analysis.stage("provisioning"), float(1 - done.mean())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kaplan_meier_median_recovers_the_truth_where_completed_only_does_not(seed):
    truth = 100.0 * np.log(2)  # the median of an exponential wait with mean 100 h
    stage, still_open = _simulated(seed)
    assert 0.30 <= still_open <= 0.40
    assert stage.open == pytest.approx(still_open * 1500, abs=1)
    assert abs(stage.median_hours / truth - 1) < 0.10
    assert abs(stage.completed_median_hours / truth - 1) > 0.15  # completed only: far too short
    # The mean (100 h) from the curve is a lower bound; the completed-only mean is far lower.
    assert stage.mean_is_lower_bound and stage.mean_hours > np.mean(stage.durations) * 1.2


# ---------------------------------------------------------------------------------------------
# Breach rate from the curve


def test_breach_rate_is_the_share_still_waiting_at_the_sla_by_hand():
    # Provisioning: ended after 10, 20, 30 h; one still waiting after 5 h, one after 50 h.
    rows = []
    for i, (wait, age) in enumerate([(10, 100), (20, 100), (30, 100), (None, 5), (None, 50)]):
        start = 1000.0 - age
        rows.append(f"R{i},ds,{_at(start - 2)},{_at(start - 1)},{_at(start)},"
                    f"{_at(start + wait) if wait else ''},,approved")
    log = (HEADER + "\n".join(rows) + "\n").encode()
    as_of = (T0 + pd.Timedelta(hours=1000)).to_pydatetime()
    stage = parse_requests(log, as_of=as_of).stage("provisioning")
    # Sorted: 5 (censored), 10, 20, 30, 50 (censored). At risk after 5 h: 4.
    # S(10) = 3/4, S(20) = 3/4 * 2/3 = 1/2, S(30) = 1/2 * 1/2 = 1/4, then 50 h censored.
    # SLA 24 h: S(24) = 1/2 — the 30 h wait and the 50 h one still open are over.
    assert stage.breach_rate == pytest.approx(0.5)
    assert parse_requests(log, as_of=as_of, slas={"provisioning": 30}).stage(
        "provisioning").breach_rate == pytest.approx(0.25)  # 30 h is not *over* 30 h
    # 60 h: beyond the longest wait seen (50 h, still open): not known, at most S(50) = 1/4.
    beyond = parse_requests(log, as_of=as_of, slas={"provisioning": 60}).stage("provisioning")
    assert (beyond.breach_rate, beyond.breach_rate_upper_bound) == (None, pytest.approx(0.25))
    assert beyond.breach_rate != 0


def test_pooled_breach_per_month_is_one_curve_of_wait_over_sla():
    # One month, two requests, as of 102 h. A: owner 30 h (SLA 24: ratio 1.25, ended), approval
    # still open after 72 h (SLA 48: ratio 1.5, censored). B: owner 6 h (0.25, ended), approval
    # 96 h (2.0, ended), provisioning open since the as-of instant (0 h: ratio 0, censored).
    # Sorted: 0 c, 0.25 e, 1.25 e, 1.5 c, 2.0 e. S(0.25) = 3/4, S(1.25) = 1/2, S(2) = 0;
    # S(1) = 3/4: three stage waits in four over their SLA.
    rows = [f"A,ds,{_at(0)},{_at(30)},,,,pending", f"B,ds,{_at(0)},{_at(6)},{_at(102)},,,pending"]
    log = (HEADER + "\n".join(rows) + "\n").encode()
    analysis = parse_requests(log, as_of=(T0 + pd.Timedelta(hours=102)).to_pydatetime())
    assert analysis.skipped == ()
    (march,) = analysis.monthly
    assert march.breach_rate == pytest.approx(0.75)


# ---------------------------------------------------------------------------------------------
# Means for request-days


def test_request_days_come_from_the_mean_wait_not_the_median():
    # Provisioning waits 10, 10 and 100 h: median 10 h, mean 40 h.
    rows = [f"R{i},ds,{_at(0)},{_at(1)},{_at(2)},{_at(2 + w)},{_at(3 + w)},approved"
            for i, w in enumerate([10, 10, 100])]
    analysis = parse_requests((HEADER + "\n".join(rows) + "\n").encode())
    stage = analysis.stage("provisioning")
    assert (stage.median_hours, stage.mean_hours) == (10.0, pytest.approx(40.0))
    impact = AccessImpact(analysis.as_iteration(), 30.0, access=analysis)
    halve = Action(id="halve", title="halve", kind="cross_team", effort_days=(1, 2),
                   description="", tradeoffs="", wont_fix="", stage="provisioning",
                   affects="total", speedup=(2.0, 4.0))
    estimate = impact.estimate([halve])
    # 40 h mean at 2-4x saves 20-30 h per request; 30 requests a month; in request-days.
    # (n × median would say 5-7.5 h.)
    assert (estimate.low, estimate.high) == pytest.approx((20 * 30 / 24, 30 * 30 / 24))
    assert "on average 40.0 h" in impact.evidence(halve) and "median 0.4 d" in impact.evidence(halve)


def test_the_plan_says_when_a_mean_is_a_lower_bound():
    from triage.kinds.requests.impact import access_plan
    from triage.playbook import load_catalogue
    from triage.session import Session

    book = load_catalogue().playbooks["data_access"]
    rows = [f"R{i},ds,{_at(0)},{_at(1)},{_at(2)},{_at(2 + w) if w else ''},,approved"
            for i, w in enumerate([10, 20, None])]
    analysis = parse_requests((HEADER + "\n".join(rows) + "\n").encode(),
                              as_of=(T0 + pd.Timedelta(hours=40)).to_pydatetime())
    assert analysis.stage("provisioning").mean_is_lower_bound  # the open one, 38 h so far
    plan = access_plan(book, Session(scenario="data_access", playbook_version=book.version),
                       analysis, 10.0)
    assert any("lower bounds: the true waits are longer" in line for line in plan.assumptions)
    assert any("mean wait of its stage (Kaplan–Meier restricted mean" in line
               for line in plan.assumptions)
    assert "Kaplan–Meier means, lower bounds" in plan.summary[0]


# ---------------------------------------------------------------------------------------------
# SLAs per clock


def _weekend_log() -> bytes:
    # Owner Fri 16:00 -> Mon 10:00: 66 calendar h, 2 business h (Fri 16-17, Mon 9-10).
    # Approval Thu 15:00 -> Mon 11:00 for a second request: 92 calendar h; business h
    # Thu 15-17 (2) + Fri (8) + Mon 9-11 (2) = 12.
    return (HEADER
            + "A,ds,2026-03-06T16:00:00Z,2026-03-09T10:00:00Z,2026-03-09T11:00:00Z,,,approved\n"
            + "B,ds,2026-03-05T14:00:00Z,2026-03-05T15:00:00Z,2026-03-09T11:00:00Z,,,approved\n"
            ).encode()


def test_business_hour_slas_by_hand_over_a_weekend():
    calendar = parse_requests(_weekend_log())
    business = parse_requests(_weekend_log(), clock=Clock(business=True))
    assert [s.sla_hours for s in calendar.stages] == list(DEFAULT_SLAS.values())
    assert [s.sla_hours for s in business.stages] == list(DEFAULT_BUSINESS_SLAS.values())
    assert DEFAULT_BUSINESS_SLAS == {"owner": 8, "approval": 16, "provisioning": 8, "first_use": 24}
    # Owner: A 66 h > 24 calendar, B 1 h: 1/2; in business hours 2 h and 1 h, within 8 h: 0.
    assert calendar.stage("owner").breach_rate == pytest.approx(0.5)
    assert business.stage("owner").breach_rate == 0
    # Approval: A 1 h; B 92 calendar h > 48: 1/2; B 12 business h <= 16: 0.
    assert sorted(calendar.stage("approval").durations) == [1, 92]
    assert sorted(business.stage("approval").durations) == [1, 12]
    assert calendar.stage("approval").breach_rate == pytest.approx(0.5)
    assert business.stage("approval").breach_rate == 0
    # A business SLA of one working day (8 h) for approval: B's 12 business h are over.
    tight = parse_requests(_weekend_log(), clock=Clock(business=True), slas={"approval": 8})
    assert tight.stage("approval").breach_rate == pytest.approx(0.5)


def test_switching_the_clock_never_reuses_the_other_clocks_slas():
    inputs = {"clock": {"business": False}, "slas": {"approval": 4.0},
              "business_slas": {"approval": 12.0}}
    assert slas_from_inputs(inputs) == {"approval": 4.0}
    inputs["clock"]["business"] = True
    assert slas_from_inputs(inputs) == {"approval": 12.0}
    # An older session: only "slas", which were calendar hours. Business hours take their own
    # defaults, not those numbers.
    old = {"clock": {"business": True, "start_hour": 9, "end_hour": 17}, "slas": {"approval": 48.0}}
    assert slas_from_inputs(old) == {}
    analysis = parse_requests(EXAMPLE.read_bytes(), clock=clock_from_inputs(old),
                              slas=slas_from_inputs(old))
    assert analysis.stage("approval").sla_hours == 16
    # The worked example: 29% of approvals over 48 calendar h; in business hours against the
    # business default (16 h) 11% — not 0%, which reusing "48" as business hours would give.
    calendar = parse_requests(EXAMPLE.read_bytes())
    reused = parse_requests(EXAMPLE.read_bytes(), clock=Clock(business=True), slas={"approval": 48})
    assert round(calendar.stage("approval").breach_rate, 2) == 0.29
    assert round(analysis.stage("approval").breach_rate, 2) == 0.11
    assert reused.stage("approval").breach_rate == 0
    # A typed request is judged against its clock's SLAs too.
    typed = analyse_typed({"approval": 20}, clock=Clock(business=True))
    assert (typed.stage("approval").sla_hours, typed.stage("approval").breach_rate) == (16, 1.0)


# ---------------------------------------------------------------------------------------------
# CLI


def _cli_json(capsys, *args: str) -> dict:
    assert cli_main(["access", str(EXAMPLE), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out,
                      parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))


def test_cli_json_fields(capsys):
    report = _cli_json(capsys)
    assert report["as_of"] == "2026-08-31T17:59:54+00:00" and report["as_of_is_latest_timestamp"]
    assert report["clock"] == "calendar"
    analysis = parse_requests(EXAMPLE.read_bytes())
    for row, stage in zip(report["stages"], analysis.stages, strict=True):
        assert row["stage"] == stage.stage
        assert row["median_hours"] == pytest.approx(stage.curve.quantile(0.5).hours)
        assert row["p90_hours"] == pytest.approx(stage.curve.quantile(0.9).hours)
        assert row["breach_rate"] == pytest.approx(stage.curve.waiting_at(row["sla_hours"]))
        assert row["completed_median_hours"] == pytest.approx(np.median(stage.durations))
        assert (row["n"], row["open"], row["sla_is_default"]) == (stage.n, stage.open, True)
        assert row["median_lower_bound_hours"] is None
    provisioning = report["stages"][2]
    assert provisioning["open"] == 20 and provisioning["median_hours"] > provisioning[
        "completed_median_hours"]
    tta = report["time_to_access"]
    assert tta["median_hours"] == pytest.approx(analysis.time_to_access.median_hours)
    assert time_to_access_text(analysis.time_to_access) == "5.9 d"
    assert set(tta) >= {"median_hours", "median_lower_bound_hours", "p90_hours",
                        "p90_lower_bound_hours", "completed_median_hours", "n", "waiting"}


def test_cli_as_of_sla_and_business_hours(capsys):
    report = _cli_json(capsys, "--as-of", "2026-06-30T00:00:00Z", "--sla", "approval=10",
                       "--sla", "owner=30")
    assert report["as_of"] == "2026-06-30T00:00:00+00:00" and not report["as_of_is_latest_timestamp"]
    assert [s["sla_hours"] for s in report["stages"]] == [30, 10, 24, 72]
    assert [s["sla_is_default"] for s in report["stages"]] == [False, False, True, True]
    assert report["skipped"] and "after the as-of date" in report["skipped"][0]["reason"]
    business = _cli_json(capsys, "--business-hours", "--sla", "approval=4")
    assert business["clock"] == "business"
    assert business["clock_description"] == "business hours (Mon–Fri 09:00–17:00 UTC)"
    assert [s["sla_hours"] for s in business["stages"]] == [8, 4, 8, 24]
    # The table names the clock of the SLAs.
    assert cli_main(["access", str(EXAMPLE), "--business-hours"]) == 0
    table = capsys.readouterr().out
    assert "SLAs in business hours" in table and "Kaplan–Meier" in table


@pytest.mark.parametrize(("args", "message"), [
    (["--sla", "approval"], "write STAGE=HOURS"),
    (["--sla", "review=3"], "unknown stage 'review'"),
    (["--sla", "approval=soon"], "must be a number of hours"),
    (["--sla", "approval=-2"], "≥ 0"),
    (["--as-of", "yesterday"], "not a date-time: use ISO 8601"),
    (["--as-of", "2020-01-01"], "no usable rows"),
])
def test_cli_bad_values_exit_1_with_one_clear_line(capsys, args, message):
    assert cli_main(["access", str(EXAMPLE), "--json", *args]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err and captured.err.count("\n") == 1


def test_access_report_sla_values_are_checked():
    with pytest.raises(InputError, match="business hours"):
        access_report(EXAMPLE.read_bytes(), "r.csv", business_hours=True, slas={"owner": "x"})


# ---------------------------------------------------------------------------------------------
# The page: as-of date and clock switch


def _open_example(app):
    app.button(key="example:data_access").click().run()
    app.switch_page("pages/access.py").run()
    assert not app.exception, app.exception
    return app


def _session(app):
    return app.session_state["sessions"]["data_access"]


def _stage_table(app) -> pd.DataFrame:
    return next(d.value for d in app.dataframe if "Median, completed only" in d.value.columns)


def test_as_of_date_input_shows_the_latest_timestamp_and_can_move_it(app):
    _open_example(app)
    as_of = next(d for d in app.date_input if d.label.startswith("As of"))
    assert as_of.value == date(2026, 8, 31)
    body = texts(app)
    assert "Waits as of **2026-08-31 17:59 UTC** (the latest timestamp in the log)" in body
    as_of.set_value(date(2026, 6, 30)).run()
    assert not app.exception, app.exception
    assert _session(app).inputs["as_of"] == "2026-06-30"
    body = texts(app)
    assert "Waits as of **2026-06-30 23:59 UTC** (the end of the day you chose)" in body
    expected = parse_requests(EXAMPLE.read_bytes(),
                              as_of=datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC))
    assert f"{expected.requests:,} request(s) analysed, {len(expected.skipped)} skipped" in body
    assert "after the as-of date" in body
    next(b for b in app.button if b.label == "Use the latest timestamp").click().run()
    assert _session(app).inputs["as_of"] is None
    assert next(d for d in app.date_input if d.label.startswith("As of")).value == date(2026, 8, 31)
    assert "(the latest timestamp in the log)" in texts(app)


def test_clock_switch_uses_business_hour_slas_and_keeps_the_calendar_ones(app):
    _open_example(app)
    table = _stage_table(app)
    approval = table[table["Stage"] == "Approval"].iloc[0]
    assert (approval["SLA"], approval["Over SLA"]) == ("48 h", "29%")
    assert "SLAs in calendar hours" in texts(app)
    app.toggle(key=next(t.key for t in app.toggle if t.label.startswith("Count business"))).set_value(
        True).run()
    assert not app.exception, app.exception
    fields = {n.label: n.value for n in app.number_input if "SLA" in n.label}
    assert fields == {"Finding an owner SLA (business h)": 8, "Approval SLA (business h)": 16,
                      "Provisioning SLA (business h)": 8, "First use SLA (business h)": 24}
    table = _stage_table(app)
    approval = table[table["Stage"] == "Approval"].iloc[0]
    assert (approval["SLA"], approval["Over SLA"]) == ("16 business h", "11%")
    body = texts(app)
    assert "SLAs in business hours" in body
    assert "**Default SLAs in business hours** (8/16/8/24 business h" not in body  # example: confirmed
    # Typing a business-hour SLA leaves the calendar-hour ones alone.
    key = next(n.key for n in app.number_input if n.label == "Approval SLA (business h)")
    app.number_input(key=key).set_value(4.0).run()
    inputs = _session(app).inputs
    assert inputs["business_slas"]["approval"] == 4 and inputs["slas"]["approval"] == 48
    app.toggle(key=next(t.key for t in app.toggle if t.label.startswith("Count business"))).set_value(
        False).run()
    fields = {n.label: n.value for n in app.number_input if "SLA" in n.label}
    assert fields["Approval SLA (h)"] == 48
    approval = _stage_table(app).set_index("Stage").loc["Approval"]
    assert approval["Over SLA"] == "29%"


def test_fresh_page_labels_the_business_hour_defaults_as_defaults(app):
    app.switch_page("pages/access.py").run()
    app.toggle(key=next(t.key for t in app.toggle if t.label.startswith("Count business"))).set_value(
        True).run()
    assert not app.exception, app.exception
    body = texts(app)
    assert ("**Default SLAs in business hours** (8/16/8/24 business h (1, 2, 1 and 3 working "
            "days of 8 h)") in body
    metric = next(m for m in app.metric if m.label == "Over SLA (this one request)")
    # The sample request (30/20/60/6 h typed as business hours) against 8/16/8/24 business h.
    assert (metric.value, metric.delta) == (
        "3 of 4 stages", "Finding an owner, Approval, Provisioning · default business-hour SLA")
