"""Access-request exports from Jira Service Management and Microsoft Entra, closed statuses and
holiday calendars, against hand-computed numbers."""

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from triage.cli import main as cli_main
from triage.kinds.requests.analysis import Clock, access_report, business_hours, parse_requests
from triage.sources.access import (
    detect,
    read_entra,
    read_jira,
    read_okta,
    read_servicenow,
    to_request_log,
)
from triage.tabular import InputError

DATA = Path(__file__).parent / "data" / "sources" / "access"
JIRA = (DATA / "jira_issues.csv").read_bytes()
CHANGELOG = (DATA / "jira_changelog.json").read_bytes()
ENTRA = (DATA / "entra_assignment_requests.json").read_bytes()
OKTA = (DATA / "okta_requests_v2.json").read_bytes()
SN_ITEMS = (DATA / "servicenow_sc_req_item.csv").read_bytes()
SN_APPROVALS = (DATA / "servicenow_sysapproval_approver.csv").read_bytes()
HEADER = ("request_id,dataset,requested_at,owner_assigned_at,approved_at,provisioned_at,"
          "first_access_at,status\n")


def _log(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def _shuffled_csv(data: bytes, seed: int) -> bytes:
    header, *rows = data.decode().splitlines(keepends=True)
    random.Random(seed).shuffle(rows)
    return (header + "".join(rows)).encode()


# --- closed statuses -------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["canceled", "Cancelled", "rejected", "Withdrawn",
                                      "Closed Incomplete", "closed_skipped", "CLOSED-INCOMPLETE"])
def test_tools_closed_statuses_close_a_request_instead_of_leaving_it_pending(spelling):
    log = _log(f"A,ds,2026-03-01T00:00:00Z,2026-03-01T05:00:00Z,,,,{spelling}",
               "B,ds,2026-03-01T00:00:00Z,,,,,pending")
    analysis = parse_requests(log, as_of=datetime(2026, 3, 2, tzinfo=UTC))
    assert analysis.shares.pending == pytest.approx(1 / 2)  # only B
    assert [s.open for s in analysis.stages] == [1, 0, 0, 0]
    assert analysis.stage("owner").n == 1  # A's owner stage (5 h) still counts
    assert analysis.time_to_access.waiting == 1
    assert not any("status other than" in note for note in analysis.notes)


def test_rejected_counts_as_denied_and_cancelled_as_canceled():
    log = _log("A,ds,2026-03-01T00:00:00Z,,,,,Rejected", "B,ds,2026-03-01T00:00:00Z,,,,,cancelled",
               "C,ds,2026-03-01T00:00:00Z,,,,,denied", "D,ds,2026-03-01T00:00:00Z,,,,,pending")
    analysis = parse_requests(log, as_of=datetime(2026, 3, 2, tzinfo=UTC))
    assert analysis.shares.denied == pytest.approx(2 / 4)
    assert analysis.shares.pending == pytest.approx(1 / 4)


# --- holidays --------------------------------------------------------------------------------


def _ns(text: str) -> np.ndarray:
    return np.array([pd.Timestamp(text).tz_convert("UTC").value], dtype="int64")


def test_business_hours_skip_german_public_holidays():
    # Thu 2026-04-02 09:00 → Tue 2026-04-07 17:00 Berlin: Good Friday (04-03) and Easter Monday
    # (04-06) are public holidays in Germany, the weekend is off: Thu 8 h + Tue 8 h = 16 h.
    start, end = _ns("2026-04-02T09:00:00+02:00"), _ns("2026-04-07T17:00:00+02:00")
    plain = Clock(business=True, timezone="Europe/Berlin")
    german = Clock(business=True, timezone="Europe/Berlin", holidays="DE")
    assert business_hours(start, end, plain)[0] == pytest.approx(32.0)  # Thu, Fri, Mon, Tue
    assert business_hours(start, end, german)[0] == pytest.approx(16.0)
    # Starting on the holiday itself at noon counts nothing of that day.
    assert business_hours(_ns("2026-04-03T12:00:00+02:00"), _ns("2026-04-07T10:00:00+02:00"),
                          german)[0] == pytest.approx(1.0)


