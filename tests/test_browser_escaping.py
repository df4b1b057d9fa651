"""Text from files and links stays text in a real browser: no outside request, no typeset formula.

A live server and Chromium. The markers of tests/test_escaping.py go in through an uploaded runs
CSV (stage names, an extra column's name, the file's own name) and through a shared link (title,
notes, goal, stage names). Every request the page makes is recorded; the test fails on any
request that leaves the app's own origin, on any request for a marker's image, and on any
KaTeX-typeset element (``.katex``) made from a marker's ``$x^2$``.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.browser_support import chromium, current, shown, streamlit_server, wait_for_app
from tests.test_escaping import MARKERS, RUNS, marked_session_document
from triage.permalink import encode
from triage.session import from_json

pytestmark = pytest.mark.browser

# A file name cannot hold "/", so its markers point at relative addresses: a fetch of either
# image would be a request for /f.png or /g.png on the app's own origin, caught below.
FILE_NAME = "team ![f](f.png) $x^2$ <img src=g.png> [link](l.html).csv"
MARKER_PATHS = ("/x.png", "/y.png", "/f.png", "/g.png", "/l.html")


def _typeset_markers(page) -> list[str]:
    """The text of every KaTeX element on the page that typesets the markers' x^2."""
    texts = page.locator(".katex").evaluate_all("els => els.map(e => e.textContent)")
    return [t for t in texts if "x" in t and "2" in t]


def test_markers_from_an_upload_and_a_link_fetch_nothing_and_typeset_nothing(tmp_path):
    from playwright.sync_api import expect

    requests: list[str] = []
    session = from_json(json.dumps(marked_session_document(uploads=False)))
    with streamlit_server() as url, chromium(tmp_path / "profile") as context:
        origin = urlsplit(url)[:2]
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{url}/iteration")
        wait_for_app(page)
        page.get_by_role("tab", name="Upload runs CSV").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
            files=[{"name": FILE_NAME, "mimeType": "text/csv", "buffer": RUNS}])
        wait_for_app(page)
        # The what-if sliders carry the stage names, markers and all, as plain text.
        page.get_by_text("What if a stage were faster?").click()
        expect(shown(current(page), "Alpha ![x](http://127.0.0.1:9/x.png) $x^2$")).to_be_visible()
        expect(shown(current(page), "uploaded runs (team ![f](f.png) $x^2$")).to_be_visible()
        upload_typeset = _typeset_markers(page)

        page.goto(f"{url}/iteration?s={encode(session)}")
        wait_for_app(page)
        page.get_by_text("What if a stage were faster?").click()
        expect(shown(current(page), "Stage0 ![x](http://127.0.0.1:9/x.png)")).to_be_visible()
        link_typeset = _typeset_markers(page)
        page.locator('[data-testid="stSidebarNav"] a[href$="/plan"]').first.click()  # same session
        wait_for_app(page)
        expect(shown(current(page), MARKERS.split(" <img")[0])).to_be_visible()  # the title
        plan_typeset = _typeset_markers(page)

    outside = [r for r in requests
               if urlsplit(r).scheme in ("http", "https", "ws", "wss")
               and (urlsplit(r).scheme.replace("ws", "http"), urlsplit(r).netloc) != origin]
    fetched = [r for r in requests if urlsplit(r).path.endswith(MARKER_PATHS)]
    assert requests, "no request was recorded at all"
    assert not outside, outside
    assert not fetched, fetched
    assert not upload_typeset and not link_typeset and not plan_typeset, \
        (upload_typeset, link_typeset, plan_typeset)
