"""Overlap groups: actions that remove the same waste count once (the strongest), different
wastes compound, and a stage part never loses more than all of its time. Numbers by hand."""

import copy
import math
from pathlib import Path

import pytest
import yaml

from triage.kinds.runs.analysis import SpeedUp, analyse_stage_table, project
from triage.kinds.runs.impact import IterationImpact
from triage.overlap import combined_speedups, removed_share, strongest_per_group
from triage.playbook import Action, PlaybookError, load_catalogue, parse_playbook
from triage.production import ProductionImpact, analyse

MINI = yaml.safe_load((Path(__file__).parent / "data" / "mini_playbook.yaml").read_text())
CATALOGUE = load_catalogue()
SHIPPED = sorted(CATALOGUE.playbooks)


def on_stage(action_id, speedup, overlap="", stage="data", affects="active"):
    return Action(id=action_id, title=action_id, kind="quick_win", effort_days=(1, 2),
                  description="", tradeoffs="", wont_fix="", stage=stage, affects=affects,
                  speedup=speedup, overlap=overlap)


def on_component(action_id, recovers, overlap="", component="model"):
    return Action(id=action_id, title=action_id, kind="quick_win", effort_days=(1, 2),
                  description="", tradeoffs="", wont_fix="", component=component,
                  recovers=recovers, overlap=overlap)


# --------------------------------------------------------------------------------------------
# The combining function


def test_inside_a_group_only_the_strongest_counts_per_bound():
    cache = on_stage("cache", (1.5, 4.0), "recompute")
    incremental = on_stage("incremental", (2.0, 3.0), "recompute")
    # low: the best low is incremental's 2.0; high: the best high is cache's 4.0 — never 2 x 1.5
    # or 4 x 3.
    assert combined_speedups([cache, incremental], 0) == {"data": SpeedUp(1.0, 2.0)}
    assert combined_speedups([cache, incremental], 1) == {"data": SpeedUp(1.0, 4.0)}


def test_different_groups_compound():
    cache = on_stage("cache", (1.5, 4.0), "recompute")
    profile = on_stage("profile", (1.2, 2.0), "query-cost")
    assert combined_speedups([cache, profile], 0)["data"].active == pytest.approx(1.8)
    assert combined_speedups([cache, profile], 1)["data"].active == pytest.approx(8.0)


def test_an_action_without_a_group_is_a_group_of_its_own():
    first, second = on_stage("a", (2.0, 2.0)), on_stage("b", (3.0, 3.0))
    assert combined_speedups([first, second], 0)["data"].active == pytest.approx(6.0)
    # and an undeclared own group never merges with a declared group of the same spelling
    assert first.overlap_group == "<a>"


def test_groups_count_on_their_own_part_of_the_stage_time():
    wait = on_stage("owners", (3.0, 3.0), "access-wait", affects="wait")
    active = on_stage("cache", (4.0, 4.0), "recompute", affects="active")
    total = on_stage("sample", (2.0, 2.0), "sample", affects="total")
    combined = combined_speedups([wait, active, total], 1)["data"]
    assert (combined.wait, combined.active) == pytest.approx((6.0, 8.0))
    # A group misused on two parts or two stages (the validator refuses it) never merges them.
    odd = on_stage("odd", (5.0, 5.0), "recompute", stage="training")
    assert combined_speedups([active, odd], 1) == {"data": SpeedUp(1.0, 4.0),
                                                   "training": SpeedUp(1.0, 5.0)}


def test_actions_without_a_stage_or_range_are_ignored():
    measuring = Action(id="m", title="m", kind="quick_win", effort_days=(1, 1), description="",
                       tradeoffs="", wont_fix="")
    assert combined_speedups([measuring], 1) == {}


