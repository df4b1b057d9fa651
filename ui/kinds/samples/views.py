"""The samples kind's picture: drift per feature against its null band, and the skew check."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from triage.kinds.samples import charts as samples_charts
from triage.markdown import literal
from triage.production import ProductionAnalysis, spike_text
from ui.charts import show_chart
from ui.learn_views import glossary_hint


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
    show_chart(samples_charts.drift_ranking(computed), key=f"{key}:drift", where=left)
    with left:
        glossary_hint("null_band")
    with right:
        spiked = [f for f in computed if f.default_spike is not None]
        drifted = [f for f in computed if f.drifted]
        top = spiked or drifted or computed[:1]
        choice = st.selectbox("Look at a feature", [f.feature for f in computed],
                              index=computed.index(top[0]), key=f"{key}:drift_feature")
        feature = next(f for f in computed if f.feature == choice)
        show_chart(samples_charts.drift_distribution(feature), key=f"{key}:drift_dist")
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
