"""The hash chain: canonical serialisation, appending under the chain-head lock, verifying."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
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


def record_hash(rec: AuditRecord) -> str:
    values = {}
    for name in HASHED:
        value = getattr(rec, name)
        if name == "at":
            value = value.isoformat(timespec="microseconds")
        values[name] = value
    return digest(canonical_json(values))


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
