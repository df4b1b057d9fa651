"""Scenario "model iteration is too slow": where does one iteration's time go?

Two inputs feed one analysis: a stage table typed in the meeting, or a CSV of past runs.

Time adds up, so the arithmetic runs on means. A run's total is the sum of its stage times
(retries and hand-offs included); one iteration's expected time is the mean of the run totals. A
stage's ``mean_hours`` is its time per run averaged over *all* runs (0 in runs without it), so the
stage means add up to that mean exactly and ``share = mean_hours / iteration_hours`` adds up to 1.
Shares, the bottleneck, Amdahl ceilings, the what-if and hours per month all rest on these.

Medians describe, they do not add: a stage of 30 h in 4 runs out of 40 has a median of 30 h over
the runs that have it but adds 3 h to the average run. Per stage we still report median, p75 and
p90 over the runs that have it (linear interpolation, the pandas/numpy default) and the variability
p90 / median; per iteration the typical run (median of run totals) and a slow one (p90). A typed
stage table holds average hours per iteration: its hours are means, its quantiles unknown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from triage.kinds.runs.stages import canonical_stage
from triage.survival import OpenWaits
from triage.tabular import (
    AmbiguousNumber,
    InputError,
    canonical_csv,
    number_text,
    read_table,
    separator_convention,
    spreadsheet_row,
    typed_number,
)
from triage.vocabulary import CANONICAL_STAGES, stage_label

RUNS_REQUIRED = ("run_id", "stage")
RUNS_TIME_COLUMNS = (("started_at", "ended_at"), ("duration_hours",))
RUNS_TEMPLATE = "run_id,stage,started_at,ended_at,duration_hours,wait_hours,status\n"
_FAILED = {"failed", "failure", "error", "errored", "crashed", "killed", "timeout", "timed_out"}
_SUCCEEDED = {"succeeded", "success", "successful", "ok", "completed", "complete", "done", "passed"}
_HAS_ZONE = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
# A wait_hours this far above its row's duration is rounding (a wait written to two decimals, a
# queue row computed from the same timestamps): clamped to the duration, not skipped.
WAIT_TOLERANCE_SHARE = 0.01  # 1% of the duration…
WAIT_TOLERANCE_HOURS = 60 / 3600  # …or 60 seconds, whichever is larger
_FLOAT_SLACK = 1e-9  # hours: float noise at the exact boundary counts as inside it
# The longest stage time a row may hold: 1,000,000 h is 114 years, past any real run, and it keeps
# every sum over the largest file the reader takes (200 MiB of rows) finite, so no total, share or
# speed-up can become infinity. Longer rows are skipped with this limit named.
MAX_STAGE_HOURS = 1_000_000
_TOO_LONG = f"is over {MAX_STAGE_HOURS:,} h (114 years): not a stage time; check its unit"
DAYS_PER_MONTH = 30.44  # an average month (365.25 / 12, rounded)
MIN_CADENCE_DAYS = 7.0  # runs spanning less than a week say little about a month


@dataclass(frozen=True)
class SkippedRow:
    row: int  # as a spreadsheet shows it: the header is row 1
    reason: str


@dataclass(frozen=True)
class StageStats:
    """One stage. ``hours`` (the mean per run) is what adds up; the quantiles describe.

    median/p75/p90 are over the runs that have the stage (None for a typed table);
    ``mean_hours`` is over all runs, 0 counted for runs without it. Code that only knows a
    median may pass ``median_hours`` alone: ``hours`` then falls back to it.
    """

    stage: str
    median_hours: float | None
    share: float  # of the iteration's mean time: hours / iteration_hours
    p75_hours: float | None = None
    p90_hours: float | None = None
    runs: int | None = None  # distinct run ids with this stage; None for a typed table
    wait_hours: float | None = None  # waiting part of ``hours`` (mean per run); None when unknown
    mean_hours: float | None = None  # mean per run over all runs (0 where absent)

    @property
    def hours(self) -> float:
        """The stage's time in one iteration, as it adds up: the mean when known, else the
        median (what callers that know only a median gave)."""
        if self.mean_hours is not None:
            return self.mean_hours
        return self.median_hours if self.median_hours is not None else 0.0

    @property
    def label(self) -> str:
        return stage_label(self.stage)

    @property
    def active_hours(self) -> float | None:
        return None if self.wait_hours is None else self.hours - self.wait_hours

    @property
    def variability(self) -> float | None:
        """p90 / median over the runs with the stage: 1 is perfectly predictable; above ~2
        people cannot plan around it."""
        if self.p90_hours is None or self.median_hours is None or self.median_hours <= 0:
            return None
        return self.p90_hours / self.median_hours


@dataclass(frozen=True)
class Transition:
    """Hand-off waiting between two stages: the gaps after ``after`` ended, before ``before``."""

    after: str  # stage id that ended
    before: str  # stage id that started after the gap
    hours: float  # summed over all runs
    share: float  # of all hand-off hours, 0..1
    runs: int  # runs with a gap here

    @property
    def label(self) -> str:
        return f"{stage_label(self.after)} → {stage_label(self.before)}"


@dataclass(frozen=True)
class Cadence:
    """How often iterations start, read from the runs' dates.

    ``per_month`` = dated runs / (days from the first run's start to the last run's start /
    30.44); None when fewer than two runs have dates or they span less than a week.
    """

    dated_runs: int
    days: float
    per_month: float | None
    reason: str = ""  # why per_month is None

    @property
    def basis(self) -> str:
        return f"{self.dated_runs} runs started over {self.days:.1f} days"


def cadence_of(run_starts: Sequence[Any]) -> Cadence:
    """Iterations per month from the start time of each run (one per run, any order)."""
    if not isinstance(run_starts, pd.Series):
        run_starts = pd.Series(list(run_starts), dtype=object)
    starts = pd.to_datetime(run_starts, utc=True).dropna()
    count = int(len(starts))
    if count < 2:
        return Cadence(count, 0.0, None, "fewer than two runs have start times")
    days = float((starts.max() - starts.min()).total_seconds() / 86400)
    if days < MIN_CADENCE_DAYS:
        return Cadence(count, days, None, f"the runs' starts span only {days:.1f} days; a month "
                       "cannot be read from less than a week")
    return Cadence(count, days, count / (days / DAYS_PER_MONTH))


@dataclass(frozen=True)
class IterationAnalysis:
    stages: tuple[StageStats, ...]
    source: str  # "table" | "runs"
    runs: int = 0
    failed_runs: int = 0
    failed_hours: float = 0.0
    recorded_hours: float = 0.0
    skipped: tuple[SkippedRow, ...] = ()
    naive_timestamps: int = 0
    notes: tuple[str, ...] = ()
    clamped_waits: int = 0  # rows whose wait_hours was a hair above the duration, clamped
    transitions: tuple[Transition, ...] = ()  # where hand-off time sits, largest first
    cadence: Cadence | None = None  # runs' dates -> iterations per month (runs only)
    typical_iteration_hours: float | None = None  # median of run totals (runs only)
    p90_iteration_hours: float | None = None  # p90 of run totals (runs only)

    @property
    def iteration_hours(self) -> float:
        """One iteration's expected time: the mean of run totals, which is the stage means
        added up (for a typed table, its average hours per iteration added up)."""
        return float(sum(s.hours for s in self.stages))

    @property
    def has_data(self) -> bool:
        return self.iteration_hours > 0

    def stage(self, stage_id: str) -> StageStats | None:
        return next((s for s in self.stages if s.stage == stage_id), None)

    @property
    def bottleneck(self) -> StageStats | None:
        if not self.has_data:
            return None
        return max(self.stages, key=lambda s: s.hours)

    @property
    def wait_known(self) -> bool:
        return self.has_data and all(
            s.wait_hours is not None for s in self.stages if s.hours > 0
        )

    @property
    def wait_hours(self) -> float | None:
        return sum(s.wait_hours or 0.0 for s in self.stages) if self.wait_known else None

    @property
    def flow_efficiency(self) -> float | None:
        """Active time / total lead time; None unless waiting is known for every stage."""
        wait = self.wait_hours
        return None if wait is None else 1 - wait / self.iteration_hours

    @property
    def failed_share(self) -> float | None:
        return self.failed_hours / self.recorded_hours if self.recorded_hours > 0 else None

    def metrics(self) -> dict[str, Any]:
        """The numbers playbook data rules may test (see triage.kinds.runs.metrics.ITERATION_METRICS)."""
        top = self.bottleneck
        metrics: dict[str, Any] = {
            "has_data": self.has_data,
            "runs": self.runs,
            "iteration_hours": self.iteration_hours if self.has_data else None,
            "bottleneck": top.stage if top else None,
            "bottleneck_label": top.label if top else None,
            "bottleneck_share": top.share if top else None,
            "bottleneck_ceiling": amdahl_ceiling(top.share) if top and top.share < 1 else None,
            "wait_known": self.wait_known,
            "wait_share": None,
            "flow_efficiency": self.flow_efficiency,
            "failed_share": self.failed_share,
            "max_variability": None,
            "most_variable_stage": None,
        }
        if self.wait_known:
            metrics["wait_share"] = self.wait_hours / self.iteration_hours
        for stage_id in (*CANONICAL_STAGES, "handoff"):
            found = self.stage(stage_id)
            metrics[f"{stage_id}_share"] = found.share if found else (0.0 if self.has_data else None)
        for stage_id in CANONICAL_STAGES:
            found = self.stage(stage_id)
            known = found is not None and found.wait_hours is not None and found.hours > 0
            metrics[f"{stage_id}_wait_share"] = found.wait_hours / found.hours if known else None
        top_transition = self.transitions[0] if self.transitions else None
        metrics["handoff_top_transition"] = top_transition.label if top_transition else None
        metrics["handoff_top_transition_share"] = top_transition.share if top_transition else None
        metrics["handoff_where_text"] = handoff_where(self) or None
        # GPU time of one iteration: waiting for GPUs (startup) and running on them (training)
        if self.has_data:
            metrics["startup_training_share"] = metrics["startup_share"] + metrics["training_share"]
        else:
            metrics["startup_training_share"] = None
        startup = self.stage("startup")
        metrics["startup_variability"] = startup.variability if startup else None
        variable = [s for s in self.stages if s.variability is not None]
        if variable:
            worst = max(variable, key=lambda s: s.variability)
            metrics["max_variability"] = worst.variability
            metrics["most_variable_stage"] = worst.stage
        return metrics


def amdahl_ceiling(share: float) -> float:
    """Overall speed-up if a stage with this share of the loop took no time: 1 / (1 - p)."""
    return math.inf if share >= 1 else 1 / (1 - share)


def _order(stage_ids: Sequence[str]) -> list[str]:
    """Pipeline order: canonical stages first, then unknown ones as first seen, hand-offs last."""
    known = [s for s in CANONICAL_STAGES if s in stage_ids]
    others = [s for s in dict.fromkeys(stage_ids) if s not in CANONICAL_STAGES and s != "handoff"]
    return known + others + (["handoff"] if "handoff" in stage_ids else [])


# --------------------------------------------------------------------------------------------
# The typed stage table


@dataclass(frozen=True)
class StageRow:
    stage: str
    hours: float | None
    wait_hours: float | None = None


def _number(value: Any) -> float | None:
    """A finite float from a cell, None for blank; raises ValueError on anything else."""
    number = typed_number(value)
    if number is not None and not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def analyse_stage_table(rows: Sequence[Mapping[str, Any]]) -> IterationAnalysis:
    """Analyse stage rows typed in the meeting (keys: stage, hours, wait_hours).

    The hours are average hours per iteration (means, so they add up); medians and quantiles
    of a typed table are unknown. Rows that cannot be used are reported, never silently
    dropped; blank rows are ignored. Two rows naming the same stage add up.
    """
    hours: dict[str, float] = {}
    waits: dict[str, float | None] = {}
    skipped: list[SkippedRow] = []
    for index, row in enumerate(rows, start=1):
        name = str(row.get("stage") or "").strip()
        try:
            value = _number(row.get("hours"))
            wait = _number(row.get("wait_hours"))
        except (TypeError, ValueError):
            skipped.append(SkippedRow(index, "hours and waiting must be numbers"))
            continue
        if not name and value is None:
            continue
        if not name:
            skipped.append(SkippedRow(index, "the stage has no name"))
            continue
        if value is None:
            skipped.append(SkippedRow(index, f"'{name}' has no hours"))
            continue
        if value < 0 or (wait is not None and wait < 0):
            skipped.append(SkippedRow(index, f"'{name}': hours cannot be negative"))
            continue
        if value > MAX_STAGE_HOURS:
            skipped.append(SkippedRow(index, f"'{name}': hours {_TOO_LONG}"))
            continue
        if wait is not None and wait > value:
            skipped.append(SkippedRow(index, f"'{name}': waiting ({wait:g} h) exceeds hours ({value:g} h)"))
            continue
        stage = canonical_stage(name)
        known_wait = waits.get(stage, 0.0) if stage in hours else 0.0
        hours[stage] = hours.get(stage, 0.0) + value
        waits[stage] = None if wait is None or known_wait is None else known_wait + wait
    total = sum(hours.values())
    # A hand-off is waiting by definition, whatever the table says.
    waits.update({s: hours[s] for s in hours if s == "handoff"})
    stages = tuple(
        StageStats(stage=s, median_hours=None, mean_hours=hours[s],
                   share=hours[s] / total if total > 0 else 0.0, wait_hours=waits[s])
        for s in _order(list(hours))
    )
    return IterationAnalysis(stages=stages, source="table", skipped=tuple(skipped))


# --------------------------------------------------------------------------------------------
# Runs CSV


@dataclass(frozen=True)
class RunsData:
    """Parsed runs: one row per (run, stage) with its total hours; kept for distribution charts."""

    per_run: pd.DataFrame  # columns: run_id, stage, hours, wait_hours (NaN = unknown)
    analysis: IterationAnalysis
    name: str = "runs.csv"
    rows_read: int = 0
    notes: tuple[str, ...] = field(default=())
    raw: bytes = field(default=b"", repr=False)  # the file as uploaded, kept for follow-ups
    source_format: str = "runs"  # the export it was read from (triage.sources.FORMATS)
    # Waits the table cannot hold because some are still going (sacct's pending jobs' queue wait):
    # the runs count finished work only, this says what the unfinished would add.
    queue_wait: OpenWaits | None = field(default=None, compare=False)


def run_totals(per_run: pd.DataFrame) -> pd.Series:
    """Each run's total hours: the sum of its stage times, retries and hand-offs included."""
    return per_run.groupby("run_id", sort=False)["hours"].sum()


