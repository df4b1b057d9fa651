from pathlib import Path

import pytest

from triage.playbook import load_playbook

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def book(request):
    """The playbook named by the test module's PLAYBOOK path (content tests)."""
    return load_playbook(request.module.PLAYBOOK)


@pytest.fixture(scope="module")
def walks(book):
    """Every complete walk of that playbook."""
    from triage.engine import all_paths, walk

    return [walk(book, answers) for answers in all_paths(book)]


@pytest.fixture
def app():
    """A fresh AppTest of the whole app, started from app.py so the frame runs on every rerun."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"),
                           default_timeout=30)
    at.run()
    assert not at.exception
    return at


@pytest.fixture
def mini_book():
    return load_playbook(DATA / "mini_playbook.yaml")


def pytest_configure(config):
    """Saved plans from tests go to a throwaway folder, never into the repository's var/."""
    import os
    import tempfile

    os.environ.setdefault("TRIAGE_DATA_DIR", tempfile.mkdtemp(prefix="triage-tests-"))
    # A bug must fail the tests, not be turned into the frame's friendly message (ui/frame.py).
    os.environ.setdefault("TRIAGE_STRICT_ERRORS", "1")
