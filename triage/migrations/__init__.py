"""Schema migrations of the plan store (Alembic), shipped inside the package.

The store applies them itself when it opens a database (:meth:`triage.store.PlanStore.upgrade`,
also ``python -m triage store upgrade``); this module only knows how to run Alembic on a
connection the store has already locked. Alembic's version row lives in ``triage_alembic_version``
rather than the usual ``alembic_version``, so the plan store can share a database with another
application that uses Alembic too.

Adding a revision: write ``versions/NNNN_what.py`` (``alembic revision`` with ``script.py.mako``
gives the skeleton) whose ``down_revision`` is the current head, change the tables in
:mod:`triage.store` to match, and add a test that upgrades a database at the previous revision.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

FOLDER = Path(__file__).resolve().parent
VERSION_TABLE = "triage_alembic_version"


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(FOLDER))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision this version of the app knows."""
    heads = ScriptDirectory.from_config(config()).get_heads()
    if len(heads) != 1:  # a packaging mistake (two branches), never a user's
        raise RuntimeError(f"the plan store migrations have {len(heads)} heads: {heads}")
    return heads[0]


def known() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(config()).walk_revisions()}


def current(connection: Connection) -> str | None:
    """The revision the database is at; None before the first migration."""
    return MigrationContext.configure(
        connection, opts={"version_table": VERSION_TABLE}).get_current_revision()


def upgrade(connection: Connection) -> None:
    """Bring the database to :func:`head` inside the caller's transaction (the caller holds
    the lock that keeps two processes from migrating at once, and commits)."""
    command.upgrade(config(connection), "head")
