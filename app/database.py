"""Settings of the app's database connections that the database URL cannot carry.

SQLite: write-ahead logging (``journal_mode=WAL``) with ``synchronous=NORMAL`` on every
connection of the app's engines, the usual setting for an embedded SQLite that serves
requests. A commit then appends to the ``-wal`` file next to the database without
waiting for the disk; the file is synced at checkpoints. What a commit wrote survives
the process dying the moment after (the operating system holds it); only a power cut or
a crash of the machine itself can lose the last commits before a checkpoint, never leave
the database inconsistent. Under the default rollback journal every commit waited for
two syncs, which was most of what recording a page's read cost (docs/performance.md,
"Audit trail"). Readers no longer wait for a writer either.

The ``-wal`` and ``-shm`` files belong to the database: a backup copies it with SQLite's
backup API (``sqlite3 casusregie.db ".backup copy.db"``) or with the app stopped, never
by copying the one file while the app runs (docs/deployment.md). ``CASUS_SQLITE_WAL=false``
keeps the rollback journal, for a database on a network file system (WAL needs shared
memory between the processes using the file).

PostgreSQL's connection settings are made in ``config.tune_engine_options``.
"""

from __future__ import annotations

import logging
import sqlite3

import sqlalchemy as sa
from flask import Flask

log = logging.getLogger(__name__)


def install_engine_settings(app: Flask) -> None:
    """Listen on the ``connect`` event of every SQLite engine of ``app``."""
    from casusregie.app.extensions import db

    if not app.config.get("CASUS_SQLITE_WAL", True):
        return
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if (engine.dialect.name == "sqlite"
                and not sa.event.contains(engine, "connect", use_write_ahead_log)):
            sa.event.listen(engine, "connect", use_write_ahead_log)


def use_write_ahead_log(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    """``journal_mode=WAL`` (stored in the database file: a no-op once it is) and, only
    when that holds, ``synchronous=NORMAL``: under a rollback journal NORMAL could leave a
    damaged database after a power cut, so a connection that could not switch keeps FULL."""
    cursor = dbapi_connection.cursor()
    try:
        try:
            mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            # Switching needs the file to itself for a moment: another process was busy
            # past the busy timeout. The next connection tries again.
            log.warning("SQLite stays on its rollback journal for now: %s", exc)
            return
        if str(mode).lower() == "wal":
            cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()
