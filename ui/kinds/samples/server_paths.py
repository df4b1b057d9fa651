"""Page section: compare samples that live on the server (Parquet files, folders, globs) by path,
under the folders an administrator allows (``TRIAGE_DATA_ROOTS``). Shown only when roots are set.
The statistics come from pushed-down aggregates (``triage.kinds.samples.aggregate``)."""

from __future__ import annotations

import streamlit as st

from triage.kinds.samples.roots import ROOTS_ENV, data_roots, resolve_data_path
from triage.markdown import literal
from triage.tabular import InputError
from ui import state

SERVER_REPORT = "server_report"  # (reference path, current path, DriftReport)


def server_side_samples(store_name: str, key: str) -> None:
    """Two path inputs and a button; the report goes to the drift store's ``server_report``."""
    roots = data_roots()
    if not roots:
        return
    with st.expander("Or compare samples stored on this server (large Parquet datasets)"):
        st.caption("Allowed folders (" + ROOTS_ENV + "): "
                   + ", ".join(literal(str(root), one_line=True) for root in roots))
        with st.form(f"{key}:server"):
            ref_text = st.text_input("Training sample path (file, folder or glob)", key=f"{key}:ref")
            cur_text = st.text_input("Serving sample path", key=f"{key}:cur")
            submitted = st.form_submit_button("Compare")
        store = state.tab_files(store_name)
        if submitted:
            try:
                from triage.kinds.samples.aggregate import compare_sources
                from triage.kinds.samples.engines import Source

                paths = [resolve_data_path(text, roots) for text in (ref_text, cur_text)]
                report = compare_sources(Source("parquet", paths[0]), Source("parquet", paths[1]))
            except InputError as err:
                st.session_state[f"{key}:server:error"] = str(err)
            else:
                st.session_state.pop(f"{key}:server:error", None)
                store[SERVER_REPORT] = (paths[0], paths[1], report)
        if error := st.session_state.get(f"{key}:server:error"):
            st.error(literal(error), icon=":material/error:")
        elif SERVER_REPORT in store:
            ref_path, cur_path, report = store[SERVER_REPORT]
            st.caption(f"Compared {literal(ref_path, one_line=True)} with "
                       f"{literal(cur_path, one_line=True)}: {len(report.features)} features")
