"""The production page's picture: is the gap real, where it is lost, health, drift."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from triage import charts
from triage.markdown import literal
from triage.plan import fmt
from triage.production import COMPONENT_LABELS, ProductionAnalysis
from ui.learn_views import glossary_hint


def render_verdict(analysis: ProductionAnalysis) -> None:
    metric, verdict = analysis.metric, analysis.verdict
    gap, interval, noise, parts = st.columns(4)
    relative = abs(verdict.gap) / abs(metric.expected) if metric.expected else None
    gap.metric(f"{metric.name}: online vs expected", f"{verdict.gap:+.4g}",
               f"{relative:.1%} {'below' if verdict.gap < 0 else 'above'}" if relative else None,
               delta_color="off", delta_arrow="off")
    if verdict.interval is not None:
        low, high = verdict.interval
        interval.metric("95% interval of the gap", f"±{(high - low) / 2:.2g}",
                        f"{low:+.2g} to {high:+.2g}", delta_color="off", delta_arrow="off",
                        help="Sampling error only: for a proportion from n, otherwise from the "
                             "typed standard errors.")
        noise.metric("Beyond noise?", "yes" if verdict.significant else "no",
                     f"z = {verdict.z:.1f}" if verdict.z is not None else None,
                     delta_color="off", delta_arrow="off")
    else:
        interval.metric("95% interval of the gap", "unknown")
        noise.metric("Beyond noise?", "cannot tell", verdict.why_unknown, delta_color="off",
                     delta_arrow="off")
    if analysis.chart is not None and verdict.shortfall > 0:
        largest = max(("mix", "fallback", "model", "unexplained"), key=analysis.loss)
        share = analysis.loss(largest) / verdict.shortfall
        parts.metric("Largest part of the drop", COMPONENT_LABELS[largest], f"{share:.0%}",
                     delta_color="off", delta_arrow="off")


def _contributions(analysis: ProductionAnalysis) -> pd.DataFrame:
    return pd.DataFrame([{
        "segment": s.segment, "share offline": f"{s.w0:.1%}", "share online": f"{s.w1:.1%}",
        "metric offline": fmt(s.m0), "metric online": fmt(s.m1), "traffic mix": f"{s.mix:+.4g}",
        "fallbacks": f"{s.fallback:+.4g}", "model": f"{s.model:+.4g}",
        "total": f"{s.total:+.4g}",
    } for s in analysis.decomposition.segments])


def render_gap(analysis: ProductionAnalysis, key: str) -> None:
    metric = analysis.metric
    if analysis.chart is None:
        st.info("Add a segment table to split the gap into traffic mix, fallbacks and the "
                "model itself.", icon=":material/table:")
        return
    higher = metric.higher_is_better if metric else True
    st.plotly_chart(charts.gap_waterfall(analysis.chart, metric.name if metric else "metric",
                                         higher), key=f"{key}:waterfall")
    for note in analysis.decomposition.notes:
        st.caption(f":material/info: {literal(note)}")
    glossary_hint("gap_decomposition")
    if analysis.decomposition.simpson():
        st.warning("Simpson's paradox: every segment moved one way and the total the other. "
                   "The overall number is driven by the traffic mix, not by the model within "
                   "segments — read the segment rows, not the total.", icon=":material/warning:")
    with st.expander("Contribution per segment"):
        st.dataframe(_contributions(analysis), hide_index=True)
        st.caption("Fallback part = f·(b − q)·(w0+w1)/2 with q the model-served metric; it is "
                   "taken first, because fixing timeouts helps today's model whatever else is "
                   "wrong.")


def render_health(analysis: ProductionAnalysis, key: str) -> None:
    if any(c.budget for c in analysis.health):
        st.plotly_chart(charts.health_vs_budget(list(analysis.health)), key=f"{key}:health")


def render_drift(analysis: ProductionAnalysis, key: str) -> None:
    report = analysis.drift
    if report is None:
        st.caption("Upload a training and a serving feature sample to rank drift per feature.")
        return
    for problem in report.problems:
        st.warning(literal(problem), icon=":material/warning:")
    computed = [f for f in report.features if f.js_distance is not None]
    if not computed:
        return
    left, right = st.columns([3, 2])
    left.plotly_chart(charts.drift_ranking(computed), key=f"{key}:drift")
    with left:
        glossary_hint("null_band")
    with right:
        drifted = [f for f in computed if f.drifted]
        top = drifted or computed[:1]
        choice = st.selectbox("Look at a feature", [f.feature for f in computed],
                              index=computed.index(top[0]), key=f"{key}:drift_feature")
        feature = next(f for f in computed if f.feature == choice)
        st.plotly_chart(charts.drift_distribution(feature), key=f"{key}:drift_dist")
        band = (feature.null_band or {}).get("js_distance")
        st.caption(f"n = {feature.n_reference:,} training, {feature.n_current:,} serving. "
                   f"JS {feature.js_distance:.3f}; chance alone reaches "
                   f"{band:.3f} at these sizes. "
                   + ("**Drifted.**" if feature.drifted else "Not beyond chance.")
                   if band is not None else "")
