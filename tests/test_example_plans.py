"""The shipped example plans follow their own data: every answer a data rule settles is the
rule's suggestion (or a scripted override whose note says why), every answer no rule settles
carries the expert's note, and the generator never falls back on the first option."""

import copy
import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

from triage.engine import suggestion_for, walk
from triage.examples import example_metrics
from triage.playbook import load_catalogue, parse_playbook
from triage.session import Session, from_json

ROOT = Path(__file__).resolve().parent.parent
PLANS = sorted((ROOT / "data").glob("*/example.plan.json"))
CATALOGUE = load_catalogue()
MINI = yaml.safe_load((Path(__file__).parent / "data" / "mini_playbook.yaml").read_text())

_spec = importlib.util.spec_from_file_location("make_example_plans",
                                               ROOT / "data" / "make_example_plans.py")
generator = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("make_example_plans", generator)  # dataclasses look their module up
_spec.loader.exec_module(generator)


def _load(path):
    session = from_json(path.read_text(encoding="utf-8"))
    return session, CATALOGUE.playbooks[session.scenario]


@pytest.fixture(scope="module")
def metrics():
    cache = {}

    def of(book_id):
        if book_id not in cache:
            cache[book_id] = example_metrics(book_id)
        return cache[book_id]

    return of


def test_there_is_an_example_plan_per_scenario():
    assert {p.parent.name for p in PLANS} == {"iteration", "production", "access"}


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.parent.name)
def test_every_firing_rule_is_followed_or_the_override_explained(path, metrics):
    session, book = _load(path)
    numbers = metrics(book.id)
    script = generator.SCRIPTS.get(book.id, {})
    followed = []
    for node_id, option in session.answers.items():
        node = book.node(node_id)
        suggestion = suggestion_for(node, numbers)
        if suggestion is None or suggestion.option == option:
            if suggestion is not None:
                followed.append(node_id)
            continue
        scripted = script.get(node_id)
        assert scripted is not None and scripted.override and scripted.option == option, (
            f"{path.parent.name}: '{node_id}' answers '{option}' but the data suggests "
            f"'{suggestion.option}' ({suggestion.message}) and no scripted override says why")
        assert session.notes.get(node_id, "").strip(), f"{node_id}: an override needs its note"
    assert followed, f"{path.parent.name}: no data rule fired on the whole path"


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.parent.name)
def test_answers_no_rule_settles_carry_the_experts_note(path, metrics):
    session, book = _load(path)
    numbers = metrics(book.id)
    for step in walk(book, session.answers).steps:
        if suggestion_for(step.node, numbers) is None:
            note = session.notes.get(step.node.id, "")
            assert note.strip(), (f"{path.parent.name}: '{step.node.id}' has no data rule firing "
                                  "and no note saying why it was answered this way")
            assert "{" not in note, f"{step.node.id}: unfilled placeholder in its note: {note}"


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.parent.name)
def test_the_committed_walk_is_what_the_generator_gives_now(path):
    """Answers and notes as the generator makes them from today's numbers (regenerate with
    `python data/make_example_plans.py` when this fails)."""
    session, book = _load(path)
    _, make, _, _ = generator.EXAMPLES[path.parent.name]
    fresh, _ = make(book)
    assert session.answers == fresh.answers
    assert {k: v for k, v in session.notes.items() if k != book.start} == {
        k: v for k, v in fresh.notes.items() if k != book.start}
    assert walk(book, session.answers).complete


def test_the_iteration_example_follows_its_compute_heavy_data_stage(metrics):
    session, book = _load(ROOT / "data" / "iteration" / "example.plan.json")
    numbers = metrics("slow_iteration")
    assert numbers["bottleneck"] == "data"  # the example is built around its data stage
    # A data stage waiting well under half of its time is mostly computing: the example must not
    # conclude "waiting for access, faster compute will not help".
    assert numbers["data_wait_share"] < 0.4
    assert session.answers["data_wait_or_work"] == "compute"
    assert walk(book, session.answers).finding.id != "data_access_blocked"


def test_the_production_example_does_not_call_the_model_most_of_the_gap(metrics):
    session, _ = _load(ROOT / "data" / "production" / "example.plan.json")
    numbers = metrics("production_underperformance")
    # The model's own loss is the smaller part (fallbacks are larger): never "most of the gap".
    assert numbers["model_share"] is not None and numbers["model_share"] < 0.5
    assert numbers["fallback_share"] > numbers["model_share"]
    assert session.answers.get("skew") != "skew_main"


# --------------------------------------------------------------------------------------------
# The generator's walk on a small playbook


def mini(drop_rules=()):
    raw = copy.deepcopy(MINI)
    for node in raw["nodes"]:
        if node["id"] in drop_rules:
            node.pop("suggest", None)
    return parse_playbook(raw, "mini.yaml")


DATA_DOMINATES = {"has_data": True, "bottleneck": "data", "bottleneck_share": 0.5,
                  "bottleneck_label": "Data", "iteration_hours": 10.0}


def fresh():
    return Session(scenario="mini", playbook_version=3)


