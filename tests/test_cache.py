"""The server-wide caches of ui/cache.py: the same answers as the plain analyses, a separate copy
for every caller, and keys that change with every input the analysis reads."""

from __future__ import annotations

import pytest

from triage.examples import DATA_DIR
from triage.kinds.requests.analysis import Clock, latest_timestamp, parse_requests, read_inventory
from triage.kinds.samples.drift import compare, read_sample
from triage.kinds.segments.gap import read_segments
from ui import cache

ACCESS = DATA_DIR / "access"
PRODUCTION = DATA_DIR / "production"


def _bytes(path):
    return path.read_bytes()


def test_a_sample_is_read_once_and_every_caller_gets_its_own_frame():
    data = _bytes(PRODUCTION / "example_reference.csv")
    first = cache.sample(data, "example_reference.csv")
    assert first.equals(read_sample(data, "example_reference.csv"))
    column = first.columns[0]
    original = first[column].copy()
    first[column] = "changed by one session"
    first.attrs["notes"] = ("changed",)
    second = cache.sample(data, "example_reference.csv")
    assert second[column].equals(original)
    assert second.attrs["notes"] == ()


def test_segments_records_are_copies():
    data = _bytes(PRODUCTION / "example_segments.csv")
    first = cache.segments(data, "example_segments.csv")
    assert first == read_segments(data, "example_segments.csv")
    first[0]["segment"] = "someone else's"
    first.append({"segment": "extra"})
    assert cache.segments(data, "example_segments.csv") == read_segments(
        data, "example_segments.csv")


def test_drift_matches_compare_and_follows_the_mapping():
    names = ("example_reference.csv", "example_current.csv")
    sides = [(name, cache.digest(_bytes(PRODUCTION / name)), read_sample(_bytes(PRODUCTION / name), name))
             for name in names]
    report = cache.drift(sides[0], sides[1], {})
    assert report == compare(sides[0][2], sides[1][2])
    # A serving column mapped onto a training feature of another name is a different input.
    feature = sides[0][2].columns[0]
    renamed = sides[1][2].rename(columns={feature: "renamed"})
    moved = (sides[1][0], "another digest", renamed)
    assert feature not in [f.feature for f in cache.drift(sides[0], moved, {}).features]
    mapped = cache.drift(sides[0], moved, {feature: "renamed"})
    assert mapped == report


def test_access_analysis_is_keyed_on_every_setting():
    data, inventory = _bytes(ACCESS / "example_requests.csv"), _bytes(ACCESS / "example_inventory.csv")
    kept = ("example_inventory.csv", inventory, {})
    plain = cache.access_analysis(data, "example_requests.csv", as_of=None, slas={}, clock=Clock(),
                                  columns={}, inventory=kept)
    assert plain == parse_requests(data, "example_requests.csv",
                                   inventory=read_inventory(inventory, "example_inventory.csv"))
    tight = cache.access_analysis(data, "example_requests.csv", as_of=None, slas={"approval": 1.0},
                                  clock=Clock(), columns={}, inventory=kept)
    assert tight == parse_requests(data, "example_requests.csv", slas={"approval": 1.0},
                                   inventory=read_inventory(inventory, "example_inventory.csv"))
    assert tight != plain
    without = cache.access_analysis(data, "example_requests.csv", as_of=None, slas={},
                                    clock=Clock(), columns={}, inventory=None)
    assert without.has_inventory is False and plain.has_inventory is True
    assert cache.latest_log_timestamp(data, "example_requests.csv", {}) == latest_timestamp(data)


def test_errors_are_raised_every_time_not_cached():
    from triage.tabular import InputError

    for _ in range(2):
        with pytest.raises(InputError):
            cache.access_analysis(b"not,a,log\n1,2,3\n", "bad.csv", as_of=None, slas={},
                                  clock=Clock(), columns={}, inventory=None)


def test_a_playbook_edited_while_the_app_runs_shows_on_the_next_run(tmp_path, monkeypatch):
    """The playbook folder is looked at once per run (ui.state.catalogue), not once per server."""
    import shutil
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from triage.playbook import PLAYBOOK_DIR, PLAYBOOKS_ENV

    folder = tmp_path / "playbooks"
    shutil.copytree(PLAYBOOK_DIR, folder)
    monkeypatch.setenv(PLAYBOOKS_ENV, str(folder))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert "### A partner asks for more GPU quota" in [m.value for m in at.markdown]
    path = folder / "gpu_quota.yaml"
    path.write_text(path.read_text().replace("title: A partner asks for more GPU quota",
                                             "title: More GPU quota, renamed"))
    at.run()
    titles = [m.value for m in at.markdown]
    assert "### More GPU quota, renamed" in titles
    assert "### A partner asks for more GPU quota" not in titles
