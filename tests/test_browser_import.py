"""Bringing a team's own files in a real browser: an MLflow export read with the proposed
mapping, then a CSV whose columns no alias knows, mapped by hand on the page."""

from __future__ import annotations

import pytest

from tests.browser_support import chromium, current, shown, streamlit_server, wait_for_app
from tests.test_browser import shot

pytestmark = pytest.mark.browser

# The team's runs under their own column names (the runs of tests/test_mapping.py): r1 = 2 h
# data + 5 h failed training + 4 h training = 11 h, r2 = 1 h data + 0.5 h hand-off + 3 h
# training = 4.5 h; mean 7.75 h.
CRYPTIC = (b"S,RID,O,T0,T1,R\n"
           b"data,r1,ana,2026-03-02T08:00:00Z,2026-03-02T10:00:00Z,succeeded\n"
           b"train,r1,ana,2026-03-02T10:00:00Z,2026-03-02T15:00:00Z,failed\n"
           b"train,r1,ana,2026-03-02T15:00:00Z,2026-03-02T19:00:00Z,succeeded\n"
           b"data,r2,bo,2026-03-03T08:00:00Z,2026-03-03T09:00:00Z,succeeded\n"
           b"train,r2,bo,2026-03-03T09:30:00Z,2026-03-03T12:30:00Z,succeeded\n")


def _choose(page, label: str, option: str) -> None:
    box = current(page).get_by_role("combobox", name=label)
    box.click()
    box.fill(option)  # typing filters the list and opens it even if the click only focused it
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def test_an_mlflow_export_then_a_csv_mapped_by_hand(tmp_path):
    pytest.importorskip("mlflow")
    from playwright.sync_api import expect

    from tests.mlflow_support import make_store

    export = tmp_path / "ranker_runs.csv"
    make_store(tmp_path)["export"].to_csv(export, index=False)
    team = tmp_path / "team_runs.csv"
    team.write_bytes(CRYPTIC)
    uploader = '[data-testid="stFileUploaderDropzoneInput"]'

    with streamlit_server() as url, chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.goto(f"{url}/iteration")
        wait_for_app(page)
        page.get_by_role("tab", name="Upload runs CSV").click()
        page.locator(uploader).first.set_input_files(str(export))
        wait_for_app(page)
        # The proposal: every MLflow field found under its own name. Open it and keep it.
        mapping = page.get_by_text("Columns of ranker_runs.csv: as named")
        expect(mapping).to_be_visible()
        mapping.click()
        expect(shown(page, "MLflow search_runs export")).to_be_visible()
        expect(shown(page, "3 runs")).to_be_visible()
        # 3 h of training in a 5.17 h mean iteration (tests/test_sources_mlflow.py).
        expect(shown(page, "Training is 58%")).to_be_visible()
        shot(page, "import_mlflow")

        page.locator(uploader).first.set_input_files(str(team))
        wait_for_app(page)
        expect(shown(page, 'missing columns "run_id", "stage"')).to_be_visible()
        for label, option in (("Run (one iteration) (required)", "rid"),
                              ("Stage (required)", "s"), ("Start time", "t0"),
                              ("End time", "t1"), ("Outcome", "r")):
            _choose(page, label, option)
        expect(shown(page, "2 runs")).to_be_visible()
        expect(shown(page, "7.8 h")).to_be_visible()
        assert page.get_by_text('missing columns "run_id"').count() == 0
        shot(page, "import_mapped")
