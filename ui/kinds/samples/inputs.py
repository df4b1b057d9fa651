"""Page section of the samples kind: training and serving feature samples (drift), and the same
requests served and recomputed offline (skew). Files stay in this browser tab."""

from __future__ import annotations

import hashlib

import streamlit as st

from triage.examples import DATA_DIR
from triage.kinds.samples.drift import DriftReport, compare, read_sample
from triage.kinds.samples.skew import SkewReport, check_skew, split_joined
from triage.mapping import SKEW, rename_serving, samples_contract, unmatched
from triage.markdown import literal
from triage.session import Session, UploadSummary
from triage.tabular import InputError, rename_columns
from ui import cache, column_map, state
from ui.kinds.samples.server_paths import SERVER_REPORT, server_side_samples

EXAMPLE_DIR = DATA_DIR / "production"
DRIFT = "production_drift"  # uploaded samples (name, digest, frame) and their report
# Keys of that store besides the two samples and their report.
EXAMPLE_SIDES = "example_sides"  # sides holding the worked example's sample, not an upload
_SERVING_MAP = "serving_map"  # training feature -> serving column of another name
_SIDE_LABELS = {"reference": "training", "current": "serving"}


def remember_sample(session: Session, side: str, name: str, data: bytes,
                    frame=None) -> None:
    frame = cache.sample(data, name) if frame is None else frame
    store = state.tab_files(DRIFT, session.scenario)
    store[side] = (name, hashlib.sha256(data).hexdigest(), frame)
    store.pop("report", None)
    store.setdefault(EXAMPLE_SIDES, set()).discard(side)
    session.uploads = [u for u in session.uploads if u.kind != side] + [
        UploadSummary(name=name, kind=side, rows_read=len(frame), rows_used=len(frame),
                      note=f"{len(frame.columns)} features")]


def drift_report() -> DriftReport | None:
    """Computed once per pair of uploads (keyed by their digests), never on unrelated reruns.

    Uploaded samples are compared under a status box with its steps (it takes seconds on large
    files); the worked example's pair compares in a fraction of a second without one.
    """
    store = state.tab_files(DRIFT)
    if "reference" not in store or "current" not in store:
        server = store.get(SERVER_REPORT)  # samples on the server, compared by their paths
        return server[2] if server else None
    mapping = store.get(_SERVING_MAP) or {}
    digests = (store["reference"][1], store["current"][1], tuple(sorted(mapping.items())))
    cached = store.get("report")
    if cached is None or cached[0] != digests:
        reference, current = store["reference"][2], rename_serving(store["current"][2], mapping)
        if store.get(EXAMPLE_SIDES) == {"reference", "current"}:
            report = cache.drift(store["reference"], store["current"], mapping)
        else:
            report = _compare_with_status(store["reference"][0], reference,
                                          store["current"][0], current)
        store["report"] = (digests, report)
    return store["report"][1]


def _compare_with_status(reference_name: str, reference, current_name: str, current
                         ) -> DriftReport:
    shared = [c for c in reference.columns if c in set(current.columns)]
    with st.status("Comparing training and serving samples…", expanded=False) as status:
        st.write(f"Training: {literal(reference_name, one_line=True)}, {len(reference):,} rows; "
                 f"serving: {literal(current_name, one_line=True)}, {len(current):,} rows")
        st.write(f"Comparing {len(shared)} shared column{'' if len(shared) == 1 else 's'}, "
                 "each against its null band…")
        report = compare(reference, current)
        drifted = len(report.drifted)
        st.write(f"{len(report.features)} features compared, {drifted} drifted (beyond chance "
                 "and above the effect floors)")
        status.update(label=f"Compared {len(report.features)} features: {drifted} drifted",
                      state="complete")
    return report