def test_subdivision_holidays_and_years_spanned():
    # Corpus Christi (2026-06-04) is a holiday in Bavaria, not in Berlin; 2026-12-31 → 2027-01-04
    # crosses New Year's Day in both: Thu 31 Dec 8 h + Mon 4 Jan 8 h.
    day = _ns("2026-06-04T09:00:00+02:00"), _ns("2026-06-04T17:00:00+02:00")
    assert business_hours(*day, Clock(business=True, timezone="Europe/Berlin", holidays="DE-BY"))[0] == 0
    assert business_hours(*day, Clock(business=True, timezone="Europe/Berlin", holidays="DE"))[0] == 8
    span = _ns("2026-12-31T09:00:00+01:00"), _ns("2027-01-04T17:00:00+01:00")
    assert business_hours(*span, Clock(business=True, timezone="Europe/Berlin", holidays="DE"))[0] == 16


def test_unknown_holiday_calendar_is_refused_clearly():
    with pytest.raises(InputError, match="Unknown holiday calendar 'XX'.*DE-BY"):
        parse_requests(_log("A,ds,2026-03-01T00:00:00Z,,,,,pending"),
                       clock=Clock(business=True, holidays="XX"))


def test_access_report_with_holidays_measures_a_request_over_easter():
    log = _log("A,ds,2026-04-02T07:00:00Z,2026-04-07T15:00:00Z,,,,approved")  # 09:00 → 17:00 Berlin
    report = access_report(log, "r.csv", business_hours=True, timezone="Europe/Berlin", holidays="DE")
    owner = report["stages"][0]
    assert owner["median_hours"] == pytest.approx(16.0)
    assert "DE public holidays off" in report["clock_description"]


# --- Jira Service Management -----------------------------------------------------------------


def test_jira_export_is_detected_and_read_as_the_whole_wait():
    assert detect(JIRA) == "jira"
    log, notes = read_jira(JIRA, "jira.csv")
    assert list(log.columns) == ["request_id", "dataset", "requested_at", "first_access_at", "status"]
    rows = log.set_index("request_id")
    assert rows.loc["DATA-3", "dataset"] == "clicks_2026"  # Custom field (Dataset), not Summary
    assert rows.loc["DATA-3", "first_access_at"] == "2026-03-04T15:00:00Z"  # 04/Mar/26 3:00 PM
    assert dict(rows["status"]) == {"DATA-3": "approved", "DATA-1": "pending", "DATA-2": "denied",
                                    "DATA-4": "canceled", "DATA-5": "approved"}
    assert rows.loc["DATA-2", "first_access_at"] == ""  # declined: resolved, but no access
    assert any("stages unknown" in note for note in notes)


def test_jira_waits_by_hand():
    # DATA-3: 02/Mar 9:00 → 04/Mar 15:00 = 54 h; DATA-5: 9:30 → 11:30 = 2 h; DATA-1 still waiting
    # at the latest timestamp (05/Mar 11:30): 97.5 h, censored; DATA-2 declined and DATA-4
    # canceled are closed, not pending. KM: S = 2/3 after 2 h, 1/3 after 54 h: median 54 h;
    # mean to 97.5 h = 2 + 52·2/3 + 43.5·1/3 = 51.1667 (a lower bound: the curve is not at 0).
    report = access_report(_shuffled_csv(JIRA, 3), "jira.csv")
    tta = report["time_to_access"]
    assert report["source"] == "jira" and report["requests"] == 5
    assert tta["median_hours"] == pytest.approx(54.0)
    assert tta["p90_hours"] is None and tta["p90_lower_bound_hours"] == pytest.approx(97.5)
    assert tta["mean_hours"] == pytest.approx(2 + 52 * 2 / 3 + 43.5 / 3) and tta["mean_is_lower_bound"]
    assert (tta["n"], tta["waiting"], tta["left_out"]) == (2, 1, 2)
    assert report["pending_share"] == pytest.approx(1 / 5)
    assert report["denied_share"] == pytest.approx(1 / 5)
    assert all(stage["n"] == 0 for stage in report["stages"])  # the split is unknown


