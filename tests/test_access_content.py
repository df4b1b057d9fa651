"""Content checks for the data-access playbook and its worked example.

The playbook must make safe access easier and never recommend a way around governance: options
that propose a workaround lead to a finding that explains why not, and no action's title or
description proposes one.
"""

import ast
import csv
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from triage.engine import recommended_action_ids, suggestion_for, walk
from triage.vocabulary import ACCESS_STAGE_LABELS, ACTION_KINDS, TIERS

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOK = ROOT / "playbooks" / "data_access.yaml"
EXAMPLE = ROOT / "data" / "access"
REQUEST_COLUMNS = ["request_id", "dataset", "requested_at", "owner_assigned_at", "approved_at",
                   "provisioned_at", "first_access_at", "tier", "status", "auto_approved",
                   "requester_role"]
STAMPS = REQUEST_COLUMNS[2:7]
INVENTORY_COLUMNS = ["dataset", "owner", "tier", "preapproved_path", "systems"]
LIFECYCLE = ["owner_known", "request_path", "approval_sla", "provisioning_gap", "acl_consistent",
             "audit_trail", "self_service", "sensitivity", "preapproved"]

# Words that would mean an action proposes a way around governance. They may appear only where
# the playbook warns against them: workaround option labels, the finding that answers them, and
# trade-offs.
FORBIDDEN = ("copy", "copies", "copying", "credential", "bypass", "skip", "workaround",
             "work around", "circumvent", "personal export", "someone else's access",
             "colleague's access", "without approval", "shadow")
WORKAROUND_LABEL = re.compile(r"cop(y|ies|ying)|credential|personal export", re.IGNORECASE)

# What the analysis reports for the worked example (calendar hours, default SLAs, inventory in;
# Kaplan–Meier medians and breach rates, requests still waiting counted up to the as-of date).
EXAMPLE_METRICS = {
    "has_data": True,
    "requests": 1000,
    "business_hours": False,
    "slowest_stage": "provisioning",
    "slowest_stage_label": "Provisioning",
    "slowest_share": 0.697,
    "time_to_access_median_hours": 142.2,
    "time_to_access_text": "5.9 d",
    "owner_slowest_dataset": "crm_opportunities",
    "owner_slowest_dataset_hours": 160.1,
    "owner_slowest_dataset_requests": 13,
    "owner_median_hours": 1.94,
    "approval_median_hours": 23.2,
    "provisioning_median_hours": 72.0,
    "first_use_median_hours": 6.2,
    "owner_breach_rate": 0.164,
    "approval_breach_rate": 0.288,
    "provisioning_breach_rate": 0.79,
    "first_use_breach_rate": 0.022,
    "worst_breach_rate": 0.79,
    "worst_breach_stage": "provisioning",
    "provisioning_to_approval": 3.1,
    "unowned_share": 0.141,
    "auto_approved_share": 0.183,
    "denied_share": 0.044,
    "expired_share": 0.016,
    "pending_share": 0.054,
    "restricted_share": 0.555,
    "has_inventory": True,
    "preapproved_share": 0.425,
}


def _action_text(action) -> str:
    return f"{action.title} {action.description}".lower()


# ---------------------------------------------------------------------------------------------
# The playbook


