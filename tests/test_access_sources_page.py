"""The Access page reads the tools' exports unchanged: the format detected or picked, the extra
inputs Jira and ServiceNow need, the tools' extra files, the holiday calendar; every number is
checked against ``access_report`` / ``parse_requests`` on the same files, computed apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_text import errors, texts
from triage.kinds.requests.analysis import access_report, wait_hours_text
from triage.session import to_json

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DATA = Path(__file__).resolve().parent / "data" / "sources" / "access"
JIRA = (DATA / "jira_issues.csv").read_bytes()
SN_ITEMS = (DATA / "servicenow_sc_req_item.csv").read_bytes()
SN_APPROVALS = (DATA / "servicenow_sysapproval_approver.csv").read_bytes()
SN_TASK_SLA = (DATA / "servicenow_task_sla.csv").read_bytes()
# Every dataset the Jira export names in "Custom field (Dataset)", each with an owner.
INVENTORY = b"dataset,owner\nclicks_2026,ana\npayments,kai\nsearch_logs,mia\nfeatures,bo\n"
TTA = "Time to access (median)"


def _open() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page("pages/access.py").run()
    assert not at.exception, at.exception
    return at


def _upload(at: AppTest, suffix: str, name: str, data: bytes) -> None:
    uploader = next(u for u in at.file_uploader if u.key.endswith(suffix))
    uploader.set_value((name, data, "application/octet-stream")).run()
    assert not at.exception, at.exception


def _labelled(items, label: str):
    return next(w for w in items if w.label == label)


def _metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def _days(hours: float) -> str:
    return f"{hours / 24:.1f} d"


def _stage_table(at: AppTest):
    return next(d.value for d in at.dataframe if "Median, completed only" in d.value.columns)


def _chart_titles(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "")
            for c in at.get("plotly_chart")]


def _inputs(at: AppTest) -> dict:
    return at.session_state["sessions"]["data_access"].inputs


def test_a_jira_export_is_detected_and_analysed_as_the_cli_does():
    at = _open()
    _upload(at, ":log", "jira_issues.csv", JIRA)
    report = access_report(JIRA, "jira_issues.csv")
    tta = report["time_to_access"]
    value, delta = _metrics(at)[TTA]
    assert value == _days(tta["median_hours"])  # 54 h
    assert delta == f"p90 more than {_days(tta['p90_lower_bound_hours'])}"
    body = texts(at)
    assert (f"Of {report['requests']} requests: **{report['denied_share']:.0%}** denied · "
            f"**{report['expired_share']:.0%}** expired · **{report['pending_share']:.0%}** "
            "still waiting") in body
    assert "read as a Jira Service Management export; dates read in UTC" in body
    assert _inputs(at)["log_format"]["format"] == "detect"
    upload = next(u for u in at.session_state["sessions"]["data_access"].uploads if u.kind == "log")
    assert upload.note == "uploaded, read as Jira Service Management (CSV)"


def test_a_servicenow_export_with_approvals_and_zone_picked_by_hand():
    at = _open()
    _labelled(at.selectbox, "File format").set_value("servicenow").run()
    _labelled(at.text_input, "Source time zone (Jira, ServiceNow)").set_value("Europe/Berlin").run()
    _upload(at, ":second", "sysapproval_approver.csv", SN_APPROVALS)
    _upload(at, ":log", "sc_req_item.csv", SN_ITEMS)
    assert not errors(at)
    report = access_report(SN_ITEMS, "sc_req_item.csv", source="servicenow",
                           source_options={"approvals": SN_APPROVALS, "timezone": "Europe/Berlin"})
    table = _stage_table(at).set_index("Stage")
    for stage, label in (("owner", "Finding an owner"), ("approval", "Approval")):
        expected = next(s for s in report["stages"] if s["stage"] == stage)
        assert table.loc[label, "Median"] == wait_hours_text(expected["median_hours"],
                                                             expected["median_lower_bound_hours"])
        assert table.loc[label, "Completed"] == expected["n"]
    assert _metrics(at)[TTA][0] == _days(report["time_to_access"]["median_hours"])
    assert "dates read in Europe/Berlin" in texts(at)
    assert _inputs(at)["log_format"] == {"format": "servicenow", "dataset_column": "",
                                         "timezone": "Europe/Berlin"}

    # The task_sla export re-reads the kept file: paused time leaves the time to access.
    _upload(at, ":task_sla", "task_sla.csv", SN_TASK_SLA)
    paused = access_report(SN_ITEMS, "sc_req_item.csv", source="servicenow",
                           source_options={"approvals": SN_APPROVALS, "timezone": "Europe/Berlin",
                                           "task_sla": SN_TASK_SLA})
    assert paused["time_to_access"]["median_hours"] != report["time_to_access"]["median_hours"]
    assert _metrics(at)[TTA][0] == _days(paused["time_to_access"]["median_hours"])
    assert (f"leaves out {wait_hours_text(paused['paused']['hours_subtracted'])} paused waiting on "
            f"the requester ({paused['paused']['requests']} requests") in texts(at)


@pytest.mark.parametrize("name", ["entra_assignment_requests.json", "okta_requests_v2.json"])
def test_a_source_with_only_the_whole_wait_says_stages_unknown(name):
    data = (DATA / name).read_bytes()
    at = _open()
    _upload(at, ":log", name, data)
    report = access_report(data, name)
    assert _metrics(at)[TTA][0] == _days(report["time_to_access"]["median_hours"])
    boxes = " ".join(i.value for i in at.info)
    assert "**Stages unknown.** This source tells only the whole wait" in boxes
    assert "Only the time to access is measured" in boxes
    # Nothing draws or tabulates a stage split the file does not have.
    assert not any("by stage" in title for title in _chart_titles(at))
    assert not any("Median, completed only" in d.value.columns for d in at.dataframe)
    assert "Slowest stage" not in _metrics(at)
    # …while the parts that do not need stages stay.
    assert "Open requests by age" in _chart_titles(at)


def test_a_setting_the_kept_file_cannot_use_keeps_the_previous_analysis():
    at = _open()
    _upload(at, ":inventory", "inventory.csv", INVENTORY)
    _upload(at, ":log", "jira_issues.csv", JIRA)
    assert _metrics(at)["Unowned datasets"][0] == "0%"  # "Custom field (Dataset)" names them
    column = _labelled(at.text_input, "Dataset column (Jira, ServiceNow)")
    column.set_value("Team").run()
    assert not at.exception, at.exception
    message = errors(at)
    assert "no column 'Team' to name the dataset" in message
    assert "The page still shows jira_issues.csv as read before" in message
    assert _metrics(at)["Unowned datasets"][0] == "0%"
    assert _inputs(at)["log_format"]["dataset_column"] == "Team"  # what was typed stays
    _labelled(at.text_input, "Dataset column (Jira, ServiceNow)").set_value("Summary").run()
    assert not errors(at)
    assert _metrics(at)["Unowned datasets"][0] == "100%"  # summaries are no inventory names
    _labelled(at.text_input, "Source time zone (Jira, ServiceNow)").set_value("Mars/Base").run()
    assert "Unknown time zone 'Mars/Base'" in errors(at) and "Source time zone" in errors(at)
    assert _metrics(at)["Unowned datasets"][0] == "100%"


def test_a_wrong_format_for_a_new_file_is_an_error_and_picking_the_right_one_reads_it():
    at = _open()
    _labelled(at.selectbox, "File format").set_value("okta").run()
    _upload(at, ":log", "jira_issues.csv", JIRA)
    assert "jira_issues.csv is not JSON" in errors(at)
    assert TTA not in _metrics(at)  # the typed request is shown, not a half-read file
    _labelled(at.selectbox, "File format").set_value("detect").run()
    assert not errors(at)
    assert _metrics(at)[TTA][0] == _days(access_report(JIRA, "j.csv")["time_to_access"]["median_hours"])


# Thu 2 April 2026 09:00 → Tue 7 April 17:00 in Berlin: 32 business hours (Thu, Fri, Mon, Tue),
# 16 with the German calendar (Good Friday and Easter Monday are off).
EASTER = (b"request_id,dataset,requested_at,owner_assigned_at,status\n"
          b"R1,ds,2026-04-02T07:00:00Z,2026-04-07T15:00:00Z,pending\n")


def _business_in_berlin(at: AppTest) -> None:
    at.toggle(key=next(t.key for t in at.toggle if t.label.startswith("Count business"))).set_value(
        True).run()
    _labelled(at.selectbox, "time zone").set_value("Europe/Berlin").run()
    assert not at.exception, at.exception


def test_holidays_take_public_holidays_off_business_hours_by_hand():
    at = _open()
    _upload(at, ":log", "easter.csv", EASTER)
    _business_in_berlin(at)
    assert _stage_table(at).set_index("Stage").loc["Finding an owner", "Median"] == "32 h"
    _labelled(at.text_input, "public holidays").set_value("de").run()
    assert not at.exception and not errors(at)
    assert _stage_table(at).set_index("Stage").loc["Finding an owner", "Median"] == "16 h"
    assert _inputs(at)["clock"]["holidays"] == "DE"
    assert "DE public holidays off" in texts(at)
    _labelled(at.text_input, "public holidays").set_value("DE-BE").run()  # a subdivision
    assert _stage_table(at).set_index("Stage").loc["Finding an owner", "Median"] == "16 h"


def test_an_unknown_holiday_code_is_refused_and_the_analysis_stays():
    at = _open()
    _upload(at, ":log", "easter.csv", EASTER)
    _business_in_berlin(at)
    _labelled(at.text_input, "public holidays").set_value("DE").run()
    before = _stage_table(at)
    _labelled(at.text_input, "public holidays").set_value("XX").run()
    assert not at.exception, at.exception
    message = errors(at)
    assert "Unknown holiday calendar 'XX'" in message and "DE-BY" in message
    assert "still uses the DE public holidays" in message
    assert _stage_table(at).equals(before)
    assert _inputs(at)["clock"]["holidays"] == "DE"
    assert _labelled(at.text_input, "public holidays").value == "XX"  # what was typed stays


def _reopened(at: AppTest) -> AppTest:
    """A fresh tab that opens this tab's plan JSON, on the Access page."""
    document = to_json(at.session_state["sessions"]["data_access"])
    again = AppTest.from_file(APP, default_timeout=30)
    again.run()
    again.switch_page("pages/plan.py").run()
    again.file_uploader[0].set_value(("plan.json", document.encode(), "application/json")).run()
    again.switch_page("pages/access.py").run()
    assert not again.exception, again.exception
    return again