def test_a_stage_part_never_loses_more_than_all_of_its_time():
    # Ten different wastes at 10x each: 1 - 10^-10 of the working time goes, never more.
    many = [on_stage(f"a{i}", (10.0, 10.0), f"g{i}") for i in range(10)]
    speed = combined_speedups(many, 1)["data"]
    assert removed_share(speed, "active") == pytest.approx(1 - 1e-10)
    assert removed_share(speed, "active") < 1
    # An infinite factor removes exactly all of it; a factor below 1 never adds time.
    assert removed_share(SpeedUp(active=math.inf), "active") == 1.0
    slower = on_stage("slower", (0.5, 0.5), "h")
    assert combined_speedups([slower], 1)["data"] == SpeedUp(1.0, 1.0)
    assert removed_share(SpeedUp(wait=0.5), "wait") == 0.0
    analysis = analyse_stage_table([{"stage": "data", "hours": 10, "wait_hours": 4}])
    after = project(analysis, {"data": SpeedUp(math.inf, math.inf)}, 1.0)
    assert after.after_by_stage["data"] == 0.0 and after.saved_per_iteration == pytest.approx(10.0)


def test_strongest_per_group_keeps_the_first_of_equals():
    first, second = on_stage("first", (2, 2), "g"), on_stage("second", (2, 2), "g")
    chosen = strongest_per_group([first, second], lambda a: a.speedup[1], lambda a: (a.stage,))
    assert [a.id for a in chosen] == ["first"]


# --------------------------------------------------------------------------------------------
# In the plan: the iteration (and access) what-if and the production win-back


TABLE = [{"stage": "data", "hours": 10, "wait_hours": 4},  # 6 h computing
         {"stage": "training", "hours": 5, "wait_hours": 0}]


def test_iteration_plan_counts_the_same_waste_once():
    impact = IterationImpact(analyse_stage_table(TABLE), 10.0)
    cache = on_stage("cache", (1.5, 4.0), "recompute")
    incremental = on_stage("incremental", (1.5, 4.0), "recompute")
    profile = on_stage("profile", (1.2, 2.0), "query-cost")
    # The same waste: together exactly what one of them saves, 6 x (1 - 1/1.5) .. 6 x (1 - 1/4).
    assert impact.saved_per_iteration([cache, incremental]) == pytest.approx((2.0, 4.5))
    assert impact.saved_per_iteration([cache, incremental]) == impact.saved_per_iteration([cache])
    # With a different waste: 6 x (1 - 1/(1.5 x 1.2)) = 2.667 .. 6 x (1 - 1/(4 x 2)) = 5.25 h;
    # compounding all three as if independent would claim 6 x (1 - 1/32) = 5.81 h at the high end.
    assert impact.saved_per_iteration([cache, incremental, profile]) == pytest.approx(
        (6 * (1 - 1 / 1.8), 5.25))


def test_slow_iteration_data_compute_fixes_no_longer_multiply_to_32x():
    book = CATALOGUE.playbooks["slow_iteration"]
    compute = [book.actions[a] for a in ("cache_features", "incremental_features",
                                         "profile_feature_jobs")]
    assert {a.overlap for a in compute[:2]} == {"data-recompute"}
    # By hand: caching and incremental computation both remove recomputation (the stronger,
    # 4x, counts once); profiling the queries (2x) compounds with it: 8x, not 4 x 4 x 2 = 32x.
    assert combined_speedups(compute, 1)["data"].active == pytest.approx(8.0)
    assert combined_speedups(compute, 0)["data"].active == pytest.approx(1.5 * 1.2)
    assert removed_share(combined_speedups(compute, 1)["data"], "active") == pytest.approx(0.875)
    # Adding the access-wait action (3x on waiting): a data stage that is 61% computing and 39%
    # waiting loses at most 0.61 x 0.875 + 0.39 x 2/3 = 79% of its time, not 85%.
    owners = book.actions["request_access_owners"]
    speed = combined_speedups([*compute, owners], 1)["data"]
    removed = 0.61 * removed_share(speed, "active") + 0.39 * removed_share(speed, "wait")
    assert removed == pytest.approx(0.61 * 0.875 + 0.39 * (2 / 3))
    assert removed == pytest.approx(0.79375)


