"""The plan store: saved plans with revisions, an audit trail, decisions and follow-up data.

Plain Python on SQLAlchemy Core (no Streamlit here). SQLite by default, PostgreSQL when
``TRIAGE_DATABASE_URL`` points at one; the same code serves both because every query is built
with SQLAlchemy. Nothing is ever overwritten: each save adds a revision holding the whole
session document (:func:`triage.session.to_json`), and changes to the action edits (owner,
e-mail, due date, status, confidence, ticket) are written to an audit trail.

Two people saving over the same revision lose nothing: the first save wins, the second is
refused with a :class:`ConflictError` that says who saved what in between. The guarantee comes
from a transaction per save — the plan's row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite) — backed by the unique key on (plan, revision number).

The tables below are what the code expects; the database gets them from the Alembic migrations
in :mod:`triage.migrations`, applied when a store first touches its database (or by
``python -m triage store upgrade``), so a schema change is a new migration, never an edit here
alone.

Every error a page may meet is a :class:`StoreError` whose message can be shown as it is: it
never names the database's path, host or URL (those go to the server's log).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from triage import migrations
from triage.authors import Author, AuthorError, typed_name
from triage.authors import label as author_label
from triage.session import (
    MAX_SESSION_JSON_BYTES,
    ActionEdit,
    Session,
    SessionError,
    from_json,
    to_json,
)
from triage.tabular import MAX_UPLOAD_BYTES
from triage.vocabulary import STATUSES

log = logging.getLogger(__name__)

ENV_DATABASE_URL = "TRIAGE_DATABASE_URL"
ENV_DATA_DIR = "TRIAGE_DATA_DIR"
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT / "var"
SQLITE_FILE_NAME = "plans.sqlite3"

ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{6,40}")
ACTION_ID_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
NEW_ID_LENGTH = 10

FOLLOWUP_KINDS = ("runs", "segments", "requests")
MAX_FOLLOWUP_BYTES = MAX_UPLOAD_BYTES  # one upload limit, in the unit the uploader shows
MAX_NAME_CHARS = 200
MAX_NOTE_CHARS = 4000
MAX_PARTICIPANTS = 100
CLOSED_STATUSES = ("done", "dropped")
EDIT_FIELDS = tuple(f.name for f in fields(ActionEdit))
SQLITE_BUSY_TIMEOUT_S = 30
# PostgreSQL advisory lock held while migrating (any fixed 64-bit number; this spells 'triage').
MIGRATION_LOCK_KEY = 0x747269616765


# -- errors ------------------------------------------------------------------------------------
class StoreError(Exception):
    """Anything that went wrong in the store; the message is meant for the page as it is."""


class NotFound(StoreError):
    """No such plan, revision or follow-up."""


class InvalidId(StoreError):
    """An id (from a link, a form or a caller) that is not a well-formed id; never looked up."""

    def __init__(self, what: str, value: object,
                 rule: str = "6 to 40 letters, digits, '-' or '_'"):
        self.what = what
        self.value = value  # kept for logs; never echoed into the message (it came from outside)
        super().__init__(f"The {what} id is not valid (ids are {rule}). Check the link you followed.")


class ConflictError(StoreError):
    """A save over a revision that is no longer the latest: someone else saved in between."""

    def __init__(self, plan_id: str, base_revision: int | None, latest: RevisionInfo,
                 changes: list[str]):
        self.plan_id = plan_id
        self.base_revision = base_revision
        self.latest = latest
        self.changes = changes
        super().__init__(
            f"Plan {plan_id} changed after you opened it: revision {latest.revision} was saved by "
            f"{author_label(latest.author)} at {_when(latest.at)} "
            f"(you started from revision {base_revision}). "
            "Your save was not applied — reload the plan to see the changes, then make yours "
            "again.")


# -- results -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SavedRevision:
    plan_id: str
    revision: int
    at: datetime
    unchanged: bool = False  # nothing differed from the latest revision, so none was added


@dataclass(frozen=True)
class RevisionInfo:
    revision: int
    author: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class PlanMeta:
    title: str
    team: str
    participants: tuple[str, ...]
    scenario: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


@dataclass
class StoredPlan:
    """One revision of a plan. ``meta`` describes the plan as of its latest revision; ``author``,
    ``at`` and ``note`` describe this revision."""

    plan_id: str
    revision: int
    session: Session
    meta: PlanMeta
    author: str = ""
    at: datetime | None = None
    note: str = ""
    latest_revision: int = 0

    @property
    def is_latest(self) -> bool:
        return self.revision == self.latest_revision


@dataclass(frozen=True)
class AuditEntry:
    plan_id: str
    revision: int
    author: str
    at: datetime
    action_id: str
    field: str
    old: str
    new: str

    @property
    def text(self) -> str:
        return f"{self.action_id}: {self.field} {_fmt(self.old)} → {_fmt(self.new)}"


@dataclass(frozen=True)
class ActionRow:
    """One action of a plan as the review table needs it (edits over the snapshot's list)."""

    action_id: str
    title: str
    kind: str
    owner: str
    email: str
    due: str
    status: str
    overdue: bool


@dataclass(frozen=True)
class PlanRow:
    plan_id: str
    title: str
    team: str
    scenario: str
    participants: tuple[str, ...]
    revision: int
    updated_at: datetime
    updated_by: str
    status_counts: dict[str, int]
    overdue: int
    oldest_overdue: date | None
    owners: tuple[str, ...]
    actions: tuple[ActionRow, ...] = ()
    problem: str = ""  # set when the latest revision cannot be read; counts are then empty


@dataclass(frozen=True)
class Decision:
    id: int
    plan_id: str
    revision: int
    approver: str
    decided_at: datetime
    note: str


@dataclass(frozen=True)
class FollowUp:
    id: str
    plan_id: str
    kind: str
    name: str
    size: int
    author: str
    at: datetime
    revision: int


# -- schema ------------------------------------------------------------------------------------
metadata = MetaData()

plans_table = Table(
    "triage_plans", metadata,
    Column("id", String(40), primary_key=True),
    Column("scenario", String(100), nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("team", String(MAX_NAME_CHARS), nullable=False, default=""),
    Column("participants", Text, nullable=False, default="[]"),  # JSON list of names
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(MAX_NAME_CHARS), nullable=False),
    # Denormalised from the latest revision for the review table; the revisions are the truth.
    Column("latest_revision", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(MAX_NAME_CHARS), nullable=False),
    Index("ix_triage_plans_scenario", "scenario"),
    Index("ix_triage_plans_team", "team"),
    Index("ix_triage_plans_updated_at", "updated_at"),
)

revisions_table = Table(
    "triage_revisions", metadata,
    Column("plan_id", String(40), ForeignKey("triage_plans.id"), primary_key=True),
    Column("revision", Integer, primary_key=True, autoincrement=False),  # unique with plan_id
    Column("session_json", Text, nullable=False),
    Column("author", String(MAX_NAME_CHARS), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("team", String(MAX_NAME_CHARS), nullable=False, default=""),
    Column("participants", Text, nullable=False, default="[]"),
)

audit_table = Table(
    "triage_audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", String(40), ForeignKey("triage_plans.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("author", String(MAX_NAME_CHARS), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("action_id", String(100), nullable=False),
    Column("field", String(40), nullable=False),
    Column("old", Text, nullable=False),
    Column("new", Text, nullable=False),
    Index("ix_triage_audit_plan", "plan_id", "revision"),
)

decisions_table = Table(
    "triage_decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", String(40), ForeignKey("triage_plans.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("approver", String(MAX_NAME_CHARS), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Index("ix_triage_decisions_plan", "plan_id"),
)

followups_table = Table(
    "triage_followups", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # keeps the order of arrival
    Column("id", String(40), nullable=False, unique=True),  # the public id
    Column("plan_id", String(40), ForeignKey("triage_plans.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("name", String(255), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("author", String(MAX_NAME_CHARS), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("revision", Integer, nullable=False),
    Index("ix_triage_followups_plan", "plan_id"),
)


# -- small helpers -----------------------------------------------------------------------------
def check_id(value: object, what: str = "plan") -> str:
    """The id itself when it is well formed; :class:`InvalidId` otherwise. Use on every id that
    comes from a URL, a form or a file before it goes anywhere near the database."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise InvalidId(what, value)
    return value


def _check_action_id(value: object) -> str:
    if not isinstance(value, str) or not ACTION_ID_PATTERN.fullmatch(value):
        raise InvalidId("action", value, "1 to 100 letters, digits, '.', ':', '-' or '_'")
    return value


def new_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(NEW_ID_LENGTH))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: object, limit: int) -> str:
    """Text safe for a column: no NUL or other control characters (PostgreSQL refuses NUL)."""
    return _CONTROL.sub("", str(value)).strip()[:limit]


def _name(value: object, what: str) -> str:
    """The text for an author column: a signed-in :class:`Author` in its verified form, or a
    typed name (never one that looks verified; see :mod:`triage.authors`)."""
    try:
        stored = value.stored() if isinstance(value, Author) else typed_name(value, what)
    except AuthorError as err:
        raise StoreError(str(err)) from None
    return _text(stored, MAX_NAME_CHARS)


def _participants(values: Iterable[str] | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    seen: list[str] = []
    for value in values:
        name = _text(value, MAX_NAME_CHARS)
        if name and name not in seen:
            seen.append(name)
    if len(seen) > MAX_PARTICIPANTS:
        raise StoreError(f"At most {MAX_PARTICIPANTS} participants per plan.")
    return tuple(seen)


def _utc(value: datetime) -> datetime:
    """Aware UTC; naive values (SQLite hands those back) are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _when(value: datetime) -> str:
    return _utc(value).strftime("%Y-%m-%d %H:%M UTC")


_ABSENT = object()


def _fmt(value: Any, limit: int = 60) -> str:
    if value is _ABSENT or value == "" or value is None:
        return "(not set)"
    if isinstance(value, str):
        text = value if len(value) <= limit else value[: limit - 1] + "…"
        return "'" + text.replace("\n", " ") + "'"
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _loads_list(text: str | None) -> tuple[str, ...]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _canonical(session: Session) -> tuple[str, Session]:
    """The canonical text to store and the session it reads back as; refuses what would not."""
    if not isinstance(session, Session):
        raise StoreError("Only a triage session can be saved as a plan.")
    session = replace(session, saved_as=None)  # the store knows which plan a revision is
    try:
        first = to_json(session)
        clean = from_json(first)
        text = to_json(clean)
    except (SessionError, ValueError, TypeError) as err:
        raise StoreError(f"This plan cannot be saved: {err}") from None
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise StoreError("This plan cannot be saved: it contains text that is not valid Unicode.") from None
    if size > MAX_SESSION_JSON_BYTES:
        raise StoreError("This plan is too large to save (over 2 MB); remove long notes or inputs.")
    return text, clean


def _parse(plan_id: str, revision: int, text: str) -> Session:
    try:
        return from_json(text)
    except (SessionError, ValueError, TypeError, KeyError, AttributeError) as err:
        raise StoreError(
            f"Plan {plan_id}, revision {revision} cannot be read by this version of the app: {err}"
        ) from None


def _edit_changes(old: Session | None, new: Session) -> list[tuple[str, str, str, str]]:
    """(action id, field, old, new) for every action-edit field that differs."""
    before = old.plan_edits if old is not None else {}
    changes = []
    for action_id in sorted(set(before) | set(new.plan_edits)):
        a = before.get(action_id, ActionEdit())
        b = new.plan_edits.get(action_id, ActionEdit())
        for name in EDIT_FIELDS:
            if getattr(a, name) != getattr(b, name):
                changes.append((action_id, name, str(getattr(a, name)), str(getattr(b, name))))
    return changes


def _items(session: Session) -> dict[tuple[str, ...], tuple[str, Any]]:
    """Everything a person may change in a session, keyed for comparison, with a label."""
    items: dict[tuple[str, ...], tuple[str, Any]] = {("title",): ("title:", session.title)}
    items[("playbook_version",)] = ("playbook version:", session.playbook_version)
    for name, text in asdict(session.goal).items():
        if text:
            items[("goal", name)] = (f"goal {name.replace('_', ' ')}:", text)
    for node, option in sorted(session.answers.items()):
        items[("answer", node)] = (f"answer to {node}:", option)
    for node, text in sorted(session.notes.items()):
        items[("note", node)] = (f"note on {node}:", text)
    for key, value in sorted(session.inputs.items()):
        items[("input", key)] = (f"input {key}:", value)
    for stage, factor in sorted(session.whatif.items()):
        items[("whatif", stage)] = (f"what-if {stage}:", factor)
    if session.uploads:
        items[("uploads",)] = ("uploaded files:", [u.name for u in session.uploads])
    for action_id, edit in sorted(session.plan_edits.items()):
        for name in EDIT_FIELDS:
            items[("edit", action_id, name)] = (f"action {action_id}: {name}", getattr(edit, name))
    return items


def _default(key: tuple[str, ...]) -> Any:
    if key[0] == "edit":
        return getattr(ActionEdit(), key[2])
    return _ABSENT


def _diff(old: Session, new: Session) -> list[tuple[tuple[str, ...], str, Any, Any]]:
    a, b = _items(old), _items(new)
    out = []
    for key in [*a, *(k for k in b if k not in a)]:
        label = (b.get(key) or a[key])[0]
        before = a[key][1] if key in a else _default(key)
        after = b[key][1] if key in b else _default(key)
        if before != after:
            out.append((key, label, before, after))
    return out


def describe_changes(steps: Sequence[tuple[Session, RevisionInfo]], base: Session) -> list[str]:
    """What differs between ``base`` and the last of ``steps`` (revisions in order after the
    base), one line per item, each naming the last person who changed it."""
    merged: dict[tuple[str, ...], dict[str, Any]] = {}
    previous = base
    for session, info in steps:
        for key, label, before, after in _diff(previous, session):
            if key in merged:
                merged[key].update(new=after, info=info)
            else:
                merged[key] = {"label": label, "old": before, "new": after, "info": info}
        previous = session
    lines = []
    for item in merged.values():
        if item["old"] == item["new"]:
            continue  # changed and changed back
        info = item["info"]
        lines.append(f"{item['label']} {_fmt(item['old'])} → {_fmt(item['new'])} "
                     f"(by {author_label(info.author)} at {_when(info.at)})")
    return lines


def default_url() -> str:
    """``TRIAGE_DATABASE_URL`` if set, else a SQLite file in ``TRIAGE_DATA_DIR`` (default: the
    repository's git-ignored ``var/`` folder)."""
    configured = os.environ.get(ENV_DATABASE_URL, "").strip()
    if configured:
        return configured
    folder = os.environ.get(ENV_DATA_DIR, "").strip()
    base = Path(folder).expanduser() if folder else DEFAULT_DATA_DIR
    return "sqlite:///" + str((base / SQLITE_FILE_NAME).resolve())


def _normalise_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError("The plan database URL is not valid (expected e.g. "
                         "sqlite:////path/plans.sqlite3 or postgresql+psycopg://user@host/db).") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # the driver the app ships with
    return parsed


class _Stale(Exception):
    """Internal: the base revision is not the latest; turned into ConflictError after rollback."""


# -- the store ---------------------------------------------------------------------------------
class PlanStore:
    """Saved plans. One instance per database; safe to share between threads (sessions)."""

    def __init__(self, url: str | None = None, *, now: Callable[[], datetime] | None = None):
        self._url = _normalise_url(url or default_url())
        self._now = now or (lambda: datetime.now(UTC))
        self._ready = False
        self._lock = threading.Lock()
        self._engine = self._make_engine()

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def location(self) -> str:
        """Where the plans live, for the server's log (no password); never put in a message a
        page or the CLI shows."""
        if self.is_sqlite:
            return f"SQLite file {self._url.database}"
        return self._url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self._url.get_backend_name() == "sqlite"

    @property
    def engine(self) -> Engine:
        return self._engine

    def _make_engine(self) -> Engine:
        try:
            if self.is_sqlite:
                engine = create_engine(self._url, connect_args={
                    "timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False})
                _sqlite_transactions(engine)
                return engine
            return create_engine(self._url, pool_pre_ping=True)
        except (NoSuchModuleError, ImportError) as err:
            log.error("no database driver for %s: %s", self.location, err)
            raise StoreError(f"No database driver for a {self._url.get_backend_name()} plan database "
                             "is installed. For PostgreSQL, install psycopg[binary].") from None
        except ArgumentError as err:
            log.error("unusable plan database URL %s: %s", self.location, err)
            raise StoreError("The plan database URL is not usable; check TRIAGE_DATABASE_URL.") from None

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> PlanStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure(self) -> None:
        """Bring the database to the current schema on first use (once per store)."""
        if self._ready:
            return
        with self._lock:
            if not self._ready:
                self.upgrade()
                self._ready = True

    def upgrade(self) -> tuple[str | None, str]:
        """Apply the schema migrations (:mod:`triage.migrations`) that the database lacks;
        return the revision it was at (None: no schema yet) and the one it is at now. A
        database made before migrations existed is adopted with its data; one already at the
        head is left alone.

        Safe when several processes open a brand-new database at once: the migration runs in
        one transaction under a lock — ``BEGIN IMMEDIATE`` on SQLite (the others wait for the
        write lock, then find the tables made), a transaction-scoped advisory lock on
        PostgreSQL — so exactly one process creates the tables and the others see them."""
        head = migrations.head()
        if self.is_sqlite and self._url.database not in (None, "", ":memory:"):
            try:
                Path(self._url.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                log.error("cannot create the folder for %s: %s", self.location, err)
                raise StoreError("The folder for the plan database cannot be created "
                                 f"({err.strerror or type(err).__name__}); tell whoever runs "
                                 "this app.") from None
        try:
            with self._engine.connect() as conn:
                with conn.begin():
                    at = migrations.current(conn)
                if at == head:
                    return head, head
                conn.execution_options(triage_write=True)  # SQLite: BEGIN IMMEDIATE
                with conn.begin():
                    if not self.is_sqlite:
                        conn.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
                    at = migrations.current(conn)  # another process may have just done it
                    if at is not None and at not in migrations.known():
                        raise StoreError(
                            f"The plan database is at schema revision {at}, newer than this "
                            f"version of the app knows (up to {head}): another server running a "
                            "newer version upgraded it. Upgrade this server too.")
                    if at != head:
                        log.info("upgrading the plan database at %s from %s to %s",
                                 self.location, at or "no schema", head)
                        migrations.upgrade(conn)
        except StoreError:
            raise
        except SQLAlchemyError as err:
            raise self._db_error(err) from err
        return at, head

    def schema_revision(self) -> str | None:
        """The schema revision the database is at (None before the first migration)."""
        with self._guard(), self._engine.connect() as conn, conn.begin():
            return migrations.current(conn)

    def _db_error(self, err: SQLAlchemyError) -> StoreError:
        """A message for the page or the CLI. It never names the database's path, host or URL
        (those are for whoever runs the server, and go to its log with the driver's words)."""
        log.exception("plan store failure at %s", self.location)
        reason = str(getattr(err, "orig", None) or err).lower()
        if "locked" in reason or "busy" in reason or "deadlock" in reason:
            what = "it was busy with other saves for too long"
        elif isinstance(err, IntegrityError):
            what = "it refused the change as inconsistent with what is stored"
        elif isinstance(err, OperationalError):
            what = "it could not be reached or refused the connection"
        else:
            what = f"it reported a {type(err).__name__}"
        return StoreError(f"The plan database could not be used: {what}. Try again; if it keeps "
                          "failing, tell whoever runs this app (the server's log has the details).")

    @contextmanager
    def _guard(self, *, pass_integrity: bool = False) -> Iterator[None]:
        """Database failures become a StoreError a page can show; the caller may handle an
        IntegrityError itself (a lost race on a unique key)."""
        try:
            self._ensure()
            yield
        except StoreError:
            raise
        except IntegrityError as err:
            if pass_integrity:
                raise
            raise self._db_error(err) from err
        except SQLAlchemyError as err:
            raise self._db_error(err) from err

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            conn.execution_options(triage_write=True)
            with conn.begin():
                yield conn

    def _stamp(self) -> datetime:
        return _utc(self._now())

    # -- reading ----------------------------------------------------------------------------
    @staticmethod
    def _plan_row(conn: Connection, plan_id: str, *, lock: bool = False) -> Any:
        query = select(plans_table).where(plans_table.c.id == plan_id)
        if lock:
            query = query.with_for_update()
        row = conn.execute(query).one_or_none()
        if row is None:
            raise NotFound(f"There is no saved plan with id {plan_id}.")
        return row

    @staticmethod
    def _meta(row: Any) -> PlanMeta:
        return PlanMeta(title=row.title, team=row.team, participants=_loads_list(row.participants),
                        scenario=row.scenario, created_at=_utc(row.created_at),
                        created_by=row.created_by, updated_at=_utc(row.updated_at),
                        updated_by=row.updated_by)

    def _stored(self, plan_id: str, number: int | None) -> StoredPlan:
        plan_id = check_id(plan_id)
        with self._guard(), self._read() as conn:
            plan = self._plan_row(conn, plan_id)
            wanted = plan.latest_revision if number is None else number
            rev = conn.execute(select(revisions_table).where(
                revisions_table.c.plan_id == plan_id,
                revisions_table.c.revision == wanted)).one_or_none()
        if rev is None:
            raise NotFound(f"Plan {plan_id} has no revision {wanted} "
                           f"(its latest is {plan.latest_revision}).")
        return StoredPlan(plan_id=plan_id, revision=rev.revision,
                          session=_parse(plan_id, rev.revision, rev.session_json),
                          meta=self._meta(plan), author=rev.author, at=_utc(rev.created_at),
                          note=rev.note, latest_revision=plan.latest_revision)

    def latest(self, plan_id: str) -> StoredPlan:
        return self._stored(plan_id, None)

    def revision(self, plan_id: str, number: int) -> StoredPlan:
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise NotFound(f"Plan {check_id(plan_id)} has no revision {number!r}.")
        return self._stored(plan_id, number)

    def revisions(self, plan_id: str) -> list[RevisionInfo]:
        plan_id = check_id(plan_id)
        with self._guard(), self._read() as conn:
            self._plan_row(conn, plan_id)
            rows = conn.execute(
                select(revisions_table.c.revision, revisions_table.c.author,
                       revisions_table.c.created_at, revisions_table.c.note)
                .where(revisions_table.c.plan_id == plan_id)
                .order_by(revisions_table.c.revision)).all()
        return [RevisionInfo(r.revision, r.author, _utc(r.created_at), r.note) for r in rows]

    def audit(self, plan_id: str) -> list[AuditEntry]:
        plan_id = check_id(plan_id)
        with self._guard(), self._read() as conn:
            self._plan_row(conn, plan_id)
            rows = conn.execute(select(audit_table).where(audit_table.c.plan_id == plan_id)
                                .order_by(audit_table.c.revision, audit_table.c.id)).all()
        return [AuditEntry(plan_id=r.plan_id, revision=r.revision, author=r.author, at=_utc(r.at),
                           action_id=r.action_id, field=r.field, old=r.old, new=r.new) for r in rows]

    def list_plans(self, *, scenario: str | None = None, team: str | None = None,
                   status: str | None = None, owner: str | None = None,
                   today: date) -> list[PlanRow]:
        """One row per plan from its latest revision, overdue plans first (most overdue actions,
        then the oldest overdue due date), then the most recently updated.

        Filters: ``scenario`` and ``team`` (case-insensitive) exactly; ``status``: the plan has
        an action in that status; ``owner``: an action's owner name or e-mail matches
        (case-insensitive). A plan whose latest revision cannot be read is listed with
        ``problem`` set (and dropped by the status and owner filters)."""
        if status is not None and status not in STATUSES:
            raise StoreError(f"Unknown status '{status}'; use one of {', '.join(STATUSES)}.")
        query = (select(plans_table, revisions_table.c.session_json)
                 .join(revisions_table, (revisions_table.c.plan_id == plans_table.c.id)
                       & (revisions_table.c.revision == plans_table.c.latest_revision)))
        if scenario:
            query = query.where(plans_table.c.scenario == scenario)
        if team:
            query = query.where(func.lower(plans_table.c.team) == team.strip().lower())
        with self._guard(), self._read() as conn:
            rows = conn.execute(query).all()
        wanted_owner = owner.strip().lower() if owner else ""
        result = []
        for row in rows:
            plan_row = self._plan_list_row(row, today)
            if status and (plan_row.problem or not plan_row.status_counts.get(status)):
                continue
            if wanted_owner and not any(
                    wanted_owner in (a.owner.strip().lower(), a.email.strip().lower())
                    for a in plan_row.actions):
                continue
            result.append(plan_row)
        result.sort(key=lambda r: -r.updated_at.timestamp())
        result.sort(key=lambda r: (-r.overdue, r.oldest_overdue or date.max))
        return result

    def _plan_list_row(self, row: Any, today: date) -> PlanRow:
        base = {"plan_id": row.id, "title": row.title, "team": row.team, "scenario": row.scenario,
                "participants": _loads_list(row.participants), "revision": row.latest_revision,
                "updated_at": _utc(row.updated_at), "updated_by": row.updated_by}
        try:
            session = _parse(row.id, row.latest_revision, row.session_json)
        except StoreError as err:
            return PlanRow(**base, status_counts={s: 0 for s in STATUSES}, overdue=0,
                           oldest_overdue=None, owners=(), problem=str(err))
        actions = _action_rows(session, today)
        counts = {s: 0 for s in STATUSES}
        for action in actions:
            counts[action.status] = counts.get(action.status, 0) + 1
        overdue_dates = [date.fromisoformat(a.due) for a in actions if a.overdue]
        owners = tuple(dict.fromkeys(a.owner.strip() for a in actions if a.owner.strip()))
        return PlanRow(**base, status_counts=counts, overdue=len(overdue_dates),
                       oldest_overdue=min(overdue_dates, default=None), owners=owners,
                       actions=tuple(actions))

    # -- saving -----------------------------------------------------------------------------
    def save(self, session: Session, *, author: str | Author, team: str | None = None,
             participants: Sequence[str] | None = None, plan_id: str | None = None,
             base_revision: int | None = None, note: str = "") -> SavedRevision:
        """Save ``session`` as a new plan (``plan_id=None``) or as the next revision of one.

        Saving over an existing plan needs ``base_revision``: the revision the caller started
        from, which must still be the latest, else :class:`ConflictError`. ``team`` and
        ``participants`` left as ``None`` keep what the plan has; pass a value (even "") to set it.
        """
        author = _name(author, "author")
        text, clean = _canonical(session)
        note = _text(note or "", MAX_NOTE_CHARS)
        team_value = None if team is None else _text(team, MAX_NAME_CHARS)
        people = None if participants is None else _participants(participants)
        if plan_id is None:
            if base_revision not in (None, 0):
                raise StoreError("A new plan has no base revision; leave base_revision empty.")
            return self._create(text, clean, author, team_value or "", people or (), note)
        plan_id = check_id(plan_id)
        if not isinstance(base_revision, int) or isinstance(base_revision, bool):
            raise StoreError(f"Saving over plan {plan_id} needs the revision you started from.")
        return self._append(plan_id, base_revision, text, clean, author, team_value, people, note)

    def _create(self, text: str, clean: Session, author: str, team: str,
                people: tuple[str, ...], note: str) -> SavedRevision:
        at = self._stamp()
        for _attempt in range(5):
            plan_id = new_id()
            try:
                with self._guard(pass_integrity=True), self._write() as conn:
                    conn.execute(insert(plans_table).values(
                        id=plan_id, scenario=clean.scenario, title=_text(clean.title, 10_000),
                        team=team, participants=json.dumps(list(people), ensure_ascii=False),
                        created_at=at, created_by=author, latest_revision=1, updated_at=at,
                        updated_by=author))
                    self._insert_revision(conn, plan_id, 1, text, author, at, note, team, people)
                    self._insert_audit(conn, plan_id, 1, author, at, _edit_changes(None, clean))
                return SavedRevision(plan_id, 1, at)
            except IntegrityError:
                log.warning("plan id collision on %s; drawing another", plan_id)
        raise StoreError("Could not find a free plan id; try again.")

    def _append(self, plan_id: str, base: int, text: str, clean: Session, author: str,
                team: str | None, people: tuple[str, ...] | None, note: str) -> SavedRevision:
        at = self._stamp()
        try:
            with self._guard(pass_integrity=True), self._write() as conn:
                plan = self._plan_row(conn, plan_id, lock=True)
                if plan.scenario != clean.scenario:
                    raise StoreError(f"Plan {plan_id} is a '{plan.scenario}' plan; a "
                                     f"'{clean.scenario}' session cannot be saved over it.")
                latest = self._latest_number(conn, plan_id)
                if latest != base:
                    raise _Stale()
                previous_text = conn.execute(select(revisions_table.c.session_json).where(
                    revisions_table.c.plan_id == plan_id,
                    revisions_table.c.revision == latest)).scalar_one()
                try:
                    previous: Session | None = _parse(plan_id, latest, previous_text)
                except StoreError:
                    previous = None  # an unreadable revision is replaced, its edits unknown
                number = base + 1
                team_value = plan.team if team is None else team
                people_value = _loads_list(plan.participants) if people is None else people
                if (not note and previous is not None and team_value == plan.team
                        and tuple(people_value) == _loads_list(plan.participants)
                        and replace(previous, snapshot=None) == replace(clean, snapshot=None)):
                    return SavedRevision(plan_id, latest, _utc(plan.updated_at), unchanged=True)
                self._insert_revision(conn, plan_id, number, text, author, at, note, team_value,
                                      people_value)
                self._insert_audit(conn, plan_id, number, author, at,
                                   _edit_changes(previous, clean))
                conn.execute(update(plans_table).where(plans_table.c.id == plan_id).values(
                    title=_text(clean.title, 10_000), team=team_value,
                    participants=json.dumps(list(people_value), ensure_ascii=False),
                    latest_revision=number, updated_at=at, updated_by=author))
            return SavedRevision(plan_id, number, at)
        except _Stale:
            raise self._conflict(plan_id, base) from None
        except IntegrityError as err:
            # Someone else inserted the same revision number first (the unique key caught it).
            conflict = self._conflict(plan_id, base)
            if conflict.latest.revision != base:
                raise conflict from None
            raise self._db_error(err) from err

    @staticmethod
    def _latest_number(conn: Connection, plan_id: str) -> int:
        """The newest revision number (from the revisions themselves, not the plans row)."""
        return conn.execute(select(func.max(revisions_table.c.revision))
                            .where(revisions_table.c.plan_id == plan_id)).scalar_one() or 0

    @staticmethod
    def _insert_revision(conn: Connection, plan_id: str, number: int, text: str, author: str,
                         at: datetime, note: str, team: str, people: Sequence[str]) -> None:
        conn.execute(insert(revisions_table).values(
            plan_id=plan_id, revision=number, session_json=text, author=author, created_at=at,
            note=note, team=team, participants=json.dumps(list(people), ensure_ascii=False)))

    @staticmethod
    def _insert_audit(conn: Connection, plan_id: str, number: int, author: str, at: datetime,
                      changes: list[tuple[str, str, str, str]]) -> None:
        if changes:
            conn.execute(insert(audit_table), [
                {"plan_id": plan_id, "revision": number, "author": author, "at": at,
                 "action_id": _text(action_id, 100), "field": name, "old": _text(old, 10_000),
                 "new": _text(new, 10_000)}
                for action_id, name, old, new in changes])

    def _conflict(self, plan_id: str, base: int) -> ConflictError:
        with self._guard(), self._read() as conn:
            rows = conn.execute(
                select(revisions_table).where(revisions_table.c.plan_id == plan_id,
                                              revisions_table.c.revision >= max(base, 1))
                .order_by(revisions_table.c.revision)).all()
            if not rows or rows[0].revision != base:
                last = conn.execute(select(revisions_table).where(
                    revisions_table.c.plan_id == plan_id,
                    revisions_table.c.revision == self._latest_number(conn, plan_id))).one()
                info = RevisionInfo(last.revision, last.author, _utc(last.created_at), last.note)
                return ConflictError(plan_id, base, info, [
                    f"you started from revision {base}, which this plan does not have; "
                    f"its latest is revision {last.revision}"])
        infos = [RevisionInfo(r.revision, r.author, _utc(r.created_at), r.note) for r in rows]
        changes: list[str] = []
        try:
            base_session = _parse(plan_id, rows[0].revision, rows[0].session_json)
            steps = [(_parse(plan_id, r.revision, r.session_json), info)
                     for r, info in zip(rows[1:], infos[1:], strict=True)]
            changes = describe_changes(steps, base_session)
        except StoreError as err:
            changes = [str(err)]
        if not changes and len(infos) > 1:
            changes = ["no visible changes (the plan was saved again as it was)"]
        return ConflictError(plan_id, base, infos[-1], changes)

    def update_action(self, plan_id: str, action_id: str, edit: ActionEdit, *,
                      author: str | Author,
                      base_revision: int, note: str = "") -> SavedRevision:
        """Set one action's edit on the latest revision and save it as the next revision (the
        same conflict rules as :meth:`save`). An edit that changes nothing saves nothing."""
        action_id = _check_action_id(action_id)
        if not isinstance(edit, ActionEdit):
            raise StoreError("An action edit is needed.")
        current = self.latest(plan_id)
        session = current.session
        if current.revision == base_revision and session.edit_for(action_id) == edit:
            return SavedRevision(current.plan_id, current.revision, current.at or self._stamp())
        before = session.edit_for(action_id)
        session.set_edit(action_id, ActionEdit(**vars(edit)))
        if not note:
            note = "; ".join(f"{action_id} {name}: {_fmt(getattr(before, name))} → "
                             f"{_fmt(getattr(edit, name))}"
                             for name in EDIT_FIELDS if getattr(before, name) != getattr(edit, name))
        return self.save(session, author=author, plan_id=current.plan_id,
                         base_revision=base_revision, note=note)

    # -- decisions --------------------------------------------------------------------------
    def record_decision(self, plan_id: str, *, approver: str | Author, note: str = "") -> Decision:
        """Who approved the plan and when; tied to the plan's latest revision."""
        plan_id = check_id(plan_id)
        approver = _name(approver, "approver")
        note = _text(note or "", MAX_NOTE_CHARS)
        at = self._stamp()
        with self._guard(), self._write() as conn:
            plan = self._plan_row(conn, plan_id, lock=True)
            result = conn.execute(insert(decisions_table).values(
                plan_id=plan_id, revision=plan.latest_revision, approver=approver, decided_at=at,
                note=note))
            decision_id = result.inserted_primary_key[0]
        return Decision(int(decision_id), plan_id, plan.latest_revision, approver, at, note)

    def decisions(self, plan_id: str) -> list[Decision]:
        plan_id = check_id(plan_id)
        with self._guard(), self._read() as conn:
            self._plan_row(conn, plan_id)
            rows = conn.execute(select(decisions_table)
                                .where(decisions_table.c.plan_id == plan_id)
                                .order_by(decisions_table.c.id)).all()
        return [Decision(r.id, r.plan_id, r.revision, r.approver, _utc(r.decided_at), r.note)
                for r in rows]

    # -- follow-up data ---------------------------------------------------------------------
    def attach_followup(self, plan_id: str, *, kind: str, name: str, data: bytes,
                        author: str | Author) -> FollowUp:
        """Keep an "after" measurement file (runs CSV, segment table, request log) with a plan."""
        plan_id = check_id(plan_id)
        author = _name(author, "author")
        if kind not in FOLLOWUP_KINDS:
            raise StoreError(f"Unknown follow-up kind '{_text(kind, 40)}'; use one of "
                             f"{', '.join(FOLLOWUP_KINDS)}.")
        if not isinstance(data, bytes | bytearray | memoryview):
            raise StoreError("Follow-up data must be the file's bytes.")
        data = bytes(data)
        if len(data) > MAX_FOLLOWUP_BYTES:
            raise StoreError(f"The file is {len(data) / 1e6:.0f} MB; follow-up files are "
                             f"limited to {MAX_FOLLOWUP_BYTES / 1e6:g} MB.")
        clean_name = _text(Path(str(name).replace("\\", "/")).name, 255) or f"{kind}.csv"
        at = self._stamp()
        for _attempt in range(5):
            followup_id = new_id()
            try:
                with self._guard(pass_integrity=True), self._write() as conn:
                    plan = self._plan_row(conn, plan_id, lock=True)
                    conn.execute(insert(followups_table).values(
                        id=followup_id, plan_id=plan_id, kind=kind, name=clean_name,
                        size=len(data), data=data, author=author, at=at,
                        revision=plan.latest_revision))
                return FollowUp(followup_id, plan_id, kind, clean_name, len(data), author, at,
                                plan.latest_revision)
            except IntegrityError:
                log.warning("follow-up id collision on %s; drawing another", followup_id)
        raise StoreError("Could not find a free follow-up id; try again.")

    def followups(self, plan_id: str) -> list[FollowUp]:
        """The follow-up files of a plan, oldest first (metadata only, not the bytes)."""
        plan_id = check_id(plan_id)
        t = followups_table
        with self._guard(), self._read() as conn:
            self._plan_row(conn, plan_id)
            rows = conn.execute(
                select(t.c.id, t.c.plan_id, t.c.kind, t.c.name, t.c.size, t.c.author, t.c.at,
                       t.c.revision).where(t.c.plan_id == plan_id).order_by(t.c.seq)).all()
        return [FollowUp(r.id, r.plan_id, r.kind, r.name, r.size, r.author, _utc(r.at), r.revision)
                for r in rows]

    def followup_data(self, followup_id: str) -> bytes:
        followup_id = check_id(followup_id, "follow-up")
        with self._guard(), self._read() as conn:
            data = conn.execute(select(followups_table.c.data)
                                .where(followups_table.c.id == followup_id)).scalar_one_or_none()
        if data is None:
            raise NotFound(f"There is no follow-up file with id {followup_id}.")
        return bytes(data)


def _action_rows(session: Session, today: date) -> list[ActionRow]:
    """The plan's actions: those in the saved snapshot (in its order), then any other action that
    has an edit. Owner, due date and status come from the edits (the snapshot may be older)."""
    listed: dict[str, dict[str, Any]] = {}
    snapshot = session.snapshot or {}
    snapshot_actions = snapshot.get("actions")
    if not isinstance(snapshot_actions, list):  # export snapshots list actions per section
        sections = snapshot.get("sections")
        snapshot_actions = [item for section in sections if isinstance(section, dict)
                            for item in section.get("items") or []] if isinstance(sections, list) else None
    if isinstance(snapshot_actions, list):
        for item in snapshot_actions:
            if isinstance(item, dict):
                action_id = item.get("id", item.get("action_id"))
                if isinstance(action_id, str) and action_id:
                    listed.setdefault(action_id, item)
    for action_id in session.plan_edits:
        listed.setdefault(action_id, {})
    rows = []
    for action_id, item in listed.items():
        edit = session.edit_for(action_id)
        overdue = False
        if edit.due and edit.status not in CLOSED_STATUSES:
            try:
                overdue = date.fromisoformat(edit.due) < today
            except ValueError:
                overdue = False
        title = item.get("title")
        kind = item.get("kind")
        rows.append(ActionRow(action_id=action_id,
                              title=title if isinstance(title, str) else action_id,
                              kind=kind if isinstance(kind, str) else "", owner=edit.owner,
                              email=edit.email, due=edit.due, status=edit.status, overdue=overdue))
    return rows


def _sqlite_transactions(engine: Engine) -> None:
    """SQLite transactions as SQLAlchemy documents them for pysqlite ("Serializable isolation /
    Savepoints / Transactional DDL"): SQLAlchemy, not the driver, begins them; writes take the
    write lock at BEGIN (IMMEDIATE) so that two savers queue instead of both reading the same
    latest revision; foreign keys are enforced."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("triage_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


__all__ = [
    "ActionRow", "AuditEntry", "ConflictError", "Decision", "FollowUp", "InvalidId", "NotFound",
    "PlanMeta", "PlanRow", "PlanStore", "RevisionInfo", "SavedRevision", "StoreError",
    "StoredPlan", "check_id", "default_url", "describe_changes", "new_id",
]
