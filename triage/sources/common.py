"""Shared plumbing: a tool's rows -> bytes of our runs CSV -> ``parse_runs``.

A reader builds rows with our columns (run_id, stage, started_at, ended_at, wait_hours, status)
plus ``source_row``, the row (or line, or item) of the tool's export it came from. ``finish``
writes them as our CSV, lets ``parse_runs`` do every check and the arithmetic, and then puts
the tool's row numbers back into the skipped-row list so a message points into the file the
person uploaded. The kept raw bytes are the converted runs CSV, so a saved plan re-reads the
same numbers without the tool's reader.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from triage.kinds.runs.analysis import RunsData, SkippedRow, parse_runs
from triage.tabular import InputError

COLUMNS = ("run_id", "stage", "started_at", "ended_at", "wait_hours", "status")
MISSING_TIME = {"", "unknown", "none", "null", "nan", "nat", "n/a"}


@dataclass
class Converted:
    """Rows in our columns, each with the tool's ``source_row``; the tool's own skips and notes."""

    rows: list[dict] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skip(self, row: int, reason: str) -> None:
        self.skipped.append(SkippedRow(int(row), reason))


def count(n: int, singular: str, plural: str | None = None) -> str:
    """'1 job', '3 jobs'."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def iso(stamp: pd.Timestamp) -> str:
    """A UTC instant as ISO 8601 with its zone, microseconds kept."""
    return stamp.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hours_between(start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Hours from ``start`` to ``end``, rounded down to the microsecond so that a wait written
    from the same two stamps never exceeds the row's own duration."""
    micro = (end - start) // pd.Timedelta(microseconds=1)
    return math.floor(micro) / 3.6e9


def to_csv(rows: Sequence[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in COLUMNS])
    return out.getvalue().encode("utf-8")


def finish(converted: Converted, name: str, what: str, rows_read: int) -> RunsData:
    """Analyse converted rows with ``parse_runs``; messages name the tool's rows and ``what``."""
    if not converted.rows:
        reasons = sorted({s.reason for s in converted.skipped})
        detail = f" ({len(converted.skipped)} skipped: {'; '.join(reasons[:3])})" if reasons else ""
        raise InputError(f"{name}: no usable rows in this {what.split(' ', 1)[1]}{detail}.")
    data = to_csv(converted.rows)
    source_rows = [int(r["source_row"]) for r in converted.rows]
    try:
        runs = parse_runs(data, name)
    except InputError as err:
        extra = "; ".join(sorted({s.reason for s in converted.skipped})[:3])
        raise InputError(f"{err} (read as {what}{'; also skipped: ' + extra if extra else ''})") \
            from None
    remapped = [SkippedRow(source_rows[s.row - 2], s.reason) for s in runs.analysis.skipped]
    skipped = tuple(sorted(remapped + converted.skipped, key=lambda s: s.row))
    notes = (f"read as {what}", *converted.notes, *runs.analysis.notes)
    analysis = replace(runs.analysis, skipped=skipped, notes=notes)
    return replace(runs, analysis=analysis, notes=notes, rows_read=rows_read)


def parse_instants(column: pd.Series, zone: str | None) -> pd.Series:
    """ISO 8601 strings to UTC instants. Stamps without a zone are read in ``zone`` (None: UTC);
    blanks and 'Unknown' give NaT; a local time that does not exist or occurs twice (a
    daylight-saving change) gives NaT too; callers tell those apart from the raw text."""
    text = column.astype(str).str.strip()
    blank = text.str.lower().isin(MISSING_TIME)
    text = text.where(~blank)
    has_zone = text.str.contains(r"(?:[zZ]|[+-]\d{2}:?\d{2})$", regex=True, na=False)
    out = pd.Series(pd.NaT, index=column.index, dtype="datetime64[ns, UTC]")
    if has_zone.any():
        out[has_zone] = pd.to_datetime(text[has_zone], utc=True, format="ISO8601", errors="coerce")
    local = ~has_zone & ~blank
    if local.any():
        naive = pd.to_datetime(text[local], format="ISO8601", errors="coerce")
        if getattr(naive.dt, "tz", None) is not None:
            naive = naive.dt.tz_localize(None)
        placed = naive.dt.tz_localize(zone or "UTC", ambiguous="NaT", nonexistent="NaT")
        out[local] = placed.dt.tz_convert("UTC")
    return out
