"""Regenerate the data-access worked example: six months of a team's access requests.

Seeded, so the committed files are reproducible: `python data/access/make_example.py`.
`python data/access/make_example.py --summary` prints the numbers the README quotes.

The story (see README.md): the ML team of a subscription business filed about a thousand data
access requests between 2026-03-01 and 2026-08-31. Three things shape the log:

* after a spring reorganisation six CRM and loyalty datasets have no owning team; their requests
  wait days for the governance desk to find an interim owner, and some expire unanswered after
  ten days;
* approval is not access: once approved, a request becomes a ticket in the infrastructure team's
  queue and someone applies the grants by hand in each system, which takes about three days, and
  more in August, when the queue is short-staffed over the holidays;
* public and some internal data has an automatic path (auto-approved, granted by the identity
  system in minutes), which shows what a ticket-free grant looks like.

Restricted and confidential data waits longer for approval, and a few requests are denied. A
churn-model project kicks off in mid-August and doubles the request rate, so the requests of the
last days of August are still open at the export (status ``pending``, later timestamps empty).
People act in working hours (Mon-Fri, 08:00-18:00 UTC); the automatic path acts at any time.

Files written next to this script:

* ``example_requests.csv``: one row per request, timestamps ISO 8601 in UTC with ``Z``.
* ``example_inventory.csv``: the 40 datasets the team asked for, with owner (empty when nobody
  owns it), tier, pre-approved path (empty when none) and the systems it lives in.

Standard library and numpy only (pandas for ``--summary``).
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20260301
REQUESTS = 1000
START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 8, 31, 18, 0, tzinfo=UTC)  # the log was exported at this moment
WORK_START, WORK_END = 8, 18  # people act Mon-Fri in these UTC hours
EXPIRY_HOURS = 240  # a request nobody has picked up after ten days expires

# dataset, owner ("" = nobody owns it), tier, pre-approved path ("" = none), systems, weight
INVENTORY = [
    ("orders_daily", "commerce-data", "internal", "ml-internal-read", "warehouse;lake", 6),
    ("order_items", "commerce-data", "internal", "ml-internal-read", "warehouse;lake", 4),
    ("product_catalogue", "catalogue-team", "public", "open-catalogue", "warehouse", 4),
    ("product_reviews", "catalogue-team", "internal", "ml-internal-read", "warehouse;lake", 3),
    ("clickstream_events", "web-analytics", "internal", "ml-internal-read",
     "lake;feature_store", 6),
    ("search_queries", "search-platform", "confidential", "", "lake", 4),
    ("search_impressions", "search-platform", "internal", "ml-internal-read",
     "lake;feature_store", 3),
    ("recommendation_logs", "recs-platform", "internal", "ml-internal-read",
     "lake;feature_store", 4),
    ("customer_profiles", "identity-team", "restricted", "", "warehouse;lake;feature_store", 5),
    ("customer_addresses", "identity-team", "restricted", "", "warehouse", 2),
    ("customer_segments", "marketing-science", "confidential", "",
     "warehouse;feature_store", 3),
    ("payments_transactions", "payments-data", "restricted", "", "warehouse;lake", 4),
    ("payment_methods", "payments-data", "restricted", "", "warehouse", 1),
    ("refunds", "payments-data", "confidential", "", "warehouse", 2),
    ("subscriptions", "billing-data", "confidential", "", "warehouse;lake", 4),
    ("subscription_events", "billing-data", "confidential", "",
     "warehouse;lake;feature_store", 3),
    ("invoices", "billing-data", "restricted", "", "warehouse", 1),
    ("support_tickets", "support-ops-data", "confidential", "", "warehouse;lake", 3),
    ("support_chat_transcripts", "support-ops-data", "restricted", "", "lake", 2),
    ("marketing_campaigns", "marketing-science", "internal", "ml-internal-read", "warehouse", 3),
    ("email_engagement", "marketing-science", "confidential", "", "warehouse;lake", 3),
    ("app_sessions", "mobile-analytics", "internal", "ml-internal-read",
     "lake;feature_store", 4),
    ("push_notifications", "mobile-analytics", "internal", "ml-internal-read", "lake", 2),
    ("delivery_events", "logistics-data", "internal", "ml-internal-read", "warehouse;lake", 3),
    ("warehouse_stock", "logistics-data", "public", "open-catalogue", "warehouse", 2),
    ("store_locations", "logistics-data", "public", "open-catalogue", "warehouse", 1),
    ("fraud_labels", "risk-data", "restricted", "", "warehouse;feature_store", 3),
    ("risk_scores", "risk-data", "confidential", "", "feature_store", 2),
    ("experiment_assignments", "experimentation-platform", "internal", "ml-internal-read",
     "warehouse;lake", 3),
    ("experiment_metrics", "experimentation-platform", "internal", "ml-internal-read",
     "warehouse", 2),
    ("pricing_history", "pricing-team", "confidential", "", "warehouse", 2),
    ("currency_rates", "finance-data", "public", "open-catalogue", "warehouse", 1),
    ("holiday_calendar", "finance-data", "public", "open-catalogue", "warehouse", 1),
    ("user_embeddings", "recs-platform", "confidential", "", "feature_store", 2),
    # The ownerless cluster: the CRM team was split up in the spring reorganisation.
    ("crm_contacts", "", "restricted", "", "warehouse;lake", 5),
    ("crm_interactions", "", "confidential", "", "warehouse;lake", 4),
    ("crm_opportunities", "", "confidential", "", "warehouse", 2),
    ("loyalty_members", "", "confidential", "", "warehouse;lake;feature_store", 4),
    ("loyalty_points_ledger", "", "confidential", "", "warehouse", 2),
    ("loyalty_rewards", "", "internal", "", "warehouse", 1),
]
ROLES = [("data_scientist", 0.55), ("ml_engineer", 0.25), ("analyst", 0.15),
         ("research_scientist", 0.05)]
# Median calendar hours of a person's approval by tier, before working hours are applied.
APPROVAL_MEDIAN = {"public": 6.0, "internal": 12.0, "confidential": 20.0, "restricted": 40.0}
AUTO_APPROVAL = {"public": 0.8, "internal": 0.35, "confidential": 0.0, "restricted": 0.0}
DENIAL = {"public": 0.0, "internal": 0.03, "confidential": 0.06, "restricted": 0.12}
PROVISIONING_MEDIAN = 56.0  # the manual ticket queue, before working hours are applied
KICK_OFF = datetime(2026, 8, 17, tzinfo=UTC)  # a new project: the request rate doubles
HOLIDAYS = datetime(2026, 8, 1, tzinfo=UTC)  # from here the queue is short-staffed: half as slow again
COLUMNS = ["request_id", "dataset", "requested_at", "owner_assigned_at", "approved_at",
           "provisioned_at", "first_access_at", "tier", "status", "auto_approved",
           "requester_role"]


def _next_working_moment(moment: datetime, rng: np.random.Generator) -> datetime:
    """The same moment if a person could act then, else a little after the next working start."""
    if moment.weekday() < 5 and WORK_START <= moment.hour < WORK_END:
        return moment
    day = moment.date() if moment.hour < WORK_START else moment.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    opened = datetime(day.year, day.month, day.day, WORK_START, tzinfo=UTC)
    return opened + timedelta(minutes=int(rng.integers(0, 120)))


def _lognormal(rng: np.random.Generator, median: float, sigma: float) -> float:
    return float(median * np.exp(sigma * rng.standard_normal()))


def _request_times(rng: np.random.Generator) -> list[datetime]:
    """Request moments on working days, in working hours, spread over the six months."""
    days = []
    day = START
    while day.date() <= END.date():
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    # A churn-model project kicked off in the second half of August: twice the usual requests.
    weights = np.array([2.0 if day >= KICK_OFF else 1.0 for day in days])
    weights /= weights.sum()
    times = []
    for _ in range(REQUESTS):
        day = days[int(rng.choice(len(days), p=weights))]
        minute = int(rng.integers(0, (WORK_END - WORK_START) * 60))
        times.append(day + timedelta(hours=WORK_START, minutes=minute))
    return sorted(times)


def _stamp(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build(seed: int = SEED) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    rng = np.random.default_rng(seed)
    weights = np.array([row[5] for row in INVENTORY], dtype=float)
    weights /= weights.sum()
    role_names = [name for name, _ in ROLES]
    role_weights = np.array([share for _, share in ROLES])
    requests = []
    for number, requested in enumerate(_request_times(rng), start=1):
        dataset, owner, tier, _, _, _ = INVENTORY[int(rng.choice(len(INVENTORY), p=weights))]
        role = role_names[int(rng.choice(len(role_names), p=role_weights))]
        auto = bool(owner) and rng.random() < AUTO_APPROVAL[tier]
        stamps: dict[str, datetime | None] = dict.fromkeys(COLUMNS[3:7])
        status = "approved"
        if auto:
            # The self-service path: routed, approved and granted by the identity system.
            stamps["owner_assigned_at"] = requested + timedelta(seconds=int(rng.integers(5, 60)))
            stamps["approved_at"] = stamps["owner_assigned_at"] + timedelta(
                seconds=int(rng.integers(5, 120)))
            stamps["provisioned_at"] = stamps["approved_at"] + timedelta(
                minutes=float(rng.uniform(2, 25)))
        else:
            # Routed to the owning team in hours; for an ownerless dataset the governance desk
            # has to find an interim owner, which takes days.
            wait = _lognormal(rng, 2.0, 0.9) if owner else _lognormal(rng, 110.0, 0.55)
            if wait > EXPIRY_HOURS:
                status = "expired"
            else:
                stamps["owner_assigned_at"] = _next_working_moment(
                    requested + timedelta(hours=wait), rng)
                approved = _next_working_moment(
                    stamps["owner_assigned_at"]
                    + timedelta(hours=_lognormal(rng, APPROVAL_MEDIAN[tier], 0.7)), rng)
                if rng.random() < DENIAL[tier]:
                    status = "denied"
                else:
                    stamps["approved_at"] = approved
                    queue = PROVISIONING_MEDIAN * (1.25 if tier == "restricted" else 1.0)
                    queue *= 1.5 if approved >= HOLIDAYS else 1.0
                    stamps["provisioned_at"] = _next_working_moment(
                        approved + timedelta(hours=_lognormal(rng, queue, 0.45)), rng)
        if stamps["provisioned_at"] is not None:
            stamps["first_access_at"] = _next_working_moment(
                stamps["provisioned_at"] + timedelta(hours=_lognormal(rng, 5.0, 1.0)), rng)
        # The export cuts the story at END: anything later has not happened yet.
        for key in COLUMNS[3:7]:
            if stamps[key] is not None and stamps[key] > END:
                for later in COLUMNS[COLUMNS.index(key):7]:
                    stamps[later] = None
                status = "pending"
                break
        if status == "expired" and requested + timedelta(hours=EXPIRY_HOURS) > END:
            status = "pending"  # not yet ten days old at the export: still waiting for an owner
        if status == "denied" and approved > END:
            status = "pending"  # the decision falls after the export
        requests.append({
            "request_id": f"REQ-{number:05d}",
            "dataset": dataset,
            "requested_at": _stamp(requested),
            **{key: _stamp(value) for key, value in stamps.items()},
            "tier": tier,
            "status": status,
            "auto_approved": "true" if auto else "false",
            "requester_role": role,
        })
    inventory = [
        {"dataset": name, "owner": owner, "tier": tier, "preapproved_path": path, "systems": systems}
        for name, owner, tier, path, systems, _ in INVENTORY
    ]
    return requests, inventory


def _write(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(folder: Path = HERE) -> None:
    requests, inventory = build()
    _write(folder / "example_requests.csv", requests, COLUMNS)
    _write(folder / "example_inventory.csv", inventory,
           ["dataset", "owner", "tier", "preapproved_path", "systems"])


def summary(folder: Path = HERE) -> None:
    """Print the numbers the README quotes: per-stage waits in calendar hours, and shares."""
    import pandas as pd

    frame = pd.read_csv(folder / "example_requests.csv", dtype=str, keep_default_na=False)
    inventory = pd.read_csv(folder / "example_inventory.csv", dtype=str, keep_default_na=False)
    times = {c: pd.to_datetime(frame[c].replace("", None), utc=True) for c in COLUMNS[2:7]}
    print(f"requests: {len(frame)}")
    for stage, start, end in [("owner", "requested_at", "owner_assigned_at"),
                              ("approval", "owner_assigned_at", "approved_at"),
                              ("provisioning", "approved_at", "provisioned_at"),
                              ("first_use", "provisioned_at", "first_access_at"),
                              ("time_to_access", "requested_at", "first_access_at")]:
        hours = ((times[end] - times[start]).dt.total_seconds() / 3600).dropna()
        print(f"{stage:>15}: n={len(hours):4d} median={hours.median():6.1f} h "
              f"p90={hours.quantile(0.9):6.1f} h")
    for status, count in frame["status"].value_counts().sort_index().items():
        print(f"status {status}: {count} ({count / len(frame):.1%})")
    print(f"auto-approved: {(frame['auto_approved'] == 'true').mean():.1%}")
    unowned = set(inventory.loc[inventory["owner"] == "", "dataset"])
    on_unowned = frame["dataset"].isin(unowned)
    print(f"on datasets without an owner: {on_unowned.mean():.1%}")
    wait = ((times["owner_assigned_at"] - times["requested_at"]).dt.total_seconds() / 3600)
    print(f"  owner wait median on them: {wait[on_unowned].median():.1f} h; "
          f"elsewhere {wait[~on_unowned].median():.1f} h")
    print(f"  expired among them: {(frame.loc[on_unowned, 'status'] == 'expired').mean():.1%}")
    print(f"restricted or confidential: {frame['tier'].isin(['restricted', 'confidential']).mean():.1%}")
    approval = (times["approved_at"] - times["owner_assigned_at"]).dt.total_seconds() / 3600
    access = (times["first_access_at"] - times["requested_at"]).dt.total_seconds() / 3600
    for tier in ["public", "internal", "confidential", "restricted"]:
        rows = frame["tier"] == tier
        print(f"tier {tier:>12}: {rows.sum():4d} requests, approval median "
              f"{approval[rows].median():6.1f} h, time to access median {access[rows].median():6.1f} h")
    manual = frame["auto_approved"] == "false"
    provisioning = (times["provisioned_at"] - times["approved_at"]).dt.total_seconds() / 3600
    print(f"provisioning median, manual: {provisioning[manual].median():.1f} h; "
          f"automatic: {provisioning[~manual].median() * 60:.0f} min")
    print(f"approval median, manual: {approval[manual].median():.1f} h")
    listed = inventory["dataset"].isin(frame["dataset"])
    print(f"requested datasets with a pre-approved path: "
          f"{(inventory.loc[listed, 'preapproved_path'] != '').mean():.1%}")
    print(f"latest timestamp: {max(t.max() for t in times.values())}")


if __name__ == "__main__":
    if "--summary" in sys.argv[1:]:
        summary()
    else:
        main()
