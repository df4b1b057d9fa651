"""Scenario "data access is blocked": where do access requests wait?

Input is a request log (one row per access request) or one typical request's stage hours typed
in the meeting. The lifecycle is requested → owner found → approved → provisioned → first use,
so every request passes four stages (ids from ``vocabulary.ACCESS_STAGE_LABELS``)::

    owner         requested_at       → owner_assigned_at
    approval      owner_assigned_at  → approved_at
    provisioning  approved_at        → provisioned_at     (approval is not access)
    first_use     provisioned_at     → first_access_at

Semantics (the contract; tests check each of them):

- **As-of date.** 'Now' is an explicit as-of instant, by default the latest timestamp in the file,
  never the wall clock: the same file always gives the same numbers. A row with a timestamp
  after an explicitly chosen as-of date is skipped (it had not happened yet), with a reason.
- **Completed stage.** Both ends present and in order: its duration is a wait that ended; ``n``
  counts them.
- **Open stage.** A request whose latest timestamp is followed by no other one is still waiting
  in the next stage; its wait runs from that timestamp to the as-of date and is never counted as
  zero or dropped: it is right-censored at that age (``open`` counts them). Requests whose
  ``status`` is denied, expired or revoked are closed: open in no stage, while the stages they
  completed still count. A request with first_access_at is done.
- **Stage figures: Kaplan–Meier** (``triage.survival``, ``scipy.stats.ecdf`` on censored data),
  one curve per stage (``AccessStage.curve``): completed waits ended, open ones censored. Median
  and p90 follow R's ``survfit``: the smallest wait at which the share still waiting S(t) is at
  most 1 − q, the midpoint to the next ended wait where S equals 1 − q exactly (complete data
  gives the ordinary median). When the curve never falls that far the figure is not known:
  ``median_hours`` / ``p90_hours`` are None and ``median_lower_bound_hours`` /
  ``p90_lower_bound_hours`` hold the longest wait seen ("more than X h"), never the
  completed-only number. ``completed_median_hours`` (completed waits only, biased low when
  requests are still waiting) is kept beside it for contrast. ``mean_hours`` is the restricted
  mean, the area under S up to the longest wait seen; with requests still waiting there it is a
  lower bound (``mean_is_lower_bound``). Medians describe; means add up, so the plan sizes
  request-days on means (``as_iteration``).
- **Missing middle.** An empty timestamp with a later one present (e.g. no approved_at but a
  provisioned_at) makes that stage and the next unknown for that request; they are left out
  (reported under ``skipped`` with the row and the reason) and not treated as waiting. The
  request's other stages and its time to access still count.
- **Out of order.** When a timestamp is earlier than the previous one given, that pair is
  unusable: the stage between them is left out and reported under ``skipped``.
- **Whole rows skipped** (with row number and reason): empty request_id, a repeated request_id
  (the first row wins), empty or unreadable requested_at, any unreadable timestamp.
- **Time zones.** ISO 8601 timestamps with offsets are compared as instants; timestamps without
  a zone are read as UTC and a note counts them.
- **A column missing altogether** means the log does not record that step: the two stages
  around it are unknown for every request (a note says so; no row is skipped for it). Requests
  waiting around such a step count as pending, but in no particular stage.
- **Time to access** (one definition, computed only in ``_time_to_access`` and shown only
  through ``time_to_access_text``): requested_at → first_access_at, the Kaplan–Meier median (and
  p90, mean) over the requests that got access or are still waiting — a waiting request is
  right-censored at its age on the as-of date, never dropped and never counted as done. Requests
  closed without access (denied, expired, revoked) are left out; their shares are reported
  beside it. When fewer than half got access yet, the median is None with a lower bound ("more
  than" the longest wait seen). Read the same way as the stages. Per tier and per month the same
  estimate over that group's requests. A typed request's time to access is the sum of its typed
  stages. The stage bar's sum of stage medians is a different quantity ("the four stage medians
  together") and is never called time to access; nor is the sum of stage means (the mean wait
  of a request that goes through every stage).
- **Owner waits per dataset** (``owner_waits``): per dataset, the Kaplan–Meier median wait from
  requested_at to owner_assigned_at, requests still waiting for an owner censored at their age
  (``OwnerWait.median_hours`` is the lower bound when ``more_than``);
  requests closed before any owner was found are counted apart (when they closed is unknown).
  Worst first; the dataset named in plans is the worst one with at least
  ``MIN_DATASET_REQUESTS`` measured requests (the worst of all when none has that many).
- **SLA breach rate** per stage = P(wait > SLA) = S(SLA), the share of the stage's Kaplan–Meier
  curve still waiting at the SLA ("over" is strictly more than the SLA; the issue's "1 − S" is
  1 − F, the complement of the on-time share). A request still waiting at an age past the SLA
  counts as over; one still waiting below it counts up to its age. Where the SLA lies beyond the
  longest wait seen and the curve has not reached 0 the data cannot tell the rate: None, with
  ``breach_rate_upper_bound`` = S at the longest wait seen ("at most"); never 0. Per tier and
  per month the four stages of the group's requests are pooled on one curve of wait / SLA
  (over the SLA ⇔ ratio > 1), read the same way at 1.
- **SLAs belong to a clock.** ``slas`` are hours on the analysis' clock; stages not given take
  that clock's defaults: 24/48/24/72 calendar hours (1, 2, 1, 3 days) or 8/16/8/24 business hours
  (the same 1, 2, 1, 3 working days of 8 h). A session keeps calendar-hour SLAs in
  ``inputs["slas"]`` (as sessions saved before SLAs had a clock) and business-hour ones in
  ``inputs["business_slas"]`` (``slas_from_inputs``): switching the clock never reuses the other
  clock's numbers.
- **Hours** are calendar hours, or business hours (``Clock(business=True)``): the overlap of the
  interval with Monday–Friday working windows (default 09:00–17:00) on the wall clock of an IANA
  time zone. Computed vectorised: whole business days between the two local dates
  (``numpy.busday_count``) times the window length, minus the worked part of the first day
  before the start, plus the worked part of the last day before the end. Public holidays count
  as working days unless the clock names a holiday calendar (``Clock(holidays="DE")``, from
  the ``holidays`` package), whose days are then off. Open ages, stage durations, time to access and SLAs all
  use the chosen clock; the pending-aging buckets are always calendar time (how long a person
  has been waiting).
- **Paused time** (optional ``paused_hours`` column, hours the request's clock was stopped
  while it waited on the requester, e.g. from ServiceNow's task_sla): subtracted from that
  request's time to access, never below 0. On a business clock the ``business_paused_hours``
  column is subtracted instead (hours on the source's own schedule); without it nothing is, as
  calendar hours of a pause are not business hours. Stage waits keep the paused time: a total
  pause does not say in which stage it fell. ``paused_requests`` / ``paused_hours`` report
  what was subtracted; a note says so.
- **Shares** are over all analysed requests. auto_approved: true/yes/1/y/t (blank or false/no/0
  counts as not automatic). denied/expired: from ``status``; None without a status column.
  pending: not closed and not yet at the last recorded step.
- **Ownerless datasets** need an inventory (``read_inventory``): a request is on an ownerless
  dataset when its dataset is absent from the inventory or has an empty owner (names compared
  case-insensitively). Without an inventory the share is None ("unknown"), with a note. A log
  cannot tell "no owner" from "a slow owner": in a log where ownerless datasets eventually got
  someone assigned, any rule inferred from timestamps would report 0% and mislead.
- **Tiers** come from the log's ``tier`` column, else from the inventory; values other than
  public/internal/confidential/restricted (case-insensitive) and blanks count as "unknown", with
  a note naming the values.
- **Monthly trend** groups by the month of requested_at in the clock's time zone. Recent months
  look faster than they are: their slow requests are still open (see each month's ``pending``).
"""

from __future__ import annotations

import math
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from triage.kinds.requests.metrics import ACCESS_METRICS
from triage.kinds.runs.analysis import IterationAnalysis, SkippedRow, StageStats
from triage.survival import Survival
from triage.tabular import InputError, read_table, typed_number
from triage.vocabulary import ACCESS_STAGE_LABELS, TIERS

STAGES = tuple(ACCESS_STAGE_LABELS)  # owner, approval, provisioning, first_use
TIME_COLUMNS = ("requested_at", "owner_assigned_at", "approved_at", "provisioned_at", "first_access_at")
REQUIRED_COLUMNS = ("request_id", "dataset", "requested_at")
REQUESTS_TEMPLATE = ("request_id,dataset,requested_at,owner_assigned_at,approved_at,provisioned_at,"
                     "first_access_at,tier,status,auto_approved,requester_role\n")
INVENTORY_COLUMNS = ("dataset", "owner", "tier", "preapproved_path", "systems")
INVENTORY_TEMPLATE = "dataset,owner,tier,preapproved_path,systems\n"
# Default SLAs per clock: 1, 2, 1 and 3 days, as calendar hours or as 8-hour working days.
DEFAULT_SLAS: dict[str, float] = {"owner": 24.0, "approval": 48.0, "provisioning": 24.0, "first_use": 72.0}
DEFAULT_BUSINESS_SLAS: dict[str, float] = {"owner": 8.0, "approval": 16.0, "provisioning": 8.0,
                                           "first_use": 24.0}
STATUSES = ("pending", "approved", "denied", "expired", "revoked", "canceled", "withdrawn",
            "closed incomplete", "closed skipped")