def test_jira_changelog_gives_stage_times_by_hand():
    # Owner (entering Waiting for approval): DATA-3 5 s, DATA-1 0.5 h, DATA-5 0 h; approval
    # (entering Waiting for support / In Progress): DATA-3 09:00:05 → 03/Mar 13:00+01:00 =
    # 26.9986 h, DATA-1 22.5 h, DATA-5 0.5 h: median 22.5 h.
    report = access_report(JIRA, "jira.csv", source_options={"changelog": CHANGELOG})
    owner, approval = report["stages"][0], report["stages"][1]
    assert owner["n"] == 3 and owner["median_hours"] == pytest.approx(5 / 3600)
    assert approval["n"] == 3 and approval["median_hours"] == pytest.approx(22.5)
    assert approval["mean_hours"] == pytest.approx((26 + 59 * 60 / 3600 + 55 / 3600 + 22.5 + 0.5) / 3)
    assert report["time_to_access"]["median_hours"] == pytest.approx(54.0)


def test_jira_status_map_can_be_overridden():
    log, _ = read_jira(JIRA, changelog=CHANGELOG, status_map={"Waiting for support": "approved_at"})
    assert "owner_assigned_at" not in log.columns
    assert log.set_index("request_id").loc["DATA-1", "approved_at"] == "2026-03-02T09:00:00Z"
    with pytest.raises(InputError, match="owner_assigned_at, approved_at"):
        read_jira(JIRA, changelog=CHANGELOG, status_map={"Done": "closed_at"})


def test_jira_dates_in_the_exporting_users_zone_and_a_named_dataset_column():
    log, notes = read_jira(JIRA, timezone="Europe/Berlin", dataset_column="Summary")
    rows = log.set_index("request_id")
    assert rows.loc["DATA-3", "requested_at"] == "2026-03-02T08:00:00Z"  # 9:00 CET
    assert rows.loc["DATA-2", "dataset"] == "Search logs, full history"
    assert "dates read in Europe/Berlin" in notes[0]


def test_bad_jira_exports_get_clear_messages():
    with pytest.raises(InputError, match="Issue key, Created and Status; missing status"):
        read_jira(b"Issue key,Created,Resolved\nDATA-1,01/Mar/26 9:00 AM,\n", "j.csv")
    with pytest.raises(InputError, match="no column 'Team'.*--dataset-column"):
        read_jira(JIRA, dataset_column="Team")
    with pytest.raises(InputError, match="Created 'yesterday' is not a date Jira writes"):
        read_jira(b"Issue key,Created,Resolved,Status,Summary\nDATA-1,yesterday,,Open,x\n", "j.csv")
    with pytest.raises(InputError, match="no 'issues' list"):
        read_jira(JIRA, changelog=b'{"values": []}')


# --- ServiceNow ------------------------------------------------------------------------------


def test_servicenow_states_and_whole_wait_by_hand():
    # Closed Complete: RITM…1 02 09:00 → 04 09:00 = 48 h, RITM…5 09:00 → 15:00 = 6 h; RITM…3 Open,
    # censored at the latest timestamp (04 15:00) = 31 h; Rejected (Closed Incomplete) is denied,
    # Closed Skipped is closed. KM: 6 (event), 31 (censored), 48 (event): median 48 h, mean
    # 6 + 42·2/3 = 34 h.
    assert detect(SN_ITEMS) == "servicenow"
    report = access_report(_shuffled_csv(SN_ITEMS, 11), "sc_req_item.csv")
    tta = report["time_to_access"]
    assert report["source"] == "servicenow" and report["requests"] == 5
    assert tta["median_hours"] == pytest.approx(48.0) and tta["mean_hours"] == pytest.approx(34.0)
    assert (tta["n"], tta["waiting"], tta["left_out"]) == (2, 1, 2)
    assert report["pending_share"] == pytest.approx(1 / 5)
    assert report["denied_share"] == pytest.approx(1 / 5)
    assert all(stage["n"] == 0 for stage in report["stages"])  # approval_set alone splits nothing


