"""Page section of the segments kind: the metric (expected vs observed, with n or standard errors,
label maturity) and the segment table, typed or uploaded."""

from __future__ import annotations

import streamlit as st

from triage.kinds.segments.gap import read_segments, segment_rows
from triage.mapping import SEGMENTS
from triage.markdown import literal
from triage.session import Session
from triage.tabular import InputError
from ui import column_map, state
from ui.bind import bound, edited_records

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


SEGMENTS_SOURCE = "production_segments"  # where the segment table on the page came from


def _set_prefilled(session: Session, name: str, on: bool) -> None:
    """Keep ``inputs["prefilled"]`` (the sorted names the page filled in) up to date."""
    names = set(session.inputs.get("prefilled") or ())
    if on == (name in names):
        return
    names = names | {name} if on else names - {name}
    session.inputs["prefilled"] = sorted(names)


def render_metric(session: Session, key: str) -> None:
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
            state.tab_files(SEGMENTS_SOURCE, session.scenario)["name"] = uploaded.name
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
    source = state.tab_files(SEGMENTS_SOURCE, session.scenario).get("name")
    count = f"{len(rows)} segment{'' if len(rows) == 1 else 's'}"
    origin = (f"from {literal(source, one_line=True)}, with any edits made since" if source
              else "typed in or re-opened with the plan")
    return (f"Nothing was read from this file: the segment table below is unchanged. The page "
            f"still shows the earlier table ({count}, {origin}); the numbers below come from it.")


def _segments_tab(session: Session, key: str) -> None:
    st.caption("One row per segment. Shares may be counts or not add up to 1: they are "
               "normalised. Observed metric includes fallback traffic.")
    _segments(session, f"{key}:segments")


# The tabs this kind draws under the metric (render_metric comes first: it sizes the gap).
TABS = (("Segments", _segments_tab),)