def _skip(frame: pd.DataFrame, bad: pd.Series, reason: str, skipped: list[SkippedRow],
          rows: pd.Series) -> pd.DataFrame:
    _skip_mark(bad, reason, skipped, rows)
    return frame[~bad]


def _parse_numbers(column: pd.Series) -> pd.Series:
    """Strings to floats; blanks become NaN, unparseable text becomes NaN too (caller checks).

    Commas are read as ``triage.tabular.number_text`` reads them: "2,5" is 2.5, "1,200,000" is
    1200000, and "1,500" follows the column's other cells ("0.5" elsewhere: 1500; "0,5": 1.5).
    When nothing in the column tells, the file is refused (InputError) rather than read as one
    of the two: a 1,500-hour stage read as 1.5 h would move the bottleneck without a sign."""
    with_comma = column.str.contains(",", regex=False)
    cleaned = column
    if with_comma.any():
        distinct = column[with_comma].unique()
        convention = separator_convention(list(column.unique()))
        readings = {}
        for text in distinct:
            try:
                readings[text] = number_text(text, convention)
            except AmbiguousNumber as err:
                row = spreadsheet_row(column.index[(column == text).to_numpy()][0])
                raise InputError(f"runs table, column {column.name}, row {row}: {err}.") from None
        cleaned = column.where(~with_comma, column.map(readings))
    return pd.to_numeric(cleaned.where(cleaned != ""), errors="coerce")


