"""The metrics the samples kind (training and serving feature samples, the skew check's joined
files) offers to playbook data rules."""

# Plain dicts: this module imports nothing, so triage.vocabulary can build the scenarios' metric
# lists from it without an import cycle.
SAMPLE_METRICS: dict[str, str] = {
    "has_drift": "true when training and serving feature samples are in",
    "drifted_features": "number of features drifted: beyond chance (Benjamini–Hochberg) and above "
                        "an effect floor",
    "top_drift_feature": "feature with the largest Jensen-Shannon distance",
    "top_drift_js": "its Jensen-Shannon distance, 0 to 0.833",
    "default_spikes": "number of features with a default-value spike (one value on far more "
                      "serving rows than training rows)",
    "default_spike_feature": "the feature with the largest default-value spike",
    "default_spike_value": "its spiking value, as text (e.g. 0)",
    "default_spike_reference_share": "share of training rows holding that value, 0 to 1",
    "default_spike_current_share": "share of serving rows holding that value, 0 to 1",
    "new_categories": "number of categories in the serving sample unseen in training",
    "new_category_feature": "the feature of the largest new category",
    "new_category": "the largest category unseen in training",
    "new_category_share": "its share of the serving sample, 0 to 1",
    "skew_measured": "true when served feature values are joined by request id to the values "
                     "recomputed offline for the same requests (the skew check; drift between "
                     "samples cannot tell skew from a population change)",
    "skew_matched_rows": "number of requests in both the served and the offline file",
    "skewed_features": "number of features whose served and offline values differ on at least "
                       "1% of matched requests",
    "skew_max_share": "the largest share of matched requests on which one feature differs "
                      "beyond tolerance, 0 to 1",
    "skew_max_share_low": "the lower end of that share's 95% Wilson interval, 0 to 1",
    "skew_worst_feature": "the feature with that largest share",
    "skew_default_spike": "true when some feature is served as a default (0, -1, 'unknown', ...) "
                          "on requests whose offline value differs, beyond chance",
    "skew_default_spike_feature": "the feature with the largest such default spike",
    "skew_default_spike_value": "its served default, as text (e.g. 0)",
    "skew_default_spike_share": "share of matched requests served that default where offline "
                                "had another value, 0 to 1",
    "skew_missing_spike": "true when some feature is missing at serving on requests whose "
                          "offline value exists, beyond chance",
    "skew_missing_spike_feature": "the feature most often missing at serving against offline",
    "skew_missing_spike_share": "share of matched requests where it is missing at serving and "
                                "present offline, 0 to 1",
}
