"""Shareable links: exact round trip, size bound, and a clear LinkError for every bad link."""

import base64
import json
import random
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from triage.permalink import (
    MAX_JSON_BYTES,
    MAX_TOKEN_CHARS,
    LinkError,
    app_root,
    decode,
    encode,
    link_notes,
    share_url,
)
from triage.session import ActionEdit, Session, UploadSummary, from_json

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "data").glob("**/*.plan.json"))


def token_of(payload: bytes, prefix: str = "v1.") -> str:
    return prefix + base64.urlsafe_b64encode(zlib.compress(payload, 9)).decode().rstrip("=")


def rich_session() -> Session:
    session = Session(scenario="slow_iteration", playbook_version=1, title="Équipe « ranking » | v7")
    session.answer("measured", "known")
    session.answer("off_path", "remembered")  # off-path answers travel too
    session.set_note("measured", "From the orchestrator export — 40 runs\nsecond line <b>")
    session.inputs = {"stage_table": [{"stage": "Data", "hours": 6.0, "wait_hours": None}],
                      "iterations_per_month": 12.0, "source": "runs"}
    session.uploads = [UploadSummary(name="runs.csv", kind="runs", rows_read=212, rows_used=210,
                                     note="40 runs, 5 stages")]
    session.whatif = {"data": 2.0, "startup": 1.5}
    session.set_edit("cache", ActionEdit(owner="Priya", email="priya@example.com",
                                         due="2026-10-01", status="doing", confidence="high",
                                         ticket="MLI-7"))
    session.snapshot = {"title": "stored rendering", "sections": []}
    return session


def test_round_trip_is_exact_and_an_uploaded_session_keeps_its_numbers():
    session = rich_session()
    token = encode(session)
    assert token.startswith("v1.") and len(token) <= MAX_TOKEN_CHARS
    assert all(c.isalnum() or c in "._-" for c in token)  # URL-safe, no padding
    assert decode(token) == session  # built on an upload: the snapshot travels
    assert encode(decode(token)) == token  # one canonical token per session


def test_a_typed_session_leaves_its_snapshot_out_of_the_link():
    session = replace(rich_session(), uploads=[])
    assert decode(encode(session)) == replace(session, snapshot=None)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_every_example_plan_round_trips_through_a_link(path):
    session = from_json(path.read_text(encoding="utf-8"))
    assert session.snapshot is not None and session.uploads
    opened = decode(encode(session))
    assert replace(opened, snapshot=None) == replace(session, snapshot=None)
    # The numbers travel; the texts the playbook supplies again are left out.
    snapshot = opened.snapshot
    assert snapshot["summary"] == session.snapshot["summary"]
    assert snapshot["combined"] == session.snapshot["combined"]
    items = [i for section in snapshot["sections"] for i in section["items"]]
    original = [i for section in session.snapshot["sections"] for i in section["items"]]
    assert [(i["id"], i["impact_text"], i["why"]) for i in items] == \
        [(i["id"], i["impact_text"], i["why"]) for i in original]
    assert all("tradeoffs" not in i for i in items)


def test_a_snapshot_too_large_for_a_link_is_left_out_and_said_so():
    rng = random.Random(3)
    session = rich_session()
    noise = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(9000))
    session.snapshot = {"title": "big", "summary": [noise], "sections": []}
    token = encode(session)
    assert decode(token).snapshot is None
    assert any("Save the plan" in n for n in link_notes(session, token))


def test_a_session_too_large_for_a_link_is_refused_with_advice():
    rng = random.Random(7)
    session = Session(scenario="slow_iteration", playbook_version=1)
    for i in range(4):  # random text does not compress: ~16 KB of notes
        session.set_note(f"n{i}", "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                                          for _ in range(3900)))
    with pytest.raises(LinkError, match=r"too large for a link .*Save the plan"):
        encode(session)


def test_a_value_json_cannot_hold_is_a_link_error():
    session = Session(scenario="x", playbook_version=1, inputs={"hours": float("nan")})
    with pytest.raises(LinkError, match="cannot be put in a link"):
        encode(session)


def test_tampered_link():
    token = encode(rich_session())
    middle = len(token) // 2
    flipped = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1:]
    with pytest.raises(LinkError, match="damaged.*altered or cut short"):
        decode(flipped)


def test_every_single_character_flip_is_caught_or_harmless():
    token = encode(rich_session())
    expected = decode(token)
    for index in range(3, len(token)):
        for char in "A_-z":
            if char == token[index]:
                continue
            try:
                result = decode(token[:index] + char + token[index + 1:])
            except LinkError:
                continue
            # only unused bits can change harmlessly: the low bits of the last base64 character,
            # or the padding after deflate's final block (before the checksum, byte-aligned)
            assert result == expected, index


@pytest.mark.parametrize("cut", [1, 2, 3, 10, 50])
def test_truncated_link(cut):
    token = encode(rich_session())
    with pytest.raises(LinkError, match="cut short"):
        decode(token[:-cut])


