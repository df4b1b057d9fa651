"""Inputs of the production page: metric, segment table, serving health, rollout, history, samples."""

from __future__ import annotations

import hashlib
import json

import streamlit as st

from triage.examples import DATA_DIR
from triage.kinds.samples.drift import DriftReport, compare, read_sample
from triage.kinds.samples.skew import SkewReport, check_skew, split_joined
from triage.kinds.segments.gap import read_segments, segment_rows
from triage.mapping import SEGMENTS, SKEW, rename_serving, samples_contract, unmatched
from triage.markdown import literal
from triage.session import Session, UploadSummary
from triage.tabular import InputError, rename_columns
from ui import column_map, state
from ui.bind import bound, edited_records, prefix

EXAMPLE_DIR = DATA_DIR / "production"
_DRIFT = "production_drift"  # per-tab: uploaded samples (name, digest, frame) and their report

SEGMENT_COLUMNS = {
    "segment": st.column_config.TextColumn("Segment", required=True),
    "expected_share": st.column_config.NumberColumn("Expected share", min_value=0.0,
                                                    help="Share (or count) of traffic offline"),
    "observed_share": st.column_config.NumberColumn("Observed share", min_value=0.0,
                                                    help="Share (or count) of traffic online"),
    "expected_metric": st.column_config.NumberColumn("Expected metric", format="%.4f",
                                                     help="Empty for a segment new online"),
    "observed_metric": st.column_config.NumberColumn("Observed metric", format="%.4f",
                                                     help="Online, fallback traffic included"),
    "fallback_share": st.column_config.NumberColumn("Fallback share", min_value=0.0,
                                                    max_value=1.0, format="%.3f"),
    "fallback_metric": st.column_config.NumberColumn("Metric on fallbacks", format="%.4f"),
}
HISTORY_COLUMNS = {
    "launch": st.column_config.TextColumn("Past launch"),
    "offline_delta": st.column_config.NumberColumn("Offline change", format="%.4f"),
    "online_delta": st.column_config.NumberColumn("Online change", format="%.4f"),
}


def load_example(session: Session) -> None:
    """The worked launch: metric, segments, health, rollout, history and feature samples."""
    inputs = json.loads((EXAMPLE_DIR / "example_inputs.json").read_text())
    fresh = Session(scenario=session.scenario, playbook_version=session.playbook_version,
                    title=inputs.get("title", ""))
    records = read_segments((EXAMPLE_DIR / "example_segments.csv").read_bytes(),
                            "example_segments.csv")
    fresh.inputs = {"metric": inputs["metric"], "segments": records, "health": inputs["health"],
                    "rollout": inputs["rollout"], "history": inputs["history"]}
    state.replace_session(fresh)
    store = st.session_state.setdefault(_DRIFT, {})
    store.clear()
    store[_SEGMENTS_SOURCE] = "the worked example (example_segments.csv)"
    for side in ("reference", "current"):
        path = EXAMPLE_DIR / f"example_{side}.csv"
        _remember_sample(fresh, side, path.name, path.read_bytes())
    store[_EXAMPLE_SIDES] = {"reference", "current"}


# Keys of the per-tab store besides the two samples and their report.
_SEGMENTS_SOURCE = "segments_source"  # where the segment table on the page came from
_EXAMPLE_SIDES = "example_sides"  # sides holding the worked example's sample, not an upload
_SERVING_MAP = "serving_map"  # training feature -> serving column of another name
_SIDE_LABELS = {"reference": "training", "current": "serving"}


def _remember_sample(session: Session, side: str, name: str, data: bytes,
                     frame=None) -> None:
    frame = read_sample(data, name) if frame is None else frame
    store = st.session_state.setdefault(_DRIFT, {})
    store[side] = (name, hashlib.sha256(data).hexdigest(), frame)
    store.pop("report", None)
    store.setdefault(_EXAMPLE_SIDES, set()).discard(side)
    session.uploads = [u for u in session.uploads if u.kind != side] + [
        UploadSummary(name=name, kind=side, rows_read=len(frame), rows_used=len(frame),
                      note=f"{len(frame.columns)} features")]


