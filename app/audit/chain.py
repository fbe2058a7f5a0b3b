"""The hash chain: canonical serialisation, appending under the chain-head lock, verifying."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit.models import AuditChainHead, AuditDetail, AuditRecord

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
    """Append records given as column mappings, with Core statements only.

    For the reads of a page: a page's read records are one multi-row ``INSERT`` (and one
    for their details), without the ORM's unit of work. Each mapping holds the record's
    columns except ``seq``, ``prev_hash`` and ``hash``, and ``content``: the canonical
    JSON of its details or ``None``.

    The chain head is read without a lock and then moved in one conditional ``UPDATE``
    (the sequence number and hash it was read with), so the head row is locked only from
    that statement to the commit, not while the hashes are computed. A concurrent append
    that moved the head first makes the ``UPDATE`` match nothing (PostgreSQL re-reads the
    row once the other transaction ends); the hashes are then computed again from the new
    head. On SQLite the ``UPDATE`` comes first: it takes the database's write lock, and a
    read snapshot older than another connection's write could not be upgraded to it.
    """
    head_table = AuditChainHead.__table__
    c = head_table.c
    if conn.dialect.name == "sqlite":
        row = conn.execute(sa.update(head_table).where(c.id == 1).values(seq=c.seq)
                           .returning(c.seq, c.hash)).first()
        if row is None:
            conn.execute(sa.insert(head_table).values(id=1, seq=0, hash=GENESIS))
            row = (0, GENESIS)
        last = _chain(rows, *row)
        conn.execute(sa.update(head_table).where(c.id == 1)
                     .values(seq=row[0] + len(rows), hash=last))
    else:
        for _attempt in range(50):
            row = conn.execute(sa.select(c.seq, c.hash).where(c.id == 1)).first()
            if row is None:
                # An empty trail: the locking append creates the head row.
                conn.execute(sa.insert(head_table).values(id=1, seq=0, hash=GENESIS))
                continue
            last = _chain(rows, *row)
            moved = conn.execute(
                sa.update(head_table)
                .where(c.id == 1, c.seq == row[0], c.hash == row[1])
                .values(seq=row[0] + len(rows), hash=last))
            if moved.rowcount == 1:
                break
        else:  # pragma: no cover - fifty appends overtaking this one in a row
            raise RuntimeError("the audit chain head kept moving")
    records = AuditRecord.__table__
    contents = {row["seq"]: row.pop("content") for row in rows}
    ids = conn.execute(sa.insert(records).returning(records.c.id, records.c.seq,
                                                    sort_by_parameter_order=True), rows).all()
    details = [{"record_id": rec_id, "content": contents[seq]} for rec_id, seq in ids
               if contents.get(seq) is not None]
    if details:
        conn.execute(sa.insert(AuditDetail.__table__), details)


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
    from app.extensions import db

    seq, value = head(db.session)
    # Warning level: kept by the default logging set-up of every deployment.
    logging.getLogger("casus.audit.anchor").warning(
        "audit chain anchor: seq=%s hash=%s", seq, value)
    return seq, value
