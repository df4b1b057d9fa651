"""The production page's picture: is the gap real, where it is lost, health, drift."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from triage.kinds.samples import charts as samples_charts
from triage.kinds.segments import charts as segments_charts
from triage.kinds.segments.gap import decimals_for, fixed, gap_parts
from triage.kinds.segments.noise import relative_words
from triage.kinds.serving import charts as serving_charts
from triage.markdown import literal
from triage.plan import fmt
from triage.production import COMPONENT_LABELS, ProductionAnalysis, spike_text
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
    st.plotly_chart(segments_charts.gap_waterfall(analysis.chart, metric.name if metric else "metric",
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


def render_health(analysis: ProductionAnalysis, key: str) -> None:
    if any(c.budget for c in analysis.health):
        st.plotly_chart(serving_charts.health_vs_budget(list(analysis.health)), key=f"{key}:health")


def render_drift(analysis: ProductionAnalysis, key: str) -> None:
    report = analysis.drift
    if report is None:
        st.caption("Upload a training and a serving feature sample to rank drift per feature.")
        return
    for problem in report.problems:
        st.warning(literal(problem), icon=":material/warning:")
    _feature_culprits(analysis, key)
    computed = [f for f in report.features if f.js_distance is not None]
    if not computed:
        return
    left, right = st.columns([3, 2])
    left.plotly_chart(samples_charts.drift_ranking(computed), key=f"{key}:drift")
    with left:
        glossary_hint("null_band")
    with right:
        spiked = [f for f in computed if f.default_spike is not None]
        drifted = [f for f in computed if f.drifted]
        top = spiked or drifted or computed[:1]
        choice = st.selectbox("Look at a feature", [f.feature for f in computed],
                              index=computed.index(top[0]), key=f"{key}:drift_feature")
        feature = next(f for f in computed if f.feature == choice)
        st.plotly_chart(samples_charts.drift_distribution(feature), key=f"{key}:drift_dist")
        band = (feature.null_band or {}).get("js_distance")
        context = (f"JS {feature.js_distance:.3f}; chance alone reaches {band:.3f} at these "
                   "sizes (95th percentile of reference-vs-reference splits). "
                   if band is not None else "")
        verdict = ("**Drifted.** " if feature.drifted else "Not drifted: ") + "; ".join(
            feature.reasons) if feature.reasons else "No test could be run on this feature."
        st.caption(f"n = {feature.n_reference:,} training, {feature.n_current:,} serving. "
                   f"{context}{literal(verdict)}")


def _verdict_rows(report) -> pd.DataFrame:
    """One row per feature: the test, its p-values, the verdict and why, drifted first."""
    from triage.kinds.samples.drift import p_text

    ranked = sorted(report.features, key=lambda f: (not f.drifted, f.adjusted_p_value is None,
                                                    f.adjusted_p_value or 1.0))
    return pd.DataFrame([{
        "feature": f.feature, "test": f.test or "none",
        "p (Holm)": p_text(f.p_value) if f.p_value is not None else "",
        "adjusted p (BH)": p_text(f.adjusted_p_value) if f.adjusted_p_value is not None else "",
        "drifted": "yes" if f.drifted else "no",
        "reasons": "; ".join(f.reasons) if f.reasons else (f.note or "no test could be run"),
    } for f in ranked])


def _feature_culprits(analysis: ProductionAnalysis, key: str = "drift") -> None:
    """The verdict per feature in a table; default-value spikes and categories training never
    saw, named in words."""
    from triage.kinds.samples.drift import FLOORS

    report = analysis.drift
    if report.features:
        tested, drifted = len(report.tested), len(report.drifted)
        share = f" ({report.drifted_share:.0%} of {tested:,} tested)" if tested else ""
        st.markdown(f"**{drifted:,} feature{'' if drifted == 1 else 's'} drifted**{share}"
                    if drifted else "No feature drifted beyond chance and the floors"
                    + (f" ({tested:,} tested)." if tested else "."))
        st.dataframe(_verdict_rows(report), hide_index=True, key=f"{key}:drift_verdicts")
        st.caption(
            "Per feature: KS for numbers, chi-square for categories, a two-proportion score test "
            "(Fisher exact at small counts) for two-valued features, plus tests of the missing "
            "rate, of categories unseen in training (against the Good–Turing share) and of the "
            "share outside training's 1st–99th percentile. p (Holm) is the feature's smallest "
            "p-value after Holm's correction over its tests; adjusted p is Benjamini–Hochberg "
            f"across features. Drifted = adjusted p < {report.q:g} and an effect at its floor: "
            f"W/σ ≥ {FLOORS['wasserstein_norm']:g} or JS ≥ {FLOORS['js_distance']:g}, "
            f"|Δ missing rate| ≥ {FLOORS['missing']:g}, unseen share {FLOORS['unseen']:g} above "
            f"Good–Turing, |Δ tail share| ≥ {FLOORS['tail']:g}.")
    for feature in report.default_spikes[:5]:
        st.markdown(f":material/report: **Default-value spike:** "
                    f"{literal(spike_text(feature.feature, feature.default_spike), one_line=True)}"
                    " — usually a lookup that fails at serving and fills in a default.")
    new = report.new_categories
    for feature, category, share in new[:5]:
        st.markdown(f":material/fiber_new: **New category:** "
                    f"{literal(f'“{category}” in {feature}', one_line=True)}, unseen in training "
                    f"({share:.1%} of the serving sample).")
    if len(new) > 5:
        st.caption(f"…and {len(new) - 5} more categories unseen in training.")


def render_skew(analysis: ProductionAnalysis, key: str) -> None:
    """The skew check on the same requests, or why the sample comparison cannot stand in for it."""
    report = analysis.skew
    st.markdown("**Training–serving skew**")
    if report is None:
        st.caption(":material/compare_arrows: No served values joined to offline recomputation "
                   "by request id yet. The training-vs-serving comparison above is drift: it "
                   "cannot tell skew (the same request getting a different value at serving) "
                   "from a change in the population. Upload the pair under Feature samples → "
                   "Skew check.")
        return
    st.markdown(f":material/compare_arrows: {literal(report.headline(), one_line=True)}")
    for feature in report.default_spikes[:5]:
        st.markdown(":material/report: **Default filled in at serving:** "
                    f"{literal(feature.default.text(feature.feature), one_line=True)}.")
    for feature in report.missing_spikes[:5]:
        st.markdown(":material/report: **Missing at serving:** "
                    f"{literal(feature.missing.text(feature.feature), one_line=True)}.")
    for note in report.notes:
        st.caption(f":material/info: {literal(note)}")
    st.dataframe(_skew_rows(report), hide_index=True, key=f"{key}:skew_table")
    atol, rtol = (f"{t:g}".replace("e-0", "e-") for t in (report.atol, report.rtol))
    st.caption(f"Shares are of the {report.matched:,} matched requests, with 95% Wilson score "
               f"intervals. Numbers differ when |served − offline| > {atol} + "
               f"{rtol}·|offline|; texts when not equal; one side missing differs. "
               "Skewed: differs on 1% or more of them.")
    glossary_hint("training_serving_skew")


def _skew_rows(report) -> pd.DataFrame:
    rows = []
    for f in report.features:
        low, high = f.differs.interval
        example = (f"{f.examples[0][0]}: {f.examples[0][1]} served, {f.examples[0][2]} offline"
                   if f.examples else "")
        rows.append({
            "feature": f.feature, "kind": f.kind, "differs": f"{f.differs.share:.1%}",
            "95% interval": f"{low:.1%}–{high:.1%}", "requests": f"{f.differs.k:,}",
            "missing at serving": f"{f.served_missing:,}",
            "default filled in": (f"{f.default.value} on {f.default.filled.share:.1%}"
                                  if f.default_spike else ""),
            "skewed": "yes" if f.skewed else "no", "example": example,
        })
    return pd.DataFrame(rows)