def _parse_times(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column.where(column != ""), utc=True, format="ISO8601", errors="coerce")


def parse_runs(data: bytes, name: str = "runs.csv",
               columns: Mapping[str, str] | None = None) -> RunsData:
    """Read a runs CSV; rows that cannot be used are skipped with a reason, the rest analysed.

    Raises InputError when the file as a whole cannot be used (not a CSV, missing columns, no
    usable rows). ``columns`` maps fields to the file's columns (``triage.mapping``).
    """
    table = read_table(data, name=name, required=RUNS_REQUIRED, any_of=RUNS_TIME_COLUMNS,
                       columns=columns)
    frame = table.frame
    rows = pd.Series(frame.index.to_numpy() + 2, index=frame.index)  # spreadsheet row numbers
    skipped: list[SkippedRow] = []
    notes = list(table.notes)
    frame = _skip(frame, frame["run_id"] == "", "run_id is empty", skipped, rows)
    frame = _skip(frame, frame["stage"] == "", "stage is empty", skipped, rows)

    has_times = "started_at" in frame and "ended_at" in frame
    has_duration = "duration_hours" in frame
    work = pd.DataFrame({"run_id": frame["run_id"], "stage_name": frame["stage"]})
    naive = 0
    duration = pd.Series(np.nan, index=frame.index)
    if has_duration:
        raw = frame["duration_hours"]
        duration = _parse_numbers(raw)
        typed = raw != ""
        bad = typed & ~np.isfinite(duration)
        frame, work, duration = (x[~bad] for x in (frame, work, duration))
        _skip_mark(bad, "duration_hours is not a finite number", skipped, rows)
    if has_times:
        start_raw, end_raw = frame["started_at"], frame["ended_at"]
        start, end = _parse_times(start_raw), _parse_times(end_raw)
        given = (start_raw != "") | (end_raw != "")
        unparsed = given & (start.isna() | end.isna())
        needed = duration.isna()
        bad = unparsed & needed
        _skip_mark(bad, "started_at/ended_at is not an ISO 8601 date-time "
                   "(e.g. 2026-03-01T09:30:00Z)", skipped, rows)
        keep = ~bad
        frame, work, duration, start, end = (x[keep] for x in (frame, work, duration, start, end))
        timed = start.notna() & end.notna()
        naive = sum(_count_naive(frame[column][timed]) for column in ("started_at", "ended_at"))
        backwards = timed & (end < start)
        _skip_mark(backwards, "ended_at is before started_at", skipped, rows)
        keep = ~backwards
        frame, work, duration, start, end = (x[keep] for x in (frame, work, duration, start, end))
        from_times = (end - start).dt.total_seconds() / 3600
        duration = duration.where(duration.notna(), from_times)
        work["started_at"], work["ended_at"] = start, end
    missing = duration.isna()
    _skip_mark(missing, "no duration: give duration_hours or started_at and ended_at", skipped,
               rows)
    negative = ~missing & (duration < 0)
    _skip_mark(negative, "duration_hours is negative", skipped, rows)
    too_long = ~missing & (duration > MAX_STAGE_HOURS)
    _skip_mark(too_long, f"the stage time (duration_hours, or ended_at - started_at) {_TOO_LONG}",
               skipped, rows)
    keep = ~missing & ~negative & ~too_long
    frame, work, duration = frame[keep], work[keep], duration[keep]
    work["hours"] = duration.astype(float)

    work["wait_hours"] = np.nan
    clamped = 0
    if "wait_hours" in frame:
        wait = _parse_numbers(frame["wait_hours"])
        typed = frame["wait_hours"] != ""
        hours = work["hours"]
        allowed = hours + np.maximum(hours * WAIT_TOLERANCE_SHARE, WAIT_TOLERANCE_HOURS)
        unusable = typed & (~np.isfinite(wait) | (wait < 0))
        too_long = typed & ~unusable & (wait > allowed + _FLOAT_SLACK)
        _skip_mark(unusable, "wait_hours must be a number of 0 or more", skipped, rows)
        _skip_mark(too_long, "wait_hours is longer than the stage itself (more than 1% or 60 s "
                   "above its duration): check which column holds what", skipped, rows)
        hair = typed & ~unusable & ~too_long & (wait > hours)
        clamped = int(hair.sum())
        wait = wait.where(~hair, hours)
        bad_wait = unusable | too_long
        work = work[~bad_wait]
        frame = frame[~bad_wait]
        work["wait_hours"] = wait[~bad_wait]

    work["failed"] = False
    if "status" in frame:
        status = frame["status"].str.lower()
        work["failed"] = status.isin(_FAILED).to_numpy()
        unknown = (status != "") & ~status.isin(_FAILED | _SUCCEEDED)
        if unknown.any():
            notes.append(f"{int(unknown.sum())} rows have a status other than succeeded/failed; "
                         "they count as succeeded")

    if work.empty:
        reasons = sorted({s.reason for s in skipped})
        raise InputError(
            f"{name}: no usable rows ({len(skipped)} skipped: {'; '.join(reasons[:3])}). "
            "Check the column formats against the template."
        )
    if naive:
        notes.append(f"{naive} timestamps had no time zone and were read as UTC")
    skipped.sort(key=lambda s: s.row)
    runs = _summarise_runs(work, name, len(table.frame), tuple(skipped), naive, tuple(notes))
    # A mapped file is kept as our runs CSV: a follow-up or a re-read needs no mapping.
    raw = canonical_csv(table) if columns and table.renamed else data
    return replace(runs, raw=raw, analysis=replace(runs.analysis, clamped_waits=clamped))


