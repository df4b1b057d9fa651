"""Page section of the serving kind: serving health against budget, the rollout facts and past
launches' offline vs online change."""

from __future__ import annotations

import streamlit as st

from triage.session import Session
from ui.bind import bound, edited_records

HISTORY_COLUMNS = {
    "launch": st.column_config.TextColumn("Past launch"),
    "offline_delta": st.column_config.NumberColumn("Offline change", format="%.4f"),
    "online_delta": st.column_config.NumberColumn("Online change", format="%.4f"),
}


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


def _history(session: Session, key: str) -> None:
    st.caption("Offline vs online change of earlier launches: was the offline metric ever "
               "predictive?")
    session.inputs["history"] = edited_records(f"{key}:history", session.inputs.get("history", []),
                                               HISTORY_COLUMNS, ("offline_delta", "online_delta"))


TABS = (("Serving health", lambda session, key: _health(session, f"{key}:health")),
        ("Rollout", lambda session, key: _rollout(session, f"{key}:rollout")),
        ("Past launches", _history))
