"""Questions the privacy officer asks of the trail: timelines and unusual access."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from casusregie.app import clock
from casusregie.app.audit.models import AuditRecord
from casusregie.app.models import Case, CaseAdmission, CaseSubject

#: Amsterdam hours counted as night: reads then are flagged.
NIGHT_START, NIGHT_END = 22, 6
#: A user who read this many cases outside their organisation's own and admitted cases
#: within the period is flagged.
MANY_OUTSIDE = 10
READS = ("read", "search", "print", "export")


def is_night(at: dt.datetime) -> bool:
    hour = clock.to_local(at).hour
    return hour >= NIGHT_START or hour < NIGHT_END


def person_timeline(session: Session, subject_id: int, limit: int = 500) -> list[AuditRecord]:
    """Everything recorded about one person: their own page and their cases."""
    cases = sa.select(CaseSubject.case_id).where(CaseSubject.subject_id == subject_id)
    return list(session.scalars(
        sa.select(AuditRecord).where(sa.or_(
            sa.and_(AuditRecord.object_type == "subject", AuditRecord.object_id == subject_id),
            AuditRecord.case_id.in_(cases)))
        .order_by(AuditRecord.at, AuditRecord.seq).limit(limit)))


def case_timeline(session: Session, case_id: int, limit: int = 500) -> list[AuditRecord]:
    return list(session.scalars(
        sa.select(AuditRecord).where(AuditRecord.case_id == case_id)
        .order_by(AuditRecord.at, AuditRecord.seq).limit(limit)))


@dataclass
class Unusual:
    username: str
    organisation: str
    outside_cases: int
    night_reads: int


def unusual_access(session: Session, since: dt.datetime,
                   many: int = MANY_OUTSIDE) -> list[Unusual]:
    """Users who read many cases outside their own organisation's (lead or admitted), and
    users who read case content at night (Amsterdam time)."""
    table = Case.__table__
    admitted = sa.select(CaseAdmission.id).where(
        CaseAdmission.case_id == AuditRecord.case_id,
        CaseAdmission.organisation_id == AuditRecord.organisation_id)
    outside = dict(session.execute(
        sa.select(AuditRecord.username, sa.func.count(sa.distinct(AuditRecord.case_id)))
        .join(table, table.c.id == AuditRecord.case_id)
        .where(AuditRecord.at >= since, AuditRecord.action.in_(READS),
               AuditRecord.organisation_id.is_not(None),
               table.c.lead_organisation_id != AuditRecord.organisation_id,
               ~sa.exists(admitted))
        .group_by(AuditRecord.username)).all())
    nights: dict[str, int] = {}
    organisations: dict[str, str] = {}
    for username, organisation, at in session.execute(
            sa.select(AuditRecord.username, AuditRecord.organisation, AuditRecord.at)
            .where(AuditRecord.at >= since, AuditRecord.action.in_(READS),
                   AuditRecord.username.is_not(None))):
        organisations[username] = organisation or ""
        if is_night(at):
            nights[username] = nights.get(username, 0) + 1
    names = {u for u, n in outside.items() if n >= many} | set(nights)
    return sorted((Unusual(u, organisations.get(u, ""), outside.get(u, 0), nights.get(u, 0))
                   for u in names), key=lambda row: (-row.outside_cases, -row.night_reads))
