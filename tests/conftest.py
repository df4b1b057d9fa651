from pathlib import Path

import pytest

from triage.playbook import load_playbook

DATA = Path(__file__).parent / "data"


@pytest.fixture
def mini_book():
    return load_playbook(DATA / "mini_playbook.yaml")


def pytest_configure(config):
    """Saved plans from tests go to a throwaway folder, never into the repository's var/."""
    import os
    import tempfile

    os.environ.setdefault("TRIAGE_DATA_DIR", tempfile.mkdtemp(prefix="triage-tests-"))
