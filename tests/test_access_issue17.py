"""Data access, issue 17: one time to access everywhere, denied and pending shares shown, owner
waits per dataset from the log alone, readable month table, labelled samples and default SLAs,
which data the page shows, upload progress, and charts without empty bars."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.page_text import shown, texts
from triage.export import plan_markdown, plan_snapshot
from triage.kinds.requests import charts as requests_charts
from triage.kinds.requests.analysis import (
    analyse_typed,
    parse_requests,
    read_inventory,
    time_to_access_text,
)
from triage.kinds.requests.impact import access_plan
from triage.playbook import load_catalogue
from triage.session import Session
from triage.survival import Survival

TIMEOUT = 30
APP = str(Path(__file__).resolve().parent.parent / "app.py")
HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "data" / "access"
HAND_LOG = (HERE / "data" / "access" / "requests_by_hand.csv").read_bytes()
AS_OF = datetime(2026, 3, 10, tzinfo=UTC)
BOOK = load_catalogue().playbooks["data_access"]
HEADER = ("request_id,dataset,requested_at,owner_assigned_at,approved_at,provisioned_at,"
          "first_access_at,status\n")


def _log(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def _example():
    inventory = read_inventory((EXAMPLE / "example_inventory.csv").read_bytes())
    return parse_requests((EXAMPLE / "example_requests.csv").read_bytes(), inventory=inventory)


def _plan(analysis, answers=None, inputs=None):
    session = Session(scenario="data_access", playbook_version=BOOK.version)
    session.inputs = dict(inputs or {})
    session.answers = dict(answers or {})
    per_month = analysis.requests_per_month or float(session.inputs.get("requests_per_month", 40))
    return access_plan(BOOK, session, analysis, per_month)


def _metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def _open_access(at: AppTest) -> AppTest:
    at.switch_page("pages/access.py").run()
    assert not at.exception, at.exception
    return at


def _session(at: AppTest) -> Session:
    return at.session_state["sessions"]["data_access"]


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


# ---------------------------------------------------------------------------------------------
# 1. One time to access: Kaplan–Meier, requests still waiting censored at the as-of date


def _km(times, ended) -> tuple[tuple[float | None, float | None], ...]:
    """(hours, lower bound) of the median and p90, as triage.survival reads them."""
    curve = Survival.of(np.asarray(times, float), np.asarray(ended, bool))
    return tuple((q.hours, q.lower_bound) for q in (curve.quantile(0.5), curve.quantile(0.9)))


def test_kaplan_meier_quantiles_by_hand():
    # Complete data: the ordinary median (midpoint where S is exactly 0.5), p90 the last wait.
    assert _km([4.0, 1, 3, 2], [True] * 4) == ((2.5, None), (4.0, None))
    # 10, 20 ended; 30 still waiting; 40 ended. At risk 4, 3, -, 1: S = 3/4, 1/2, 1/2, 0.
    # S is 0.5 from 20 to the next ended wait (40): median (20 + 40) / 2 = 30.
    assert _km([10.0, 20, 30, 40], [True, True, False, True]) == ((30.0, None), (40.0, None))
    # Half still waiting beyond the ended ones: not reached, "more than" the longest wait seen.
    assert _km([5.0, 50, 60], [True, False, False]) == ((None, 60.0), (None, 60.0))
    assert _km([], []) == ((None, None), (None, None))


def test_time_to_access_counts_waiting_requests_and_leaves_closed_ones_out():
    analysis = parse_requests(HAND_LOG, as_of=AS_OF)
    tta = analysis.time_to_access
    # Ended: 24 (R2), 50 (R6), 106 (R1). Waiting: R4 120 h, R3 168 h. R5 denied, R7 expired:
    # out. S(24) = 0.8, S(50) = 0.6, S(106) = 0.4 -> median 106 h = 4.4 d (the completed-only
    # median would say 50 h: half the truth).
    assert (tta.median_hours, tta.n, tta.waiting, tta.left_out) == (106.0, 3, 2, 2)
    assert time_to_access_text(tta) == "4.4 d"
    assert time_to_access_text(tta, "p90") == "more than 7.0 d"  # 168 h, the curve stops at 0.4
    # A typed request: its stages added up, the same text style.
    typed = analyse_typed({"owner": 30, "approval": 20, "provisioning": 60, "first_use": 10})
    assert time_to_access_text(typed.time_to_access) == "5.0 d"


def test_plan_summary_and_markdown_export_carry_the_same_time_to_access():
    analysis = parse_requests(HAND_LOG, as_of=AS_OF)
    plan = _plan(analysis)
    assert plan.summary[0].startswith("Time to access (median): 4.4 d from request to first use "
                                      "(7 requests; 14% denied, 14% expired, 29% still waiting)")
    assert ("Time to access is the Kaplan–Meier median, request to first use over 3 requests that "
            "got access and 2 still waiting, counted up to the as-of date; 2 requests closed "
            "without access (denied, expired, revoked) are left out.") in plan.assumptions
    markdown = shown(plan_markdown(plan_snapshot(plan)))
    assert "Time to access (median): 4.4 d" in markdown
    # Neither a sum of stage medians nor of stage means is called time to access. The means
    # (Kaplan–Meier, see test_access.py): 29.7 + 26 + 37.5 + 13.3 = 106.5 h = 4.4 d, provisioning
    # 37.5 h = 1.6 d of it, its median 36 h = 1.5 d; R3 and R4 still wait, so lower bounds.
    assert ("provisioning holds the most waiting: on average 1.6 d of the 4.4 d a request waits "
            "in the four stages (Kaplan–Meier means, lower bounds: some requests still wait; its "
            "median 1.5 d)") in plan.summary[0]
    assert all("of the time to access" not in a.why for a in plan.actions)


def test_worked_example_page_chart_and_plan_show_one_time_to_access(app):
    expected = time_to_access_text(_example().time_to_access)
    assert expected == "5.9 d"
    app.button(key="example:data_access").click().run()
    assert not app.exception, app.exception
    assert _metrics(app)["Time to access (median)"][0] == expected
    stages = _charts(app)[0]
    assert stages["layout"]["title"]["text"].startswith(f"Time to access (median): {expected}")
    line = stages["layout"]["shapes"][0]
    assert line["x0"] == pytest.approx(_example().time_to_access.median_hours)
    assert stages["layout"]["annotations"][0]["text"] == f"time to access {expected}"
    # The bar's stages add up to the sum of medians, drawn as such, not as the time to access.
    assert sum(t["x"][0] for t in stages["data"]) == pytest.approx(_example().typical_hours)
    assert "together 4.3 d" in stages["layout"]["xaxis"]["title"]["text"]
    app.switch_page("pages/plan.py").run()
    assert not app.exception, app.exception
    assert f"Time to access (median): {expected} from request to first use" in texts(app)


# ---------------------------------------------------------------------------------------------
# 2. Denied and pending shares


def test_denied_expired_and_waiting_shares_on_the_page_and_in_the_plan(app):
    app.button(key="example:data_access").click().run()
    body = texts(app)
    # 44 denied, 16 expired, 54 pending and 183 automatic of 1,000 requests.
    assert ("Of 1,000 requests: **4%** denied · **2%** expired · **5%** still waiting · "
            "**18%** approved automatically") in body
    plan = _plan(parse_requests(HAND_LOG, as_of=AS_OF))
    # R5 denied, R7 expired, R3 and R4 waiting: 1/7, 1/7, 2/7.
    assert "(7 requests; 14% denied, 14% expired, 29% still waiting)" in plan.summary[0]
    example = _plan(_example())
    assert "(1,000 requests; 4% denied, 2% expired, 5% still waiting)" in example.summary[0]


# ---------------------------------------------------------------------------------------------
# 3. Owner waits per dataset, from the log alone


def test_owner_waits_per_dataset_by_hand():
    analysis = parse_requests(HAND_LOG, as_of=AS_OF)
    waits = {w.dataset: w for w in analysis.owner_waits}
    # ds_a: 10 and 2 h -> S(2) = 0.5 exactly -> (2 + 10) / 2 = 6. ds_b: R3 30 h, R5 4 h (denied
    # after an owner was found: the owner stage still counts) -> 17. ds_c: R4 still waiting
    # 120 h: "more than 120 h". ds_d: 12 h. ds_e: R7 expired before any owner: counted apart.
    assert (waits["ds_a"].median_hours, waits["ds_a"].found) == (6.0, 2)
    assert waits["ds_b"].median_hours == 17.0
    assert (waits["ds_c"].median_hours, waits["ds_c"].more_than, waits["ds_c"].waiting) == (
        120.0, True, 1)
    assert waits["ds_d"].median_hours == 12.0
    assert (waits["ds_e"].median_hours, waits["ds_e"].closed) == (None, 1)
    assert [w.dataset for w in analysis.owner_waits] == ["ds_c", "ds_b", "ds_d", "ds_a", "ds_e"]
    # No dataset has three requests: the worst of all is named.
    assert analysis.slowest_owner_dataset.dataset == "ds_c"
    assert analysis.metrics()["owner_slowest_dataset"] == "ds_c"


def test_the_worst_dataset_with_enough_requests_is_named_in_the_plan():
    log = _log(
        # one-off: a single request waited 500 h for an owner
        "A1,one_off,2026-01-01T00:00:00Z,2026-01-21T20:00:00Z,2026-01-22T00:00:00Z,,,approved",
        # crm_x: owners after 100 h and 300 h, one still waiting since 200 h before the as-of
        "B1,crm_x,2026-01-01T00:00:00Z,2026-01-05T04:00:00Z,,,,pending",
        "B2,crm_x,2026-01-02T00:00:00Z,2026-01-14T12:00:00Z,,,,pending",
        "B3,crm_x,2026-01-23T16:00:00Z,,,,,pending",
        "C1,fast,2026-01-01T00:00:00Z,2026-01-01T02:00:00Z,,,,pending",
        "C2,fast,2026-01-01T00:00:00Z,2026-01-01T04:00:00Z,,,,pending",
        "C3,fast,2026-01-01T00:00:00Z,2026-01-01T06:00:00Z,,,,pending",
    )
    analysis = parse_requests(log, as_of=datetime(2026, 2, 1, tzinfo=UTC))
    crm = next(w for w in analysis.owner_waits if w.dataset == "crm_x")
    # crm_x: 100 (ended), 200 (waiting), 300 (ended): S(100) = 2/3, S(300) = 0 -> 300 h.
    assert (crm.found, crm.waiting, crm.median_hours, crm.more_than) == (2, 1, 300.0, False)
    assert analysis.owner_waits[0].dataset == "one_off"  # 500 h, but only one request
    assert analysis.slowest_owner_dataset.dataset == "crm_x"
    plan = _plan(analysis, answers={"owner_known": "unowned_some"})
    registry = next(a for a in plan.actions if a.action.id == "ownership_registry")
    assert ("slowest to find an owner: crm_x, median 300 h (12.5 d) to find an owner over 3 "
            "requests (1 still waiting)") in registry.why


def test_owner_waits_table_on_the_page_from_an_uploaded_log(app):
    _open_access(app)
    app.file_uploader(key="data_access:0:log").set_value(
        ("requests_by_hand.csv", HAND_LOG, "text/csv")).run()
    assert not app.exception, app.exception
    assert "Datasets waiting longest for an owner" in texts(app)
    table = next(d.value for d in app.dataframe if "Median wait for an owner" in d.value.columns)
    assert list(table["Dataset"]) == ["ds_c", "ds_b", "ds_d", "ds_a"]  # ds_e: no wait measured
    # as of the latest timestamp (03-08 02:00): R4 has waited 74 h for an owner
    assert list(table["Median wait for an owner"]) == ["more than 3.1 d", "0.7 d", "0.5 d", "0.2 d"]
    assert list(table["Still waiting"]) == [1, 0, 0, 0]


# ---------------------------------------------------------------------------------------------
# 4. Month by month, for people


def test_month_table_has_labels_and_rounded_values(app):
    app.button(key="example:data_access").click().run()
    table = next(d.value for d in app.dataframe if "Month" in d.value.columns)
    assert list(table.columns) == ["Month", "Requests", "Got access", "Time to access (median)",
                                   "Over SLA", "Still waiting"]
    march = table.iloc[0]
    months = _example().monthly
    assert march["Month"] == "2026-03" and march["Requests"] == months[0].requests
    assert march["Time to access (median)"] == f"{months[0].time_to_access_median_hours / 24:.1f} d"
    assert march["Over SLA"] == f"{months[0].breach_rate:.0%}"
    assert table.iloc[-1]["Still waiting"] == 54


# ---------------------------------------------------------------------------------------------
# 5. Samples and default SLAs are labelled; one request is never a rate


def test_fresh_page_labels_samples_and_never_shows_one_request_as_a_rate(app):
    _open_access(app)
    metrics = _metrics(app)
    assert metrics["Time to access (typed request)"] == ("4.8 d", "sample values")  # 116 h
    assert "Worst SLA breach rate" not in metrics
    assert metrics["Over SLA (this one request)"] == (
        "2 of 4 stages", "Finding an owner, Provisioning · default calendar-hour SLA")
    body = texts(app)
    assert "Showing:** the typed typical request (sample values, not the team's" in body
    assert "**Default SLAs in calendar hours** (24/48/24/72 h" in body
    assert "over SLA: Finding an owner (30 h, SLA 24 h), Provisioning (60 h, SLA 24 h)" in body
    assert "40 requests per month (sample value, not the team's" in body
    assert not any("Over SLA, by stage" in c["layout"]["title"]["text"] for c in _charts(app))
    assert _charts(app)[0]["layout"]["title"]["text"] == (
        "Time to access (typed request): 4.8 d · sample values")
    assert _session(app).inputs["prefilled"] == ["business_slas", "requests_per_month", "slas",
                                                 "typical"]




def test_confirming_slas_and_typing_values_clear_the_sample_labels(app):
    _open_access(app)
    assert _session(app).inputs["prefilled"] == ["business_slas", "requests_per_month", "slas",
                                                 "typical"]
    next(b for b in app.button if b.label == "Use these SLAs").click().run()
    assert not app.exception, app.exception
    assert _session(app).inputs["prefilled"] == ["business_slas", "requests_per_month", "typical"]
    assert "Default SLAs" not in texts(app)
    assert _metrics(app)["Over SLA (this one request)"][1] == (
        "Finding an owner, Provisioning · calendar-hour SLA")
    app.number_input(key="data_access:0:typical:owner").set_value(10.0).run()
    app.number_input(key="data_access:0:rpm").set_value(25.0).run()
    assert _session(app).inputs["prefilled"] == ["business_slas"]  # the other clock's defaults
    assert _metrics(app)["Time to access (typed request)"] == ("4.0 d", "stages added up")
    body = texts(app)
    assert "sample value" not in body.lower()
    assert "25 requests per month (as typed)" in body
    app.switch_page("pages/plan.py").run()
    body = texts(app)
    assert "25 requests per month, as typed in the meeting." in body
    assert "sample values" not in body and "app's defaults" not in body


def test_plan_on_samples_says_so():
    typed = analyse_typed({"owner": 30, "approval": 20, "provisioning": 60, "first_use": 6})
    plan = _plan(typed, inputs={"prefilled": ["requests_per_month", "slas", "typical"],
                                "requests_per_month": 40.0})
    assert "(sample values, not the team's)" in plan.summary[0]
    assert "40 requests per month, a sample value, not the team's." in plan.assumptions
    assert any("SLAs are the app's defaults" in line for line in plan.assumptions)
    # An older session without the key: nothing counts as prefilled.
    old = _plan(typed, inputs={"requests_per_month": 40.0})
    assert "sample" not in " ".join(old.summary + old.assumptions)
    assert "40 requests per month, as typed in the meeting." in old.assumptions


def test_worked_example_is_not_marked_as_samples(app):
    app.button(key="example:data_access").click().run()
    assert _session(app).inputs["prefilled"] == []
    body = texts(app)
    assert "Default SLAs" not in body and "sample value" not in body
    assert "167 requests per month (from the log's dates: 1,000 requests over 6 months)" in body


# ---------------------------------------------------------------------------------------------
# 6. After a rejected upload the page says which data it shows; 7. progress


def test_rejected_upload_says_which_data_is_shown(app):
    _open_access(app)
    app.file_uploader(key="data_access:0:log").set_value(
        ("bad.csv", b"request_id,dataset\nr1,d\n", "text/csv")).run()
    assert app.error and "requested_at" in shown(app.error[0].value)
    assert "Showing:** the typed typical request (sample values" in texts(app)
    assert shown(app.status[0].label) == "bad.csv could not be used"
    app.button(key="data_access:0:example").click().run()  # on the access page
    key = next(u.key for u in app.file_uploader if u.key.endswith(":log"))
    app.file_uploader(key=key).set_value(
        ("bad.csv", b"request_id,dataset\nr1,d\n", "text/csv")).run()
    assert app.error
    assert ("Showing:** example_requests.csv, 1,000 requests (the worked example), with the "
            "inventory example_inventory.csv") in texts(app)


def test_upload_shows_its_progress_as_a_status(app):
    _open_access(app)
    app.file_uploader(key="data_access:0:log").set_value(
        ("requests_by_hand.csv", HAND_LOG, "text/csv")).run()
    status = app.status[0]
    assert shown(status.label) == "Read requests_by_hand.csv: 7 requests"
    steps = " ".join(m.value for m in status.markdown)
    assert "Checked: 7 requests usable" in steps and "Analysed the waits" in steps
    assert "Showing:** requests_by_hand.csv, 7 requests" in texts(app)


# ---------------------------------------------------------------------------------------------
# 8. Charts without empty bars, axes from the data


def test_charts_drop_empty_bars_and_take_their_axes_from_the_data():
    rates = requests_charts.breach_rates(["Owner", "Approval", "First use"], [0.5, None, 0.0], "t")
    assert list(rates.data[0].x) == ["Owner", "First use"]  # no rate: no bar; 0% kept
    assert list(rates.data[0].text) == ["50%", "0%"]
    assert rates.layout.yaxis.range[1] == pytest.approx(0.6)
    aging = requests_charts.pending_aging([("< 1 d", 0), ("1–3 d", 2), ("3–7 d", 0), ("1–2 w", 1),
                                           ("2–4 w", 0), ("> 4 w", 0)])
    assert list(aging.data[0].x) == ["1–3 d", "3–7 d", "1–2 w"]
    assert aging.layout.yaxis.range[1] == pytest.approx(2.4)
    analysis = parse_requests(HAND_LOG, as_of=AS_OF)
    bar = requests_charts.access_stages(list(analysis.stages), 106.0, "Time to access (median): 4.4 d",
                                        "time to access 4.4 d")
    assert bar.layout.xaxis.range[1] == pytest.approx(106 * 1.04)  # the line is beyond the bar
    spread = requests_charts.access_distributions(list(analysis.stages))
    low, high = spread.layout.xaxis.range
    # The curves run to the longest wait seen: R4, still waiting for an owner after 120 h.
    assert high == pytest.approx(np.log10(120) + 0.1)
    assert low == pytest.approx(np.log10(2) - 0.15)  # the shortest waits: 2 h
    owner = spread.data[0]  # Kaplan–Meier: 1, then 5/6, 2/3, 1/2, 1/3, 1/6 on to 120 h
    assert list(owner.x) == [0.1, 2, 4, 10, 12, 30, 120]
    assert list(owner.y) == pytest.approx([1, 5 / 6, 2 / 3, 1 / 2, 1 / 3, 1 / 6, 1 / 6])
    sla = spread.data[-1]  # the SLA marks sit at the breach rates S(SLA)
    assert list(sla.x) == [24, 48, 24, 72]
    assert list(sla.y) == pytest.approx([1 / 3, 1 / 4, 1 / 2, 0])