# Closed without access: such a request is neither pending nor waiting at a stage.
CLOSED_STATUSES = frozenset({"denied", "expired", "revoked", "canceled", "withdrawn",
                             "closed incomplete", "closed skipped"})
# The tools' own spellings of the same statuses (after lower-casing, "_"/"-" read as spaces).
STATUS_ALIASES = {"cancelled": "canceled", "rejected": "denied", "declined": "denied"}
UNKNOWN_TIER = "unknown"
# Pending requests by calendar age since requested_at: (label, from hours, to hours), left-closed.
AGING_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("< 1 d", 0.0, 24.0),
    ("1–3 d", 24.0, 72.0),
    ("3–7 d", 72.0, 168.0),
    ("1–2 w", 168.0, 336.0),
    ("2–4 w", 336.0, 672.0),
    ("> 4 w", 672.0, math.inf),
)
_TRUE = frozenset({"true", "yes", "y", "1", "t"})
_FALSE = frozenset({"false", "no", "n", "0", "f", ""})
_NO_PATH = frozenset({"", "no", "false", "0", "n", "none", "-", "n/a", "na"})
_HAS_ZONE = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
_NS_PER_HOUR = 3_600_000_000_000
_NS_PER_DAY = 24 * _NS_PER_HOUR
_MAX_NAMED = 8
_ISO_HINT = "is not an ISO 8601 date-time (e.g. 2026-03-01T09:30:00Z)"
# Waits are int64 nanoseconds: an instant must lie in 1677-09-21..2262-04-11 and a difference of
# two within ±292 years, so dates are read from 1900 to 2100 only (no request log has others).
_FIRST_NS = pd.Timestamp("1900-01-01", tz="UTC")
_LAST_NS = pd.Timestamp("2101-01-01", tz="UTC") - pd.Timedelta(1, "ns")
_RANGE_HINT = "is outside the years 1900 to 2100 this analysis reads dates in; check the year"
MIN_DATASET_REQUESTS = 3
AS_OF_NOTE = "waits measured as of "  # the note that starts so: the page shows the as-of apart


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Clock:
    """How hours are counted: calendar hours, or business hours (Mon–Fri, start–end local time)."""

    business: bool = False
    start_hour: int = 9
    end_hour: int = 17
    timezone: str = "UTC"
    holidays: str = ""  # country code (ISO 3166, optionally "DE-BY" for a subdivision); "" = none

    def describe(self) -> str:
        if not self.business:
            return "calendar hours"
        return (f"business hours (Mon–Fri {self.start_hour:02d}:00–{self.end_hour:02d}:00 "
                f"{self.timezone}" + (f", {self.holidays} public holidays off" if self.holidays else "")
                + ")")


class _KaplanMeierFigures:
    """Median and p90 read off a Kaplan–Meier curve: None where the curve never falls that far,
    with a lower bound beside it ("more than X h")."""

    median_hours: float | None
    p90_hours: float | None
    median_lower_bound_hours: float | None
    p90_lower_bound_hours: float | None

    @property
    def median_more_than(self) -> bool:
        return self.median_hours is None and self.median_lower_bound_hours is not None

    @property
    def p90_more_than(self) -> bool:
        return self.p90_hours is None and self.p90_lower_bound_hours is not None

    @property
    def median_or_bound(self) -> float | None:
        """The median, or its lower bound when the curve never falls to one half: what a bar
        and a ranking can show (always with "more than" when it is the bound)."""
        return self.median_hours if self.median_hours is not None else self.median_lower_bound_hours

    @property
    def p90_or_bound(self) -> float | None:
        return self.p90_hours if self.p90_hours is not None else self.p90_lower_bound_hours


@dataclass(frozen=True)
class AccessStage(_KaplanMeierFigures):
    """One stage's waits. From a log every figure is read off the stage's Kaplan–Meier curve
    (completed waits ended, requests still in the stage censored at their age on the as-of
    date); for a typed request the one typed number fills them all."""

    stage: str
    median_hours: float | None  # Kaplan–Meier; None when not reached (see the lower bound)
    p90_hours: float | None  # Kaplan–Meier; None when not reached
    n: int  # requests that completed the stage
    open: int  # requests still waiting in it at the as-of date
    open_ages_hours: tuple[float, ...]  # their waits so far, oldest first
    sla_hours: float  # on the analysis' clock
    breach_rate: float | None  # P(wait > SLA) = S(SLA); None when the curve cannot tell
    durations: tuple[float, ...] = ()  # completed waits in file order, for distribution charts
    # The stage's Kaplan–Meier curve: completed durations ended, open ages censored. None for a
    # typed request. Not compared or hashed (numpy arrays inside).
    curve: Survival | None = field(default=None, compare=False, repr=False)
    median_lower_bound_hours: float | None = None  # "more than X h" when the median is None
    p90_lower_bound_hours: float | None = None
    completed_median_hours: float | None = None  # completed waits only: biased low, for contrast
    mean_hours: float | None = None  # area under S up to the longest wait seen (restricted mean)
    mean_is_lower_bound: bool = False  # waits still open past that horizon: the mean is larger
    breach_rate_upper_bound: float | None = None  # when breach_rate is None: at most this

    @property
    def label(self) -> str:
        return ACCESS_STAGE_LABELS.get(self.stage, self.stage)

    @property
    def open_past_sla(self) -> int:
        return sum(age > self.sla_hours for age in self.open_ages_hours)



@dataclass(frozen=True)
class TimeToAccess(_KaplanMeierFigures):
    """Request → first access; see the module docstring for the one definition."""

    median_hours: float | None  # Kaplan–Meier; None when not reached (see the lower bound)
    p90_hours: float | None
    n: int  # requests that got access
    waiting: int = 0  # still waiting at the as-of date: censored at their age
    left_out: int = 0  # closed without access (denied, expired, revoked) or unreadable
    typed: bool = False  # one typed request: the sum of its stages, not an estimate
    # Request → first use as a Kaplan–Meier curve: still waiting censored at their age, closed
    # without access left out. None for a typed request.
    curve: Survival | None = field(default=None, compare=False, repr=False)
    # The waits behind the curve, one per counted request (got access or still waiting), in file
    # order: hours so far, and whether the wait ended (got access). Empty for a typed request.
    waits_hours: tuple[float, ...] = field(default=(), compare=False, repr=False)
    waits_ended: tuple[bool, ...] = field(default=(), compare=False, repr=False)
    median_lower_bound_hours: float | None = None  # "more than X h" when the median is None
    p90_lower_bound_hours: float | None = None
    completed_median_hours: float | None = None  # over the requests that got access only
    mean_hours: float | None = None  # restricted mean up to the longest wait seen
    mean_is_lower_bound: bool = False



@dataclass(frozen=True)
class OwnerWait:
    """How long requests on one dataset waited for someone to own them."""

    dataset: str
    requests: int  # all analysed requests on the dataset
    found: int  # an owner was assigned (completed owner stage)
    waiting: int  # still waiting for an owner at the as-of date
    closed: int  # denied, expired or revoked before any owner was found
    median_hours: float | None  # Kaplan–Meier; a lower bound when more_than
    more_than: bool = False

    @property
    def measured(self) -> int:
        return self.found + self.waiting


@dataclass(frozen=True)
class Shares:
    """Shares of all analysed requests, 0 to 1; None where the log cannot tell."""

    auto_approved: float | None = None
    denied: float | None = None
    expired: float | None = None
    pending: float | None = None
    unowned: float | None = None
    restricted: float | None = None  # restricted or confidential tier


@dataclass(frozen=True)
class TierRow:
    tier: str
    requests: int
    time_to_access_median_hours: float | None  # same definition as TimeToAccess (None: not reached)
    breach_rate: float | None  # pooled over the four stages (Kaplan–Meier on wait / SLA)
    time_to_access_lower_bound_hours: float | None = None  # "more than" when the median is None
    breach_rate_upper_bound: float | None = None

    @property
    def time_to_access_more_than(self) -> bool:
        return self.time_to_access_median_hours is None and self.time_to_access_lower_bound_hours is not None


@dataclass(frozen=True)
class MonthRow:
    month: str  # "2026-03"
    requests: int
    accessed: int  # requests of that month that got access
    time_to_access_median_hours: float | None  # same definition as TimeToAccess (None: not reached)
    breach_rate: float | None  # pooled over the four stages (Kaplan–Meier on wait / SLA)
    pending: int
    time_to_access_lower_bound_hours: float | None = None
    breach_rate_upper_bound: float | None = None

    @property
    def time_to_access_more_than(self) -> bool:
        return self.time_to_access_median_hours is None and self.time_to_access_lower_bound_hours is not None


