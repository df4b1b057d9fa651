"""Schema migrations of the plan store (Alembic, triage/migrations/) on SQLite and PostgreSQL.

A database made by the store before it had migrations (its tables built here from the frozen
DDL in tests/data, then filled through the store's own saving code) is upgraded with nothing
lost; a fresh database comes up at the head with exactly the schema the store's code declares;
a second upgrade changes nothing; a database newer than the app is refused clearly; and two
processes opening one brand-new database and saving at the same instant both succeed.
PostgreSQL runs when TRIAGE_TEST_POSTGRES_URL is set (and must, under CI).
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text

from tests.test_store import Clock, db_url, sample  # noqa: F401  (db_url is a fixture)
from triage import migrations
from triage.cli import main
from triage.session import ActionEdit
from triage.store import (
    PlanStore,
    StoreError,
    audit_table,
    decisions_table,
    followups_table,
    metadata,
    plans_table,
    revisions_table,
)

ROOT = Path(__file__).resolve().parent.parent
OLD_DDL = ROOT / "tests" / "data"
TABLES = (plans_table, revisions_table, audit_table, decisions_table, followups_table)


def _engine(url: str):
    return create_engine(url)


def build_pre_migration_database(url: str) -> None:
    """The tables exactly as the store created them before migrations (frozen DDL)."""
    engine = _engine(url)
    ddl = (OLD_DDL / f"store_schema_before_migrations.{engine.dialect.name}.sql").read_text()
    statements = [s.strip() for s in "\n".join(
        line for line in ddl.splitlines() if not line.startswith("--")).split(";") if s.strip()]
    assert len(statements) == 11  # five tables, six indexes
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


def everything(url: str) -> dict[str, list[tuple]]:
    """Every row of every plan-store table, in a stable order."""
    engine = _engine(url)
    with engine.connect() as conn:
        rows = {table.name: sorted(tuple(row) for row in conn.execute(select(table)))
                for table in TABLES}
    engine.dispose()
    return rows


def schema_differences(url: str) -> list:
    """What differs between the database's tables and those the store's code declares."""
    engine = _engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_name": lambda name, kind, parent: (
                kind != "table" or name.startswith("triage_") and name != migrations.VERSION_TABLE)})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    return diff


def version_rows(url: str) -> list[tuple]:
    engine = _engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(f"SELECT * FROM {migrations.VERSION_TABLE}"))]
    engine.dispose()
    return rows


def fill_like_the_old_code(url: str) -> str:
    """Plans, revisions, audit rows, a decision and a follow-up file written by the store's own
    code on the pre-migration tables (the store is told the schema is ready, as the old code
    would have found it after create_all)."""
    clock = Clock()
    old = PlanStore(url, now=clock)
    old._ready = True
    try:
        plan_id = old.save(sample(), author="Ana", team="Ranking", participants=["Ana", "Bo"]).plan_id
        clock.advance(5)
        old.update_action(plan_id, "cache_features", ActionEdit(owner="Bo", status="done"),
                          author="Bo", base_revision=1)
        old.record_decision(plan_id, approver="Cy", note="go")
        old.attach_followup(plan_id, kind="runs", name="after.csv", data=b"run_id\x00\xff,stage\n",
                            author="Bo")
        old.save(sample("Second plan"), author="Dee")
    finally:
        old.close()
    return plan_id


def test_a_database_made_before_migrations_is_upgraded_with_nothing_lost(db_url):  # noqa: F811
    build_pre_migration_database(db_url)
    plan_id = fill_like_the_old_code(db_url)
    before = everything(db_url)
    assert [len(before[t.name]) for t in TABLES] == [2, 3, 12, 1, 1]
    assert migrations.VERSION_TABLE not in inspect(_engine(db_url)).get_table_names()

    with PlanStore(db_url, now=Clock()) as store:
        assert store.upgrade() == (None, migrations.head())
        assert everything(db_url) == before
        assert schema_differences(db_url) == []
        latest = store.latest(plan_id)
        assert latest.revision == 2 and latest.session.edit_for("cache_features").status == "done"
        assert store.revision(plan_id, 1).session == sample()
        assert {(a.field, a.old, a.new) for a in store.audit(plan_id) if a.revision == 2} == {
            ("owner", "Ana", "Bo"), ("email", "ana@example.com", ""), ("due", "2026-12-15", ""),
            ("status", "doing", "done")}
        assert [d.approver for d in store.decisions(plan_id)] == ["Cy"]
        assert store.followup_data(store.followups(plan_id)[0].id) == b"run_id\x00\xff,stage\n"
        # The upgraded database keeps working: new rows continue the old ids and sequences.
        store.update_action(plan_id, "cache_features", ActionEdit(owner="Eve", status="doing"),
                            author="Eve", base_revision=2)
        assert [r.revision for r in store.revisions(plan_id)] == [1, 2, 3]
        assert len({entry[0] for entry in everything(db_url)["triage_audit"]}) == 12 + 2
    assert version_rows(db_url) == [(migrations.head(),)]


def test_the_frozen_pre_migration_schema_is_what_the_first_revision_declares(db_url):  # noqa: F811
    """Revision 0001 is today's schema exactly: the old DDL and a fresh migration agree."""
    build_pre_migration_database(db_url)
    assert schema_differences(db_url) == []


