"""The metrics the runs kind (a stage table or uploaded runs) offers to playbook data rules."""

# Plain dicts: this module imports nothing, so triage.vocabulary can build the scenarios' metric
# lists from it without an import cycle.
ITERATION_METRICS: dict[str, str] = {
    "has_data": "true when stage durations were typed in or runs were uploaded",
    "runs": "number of runs (iterations) uploaded; 0 for a typed stage table",
    "iteration_hours": "hours of one iteration on average: the mean of run totals, stage means added up",
    "bottleneck": "stage id with the largest share of the iteration",
    "bottleneck_label": "human name of that stage",
    "bottleneck_share": "that stage's share of the iteration, 0 to 1",
    "bottleneck_ceiling": "overall speed-up if the bottleneck took no time at all: 1/(1-p)",
    "wait_known": "true when waiting time is known for every stage",
    "wait_share": "share of the iteration spent waiting, 0 to 1 (unknown: rule does not fire)",
    "flow_efficiency": "active time / total lead time, 0 to 1",
    "data_wait_share": "share of the data stage spent waiting, 0 to 1",
    "startup_wait_share": "share of job startup spent waiting (queueing), 0 to 1",
    "training_wait_share": "share of training spent waiting, 0 to 1",
    "evaluation_wait_share": "share of evaluation spent waiting (for people, reviews), 0 to 1",
    "deployment_wait_share": "share of deployment spent waiting (approvals), 0 to 1",
    "startup_share": "share of the iteration spent in job startup and queueing",
    "evaluation_share": "share of the iteration spent in evaluation and comparison",
    "deployment_share": "share of the iteration spent in deployment and approval",
    "training_share": "share of the iteration spent training",
    "data_share": "share of the iteration spent on data access and features",
    "handoff_share": "share of the iteration lost between stages",
    "handoff_top_transition": "the transition holding most hand-off time, e.g. 'Evaluation & "
                              "comparison → Deployment & approval' (runs with timestamps only)",
    "handoff_top_transition_share": "its share of all hand-off time, 0 to 1",
    "handoff_where_text": "where hand-off time sits, e.g. 'Evaluation & comparison → Deployment "
                          "& approval: 80% of hand-off time'",
    "failed_share": "share of all recorded run hours spent in failed runs",
    "max_variability": "largest p90/median ratio over stages (runs only)",
    "most_variable_stage": "stage id with that ratio",
    "startup_training_share": "share of the iteration in job startup and queueing plus training "
                              "(waiting for GPUs and running on them), 0 to 1",
    "startup_variability": "job startup and queueing's p90/median ratio (runs only)",
}
