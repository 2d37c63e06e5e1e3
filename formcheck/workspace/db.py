"""The workspace database: one engine per file or URL, the latest schema as SQLAlchemy Core tables.

SQLite by default (a file the coach owns; WAL so the app and the worker read while one writes; foreign keys
on; a busy timeout instead of "database is locked"), or PostgreSQL given a ``postgresql://`` URL. Every
write goes through :meth:`Workspace.tx`, one transaction.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (BigInteger, Column, Float, ForeignKey, Integer, MetaData, Table, Text, create_engine,
                        event)
from sqlalchemy.engine import Connection, Engine

from ..errors import FormcheckError
from .migrations import migrate, write_tx

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 15_000

metadata = MetaData()
clients = Table("clients", metadata,
                Column("id", Integer, primary_key=True), Column("name", Text, nullable=False),
                Column("notes", Text, nullable=False, default=""), Column("tempo_target", Text),
                Column("faults_off", Text, nullable=False, default="[]"), Column("created_at", Text, nullable=False))
clips = Table("clips", metadata,
              Column("sha256", Text, primary_key=True), Column("path", Text, nullable=False),
              Column("size_bytes", BigInteger, nullable=False), Column("original_name", Text, nullable=False),
              Column("created_at", Text, nullable=False))
sets = Table("sets", metadata,
             Column("id", Integer, primary_key=True),
             Column("client_id", BigInteger, ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
             Column("clip_sha256", Text, ForeignKey("clips.sha256"), nullable=False),
             Column("recorded_on", Text, nullable=False), Column("exercise", Text, nullable=False, default="auto"),
             Column("load_kg", Float), Column("reps_planned", Integer), Column("rpe", Float),
             Column("source", Text, nullable=False, default="coach"),
             Column("status", Text, nullable=False, default="queued"), Column("result_json", Text),
             Column("outputs_dir", Text), Column("error", Text), Column("created_at", Text, nullable=False),
             Column("analysed_at", Text), Column("seen_by_coach", Integer, nullable=False, default=0),
             Column("shared_at", Text), Column("original_name", Text, nullable=False, default=""),
             Column("exercise_found", Text))
set_notes = Table("set_notes", metadata,
                  Column("id", Integer, primary_key=True),
                  Column("set_id", BigInteger, ForeignKey("sets.id", ondelete="CASCADE"), nullable=False),
                  Column("text", Text, nullable=False), Column("created_at", Text, nullable=False),
                  Column("rep_index", Integer))
jobs = Table("jobs", metadata,
             Column("id", Integer, primary_key=True),
             Column("set_id", BigInteger, ForeignKey("sets.id", ondelete="CASCADE"), nullable=False),
             Column("state", Text, nullable=False, default="queued"),
             Column("attempts", Integer, nullable=False, default=0), Column("error", Text),
             Column("created_at", Text, nullable=False), Column("updated_at", Text, nullable=False),
             Column("worker", Text), Column("lease_until", Float),
             Column("progress", Float, nullable=False, default=0.0), Column("message", Text, nullable=False, default=""))
coaches = Table("coaches", metadata,
                Column("id", Integer, primary_key=True), Column("username", Text, nullable=False, unique=True),
                Column("password_hash", Text, nullable=False), Column("created_at", Text, nullable=False))
coach_sessions = Table("coach_sessions", metadata,
                       Column("token_sha256", Text, primary_key=True),
                       Column("coach_id", BigInteger, ForeignKey("coaches.id", ondelete="CASCADE"), nullable=False),
                       Column("created_at", Text, nullable=False), Column("expires_at", Float, nullable=False))
upload_tokens = Table("upload_tokens", metadata,
                      Column("token", Text, primary_key=True),
                      Column("client_id", BigInteger, ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
                      Column("created_at", Text, nullable=False), Column("revoked_at", Text))
finding_decisions = Table("finding_decisions", metadata,
                          Column("set_id", BigInteger, ForeignKey("sets.id", ondelete="CASCADE"), primary_key=True),
                          Column("finding_key", Text, primary_key=True), Column("decision", Text, nullable=False),
                          Column("cue", Text), Column("decided_at", Text, nullable=False))


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000,
                                                             "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy, not the sqlite3 module, open transactions: DDL in a migration is then transactional too.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a power cut loses at most the last commit
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE takes the write lock up front, so two writers queue on the busy timeout instead of one
        # failing with "database is locked" when it upgrades a read lock.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("formcheck_write") else "BEGIN")

    return engine


class Workspace:
    """A coach's workspace: the database and the folder that holds clips and analysis outputs.

    Args:
        db: a SQLite file path, or a SQLAlchemy URL (``sqlite:///...``, ``postgresql+psycopg://...``).
        files: folder for clips and outputs; defaults to ``<db name>-files`` beside a SQLite file (required
            for PostgreSQL).
    """

    def __init__(self, db: str | os.PathLike, files: str | os.PathLike | None = None):
        db = str(db)
        if "://" in db:
            if db.startswith("sqlite:///"):
                path = Path(db[len("sqlite:///"):])
                self.engine = self._open_sqlite(path)
                default_files = path.with_name(path.stem + "-files")
            else:
                if db.startswith("postgresql://"):
                    db = "postgresql+psycopg://" + db[len("postgresql://"):]
                try:
                    self.engine = create_engine(db, pool_pre_ping=True)
                except ImportError as exc:
                    raise FormcheckError(f"PostgreSQL needs the psycopg driver ({exc}). Install it with "
                                         "pip install 'formcheck[postgres]'.") from None
                default_files = None
        else:
            path = Path(db)
            self.engine = self._open_sqlite(path)
            default_files = path.with_name(path.stem + "-files")
        if files is None and default_files is None:
            raise FormcheckError("A PostgreSQL workspace needs a folder for clips and outputs: give --files DIR "
                                 "(or FORMCHECK_FILES).")
        self.files = Path(files if files is not None else default_files).resolve()
        self.files.mkdir(parents=True, exist_ok=True)
        self.url = db
        self.schema = migrate(self.engine)

    @staticmethod
    def _open_sqlite(path: Path) -> Engine:
        if path.is_dir():
            raise FormcheckError(f"'{path}' is a folder; give a database file such as {path / 'workspace.db'}.")
        path.parent.mkdir(parents=True, exist_ok=True)
        return _sqlite_engine(path.resolve())

    @contextmanager
    def tx(self):
        """One write transaction: committed when the block ends, rolled back on any exception."""
        with write_tx(self.engine) as conn:
            yield conn

    @contextmanager
    def read(self):
        with self.engine.connect() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Workspace({self.engine.url.render_as_string(hide_password=True)!r}, files={str(self.files)!r})"


def row_dict(row) -> dict:
    return dict(row._mapping) if row is not None else None


__all__ = ["Workspace", "Connection", "metadata", "clients", "clips", "sets", "set_notes", "jobs", "coaches",
           "coach_sessions",
           "upload_tokens", "finding_decisions", "row_dict"]