def _samples(session: Session, key: str) -> None:
    left, right = st.columns(2)
    for column, side, label in ((left, "reference", "Training sample (reference)"),
                                (right, "current", "Serving sample (current)")):
        uploaded = column.file_uploader(label, type=["csv", "parquet", "txt"], key=f"{key}:{side}")
        if uploaded is None or st.session_state.get(f"{key}:{side}:id") == uploaded.file_id:
            continue
        st.session_state[f"{key}:{side}:id"] = uploaded.file_id
        name = literal(uploaded.name, one_line=True)
        with column.status(f"Reading {name}…", expanded=False) as status:
            try:
                st.write("Reading the file…")
                data = uploaded.getvalue()
                frame = read_sample(data, uploaded.name)
                st.write(f"Checked: {len(frame):,} rows, {len(frame.columns)} columns")
                remember_sample(session, side, uploaded.name, data, frame)
            except InputError as err:
                st.session_state[f"{key}:{side}:error"] = str(err)
                status.update(label=f"{name} could not be read", state="error")
            else:
                st.session_state.pop(f"{key}:{side}:error", None)
                status.update(label=f"Read {name}: {len(frame):,} rows", state="complete")
    store = state.tab_files(DRIFT)
    for column, side in ((left, "reference"), (right, "current")):
        if error := st.session_state.get(f"{key}:{side}:error"):
            column.error(f"{literal(error)}\n\n{_sample_shown(store, side)}",
                         icon=":material/error:")
        elif side in store:
            _file_caption(column, *store[side])
    _renamed_features(session, store, key)


def _renamed_features(session: Session, store: dict, key: str) -> None:
    """Training features the serving sample lacks can be matched to a serving column of another
    name; the comparison (``drift_report``) reads the serving sample with that mapping."""
    if "reference" not in store or "current" not in store:
        return
    reference, current = list(store["reference"][2].columns), list(store["current"][2].columns)
    options = unmatched(reference, current)
    contract = samples_contract(reference, current)
    if not (contract.fields and options):
        store[_SERVING_MAP] = {}
        return
    lacking = len(contract.fields)
    mapping = column_map.editor(
        session, contract, options, f"{key}:map", store["current"][0],
        summary=f"Serving columns: {lacking} training feature{'s' if lacking > 1 else ''} "
                "not found by name; match any that were renamed")
    store[_SERVING_MAP] = mapping


def _file_caption(column, name: str, _digest: str, frame) -> None:
    """What a kept upload holds, under its uploader; the file's name is shown as text."""
    column.caption(f":material/fact_check: {literal(name, one_line=True)}: "
                   f"{len(frame):,} rows, {len(frame.columns)} columns")


def _sample_shown(store: dict, side: str) -> str:
    """After a rejected sample: which sample the drift below uses, in plain words."""
    label = _SIDE_LABELS[side]
    if side not in store:
        return (f"Nothing was read from this file, and no {label} sample is in: drift is not "
                "computed until one is.")
    name, _, frame = store[side]
    example = " (the worked example's)" if side in store.get(EXAMPLE_SIDES, ()) else ""
    return (f"Nothing was read from this file. Drift below still uses the earlier {label} "
            f"sample{example}, {literal(name, one_line=True)} ({len(frame):,} rows).")


SKEW_STORE = "production_skew"  # served and offline uploads (name, digest, frame), the check


_SKEW_SIDES = {"served": "Served values (what the model received)",
               "offline": "Recomputed offline (same request ids)"}