def test_production_win_back_counts_the_same_cause_once():
    inputs = {
        "metric": {"name": "CTR", "kind": "proportion", "higher_is_better": True,
                   "expected": 0.0425, "observed": 0.0350, "n_expected": 400000,
                   "n_observed": 380000},
        "segments": [
            {"segment": "A", "expected_share": 0.6, "observed_share": 0.4,
             "expected_metric": 0.05, "observed_metric": 0.05},
            {"segment": "B", "expected_share": 0.4, "observed_share": 0.6,
             "expected_metric": 0.03, "observed_metric": 0.025, "fallback_share": 0.2,
             "fallback_metric": 0.01},
        ],
    }
    impact = ProductionImpact(analyse(inputs))
    model_loss = impact.analysis.loss("model")
    fix = on_component("fix", (0.3, 0.8), "skew")
    shared = on_component("shared", (0.1, 0.5), "skew")
    retrain = on_component("retrain", (0.2, 0.6), "staleness")
    same = impact.estimate([fix, shared])
    assert (same.low, same.high) == pytest.approx((0.3 * model_loss, 0.8 * model_loss))
    both = impact.estimate([fix, shared, retrain])
    # different causes compound: 1 - (1 - 0.3)(1 - 0.2) = 0.44 .. 1 - 0.2 x 0.4 = 0.92
    assert (both.low, both.high) == pytest.approx((0.44 * model_loss, 0.92 * model_loss))


# --------------------------------------------------------------------------------------------
# The shipped playbooks


@pytest.mark.parametrize("book_id", SHIPPED)
def test_every_shipped_action_on_a_stage_or_component_names_its_group(book_id):
    book = CATALOGUE.playbooks[book_id]
    missing = [a.id for a in book.actions.values() if (a.stage or a.component) and not a.overlap]
    assert missing == [], f"{book_id}: actions without an overlap group: {missing}"
    for group in book.overlaps.values():
        assert group.removes, f"{book_id}: overlap group {group.id} says nothing it removes"


@pytest.mark.parametrize("book_id", SHIPPED)
def test_every_shipped_playbook_removes_less_than_a_whole_stage_part(book_id):
    """All of a playbook's actions at their high ends together: each stage part keeps some time."""
    book = CATALOGUE.playbooks[book_id]
    for stage, speed in combined_speedups(list(book.actions.values()), 1).items():
        for part in ("wait", "active"):
            assert 0 <= removed_share(speed, part) < 1, (book_id, stage, part)


def test_the_largest_high_end_removals_by_hand():
    """Every shipped action at its high end, per stage part (strongest per group, groups multiply)."""
    def high(book_id):
        book = CATALOGUE.playbooks[book_id]
        return combined_speedups(list(book.actions.values()), 1)

    iteration = high("slow_iteration")
    # data: recompute 4 x query cost 2 on working; access owners 3 on waiting
    assert (iteration["data"].wait, iteration["data"].active) == pytest.approx((3.0, 8.0))
    # startup: templates 2 (total) x oversized 1.8 x queue order 3 waiting; x images 4 working
    assert (iteration["startup"].wait, iteration["startup"].active) == pytest.approx(
        (2 * 1.8 * 3, 2 * 4))
    # training: exploration max(3, 2.5) x step time 2 working; checkpointing 1.3 on both
    assert (iteration["training"].wait, iteration["training"].active) == pytest.approx(
        (1.3, 1.3 * 3 * 2))
    quota = high("gpu_quota")
    # four ways to more free GPUs count once (4x), then queue order 4 x oversized 2
    assert quota["startup"].wait == pytest.approx(4 * 4 * 2)
    access = high("data_access")
    # approval: templates, self-service and tiers remove the same from-scratch review (2.5),
    # then send-backs 1.5 x caution 1.5
    assert access["approval"].wait == pytest.approx(2.5 * 1.5 * 1.5)
    assert access["owner"].wait == pytest.approx(3.0 * 2.0)


