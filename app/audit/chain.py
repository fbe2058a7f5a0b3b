"""The hash chain: canonical serialisation, appending under the chain-head lock, verifying."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from casusregie.app.audit.models import AuditChainHead, AuditDetail, AuditRecord

GENESIS = "0" * 64

#: The columns the hash covers, in a fixed order (the names are part of the serialisation).
HASHED = ("seq", "at", "action", "object_type", "object_id", "case_id", "case_number",
          "user_id", "username", "organisation_id", "organisation", "roles", "address",
          "channel", "purpose", "detail_digest", "prev_hash")


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_hash(values: Mapping[str, object]) -> str:
    """The hash of one record given as a mapping of (at least) the ``HASHED`` columns."""
    hashed = {name: values[name] for name in HASHED}
    hashed["at"] = hashed["at"].isoformat(timespec="microseconds")
    return digest(canonical_json(hashed))


def record_hash(rec: AuditRecord) -> str:
    return row_hash({name: getattr(rec, name) for name in HASHED})


def append(session: Session, records: list[AuditRecord]) -> None:
    """Give ``records`` their place in the chain, in order.

    The ``UPDATE`` of the head row comes first: on PostgreSQL it takes the row lock that
    the next writer waits for until this transaction ends (so two transactions never
    chain to the same predecessor); on SQLite it takes the database's write lock.
    """
    conn = session.connection()
    table = AuditChainHead.__table__
    row = conn.execute(
        sa.update(table).where(table.c.id == 1).values(seq=table.c.seq + len(records))
        .returning(table.c.seq, table.c.hash)).first()
    if row is None:
        conn.execute(sa.insert(table).values(id=1, seq=len(records), hash=GENESIS))
        seq, prev = len(records), GENESIS
    else:
        seq, prev = row
    seq -= len(records)
    for rec in records:
        seq += 1
        rec.seq = seq
        rec.prev_hash = prev
        rec.hash = prev = record_hash(rec)
    conn.execute(sa.update(table).where(table.c.id == 1).values(hash=prev))


def append_rows(conn: sa.Connection, rows: list[dict]) -> None:
    """Append records given as column mappings, with plain SQL statements only.

    For the reads of a page, without the ORM's unit of work. Each mapping holds the
    record's columns except ``seq``, ``prev_hash`` and ``hash``, and ``content``: the
    canonical JSON of its details or ``None``.

    PostgreSQL: the chain head is read without a lock, the hashes computed from it, and
    then one statement moves the head on condition that it still holds what was read and
    inserts the records and their details. The head row is locked from that statement to
    the commit only, one round trip and no hashing. A concurrent append that moved the
    head first makes the statement insert nothing (PostgreSQL re-checks the condition on
    the row once the other transaction ends); the hashes are then computed again from the
    new head. SQLite: see ``_append_sqlite``.
    """
    if conn.dialect.name == "sqlite":
        _append_sqlite(conn, rows)
        return
    head_table = AuditChainHead.__table__
    c = head_table.c
    for _attempt in range(50):
        row = conn.execute(sa.select(c.seq, c.hash).where(c.id == 1)).first()
        if row is None:
            # An empty trail: the locking append creates the head row.
            conn.execute(sa.insert(head_table).values(id=1, seq=0, hash=GENESIS))
            continue
        last = _chain(rows, *row)
        if _append_in_one_statement(conn, rows, row, last):
            return
    raise RuntimeError("the audit chain head kept moving")  # pragma: no cover


#: The columns a record is inserted with, and their PostgreSQL types (for ``VALUES``).
_COLUMNS = (*HASHED, "hash")
_TYPES = {"seq": "integer", "at": "timestamp", "object_id": "integer", "case_id": "integer",
          "user_id": "integer", "organisation_id": "integer"}

# SQLite's statements, as plain SQL: a page's record costs four short statements, and
# building and compiling them as Core constructs on every page cost about as much as
# running them (docs/performance.md, "Audit trail").
_SQLITE_TAKE_HEAD = "UPDATE audit_chain_head SET seq = seq WHERE id = 1 RETURNING seq, hash"
_SQLITE_NEW_HEAD = "INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, ?)"
_SQLITE_RECORD = (f"INSERT INTO audit_record ({', '.join(_COLUMNS)})"
                  f" VALUES ({', '.join('?' for _ in _COLUMNS)})")
_SQLITE_DETAIL = "INSERT INTO audit_detail (record_id, content) VALUES (?, ?)"
_SQLITE_MOVE_HEAD = "UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = 1"


def _append_sqlite(conn: sa.Connection, rows: list[dict]) -> None:
    """SQLite: the head's ``UPDATE`` comes first, as in ``append``: it takes the
    database's write lock, which a read snapshot older than another connection's write
    could not be upgraded to. Then the records, their details and the head's new place."""
    head = conn.exec_driver_sql(_SQLITE_TAKE_HEAD).first()
    if head is None:
        conn.exec_driver_sql(_SQLITE_NEW_HEAD, (GENESIS,))
        head = (0, GENESIS)
    last = _chain(rows, *head)
    for row in rows:
        values = tuple(_sqlite_value(name, row[name]) for name in _COLUMNS)
        record_id = conn.exec_driver_sql(_SQLITE_RECORD, values).lastrowid
        if row.get("content") is not None:
            conn.exec_driver_sql(_SQLITE_DETAIL, (record_id, row["content"]))
    conn.exec_driver_sql(_SQLITE_MOVE_HEAD, (head[0] + len(rows), last))