@dataclass(frozen=True)
class AccessAnalysis:
    requests: int
    stages: tuple[AccessStage, ...]  # lifecycle order: owner, approval, provisioning, first_use
    time_to_access: TimeToAccess
    shares: Shares
    by_tier: tuple[TierRow, ...] = ()
    pending_aging: tuple[tuple[str, int], ...] = ()
    monthly: tuple[MonthRow, ...] = ()
    skipped: tuple[SkippedRow, ...] = ()
    notes: tuple[str, ...] = ()
    as_of: datetime | None = None  # None for a typed request
    clock: Clock = field(default_factory=Clock)
    source: str = "log"  # "log" | "typed"
    has_inventory: bool = False
    unowned_source: str | None = None  # "inventory", or None: unknown without an inventory
    preapproved_share: float | None = None  # requested datasets with a pre-approved path
    naive_timestamps: int = 0
    owner_waits: tuple[OwnerWait, ...] = ()  # worst first
    as_of_default: bool = True  # the as-of date is the latest timestamp in the file
    latest_timestamp: datetime | None = None  # in the whole file, also in rows after the as-of date
    slas_given: tuple[str, ...] = ()  # stages whose SLA was given; the others are the clock's defaults
    # Paused time subtracted from the time to access (see the module docstring): requests with
    # a pause, and their paused hours added up; None when the log records no pauses.
    paused_requests: int = 0
    paused_hours: float | None = None

    @property
    def whole_wait_only(self) -> bool:
        """The log tells only request → access (a tool export with no middle step): no stage
        is measured, the time to access is."""
        return (self.source == "log" and not any(s.n or s.open for s in self.stages)
                and bool(self.time_to_access.n or self.time_to_access.waiting))

    @property
    def slowest_owner_dataset(self) -> OwnerWait | None:
        """The dataset whose requests wait longest for an owner (see MIN_DATASET_REQUESTS)."""
        known = [w for w in self.owner_waits if w.median_hours is not None]
        enough = [w for w in known if w.measured >= MIN_DATASET_REQUESTS]
        return (enough or known or [None])[0]

    @property
    def requests_per_month(self) -> float | None:
        """From the log's dates: requests over the months they were made in; None when typed."""
        if self.source != "log" or self.requests <= 1 or not self.monthly:
            return None
        return self.requests / len(self.monthly)

    def stage(self, stage_id: str) -> AccessStage | None:
        return next((s for s in self.stages if s.stage == stage_id), None)

    @property
    def known_stages(self) -> tuple[AccessStage, ...]:
        """Stages with a median, or a lower bound on it ("more than X h")."""
        return tuple(s for s in self.stages if s.median_or_bound is not None)

    @property
    def typical_hours(self) -> float:
        """The sum of the stage medians ("the four stage medians together"; a bound counts as
        its bound, see ``typical_more_than``). Medians do not add up: this is not the time to
        access, which is measured end to end, nor the mean wait (``mean_hours``)."""
        return float(sum(s.median_or_bound for s in self.known_stages))

    @property
    def typical_more_than(self) -> bool:
        return any(s.median_more_than for s in self.known_stages)

    @property
    def mean_hours(self) -> float | None:
        """The four stage means added up: the mean wait of a request that goes through every
        stage (means add up). A lower bound when ``mean_is_lower_bound``."""
        means = [s.mean_hours for s in self.stages if s.mean_hours is not None]
        return float(sum(means)) if means else None

    @property
    def mean_is_lower_bound(self) -> bool:
        return any(s.mean_is_lower_bound for s in self.stages if s.mean_hours is not None)

    @property
    def slowest(self) -> AccessStage | None:
        known = self.known_stages
        return max(known, key=lambda s: s.median_or_bound) if known else None

    @property
    def has_data(self) -> bool:
        return self.requests > 0 and bool(self.known_stages or self.time_to_access.n)

    def metrics(self) -> dict[str, Any]:
        """The numbers playbook data rules may test: exactly the keys of ACCESS_METRICS.

        Stage medians are Kaplan–Meier; where the curve never falls to one half the metric is
        the lower bound (the wait is at least that long, so "≥" rules stay true). A breach rate
        the curve cannot tell is None."""
        slowest = self.slowest
        total = self.typical_hours
        breaches = [s for s in self.stages if s.breach_rate is not None]
        worst = max(breaches, key=lambda s: s.breach_rate) if breaches else None
        approval, provisioning = self.stage("approval"), self.stage("provisioning")
        ratio = None
        if (approval and provisioning and approval.median_hours
                and provisioning.median_or_bound is not None):
            ratio = provisioning.median_or_bound / approval.median_hours
        tta = self.time_to_access
        metrics: dict[str, Any] = {
            "has_data": self.has_data,
            "requests": self.requests,
            "business_hours": self.clock.business,
            "slowest_stage": slowest.stage if slowest else None,
            "slowest_stage_label": slowest.label if slowest else None,
            "slowest_share": (slowest.median_or_bound / total if slowest and total > 0 else None),
            "time_to_access_median_hours": tta.median_or_bound,
            "time_to_access_text": (time_to_access_text(tta)
                                    if tta.median_or_bound is not None else None),
            "worst_breach_rate": worst.breach_rate if worst else None,
            "worst_breach_stage": worst.stage if worst else None,
            "provisioning_to_approval": ratio,
            "unowned_share": self.shares.unowned,
            "auto_approved_share": self.shares.auto_approved,
            "denied_share": self.shares.denied,
            "expired_share": self.shares.expired,
            "pending_share": self.shares.pending,
            "restricted_share": self.shares.restricted,
            "has_inventory": self.has_inventory,
            "preapproved_share": self.preapproved_share,
        }
        worst_owner = self.slowest_owner_dataset
        metrics["owner_slowest_dataset"] = worst_owner.dataset if worst_owner else None
        metrics["owner_slowest_dataset_hours"] = worst_owner.median_hours if worst_owner else None
        metrics["owner_slowest_dataset_requests"] = worst_owner.requests if worst_owner else None
        for stage_id in STAGES:
            found = self.stage(stage_id)
            metrics[f"{stage_id}_median_hours"] = found.median_or_bound if found else None
            metrics[f"{stage_id}_breach_rate"] = found.breach_rate if found else None
        return {key: _finite(metrics[key]) for key in ACCESS_METRICS}

    def as_iteration(self) -> IterationAnalysis:
        """The stages as an iteration breakdown, so the Amdahl what-if can be reused.

        Time adds up in means: each stage's ``mean_hours`` is its Kaplan–Meier restricted mean
        (area under S up to the longest wait seen), all of it waiting; shares are over the stage
        means added up, so request-days per month = requests × mean hours, not n × median. The
        median (or its lower bound) stays as the descriptive figure. ``runs`` of a stage = the
        requests that entered it (completed or still in it). A log gives source "runs" with
        runs = requests, a typed request source "table".
        """
        measured = [s for s in self.stages if s.mean_hours is not None]
        total = float(sum(s.mean_hours for s in measured))
        stages = tuple(
            StageStats(stage=s.stage, median_hours=s.median_or_bound, mean_hours=s.mean_hours,
                       share=s.mean_hours / total if total > 0 else 0.0, p75_hours=None,
                       p90_hours=s.p90_hours, runs=s.n + s.open, wait_hours=s.mean_hours)
            for s in measured
        )
        log = self.source == "log"
        return IterationAnalysis(stages=stages, source="runs" if log else "table",
                                 runs=self.requests if log else 0, skipped=self.skipped,
                                 naive_timestamps=self.naive_timestamps, notes=self.notes)


# --------------------------------------------------------------------------------------------
# Settings


def default_slas(clock: Clock | None = None) -> dict[str, float]:
    """The app's default SLAs on ``clock``: calendar hours (1, 2, 1 and 3 days), or business
    hours on a business clock (the same 1, 2, 1 and 3 working days of 8 hours)."""
    return dict(DEFAULT_BUSINESS_SLAS if clock is not None and clock.business else DEFAULT_SLAS)


def sla_text(slas: Mapping[str, float], clock: Clock | None = None) -> str:
    """'24/48/24/72 h' or '8/16/8/24 business h' (owner/approval/provisioning/first use)."""
    unit = "business h" if clock is not None and clock.business else "h"
    return "/".join(f"{slas[s]:g}" for s in STAGES if s in slas) + f" {unit}"


def _check_slas(slas: Mapping[str, float] | None, clock: Clock | None = None) -> dict[str, float]:
    """The clock's default SLAs overridden by ``slas`` (hours on that clock); unknown stages or
    bad numbers raise InputError."""
    merged = default_slas(clock)
    unit = "business hours" if clock is not None and clock.business else "hours"
    for stage, value in (slas or {}).items():
        if stage not in merged:
            raise InputError(f"SLA for unknown stage '{stage}': the stages are {', '.join(STAGES)}.")
        try:
            hours = float(value)
        except (TypeError, ValueError):
            raise InputError(f"The {stage} SLA must be a number of {unit}, not {value!r}.") from None
        if not math.isfinite(hours) or hours < 0:
            raise InputError(f"The {stage} SLA must be a finite number of {unit} ≥ 0, not {value!r}.")
        merged[stage] = hours
    return merged


def clock_from_inputs(inputs: Mapping[str, Any]) -> Clock:
    """The clock a session's inputs choose (``inputs["clock"]``; calendar hours without one)."""
    raw = inputs.get("clock") or {}
    return Clock(business=bool(raw.get("business")), start_hour=int(raw.get("start_hour", 9)),
                 end_hour=int(raw.get("end_hour", 17)), timezone=raw.get("timezone") or "UTC",
                 holidays=str(raw.get("holidays") or ""))


SLA_INPUTS = {False: "slas", True: "business_slas"}  # session input holding each clock's SLAs


def slas_from_inputs(inputs: Mapping[str, Any], clock: Clock | None = None) -> dict[str, Any]:
    """The SLAs typed for the clock in force: ``inputs["slas"]`` holds calendar-hour SLAs (as in
    sessions saved before SLAs had a clock), ``inputs["business_slas"]`` business-hour ones. The
    other clock's values are never used; blanks fall back to the clock's defaults (the values
    are checked where they are used: ``parse_requests`` and ``analyse_typed``)."""
    clock = clock or clock_from_inputs(inputs)
    typed = inputs.get(SLA_INPUTS[clock.business]) or {}
    return {k: v for k, v in typed.items() if v is not None and v != ""}