def drift_report() -> DriftReport | None:
    """Computed once per pair of uploads (keyed by their digests), never on unrelated reruns.

    Uploaded samples are compared under a status box with its steps (it takes seconds on large
    files); the worked example's pair compares in a fraction of a second without one.
    """
    store = st.session_state.get(_DRIFT, {})
    if "reference" not in store or "current" not in store:
        return None
    mapping = store.get(_SERVING_MAP) or {}
    digests = (store["reference"][1], store["current"][1], tuple(sorted(mapping.items())))
    cached = store.get("report")
    if cached is None or cached[0] != digests:
        reference, current = store["reference"][2], rename_serving(store["current"][2], mapping)
        if store.get(_EXAMPLE_SIDES) == {"reference", "current"}:
            report = compare(reference, current)
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


def _set_prefilled(session: Session, name: str, on: bool) -> None:
    """Keep ``inputs["prefilled"]`` (the sorted names the page filled in) up to date."""
    names = set(session.inputs.get("prefilled") or ())
    if on == (name in names):
        return
    names = names | {name} if on else names - {name}
    session.inputs["prefilled"] = sorted(names)


def _metric(session: Session, key: str) -> None:
    metric = session.inputs.setdefault("metric", {})
    if "kind" not in metric and "higher_is_better" not in metric:
        # A fresh session: the page chooses how to read the metric until the team says so.
        metric.update(kind="proportion", higher_is_better=True)
        _set_prefilled(session, "metric_settings", True)
    confirmed = {"on_change": _set_prefilled, "args": (session, "metric_settings", False)}
    name, kind, direction = st.columns([3, 3, 2])
    bound(name.text_input, "Metric", f"{key}:name", metric, "name", "", max_chars=60,
          placeholder="its name, e.g. CTR or AUC")
    bound(kind.selectbox, "Kind", f"{key}:kind", metric, "kind", "proportion",
          options=["proportion", "other"],
          format_func={"proportion": "a proportion (CTR, accuracy): noise from n",
                       "other": "another metric (AUC, a mean): type its standard error"}.get,
          **confirmed)
    bound(direction.toggle, "Higher is better", f"{key}:higher", metric, "higher_is_better", True,
          **confirmed)
    if "metric_settings" in (session.inputs.get("prefilled") or ()):
        note, button = st.columns([5, 1], vertical_alignment="center")
        note.caption(":material/tune: **Default settings, not yet yours:** the page reads the "
                     "metric as a proportion where higher is better. Change them above, or "
                     "confirm they fit; until then the plan says they are defaults.")
        button.button("They fit", key=f"{key}:settings_ok", on_click=_set_prefilled,
                      args=(session, "metric_settings", False), width="stretch")
    # Expected on the left, observed on the right, each with its n (or standard error) below:
    # four in a row leave the numbers no room on a 1024 px screen.
    left, right = st.columns(2)
    columns = [left, left, right, right]
    fields = [("expected", "Expected (offline / shadow)"), ("n_expected", "n expected"),
              ("observed", "Observed (online)"), ("n_observed", "n observed")]
    if metric.get("kind") == "other":
        fields = [("expected", "Expected (offline / shadow)"), ("se_expected", "its standard error"),
                  ("observed", "Observed (online)"), ("se_observed", "its standard error")]
    for column, (field, label) in zip(columns, fields, strict=True):
        bound(column.number_input, label, f"{key}:{field}", metric, field, None,
              value=None, format="%.6g", min_value=0.0 if field.startswith(("n_", "se_")) else None)
    with st.expander("Label maturity (optional): are the observed window's labels complete?"):
        st.caption("Conversions and returns arrive late. Give the share of the window whose "
                   "labels are complete, or the label delay's p90 and the window's length "
                   "(a window ending now). With the metric for mature cohorts only, the gap is "
                   "computed on them; otherwise a window under 95% complete makes it provisional.")
        share, delay, window = st.columns(3)
        bound(share.number_input, "Share with complete labels", f"{key}:mature_share", metric,
              "mature_share", None, value=None, min_value=0.0, max_value=1.0, format="%.3g")
        bound(delay.number_input, "Label delay p90 (hours)", f"{key}:delay_p90", metric,
              "label_delay_p90_hours", None, value=None, min_value=0.0, format="%.4g")
        bound(window.number_input, "Observed window (hours)", f"{key}:window", metric,
              "window_hours", None, value=None, min_value=0.0, format="%.4g")
        mature, n_mature = st.columns(2)
        bound(mature.number_input, "Observed on mature cohorts", f"{key}:observed_mature",
              metric, "observed_mature", None, value=None, format="%.6g")
        bound(n_mature.number_input, "n on mature cohorts", f"{key}:n_observed_mature", metric,
              "n_observed_mature", None, value=None, min_value=0.0, format="%.6g")