def test_servicenow_approvals_give_owner_and_approval_stages_by_hand():
    # Approver asked (first sysapproval_approver row): RITM…1 10 s, RITM…2 5 s, RITM…3 1 h,
    # RITM…5 0.5 h; S is exactly 0.5 after 10 s, so the median is the midpoint to 0.5 h (R's
    # survfit). Approval: RITM…1 09:00:10 → approval_set 03 11:00 = 25.9972 h, RITM…5 0.5 h,
    # RITM…3 open since 03 09:00 = 30 h at 04 15:00: median 25.9972 h; KM mean to 30 h =
    # 0.5 + 25.4972·2/3 + 4.0028·1/3. RITM…4 has approval_set but no approval row: its first two
    # stages are unknown (a skipped-row reason), the rest of it is used.
    report = access_report(SN_ITEMS, "sc_req_item.csv", source_options={"approvals": SN_APPROVALS})
    owner, approval = report["stages"][0], report["stages"][1]
    assert owner["n"] == 4 and owner["median_hours"] == pytest.approx((10 / 3600 + 0.5) / 2)
    assert owner["mean_hours"] == pytest.approx((5 / 3600 + 10 / 3600 + 0.5 + 1) / 4)
    first = 26 - 10 / 3600
    assert (approval["n"], approval["open"]) == (2, 1)
    assert approval["median_hours"] == pytest.approx(first)
    assert approval["mean_hours"] == pytest.approx(0.5 + (first - 0.5) * 2 / 3 + (30 - first) / 3)
    assert [s["row"] for s in report["skipped"]] == [6]


def test_servicenow_last_approval_decides_without_approval_set():
    items = SN_ITEMS.replace(b'"approval_set",', b'"approval_set_x",')
    log, _ = read_servicenow(items, approvals=SN_APPROVALS)
    assert log.set_index("request_id").loc["RITM0010001", "approved_at"] == "2026-03-03T11:00:00Z"


def test_bad_servicenow_exports_get_clear_messages():
    with pytest.raises(InputError, match="needs the columns number, opened_at, closed_at, state; "
                                         "missing closed_at"):
        read_servicenow(b"number,opened_at,state\nRITM1,2026-03-01 09:00:00,Open\n", "ritm.csv")
    with pytest.raises(InputError, match="opened_at '03/01/2026 9am' is not a date-time"):
        read_servicenow(b"number,opened_at,closed_at,state,cat_item\nRITM1,03/01/2026 9am,,Open,x\n")
    with pytest.raises(InputError, match="sysapproval_approver export needs"):
        read_servicenow(SN_ITEMS, approvals=b"approver,state\nKai,approved\n")


# --- Microsoft Entra -------------------------------------------------------------------------


def test_entra_requests_by_hand():
    # Delivered: 02 08:00 → 03 20:00 = 36 h and 04 12:00 → 18:00 = 6 h; pendingApproval since 04
    # 08:00, censored at the latest timestamp (04 18:00) = 10 h; denied and canceled are closed;
    # the adminRemove request is not an access request. KM: 6 (event), 10 (censored), 36
    # (event): S = 2/3 after 6 h, 0 after 36 h: median and p90 36 h, mean 6 + 30·2/3 = 26 h.
    assert detect(ENTRA) == "entra"
    report = access_report(ENTRA, "requests.json")
    tta = report["time_to_access"]
    assert report["source"] == "entra" and report["requests"] == 5
    assert tta["median_hours"] == pytest.approx(36.0) and tta["p90_hours"] == pytest.approx(36.0)
    assert tta["mean_hours"] == pytest.approx(26.0) and not tta["mean_is_lower_bound"]
    assert report["pending_share"] == pytest.approx(1 / 5)
    assert report["denied_share"] == pytest.approx(1 / 5)
    assert any("1 removal requests" in note for note in report["source_notes"])


