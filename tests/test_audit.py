"""The audit trail's core: records chained by hashes, verified, refused changes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from casusregie.app.audit import AuditDetail, AuditRecord, record

# Tampering and refused changes on connections of their own, concurrent writers in
# threads, failed logins recorded on a connection of their own: a fresh copy.
pytestmark = pytest.mark.fresh_db


def _verify(app: Flask):
    result = app.test_cli_runner().invoke(args=["casus", "audit-verify"])
    return result.exit_code, result.output


def _tamper(app: Flask, statement: str, **params) -> None:
    """Change a row behind the application's back, as a database superuser would."""
    from casusregie.app.extensions import db

    with app.app_context(), db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # A superuser can switch triggers off; the chain still shows the change.
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.execute(sa.text(statement), params)


def test_records_chain_verify_and_name_the_changed_record(app: Flask) -> None:
    from casusregie.app.extensions import db

    with app.app_context():
        record("update", object_type="case", object_id=1, case_id=1, case_number="2026-0001",
               fields={"summary": ("old", "new"), "password": ("a", "b")}, user="script")
        record("read", object_type="case", object_id=2, case_id=2, user="script")
        db.session.commit()
        rows = db.session.scalars(sa.select(AuditRecord).order_by(AuditRecord.seq)).all()
        last, before = rows[-1], rows[-2]
        assert last.prev_hash == before.hash and last.seq == before.seq + 1
        assert before.details.content == (
            '{"fields":{"password":["(hidden)","(hidden)"],"summary":["old","new"]}}')
        target = before.id
        db.session.remove()
    code, output = _verify(app)
    assert code == 0, output
    assert "intact" in output

    _tamper(app, "UPDATE audit_record SET case_number = '2026-9999' WHERE id = :id", id=target)
    code, output = _verify(app)
    assert code == 1
    assert f"record id {target} " in output


def test_removed_details_keep_the_chain(app: Flask) -> None:
    from casusregie.app.extensions import db

    with app.app_context():
        record("update", object_type="case", object_id=999999, case_id=999999,
               fields={"summary": ("a", "b")}, user="script")
        db.session.commit()
        from casusregie.app.audit import strip_details

        assert strip_details(case_ids=[999999]) == 1
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditDetail)
                                 .where(AuditDetail.record_id == sa.select(AuditRecord.id)
                                        .where(AuditRecord.case_id == 999999)
                                        .scalar_subquery())) == 0
        db.session.remove()
    code, output = _verify(app)
    assert code == 0, output
    assert "details removed by retention: 1" in output


def test_postgresql_refuses_changes_even_to_the_owner(app: Flask, db_backend: str) -> None:
    """The tests connect as the tables' owner (a superuser): the triggers still refuse."""
    if db_backend != "postgresql":
        pytest.skip("the triggers exist on PostgreSQL")
    from casusregie.app.extensions import db

    with app.app_context():
        record("update", object_type="case", object_id=1, case_id=1,
               fields={"summary": ("a", "b")}, user="script")
        db.session.commit()
        for statement in ("UPDATE audit_record SET username = 'x'",
                          "DELETE FROM audit_record",
                          "TRUNCATE audit_record CASCADE",
                          "UPDATE audit_detail SET content = '{}'",
                          # the details of a case that still exists stay
                          "DELETE FROM audit_detail"):
            with pytest.raises(sa.exc.DBAPIError, match="audit"), db.engine.begin() as conn:
                conn.exec_driver_sql(statement)
        db.session.remove()


def test_failed_login_is_recorded(app: Flask) -> None:
    """Kept although the refused login's own work is rolled back (a fresh database copy:
    the record is written on a connection of its own)."""
    from casusregie.app.extensions import db
    from tests.support import Browser

    with app.app_context():
        start = db.session.scalar(sa.select(sa.func.max(AuditRecord.seq)))
        db.session.remove()
    with pytest.raises(AssertionError):
        Browser(app).login("regisseur", "wrong-password-1")
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditRecord).where(AuditRecord.seq > start)).all()
        assert [(r.action, r.object_type, r.username, r.channel) for r in rows] == [
            ("login_failed", "user", "regisseur", "web")]
        db.session.remove()


def test_concurrent_writers_keep_one_chain(app: Flask) -> None:
    """Two transactions appending at once: the chain-head lock (on SQLite the database's
    write lock, taken by the head's UPDATE) makes them take turns."""
    import threading

    from casusregie.app.audit import build_record
    from casusregie.app.extensions import db

    barrier = threading.Barrier(2)

    def writer(name: str) -> None:
        with app.app_context():
            for _ in range(10):
                session = db.session.session_factory()
                barrier.wait(timeout=10)
                session.add(build_record("read", object_type="case", object_id=1, user=name))
                session.commit()
                session.close()
            db.session.remove()

    threads = [threading.Thread(target=writer, args=(f"writer-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    code, output = _verify(app)
    assert code == 0, output


def test_page_reads_and_writes_appending_at_once_keep_one_chain(app: Flask) -> None:
    """A page's reads take the chain head without holding its lock while hashing; a
    write appending at the same moment makes them hash again, never fork the chain.
    On SQLite (write-ahead log: readers do not wait for the writer) the reads' first
    statement takes the write lock, so they wait for the write instead."""
    import threading

    from casusregie.app.audit import build_record, build_row
    from casusregie.app.audit.chain import append_rows
    from casusregie.app.extensions import db

    barrier = threading.Barrier(3)
    failures: list[BaseException] = []

    def reader(name: str) -> None:
        with app.app_context():
            for _ in range(15):
                session = db.session.session_factory()
                barrier.wait(timeout=10)
                try:
                    append_rows(session.connection(), [
                        build_row("read", object_type="case", object_id=1, user=name),
                        build_row("search", object_type="case", user=name,
                                  detail={"ids": [1, 2, 3]})])
                    session.commit()
                except BaseException as exc:  # noqa: BLE001 - reported below
                    failures.append(exc)
                session.close()

    def writer() -> None:
        with app.app_context():
            for _ in range(15):
                session = db.session.session_factory()
                barrier.wait(timeout=10)
                session.add(build_record("update", object_type="case", object_id=1,
                                         user="writer", fields={"summary": ("a", "b")}))
                session.commit()
                session.close()

    threads = [threading.Thread(target=reader, args=(f"reader-{i}",)) for i in range(2)]
    threads.append(threading.Thread(target=writer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures
    code, output = _verify(app)
    assert code == 0, output
    with app.app_context():
        counts = dict(db.session.execute(
            sa.select(AuditRecord.username, sa.func.count())
            .where(AuditRecord.username.in_(["reader-0", "reader-1", "writer"]))
            .group_by(AuditRecord.username)).all())
        db.session.remove()
    assert counts == {"reader-0": 30, "reader-1": 30, "writer": 15}