def latest_timestamp(data: bytes, name: str = "requests.csv",
                     columns: Mapping[str, str] | None = None) -> datetime | None:
    """The latest readable timestamp in a request log: the default as-of date."""
    frame = read_table(data, name=name, required=REQUIRED_COLUMNS, columns=columns).frame
    latest = None
    for column in TIME_COLUMNS:
        if column in frame:
            parsed, _ = _instants(frame[column])
            if parsed.notna().any():
                value = parsed.max()
                latest = value if latest is None or value > latest else latest
    return None if latest is None else latest.to_pydatetime()


def _instants(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """ISO 8601 texts as UTC instants in nanoseconds, and which cells are dates outside 1900–2100
    (pandas reads a year such as 1500 or 9999 at a coarser unit; they become NaT here instead of
    overflowing later, as an instant or as a wait)."""
    parsed = pd.to_datetime(raw.where(raw != ""), utc=True, format="ISO8601", errors="coerce")
    outside = ((parsed < _FIRST_NS) | (parsed > _LAST_NS)).to_numpy()
    return parsed.where(~outside).dt.as_unit("ns"), outside


def _check_clock(clock: Clock) -> None:
    if not (0 <= clock.start_hour < clock.end_hour <= 24):
        raise InputError(f"Working hours must satisfy 0 ≤ start < end ≤ 24; got {clock.start_hour}–"
                         f"{clock.end_hour}.")
    try:
        zoneinfo.ZoneInfo(clock.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise InputError(f"Unknown time zone '{clock.timezone}': use an IANA name such as "
                         "Europe/Berlin or America/New_York.") from None
    if clock.business and clock.holidays:
        holiday_dates(clock.holidays, 0, 0)  # an unknown calendar is refused before any reading


def _as_of_ns(as_of: datetime | date | str | None) -> tuple[int | None, bool]:
    """(as-of instant in UTC nanoseconds or None, whether it had to be read as UTC)."""
    if as_of is None:
        return None, False
    try:
        stamp = pd.Timestamp(as_of)
    except (TypeError, ValueError):
        raise InputError(f"The as-of date {as_of!r} is not a date-time: use ISO 8601, e.g. "
                         "2026-03-01 or 2026-03-01T09:30:00Z.") from None
    if stamp is pd.NaT:
        raise InputError("The as-of date is empty: give a date-time, or none for the latest timestamp.")
    naive = stamp.tzinfo is None
    stamp = stamp.tz_localize("UTC") if naive else stamp.tz_convert("UTC")
    if not _FIRST_NS <= stamp <= _LAST_NS:
        raise InputError(f"The as-of date {as_of!r} {_RANGE_HINT}.")
    return int(stamp.as_unit("ns").value), naive


# --------------------------------------------------------------------------------------------
# Hours


def _local_ns(ns: np.ndarray, timezone: str) -> np.ndarray:
    """UTC nanoseconds → nanoseconds of the local wall clock in ``timezone``."""
    index = pd.to_datetime(ns, utc=True)
    return index.tz_convert(timezone).tz_localize(None).asi8


def business_hours(start_ns: np.ndarray, end_ns: np.ndarray, clock: Clock) -> np.ndarray:
    """Working hours in [start, end] for arrays of UTC nanoseconds (end ≥ start), vectorised.

    Whole business days from the start's local date up to (not including) the end's local date,
    times the window length; minus the part of the first day's window before the start; plus
    the part of the last day's window before the end. Weekend days contribute nothing.
    """
    start_ns, end_ns = np.asarray(start_ns, dtype="int64"), np.asarray(end_ns, dtype="int64")
    if start_ns.size == 0:
        return np.zeros(0)
    local_a, local_b = _local_ns(start_ns, clock.timezone), _local_ns(end_ns, clock.timezone)
    day_a, day_b = local_a // _NS_PER_DAY, local_b // _NS_PER_DAY
    window = clock.end_hour - clock.start_hour
    off = holiday_dates(clock.holidays, int(min(day_a.min(), day_b.min())),
                        int(max(day_a.max(), day_b.max())))
    whole = np.busday_count(day_a.astype("datetime64[D]"), day_b.astype("datetime64[D]"), holidays=off)
    return (whole * window - _worked_before(local_a, day_a, clock, off)
            + _worked_before(local_b, day_b, clock, off))


def holiday_calendar(text: str | None) -> str:
    """A typed holiday calendar as the clock takes it: "de-be" → "DE-BE", "" for none;
    InputError for a country or subdivision the ``holidays`` package does not know."""
    code = (text or "").strip().upper()
    holiday_dates(code, 0, 0)
    return code


def holiday_dates(country: str, first_day: int, last_day: int) -> np.ndarray:
    """Public holidays of ``country`` ("DE", or "DE-BY" for a subdivision) between two days
    (days since 1970-01-01), from the ``holidays`` package; none for "". InputError when the
    code is unknown."""
    if not country:
        return np.array([], dtype="datetime64[D]")
    import holidays as holiday_calendars  # imported here: only business hours with holidays need it

    code, _, subdivision = country.strip().upper().partition("-")
    years = range(int(str(np.datetime64(first_day, "D"))[:4]), int(str(np.datetime64(last_day, "D"))[:4]) + 1)
    try:
        calendar = holiday_calendars.country_holidays(code, subdiv=subdivision or None, years=years)
    except NotImplementedError:  # the holidays package's answer to an unknown country or subdivision
        raise InputError(f"Unknown holiday calendar '{country}': use a country code such as DE, "
                         "FR or US, optionally with a subdivision (DE-BY).") from None
    return np.array(sorted(calendar), dtype="datetime64[D]")


def _worked_before(local: np.ndarray, day: np.ndarray, clock: Clock,
                   off: np.ndarray | None = None) -> np.ndarray:
    """Working hours of each instant's own day that lie before the instant (0 on weekends and
    holidays)."""
    hour_of_day = (local - day * _NS_PER_DAY) / _NS_PER_HOUR
    worked = np.clip(hour_of_day, clock.start_hour, clock.end_hour) - clock.start_hour
    holidays = off if off is not None else np.array([], dtype="datetime64[D]")
    return np.where(np.is_busday(day.astype("datetime64[D]"), holidays=holidays), worked, 0.0)


def _hours(start_ns: np.ndarray, end_ns: np.ndarray | int, valid: np.ndarray, clock: Clock) -> np.ndarray:
    """Hours from start to end where ``valid`` (NaN elsewhere) on the chosen clock."""
    out = np.full(len(valid), np.nan)
    if not valid.any():
        return out
    a = start_ns[valid]
    b = end_ns[valid] if isinstance(end_ns, np.ndarray) else np.full(len(a), end_ns, dtype="int64")
    out[valid] = business_hours(a, b, clock) if clock.business else (b - a) / _NS_PER_HOUR
    return out


# --------------------------------------------------------------------------------------------
# Inventory


def read_inventory(data: bytes, name: str = "inventory.csv",
                   columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read a dataset inventory: ``dataset, owner`` and optionally ``tier, preapproved_path,
    systems``. Returns those five columns as strings ("" for empty), one row per dataset (the
    first row wins when a dataset repeats; blank dataset names are dropped). Notes for the user
    are in ``frame.attrs["notes"]``.
    """
    table = read_table(data, name=name, required=("dataset", "owner"), columns=columns)
    return _normalise_inventory(table.frame, name, list(table.notes))


def _normalise_inventory(frame: pd.DataFrame, name: str, notes: list[str]) -> pd.DataFrame:
    frame = frame.rename(columns=lambda c: str(c).strip().lower().replace(" ", "_"))
    missing = [c for c in ("dataset", "owner") if c not in frame]
    if missing:
        raise InputError(f"{name}: the inventory needs columns dataset and owner; missing "
                         f"{', '.join(missing)}.")
    frame = frame.reindex(columns=list(INVENTORY_COLUMNS), fill_value="").fillna("").astype(str)
    frame = frame.apply(lambda column: column.str.strip())
    frame = frame[frame["dataset"] != ""]
    repeated = frame["dataset"].str.casefold().duplicated()
    if repeated.any():
        names = sorted(set(frame.loc[repeated, "dataset"]))
        notes.append(f"inventory lists {_named(names)} more than once; the first row of each is used")
    frame = frame[~repeated].copy()
    frame.attrs["notes"] = tuple(notes)
    return frame


# --------------------------------------------------------------------------------------------
# Request log


def parse_requests(
    data: bytes,
    name: str = "requests.csv",
    *,
    as_of: datetime | None = None,
    slas: Mapping[str, float] | None = None,
    clock: Clock = Clock(),  # noqa: B008 - frozen, so a shared default is safe
    inventory: pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
) -> AccessAnalysis:
    """Analyse a request log; unusable rows are skipped with a reason, the rest analysed.
    ``columns`` maps fields to the file's columns (``triage.mapping``).

    Raises InputError when the file as a whole cannot be used (not a CSV, a required column
    missing, no usable rows) or a setting is invalid.
    """
    _check_clock(clock)
    limits = _check_slas(slas, clock)
    as_of_given, as_of_naive = _as_of_ns(as_of)
    table = read_table(data, name=name, required=REQUIRED_COLUMNS, columns=columns)
    frame = table.frame
    notes = list(table.notes)
    inv = None
    if inventory is not None:
        inv = _normalise_inventory(inventory, "the inventory", [])
        notes.extend(inv.attrs.get("notes", ()))

    log = _Log.read(frame, as_of_given)
    if as_of_naive:
        notes.append("the as-of date had no time zone and was read as UTC")
    if not log.keep.any():
        first = sorted(log.skipped, key=lambda s: s.row)[:2]
        raise InputError(
            f"{name}: no usable rows ({len(log.skipped)} skipped; "
            f"{'; '.join(f'row {s.row}: {s.reason}' for s in first)}). "
            f"Expected columns: {REQUESTS_TEMPLATE.strip()}."
        )
    analysis = _analyse(log.kept(), limits, clock, inv, notes)
    return replace(analysis, as_of_default=log.as_of_default,
                   latest_timestamp=(pd.Timestamp(log.latest_ns, tz="UTC").to_pydatetime()
                                     if log.latest_ns is not None else None),
                   slas_given=tuple(s for s in STAGES if s in (slas or {})))


@dataclass
class _Log:
    """The log's rows with parsed timestamps; ``keep`` marks rows not skipped as a whole."""

    frame: pd.DataFrame
    rows: np.ndarray  # spreadsheet row numbers
    ns: np.ndarray  # (rows, 5) UTC nanoseconds, undefined where ~has
    has: np.ndarray  # (rows, 5) bool
    tracked: tuple[bool, ...]  # which of TIME_COLUMNS the file has
    keep: np.ndarray
    skipped: list[SkippedRow]
    as_of_ns: int
    as_of_default: bool
    latest_ns: int | None = None  # the latest timestamp of all rows

    @classmethod
    def read(cls, frame: pd.DataFrame, as_of_ns: int | None) -> _Log:
        n = len(frame)
        rows = frame.index.to_numpy() + 2
        tracked = tuple(column in frame for column in TIME_COLUMNS)
        ns = np.zeros((n, len(TIME_COLUMNS)), dtype="int64")
        has = np.zeros((n, len(TIME_COLUMNS)), dtype=bool)
        unreadable, outside = {}, {}
        for i, column in enumerate(TIME_COLUMNS):
            if not tracked[i]:
                continue
            raw = frame[column]
            parsed, outside[column] = _instants(raw)
            values = pd.DatetimeIndex(parsed)
            has[:, i] = ~values.isna()
            ns[:, i] = np.where(has[:, i], values.asi8, 0)
            unreadable[column] = ((raw != "") & ~has[:, i]).to_numpy() & ~outside[column]
        log = cls(frame, rows, ns, has, tracked, np.ones(n, dtype=bool), [], 0, as_of_ns is None)
        log.latest_ns = int(ns[has].max()) if has.any() else None
        log.as_of_ns = log.latest_ns if as_of_ns is None and has.any() else (as_of_ns or 0)
        log._skip_rows(unreadable, outside)
        return log

    def _mark(self, bad: np.ndarray, reason: str | pd.Series) -> None:
        bad = bad & self.keep
        if not bad.any():
            return
        texts = reason[bad] if isinstance(reason, pd.Series) else [reason] * int(bad.sum())
        self.skipped.extend(SkippedRow(int(r), str(t)) for r, t in zip(self.rows[bad], texts, strict=True))
        self.keep &= ~bad

    def _skip_rows(self, unreadable: dict[str, np.ndarray], outside: dict[str, np.ndarray]) -> None:
        ids = self.frame["request_id"]
        empty_id = (ids == "").to_numpy()
        self._mark(empty_id, "request_id is empty; the row is skipped")
        named = ids[~empty_id]
        repeated = named.duplicated(keep="first")
        if repeated.any():
            first_row = pd.Series(self.rows[~empty_id], index=named.index).groupby(named).transform("first")
            reason = ("request_id '" + named + "' repeats row " + first_row.astype(str)
                      + "; only the first row with an id is used")
            bad = np.zeros(len(ids), dtype=bool)
            bad[np.flatnonzero(~empty_id)[repeated.to_numpy()]] = True
            self._mark(bad, reason.reindex(ids.index, fill_value=""))
        self._mark(~self.has[:, 0] & ~unreadable["requested_at"] & ~outside["requested_at"],
                   "requested_at is empty; a request needs the time it was made")
        for column, bad in unreadable.items():
            raw = self.frame[column]
            self._mark(bad, column + " '" + raw + "' " + _ISO_HINT + "; the row is skipped")
            self._mark(outside[column], column + " '" + raw + "' " + _RANGE_HINT + "; the row is skipped")
        if not self.as_of_default:
            late = (self.has & (self.ns > self.as_of_ns)).any(axis=1)
            self._mark(late, f"a timestamp is after the as-of date {_format_ns(self.as_of_ns)}; "
                             "choose a later as-of date to include this request")

    def kept(self) -> _Log:
        keep = self.keep
        return _Log(self.frame[keep], self.rows[keep], self.ns[keep], self.has[keep], self.tracked,
                    np.ones(int(keep.sum()), dtype=bool), self.skipped, self.as_of_ns, self.as_of_default,
                    self.latest_ns)


def _analyse(log: _Log, slas: dict[str, float], clock: Clock, inv: pd.DataFrame | None,
             notes: list[str]) -> AccessAnalysis:
    frame, ns, has, tracked, rows = log.frame, log.ns, log.has, log.tracked, log.rows
    n = len(frame)
    skipped = log.skipped
    naive = _count_naive(frame, tracked)
    if naive:
        notes.append(f"{naive} timestamps had no time zone and were read as UTC")
    as_of = log.as_of_ns
    notes.append(f"{AS_OF_NOTE}{_format_ns(as_of)}"
                 + (" (the latest timestamp in the file)" if log.as_of_default else "")
                 + f", in {clock.describe()}")

    status = _statuses(frame, notes)
    closed = status.isin(CLOSED_STATUSES).to_numpy()
    untracked_stage = _untracked_notes(tracked, notes)

    # Missing middles: stages on both sides of an empty timestamp with a later one are unknown.
    later = np.zeros_like(has)
    later[:, :-1] = np.logical_or.accumulate(has[:, ::-1], axis=1)[:, ::-1][:, 1:]
    missing_middle = np.zeros_like(has)
    for i in (1, 2, 3):
        missing_middle[:, i] = tracked[i] & ~has[:, i] & later[:, i]
    _report_missing_middles(missing_middle, rows, skipped)
    _report_out_of_order(frame, ns, has, rows, skipped)

    # Completed stages, in order, on the chosen clock.
    durations = np.full((n, len(STAGES)), np.nan)
    for k in range(1, 5):
        usable = has[:, k - 1] & has[:, k] & (ns[:, k] >= ns[:, k - 1])
        durations[:, k - 1] = _hours(ns[:, k - 1], ns[:, k], usable, clock)

    # Open stage: the one after the latest timestamp, unless closed or done.
    last = len(TIME_COLUMNS) - 1 - np.argmax(has[:, ::-1], axis=1)
    final = max((i for i in (1, 2, 3, 4) if tracked[i]), default=4)  # the last step the log records
    pending = ~closed & (last < final)
    start_ns = ns[np.arange(n), last]
    open_stage = np.full(n, -1)
    for k in range(1, 5):
        in_stage = pending & (last == k - 1) & tracked[k]
        open_stage[in_stage] = k - 1
    unplaced = int((pending & (open_stage < 0)).sum())
    if unplaced:
        notes.append(f"{unplaced} pending requests wait at a step the log does not record "
                     f"({', '.join(untracked_stage)}), so they are in no stage's open count")
    ages = _hours(start_ns, as_of, open_stage >= 0, clock)

    stages = tuple(_stage(stage, k, durations, open_stage, ages, slas[stage])
                   for k, stage in enumerate(STAGES))
    got_access = has[:, 0] & has[:, 4] & (ns[:, 4] >= ns[:, 0])
    if not tracked[4]:
        notes.append("no first_access_at column: time to access cannot be measured")
        got_access[:] = False
    still_waiting = pending & ~got_access & tracked[4]
    tta = _hours(ns[:, 0], ns[:, 4], got_access, clock)
    tta[still_waiting] = _hours(ns[:, 0], as_of, still_waiting, clock)[still_waiting]
    paused = _paused(frame, clock, got_access | still_waiting, tta, notes)
    if paused is not None:
        tta = np.where(got_access | still_waiting, np.maximum(tta - paused, 0.0), tta)
    time_to_access = _time_to_access(tta, got_access, still_waiting, keep_waits=True)

    # Each request's stage waits over their SLA, pooled over stages, for the tier and month tables.
    per_request = _PerRequest(tta, got_access, still_waiting, pending,
                              _Pool.of(durations, open_stage, ages, [slas[s] for s in STAGES]))

    tiers, tier_known = _tiers(frame, inv, notes)
    unowned, unowned_source = _unowned(frame, inv, notes)
    shares = Shares(
        auto_approved=_auto_approved(frame, notes, n),
        denied=float((status == "denied").mean()) if "status" in frame else None,
        expired=float((status == "expired").mean()) if "status" in frame else None,
        pending=float(pending.mean()),
        unowned=unowned,
        restricted=float(tiers.isin(["restricted", "confidential"]).mean()) if tier_known else None,
    )
    aging = _aging((as_of - ns[pending, 0]) / _NS_PER_HOUR)
    months = _local_months(ns[:, 0], clock.timezone)
    return AccessAnalysis(
        requests=n, stages=stages, time_to_access=time_to_access, shares=shares,
        by_tier=_by_tier(per_request, tiers.to_numpy()) if tier_known else (),
        pending_aging=aging, monthly=_monthly(per_request, months),
        owner_waits=(_owner_waits(frame["dataset"], durations[:, 0], open_stage == 0, ages,
                                  closed & ~has[:, 1:].any(axis=1)) if tracked[1] else ()),
        skipped=tuple(sorted(skipped, key=lambda s: s.row)), notes=tuple(notes),
        as_of=pd.Timestamp(as_of, tz="UTC").to_pydatetime(), clock=clock, source="log",
        has_inventory=inv is not None, unowned_source=unowned_source,
        preapproved_share=_preapproved(frame, inv), naive_timestamps=naive,
        paused_requests=int((paused > 0).sum()) if paused is not None else 0,
        paused_hours=float(paused.sum()) if paused is not None else None,
    )


def _paused(frame: pd.DataFrame, clock: Clock, counted: np.ndarray, tta: np.ndarray,
            notes: list[str]) -> np.ndarray | None:
    """Hours to subtract from each request's time to access (0 where none), or None when the
    log records no pauses on this clock. Counted requests only: a request closed without access
    has no time to access to shorten."""
    column = "business_paused_hours" if clock.business else "paused_hours"
    if column not in frame:
        if clock.business and "paused_hours" in frame:
            notes.append("the log's paused time is in calendar hours only (no "
                         "business_paused_hours): nothing is subtracted in business hours, so "
                         "paused time counts as waiting")
        return None
    raw = frame[column]
    hours = pd.to_numeric(raw.where(raw != ""), errors="coerce").to_numpy(dtype=float)
    bad = (raw != "").to_numpy() & ~(hours >= 0)
    if bad.any():
        notes.append(f"{int(bad.sum())} {column} values are not hours ≥ 0 "
                     f"({_named(sorted(set(raw[bad])))}); nothing is subtracted for them")
    hours = np.where(counted & (hours >= 0), hours, 0.0)
    over = counted & (hours > np.nan_to_num(tta, nan=0.0))
    if over.any():
        notes.append(f"{int(over.sum())} requests were paused longer than their whole wait on "
                     "this clock; their time to access counts as 0")
        hours = np.where(over, np.nan_to_num(tta, nan=0.0), hours)
    if (hours > 0).any():
        notes.append(f"time to access excludes {wait_hours_text(float(hours.sum()))} paused (waiting on "
                     f"the requester) over {int((hours > 0).sum())} requests ({column}); the stage "
                     "waits still include it, as a pause's stage is not known")
    return hours


def _stage(stage: str, k: int, durations: np.ndarray, open_stage: np.ndarray, ages: np.ndarray,
           sla: float) -> AccessStage:
    """One stage from its Kaplan–Meier curve: completed waits ended, open ones censored."""
    done = durations[:, k][~np.isnan(durations[:, k])]
    waiting = np.sort(ages[open_stage == k])[::-1]
    curve = Survival.of(np.concatenate((done, waiting)),
                        np.concatenate((np.ones(len(done), bool), np.zeros(len(waiting), bool))))
    rate, bound = _breach(curve, sla)
    return AccessStage(
        stage=stage, n=len(done), open=len(waiting), open_ages_hours=tuple(waiting.tolist()),
        sla_hours=sla, breach_rate=rate, breach_rate_upper_bound=bound,
        durations=tuple(done.tolist()), curve=curve,
        completed_median_hours=float(np.median(done)) if len(done) else None, **_figures(curve),
    )


def _figures(curve: Survival) -> dict[str, Any]:
    """Median and p90 (None plus a lower bound where the curve never falls that far) and the
    restricted mean up to the longest wait seen. A bound of 0 h says nothing: no bound."""
    median, p90 = curve.quantile(0.5), curve.quantile(0.9)
    mean = curve.mean()
    return {
        "median_hours": median.hours,
        "median_lower_bound_hours": median.lower_bound if (median.lower_bound or 0) > 0 else None,
        "p90_hours": p90.hours,
        "p90_lower_bound_hours": p90.lower_bound if (p90.lower_bound or 0) > 0 else None,
        "mean_hours": mean,
        "mean_is_lower_bound": mean is not None and curve.mean_is_lower_bound(),
    }


def _breach(curve: Survival, limit: float) -> tuple[float | None, float | None]:
    """(P(wait > limit) = S(limit), None), or (None, an upper bound) where the limit lies beyond
    the longest wait seen and the curve has not reached 0; (None, None) without waits."""
    if curve.n == 0:
        return None, None
    rate = curve.waiting_at(limit)
    return (rate, None) if rate is not None else (None, curve.waiting_at_most(limit))


def _count_naive(frame: pd.DataFrame, tracked: tuple[bool, ...]) -> int:
    """Timestamps without a zone; the common 'Z' suffix is checked cheaply before the regex."""
    naive = 0
    for column, present in zip(TIME_COLUMNS, tracked, strict=True):
        if present:
            stamps = frame[column]
            rest = stamps[(stamps != "") & ~stamps.str.endswith(("Z", "z"))]
            naive += int((~rest.str.contains(_HAS_ZONE, regex=True)).sum())
    return naive


def _statuses(frame: pd.DataFrame, notes: list[str]) -> pd.Series:
    if "status" not in frame:
        notes.append("no status column: denied, expired and revoked requests cannot be told apart "
                     "from waiting ones, so every unfinished request counts as pending")
        return pd.Series("", index=frame.index)
    status = frame["status"].str.strip().str.lower().str.replace(r"[_\-\s]+", " ", regex=True)
    status = status.replace(STATUS_ALIASES)
    unknown = (status != "") & ~status.isin(STATUSES)
    if unknown.any():
        notes.append(f"{int(unknown.sum())} requests have a status other than {'/'.join(STATUSES)} "
                     f"({_named(sorted(set(frame.loc[unknown, 'status'])))}); their timestamps "
                     "decide whether they are open")
    return status.where(~unknown, "")


def _untracked_notes(tracked: tuple[bool, ...], notes: list[str]) -> list[str]:
    """Note each step the log does not record; return the names of the stages it hides."""
    hidden: list[str] = []
    for i in (1, 2, 3, 4):
        if not tracked[i]:
            around = [STAGES[i - 1]] + ([STAGES[i]] if i < 4 else [])
            hidden.extend(s for s in around if s not in hidden)
            notes.append(f"no {TIME_COLUMNS[i]} column: the {' and '.join(around)} "
                         f"stage{'s' if len(around) > 1 else ''} cannot be measured")
    return hidden


def _report_missing_middles(missing: np.ndarray, rows: np.ndarray, skipped: list[SkippedRow]) -> None:
    codes = missing[:, 1] * 1 + missing[:, 2] * 2 + missing[:, 3] * 4
    for code in np.unique(codes[codes > 0]):
        columns = [i for i in (1, 2, 3) if code & (1 << (i - 1))]
        stages = sorted({k for i in columns for k in (i - 1, i)})
        names = [TIME_COLUMNS[i] for i in columns]
        reason = (f"{' and '.join(names)} {'is' if len(names) == 1 else 'are'} empty but a later "
                  f"timestamp is given: the {_and(STAGES[k] for k in stages)} stages of this request "
                  "are unknown and left out (the rest of the request is used)")
        skipped.extend(SkippedRow(int(r), reason) for r in rows[codes == code])


def _report_out_of_order(frame: pd.DataFrame, ns: np.ndarray, has: np.ndarray, rows: np.ndarray,
                         skipped: list[SkippedRow]) -> None:
    """A timestamp earlier than the previous one given: that pair (and its stage) is unusable."""
    previous = np.full(len(frame), -1)  # index of the latest timestamp given before column k
    for k in range(1, 5):
        previous = np.where(has[:, k - 1], k - 1, previous)
        prev_ns = ns[np.arange(len(frame)), np.maximum(previous, 0)]
        backwards = has[:, k] & (previous >= 0) & (ns[:, k] < prev_ns)
        for p in np.unique(previous[backwards]):
            bad = backwards & (previous == p)
            later, earlier = TIME_COLUMNS[k], TIME_COLUMNS[p]
            effect = (f"the {STAGES[k - 1]} stage of this request is left out" if p == k - 1
                      else "the timestamps are out of order")
            reason = (later + " " + frame[later] + " is before " + earlier + " " + frame[earlier]
                      + ": " + effect)
            skipped.extend(SkippedRow(int(r), str(t)) for r, t in zip(rows[bad], reason[bad], strict=True))


def _tiers(frame: pd.DataFrame, inv: pd.DataFrame | None, notes: list[str]) -> tuple[pd.Series, bool]:
    """Each request's tier (TIERS or "unknown") and whether any tier information exists."""
    written = frame["tier"] if "tier" in frame else pd.Series("", index=frame.index)
    inv_has_tier = inv is not None and (inv["tier"] != "").any()
    if inv_has_tier:
        lookup = dict(zip(inv["dataset"].str.casefold(), inv["tier"], strict=True))
        from_inventory = frame["dataset"].str.casefold().map(lookup).fillna("")
        written = written.where(written != "", from_inventory)
    if not ("tier" in frame or inv_has_tier):
        return written, False
    tiers = written.str.lower()
    odd = (tiers != "") & ~tiers.isin(TIERS)
    if odd.any():
        notes.append(f"{int(odd.sum())} requests have a tier other than {'/'.join(TIERS)} "
                     f"({_named(sorted(set(written[odd])))}); they count as '{UNKNOWN_TIER}'")
    blank = tiers == ""
    if blank.any():
        notes.append(f"{int(blank.sum())} requests have no tier; they count as '{UNKNOWN_TIER}'")
    return tiers.where(tiers.isin(TIERS), UNKNOWN_TIER), True


def _unowned(frame: pd.DataFrame, inv: pd.DataFrame | None,
             notes: list[str]) -> tuple[float | None, str | None]:
    if inv is None:
        notes.append("no inventory: the share of requests on datasets without an owner is unknown; "
                     "upload an inventory (dataset, owner, tier, preapproved_path, systems) to see it")
        return None, None
    owned = set(inv.loc[inv["owner"] != "", "dataset"].str.casefold())
    return float((~frame["dataset"].str.casefold().isin(owned)).mean()), "inventory"


def _auto_approved(frame: pd.DataFrame, notes: list[str], n: int) -> float | None:
    if "auto_approved" not in frame:
        return None
    values = frame["auto_approved"].str.lower()
    odd = ~values.isin(_TRUE | _FALSE)
    if odd.any():
        notes.append(f"{int(odd.sum())} auto_approved values are not true/false, yes/no or 1/0 "
                     f"({_named(sorted(set(frame.loc[odd, 'auto_approved'])))}); they count as false")
    return float(values.isin(_TRUE).sum() / n)


def _preapproved(frame: pd.DataFrame, inv: pd.DataFrame | None) -> float | None:
    if inv is None:
        return None
    requested = set(frame["dataset"].str.casefold())
    paths = inv[~inv["preapproved_path"].str.lower().isin(_NO_PATH)]
    with_path = requested & set(paths["dataset"].str.casefold())
    return len(with_path) / len(requested) if requested else None


def _aging(age_hours: np.ndarray) -> tuple[tuple[str, int], ...]:
    return tuple((label, int(((age_hours >= low) & (age_hours < high)).sum()))
                 for label, low, high in AGING_BUCKETS)


def _local_months(ns: np.ndarray, timezone: str) -> np.ndarray:
    local = _local_ns(ns, timezone).astype("datetime64[ns]")
    return local.astype("datetime64[M]").astype(str)


@dataclass(frozen=True)
class _Pool:
    """Every stage wait of every request, as a share of its stage's SLA (so one curve can pool
    stages with different SLAs: over the SLA ⇔ ratio > 1); completed ended, open censored."""

    request: np.ndarray  # row of the request
    ratio: np.ndarray  # wait / SLA; with an SLA of 0, any wait above 0 is over (ratio 2)
    ended: np.ndarray

    @classmethod
    def of(cls, durations: np.ndarray, open_stage: np.ndarray, ages: np.ndarray,
           slas: list[float]) -> _Pool:
        requests, ratios, ended = [], [], []
        for k, sla in enumerate(slas):
            done = np.flatnonzero(~np.isnan(durations[:, k]))
            still = np.flatnonzero(open_stage == k)
            for rows, hours, finished in ((done, durations[done, k], True), (still, ages[still], False)):
                requests.append(rows)
                ratios.append(hours / sla if sla > 0 else np.where(hours > 0, 2.0, 0.0))
                ended.append(np.full(len(rows), finished))
        return cls(np.concatenate(requests), np.concatenate(ratios), np.concatenate(ended))


@dataclass(frozen=True)
class _PerRequest:
    tta: np.ndarray  # hours to access, or so far for those still waiting
    accessed: np.ndarray
    waiting: np.ndarray
    pending: np.ndarray
    pool: _Pool


def _grouped(per_request: _PerRequest, key: np.ndarray) -> list[tuple[Any, dict[str, Any]]]:
    """Per group (sorted): requests, got access, pending, the time to access (the same estimate
    as the overall one) and the pooled breach rate (S(1) of the pooled wait / SLA curve)."""
    names, code = np.unique(np.asarray(key), return_inverse=True)
    groups = _indices(code, len(names))
    pool = per_request.pool
    pooled = _indices(code[pool.request], len(names))
    rows_out = []
    for g, rows in enumerate(groups):
        group = names[g].item() if hasattr(names[g], "item") else names[g]
        tta = _time_to_access(per_request.tta[rows], per_request.accessed[rows],
                              per_request.waiting[rows])
        waits = pooled[g]
        rate, bound = _breach(Survival.of(pool.ratio[waits], pool.ended[waits]), 1.0)
        rows_out.append((group, {
            "requests": len(rows), "accessed": int(per_request.accessed[rows].sum()),
            "pending": int(per_request.pending[rows].sum()), "tta": tta.median_hours,
            "tta_bound": tta.median_lower_bound_hours, "breach": rate, "breach_bound": bound,
        }))
    return rows_out


def _indices(code: np.ndarray, groups: int) -> list[np.ndarray]:
    """Row positions of each group code 0..groups-1, in row order."""
    order = np.argsort(code, kind="stable")
    bounds = np.searchsorted(code[order], np.arange(groups + 1))
    return [order[bounds[g]:bounds[g + 1]] for g in range(groups)]


def _by_tier(per_request: _PerRequest, tiers: np.ndarray) -> tuple[TierRow, ...]:
    table = dict(_grouped(per_request, tiers))
    order = [t for t in (*TIERS, UNKNOWN_TIER) if t in table]
    return tuple(TierRow(tier=t, requests=table[t]["requests"],
                         time_to_access_median_hours=table[t]["tta"],
                         breach_rate=table[t]["breach"],
                         time_to_access_lower_bound_hours=table[t]["tta_bound"],
                         breach_rate_upper_bound=table[t]["breach_bound"]) for t in order)


def _monthly(per_request: _PerRequest, months: np.ndarray) -> tuple[MonthRow, ...]:
    return tuple(MonthRow(month=str(m), requests=r["requests"], accessed=r["accessed"],
                          time_to_access_median_hours=r["tta"], breach_rate=r["breach"],
                          pending=r["pending"], time_to_access_lower_bound_hours=r["tta_bound"],
                          breach_rate_upper_bound=r["breach_bound"])
                 for m, r in _grouped(per_request, months))


def _owner_waits(datasets: pd.Series, owner_hours: np.ndarray, waiting: np.ndarray,
                 ages: np.ndarray, closed_unowned: np.ndarray) -> tuple[OwnerWait, ...]:
    """Per dataset: the owner stage's Kaplan–Meier median, open requests censored at their age."""
    found = ~np.isnan(owner_hours)
    times = np.where(found, owner_hours, np.where(waiting, ages, np.nan))
    rows = []
    for dataset, index in datasets.groupby(datasets.to_numpy(), sort=True).indices.items():
        measured = ~np.isnan(times[index])
        if not measured.any() and not closed_unowned[index].any():
            continue
        median = Survival.of(times[index][measured], found[index][measured]).quantile(0.5)
        more = median.hours is None and (median.lower_bound or 0) > 0
        rows.append(OwnerWait(dataset=str(dataset), requests=len(index),
                              found=int(found[index].sum()), waiting=int(waiting[index].sum()),
                              closed=int(closed_unowned[index].sum()),
                              median_hours=median.hours if not more else median.lower_bound,
                              more_than=more))
    rows.sort(key=lambda w: (w.median_hours is None, -(w.median_hours or 0.0), -w.more_than,
                             -w.requests, w.dataset))
    return tuple(rows)


# --------------------------------------------------------------------------------------------
# Waits with requests still waiting: Kaplan–Meier (triage.survival)


def _time_to_access(hours: np.ndarray, accessed: np.ndarray, waiting: np.ndarray, *,
                    keep_waits: bool = False) -> TimeToAccess:
    """The one time-to-access estimate: got access = ended, still waiting = censored."""
    hours, accessed, waiting = np.asarray(hours), np.asarray(accessed, bool), np.asarray(waiting, bool)
    counted = accessed | waiting
    curve = Survival.of(hours[counted], accessed[counted])
    done = hours[accessed]
    return TimeToAccess(
        n=int(accessed.sum()), waiting=int(waiting.sum()), left_out=int((~counted).sum()),
        curve=curve, completed_median_hours=float(np.median(done)) if len(done) else None,
        waits_hours=tuple(hours[counted].tolist()) if keep_waits else (),
        waits_ended=tuple(accessed[counted].tolist()) if keep_waits else (),
        **_figures(curve),
    )


def days_text(hours: float | None) -> str:
    """Hours as the app shows waits in headlines and plans: "5.9 d"."""
    return "unknown" if hours is None else f"{hours / 24:.1f} d"


def wait_days_text(hours: float | None, lower_bound: float | None = None) -> str:
    """A Kaplan–Meier figure in days: "5.9 d", "more than 12.0 d" (not reached: the bound) or
    "unknown"."""
    if hours is None and lower_bound is not None:
        return f"more than {days_text(lower_bound)}"
    return days_text(hours)


def wait_hours_text(hours: float | None, lower_bound: float | None = None) -> str:
    """The same in hours: "130 h", "more than 505 h" or "unknown"."""
    def fmt(value: float) -> str:
        return f"{value:.1f} h" if value < 10 else f"{value:.0f} h"
    if hours is None and lower_bound is not None:
        return f"more than {fmt(lower_bound)}"
    return "unknown" if hours is None else fmt(hours)


def stage_median_text(stage: AccessStage) -> str:
    """A stage's median wait in days, "more than" where the curve never falls to one half."""
    return wait_days_text(stage.median_hours, stage.median_lower_bound_hours)


def time_to_access_text(tta: TimeToAccess, which: str = "median") -> str:
    """The time to access as shown everywhere (page, charts, plan, exports): "5.9 d",
    "more than 12.0 d" or "unknown"."""
    if which == "median":
        return wait_days_text(tta.median_hours, tta.median_lower_bound_hours)
    return wait_days_text(tta.p90_hours, tta.p90_lower_bound_hours)


def breach_text(rate: float | None, upper_bound: float | None = None) -> str:
    """"29%", "at most 40% (the SLA is beyond the longest wait seen)" or "unknown"."""
    if rate is None and upper_bound is not None:
        return f"at most {upper_bound:.0%}"
    return "unknown" if rate is None else f"{rate:.0%}"


def time_to_access_label(analysis: AccessAnalysis) -> str:
    """The one name of the time to access: "Time to access (median)", or for one typed
    request "Time to access (typed request)"."""
    return ("Time to access (typed request)" if analysis.source == "typed"
            else "Time to access (median)")


def time_to_access_basis(analysis: AccessAnalysis) -> str:
    """What the number is over, in a few words, for captions and the plan."""
    tta = analysis.time_to_access
    if analysis.source == "typed":
        return "request to first use, the typed stages added up"
    text = f"request to first use over {tta.n:,} requests that got access"
    if tta.waiting:
        text += f" and {tta.waiting:,} still waiting, counted up to the as-of date"
    return text


# --------------------------------------------------------------------------------------------
# One typical request typed in


def analyse_typed(stage_hours: Mapping[str, Any], *, slas: Mapping[str, float] | None = None,
                  clock: Clock = Clock()) -> AccessAnalysis:  # noqa: B008 - frozen default
    """One typical request: each stage's hours (None or blank = not known).

    Each typed stage has n = 1, no p90, breach rate 1 if over its SLA else 0; its median and
    mean are the typed hours. Time to access is the sum of the stages typed in. ``clock`` says
    which hours the user typed; ``slas`` are on it (the clock's defaults where not given).
    """
    limits = _check_slas(slas, clock)
    unknown = [s for s in stage_hours if s not in STAGES]
    if unknown:
        raise InputError(f"Unknown access stage {_named(unknown)}: the stages are {', '.join(STAGES)}.")
    hours: dict[str, float | None] = {}
    for stage in STAGES:
        hours[stage] = _typed_number(stage, stage_hours.get(stage))
    stages = tuple(
        AccessStage(stage=s, median_hours=h, p90_hours=None, n=0 if h is None else 1, open=0,
                    open_ages_hours=(), sla_hours=limits[s],
                    breach_rate=None if h is None else float(h > limits[s]),
                    durations=() if h is None else (h,), completed_median_hours=h, mean_hours=h)
        for s, h in hours.items()
    )
    known = [h for h in hours.values() if h is not None]
    total = float(sum(known)) if known else None
    tta = TimeToAccess(total, None, 1 if known else 0, typed=True, completed_median_hours=total,
                       mean_hours=total)
    return AccessAnalysis(requests=1 if known else 0, stages=stages, time_to_access=tta,
                          shares=Shares(), clock=clock, source="typed",
                          slas_given=tuple(s for s in STAGES if s in (slas or {})))


def _typed_number(stage: str, value: Any) -> float | None:
    try:
        number = typed_number(value)
    except (TypeError, ValueError):
        raise InputError(f"{ACCESS_STAGE_LABELS[stage]}: hours must be a number, not {value!r}.") from None
    if number is None:
        return None
    if not math.isfinite(number) or number < 0:
        raise InputError(f"{ACCESS_STAGE_LABELS[stage]}: hours must be a finite number ≥ 0, "
                         f"not {value!r}.")
    return number


# --------------------------------------------------------------------------------------------
# Headless


def access_report(data: bytes, name: str, *, business_hours: bool = False,
                  as_of: datetime | date | str | None = None, timezone: str = "UTC",
                  slas: Mapping[str, float] | None = None, inventory: bytes | None = None,
                  inventory_name: str = "inventory.csv", holidays: str = "",
                  source: str | None = None, source_options: Mapping[str, Any] | None = None,
                  columns: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The CLI's strict-JSON report (no NaN or infinity: None). Calendar hours unless
    ``business_hours`` (Mon–Fri 09:00–17:00 in ``timezone``); ``slas`` are hours on that clock,
    the clock's defaults where not given; ``as_of`` defaults to the latest timestamp in the
    file. ``unowned_share`` is None unless an inventory CSV is given. Raises InputError on
    unusable input or settings.

    Medians and p90s are Kaplan–Meier: None where the curve never falls that far, with
    ``*_lower_bound_hours`` ("more than"); ``completed_median_hours`` is over completed waits
    only (biased low, for contrast); ``breach_rate`` = P(wait > SLA) read off the same curve,
    None with ``breach_rate_upper_bound`` where the SLA lies beyond the longest wait seen.
    Column mappings (``triage.mapping``) are proposed from the log's and the inventory's column
    names; ``columns`` (field -> column) overrides the log's.
    """
    from triage.mapping import INVENTORY, REQUESTS, table_mapping
    from triage.sources.access import to_request_log  # the sources build on this module

    frame = None
    if inventory is not None:
        _, inventory_columns = table_mapping(inventory, inventory_name, INVENTORY)
        frame = read_inventory(inventory, inventory_name, columns=inventory_columns)
    clock = Clock(business=business_hours, timezone=timezone, holidays=holidays)
    data, source_name, source_notes = to_request_log(data, name, source, **dict(source_options or {}))
    if source_name == "log":
        _, columns = table_mapping(data, name, REQUESTS, columns)
    elif columns:
        raise InputError(f"--map applies to our request log; a {source_name} export is read by its "
                         "own column names (--dataset-column names its dataset column).")
    analysis = parse_requests(data, name, as_of=as_of, slas=slas, inventory=frame, clock=clock,
                              columns=columns)
    shares = analysis.shares
    tta = analysis.time_to_access
    return {
        "as_of": analysis.as_of.isoformat() if analysis.as_of else None,
        "as_of_is_latest_timestamp": analysis.as_of_default,
        "clock": "business" if clock.business else "calendar",
        "clock_description": clock.describe(),
        "source": source_name,
        "source_notes": source_notes,
        "requests": analysis.requests,
        "stages": [
            {"stage": s.stage, **_figures_json(s), "n": s.n, "open": s.open,
             "sla_hours": _finite(s.sla_hours), "sla_is_default": s.stage not in analysis.slas_given,
             "breach_rate": _finite(s.breach_rate),
             "breach_rate_upper_bound": _finite(s.breach_rate_upper_bound)}
            for s in analysis.stages
        ],
        "time_to_access": {**_figures_json(tta), "n": tta.n, "waiting": tta.waiting,
                           "left_out": tta.left_out},
        "whole_wait_only": analysis.whole_wait_only,
        "paused": (None if analysis.paused_hours is None else
                   {"requests": analysis.paused_requests,
                    "hours_subtracted": _finite(analysis.paused_hours)}),
        "auto_approved_share": _finite(shares.auto_approved),
        "denied_share": _finite(shares.denied),
        "expired_share": _finite(shares.expired),
        "pending_share": _finite(shares.pending),
        "unowned_share": _finite(shares.unowned),
        "by_tier": [{"tier": t.tier, "requests": t.requests,
                     "time_to_access_median_hours": _finite(t.time_to_access_median_hours),
                     "time_to_access_lower_bound_hours": _finite(t.time_to_access_lower_bound_hours),
                     "breach_rate": _finite(t.breach_rate),
                     "breach_rate_upper_bound": _finite(t.breach_rate_upper_bound)}
                    for t in analysis.by_tier],
        "skipped": [{"row": s.row, "reason": s.reason} for s in analysis.skipped],
    }


def _figures_json(item: AccessStage | TimeToAccess) -> dict[str, Any]:
    return {"median_hours": _finite(item.median_hours),
            "median_lower_bound_hours": _finite(item.median_lower_bound_hours),
            "p90_hours": _finite(item.p90_hours),
            "p90_lower_bound_hours": _finite(item.p90_lower_bound_hours),
            "completed_median_hours": _finite(item.completed_median_hours),
            "mean_hours": _finite(item.mean_hours),
            "mean_is_lower_bound": bool(item.mean_is_lower_bound)}


def parse_sla_option(text: str) -> tuple[str, float]:
    """'approval=16' → ('approval', 16.0), for the CLI's ``--sla``; InputError otherwise."""
    stage, sep, hours = str(text).partition("=")
    stage = stage.strip()
    if not sep or not stage or not hours.strip():
        raise InputError(f"--sla {text!r}: write STAGE=HOURS, e.g. --sla approval=48 (stages: "
                         f"{', '.join(STAGES)}).")
    checked = _check_slas({stage: hours.strip()})
    return stage, checked[stage]


# --------------------------------------------------------------------------------------------
# Small helpers


def _finite(value: Any) -> Any:
    """Floats (numpy ones too) as plain floats, NaN and infinity as None; other values as given."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _format_ns(ns: int) -> str:
    return pd.Timestamp(ns, tz="UTC").strftime("%Y-%m-%d %H:%M UTC")


def _named(values: list[str]) -> str:
    shown = ", ".join(f"'{v}'" for v in values[:_MAX_NAMED])
    return shown + (f" and {len(values) - _MAX_NAMED} more" if len(values) > _MAX_NAMED else "")


def _and(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

