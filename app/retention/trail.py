"""Retention's use of the audit trail (``app.audit``): its own records, removing the
personal details of destroyed cases, and who received or saw a case."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from casusregie.app.audit import AuditRecord, record, strip_details
from casusregie.app.extensions import db

__all__ = ["disclosures", "forget", "record"]

#: The actions that show or hand case data to an organisation.
DISCLOSING = ("read", "search", "print", "export", "admission")


def forget(case_ids: list[int], subject_ids: list[int],
           objects: dict[str, list[int]] | None = None) -> int:
    """Strip personal details from the audit records of destroyed cases, persons and
    signals (after their rows are gone, in the same transaction); the chain stays valid."""
    return strip_details(case_ids=case_ids, subject_ids=subject_ids, objects=objects or {})


def disclosures(case_ids: list[int], subject_id: int | None = None
                ) -> list[tuple[str, str, dt.datetime, dt.datetime, int]]:
    """(organisation, action, first, last, times) of every read, search, print, export
    and admission of these cases (and reads of the person's own page)."""
    about: list[Any] = [AuditRecord.case_id.in_(case_ids)] if case_ids else []
    if subject_id is not None:
        about.append(sa.and_(AuditRecord.object_type == "subject",
                             AuditRecord.object_id == subject_id))
    if not about:
        return []
    rows = db.session.execute(
        sa.select(AuditRecord.organisation, AuditRecord.action, sa.func.min(AuditRecord.at),
                  sa.func.max(AuditRecord.at), sa.func.count())
        .where(sa.or_(*about), AuditRecord.action.in_(DISCLOSING),
               AuditRecord.organisation.is_not(None))
        .group_by(AuditRecord.organisation, AuditRecord.action))
    return [tuple(row) for row in rows]