def _segments(session: Session, key: str) -> None:
    uploaded = st.file_uploader("…or upload a segment CSV", type=["csv", "txt"], key=f"{key}:csv")
    mapping = column_map.for_upload(session, SEGMENTS, uploaded, f"{key}:csv")
    upload_id = (uploaded.file_id, tuple(sorted(mapping.items()))) if uploaded else None
    if uploaded is not None and st.session_state.get(f"{key}:csv_id") != upload_id:
        st.session_state[f"{key}:csv_id"] = upload_id
        try:
            records = read_segments(uploaded.getvalue(), uploaded.name, columns=mapping)
            segment_rows(records)  # every cell checked now: a bad value is named, not dropped
            session.inputs["segments"] = records
        except InputError as err:
            st.session_state[f"{key}:csv_error"] = str(err)
        else:
            st.session_state.pop(f"{key}:csv_error", None)
            st.session_state.pop(f"{key}:table", None)  # redraw the editor from the upload
            st.session_state.setdefault(_DRIFT, {})[_SEGMENTS_SOURCE] = uploaded.name
    if error := st.session_state.get(f"{key}:csv_error"):
        st.error(f"{literal(error)}\n\n{_segments_shown(session)}", icon=":material/error:")
    numeric = [c for c in SEGMENT_COLUMNS if c != "segment"]
    session.inputs["segments"] = edited_records(f"{key}:table", session.inputs.get("segments", []),
                                                SEGMENT_COLUMNS, numeric)


def _segments_shown(session: Session) -> str:
    """After a rejected upload: which segment table the page (and every number below) uses."""
    rows = [r for r in session.inputs.get("segments") or []
            if any(v not in (None, "") for v in r.values())]
    if not rows:
        return ("Nothing was read from this file: the segment table below is unchanged and "
                "still empty, so the page does not split the gap.")
    source = st.session_state.get(_DRIFT, {}).get(_SEGMENTS_SOURCE)
    count = f"{len(rows)} segment{'' if len(rows) == 1 else 's'}"
    origin = (f"from {literal(source, one_line=True)}, with any edits made since" if source
              else "typed in or re-opened with the plan")
    return (f"Nothing was read from this file: the segment table below is unchanged. The page "
            f"still shows the earlier table ({count}, {origin}); the numbers below come from it.")


def _health(session: Session, key: str) -> None:
    health = session.inputs.setdefault("health", {})
    fields = [("latency_p50_ms", "p50 latency (ms)"), ("latency_p95_ms", "p95 latency (ms)"),
              ("latency_p99_ms", "p99 latency (ms)"), ("latency_budget_p99_ms", "p99 budget (ms)"),
              ("timeout_rate", "timeout rate"), ("timeout_budget", "timeout budget"),
              ("error_rate", "error rate"), ("error_budget", "error budget"),
              ("fallback_rate", "fallback rate"), ("fallback_budget", "fallback budget")]
    columns = st.columns(4)
    for index, (field, label) in enumerate(fields):
        bound(columns[index % 4].number_input, label, f"{key}:{field}", health, field, None,
              value=None, min_value=0.0, format="%.4g")


