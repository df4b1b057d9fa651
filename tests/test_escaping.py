"""Text from people and files stays text on every page (AppTest, the element tree).

Injection markers go in through everything a person or a file can supply: stage names, an extra
column's name and the file's own name in a runs CSV; segment names, feature names and
categories, dataset names, the metric's name, notes, the goal, the title and owners; a shared
link and an imported plan JSON carrying them. Every page is then walked element by element and
every string Streamlit renders as Markdown (bodies, labels, help, captions, metric labels and
values, alerts, expander, tab and status labels, radio options, toasts) is searched for a marker
left unescaped: an image (``![x](…)``), a formula (``$x^2$``), an HTML tag (``<img``) or a link
(``[link](…)``). Plain-text fields (text box contents, selectbox options, placeholders, data
grids, chart JSON) are not Markdown and are not searched.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from triage.permalink import encode
from triage.session import ActionEdit, from_json

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
OUTSIDE = "http://127.0.0.1:9"
MARKERS = f"![x]({OUTSIDE}/x.png) $x^2$ <img src={OUTSIDE}/y.png> [link]({OUTSIDE}/)"
# Each marker as Markdown would act on it; a backslash before its opening character defuses it.
UNESCAPED = {
    "image": re.compile(r"(?<!\\)!(?<!\\)\[x(?<!\\)\]\("),
    "formula": re.compile(r"(?<!\\)\$x\^2(?<!\\)\$"),
    "html": re.compile(r"(?<!\\)<img"),
    "link": re.compile(r"(?<!\\)\[link(?<!\\)\]\("),
}
# Proto fields whose text Streamlit shows as plain text, never as Markdown.
PLAIN_FIELDS = {"value", "default", "raw_value", "placeholder", "id", "form_id", "data", "spec",
                "arrow_data", "columns", "url", "page_script_hash", "icon", "type", "format",
                "column_config", "editing_mode", "page", "file_uploader_id",
                "alt"}  # a chart's alt text: the screen reader's accessible name, never Markdown
PLAIN_OPTION_WIDGETS = {"selectbox", "multiselect"}  # their options are plain text


def _strings(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in PLAIN_FIELDS:
                yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def unescaped(at: AppTest) -> list[str]:
    """Every Markdown-rendered string on the page that still holds a live marker."""
    found = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "DESCRIPTOR"):
            continue
        kind = getattr(node, "type", "") or proto.DESCRIPTOR.name.lower()
        data = MessageToDict(proto, preserving_proto_field_name=True)
        if kind in PLAIN_OPTION_WIDGETS or proto.DESCRIPTOR.name.lower() in PLAIN_OPTION_WIDGETS:
            data.pop("options", None)
        for path, text in _strings(data):
            for name, pattern in UNESCAPED.items():
                if pattern.search(text):
                    found.append(f"{kind}{path}: {name} in {text[:160]!r}")
    return found


def _csv(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def _marked(name: str) -> str:
    return f'"{name} {MARKERS}"'


RUNS = _csv([f'run_id,stage,duration_hours,wait_hours,{_marked("owner")}']
            + [f"r{i},{_marked(stage)},{hours},0.5,ana" for i in range(1, 4)
               for stage, hours in (("Alpha", 4), ("Beta", 2), ("Gamma", 1))])
SEGMENTS = _csv(["segment,expected_share,observed_share,expected_metric,observed_metric,"
                 "fallback_share,fallback_metric",
                 f"{_marked('web')},0.5,0.4,0.06,0.05,0.01,0.02",
                 f"{_marked('ios')},0.5,0.6,0.05,0.045,0.02,0.02"])
LOG = _csv(["request_id,dataset,requested_at,owner_assigned_at,approved_at,provisioned_at,"
            "first_access_at,tier",
            f"REQ-1,{_marked('crm')},2026-03-02T09:00:00Z,2026-03-02T12:00:00Z,"
            "2026-03-03T09:00:00Z,2026-03-04T09:00:00Z,2026-03-04T15:00:00Z,confidential",
            f"REQ-2,{_marked('sales')},2026-03-03T09:00:00Z,,,,,internal"])
FILE_NAME = f"team {MARKERS}.csv"


def marked_session_document(uploads: bool = True) -> dict:
    """The iteration example with markers in every text a person types into a session; with
    ``uploads`` it also names an uploaded file (whose numbers the tab then lacks), without it
    the page analyses the typed stage table."""
    doc = json.loads((ROOT / "data/iteration/example.plan.json").read_text(encoding="utf-8"))
    doc["title"] = MARKERS
    doc["notes"] = {node: MARKERS for node in doc.get("answers", {})}
    # Names no stage alias knows, so they are shown as typed (what-if sliders, charts, tables).
    doc["inputs"]["stage_table"] = [{**row, "stage": f"Stage{index} {MARKERS}"}
                                    for index, row in enumerate(doc["inputs"]["stage_table"])]
    doc["uploads"] = [{"name": FILE_NAME, "kind": "runs", "rows_read": 9, "rows_used": 9,
                       "note": MARKERS}] if uploads else []
    if not uploads:
        doc["inputs"]["source"] = "table"
        doc["snapshot"] = None
    doc["goal"] = {"business_goal": MARKERS, "pain": MARKERS, "key_metric": MARKERS,
                   "participants": MARKERS}
    return doc


def _open(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _check(at: AppTest, where: str) -> None:
    assert not at.exception, (where, at.exception)
    problems = unescaped(at)
    assert not problems, f"{where}:\n" + "\n".join(problems[:20])


def test_the_walker_sees_a_live_marker():
    """The check itself: an unescaped marker in a caption is found, an escaped one is not."""
    def script():
        import streamlit as st

        from triage.markdown import literal

        st.caption("![x](http://127.0.0.1:9/x.png) plain")
        st.caption(literal("$x^2$ <img src=a> [link](b)"))
        st.selectbox("pick", ["[link](http://127.0.0.1:9/)"])
        st.slider("![x](http://127.0.0.1:9/x.png)", 0, 3)

    at = AppTest.from_function(script)
    at.run()
    found = unescaped(at)
    assert len(found) == 2 and all("image" in f for f in found), found


def test_markers_in_uploads_stay_text_on_the_scenario_pages():
    at = _open("pages/iteration.py")
    at.file_uploader[0].set_value((FILE_NAME, RUNS, "text/csv")).run()
    assert not at.error, [e.value for e in at.error]
    # The what-if: one slider per uploaded stage, labelled with its name.
    expanders = [e for e in at.expander if "faster" in e.label]
    assert expanders
    _check(at, "iteration page, runs uploaded")
    assert _stage_sliders(at) == ["Alpha", "Beta", "Gamma"]

    at.switch_page("pages/home.py").run()
    at.button(key="example:production_underperformance").click().run()
    at.switch_page("pages/production.py").run()
    at.text_input(key="production_underperformance:1:metric:name").input(MARKERS).run()
    assert any("online vs expected" in m.label for m in at.metric)  # the metric's name, shown
    at.file_uploader(key="production_underperformance:1:segments:csv").set_value(
        (FILE_NAME, SEGMENTS, "text/csv")).run()
    samples = [u for u in at.file_uploader if "samples" in u.key or "reference" in u.key
               or "current" in u.key]
    feature = _csv([f"price,{_marked('device')}"] + [f"{10 + i},{_marked('web') if i % 2 else 'ios'}"
                                                     for i in range(40)])
    assert len(samples) >= 2, [u.key for u in at.file_uploader]
    for uploader in samples[:2]:
        uploader.set_value((FILE_NAME, feature, "text/csv")).run()
    _check(at, "production page, metric name, segments and samples")

    at.switch_page("pages/access.py").run()
    at.file_uploader(key="data_access:0:log").set_value((FILE_NAME, LOG, "text/csv")).run()
    _check(at, "access page, request log uploaded")

    for page in ("pages/plan.py", "pages/home.py", "pages/router.py", "pages/learn.py"):
        at.switch_page(page).run()
        _check(at, page)


def _import(at: AppTest, doc: dict) -> AppTest:
    at.switch_page("pages/plan.py").run()
    at.file_uploader(key="plan_import").set_value(
        (FILE_NAME.replace(".csv", ".json"), json.dumps(doc).encode(), "application/json")).run()
    assert not at.error, [e.value for e in at.error]
    return at


def _stage_sliders(at: AppTest) -> list[str]:
    return sorted(s.label.split(" ")[0] for s in at.select_slider)


def test_markers_in_a_plan_json_and_a_link_stay_text_on_every_page():
    at = _open()
    _import(at, marked_session_document(uploads=True))
    _check(at, "plan page, marked plan JSON naming an upload")
    for page in ("pages/iteration.py", "pages/review.py", "pages/home.py"):
        at.switch_page(page).run()
        _check(at, f"{page} after the plan JSON naming an upload")
    typed = marked_session_document(uploads=False)
    stages = [f"Stage{i}" for i in range(len(typed["inputs"]["stage_table"]))]
    _import(at, typed)
    _check(at, "plan page, marked plan JSON of a typed table")
    at.switch_page("pages/iteration.py").run()
    assert _stage_sliders(at) == stages  # the what-if, labelled with the JSON's stage names
    _check(at, "iteration page after the plan JSON of a typed table")
    at.switch_page("pages/plan.py").run()
    next(t for t in at.text_input if t.label == "Your name").input(MARKERS)
    next(t for t in at.text_input if t.label == "Team").input(f"escaping {MARKERS}")
    next(b for b in at.button if b.label == "Save the plan").click().run()
    assert "Saved plan" in " ".join(s.value for s in at.success)
    _check(at, "plan page, saved")
    at.switch_page("pages/review.py").run()
    at.text_input(key="review:team").input(f"escaping {MARKERS}").run()
    assert at.dataframe, "the saved plan is listed"
    _check(at, "review page with the saved plan")

    for uploads in (False, True):
        session = from_json(json.dumps(marked_session_document(uploads)))
        session.plan_edits = {"x": ActionEdit(owner=MARKERS)}
        link = _open("pages/iteration.py")
        link.query_params["s"] = encode(session)
        link.run()
        assert not link.error, [e.value for e in link.error]
        if not uploads:
            assert _stage_sliders(link) == stages
        _check(link, f"iteration page opened from a marked link (uploads: {uploads})")
        link.switch_page("pages/plan.py").run()
        _check(link, f"plan page after the marked link (uploads: {uploads})")


def test_markers_in_refusal_messages_stay_text():
    """A refused link or plan JSON quotes its field names and the file's name: still text."""
    doc = marked_session_document()
    doc["notes"] = {MARKERS: "half a pair: \ud800"}
    at = _open("pages/plan.py")
    at.file_uploader(key="plan_import").set_value(
        (FILE_NAME.replace(".csv", ".json"), json.dumps(doc).encode(), "application/json")).run()
    assert "lone surrogate" in " ".join(e.value for e in at.error)
    _check(at, "plan page, refused plan JSON")
    from tests.corpus.make_corpus import token

    at.switch_page("pages/iteration.py")
    at.query_params["s"] = token(json.dumps(doc).encode())
    at.run()
    _check(at, "iteration page, refused link")