def test_entra_items_in_any_order_and_pages_concatenated():
    payload = json.loads(ENTRA)
    items = payload["value"]
    random.Random(5).shuffle(items)
    pages = [{"value": items[:3]}, {"value": items[3:], "@odata.nextLink": None}]
    log, _ = read_entra(json.dumps(pages).encode())
    assert sorted(log["request_id"]) == sorted(i["id"] for i in items if i["requestType"] == "userAdd")


def test_bad_entra_exports_get_clear_messages():
    with pytest.raises(InputError, match="is not JSON"):
        read_entra(b"{not json", "r.json")
    with pytest.raises(InputError, match="the 'value' list is empty"):
        read_entra(b'{"value": []}', "r.json")
    with pytest.raises(InputError, match="no 'value' list"):
        read_entra(b'{"error": {"code": "Forbidden"}}', "r.json")


# --- Okta ------------------------------------------------------------------------------------


def test_okta_requests_by_hand():
    # APPROVED: 02 09:00 → lastUpdated 02 21:00 = 12 h, 03 12:00 → 15:00 = 3 h; PENDING since 03
    # 08:00, censored at the latest timestamp (03 15:00) = 7 h; REJECTED is denied, CANCELED
    # closed. KM: 3 (event), 7 (censored), 12 (event): median 12 h, mean 3 + 9·2/3 = 9 h.
    assert detect(OKTA) == "okta"
    report = access_report(OKTA, "requests.json")
    tta = report["time_to_access"]
    assert report["source"] == "okta" and report["requests"] == 5
    assert tta["median_hours"] == pytest.approx(12.0) and tta["mean_hours"] == pytest.approx(9.0)
    assert report["pending_share"] == pytest.approx(1 / 5)
    assert report["denied_share"] == pytest.approx(1 / 5)
    assert any("lastUpdated is taken" in note for note in report["source_notes"])
    log, _ = read_okta(OKTA)
    rows = log.set_index("request_id")["dataset"]
    assert rows["650a1c2d3e4f5a6b7c8d9e01"] == "00g_clicks_read"  # the access scope (a group)
    assert rows["650a1c2d3e4f5a6b7c8d9e05"] == "0oa3c4d5e6f7g8h9i0j1"  # else the resource


def test_okta_pages_in_any_order_and_bad_exports():
    items = json.loads(OKTA)["data"]
    random.Random(2).shuffle(items)
    pages = json.dumps([{"data": items[:2]}, {"data": items[2:]}]).encode()
    assert detect(pages) == "okta" and len(read_okta(pages)[0]) == 5
    with pytest.raises(InputError, match="no access requests"):
        read_okta(b'{"data": []}', "r.json")
    with pytest.raises(InputError, match="lacks created"):
        read_okta(b'{"data": [{"id": "1", "status": "PENDING"}]}', "r.json")


def test_unknown_format_and_our_own_log_pass_through():
    log = _log("A,ds,2026-03-01T00:00:00Z,,,,,pending")
    assert detect(log) == "log" and to_request_log(log, "r.csv")[0] == log
    with pytest.raises(InputError, match="use one of log, jira, servicenow, entra, okta"):
        to_request_log(log, "r.csv", "remedy")
    with pytest.raises(InputError, match="changelog do not apply to a entra export"):
        to_request_log(ENTRA, "r.json", changelog=b"{}")


# --- CLI -------------------------------------------------------------------------------------


