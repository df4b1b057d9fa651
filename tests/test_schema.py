"""The committed JSON Schema is current, every playbook satisfies it, and it rejects broken ones."""

import copy
import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from triage.playbook import PLAYBOOK_DIR
from triage.schema import SCHEMA_PATH, playbook_schema, schema_text

PLAYBOOKS = sorted(PLAYBOOK_DIR.glob("*.yaml"))
VALIDATOR = Draft202012Validator(playbook_schema())
MINI = yaml.safe_load((Path(__file__).parent / "data" / "mini_playbook.yaml").read_text())
HEADER = "# yaml-language-server: $schema=playbook.schema.json"


def errors(raw) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(raw)]


def test_the_committed_schema_is_current():
    committed = SCHEMA_PATH.read_text(encoding="utf-8")
    assert json.loads(committed) == playbook_schema(), (
        "playbooks/playbook.schema.json is out of date with the playbook model; "
        "regenerate it with `python -m triage.schema` and commit the result"
    )
    assert committed == schema_text(), "regenerate with `python -m triage.schema` (formatting differs)"


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(playbook_schema())


def test_there_are_playbooks_to_check():
    assert len(PLAYBOOKS) >= 4


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: p.name)
def test_every_playbook_satisfies_the_schema(path):
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == HEADER, f"{path.name} must start with '{HEADER}'"
    assert errors(yaml.safe_load(text)) == []


def test_the_fixture_satisfies_the_schema():
    assert errors(MINI) == []


def _node(raw, node_id):
    return next(n for n in raw["nodes"] if n["id"] == node_id)


def _action(raw, action_id):
    return next(a for a in raw["actions"] if a["id"] == action_id)


BROKEN = {
    "unknown top-level field": lambda r: r.update(colour="blue"),
    "unknown node field": lambda r: _node(r, "measured").update(quesiton="typo"),
    "unknown action field": lambda r: _action(r, "cache").update(speed_up=[2, 3]),
    "bad kind": lambda r: _action(r, "cache").update(kind="quick"),
    "bad horizon": lambda r: _action(r, "cache").update(horizon="soon"),
    "bad scenario": lambda r: r.update(scenario="gpus"),
    "bad node type": lambda r: _node(r, "measured").update(type="answer"),
    "finding with options": lambda r: _node(r, "instrument").update(options=[]),
    "question without options": lambda r: _node(r, "measured").pop("options"),
    "missing why": lambda r: _node(r, "instrument").pop("why"),
    "missing wont_fix": lambda r: _action(r, "cache").pop("wont_fix"),
    "empty title": lambda r: r.update(title="  "),
    "bad id": lambda r: r.update(id="has space"),
    "version zero": lambda r: r.update(version=0),
    "stage without speedup": lambda r: _action(r, "cache").pop("speedup"),
    "stage of another scenario": lambda r: _action(r, "cache").update(stage="approval"),
    "speed-up below 1": lambda r: _action(r, "cache").update(speedup=[0.5, 2]),
    "range of three": lambda r: _action(r, "cache").update(effort_days=[1, 2, 3]),
    "zero effort": lambda r: _action(r, "cache").update(effort_days=[0, 0]),
    "recovers above 1": lambda r: _action(r, "cache").update(component="model", recovers=[0.2, 1.5]),
    "unknown metric": lambda r: _node(r, "measured")["suggest"][0]["when"][0].update(metric="gpus"),
    "metric of another scenario": lambda r: _node(r, "measured")["suggest"][0]["when"][0].update(
        metric="shortfall"),
    "bad operator": lambda r: _node(r, "measured")["suggest"][0]["when"][0].update(op="=~"),
    "bad stage value": lambda r: _node(r, "dominant")["suggest"][0]["when"][0].update(value="gpu"),
    "bad group_by": lambda r: r.update(group_by="owner"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_snippets_are_rejected(name):
    raw = copy.deepcopy(MINI)
    BROKEN[name](raw)
    assert errors(raw), f"the schema accepted a playbook with {name}"
