"""The plan store's first schema: plans, revisions, audit trail, decisions, follow-up files.

Exactly the tables PlanStore created with ``metadata.create_all`` before the store had
migrations. A database made by that older code already has them: this revision then adopts it
as it is (creating only a table or index that is missing, as a create_all cut short would leave)
and records the version, so its data is never touched.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NAME = 200  # the store's MAX_NAME_CHARS when this revision was written
WHEN = sa.DateTime(timezone=True)


def _tables() -> list[tuple[str, list, list[tuple[str, list[str]]]]]:
    """(table, columns and constraints, [(index, columns)]), parents first."""
    return [
        ("triage_plans", [
            sa.Column("id", sa.String(40), primary_key=True),
            sa.Column("scenario", sa.String(100), nullable=False),
            sa.Column("title", sa.Text, nullable=False),
            sa.Column("team", sa.String(NAME), nullable=False),
            sa.Column("participants", sa.Text, nullable=False),
            sa.Column("created_at", WHEN, nullable=False),
            sa.Column("created_by", sa.String(NAME), nullable=False),
            sa.Column("latest_revision", sa.Integer, nullable=False),
            sa.Column("updated_at", WHEN, nullable=False),
            sa.Column("updated_by", sa.String(NAME), nullable=False),
        ], [("ix_triage_plans_scenario", ["scenario"]), ("ix_triage_plans_team", ["team"]),
            ("ix_triage_plans_updated_at", ["updated_at"])]),
        ("triage_audit", [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("plan_id", sa.String(40), sa.ForeignKey("triage_plans.id"), nullable=False),
            sa.Column("revision", sa.Integer, nullable=False),
            sa.Column("author", sa.String(NAME), nullable=False),
            sa.Column("at", WHEN, nullable=False),
            sa.Column("action_id", sa.String(100), nullable=False),
            sa.Column("field", sa.String(40), nullable=False),
            sa.Column("old", sa.Text, nullable=False),
            sa.Column("new", sa.Text, nullable=False),
        ], [("ix_triage_audit_plan", ["plan_id", "revision"])]),
        ("triage_decisions", [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("plan_id", sa.String(40), sa.ForeignKey("triage_plans.id"), nullable=False),
            sa.Column("revision", sa.Integer, nullable=False),
            sa.Column("approver", sa.String(NAME), nullable=False),
            sa.Column("decided_at", WHEN, nullable=False),
            sa.Column("note", sa.Text, nullable=False),
        ], [("ix_triage_decisions_plan", ["plan_id"])]),
        ("triage_followups", [
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("id", sa.String(40), nullable=False, unique=True),
            sa.Column("plan_id", sa.String(40), sa.ForeignKey("triage_plans.id"), nullable=False),
            sa.Column("kind", sa.String(20), nullable=False),
            sa.Column("name", sa.String(255), nullable=False),
            sa.Column("size", sa.Integer, nullable=False),
            sa.Column("data", sa.LargeBinary, nullable=False),
            sa.Column("author", sa.String(NAME), nullable=False),
            sa.Column("at", WHEN, nullable=False),
            sa.Column("revision", sa.Integer, nullable=False),
        ], [("ix_triage_followups_plan", ["plan_id"])]),
        ("triage_revisions", [
            sa.Column("plan_id", sa.String(40), sa.ForeignKey("triage_plans.id"), primary_key=True),
            sa.Column("revision", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("session_json", sa.Text, nullable=False),
            sa.Column("author", sa.String(NAME), nullable=False),
            sa.Column("created_at", WHEN, nullable=False),
            sa.Column("note", sa.Text, nullable=False),
            sa.Column("team", sa.String(NAME), nullable=False),
            sa.Column("participants", sa.Text, nullable=False),
        ], []),
    ]


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for table, columns, indexes in _tables():
        if not inspector.has_table(table):
            op.create_table(table, *columns)
            present: set[str] = set()
        else:
            present = {index["name"] for index in inspector.get_indexes(table)}
        for name, index_columns in indexes:
            if name not in present:
                op.create_index(name, table, index_columns)


def downgrade() -> None:
    for table, _columns, _indexes in reversed(_tables()):
        op.drop_table(table)