# --------------------------------------------------------------------------------------------
# The validator


def problems_of(raw) -> list[str]:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(raw, "broken.yaml")
    return [str(p) for p in caught.value.problems]


def with_groups(change=None):
    raw = copy.deepcopy(MINI)
    raw["overlaps"] = [{"id": "recompute", "removes": "recomputing unchanged features"}]
    actions = {a["id"]: a for a in raw["actions"]}
    actions["cache"]["overlap"] = "recompute"
    if change:
        change(raw, actions)
    return raw


def test_declared_groups_load():
    book = parse_playbook(with_groups(), "ok.yaml")
    assert book.actions["cache"].overlap == "recompute"
    assert book.overlaps["recompute"].removes == "recomputing unchanged features"
    assert book.actions["dev_sample"].overlap == "" and book.actions["dev_sample"].overlap_group


def test_playbooks_without_groups_stay_valid():
    assert "overlaps" not in MINI
    parse_playbook(copy.deepcopy(MINI), "mini.yaml")


def test_unknown_group():
    raw = with_groups(lambda r, a: a["cache"].update(overlap="recomptue"))
    assert ("broken.yaml: actions.cache: overlap: unknown overlap group 'recomptue'; declare it "
            "under overlaps (id and removes). Declared: recompute") in problems_of(raw)


def test_a_group_belongs_to_one_stage_and_one_part_of_its_time():
    # dev_sample is on data, affects total; cache on data, affects active
    raw = with_groups(lambda r, a: a["dev_sample"].update(overlap="recompute"))
    assert ("broken.yaml: actions.dev_sample: overlap: group 'recompute' is on stage 'data', "
            "affects 'active' (actions.cache), but this action is on stage 'data', affects "
            "'total': a group belongs to one stage and one part of its time (or one gap "
            "component); use another group") in problems_of(raw)
    raw = with_groups(lambda r, a: a["lane"].update(overlap="recompute"))
    assert any("actions.lane: overlap: group 'recompute' is on stage 'data'" in p
               and "this action is on stage 'startup', affects 'wait'" in p
               for p in problems_of(raw))


def test_overlap_needs_a_stage_or_component():
    raw = with_groups(lambda r, a: a["instrument"].update(overlap="recompute"))
    assert any(p.startswith("broken.yaml: actions.instrument: overlap: an overlap group names "
                            "the waste an action removes") for p in problems_of(raw))


def test_bad_group_ids_and_declarations():
    raw = with_groups(lambda r, a: a["cache"].update(overlap="re compute"))
    assert ("broken.yaml: actions.cache: overlap: 're compute' must use only letters, digits, "
            "_ and -") in problems_of(raw)
    raw = with_groups(lambda r, a: r["overlaps"].append({"id": "recompute", "removes": "again"}))
    assert "broken.yaml: overlaps.recompute: id: duplicate overlap group id" in problems_of(raw)
    raw = with_groups(lambda r, a: r["overlaps"].append({"id": "spare", "removes": "nothing"}))
    assert "broken.yaml: overlaps.spare: id: no action names this overlap group" in problems_of(raw)
    raw = with_groups(lambda r, a: r["overlaps"][0].pop("removes"))
    assert ("broken.yaml: overlaps.recompute: removes: is required and must be non-empty text"
            in problems_of(raw))
    raw = with_groups(lambda r, a: r.update(overlaps="recompute"))
    assert "broken.yaml: overlaps: overlaps: must be a non-empty list" in problems_of(raw)


def test_the_schema_knows_the_fields():
    from jsonschema import Draft202012Validator

    from triage.schema import playbook_schema

    validator = Draft202012Validator(playbook_schema())
    assert list(validator.iter_errors(with_groups())) == []
    broken = with_groups(lambda r, a: r["overlaps"][0].update(stage="data"))
    assert any("stage" in e.message for e in validator.iter_errors(broken))