def test_a_fresh_database_comes_up_at_the_head(db_url):  # noqa: F811
    with PlanStore(db_url, now=Clock()) as store:
        assert store.schema_revision() == migrations.head() == "0001"
        assert set(inspect(store.engine).get_table_names()) >= {t.name for t in TABLES}
        assert store.save(sample(), author="Ana").revision == 1
    assert schema_differences(db_url) == []
    assert version_rows(db_url) == [("0001",)]


def test_upgrading_twice_is_a_no_op(db_url):  # noqa: F811
    with PlanStore(db_url, now=Clock()) as store:
        assert store.upgrade() == (None, "0001")
        plan_id = store.save(sample(), author="Ana").plan_id
        before = everything(db_url)
        assert store.upgrade() == ("0001", "0001")
    with PlanStore(db_url, now=Clock()) as reopened:
        assert reopened.upgrade() == ("0001", "0001")
        assert reopened.latest(plan_id).meta.created_by == "Ana"
    assert everything(db_url) == before
    assert version_rows(db_url) == [("0001",)]


def test_the_cli_upgrades_once_then_reports_nothing_to_do(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'new' / 'plans.sqlite3'}"
    assert main(["store", "upgrade", "--url", url]) == 0
    assert capsys.readouterr().out == (
        "Upgraded the SQLite plan database from no schema to schema revision 0001.\n")
    assert main(["store", "upgrade", "--url", url]) == 0
    assert "already at schema revision 0001; nothing to do" in capsys.readouterr().out
    assert version_rows(url) == [("0001",)]


def test_a_database_newer_than_the_app_is_refused_clearly(db_url):  # noqa: F811
    with PlanStore(db_url) as store:
        store.upgrade()
    engine = _engine(db_url)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {migrations.VERSION_TABLE} SET version_num = 'f00d'"))
    engine.dispose()
    with PlanStore(db_url) as store, pytest.raises(StoreError) as refused:
        store.list_plans(today=Clock().at.date())
    message = str(refused.value)
    assert "revision f00d, newer than this version of the app knows (up to 0001)" in message
    assert "Upgrade this server" in message


# -- two processes on one brand-new database --------------------------------------------------
def _first_save_at(url: str, start_at: float, who: str) -> str:
    """Run in another process: open the store and save a new plan at the same wall-clock time
    as the other process (no earlier touch of the database)."""
    store = PlanStore(url)
    time.sleep(max(0.0, start_at - time.time()))
    try:
        return store.save(sample(f"{who}'s plan"), author=who).plan_id
    except StoreError as err:
        return f"refused: {err}"
    finally:
        store.close()


def test_two_processes_saving_first_on_a_brand_new_database_both_succeed(db_url, tmp_path):  # noqa: F811
    """The old create_all raced here: on SQLite the second process' table check upgraded a read
    lock and was refused at once with "database is locked"; on PostgreSQL a CREATE TABLE could
    collide. Migrating under one lock, each process either migrates or waits and finds it done."""
    rounds = 5
    urls = [db_url] if not db_url.startswith("sqlite") else [
        f"sqlite:///{tmp_path / f'round{i}' / 'plans.sqlite3'}" for i in range(rounds)]
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        pool.submit(time.sleep, 0).result(timeout=60)  # both workers up before the clock starts
        pool.submit(time.sleep, 0).result(timeout=60)
        for url in urls:
            start_at = time.time() + 1.0
            futures = [pool.submit(_first_save_at, url, start_at, who) for who in ("Ana", "Bo")]
            results = [future.result(timeout=120) for future in futures]
            assert not [r for r in results if r.startswith("refused")], results
            with PlanStore(url) as store:
                titles = sorted(r.title for r in store.list_plans(today=Clock().at.date()))
            assert titles == ["Ana's plan", "Bo's plan"]
            assert version_rows(url) == [("0001",)]