def test_names_filled_into_a_playbook_suggestion_stay_text():
    """A suggestion's message is the playbook's Markdown with metrics filled in; a metric can be
    a stage name from a file (gpu_quota's "the largest stage is {bottleneck_label}")."""
    from triage.engine import suggestion_for
    from triage.playbook import load_playbook
    from ui.stepper import shown_metric

    book = load_playbook(ROOT / "playbooks" / "gpu_quota.yaml")
    node = next(n for n in book.nodes.values() if n.rule and any(
        "{bottleneck_label}" in s.say for s in n.rule.suggestions))
    metrics = {"has_data": True, "failed_share": 0.0, "startup_share": 0.1, "training_share": 0.2,
               "startup_training_share": 0.3, "bottleneck_label": f"Alpha {MARKERS}",
               "bottleneck_share": 0.6}
    raw = suggestion_for(node, metrics)
    assert raw is not None and raw.option == "elsewhere"
    assert any(p.search(raw.message) for p in UNESCAPED.values())  # what the page used to show
    hint = suggestion_for(node, metrics, shown_metric)
    assert hint.option == raw.option
    assert not any(p.search(hint.message) for p in UNESCAPED.values()), hint.message
    assert "the largest stage is Alpha !\\[x\\]" in hint.message and "(60%)" in hint.message