def test_validate_command_reports_every_playbook_valid():
    done = subprocess.run([sys.executable, "-m", "triage", "validate"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.fullmatch(r"\d+ playbook\(s\) valid\n", done.stdout), done.stdout
    single = subprocess.run([sys.executable, "-m", "triage", "validate", str(PLAYBOOK)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert (single.returncode, single.stdout) == (0, "1 playbook(s) valid\n")


def test_loads_with_enough_questions_and_actions(book):
    assert (book.id, book.version, book.scenario, book.group_by) == ("data_access", 1, "access", "kind")
    assert book.title == "Data access is blocked by approvals, ACLs or governance"
    questions = [n for n in book.nodes.values() if n.is_question]
    assert len(questions) >= 9
    assert len(book.actions) >= 12
    assert {a.kind for a in book.actions.values()} == ACTION_KINDS
    assert {spec.id for spec in book.inputs} >= {"request_log", "inventory", "slas"}


def test_questions_follow_the_request_lifecycle(book):
    """The walk asks in the order a request travels, whichever ordinary answer is given."""
    node, seen = book.node(book.start), []
    while node.is_question:
        seen.append(node.id)
        node = book.node(node.options[0].next)
    assert seen == LIFECYCLE
    assert "approval is not access" in book.node("provisioning_gap").why.lower()






def test_the_catalogue_covers_the_agreed_actions_with_honest_kinds(book):
    expected = {
        "ownership_registry": "cross_team", "role_templates": "cross_team",
        "self_service_workflow": "cross_team", "classify_sensitivity": "cross_team",
        "deid_sample_in_house": "quick_win", "deid_extract_from_owner": "cross_team",
        "document_request_path": "quick_win", "timeboxed_grants": "cross_team",
        "automate_provisioning": "cross_team", "consistent_acl": "cross_team",
        "request_templates": "quick_win", "track_request_age": "quick_win",
        "approver_audit_view": "cross_team",
    }
    assert {a: book.actions[a].kind for a in expected if a in book.actions} == expected


def test_actions_are_complete_and_speed_ups_modest(book):
    for action in book.actions.values():
        assert action.owner_role and action.tradeoffs and action.wont_fix, action.id
        low, high = action.effort_days
        assert 0 < low <= high <= 60, action.id
        if action.stage:
            assert action.stage in ACCESS_STAGE_LABELS, action.id
            assert action.affects == "total", action.id
            assert action.speedup is not None, action.id
            assert 1.0 <= action.speedup[0] <= action.speedup[1] <= 10.0, action.id
        else:
            assert action.speedup is None, action.id
    provisioning = book.actions["automate_provisioning"]
    assert (provisioning.stage, provisioning.speedup) == ("provisioning", (3.0, 10.0))
    documented = book.actions["document_request_path"]
    assert (documented.stage, documented.speedup) == ("owner", (1.2, 2.0))
    # Work that lets early experiments start, or makes a yes safer, shortens no stage.
    for action_id in ("deid_sample_in_house", "deid_extract_from_owner", "timeboxed_grants"):
        assert not book.actions[action_id].stage, action_id
    # Quick wins are days of the team's own work.
    for action in book.actions.values():
        if action.kind == "quick_win":
            assert action.effort_days[1] <= 5, action.id


def test_no_action_proposes_a_way_around_governance(book):
    for action in book.actions.values():
        text = _action_text(action)
        found = [word for word in FORBIDDEN if word in text]
        assert not found, f"{action.id} mentions {found} in its title or description"


def test_workaround_options_end_at_a_finding_that_explains_why_not(book):
    workaround_options = [(node, option) for node in book.nodes.values() for option in node.options
                          if WORKAROUND_LABEL.search(option.label)]
    labels = " ".join(option.label.lower() for _, option in workaround_options)
    assert "copy" in labels and "credential" in labels and "export" in labels
    targets = {option.next for _, option in workaround_options}
    assert targets == {"no_workarounds"}
    for node, option in workaround_options:
        assert not option.actions, f"{node.id}.{option.id} must not add actions to the plan"
    finding = book.node("no_workarounds")
    assert finding.kind == "finding"
    explained = f"{finding.text} {finding.why} {finding.detail}".lower()
    for reason in ("audit", "consent", "retention", "revoked", "slower for everyone"):
        assert reason in explained, reason
    assert "instead" in explained
    # What to do instead: the safe path made faster, never the workaround.
    assert set(finding.actions) >= {"track_request_age", "deid_extract_from_owner"}
    for action_id in finding.actions:
        assert not [w for w in FORBIDDEN if w in _action_text(book.actions[action_id])]


def test_options_that_add_actions_never_propose_a_workaround(book):
    for node in book.nodes.values():
        for option in node.options:
            if option.actions:
                assert not WORKAROUND_LABEL.search(option.label), f"{node.id}.{option.id}"


def test_workaround_paths_recommend_only_safe_actions(book, walks):
    reached = [done for done in walks if done.finding.id == "no_workarounds"]
    assert reached
    for done in reached:
        for action_id in recommended_action_ids(book, done):
            assert not [w for w in FORBIDDEN if w in _action_text(book.actions[action_id])]


def test_trade_offs_say_governance_stays(book):
    """Stronger controls slow teams; the answer is better tooling and process, not fewer controls."""
    governance = ("ownership_registry", "role_templates", "self_service_workflow",
                  "automate_provisioning")
    for action_id in governance:
        tradeoffs = book.actions[action_id].tradeoffs.lower()
        assert any(word in tradeoffs for word in ("control", "governance")), action_id


# ---------------------------------------------------------------------------------------------
# Data rules


def test_slow_hand_off_is_suggested_with_its_numbers(book):
    node = book.node("provisioning_gap")
    metrics = {**dict.fromkeys(EXAMPLE_METRICS), "has_data": True, "slowest_stage": "provisioning",
               "provisioning_to_approval": 3.2, "provisioning_median_hours": 80,
               "slowest_share": 0.6}
    suggestion = suggestion_for(node, metrics)
    assert suggestion is not None and suggestion.option == "handoff_main"
    assert "80 h" in suggestion.message and "3.2×" in suggestion.message and "60%" in suggestion.message
    assert book.node(node.option("handoff_main").next).id == "handoff_hidden_wait"
    # Slower than approval but not the slowest stage: a part, and the walk goes on.
    part = suggestion_for(node, {**metrics, "slowest_stage": "owner"})
    assert part is not None and part.option == "handoff_part"
    quick = suggestion_for(node, {**metrics, "slowest_stage": "approval",
                                  "provisioning_to_approval": 0.1, "provisioning_median_hours": 2})
    assert quick is not None and quick.option == "prompt" and "2.0 h" in quick.message


def test_ownerless_datasets_are_suggested_with_their_share(book):
    node = book.node("owner_known")
    some = suggestion_for(node, EXAMPLE_METRICS)
    assert some is not None and some.option == "unowned_some" and "14%" in some.message
    assert "longest: crm_opportunities, 160 h median for an owner over 13 requests" in some.message
    # Without an inventory the log alone still names the dataset waiting longest for an owner.
    blind = suggestion_for(node, {**EXAMPLE_METRICS, "has_inventory": False, "unowned_share": None})
    assert blind is not None and blind.option == "unowned_some"
    assert "requests on crm_opportunities waited 160 h median for an owner" in blind.message
    main = suggestion_for(node, {**EXAMPLE_METRICS, "slowest_stage": "owner",
                                 "owner_median_hours": 96.0})
    assert main is not None and main.option == "unowned_main" and "96 h" in main.message
    owned = suggestion_for(node, {**EXAMPLE_METRICS, "unowned_share": 0.0})
    assert owned is not None and owned.option == "known"


def test_other_rules_quote_the_numbers(book):
    approval = suggestion_for(book.node("approval_sla"), EXAMPLE_METRICS)
    assert approval.option == "slow" and "29%" in approval.message and "23 h" in approval.message
    within = suggestion_for(book.node("approval_sla"), {**EXAMPLE_METRICS, "approval_breach_rate": 0.05})
    assert within.option == "within"
    sensitive = suggestion_for(book.node("sensitivity"), EXAMPLE_METRICS)
    assert sensitive.option == "sensitive_deid_owner" and "56%" in sensitive.message
    none = suggestion_for(book.node("self_service"), {**EXAMPLE_METRICS, "auto_approved_share": 0.04})
    assert none.option == "none" and "4%" in none.message
    assert suggestion_for(book.node("self_service"), {**EXAMPLE_METRICS, "auto_approved_share": 0.4}
                          ).option == "exists"
    missing = suggestion_for(book.node("preapproved"), {**EXAMPLE_METRICS, "preapproved_share": 0.1})
    assert missing.option == "missing" and "10%" in missing.message
    expired = suggestion_for(book.node("request_path"), {**EXAMPLE_METRICS, "expired_share": 0.08})
    assert expired.option == "undocumented"


def test_no_numbers_no_suggestions(book):
    empty = dict.fromkeys(EXAMPLE_METRICS)
    for node in book.nodes.values():
        if node.is_question:
            assert suggestion_for(node, empty) is None, node.id


def test_every_suggestion_names_an_option_of_its_node(book):
    for node in book.nodes.values():
        if node.rule:
            for suggestion in node.rule.suggestions:
                assert node.option(suggestion.option) is not None, (node.id, suggestion.option)


def test_the_worked_example_walks_to_the_hidden_hand_off(book):
    answers, node = {}, book.node(book.start)
    while node.is_question:
        suggestion = suggestion_for(node, EXAMPLE_METRICS)
        answers[node.id] = suggestion.option if suggestion else node.options[0].id
        node = book.node(node.option(answers[node.id]).next)
    assert answers["owner_known"] == "unowned_some"
    assert answers["approval_sla"] == "slow"
    assert answers["provisioning_gap"] == "handoff_main"
    assert node.id == "handoff_hidden_wait"
    plan = recommended_action_ids(book, walk(book, answers))
    kinds = {action_id: book.actions[action_id].kind for action_id in plan}
    assert kinds["ownership_registry"] == kinds["automate_provisioning"] == "cross_team"
    assert kinds["track_request_age"] == kinds["request_templates"] == "quick_win"


# ---------------------------------------------------------------------------------------------
# The worked example's files


def _rows(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (EXAMPLE / name).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_request_log_has_the_columns_and_clean_rows():
    columns, rows = _rows("example_requests.csv")
    assert columns == REQUEST_COLUMNS
    assert 900 <= len(rows) <= 1100
    assert len({r["request_id"] for r in rows}) == len(rows)
    stamp = re.compile(r"2026-0[3-8]-\d\dT\d\d:\d\d:\d\dZ")
    for row in rows:
        values = [row[c] for c in STAMPS]
        assert stamp.fullmatch(values[0]), row
        present = [v for v in values if v]
        assert all(stamp.fullmatch(v) for v in present), row
        assert present == sorted(present), row  # in lifecycle order
        # No missing middle: once a stage is open, every later timestamp is empty.
        assert values[: len(present)] == present, row
        assert row["tier"] in TIERS and row["auto_approved"] in ("true", "false"), row
        assert row["status"] in ("pending", "approved", "denied", "expired"), row
        if row["status"] == "approved":
            assert all(values), row
        else:
            assert not row["first_access_at"], row
        if row["auto_approved"] == "true":
            assert row["tier"] in ("public", "internal"), row
        hour = int(values[0][11:13])
        assert 8 <= hour < 18, row  # requests are filed in working hours
    assert min(r["requested_at"] for r in rows) >= "2026-03-01"
    assert max(r["requested_at"] for r in rows) < "2026-09-01"
    statuses = [r["status"] for r in rows]
    for status in ("approved", "denied", "expired", "pending"):
        assert status in statuses
    assert 0.03 <= statuses.count("pending") / len(rows) <= 0.08


def test_inventory_lists_every_requested_dataset():
    columns, inventory = _rows("example_inventory.csv")
    assert columns == INVENTORY_COLUMNS
    assert 35 <= len(inventory) <= 45
    assert any(not r["owner"] for r in inventory) and any(r["owner"] for r in inventory)
    assert any(r["preapproved_path"] for r in inventory)
    for row in inventory:
        assert row["tier"] in TIERS, row
        assert set(row["systems"].split(";")) <= {"warehouse", "lake", "feature_store"}, row
    _, requests = _rows("example_requests.csv")
    tiers = {r["dataset"]: r["tier"] for r in inventory}
    assert {r["dataset"] for r in requests} <= set(tiers)
    assert all(r["tier"] == tiers[r["dataset"]] for r in requests)


def _stage_hours(frame, pd):
    times = {c: pd.to_datetime(frame[c], utc=True) for c in STAMPS}
    pairs = zip(STAMPS, STAMPS[1:], strict=False)
    hours = {stage: (times[end] - times[start]).dt.total_seconds() / 3600
             for stage, (start, end) in zip(ACCESS_STAGE_LABELS, pairs, strict=True)}
    hours["time_to_access"] = (times["first_access_at"] - times["requested_at"]).dt.total_seconds() / 3600
    return hours


def test_the_example_tells_the_story():
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(EXAMPLE / "example_requests.csv")
    inventory = pd.read_csv(EXAMPLE / "example_inventory.csv", keep_default_na=False)
    hours = _stage_hours(frame, pd)
    medians = {stage: values.median() for stage, values in hours.items()}
    # Approval is not access: the hand-off after approval is the slowest stage by median.
    assert max(ACCESS_STAGE_LABELS, key=medians.get) == "provisioning"
    assert 2.75 * 24 <= medians["provisioning"] <= 4 * 24
    assert 18 <= medians["approval"] <= 30
    manual = frame["auto_approved"] == False  # noqa: E712 - a pandas mask
    assert hours["provisioning"][~manual].max() < 1  # the automatic path: minutes
    # The ownerless cluster waits days for an owner, and some of its requests expire.
    unowned = frame["dataset"].isin(inventory.loc[inventory["owner"] == "", "dataset"])
    assert 0.1 <= unowned.mean() <= 0.2
    assert hours["owner"][unowned].median() > 72 > hours["owner"][~unowned].median()
    assert (frame.loc[unowned, "status"] == "expired").any()
    assert (frame.loc[unowned, "status"] == "expired").mean() > (frame.loc[~unowned, "status"]
                                                                   == "expired").mean()
    # Restricted data waits longer for approval.
    by_tier = hours["approval"].groupby(frame["tier"]).median()
    assert by_tier["restricted"] > by_tier["confidential"] > by_tier["internal"]
    assert 0.1 <= (frame["auto_approved"] == True).mean() <= 0.3  # noqa: E712


def _quoted(value: float) -> str:
    return f"{value:.1f} h" if value < 100 else f"{value:.0f} h"


def _km(hours, ended) -> tuple[float, float, float]:
    """Kaplan–Meier median, p90 (R's survfit rule) and restricted mean up to the longest wait,
    straight from scipy.stats.ecdf: independent of triage.survival."""
    import numpy as np
    from scipy import stats

    hours, ended = np.asarray(hours, float), np.asarray(ended, bool)
    sf = stats.ecdf(stats.CensoredData(uncensored=hours[ended], right=hours[~ended])).sf
    keep = np.isin(sf.quantiles, hours[ended])
    times, surviving = sf.quantiles[keep], sf.probabilities[keep]

    def quantile(q):
        i = int(np.flatnonzero(surviving <= 1 - q + 1e-9)[0])
        if abs(surviving[i] - (1 - q)) <= 1e-9 and i + 1 < len(times):
            return (times[i] + times[i + 1]) / 2
        return times[i]

    steps = np.concatenate(([0.0], times, [hours.max()]))
    mean = float(np.sum(np.diff(steps) * np.concatenate(([1.0], surviving))))
    return float(quantile(0.5)), float(quantile(0.9)), mean


def test_readme_quotes_the_numbers_the_files_give():
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(EXAMPLE / "example_requests.csv")
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    hours = _stage_hours(frame, pd)
    # Kaplan–Meier per stage, as the app defines it: completed waits end; a pending request whose
    # last timestamp starts a stage is still waiting in it, censored at its age on the as-of
    # date (the latest timestamp in the file).
    stamps = frame[STAMPS].apply(pd.to_datetime, utc=True)
    as_of = stamps.max().max()
    pending = frame["status"] == "pending"
    for k, stage in enumerate(ACCESS_STAGE_LABELS):
        done = hours[stage].dropna()
        waiting = pending & stamps[STAMPS[k]].notna() & stamps[STAMPS[k + 1]].isna()
        ages = (as_of - stamps.loc[waiting, STAMPS[k]]).dt.total_seconds() / 3600
        median, p90, mean = _km(list(done) + list(ages), [True] * len(done) + [False] * len(ages))
        assert f"| {_quoted(median)} | {_quoted(p90)} | {_quoted(mean)} |" in readme, stage
    # The time to access as the app defines it: Kaplan–Meier from request to first use, requests
    # still pending censored at the latest timestamp; closed ones without access left out.
    accessed = hours["time_to_access"].notna()
    waiting = ~accessed & pending
    ages = (as_of - stamps["requested_at"]).dt.total_seconds() / 3600
    median, _, _ = _km(list(hours["time_to_access"][accessed]) + list(ages[waiting]),
                       [True] * int(accessed.sum()) + [False] * int(waiting.sum()))
    assert f"{median:.0f} h ({median / 24:.1f} d)" in " ".join(readme.split())
    assert f"{(frame['status'] == 'pending').mean():.0%} were" in readme
    assert f"{(frame['auto_approved'] == True).mean():.0%} of requests" in readme  # noqa: E712
    story = re.sub(r"^(#|\||Files|`python).*$", "", readme, flags=re.MULTILINE)
    assert 150 <= len(story.split()) <= 250


def test_generator_uses_only_the_standard_library_numpy_and_pandas():
    tree = ast.parse((EXAMPLE / "make_example.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) <= {"numpy", "pandas"}


def test_generator_is_reproducible(tmp_path):
    spec = importlib.util.spec_from_file_location("make_access_example", EXAMPLE / "make_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in ("example_requests.csv", "example_inventory.csv"):
        assert (tmp_path / name).read_bytes() == (EXAMPLE / name).read_bytes(), name
