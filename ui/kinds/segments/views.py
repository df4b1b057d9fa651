"""The segments kind's picture: is the gap real (against sampling noise), and where it is lost
(mix, fallbacks, the model within segments)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from triage.kinds.segments import charts as segments_charts
from triage.kinds.segments.gap import decimals_for, fixed, gap_parts
from triage.kinds.segments.noise import relative_words
from triage.markdown import literal
from triage.plan import fmt
from triage.production import COMPONENT_LABELS, ProductionAnalysis
from ui.charts import show_chart
from ui.learn_views import glossary_hint


def signed(value: float, significant: int = 3) -> str:
    """A signed number for a headline, never in scientific notation: -0.0069, +0.00012."""
    return ("+" if value > 0 else "") + fmt(value, significant)


_SHORT_LABELS = {"model": "the model"}  # a headline value, where "the model itself" is cut


_METRIC_WIDTH = 240  # px: four in a row from ~1100 px of page, two by two on a 1024 px screen


_INTERVAL_WIDTH = 290  # px: the interval card holds two signed numbers


class _Metrics:
    """``st.metric`` at a fixed width inside a wrapping row."""

    def __init__(self, row) -> None:
        self._row = row

    def metric(self, *args, width: int = _METRIC_WIDTH, **kwargs) -> None:
        self._row.metric(*args, width=width, **kwargs)


def render_verdict(analysis: ProductionAnalysis) -> None:
    metric, verdict = analysis.metric, analysis.verdict
    # Four headline numbers that wrap two by two on a narrow screen instead of being cut off.
    row = st.container(horizontal=True, wrap=True, gap="medium")
    cells = _Metrics(row)
    # "20.0% worse than expected (higher)": the direction of better, never "below" for a loss.
    words = relative_words(metric.observed, metric.expected, metric.higher_is_better)
    cells.metric(f"{metric.name}: online vs expected", signed(verdict.gap), words,
                 delta_color="off", delta_arrow="off")
    if verdict.interval is not None:
        low, high = verdict.interval
        # Two numbers in one value: a wider card, so "−0.0079 to −0.0060" is not cut.
        cells.metric("95% interval of the gap", f"{signed(low, 2)} to {signed(high, 2)}",
                     "observed − expected", delta_color="off", delta_arrow="off",
                     width=_INTERVAL_WIDTH,
                     help=f"From the {verdict.method}: sampling error only, assuming "
                          "independent observations.")
        cells.metric("Beyond noise?", "yes" if verdict.significant else "no",
                     f"p = {verdict.p_value:.2g}", delta_color="off", delta_arrow="off",
                     help=f"{verdict.method[:1].upper()}{verdict.method[1:]}; beyond noise "
                          "means p < 0.05.")
    else:
        cells.metric("95% interval of the gap", "unknown")
        cells.metric("Beyond noise?", "cannot tell", verdict.why_unknown, delta_color="off",
                     delta_arrow="off")
    if analysis.chart is not None and verdict.shortfall > 0:
        # A share of the gap only when no part offsets another (else it reads 250%).
        split = gap_parts(analysis.decomposition, analysis.chart, metric.higher_is_better)
        largest = split.largest() or max(("mix", "fallback", "model", "unexplained"),
                                         key=analysis.loss)
        shares = split.shares()
        label = _SHORT_LABELS.get(largest, COMPONENT_LABELS[largest])
        cells.metric("Largest part of the drop", label,
                     f"{shares[largest]:.0%}" if shares else
                     f"{signed(split.value(largest))}; parts offset", delta_color="off",
                     delta_arrow="off")


def _contributions(analysis: ProductionAnalysis) -> pd.DataFrame:
    """One row per segment; metric values and parts with one number of fixed decimals (three
    significant digits of the gap, as on the waterfall), so columns compare at a glance."""
    decomposition = analysis.decomposition
    gap = (analysis.verdict.gap if analysis.verdict is not None else decomposition.change)
    places = decimals_for(gap)
    served = any(s.model_served is not None for s in decomposition.segments)
    return pd.DataFrame([{
        "segment": s.segment, "share offline": f"{s.w0:.1%}", "share online": f"{s.w1:.1%}",
        "metric offline": fixed(s.m0, places), "metric online": fixed(s.m1, places),
        **({"model-served metric": "—" if s.model_served is None
            else fixed(s.model_served, places)} if served else {}),
        "traffic mix": fixed(s.mix, places, signed=True),
        "fallbacks": fixed(s.fallback, places, signed=True),
        "model": fixed(s.model, places, signed=True),
        "total": fixed(s.total, places, signed=True),
    } for s in decomposition.segments])


def _where_it_sits(analysis: ProductionAnalysis) -> None:
    """The segments holding the fallback and the model's own loss, by name."""
    parts = []
    for component, label in (("fallback", "Fallback loss"), ("model", "The model's own loss")):
        where = analysis.concentration(component)
        if where is not None and analysis.loss(component) > 0:
            parts.append(f"{label}: {literal(where.text(), one_line=True)}")
    if parts:
        st.markdown(":material/location_on: " + " · ".join(parts))


def render_gap(analysis: ProductionAnalysis, key: str) -> None:
    metric = analysis.metric
    if analysis.chart is None:
        st.info("Add a segment table to split the gap into traffic mix, fallbacks and the "
                "model itself.", icon=":material/table:")
        return
    higher = metric.higher_is_better if metric else True
    show_chart(segments_charts.gap_waterfall(analysis.chart, metric.name if metric else "metric",
                                             higher), key=f"{key}:waterfall")
    split = gap_parts(analysis.decomposition, analysis.chart, higher)
    if split.offset:
        st.info(f"The parts offset each other: {literal(split.text(), one_line=True)}. No part "
                "is given as a percentage of the gap, which would run past 100%; the bars show "
                "each part in the metric's units.", icon=":material/compare_arrows:")
    _where_it_sits(analysis)
    for warning in analysis.decomposition.warnings:
        st.warning(literal(warning), icon=":material/warning:")
    for note in analysis.decomposition.notes:
        if note not in analysis.decomposition.warnings:
            st.caption(f":material/info: {literal(note)}")
    glossary_hint("gap_decomposition")
    if analysis.decomposition.simpson():
        st.warning("Simpson's paradox: every segment moved one way and the total the other. "
                   "The overall number is driven by the traffic mix, not by the model within "
                   "segments — read the segment rows, not the total.", icon=":material/warning:")
    with st.expander("Contribution per segment"):
        st.dataframe(_contributions(analysis), hide_index=True)
        st.caption("Per segment, with shares w0 → w1, metric m0 → m1, fallback share f and "
                   "fallback metric b: fallback part = f·(b − m0)·(w0+w1)/2, the requests that "
                   "fell back against the expected metric; model part = (1 − f)·(q − m0)·"
                   "(w0+w1)/2 with q = (m1 − f·b)/(1 − f) the model-served metric. The two add "
                   "up to the segment's rate change and move smoothly as f → 1. Comparing q with "
                   "m0 assumes the requests that fall back are like the rest.")