def test_link_cut_right_after_the_prefix():
    with pytest.raises(LinkError, match="cut short"):
        decode("v1.")


@pytest.mark.parametrize("token, message", [
    ("v2." + "A" * 40, "newer version of the app"),
    ("v0." + "A" * 40, "outdated format"),
    ("x1.abc", "not a session link"),
    ("abc", "not a session link"),
    ("hello world", "not a session link"),
    ("", "carries no session"),
    ("   ", "carries no session"),
    ("v1.abc$def", "character a session link never has"),
    ("v1.abc def", "character a session link never has"),
    ("v1.abcde", "cut short"),  # 5 base64 characters cannot be a whole number of bytes
    ("v1.AAAAAAAA", "damaged"),
])
def test_wrong_prefix_and_garbage(token, message):
    with pytest.raises(LinkError, match=message):
        decode(token)


@pytest.mark.parametrize("value", [None, 42, b"v1.abc", ["v1.abc"]])
def test_not_text_at_all(value):
    with pytest.raises(LinkError, match="not a session link"):
        decode(value)


def test_huge_token_is_refused_before_anything_else():
    with pytest.raises(LinkError, match="too long"):
        decode("v1." + "A" * (MAX_TOKEN_CHARS + 1))
    with pytest.raises(LinkError, match="too long"):
        decode("v1." + "A" * 10_000_000)


def test_decompression_bomb_stops_at_the_cap():
    bomb = token_of(b" " * (MAX_JSON_BYTES * 3))
    assert len(bomb) <= MAX_TOKEN_CHARS  # small enough to get past the length check
    with pytest.raises(LinkError, match="expands to more than 2 MB"):
        decode(bomb)


def test_extra_data_after_the_stream():
    packed = zlib.compress(json.dumps({"a": 1}).encode(), 9) + b"trailing"
    token = "v1." + base64.urlsafe_b64encode(packed).decode().rstrip("=")
    with pytest.raises(LinkError, match="extra data"):
        decode(token)


@pytest.mark.parametrize("payload, message", [
    (b"{not json", "not valid JSON"),
    (b'{"schema_version": 2, "hours": NaN}', "not valid JSON"),
    (b"\xff\xfe\x00", "not text"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
])
def test_valid_zlib_of_invalid_json(payload, message):
    with pytest.raises(LinkError, match=message):
        decode(token_of(payload))


@pytest.mark.parametrize("document, message", [
    ({"schema_version": 2, "playbook_version": 1}, r"not valid \(scenario: is missing\)"),
    ({"schema_version": 99, "scenario": "x", "playbook_version": 1}, "newer than this app"),
    ({"schema_version": 2, "scenario": "x", "playbook_version": 1,
      "plan_edits": {"cache": {"status": "finished"}}}, r"plan_edits\.cache\.status"),
    ({"schema_version": 2, "scenario": "x", "playbook_version": 1, "uploads": 5},
     r"uploads: must be a list"),
    ([1, 2, 3], "must be a JSON object"),
])
def test_valid_json_of_an_invalid_session(document, message):
    with pytest.raises(LinkError, match=message):
        decode(token_of(json.dumps(document).encode()))


def test_random_damage_never_raises_anything_but_link_error():
    rng = random.Random(11)
    token = encode(rich_session())
    alphabet = "ABCxyz019_-.$% "
    for _ in range(300):
        chars = list(token)
        for _ in range(rng.randint(1, 4)):
            action = rng.random()
            position = rng.randrange(len(chars))
            if action < 0.4:
                chars[position] = rng.choice(alphabet)
            elif action < 0.7:
                del chars[position]
            else:
                chars.insert(position, rng.choice(alphabet))
        try:
            assert isinstance(decode("".join(chars)), Session)
        except LinkError as err:
            assert str(err)


def test_link_notes_say_what_the_link_leaves_out():
    session = rich_session()
    notes = link_notes(session, encode(session))
    assert any("runs.csv is not in the link" in n and "as they are now" in n for n in notes)
    bare = Session(scenario="x", playbook_version=1)
    assert link_notes(bare, encode(bare)) == []


@pytest.mark.parametrize(("page_url", "page_path", "root"), [
    ("http://host:8501/plan", "plan", "http://host:8501"),
    ("http://host:8501/plan/", "plan", "http://host:8501"),
    ("http://host:8501", "", "http://host:8501"),
    ("https://tools.example.com/triage/plan?x=1#top", "plan", "https://tools.example.com/triage"),
    ("http://host/iteration", "iteration", "http://host"),
    ("http://host/explain", "plan", "http://host/explain"),  # not this page's path: kept
])
def test_links_start_at_the_app_root_whichever_page_made_them(page_url, page_path, root):
    assert app_root(page_url, page_path) == root
    assert share_url(root, "iteration", "v1.abc") == f"{root}/iteration?s=v1.abc"
