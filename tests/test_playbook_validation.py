"""Every class of playbook mistake is reported with file, node and field — and never crashes."""

import copy
from pathlib import Path

import pytest
import yaml

from triage.cli import main as cli_main
from triage.playbook import PlaybookError, load_catalogue, load_playbook_text, parse_playbook

MINI = yaml.safe_load((Path(__file__).parent / "data" / "mini_playbook.yaml").read_text())


def problems_of(raw) -> list[str]:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(raw, "broken.yaml")
    return [str(p) for p in caught.value.problems]


def mutated(change):
    raw = copy.deepcopy(MINI)
    change(raw)
    return raw


def node(raw, node_id):
    return next(n for n in raw["nodes"] if n["id"] == node_id)


def test_the_fixture_is_valid():
    book = parse_playbook(copy.deepcopy(MINI), "mini.yaml")
    assert book.version == 3 and set(book.nodes) >= {"measured", "dominant"}


def test_unknown_next_node():
    raw = mutated(lambda r: node(r, "dominant")["options"][0].update(next="nowhere"))
    assert "broken.yaml: dominant: options.data.next: unknown next node 'nowhere'" in problems_of(raw)


def test_unreachable_node():
    raw = mutated(lambda r: r["nodes"].append(
        {"id": "orphan", "type": "finding", "finding": "x", "why": "y", "actions": []}))
    assert "broken.yaml: orphan: id: unreachable from the start node" in problems_of(raw)


def test_cycle_is_reported_with_its_loop():
    raw = mutated(lambda r: node(r, "dominant")["options"][1].update(next="measured"))
    found = problems_of(raw)
    assert any("dominant: options.training.next: cycle: measured -> dominant -> measured" in p
               for p in found), found


def test_leaf_without_finding():
    def change(r):
        leaf = node(r, "data_found")
        leaf.pop("finding")
    assert any("data_found: finding: is required" in p for p in problems_of(mutated(change)))


def test_question_without_options_is_not_a_leaf():
    raw = mutated(lambda r: node(r, "dominant").update(options=[]))
    assert any("dominant: options: must be a non-empty list" in p for p in problems_of(raw))


def test_action_referenced_but_not_defined():
    raw = mutated(lambda r: node(r, "data_found")["actions"].append("teleport"))
    assert "broken.yaml: data_found: actions: action 'teleport' is not defined" in problems_of(raw)


def test_duplicate_node_and_action_ids():
    def change(r):
        r["nodes"].append(copy.deepcopy(node(r, "instrument")))
        r["actions"].append(copy.deepcopy(r["actions"][0]))
    found = problems_of(mutated(change))
    assert "broken.yaml: instrument: id: duplicate node id" in found
    assert "broken.yaml: actions.instrument: id: duplicate action id" in found


def test_wrong_types_name_the_field():
    def change(r):
        r["version"] = "three"
        r["actions"][1]["speedup"] = "fast"
        r["actions"][1]["kind"] = "someday"
        node(r, "measured")["question"] = ["a", "list"]
    found = problems_of(mutated(change))
    assert "broken.yaml: <playbook>: version: must be a whole number >= 1" in found
    assert any("actions.cache: speedup: must be a list of two numbers" in p for p in found)
    assert any("actions.cache: kind: 'someday' is not one of: cross_team, quick_win" in p
               for p in found)
    assert "broken.yaml: measured: question: must be text, got list" in found


def test_data_rule_problems():
    def change(r):
        rule = node(r, "dominant")["suggest"][0]
        rule["when"][0]["metric"] = "gpu_vibes"
        rule["when"][1]["op"] = "=~"
        rule["option"] = "compute"
        rule["say"] = "{bottleneck.__class__}"
    found = problems_of(mutated(change))
    assert any("dominant: suggest[0].when[0].metric: unknown metric 'gpu_vibes'" in p
               for p in found)
    assert any("dominant: suggest[0].when[1].op: '=~' is not one of" in p for p in found)
    assert any("suggest[0].option: 'compute' is not an option of this node" in p for p in found)
    assert any("suggest[0].say: placeholders must be plain {metric} names" in p for p in found)


