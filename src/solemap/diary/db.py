"""Where the diary lives and how it is opened.

By default the diary is an SQLite file in the user's data folder (``platformdirs``); the
environment variable ``SOLEMAP_DATABASE_URL`` or an explicit URL (``--database-url``) selects
another file or a PostgreSQL server (``postgresql+psycopg://user:password@host/dbname``).

SQLite is opened in WAL mode with foreign keys on, ``synchronous=FULL`` (a committed entry
survives a crash or power cut) and a busy timeout, and every write transaction starts with
``BEGIN IMMEDIATE`` so that two programs writing at once queue up instead of failing halfway.
Nothing here touches the disk until :meth:`Database.open` is called.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from solemap.diary.errors import DiaryError, StorageError, storage_error

ENV_URL = "SOLEMAP_DATABASE_URL"
BUSY_TIMEOUT_MS = 10_000
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
MIGRATION_LOCK_ID = 0x50_1E_4D_A9  # any constant; only solemap's migrations take this advisory lock


def default_database_path() -> Path:
    """The SQLite file used when no URL is given: ``diary.sqlite3`` in :func:`solemap.paths.user_data_dir`."""
    from solemap.paths import user_data_dir

    return user_data_dir() / "diary.sqlite3"


def resolve_url(url: str | None = None) -> str:
    """The database URL to use: ``url`` if given, else ``$SOLEMAP_DATABASE_URL``, else the default file."""
    if url:
        return url
    env = os.environ.get(ENV_URL, "").strip()
    if env:
        return env
    return f"sqlite:///{default_database_path()}"


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook below issue BEGIN itself (pysqlite's own implicit
    # transactions start too late and never as IMMEDIATE).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    # A read-only file cannot switch its journal mode; reading it works all the same.
    with contextlib.suppress(sqlite3.OperationalError):
        cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # Writers take the write lock at BEGIN, where the busy timeout applies; a deferred
    # transaction that upgrades from read to write fails at once with "database is locked".
    if conn.get_execution_options().get("solemap_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def _postgres_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # The PostgreSQL counterpart of SQLite's busy timeout: a writer that cannot get a lock
    # within the same time gets a clear "try again" error instead of waiting forever.
    with dbapi_conn.cursor() as cur:
        cur.execute(f"SET lock_timeout = {int(BUSY_TIMEOUT_MS)}")
    dbapi_conn.commit()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with the diary's connection settings (no connection is opened)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DiaryError(f"database URL {url!r} is not a valid SQLAlchemy URL") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not parsed.query.get("uri"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # The timeout is read when the engine is made, so tests can shorten it.
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(parsed, pool_pre_ping=True)
        event.listen(engine, "connect", _postgres_on_connect)
        return engine
    raise DiaryError(f"database URL {url!r}: only sqlite and postgresql databases are supported")


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def _revision_chain() -> tuple[str, ...]:
    # The shipped scripts do not change while a program runs: read them once.
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return tuple(s.revision for s in reversed(list(ScriptDirectory.from_config(cfg).walk_revisions())))


def head_revision() -> str:
    """The newest migration revision shipped with this version of solemap."""
    return _revision_chain()[-1]


def revisions() -> list[str]:
    """Every shipped revision, oldest first."""
    return list(_revision_chain())


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, revision: str = "head", *, down: bool = False) -> None:
    """Upgrade (or with ``down=True`` downgrade) the schema to ``revision`` in one transaction.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE`` and on PostgreSQL it takes an
    advisory lock, so concurrent openers run the migrations one after the other.
    """
    from alembic import command

    try:
        with engine.execution_options(solemap_write=True).begin() as conn:
            if conn.dialect.name == "postgresql":
                # Two programs opening a new database at once must not both create the tables:
                # the second waits here, then finds the schema already at the target revision.
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
            cfg = _alembic_config(conn)
            if down:
                command.downgrade(cfg, revision)
            else:
                command.upgrade(cfg, revision)
    except (DBAPIError, OSError) as exc:
        translated = storage_error(exc, "update the diary's database schema")
        if translated is not None:
            raise translated from exc
        raise


@dataclass
class Database:
    """An open diary database: an engine plus sessions for reading and for writing."""

    url: str
    engine: Engine
    _read: sessionmaker[Session] = field(init=False, repr=False)
    _write: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(solemap_write=True), expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None, *, upgrade: bool = True) -> Database:
        """Open the database at ``url`` (see :func:`resolve_url`), bringing its schema up to date.

        Raises :class:`StorageError` when the database cannot be reached or is too new for
        this version of solemap.
        """
        resolved = resolve_url(url)
        engine = make_engine(resolved)
        db = cls(resolved, engine)
        if upgrade:
            try:
                current = current_revision(engine)
            except (DBAPIError, OSError) as exc:
                engine.dispose()
                translated = storage_error(exc, "open the diary")
                if translated is not None:
                    raise translated from exc
                raise StorageError(f"could not open the diary at {db.display_url}: {exc}") from exc
            if current != head_revision():
                if current is not None and current not in revisions():
                    engine.dispose()
                    raise StorageError(
                        f"the diary at {db.display_url} was written by a newer solemap "
                        f"(schema revision {current}); update solemap to open it"
                    )
                migrate(engine)
        return db

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reading."""
        with self._read() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session whose work is committed when the block ends (and rolled back on error)."""
        with self._write.begin() as session:
            yield session

    def table_names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
