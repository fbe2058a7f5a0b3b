"""SQLite in write-ahead-log mode, and copies of its databases that keep what the log holds.

The app sets ``journal_mode=WAL`` and ``synchronous=NORMAL`` on its SQLite connections
(app/database.py). Committed changes then sit in ``<name>-wal`` until a checkpoint, so
the tests' database copies (``tests/conftest.py``, ``tests/support.py``) go through
SQLite's backup API. These tests make their own SQLite files, whatever ``CASUS_TEST_DB``
names: the behaviour is SQLite's, and both runs check it.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import SQLiteDatabase
from tests.support import copy_sqlite_database, make_app, remove_sqlite_database

ROWS = 500


@contextlib.contextmanager
def pending_log(path: Path, label: str = "committed") -> Iterator[sqlite3.Connection]:
    """A WAL database whose committed rows are all still in its log: automatic
    checkpoints off and the connection kept open (the last connection to close would
    checkpoint)."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT NOT NULL)")
        conn.executemany("INSERT INTO item (label) VALUES (?)",
                         [(f"{label} {i}",) for i in range(ROWS)])
        conn.commit()
        assert Path(f"{path}-wal").stat().st_size > 0
        yield conn
    finally:
        conn.close()


def items(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        try:
            return [row[0] for row in conn.execute("SELECT label FROM item ORDER BY id")]
        except sqlite3.DatabaseError:
            return []  # no such table, or not a database: nothing of the rows arrived


def test_the_app_connects_with_a_write_ahead_log_and_normal_sync(tmp_path) -> None:
    from casusregie.app.extensions import db

    app = make_app(f"sqlite:///{tmp_path / 'wal.db'}")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    # Every connection: a second one from the pool's point of view as well.
    with app.app_context():
        db.engine.dispose()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1


def test_the_rollback_journal_stays_when_switched_off(tmp_path) -> None:
    from casusregie.app.extensions import db

    app = make_app(f"sqlite:///{tmp_path / 'journal.db'}", CASUS_SQLITE_WAL=False)
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_a_connection_that_cannot_switch_keeps_full_sync(tmp_path, caplog, monkeypatch) -> None:
    """Switching to WAL needs the file to itself for a moment; while another connection
    reads, the switch fails after the busy timeout and the connection keeps FULL (NORMAL
    under a rollback journal could damage the file at a power cut)."""
    from casusregie.app import database
    from casusregie.app.database import use_write_ahead_log

    # Alembic's logging set-up disables the loggers that exist when migrations run.
    monkeypatch.setattr(database.log, "disabled", False)

    path = tmp_path / "busy.db"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as reader:
        reader.execute("CREATE TABLE item (id INTEGER PRIMARY KEY)")
        reader.execute("BEGIN")
        reader.execute("SELECT * FROM item").fetchall()  # holds a shared lock
        with contextlib.closing(sqlite3.connect(path, timeout=0.05)) as conn:
            use_write_ahead_log(conn, None)
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert "rollback journal" in caplog.text


def test_a_copy_keeps_what_is_still_in_the_write_ahead_log(tmp_path) -> None:
    source = tmp_path / "source.db"
    with pending_log(source):
        # What a plain file copy gets: the file without the log, so without the rows.
        shutil.copyfile(source, tmp_path / "file-copy.db")
        assert items(tmp_path / "file-copy.db") == []

        copy_sqlite_database(source, tmp_path / "copy.db")
    assert items(tmp_path / "copy.db") == [f"committed {i}" for i in range(ROWS)]


def test_a_copy_replaces_a_database_in_use_with_a_log_of_its_own(tmp_path) -> None:
    """The work database is copied over again and again; a log of its previous content
    (or a connection still open on it) must not survive into the new copy."""
    source, target = tmp_path / "source.db", tmp_path / "target.db"
    with pending_log(source, "new"), pending_log(target, "old") as still_open:
        copy_sqlite_database(source, target)
        assert [row[0] for row in still_open.execute("SELECT label FROM item LIMIT 1")] \
            == ["new 0"]
    assert items(target) == [f"new {i}" for i in range(ROWS)]


def test_removing_a_database_removes_its_log(tmp_path) -> None:
    path = tmp_path / "gone.db"
    with pending_log(path):
        pass
    # The last connection closed and checkpointed; make the log files exist anyway.
    Path(f"{path}-wal").write_bytes(b"stale")
    Path(f"{path}-shm").write_bytes(b"stale")
    remove_sqlite_database(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("how", ["reset", "copy_of"])
def test_the_test_databases_copies_keep_the_templates_log(tmp_path, how) -> None:
    """``SQLiteDatabase`` (tests/conftest.py) copies a template an app still holds open,
    with its last commits in the log: a shared template built and not yet disposed."""
    database = SQLiteDatabase(tmp_path)
    with pending_log(database.template):
        if how == "reset":
            database.reset()
            copied = database.path
        else:
            url, drop = database.copy_of(database.template_url, "copy")
            copied = Path(sa.engine.make_url(url).database)
    assert items(copied) == [f"committed {i}" for i in range(ROWS)]
    if how == "copy_of":
        drop()
        assert not copied.exists()
