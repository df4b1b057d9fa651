"""The metrics the segments kind (the expected vs observed metric, its labels' maturity and the
segment table) offers to playbook data rules."""

# Plain dicts: this module imports nothing, so triage.vocabulary can build the scenarios' metric
# lists from it without an import cycle.
SEGMENT_METRICS: dict[str, str] = {
    "has_metric": "true when expected and observed values are typed in",
    "metric_name": "the metric's name, e.g. CTR",
    "gap": "observed - expected, signed",
    "shortfall": "how much worse online is, in the metric's units (negative: better)",
    "shortfall_relative": "shortfall / expected, 0 to 1",
    "noise_known": "true when the sampling error of the gap can be judged",
    "gap_significant": "true when the 95% interval of the gap excludes zero",
    "gap_z": "gap / its standard error",
    "has_segments": "true when a segment table is in",
    "mix_share": "share of the shortfall explained by the traffic mix, 0 to 1; unknown when "
                 "parts offset each other (see parts_offset)",
    "fallback_share": "share of the shortfall explained by fallbacks, 0 to 1; unknown when parts "
                      "offset each other",
    "model_share": "share of the shortfall explained by the model within segments, 0 to 1; "
                   "unknown when parts offset each other",
    "unexplained_share": "share of the shortfall the segment table does not explain, 0 to 1; "
                         "unknown when parts offset each other",
    "largest_part": "which part lost most: mix, fallback, model, unexplained",
    "parts_offset": "true when a part of the gap moved against it (e.g. a mix shift towards "
                    "better segments hid a model loss): shares of the gap are then not given",
    "parts_text": "the parts in words, e.g. 'a mix shift of +0.006 hid a model loss of -0.010'",
    "mix_loss": "how much worse the traffic mix made the metric, in its units (negative: it "
                "helped)",
    "fallback_loss": "how much worse fallbacks made the metric, in its units (negative: better)",
    "model_loss": "how much worse the model within segments made the metric, in its units "
                  "(negative: better)",
    "unexplained_loss": "how much worse the unexplained remainder is, in the metric's units",
    "simpson": "true when every segment moved one way and the total the other",
    "worst_segment": "the segment contributing most to the shortfall",
    "labels_provisional": "true when under 95% of the observed window has complete labels",
    "mature_label_share": "share of the observed window with complete labels, 0 to 1",
    "gap_on_mature_cohorts": "true when the gap is computed on cohorts older than the label delay",
    "gap_p_value": "p-value of the noise test (exact binomial, score test or Welch)",
    "gap_method": "the noise test used, in words",
    "fallback_top_segment": "the segment holding the largest part of the fallback loss",
    "fallback_top_segment_share": "its share of the fallback loss, 0 to 1",
    "fallback_segments_text": "where the fallback loss sits, e.g. '85% in partner-api'",
    "model_top_segment": "the segment holding the largest part of the model's own loss",
    "model_top_segment_share": "its share of the model's own loss, 0 to 1",
    "model_segments_text": "where the model's own loss sits, e.g. '45% in ios, 42% in android'",
}