def test_reading_settings_travel_with_the_plan_and_read_the_file_again_alike():
    at = _open()
    _labelled(at.selectbox, "File format").set_value("jira").run()
    _labelled(at.text_input, "Source time zone (Jira, ServiceNow)").set_value("Europe/Berlin").run()
    _labelled(at.text_input, "Dataset column (Jira, ServiceNow)").set_value("Summary").run()
    _upload(at, ":log", "jira_issues.csv", JIRA)
    _business_in_berlin(at)
    _labelled(at.text_input, "public holidays").set_value("DE").run()
    shown = _metrics(at)[TTA]
    again = _reopened(at)
    assert "which this browser tab does not have" in " ".join(w.value for w in again.warning)
    assert _labelled(again.selectbox, "File format").value == "jira"
    assert _labelled(again.text_input, "Source time zone (Jira, ServiceNow)").value == "Europe/Berlin"
    assert _labelled(again.text_input, "Dataset column (Jira, ServiceNow)").value == "Summary"
    assert _labelled(again.text_input, "public holidays").value == "DE"
    _upload(again, ":log", "jira_issues.csv", JIRA)
    assert _metrics(again)[TTA] == shown
    expected = access_report(JIRA, "j.csv", source="jira", business_hours=True,
                             timezone="Europe/Berlin", holidays="DE",
                             source_options={"timezone": "Europe/Berlin", "dataset_column": "Summary"})
    assert shown[0] == _days(expected["time_to_access"]["median_hours"])


def test_a_missing_extra_file_is_named_when_the_plan_is_reopened():
    at = _open()
    _upload(at, ":second", "sysapproval_approver.csv", SN_APPROVALS)
    _upload(at, ":log", "sc_req_item.csv", SN_ITEMS)
    again = _reopened(at)
    banner = " ".join(w.value for w in again.warning)
    assert "**sysapproval_approver.csv** and **sc_req_item.csv**" in banner