def test_cli_reads_jira_with_changelog_and_holidays(capsys):
    path, changelog = str(DATA / "jira_issues.csv"), str(DATA / "jira_changelog.json")
    assert cli_main(["access", path, "--json", "--changelog", changelog, "--format", "jira"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stages"][1]["median_hours"] == pytest.approx(22.5)
    assert cli_main(["access", path, "--business-hours", "--holidays", "DE",
                     "--timezone", "Europe/Berlin"]) == 0
    out = capsys.readouterr().out
    assert "jira: this source tells only the whole wait" in out
    assert "DE public holidays off" in out or "business hours" in out


def test_cli_refuses_bad_holiday_options_with_one_line(capsys):
    path = str(DATA / "entra_assignment_requests.json")
    assert cli_main(["access", path, "--holidays", "DE"]) == 1
    assert "add --business-hours" in capsys.readouterr().err
    assert cli_main(["access", path, "--business-hours", "--holidays", "XX"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Unknown holiday calendar 'XX'" in err


# --- ServiceNow task_sla: paused time ----------------------------------------------------------

SN_TASK_SLA = (DATA / "servicenow_task_sla.csv").read_bytes()


def test_task_sla_pauses_leave_the_time_to_access_by_hand():
    # pause_duration per item, the largest of its SLA records, cancelled ones left out:
    # RITM…1 max("", "1 Day 2 Hours") = 26 h (its cancelled "2 Days" is not used), RITM…5 1.5 h,
    # RITM…3 5 h; RITM…2 has only a cancelled record and RITM…4 none; RITM0099999 is not an
    # item of the export. Time to access: RITM…1 48 − 26 = 22 h, RITM…5 6 − 1.5 = 4.5 h, RITM…3
    # still waiting 31 − 5 = 26 h (censored). KM: S = 2/3 after 4.5 h, 1/3 after 22 h: median
    # 22 h; mean up to 26 h = 4.5 + 17.5·2/3 + 4·1/3 = 17.5 h.
    report = access_report(_shuffled_csv(SN_ITEMS, 4), "sc_req_item.csv", source="servicenow",
                           source_options={"task_sla": _shuffled_csv(SN_TASK_SLA, 9)})
    tta = report["time_to_access"]
    assert tta["median_hours"] == pytest.approx(22.0)
    assert tta["mean_hours"] == pytest.approx(17.5)
    assert (tta["n"], tta["waiting"]) == (2, 1)
    assert report["paused"] == {"requests": 3, "hours_subtracted": pytest.approx(32.5)}
    assert any("2 cancelled task_sla records left out" in n for n in report["source_notes"])
    assert any("2 request items have no task_sla record" in n for n in report["source_notes"])
    # Without the export the same items wait 48, 6 and 31 h: median 48 h.
    assert access_report(SN_ITEMS, "sc_req_item.csv")["time_to_access"]["median_hours"] == 48.0


def test_task_sla_business_pauses_on_a_business_clock_by_hand():
    # Business hours Mon–Fri 09–17 UTC: RITM…1 Mon 02 09:00 → Wed 04 09:00 = 16 h − 8 h =
    # 8 h; RITM…5 Wed 09:00 → 15:00 = 6 h − 1.5 h = 4.5 h; RITM…3 Tue 03 08:00 → Wed 04 15:00
    # = 8 + 6 = 14 h − 5 h = 9 h (censored). Median 8 h.
    report = access_report(SN_ITEMS, "sc_req_item.csv", business_hours=True,
                           source_options={"task_sla": SN_TASK_SLA})
    assert report["time_to_access"]["median_hours"] == pytest.approx(8.0)
    assert report["paused"]["hours_subtracted"] == pytest.approx(8 + 1.5 + 5)
    # Calendar pauses alone are not business hours: nothing is subtracted, and a note says so.
    calendar_only = SN_TASK_SLA.replace(b'"business_pause_duration"', b'"business_pause_x"')
    log, _, _ = to_request_log(SN_ITEMS, "i.csv", task_sla=calendar_only)
    analysis = parse_requests(log, clock=Clock(business=True))
    assert analysis.paused_hours is None
    assert analysis.time_to_access.median_hours == pytest.approx(16.0)
    assert any("nothing is subtracted in business hours" in n for n in analysis.notes)


@pytest.mark.parametrize("shape", ["1 Day 2 Hours", "1970-01-02 02:00:00", "93600", "26 Hours",
                                   "1 day 1 hour 60 minutes"])
def test_servicenow_duration_shapes(shape):
    # Display value, raw value (the offset from the epoch) and seconds are the same 26 h.
    items = SN_TASK_SLA.replace(b'"1 Day 2 Hours"', f'"{shape}"'.encode())
    log, _ = read_servicenow(SN_ITEMS, task_sla=items)
    assert log.set_index("request_id").loc["RITM0010001", "paused_hours"] == "26"


def test_a_pause_longer_than_the_wait_counts_as_zero_never_below():
    items = SN_TASK_SLA.replace(b'"1 Hour 30 Minutes","2026-03-04 11:00:00","1 Hour 30 Minutes"',
                                b'"9 Hours","2026-03-04 11:00:00","9 Hours"')
    log, _, _ = to_request_log(SN_ITEMS, "i.csv", task_sla=items)
    analysis = parse_requests(log)
    assert analysis.time_to_access.completed_median_hours == pytest.approx((0 + 22) / 2)
    assert analysis.paused_hours == pytest.approx(26 + 6 + 5)  # RITM…5's 6 h wait, not 9
    assert any("paused longer than their whole wait" in n for n in analysis.notes)


def test_bad_task_sla_exports_get_clear_messages():
    with pytest.raises(InputError, match="task_sla export needs the columns task, pause_duration"):
        read_servicenow(SN_ITEMS, task_sla=b"number,sla\nRITM0010001,x\n")
    with pytest.raises(InputError, match="pause_duration 'a while' of RITM0010001 is not a "
                                         "ServiceNow duration"):
        read_servicenow(SN_ITEMS, task_sla=b'task,pause_duration\nRITM0010001,a while\n')
    with pytest.raises(InputError, match="no usable SLA record names a request item.*RITM0010001"):
        read_servicenow(SN_ITEMS, task_sla=b"task,pause_duration\nsys_id_0a1b,1 Hour\n")
    with pytest.raises(InputError, match="task-sla do not apply to a jira export"):
        to_request_log(JIRA, "j.csv", task_sla=SN_TASK_SLA)


def test_cli_task_sla_exit_codes(capsys, tmp_path):
    items, sla = str(DATA / "servicenow_sc_req_item.csv"), str(DATA / "servicenow_task_sla.csv")
    assert cli_main(["access", items, "--format", "servicenow", "--task-sla", sla, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["time_to_access"]["median_hours"] == pytest.approx(22.0)
    assert cli_main(["access", items, "--format", "servicenow", "--task-sla", sla]) == 0
    assert "paused (waiting on the requester): 32.5 h over 3 requests" in capsys.readouterr().out
    unmatched = tmp_path / "task_sla.csv"
    unmatched.write_text("task,sla,stage,pause_duration\nRITM0099999,Resolution,Achieved,1 Hour\n"
                         "RITM0010001,Resolution,Cancelled,2 Hours\n")
    assert cli_main(["access", items, "--format", "servicenow", "--task-sla", str(unmatched)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no usable SLA record names a request item" in err
    assert cli_main(["access", items, "--task-sla", str(tmp_path / "missing.csv")]) == 1
    assert cli_main(["access", str(DATA / "jira_issues.csv"), "--task-sla", sla]) == 1
    err = capsys.readouterr().err
    assert "task-sla do not apply to a jira export" in err


def test_whole_wait_only_and_the_plan_says_the_split_is_unknown():
    from triage.kinds.requests.impact import access_plan
    from triage.playbook import load_catalogue
    from triage.session import Session

    log, _, _ = to_request_log(ENTRA, "r.json")
    analysis = parse_requests(log)
    assert analysis.whole_wait_only
    book = load_catalogue().playbooks["data_access"]
    plan = access_plan(book, Session(scenario="data_access", playbook_version=book.version),
                       analysis, 40)
    assert "the stage split is unknown" in plan.summary[0]
    assert "no request log" not in " ".join(plan.summary)
    assert any("the stage split is unknown" in line for line in plan.assumptions)
    paused = parse_requests(to_request_log(SN_ITEMS, "i.csv", task_sla=SN_TASK_SLA)[0])
    plan = access_plan(book, Session(scenario="data_access", playbook_version=book.version),
                       paused, 40)
    assert any("leaves out 32 h paused waiting on the requester over 3 requests" in line
               for line in plan.assumptions)
    with_changelog = parse_requests(to_request_log(JIRA, "j.csv", changelog=CHANGELOG)[0])
    assert not with_changelog.whole_wait_only
