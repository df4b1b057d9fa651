"""The plan store on SQLite (always) and on a real PostgreSQL server (TRIAGE_TEST_POSTGRES_URL).

Under CI the PostgreSQL tests must run: a missing URL fails them instead of skipping them.
Each PostgreSQL test gets a schema of its own (dropped afterwards) through the connection's
``search_path``, so tests never see each other's tables.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from multiprocessing import get_context

import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateSchema, DropSchema

import triage.store as store_module
from triage.session import ActionEdit, Session, UploadSummary, to_json
from triage.store import (
    ConflictError,
    InvalidId,
    NotFound,
    PlanStore,
    StoreError,
    default_url,
    revisions_table,
)

START = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)
PG_ENV = "TRIAGE_TEST_POSTGRES_URL"


class Clock:
    """A fixed clock the tests move by hand."""

    def __init__(self, at: datetime = START):
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, minutes: float) -> datetime:
        self.at += timedelta(minutes=minutes)
        return self.at


def _postgres_missing() -> None:
    message = f"{PG_ENV} is not set: no PostgreSQL server to test the plan store against"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message + " (under CI these tests must run; .ci/run starts one)")
    pytest.skip(message)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'plans.sqlite3'}"
        return
    with throwaway_schema("triage_test_") as url:
        yield url


@contextlib.contextmanager
def throwaway_schema(prefix: str):
    """A URL of the test PostgreSQL server whose search path is a new schema, dropped after."""
    base = os.environ.get(PG_ENV, "").strip()
    if not base:
        _postgres_missing()
    schema = prefix + uuid.uuid4().hex[:12]
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(CreateSchema(schema))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(DropSchema(schema, cascade=True))
        admin.dispose()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(db_url, clock):
    opened = PlanStore(db_url, now=clock)
    yield opened
    opened.close()


def sample(title: str = "Ranking loop", *, playbook_version: int = 2) -> Session:
    session = Session(scenario="slow_iteration", playbook_version=playbook_version, title=title)
    session.answer("know_loop", "known")
    session.answer("bottleneck", "data")
    session.set_note("know_loop", "Measured from the tracker — “quotes” and ünïcode")
    session.inputs = {"stage_table": [{"stage": "Data", "hours": 6.0, "wait_hours": None}],
                      "iterations_per_month": 12.0, "source": "table"}
    session.uploads = [UploadSummary("runs.csv", "runs", 200, 198, "40 runs")]
    session.whatif = {"data": 2.0}
    session.set_edit("cache_features", ActionEdit(owner="Ana", email="ana@example.com",
                                                  due="2026-12-15", status="doing"))
    session.snapshot = {"summary": ["Data prep is 41% of one iteration."],
                        "actions": [{"id": "cache_features", "title": "Cache the features",
                                     "kind": "quick_win"},
                                    {"id": "shared_queue", "title": "A shared GPU queue",
                                     "kind": "cross_team"}]}
    return session


# -- saving and reading ------------------------------------------------------------------------
def test_create_and_latest_round_trip_exactly(store):
    session = sample()
    saved = store.save(session, author="Ana", team="Ranking", participants=["Ana", "Bo", "Ana"],
                       note="first cut")
    assert saved.revision == 1 and saved.at == START
    assert store_module.ID_PATTERN.fullmatch(saved.plan_id) and len(saved.plan_id) == 10

    stored = store.latest(saved.plan_id)
    assert to_json(stored.session) == to_json(session)
    assert stored.session == session
    assert stored.revision == 1 and stored.is_latest
    assert (stored.author, stored.at, stored.note) == ("Ana", START, "first cut")
    meta = stored.meta
    assert (meta.title, meta.team, meta.participants, meta.scenario) == (
        "Ranking loop", "Ranking", ("Ana", "Bo"), "slow_iteration")
    assert (meta.created_at, meta.created_by, meta.updated_at, meta.updated_by) == (
        START, "Ana", START, "Ana")


def test_an_older_playbook_version_is_kept_as_saved(store):
    session = sample(playbook_version=1)
    saved = store.save(session, author="Ana")
    again = store.latest(saved.plan_id).session
    assert again.playbook_version == 1
    assert to_json(again) == to_json(session)


def test_every_save_is_a_new_revision_and_earlier_ones_stay_readable(store, clock):
    first = store.save(sample("v1"), author="Ana", team="Ranking", note="draft")
    clock.advance(5)
    second = store.save(sample("v2"), author="Bo", plan_id=first.plan_id, base_revision=1,
                        note="owners")
    clock.advance(5)
    third = store.save(sample("v3"), author="Cy", plan_id=first.plan_id, base_revision=2)
    assert (second.revision, third.revision) == (2, 3)
    assert second.plan_id == third.plan_id == first.plan_id

    infos = store.revisions(first.plan_id)
    assert [(i.revision, i.author, i.note) for i in infos] == [
        (1, "Ana", "draft"), (2, "Bo", "owners"), (3, "Cy", "")]
    assert [i.at for i in infos] == [START, START + timedelta(minutes=5),
                                     START + timedelta(minutes=10)]
    assert [store.revision(first.plan_id, n).session.title for n in (1, 2, 3)] == ["v1", "v2", "v3"]
    old = store.revision(first.plan_id, 1)
    assert not old.is_latest and old.author == "Ana" and old.meta.title == "v3"
    latest = store.latest(first.plan_id)
    assert latest.revision == 3 and latest.meta.created_by == "Ana"
    assert latest.meta.updated_by == "Cy" and latest.meta.updated_at == START + timedelta(minutes=10)
    assert latest.meta.team == "Ranking"  # not passed again: kept
    with pytest.raises(NotFound, match="has no revision 4"):
        store.revision(first.plan_id, 4)
    with pytest.raises(NotFound):
        store.revision(first.plan_id, 0)


def test_team_and_participants_change_only_when_given(store):
    saved = store.save(sample(), author="Ana", team="Ranking", participants=["Ana"])
    store.save(sample(), author="Ana", plan_id=saved.plan_id, base_revision=1,
               participants=["Ana", "Dee"])
    assert store.latest(saved.plan_id).meta.participants == ("Ana", "Dee")
    store.save(sample(), author="Ana", plan_id=saved.plan_id, base_revision=2, team="")
    assert store.latest(saved.plan_id).meta.team == ""


def test_survives_reopening_the_same_database(db_url, clock):
    first = PlanStore(db_url, now=clock)
    saved = first.save(sample(), author="Ana")
    first.close()
    reopened = PlanStore(db_url, now=clock)
    try:
        assert to_json(reopened.latest(saved.plan_id).session) == to_json(sample())
        nxt = reopened.save(sample("again"), author="Bo", plan_id=saved.plan_id, base_revision=1)
        assert nxt.revision == 2
    finally:
        reopened.close()


def test_what_cannot_be_saved_is_refused_clearly(store):
    with pytest.raises(StoreError, match="name is needed"):
        store.save(sample(), author="  ")
    broken = sample()
    broken.plan_edits["x"] = ActionEdit(status="someday")
    with pytest.raises(StoreError, match="plan_edits.x.status"):
        store.save(broken, author="Ana")
    saved = store.save(sample(), author="Ana")
    with pytest.raises(StoreError, match="needs the revision you started from"):
        store.save(sample(), author="Ana", plan_id=saved.plan_id)
    other = Session(scenario="data_access", playbook_version=1)
    with pytest.raises(StoreError, match="'slow_iteration' plan"):
        store.save(other, author="Ana", plan_id=saved.plan_id, base_revision=1)
    with pytest.raises(NotFound, match="no saved plan"):
        store.save(sample(), author="Ana", plan_id="abcdefghij", base_revision=1)
    assert [i.revision for i in store.revisions(saved.plan_id)] == [1]


# -- conflicts ---------------------------------------------------------------------------------
def test_a_save_over_a_stale_revision_is_refused_with_what_changed(store, clock):
    saved = store.save(sample(), author="Ana")
    plan_id = saved.plan_id

    # Bo opens revision 1 and changes things; Ana, also on revision 1, saves later.
    bo = store.latest(plan_id).session
    bo.title = "Ranking loop (agreed)"
    bo.answer("bottleneck", "startup")
    bo.set_note("bottleneck", "Queueing dominates on Mondays")
    bo.inputs["iterations_per_month"] = 20.0
    bo.inputs["team_size"] = 6
    bo.set_edit("cache_features", ActionEdit(owner="Bo", email="ana@example.com",
                                             due="2026-12-15", status="doing"))
    bo.set_edit("shared_queue", ActionEdit(status="done"))
    clock.at = datetime(2026, 11, 27, 10, 2, tzinfo=UTC)
    store.save(bo, author="Bo", plan_id=plan_id, base_revision=1)

    ana = sample()
    ana.set_note("know_loop", "Ana's late note")
    clock.advance(3)
    with pytest.raises(ConflictError) as caught:
        store.save(ana, author="Ana", plan_id=plan_id, base_revision=1)
    conflict = caught.value
    assert conflict.latest.revision == 2 and conflict.latest.author == "Bo"
    assert conflict.latest.at == datetime(2026, 11, 27, 10, 2, tzinfo=UTC)
    assert conflict.base_revision == 1 and conflict.plan_id == plan_id
    by_bo = " (by Bo (not verified) at 2026-11-27 10:02 UTC)"
    assert "action cache_features: owner 'Ana' → 'Bo'" + by_bo in conflict.changes
    assert "action shared_queue: status 'todo' → 'done'" + by_bo in conflict.changes
    assert "title: 'Ranking loop' → 'Ranking loop (agreed)'" + by_bo in conflict.changes
    assert "answer to bottleneck: 'data' → 'startup'" + by_bo in conflict.changes
    assert "note on bottleneck: (not set) → 'Queueing dominates on Mondays'" + by_bo \
        in conflict.changes
    assert "input iterations_per_month: 12.0 → 20.0" + by_bo in conflict.changes
    assert "input team_size: (not set) → 6" + by_bo in conflict.changes
    assert len(conflict.changes) == 7
    assert "revision 2 was saved by Bo (not verified) at 2026-11-27 10:02 UTC" in str(conflict)
    assert "not applied" in str(conflict)
    assert [i.revision for i in store.revisions(plan_id)] == [1, 2]  # nothing from Ana


def test_conflict_names_the_last_person_and_drops_changes_that_were_undone(store, clock):
    saved = store.save(sample(), author="Ana")
    session = sample()
    session.set_edit("cache_features", ActionEdit(owner="Bo", status="doing"))
    session.title = "Temporary"
    clock.advance(1)
    store.save(session, author="Bo", plan_id=saved.plan_id, base_revision=1)
    session.set_edit("cache_features", ActionEdit(owner="Cy", status="doing"))
    session.title = "Ranking loop"
    clock.advance(1)
    store.save(session, author="Cy", plan_id=saved.plan_id, base_revision=2)
    with pytest.raises(ConflictError) as caught:
        store.save(sample(), author="Ana", plan_id=saved.plan_id, base_revision=1)
    changes = caught.value.changes
    assert ("action cache_features: owner 'Ana' → 'Cy' (by Cy (not verified) at 2026-11-27 10:02 UTC)"
            in changes)
    assert "action cache_features: email 'ana@example.com' → (not set) (by Bo (not verified) at 2026-11-27 " \
           "10:01 UTC)" in changes
    assert not any(line.startswith("title:") for line in changes)
    assert caught.value.latest.revision == 3


def test_a_base_revision_the_plan_does_not_have_is_a_conflict(store):
    saved = store.save(sample(), author="Ana")
    with pytest.raises(ConflictError, match="you started from revision 7") as caught:
        store.save(sample(), author="Ana", plan_id=saved.plan_id, base_revision=7)
    assert "does not have" in caught.value.changes[0]


def _race(savers) -> list[object]:
    barrier = threading.Barrier(len(savers))
    results: list[object] = [None] * len(savers)

    def run(index):
        barrier.wait()
        try:
            results[index] = savers[index]()
        except Exception as err:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(savers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("shared", [True, False], ids=["one-store", "two-replicas"])
def test_two_threads_saving_over_the_same_revision_one_wins(db_url, clock, shared):
    first = PlanStore(db_url, now=clock)
    second = first if shared else PlanStore(db_url, now=clock)
    try:
        plan_id = first.save(sample(), author="Ana").plan_id
        for round_number in range(1, 6):
            def saver(target, who, base=round_number):
                session = sample(f"{who} {base}")
                return lambda: target.save(session, author=who, plan_id=plan_id, base_revision=base)

            results = _race([saver(first, "Ana"), saver(second, "Bo")])
            wins = [r for r in results if isinstance(r, store_module.SavedRevision)]
            losses = [r for r in results if isinstance(r, ConflictError)]
            assert len(wins) == 1 and len(losses) == 1, results
            assert wins[0].revision == round_number + 1
            assert losses[0].latest.revision == round_number + 1
        assert [i.revision for i in first.revisions(plan_id)] == [1, 2, 3, 4, 5, 6]
    finally:
        first.close()
        second.close()


def test_the_unique_key_catches_a_race_the_lock_missed(store, monkeypatch):
    saved = store.save(sample(), author="Ana")
    store.save(sample("Bo's"), author="Bo", plan_id=saved.plan_id, base_revision=1)
    # Pretend the check saw revision 1 as the latest (as two unlocked savers would): the insert
    # of revision 2 hits the unique (plan, revision) key and still ends as a conflict.
    monkeypatch.setattr(store, "_latest_number", lambda conn, plan_id: 1)
    with pytest.raises(ConflictError) as caught:
        store.save(sample("Ana's"), author="Ana", plan_id=saved.plan_id, base_revision=1)
    assert caught.value.latest.revision == 2 and caught.value.latest.author == "Bo"
    monkeypatch.undo()
    assert [i.author for i in store.revisions(saved.plan_id)] == ["Ana", "Bo"]
    assert store.latest(saved.plan_id).session.title == "Bo's"


def _save_repeatedly(url: str, plan_id: str, who: str, count: int) -> int:
    """Run in another process: save ``count`` revisions, retrying on conflicts."""
    worker_store = PlanStore(url)
    conflicts = 0
    try:
        done = 0
        while done < count:
            current = worker_store.latest(plan_id)
            session = current.session
            session.set_note(who, f"save {done}")
            try:
                worker_store.save(session, author=who, plan_id=plan_id,
                                  base_revision=current.revision)
                done += 1
            except ConflictError:
                conflicts += 1
    finally:
        worker_store.close()
    return conflicts


def test_concurrent_saves_from_several_processes_lose_no_revision(store, db_url):
    plan_id = store.save(sample(), author="Ana").plan_id
    workers, per_worker = 4, 5
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_save_repeatedly, db_url, plan_id, f"worker{i}", per_worker)
                   for i in range(workers)]
        [future.result(timeout=120) for future in futures]
    infos = store.revisions(plan_id)
    assert [i.revision for i in infos] == list(range(1, workers * per_worker + 2))
    for i in range(workers):
        assert sum(info.author == f"worker{i}" for info in infos) == per_worker
    notes = store.latest(plan_id).session.notes
    assert all(notes[f"worker{i}"] == f"save {per_worker - 1}" for i in range(workers))


# -- audit, action edits, decisions ------------------------------------------------------------
def test_audit_rows_record_every_changed_edit_field(store, clock):
    saved = store.save(sample(), author="Ana")
    session = sample()
    session.set_edit("cache_features", ActionEdit(owner="Bo", email="ana@example.com",
                                                  due="2026-12-15", status="done",
                                                  ticket="ML-42"))
    session.set_edit("shared_queue", ActionEdit(owner="Dee", confidence="low"))
    session.title = "only the title changes here too"
    clock.advance(10)
    store.save(session, author="Bo", plan_id=saved.plan_id, base_revision=1)
    session.set_edit("shared_queue", ActionEdit())  # back to the defaults
    clock.advance(10)
    store.save(session, author="Cy", plan_id=saved.plan_id, base_revision=2)

    rows = [(a.revision, a.author, a.action_id, a.field, a.old, a.new)
            for a in store.audit(saved.plan_id)]
    assert rows == [
        (1, "Ana", "cache_features", "owner", "", "Ana"),
        (1, "Ana", "cache_features", "email", "", "ana@example.com"),
        (1, "Ana", "cache_features", "due", "", "2026-12-15"),
        (1, "Ana", "cache_features", "status", "todo", "doing"),
        (2, "Bo", "cache_features", "owner", "Ana", "Bo"),
        (2, "Bo", "cache_features", "status", "doing", "done"),
        (2, "Bo", "cache_features", "ticket", "", "ML-42"),
        (2, "Bo", "shared_queue", "owner", "", "Dee"),
        (2, "Bo", "shared_queue", "confidence", "", "low"),
        (3, "Cy", "shared_queue", "owner", "Dee", ""),
        (3, "Cy", "shared_queue", "confidence", "low", ""),
    ]
    entries = store.audit(saved.plan_id)
    assert entries[4].at == START + timedelta(minutes=10)
    assert entries[4].text == "cache_features: owner 'Ana' → 'Bo'"


def test_update_action_saves_one_edit_with_the_same_conflict_rules(store, clock):
    saved = store.save(sample(), author="Ana")
    clock.advance(60)
    done = ActionEdit(owner="Ana", email="ana@example.com", due="2026-12-15", status="done")
    result = store.update_action(saved.plan_id, "cache_features", done, author="Bo",
                                 base_revision=1)
    assert result.revision == 2 and result.at == START + timedelta(minutes=60)
    latest = store.latest(saved.plan_id)
    assert latest.session.plan_edits["cache_features"] == done
    assert latest.note == "cache_features status: 'doing' → 'done'"
    assert to_json(latest.session).replace('"done"', '"doing"') == to_json(sample())
    assert [(a.field, a.old, a.new) for a in store.audit(saved.plan_id) if a.revision == 2] == [
        ("status", "doing", "done")]

    again = store.update_action(saved.plan_id, "cache_features", done, author="Bo",
                                base_revision=2)
    assert again.revision == 2  # nothing changed, nothing saved

    with pytest.raises(ConflictError) as caught:
        store.update_action(saved.plan_id, "cache_features", ActionEdit(status="dropped"),
                            author="Cy", base_revision=1)
    assert "action cache_features: status 'doing' → 'done' (by Bo (not verified) at 2026-11-27 11:00 UTC)" \
        in caught.value.changes
    with pytest.raises(InvalidId):
        store.update_action(saved.plan_id, "../../x", done, author="Bo", base_revision=2)


def test_decisions_are_recorded_with_who_when_and_which_revision(store, clock):
    saved = store.save(sample(), author="Ana")
    assert store.decisions(saved.plan_id) == []
    clock.advance(30)
    first = store.record_decision(saved.plan_id, approver="Mia (manager)", note="Go, cache first")
    store.save(sample("v2"), author="Bo", plan_id=saved.plan_id, base_revision=1)
    clock.advance(30)
    second = store.record_decision(saved.plan_id, approver="Mia (manager)", note="")
    assert (first.revision, second.revision) == (1, 2)
    assert first.decided_at == START + timedelta(minutes=30)
    got = store.decisions(saved.plan_id)
    assert got == [first, second]
    assert got[0].note == "Go, cache first" and got[0].approver == "Mia (manager)"
    with pytest.raises(StoreError, match="name is needed"):
        store.record_decision(saved.plan_id, approver="", note="x")


# -- follow-up data ----------------------------------------------------------------------------
def test_follow_up_files_are_kept_and_read_back(store, monkeypatch):
    saved = store.save(sample(), author="Ana")
    payload = b"run_id,stage,start,end\n" + bytes(range(256)) * 100
    attached = store.attach_followup(saved.plan_id, kind="runs", name="C:\\exports\\after.csv",
                                     data=payload, author="Bo")
    assert attached.name == "after.csv" and attached.size == len(payload)
    assert attached.revision == 1 and attached.at == START and attached.kind == "runs"
    store.attach_followup(saved.plan_id, kind="requests", name="../../etc/requests.csv",
                          data=b"", author="Bo")
    listed = store.followups(saved.plan_id)
    assert [f.name for f in listed] == ["after.csv", "requests.csv"]
    assert listed[0] == attached
    assert store.followup_data(attached.id) == payload
    with pytest.raises(NotFound):
        store.followup_data("zzzzzzzzzz")
    with pytest.raises(StoreError, match="Unknown follow-up kind"):
        store.attach_followup(saved.plan_id, kind="photos", name="x.png", data=b"x", author="Bo")
    monkeypatch.setattr(store_module, "MAX_FOLLOWUP_BYTES", 1024)
    with pytest.raises(StoreError, match="limited to"):
        store.attach_followup(saved.plan_id, kind="runs", name="big.csv", data=b"x" * 1025,
                              author="Bo")
    assert len(store.followups(saved.plan_id)) == 2


def test_the_follow_up_limit_is_the_upload_limit():
    from triage.tabular import MAX_UPLOAD_BYTES

    assert store_module.MAX_FOLLOWUP_BYTES == MAX_UPLOAD_BYTES == 200_000_000


# -- the review table --------------------------------------------------------------------------
def _plan(store, clock, title, *, team, scenario="slow_iteration", edits=(), minutes=1):
    session = sample(title) if scenario == "slow_iteration" else Session(
        scenario=scenario, playbook_version=1, title=title)
    session.plan_edits = {}
    for action_id, edit in edits:
        session.set_edit(action_id, edit)
    clock.advance(minutes)
    return store.save(session, author="Ana", team=team).plan_id


def test_list_plans_filters_and_puts_overdue_first(store, clock):
    quiet = _plan(store, clock, "Quiet", team="Ranking",
                  edits=[("cache_features", ActionEdit(owner="Ana", due="2026-12-31"))])
    one_old = _plan(store, clock, "One very late", team="Search",
                    edits=[("cache_features", ActionEdit(owner="Bo", due="2026-01-01",
                                                         status="doing"))])
    two_late = _plan(store, clock, "Two late", team="Ranking",
                     edits=[("cache_features", ActionEdit(owner="Cy", due="2026-11-20")),
                            ("shared_queue", ActionEdit(owner="Ana", due="2026-11-26")),
                            ("extra", ActionEdit(owner="Cy", due="2026-01-01", status="done"))])
    one_recent = _plan(store, clock, "One late", team="Ranking",
                       edits=[("cache_features", ActionEdit(owner="Dee", due="2026-11-26"))])
    access = _plan(store, clock, "Access", team="Platform", scenario="data_access",
                   edits=[("grant_path", ActionEdit(status="dropped", due="2026-01-01"))])
    newest_quiet = _plan(store, clock, "Newest quiet", team="ranking")

    rows = store.list_plans(today=TODAY)
    assert [r.plan_id for r in rows] == [two_late, one_old, one_recent, newest_quiet, access, quiet]
    first = rows[0]
    assert first.overdue == 2 and first.oldest_overdue == date(2026, 11, 20)
    assert first.status_counts == {"todo": 2, "doing": 0, "done": 1, "dropped": 0}
    assert first.owners == ("Cy", "Ana")
    assert {a.action_id for a in first.actions} == {"cache_features", "shared_queue", "extra"}
    by_id = {r.plan_id: r for r in rows}
    assert by_id[access].overdue == 0  # dropped actions are never overdue
    # Actions the snapshot lists count as to-do even without edits.
    assert by_id[newest_quiet].status_counts["todo"] == 2
    assert [a.title for a in by_id[quiet].actions] == ["Cache the features", "A shared GPU queue"]
    assert by_id[quiet].updated_at == START + timedelta(minutes=1)

    ids = lambda **kw: [r.plan_id for r in store.list_plans(today=TODAY, **kw)]  # noqa: E731
    assert ids(scenario="data_access") == [access]
    assert ids(team="RANKING") == [two_late, one_recent, newest_quiet, quiet]
    assert ids(status="doing") == [one_old]
    assert ids(status="dropped") == [access]
    assert ids(owner="cy") == [two_late]
    assert ids(owner="Ana", team="Ranking") == [two_late, quiet]
    assert ids(scenario="slow_iteration", status="done") == [two_late]
    assert ids(owner="nobody") == []
    # The same plans a day earlier: fewer are late.
    earlier = store.list_plans(today=date(2026, 11, 26))
    assert [r.overdue for r in earlier][:2] == [1, 1]
    with pytest.raises(StoreError, match="Unknown status"):
        store.list_plans(status="later", today=TODAY)


def test_list_plans_uses_the_latest_revision_only(store, clock):
    saved = store.save(sample(), author="Ana")
    late = sample()
    late.set_edit("cache_features", ActionEdit(owner="Ana", due="2026-11-01"))
    clock.advance(1)
    store.save(late, author="Bo", plan_id=saved.plan_id, base_revision=1)
    [row] = store.list_plans(today=TODAY)
    assert row.revision == 2 and row.overdue == 1 and row.updated_by == "Bo"
    store.update_action(saved.plan_id, "cache_features",
                        ActionEdit(owner="Ana", due="2026-11-01", status="done"), author="Cy",
                        base_revision=2)
    [row] = store.list_plans(today=TODAY)
    assert row.revision == 3 and row.overdue == 0 and row.status_counts["done"] == 1


# -- ids and broken data -----------------------------------------------------------------------
BAD_IDS = ["../x", "", "a" * 41, "abc", "abcdefgh/../../etc", "abcdefgh\n", "abc def gh",
           "%2e%2e%2fabc", None, 12345678]


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
def test_invalid_ids_are_refused_before_any_lookup(store, bad):
    calls = [
        lambda: store.latest(bad),
        lambda: store.revision(bad, 1),
        lambda: store.revisions(bad),
        lambda: store.audit(bad),
        lambda: store.decisions(bad),
        lambda: store.followups(bad),
        lambda: store.followup_data(bad),
        lambda: store.record_decision(bad, approver="Mia", note=""),
        lambda: store.attach_followup(bad, kind="runs", name="a.csv", data=b"", author="Bo"),
        lambda: store.update_action(bad, "cache_features", ActionEdit(), author="Bo",
                                    base_revision=1),
    ]
    if bad is not None:  # plan_id=None is how a new plan is saved
        calls.append(lambda: store.save(sample(), author="Ana", plan_id=bad, base_revision=1))
    for call in calls:
        with pytest.raises(InvalidId) as caught:
            call()
        assert "not valid" in str(caught.value)
        if isinstance(bad, str) and bad:
            assert bad not in str(caught.value)  # ids from outside are never echoed


def test_an_unknown_well_formed_id_is_not_found(store):
    with pytest.raises(NotFound, match="no saved plan with id abcdef-123"):
        store.latest("abcdef-123")
    with pytest.raises(NotFound):
        store.revisions("abcdef-123")


@pytest.mark.parametrize("stored_text, fragment", [
    ('{"schema_version": 2, "scenario": "slow_iteration"', "not valid JSON"),
    ('{"schema_version": 99, "scenario": "slow_iteration", "playbook_version": 1}',
     "newer than this app understands"),
    ('{"schema_version": 2, "scenario": "slow_iteration", "playbook_version": 1, '
     '"plan_edits": {"a": {"status": "someday"}}}', "plan_edits.a.status"),
], ids=["truncated", "newer-app", "invalid-field"])
def test_a_revision_that_cannot_be_read_names_plan_and_revision(store, clock, stored_text,
                                                                fragment):
    saved = store.save(sample(), author="Ana")
    store.save(sample("v2"), author="Bo", plan_id=saved.plan_id, base_revision=1)
    with store.engine.begin() as conn:
        conn.execute(update(revisions_table).where(revisions_table.c.plan_id == saved.plan_id,
                                                   revisions_table.c.revision == 2)
                     .values(session_json=stored_text))
    for call in (lambda: store.latest(saved.plan_id), lambda: store.revision(saved.plan_id, 2)):
        with pytest.raises(StoreError) as caught:
            call()
        message = str(caught.value)
        assert f"Plan {saved.plan_id}, revision 2 cannot be read" in message
        assert fragment in message
    assert store.revision(saved.plan_id, 1).session.title == "Ranking loop"
    [row] = store.list_plans(today=TODAY)
    assert "revision 2 cannot be read" in row.problem and row.overdue == 0
    assert store.list_plans(status="todo", today=TODAY) == []
    # A stale save over it is refused with the reason; a fresh one replaces it.
    with pytest.raises(ConflictError) as caught:
        store.save(sample(), author="Cy", plan_id=saved.plan_id, base_revision=1)
    assert any("revision 2 cannot be read" in line for line in caught.value.changes)
    fixed = store.save(sample("fixed"), author="Cy", plan_id=saved.plan_id, base_revision=2)
    assert store.latest(saved.plan_id).session.title == "fixed" and fixed.revision == 3


# -- configuration -----------------------------------------------------------------------------
def test_default_location_is_configurable_and_created_on_first_use(tmp_path, monkeypatch):
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRIAGE_DATA_DIR", raising=False)
    assert default_url() == "sqlite:///" + str(store_module.REPO_ROOT / "var" / "plans.sqlite3")
    folder = tmp_path / "nested" / "data"
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(folder))
    assert default_url() == f"sqlite:///{folder / 'plans.sqlite3'}"
    configured = PlanStore(now=Clock())
    assert not folder.exists()  # nothing happens until the store is used
    saved = configured.save(sample(), author="Ana")
    configured.close()
    assert (folder / "plans.sqlite3").is_file()
    assert f"SQLite file {folder / 'plans.sqlite3'}" == configured.location
    monkeypatch.setenv("TRIAGE_DATABASE_URL", f"sqlite:///{folder / 'plans.sqlite3'}")
    monkeypatch.delenv("TRIAGE_DATA_DIR")
    with PlanStore() as by_url:
        assert by_url.latest(saved.plan_id).meta.created_by == "Ana"


def test_postgres_urls_get_the_psycopg_driver_and_hide_the_password():
    pg = PlanStore("postgresql://triage:s3cret@db.example:5432/plans")
    assert pg.engine.url.drivername == "postgresql+psycopg"
    assert "s3cret" not in pg.location and "db.example" in pg.location
    assert PlanStore("postgres://u@h/db").engine.url.drivername == "postgresql+psycopg"
    with pytest.raises(StoreError, match="URL is not valid"):
        PlanStore("not a url")


def test_an_unreachable_database_is_a_store_error_without_the_password():
    unreachable = PlanStore("postgresql+psycopg://triage:s3cret@127.0.0.1:1/plans?connect_timeout=2")
    with pytest.raises(StoreError) as caught:
        unreachable.latest("abcdefgh")
    assert "could not be used" in str(caught.value) and "s3cret" not in str(caught.value)
