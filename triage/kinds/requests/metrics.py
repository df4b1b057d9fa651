"""The metrics the requests kind (a request log, a dataset inventory) offers to playbook data rules."""

# Plain dicts: this module imports nothing, so triage.vocabulary can build the scenarios' metric
# lists from it without an import cycle.
ACCESS_METRICS: dict[str, str] = {
    "has_data": "true when a request log was uploaded or one request's stages typed in",
    "requests": "number of requests analysed",
    "business_hours": "true when waits are counted in business hours, false for calendar hours",
    "slowest_stage": "access stage id with the largest median wait: owner, approval, provisioning, "
                     "first_use",
    "slowest_stage_label": "human name of that stage",
    "slowest_share": "that stage's share of the four stage medians added up (not of the time to "
                     "access, which is measured end to end)",
    "time_to_access_median_hours": "median hours from request to first access (Kaplan–Meier: "
                                   "requests still waiting count up to the as-of date)",
    "time_to_access_text": "the time to access as the page shows it, e.g. '5.9 d' or 'more than "
                           "7.0 d'",
    "owner_slowest_dataset": "the dataset whose requests wait longest for an owner (median, at "
                             "least 3 requests when any dataset has that many)",
    "owner_slowest_dataset_hours": "that dataset's median wait for an owner, hours",
    "owner_slowest_dataset_requests": "number of requests on that dataset",
    "owner_median_hours": "median hours to find an owner",
    "approval_median_hours": "median hours from owner found to approval",
    "provisioning_median_hours": "median hours from approval to working access",
    "first_use_median_hours": "median hours from working access to first use",
    "owner_breach_rate": "share of requests over the owner SLA, 0 to 1",
    "approval_breach_rate": "share of requests over the approval SLA, 0 to 1",
    "provisioning_breach_rate": "share of requests over the provisioning SLA, 0 to 1",
    "first_use_breach_rate": "share of requests over the first-use SLA, 0 to 1",
    "worst_breach_rate": "the highest breach rate of any stage",
    "worst_breach_stage": "the stage with that breach rate",
    "provisioning_to_approval": "provisioning median / approval median (above 1: the hand-off "
                                "after approval is the bigger wait)",
    "unowned_share": "share of requests on datasets without a known owner, 0 to 1",
    "auto_approved_share": "share of requests approved automatically, 0 to 1",
    "denied_share": "share of requests denied, 0 to 1",
    "expired_share": "share of requests that expired unanswered, 0 to 1",
    "pending_share": "share of requests still open, 0 to 1",
    "restricted_share": "share of requests on restricted or confidential data, 0 to 1",
    "has_inventory": "true when a dataset inventory was uploaded",
    "preapproved_share": "share of requested datasets with a pre-approved access path, 0 to 1",
}
