"""Which column is which, beside every upload: the proposed mapping, a selectbox per field.

The mapping a person chose is kept in the session (``inputs["column_maps"]``, so in the link and
the saved plan too) under the file's shape, and proposed again for the next file of that shape.
A mapping equal to the proposal is not stored: it would be proposed anyway.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from triage.mapping import Contract, effective, propose, remember, renames, shape
from triage.markdown import literal
from triage.session import Session
from triage.tabular import InputError, header_columns

STORE = "column_maps"
_NONE = ""


def _shape_id(columns: list[str]) -> str:
    return hashlib.sha1("\x1f".join(shape(columns)).encode()).hexdigest()[:10]


def header_of(uploaded) -> list[str]:
    """An uploaded CSV's columns, read from its first lines once per file (InputError if the
    file cannot be read at all; the full read then says the same)."""
    memo = f"column_map:header:{uploaded.file_id}"
    if memo not in st.session_state:
        st.session_state[memo] = header_columns(uploaded.getvalue(), uploaded.name)
    return st.session_state[memo]


def for_upload(session: Session, contract: Contract, uploaded, key: str) -> dict[str, str]:
    """The editor for an uploaded CSV (none without a file, or when its header cannot be read:
    the full read then names the problem)."""
    if uploaded is None:
        return {}
    try:
        columns = header_of(uploaded)
    except InputError:
        return {}
    return editor(session, contract, columns, key, uploaded.name)


def _keep_unique(widget: str, others: list[str], touched: str) -> None:
    """A column picked for one field is taken away from the field that had it; the panel stays
    open while the person is mapping (its title changes as fields are filled)."""
    st.session_state[touched] = True
    picked = st.session_state.get(widget)
    if picked:
        for other in others:
            if other != widget and st.session_state.get(other) == picked:
                st.session_state[other] = _NONE


def _needs(contract: Contract) -> str:
    parts = [f"`{f.name}`" for f in contract.fields if f.required]
    if contract.any_of:
        parts.append(" or ".join(" + ".join(f"`{n}`" for n in g) for g in contract.any_of))
    if not parts:
        return "no particular column"
    return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]


def editor(session: Session, contract: Contract, columns: list[str], key: str,
           file_name: str, summary: str | None = None) -> dict[str, str]:
    """Draw the mapping for ``columns``; return field -> column as it stands now. ``summary``
    replaces the panel's title while nothing required is missing."""
    if not columns:
        return {}
    store = session.inputs.setdefault(STORE, {})
    proposed = propose(columns, contract)
    start = effective(store, contract, columns)
    prefix = f"{key}:{contract.kind}:{_shape_id(columns)}"
    widgets = {f.name: f"{prefix}:{f.name}" for f in contract.fields}
    for name, widget in widgets.items():
        if widget not in st.session_state:
            st.session_state[widget] = start.get(name, _NONE)
    mapping = {name: st.session_state[w] for name, w in widgets.items() if st.session_state[w]}
    missing = contract.missing(mapping)
    read_as = renames(mapping, contract)
    title = (f"Columns: choose the column for {', '.join(missing)}" if missing
             else summary or f"Columns of {literal(file_name, one_line=True)}: "
                  + (f"{len(read_as)} read under another name" if read_as else "as named"))
    touched = f"{prefix}:touched"
    with st.expander(title, expanded=bool(missing) or bool(st.session_state.get(touched)),
                     icon=":material/table_view:"):
        st.caption(f"Read as a **{contract.title}**; it needs {_needs(contract)}. Each field "
                   "is taken from the column shown: change one if the guess is wrong. The "
                   "choice is kept for the next file with the same columns, and in the link "
                   "and the saved plan.")
        options = [_NONE, *columns]
        grid = st.columns(3)
        for position, f in enumerate(contract.fields):
            # Labels and help render Markdown, and a sample's fields are its file's columns.
            grid[position % 3].selectbox(
                f"{literal(f.label, one_line=True)}{' (required)' if f.required else ''}", options,
                key=widgets[f.name], format_func=lambda c: c if c else "— not in this file —",
                help=f"Field {literal(f.name, one_line=True)}", on_change=_keep_unique,
                args=(widgets[f.name], list(widgets.values()), touched))
    if mapping == proposed:
        entries = store.get(contract.kind, [])
        store[contract.kind] = [e for e in entries if e.get("columns") != list(shape(columns))]
        if not store[contract.kind]:
            store.pop(contract.kind)
    else:
        remember(store, contract, columns, mapping)
    if not store:
        session.inputs.pop(STORE, None)
    return mapping