def _sqlite_value(name: str, value: object) -> object:
    # The text SQLAlchemy's DateTime stores on SQLite (and reads back), microseconds
    # always written: the ORM reads the same instant that was hashed.
    if name == "at":
        return value.isoformat(sep=" ", timespec="microseconds")  # type: ignore[attr-defined]
    return value


def _append_in_one_statement(conn: sa.Connection, rows: list[dict], head: tuple[int, str],
                             last: str) -> bool:
    """PostgreSQL: move the head, insert the records and their details in one statement
    (one round trip while the head row is locked). False when the head had moved."""
    params: dict[str, object] = {"old_seq": head[0], "old_hash": head[1],
                                 "new_seq": head[0] + len(rows), "new_hash": last}
    values, details = [], []
    for i, row in enumerate(rows):
        cells = []
        for name in _COLUMNS:
            params[f"{name}_{i}"] = row[name]
            cells.append(f"%({name}_{i})s::{_TYPES.get(name, 'text')}")
        values.append(f"({', '.join(cells)})")
        if row.get("content") is not None:
            params[f"content_{i}"] = row["content"]
            details.append(f"(%(seq_{i})s::integer, %(content_{i})s::text)")
    columns = ", ".join(_COLUMNS)
    sql = (
        "WITH head AS (UPDATE audit_chain_head SET seq = %(new_seq)s, hash = %(new_hash)s"
        " WHERE id = 1 AND seq = %(old_seq)s AND hash = %(old_hash)s RETURNING id),"
        f" rec AS (INSERT INTO audit_record ({columns}) SELECT v.* FROM"
        f" (VALUES {', '.join(values)}) AS v ({columns})"
        " WHERE EXISTS (SELECT 1 FROM head) RETURNING id, seq)")
    if details:
        sql += (", det AS (INSERT INTO audit_detail (record_id, content)"
                " SELECT rec.id, d.content FROM rec JOIN"
                f" (VALUES {', '.join(details)}) AS d (seq, content) ON d.seq = rec.seq)")
    sql += " SELECT id FROM rec"
    return len(conn.exec_driver_sql(sql, params).all()) == len(rows)


def _chain(rows: list[dict], seq: int, prev: str) -> str:
    for row in rows:
        seq += 1
        row["seq"], row["prev_hash"] = seq, prev
        row["hash"] = prev = row_hash(row)
    return prev


@dataclass
class Verdict:
    ok: bool
    count: int
    head: str
    broken_id: int | None = None
    broken_seq: int | None = None
    reason: str = ""
    details_removed: int = 0


def verify(session: Session, batch: int = 2000) -> Verdict:
    """Recompute the chain from the first record; stop at the first broken one."""
    prev, expected, count, removed = GENESIS, 1, 0, 0
    records = session.execute(
        sa.select(AuditRecord, AuditDetail.content)
        .outerjoin(AuditDetail, AuditDetail.record_id == AuditRecord.id)
        .order_by(AuditRecord.seq).execution_options(yield_per=batch))
    rows: Iterable = records
    for rec, content in rows:
        reason = ""
        if rec.seq != expected:
            reason = f"sequence {expected} missing" if rec.seq > expected else "sequence repeated"
        elif rec.prev_hash != prev:
            reason = "previous hash does not match the record before"
        elif record_hash(rec) != rec.hash:
            reason = "content does not match its hash"
        elif content is not None and digest(content) != rec.detail_digest:
            reason = "details do not match their digest"
        if reason:
            return Verdict(False, count, prev, rec.id, rec.seq, reason, removed)
        if content is None and rec.detail_digest:
            removed += 1
        prev, expected, count = rec.hash, expected + 1, count + 1
    head = session.get(AuditChainHead, 1)
    if head is not None and (head.seq != count or head.hash != prev):
        return Verdict(False, count, prev, None, head.seq,
                       f"the chain head names record {head.seq}, the trail ends at {count}",
                       removed)
    return Verdict(True, count, prev, details_removed=removed)


def head(session: Session) -> tuple[int, str]:
    row = session.get(AuditChainHead, 1)
    return (row.seq, row.hash) if row is not None else (0, GENESIS)


def anchor() -> tuple[int, str]:
    """Write the chain head to the log (daily): a copy outside the database, so that
    rewriting the whole trail after that day no longer matches what was logged."""
    from casusregie.app.extensions import db

    seq, value = head(db.session)
    # Warning level: kept by the default logging set-up of every deployment.
    logging.getLogger("casus.audit.anchor").warning(
        "audit chain anchor: seq=%s hash=%s", seq, value)
    return seq, value