def _count_naive(stamps: pd.Series) -> int:
    """Timestamps without a zone; the common 'Z' suffix is checked cheaply before the regex."""
    rest = stamps[~stamps.str.endswith(("Z", "z"))]
    return int((~rest.str.contains(_HAS_ZONE, regex=True)).sum())


def _skip_mark(bad: pd.Series, reason: str, skipped: list[SkippedRow], rows: pd.Series) -> None:
    if bad.any():
        skipped.extend(SkippedRow(int(r), reason) for r in rows.loc[bad[bad].index])


def _handoff_hours(work: pd.DataFrame) -> tuple[pd.DataFrame, tuple[Transition, ...]]:
    """Per run: time between one stage's end and the next stage's start (parallel work overlaps),
    and where those gaps sit: after which stage ended (the latest end so far), before which began.

    Only runs with at least two timed rows can show a hand-off; their gaps may well be zero.
    """
    empty = pd.DataFrame(columns=["run_id", "hours"]), ()
    if "started_at" not in work:
        return empty
    timed = work.dropna(subset=["started_at", "ended_at"])
    timed = timed[timed.groupby("run_id")["run_id"].transform("size") >= 2]
    if timed.empty:
        return empty
    # lexsort on integer codes is several times faster than sort_values on 500k mixed keys.
    run_codes = pd.factorize(timed["run_id"])[0]
    ends, starts = (timed[c].astype("int64").to_numpy() for c in ("ended_at", "started_at"))
    order = np.lexsort((ends, starts, run_codes))
    timed = timed.iloc[order]
    latest_end = timed.groupby("run_id")["ended_at"].cummax()
    previous_end = latest_end.groupby(timed["run_id"]).shift()
    gaps = (timed["started_at"] - previous_end).dt.total_seconds().div(3600).clip(lower=0)
    per_run = gaps.fillna(0).groupby(timed["run_id"]).sum()
    if not (per_run > 0).any():
        return empty
    # The stage holding the latest end so far; a run's first row always holds it, so a plain
    # forward fill never carries a stage from one run into the next.
    stage_codes, stage_ids = pd.factorize(timed["stage"])
    holder = pd.Series(stage_codes, index=timed.index, dtype=float).where(
        timed["ended_at"] == latest_end).ffill()
    runs_sorted = run_codes[order]
    first = np.r_[True, runs_sorted[1:] != runs_sorted[:-1]]
    hours = gaps.to_numpy()
    waited = (np.nan_to_num(hours) > 0) & ~first
    after = holder.shift().to_numpy()[waited].astype(np.int64)
    # One integer per (after, before) pair; numpy sums them without a groupby on 500k rows.
    width = len(stage_ids)
    pairs = after * width + stage_codes[waited]
    summed = np.bincount(pairs, weights=hours[waited], minlength=width * width)
    run_pairs = np.unique(pairs * (int(runs_sorted.max()) + 1) + runs_sorted[waited])
    runs_per_pair = np.bincount(run_pairs // (int(runs_sorted.max()) + 1),
                                minlength=width * width)
    total = float(summed.sum())
    transitions = tuple(sorted(
        (Transition(after=str(stage_ids[pair // width]), before=str(stage_ids[pair % width]),
                    hours=float(summed[pair]), share=float(summed[pair]) / total,
                    runs=int(runs_per_pair[pair]))
         for pair in np.flatnonzero(summed > 0)),
        key=lambda t: (-t.hours, t.after, t.before)))
    return per_run.rename("hours").reset_index(), transitions


def _run_starts(work: pd.DataFrame) -> pd.Series:
    """Each run's earliest start time (runs without timestamps are left out)."""
    if "started_at" not in work:
        return pd.Series(dtype="datetime64[ns, UTC]")
    return work.dropna(subset=["started_at"]).groupby("run_id")["started_at"].min()


def _summarise_runs(work: pd.DataFrame, name: str, rows_read: int, skipped, naive: int,
                    notes) -> RunsData:
    # Integer run ids: grouping by codes avoids re-hashing half a million strings per groupby.
    work = work.assign(run_id=pd.factorize(work["run_id"])[0])
    names = work["stage_name"].unique()  # a handful of names over many rows
    work = work.assign(stage=work["stage_name"].map(dict(zip(names, map(canonical_stage, names),
                                                              strict=True))))
    failed_hours = float(work.loc[work["failed"], "hours"].sum())
    failed_runs = int(work.loc[work["failed"], "run_id"].nunique())
    recorded = float(work["hours"].sum())
    # Retries of a stage in one run add up; a stage's wait is known only if every retry says it.
    grouped = work.groupby(["run_id", "stage"], sort=False)
    per_run = grouped.agg(hours=("hours", "sum"), wait_hours=("wait_hours", "sum"),
                          wait_rows=("wait_hours", "count"), rows=("hours", "size")).reset_index()
    per_run.loc[per_run["wait_rows"] < per_run["rows"], "wait_hours"] = np.nan
    per_run = per_run[["run_id", "stage", "hours", "wait_hours"]]
    handoff, transitions = _handoff_hours(work)
    if not handoff.empty:
        handoff = handoff.assign(stage="handoff", wait_hours=handoff["hours"])
        per_run = pd.concat([per_run, handoff[per_run.columns]], ignore_index=True)
    run_count = int(work["run_id"].nunique())
    stages = _stage_stats(per_run, run_count)
    totals = run_totals(per_run)
    analysis = IterationAnalysis(
        stages=stages, source="runs", runs=run_count,
        failed_runs=failed_runs, failed_hours=failed_hours, recorded_hours=recorded,
        skipped=skipped, naive_timestamps=naive, notes=notes, transitions=transitions,
        cadence=cadence_of(_run_starts(work)),
        typical_iteration_hours=float(totals.median()),
        p90_iteration_hours=float(totals.quantile(0.9)),
    )
    return RunsData(per_run=per_run, analysis=analysis, name=name, rows_read=rows_read,
                    notes=notes)


def _stage_stats(per_run: pd.DataFrame, run_count: int) -> tuple[StageStats, ...]:
    """Per stage: the mean per run over all ``run_count`` runs (what adds up), and median, p75,
    p90 over the runs that have it (what describes)."""
    by_stage = per_run.groupby("stage", sort=False)
    quantiles = by_stage["hours"].quantile([0.5, 0.75, 0.9]).unstack()
    counts = by_stage["run_id"].nunique()
    sums = by_stage["hours"].sum()
    known = per_run.dropna(subset=["wait_hours"]).groupby("stage")
    wait_sum, known_rows = known["wait_hours"].sum(), known["hours"].size()
    all_rows = by_stage["hours"].size()
    runs = max(run_count, 1)
    total = float(sums.sum()) / runs  # the mean of run totals
    stats = []
    for stage in _order(list(quantiles.index)):
        mean = float(sums[stage]) / runs
        wait = None
        # Waiting is "known" for a stage only if every run that has it says how long it waited.
        if stage in wait_sum.index and known_rows.get(stage, 0) == all_rows[stage]:
            wait = min(float(wait_sum[stage]) / runs, mean)
        stats.append(StageStats(
            stage=stage, median_hours=float(quantiles.loc[stage, 0.5]), mean_hours=mean,
            share=mean / total if total > 0 else 0.0,
            p75_hours=float(quantiles.loc[stage, 0.75]), p90_hours=float(quantiles.loc[stage, 0.9]),
            runs=int(counts[stage]), wait_hours=wait,
        ))
    return tuple(stats)


# --------------------------------------------------------------------------------------------
# Amdahl what-if


@dataclass(frozen=True)
class WhatIf:
    before_hours: float
    after_hours: float
    after_by_stage: dict[str, float]
    iterations_per_month: float

    @property
    def speedup(self) -> float:
        return self.before_hours / self.after_hours if self.after_hours > 0 else math.inf

    @property
    def saved_per_iteration(self) -> float:
        return self.before_hours - self.after_hours

    @property
    def saved_per_month(self) -> float:
        """Lead time (waiting for results) saved per month, not people's working hours."""
        return self.saved_per_iteration * self.iterations_per_month


@dataclass(frozen=True)
class SpeedUp:
    """A speed-up on one stage: factors for its waiting and its active time (1 = unchanged)."""

    wait: float = 1.0
    active: float = 1.0

    @classmethod
    def on(cls, affects: str, factor: float) -> SpeedUp:
        if affects == "wait":
            return cls(wait=factor)
        if affects == "active":
            return cls(active=factor)
        return cls(wait=factor, active=factor)

    def then(self, other: SpeedUp) -> SpeedUp:
        """Two speed-ups on the same time compound: each applies to what the other leaves."""
        return SpeedUp(self.wait * other.wait, self.active * other.active)


def project(analysis: IterationAnalysis, speedups: Mapping[str, SpeedUp],
            iterations_per_month: float, *, unknown_wait_as: float = 0.0) -> WhatIf:
    """T_new = Σ wait_i / k_wait_i + active_i / k_active_i, on the stage means (times that add up).

    Where a stage's waiting share is unknown, ``unknown_wait_as`` (0..1) says which share to assume
    for it: callers bracket an honest range by projecting with 0 and with 1.
    """
    after: dict[str, float] = {}
    for stats in analysis.stages:
        speed = speedups.get(stats.stage, SpeedUp())
        wait = stats.wait_hours
        if wait is None:
            wait = stats.hours * unknown_wait_as
        active = stats.hours - wait
        after[stats.stage] = wait / speed.wait + active / speed.active
    return WhatIf(analysis.iteration_hours, float(sum(after.values())), after,
                  iterations_per_month)


def whatif(analysis: IterationAnalysis, factors: Mapping[str, float],
           iterations_per_month: float) -> WhatIf:
    """The meeting's sliders: each factor speeds up a whole stage (waiting and working alike)."""
    return project(analysis, {s: SpeedUp(f, f) for s, f in factors.items() if f >= 1},
                   iterations_per_month)


def handoff_where(analysis: IterationAnalysis, limit: int = 2) -> str:
    """Where hand-off waiting sits, largest first, e.g. "Evaluation & comparison → Deployment &
    approval: 80% of hand-off time; Data access & features → Job startup & queueing: 15%".

    Names transitions until they cover most of it (at least 60%) or ``limit`` are named; empty
    when the analysis has no measured hand-offs.
    """
    parts: list[str] = []
    covered = 0.0
    for transition in analysis.transitions[:limit]:
        if parts and (covered >= 0.6 or transition.share < 0.1):
            break
        suffix = " of hand-off time" if not parts else ""
        parts.append(f"{transition.label}: {_percent(transition.share)}{suffix}")
        covered += transition.share
    return "; ".join(parts)


def _percent(share: float) -> str:
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"


def hours_text(value: float) -> str:
    """Hours as people read them: "7.5 h", "130 h"."""
    return f"{value:.0f} h" if value >= 100 else f"{value:.1f} h"


# Mean and median of run totals closer than this (share of the mean) read as one number.
_SAME_SHARE = 0.05


def in_runs(analysis: IterationAnalysis, stats: StageStats) -> str:
    """"in 4 of 40 runs" for a stage missing from some runs; "" when every run has it (or the
    numbers were typed)."""
    if analysis.source != "runs" or stats.runs is None or stats.runs >= analysis.runs:
        return ""
    return f"in {stats.runs} of {analysis.runs} runs"


def _in_runs_aside(analysis: IterationAnalysis, stats: StageStats) -> str:
    """" (in 4 of 40 runs)" after a stage's name, or nothing."""
    where = in_runs(analysis, stats)
    return f" ({where})" if where else ""


def when_present_hours(analysis: IterationAnalysis, stats: StageStats) -> float | None:
    """A stage's mean time in the runs that have it (its mean per run × runs / runs with it)."""
    if analysis.source != "runs" or not stats.runs or stats.mean_hours is None:
        return None
    return stats.mean_hours * analysis.runs / stats.runs


def _rare_driver(analysis: IterationAnalysis, gap: float) -> StageStats | None:
    """The stage that explains a mean well above the median: present in at most half the runs
    (so it barely moves the median) and adding at least half the gap to the mean."""
    rare = [s for s in analysis.stages
            if s.runs is not None and 0 < s.runs * 2 <= analysis.runs and s.hours >= gap / 2]
    return max(rare, key=lambda s: s.hours, default=None)


def iteration_sentence(analysis: IterationAnalysis) -> str:
    """How long one iteration takes, saying which figure is which (mean of run totals, median
    of run totals, typed averages); true for one run, for a typed table and when mean ≈ median.

    E.g. "A typical iteration takes 9.0 h (median of 40 runs); on average 12.1 h, because
    Labelling adds 30.0 h to 4 of 40 runs."
    """
    mean = analysis.iteration_hours
    if analysis.source != "runs":
        return (f"One iteration takes {hours_text(mean)} on average (the stage table's average "
                "hours per iteration, added up).")
    if analysis.runs <= 1 or analysis.typical_iteration_hours is None:
        return f"The one run measured took {hours_text(mean)}."
    typical, n = analysis.typical_iteration_hours, analysis.runs
    gap = mean - typical
    if abs(gap) <= _SAME_SHARE * mean:
        return (f"One iteration takes {hours_text(mean)} on average (mean of {n} runs); a "
                f"typical one {hours_text(typical)} (median).")
    text = (f"A typical iteration takes {hours_text(typical)} (median of {n} runs); on average "
            f"{hours_text(mean)}")
    if gap < 0:
        return text + ": a few much shorter runs pull the mean down."
    driver = _rare_driver(analysis, gap)
    if driver is not None:
        return (text + f", because {driver.label} adds "
                f"{hours_text(when_present_hours(analysis, driver))} to {driver.runs} of {n} runs.")
    slow = analysis.p90_iteration_hours
    return text + (f": the slowest runs pull the mean up (p90 of run totals {hours_text(slow)})."
                   if slow is not None else ": the slowest runs pull the mean up.")


def headline(analysis: IterationAnalysis) -> str:
    """The chart's message in words: how long an iteration takes (mean and typical), what
    dominates its mean, what halving it buys, what cannot help much.

    E.g. "One iteration takes 14.8 h on average (mean of 40 runs); a typical one 14.6 h
    (median). Data access & features is 40% of the average iteration: halving it saves 2.9 h
    per iteration (1.25× faster). Job startup & queueing is 7% — even at zero, at most 1.08×
    faster."
    """
    top = analysis.bottleneck
    if top is None:
        return "No stage times yet: type them in or upload runs to see where the time goes."
    whole = "the iteration" if analysis.source == "runs" and analysis.runs == 1 \
        else "the average iteration"
    halved = project(analysis, {top.stage: SpeedUp(2, 2)}, 1.0)
    text = (f"{iteration_sentence(analysis)} {top.label}{_in_runs_aside(analysis, top)} is "
            f"{top.share:.0%} of {whole}: halving it saves {halved.saved_per_iteration:.1f} h per "
            f"iteration ({halved.speedup:.2f}× faster).")
    others = [s for s in analysis.stages if s.stage != top.stage and s.hours > 0]
    if others:
        # The stage people most often want to speed up (queueing) if present, else the smallest.
        small = analysis.stage("startup") or min(others, key=lambda s: s.share)
        if small.stage != top.stage:
            text += (f" {small.label}{_in_runs_aside(analysis, small)} is {small.share:.0%} — "
                     f"even at zero, at most {amdahl_ceiling(small.share):.2f}× faster.")
    handoff = analysis.stage("handoff")
    where = analysis.transitions[0] if analysis.transitions else None
    if handoff is not None and where is not None and (handoff.share >= 0.1 or handoff is top):
        between = f"{stage_label(where.after)} and {stage_label(where.before)}"
        if where.after == where.before:
            between = f"two {stage_label(where.after)} attempts"
        amount = "most of it" if where.share >= 0.5 else "the largest part"
        text += (f" Hand-off waiting is {handoff.share:.0%}: {amount} "
                 f"({_percent(where.share)}) between {between}.")
    return text