def _skew(session: Session, key: str) -> None:
    """The skew check: served feature values joined by request id to offline recomputation."""
    st.markdown("**Skew check: the same requests, served and recomputed offline**")
    st.caption("Two files, CSV or Parquet, each with a `request_id` column and the same feature "
               "columns: the values the model received (the serving feature log), and the values "
               "the training pipeline computes for those request ids. Or one file with "
               "`<feature>` and `<feature>_offline` columns. Numbers differ when |served − "
               "offline| > 1e-8 + 1e-5·|offline|; texts when not equal.")
    store = state.tab_files(SKEW_STORE)
    if store.get("key") != key:  # a new or re-opened session starts without the last one's pair
        store.clear()
        store["key"] = key
    columns = st.columns(2)
    for column, (side, label) in zip(columns, _SKEW_SIDES.items(), strict=True):
        uploaded = column.file_uploader(label, type=["csv", "parquet", "txt"],
                                        key=f"{key}:{side}")
        if uploaded is not None and st.session_state.get(f"{key}:{side}:id") != uploaded.file_id:
            st.session_state[f"{key}:{side}:id"] = uploaded.file_id
            try:
                data = uploaded.getvalue()
                frame = read_sample(data, uploaded.name)
            except InputError as err:
                st.session_state[f"{key}:{side}:error"] = str(err)
            else:
                st.session_state.pop(f"{key}:{side}:error", None)
                store[side] = (uploaded.name, hashlib.sha256(data).hexdigest(), frame)
                store.pop("report", None)
        if error := st.session_state.get(f"{key}:{side}:error"):
            kept = (f" The check below still uses {literal(store[side][0], one_line=True)}."
                    if side in store else "")
            column.error(f"{literal(error)}\n\nNothing was read from this file.{kept}",
                         icon=":material/error:")
        elif side in store:
            _file_caption(column, *store[side])
            with column:
                store[f"{side}:map"] = column_map.editor(
                    session, SKEW, [str(c) for c in store[side][2].columns], f"{key}:{side}:map",
                    store[side][0])
    if (EXAMPLE_DIR / "example_served.csv").exists() and st.button(
            "Use the worked example's pair", key=f"{key}:example",
            help="example_served.csv and example_offline.csv: ranker-v7's served features and "
                 "their offline recomputation for the same 2,000 requests"):
        for side in _SKEW_SIDES:
            path = EXAMPLE_DIR / f"example_{side}.csv"
            data = path.read_bytes()
            store[side] = (path.name, hashlib.sha256(data).hexdigest(), read_sample(data, path.name))
            st.session_state.pop(f"{key}:{side}:error", None)
        store.pop("report", None)
    outcome = _skew_outcome()
    if isinstance(outcome, str):
        st.error(f"{literal(outcome)}\n\nThe skew check is not computed until the pair can be "
                 "joined.", icon=":material/error:")


def _skew_outcome():
    """The check (a SkewReport), a message saying why the pair cannot be joined, or None;
    computed once per pair of uploads (keyed by their digests)."""
    store = state.tab_files(SKEW_STORE)
    if "served" not in store:
        return None
    maps = {side: store.get(f"{side}:map") or {} for side in _SKEW_SIDES}
    digests = (store["served"][1], store["offline"][1] if "offline" in store else None,
               *(tuple(sorted(m.items())) for m in maps.values()))
    cached = store.get("report")
    if cached is None or cached[0] != digests:
        name, _, served = store["served"]
        try:
            served, _ = rename_columns(served, maps["served"], name)
            if "offline" in store:
                offline_name, _, offline = store["offline"]
                offline, _ = rename_columns(offline, maps["offline"], offline_name)
            else:
                if not any(str(c).endswith("_offline") for c in served.columns):
                    return None  # waiting for the offline file
                offline_name = f"{name} (_offline columns)"
                served, offline = split_joined(served, name)
            with st.spinner("Joining served and offline values by request id…"):
                outcome = check_skew(served, offline, served_name=name,
                                     offline_name=offline_name)
        except InputError as err:
            outcome = str(err)
        store["report"] = (digests, outcome)
    return store["report"][1]


def skew_report() -> SkewReport | None:
    """The skew check for the analysis, when a pair is in and joins."""
    outcome = _skew_outcome()
    return outcome if isinstance(outcome, SkewReport) else None


def _samples_tab(session: Session, key: str) -> None:
    st.caption("CSV or Parquet, one row per example, the same feature columns on both sides. "
               "Files stay in this browser tab; they are not part of a saved plan.")
    _samples(session, f"{key}:samples")
    server_side_samples(DRIFT, f"{key}:server")
    _skew(session, f"{key}:skew")


TABS = (("Feature samples", _samples_tab),)
