"""Mapping free-text stage names from trackers, schedulers and spreadsheets to canonical stage ids."""

from __future__ import annotations

import re
from functools import lru_cache

from triage.vocabulary import STAGE_LABELS

# Whole-name synonyms first (most specific), then single keywords scanned left to right.
_EXACT: dict[str, str] = {
    "data access": "data",
    "data prep": "data",
    "data preparation": "data",
    "feature generation": "data",
    "feature engineering": "data",
    "job startup": "startup",
    "start up": "startup",
    "cluster queue": "startup",
    "experiment comparison": "evaluation",
    "model evaluation": "evaluation",
    "hand off": "handoff",
    "model approval": "deployment",
}
_KEYWORDS: dict[str, str] = {
    "data": "data",
    "dataset": "data",
    "feature": "data",
    "features": "data",
    "featurization": "data",
    "etl": "data",
    "ingest": "data",
    "ingestion": "data",
    "extract": "data",
    "preprocess": "data",
    "preprocessing": "data",
    "prep": "data",
    "startup": "startup",
    "queue": "startup",
    "queued": "startup",
    "queueing": "startup",
    "queuing": "startup",
    "scheduling": "startup",
    "scheduler": "startup",
    "pending": "startup",
    "provisioning": "startup",
    "train": "training",
    "training": "training",
    "fit": "training",
    "finetune": "training",
    "finetuning": "training",
    "tuning": "training",
    "tune": "training",
    "eval": "evaluation",
    "evaluation": "evaluation",
    "evaluate": "evaluation",
    "validation": "evaluation",
    "validate": "evaluation",
    "comparison": "evaluation",
    "compare": "evaluation",
    "backtest": "evaluation",
    "deploy": "deployment",
    "deployment": "deployment",
    "approval": "deployment",
    "release": "deployment",
    "rollout": "deployment",
    "handoff": "handoff",
}




def _words(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


# The app's own labels map back to their ids, so a table typed from them round-trips.
_EXACT.update({_words(label): stage for stage, label in STAGE_LABELS.items()})


# The cache below is shared by every session of the server and outlives them, so it holds only
# names of a sensible length: at most 4,096 names of at most 200 characters (under 1 MB). An
# uploaded file's 200,000-character (or 100 MB) stage name is worked out again each time instead
# of being kept by the process after its session has ended.
STAGE_CACHE_SIZE = 4096
STAGE_CACHE_NAME_CHARS = 200


def canonical_stage(name: str) -> str:
    """Canonical id for a stage name, case-insensitively; unknown names stay as written (trimmed).

    >>> canonical_stage("Feature generation"), canonical_stage("GPU queue"), canonical_stage("Labelling")
    ('data', 'startup', 'Labelling')
    """
    if len(name) > STAGE_CACHE_NAME_CHARS:
        return _canonical_stage(name)
    return _cached_stage(name)


@lru_cache(maxsize=STAGE_CACHE_SIZE)
def _cached_stage(name: str) -> str:
    return _canonical_stage(name)


def _canonical_stage(name: str) -> str:
    words = _words(name)
    if words in _EXACT:
        return _EXACT[words]
    for word in words.split():
        if word in _KEYWORDS:
            return _KEYWORDS[word]
    return name.strip()