def _rollout(session: Session, key: str) -> None:
    rollout = session.inputs.setdefault("rollout", {})
    left, right = st.columns(2)
    for column, side in ((left, "expected"), (right, "serving")):
        bound(column.text_input, f"{side.capitalize()} model version",
              f"{key}:{side}_model", rollout, f"{side}_model_version", "")
        bound(column.text_input, f"{side.capitalize()} feature-pipeline version",
              f"{key}:{side}_pipeline", rollout, f"{side}_pipeline_version", "")
    share_l, share_r, rollback = st.columns(3)
    bound(share_l.number_input, "Expected share of traffic on it", f"{key}:exp_share", rollout,
          "expected_traffic_share", None, value=None, min_value=0.0, max_value=1.0)
    bound(share_r.number_input, "Observed share of traffic on it", f"{key}:obs_share", rollout,
          "observed_traffic_share", None, value=None, min_value=0.0, max_value=1.0)
    bound(rollback.toggle, "A rollback path exists", f"{key}:rollback", rollout,
          "rollback_available", False)
    # What a rollback wins back is the previous model's online level − observed, not the gap to
    # the offline promise: without one of these the plan says the rollback is not quantified.
    previous, control = st.columns(2)
    bound(previous.number_input, "Previous model's online metric", f"{key}:previous", rollout,
          "previous_online", None, value=None, format="%.6g",
          help="The same metric for the model before this launch, on the dashboard, before the "
               "launch. A rollback returns to this level, not to the offline promise.")
    bound(control.number_input, "…or measured on a control arm now", f"{key}:control", rollout,
          "control_online", None, value=None, format="%.6g",
          help="The previous model on a control share of traffic over the same period: the "
               "better figure, since traffic and season are the same. Used first when typed.")


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
                _remember_sample(session, side, uploaded.name, data, frame)
            except InputError as err:
                st.session_state[f"{key}:{side}:error"] = str(err)
                status.update(label=f"{name} could not be read", state="error")
            else:
                st.session_state.pop(f"{key}:{side}:error", None)
                status.update(label=f"Read {name}: {len(frame):,} rows", state="complete")
    store = st.session_state.get(_DRIFT, {})
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
    example = " (the worked example's)" if side in store.get(_EXAMPLE_SIDES, ()) else ""
    return (f"Nothing was read from this file. Drift below still uses the earlier {label} "
            f"sample{example}, {literal(name, one_line=True)} ({len(frame):,} rows).")


_SKEW = "production_skew"  # per-tab: served and offline uploads (name, digest, frame), the check
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
    store = st.session_state.setdefault(_SKEW, {})
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
    store = st.session_state.get(_SKEW, {})
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


def render_inputs(session: Session) -> None:
    key = prefix(session.scenario)
    _metric(session, f"{key}:metric")
    tabs = st.tabs(["Segments", "Serving health", "Rollout", "Past launches",
                    "Feature samples"])
    with tabs[0]:
        st.caption("One row per segment. Shares may be counts or not add up to 1: they are "
                   "normalised. Observed metric includes fallback traffic.")
        _segments(session, f"{key}:segments")
    with tabs[1]:
        _health(session, f"{key}:health")
    with tabs[2]:
        _rollout(session, f"{key}:rollout")
    with tabs[3]:
        st.caption("Offline vs online change of earlier launches: was the offline metric ever "
                   "predictive?")
        session.inputs["history"] = edited_records(f"{key}:history",
                                                   session.inputs.get("history", []),
                                                   HISTORY_COLUMNS, ("offline_delta",
                                                                     "online_delta"))
    with tabs[4]:
        st.caption("CSV or Parquet, one row per example, the same feature columns on both sides. "
                   "Files stay in this browser tab; they are not part of a saved plan.")
        _samples(session, f"{key}:samples")
        _skew(session, f"{key}:skew")


def example_available() -> bool:
    return (EXAMPLE_DIR / "example_inputs.json").exists()
