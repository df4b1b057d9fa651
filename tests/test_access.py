"""Data-access request analysis against hand-computed numbers."""

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from triage.kinds.requests.analysis import (
    DEFAULT_SLAS,
    Clock,
    access_report,
    analyse_typed,
    business_hours,
    parse_requests,
    read_inventory,
)
from triage.tabular import InputError
from triage.vocabulary import ACCESS_METRICS

AS_OF = datetime(2026, 3, 10, tzinfo=UTC)

# Seven requests written out by hand; the comments give each completed stage in hours.
LOG = (Path(__file__).parent / "data" / "access" / "requests_by_hand.csv").read_bytes()
# R1: owner 10, approval 24, provisioning 48, first use 24; access after 106
# R2: owner 2, approval 6, provisioning 12, first use 4; access after 24
# R3: owner 30, approval 72, provisioning open since 03-07 06:00 -> 66 h at the as-of date
# R4: owner open since 03-05 -> 120 h;  R5: owner 4, then denied (closed)
# R6: owner 12, approval 2, provisioning 24, first use 12; access after 50;  R7: expired (closed)

HEADER = ("request_id,dataset,requested_at,owner_assigned_at,approved_at,provisioned_at,first_access_at,"
          "status\n")


def _log(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


@pytest.fixture(scope="module")
def analysis():
    return parse_requests(LOG, as_of=AS_OF)


def test_stage_medians_p90_counts_and_open_ages_by_hand(analysis):
    """Kaplan–Meier per stage: completed waits end, a request still in the stage is censored at
    its age on the as-of date. Quantiles as R's survfit: the smallest wait with S <= 1 - q, the
    midpoint to the next ended wait where S equals 1 - q exactly."""
    owner, approval, provisioning, first_use = analysis.stages
    assert [s.stage for s in analysis.stages] == ["owner", "approval", "provisioning", "first_use"]
    # owner: 2, 4, 10, 12, 30 ended, R4 still waiting at 120 h. At risk 6, 5, 4, 3, 2:
    # S = 5/6, 2/3, 1/2 (exactly, at 10 -> median (10 + 12) / 2 = 11), 1/3, 1/6; never <= 0.1:
    # p90 "more than 120 h". The completed-only median (10 h) is kept beside it.
    assert (owner.median_hours, owner.p90_hours, owner.n) == (11.0, None, 5)
    assert (owner.p90_lower_bound_hours, owner.completed_median_hours) == (120.0, 10.0)
    assert (owner.open, owner.open_ages_hours) == (1, (120.0,))
    # Mean: area under S up to 120 h = 2 + 2 * 5/6 + 6 * 2/3 + 2 * 1/2 + 18 * 1/3 + 90 * 1/6,
    # a lower bound (R4 is still waiting at the horizon).
    assert owner.mean_hours == pytest.approx(2 + 2 * 5 / 6 + 4 + 1 + 6 + 15)
    assert owner.mean_is_lower_bound
    # approval: 2, 6, 24, 72, nothing open: S(6) = 1/2 exactly -> median 15; S(72) = 0 -> p90 72
    assert (approval.median_hours, approval.p90_hours, approval.n, approval.open) == (15, 72, 4, 0)
    assert approval.mean_hours == pytest.approx(26) and not approval.mean_is_lower_bound
    # provisioning: 12, 24, 48 ended, R3 still open (66 h): S = 3/4, 1/2 (exactly, at 24 ->
    # median (24 + 48) / 2 = 36), 1/4; p90 "more than 66 h". Completed only it would be 24 h.
    assert (provisioning.median_hours, provisioning.p90_hours, provisioning.n) == (36.0, None, 3)
    assert (provisioning.p90_lower_bound_hours, provisioning.completed_median_hours) == (66.0, 24.0)
    assert provisioning.mean_hours == pytest.approx(12 + 12 * 3 / 4 + 24 / 2 + 18 / 4)
    assert provisioning.open_ages_hours == (66.0,)
    # first use: 4, 12, 24 -> median 12; S(24) = 0 -> p90 24
    assert (first_use.median_hours, first_use.p90_hours, first_use.n, first_use.open) == (12, 24, 3, 0)
    assert sorted(first_use.durations) == [4, 12, 24]


def test_breach_rate_is_the_share_still_waiting_at_the_sla(analysis):
    owner, approval, provisioning, first_use = analysis.stages
    assert [s.sla_hours for s in analysis.stages] == [24, 48, 24, 72]
    # Breach = P(wait > SLA) = S(SLA) on the stage's Kaplan–Meier curve.
    # owner: waits ended at 2, 4, 10, 12 before 24 h: S(24) = 1/3 (R3's 30 h and R4's open 120 h)
    assert owner.breach_rate == pytest.approx(1 / 3)
    assert approval.breach_rate == pytest.approx(1 / 4)  # 72 > 48; nothing open
    # provisioning: S(24) = 1/2 (24 is not *over* 24); R3 open 66 h and the 48 h wait are over
    assert provisioning.breach_rate == pytest.approx(0.5)
    # first use: every wait ended by 24 h, the curve reached 0 before the 72 h SLA
    assert first_use.breach_rate == 0 and first_use.breach_rate_upper_bound is None
    assert provisioning.open_past_sla == 1
    tighter = parse_requests(LOG, as_of=AS_OF, slas={"owner": 5})
    # owner over 5 h: S(5) = 4/6 after the 2 h and 4 h waits; other SLAs keep their defaults
    assert tighter.stage("owner").breach_rate == pytest.approx(4 / 6)
    assert tighter.stage("approval").sla_hours == DEFAULT_SLAS["approval"]


def test_time_to_access_and_shares(analysis):
    # Kaplan–Meier: got access after 24, 50, 106 h; R4 (120 h) and R3 (168 h) still waiting at
    # the as-of date, censored; R5 denied and R7 expired are left out. At risk 5, 4, 3:
    # S(24) = 4/5, S(50) = 4/5 * 3/4 = 0.6, S(106) = 0.6 * 2/3 = 0.4 <= 0.5 -> median 106 h.
    # S never falls to 0.1: p90 is not known, "more than 168 h" (the longest wait seen).
    tta = analysis.time_to_access
    assert (tta.median_hours, tta.p90_hours, tta.n) == (106, None, 3)
    assert (tta.p90_lower_bound_hours, tta.median_lower_bound_hours) == (168, None)
    assert tta.completed_median_hours == 50  # 24, 50, 106: the completed-only median flatters
    assert tta.curve.n == 5 and tta.curve.ended == 3
    assert (tta.waiting, tta.left_out, tta.median_more_than, tta.p90_more_than) == (2, 2, False, True)
    assert analysis.requests == 7
    shares = analysis.shares
    assert shares.auto_approved == pytest.approx(1 / 7)
    assert (shares.denied, shares.expired) == pytest.approx((1 / 7, 1 / 7))
    assert shares.pending == pytest.approx(2 / 7)  # R3 and R4; R5 and R7 are closed
    assert shares.restricted == pytest.approx(2 / 7)  # R3 confidential, R4 restricted
    # Without an inventory the log cannot tell "no owner" from "a slow owner": unknown, not 0.
    assert shares.unowned is None and analysis.unowned_source is None
    assert any("no inventory" in note for note in analysis.notes)
    assert dict(analysis.pending_aging) == {"< 1 d": 0, "1–3 d": 0, "3–7 d": 1, "1–2 w": 1,
                                            "2–4 w": 0, "> 4 w": 0}


def test_pending_wait_runs_to_the_as_of_date_and_is_never_zero():
    log = _log("A,ds,2026-03-01T00:00:00Z,2026-03-01T06:00:00Z,,,,pending")
    default = parse_requests(log)  # as-of = latest timestamp in the file = the owner time itself
    assert default.as_of == datetime(2026, 3, 1, 6, tzinfo=UTC)
    assert default.stage("approval").open == 1
    later = parse_requests(log, as_of=datetime(2026, 3, 3, 6, tzinfo=UTC))
    approval = later.stage("approval")
    assert (approval.open, approval.open_ages_hours, approval.n) == (1, (48.0,), 0)
    assert approval.median_hours is None  # an open wait is not a completed one
    assert approval.median_lower_bound_hours == 48  # all censored: "more than 48 h"
    # Still waiting after 48 h: its wait will be longer than the 48 h SLA, so S(48) = 1.
    assert approval.breach_rate == 1
    assert later.stage("approval").open_ages_hours[0] > 0
    later_still = parse_requests(log, as_of=datetime(2026, 3, 4, tzinfo=UTC))
    assert later_still.stage("approval").breach_rate == 1  # 66 h open > 48 h: (0 + 1) / (0 + 1)


def test_denied_expired_and_revoked_requests_are_closed_but_their_stages_count():
    log = _log("A,ds,2026-03-01T00:00:00Z,2026-03-01T05:00:00Z,,,,denied",
               "B,ds,2026-03-01T00:00:00Z,,,,,expired",
               "C,ds,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,2026-03-01T02:00:00Z,,,revoked",
               "D,ds,2026-03-01T00:00:00Z,,,,,pending")
    analysis = parse_requests(log, as_of=datetime(2026, 3, 2, tzinfo=UTC))
    assert [s.open for s in analysis.stages] == [1, 0, 0, 0]  # only D waits
    assert analysis.stage("owner").n == 2 and analysis.stage("approval").n == 1
    assert analysis.shares.pending == pytest.approx(1 / 4)
    assert (analysis.shares.denied, analysis.shares.expired) == pytest.approx((1 / 4, 1 / 4))


def test_missing_middle_timestamp_makes_that_stage_and_the_next_unknown_not_waiting():
    log = _log("A,ds,2026-03-01T00:00:00Z,2026-03-01T02:00:00Z,,2026-03-02T00:00:00Z,"
               "2026-03-02T03:00:00Z,approved",
               "B,ds,2026-03-01T00:00:00Z,2026-03-01T04:00:00Z,2026-03-01T05:00:00Z,,,approved")
    analysis = parse_requests(log)
    assert [s.n for s in analysis.stages] == [2, 1, 0, 1]  # A: owner and first use only
    assert [s.open for s in analysis.stages] == [0, 0, 1, 0]  # B waits in provisioning; A does not
    assert analysis.time_to_access.n == 1 and analysis.time_to_access.median_hours == 27
    (skip,) = analysis.skipped
    assert skip.row == 2
    assert "approved_at" in skip.reason and "approval and provisioning" in skip.reason
    assert analysis.requests == 2  # the request itself is still analysed


def test_out_of_order_pair_is_left_out_with_a_reason():
    log = _log("A,ds,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,2026-03-01T12:00:00Z,"
               "2026-03-01T13:00:00Z,2026-03-01T14:00:00Z,approved")
    analysis = parse_requests(log)
    assert [s.n for s in analysis.stages] == [1, 0, 1, 1]
    (skip,) = analysis.skipped
    assert skip.row == 2
    assert "approved_at 2026-03-01T12:00:00Z is before owner_assigned_at" in skip.reason
    assert "approval stage" in skip.reason


def test_duplicate_ids_keep_the_first_and_bad_rows_are_skipped_with_reasons():
    log = _log("A,ds,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,,,,pending",
               "A,ds,2026-03-01T00:00:00Z,2026-03-01T09:00:00Z,,,,pending",
               ",ds,2026-03-01T00:00:00Z,,,,,pending",
               "B,ds,,,,,,pending",
               "C,ds,yesterday,,,,,pending")
    analysis = parse_requests(log)
    assert analysis.requests == 1 and analysis.stage("owner").median_hours == 1
    reasons = {s.row: s.reason for s in analysis.skipped}
    assert set(reasons) == {3, 4, 5, 6}
    assert "request_id 'A' repeats row 2" in reasons[3]
    assert "request_id is empty" in reasons[4]
    assert "requested_at is empty" in reasons[5]
    assert "'yesterday'" in reasons[6] and "ISO 8601" in reasons[6]


def test_rows_after_an_explicit_as_of_date_are_skipped():
    log = _log("A,ds,2026-03-01T00:00:00Z,,,,,pending", "B,ds,2026-03-05T00:00:00Z,,,,,pending")
    analysis = parse_requests(log, as_of=datetime(2026, 3, 2))  # naive: read as UTC
    assert analysis.requests == 1 and analysis.stage("owner").open_ages_hours == (24.0,)
    assert analysis.skipped[0].row == 3 and "after the as-of date" in analysis.skipped[0].reason
    assert any("as-of date had no time zone" in note for note in analysis.notes)


def test_time_zones_are_instants_and_naive_timestamps_are_read_as_utc():
    log = _log("A,ds,2026-03-01T10:00:00+02:00,2026-03-01T09:00:00Z,2026-03-01 12:00,"
               "2026-03-01T13:30:00-01:00,,approved")
    analysis = parse_requests(log)
    # 08:00Z -> 09:00Z -> 12:00 (naive = UTC) -> 14:30Z
    assert [s.median_hours for s in analysis.stages[:3]] == pytest.approx([1, 3, 2.5])
    assert analysis.naive_timestamps == 1
    assert any("1 timestamps had no time zone" in note for note in analysis.notes)
    assert analysis.as_of == datetime(2026, 3, 1, 14, 30, tzinfo=UTC)


FRI = pd.Timestamp("2026-03-06")  # a Friday


def _bh(start: str, end: str, clock: Clock = Clock(business=True)) -> float:  # noqa: B008
    a, b = pd.Timestamp(start, tz="UTC").value, pd.Timestamp(end, tz="UTC").value
    return float(business_hours(np.array([a]), np.array([b]), clock)[0])


def test_business_hours_by_hand():
    assert FRI.day_name() == "Friday"
    assert _bh("2026-03-06 16:00", "2026-03-09 10:00") == pytest.approx(2)  # Fri 16 -> Mon 10
    assert _bh("2026-03-07 10:00", "2026-03-08 15:00") == 0  # a weekend
    assert _bh("2026-03-06 18:00", "2026-03-09 08:00") == 0  # Friday evening to Monday morning
    assert _bh("2026-03-03 10:00", "2026-03-03 12:30") == pytest.approx(2.5)  # same day
    assert _bh("2026-03-03 15:00", "2026-03-04 11:00") == pytest.approx(4)  # overnight: 2 + 2
    assert _bh("2026-03-03 07:00", "2026-03-03 19:00") == pytest.approx(8)  # the whole window
    assert _bh("2026-03-02 09:00", "2026-03-16 09:00") == pytest.approx(80)  # two working weeks
    berlin = Clock(business=True, timezone="Europe/Berlin")  # UTC+1 in early March
    assert _bh("2026-03-06 15:00", "2026-03-09 09:00", berlin) == pytest.approx(2)
    early = Clock(business=True, start_hour=8, end_hour=12)
    assert _bh("2026-03-06 11:00", "2026-03-09 09:00", early) == pytest.approx(2)


def test_business_hours_clock_applies_to_stages_ages_and_slas():
    log = _log("A,ds,2026-03-06T16:00:00Z,2026-03-09T10:00:00Z,,,,pending")
    analysis = parse_requests(log, as_of=datetime(2026, 3, 10, 12, tzinfo=UTC), clock=Clock(business=True))
    # owner: Fri 16:00 -> Mon 10:00 = 2 business hours; approval open Mon 10:00 -> Tue 12:00 = 7 + 3
    assert analysis.stage("owner").median_hours == pytest.approx(2)
    assert analysis.stage("approval").open_ages_hours == pytest.approx((10,))
    calendar = parse_requests(log, as_of=datetime(2026, 3, 10, 12, tzinfo=UTC))
    assert calendar.stage("owner").median_hours == pytest.approx(66)
    assert calendar.stage("owner").breach_rate == 1 and analysis.stage("owner").breach_rate == 0
    assert analysis.metrics()["business_hours"] is True
    with pytest.raises(InputError, match="Mars/Olympus"):
        parse_requests(log, clock=Clock(business=True, timezone="Mars/Olympus"))


def test_by_tier_with_an_unknown_tier(analysis):
    rows = {row.tier: row for row in analysis.by_tier}
    assert list(rows) == ["public", "internal", "confidential", "restricted", "unknown"]
    assert [rows[t].requests for t in rows] == [1, 3, 1, 1, 1]
    internal = rows["internal"]
    assert internal.time_to_access_median_hours == pytest.approx(78)  # R1 106, R6 50
    # pooled stages: R1 provisioning 48 > 24 is the only breach among 4 + 1 + 4 stages
    assert internal.breach_rate == pytest.approx(1 / 9)
    assert rows["restricted"].breach_rate == 1  # R4: owner open 120 h past the SLA
    assert rows["unknown"].breach_rate is None  # R7 expired: nothing completed, nothing open
    assert any("'Secret'" in note and "unknown" in note for note in analysis.notes)


def test_monthly_trend(analysis):
    february, march = analysis.monthly
    assert (february.month, february.requests, february.accessed) == ("2026-02", 1, 0)
    assert february.time_to_access_median_hours is None
    assert (march.month, march.requests, march.accessed, march.pending) == ("2026-03", 6, 3, 2)
    assert march.time_to_access_median_hours == pytest.approx(106)  # as overall: R7 is February's


def test_inventory_decides_ownerless_datasets_and_tiers():
    inventory = read_inventory(b"dataset,owner,tier,preapproved_path,systems\n"
                               b"DS_A,alice,internal,sample-v2,lake\nds_b,,restricted,no,warehouse\n"
                               b"ds_d,bob,public,,\nds_a,carol,public,,\n")
    assert list(inventory["dataset"]) == ["DS_A", "ds_b", "ds_d"]  # the first ds_a row wins
    analysis = parse_requests(LOG, as_of=AS_OF, inventory=inventory)
    # ownerless: ds_b (empty owner: R3, R5), ds_c and ds_e (not listed: R4, R7)
    assert analysis.shares.unowned == pytest.approx(4 / 7)
    assert analysis.unowned_source == "inventory" and analysis.has_inventory
    assert analysis.preapproved_share == pytest.approx(1 / 5)  # ds_a of ds_a..ds_e
    metrics = analysis.metrics()
    assert metrics["has_inventory"] is True and metrics["preapproved_share"] == pytest.approx(0.2)


def test_inventory_tier_fills_blank_request_tiers():
    log = b"request_id,dataset,requested_at\nA,ds_a,2026-03-01T00:00:00Z\nB,ds_x,2026-03-01T00:00:00Z\n"
    inventory = read_inventory(b"dataset,owner,tier\nds_a,alice,Restricted\n")
    analysis = parse_requests(log, inventory=inventory)
    assert [(t.tier, t.requests) for t in analysis.by_tier] == [("restricted", 1), ("unknown", 1)]
    assert parse_requests(log).by_tier == ()  # no tier anywhere: no table


def test_a_column_missing_altogether_hides_its_two_stages_without_skipping_rows():
    log = (b"request_id,dataset,requested_at,approved_at,provisioned_at,first_access_at\n"
           b"A,ds,2026-03-01T00:00:00Z,2026-03-01T05:00:00Z,2026-03-01T06:00:00Z,2026-03-01T08:00:00Z\n"
           b"B,ds,2026-03-01T00:00:00Z,,,\n")
    analysis = parse_requests(log)
    assert [s.n for s in analysis.stages] == [0, 0, 1, 1]
    assert [s.open for s in analysis.stages] == [0, 0, 0, 0]
    assert analysis.skipped == () and analysis.shares.pending == 0.5
    assert analysis.shares.unowned is None  # no inventory
    assert any("no owner_assigned_at column" in note for note in analysis.notes)
    only_requests = parse_requests(b"request_id,dataset,requested_at,status\n"
                                   b"A,ds,2026-03-01T00:00:00Z,pending\nB,ds,2026-03-02T00:00:00Z,denied\n")
    assert only_requests.shares.pending == 0.5  # waiting, though in no stage the log records
    assert [s.open for s in only_requests.stages] == [0, 0, 0, 0]
    assert only_requests.time_to_access.n == 0 and only_requests.metrics()["has_data"] is False


def test_metrics_have_exactly_the_vocabulary_keys(analysis):
    metrics = analysis.metrics()
    assert set(metrics) == set(ACCESS_METRICS)
    assert metrics["slowest_stage"] == "provisioning"
    # Kaplan–Meier medians (see the first test): 11, 15, 36, 12
    assert metrics["slowest_share"] == pytest.approx(36 / (11 + 15 + 36 + 12))
    assert metrics["provisioning_median_hours"] == 36
    assert metrics["provisioning_to_approval"] == pytest.approx(36 / 15)
    assert (metrics["worst_breach_stage"], metrics["worst_breach_rate"]) == ("provisioning", 0.5)
    assert metrics["time_to_access_median_hours"] == pytest.approx(106)
    assert metrics["time_to_access_text"] == "4.4 d"
    assert metrics["has_inventory"] is False and metrics["preapproved_share"] is None
    json.dumps(metrics, allow_nan=False)


def test_as_iteration_shares_are_the_stage_means_shares(analysis):
    """Time adds up in means: the what-if and request-days run on the Kaplan–Meier restricted
    means (see the first test), the medians stay descriptive."""
    iteration = analysis.as_iteration()
    means = {"owner": 2 + 2 * 5 / 6 + 4 + 1 + 6 + 15, "approval": 26.0,
             "provisioning": 37.5, "first_use": 40 / 3}
    medians = {"owner": 11, "approval": 15, "provisioning": 36, "first_use": 12}
    assert [s.stage for s in iteration.stages] == list(means)
    assert sum(s.share for s in iteration.stages) == pytest.approx(1)
    assert iteration.iteration_hours == pytest.approx(sum(means.values()))
    assert analysis.mean_hours == pytest.approx(sum(means.values()))
    for stats in iteration.stages:
        assert stats.mean_hours == pytest.approx(means[stats.stage])
        assert stats.median_hours == medians[stats.stage]
        assert stats.share == pytest.approx(means[stats.stage] / sum(means.values()))
        assert stats.wait_hours == stats.mean_hours  # all access time is waiting
    assert [s.runs for s in iteration.stages] == [6, 4, 4, 3]  # entered: completed + still in it
    assert iteration.source == "runs" and iteration.runs == 7
    assert iteration.bottleneck.stage == "provisioning"
    assert iteration.flow_efficiency == pytest.approx(0)


def test_typed_request():
    typed = analyse_typed({"owner": 8, "approval": "72", "provisioning": 30, "first_use": None})
    assert [s.n for s in typed.stages] == [1, 1, 1, 0]
    assert [s.breach_rate for s in typed.stages] == [0, 1, 1, None]  # 72 > 48, 30 > 24
    assert typed.stage("approval").p90_hours is None
    assert typed.time_to_access.median_hours == 110 and typed.requests == 1
    metrics = typed.metrics()
    assert set(metrics) == set(ACCESS_METRICS) and metrics["slowest_stage"] == "approval"
    assert metrics["denied_share"] is None
    assert typed.as_iteration().source == "table"
    assert analyse_typed({}).metrics()["has_data"] is False
    with pytest.raises(InputError, match="Approval"):
        analyse_typed({"approval": -1})
    with pytest.raises(InputError, match="'review'"):
        analyse_typed({"review": 3})


def test_access_report_is_strict_json_with_the_documented_keys():
    report = access_report(LOG, "requests.csv")
    text = json.dumps(report, allow_nan=False)
    assert json.loads(text) == report
    assert set(report) == {"as_of", "as_of_is_latest_timestamp", "clock", "clock_description",
                           "source", "source_notes", "requests", "stages", "time_to_access",
                           "auto_approved_share",
                           "denied_share", "expired_share", "pending_share", "unowned_share",
                           "by_tier", "skipped", "whole_wait_only", "paused"}
    assert report["whole_wait_only"] is False and report["paused"] is None  # stages; no pauses
    figures = {"median_hours", "median_lower_bound_hours", "p90_hours", "p90_lower_bound_hours",
               "completed_median_hours", "mean_hours", "mean_is_lower_bound", "n"}
    assert set(report["stages"][0]) == figures | {"stage", "open", "sla_hours", "sla_is_default",
                                                  "breach_rate", "breach_rate_upper_bound"}
    assert set(report["time_to_access"]) == figures | {"waiting", "left_out"}
    assert (report["as_of"], report["clock"]) == ("2026-03-08T02:00:00+00:00", "calendar")
    assert [s["stage"] for s in report["stages"]] == ["owner", "approval", "provisioning", "first_use"]
    # Default as-of = latest timestamp (2026-03-08 02:00): R3 has waited 44 h in provisioning.
    assert report["stages"][2]["open"] == 1
    with_inventory = access_report(LOG, "requests.csv", inventory=b"dataset,owner\nds_a,alice\n")
    assert with_inventory["unowned_share"] == pytest.approx(5 / 7) and report["unowned_share"] is None
    pending_only = access_report(_log("A,ds,2026-03-01T00:00:00Z,,,,,pending"), "p.csv",
                                 business_hours=True)
    json.dumps(pending_only, allow_nan=False)
    assert pending_only["stages"][0]["median_hours"] is None
    assert pending_only["clock"] == "business"
    # As of its own request time it has waited 0 h: no estimate and no bound worth giving.
    tta = pending_only["time_to_access"]
    assert (tta["median_hours"], tta["median_lower_bound_hours"], tta["n"], tta["waiting"]) == (
        None, None, 0, 1)


def test_unusable_files_raise_clear_input_errors():
    with pytest.raises(InputError, match="requested_at"):
        parse_requests(b"request_id,dataset,created\nA,ds,2026-03-01\n")
    with pytest.raises(InputError, match="empty"):
        parse_requests(b"")
    with pytest.raises(InputError, match="binary|ZIP"):
        parse_requests(b"PK\x03\x04\x00\x00\x00binary\x00\x01\x02" * 20)
    with pytest.raises(InputError, match="no usable rows"):
        parse_requests(b"request_id,dataset,requested_at\nA,ds,\n,ds,2026-03-01\n")
    with pytest.raises(InputError, match="SLA"):
        parse_requests(LOG, slas={"review": 3})


def test_a_thousand_requests_in_business_hours_are_instant():
    rng = np.random.default_rng(7)
    n = 1000
    start = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(rng.uniform(0, 2000, n), unit="h")
    columns = {"request_id": [f"R{i}" for i in range(n)], "dataset": [f"d{i % 40}" for i in range(n)]}
    stamp = start
    for column in ("requested_at", "owner_assigned_at", "approved_at", "provisioned_at", "first_access_at"):
        columns[column] = stamp.strftime("%Y-%m-%dT%H:%M:%S+01:00")
        stamp = stamp + pd.to_timedelta(rng.exponential(30, n), unit="h")
    data = pd.DataFrame(columns).to_csv(index=False).encode()
    analysis = parse_requests(data, clock=Clock(business=True, timezone="Europe/Paris"))
    assert analysis.requests == n and all(s.n == n for s in analysis.stages)
    # Business hours never exceed calendar hours.
    calendar = parse_requests(data)
    for business, plain in zip(analysis.stages, calendar.stages, strict=True):
        assert business.median_hours < plain.median_hours


def test_cli_access_json_and_unusable_input(tmp_path, capsys):
    import json

    from triage.cli import main as cli_main
    from triage.examples import DATA_DIR

    log = DATA_DIR / "access" / "example_requests.csv"
    assert cli_main(["access", str(log), "--json"]) == 0
    report = json.loads(capsys.readouterr().out,
                        parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))
    assert [s["stage"] for s in report["stages"]] == ["owner", "approval", "provisioning",
                                                      "first_use"]
    slowest = max(report["stages"], key=lambda s: s["median_hours"])
    assert slowest["stage"] == "provisioning" and {"open", "n", "breach_rate"} <= set(slowest)
    assert report["unowned_share"] is None  # needs --inventory
    inventory = DATA_DIR / "access" / "example_inventory.csv"
    assert cli_main(["access", str(log), "--json", "--business-hours", "--inventory",
                     str(inventory)]) == 0
    business = json.loads(capsys.readouterr().out)
    assert business["unowned_share"] == pytest.approx(0.14, abs=0.01)
    assert business["stages"][2]["median_hours"] < slowest["median_hours"]
    bad = tmp_path / "requests.csv"
    bad.write_text("request_id,dataset\nr1,d\n")
    assert cli_main(["access", str(bad), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "requested_at" in captured.err


def test_access_plan_sizes_actions_in_request_days_from_the_typed_stages():
    from triage.kinds.requests.analysis import analyse_typed
    from triage.kinds.requests.impact import AccessImpact
    from triage.playbook import Action

    typed = analyse_typed({"owner": 10, "approval": 20, "provisioning": 60, "first_use": 6})
    impact = AccessImpact(typed.as_iteration(), 30.0, access=typed)
    automate = Action(id="auto", title="auto", kind="cross_team", effort_days=(5, 10),
                      description="", tradeoffs="", wont_fix="", stage="provisioning",
                      affects="total", speedup=(3.0, 10.0))
    estimate = impact.estimate([automate])
    # 60 h at 3-10x saves 40-54 h per request; 30 requests a month; in days
    assert (estimate.low, estimate.high) == pytest.approx((40 * 30 / 24, 54 * 30 / 24))
    assert estimate.unit == "request-days/month"
    evidence = impact.evidence(automate)
    assert "Provisioning takes 60.0 h in the typed request, 62% of its four stages (96.0 h)" in evidence
    assert "time to access" not in evidence  # a sum of stages is not the time to access
