"""The read options beside a runs upload (the file's tool, and for sacct the cluster's zone and
the export time), shared by the iteration page and the Review page's follow-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from triage.sources import FORMATS


def format_inputs(key: str, defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Draw the format, zone and export-time fields under ``key``; return ``read_runs`` keyword
    arguments. ``defaults`` (``read_options`` of a session) pre-fill them the first time."""
    defaults = defaults or {}
    for suffix, value in ((":format", defaults.get("source_format")),
                          (":timezone", defaults.get("timezone"))):
        if value and f"{key}{suffix}" not in st.session_state:
            st.session_state[f"{key}{suffix}"] = value
    format_column, zone_column, as_of_column = st.columns(3)
    chosen = format_column.selectbox(
        "File format", list(FORMATS), format_func=FORMATS.get, key=f"{key}:format",
        help="Exports of W&B, Slurm (sacct --parsable2), Airflow and MLflow (search_runs) go in "
             "as they are; docs/importing.md says how to export each.")
    zone = zone_column.text_input(
        "Cluster time zone (Slurm)", key=f"{key}:timezone", placeholder="e.g. Europe/Berlin",
        help="sacct prints local times without a zone; the IANA name of the cluster's zone.")
    as_of = as_of_column.text_input(
        "Export time (Slurm)", key=f"{key}:as_of", placeholder="e.g. 2026-09-10T12:00:00",
        help="When sacct was run, in the cluster's zone: jobs still pending count as waiting at "
             "least until then. Empty: the latest time in the file.")
    return {"source_format": chosen, "timezone": zone.strip() or None,
            "iteration_from": defaults.get("iteration_from", "name"),
            "name_pattern": defaults.get("name_pattern"), "as_of": as_of.strip() or None}