def test_the_walk_takes_each_firing_rules_suggestion():
    session = fresh()
    generator.answer_by_suggestion(mini(), session, DATA_DOMINATES)
    assert session.answers == {"measured": "known", "dominant": "data"}
    assert session.notes == {}


def test_a_question_no_rule_settles_needs_a_scripted_answer():
    book = mini(drop_rules={"dominant"})
    with pytest.raises(generator.ExampleError, match="mini: dominant: no data rule fires"):
        generator.answer_by_suggestion(book, fresh(), DATA_DOMINATES)
    session = fresh()
    script = {"dominant": generator.Scripted("training", "Training took {iteration_hours:.0f} h.")}
    generator.answer_by_suggestion(book, session, DATA_DOMINATES, script)
    assert session.answers["dominant"] == "training"
    assert session.notes["dominant"] == "Training took 10 h."


def test_a_script_may_not_silently_contradict_the_data():
    contradicting = {"dominant": generator.Scripted("training", "we think so")}
    with pytest.raises(generator.ExampleError, match="the data suggests 'data'"):
        generator.answer_by_suggestion(mini(), fresh(), DATA_DOMINATES, contradicting)
    session = fresh()
    override = {"dominant": generator.Scripted("training", "the export misses the GPU queue",
                                               override=True)}
    generator.answer_by_suggestion(mini(), session, DATA_DOMINATES, override)
    assert session.answers["dominant"] == "training"
    assert session.notes["dominant"] == "the export misses the GPU queue"


def test_a_script_off_the_path_or_with_an_unknown_option_is_refused():
    with pytest.raises(generator.ExampleError, match="off this example's path: nowhere"):
        generator.answer_by_suggestion(mini(), fresh(), DATA_DOMINATES,
                                       {"nowhere": generator.Scripted("x", "y")})
    with pytest.raises(generator.ExampleError, match="'maybe' is not an option"):
        generator.answer_by_suggestion(mini(drop_rules={"dominant"}), fresh(), DATA_DOMINATES,
                                       {"dominant": generator.Scripted("maybe", "y")})


def test_the_data_stage_rule_no_longer_falls_through():
    """slow_iteration's wait-or-work question: 39% waiting suggests computing, 50% both, 60% access."""
    node = CATALOGUE.playbooks["slow_iteration"].node("data_wait_or_work")
    answers = {share: suggestion_for(node, {"data_wait_share": share}).option
               for share in (0.0, 0.25, 0.39, 0.4, 0.5, 0.59, 0.6, 1.0)}
    assert answers == {0.0: "compute", 0.25: "compute", 0.39: "compute", 0.4: "both",
                       0.5: "both", 0.59: "both", 0.6: "access_wait", 1.0: "access_wait"}
    assert suggestion_for(node, {"data_wait_share": None}) is None  # waiting unknown: ask


# --------------------------------------------------------------------------------------------
# The examples' READMEs quote the numbers the analyses compute now


def _hours(value):
    from triage.kinds.runs.impact import hours_text

    return hours_text(value)


def _plan(folder):
    import json

    return json.loads((ROOT / "data" / folder / "example.plan.json").read_text())["snapshot"]


def _impact(snapshot, action_id):
    item = next(i for s in snapshot["sections"] for i in s["items"] if i["id"] == action_id)
    return item["impact_text"].split(" ")[0]


def _readme(folder):
    return " ".join((ROOT / "data" / folder / "README.md").read_text(encoding="utf-8").split())


def _missing(text, figures):
    return [f"{what}: '{figure}'" for what, figure in figures if figure not in text]


def test_the_iteration_readme_quotes_todays_numbers(metrics):
    from triage.cli import iteration_report
    from triage.kinds.runs.analysis import amdahl_ceiling

    runs = ROOT / "data" / "iteration" / "example_runs.csv"
    report = iteration_report(runs.read_bytes(), runs.name)
    stages = {s["stage"]: s for s in report["stages"]}
    numbers = metrics("slow_iteration")
    data = stages["data"]
    wait = numbers["data_wait_share"] * data["mean_hours"]
    plan = _plan("iteration")
    quick = next(line for line in plan["summary"] if line.startswith("With the quick wins"))
    per_iteration = quick.split(": ", 1)[1].split(" per iteration")[0]
    faster = quick.split("(", 1)[1].split(" faster")[0]
    figures = [
        ("mean iteration", f"{report['iteration_hours']:.1f} h on average"),
        ("typical iteration", f"a typical one {report['typical_iteration_hours']:.1f} h"),
        ("data share and hours", f"{data['share']:.0%} of the average iteration, "
                                 f"{data['mean_hours']:.1f} h"),
        ("data computing", f"{1 - numbers['data_wait_share']:.0%} of that is computing"),
        ("data waiting", f"{wait:.1f} h of it is waiting"),
        ("training", f"Training is {stages['training']['share']:.0%} "
                     f"({stages['training']['mean_hours']:.1f} h)"),
        ("deployment", f"approval {stages['deployment']['share']:.0%}"),
        ("evaluation", f"evaluation {stages['evaluation']['share']:.0%}"),
        ("hand-off", f"between stages {stages['handoff']['share']:.0%}"),
        ("largest hand-off", f"({numbers['handoff_top_transition_share']:.0%}) between the GPU "
                             "queue and training"),
        ("startup", f"is {stages['startup']['share']:.0%}: even at zero it makes an iteration at "
                    f"most {amdahl_ceiling(stages['startup']['share']):.2f}×"),
        ("failed", f"{numbers['failed_share']:.1%} of run hours"),
        ("quick wins per iteration", f"{per_iteration} per iteration"),
        ("quick wins faster", f"({faster} faster)"),
        ("quick wins per month", f"{plan['combined']['quick_win']['text'].split(' ')[0]} h less"),
    ]
    assert numbers["handoff_top_transition"] == "Job startup & queueing → Training"
    assert _missing(_readme("iteration"), figures) == []


