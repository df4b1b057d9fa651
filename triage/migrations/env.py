"""Alembic's entry point for the plan store. The store passes the connection (already inside
a locked transaction) in ``config.attributes["connection"]``; see :mod:`triage.migrations`."""

from alembic import context

from triage.migrations import VERSION_TABLE
from triage.store import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the plan store migrations through 'python -m triage store upgrade', "
                       "which opens and locks the database first")

context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                  # SQLite cannot ALTER most things: later revisions rebuild tables in batches.
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