def test_yaml_syntax_error_names_the_line():
    with pytest.raises(PlaybookError) as caught:
        load_playbook_text("id: x\nnodes: [\n  - a: b\n", "bad.yaml")
    assert str(caught.value).startswith("bad.yaml: line ")


def test_duplicate_yaml_keys_are_refused():
    with pytest.raises(PlaybookError) as caught:
        load_playbook_text("id: a\nid: b\n", "dup.yaml")
    assert "duplicate key 'id'" in str(caught.value)


def test_python_tags_are_never_executed():
    with pytest.raises(PlaybookError) as caught:
        load_playbook_text("id: !!python/object/apply:os.system ['echo pwned']\n", "evil.yaml")
    assert "not valid YAML" in str(caught.value)


def test_not_a_mapping():
    with pytest.raises(PlaybookError) as caught:
        load_playbook_text("- just\n- a list\n", "list.yaml")
    assert "must be a mapping" in str(caught.value)


def test_broken_file_does_not_hide_the_others(tmp_path):
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(MINI))
    (tmp_path / "bad.yaml").write_text("id: [unclosed\n")
    catalogue = load_catalogue(tmp_path)
    assert list(catalogue.playbooks) == ["mini"]
    assert list(catalogue.broken) == ["bad.yaml"]


def test_cli_validate_exit_codes_and_lines(tmp_path, capsys):
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(MINI))
    assert cli_main(["validate", str(tmp_path)]) == 0
    assert "1 playbook(s) valid" in capsys.readouterr().out
    broken = mutated(lambda r: node(r, "dominant")["options"][0].update(next="nowhere"))
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(broken))
    assert cli_main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["bad.yaml: dominant: options.data.next: unknown next node 'nowhere'",
                   "bad.yaml: data_found: id: unreachable from the start node"]
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(MINI))
    assert cli_main(["validate", str(tmp_path)]) == 1
    assert capsys.readouterr().out.strip() == (
        "good.yaml: <playbook>: id: duplicate playbook id 'mini', also in bad.yaml")
    assert cli_main(["validate", str(tmp_path / "missing.yaml")]) == 1


def test_cli_validates_the_shipped_playbooks(capsys):
    assert cli_main(["validate"]) == 0, capsys.readouterr().out


def test_rule_values_for_stage_metrics_must_be_stages():
    raw = mutated(lambda r: node(r, "dominant")["suggest"][0]["when"][0].update(value="dta"))
    assert any("dominant: suggest[0].when[0].value: 'dta' is not one of bottleneck's values" in p
               for p in problems_of(raw))


def test_a_playbook_not_in_utf8_is_named_with_how_to_fix(tmp_path):
    from triage.playbook import load_playbook

    for codec in ("utf-16", "utf-16-le", "utf-16-be"):  # with a byte-order mark, and without
        path = tmp_path / "utf16.yaml"
        path.write_text(yaml.safe_dump(MINI), encoding=codec)
        with pytest.raises(PlaybookError) as caught:
            load_playbook(path)
        assert str(caught.value) == ("utf16.yaml: <file>: <encoding>: looks like UTF-16 text (every "
                                     "other byte is zero), not UTF-8; save the playbook as UTF-8")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(PlaybookError, match="not UTF-8 text; save the playbook as UTF-8"):
        load_playbook(path)


def test_a_nav_title_longer_than_the_sidebar_shows_is_refused():
    from tests.playbook_factory import generate
    from triage.playbook import MAX_NAV_TITLE, parse_playbook

    raw = generate("none", seed=3)
    raw["nav_title"] = "Short name"
    assert parse_playbook(raw, "ok.yaml").nav_title == "Short name"
    raw["nav_title"] = "x" * (MAX_NAV_TITLE + 1)
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(raw, "long.yaml")
    assert "nav_title: is 31 characters; the navigation shows about 30" in str(caught.value)


def test_a_playbook_over_1_mb_is_refused_before_parsing():
    from triage.playbook import MAX_PLAYBOOK_BYTES

    text = "id: big\n" + "# padding\n" * (MAX_PLAYBOOK_BYTES // 10 + 1)
    with pytest.raises(PlaybookError) as caught:
        load_playbook_text(text, "big.yaml")
    assert str(caught.value) == "big.yaml: <file>: <size>: larger than 1 MB"
