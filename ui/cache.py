"""Analyses shared by every session on this server, keyed by a digest of exactly what they read.

Thirty people who load the same worked example (or the same file) at the same moment compute its
reading and analysis once instead of thirty times. Each function takes a cheap, stable key first
(the SHA-256 of the bytes it reads, their file name, and every setting the result depends on)
and the bytes themselves as an unhashed ``_`` argument, so Streamlit hashes a few short strings
rather than megabytes. The results depend only on those inputs, never on who asks.

``st.cache_data`` stores a pickled copy and hands every caller a fresh unpickled one, so a
session that changed its result could not reach another session; ``max_entries`` bounds what a
server keeps of anyone's files. Each tab still keeps its own result for its reruns (the page
modules' per-tab stores); these caches only spare the first computation. The logic stays in
``triage``; this module is only the glue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

import pandas as pd
import streamlit as st

from triage.kinds.requests.analysis import (
    AccessAnalysis,
    Clock,
    latest_timestamp,
    parse_requests,
    read_inventory,
)
from triage.kinds.samples.drift import DriftReport, compare, read_sample
from triage.kinds.segments.gap import read_segments
from triage.mapping import rename_serving

# Enough for a few teams' files at once; beyond that the oldest entry goes (LRU).
MAX_ENTRIES = 32


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _items(mapping: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((mapping or {}).items()))


def access_analysis(data: bytes, name: str, *, as_of: datetime | None, slas: Mapping[str, float],
                    clock: Clock, columns: Mapping[str, str],
                    inventory: tuple[str, bytes, Mapping[str, str]] | None) -> AccessAnalysis:
    """``parse_requests`` of a request log (and ``read_inventory`` of its inventory, given as
    (name, bytes, columns)); raises InputError as they do (errors are not cached)."""
    inventory_key = (inventory[0], digest(inventory[1]), _items(inventory[2])) if inventory else None
    return _access_analysis(digest(data), name, as_of, _items(slas), clock, _items(columns),
                            inventory_key, data, inventory[1] if inventory else None)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _access_analysis(data_digest: str, name: str, as_of: datetime | None, slas: tuple, clock: Clock,
                     columns: tuple, inventory: tuple | None, _data: bytes,
                     _inventory: bytes | None) -> AccessAnalysis:
    frame = (read_inventory(_inventory, inventory[0], columns=dict(inventory[2]))
             if inventory else None)
    return parse_requests(_data, name, as_of=as_of, slas=dict(slas), clock=clock,
                          inventory=frame, columns=dict(columns))


def latest_log_timestamp(data: bytes, name: str, columns: Mapping[str, str]) -> datetime | None:
    """``latest_timestamp`` of a request log (the default as-of date)."""
    return _latest(digest(data), name, _items(columns), data)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _latest(data_digest: str, name: str, columns: tuple, _data: bytes) -> datetime | None:
    return latest_timestamp(_data, name, columns=dict(columns))


def sample(data: bytes, name: str) -> pd.DataFrame:
    """``read_sample``: a feature sample, each caller's own copy of the frame."""
    return _sample(digest(data), name, data)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _sample(data_digest: str, name: str, _data: bytes) -> pd.DataFrame:
    return read_sample(_data, name)


def drift(reference: tuple[str, str, pd.DataFrame], current: tuple[str, str, pd.DataFrame],
          mapping: Mapping[str, str]) -> DriftReport:
    """``compare`` of two kept samples, each (name, digest of its bytes, frame read from them),
    the serving one read with ``mapping`` (training feature -> serving column)."""
    return _drift(reference[:2], current[:2], _items(mapping), reference[2], current[2])


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _drift(reference: tuple[str, str], current: tuple[str, str], mapping: tuple,
           _reference: pd.DataFrame, _current: pd.DataFrame) -> DriftReport:
    return compare(_reference, rename_serving(_current, dict(mapping)))


def segments(data: bytes, name: str) -> list[dict]:
    """``read_segments`` of a segment CSV (no column mapping): the records, each caller's own."""
    return _segments(digest(data), name, data)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _segments(data_digest: str, name: str, _data: bytes) -> list[dict]:
    return read_segments(_data, name)