def test_the_access_readme_quotes_todays_numbers(metrics):
    from triage.kinds.requests.analysis import access_report

    folder = ROOT / "data" / "access"
    report = access_report((folder / "example_requests.csv").read_bytes(), "example_requests.csv",
                           inventory=(folder / "example_inventory.csv").read_bytes())
    numbers = metrics("data_access")
    labels = {"owner": "finding an owner", "approval": "approval",
              "provisioning": "provisioning (approved → access works)", "first_use": "first use"}
    figures = [(f"{s['stage']} row", f"| {labels[s['stage']]} | {_hours(s['median_hours'])} | "
                                     f"{_hours(s['p90_hours'])} | {_hours(s['mean_hours'])} |")
               for s in report["stages"]]
    tta = report["time_to_access"]
    four = sum(s["mean_hours"] for s in report["stages"])
    provisioning = next(s for s in report["stages"] if s["stage"] == "provisioning")
    plan = _plan("access")
    figures += [
        ("as of", "31 August 17:59 UTC"),
        ("still waiting", f"the {tta['waiting']} requests still waiting"),
        ("four-stage mean", f"{_hours(four)} a request waits on average"),
        ("provisioning mean", f"{_hours(provisioning['mean_hours'])}, half, is provisioning"),
        ("time to access", f"a median of {_hours(tta['median_hours'])} "
                           f"({tta['median_hours'] / 24:.1f} d), p90 {_hours(tta['p90_hours'])}"),
        ("completed only", f"alone would say {_hours(tta['completed_median_hours'])}"),
        ("automatic path", f"The {report['auto_approved_share']:.0%} of requests on the automatic"),
        ("unowned", f"{numbers['unowned_share']:.0%} were on six CRM"),
        ("slowest owner wait", f"{numbers['owner_slowest_dataset']}, waited a median "
                               f"{_hours(numbers['owner_slowest_dataset_hours'])} "
                               f"({numbers['owner_slowest_dataset_hours'] / 24:.1f} d) for an "
                               f"owner over {numbers['owner_slowest_dataset_requests']} requests"),
        ("pending", f"{report['pending_share']:.0%} were still pending"),
        ("expired", f"Only {report['expired_share']:.1%} of all requests expired"),
        ("automated grants", f"({_impact(plan, 'automate_provisioning')} request-days a month"),
    ]
    assert _missing(_readme("access"), figures) == []
    assert round(provisioning["mean_hours"] / four, 1) == 0.5  # "half"


def test_the_production_readme_quotes_todays_numbers(metrics):
    numbers = metrics("production_underperformance")
    plan = _plan("production")
    shortfall = numbers["shortfall"]
    top_fallback = numbers["fallback_top_segment_share"] * numbers["fallback_share"] * shortfall

    def part(name):
        return f"{numbers[name + '_share'] * shortfall:.4f} ({numbers[name + '_share']:.0%})"

    figures = [
        ("shortfall", f"That is {shortfall:.4f} lower ({numbers['shortfall_relative']:.1%};"),
        ("correlation", f"(correlation {numbers['offline_online_correlation']:.2f}"),
        ("fallbacks", f"fallbacks {part('fallback')}"),
        ("fallbacks in one segment", f"{top_fallback:.4f} of it in {numbers['fallback_top_segment']}"),
        ("model", f"the model itself {part('model')}"),
        ("mix", f"traffic mix {part('mix')}"),
        ("unexplained", f"unexplained {part('unexplained')}"),
        ("zeros", f"({numbers['default_spike_current_share']:.0%} zeros at serving, "
                  f"{numbers['default_spike_reference_share']:.0%} in training; Jensen–Shannon "
                  f"distance {numbers['top_drift_js']:.2f})"),
    ]
    missing = _missing(_readme("production"), figures)
    assert missing == [], missing
    # The plan's ranges, as the README rounds them (4 decimals).
    for action_id in ("fix_timeouts", "fix_skewed_feature", "shared_feature_code"):
        item = next(i for s in plan["sections"] for i in s["items"] if i["id"] == action_id)
        rounded = f"{item['impact_low']:.4f}–{item['impact_high']:.4f}"
        assert rounded in _readme("production"), (action_id, rounded)
