"""The malformed-input corpus (tests/corpus/) through the CLI and the pages.

tests/corpus/README.md is the single source of truth: one table row per file with what is wrong,
what the CLI must do, what the page must do and which words the message must contain. Every
file goes through ``triage.cli.main`` in process (fast, same code as ``python -m triage``); one
rejected and one accepted file per contract also go through a real ``python -m triage``
subprocess. Page side: one AppTest per contract, shared by that contract's files; before each
file a known-good input is loaded so "the session's earlier input is still there" is tested
against real data.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_text import errors
from tests.page_text import shown as page_text
from triage.cli import main as cli_main
from triage.permalink import LinkError, decode
from triage.session import Session, from_json, to_json

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
APP = str(ROOT / "app.py")
TIMEOUT = 30
CURRENT = ROOT / "data" / "production" / "example_current.csv"

COMMANDS = {
    "runs": lambda f: ["iteration", f, "--json"],
    "segments": lambda f: ["gap", f, "--json"],
    "features": lambda f: ["drift", f, str(CURRENT), "--json"],
    "requests": lambda f: ["access", f, "--json"],
    "playbooks": lambda f: ["validate", f],
    "plans": lambda f: ["export", f, "--format", "json"],
}

# Real bugs the corpus found are fixed; list new ones here (they then fail on purpose until fixed).
# Fixed: a segment CSV with 'forty-five' as a share was silently emptied, and one with 'inf' kept
# inf in the session so the plan JSON could not be written; the uploader now checks every cell.
PAGE_BUGS: dict[str, str] = {}


def _cases() -> list[dict[str, str]]:
    rows = []
    for line in (CORPUS / "README.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip()[1:-1].split("|")]
        if len(cells) != 5:  # the table of folders above the corpus table
            continue
        path, wrong, cli, page, fragment = cells
        rows.append({"path": path.strip("`"), "wrong": wrong, "cli": cli, "page": page,
                     "fragment": fragment.strip("`")})
    return rows


CASES = _cases()
BY_PATH = {c["path"]: c for c in CASES}


def _param(case: dict[str, str], bugs: dict[str, str] | None = None):
    marks = [pytest.mark.xfail(strict=True, reason=bugs[case["path"]])] \
        if bugs and case["path"] in bugs else []
    return pytest.param(case, id=case["path"], marks=marks)


def _no_constant(name: str):
    raise AssertionError(f"{name} in JSON output")


def test_corpus_is_complete_and_documented():
    on_disk = {str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*")}
    assert on_disk == set(BY_PATH), on_disk ^ set(BY_PATH)
    assert len(CASES) >= 60
    for case in CASES:
        assert case["cli"] in {"rejected", "accepted"}, case
        assert case["page"] in {"rejected", "accepted", "flagged", "ignored", "—"}, case
        assert case["cli"] == "accepted" or case["fragment"], f"{case['path']}: name the problem"


# ---------------------------------------------------------------- CLI


def check_cli(case: dict[str, str], code: int, out: str, err: str) -> None:
    kind, fragment = case["path"].split("/")[0], case["fragment"]
    assert "Traceback" not in out + err, err
    if case["cli"] == "rejected":
        assert code == 1, (code, out, err)
        if kind == "playbooks":  # validate lists every problem on stdout, one per line
            assert fragment in out and not err.strip(), (out, err)
            return
        lines = err.strip().splitlines()
        assert out == "", out[:500]
        assert len(lines) == 1, err
        assert fragment in lines[0], lines[0]
    else:
        assert code == 0, (code, err)
        if kind != "playbooks":
            json.loads(out, parse_constant=_no_constant)  # strict JSON: no NaN or Infinity
        if case["page"] != "rejected":  # else the words are the page's (e.g. a plan's scenario)
            assert fragment in out, out[:2000]


CLI_CASES = [c for c in CASES if c["path"].split("/")[0] in COMMANDS]


@pytest.mark.parametrize("case", [_param(c) for c in CLI_CASES])
def test_cli_in_process(case, capsys):
    kind = case["path"].split("/")[0]
    code = cli_main(COMMANDS[kind](str(CORPUS / case["path"])))
    captured = capsys.readouterr()
    check_cli(case, code, captured.out, captured.err)


def _subprocess_sample() -> list[dict[str, str]]:
    """The first rejected and the first accepted file of each CLI contract."""
    chosen: dict[tuple[str, str], dict[str, str]] = {}
    for case in CLI_CASES:
        chosen.setdefault((case["path"].split("/")[0], case["cli"]), case)
    return list(chosen.values())


SUBPROCESS_CASES = _subprocess_sample()


@pytest.fixture(scope="module")
def subprocess_results() -> dict[str, subprocess.CompletedProcess]:
    def run(case):
        kind = case["path"].split("/")[0]
        args = COMMANDS[kind](str(Path("tests/corpus") / case["path"]))
        return case["path"], subprocess.run([sys.executable, "-m", "triage", *args], cwd=ROOT,
                                            capture_output=True, timeout=120)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(run, SUBPROCESS_CASES))


@pytest.mark.parametrize("case", [_param(c) for c in SUBPROCESS_CASES])
def test_cli_subprocess(case, subprocess_results):
    done = subprocess_results[case["path"]]
    check_cli(case, done.returncode, done.stdout.decode("utf-8"),
              done.stderr.decode("utf-8", "replace"))


LINK_CASES = [c for c in CASES if c["path"].startswith("links/")]


@pytest.mark.parametrize("case", [_param(c) for c in LINK_CASES])
def test_link_decode(case):
    token = (CORPUS / case["path"]).read_text(encoding="utf-8")
    if case["cli"] == "accepted":
        assert isinstance(decode(token), Session)
        return
    with pytest.raises(LinkError) as err:
        decode(token)
    assert case["fragment"] in str(err.value)


# ---------------------------------------------------------------- pages


def _errors(at: AppTest) -> str:
    return errors(at)


def _sessions(at: AppTest) -> dict[str, str]:
    """Every session the tab holds, as its plan JSON: also proves each one is still saveable."""
    return {name: to_json(s) for name, s in at.session_state["sessions"].items()}


def _upload(at: AppTest, key: str | None, path: Path, mime: str = "text/csv") -> AppTest:
    uploader = at.file_uploader[0] if key is None else at.file_uploader(key=key)
    uploader.set_value((path.name, path.read_bytes(), mime)).run()
    assert not at.exception, at.exception
    return at


def _open(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def check_page(case: dict[str, str], at: AppTest, before, after) -> None:
    assert not at.exception, at.exception
    errors = _errors(at)
    if case["page"] == "rejected":
        assert case["fragment"] in errors, errors
        assert after == before, "a rejected upload changed what the session held"
    elif case["page"] == "flagged":
        assert case["fragment"] in errors, errors
    else:
        assert not errors, errors
    _sessions(at)  # whatever was accepted can still be saved as strict JSON


def _page_cases(kind: str, bugs: dict[str, str] | None = None) -> list:
    return [_param(c, bugs) for c in CASES if c["path"].startswith(f"{kind}/") and c["page"] != "—"]


@pytest.fixture(scope="module")
def iteration_page() -> AppTest:
    return _open("pages/iteration.py")


@pytest.mark.parametrize("case", _page_cases("runs"))
def test_page_runs_upload(case, iteration_page):
    at = _upload(iteration_page, None, ROOT / "data" / "iteration" / "example_runs.csv")
    assert not _errors(at)

    def held():
        session = at.session_state["sessions"]["slow_iteration"]
        return copy.deepcopy(session.inputs["stage_table"]), copy.deepcopy(session.uploads)

    before = held()
    _upload(at, None, CORPUS / case["path"])
    check_page(case, at, before, held())


SEGMENTS_KEY = "production_underperformance:0:segments:csv"


@pytest.fixture(scope="module")
def production_page() -> AppTest:
    return _open("pages/production.py")


@pytest.mark.parametrize("case", _page_cases("segments", PAGE_BUGS))
def test_page_segments_upload(case, production_page):
    at = _upload(production_page, SEGMENTS_KEY, ROOT / "data" / "production" / "example_segments.csv")
    assert not _errors(at)

    def held():
        return copy.deepcopy(at.session_state["sessions"]["production_underperformance"]
                             .inputs.get("segments"))

    before = held()
    _upload(at, SEGMENTS_KEY, CORPUS / case["path"])
    check_page(case, at, before, held())


LOG_KEY = "data_access:0:log"


@pytest.fixture(scope="module")
def access_page() -> AppTest:
    return _open("pages/access.py")


@pytest.mark.parametrize("case", _page_cases("requests"))
def test_page_request_log_upload(case, access_page):
    at = _upload(access_page, LOG_KEY, ROOT / "data" / "access" / "example_requests.csv")
    assert not _errors(at)
    metrics = {m.label: m.value for m in at.metric}

    def held():
        session = at.session_state["sessions"]["data_access"]
        return to_json(session), copy.deepcopy(session.uploads)

    before = held()
    _upload(at, LOG_KEY, CORPUS / case["path"])
    check_page(case, at, before, held())
    if case["page"] == "rejected":  # the analysis on screen is still the earlier log's
        assert {m.label: m.value for m in at.metric} == metrics


@pytest.fixture(scope="module")
def plan_page() -> AppTest:
    return _open("pages/plan.py")


@pytest.mark.parametrize("case", _page_cases("plans"))
def test_page_plan_import(case, plan_page):
    example = ROOT / "data" / "iteration" / "example.plan.json"
    at = _upload(plan_page, "plan_import", example, "application/json")
    assert not _errors(at)
    before = _sessions(at)
    path = CORPUS / case["path"]
    _upload(at, "plan_import", path, "application/json")
    check_page(case, at, before, _sessions(at))
    if case["page"] == "accepted":
        expected = from_json(path.read_bytes())
        assert at.session_state["sessions"][expected.scenario].title == expected.title


@pytest.fixture(scope="module")
def link_page() -> AppTest:
    return _open("pages/iteration.py")


@pytest.mark.parametrize("case", _page_cases("links"))
def test_page_link(case, link_page):
    at = link_page
    before = _sessions(at)
    token = (CORPUS / case["path"]).read_text(encoding="utf-8")
    at.query_params["s"] = token
    at.run()
    after = _sessions(at)
    if case["page"] == "ignored":
        assert not at.exception and not _errors(at) and after == before
        return
    check_page(case, at, before, after)
    if case["page"] == "accepted":
        assert after["slow_iteration"] == to_json(decode(token))


@pytest.fixture(scope="module")
def learn_page() -> AppTest:
    return _open("pages/learn.py")


@pytest.mark.parametrize("case", _page_cases("playbooks"))
def test_page_playbook_try(case, learn_page):
    """Trying the file on Learn: the validator's problems shown, nothing installed or changed."""
    from triage.playbook import load_catalogue
    from ui.trial_view import TRIAL

    at = learn_page
    installed = set(load_catalogue().playbooks)
    path = CORPUS / case["path"]
    uploader = next(u for u in at.file_uploader if u.key.startswith("learn:trial:file"))
    uploader.set_value((path.name, path.read_bytes(), "application/x-yaml")).run()
    assert not at.exception, at.exception
    # Only the upload's message: the communication guide's "not this" lines are errors too.
    shown = "\n".join(text for e in at.error if "cannot be tried" in (text := page_text(e.value)))
    trial = at.session_state[TRIAL]
    if case["page"] == "rejected":
        assert trial.book is None and case["fragment"] in shown, shown
    else:
        assert trial.book is not None and not shown, shown
    assert set(load_catalogue().playbooks) == installed
    assert "sessions" not in at.session_state or trial.book is None \
        or trial.book.id not in at.session_state["sessions"]
