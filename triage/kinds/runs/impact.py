"""How the slow-iteration scenario turns recommended actions into hours saved per month.

Every estimate goes through the Amdahl what-if on the team's own stage breakdown — stage means
per run, which add up to the mean iteration and so to hours per month: an action's
plausible speed-up range is applied to the time it cuts (waiting, working or both) on its stage.
Several actions are combined by applying all their speed-ups at once — never by adding ranges —
so two fixes to the same stage cannot save more than that stage takes.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.engine import walk
from triage.export import where_lost_charts, with_charts
from triage.kinds.runs.analysis import (
    DAYS_PER_MONTH,
    IterationAnalysis,
    SpeedUp,
    amdahl_ceiling,
    analyse_stage_table,
    handoff_where,
    hours_text,
    in_runs,
    project,
    when_present_hours,
)
from triage.plan import Estimate, Plan, PlanAction, build_plan
from triage.playbook import Action, Playbook
from triage.session import Session
from triage.vocabulary import stage_label

UNIT = "h/month"
SAMPLE_NOTE = "sample values, not the team's"
# session.inputs keys: where iterations per month came from when it was read from the runs' dates
FROM_RUNS = "iterations_per_month_from"
_WIDE_RANGE = 2.5  # a speed-up range whose high/low exceeds this is a guess, not an estimate


def _range(low: float, high: float, unit: str = "h") -> str:
    if abs(high - low) < 0.05:
        return f"{low:.1f} {unit}"
    return f"{low:.1f}–{high:.1f} {unit}"


@dataclass
class IterationImpact:
    analysis: IterationAnalysis
    iterations_per_month: float
    # Where iterations per month came from: "typed" in the meeting, a "sample" nobody typed, or
    # "runs" (the runs' dates; ``iterations_basis`` then says how, e.g. "40 runs started over
    # 52.0 days").
    iterations_source: str = "typed"
    iterations_basis: str = ""
    sample_table: bool = False  # the stage table analysed holds the app's sample values

    whole = "one iteration"  # what the stage shares are shares of, in the evidence text
    runs_noun = "runs"  # what one measured unit is called

    def _speedups(self, actions: list[Action], bound: int) -> dict[str, SpeedUp]:
        """bound 0 = every action at its low factor, 1 = at its high factor; actions removing
        the same waste (one overlap group) count once, the strongest (triage.overlap)."""
        from triage.overlap import combined_speedups

        return combined_speedups(actions, bound)

    def _quantifiable(self, action: Action) -> bool:
        return bool(action.stage and action.speedup and self.analysis.stage(action.stage)
                    and self.analysis.has_data)

    def saved_per_iteration(self, actions: list[Action]) -> tuple[float, float] | None:
        """Hours saved per iteration by these actions together: (low, high)."""
        actions = [a for a in actions if self._quantifiable(a)]
        if not actions:
            return None
        # Unknown waiting shares are bracketed: all-waiting and all-working are both tried.
        saved = {
            bound: [
                project(self.analysis, self._speedups(actions, bound), 1.0,
                        unknown_wait_as=share).saved_per_iteration
                for share in (0.0, 1.0)
            ]
            for bound in (0, 1)
        }
        return min(saved[0]), max(saved[1])

    def estimate(self, actions: list[Action]) -> Estimate | None:
        saved = self.saved_per_iteration(actions)
        if saved is None:
            return None
        per_month = self.iterations_per_month
        return Estimate(saved[0] * per_month, saved[1] * per_month, UNIT)

    def confidence(self, action: Action) -> tuple[str, str]:
        analysis = self.analysis
        if not analysis.has_data:
            return "low", "no measured stage times yet"
        if action.stage and not analysis.stage(action.stage):
            return "low", f"{stage_label(action.stage)} does not appear in your numbers"
        if analysis.source == "runs" and analysis.runs >= 20:
            level, basis = 2, f"stage times measured over {analysis.runs:,} {self.runs_noun}"
        elif analysis.source == "runs" and analysis.runs >= 5:
            level, basis = 1, f"stage times from only {analysis.runs} {self.runs_noun}"
        elif analysis.source == "runs":
            level, basis = 0, f"stage times from only {analysis.runs} {self.runs_noun}"
        else:
            level, basis = 1, "stage times typed in the meeting, not measured"
        if action.speedup:
            # the stage time is measured (or typed); the factor applied to it is experience
            low, high = action.speedup
            basis += f"; the {low:g}–{high:g}× speed-up is a range from experience, not measured"
            if high / low > _WIDE_RANGE:
                level, basis = max(level - 1, 0), basis + ", and wide"
        stats = analysis.stage(action.stage) if action.stage else None
        if stats and stats.wait_hours is None and action.affects != "total":
            level, basis = max(level - 1, 0), basis + "; waiting vs working time is unknown"
        if not action.stage:
            basis = basis + "; its benefit is not measured in hours"
        return ("low", "medium", "high")[level], basis

    def evidence(self, action: Action) -> str:
        stats = self.analysis.stage(action.stage) if action.stage else None
        if stats is None or not self.analysis.has_data:
            return ""
        part = {"wait": " waiting", "active": " working"}.get(action.affects, "")
        average = "" if self.analysis.source == "runs" and self.analysis.runs == 1 else " on average"
        text = (f"{stats.label} is {stats.share:.0%} of {self.whole} "
                f"({hours_text(stats.hours)} of {hours_text(self.analysis.iteration_hours)}"
                f"{average})")
        if part and stats.wait_hours is not None:
            cut = stats.wait_hours if action.affects == "wait" else stats.active_hours
            text += f", of which {hours_text(cut)}{part}"
        when_present = when_present_hours(self.analysis, stats)
        if (where := in_runs(self.analysis, stats)) and when_present is not None:
            text += f"; it appears {where}, {hours_text(when_present)} each time on average"
        if stats.share < 0.1:
            text += (f"; even removing it entirely makes {self.whole} at most "
                     f"{amdahl_ceiling(stats.share):.2f}× faster")
        if stats.stage == "handoff" and (where := handoff_where(self.analysis)):
            text += f"; where it sits: {where}"
        if self.sample_table:
            text += f" ({SAMPLE_NOTE})"
        return text

    def summary(self, quick: list[PlanAction], cross: list[PlanAction], plan: Plan) -> list[str]:
        analysis = self.analysis
        if not analysis.has_data:
            return [
                "Nobody knows yet how long one iteration takes, stage by stage.",
                "The first step is to measure it for a week or two; every estimate waits on that.",
                f"{len(quick)} quick wins and {len(cross)} cross-team items are listed, unranked.",
            ]
        top = analysis.bottleneck
        where = in_runs(analysis, top)
        lines = [f"{self._iteration_text()}; {top.label.lower()}"
                 f"{f' ({where})' if where else ''} is {top.share:.0%} of it."]
        handoff = analysis.stage("handoff")
        on_handoff = any(a.action.stage == "handoff" for a in plan.actions)
        where = handoff_where(analysis)
        if handoff is not None and where and (on_handoff or top.stage == "handoff"):
            lines[0] += (f" Hand-off waiting between stages is {handoff.share:.0%} of it; "
                         f"where it sits: {where}.")
        lines.append(self._line_for("the quick wins", [a for a in quick if a.status != "dropped"]))
        live_cross = [a for a in cross if a.status != "dropped"]
        if live_cross:
            lines.append(self._line_for("all actions, including cross-team work",
                                        [a for a in plan.active]))
        else:
            lines.append("No cross-team work is needed on this path: the team can act alone.")
        return lines

    def partner_terms(self, plan: Plan) -> str | None:
        """Hours per iteration as experiments a week, from the team's own cadence (iterations
        per month, typed or read from the runs' dates), not from 168 h / hours per iteration:
        nobody starts the next iteration the minute the last one ends, around the clock."""
        per_month = self.iterations_per_month
        if not self.analysis.has_data or per_month <= 0:
            return None
        per_week = per_month * 7 / DAYS_PER_MONTH
        before = self.analysis.iteration_hours
        # the same team starts more when each iteration is shorter: count × old / new time
        with_actions = []
        for what, (low, high) in self.savings(plan, "with all actions"):
            fewest, most = per_week * before / (before - low), per_week * before / max(
                before - high, 1e-9)
            with_actions.append(f"{_range(fewest, most, 'a week')} {what}")
        metric = plan.goal.key_metric
        line = f"In experiments: {per_week:.1f} a week now ({self._cadence_text()})"
        if not with_actions:
            return line + "."
        return (f"{line}; {', '.join(with_actions)} — more tries"
                f"{f' at {metric}' if metric else ''}, if waiting for results is what limits "
                "how many the team starts.")

    def savings(self, plan: Plan, everything: str) -> list[tuple[str, tuple[float, float]]]:
        """(what, hours saved per iteration) with the live quick wins, then with every live
        action when that saves more (cross-team work not sized in hours is not said twice)."""
        quick = [a.action for a in plan.active if a.action.kind == "quick_win"]
        groups = [("with the quick wins", quick)]
        if len(quick) < len(plan.active):
            groups.append((everything, [a.action for a in plan.active]))
        found: list[tuple[str, tuple[float, float]]] = []
        for what, actions in groups:
            saved = self.saved_per_iteration(actions)
            if saved is not None and (not found or saved != found[-1][1]):
                found.append((what, saved))
        return found

    def _cadence_text(self) -> str:
        count = f"{self.iterations_per_month:g} iterations a month"
        if self.iterations_source == "sample":
            return f"{count}, a sample value, not the team's"
        if self.iterations_source == "runs":
            return f"{count}, read from the runs' dates"
        return f"{count}, as typed in the meeting"

    def _iteration_text(self) -> str:
        """"One iteration takes on average X h (mean of N runs; a typical one Y h)", saying
        which figure is which for runs, one run, or a typed table."""
        analysis = self.analysis
        mean = hours_text(analysis.iteration_hours)
        if analysis.source != "runs":
            source = (f"the sample stage table's average hours per iteration — {SAMPLE_NOTE}"
                      if self.sample_table else "the stage table's average hours per iteration")
            return f"One iteration takes on average {mean} ({source})"
        if analysis.runs <= 1 or analysis.typical_iteration_hours is None:
            return f"One iteration took {mean} (one run measured)"
        return (f"One iteration takes on average {mean} (mean of {analysis.runs} runs; a "
                f"typical one {hours_text(analysis.typical_iteration_hours)})")

    def _line_for(self, what: str, items: list[PlanAction]) -> str:
        if not items:
            return f"No {what.removeprefix('the ')} on this path yet."
        actions = [a.action for a in items]
        saved = self.saved_per_iteration(actions)
        if saved is None:
            return (f"{what.capitalize()} are not measurable in hours; their value is in what "
                    "they unlock.")
        before = self.analysis.iteration_hours
        slowest, fastest = before - saved[0], max(before - saved[1], 1e-9)
        per_month = self.iterations_per_month
        return (f"With {what}: {_range(fastest, slowest)} per iteration "
                f"({before / slowest:.2f}–{before / fastest:.2f}× faster), "
                f"{_range(saved[0] * per_month, saved[1] * per_month)} less waiting for results "
                "per month.")

    def assumptions(self) -> list[str]:
        items = [
            "Each action's effect is its playbook speed-up range applied to your measured stage "
            "time (Amdahl's law); the ranges are experience, not measurements of your system.",
            self._iterations_line(),
            "Hours saved are lead time — waiting for results — not engineers' working hours.",
            "Actions on the same stage compound (each speeds up what the others leave), except "
            "fixes that remove the same waste: those count once, the strongest.",
        ]
        if self.analysis.has_data and not self.analysis.wait_known:
            items.append("Waiting vs working time is unknown for some stages; their ranges span "
                         "both extremes.")
        if self.analysis.source == "runs":
            items.append(f"Stage times are means per run over {self.analysis.runs} runs (0 in "
                         "runs without the stage), so they add up to the average iteration and "
                         "to hours per month; medians and p90 describe a typical and a slow run "
                         "and do not add up.")
        elif self.analysis.has_data:
            items.append("Stage times are the typed average hours per iteration, so they add up "
                         "to the average iteration and to hours per month.")
        return items

    def _iterations_line(self) -> str:
        count = f"{self.iterations_per_month:g} iterations per month"
        if self.iterations_source == "sample":
            return (f"{count}: a sample value, not the team's; type the real number on the "
                    "iteration page and the hours per month follow.")
        if self.iterations_source == "runs":
            how = f": {self.iterations_basis}" if self.iterations_basis else ""
            return f"{count}, from the runs' dates{how}."
        return f"{count}, as typed in the meeting."

    def not_promised(self) -> list[str]:
        return [
            "Faster iterations do not by themselves make a better model.",
            "Experiments a week follow the loop's speed only while waiting for results is what "
            "holds them back; ideas, people and review time do not speed up with it.",
            "Savings count only once a re-measured runs CSV shows them; plan a follow-up.",
            "Effort figures are person-days of focused work, not calendar time.",
        ]


def session_analysis(session: Session, runs: IterationAnalysis | None) -> IterationAnalysis:
    """The analysis a session's plan rests on: uploaded runs when chosen and present, else the
    typed stage table."""
    if session.inputs.get("source") == "runs" and runs is not None:
        return runs
    return analyse_stage_table(session.inputs.get("stage_table", []))


def prefilled(session: Session) -> set[str]:
    """Inputs the app filled in (samples) that the team has not typed, confirmed or uploaded;
    sessions made before this was recorded have none."""
    names = session.inputs.get("prefilled")
    return {str(n) for n in names} if isinstance(names, list) else set()


def iterations_source(session: Session) -> tuple[str, str]:
    """("sample" | "runs" | "typed", how it was read) for the session's iterations per month."""
    if "iterations_per_month" in prefilled(session):
        return "sample", ""
    basis = session.inputs.get(FROM_RUNS)
    if isinstance(basis, str) and basis:
        return "runs", basis
    return "typed", ""


def iteration_plan(book: Playbook, session: Session, analysis: IterationAnalysis) -> Plan:
    source, basis = iterations_source(session)
    model = IterationImpact(
        analysis, float(session.inputs.get("iterations_per_month", 0) or 0),
        iterations_source=source, iterations_basis=basis,
        sample_table=analysis.source == "table" and "stage_table" in prefilled(session))
    return with_charts(build_plan(book, session, walk(book, session.answers), model),
                       *where_lost_charts(analysis))
