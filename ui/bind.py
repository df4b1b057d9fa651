"""Widgets bound to the session model: the model is the truth, widgets mirror it.

A widget's state is initialised from the model only when Streamlit holds none for its key (first
draw, after a page switch, after the model was replaced and keys re-versioned); every run the
widget's value is written back. So typed values survive page switches and nothing is lost.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from triage.markdown import literal
from ui import state


def prefix(scenario: str) -> str:
    """Widget-key prefix that changes whenever the session model is replaced wholesale."""
    return f"{scenario}:{state.widget_version(scenario)}"


def bound(widget: Callable[..., Any], label: str, key: str, model: dict[str, Any], field: str,
          default: Any, **kwargs: Any) -> Any:
    """Draw ``widget`` mirroring ``model[field]`` and write the value back into the model."""
    if key not in st.session_state:
        value = model.get(field, default)
        st.session_state[key] = default if value is None and default is not None else value
    value = widget(label, key=key, **kwargs)
    model[field] = value
    return value


def _clean(value: Any) -> Any:
    """None for blanks, NaN and infinities: the session document stays strict JSON."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value


def edited_records(key: str, records: Sequence[Mapping[str, Any]], columns: dict[str, Any],
                   numeric: Sequence[str]) -> list[dict[str, Any]]:
    """A dynamic-row data editor over ``records``; returns the edited rows as plain records.

    The editor's base frame is fixed while its edits live in widget state, and rebuilt from the
    model when that state is gone — so edits are never applied twice or lost.
    """
    base_key = f"{key}:base"
    if key not in st.session_state or base_key not in st.session_state:
        frame = pd.DataFrame(list(records), columns=list(columns))
        for column in numeric:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        for column in set(columns) - set(numeric):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
        st.session_state[base_key] = frame
    edited = st.data_editor(st.session_state[base_key], key=key, num_rows="dynamic",
                            column_config=columns, hide_index=True, width="stretch")
    return [{k: _clean(v) for k, v in row.items()} for row in edited.to_dict("records")]


def render_read_notes(summary: str, notes, skipped) -> None:
    """What was read, what was noticed, and which rows were skipped and why."""
    st.caption(f":material/fact_check: Read: {literal(summary)}")
    for note in notes:
        st.caption(f":material/info: {literal(note)}")
    if skipped:
        with st.expander(f"Rows skipped ({len(skipped)})"):
            st.dataframe(pd.DataFrame([{"row": s.row, "reason": s.reason} for s in skipped]),
                         hide_index=True)
