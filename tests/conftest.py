from pathlib import Path

import pytest

from triage.playbook import load_playbook

DATA = Path(__file__).parent / "data"


@pytest.fixture
def mini_book():
    return load_playbook(DATA / "mini_playbook.yaml")
